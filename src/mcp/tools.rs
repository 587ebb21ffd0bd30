//! The knowledge tools as MCP sees them: names, descriptions written for the
//! model, all four annotations, input and output schemas. Fixed order.

use std::sync::Arc;

use rmcp::{
    handler::server::common::{schema_for_output, schema_for_type},
    model::{Tool, ToolAnnotations},
};

use crate::api::{
    ReadArgs, ReadOutput, RefsArgs, RefsOutput, RouteArgs, RouteOutput, SearchArgs, SearchOutput,
};

/// Tool names; part of the contract.
pub const ROUTE: &str = "msf_route";
/// See [`ROUTE`].
pub const SEARCH: &str = "msf_search";
/// See [`ROUTE`].
pub const READ: &str = "msf_read";
/// See [`ROUTE`].
pub const REFS: &str = "msf_refs";

const ROUTE_DESC: &str = "Call first for any question about Amazon Managed Service for Apache Flink (MSF) or Flink on AWS: KPUs, checkpoints, scaling, Kinesis, Kafka, Iceberg, IAM, lifecycle, restart loops, Flink 2 migration. Pass the user's question, task or error/stack trace as-is (English or Chinese). Returns the references to read, best first, and `read_plan`: read those with msf_read before answering or acting.";

const SEARCH_DESC: &str = "Full-text search over MSF reference sections, for one specific fact: a metric, a config key like `execution.checkpointing.interval`, a quota, an error string (English or Chinese). Hits carry `reference#anchor` to cite, a snippet and the section's markdown.";

const READ_DESC: &str = "Read an MSF reference (name from msf_route or msf_refs) or one section by anchor; page long content by passing `next_offset` as `offset`. Returns the contents, sha256 and a `receipt` proving the read (AWS changes need receipts for the references msf_route lists under `gates`). Cite as `reference#anchor`.";

const REFS_DESC: &str = "List every MSF reference with its title, summary, when to load it and its sections. For browsing; prefer msf_route for a question.";

/// Every tool, in the order clients list them.
pub fn all() -> Vec<Tool> {
    vec![
        tool(
            ROUTE,
            "Route a question to MSF references",
            ROUTE_DESC,
            schema_for_type::<RouteArgs>(),
            schema_for_output::<RouteOutput>(),
        ),
        tool(
            SEARCH,
            "Search MSF reference sections",
            SEARCH_DESC,
            schema_for_type::<SearchArgs>(),
            schema_for_output::<SearchOutput>(),
        ),
        tool(
            READ,
            "Read an MSF reference or section",
            READ_DESC,
            schema_for_type::<ReadArgs>(),
            schema_for_output::<ReadOutput>(),
        ),
        tool(
            REFS,
            "List MSF references",
            REFS_DESC,
            schema_for_type::<RefsArgs>(),
            schema_for_output::<RefsOutput>(),
        ),
    ]
}

/// The knowledge tools only read an embedded corpus: read-only, never
/// destructive, idempotent, and closed-world (no network).
fn tool(
    name: &'static str,
    title: &str,
    description: &'static str,
    input: Arc<rmcp::model::JsonObject>,
    output: Arc<rmcp::model::JsonObject>,
) -> Tool {
    annotated(
        name,
        title,
        description,
        (input, output),
        (true, false, true, false),
    )
}

/// The four annotation hints: read-only, destructive, idempotent, open-world.
pub(super) type Hints = (bool, bool, bool, bool);

/// A tool with its schemas and all four annotations set explicitly.
pub(super) fn annotated(
    name: &'static str,
    title: &str,
    description: &'static str,
    (input, output): (Arc<rmcp::model::JsonObject>, Arc<rmcp::model::JsonObject>),
    (read_only, destructive, idempotent, open_world): Hints,
) -> Tool {
    Tool::new(
        name,
        description,
        Arc::new(super::schema::lean(&standard_formats(&input))),
    )
    .with_title(title)
    .with_raw_output_schema(standard_formats(&output))
    .with_annotations(
        ToolAnnotations::with_title(title)
            .read_only(read_only)
            .destructive(destructive)
            .idempotent(idempotent)
            .open_world(open_world),
    )
}

/// Formats JSON Schema and the common vocabularies define; anything else
/// (schemars writes `uint`, `uint32`... for unsigned integers, which strict
/// validators reject) is dropped. The integer's `minimum` says the rest.
const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
    "int32",
    "int64",
    "float",
    "double",
];

