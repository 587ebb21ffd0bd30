//! Change plans: computed from the application as it is now, with no side
//! effect, then sealed (HMAC) and bound to the application's version id and
//! conditional token, so that applying a stale or altered plan is refused.
//!
//! This module holds the plan's types and its view; `build` computes a plan,
//! `seal` seals one and checks it on its way back.

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::flink::Restore;
use crate::workflow::gates::Action;

/// How long a plan may wait for its apply.
pub const PLAN_TTL: Duration = Duration::from_secs(30 * 60);
const PURPOSE: &[u8] = b"msf-mcp/plan/v1";

/// A change to an application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    try_from = "super::change_args::ChangeArgs"
)]
#[schemars(inline)]
pub enum Change {
    /// Start the application.
    Start {
        /// `latest`, `skip`, or `{"snapshot": "NAME"}`.
        restore: Restore,
        /// Allow state of removed operators to be dropped.
        #[serde(default)]
        allow_non_restored_state: bool,
    },
    /// Stop the application (with a snapshot, unless `force`).
    Stop {
        /// Stop at once, without a snapshot.
        #[serde(default)]
        force: bool,
    },
    /// Create a snapshot.
    CreateSnapshot {
        /// Snapshot name.
        name: String,
    },
    /// Delete a snapshot.
    DeleteSnapshot {
        /// Snapshot name.
        name: String,
    },
    /// Change parallelism, ParallelismPerKPU or autoscaling (unset fields keep their value).
    UpdateParallelism {
        /// New parallelism.
        #[serde(default)]
        parallelism: Option<i32>,
        /// New ParallelismPerKPU (1-8).
        #[serde(default)]
        parallelism_per_kpu: Option<i32>,
        /// Turn autoscaling on or off.
        #[serde(default)]
        autoscaling: Option<bool>,
    },
    /// Set one runtime property.
    UpdateProperties {
        /// Property group id.
        group: String,
        /// Property key.
        key: String,
        /// New value.
        value: String,
    },
    /// Roll back to the previous application version.
    Rollback {},
}

impl Change {
    /// The gate (and policy) action kind of this change.
    pub fn action(&self) -> Action {
        match self {
            Change::Start { .. } => Action::Start,
            Change::Stop { .. } => Action::Stop,
            Change::CreateSnapshot { .. } => Action::CreateSnapshot,
            Change::DeleteSnapshot { .. } => Action::DeleteSnapshot,
            Change::UpdateParallelism { .. } => Action::UpdateParallelism,
            Change::UpdateProperties { .. } => Action::UpdateProperties,
            Change::Rollback {} => Action::Rollback,
        }
    }
}

/// One changed field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DiffLine {
    /// Field, e.g. `ParallelismConfiguration.Parallelism`.
    pub field: String,
    /// Value now.
    pub from: String,
    /// Value after the change.
    pub to: String,
}

/// What the change does to the running job and the bill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Effects {
    /// Whether the job restarts.
    pub restart: bool,
    /// Expected downtime, in words.
    pub downtime: String,
    /// KPUs before and after.
    pub kpus_before: i32,
    /// See `kpus_before`.
    pub kpus_after: i32,
    /// Monthly estimate before and after (USD, 24/7, KPUs and running storage; see `prices_region`).
    pub monthly_usd_before: f64,
    /// See `monthly_usd_before`.
    pub monthly_usd_after: f64,
    /// Region whose prices the estimates use.
    pub prices_region: String,
}

/// Everything a plan binds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Plan {
    /// Application name.
    pub application: String,
    /// Region (None: the default).
    pub region: Option<String>,
    /// Profile (None: the default).
    pub profile: Option<String>,
    /// The change.
    pub change: Change,
    /// Application version id the plan was computed against.
    pub version_id: i64,
    /// Conditional token at planning time, when AWS gave one.
    pub conditional_token: Option<String>,
    /// Status at planning time.
    pub status: String,
    /// What the change sends and does (shown as it is in [`PlanView`]).
    #[serde(flatten)]
    pub outcome: PlanOutcome,
    /// Receipts presented at planning time.
    pub receipts: Vec<String>,
    /// Unix seconds when planned.
    pub planned_at: u64,
}

/// Computes the plan of `change` on `app` (as described now). Refuses
mod build;
mod seal;
#[cfg(test)]
mod tests;

pub use build::compute;
pub use seal::PlanSealer;

/// A plan as shown to the model and the person: everything but the secret
/// value of a property change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlanView {
    /// Application.
    pub application: String,
    /// The change, with a property value replaced by `<redacted>`.
    pub change: Value,
    /// Version id the plan is bound to.
    pub version_id: i64,
    /// Status at planning time.
    pub status: String,
    /// What the change sends and does.
    #[serde(flatten)]
    pub outcome: PlanOutcome,
}

/// What a plan sends and what it does: the part a plan and its view share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlanOutcome {
    /// Exact API call.
    pub request: Value,
    /// Field changes.
    pub diff: Vec<DiffLine>,
    /// Effects.
    pub effects: Effects,
    /// low, medium, high.
    pub risk: String,
    /// Why.
    pub risk_reasons: Vec<String>,
}

impl PlanView {
    /// The view of `plan`.
    pub fn of(plan: &Plan) -> PlanView {
        let mut change = serde_json::to_value(&plan.change).unwrap_or(Value::Null);
        if let Some(v) = change.get_mut("value") {
            *v = Value::String("<redacted>".into());
        }
        PlanView {
            application: plan.application.clone(),
            change,
            version_id: plan.version_id,
            status: plan.status.clone(),
            outcome: plan.outcome.clone(),
        }
    }
}
