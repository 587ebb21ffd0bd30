//! Change plans: computed from the application as it is now, with no side
//! effect, then sealed (HMAC) and bound to the application's version id and
//! conditional token, so that applying a stale or altered plan is refused.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rmcp::model::{RequestStateCodec, SealOptions};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::flink::Restore;
use super::types::{AppView, Kpus};
use crate::error::{Error, Result};
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
    /// The exact API call: operation and request body.
    pub request: Value,
    /// Field changes.
    pub diff: Vec<DiffLine>,
    /// Effects.
    pub effects: Effects,
    /// low, medium or high.
    pub risk: String,
    /// Why that risk.
    pub risk_reasons: Vec<String>,
    /// Receipts presented at planning time.
    pub receipts: Vec<String>,
    /// Unix seconds when planned.
    pub planned_at: u64,
}

/// Computes the plan of `change` on `app` (as described now). Refuses
/// changes that cannot work (wrong status, limits) with the reason.
pub fn compute(
    app: &AppView,
    change: Change,
    max_parallelism: u32,
    region: Option<String>,
    profile: Option<String>,
    receipts: Vec<String>,
) -> Result<Plan> {
    let status = app.status.as_str();
    let invalid = |m: String| Err(Error::InvalidInput(m));
    let kpus_now = app.kpus.clone();
    let mut diff = Vec::new();
    let mut reasons = Vec::new();
    let (operation, body, kpus_after, restart, downtime) = match &change {
        Change::Start {
            restore,
            allow_non_restored_state,
        } => {
            if status != "READY" {
                return invalid(format!(
                    "`{}` is {status}; only a READY application can be started",
                    app.name
                ));
            }
            if matches!(restore, Restore::Skip) {
                reasons.push("starts without state: the job reprocesses or skips data".into());
            }
            if *allow_non_restored_state {
                reasons.push("AllowNonRestoredState drops the state of removed operators".into());
            }
            if matches!(restore, Restore::Latest | Restore::Snapshot(_)) && !app.snapshots_enabled {
                return invalid(format!(
                    "`{}` has snapshots disabled; restore `skip` or enable snapshots first",
                    app.name
                ));
            }
            let (kind, snap) = match restore {
                Restore::Latest => ("RESTORE_FROM_LATEST_SNAPSHOT", None),
                Restore::Snapshot(s) => ("RESTORE_FROM_CUSTOM_SNAPSHOT", Some(s.clone())),
                Restore::Skip => ("SKIP_RESTORE_FROM_SNAPSHOT", None),
            };
            let mut restore_json = json!({"ApplicationRestoreType": kind});
            if let Some(s) = snap {
                restore_json["SnapshotName"] = json!(s);
            }
            diff.push(line("ApplicationStatus", status, "STARTING → RUNNING"));
            (
                "StartApplication",
                json!({"ApplicationName": app.name, "RunConfiguration": {
                    "ApplicationRestoreConfiguration": restore_json,
                    "FlinkRunConfiguration": {"AllowNonRestoredState": allow_non_restored_state}}}),
                kpus_now.clone(),
                true,
                "not running yet; starts in a few minutes".to_string(),
            )
        }
        Change::Stop { force } => {
            if status != "RUNNING"
                && !(*force && matches!(status, "STARTING" | "UPDATING" | "AUTOSCALING"))
            {
                return invalid(format!(
                    "`{}` is {status}; stop needs RUNNING (or force while STARTING/UPDATING/AUTOSCALING)",
                    app.name
                ));
            }
            if *force {
                reasons.push(
                    "force stop takes no snapshot: state since the last snapshot is lost".into(),
                );
            }
            diff.push(line("ApplicationStatus", status, "STOPPING → READY"));
            (
                "StopApplication",
                json!({"ApplicationName": app.name, "Force": force}),
                Kpus::of(0, 1).with_total(0),
                true,
                "the job stops until started again".to_string(),
            )
        }
        Change::CreateSnapshot { name } => {
            check_snapshot_name(name)?;
            if status != "RUNNING" {
                return invalid(format!(
                    "`{}` is {status}; snapshots are taken of a RUNNING application",
                    app.name
                ));
            }
            if !app.snapshots_enabled {
                return invalid(format!("`{}` has snapshots disabled", app.name));
            }
            diff.push(line("Snapshots", "", name));
            (
                "CreateApplicationSnapshot",
                json!({"ApplicationName": app.name, "SnapshotName": name}),
                kpus_now.clone(),
                false,
                "none".to_string(),
            )
        }
        Change::DeleteSnapshot { name } => {
            check_snapshot_name(name)?;
            reasons.push("a deleted snapshot cannot be restored from or recovered".into());
            diff.push(line("Snapshots", name, ""));
            (
                "DeleteApplicationSnapshot",
                json!({"ApplicationName": app.name, "SnapshotName": name, "SnapshotCreationTimestamp": "(looked up at apply)"}),
                kpus_now.clone(),
                false,
                "none".to_string(),
            )
        }
        Change::UpdateParallelism {
            parallelism,
            parallelism_per_kpu,
            autoscaling,
        } => {
            if parallelism.is_none() && parallelism_per_kpu.is_none() && autoscaling.is_none() {
                return invalid(
                    "update_parallelism needs parallelism, parallelism_per_kpu or autoscaling"
                        .into(),
                );
            }
            let p = parallelism.unwrap_or(app.parallelism.parallelism);
            let per = parallelism_per_kpu.unwrap_or(app.parallelism.parallelism_per_kpu);
            let auto = autoscaling.unwrap_or(app.parallelism.autoscaling);
            if p < 1 || p as u32 > max_parallelism {
                return invalid(format!(
                    "parallelism {p} is outside 1..={max_parallelism} (policy limits.max_parallelism)"
                ));
            }
            if !(1..=8).contains(&per) {
                return invalid(format!("parallelism_per_kpu {per} is outside 1..=8"));
            }
            push_if(
                &mut diff,
                "ParallelismConfiguration.Parallelism",
                app.parallelism.parallelism,
                p,
            );
            push_if(
                &mut diff,
                "ParallelismConfiguration.ParallelismPerKPU",
                app.parallelism.parallelism_per_kpu,
                per,
            );
            push_if(
                &mut diff,
                "ParallelismConfiguration.AutoScalingEnabled",
                app.parallelism.autoscaling,
                auto,
            );
            if app.parallelism.configuration_type != "CUSTOM" {
                diff.push(line(
                    "ParallelismConfiguration.ConfigurationType",
                    &app.parallelism.configuration_type,
                    "CUSTOM",
                ));
            }
            let after = Kpus::of(p, per);
            if after.total > kpus_now.total * 2 {
                reasons.push(format!(
                    "KPUs grow from {} to {}",
                    kpus_now.total, after.total
                ));
            }
            if p < app.parallelism.current_parallelism / 2 {
                reasons
                    .push("parallelism drops by more than half: check state size and lag".into());
            }
            let running = status == "RUNNING";
            (
                "UpdateApplication",
                json!({"ApplicationName": app.name, "CurrentApplicationVersionId": app.version_id,
                    "ApplicationConfigurationUpdate": {"FlinkApplicationConfigurationUpdate": {"ParallelismConfigurationUpdate": {
                        "ConfigurationTypeUpdate": "CUSTOM", "ParallelismUpdate": p, "ParallelismPerKPUUpdate": per,
                        "AutoScalingEnabledUpdate": auto}}}}),
                after,
                running,
                if running {
                    "the job restarts from a snapshot: typically tens of seconds to minutes"
                        .to_string()
                } else {
                    "none (not running)".to_string()
                },
            )
        }
        Change::UpdateProperties { group, key, value } => {
            if group.is_empty() || key.is_empty() {
                return invalid("update_properties needs a group and a key".into());
            }
            let mut groups = app.property_groups.clone();
            let old = groups.get(group).and_then(|g| g.get(key)).cloned();
            groups
                .entry(group.clone())
                .or_default()
                .insert(key.clone(), value.clone());
            // Values in the plan stay redacted: they may be secrets.
            diff.push(line(
                &format!("PropertyGroups.{group}.{key}"),
                if old.is_some() { "<current>" } else { "" },
                "<new value>",
            ));
            let running = status == "RUNNING";
            let redacted: BTreeMap<String, BTreeMap<String, String>> = groups
                .iter()
                .map(|(g, m)| {
                    (
                        g.clone(),
                        m.keys()
                            .map(|k| (k.clone(), "<redacted>".to_string()))
                            .collect(),
                    )
                })
                .collect();
            (
                "UpdateApplication",
                json!({"ApplicationName": app.name, "CurrentApplicationVersionId": app.version_id,
                    "ApplicationConfigurationUpdate": {"EnvironmentPropertyUpdates": {"PropertyGroups": redacted}}}),
                kpus_now.clone(),
                running,
                if running {
                    "the job restarts from a snapshot".to_string()
                } else {
                    "none (not running)".to_string()
                },
            )
        }
        Change::Rollback {} => {
            if !matches!(status, "RUNNING" | "UPDATING" | "AUTOSCALING") {
                return invalid(format!(
                    "`{}` is {status}; rollback needs RUNNING, UPDATING or AUTOSCALING",
                    app.name
                ));
            }
            reasons.push("returns to the previous version's code and configuration".into());
            diff.push(line(
                "ApplicationVersionId",
                &app.version_id.to_string(),
                "previous version",
            ));
            (
                "RollbackApplication",
                json!({"ApplicationName": app.name, "CurrentApplicationVersionId": app.version_id}),
                kpus_now.clone(),
                true,
                "the job restarts on the previous version".to_string(),
            )
        }
    };
    let risk = if reasons
        .iter()
        .any(|r| r.contains("lost") || r.contains("cannot be") || r.contains("without state"))
    {
        "high"
    } else if restart || !reasons.is_empty() {
        "medium"
    } else {
        "low"
    };
    if restart {
        reasons.push("the job restarts".into());
    }
    Ok(Plan {
        application: app.name.clone(),
        region,
        profile,
        version_id: app.version_id,
        conditional_token: app.conditional_token.clone(),
        status: app.status.clone(),
        request: json!({"operation": operation, "body": body}),
        diff,
        effects: Effects {
            restart,
            downtime,
            kpus_before: if status == "RUNNING" {
                kpus_now.total
            } else {
                0
            },
            kpus_after: kpus_after.total,
            monthly_usd_before: if status == "RUNNING" {
                kpus_now.monthly_usd
            } else {
                0.0
            },
            monthly_usd_after: kpus_after.monthly_usd,
            prices_region: kpus_now.prices_region.clone(),
        },
        risk: risk.to_string(),
        risk_reasons: reasons,
        receipts,
        planned_at: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        change,
    })
}