/// `schema` without non-standard `format` keywords, at any depth.
fn standard_formats(schema: &rmcp::model::JsonObject) -> Arc<rmcp::model::JsonObject> {
    fn clean(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                let drop = map
                    .get("format")
                    .and_then(serde_json::Value::as_str)
                    .is_some_and(|f| !STANDARD_FORMATS.contains(&f));
                if drop {
                    map.remove("format");
                }
                map.values_mut().for_each(clean);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(clean),
            _ => {}
        }
    }
    let mut value = serde_json::Value::Object(schema.clone());
    clean(&mut value);
    match value {
        serde_json::Value::Object(map) => Arc::new(map),
        _ => Arc::new(schema.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `format` in every tool schema (knowledge and AWS tools) is one
    /// that JSON Schema or the common vocabularies define.
    #[test]
    fn schemas_carry_only_standard_formats() {
        fn formats(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(map) => {
                    if let Some(f) = map.get("format").and_then(|f| f.as_str()) {
                        out.push(f.to_string());
                    }
                    map.values().for_each(|x| formats(x, out));
                }
                serde_json::Value::Array(items) => items.iter().for_each(|x| formats(x, out)),
                _ => {}
            }
        }
        let mut tools = all();
        tools.extend(crate::mcp::aws::tools());
        let mut seen = Vec::new();
        for t in &tools {
            formats(
                &serde_json::Value::Object((*t.input_schema).clone()),
                &mut seen,
            );
            if let Some(o) = &t.output_schema {
                formats(&serde_json::Value::Object((**o).clone()), &mut seen);
            }
        }
        let bad: Vec<&String> = seen
            .iter()
            .filter(|f| !STANDARD_FORMATS.contains(&f.as_str()))
            .collect();
        assert!(bad.is_empty(), "non-standard formats: {bad:?}");
    }

    #[test]
    fn every_tool_has_all_annotations_and_an_object_output_schema() {
        let tools = all();
        let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
        assert_eq!(names, vec![ROUTE, SEARCH, READ, REFS]);
        for t in &tools {
            let a = t.annotations.as_ref();
            assert_eq!(a.and_then(|a| a.read_only_hint), Some(true));
            assert_eq!(a.and_then(|a| a.destructive_hint), Some(false));
            assert_eq!(a.and_then(|a| a.idempotent_hint), Some(true));
            assert_eq!(a.and_then(|a| a.open_world_hint), Some(false));
            let out = t
                .output_schema
                .as_ref()
                .and_then(|s| s.get("type"))
                .and_then(|v| v.as_str());
            assert_eq!(out, Some("object"), "{}", t.name);
        }
    }

    /// What a host hands the model on every turn: each tool's name,
    /// description and input schema, as compact JSON.
    fn model_facing(tools: &[&Tool]) -> String {
        let list: Vec<serde_json::Value> = tools
            .iter()
            .map(|t| {
                serde_json::json!({
                    "name": t.name,
                    "description": t.description,
                    "input_schema": t.input_schema,
                })
            })
            .collect();
        serde_json::to_string(&list).unwrap_or_default()
    }

    /// The model-facing list stays within 12,000 bytes in all, and the tools
    /// that exist today within 10,500 (room for three more read-only tools).
    #[test]
    fn the_model_facing_tool_list_stays_lean() {
        const TODAY: [&str; 11] = [
            ROUTE,
            SEARCH,
            READ,
            REFS,
            crate::mcp::aws::CONTEXT,
            crate::mcp::aws::LIST,
            crate::mcp::aws::DESCRIBE,
            crate::mcp::aws::LOGS,
            crate::mcp::aws::PLAN,
            crate::mcp::aws::APPLY,
            crate::mcp::aws::AUDIT,
        ];
        let mut tools = all();
        tools.extend(crate::mcp::aws::tools());
        let every: Vec<&Tool> = tools.iter().collect();
        let all_bytes = model_facing(&every).len();
        assert!(
            all_bytes <= 12_000,
            "model-facing tool list is {all_bytes} bytes"
        );
        let today: Vec<&Tool> = tools
            .iter()
            .filter(|t| TODAY.contains(&t.name.as_ref()))
            .collect();
        assert_eq!(today.len(), TODAY.len());
        let today_bytes = model_facing(&today).len();
        assert!(
            today_bytes <= 10_500,
            "today's tools are {today_bytes} bytes to the model"
        );
    }
}
