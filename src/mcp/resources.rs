//! The corpus as MCP resources: `msf://refs` (the list, JSON),
//! `msf://refs/{reference}` (one reference, markdown) and `msf://facts`
//! (the canonical facts table, JSON).

use rmcp::model::{ErrorData, ReadResourceResult, Resource, ResourceContents, ResourceTemplate};

use crate::app::App;

/// URI of the reference list.
pub const REFS_URI: &str = "msf://refs";
/// URI template of one reference.
pub const REF_TEMPLATE: &str = "msf://refs/{reference}";
/// URI of the canonical facts table.
pub const FACTS_URI: &str = "msf://facts";
/// URI of the recent audit records.
pub const AUDIT_URI: &str = "msf://audit/recent";

/// The audit resource.
pub fn audit_resource() -> Resource {
    Resource::new(AUDIT_URI, "audit")
        .with_title("Recent audit records")
        .with_description("The last 50 records of the tamper-evident audit log (JSON).")
        .with_mime_type("application/json")
}

/// The last 50 audit records as JSON.
pub fn read_audit(sandbox: &crate::sandbox::Sandbox) -> Result<ReadResourceResult, ErrorData> {
    let out = sandbox
        .audit_log(&crate::sandbox::args::AuditArgs {
            limit: Some(50),
            ..Default::default()
        })
        .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
    let json = serde_json::to_string_pretty(&out)
        .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
    Ok(ReadResourceResult::new(vec![
        ResourceContents::text(json, AUDIT_URI).with_mime_type("application/json"),
    ]))
}

/// URI template of one section of a reference.
pub const SECTION_TEMPLATE: &str = "msf://refs/{reference}/{section}";

/// The list resource plus one resource per reference.
pub fn list(app: &App) -> Vec<Resource> {
    let mut out = vec![
        Resource::new(REFS_URI, "refs")
            .with_title("MSF references")
            .with_description(
                "Every reference with title, summary, load_when and sections (JSON, as msf_refs).",
            )
            .with_mime_type("application/json"),
    ];
    if app.corpus().facts_toml().is_some() {
        out.push(
            Resource::new(FACTS_URI, "facts")
                .with_title("Canonical MSF facts")
                .with_description(
                    "Runtimes (Flink and Java versions, status), connector releases per runtime, KPU shape, quotas with codes, limits, prices with region, metrics per runtime; each with its sources (JSON).",
                )
                .with_mime_type("application/json"),
        );
    }
    for doc in app.corpus().docs() {
        out.push(
            Resource::new(format!("{REFS_URI}/{}", doc.name), doc.name.clone())
                .with_title(doc.title.clone())
                .with_description(doc.front.summary.clone().unwrap_or_default())
                .with_mime_type("text/markdown")
                .with_size(doc.source.len() as u64),
        );
    }
    out
}

/// The template for one reference.
pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(REF_TEMPLATE, "reference")
            .with_title("One MSF reference")
            .with_description("The markdown of one reference; `reference` is its file name, e.g. scaling-decisions.md.")
            .with_mime_type("text/markdown"),
        ResourceTemplate::new(SECTION_TEMPLATE, "section")
            .with_title("One section of an MSF reference")
            .with_description("The markdown of one section; `section` is its anchor (from msf_read's toc).")
            .with_mime_type("text/markdown"),
    ]
}

/// Reads `uri`; unknown or malformed URIs get a not-found error naming the valid forms.
pub fn read(app: &App, uri: &str) -> Result<ReadResourceResult, ErrorData> {
    if uri == REFS_URI {
        let json = serde_json::to_string_pretty(&app.refs())
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        return Ok(ReadResourceResult::new(vec![
            ResourceContents::text(json, uri).with_mime_type("application/json"),
        ]));
    }
    if uri == FACTS_URI {
        let facts = crate::facts::Facts::of(app.corpus())
            .map_err(|e| ErrorData::resource_not_found(e.to_string(), None))?;
        let json = serde_json::to_string_pretty(&facts)
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        return Ok(ReadResourceResult::new(vec![
            ResourceContents::text(json, uri).with_mime_type("application/json"),
        ]));
    }
    if uri.starts_with("skill://") {
        return match super::skills::read(app, uri) {
            Some(text) => Ok(ReadResourceResult::new(vec![
                ResourceContents::text(text, uri).with_mime_type("text/markdown"),
            ])),
            None => Err(ErrorData::resource_not_found(
                format!(
                    "no skill file `{}`; list them with skills/get",
                    crate::corpus::preview(uri, 120)
                ),
                None,
            )),
        };
    }
    let Some(name) = uri.strip_prefix("msf://refs/") else {
        return Err(ErrorData::resource_not_found(
            format!(
                "unknown resource `{}`: use {REFS_URI}, {FACTS_URI} or {REF_TEMPLATE}",
                crate::corpus::preview(uri, 120)
            ),
            None,
        ));
    };
    let (name, section) = match name.split_once(".md/") {
        Some((file, section)) => (format!("{file}.md"), Some(section)),
        None => (name.to_string(), None),
    };
    let doc = app
        .corpus()
        .get(&name)
        .map_err(|e| ErrorData::resource_not_found(e.to_string(), None))?;
    let text = match section {
        None => doc.source.as_str(),
        Some(anchor) => match doc.find_section(anchor) {
            Some(s) => doc.section_text(s),
            None => {
                return Err(ErrorData::resource_not_found(
                    format!(
                        "{} has no section `{}`; see the toc of msf_read",
                        doc.name,
                        crate::corpus::preview(anchor, 80)
                    ),
                    None,
                ));
            }
        },
    };
    Ok(ReadResourceResult::new(vec![
        ResourceContents::text(text, uri).with_mime_type("text/markdown"),
    ]))
}
