//! `refs --check`: finds malformed front matter, duplicate anchors, broken
//! links between references and missing provenance (fact-bearing sections
//! without a Sources paragraph, malformed source links, a missing or stale
//! `verified` date), each with its file and line. Contradictions with the
//! canonical facts table are found by `crate::facts` and reported the same way.

use serde::Serialize;

use super::{Corpus, Doc, provenance};

/// The manifest file, which carries `name` and `description` instead of the
/// reference fields.
pub const SKILL_FILE: &str = "SKILL.md";

/// How bad a finding is. Errors fail the check; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Breaks a contract (missing field, broken link, duplicate anchor).
    Error,
    /// Worth a look, but the reference still works.
    Warning,
    /// An error listed in the baseline: known, counted, not failing yet.
    Pending,
}

/// One finding of the checker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Finding {
    /// Reference file name.
    pub file: String,
    /// 1-based line (1 when the finding concerns the whole file).
    pub line: usize,
    /// Error, warning, or pending (an error listed in the baseline).
    pub severity: Severity,
    /// The rule broken, e.g. `unsourced`, `contradiction`, `no-verified`.
    pub rule: String,
    /// What the finding is about, stable across edits: `file`, `file#anchor`,
    /// or `file#anchor fact-id`. A baseline line is `rule subject`.
    pub subject: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Checks every reference of `corpus`; findings sorted by file and line.
pub fn check(corpus: &Corpus) -> Vec<Finding> {
    check_at(corpus, provenance::today())
}

/// As [`check`], with "today" given (days since 1970-01-01) for the age of `verified`.
pub fn check_at(corpus: &Corpus, today: i64) -> Vec<Finding> {
    let mut out = Vec::new();
    for doc in corpus.docs() {
        check_front_matter(doc, &mut out);
        for (anchor, line) in &doc.duplicate_anchors {
            out.push(finding(
                doc,
                *line,
                Severity::Error,
                format!("duplicate anchor `#{anchor}`: another heading has the same text; reword one of them"),
            ));
        }
        check_links(corpus, doc, &mut out);
        check_provenance(doc, today, &mut out);
    }
    sort(&mut out);
    out
}

/// How much of a corpus carries its sources.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ProvenanceCounts {
    /// Sections whose own text states facts (see `provenance::fact_evidence`) or that cite sources.
    pub fact_sections: usize,
    /// Of those, sections with a Sources paragraph.
    pub sourced_sections: usize,
    /// Source links in all.
    pub source_links: usize,
    /// References with a `verified` date.
    pub verified_references: usize,
    /// References in all.
    pub references: usize,
}

/// Counts fact-bearing and sourced sections across `corpus`.
pub fn provenance_counts(corpus: &Corpus) -> ProvenanceCounts {
    let mut c = ProvenanceCounts {
        references: corpus.docs().len(),
        ..ProvenanceCounts::default()
    };
    for doc in corpus.docs() {
        if doc.front.verified.is_some() {
            c.verified_references += 1;
        }
        for s in &doc.sections {
            let sourced = s.sources.is_some();
            if sourced || provenance::fact_evidence(s).is_some() {
                c.fact_sections += 1;
            }
            if sourced {
                c.sourced_sections += 1;
            }
            c.source_links += s.sources.as_ref().map_or(0, |x| x.links.len());
        }
    }
    c
}

/// Sorts findings by file, then line, then rule.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        a.file
            .cmp(&b.file)
            .then(a.line.cmp(&b.line))
            .then(a.rule.cmp(&b.rule))
    });
}

fn finding(doc: &Doc, line: usize, severity: Severity, message: String) -> Finding {
    Finding {
        file: doc.name.clone(),
        line,
        severity,
        rule: "format".to_string(),
        subject: doc.name.clone(),
        message,
    }
}

