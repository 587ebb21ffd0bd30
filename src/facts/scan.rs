//! Finds statements in references that contradict the facts table:
//! runtime ids that do not exist, connector and library releases the table
//! does not list (for any runtime, or for the runtime paired with it: the one
//! runtime a table row names, or `<version> on FLINK-x_y` in prose), and scalar
//! facts whose patterns capture another value. Sources lines are skipped:
//! their URLs name tags and versions that are not claims.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::LazyLock,
};

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

/// A plain library release (`2.3.4`); one followed by `-1.20` is a connector's.
static PLAIN: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\b\d+\.\d+\.\d+\b").ok());

/// Another identifier (`aws-java-sdk-bom`, `jackson.core:jackson-databind`):
/// a plain version after it is that identifier's, not the library's.
static OTHER_NAME: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"[A-Za-z][A-Za-z0-9]*[-:.][A-Za-z]").ok());

/// What may stand between two versions of one plain list (`, `, ` or `, ` to `).
static LIST_GAP: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[\s`*,/]*(?:(?:and|or|to)[\s`*]*)?$").ok());

/// A runtime named right after a version (`2.3.4 on FLINK-1_20`): the pair is a claim.
static ON_RUNTIME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^[`*]*\s*(?:on|for)\s+[`*]*((?:ZEPPELIN-FLINK|FLINK|SQL)-\d+_\d+)\b").ok()
});

/// An artifact whose releases the table lists per runtime: a connector
/// (versions carry their Flink line) or a plain library.
struct Tracked<'a> {
    artifact: &'a str,
    versions: &'a BTreeMap<String, Vec<String>>,
    releases: BTreeSet<&'a str>,
    /// `connector` or `library`, as findings name it.
    kind: &'static str,
    /// A plain library: its versions carry no Flink line.
    plain: bool,
}

impl<'a> Tracked<'a> {
    fn all(facts: &'a Facts) -> Vec<Tracked<'a>> {
        facts
            .artifacts()
            .map(|(kind, a)| Tracked {
                artifact: a.artifact.as_str(),
                versions: &a.versions,
                releases: Facts::releases(a),
                kind,
                plain: kind == "library",
            })
            .collect()
    }

    /// The releases stated in `window`, each with the text that follows it.
    /// For a plain library only the first version and a plain list right
    /// after it (`2.3.4, 2.3.5 or 2.3.6`) count: a later version in the same
    /// sentence most often belongs to another component (`the SDK BOM 1.12.677`).
    fn versions_in<'w>(
        &self,
        window: &'w str,
        connector: &Regex,
        plain: &Regex,
    ) -> Vec<(&'w str, &'w str)> {
        let rest_of = |end: usize| window.get(end..).unwrap_or_default();
        if !self.plain {
            return connector
                .find_iter(window)
                .map(|m| (m.as_str(), rest_of(m.end())))
                .collect();
        }
        let mut out = Vec::new();
        let mut last_end: Option<usize> = None;
        for m in plain.find_iter(window) {
            let rest = rest_of(m.end());
            // `4.0.1-2.0` is a connector release, not the plain `4.0.1`.
            if rest.starts_with('-') && rest.chars().nth(1).is_some_and(|c| c.is_ascii_digit()) {
                continue;
            }
            if let Some(end) = last_end {
                let gap = window.get(end..m.start()).unwrap_or_default();
                if !LIST_GAP.as_ref().is_some_and(|re| re.is_match(gap)) {
                    break;
                }
            }
            out.push((m.as_str(), rest));
            last_end = Some(m.end());
        }
        out
    }
}

/// The runtime the text right after a version pairs it with, if any.
fn named_after(rest: &str) -> Option<&str> {
    ON_RUNTIME
        .as_ref()?
        .captures(rest)?
        .get(1)
        .map(|m| m.as_str())
}

/// Every contradiction between the references of `corpus` and `facts`.
pub fn contradictions(corpus: &Corpus, facts: &Facts) -> Vec<Finding> {
    let (Some(runtime_id), Some(version), Some(plain)) =
        (RUNTIME_ID.as_ref(), VERSION.as_ref(), PLAIN.as_ref())
    else {
        return Vec::new();
    };
    let tracked = Tracked::all(facts);
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
            for item in &tracked {
                for (at, _) in line.match_indices(item.artifact) {
                    let after = line.get(at + item.artifact.len()..).unwrap_or_default();
                    if !whole_artifact(line.get(..at).unwrap_or_default(), after) {
                        continue;
                    }
                    let Some(window) = release_window(after, &lines, i, &tracked, item.plain)
                    else {
                        continue;
                    };
                    for (v, rest) in item.versions_in(window, version, plain) {
                        let paired = named_after(rest).or(only_runtime);
                        if !item.releases.contains(v) {
                            out.push(contradiction(
                                doc,
                                n,
                                &format!("{}:{}:{v}", item.kind, item.artifact),
                                format!(
                                    "`{}` `{v}` is not a release facts.toml lists (listed: {})",
                                    item.artifact,
                                    item.releases.iter().copied().collect::<Vec<_>>().join(", ")
                                ),
                            ));
                        } else if let Some(rt) = paired
                            && let Some(listed) = item.versions.get(rt)
                            && !listed.iter().any(|l| l == v)
                        {
                            out.push(contradiction(
                                doc,
                                n,
                                &format!("{}:{}:{v}:{rt}", item.kind, item.artifact),
                                format!(
                                    "this line pairs `{}` `{v}` with {rt}, where facts.toml lists {}",
                                    item.artifact,
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

/// The text in which an artifact's version is looked for: the rest of the
/// line after the artifact name (up to the next artifact the table knows,
/// and for a plain library up to the next other identifier), or, for a Maven
/// `<artifactId>` line, the `<version>` line that follows.
fn release_window<'a>(
    after: &'a str,
    lines: &[&'a str],
    i: usize,
    tracked: &[Tracked<'_>],
    plain: bool,
) -> Option<&'a str> {
    let mut cut = tracked
        .iter()
        .filter_map(|t| after.find(t.artifact))
        .min()
        .unwrap_or(after.len());
    if plain && let Some(m) = OTHER_NAME.as_ref().and_then(|re| re.find(after)) {
        cut = cut.min(m.start());
    }
    let rest = after.get(..cut).unwrap_or(after);
    if after.trim_start().starts_with("</artifactId>") {
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
