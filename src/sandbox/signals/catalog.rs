//! The metric catalog: which `AWS/KinesisAnalytics` metrics each preset
//! reads, with the statistic, period and unit monitoring-and-metrics.md
//! gives, and on which runtimes and metrics levels each exists. Pure.

use super::types::{MetricPreset, Skipped};

/// Where a metric's series live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Exactly the `Application` dimension.
    Application,
    /// `Application` plus dimensions found with ListMetrics (Flow, stream,
    /// topic): the series are discovered, not guessed.
    Discover,
    /// Task, Operator or Parallelism series: need MetricsLevel TASK or finer,
    /// discovered with ListMetrics.
    Task,
}

/// On which runtimes a metric is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtimes {
    /// Every runtime.
    All,
    /// Flink 1.x only (removed or deprecated on 2.x); the text says why.
    Only1x(&'static str),
    /// Flink 2.2 and later only; the text says why.
    Only2x(&'static str),
}

/// One metric of a preset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricDef {
    /// Metric name in `AWS/KinesisAnalytics`.
    pub name: &'static str,
    /// Statistic to read.
    pub stat: &'static str,
    /// Base period, seconds (raised for long windows to bound the points).
    pub period: i32,
    /// Unit.
    pub unit: &'static str,
    /// Where its series live.
    pub scope: Scope,
    /// Runtimes that publish it.
    pub runtimes: Runtimes,
}

const fn m(
    name: &'static str,
    stat: &'static str,
    period: i32,
    unit: &'static str,
    scope: Scope,
    runtimes: Runtimes,
) -> MetricDef {
    MetricDef {
        name,
        stat,
        period,
        unit,
        scope,
        runtimes,
    }
}

use Runtimes::{All, Only1x, Only2x};
use Scope::{Application, Discover, Task};

const UPTIME_2X: &str = "deprecated on FLINK-2_2 and later; runningTime replaces it";
const DOWNTIME_2X: &str =
    "deprecated on FLINK-2_2 and later; restartingTime and failingTime replace it";
const FULL_RESTARTS_2X: &str = "removed on FLINK-2_2 and later; numRestarts replaces it";
const ONLY_2X: &str = "published from FLINK-2_2 on only";
const NUM_RESTARTS_1X: &str =
    "not documented as published to CloudWatch on Flink 1.x; fullRestarts is read instead";

/// Health: outage time and restarts under the runtime's names.
const HEALTH: &[MetricDef] = &[
    m(
        "uptime",
        "Minimum",
        60,
        "Milliseconds",
        Application,
        Only1x(UPTIME_2X),
    ),
    m(
        "downtime",
        "Average",
        60,
        "Milliseconds",
        Application,
        Only1x(DOWNTIME_2X),
    ),
    m(
        "fullRestarts",
        "Maximum",
        60,
        "Count",
        Application,
        Only1x(FULL_RESTARTS_2X),
    ),
    m(
        "runningTime",
        "Minimum",
        60,
        "Milliseconds",
        Discover,
        Only2x(ONLY_2X),
    ),
    m(
        "restartingTime",
        "Average",
        60,
        "Milliseconds",
        Discover,
        Only2x(ONLY_2X),
    ),
    m(
        "failingTime",
        "Average",
        60,
        "Milliseconds",
        Discover,
        Only2x(ONLY_2X),
    ),
    m(
        "numRestarts",
        "Maximum",
        60,
        "Count",
        Application,
        Only2x(NUM_RESTARTS_1X),
    ),
];

const CHECKPOINTS: &[MetricDef] = &[
    m(
        "lastCheckpointDuration",
        "Maximum",
        60,
        "Milliseconds",
        Application,
        All,
    ),
    m(
        "lastCheckpointSize",
        "Maximum",
        60,
        "Bytes",
        Application,
        All,
    ),
    m(
        "numberOfFailedCheckpoints",
        "Maximum",
        60,
        "Count",
        Application,
        All,
    ),
];

const RESOURCES: &[MetricDef] = &[
    m("cpuUtilization", "Maximum", 60, "Percent", Application, All),
    m(
        "containerCPUUtilization",
        "Maximum",
        60,
        "Percent",
        Application,
        All,
    ),
    m(
        "heapMemoryUtilization",
        "Maximum",
        60,
        "Percent",
        Application,
        All,
    ),
    m(
        "containerMemoryUtilization",
        "Maximum",
        60,
        "Percent",
        Application,
        All,
    ),
    m(
        "oldGenerationGCTime",
        "Maximum",
        60,
        "Milliseconds",
        Application,
        All,
    ),
    m(
        "oldGenerationGCCount",
        "Maximum",
        60,
        "Count",
        Application,
        All,
    ),
    m("threadsCount", "Maximum", 60, "Count", Application, All),
];

