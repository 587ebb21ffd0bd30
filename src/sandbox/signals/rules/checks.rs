//! The rules' checks: each a pure function of the [`Evidence`] that returns
//! a finding (severity, what was seen with its values and times, the
//! evidence lines) or nothing.

use std::collections::BTreeMap;

use super::{Evidence, Verdict};
use crate::sandbox::signals::{
    summary::{hhmm, increase, num, resets, trend_word},
    types::{Series, Severity, Trend},
};
use crate::sandbox::types::Operation;

/// Consecutive trailing-or-any run: the longest run of points satisfying `ok`,
/// with the time its first point was published.
fn longest_run(s: &Series, ok: impl Fn(f64) -> bool) -> (usize, Option<i64>) {
    let (mut best, mut best_start, mut run, mut start) = (0, None, 0, None);
    for (t, v) in s.times.iter().zip(&s.values) {
        if ok(*v) {
            if run == 0 {
                start = Some(*t);
            }
            run += 1;
            if run > best {
                best = run;
                best_start = start;
            }
        } else {
            run = 0;
        }
    }
    (best, best_start)
}

/// Time of the largest value of `s`.
fn argmax(s: &Series) -> (f64, i64) {
    s.times
        .iter()
        .zip(&s.values)
        .fold((f64::NEG_INFINITY, 0), |(bv, bt), (t, v)| {
            if *v > bv { (*v, *t) } else { (bv, bt) }
        })
}

fn span_hours(s: &Series) -> f64 {
    match (s.times.first(), s.times.last()) {
        (Some(a), Some(b)) => ((b - a) as f64 / 3600.0).max(s.period_s as f64 / 3600.0),
        _ => 1.0,
    }
}

/// Outage time (downtime on 1.x, restartingTime/failingTime on 2.x) above 0 now.
pub(super) fn outage(e: &Evidence) -> Verdict {
    let mut evidence = Vec::new();
    for name in ["downtime", "restartingTime", "failingTime"] {
        for s in e.of(name) {
            let last = s.summary.as_ref()?;
            let (n, since) = longest_run(s, |v| v > 0.0);
            if last.last > 0.0 {
                evidence.push(format!(
                    "{} {} ms at {} ({} of {} points above 0{})",
                    s.label(),
                    num(last.last),
                    hhmm(s.times.last().copied().unwrap_or_default()),
                    s.values.iter().filter(|v| **v > 0.0).count(),
                    s.values.len(),
                    since
                        .map(|t| format!(", longest run of {n} from {}", hhmm(t)))
                        .unwrap_or_default()
                ));
            }
        }
    }
    (!evidence.is_empty()).then(|| {
        (
            Severity::Critical,
            "the job is not processing: it is failing or recovering now".to_string(),
            evidence,
        )
    })
}

/// Restarts counted by the runtime's counter, or by uptime resets; more
/// than 2 an hour is a loop (our rule of thumb in monitoring-and-metrics.md).
pub(super) fn restart_loop(e: &Evidence) -> Verdict {
    let mut evidence = Vec::new();
    let mut count = 0.0_f64;
    let mut hours = 1.0_f64;
    if let Some(s) = e.first(&["fullRestarts", "numRestarts"]) {
        let n = increase(&s.values);
        let first_rise = s
            .times
            .iter()
            .zip(s.values.windows(2))
            .find(|(_, w)| w[1] != w[0])
            .map(|(t, _)| *t + s.period_s as i64);
        if n > 0.0 {
            evidence.push(format!(
                "{} rose from {} to {} between {} and {} ({} restarts{})",
                s.metric,
                num(s.values[0]),
                num(*s.values.last()?),
                hhmm(*s.times.first()?),
                hhmm(*s.times.last()?),
                num(n),
                first_rise
                    .map(|t| format!(", the first by {}", hhmm(t)))
                    .unwrap_or_default()
            ));
        }
        count = count.max(n);
        hours = span_hours(s);
    }
    if let Some(s) = e.first(&["uptime", "runningTime"]) {
        let r = resets(&s.values);
        if r > 0 {
            evidence.push(format!(
                "{} reset {r} times between {} and {}",
                s.metric,
                hhmm(*s.times.first()?),
                hhmm(*s.times.last()?)
            ));
        }
        count = count.max(r as f64);
        hours = hours.max(span_hours(s));
    }
    if count <= 0.0 {
        return None;
    }
    let rate = count / hours.max(1.0);
    if rate > 2.0 {
        Some((
            Severity::Critical,
            format!(
                "restart loop: {} restarts in {:.1} h ({:.1} an hour; more than 2 an hour is a loop)",
                num(count),
                hours,
                rate
            ),
            evidence,
        ))
    } else {
        Some((
            Severity::Info,
            format!(
                "{} restart(s) in {:.1} h; MSF maintenance also restarts jobs, so one is not an incident",
                num(count),
                hours
            ),
            evidence,
        ))
    }
}

