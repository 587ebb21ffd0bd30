//! Finds statements in references that contradict the facts table:
//! runtime ids that do not exist, connector releases the table does not list
//! (for any runtime, or for the one runtime the same table row names), and scalar
//! facts whose patterns capture another value. Sources lines are skipped:
//! their URLs name tags and versions that are not claims.

use std::sync::LazyLock;

use regex::Regex;

use super::Facts;
use crate::corpus::{
    Corpus, Doc, SOURCES_PREFIX,
    check::{Finding, Severity},
};

/// A runtime id as the API spells it, e.g. `FLINK-1_20`, `SQL-1_0`, `ZEPPELIN-FLINK-3_0`.
static RUNTIME_ID: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\b(?:ZEPPELIN-FLINK|FLINK|SQL)-\d+_\d+\b").ok());

/// An externalized connector release: its own version, then the Flink line it is built for (`5.1.0-1.20`).
static VERSION: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\b\d+\.\d+\.\d+(?:-rc\d+)?-\d+\.\d+\b").ok());

/// Every contradiction between the references of `corpus` and `facts`.
pub fn contradictions(corpus: &Corpus, facts: &Facts) -> Vec<Finding> {
    let (Some(runtime_id), Some(version)) = (RUNTIME_ID.as_ref(), VERSION.as_ref()) else {
        return Vec::new();
    };
    let patterns: Vec<(&super::Fact, Regex)> = facts
        .fact
        .iter()
        .flat_map(|f| {
            f.patterns
                .iter()
                .filter_map(move |p| Regex::new(p).ok().map(|re| (f, re)))
        })
        .collect();
    let mut out = Vec::new();
    for doc in corpus.docs() {
        let lines: Vec<&str> = doc.source.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim_start().starts_with(SOURCES_PREFIX) {
                continue;
            }
            let n = i + 1;
            let named: Vec<&str> = runtime_id.find_iter(line).map(|m| m.as_str()).collect();
            for id in &named {
                if facts.runtime(id).is_none() {
                    let known: Vec<&str> = facts.runtime.iter().map(|r| r.id.as_str()).collect();
                    out.push(contradiction(
                        doc,
                        n,
                        &format!("runtime:{id}"),
                        format!(
                            "`{id}` is not an MSF runtime in facts.toml (known: {})",
                            known.join(", ")
                        ),
                    ));
                }
            }
            let mut distinct = named.clone();
            distinct.sort_unstable();
            distinct.dedup();
            // A table row that names one runtime pairs each release in it with that runtime;
            // in prose a runtime id may belong to another clause, so prose is not paired.
            let table_row = line.trim_start().starts_with('|');
            let only_runtime = (table_row && distinct.len() == 1)
                .then(|| distinct.first().copied())
                .flatten();
            for connector in &facts.connector {
                for (at, _) in line.match_indices(connector.artifact.as_str()) {
                    let after = line
                        .get(at + connector.artifact.len()..)
                        .unwrap_or_default();
                    if !whole_artifact(line.get(..at).unwrap_or_default(), after) {
                        continue;
                    }
                    let Some(window) = release_window(after, &lines, i, facts) else {
                        continue;
                    };
                    let releases = Facts::releases(connector);
                    for found in version.find_iter(window) {
                        let v = found.as_str();
                        if !releases.contains(v) {
                            out.push(contradiction(
                                doc,
                                n,
                                &format!("connector:{}:{v}", connector.artifact),
                                format!(
                                    "`{}` `{v}` is not a release facts.toml lists (listed: {})",
                                    connector.artifact,
                                    releases.iter().copied().collect::<Vec<_>>().join(", ")
                                ),
                            ));
                        } else if let Some(rt) = only_runtime
                            && let Some(listed) = connector.versions.get(rt)
                            && !listed.iter().any(|l| l == v)
                        {
                            out.push(contradiction(
                                doc,
                                n,
                                &format!("connector:{}:{v}:{rt}", connector.artifact),
                                format!(
                                    "this line pairs `{}` `{v}` with {rt}, where facts.toml lists {}",
                                    connector.artifact,
                                    listed.join(", ")
                                ),
                            ));
                        }
                    }
                }
            }
            for (fact, re) in &patterns {
                for caps in re.captures_iter(line) {
                    let Some(got) = caps.get(1).map(|m| normalize(m.as_str())) else {
                        continue;
                    };
                    if got != normalize(&fact.value) {
                        out.push(contradiction(
                            doc,
                            n,
                            &format!("fact:{}", fact.id),
                            format!(
                                "states {got} where facts.toml `{}` has {}{} ({})",
                                fact.id,
                                fact.value,
                                fact.unit
                                    .as_deref()
                                    .map(|u| format!(" {u}"))
                                    .unwrap_or_default(),
                                fact.statement
                            ),
                        ));
                    }
                }
            }
        }
    }
    out
}

/// Whether an artifact name found between `before` and `after` stands on
/// its own: not part of a longer name, though `name-1.2.3.jar` counts.
fn whole_artifact(before: &str, after: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.';
    if before.chars().next_back().is_some_and(ident) {
        return false;
    }
    match after.chars().next() {
        Some('-') => after.chars().nth(1).is_some_and(|c| c.is_ascii_digit()),
        Some(c) => !(c.is_ascii_alphanumeric() || c == '_'),
        None => true,
    }
}

/// The text in which a connector's version is looked for: the rest of the
/// line after the artifact name (up to the next artifact the table knows),
/// or, for a Maven `<artifactId>` line, the `<version>` line that follows.
fn release_window<'a>(
    after: &'a str,
    lines: &[&'a str],
    i: usize,
    facts: &Facts,
) -> Option<&'a str> {
    let cut = facts
        .connector
        .iter()
        .filter_map(|c| after.find(c.artifact.as_str()))
        .min()
        .unwrap_or(after.len());
    let rest = after.get(..cut).unwrap_or(after);
    if rest.trim_start().starts_with("</artifactId>") {
        let next = lines.get(i + 1)?;
        return next.contains("<version>").then_some(*next);
    }
    Some(rest)
}

fn normalize(value: &str) -> String {
    value
        .trim()
        .trim_start_matches('$')
        .replace(',', "")
        .trim_end_matches('.')
        .to_string()
}

/// A contradiction finding; its subject names the section and what was contradicted.
fn contradiction(doc: &Doc, line: usize, what: &str, message: String) -> Finding {
    let anchor = doc
        .sections
        .iter()
        .rev()
        .find(|s| s.lines.0 <= line)
        .map(|s| s.anchor.as_str())
        .unwrap_or_default();
    Finding {
        file: doc.name.clone(),
        line,
        severity: Severity::Error,
        rule: "contradiction".into(),
        subject: format!("{}#{anchor} {what}", doc.name),
        message: format!("contradicts facts.toml: {message}"),
    }
}
