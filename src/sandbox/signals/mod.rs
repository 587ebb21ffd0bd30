//! Live signals of one application: CloudWatch metrics by preset
//! (`msf_metrics`), its alarms beside the recommended ones (`msf_alarms`),
//! and a diagnosis that joins describe, metrics and logs with the rules the
//! references state (`msf_diagnose`). Every call passes the sandbox door:
//! policy (region, profile), audit attempt, the calls, audit outcome.
//!
//! `cloudwatch` is private: nothing else reaches CloudWatch metrics.

pub mod alarms;
pub mod catalog;
mod cloudwatch;
pub mod rules;
pub mod summary;
pub mod types;

use std::{collections::BTreeMap, time::Duration};

use serde_json::json;

use self::{catalog::MetricDef, rules::Evidence, types::*};
use super::{
    Call, Sandbox, aws, check_name, errors::AwsResult, flink, logs, now_secs, types::AppView,
};
use crate::{
    error::{Error, Result},
    sandbox::audit::rfc3339,
};

/// Default look-back.
const DEFAULT_WINDOW: &str = "3h";
/// Longest look-back (CloudWatch keeps 1-minute data for 15 days).
const MAX_WINDOW_S: i64 = 14 * 86_400;
/// Log lines kept per finding.
const LOG_LINES: i32 = 5;
/// Longest wait for one log query of a diagnosis.
const LOG_WAIT: Duration = Duration::from_secs(10);

/// Start and end (unix s) of a look-back such as `3h`, `90m`, `2d` ending now.
pub fn window(text: Option<&str>, now: i64) -> Result<(i64, i64)> {
    let t = text.unwrap_or(DEFAULT_WINDOW).trim();
    let rel = t.strip_prefix('-').unwrap_or(t);
    let start = logs::parse_time(&format!("-{rel}"), now).map_err(|e| {
        Error::InvalidInput(format!(
            "window {e}; give a look-back such as 3h, 90m or 2d"
        ))
    })?;
    let secs = now - start;
    if !(300..=MAX_WINDOW_S).contains(&secs) {
        return Err(Error::InvalidInput(format!(
            "window `{t}` must be between 5m and 14d (CloudWatch keeps 1-minute data for 15 days)"
        )));
    }
    Ok((start - start.rem_euclid(60), now))
}

/// MetricsLevel in effect (APPLICATION when not configured).
fn level(view: &AppView) -> String {
    view.logging
        .metrics_level
        .clone()
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "APPLICATION".into())
}

fn iso(t: i64) -> String {
    rfc3339(t.max(0) as u64, 0)
}

impl Sandbox {
    /// Describe, for the runtime, metrics level and checkpoint interval.
    async fn describe_for_signals(
        &self,
        config: &aws_config::SdkConfig,
        app: &str,
    ) -> AwsResult<(AppView, Vec<String>)> {
        flink::described(&aws::msf_client(&self.aws, config), app, false).await
    }

    /// `msf_metrics`: one preset's series for an application.
    pub async fn metrics(&self, a: &MetricsArgs) -> Result<MetricsOut> {
        check_name(&a.application)?;
        let (start, end) = window(a.window.as_deref(), now_secs())?;
        let call = Call::read("msf_metrics", json!(a), &a.profile, &a.region);
        self.door(call, |config| async move {
            let (view, mut ids) = self.describe_for_signals(&config, &a.application).await?;
            let level = level(&view);
            let (defs, mut skipped) =
                catalog::plan(catalog::metrics(a.preset), &view.runtime, &level);
            let client = aws::cloudwatch_client(&self.aws, &config);
            let (series, more, i) =
                cloudwatch::read(&client, &a.application, &defs, start, end).await?;
            ids.extend(i);
            skipped.extend(more);
            Ok((
                MetricsOut {
                    application: a.application.clone(),
                    runtime: view.runtime,
                    metrics_level: level,
                    preset: a.preset.name().to_string(),
                    start: iso(start),
                    end: iso(end),
                    series,
                    skipped,
                    reference: catalog::reference(a.preset).to_string(),
                },
                ids,
            ))
        })
        .await
    }

    /// `msf_alarms`: the application's alarms beside the recommended ones.
    pub async fn alarms(&self, a: &AlarmsArgs) -> Result<AlarmsOut> {
        check_name(&a.application)?;
        let call = Call::read("msf_alarms", json!(a), &a.profile, &a.region);
        self.door(call, |config| async move {
            let (view, mut ids) = self.describe_for_signals(&config, &a.application).await?;
            let client = aws::cloudwatch_client(&self.aws, &config);
            let (found, i) = cloudwatch::alarms(&client, &a.application).await?;
            ids.extend(i);
            let region = config.region().map(|r| r.to_string());
            let recommended = alarms::compare(
                &a.application,
                &view.runtime,
                view.checkpoints.interval_ms,
                region.as_deref(),
                &found,
            );
            Ok((
                AlarmsOut {
                    application: a.application.clone(),
                    runtime: view.runtime,
                    missing: recommended.iter().filter(|r| r.command.is_some()).count(),
                    alarms: found,
                    recommended,
                    reference: alarms::REFERENCE.to_string(),
                },
                ids,
            ))
        })
        .await
    }

