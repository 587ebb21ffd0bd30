//! What the CLI prints for a person at a terminal: the describe summary
//! block, log rows with local ISO times, aligned tables for applications,
//! audit records and plans. The MCP text mirrors live in [`msf_mcp::render`]
//! and [`msf_mcp::view`]; `--json` bypasses all of this and prints the tool's
//! structured result.

use std::fmt::Write;

use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};

use msf_mcp::sandbox::{
    args::{AuditOut, PlanOut},
    plan::PlanView,
    types::{AppList, AppView, LogsResult},
};
use msf_mcp::view::table;

/// `apps describe`: one labelled line per aspect, then snapshots and
/// operations when they were fetched. Property values arrive redacted
/// unless the policy allows them; they are printed as they arrive.
pub fn app_summary(o: &AppView) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row = |label: &str, value: String| rows.push(vec![format!("{label}:"), value]);
    row("Application", o.name.clone());
    row("Status", o.status.clone());
    row("Runtime", o.runtime.clone());
    row("Version", o.version_id.to_string());
    let p = &o.parallelism;
    row(
        "Parallelism",
        format!(
            "{} in effect (configured {}, {}), {} per KPU, autoscaling {}",
            p.current_parallelism,
            p.parallelism,
            p.configuration_type,
            p.parallelism_per_kpu,
            on_off(p.autoscaling)
        ),
    );
    let k = &o.kpus;
    row(
        "KPUs",
        format!(
            "{} ({} compute + {} orchestration), {} GB running storage",
            k.total, k.compute, k.orchestration, k.storage_gb
        ),
    );
    row(
        "Cost",
        format!(
            "≈ ${:.2}/month running 24/7 at {} prices (backups not included)",
            k.monthly_usd, k.prices_region
        ),
    );
    let c = &o.checkpoints;
    row(
        "Checkpoints",
        if c.enabled {
            format!(
                "on, every {}, min pause {} ({})",
                duration(c.interval_ms),
                duration(c.min_pause_ms),
                c.configuration_type
            )
        } else {
            format!("OFF ({})", c.configuration_type)
        },
    );
    row("Snapshots", on_off(o.snapshots_enabled).to_string());
    let l = &o.logging;
    row(
        "Logging",
        match &l.log_group {
            Some(g) => format!(
                "{g}{}, level {}, metrics level {}",
                l.log_stream
                    .as_deref()
                    .map(|s| format!(" / {s}"))
                    .unwrap_or_default(),
                l.level.as_deref().unwrap_or("unset"),
                l.metrics_level.as_deref().unwrap_or("unset")
            ),
            None => "no CloudWatch log stream configured".to_string(),
        },
    );
    row(
        "VPC",
        match &o.vpc {
            Some(v) => format!(
                "subnets {}; security groups {}",
                v.subnets.join(", "),
                v.security_groups.join(", ")
            ),
            None => "none (public networking)".to_string(),
        },
    );
    row(
        "Code",
        o.code_location.clone().unwrap_or_else(|| "-".to_string()),
    );
    row(
        "Role",
        o.role_arn.clone().unwrap_or_else(|| "-".to_string()),
    );
    if o.property_groups.is_empty() {
        row("Properties", "none".to_string());
    }
    for (i, (group, props)) in o.property_groups.iter().enumerate() {
        let label = if i == 0 { "Properties" } else { "" };
        let pairs: Vec<String> = props.iter().map(|(k, v)| format!("{k}={v}")).collect();
        rows.push(vec![
            if label.is_empty() {
                String::new()
            } else {
                format!("{label}:")
            },
            format!("{group}: {}", pairs.join(", ")),
        ]);
    }
    let mut s = table(&rows);
    s.push('\n');
    if let Some(snaps) = &o.snapshots {
        let _ = writeln!(s, "\nSnapshots ({})", snaps.len());
        if !snaps.is_empty() {
            let mut t = vec![vec![
                "name".to_string(),
                "status".into(),
                "version".into(),
                "created".into(),
            ]];
            for x in snaps {
                t.push(vec![
                    x.name.clone(),
                    x.status.clone(),
                    x.version_id.to_string(),
                    x.created.as_deref().map(local_iso).unwrap_or_default(),
                ]);
            }
            let _ = writeln!(s, "{}", table(&t));
        }
    }
    if let Some(ops) = &o.operations {
        let _ = writeln!(s, "\nOperations ({})", ops.len());
        if !ops.is_empty() {
            let mut t = vec![vec![
                "started".to_string(),
                "operation".into(),
                "status".into(),
                "id".into(),
            ]];
            for x in ops {
                t.push(vec![
                    x.started.as_deref().map(local_iso).unwrap_or_default(),
                    x.operation.clone(),
                    x.status.clone(),
                    x.id.clone(),
                ]);
            }
            let _ = writeln!(s, "{}", table(&t));
        }
    }
    let _ = writeln!(s, "\nKnowledge: {}", o.knowledge);
    s
}

