//! Summaries of a series: min, max, last, trend, and a text sparkline. Pure.

use super::types::{Summary, Trend};
use crate::sandbox::audit::rfc3339;

/// Summarizes points (`times` oldest first); `None` when there are none.
pub fn summarize(times: &[i64], values: &[f64]) -> Option<Summary> {
    let (&last, &last_t) = (values.last()?, times.last()?);
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some(Summary {
        points: values.len(),
        min,
        max,
        last,
        last_time: rfc3339(last_t.max(0) as u64, 0),
        trend: trend(values),
    })
}

/// Rising or falling when the mean of the last third differs from the mean
/// of the first third by more than a quarter of the range; flat otherwise
/// (and for fewer than 3 points).
pub fn trend(values: &[f64]) -> Trend {
    if values.len() < 3 {
        return Trend::Flat;
    }
    let third = values.len() / 3;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let first = mean(&values[..third]);
    let last = mean(&values[values.len() - third..]);
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let scale = (max - min).max(1e-9);
    let d = last - first;
    if d > 0.25 * scale {
        Trend::Rising
    } else if d < -0.25 * scale {
        Trend::Falling
    } else {
        Trend::Flat
    }
}

/// `rising`, `falling` or `flat`.
pub fn trend_word(t: Trend) -> &'static str {
    match t {
        Trend::Rising => "rising",
        Trend::Falling => "falling",
        Trend::Flat => "flat",
    }
}

/// A sparkline of at most `width` characters; each character shows the
/// largest value of its share of the points (spikes stay visible).
pub fn sparkline(values: &[f64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    if values.is_empty() || width == 0 {
        return String::new();
    }
    let cols = values.len().min(width);
    let buckets: Vec<f64> = (0..cols)
        .map(|c| {
            let from = c * values.len() / cols;
            let to = ((c + 1) * values.len() / cols).max(from + 1);
            values[from..to]
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect();
    let min = buckets.iter().copied().fold(f64::INFINITY, f64::min);
    let max = buckets.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = max - min;
    buckets
        .iter()
        .map(|v| {
            if span <= 0.0 {
                BARS[0]
            } else {
                BARS[(((v - min) / span) * 7.0).round().clamp(0.0, 7.0) as usize]
            }
        })
        .collect()
}

/// Sum of the increases of a cumulative counter (a drop is a reset: the
/// counter starts again from 0 when the job is restarted from stopped).
pub fn increase(values: &[f64]) -> f64 {
    values
        .windows(2)
        .map(|w| {
            if w[1] >= w[0] {
                w[1] - w[0]
            } else {
                w[1].max(0.0)
            }
        })
        .sum()
}

/// How many times a running-time gauge (uptime, runningTime) dropped: one per restart.
pub fn resets(values: &[f64]) -> usize {
    values.windows(2).filter(|w| w[1] < w[0]).count()
}

/// A number for people: no decimals for large values, up to 2 for small ones.
pub fn num(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract() == 0.0 {
        let rounded = v.round() as i64;
        let digits = rounded.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if rounded < 0 { format!("-{out}") } else { out }
    } else {
        format!("{v:.2}")
    }
}

/// Unix seconds of an RFC 3339 UTC time (as our outputs write them).
pub fn unix(rfc: &str) -> Option<i64> {
    crate::sandbox::logs::parse_time(rfc, 0).ok()
}

/// `HH:MM` UTC of unix seconds `t`.
pub fn hhmm(t: i64) -> String {
    let s = rfc3339(t.max(0) as u64, 0);
    format!("{} UTC", s.get(11..16).unwrap_or(&s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_trends_and_sparklines() {
        let s = summarize(&[60, 120, 180, 240], &[1.0, 5.0, 2.0, 9.0]).unwrap();
        assert_eq!((s.min, s.max, s.last, s.points), (1.0, 9.0, 9.0, 4));
        assert_eq!(s.last_time, "1970-01-01T00:04:00.000Z");
        assert!(summarize(&[], &[]).is_none());
        assert_eq!(trend(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), Trend::Rising);
        assert_eq!(trend(&[6.0, 5.0, 4.0, 3.0, 2.0, 1.0]), Trend::Falling);
        assert_eq!(trend(&[50.0, 52.0, 49.0, 51.0, 50.0, 50.5]), Trend::Flat);
        assert_eq!(sparkline(&[0.0, 7.0], 40), "▁█");
        assert_eq!(sparkline(&[3.0; 100], 40).chars().count(), 40);
    }

    #[test]
    fn counters_and_resets() {
        assert_eq!(increase(&[3.0, 3.0, 5.0, 9.0]), 6.0);
        assert_eq!(increase(&[8.0, 9.0, 1.0, 2.0]), 3.0);
        assert_eq!(resets(&[1.0, 2.0, 0.5, 1.0, 0.1]), 2);
        assert_eq!(num(61_234.0), "61,234");
        assert_eq!(num(0.25), "0.25");
        assert_eq!(hhmm(3600), "01:00 UTC");
    }
}