/// lastCheckpointDuration at or above half the checkpoint interval (ours:
/// keep it below 50%); critical at 90%.
pub(super) fn checkpoint_near_interval(e: &Evidence) -> Verdict {
    if e.checkpoint_interval_ms <= 0 {
        return None;
    }
    let s = e.first(&["lastCheckpointDuration"])?;
    let sum = s.summary.as_ref()?;
    let interval = e.checkpoint_interval_ms as f64;
    let (max, at) = argmax(s);
    let share = sum.last.max(max) / interval;
    if share < 0.5 {
        return None;
    }
    let severity = if sum.last / interval >= 0.9 || share >= 1.0 {
        Severity::Critical
    } else {
        Severity::Warning
    };
    Some((
        severity,
        format!(
            "checkpoints take {:.0}% of the {} ms interval (keep them under 50%)",
            100.0 * sum.last.max(max) / interval,
            num(interval)
        ),
        vec![format!(
            "lastCheckpointDuration max {} ms at {}, last {} ms at {}, trend {}",
            num(max),
            hhmm(at),
            num(sum.last),
            hhmm(*s.times.last()?),
            trend_word(sum.trend)
        )],
    ))
}

/// numberOfFailedCheckpoints rising in the window.
pub(super) fn checkpoint_failures(e: &Evidence) -> Verdict {
    let s = e.first(&["numberOfFailedCheckpoints"])?;
    let n = increase(&s.values);
    if n <= 0.0 {
        return None;
    }
    let first = s
        .times
        .iter()
        .zip(s.values.windows(2))
        .find(|(_, w)| w[1] > w[0])
        .map(|(t, _)| *t + s.period_s as i64)?;
    let mut evidence = vec![format!(
        "numberOfFailedCheckpoints rose by {} between {} and {} (from {} to {})",
        num(n),
        hhmm(first),
        hhmm(*s.times.last()?),
        num(s.values[0]),
        num(*s.values.last()?)
    )];
    if let Some(d) = e.first(&["lastCheckpointDuration"])
        && d.summary.as_ref().is_some_and(|x| x.trend == Trend::Flat)
    {
        evidence.push(
            "lastCheckpointDuration is flat while failures rise: checkpoints are expiring, not completing slowly".into(),
        );
    }
    Some((
        if n >= 3.0 {
            Severity::Critical
        } else {
            Severity::Warning
        },
        format!(
            "{} failed checkpoint(s): the next restart would restore from an old checkpoint",
            num(n)
        ),
        evidence,
    ))
}

/// Heap near full (AWS alarms at 90%, ours investigates above 80%
/// sustained) with old-generation GC time rising.
pub(super) fn heap_and_gc(e: &Evidence) -> Verdict {
    let heap = e.first(&["heapMemoryUtilization"])?;
    let hs = heap.summary.as_ref()?;
    let (max, at) = argmax(heap);
    let (high_run, since) = longest_run(heap, |v| v >= 80.0);
    let high = max >= 90.0 || high_run >= 15;
    if !high {
        return None;
    }
    let mut evidence = vec![format!(
        "heapMemoryUtilization max {:.0}% at {}, last {:.0}%{}",
        max,
        hhmm(at),
        hs.last,
        since
            .map(|t| format!(", at or above 80% for {high_run} points from {}", hhmm(t)))
            .unwrap_or_default()
    )];
    let gc_rising = e.first(&["oldGenerationGCTime"]).and_then(|g| {
        let gs = g.summary.as_ref()?;
        evidence.push(format!(
            "oldGenerationGCTime max {} ms per period, last {} ms, trend {}",
            num(gs.max),
            num(gs.last),
            trend_word(gs.trend)
        ));
        Some(gs.trend == Trend::Rising || gs.max > 500.0)
    });
    let gc = gc_rising.unwrap_or(false);
    Some((
        if gc {
            Severity::Critical
        } else {
            Severity::Warning
        },
        if gc {
            "heap near full with old-generation GC rising: the usual prelude to heartbeat timeouts and OutOfMemoryError".to_string()
        } else {
            "heap near full; watch old-generation GC".to_string()
        },
        evidence,
    ))
}

/// containerCPUUtilization Maximum at or above 75% for 15 one-minute
/// points (AWS's autoscaling trigger), or cpuUtilization above 70% for 30
/// minutes (ours).
pub(super) fn cpu_sustained(e: &Evidence) -> Verdict {
    let minutes = |s: &Series, n: usize| n * (s.period_s.max(60) as usize) / 60;
    let container = e
        .first(&["containerCPUUtilization"])
        .map(|s| (s, longest_run(s, |v| v >= 75.0)))
        .filter(|(s, (n, _))| minutes(s, *n) >= 15);
    let jvm = e
        .first(&["cpuUtilization"])
        .map(|s| (s, longest_run(s, |v| v > 70.0)))
        .filter(|(s, (n, _))| minutes(s, *n) >= 30);
    let (s, (n, since), threshold) = match (container, jvm) {
        (Some((s, r)), _) => (
            s,
            r,
            "75% (MSF's autoscaling trigger: 15 one-minute points)",
        ),
        (None, Some((s, r))) => (s, r, "70% for 30+ minutes (scale-up signal, ours)"),
        (None, None) => return None,
    };
    let (max, _) = argmax(s);
    let autoscaling = if e.autoscaling {
        "autoscaling is on: MSF doubles CurrentParallelism on this signal (check the KPUs metric); if it is already at the maximum, CPU-bound work needs a bigger configuration"
    } else {
        "autoscaling is off: nothing scales by itself"
    };
    Some((
        Severity::Warning,
        format!("CPU sustained over {threshold}"),
        vec![
            format!(
                "{} (Maximum) at or above the threshold for {} minutes from {}; max {:.0}%",
                s.metric,
                minutes(s, n),
                since.map(hhmm).unwrap_or_default(),
                max
            ),
            autoscaling.to_string(),
        ],
    ))
}

