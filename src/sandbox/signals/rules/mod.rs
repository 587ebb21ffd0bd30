//! The diagnosis rules: one table, each rule a pure check over the evidence
//! (describe, metric series, log lines, operations) that returns a finding
//! with its values and times, a severity and the `reference#anchor` that
//! explains it. Thresholds are the references' (AWS's or marked "ours").

use super::types::{Finding, MetricPreset, Series, Severity, Symptom};
use crate::sandbox::{logs::Preset, types::Operation};

mod checks;
mod pressure;

use checks::{
    checkpoint_failures, checkpoint_near_interval, not_running, outage, restart_loop,
    updates_failing,
};
use pressure::{backpressure, cpu_sustained, heap_and_gc, lag_growing};

/// What the rules look at.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Runtime, e.g. FLINK-1_20.
    pub runtime: String,
    /// Application status.
    pub status: String,
    /// Checkpoint interval, ms (0 when checkpointing is off).
    pub checkpoint_interval_ms: i64,
    /// Whether MSF autoscaling is on.
    pub autoscaling: bool,
    /// Series read, any preset.
    pub series: Vec<Series>,
    /// Recent operations, newest first, when read.
    pub operations: Option<Vec<Operation>>,
}

impl Evidence {
    /// The series of `metric` that have datapoints.
    fn of<'a>(&'a self, metric: &'a str) -> impl Iterator<Item = &'a Series> + 'a {
        self.series
            .iter()
            .filter(move |s| s.metric == metric && !s.values.is_empty())
    }

    /// The first series of the first of `metrics` that has datapoints.
    fn first(&self, metrics: &[&'static str]) -> Option<&Series> {
        metrics.iter().find_map(|m| self.of(m).next())
    }
}

/// What a check found: severity, title and evidence; `None` when it did not fire.
pub type Verdict = Option<(Severity, String, Vec<String>)>;

/// One rule of the table.
pub struct Rule {
    /// Id, stable.
    pub id: &'static str,
    /// Symptoms it explains.
    pub symptoms: &'static [Symptom],
    /// Metric presets it reads.
    pub presets: &'static [MetricPreset],
    /// Log preset whose lines back a finding, if any.
    pub logs: Option<Preset>,
    /// The `reference#anchor` that explains a finding.
    pub reference: &'static str,
    /// What to read or do next.
    pub next: &'static str,
    /// The check: `Some((severity, title, evidence))` when it fires.
    pub check: fn(&Evidence) -> Verdict,
}

impl Rule {
    /// The finding for `e`, when the rule fires.
    pub fn run(&self, e: &Evidence) -> Option<Finding> {
        (self.check)(e).map(|(severity, title, evidence)| Finding {
            rule: self.id.to_string(),
            severity,
            title,
            evidence,
            log_lines: Vec::new(),
            reference: self.reference.to_string(),
            next: self.next.to_string(),
        })
    }
}

use MetricPreset as P;
use Symptom as S;

/// Every rule, in the order findings of equal severity are listed.
pub const RULES: &[Rule] = &[
    Rule {
        id: "outage",
        symptoms: &[S::Restarts],
        presets: &[P::Health],
        logs: Some(Preset::FirstFault),
        reference: "monitoring-and-metrics.md#restart-metrics-uptime-downtime-fullrestarts-numrestarts-and-the-flink-22-changes",
        next: "first-fault-isolation.md#step-1-when-did-the-restarts-start",
        check: outage,
    },
    Rule {
        id: "restart_loop",
        symptoms: &[S::Restarts],
        presets: &[P::Health],
        logs: Some(Preset::FirstFault),
        reference: "monitoring-and-metrics.md#restart-metrics-uptime-downtime-fullrestarts-numrestarts-and-the-flink-22-changes",
        next: "first-fault-isolation.md#step-3-how-do-i-find-attempt-0-the-first-task-failure",
        check: restart_loop,
    },
    Rule {
        id: "checkpoint_near_interval",
        symptoms: &[S::Checkpoints, S::Slow],
        presets: &[P::Checkpoints],
        logs: None,
        reference: "checkpoint-tuning.md#what-should-i-do-when-checkpoint-duration-approaches-the-interval",
        next: "checkpoint-tuning.md#how-do-i-know-checkpoint-duration-is-exceeding-the-interval",
        check: checkpoint_near_interval,
    },
    Rule {
        id: "checkpoint_failures",
        symptoms: &[S::Checkpoints, S::Restarts],
        presets: &[P::Checkpoints],
        logs: Some(Preset::CheckpointFailures),
        reference: "checkpoint-tuning.md#what-does-checkpoint-expired-before-completing-mean-on-msf",
        next: "monitoring-and-metrics.md#checkpoint-metrics-lastcheckpointduration-lastcheckpointsize-numberoffailedcheckpoints",
        check: checkpoint_failures,
    },
    Rule {
        id: "heap_and_gc",
        symptoms: &[S::Memory, S::Restarts],
        presets: &[P::Resources],
        logs: Some(Preset::OutOfMemory),
        reference: "checkpoint-tuning.md#how-do-i-troubleshoot-oom-and-long-gc-around-checkpoints",
        next: "monitoring-and-metrics.md#memory-gc-and-thread-metrics",
        check: heap_and_gc,
    },
    Rule {
        id: "cpu_over_autoscaling_threshold",
        symptoms: &[S::Slow],
        presets: &[P::Resources],
        logs: None,
        reference: "scaling-decisions.md#which-autoscaling-thresholds-and-cooldowns-are-authoritative",
        next: "scaling-decisions.md#what-should-i-check-before-scaling",
        check: cpu_sustained,
    },
    Rule {
        id: "lag_growing",
        symptoms: &[S::Slow],
        presets: &[P::Lag],
        logs: None,
        reference: "monitoring-and-metrics.md#source-lag-metrics-millisbehindlatest-and-records_lag_max",
        next: "monitoring-and-metrics.md#how-do-i-use-metric-trends-to-decide-on-scaling",
        check: lag_growing,
    },
    Rule {
        id: "backpressure_at_operator",
        symptoms: &[S::Slow],
        presets: &[P::Backpressure],
        logs: Some(Preset::Backpressure),
        reference: "monitoring-and-metrics.md#how-do-i-read-backpressuredtimemspersecond-busytimemspersecond-and-idletimemspersecond",
        next: "resource-optimization.md#how-do-i-find-the-bottleneck-with-busytimemspersecond-and-backpressure",
        check: backpressure,
    },
    Rule {
        id: "updates_failing",
        symptoms: &[S::Updates],
        presets: &[],
        logs: None,
        reference: "application-lifecycle.md#how-do-i-find-out-why-an-operation-failed",
        next: "known-issues-runtime-and-service.md#msf-start-update-and-snapshot-failures",
        check: updates_failing,
    },
    Rule {
        id: "not_running",
        symptoms: &[S::Restarts, S::Checkpoints, S::Slow, S::Memory, S::Updates],
        presets: &[],
        logs: None,
        reference: "monitoring-and-metrics.md#what-must-be-in-place-before-msf-monitoring-works",
        next: "application-lifecycle.md#how-do-i-find-out-why-an-operation-failed",
        check: not_running,
    },
];

/// The rules for `symptom` (all of them when `None`).
pub fn select(symptom: Option<Symptom>) -> Vec<&'static Rule> {
    RULES
        .iter()
        .filter(|r| symptom.is_none_or(|s| r.symptoms.contains(&s)))
        .collect()
}

#[cfg(test)]
mod tests;
