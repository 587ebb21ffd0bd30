//! One test per rule: it fires on the evidence it describes and stays quiet
//! on a healthy application. Plus: every `reference#anchor` the table cites
//! exists in the embedded corpus.

use std::collections::BTreeMap;

use super::*;
use crate::{
    corpus::Corpus,
    sandbox::signals::{summary::summarize, types::Series},
};

/// A series of `metric` with one point a minute from t = 0.
fn series(metric: &str, values: &[f64]) -> Series {
    series_with(metric, values, &[])
}

fn series_with(metric: &str, values: &[f64], dims: &[(&str, &str)]) -> Series {
    let times: Vec<i64> = (0..values.len() as i64)
        .map(|i| 1_795_000_000 + i * 60)
        .collect();
    Series {
        metric: metric.into(),
        stat: "Maximum".into(),
        period_s: 60,
        unit: "".into(),
        dimensions: dims
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        summary: summarize(&times, values),
        times,
        values: values.to_vec(),
    }
}

fn evidence(series: Vec<Series>) -> Evidence {
    Evidence {
        runtime: "FLINK-1_20".into(),
        status: "RUNNING".into(),
        checkpoint_interval_ms: 60_000,
        autoscaling: true,
        series,
        operations: None,
    }
}

fn rule(id: &str) -> &'static Rule {
    RULES.iter().find(|r| r.id == id).unwrap()
}

/// A healthy application over 3 hours.
fn healthy() -> Evidence {
    let n = 180;
    let flat = |v: f64| vec![v; n];
    let uptime: Vec<f64> = (0..n).map(|i| 1e7 + i as f64 * 60_000.0).collect();
    evidence(vec![
        series("uptime", &uptime),
        series("downtime", &flat(0.0)),
        series("fullRestarts", &flat(1.0)),
        series("lastCheckpointDuration", &flat(2_000.0)),
        series("numberOfFailedCheckpoints", &flat(0.0)),
        series("cpuUtilization", &flat(35.0)),
        series("containerCPUUtilization", &flat(40.0)),
        series("heapMemoryUtilization", &flat(55.0)),
        series("oldGenerationGCTime", &flat(40.0)),
        series("millisBehindLatest", &flat(200.0)),
    ])
}

#[test]
fn a_healthy_application_has_no_finding() {
    let e = healthy();
    let fired: Vec<&str> = RULES
        .iter()
        .filter(|r| r.run(&e).is_some())
        .map(|r| r.id)
        .collect();
    assert!(fired.is_empty(), "{fired:?}");
}

#[test]
fn outage_fires_on_downtime_now() {
    let mut v = vec![0.0; 50];
    v.extend([12_000.0, 30_000.0, 45_000.0]);
    let f = rule("outage")
        .run(&evidence(vec![series("downtime", &v)]))
        .unwrap();
    assert_eq!(f.severity, Severity::Critical);
    assert!(
        f.evidence[0].contains("downtime 45,000 ms"),
        "{:?}",
        f.evidence
    );
    assert!(f.evidence[0].contains("3 of 53 points"), "{:?}", f.evidence);
}

#[test]
fn restart_loop_counts_restarts_per_hour_with_the_first_time() {
    // 12 restarts in 2 hours, starting after 30 minutes.
    let v: Vec<f64> = (0..120)
        .map(|i| {
            if i < 30 {
                3.0
            } else {
                3.0 + ((i - 30) / 7 + 1).min(12) as f64
            }
        })
        .collect();
    let f = rule("restart_loop")
        .run(&evidence(vec![series("fullRestarts", &v)]))
        .unwrap();
    assert_eq!(f.severity, Severity::Critical);
    assert!(f.title.contains("restart loop: 12 restarts"), "{}", f.title);
    assert!(
        f.evidence[0].contains("fullRestarts rose from 3 to 15"),
        "{:?}",
        f.evidence
    );
    assert!(
        f.evidence[0].contains("the first by 11:36 UTC"),
        "{:?}",
        f.evidence
    );
    // One restart in 3 hours is information, not a loop.
    let mut one = vec![1.0; 180];
    one[100] = 2.0;
    one[101..].iter_mut().for_each(|x| *x = 2.0);
    let f = rule("restart_loop")
        .run(&evidence(vec![series("fullRestarts", &one)]))
        .unwrap();
    assert_eq!(f.severity, Severity::Info);
}

