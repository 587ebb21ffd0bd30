//! Text views of live signals (metrics, alarms, a diagnosis), shared by the
//! MCP text mirror (UTC times) and the CLI (local times): aligned columns and
//! a sparkline per series. Log lines go through the caller's `fence`, since
//! the MCP mirror marks them as untrusted data.

use crate::sandbox::signals::{
    summary::{num, sparkline, trend_word},
    types::{AlarmsOut, DiagnoseOut, MetricsOut, Severity},
};

/// Sparkline width, characters.
const SPARK: usize = 32;

/// Formats unix seconds for the reader.
pub type TimeFmt<'a> = &'a dyn Fn(i64) -> String;

/// Left-aligned columns separated by two spaces (the last column unpadded).
pub fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.iter()
        .map(|r| {
            let cells: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    if i + 1 == r.len() {
                        s.clone()
                    } else {
                        format!("{s:<w$}", w = widths[i])
                    }
                })
                .collect();
            cells.join("  ").trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

use crate::sandbox::signals::summary::unix as secs;

/// `msf_metrics` / `msf-mcp metrics`.
pub fn metrics(out: &MetricsOut, time: TimeFmt<'_>) -> String {
    let at = |s: &str| secs(s).map(time).unwrap_or_else(|| s.to_string());
    let mut text = format!(
        "{} ({}, metrics level {}): {} from {} to {}\n",
        out.application,
        out.runtime,
        out.metrics_level,
        out.preset,
        at(&out.start),
        at(&out.end)
    );
    let mut rows = vec![vec![
        "series".to_string(),
        "stat".into(),
        "min".into(),
        "max".into(),
        "last".into(),
        "at".into(),
        "trend".into(),
        String::new(),
    ]];
    for s in &out.series {
        let stat = format!("{} {}s", s.stat, s.period_s);
        match &s.summary {
            Some(m) => rows.push(vec![
                s.label(),
                stat,
                num(m.min),
                num(m.max),
                num(m.last),
                s.times.last().map(|t| time(*t)).unwrap_or_default(),
                trend_word(m.trend).to_string(),
                sparkline(&s.values, SPARK),
            ]),
            None => rows.push(vec![
                s.label(),
                stat,
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "no data".into(),
                String::new(),
            ]),
        }
    }
    text.push_str(&table(&rows));
    text.push('\n');
    for k in &out.skipped {
        text.push_str(&format!("not read: {}: {}\n", k.metric, k.reason));
    }
    text.push_str(&format!("explained in {}\n", out.reference));
    text
}

/// `msf_alarms` / `msf-mcp alarms`.
pub fn alarms(out: &AlarmsOut) -> String {
    let mut text = format!(
        "{} ({}): {} alarm(s) on its metrics; {} of {} recommended missing\n",
        out.application,
        out.runtime,
        out.alarms.len(),
        out.missing,
        out.recommended.len()
    );
    if !out.alarms.is_empty() {
        let mut rows = vec![vec![
            "alarm".to_string(),
            "state".into(),
            "metric".into(),
            "condition".into(),
        ]];
        for a in &out.alarms {
            rows.push(vec![
                a.name.clone(),
                a.state.clone(),
                a.metrics.join(", "),
                format!(
                    "{} {} {}{}",
                    a.statistic.as_deref().unwrap_or(&a.expressions.join(" ")),
                    a.comparison,
                    a.threshold.map(num).unwrap_or_default(),
                    a.period_s
                        .map(|p| format!(" over {p}s"))
                        .unwrap_or_default()
                ),
            ]);
        }
        text.push_str(&table(&rows));
        text.push('\n');
    }
    for r in &out.recommended {
        match &r.command {
            None => text.push_str(&format!(
                "ok       {} ({}): {}\n",
                r.id,
                r.watches,
                r.covered_by.join(", ")
            )),
            Some(cmd) => text.push_str(&format!(
                "MISSING  {} ({}): {}\n  {cmd}\n",
                r.id, r.watches, r.why
            )),
        }
    }
    text.push_str(&format!(
        "from {}; we never create alarms: a person runs the commands\n",
        out.reference
    ));
    text
}

/// `msf_diagnose` / `msf-mcp diagnose`; `fence` wraps each finding's log lines.
pub fn diagnosis(out: &DiagnoseOut, time: TimeFmt<'_>, fence: &dyn Fn(&str) -> String) -> String {
    let at = |s: &str| secs(s).map(time).unwrap_or_else(|| s.to_string());
    let mut text = format!(
        "{} ({}, {}, metrics level {}) from {} to {}: {}\n",
        out.application,
        out.runtime,
        out.status,
        out.metrics_level,
        at(&out.start),
        at(&out.end),
        match out.findings.len() {
            0 => "no finding".to_string(),
            1 => "1 finding".to_string(),
            n => format!("{n} findings"),
        }
    );
    for f in &out.findings {
        let severity = match f.severity {
            Severity::Critical => "CRITICAL",
            Severity::Warning => "WARNING",
            Severity::Info => "INFO",
        };
        text.push_str(&format!("\n{severity}  {} [{}]\n", f.title, f.rule));
        for e in &f.evidence {
            text.push_str(&format!("  - {e}\n"));
        }
        if !f.log_lines.is_empty() {
            text.push_str(&fence(&f.log_lines.join("\n")));
            text.push('\n');
        }
        text.push_str(&format!(
            "  explained in {}\n  next: {}\n",
            f.reference, f.next
        ));
    }
    if !out.clear.is_empty() {
        text.push_str(&format!("\nclear: {}\n", out.clear.join(", ")));
    }
    for n in &out.not_checked {
        text.push_str(&format!("not checked: {n}\n"));
    }
    if !out.read_next.is_empty() {
        text.push_str(&format!("read next: {}\n", out.read_next.join(", ")));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align() {
        let t = table(&[
            vec!["a".into(), "bb".into(), "c".into()],
            vec!["aaa".into(), "b".into(), "c".into()],
        ]);
        assert_eq!(t, "a    bb  c\naaa  b   c");
    }
}