const THROUGHPUT: &[MetricDef] = &[
    m(
        "numRecordsInPerSecond",
        "Average",
        60,
        "Count/Second",
        Application,
        All,
    ),
    m(
        "numRecordsOutPerSecond",
        "Average",
        60,
        "Count/Second",
        Application,
        All,
    ),
    m(
        "numLateRecordsDropped",
        "Maximum",
        60,
        "Count",
        Application,
        All,
    ),
];

const LAG: &[MetricDef] = &[
    m(
        "millisBehindLatest",
        "Maximum",
        60,
        "Milliseconds",
        Discover,
        All,
    ),
    m("records_lag_max", "Maximum", 60, "Count", Discover, All),
];

const BACKPRESSURE: &[MetricDef] = &[
    m(
        "backPressuredTimeMsPerSecond",
        "Maximum",
        60,
        "Milliseconds",
        Task,
        All,
    ),
    m(
        "busyTimeMsPerSecond",
        "Maximum",
        60,
        "Milliseconds",
        Task,
        All,
    ),
    m(
        "idleTimeMsPerSecond",
        "Maximum",
        60,
        "Milliseconds",
        Task,
        All,
    ),
];

const KPUS: &[MetricDef] = &[m("KPUs", "Maximum", 3600, "Count", Application, All)];

/// The metrics of `preset`, before the runtime and level filter.
pub fn metrics(preset: MetricPreset) -> &'static [MetricDef] {
    match preset {
        MetricPreset::Health => HEALTH,
        MetricPreset::Checkpoints => CHECKPOINTS,
        MetricPreset::Resources => RESOURCES,
        MetricPreset::Throughput => THROUGHPUT,
        MetricPreset::Lag => LAG,
        MetricPreset::Backpressure => BACKPRESSURE,
        MetricPreset::Kpus => KPUS,
    }
}

/// The `reference#anchor` that explains `preset`.
pub fn reference(preset: MetricPreset) -> &'static str {
    match preset {
        MetricPreset::Health => {
            "monitoring-and-metrics.md#restart-metrics-uptime-downtime-fullrestarts-numrestarts-and-the-flink-22-changes"
        }
        MetricPreset::Checkpoints => {
            "monitoring-and-metrics.md#checkpoint-metrics-lastcheckpointduration-lastcheckpointsize-numberoffailedcheckpoints"
        }
        MetricPreset::Resources => "monitoring-and-metrics.md#memory-gc-and-thread-metrics",
        MetricPreset::Throughput => {
            "monitoring-and-metrics.md#why-does-numrecordsinpersecond-look-4x-too-high-with-the-sum-statistic"
        }
        MetricPreset::Lag => {
            "monitoring-and-metrics.md#source-lag-metrics-millisbehindlatest-and-records_lag_max"
        }
        MetricPreset::Backpressure => {
            "monitoring-and-metrics.md#how-do-i-read-backpressuredtimemspersecond-busytimemspersecond-and-idletimemspersecond"
        }
        MetricPreset::Kpus => "monitoring-and-metrics.md#what-does-the-kpus-metric-show",
    }
}

/// Returns true if and only if `runtime` is Flink 2.x (`FLINK-2_2`, `FLINK-2_3`, ...).
pub fn is_2x(runtime: &str) -> bool {
    runtime
        .strip_prefix("FLINK-")
        .and_then(|v| v.split('_').next())
        .and_then(|major| major.parse::<u32>().ok())
        .is_some_and(|major| major >= 2)
}

/// Returns true if and only if `level` publishes Task metrics (TASK, OPERATOR, PARALLELISM).
pub fn has_task_metrics(level: &str) -> bool {
    matches!(level, "TASK" | "OPERATOR" | "PARALLELISM")
}

/// Splits `defs` into those to request for `runtime` at metrics `level`,
/// and those not requested, each with the reason.
pub fn plan<'a>(
    defs: impl IntoIterator<Item = &'a MetricDef>,
    runtime: &str,
    level: &str,
) -> (Vec<MetricDef>, Vec<Skipped>) {
    let two = is_2x(runtime);
    let mut wanted = Vec::new();
    let mut skipped = Vec::new();
    for def in defs {
        let reason = match def.runtimes {
            Only1x(why) if two => Some(format!("{why} ({runtime})")),
            Only2x(why) if !two => Some(format!("{why} ({runtime})")),
            _ if def.scope == Task && !has_task_metrics(level) => Some(format!(
                "a Task/Operator metric; MetricsLevel is {level}: raise it to TASK or OPERATOR for a while (monitoring-and-metrics.md#how-do-i-set-metricslevel-application-operator-task-parallelism) or read the Flink Dashboard"
            )),
            _ => None,
        };
        match reason {
            Some(reason) => skipped.push(Skipped {
                metric: def.name.to_string(),
                reason,
            }),
            None if wanted.iter().any(|w: &MetricDef| w.name == def.name) => {}
            None => wanted.push(*def),
        }
    }
    (wanted, skipped)
}

