//! `msf-mcp doctor`: checks configuration, policy, references, index, audit
//! log, AWS identity and region, and says in plain words what is wrong and
//! how to fix it.

use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use msf_mcp::{
    App,
    config::KnowledgeConfig,
    corpus::{Corpus, check::Severity, provenance},
    index::Location,
    sandbox::args::ContextArgs,
};

use super::{Cli, Outcome};

/// One check's result.
#[derive(Debug, Serialize)]
pub struct Check {
    /// What was checked.
    pub name: &'static str,
    /// `ok`, `warn` or `fail`.
    pub status: &'static str,
    /// What was found, and how to fix it when it is not ok.
    pub detail: String,
}

/// When the references were last checked against their sources: warns when
/// the oldest `verified` date is more than `STALE_AFTER_DAYS` old, or missing.
pub fn corpus_age(corpus: &Corpus, today: i64) -> (&'static str, String) {
    let dated: Vec<(i64, &str)> = corpus
        .docs()
        .iter()
        .filter_map(|d| {
            let v = d.front.verified.as_deref()?;
            Some((provenance::days_from_iso_date(v)?, d.name.as_str()))
        })
        .collect();
    let undated = corpus.docs().len() - dated.len();
    let Some((oldest, name)) = dated.iter().min().copied() else {
        return (
            "warn",
            "no reference carries a `verified` date: nobody can tell when they were checked".into(),
        );
    };
    let age = today - oldest;
    let mut detail = format!("oldest verified reference: {name}, {age} days ago");
    if undated > 0 {
        detail.push_str(&format!("; {undated} references without a `verified` date"));
    }
    if age > provenance::STALE_AFTER_DAYS {
        detail.push_str(&format!(
            " (more than {} days): facts may be out of date; use a newer msf-mcp",
            provenance::STALE_AFTER_DAYS
        ));
        return ("warn", detail);
    }
    (if undated > 0 { "warn" } else { "ok" }, detail)
}

fn push(out: &mut Vec<Check>, name: &'static str, status: &'static str, detail: String) {
    out.push(Check {
        name,
        status,
        detail,
    });
}

