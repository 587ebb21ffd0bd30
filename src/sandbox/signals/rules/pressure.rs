//! The rules' checks of resource pressure (heap and GC, CPU, lag,
//! backpressure): each a pure function of the [`Evidence`] that returns
//! a finding (severity, what was seen with its values and times, the
//! evidence lines) or nothing.

use std::collections::BTreeMap;

use super::checks::{argmax, longest_run, span_hours};
use super::{Evidence, Verdict};
use crate::sandbox::signals::{
    summary::{hhmm, num, trend_word},
    types::{Series, Severity, Trend},
};

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
