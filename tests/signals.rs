//! Live signals against moto: three seeded applications (healthy, restart
//! looping, checkpoint-starved) with metrics put through PutMetricData
//! inside the window, diagnosed, read by preset, and their alarms compared;
//! the CloudWatch failures (access denied, throttling) through
//! aws-smithy-mocks. The CLI twin prints the diagnosis a person reads.

use aws_sdk_cloudwatch::{
    error::ErrorMetadata,
    operation::get_metric_data::GetMetricDataError,
    primitives::DateTime,
    types::{ComparisonOperator, Dimension, MetricDatum, Statistic},
};
use aws_smithy_mocks::mock;
use kda::types::ApplicationStatus;
use msf_mcp::sandbox::signals::types::*;

use crate::sandbox::{
    audit_text, cli_against_moto, describe_rule, mocked, moto_settings, policy, sandbox,
    sdk_config, seed, stdout_of,
};
use aws_sdk_kinesisanalyticsv2 as kda;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Puts one datapoint a minute for `metric` of `app`, the last one a minute ago.
async fn put(app: &str, metric: &str, values: &[f64]) {
    let client = aws_sdk_cloudwatch::Client::new(&sdk_config().await);
    let end = now() - 60;
    let n = values.len() as i64;
    let data: Vec<MetricDatum> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            MetricDatum::builder()
                .metric_name(metric)
                .dimensions(Dimension::builder().name("Application").value(app).build())
                .timestamp(DateTime::from_secs(end - (n - 1 - i as i64) * 60))
                .value(*v)
                .build()
        })
        .collect();
    for chunk in data.chunks(500) {
        client
            .put_metric_data()
            .namespace("AWS/KinesisAnalytics")
            .set_metric_data(Some(chunk.to_vec()))
            .send()
            .await
            .unwrap();
    }
}

/// Two hours of a healthy FLINK-1_20 application.
async fn seed_healthy(app: &str) {
    seed(app).await;
    let n = 120;
    let uptime: Vec<f64> = (0..n).map(|i| 1e7 + i as f64 * 60_000.0).collect();
    put(app, "uptime", &uptime).await;
    put(app, "downtime", &vec![0.0; n]).await;
    put(app, "fullRestarts", &vec![1.0; n]).await;
    put(app, "lastCheckpointDuration", &vec![2_000.0; n]).await;
    put(app, "numberOfFailedCheckpoints", &vec![0.0; n]).await;
    put(app, "cpuUtilization", &vec![35.0; n]).await;
    put(app, "heapMemoryUtilization", &vec![55.0; n]).await;
    put(app, "oldGenerationGCTime", &vec![40.0; n]).await;
}

/// Two hours of a restart loop: a restart every 8 minutes from the 30th.
async fn seed_looping(app: &str) {
    seed(app).await;
    let n = 120;
    let restarts: Vec<f64> = (0..n)
        .map(|i| {
            if i < 30 {
                3.0
            } else {
                3.0 + ((i - 30) / 8 + 1) as f64
            }
        })
        .collect();
    let uptime: Vec<f64> = (0..n)
        .map(|i| {
            if i < 30 {
                1e7 + i as f64 * 60_000.0
            } else {
                ((i - 30) % 8) as f64 * 60_000.0
            }
        })
        .collect();
    let downtime: Vec<f64> = (0..n)
        .map(|i| {
            if i >= 30 && (i - 30) % 8 == 0 || i == n - 1 {
                20_000.0
            } else {
                0.0
            }
        })
        .collect();
    put(app, "fullRestarts", &restarts).await;
    put(app, "uptime", &uptime).await;
    put(app, "downtime", &downtime).await;
    put(app, "lastCheckpointDuration", &vec![2_000.0; n]).await;
    put(app, "numberOfFailedCheckpoints", &vec![0.0; n]).await;
}