/// A finding about one section, with its rule and a `file#anchor` subject.
fn section_finding(
    doc: &Doc,
    anchor: &str,
    line: usize,
    severity: Severity,
    rule: &str,
    message: String,
) -> Finding {
    Finding {
        file: doc.name.clone(),
        line,
        severity,
        rule: rule.to_string(),
        subject: format!("{}#{anchor}", doc.name),
        message,
    }
}

fn check_provenance(doc: &Doc, today: i64, out: &mut Vec<Finding>) {
    let fm = &doc.front;
    match fm.verified.as_deref() {
        None => out.push(Finding {
            rule: "no-verified".into(),
            ..finding(
                doc,
                2,
                Severity::Error,
                "front matter: `verified` is missing; add `verified: YYYY-MM-DD`, the date the reference was last checked against its sources".into(),
            )
        }),
        Some(date) => match provenance::days_from_iso_date(date) {
            None => out.push(Finding {
                rule: "bad-verified".into(),
                ..finding(
                    doc,
                    fm.verified_line,
                    Severity::Error,
                    format!("front matter: `verified: {date}` is not a date; write it as YYYY-MM-DD"),
                )
            }),
            Some(day) if day > today + 1 => out.push(Finding {
                rule: "bad-verified".into(),
                ..finding(
                    doc,
                    fm.verified_line,
                    Severity::Error,
                    format!("front matter: `verified: {date}` is in the future"),
                )
            }),
            Some(day) if today - day > provenance::STALE_AFTER_DAYS => out.push(Finding {
                rule: "stale".into(),
                ..finding(
                    doc,
                    fm.verified_line,
                    Severity::Warning,
                    format!(
                        "verified {date}, {} days ago (more than {}): check the reference against its sources again",
                        today - day,
                        provenance::STALE_AFTER_DAYS
                    ),
                )
            }),
            Some(_) => {}
        },
    }
    if doc.name != SKILL_FILE && fm.versions.is_empty() {
        out.push(Finding {
            rule: "no-versions".into(),
            ..finding(
                doc,
                2,
                Severity::Warning,
                "front matter: `versions` is empty; list the runtimes (FLINK-1_20, FLINK-2_2, FLINK-2_3) and releases the reference was checked against".into(),
            )
        });
    }
    for section in &doc.sections {
        let anchor = section.anchor.as_str();
        match &section.sources {
            None => {
                if let Some(evidence) = provenance::fact_evidence(section) {
                    out.push(section_finding(
                        doc,
                        anchor,
                        section.lines.0,
                        Severity::Error,
                        "unsourced",
                        format!(
                            "section `#{anchor}` states facts ({evidence}) but has no Sources paragraph; end it with `Sources: [page title](https://...)`, or say the figures are our rule of thumb"
                        ),
                    ));
                }
            }
            Some(sources) => {
                if sources.links.is_empty() && !provenance::is_rule_of_thumb(&sources.note) {
                    out.push(section_finding(
                        doc,
                        anchor,
                        sources.line,
                        Severity::Error,
                        "empty-sources",
                        format!(
                            "section `#{anchor}`: the Sources paragraph has no link; link the pages that state its facts, or say \"our rule of thumb, not an AWS figure\""
                        ),
                    ));
                }
                for link in &sources.links {
                    if let Some(problem) = provenance::link_problem(link) {
                        out.push(section_finding(
                            doc,
                            anchor,
                            link.line,
                            Severity::Error,
                            "bad-url",
                            format!("section `#{anchor}`: {problem}"),
                        ));
                    } else if let Some(warning) = provenance::moving_branch(link) {
                        out.push(section_finding(
                            doc,
                            anchor,
                            link.line,
                            Severity::Warning,
                            "moving-branch",
                            format!("section `#{anchor}`: {warning}"),
                        ));
                    }
                }
            }
        }
    }
}

