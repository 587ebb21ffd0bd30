//! `msf-mcp refs --check` and `msf-mcp facts`: the provenance check over the
//! references and the canonical facts table, for people and for CI.

use std::{fmt::Write as _, path::Path};

use anyhow::{Context, Result};
use serde::Serialize;

use msf_mcp::{
    corpus::{
        Corpus,
        baseline::Baseline,
        check::{Finding, ProvenanceCounts, Severity, provenance_counts},
        provenance,
    },
    facts::{self, Facts},
    render,
};

use super::{Outcome, emit};

/// What `refs --check --json` prints.
#[derive(Serialize)]
struct CheckReport<'a> {
    findings: &'a [Finding],
    errors: usize,
    warnings: usize,
    pending: usize,
    unsourced: usize,
    contradictions: usize,
    counts: ProvenanceCounts,
}

/// Runs the whole check; with `baseline`, listed errors are pending and
/// stale lines fail; with `write_baseline`, writes every error there.
pub fn check(
    corpus: &Corpus,
    baseline: Option<&Path>,
    write_baseline: Option<&Path>,
    json: bool,
) -> Result<Outcome> {
    let mut findings = facts::check_corpus(corpus, provenance::today());
    if let Some(path) = write_baseline {
        std::fs::write(path, Baseline::render(&findings))
            .with_context(|| format!("cannot write the baseline {}", path.display()))?;
    }
    if let Some(path) = baseline {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the baseline {}", path.display()))?;
        let parsed = Baseline::parse(&text)
            .map_err(|e| anyhow::anyhow!("baseline {}: {e}", path.display()))?;
        parsed.apply(&mut findings, &path.display().to_string());
    }
    let count = |sev: Severity| findings.iter().filter(|f| f.severity == sev).count();
    let by_rule = |rule: &str| {
        findings
            .iter()
            .filter(|f| f.rule == rule && f.severity != Severity::Warning)
            .count()
    };
    let report = CheckReport {
        findings: &findings,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        pending: count(Severity::Pending),
        unsourced: by_rule("unsourced"),
        contradictions: by_rule("contradiction"),
        counts: provenance_counts(corpus),
    };
    if json {
        emit(&serde_json::to_string_pretty(&report)?)?;
    } else {
        let c = report.counts;
        let mut text = render::findings(&findings);
        let _ = writeln!(
            text,
            "{} references checked: {} errors, {} warnings, {} pending in the baseline",
            c.references, report.errors, report.warnings, report.pending
        );
        let _ = writeln!(
            text,
            "provenance: {} of {} fact-bearing sections sourced ({} links), {} unsourced; {} contradictions with facts.toml; {} of {} references verified",
            c.sourced_sections,
            c.fact_sections,
            c.source_links,
            report.unsourced,
            report.contradictions,
            c.verified_references,
            c.references
        );
        emit(&text)?;
    }
    Ok(if report.errors > 0 {
        Outcome::Failed
    } else {
        Outcome::Ok
    })
}

/// Prints the canonical facts table: text for a person, or the table as JSON.
pub fn show(corpus: &Corpus, json: bool) -> Result<Outcome> {
    let facts = Facts::of(corpus)?;
    if json {
        emit(&serde_json::to_string_pretty(&facts)?)?;
    } else {
        emit(&render::facts(&facts))?;
    }
    Ok(Outcome::Ok)
}