/// `apps list`: an aligned table.
pub fn app_table(out: &AppList) -> String {
    if out.applications.is_empty() {
        return "no applications\n".to_string();
    }
    let mut rows = vec![vec![
        "name".to_string(),
        "status".into(),
        "runtime".into(),
        "version".into(),
    ]];
    for a in &out.applications {
        rows.push(vec![
            a.name.clone(),
            a.status.clone(),
            a.runtime.clone(),
            a.version_id.to_string(),
        ]);
    }
    let mut s = table(&rows);
    s.push('\n');
    if let Some(c) = &out.next_cursor {
        let _ = writeln!(s, "more: cursor {c}");
    }
    s
}

/// `logs query`: a header, then one row a line with the time first (local
/// ISO with the zone offset) and `@message` last. When a row has a parsed
/// `message` field its raw `@message` is left out (the note says so;
/// `--json` has it). Control characters in the untrusted log text are
/// shown as spaces so the log cannot drive the terminal.
pub fn log_table(out: &LogsResult) -> String {
    let mut s = format!(
        "{} row(s) from {} ({}{})\n",
        out.rows.len(),
        out.log_group,
        out.status,
        if out.truncated { ", truncated" } else { "" }
    );
    if out.rows.is_empty() {
        return s;
    }
    let mut columns: Vec<&str> = Vec::new();
    for r in &out.rows {
        for k in r.fields.keys() {
            if !columns.contains(&k.as_str()) && k != "@timestamp" && k != "@message" {
                columns.push(k);
            }
        }
    }
    let raw_hidden = out.rows.iter().all(|r| r.fields.contains_key("message"));
    if !raw_hidden && out.rows.iter().any(|r| r.fields.contains_key("@message")) {
        columns.push("@message");
    }
    let mut rows = vec![
        std::iter::once("time".to_string())
            .chain(columns.iter().map(|c| c.to_string()))
            .collect::<Vec<_>>(),
    ];
    for r in &out.rows {
        let time = r
            .fields
            .get("@timestamp")
            .map(|t| local_iso(t))
            .unwrap_or_default();
        let mut row = vec![time];
        for c in &columns {
            row.push(r.fields.get(*c).map(|v| clean(v)).unwrap_or_default());
        }
        rows.push(row);
    }
    s.push_str(&table(&rows));
    s.push('\n');
    if raw_hidden && out.rows.iter().any(|r| r.fields.contains_key("@message")) {
        s.push_str("(raw @message not shown: the record's fields are; --json has it)\n");
    }
    s
}

/// `audit tail`: an aligned table, times local.
pub fn audit_table(out: &AuditOut) -> String {
    if out.records.is_empty() {
        return "no records\n".to_string();
    }
    let mut rows = vec![vec![
        "seq".to_string(),
        "time".into(),
        "kind".into(),
        "tool".into(),
        "decision".into(),
        "outcome".into(),
    ]];
    for r in &out.records {
        rows.push(vec![
            r.seq.to_string(),
            local_iso(&r.time),
            r.entry.kind.clone(),
            r.entry.tool.clone(),
            r.entry.decision.clone(),
            r.entry.outcome.clone().unwrap_or_default(),
        ]);
    }
    let mut s = table(&rows);
    s.push('\n');
    s
}

