//! The rules' checks of restarts, checkpoints, operations and state (those
//! of resource pressure are in [`super::pressure`]), and the helpers over a
//! series both use: each check a pure function of the [`Evidence`] that
//! returns a finding (severity, what was seen with its values and times, the
//! evidence lines) or nothing.

use super::{Evidence, Verdict};
use crate::sandbox::signals::{
    summary::{hhmm, increase, num, resets, trend_word},
    types::{Series, Severity, Trend},
};
use crate::sandbox::types::Operation;

/// Consecutive trailing-or-any run: the longest run of points satisfying `ok`,
/// with the time its first point was published.
pub(super) fn longest_run(s: &Series, ok: impl Fn(f64) -> bool) -> (usize, Option<i64>) {
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
pub(super) fn argmax(s: &Series) -> (f64, i64) {
    s.times
        .iter()
        .zip(&s.values)
        .fold((f64::NEG_INFINITY, 0), |(bv, bt), (t, v)| {
            if *v > bv { (*v, *t) } else { (bv, bt) }
        })
}

pub(super) fn span_hours(s: &Series) -> f64 {
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
    pub(super) fn dimensions_text(&self) -> String {
        self.dimensions
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}
