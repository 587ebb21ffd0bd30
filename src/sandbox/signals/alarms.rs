//! The alarms monitoring-and-metrics.md recommends for every application,
//! per runtime, set beside the ones that exist, with the exact
//! `aws cloudwatch put-metric-alarm` a person runs to create each missing
//! one (we never create alarms). Pure.

use super::{
    catalog::is_2x,
    types::{AlarmView, Recommendation},
};

/// Where the recommendations come from.
pub const REFERENCE: &str =
    "monitoring-and-metrics.md#which-alarms-should-every-msf-application-have";

/// One recommended alarm: a plain metric alarm, or metric math on one metric.
struct Recommended {
    id: &'static str,
    /// Metric it needs (an existing alarm on it covers the recommendation).
    metric: &'static str,
    watches: &'static str,
    why: &'static str,
    statistic: &'static str,
    period: u32,
    evaluation: u32,
    threshold: String,
    comparison: &'static str,
    missing_data: &'static str,
    /// A math expression over `m1` (the metric), for RATE/DIFF alarms.
    expression: Option<&'static str>,
}

/// The recommended alarms for `runtime`, in the reference's priority order.
fn recommended(runtime: &str, checkpoint_interval_ms: i64) -> Vec<Recommended> {
    let two = is_2x(runtime);
    let duration = if checkpoint_interval_ms > 0 {
        checkpoint_interval_ms / 2
    } else {
        30_000
    };
    vec![
        Recommended {
            id: "outage",
            metric: if two { "restartingTime" } else { "downtime" },
            watches: if two {
                "restartingTime > 0 (FLINK-2_2 and later; AWS's replacement for downtime)"
            } else {
                "downtime > 0 (FLINK-1_20)"
            },
            why: "AWS's first recommended alarm: the job is failing or recovering; missing data pages too",
            statistic: "Average",
            period: 60,
            evaluation: 1,
            threshold: "0".into(),
            comparison: "GreaterThanThreshold",
            missing_data: "breaching",
            expression: None,
        },
        Recommended {
            id: "failed-checkpoints",
            metric: "numberOfFailedCheckpoints",
            watches: "RATE(numberOfFailedCheckpoints) > 0",
            why: "AWS's alarm: checkpoints failing means the next restart restores old state",
            statistic: "Average",
            period: 300,
            evaluation: 1,
            threshold: "0".into(),
            comparison: "GreaterThanThreshold",
            missing_data: "notBreaching",
            expression: Some("RATE(m1)"),
        },
        Recommended {
            id: "checkpoint-duration",
            metric: "lastCheckpointDuration",
            watches: "lastCheckpointDuration > 50% of the checkpoint interval (ours)",
            why: "a climb toward the interval predicts checkpoint timeouts",
            statistic: "Maximum",
            period: 300,
            evaluation: 3,
            threshold: duration.to_string(),
            comparison: "GreaterThanThreshold",
            missing_data: "missing",
            expression: None,
        },
        Recommended {
            id: "restarts",
            metric: if two { "numRestarts" } else { "fullRestarts" },
            watches: if two {
                "DIFF(numRestarts) > 2 an hour (ours)"
            } else {
                "DIFF(fullRestarts) > 2 an hour (ours)"
            },
            why: "more than 2 restarts an hour is a restart loop",
            statistic: "Maximum",
            period: 3600,
            evaluation: 1,
            threshold: "2".into(),
            comparison: "GreaterThanThreshold",
            missing_data: "notBreaching",
            expression: Some("DIFF(m1)"),
        },
        Recommended {
            id: "cpu-80",
            metric: "cpuUtilization",
            watches: "cpuUtilization Maximum > 80%",
            why: "AWS's value: the hottest TaskManager is saturated",
            statistic: "Maximum",
            period: 300,
            evaluation: 3,
            threshold: "80".into(),
            comparison: "GreaterThanThreshold",
            missing_data: "missing",
            expression: None,
        },
        Recommended {
            id: "heap-90",
            metric: "heapMemoryUtilization",
            watches: "heapMemoryUtilization Maximum > 90%",
            why: "AWS's value: heap pressure precedes GC storms and OutOfMemoryError",
            statistic: "Maximum",
            period: 300,
            evaluation: 3,
            threshold: "90".into(),
            comparison: "GreaterThanThreshold",
            missing_data: "missing",
            expression: None,
        },
    ]
}