/// Two hours of checkpoints creeping up to the 60 s interval, then failing.
async fn seed_starved(app: &str) {
    seed(app).await;
    let n = 120;
    let duration: Vec<f64> = (0..n).map(|i| 20_000.0 + i as f64 * 330.0).collect();
    let failed: Vec<f64> = (0..n)
        .map(|i| if i < 90 { 0.0 } else { ((i - 90) / 5) as f64 })
        .collect();
    put(app, "lastCheckpointDuration", &duration).await;
    put(app, "numberOfFailedCheckpoints", &failed).await;
    put(
        app,
        "uptime",
        &(0..n)
            .map(|i| 1e7 + i as f64 * 60_000.0)
            .collect::<Vec<_>>(),
    )
    .await;
    put(app, "downtime", &vec![0.0; n]).await;
    put(app, "fullRestarts", &vec![0.0; n]).await;
}

fn diagnose_args(app: &str, symptom: Option<Symptom>) -> DiagnoseArgs {
    DiagnoseArgs {
        application: app.into(),
        symptom,
        window: Some("3h".into()),
        region: None,
        profile: None,
    }
}

fn severe(out: &DiagnoseOut) -> Vec<&Finding> {
    out.findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .collect()
}

#[tokio::test]
async fn a_healthy_application_has_no_problem() {
    seed_healthy("sig-healthy").await;
    let (s, _dir) = sandbox(policy(""), moto_settings());
    let out = s
        .diagnose(&diagnose_args("sig-healthy", None))
        .await
        .unwrap();
    assert!(severe(&out).is_empty(), "{:#?}", out.findings);
    for rule in [
        "restart_loop",
        "outage",
        "checkpoint_near_interval",
        "checkpoint_failures",
        "heap_and_gc",
    ] {
        assert!(
            out.clear.contains(&rule.to_string()),
            "{rule} not clear: {out:#?}"
        );
    }
    // moto cannot start an application: it stays READY, and the diagnosis says so.
    assert!(
        out.findings.iter().all(|f| f.rule == "not_running"),
        "{:#?}",
        out.findings
    );
}

#[tokio::test]
async fn a_restart_loop_is_named_with_its_evidence_and_reference() {
    seed_looping("sig-looping").await;
    let (s, _dir) = sandbox(policy(""), moto_settings());
    let out = s
        .diagnose(&diagnose_args("sig-looping", None))
        .await
        .unwrap();
    let first = &out.findings[0];
    assert_eq!(first.severity, Severity::Critical, "{:#?}", out.findings);
    let restart = out
        .findings
        .iter()
        .find(|f| f.rule == "restart_loop")
        .unwrap();
    assert_eq!(restart.severity, Severity::Critical);
    assert!(restart.title.contains("restart loop"), "{}", restart.title);
    assert!(
        restart
            .evidence
            .iter()
            .any(|e| e.contains("fullRestarts rose from 3 to 15")),
        "{:?}",
        restart.evidence
    );
    assert!(
        restart.evidence.iter().any(|e| e.contains("uptime reset")),
        "{:?}",
        restart.evidence
    );
    assert!(
        restart
            .reference
            .starts_with("monitoring-and-metrics.md#restart-metrics")
    );
    assert!(restart.next.starts_with("first-fault-isolation.md#"));
    let outage = out.findings.iter().find(|f| f.rule == "outage").unwrap();
    assert!(
        outage.evidence[0].contains("downtime 20,000 ms"),
        "{:?}",
        outage.evidence
    );
    // The first-fault log lines come with the finding (moto has the seeded events).
    assert!(
        restart
            .log_lines
            .iter()
            .any(|l| l.contains("switched from RUNNING to FAILED")),
        "{:?} / not checked {:?}",
        restart.log_lines,
        out.not_checked
    );
    assert!(
        out.read_next
            .iter()
            .any(|r| r.starts_with("first-fault-isolation.md"))
    );
    assert!(
        !out.findings
            .iter()
            .any(|f| f.rule.starts_with("checkpoint")),
        "{:#?}",
        out.findings
    );
}