#[test]
fn restart_loop_reads_runtime_2x_names_and_uptime_resets() {
    let v: Vec<f64> = (0..60).map(|i| ((i % 10) * 60_000) as f64).collect();
    let mut e = evidence(vec![
        series("runningTime", &v),
        series("numRestarts", &[0.0; 60]),
    ]);
    e.runtime = "FLINK-2_2".into();
    let f = rule("restart_loop").run(&e).unwrap();
    assert!(
        f.evidence
            .iter()
            .any(|x| x.contains("runningTime reset 5 times")),
        "{:?}",
        f.evidence
    );
    assert_eq!(f.severity, Severity::Critical);
}

#[test]
fn checkpoint_duration_near_the_interval() {
    let v: Vec<f64> = (0..60).map(|i| 20_000.0 + i as f64 * 700.0).collect();
    let f = rule("checkpoint_near_interval")
        .run(&evidence(vec![series("lastCheckpointDuration", &v)]))
        .unwrap();
    assert_eq!(f.severity, Severity::Critical);
    assert!(f.title.contains("of the 60,000 ms interval"), "{}", f.title);
    assert!(f.evidence[0].contains("trend rising"), "{:?}", f.evidence);
    let half = rule("checkpoint_near_interval")
        .run(&evidence(vec![series(
            "lastCheckpointDuration",
            &[33_000.0; 10],
        )]))
        .unwrap();
    assert_eq!(half.severity, Severity::Warning);
    // No interval (checkpointing off): nothing to compare with.
    let mut off = evidence(vec![series("lastCheckpointDuration", &[59_000.0; 10])]);
    off.checkpoint_interval_ms = 0;
    assert!(rule("checkpoint_near_interval").run(&off).is_none());
}

#[test]
fn checkpoint_failures_rising() {
    let v: Vec<f64> = (0..60).map(|i| (i / 10) as f64).collect();
    let f = rule("checkpoint_failures")
        .run(&evidence(vec![
            series("numberOfFailedCheckpoints", &v),
            series("lastCheckpointDuration", &[4_000.0; 60]),
        ]))
        .unwrap();
    assert_eq!(f.severity, Severity::Critical);
    assert!(f.evidence[0].contains("rose by 5"), "{:?}", f.evidence);
    assert!(f.evidence[1].contains("expiring"), "{:?}", f.evidence);
    assert_eq!(
        rule("checkpoint_failures").logs,
        Some(Preset::CheckpointFailures)
    );
}

#[test]
fn heap_near_full_with_gc_rising() {
    let heap: Vec<f64> = (0..30).map(|i| 70.0 + i as f64).collect();
    let gc: Vec<f64> = (0..30).map(|i| 50.0 + i as f64 * 40.0).collect();
    let f = rule("heap_and_gc")
        .run(&evidence(vec![
            series("heapMemoryUtilization", &heap),
            series("oldGenerationGCTime", &gc),
        ]))
        .unwrap();
    assert_eq!(f.severity, Severity::Critical);
    assert!(f.evidence[0].contains("max 99%"), "{:?}", f.evidence);
    assert!(f.evidence[1].contains("trend rising"), "{:?}", f.evidence);
    let calm = rule("heap_and_gc")
        .run(&evidence(vec![
            series("heapMemoryUtilization", &[91.0; 5]),
            series("oldGenerationGCTime", &[20.0; 5]),
        ]))
        .unwrap();
    assert_eq!(calm.severity, Severity::Warning);
}

#[test]
fn cpu_over_the_autoscaling_threshold_for_15_minutes() {
    let mut v = vec![50.0; 30];
    v.extend([80.0; 16]);
    let f = rule("cpu_over_autoscaling_threshold")
        .run(&evidence(vec![series("containerCPUUtilization", &v)]))
        .unwrap();
    assert!(f.evidence[0].contains("for 16 minutes"), "{:?}", f.evidence);
    assert!(
        f.evidence[1].contains("autoscaling is on"),
        "{:?}",
        f.evidence
    );
    let short = [80.0; 10];
    assert!(
        rule("cpu_over_autoscaling_threshold")
            .run(&evidence(vec![series("containerCPUUtilization", &short)]))
            .is_none()
    );
}