/// Runs every check; exit 1 when one fails.
pub fn run(cli: &Cli, config: &KnowledgeConfig, json: bool) -> Result<Outcome> {
    let mut out = Vec::new();
    // References and index.
    let started = Instant::now();
    match App::load(config) {
        Ok(app) => {
            let findings = msf_mcp::facts::check_corpus(app.corpus(), provenance::today());
            let errors = findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count();
            push(
                &mut out,
                "references",
                if errors == 0 { "ok" } else { "warn" },
                format!(
                    "{} references from {} (corpus {}){}",
                    app.corpus().docs().len(),
                    app.corpus().origin(),
                    app.corpus().digest().get(..16).unwrap_or_default(),
                    if errors == 0 {
                        String::new()
                    } else {
                        format!("; {errors} problems: run `msf-mcp refs --check` to see them")
                    }
                ),
            );
            let (status, detail) = corpus_age(app.corpus(), provenance::today());
            push(&mut out, "corpus age", status, detail);
            let (status, detail) = match app.index().location() {
                Location::Disk { path, built_ms } => (
                    "ok",
                    format!(
                        "{} ({})",
                        path.display(),
                        built_ms.map_or("opened".to_string(), |ms| format!("built in {ms} ms"))
                    ),
                ),
                Location::Ram { reason, .. } => (
                    "warn",
                    format!(
                        "kept in memory: {reason}; pass --index-dir to a writable folder to persist it"
                    ),
                ),
            };
            push(
                &mut out,
                "index",
                status,
                format!("{detail}; loaded in {} ms", started.elapsed().as_millis()),
            );
        }
        Err(e) => push(
            &mut out,
            "references",
            "fail",
            format!("{e:#}; check --references / MSF_MCP_REFERENCES"),
        ),
    }
    // Policy, audit and AWS.
    let key = config.receipt_key.clone().unwrap_or_default();
    match crate::edge::sandbox(cli.source.config.as_deref(), &key) {
        Err(e) => push(
            &mut out,
            "policy",
            "fail",
            format!("{e:#}; fix the policy file (see README, \"Acting on AWS, safely\")"),
        ),
        Ok(sandbox) => {
            let p = sandbox.policy();
            let everything = p.mode.name() == "mutate"
                && p.applications
                    .iter()
                    .any(|g| g.trim_matches('*').is_empty());
            push(
                &mut out,
                "policy",
                if everything { "warn" } else { "ok" },
                format!(
                    "mode {}; may change: {}",
                    p.mode.name(),
                    if p.applications.is_empty() {
                        "nothing (add allow.applications)".to_string()
                    } else if everything {
                        format!(
                            "{}: EVERY application in mutate mode; name the applications (or a prefix such as `orders-*`) that may change",
                            p.applications.join(", ")
                        )
                    } else {
                        p.applications.join(", ")
                    }
                ),
            );
            match sandbox.audit().verify() {
                Ok(v) if v.ok() && !v.gaps.is_empty() => push(
                    &mut out,
                    "audit",
                    "warn",
                    format!(
                        "{}: {} records, chain verified, but {} attempt(s) have no outcome record ({}): check those calls in AWS; `msf-mcp audit verify` lists them",
                        sandbox.audit().path().display(),
                        v.records,
                        v.gaps.len(),
                        v.gaps.join("; ")
                    ),
                ),
                Ok(v) if v.ok() => push(
                    &mut out,
                    "audit",
                    "ok",
                    format!(
                        "{}: {} records, chain verified",
                        sandbox.audit().path().display(),
                        v.records
                    ),
                ),
                Ok(v) => push(
                    &mut out,
                    "audit",
                    "fail",
                    format!(
                        "{}: {}; keep the file for investigation and start a new log (MSF_MCP_AUDIT_LOG)",
                        sandbox.audit().path().display(),
                        v.first_bad.map(|b| b.1).unwrap_or_default()
                    ),
                ),
                Err(e) => push(&mut out, "audit", "fail", format!("{e}")),
            }
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            match runtime.block_on(sandbox.context(&ContextArgs::default(), false)) {
                Ok(c) => {
                    match &c.region {
                        Some(r) => push(&mut out, "aws region", "ok", r.clone()),
                        None => push(
                            &mut out,
                            "aws region",
                            "fail",
                            "no region: set AWS_REGION, or a region in your AWS profile".into(),
                        ),
                    }
                    match (&c.account, &c.identity_error) {
                        (Some(acct), _) => push(
                            &mut out,
                            "aws identity",
                            "ok",
                            format!(
                                "account {acct}, {}",
                                c.caller_arn.clone().unwrap_or_default()
                            ),
                        ),
                        (None, Some(e)) => push(&mut out, "aws identity", "fail", e.clone()),
                        (None, None) => {
                            push(&mut out, "aws identity", "fail", "unknown caller".into())
                        }
                    }
                }
                Err(e) => push(&mut out, "aws identity", "fail", e.to_string()),
            }
        }
    }
    let failed = out.iter().any(|c| c.status == "fail");
    if json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for c in &out {
            println!("{:<5} {:<13} {}", c.status, c.name, c.detail);
        }
    }
    Ok(if failed { Outcome::Failed } else { Outcome::Ok })
}

#[cfg(test)]
mod tests {
    use super::*;
    use msf_mcp::corpus::Doc;

    fn corpus(verified: &[Option<&str>]) -> Corpus {
        let docs = verified
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let front = v.map(|d| format!("verified: {d}\n")).unwrap_or_default();
                Doc::parse(
                    &format!("r{i}.md"),
                    format!("---\ntitle: R\n{front}---\n# R\n"),
                )
            })
            .collect();
        Corpus::from_docs(docs, "test".into())
    }

    #[test]
    fn warns_when_the_oldest_reference_is_stale_or_undated() {
        let today = provenance::days_from_iso_date("2026-11-29").unwrap_or_default();
        let (status, _) = corpus_age(&corpus(&[Some("2026-11-01"), Some("2026-10-01")]), today);
        assert_eq!(status, "ok");
        let (status, detail) =
            corpus_age(&corpus(&[Some("2026-11-01"), Some("2025-12-01")]), today);
        assert_eq!(status, "warn");
        assert!(
            detail.contains("r1.md") && detail.contains("363 days"),
            "{detail}"
        );
        let (status, detail) = corpus_age(&corpus(&[Some("2026-11-01"), None]), today);
        assert_eq!(status, "warn");
        assert!(detail.contains("1 references without"), "{detail}");
        assert_eq!(corpus_age(&corpus(&[None]), today).0, "warn");
    }
}