fn check_snapshot_name(name: &str) -> Result<()> {
    super::check_identifier("a snapshot name", name, 256, "")
}

fn line(field: &str, from: &str, to: &str) -> DiffLine {
    DiffLine {
        field: field.to_string(),
        from: from.to_string(),
        to: to.to_string(),
    }
}

fn push_if<T: PartialEq + ToString>(diff: &mut Vec<DiffLine>, field: &str, from: T, to: T) {
    if from != to {
        diff.push(line(field, &from.to_string(), &to.to_string()));
    }
}

impl Kpus {
    fn with_total(mut self, total: i32) -> Kpus {
        self.compute = total;
        self.orchestration = 0;
        self.total = total;
        self.storage_gb = 0;
        self.monthly_usd = 0.0;
        self
    }
}

/// What a consent question binds: the plan it is about and a one-time nonce.
#[derive(Serialize, Deserialize)]
struct Question {
    plan_sha256: String,
    nonce: String,
}

/// Purpose bound into consent-question states.
const QUESTION_PURPOSE: &[u8] = b"msf-mcp consent question v1";
/// Seals plans with the process (or configured) key.
#[derive(Clone)]
pub struct PlanSealer {
    codec: RequestStateCodec,
}

impl PlanSealer {
    /// A sealer with `key` (at least 32 bytes).
    pub fn with_key(key: &[u8]) -> Result<PlanSealer> {
        let codec = RequestStateCodec::try_new(key.to_vec())
            .map_err(|e| Error::InvalidInput(format!("plan key: {e}")))?;
        Ok(PlanSealer { codec })
    }

