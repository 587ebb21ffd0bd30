//! Provenance and canonical facts: the real corpus passes `refs --check`
//! with its baseline; removing a Sources line, naming a connector release
//! the table does not list, misspelling a runtime id, or stating a fact with
//! another value each makes the check fail; the table and the sources are
//! served by the CLI and over MCP.

use std::process::Command;

use msf_mcp::{
    corpus::{
        Corpus, Doc,
        baseline::Baseline,
        check::{Finding, Severity},
        provenance,
    },
    facts::{self, Facts},
};
use serde_json::Value;

use crate::util::{bin, fixtures, isolate, real_references, run_fixture, stdout};

const BASELINE: &str = "tests/refs-baseline.txt";

fn real() -> Corpus {
    Corpus::from_dir(&real_references()).expect("references load")
}

fn errors(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| {
            format!(
                "{}:{}: [{} {}] {}",
                f.file, f.line, f.rule, f.subject, f.message
            )
        })
        .collect()
}

/// The real corpus with `name`'s source replaced by `edit(source)`.
fn with_edit(name: &str, edit: impl Fn(&str) -> String) -> Corpus {
    let corpus = real();
    let docs: Vec<Doc> = corpus
        .docs()
        .iter()
        .map(|d| {
            if d.name == name {
                Doc::parse(&d.name, edit(&d.source))
            } else {
                d.clone()
            }
        })
        .collect();
    Corpus::from_docs(docs, "edited".into()).with_facts(corpus.facts_toml().map(str::to_string))
}

fn check(corpus: &Corpus) -> Vec<Finding> {
    facts::check_corpus(corpus, provenance::today())
}

#[test]
fn the_real_corpus_passes_the_check_with_its_baseline() {
    let mut findings = check(&real());
    let text = std::fs::read_to_string(BASELINE).expect("baseline file");
    Baseline::parse(&text)
        .expect("baseline parses")
        .apply(&mut findings, BASELINE);
    let errors = errors(&findings);
    assert!(
        errors.is_empty(),
        "refs --check errors:\n{}",
        errors.join("\n")
    );
}

#[test]
fn the_facts_table_is_valid_and_every_reference_is_verified_and_dated() {
    let corpus = real();
    let facts = Facts::of(&corpus).expect("facts.toml parses");
    assert_eq!(facts.validate(), Vec::<String>::new());
    for id in ["FLINK-1_20", "FLINK-2_2", "FLINK-2_3"] {
        assert!(facts.runtime(id).is_some(), "{id} missing from facts.toml");
    }
    for doc in corpus.docs() {
        let v = doc.front.verified.as_deref().unwrap_or_default();
        assert!(
            provenance::days_from_iso_date(v).is_some(),
            "{}: verified `{v}`",
            doc.name
        );
    }
}

#[test]
fn removing_a_sources_line_from_a_fact_section_fails_the_check() {
    let corpus = real();
    let doc = corpus
        .docs()
        .iter()
        .find(|d| d.name == "checkpoint-tuning.md")
        .expect("doc");
    let section = doc
        .sections
        .iter()
        .find(|s| s.sources.is_some() && provenance::fact_evidence(s).is_some())
        .expect("a sourced fact section");
    let line = section.sources.as_ref().map(|s| s.line).expect("line");
    let subject = format!("{}#{}", doc.name, section.anchor);
    let edited = with_edit(&doc.name, |src| {
        src.lines()
            .enumerate()
            .filter(|(i, _)| i + 1 != line)
            .map(|(_, l)| format!("{l}\n"))
            .collect()
    });
    let findings = check(&edited);
    assert!(
        findings.iter().any(|f| f.rule == "unsourced"
            && f.subject == subject
            && f.severity == Severity::Error),
        "no unsourced error for {subject}:\n{}",
        errors(&findings).join("\n")
    );
}