#[tokio::test]
async fn a_checkpoint_starved_application_is_named() {
    seed_starved("sig-starved").await;
    let (s, _dir) = sandbox(policy(""), moto_settings());
    let out = s
        .diagnose(&diagnose_args("sig-starved", Some(Symptom::Checkpoints)))
        .await
        .unwrap();
    let near = out
        .findings
        .iter()
        .find(|f| f.rule == "checkpoint_near_interval")
        .unwrap_or_else(|| panic!("{out:#?}"));
    assert_eq!(near.severity, Severity::Critical);
    assert!(
        near.title.contains("of the 60,000 ms interval"),
        "{}",
        near.title
    );
    assert!(
        near.evidence[0].contains("trend rising"),
        "{:?}",
        near.evidence
    );
    assert_eq!(
        near.reference,
        "checkpoint-tuning.md#what-should-i-do-when-checkpoint-duration-approaches-the-interval"
    );
    let failed = out
        .findings
        .iter()
        .find(|f| f.rule == "checkpoint_failures")
        .unwrap();
    assert!(
        failed.evidence[0].contains("rose by 5"),
        "{:?}",
        failed.evidence
    );
    assert!(!out.findings.iter().any(|f| f.rule == "restart_loop"));
    // The symptom narrowed the rules.
    assert!(!out.clear.contains(&"lag_growing".to_string()));
}

