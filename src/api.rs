//! The knowledge tools' contract: inputs and outputs of `msf_route`,
//! `msf_search`, `msf_read` and `msf_refs`. The MCP tools and the CLI twins
//! (`--json`) both serialize exactly these types, so they cannot disagree.
//! Doc comments become the JSON Schema descriptions the model reads.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Longest question or query accepted, in bytes: room for a pasted stack trace.
pub const MAX_QUERY_BYTES: usize = 32 * 1024;
/// Hits `msf_search` returns when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 8;
/// Most hits one `msf_search` call returns.
pub const MAX_LIMIT: usize = 25;
/// Sections rescored for the user's runtime before the first `limit` are kept.
pub const RUNTIME_POOL: usize = 30;
/// Snippet length when `snippet_chars` is not given.
pub const DEFAULT_SNIPPET_CHARS: usize = 240;
/// Longest snippet.
pub const MAX_SNIPPET_CHARS: usize = 1_000;
/// Longest section text carried by one search hit; read the rest with `msf_read`.
pub const HIT_TEXT_CHARS: usize = 6_000;
/// References `msf_route` returns when `max_refs` is not given.
pub const DEFAULT_MAX_REFS: usize = 5;
/// Most references one `msf_route` call returns.
pub const MAX_REFS: usize = 10;
/// Characters `msf_read` returns when `max_chars` is not given.
pub const DEFAULT_READ_CHARS: usize = 24_000;
/// Most characters one `msf_read` call returns.
pub const MAX_READ_CHARS: usize = 60_000;

/// Input of `msf_route`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteArgs {
    /// The user's question, task, or pasted error message / stack trace (English or Chinese).
    pub question: String,
    /// How many references to return (default 5, at most 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_refs: Option<usize>,
    /// The application's runtime, e.g. `FLINK-1_20`: prefers sections about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
}

/// A section worth reading first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SectionRef {
    /// Heading text.
    pub heading: String,
    /// Anchor to pass as `section` to `msf_read`.
    pub anchor: String,
}

/// One reference to read, with why it was chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Route {
    /// Reference file name, e.g. `scaling-decisions.md`.
    pub reference: String,
    /// Reference title.
    pub title: String,
    /// Relevance, higher is better (comparable within one answer only).
    pub score: f32,
    /// Which rules, keywords and terms made this reference match.
    pub why: String,
    /// The best-matching sections, best first.
    pub sections: Vec<SectionRef>,
}

/// Output of `msf_route`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RouteOutput {
    /// References that answer the question, best first.
    pub routes: Vec<Route>,
    /// Reference file names to read with `msf_read`, in order.
    pub read_plan: Vec<String>,
    /// Actions on AWS that these references gate: what must be read before each, and whether it was.
    pub gates: Vec<GateInfo>,
    /// The runtime whose sections were preferred (from the argument or named in the question).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
}

/// Input of `msf_search`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// Words, identifiers (`ParallelismPerKPU`, `execution.checkpointing.interval`), error text; English or Chinese.
    pub query: String,
    /// Most hits to return (default 8, at most 25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// Only search this reference (file name from `msf_refs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Snippet length in characters (default 240, at most 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet_chars: Option<usize>,
    /// The application's runtime, e.g. `FLINK-1_20`: prefers sections about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
}

/// A page that supports a section's facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SourceRef {
    /// Title.
    pub title: String,
    /// URL.
    pub url: String,
}

/// One matching section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Hit {
    /// Reference file name.
    pub reference: String,
    /// Headings from the reference title down to this section, joined by ` > `.
    pub heading_path: String,
    /// Section anchor, for `msf_read {reference, section}` and for citing `reference#anchor`.
    pub anchor: String,
    /// First and last line of the section in the reference.
    pub lines: [usize; 2],
    /// Relevance, higher is better.
    pub score: f32,
    /// Excerpt around the matching terms, matches in `**bold**`.
    pub snippet: String,
    /// The section's markdown, cut at 6000 characters (see `truncated`).
    pub text: String,
    /// True when `text` was cut; read the whole section with `msf_read`.
    pub truncated: bool,
    /// Pages to cite beside `reference#anchor`.
    pub sources: Vec<SourceRef>,
    /// Runtimes the section names: it is version-specific (empty: applies to all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runtimes: Vec<String>,
}