    /// The sealed token of `plan`.
    pub fn seal(&self, plan: &Plan) -> Result<String> {
        self.codec
            .seal_json_with(
                plan,
                &SealOptions::new().associated_data(PURPOSE).ttl(PLAN_TTL),
            )
            .map_err(|e| Error::InvalidInput(format!("plan: {e}")))
    }

    /// Seals the state of a consent question about the plan `plan_sha256`:
    /// a random nonce, valid for `ttl`.
    pub fn seal_question(&self, plan_sha256: &str, ttl: std::time::Duration) -> Result<String> {
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce)
            .map_err(|e| Error::InvalidInput(format!("no randomness: {e}")))?;
        let question = Question {
            plan_sha256: plan_sha256.to_string(),
            nonce: nonce.iter().map(|b| format!("{b:02x}")).collect(),
        };
        self.codec
            .seal_json_with(
                &question,
                &SealOptions::new()
                    .associated_data(QUESTION_PURPOSE)
                    .ttl(ttl),
            )
            .map_err(|e| Error::InvalidInput(format!("consent question: {e}")))
    }

    /// Opens the state a client echoed with its answer: it must be a question
    /// this server sealed, unexpired, about the plan `plan_sha256`. Returns its nonce.
    pub fn open_question(
        &self,
        state: &str,
        plan_sha256: &str,
    ) -> std::result::Result<String, String> {
        let q: Question = self
            .codec
            .open_json_with(state.trim(), QUESTION_PURPOSE)
            .map_err(|e| {
                format!("the answer's request state is not a question msf-mcp asked ({e})")
            })?;
        if q.plan_sha256 != plan_sha256 {
            return Err("the answer belongs to a question about another plan".into());
        }
        Ok(q.nonce)
    }

    /// Opens a token, refusing altered, foreign or expired plans.
    pub fn open(&self, token: &str) -> Result<Plan> {
        self.codec.open_json_with(token.trim(), PURPOSE).map_err(|e| {
            Error::Denied(format!("plan refused ({e}): it was altered, made by another server, or is older than 30 minutes; call msf_plan_change again"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::types::*;

    pub(crate) fn app(status: &str) -> AppView {
        AppView {
            name: "orders".into(),
            arn: "arn:aws:kinesisanalytics:us-east-1:123456789012:application/orders".into(),
            status: status.into(),
            runtime: "FLINK-1_20".into(),
            version_id: 7,
            conditional_token: Some("tok".into()),
            role_arn: None,
            parallelism: Parallelism {
                configuration_type: "CUSTOM".into(),
                parallelism: 4,
                parallelism_per_kpu: 1,
                autoscaling: false,
                current_parallelism: 4,
            },
            kpus: Kpus::of(4, 1),
            checkpoints: Checkpoints::default(),
            snapshots_enabled: true,
            logging: Logging::default(),
            vpc: None,
            property_groups: BTreeMap::from([(
                "app".to_string(),
                BTreeMap::from([("db.password".to_string(), "<redacted>".to_string())]),
            )]),
            code_location: None,
            snapshots: None,
            operations: None,
            knowledge: String::new(),
        }
    }

    #[test]
    fn scaling_plan_has_request_diff_effects_and_risk() {
        let change = Change::UpdateParallelism {
            parallelism: Some(8),
            parallelism_per_kpu: Some(2),
            autoscaling: None,
        };
        let p = compute(&app("RUNNING"), change, 64, None, None, vec![]).unwrap();
        assert_eq!(p.request["operation"], "UpdateApplication");
        assert_eq!(p.request["body"]["CurrentApplicationVersionId"], 7);
        assert_eq!(
            p.diff.iter().map(|d| d.field.as_str()).collect::<Vec<_>>(),
            vec![
                "ParallelismConfiguration.Parallelism",
                "ParallelismConfiguration.ParallelismPerKPU"
            ]
        );
        assert_eq!((p.effects.kpus_before, p.effects.kpus_after), (5, 5));
        assert!(p.effects.restart);
        assert_eq!(p.risk, "medium");
        assert_eq!(p.version_id, 7);
    }

    #[test]
    fn impossible_changes_are_refused_with_the_reason() {
        let e = compute(
            &app("READY"),
            Change::Stop { force: false },
            64,
            None,
            None,
            vec![],
        )
        .unwrap_err();
        assert!(e.to_string().contains("stop needs RUNNING"));
        let big = Change::UpdateParallelism {
            parallelism: Some(500),
            parallelism_per_kpu: None,
            autoscaling: None,
        };
        assert!(
            compute(&app("RUNNING"), big, 64, None, None, vec![])
                .unwrap_err()
                .to_string()
                .contains("max_parallelism")
        );
        let e = compute(
            &app("RUNNING"),
            Change::CreateSnapshot {
                name: "../x".into(),
            },
            64,
            None,
            None,
            vec![],
        )
        .unwrap_err();
        assert!(e.to_string().contains("not a snapshot name"));
    }

    #[test]
    fn property_values_never_appear_in_plans() {
        let change = Change::UpdateProperties {
            group: "app".into(),
            key: "db.password".into(),
            value: "hunter2".into(),
        };
        let p = compute(&app("RUNNING"), change, 64, None, None, vec![]).unwrap();
        let json = serde_json::to_string(&PlanView::of(&p)).unwrap();
        assert!(!json.contains("hunter2"), "{json}");
    }

    #[test]
    fn sealed_plans_open_only_unaltered() {
        let s = PlanSealer::with_key(&[1u8; 32]).unwrap();
        let p = compute(
            &app("RUNNING"),
            Change::Stop { force: true },
            64,
            None,
            None,
            vec![],
        )
        .unwrap();
        assert_eq!(p.risk, "high");
        let token = s.seal(&p).unwrap();
        assert_eq!(s.open(&token).unwrap(), p);
        let mut bad = token.clone();
        bad.replace_range(20..21, if &token[20..21] == "A" { "B" } else { "A" });
        assert!(
            s.open(&bad)
                .unwrap_err()
                .to_string()
                .contains("plan refused")
        );
        assert!(
            PlanSealer::with_key(&[2u8; 32])
                .unwrap()
                .open(&token)
                .is_err()
        );
    }
}

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
            request: plan.request.clone(),
            diff: plan.diff.clone(),
            effects: plan.effects.clone(),
            risk: plan.risk.clone(),
            risk_reasons: plan.risk_reasons.clone(),
        }
    }
}