    /// `msf_diagnose`: describe, the metric presets and log presets the
    /// selected rules need, and the findings of the rule table.
    pub async fn diagnose(&self, a: &DiagnoseArgs) -> Result<DiagnoseOut> {
        check_name(&a.application)?;
        let (start, end) = window(a.window.as_deref(), now_secs())?;
        let call = Call::read("msf_diagnose", json!(a), &a.profile, &a.region);
        self.door(call, |config| async move {
            let app = a.application.as_str();
            let (view, mut ids) = self.describe_for_signals(&config, app).await?;
            let level = level(&view);
            let selected = rules::select(a.symptom);
            let mut not_checked = Vec::new();
            let operations = if selected.iter().any(|r| r.id == "updates_failing") {
                let client = aws::msf_client(&self.aws, &config);
                match flink::operations(&client, app, 10).await {
                    Ok((o, i)) => {
                        ids.extend(i);
                        Some(o)
                    }
                    Err(e) => {
                        not_checked.push(format!("recent operations: {}", e.message));
                        None
                    }
                }
            } else {
                None
            };
            let mut presets: Vec<MetricPreset> = Vec::new();
            for p in selected.iter().flat_map(|r| r.presets.iter()) {
                if !presets.contains(p) {
                    presets.push(*p);
                }
            }
            let defs: Vec<&MetricDef> = presets
                .iter()
                .flat_map(|p| catalog::metrics(*p).iter())
                .collect();
            let (wanted, skipped) = catalog::plan(defs, &view.runtime, &level);
            let client = aws::cloudwatch_client(&self.aws, &config);
            let (series, unpublished, i) = cloudwatch::read(&client, app, &wanted, start, end).await?;
            ids.extend(i);
            not_checked.extend(
                skipped
                    .iter()
                    .filter(|s| s.reason.contains("MetricsLevel"))
                    .chain(&unpublished)
                    .map(|s| format!("{}: {}", s.metric, s.reason)),
            );
            if series.iter().all(|s| s.values.is_empty()) && !series.is_empty() {
                not_checked.push(format!(
                    "no datapoints for any of the {} series read between {} and {}: the application did not run in the window, or runs in another region",
                    series.len(),
                    iso(start),
                    iso(end)
                ));
            }
            let evidence = Evidence {
                runtime: view.runtime.clone(),
                status: view.status.clone(),
                checkpoint_interval_ms: if view.checkpoints.enabled {
                    view.checkpoints.interval_ms
                } else {
                    0
                },
                autoscaling: view.parallelism.autoscaling,
                series,
                operations,
            };
            let mut findings = Vec::new();
            let mut clear = Vec::new();
            let mut lines: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
            for rule in &selected {
                let Some(mut finding) = rule.run(&evidence) else {
                    clear.push(rule.id.to_string());
                    continue;
                };
                if let (Some(preset), Some(group)) = (rule.logs, view.logging.log_group.as_deref())
                    && finding.severity != Severity::Info
                {
                    let key = preset.filter_term();
                    if !lines.contains_key(key) {
                        let logs_client = aws_sdk_cloudwatchlogs::Client::new(&config);
                        let query = preset.query(group, start, end, LOG_LINES, LOG_WAIT);
                        match logs::run(&logs_client, &query, &|_: u64| {}, &|| false).await {
                            Ok((result, i)) => {
                                ids.extend(i);
                                lines.insert(key, result.rows.iter().map(log_line).collect());
                            }
                            Err(e) => {
                                not_checked.push(format!("logs ({key}): {}", e.message));
                                lines.insert(key, Vec::new());
                            }
                        }
                    }
                    finding.log_lines = lines.get(key).cloned().unwrap_or_default();
                }
                findings.push(finding);
            }
            findings.sort_by_key(|f| f.severity);
            let mut read_next: Vec<String> = Vec::new();
            for f in &findings {
                for r in [&f.reference, &f.next] {
                    if !read_next.contains(r) {
                        read_next.push(r.clone());
                    }
                }
            }
            Ok((
                DiagnoseOut {
                    application: a.application.clone(),
                    runtime: view.runtime,
                    status: view.status,
                    metrics_level: level,
                    start: iso(start),
                    end: iso(end),
                    findings,
                    clear,
                    not_checked,
                    read_next,
                },
                ids,
            ))
        })
        .await
    }
}

/// A log row as one line: its time and message, cut to 400 characters.
fn log_line(row: &super::types::LogRow) -> String {
    let time = row
        .fields
        .get("@timestamp")
        .map(String::as_str)
        .unwrap_or("");
    let message = row
        .fields
        .get("@message")
        .or_else(|| row.fields.get("message"))
        .map(String::as_str)
        .unwrap_or("");
    crate::corpus::preview(format!("{time} {message}").trim(), 400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_parse_and_are_bounded() {
        let now = 1_795_000_000;
        let (s, e) = window(None, now).unwrap();
        assert_eq!(e, now);
        assert!(now - s >= 3 * 3600 && now - s < 3 * 3600 + 60);
        assert!(window(Some("-90m"), now).is_ok());
        assert!(window(Some("2d"), now).is_ok());
        let long = window(Some("30d"), now).unwrap_err().to_string();
        assert!(long.contains("between 5m and 14d"), "{long}");
        let bad = window(Some("soon"), now).unwrap_err().to_string();
        assert!(bad.contains("3h, 90m or 2d"), "{bad}");
    }
}