/// Output of `msf_search`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SearchOutput {
    /// Matching sections, best first.
    pub hits: Vec<Hit>,
    /// How many sections matched in all.
    pub total: usize,
    /// True when more sections matched than were returned; raise `limit` or narrow with `reference`.
    pub truncated: bool,
    /// The runtime whose sections were preferred (from the argument or named in the query).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
}

/// Input of `msf_read`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadArgs {
    /// Reference file name, e.g. `checkpoint-tuning.md` (from `msf_route` or `msf_refs`).
    pub reference: String,
    /// Only this section: its anchor (from `toc`, `msf_route` or `msf_search`) or heading text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// Character offset to continue from (the `next_offset` of the previous call).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    /// Most characters to return (default 24000, at most 60000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chars: Option<usize>,
}

/// One heading of a reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TocEntry {
    /// Heading level (1 = title).
    pub level: u8,
    /// Heading text.
    pub heading: String,
    /// Anchor, for `section`.
    pub anchor: String,
    /// First and last line of the section.
    pub lines: [usize; 2],
    /// Its sources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceRef>,
}

/// Output of `msf_read`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReadOutput {
    /// Reference file name.
    pub reference: String,
    /// Reference title.
    pub title: String,
    /// Anchor of the section read, when one was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// Markdown from `offset`, at most `max_chars` characters.
    pub content: String,
    /// Characters in the whole reference (or the whole section).
    pub total_chars: usize,
    /// Offset this content starts at.
    pub offset: usize,
    /// Offset to pass to continue reading; absent when the end was reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<usize>,
    /// True when more content follows `next_offset`.
    pub truncated: bool,
    /// Hex sha256 of the whole reference file.
    pub sha256: String,
    /// Date last checked against its sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<String>,
    /// Runtimes and releases checked against.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// Sources of the section read (whole reference: see `toc`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceRef>,
    /// Sealed proof of this read (reference, sha256, section, time); pass it in `receipts` to change tools.
    pub receipt: String,
    /// The reference's headings.
    pub toc: Vec<TocEntry>,
}

/// Input of `msf_refs` (no arguments).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefsArgs {}

/// One reference of the corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RefInfo {
    /// Reference file name.
    pub reference: String,
    /// Title.
    pub title: String,
    /// One-line summary.
    pub summary: String,
    /// When to read it.
    pub load_when: Vec<String>,
    /// Its top-level sections (level 2 headings).
    pub sections: Vec<SectionRef>,
}

/// Output of `msf_refs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RefsOutput {
    /// Every reference, sorted by file name.
    pub references: Vec<RefInfo>,
}

// What each action needs read first, and the gate that checks it, are in
// `workflow::gates` (the contract holds only the type).
/// Kinds of action that the sandboxed AWS tools may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Start an application (restore choice included).
    Start,
    /// Stop an application.
    Stop,
    /// Create a snapshot.
    CreateSnapshot,
    /// Delete a snapshot.
    DeleteSnapshot,
    /// Roll back to the previous version.
    Rollback,
    /// Change runtime properties.
    UpdateProperties,
    /// Change parallelism, ParallelismPerKPU or autoscaling.
    UpdateParallelism,
    /// Diagnose a restart loop.
    DiagnoseRestartLoop,
}

/// A gate as `msf_route` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GateInfo {
    /// The action kind.
    pub action: Action,
    /// References to read before it.
    pub needs: Vec<String>,
    /// True when every one of them was read in this session.
    pub satisfied: bool,
}
