//! Inputs and outputs of the AWS tools (the contract the MCP tools and the
//! CLI twins share).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::audit::Record;
use super::logs::Preset;
use super::plan::{Change, PlanView};

/// Input of `msf_context`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContextArgs {
    /// AWS profile (must be in the policy's allow.profiles); default: the default chain's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// AWS region (must be in allow.regions); default: AWS_REGION or the profile's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// Output of `msf_context`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ContextOut {
    /// Account id (from STS), when the credentials work.
    pub account: Option<String>,
    /// Caller ARN.
    pub caller_arn: Option<String>,
    /// Why identity is unknown, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_error: Option<String>,
    /// Profile used (None: default chain).
    pub profile: Option<String>,
    /// Region used.
    pub region: Option<String>,
    /// read-only, plan-only or mutate.
    pub mode: String,
    /// Globs of applications that may be changed.
    pub changeable_applications: Vec<String>,
    /// Change kinds the policy refuses.
    pub denied_changes: Vec<String>,
    /// Regions and profiles a call may name.
    pub allowed_regions: Vec<String>,
    /// See `allowed_regions`.
    pub allowed_profiles: Vec<String>,
    /// Whether this client can answer elicitation (needed to apply changes here).
    pub elicitation: bool,
    /// The audit log file.
    pub audit_log: String,
}

/// Input of `msf_list_applications`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Region (allow-listed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Profile (allow-listed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Only names starting with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_prefix: Option<String>,
    /// Page size (default 50, at most 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// Extra detail `msf_describe_application` may fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Include {
    /// Recent snapshots.
    Snapshots,
    /// Version history (via operations).
    Versions,
    /// Recent operations.
    Operations,
}

/// Input of `msf_describe_application`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DescribeArgs {
    /// Application name.
    pub application: String,
    /// Also fetch snapshots, versions or operations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<Include>,
    /// Show runtime property values (redacted otherwise; the value is shown as untrusted data).
    #[serde(default)]
    pub show_property_values: bool,
    /// Region (allow-listed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Profile (allow-listed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Input of `msf_logs_query`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogsArgs {
    /// Application whose log group to query (found from its logging option).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
    /// Log group to query instead of an application's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group: Option<String>,
    /// Start: `-1h` (default), `-15m`, `-2d`, unix seconds or RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// End: `now` (default) or as `start`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// A named query (first_fault: oldest task failures, where a restart loop began).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<Preset>,
    /// A Logs Insights query instead of a preset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Most rows (default 50, capped by policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Longest wait in seconds (default 20, capped by policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_wait_s: Option<u32>,
    /// Fetch the results of an earlier query (its `query_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_id: Option<String>,
    /// Region (allow-listed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Profile (allow-listed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Input of `msf_plan_change`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanArgs {
    /// Application name.
    pub application: String,
    /// The change: `kind` and the fields that kind reads.
    pub change: Change,
    /// Receipts from msf_read of the references this change needs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub receipts: Vec<String>,
    /// Region (allow-listed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Profile (allow-listed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Output of `msf_plan_change`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlanOut {
    /// The sealed plan: pass it unchanged to msf_apply_change.
    pub plan: String,
    /// What the plan does.
    pub summary: PlanView,
    /// References still to read before the change may be applied (empty when none).
    pub references_to_read: Vec<String>,
    /// Why the plan cannot be applied here as things stand (mode, policy), when it cannot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<String>,
    /// The command a person can run to apply it from a terminal.
    pub apply_command: String,
}

/// Input of `msf_apply_change`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyArgs {
    /// The sealed plan from msf_plan_change.
    pub plan: String,
}

/// Output of `msf_apply_change`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApplyOut {
    /// Application.
    pub application: String,
    /// API operation called.
    pub operation: String,
    /// AWS request ids.
    pub request_ids: Vec<String>,
    /// `submitted`: the operation runs asynchronously; describe the application to follow it.
    pub status: String,
    /// Audit id of this change.
    pub audit_id: String,
}

/// Input of `msf_audit_log`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditArgs {
    /// Only records at or after this time (RFC 3339 or `-1h` style).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Only this tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// Only this outcome (ok, error, denied, declined).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Most records (default 50, at most 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// Only records after this seq (the `next_cursor` of a previous call).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<u64>,
}

/// Output of `msf_audit_log`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AuditOut {
    /// Records, oldest first.
    pub records: Vec<Record>,
    /// Seq of the last record returned (pass as `cursor` to read on).
    pub next_cursor: Option<u64>,
}