#[tokio::test]
async fn metric_presets_mirror_the_runtime_and_are_audited() {
    seed_looping("sig-metrics").await;
    let (s, _dir) = sandbox(policy(""), moto_settings());
    let out = s
        .metrics(&MetricsArgs {
            application: "sig-metrics".into(),
            preset: MetricPreset::Health,
            window: Some("3h".into()),
            region: None,
            profile: None,
        })
        .await
        .unwrap();
    assert_eq!(out.runtime, "FLINK-1_20");
    assert_eq!(out.metrics_level, "APPLICATION");
    let names: Vec<&str> = out.series.iter().map(|s| s.metric.as_str()).collect();
    assert_eq!(names, vec!["uptime", "downtime", "fullRestarts"]);
    let restarts = &out.series[2];
    let sum = restarts.summary.as_ref().unwrap();
    assert_eq!((sum.min, sum.max, sum.trend), (3.0, 15.0, Trend::Rising));
    assert_eq!(restarts.times.len(), restarts.values.len());
    assert!(restarts.values.len() >= 100 && restarts.values.len() <= 360);
    assert!(out.skipped.iter().any(|k| k.metric == "numRestarts"));
    // Task-level metrics at APPLICATION level are not requested, and the answer says why.
    let bp = s
        .metrics(&MetricsArgs {
            application: "sig-metrics".into(),
            preset: MetricPreset::Backpressure,
            window: None,
            region: None,
            profile: None,
        })
        .await
        .unwrap();
    assert!(bp.series.is_empty());
    assert!(
        bp.skipped
            .iter()
            .all(|k| k.reason.contains("MetricsLevel is APPLICATION"))
    );
    let text = audit_text(&s);
    assert_eq!(text.matches(r#""tool":"msf_metrics""#).count(), 4, "{text}");
    assert!(s.audit().verify().unwrap().ok());
}

#[tokio::test]
async fn alarms_are_set_beside_the_recommended_ones() {
    seed("sig-alarms").await;
    let client = aws_sdk_cloudwatch::Client::new(&sdk_config().await);
    client
        .put_metric_alarm()
        .alarm_name("sig-alarms-cpu")
        .namespace("AWS/KinesisAnalytics")
        .metric_name("cpuUtilization")
        .dimensions(
            Dimension::builder()
                .name("Application")
                .value("sig-alarms")
                .build(),
        )
        .statistic(Statistic::Maximum)
        .period(300)
        .evaluation_periods(3)
        .threshold(80.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .unwrap();
    let (s, _dir) = sandbox(policy(""), moto_settings());
    let out = s
        .alarms(&AlarmsArgs {
            application: "sig-alarms".into(),
            region: None,
            profile: None,
        })
        .await
        .unwrap();
    assert_eq!(out.alarms.len(), 1, "{out:#?}");
    assert_eq!(out.alarms[0].metrics, vec!["cpuUtilization"]);
    let cpu = out.recommended.iter().find(|r| r.id == "cpu-80").unwrap();
    assert_eq!(cpu.covered_by, vec!["sig-alarms-cpu"]);
    let outage = out.recommended.iter().find(|r| r.id == "outage").unwrap();
    assert!(
        outage
            .command
            .as_deref()
            .unwrap()
            .contains("--metric-name downtime --dimensions Name=Application,Value=sig-alarms"),
        "{outage:?}"
    );
    assert_eq!(out.missing, out.recommended.len() - 1);
}

#[tokio::test]
async fn policy_and_cloudwatch_failures_are_clear_and_audited() {
    let (s, _dir) = sandbox(
        policy("[allow]\nregions = [\"eu-west-1\"]"),
        moto_settings(),
    );
    let e = s
        .diagnose(&DiagnoseArgs {
            region: Some("ap-south-1".into()),
            ..diagnose_args("sig-denied", None)
        })
        .await
        .unwrap_err();
    assert!(e.to_string().contains("allow.regions"), "{e}");
    assert!(audit_text(&s).contains(r#""decision":"deny""#));

    let describe = describe_rule("sig-mocked", ApplicationStatus::Running, 3);
    let denied = mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_error(|| {
        GetMetricDataError::generic(
            ErrorMetadata::builder()
                .code("AccessDenied")
                .message("User is not authorized to perform: cloudwatch:GetMetricData")
                .build(),
        )
    });
    let (s, _dir) = sandbox(policy(""), mocked(&[&describe, &denied]));
    let e = s
        .metrics(&MetricsArgs {
            application: "sig-mocked".into(),
            preset: MetricPreset::Checkpoints,
            window: None,
            region: None,
            profile: None,
        })
        .await
        .unwrap_err();
    assert!(e.to_string().contains("`cloudwatch:GetMetricData`"), "{e}");
    assert!(!e.to_string().contains("kinesisanalytics: prefix"), "{e}");

    let describe = describe_rule("sig-mocked", ApplicationStatus::Running, 3);
    let throttled = mock!(aws_sdk_cloudwatch::Client::describe_alarms).then_error(|| {
        aws_sdk_cloudwatch::operation::describe_alarms::DescribeAlarmsError::generic(
            ErrorMetadata::builder()
                .code("Throttling")
                .message("Rate exceeded")
                .build(),
        )
    });
    let (s, _dir) = sandbox(policy(""), mocked(&[&describe, &throttled]));
    let e = s
        .alarms(&AlarmsArgs {
            application: "sig-mocked".into(),
            region: None,
            profile: None,
        })
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("cloudwatch:DescribeAlarms was throttled"),
        "{e}"
    );
    assert!(audit_text(&s).contains(r#""outcome":"error""#));
}

#[test]
fn cli_diagnose_names_the_problem_at_a_glance() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(seed_starved("sig-cli"));
    let run = |args: &[&str]| stdout_of(cli_against_moto().env("TZ", "UTC").args(args), args);
    let text = run(&["diagnose", "sig-cli"]);
    println!("{text}");
    assert!(text.contains("CRITICAL  checkpoints take"), "{text}");
    assert!(text.contains("explained in checkpoint-tuning.md#what-should-i-do-when-checkpoint-duration-approaches-the-interval"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&run(&["diagnose", "sig-cli", "--json"])).unwrap();
    assert_eq!(json["findings"][0]["severity"], "critical");
    let metrics = run(&["metrics", "sig-cli", "--preset", "checkpoints"]);
    assert!(metrics.contains("lastCheckpointDuration"), "{metrics}");
    assert!(metrics.contains('█'), "a sparkline per series: {metrics}");
    let alarms = run(&["alarms", "sig-cli"]);
    assert!(alarms.contains("MISSING  outage"), "{alarms}");
}
