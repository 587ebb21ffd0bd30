//! `refs --check`: finds malformed front matter, duplicate anchors and broken
//! links between references, each with its file and line.

use serde::Serialize;

use super::{Corpus, Doc};

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
}

/// One finding of the checker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Finding {
    /// Reference file name.
    pub file: String,
    /// 1-based line (1 when the finding concerns the whole file).
    pub line: usize,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Checks every reference of `corpus`; findings sorted by file and line.
pub fn check(corpus: &Corpus) -> Vec<Finding> {
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
    }
    out.sort_by(|a, b| a.file.cmp(&b.file).then(a.line.cmp(&b.line)));
    out
}

fn finding(doc: &Doc, line: usize, severity: Severity, message: String) -> Finding {
    Finding {
        file: doc.name.clone(),
        line,
        severity,
        message,
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

    const GOOD: &str = "---\ntitle: A\nsummary: s\nload_when: [x]\nkeywords: [k]\nrelated: [b.md]\n---\n# A\n\n## Part\n\nSee [b](b.md#intro) and [self](#part).\n";

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
        let b = "---\ntitle: B\nsummary: s\nload_when: [x]\nkeywords: [k]\nrelated: [a.md]\n---\n# B\n\n## Intro\n";
        assert_eq!(check(&corpus(&[("a.md", GOOD), ("b.md", b)])), vec![]);
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
        let f = check(&corpus(&[("SKILL.md", "---\nname: x\n---\n# S\n")]));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("`description`"));
    }
}