fn check_front_matter(doc: &Doc, out: &mut Vec<Finding>) {
    if !doc.has_front_matter {
        out.push(finding(
            doc,
            1,
            Severity::Error,
            "no front matter: start the file with a `---` block holding title, summary, load_when, keywords and related".into(),
        ));
        return;
    }
    for p in &doc.problems {
        out.push(finding(
            doc,
            p.line,
            Severity::Error,
            format!("front matter: {}", p.message),
        ));
    }
    let fm = &doc.front;
    let missing: Vec<&str> = if doc.name == SKILL_FILE {
        [
            ("name", fm.name.is_none()),
            ("description", fm.description.is_none()),
        ]
        .into_iter()
        .filter_map(|(k, m)| m.then_some(k))
        .collect()
    } else {
        [
            ("title", fm.title.is_none()),
            ("summary", fm.summary.is_none()),
            ("load_when", fm.load_when.is_empty()),
            ("keywords", fm.keywords.is_empty()),
            ("related", fm.related.is_empty()),
        ]
        .into_iter()
        .filter_map(|(k, m)| m.then_some(k))
        .collect()
    };
    for key in missing {
        out.push(finding(
            doc,
            2,
            Severity::Error,
            format!("front matter: `{key}` is missing or empty"),
        ));
    }
    for (key, line) in &fm.other {
        out.push(finding(
            doc,
            *line,
            Severity::Warning,
            format!("front matter: unknown key `{key}` is ignored"),
        ));
    }
}