/// Source lag rising across the window for 30+ minutes, or millisBehindLatest above 60 s (ours).
pub(super) fn lag_growing(e: &Evidence) -> Verdict {
    let mut evidence = Vec::new();
    for name in ["millisBehindLatest", "records_lag_max"] {
        for s in e.of(name) {
            let Some(sum) = s.summary.as_ref() else {
                continue;
            };
            let span_min = span_hours(s) * 60.0;
            let rising = sum.trend == Trend::Rising && span_min >= 30.0;
            let behind = name == "millisBehindLatest" && sum.last > 60_000.0;
            if rising || behind {
                evidence.push(format!(
                    "{} {} at {} -> {} at {} (max {}, trend {})",
                    s.label(),
                    num(s.values[0]),
                    hhmm(s.times[0]),
                    num(sum.last),
                    hhmm(*s.times.last()?),
                    num(sum.max),
                    trend_word(sum.trend)
                ));
            }
        }
    }
    (!evidence.is_empty()).then(|| {
        (
            Severity::Warning,
            "the source lag is growing: the job reads slower than data arrives".to_string(),
            evidence,
        )
    })
}

/// backPressuredTimeMsPerSecond above 100 ms/s (ours) on some operators, naming them.
pub(super) fn backpressure(e: &Evidence) -> Verdict {
    let mut hot: Vec<(&Series, f64)> = e
        .of("backPressuredTimeMsPerSecond")
        .filter_map(|s| {
            let sum = s.summary.as_ref()?;
            let mut sorted = s.values.clone();
            sorted.sort_by(f64::total_cmp);
            let median = sorted[sorted.len() / 2];
            (median > 100.0 || sum.last > 500.0).then_some((s, median))
        })
        .collect();
    if hot.is_empty() {
        return None;
    }
    hot.sort_by(|a, b| b.1.total_cmp(&a.1));
    let total = e.of("backPressuredTimeMsPerSecond").count();
    let mut evidence: Vec<String> = hot
        .iter()
        .take(5)
        .map(|(s, median)| format!("{}: median {} ms/s", s.label(), num(*median)))
        .collect();
    let busy: BTreeMap<String, f64> = e
        .of("busyTimeMsPerSecond")
        .filter_map(|s| Some((s.dimensions_text(), s.summary.as_ref()?.max)))
        .filter(|(_, max)| *max >= 800.0)
        .collect();
    for (dims, max) in busy.iter().take(3) {
        evidence.push(format!(
            "busyTimeMsPerSecond{{{dims}}} max {} ms/s: a candidate bottleneck (busy, downstream of the backpressured ones)",
            num(*max)
        ));
    }
    Some((
        Severity::Warning,
        format!(
            "backpressure on {} of {} series: the operator downstream of them is the bottleneck",
            hot.len(),
            total
        ),
        evidence,
    ))
}

/// Two or more recent operations failed, or the latest update did.
pub(super) fn updates_failing(e: &Evidence) -> Verdict {
    let ops = e.operations.as_ref()?;
    let failed: Vec<&Operation> = ops.iter().filter(|o| o.status == "FAILED").collect();
    let latest_failed = ops.first().is_some_and(|o| o.status == "FAILED");
    if failed.len() < 2 && !latest_failed {
        return None;
    }
    Some((
        if failed.len() >= 2 {
            Severity::Critical
        } else {
            Severity::Warning
        },
        format!(
            "{} of the last {} operations failed",
            failed.len(),
            ops.len()
        ),
        failed
            .iter()
            .take(5)
            .map(|o| {
                format!(
                    "{} {} started {} (operation id {})",
                    o.operation,
                    o.status,
                    o.started.as_deref().unwrap_or("?"),
                    o.id
                )
            })
            .collect(),
    ))
}

/// The application is not RUNNING: its metrics stop.
pub(super) fn not_running(e: &Evidence) -> Verdict {
    (e.status != "RUNNING" && !e.status.is_empty()).then(|| {
        (
            Severity::Info,
            format!(
                "the application is {}: MSF publishes metrics only while the job runs",
                e.status
            ),
            vec![format!("status {} when described", e.status)],
        )
    })
}

impl Series {
    /// The extra dimensions as `k=v,k=v`.
    fn dimensions_text(&self) -> String {
        self.dimensions
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}
