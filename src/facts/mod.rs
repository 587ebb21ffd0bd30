//! The canonical facts table (`references/facts.toml`): the values that recur
//! across references (runtimes, connector releases per runtime, the KPU
//! shape, quotas, limits, prices, metric names per runtime), each with its
//! sources. Served as `msf://facts` and `msf-mcp facts`, and used by
//! `refs --check` to find statements that contradict it.

mod scan;

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use scan::contradictions;

use crate::corpus::{
    Corpus, SourceLink,
    check::{self, Finding, Severity},
    provenance,
};

pub use crate::corpus::FACTS_FILE;

/// The canonical facts table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    /// The date the table was last checked against its sources (`YYYY-MM-DD`).
    pub verified: String,
    /// MSF runtimes (`RuntimeEnvironment` values).
    #[serde(default)]
    pub runtime: Vec<Runtime>,
    /// Connector artifacts with the releases AWS lists per runtime.
    #[serde(default)]
    pub connector: Vec<Artifact>,
    /// Plain Java libraries (no Flink line in their version) with the release to use per runtime.
    #[serde(default)]
    pub library: Vec<Artifact>,
    /// Scalar facts: KPU shape, quotas, hard limits, prices, defaults.
    #[serde(default)]
    pub fact: Vec<Fact>,
    /// CloudWatch metrics and the runtimes that publish them.
    #[serde(default)]
    pub metric: Vec<Metric>,
}

/// Lifecycle status of a runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RuntimeStatus {
    /// The runtime new applications get by default in the console.
    Default,
    /// Supported.
    Supported,
    /// Available on request or as a preview.
    OptIn,
    /// Still runs, end of support announced.
    Deprecated,
    /// No longer runs or can no longer be created.
    Retired,
    /// A valid `RuntimeEnvironment` value whose support status this table does not state.
    Listed,
}

/// One MSF runtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Runtime {
    /// The `RuntimeEnvironment` value, e.g. `FLINK-1_20`.
    pub id: String,
    /// Apache Flink version, e.g. `1.20`.
    pub flink: String,
    /// Java versions the runtime runs.
    #[serde(default)]
    pub java: Vec<String>,
    /// Lifecycle status.
    pub status: RuntimeStatus,
    /// Dates and details of the status (released, end of support), as the source states them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Pages that state it.
    pub sources: Vec<String>,
}

/// One Maven artifact whose releases the table lists per runtime: a
/// connector (its versions carry the Flink line, `5.1.0-1.20`) or a plain
/// Java library (`aws-msk-iam-auth` `2.3.4`, whose right release still
/// depends on the runtime's Java level).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    /// What it connects to or is for, e.g. `Kinesis Data Streams`.
    pub name: String,
    /// Maven group id.
    pub group: String,
    /// Maven artifact id.
    pub artifact: String,
    /// Releases AWS lists (or the source names) for each runtime id; first = preferred.
    pub versions: BTreeMap<String, Vec<String>>,
    /// Other releases that exist (older, or for runtimes MSF does not offer), which references may name.
    #[serde(default)]
    pub other_releases: Vec<String>,
    /// Why the release differs between runtimes, as the sources state it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Pages that state it.
    pub sources: Vec<String>,
}

/// Kind of a scalar fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FactKind {
    /// The shape of a KPU.
    Kpu,
    /// A service quota (adjustable or not) with its code.
    Quota,
    /// A hard limit.
    Limit,
    /// A price, in a named region.
    Price,
    /// A default value.
    Default,
}

/// One scalar fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    /// Stable id, e.g. `kpu-memory`.
    pub id: String,
    /// Kind.
    pub kind: FactKind,
    /// The fact in one sentence.
    pub statement: String,
    /// The value, as references write it (digits, no thousands separator).
    pub value: String,
    /// Unit of the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// AWS Region a price holds in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Service Quotas code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_code: Option<String>,
    /// Whether the quota can be raised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjustable: Option<bool>,
    /// Regular expressions with one capture group that find this fact stated in a reference; the capture must equal `value`.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Pages that state it.
    pub sources: Vec<String>,
}

/// One CloudWatch metric of `AWS/KinesisAnalytics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Metric {
    /// Metric name as CloudWatch spells it.
    pub name: String,
    /// Unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Metrics level at which it is published (`Application`, `Task`, `Operator`, `Parallelism`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// Runtime ids that publish it.
    pub runtimes: Vec<String>,
    /// Runtime ids that no longer publish it.
    #[serde(default)]
    pub removed_in: Vec<String>,
    /// The metric to use instead where it is removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
    /// Pages that state it.
    pub sources: Vec<String>,
}

/// Why a facts table could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    /// The TOML does not parse or does not fit the schema.
    #[error("facts.toml: {0}")]
    Parse(String),
    /// The corpus has no facts table.
    #[error("no facts.toml beside the references ({0}); add one or use the embedded references")]
    Missing(String),
}