/// Most datapoints per series: the period grows with the window to stay under it.
pub const MAX_POINTS: i64 = 360;

/// The period for `def` over a window of `window_s` seconds: its base
/// period, raised to a multiple of 60 s so a series has at most [`MAX_POINTS`].
pub fn period_for(def: &MetricDef, window_s: i64) -> i32 {
    let needed = (window_s + MAX_POINTS - 1) / MAX_POINTS;
    let rounded = ((needed + 59) / 60) * 60;
    (def.period as i64).max(rounded).min(86_400) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(defs: &[MetricDef]) -> Vec<&str> {
        defs.iter().map(|d| d.name).collect()
    }

    #[test]
    fn health_uses_the_runtimes_own_restart_metric() {
        let (one, skipped) = plan(metrics(MetricPreset::Health), "FLINK-1_20", "APPLICATION");
        assert_eq!(names(&one), vec!["uptime", "downtime", "fullRestarts"]);
        assert!(
            skipped
                .iter()
                .any(|s| s.metric == "numRestarts" && s.reason.contains("fullRestarts is read"))
        );
        let (two, skipped) = plan(metrics(MetricPreset::Health), "FLINK-2_2", "APPLICATION");
        assert_eq!(
            names(&two),
            vec![
                "runningTime",
                "restartingTime",
                "failingTime",
                "numRestarts"
            ]
        );
        assert!(
            skipped
                .iter()
                .any(|s| s.metric == "fullRestarts" && s.reason.contains("numRestarts replaces"))
        );
    }

    #[test]
    fn task_metrics_need_a_finer_level() {
        let (none, skipped) = plan(
            metrics(MetricPreset::Backpressure),
            "FLINK-1_20",
            "APPLICATION",
        );
        assert!(none.is_empty());
        assert_eq!(skipped.len(), 3);
        assert!(skipped[0].reason.contains("MetricsLevel is APPLICATION"));
        let (all, _) = plan(metrics(MetricPreset::Backpressure), "FLINK-2_3", "OPERATOR");
        assert_eq!(all.len(), 3);
    }

    #[test]
    fn runtimes_parse() {
        assert!(is_2x("FLINK-2_2") && is_2x("FLINK-2_3"));
        assert!(!is_2x("FLINK-1_20") && !is_2x("SQL-1_0") && !is_2x(""));
    }

    #[test]
    fn periods_bound_the_points() {
        let cpu = &metrics(MetricPreset::Resources)[0];
        assert_eq!(period_for(cpu, 3 * 3600), 60);
        let p = period_for(cpu, 14 * 86_400);
        assert!(
            p % 60 == 0 && (14 * 86_400) / i64::from(p) <= MAX_POINTS,
            "{p}"
        );
        assert_eq!(period_for(&metrics(MetricPreset::Kpus)[0], 3600), 3600);
    }

    #[test]
    fn runtimes_agree_with_the_facts_table() {
        let corpus = crate::corpus::Corpus::embedded();
        let facts: toml::Value = toml::from_str(corpus.facts_toml().unwrap()).unwrap();
        let all: Vec<&MetricDef> = MetricPreset::ALL.iter().flat_map(|p| metrics(*p)).collect();
        let mut checked = 0;
        for fact in facts["metric"].as_array().unwrap() {
            let name = fact["name"].as_str().unwrap();
            let Some(def) = all.iter().find(|d| d.name == name) else {
                continue;
            };
            let runtimes: Vec<&str> = fact["runtimes"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|r| r.as_str())
                .collect();
            let removed_on_2x = fact
                .get("removed_in")
                .and_then(|r| r.as_array())
                .is_some_and(|r| r.iter().any(|x| x.as_str() == Some("FLINK-2_2")));
            if removed_on_2x {
                assert!(matches!(def.runtimes, Only1x(_)), "{name}: removed on 2.x");
            }
            if runtimes.iter().all(|r| is_2x(r)) {
                assert!(matches!(def.runtimes, Only2x(_)), "{name}: 2.x only");
            }
            if runtimes.iter().any(|r| !is_2x(r)) {
                assert!(
                    !matches!(def.runtimes, Only2x(_)),
                    "{name}: published on 1.x"
                );
            }
            checked += 1;
        }
        assert!(
            checked >= 6,
            "only {checked} metrics checked against facts.toml"
        );
    }
}