#[test]
fn a_connector_release_the_table_does_not_list_is_a_contradiction() {
    // A release that does not exist at all.
    let edited = with_edit("aws-connectors-guide.md", |src| {
        format!("{src}\nUse `org.apache.flink:flink-connector-kafka:3.9.9-1.20`.\n")
    });
    let findings = check(&edited);
    assert!(
        findings.iter().any(|f| f.rule == "contradiction"
            && f.subject
                .ends_with("connector:flink-connector-kafka:3.9.9-1.20")),
        "{}",
        errors(&findings).join("\n")
    );
    // A real release paired with a runtime it is not listed for.
    let edited = with_edit("aws-connectors-guide.md", |src| {
        format!("{src}\n| FLINK-1_20 | `flink-connector-aws-kinesis-streams` | `6.0.1-2.0` |\n")
    });
    let findings = check(&edited);
    assert!(
        findings.iter().any(|f| f.rule == "contradiction"
            && f.subject
                .ends_with("connector:flink-connector-aws-kinesis-streams:6.0.1-2.0:FLINK-1_20")),
        "{}",
        errors(&findings).join("\n")
    );
}

#[test]
fn a_library_release_paired_with_the_wrong_runtime_is_a_contradiction() {
    let library_findings = |line: &str| -> Vec<String> {
        let edited = with_edit("dependency-management.md", |src| format!("{src}\n{line}\n"));
        check(&edited)
            .into_iter()
            .filter(|f| f.rule == "contradiction" && f.subject.contains("library:"))
            .map(|f| f.subject)
            .collect()
    };
    for (line, subject) in [
        // The error of record: a Java 17 build recommended for the Java 11 runtime, in prose ...
        (
            "Pin `aws-msk-iam-auth` `2.3.5` on `FLINK-1_20`.",
            "library:aws-msk-iam-auth:2.3.5:FLINK-1_20",
        ),
        // ... and in a table row that names one runtime.
        (
            "| FLINK-1_20 | `aws-msk-iam-auth` | `2.3.6` |",
            "library:aws-msk-iam-auth:2.3.6:FLINK-1_20",
        ),
        // A release that does not exist.
        (
            "Use `aws-kinesisanalytics-runtime` 1.9.9.",
            "library:aws-kinesisanalytics-runtime:1.9.9",
        ),
    ] {
        let found = library_findings(line);
        assert!(
            found.iter().any(|s| s.ends_with(subject)),
            "{line}: {found:?}"
        );
    }
    // Right pairings, lists, and versions of the neighbours in one sentence are no claim about it.
    for fine in [
        "Pin `aws-msk-iam-auth` `2.3.4` on `FLINK-1_20`, 2.3.5 on Flink 2.x.",
        "`aws-msk-iam-auth` 2.3.5 or 2.3.6 for `FLINK-2_2`.",
        "`aws-kinesisanalytics-runtime` 1.2.0, the SDK BOM 1.12.677, jackson 2.15.2.",
        "`software.amazon.msk:aws-msk-iam-auth`, `com.fasterxml.jackson.core:jackson-databind` `2.15.2`",
    ] {
        let found = library_findings(fine);
        assert!(found.is_empty(), "{fine}: {found:?}");
    }
}

#[test]
fn a_misspelled_runtime_id_is_a_contradiction() {
    let edited = with_edit("flink-2x-migration.md", |src| {
        format!("{src}\nSet `RuntimeEnvironment` to `FLINK-2_21`.\n")
    });
    let findings = check(&edited);
    let hit = findings
        .iter()
        .find(|f| f.rule == "contradiction" && f.subject.ends_with("runtime:FLINK-2_21"))
        .unwrap_or_else(|| panic!("{}", errors(&findings).join("\n")));
    assert_eq!(hit.file, "flink-2x-migration.md");
    assert!(hit.message.contains("FLINK-2_3"), "{}", hit.message);
}