fn check_links(corpus: &Corpus, doc: &Doc, out: &mut Vec<Finding>) {
    for related in &doc.front.related {
        if corpus.position(related).is_none() {
            out.push(finding(
                doc,
                2,
                Severity::Error,
                format!("front matter: related reference `{related}` does not exist"),
            ));
        }
    }
    for link in &doc.links {
        let target = link.target.as_str();
        if target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        let (file, anchor) = match target.split_once('#') {
            Some((f, a)) => (f, Some(a)),
            None => (target, None),
        };
        if !file.is_empty() && !file.ends_with(".md") {
            continue;
        }
        let target_doc = if file.is_empty() {
            Some(doc)
        } else if file.contains('/') {
            out.push(finding(
                doc,
                link.line,
                Severity::Error,
                format!("link `{target}`: link other references by bare file name, e.g. `scaling-decisions.md`"),
            ));
            continue;
        } else {
            corpus.position(file).and_then(|i| corpus.docs().get(i))
        };
        let Some(target_doc) = target_doc else {
            out.push(finding(
                doc,
                link.line,
                Severity::Error,
                format!("link `{target}`: no reference named `{file}`"),
            ));
            continue;
        };
        if let Some(anchor) = anchor
            && !target_doc.sections.iter().any(|s| s.anchor == anchor)
        {
            out.push(finding(
                doc,
                link.line,
                Severity::Error,
                format!(
                    "link `{target}`: `{}` has no heading with anchor `#{anchor}`",
                    target_doc.name
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "---\ntitle: A\nsummary: s\nload_when: [x]\nkeywords: [k]\nrelated: [b.md]\nverified: 2026-11-01\nversions: [FLINK-1_20]\n---\n# A\n\n## Part\n\nSee [b](b.md#intro) and [self](#part).\n";

    /// 2026-11-29 as days since 1970-01-01.
    const TODAY: i64 = 20_786;

    fn corpus(docs: &[(&str, &str)]) -> Corpus {
        Corpus::from_docs(
            docs.iter()
                .map(|(n, s)| Doc::parse(n, s.to_string()))
                .collect(),
            "test".into(),
        )
    }

    #[test]
    fn clean_corpus_has_no_findings() {
        let b = "---\ntitle: B\nsummary: s\nload_when: [x]\nkeywords: [k]\nrelated: [a.md]\nverified: 2026-11-01\nversions: [FLINK-2_2]\n---\n# B\n\n## Intro\n\nUp to 64 KPUs.\n\nSources: [quotas](https://docs.aws.amazon.com/general/latest/gr/ka.html)\n";
        assert_eq!(
            check_at(&corpus(&[("a.md", GOOD), ("b.md", b)]), TODAY),
            vec![]
        );
    }

    #[test]
    fn reports_broken_links_duplicates_and_missing_fields_with_lines() {
        let bad = "---\ntitle: C\nsummary: bad: value\n---\n# C\n\n## Same\n\n## Same\n\n[x](a.md#nope) [y](zzz.md) [z](../a.md)\n";
        let f = check(&corpus(&[("a.md", GOOD), ("c.md", bad)]));
        let c: Vec<(usize, &str)> = f
            .iter()
            .filter(|f| f.file == "c.md")
            .map(|f| (f.line, f.message.as_str()))
            .collect();
        assert!(
            c.iter()
                .any(|(l, m)| *l == 3 && m.contains("double quotes")),
            "{c:?}"
        );
        assert!(
            c.iter()
                .any(|(l, m)| *l == 9 && m.contains("duplicate anchor `#same`")),
            "{c:?}"
        );
        assert!(
            c.iter()
                .any(|(l, m)| *l == 11 && m.contains("no heading with anchor `#nope`")),
            "{c:?}"
        );
        assert!(
            c.iter()
                .any(|(l, m)| *l == 11 && m.contains("no reference named `zzz.md`")),
            "{c:?}"
        );
        assert!(c.iter().any(|(_, m)| m.contains("bare file name")), "{c:?}");
        assert!(
            c.iter().any(|(_, m)| m.contains("`load_when` is missing")),
            "{c:?}"
        );
        // a.md links to b.md, which is absent here.
        assert!(
            f.iter()
                .any(|f| f.file == "a.md" && f.message.contains("`b.md`"))
        );
    }

    #[test]
    fn skill_manifest_needs_name_and_description() {
        let f = check_at(
            &corpus(&[("SKILL.md", "---\nname: x\nverified: 2026-11-01\n---\n# S\n")]),
            TODAY,
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("`description`"));
    }

    fn rules(f: &[Finding]) -> Vec<(&str, usize, Severity)> {
        f.iter()
            .map(|x| (x.rule.as_str(), x.line, x.severity))
            .collect()
    }

    #[test]
    fn provenance_rules_name_the_section_and_line() {
        let doc = "---\ntitle: A\nsummary: s\nload_when: [x]\nkeywords: [k]\nrelated: [a.md]\nversions: [FLINK-1_20]\n---\n# A\n\n## Plain words\n\nNo facts here.\n\n## Facts\n\nUp to 64 KPUs.\n\n## Empty sources\n\nSet `Parallelism`.\n\nSources: see the docs.\n\n## Bad url\n\nSet `Parallelism`.\n\nSources: [x](http://example.com/a)\n\n## Ours\n\nKeep it at 70%.\n\nSources: our rule of thumb, not an AWS figure.\n";
        let f = check_at(&corpus(&[("a.md", doc)]), TODAY);
        assert_eq!(
            rules(&f),
            vec![
                ("no-verified", 2, Severity::Error),
                ("unsourced", 15, Severity::Error),
                ("empty-sources", 23, Severity::Error),
                ("bad-url", 29, Severity::Error),
            ],
            "{f:#?}"
        );
        assert_eq!(f[1].subject, "a.md#facts");
    }

    #[test]
    fn verified_dates_are_checked_for_form_future_and_age() {
        let with = |v: &str| {
            format!(
                "---\ntitle: A\nsummary: s\nload_when: [x]\nkeywords: [k]\nrelated: [a.md]\nversions: [FLINK-1_20]\nverified: {v}\n---\n# A\n"
            )
        };
        let r = |v: &str| {
            let f = check_at(&corpus(&[("a.md", &with(v))]), TODAY);
            rules(&f)
                .into_iter()
                .map(|(r, _, s)| (r.to_string(), s))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            r("2026-13-01"),
            vec![("bad-verified".to_string(), Severity::Error)]
        );
        assert_eq!(
            r("2027-01-01"),
            vec![("bad-verified".to_string(), Severity::Error)]
        );
        assert_eq!(
            r("2026-01-01"),
            vec![("stale".to_string(), Severity::Warning)]
        );
        assert_eq!(r("2026-11-01"), vec![]);
    }
}
