//! Completions: reference names for `{reference}`, section anchors for
//! `{section}` (of the reference already chosen), and runtimes for prompts.

use rmcp::model::{CompleteRequestParams, CompleteResult, CompletionInfo, Reference};

use super::{prompts, resources};
use crate::app::App;

/// The completion values for `request`; empty when nothing applies.
pub fn complete(app: &App, request: &CompleteRequestParams) -> CompleteResult {
    let typed = request.argument.value.to_lowercase();
    let candidates: Vec<String> = match (&request.r#ref, request.argument.name.as_str()) {
        (Reference::Resource(r), "reference")
            if r.uri == resources::REF_TEMPLATE || r.uri == resources::SECTION_TEMPLATE =>
        {
            app.corpus().docs().iter().map(|d| d.name.clone()).collect()
        }
        (Reference::Resource(r), "section") if r.uri == resources::SECTION_TEMPLATE => {
            let chosen = request
                .context
                .as_ref()
                .and_then(|c| c.arguments.as_ref())
                .and_then(|a| a.get("reference"));
            match chosen.and_then(|name| app.corpus().get(name).ok()) {
                Some(doc) => doc
                    .sections
                    .iter()
                    .filter(|s| s.level > 0)
                    .map(|s| s.anchor.clone())
                    .collect(),
                None => Vec::new(),
            }
        }
        (Reference::Prompt(p), "runtime")
            if prompts::argument_names(&p.name).contains(&"runtime") =>
        {
            prompts::RUNTIMES.iter().map(|r| r.to_string()).collect()
        }
        (Reference::Prompt(p), "api") if p.name == "new-flink-application" => {
            vec![
                "DataStream".to_string(),
                "Table API".to_string(),
                "SQL".to_string(),
            ]
        }
        _ => Vec::new(),
    };
    // Prefix matches first, then other substring matches.
    let mut values: Vec<String> = candidates
        .iter()
        .filter(|c| c.to_lowercase().starts_with(&typed))
        .cloned()
        .collect();
    values.extend(
        candidates
            .iter()
            .filter(|c| !c.to_lowercase().starts_with(&typed) && c.to_lowercase().contains(&typed))
            .cloned(),
    );
    let total = values.len();
    values.truncate(CompletionInfo::MAX_VALUES);
    let has_more = total > values.len();
    match CompletionInfo::with_pagination(values, Some(total as u32), has_more) {
        Ok(info) => CompleteResult::new(info),
        // Unreachable: the values were cut to the maximum just above.
        Err(_) => CompleteResult::default(),
    }
}