#[test]
fn a_fact_stated_with_another_value_is_a_contradiction() {
    let edited = with_edit("resource-optimization.md", |src| {
        format!("{src}\nA KPU gives you 8 GB of memory per KPU.\n")
    });
    let findings = check(&edited);
    assert!(
        findings
            .iter()
            .any(|f| f.rule == "contradiction" && f.subject.ends_with("fact:kpu-memory")),
        "{}",
        errors(&findings).join("\n")
    );
}

#[test]
fn urls_in_sources_lines_stay_out_of_the_searchable_body() {
    let mut checked = 0;
    for doc in real().docs() {
        for s in &doc.sections {
            for link in s.sources.iter().flat_map(|x| &x.links) {
                checked += 1;
                assert!(
                    !s.body.contains(&link.url) && !s.code.contains(&link.url),
                    "{}#{}: the source {} reached the indexed text",
                    doc.name,
                    s.anchor,
                    link.url
                );
            }
        }
    }
    assert!(checked > 1_000, "only {checked} source links");
}

#[test]
fn refs_check_baseline_marks_known_errors_pending_and_fails_on_stale_lines() {
    let dir = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(fixtures()).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
    }
    let path = dir.path().join("kinesis-connector-guide.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let cut: String = text
        .lines()
        .filter(|l| !l.starts_with("Sources:"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&path, cut).unwrap();
    let run = |extra: &[&str]| {
        let mut cmd = Command::new(bin());
        isolate(&mut cmd)
            .arg("--references")
            .arg(dir.path())
            .args(["refs", "--check"])
            .args(extra)
            .output()
            .unwrap()
    };
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("2 unsourced"), "{}", stdout(&o));

    let baseline = dir.path().join("baseline.txt");
    let o = run(&["--write-baseline", baseline.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let o = run(&["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("2 pending"), "{}", stdout(&o));

    std::fs::write(&path, text).unwrap();
    let o = run(&["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("no such error remains"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn facts_cli_prints_the_table_as_text_and_json() {
    let o = run_fixture(&["facts", "--json"]);
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["runtime"][1]["id"], "FLINK-2_2");
    assert_eq!(v["connector"][0]["versions"]["FLINK-2_2"][0], "6.0.1-2.0");
    let o = run_fixture(&["facts"]);
    let out = stdout(&o);
    assert!(
        out.contains("FLINK-2_2") && out.contains("Java 17"),
        "{out}"
    );
    assert!(out.contains("flink-connector-aws-kinesis-streams"), "{out}");

    let mut cmd = Command::new(bin());
    let o = isolate(&mut cmd)
        .args(["facts", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["runtime"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "FLINK-2_3"),
        "the embedded table names FLINK-2_3"
    );
}

#[test]
fn search_hits_and_reads_carry_sources_and_verified() {
    let o = run_fixture(&[
        "search",
        "--json",
        "ParallelismPerKPU subtasks share one KPU",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let hit = &v["hits"][0];
    assert_eq!(hit["reference"], "scaling-decisions.md");
    assert!(
        hit["sources"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://docs.aws.amazon.com/"),
        "{hit}"
    );
    assert!(!hit["text"].as_str().unwrap().contains("Sources:"), "{hit}");
    let o = run_fixture(&["search", "ParallelismPerKPU subtasks share one KPU"]);
    assert!(
        stdout(&o).contains("sources: docs.aws.amazon.com/"),
        "{}",
        stdout(&o)
    );

    let o = run_fixture(&[
        "read",
        "--json",
        "scaling-decisions.md",
        "what-does-parallelismperkpu-change",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["verified"], "2026-11-29");
    assert_eq!(v["versions"][0], "FLINK-1_20");
    assert!(
        v["sources"][0]["url"]
            .as_str()
            .unwrap()
            .contains("how-scaling")
    );
    let toc_sources = v["toc"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["sources"].is_array())
        .count();
    assert!(toc_sources >= 2, "{v}");
}
