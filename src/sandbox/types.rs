//! What the AWS tools return: our own condensed shapes, independent of the
//! SDK's types, so outputs stay small, stable and schema-described.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::prices::Prices;

/// One application in a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AppSummary {
    /// Application name.
    pub name: String,
    /// Application ARN.
    pub arn: String,
    /// READY, STARTING, RUNNING, UPDATING, STOPPING, AUTOSCALING, ROLLING_BACK, ...
    pub status: String,
    /// Current version id.
    pub version_id: i64,
    /// Runtime, e.g. FLINK-1_20.
    pub runtime: String,
    /// STREAMING or INTERACTIVE (Studio).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

/// A page of applications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AppList {
    /// Applications on this page.
    pub applications: Vec<AppSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// True when more applications follow.
    pub truncated: bool,
}

/// Parallelism settings and what they cost.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Parallelism {
    /// DEFAULT or CUSTOM.
    pub configuration_type: String,
    /// Configured parallelism.
    pub parallelism: i32,
    /// Parallel subtasks per KPU.
    pub parallelism_per_kpu: i32,
    /// Whether MSF autoscaling is on.
    pub autoscaling: bool,
    /// Parallelism in effect now (autoscaling may differ from configured).
    pub current_parallelism: i32,
}

/// KPUs and the monthly estimate derived from the parallelism in effect.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Kpus {
    /// ceil(current parallelism / ParallelismPerKPU).
    pub compute: i32,
    /// The orchestration KPU every running application pays for.
    pub orchestration: i32,
    /// compute + orchestration.
    pub total: i32,
    /// Running application storage of the compute KPUs, GB.
    pub storage_gb: i32,
    /// USD for a month running 24/7: total KPU-hours plus running storage (backups not included).
    pub monthly_usd: f64,
    /// Region whose prices `monthly_usd` uses (prices from the facts table).
    pub prices_region: String,
}

impl Kpus {
    /// KPUs for `parallelism` at `per_kpu` subtasks per KPU, priced with
    /// the embedded facts table.
    pub fn of(parallelism: i32, per_kpu: i32) -> Kpus {
        Kpus::priced(parallelism, per_kpu, Prices::embedded())
    }

    /// As [`Kpus::of`] with `prices`; without prices the estimate is 0 and
    /// `prices_region` says why.
    pub fn priced(parallelism: i32, per_kpu: i32, prices: Result<&Prices, &str>) -> Kpus {
        let per = per_kpu.max(1);
        let compute = (parallelism.max(1) + per - 1) / per;
        let total = compute + 1;
        let (storage_gb, monthly_usd, prices_region) = match prices {
            Ok(p) => (
                compute * p.storage_gb_per_kpu,
                p.monthly_usd(total, compute),
                p.region.clone(),
            ),
            Err(why) => (0, 0.0, format!("unpriced: {why}")),
        };
        Kpus {
            compute,
            orchestration: 1,
            total,
            storage_gb,
            monthly_usd,
            prices_region,
        }
    }
}

/// Checkpoint settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Checkpoints {
    /// DEFAULT or CUSTOM.
    pub configuration_type: String,
    /// Whether checkpointing is on.
    pub enabled: bool,
    /// Interval, ms.
    pub interval_ms: i64,
    /// Minimum pause between checkpoints, ms.
    pub min_pause_ms: i64,
}

/// Where the application logs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Logging {
    /// CloudWatch Logs group name.
    pub log_group: Option<String>,
    /// Log stream name.
    pub log_stream: Option<String>,
    /// The stream ARN as configured.
    pub log_stream_arn: Option<String>,
    /// Log level (INFO, WARN, ERROR, DEBUG).
    pub level: Option<String>,
    /// Metrics level (APPLICATION, OPERATOR, TASK, PARALLELISM).
    pub metrics_level: Option<String>,
}

/// A snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Snapshot {
    /// Snapshot name.
    pub name: String,
    /// CREATING, READY, DELETING, FAILED.
    pub status: String,
    /// Application version the snapshot was taken from.
    pub version_id: i64,
    /// Creation time, RFC 3339.
    pub created: Option<String>,
}

/// An operation on the application (start, update, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Operation {
    /// Operation id.
    pub id: String,
    /// Operation kind, e.g. UpdateApplication.
    pub operation: String,
    /// IN_PROGRESS, CANCELLED, SUCCESSFUL, FAILED.
    pub status: String,
    /// Start time, RFC 3339.
    pub started: Option<String>,
}

/// The condensed view of one application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AppView {
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
    /// Status.
    pub status: String,
    /// Runtime.
    pub runtime: String,
    /// Version id; plans are bound to it.
    pub version_id: i64,
    /// Token for conditional updates, when the service returned one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditional_token: Option<String>,
    /// Service execution role.
    pub role_arn: Option<String>,
    /// Parallelism.
    pub parallelism: Parallelism,
    /// KPUs and cost.
    pub kpus: Kpus,
    /// Checkpoints.
    pub checkpoints: Checkpoints,
    /// Whether snapshots are enabled.
    pub snapshots_enabled: bool,
    /// Logging.
    pub logging: Logging,
    /// VPC subnets and security groups, when in a VPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc: Option<Vpc>,
    /// Runtime property groups: group id → key → value (values redacted unless allowed).
    pub property_groups: BTreeMap<String, BTreeMap<String, String>>,
    /// Code location (S3 bucket ARN and key), when stored in S3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_location: Option<String>,
    /// Recent snapshots (when asked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshots: Option<Vec<Snapshot>>,
    /// Recent operations (when asked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operations: Option<Vec<Operation>>,
    /// What to pass to the knowledge tools for this application (its runtime).
    pub knowledge: String,
}

/// VPC configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Vpc {
    /// Subnet ids.
    pub subnets: Vec<String>,
    /// Security group ids.
    pub security_groups: Vec<String>,
}

/// One log row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LogRow {
    /// Fields of the row, e.g. `@timestamp`, `@message`.
    pub fields: BTreeMap<String, String>,
}

/// Result of a logs query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LogsResult {
    /// Log group queried.
    pub log_group: String,
    /// Insights query id (pass as `query_id` to fetch it again), or `filter` for FilterLogEvents.
    pub query_id: String,
    /// Complete, Running, Timeout, Failed, ...
    pub status: String,
    /// The query as run.
    pub query: String,
    /// Rows (untrusted log text).
    pub rows: Vec<LogRow>,
    /// True when rows were cut at `limit`, or the query is still running.
    pub truncated: bool,
}

/// Who and where the AWS calls run as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Identity {
    /// Account id.
    pub account: String,
    /// Caller ARN.
    pub arn: String,
}
