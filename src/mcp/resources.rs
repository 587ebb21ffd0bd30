//! The corpus as MCP resources: `msf://refs` (the list, JSON) and
//! `msf://refs/{reference}` (one reference, markdown).

use rmcp::model::{ErrorData, ReadResourceResult, Resource, ResourceContents, ResourceTemplate};

use crate::app::App;

/// URI of the reference list.
pub const REFS_URI: &str = "msf://refs";
/// URI template of one reference.
pub const REF_TEMPLATE: &str = "msf://refs/{reference}";

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
    let Some(name) = uri.strip_prefix("msf://refs/") else {
        return Err(ErrorData::resource_not_found(
            format!(
                "unknown resource `{}`: use {REFS_URI} or {REF_TEMPLATE}",
                crate::corpus::preview(uri, 120)
            ),
            None,
        ));
    };
    match app.corpus().get(name) {
        Ok(doc) => Ok(ReadResourceResult::new(vec![
            ResourceContents::text(doc.source.clone(), uri).with_mime_type("text/markdown"),
        ])),
        Err(e) => Err(ErrorData::resource_not_found(e.to_string(), None)),
    }
}