/// Quotes `s` for a POSIX shell when it needs it.
fn sh(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:=,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The `put-metric-alarm` command for `r` on application `app`.
fn command(r: &Recommended, app: &str, region: Option<&str>) -> String {
    let name = format!("{app}-{}", r.id);
    let mut cmd = format!("aws cloudwatch put-metric-alarm --alarm-name {}", sh(&name));
    match r.expression {
        None => cmd.push_str(&format!(
            " --namespace AWS/KinesisAnalytics --metric-name {} --dimensions {} --statistic {} --period {}",
            r.metric,
            sh(&format!("Name=Application,Value={app}")),
            r.statistic,
            r.period
        )),
        Some(expr) => {
            let metrics = serde_json::json!([
                {"Id": "m1", "ReturnData": false, "MetricStat": {"Period": r.period, "Stat": r.statistic,
                  "Metric": {"Namespace": "AWS/KinesisAnalytics", "MetricName": r.metric,
                             "Dimensions": [{"Name": "Application", "Value": app}]}}},
                {"Id": "e1", "Expression": expr, "ReturnData": true}
            ]);
            cmd.push_str(&format!(" --metrics {}", sh(&metrics.to_string())));
        }
    }
    cmd.push_str(&format!(
        " --evaluation-periods {e} --datapoints-to-alarm {e} --threshold {} --comparison-operator {} --treat-missing-data {} --alarm-actions <your SNS topic ARN>",
        r.threshold, r.comparison, r.missing_data,
        e = r.evaluation
    ));
    if let Some(region) = region {
        cmd.push_str(&format!(" --region {}", sh(region)));
    }
    cmd
}

/// The recommendations for `app`, each covered by the existing alarms on its
/// metric or carrying the command that creates it.
pub fn compare(
    app: &str,
    runtime: &str,
    checkpoint_interval_ms: i64,
    region: Option<&str>,
    alarms: &[AlarmView],
) -> Vec<Recommendation> {
    recommended(runtime, checkpoint_interval_ms)
        .iter()
        .map(|r| {
            let covered_by: Vec<String> = alarms
                .iter()
                .filter(|a| a.metrics.iter().any(|m| m == r.metric))
                .map(|a| a.name.clone())
                .collect();
            Recommendation {
                id: r.id.to_string(),
                watches: r.watches.to_string(),
                why: r.why.to_string(),
                command: covered_by.is_empty().then(|| command(r, app, region)),
                covered_by,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alarm(name: &str, metric: &str) -> AlarmView {
        AlarmView {
            name: name.into(),
            state: "OK".into(),
            metrics: vec![metric.into()],
            statistic: Some("Maximum".into()),
            comparison: "GreaterThanThreshold".into(),
            threshold: Some(80.0),
            period_s: Some(300),
            expressions: Vec::new(),
            state_updated: None,
        }
    }

    #[test]
    fn missing_alarms_come_with_the_command_for_the_runtime() {
        let recs = compare(
            "orders",
            "FLINK-1_20",
            60_000,
            Some("eu-west-1"),
            &[alarm("orders-cpu", "cpuUtilization")],
        );
        let cpu = recs.iter().find(|r| r.id == "cpu-80").unwrap();
        assert_eq!(cpu.covered_by, vec!["orders-cpu"]);
        assert!(cpu.command.is_none());
        let outage = recs.iter().find(|r| r.id == "outage").unwrap();
        let cmd = outage.command.as_deref().unwrap();
        assert!(cmd.contains("--metric-name downtime --dimensions Name=Application,Value=orders --statistic Average --period 60"), "{cmd}");
        assert!(
            cmd.contains("--treat-missing-data breaching") && cmd.ends_with("--region eu-west-1")
        );
        let duration = recs.iter().find(|r| r.id == "checkpoint-duration").unwrap();
        assert!(
            duration
                .command
                .as_deref()
                .unwrap()
                .contains("--threshold 30000")
        );
        let failed = recs.iter().find(|r| r.id == "failed-checkpoints").unwrap();
        assert!(
            failed
                .command
                .as_deref()
                .unwrap()
                .contains(r#""Expression":"RATE(m1)""#)
        );

        let two = compare("orders", "FLINK-2_2", 60_000, None, &[]);
        assert!(
            two[0]
                .command
                .as_deref()
                .unwrap()
                .contains("--metric-name restartingTime")
        );
        assert!(two.iter().any(|r| r.watches.contains("numRestarts")));
    }

    #[test]
    fn names_with_spaces_are_quoted() {
        assert_eq!(sh("a b"), "'a b'");
        assert_eq!(sh("it's"), "'it'\\''s'");
        assert_eq!(sh("orders-app"), "orders-app");
    }
}
