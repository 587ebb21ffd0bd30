//! Plain-text renderings of the tool outputs: the CLI's human output and the
//! compact text mirror that MCP tools send beside `structuredContent`
//! (some clients show the model only one of the two).

use std::fmt::Write;

use crate::api::{ReadOutput, RefsOutput, RouteOutput, SearchOutput, SourceRef};
use crate::corpus::check::{Finding, Severity};
use crate::facts::Facts;
use crate::sandbox::{
    args::AuditOut,
    types::{AppList, LogsResult},
};

/// `msf_route` as text: the read plan, then one block per route.
pub fn route(out: &RouteOutput) -> String {
    let mut s = String::new();
    if out.routes.is_empty() {
        s.push_str("No reference matches; try other words, or list them with msf_refs.\n");
        return s;
    }
    let _ = writeln!(s, "Read, in order: {}", out.read_plan.join(", "));
    let _ = writeln!(
        s,
        "(msf_read takes a heading below as `section`; structured content has the anchors.)"
    );
    if let Some(r) = &out.runtime {
        let _ = writeln!(s, "runtime {r}: sections about it first");
    }
    for (i, r) in out.routes.iter().enumerate() {
        let _ = writeln!(
            s,
            "\n{}. {} — {} (score {:.3})",
            i + 1,
            r.reference,
            r.title,
            r.score
        );
        let _ = writeln!(s, "   why: {}", r.why);
        for sec in &r.sections {
            let _ = writeln!(s, "   - {}", sec.heading);
        }
    }
    if !out.gates.is_empty() {
        let _ = writeln!(s, "\nBefore acting on AWS:");
        for g in &out.gates {
            let state = if g.satisfied { "read" } else { "not read yet" };
            let _ = writeln!(s, "- {} needs {} ({state})", g.action, g.needs.join(" + "));
        }
    }
    s
}

/// `msf_search` as text: each hit's citation, lines and section text.
pub fn search(out: &SearchOutput) -> String {
    let mut s = String::new();
    if out.hits.is_empty() {
        s.push_str("No section matches; try other words or msf_route.\n");
        return s;
    }
    let _ = writeln!(
        s,
        "{} of {} matching sections{}",
        out.hits.len(),
        out.total,
        if out.truncated {
            " (raise limit for more)"
        } else {
            ""
        }
    );
    if let Some(r) = &out.runtime {
        let _ = writeln!(s, "runtime {r}: sections about it first");
    }
    for (i, h) in out.hits.iter().enumerate() {
        let _ = writeln!(
            s,
            "\n[{}] {}#{} (lines {}-{}, score {:.3})\n{}",
            i + 1,
            h.reference,
            h.anchor,
            h.lines[0],
            h.lines[1],
            h.score,
            h.heading_path
        );
        if !h.runtimes.is_empty() {
            let _ = writeln!(s, "version-specific: {}", h.runtimes.join(", "));
        }
        let _ = writeln!(s, "{}", h.text.trim_end());
        if !h.sources.is_empty() {
            let _ = writeln!(s, "sources: {}", compact_sources(&h.sources));
        }
        if h.truncated {
            let _ = writeln!(
                s,
                "[section cut; msf_read {{reference: \"{}\", section: \"{}\"}} for all of it]",
                h.reference, h.anchor
            );
        }
    }
    s
}

/// `msf_read` as text: the content, then where to continue.
pub fn read(out: &ReadOutput) -> String {
    let mut s = String::new();
    let what = match &out.section {
        Some(a) => format!("{}#{}", out.reference, a),
        None => out.reference.clone(),
    };
    let _ = writeln!(
        s,
        "{what} — {} (chars {}-{} of {}, sha256 {}{})\n",
        out.title,
        out.offset,
        out.offset + out.content.chars().count(),
        out.total_chars,
        out.sha256.get(..12).unwrap_or(&out.sha256),
        out.verified
            .as_deref()
            .map(|v| format!(", verified {v}"))
            .unwrap_or_default()
    );
    s.push_str(out.content.trim_end());
    s.push('\n');
    if let Some(next) = out.next_offset {
        let _ = writeln!(s, "\n[more follows: call again with offset {next}]");
    }
    let _ = writeln!(s, "\nreceipt: {}", out.receipt);
    s
}