/// What a plan does, as the person deciding reads it (also shown before
/// `apply` asks for confirmation).
pub fn plan_view(v: &PlanView) -> String {
    let e = &v.outcome.effects;
    let mut rows = vec![
        vec!["Application:".to_string(), v.application.clone()],
        vec![
            "Operation:".to_string(),
            v.outcome.request["operation"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        ],
        vec![
            "Bound to:".to_string(),
            format!("version {} ({} at planning time)", v.version_id, v.status),
        ],
        vec![
            "Risk:".to_string(),
            if v.outcome.risk_reasons.is_empty() {
                v.outcome.risk.clone()
            } else {
                format!("{}: {}", v.outcome.risk, v.outcome.risk_reasons.join("; "))
            },
        ],
        vec![
            "Restart:".to_string(),
            if e.restart {
                format!("yes ({})", e.downtime)
            } else {
                format!("no ({})", e.downtime)
            },
        ],
        vec![
            "KPUs:".to_string(),
            format!(
                "{} → {} (≈ ${:.2} → ${:.2}/month at {} prices)",
                e.kpus_before,
                e.kpus_after,
                e.monthly_usd_before,
                e.monthly_usd_after,
                e.prices_region
            ),
        ],
    ];
    rows.push(vec![
        "Request:".to_string(),
        serde_json::to_string(&v.outcome.request).unwrap_or_default(),
    ]);
    for (i, d) in v.outcome.diff.iter().enumerate() {
        rows.push(vec![
            if i == 0 { "Changes:" } else { "" }.to_string(),
            format!("{}: {} → {}", d.field, d.from, d.to),
        ]);
    }
    let mut s = table(&rows);
    s.push('\n');
    s
}

/// `plan`: the view, what is missing, and the command that applies it.
pub fn plan(o: &PlanOut) -> String {
    let mut s = plan_view(&o.summary);
    if !o.references_to_read.is_empty() {
        let _ = writeln!(
            s,
            "\nRead first (msf-mcp read NAME --json gives a receipt; plan again with --receipt): {}",
            o.references_to_read.join(", ")
        );
    }
    if let Some(b) = &o.blocked {
        let _ = writeln!(s, "\nCannot be applied here: {b}");
    }
    let _ = writeln!(s, "\nTo apply, run:\n  {}", o.apply_command);
    s
}

/// A time as local ISO 8601 with milliseconds and the zone offset, from
/// epoch milliseconds or seconds, RFC 3339, or Logs Insights'
/// `YYYY-MM-DD HH:MM:SS.fff` (UTC). Anything else is shown as it came.
pub fn local_iso(text: &str) -> String {
    match parse_time(text.trim()) {
        Some(t) => t
            .with_timezone(&Local)
            .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
            .to_string(),
        None => clean(text),
    }
}

fn parse_time(t: &str) -> Option<DateTime<Utc>> {
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = t.parse().ok()?;
        // 11 digits or more as seconds is past the year 5000: milliseconds.
        return if t.len() >= 11 {
            Utc.timestamp_millis_opt(n).single()
        } else {
            Utc.timestamp_opt(n, 0).single()
        };
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|n| n.and_utc())
}

/// One line of untrusted text: control characters (escapes, newlines,
/// tabs) become spaces.
fn clean(v: &str) -> String {
    v.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A duration in ms as the largest whole unit that reads well.
fn duration(ms: i64) -> String {
    if ms % 60_000 == 0 && ms >= 60_000 {
        format!("{} min", ms / 60_000)
    } else if ms % 1000 == 0 && ms >= 1000 {
        format!("{} s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_every_source_become_local_iso_with_an_offset() {
        let want = Utc
            .timestamp_millis_opt(1_795_000_000_123)
            .single()
            .map(|t| {
                t.with_timezone(&Local)
                    .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
                    .to_string()
            })
            .unwrap_or_default();
        assert_eq!(local_iso("1795000000123"), want);
        assert_eq!(local_iso("2026-11-18 11:06:40.123"), want);
        assert_eq!(local_iso("2026-11-18T11:06:40.123Z"), want);
        assert!(local_iso("1795000000").starts_with("2026-11-1"));
        assert_eq!(local_iso("not a time\x1b[2J"), "not a time [2J");
    }

    #[test]
    fn durations_read_in_their_unit() {
        assert_eq!(duration(60_000), "1 min");
        assert_eq!(duration(5000), "5 s");
        assert_eq!(duration(1500), "1500 ms");
    }
}