#[test]
fn lag_growing_for_half_an_hour() {
    let v: Vec<f64> = (0..45).map(|i| i as f64 * 2_000.0).collect();
    let f = rule("lag_growing")
        .run(&evidence(vec![series_with(
            "millisBehindLatest",
            &v,
            &[("StreamName", "orders")],
        )]))
        .unwrap();
    assert!(
        f.evidence[0].starts_with("millisBehindLatest{StreamName=orders} 0 at"),
        "{:?}",
        f.evidence
    );
    assert!(
        rule("lag_growing")
            .run(&evidence(vec![series("records_lag_max", &[10.0; 45])]))
            .is_none()
    );
}

#[test]
fn backpressure_names_the_operator() {
    let f = rule("backpressure_at_operator")
        .run(&evidence(vec![
            series_with(
                "backPressuredTimeMsPerSecond",
                &[600.0; 20],
                &[("Operator", "Source: orders")],
            ),
            series_with(
                "backPressuredTimeMsPerSecond",
                &[5.0; 20],
                &[("Operator", "sink")],
            ),
            series_with(
                "busyTimeMsPerSecond",
                &[950.0; 20],
                &[("Operator", "enrich")],
            ),
        ]))
        .unwrap();
    assert!(f.title.contains("1 of 2 series"), "{}", f.title);
    assert!(
        f.evidence[0].contains("Operator=Source: orders"),
        "{:?}",
        f.evidence
    );
    assert!(
        f.evidence[1].contains("Operator=enrich"),
        "{:?}",
        f.evidence
    );
}

#[test]
fn updates_that_keep_failing() {
    let op = |status: &str| crate::sandbox::types::Operation {
        id: "op-1".into(),
        operation: "UpdateApplication".into(),
        status: status.into(),
        started: Some("2026-11-29T10:00:00.000Z".into()),
    };
    let mut e = evidence(Vec::new());
    e.operations = Some(vec![op("FAILED"), op("SUCCESSFUL"), op("FAILED")]);
    let f = rule("updates_failing").run(&e).unwrap();
    assert_eq!(f.severity, Severity::Critical);
    assert!(f.title.contains("2 of the last 3"), "{}", f.title);
    e.operations = Some(vec![op("SUCCESSFUL"), op("FAILED")]);
    assert!(rule("updates_failing").run(&e).is_none());
}

#[test]
fn a_stopped_application_is_said_so() {
    let mut e = evidence(Vec::new());
    e.status = "READY".into();
    let f = rule("not_running").run(&e).unwrap();
    assert_eq!(f.severity, Severity::Info);
    assert!(f.title.contains("READY"));
}

#[test]
fn symptoms_select_their_rules() {
    let ids: Vec<&str> = select(Some(Symptom::Checkpoints))
        .iter()
        .map(|r| r.id)
        .collect();
    assert!(ids.contains(&"checkpoint_near_interval") && ids.contains(&"checkpoint_failures"));
    assert!(!ids.contains(&"lag_growing"));
    assert_eq!(select(None).len(), RULES.len());
}

#[test]
fn every_cited_anchor_exists_in_the_embedded_corpus() {
    let corpus = Corpus::embedded();
    let mut cited: Vec<&str> = RULES.iter().flat_map(|r| [r.reference, r.next]).collect();
    cited.extend(
        MetricPreset::ALL
            .iter()
            .map(|p| super::super::catalog::reference(*p)),
    );
    cited.push(super::super::alarms::REFERENCE);
    cited.push(
        "monitoring-and-metrics.md#how-do-i-set-metricslevel-application-operator-task-parallelism",
    );
    for c in cited {
        let (doc, anchor) = c.split_once('#').unwrap();
        let d = corpus
            .get(doc)
            .unwrap_or_else(|_| panic!("{doc} is not a reference"));
        assert!(
            d.find_section(anchor).is_some_and(|s| s.anchor == anchor),
            "{c}: no section has this exact anchor"
        );
    }
}
