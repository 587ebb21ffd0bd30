//! Building a plan: the diff, the exact request, the effects and the risk of
//! a change on the application as described now, with no side effect.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::{Change, DiffLine, Effects, Plan, PlanOutcome};
use crate::error::{Error, Result};
use crate::sandbox::Restore;
use crate::sandbox::types::{AppView, Kpus};

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
        outcome: PlanOutcome {
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
        },
        receipts,
        planned_at: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        change,
    })
}

fn check_snapshot_name(name: &str) -> Result<()> {
    crate::sandbox::check_identifier("a snapshot name", name, 256, "")
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
