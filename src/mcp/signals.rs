//! The live-signal tools (`msf_metrics`, `msf_alarms`, `msf_diagnose`): thin
//! wrappers over the [`Sandbox`], with compact input schemas (the three
//! together stay under 1,500 bytes of name, description and input schema).

use rmcp::{
    ErrorData,
    handler::server::common::{schema_for_output, schema_for_type},
    model::{CallToolResponse, JsonObject, Tool},
};
use schemars::JsonSchema;
use std::sync::Arc;

use super::{reply, tools::annotated};
use crate::{
    sandbox::{
        Sandbox,
        audit::rfc3339,
        signals::types::{
            AlarmsArgs, AlarmsOut, DiagnoseArgs, DiagnoseOut, MetricsArgs, MetricsOut,
        },
    },
    view,
};

/// Tool names; part of the contract.
pub const METRICS: &str = "msf_metrics";
/// See [`METRICS`].
pub const ALARMS: &str = "msf_alarms";
/// See [`METRICS`].
pub const DIAGNOSE: &str = "msf_diagnose";

/// An input schema without what the model does not need: `$schema`, the
/// type's `title` and doc description, the descriptions of arguments whose
/// name says it all (`application`, `preset` with its enum, and `region` and
/// `profile`, allow-listed by the policy), and `null` in optional types.
fn compact<T: JsonSchema + std::any::Any>() -> Arc<JsonObject> {
    let mut schema = (*schema_for_type::<T>()).clone();
    for key in ["$schema", "title", "description"] {
        schema.remove(key);
    }
    if let Some(serde_json::Value::Object(props)) = schema.get_mut("properties") {
        for (key, prop) in props.iter_mut() {
            let serde_json::Value::Object(p) = prop else {
                continue;
            };
            if matches!(
                key.as_str(),
                "application" | "preset" | "region" | "profile"
            ) {
                p.remove("description");
            }
            // Optional arguments are simply not required: `"string"`, not `["string", "null"]`.
            if p.get("type") == Some(&serde_json::json!(["string", "null"])) {
                p.insert("type".into(), serde_json::json!("string"));
            }
        }
    }
    Arc::new(schema)
}

/// The three tools, in a fixed order.
pub fn tools() -> Vec<Tool> {
    let read_only = (true, false, true, true);
    vec![
        annotated(
            METRICS,
            "CloudWatch metrics of an MSF application",
            "CloudWatch metrics of an MSF application by preset, named for its runtime and metrics level; each series summarized (min, max, last, trend) with points.",
            (compact::<MetricsArgs>(), schema_for_output::<MetricsOut>()),
            read_only,
        ),
        annotated(
            ALARMS,
            "Alarms of an MSF application",
            "An MSF application's CloudWatch alarms beside the recommended ones, with the put-metric-alarm command for each missing one.",
            (compact::<AlarmsArgs>(), schema_for_output::<AlarmsOut>()),
            read_only,
        ),
        annotated(
            DIAGNOSE,
            "Diagnose an MSF application",
            "Diagnose an MSF application from describe, metrics and logs: findings with evidence, severity and the reference#anchor to read.",
            (
                compact::<DiagnoseArgs>(),
                schema_for_output::<DiagnoseOut>(),
            ),
            read_only,
        ),
    ]
}

/// UTC `YYYY-MM-DD HH:MM` for the model.
fn utc(t: i64) -> String {
    let s = rfc3339(t.max(0) as u64, 0);
    format!(
        "{} {}",
        s.get(..10).unwrap_or(""),
        s.get(11..16).unwrap_or("")
    )
}

/// Runs live-signal tool `name`; `None` when the name is not one of them.
pub async fn call(
    sandbox: &Sandbox,
    name: &str,
    args: serde_json::Value,
) -> Option<Result<CallToolResponse, ErrorData>> {
    macro_rules! parsed {
        ($t:ty) => {
            match reply::parse::<$t>(name, args) {
                Ok(a) => a,
                Err(r) => return Some(Ok(CallToolResponse::from(*r))),
            }
        };
    }
    let result = match name {
        METRICS => {
            let a = parsed!(MetricsArgs);
            reply::respond(sandbox.metrics(&a).await, |o| {
                format!("{} (times UTC)", view::metrics(o, &utc))
            })
        }
        ALARMS => {
            let a = parsed!(AlarmsArgs);
            reply::respond(sandbox.alarms(&a).await, view::alarms)
        }
        DIAGNOSE => {
            let a = parsed!(DiagnoseArgs);
            reply::respond(sandbox.diagnose(&a).await, |o| {
                view::diagnosis(o, &utc, &|body: &str| {
                    super::aws::fenced("CloudWatch Logs", body)
                })
            })
        }
        _ => return None,
    };
    Some(result.map(CallToolResponse::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_tools_fit_in_1500_bytes() {
        let size: usize = tools()
            .iter()
            .map(|t| {
                serde_json::json!({
                    "name": t.name,
                    "description": t.description,
                    "inputSchema": *t.input_schema,
                })
                .to_string()
                .len()
            })
            .sum();
        assert!(size <= 1500, "the live-signal tools take {size} bytes");
    }

    #[test]
    fn schemas_are_flat() {
        for t in tools() {
            let text = serde_json::Value::Object((*t.input_schema).clone()).to_string();
            for word in ["$ref", "oneOf", "anyOf", "$defs", "format"] {
                assert!(!text.contains(word), "{}: {word} in {text}", t.name);
            }
        }
    }
}