/// Source links in one line: URLs without the scheme, separated by `; `.
pub fn compact_sources(sources: &[SourceRef]) -> String {
    sources
        .iter()
        .map(|x| x.url.trim_start_matches("https://"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// One connector or library of the facts table: name, coordinates, the
/// releases per runtime and, when it has one, the note that says why.
fn artifact_line(a: &crate::facts::Artifact) -> String {
    let per: Vec<String> = a
        .versions
        .iter()
        .map(|(rt, v)| format!("{rt} {}", v.join("/")))
        .collect();
    format!(
        "  {} {}:{} — {}{}",
        a.name,
        a.group,
        a.artifact,
        per.join(", "),
        a.note
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default()
    )
}

/// The canonical facts table as text: one block per kind, one line per entry.
pub fn facts(f: &Facts) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Canonical MSF facts (verified {})", f.verified);
    let _ = writeln!(s, "\nRuntimes");
    for r in &f.runtime {
        let status = serde_json::to_value(r.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let java = if r.java.is_empty() {
            String::new()
        } else {
            format!("Java {}", r.java.join("/"))
        };
        let _ = writeln!(
            s,
            "  {:<20} Flink {:<5} {java:<10} {status}{}",
            r.id,
            r.flink,
            r.note
                .as_deref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(s, "\nConnectors (releases AWS lists per runtime)");
    for c in &f.connector {
        let _ = writeln!(s, "{}", artifact_line(c));
    }
    if !f.library.is_empty() {
        let _ = writeln!(s, "\nLibraries (release to use per runtime)");
    }
    for l in &f.library {
        let _ = writeln!(s, "{}", artifact_line(l));
    }
    let _ = writeln!(s, "\nFacts");
    for x in &f.fact {
        let mut extra = Vec::new();
        if let Some(r) = &x.region {
            extra.push(r.clone());
        }
        if let Some(q) = &x.quota_code {
            extra.push(q.clone());
        }
        if let Some(a) = x.adjustable {
            extra.push(if a { "adjustable" } else { "not adjustable" }.to_string());
        }
        let _ = writeln!(
            s,
            "  {:<28} {}{}{} — {}",
            x.id,
            x.value,
            x.unit
                .as_deref()
                .map(|u| format!(" {u}"))
                .unwrap_or_default(),
            if extra.is_empty() {
                String::new()
            } else {
                format!(" ({})", extra.join(", "))
            },
            x.statement
        );
    }
    let _ = writeln!(s, "\nMetrics (AWS/KinesisAnalytics)");
    for m in &f.metric {
        let _ = writeln!(
            s,
            "  {:<36} on {}{}{}",
            m.name,
            m.runtimes.join(", "),
            if m.removed_in.is_empty() {
                String::new()
            } else {
                format!("; removed in {}", m.removed_in.join(", "))
            },
            m.replaced_by
                .as_deref()
                .map(|r| format!(", use {r}"))
                .unwrap_or_default()
        );
    }
    s
}

/// `msf_refs` as text: one line per reference.
pub fn refs(out: &RefsOutput) -> String {
    let mut s = String::new();
    for r in &out.references {
        let _ = writeln!(s, "{} — {}: {}", r.reference, r.title, r.summary);
    }
    s
}

/// `refs --check` findings, one per line as `file:line: severity: message`.
pub fn findings(findings: &[Finding]) -> String {
    let mut s = String::new();
    for f in findings {
        let sev = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Pending => "pending",
        };
        let _ = writeln!(s, "{}:{}: {sev}: {}", f.file, f.line, f.message);
    }
    s
}

/// `msf_list_applications` as text: one application a line.
pub fn app_list(out: &AppList) -> String {
    let mut s: String = out
        .applications
        .iter()
        .map(|a| {
            format!(
                "{}\t{}\t{}\tv{}\n",
                a.name, a.status, a.runtime, a.version_id
            )
        })
        .collect();
    if s.is_empty() {
        s.push_str("no applications\n");
    }
    if let Some(c) = &out.next_cursor {
        let _ = writeln!(s, "more: cursor {c}");
    }
    s
}

/// Log rows, one a line, fields joined by ` | ` (untrusted text: callers fence it).
pub fn log_rows(out: &LogsResult) -> String {
    out.rows
        .iter()
        .map(|r| {
            format!(
                "{}\n",
                r.fields.values().cloned().collect::<Vec<_>>().join(" | ")
            )
        })
        .collect()
}

/// Audit records, one a line.
pub fn audit_records(out: &AuditOut) -> String {
    let s: String = out
        .records
        .iter()
        .map(|r| {
            format!(
                "#{} {} {} {} {} {}\n",
                r.seq,
                r.time,
                r.entry.kind,
                r.entry.tool,
                r.entry.decision,
                r.entry.outcome.as_deref().unwrap_or("")
            )
        })
        .collect();
    if s.is_empty() {
        "no records\n".to_string()
    } else {
        s
    }
}