impl Facts {
    /// Parses the TOML text of a facts table.
    pub fn parse(text: &str) -> Result<Facts, FactsError> {
        toml::from_str(text).map_err(|e| FactsError::Parse(e.to_string()))
    }

    /// The facts table that comes with `corpus`.
    pub fn of(corpus: &Corpus) -> Result<Facts, FactsError> {
        let text = corpus
            .facts_toml()
            .ok_or_else(|| FactsError::Missing(corpus.origin().to_string()))?;
        Facts::parse(text)
    }

    /// The runtime with `id`.
    pub fn runtime(&self, id: &str) -> Option<&Runtime> {
        self.runtime.iter().find(|r| r.id == id)
    }

    /// The connectors, then the libraries, each with its kind.
    fn artifacts(&self) -> impl Iterator<Item = (&'static str, &Artifact)> {
        let connectors = self.connector.iter().map(|a| ("connector", a));
        connectors.chain(self.library.iter().map(|a| ("library", a)))
    }

    /// Every release of a connector or library the table knows.
    pub fn releases(artifact: &Artifact) -> BTreeSet<&str> {
        artifact
            .versions
            .values()
            .flatten()
            .chain(&artifact.other_releases)
            .map(String::as_str)
            .collect()
    }

    /// Problems in the table itself: unknown runtime ids, duplicate ids,
    /// patterns that do not compile or lack their capture group, entries
    /// without a well-formed https source.
    pub fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        if provenance::days_from_iso_date(&self.verified).is_none() {
            out.push(format!(
                "`verified = \"{}\"` is not a YYYY-MM-DD date",
                self.verified
            ));
        }
        let runtimes: BTreeSet<&str> = self.runtime.iter().map(|r| r.id.as_str()).collect();
        if runtimes.len() != self.runtime.len() {
            out.push("a runtime id is listed twice".into());
        }
        let mut check_sources = |what: &str, sources: &[String]| {
            if sources.is_empty() {
                out.push(format!("{what} has no source"));
            }
            for url in sources {
                let link = SourceLink {
                    title: what.to_string(),
                    url: url.clone(),
                    line: 0,
                };
                if let Some(p) = provenance::link_problem(&link) {
                    out.push(format!("{what}: {p}"));
                }
            }
        };
        for r in &self.runtime {
            check_sources(&format!("runtime {}", r.id), &r.sources);
        }
        for (kind, a) in self.artifacts() {
            check_sources(&format!("{kind} {}", a.artifact), &a.sources);
        }
        for f in &self.fact {
            check_sources(&format!("fact {}", f.id), &f.sources);
        }
        for m in &self.metric {
            check_sources(&format!("metric {}", m.name), &m.sources);
        }
        for (kind, a) in self.artifacts() {
            for id in a.versions.keys() {
                if !runtimes.contains(id.as_str()) {
                    out.push(format!("{kind} {}: unknown runtime `{id}`", a.artifact));
                }
            }
        }
        for m in &self.metric {
            for id in m.runtimes.iter().chain(&m.removed_in) {
                if !runtimes.contains(id.as_str()) {
                    out.push(format!("metric {}: unknown runtime `{id}`", m.name));
                }
            }
        }
        let mut ids = BTreeSet::new();
        for f in &self.fact {
            if !ids.insert(f.id.as_str()) {
                out.push(format!("fact id `{}` is listed twice", f.id));
            }
            for p in &f.patterns {
                match regex::Regex::new(p) {
                    Ok(re) if re.captures_len() == 2 => {}
                    Ok(_) => out.push(format!(
                        "fact {}: pattern `{p}` needs exactly one capture group (the value)",
                        f.id
                    )),
                    Err(e) => out.push(format!(
                        "fact {}: pattern `{p}` does not compile: {e}",
                        f.id
                    )),
                }
            }
        }
        out
    }
}

/// The whole check: the corpus rules of `check::check_at`, the facts
/// table's own problems, and every contradiction between the references and
/// the table. A corpus without a facts table is checked without contradictions.
pub fn check_corpus(corpus: &Corpus, today: i64) -> Vec<Finding> {
    let mut findings = check::check_at(corpus, today);
    if corpus.facts_toml().is_some() {
        let table_finding = |message: String| Finding {
            file: FACTS_FILE.to_string(),
            line: 1,
            severity: Severity::Error,
            rule: "facts".into(),
            subject: FACTS_FILE.to_string(),
            message,
        };
        match Facts::of(corpus) {
            Ok(facts) => {
                findings.extend(facts.validate().into_iter().map(table_finding));
                findings.extend(contradictions(corpus, &facts));
            }
            Err(e) => findings.push(table_finding(e.to_string())),
        }
    }
    check::sort(&mut findings);
    findings
}
