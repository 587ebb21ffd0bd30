//! Input schemas as the model sees them: flat and small.
//!
//! Hosts hand the model every tool's input schema on every turn, and some
//! flatten `$ref`/`oneOf` badly. [`lean`] rewrites what schemars writes into
//! the same constraints without indirection: `$ref`s inlined, `anyOf [T,
//! null]` and `type [T, "null"]` of optional fields reduced to `T` (an
//! omitted field is how a model leaves one unset), `oneOf` of string
//! constants turned into an `enum`, and the `$schema`, `title` and
//! type-level description at the top dropped (MCP's default dialect is
//! 2020-12; the tool's description says what the input is for). Output
//! schemas are left as they are: hosts do not show them to the model.

use serde_json::{Map, Value};

/// `$ref` nesting deeper than this is left as is (our inputs are not recursive).
const MAX_DEPTH: usize = 16;

/// The lean form of input schema `schema`.
pub fn lean(schema: &Map<String, Value>) -> Map<String, Value> {
    let mut top = schema.clone();
    let defs = top.remove("$defs").unwrap_or(Value::Null);
    top.remove("$schema");
    top.remove("title");
    top.remove("description");
    let mut value = Value::Object(top);
    simplify(&mut value, &defs, 0);
    match value {
        Value::Object(map) => map,
        _ => schema.clone(),
    }
}

fn simplify(v: &mut Value, defs: &Value, depth: usize) {
    match v {
        Value::Object(map) => {
            drop_null_branch(map);
            inline_ref(map, defs, depth);
            drop_null_branch(map);
            const_one_of_to_enum(map);
            if let Some(Value::Array(types)) = map.get("type") {
                let kept: Vec<Value> = types
                    .iter()
                    .filter(|t| t.as_str() != Some("null"))
                    .cloned()
                    .collect();
                if kept.len() == 1 {
                    map.insert("type".into(), kept[0].clone());
                }
            }
            if let Some(Value::Array(values)) = map.get_mut("enum") {
                values.retain(|x| !x.is_null());
            }
            // A sub-schema's own title is the Rust type name: noise to a model.
            map.remove("title");
            // `null` is no longer a value these types take; leaving a field out is.
            if map.get("default").is_some_and(Value::is_null) {
                map.remove("default");
            }
            map.values_mut().for_each(|x| simplify(x, defs, depth + 1));
        }
        Value::Array(items) => items.iter_mut().for_each(|x| simplify(x, defs, depth + 1)),
        _ => {}
    }
}

/// Replaces `{"$ref": "#/$defs/X", ...}` by X's keywords (the referring
/// object's own keywords, such as its description, win).
fn inline_ref(map: &mut Map<String, Value>, defs: &Value, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let Some(target) = map
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .and_then(|name| defs.get(name))
        .and_then(Value::as_object)
        .cloned()
    else {
        return;
    };
    map.remove("$ref");
    for (k, v) in target {
        map.entry(k).or_insert(v);
    }
    inline_ref(map, defs, depth + 1);
}

/// `anyOf: [T, {"type": "null"}]` → T's keywords merged into the parent.
fn drop_null_branch(map: &mut Map<String, Value>) {
    let Some(Value::Array(branches)) = map.get("anyOf") else {
        return;
    };
    let non_null: Vec<&Value> = branches
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) != Some("null"))
        .collect();
    if non_null.len() != 1 || branches.len() != 2 {
        return;
    }
    let Some(only) = non_null[0].as_object().cloned() else {
        return;
    };
    map.remove("anyOf");
    for (k, v) in only {
        map.entry(k).or_insert(v);
    }
}

/// `oneOf` of `{"const": "x", "type": "string"}` branches → `enum`.
fn const_one_of_to_enum(map: &mut Map<String, Value>) {
    let Some(Value::Array(branches)) = map.get("oneOf") else {
        return;
    };
    let consts: Option<Vec<Value>> = branches
        .iter()
        .map(|b| b.get("const").filter(|c| c.is_string()).cloned())
        .collect();
    let Some(values) = consts else {
        return;
    };
    map.remove("oneOf");
    map.insert("type".into(), Value::from("string"));
    map.insert("enum".into(), Value::Array(values));
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn refs_optional_and_const_branches_flatten() {
        let input = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Args", "description": "Input of x.", "type": "object",
            "$defs": {"Mode": {"description": "How.", "oneOf": [
                {"const": "a", "type": "string", "description": "A."},
                {"const": "b", "type": "string"}]}},
            "properties": {
                "mode": {"anyOf": [{"$ref": "#/$defs/Mode"}, {"type": "null"}], "description": "Mode."},
                "n": {"type": ["integer", "null"], "minimum": 0},
                "k": {"type": ["string", "null"], "enum": ["x", null]}
            }
        });
        let out = lean(input.as_object().unwrap());
        assert_eq!(
            Value::Object(out),
            json!({"type": "object", "properties": {
                "mode": {"description": "Mode.", "type": "string", "enum": ["a", "b"]},
                "n": {"type": "integer", "minimum": 0},
                "k": {"type": "string", "enum": ["x"]}
            }})
        );
    }

    /// Every input schema we serve is flat: no `$ref`, `$defs`, `oneOf`,
    /// `anyOf` or `allOf` anywhere.
    #[test]
    fn served_input_schemas_have_no_indirection() {
        fn walk(v: &Value, tool: &str) {
            match v {
                Value::Object(m) => {
                    for k in ["$ref", "$defs", "oneOf", "anyOf", "allOf"] {
                        assert!(!m.contains_key(k), "{tool}: {k} in {v}");
                    }
                    m.values().for_each(|x| walk(x, tool));
                }
                Value::Array(a) => a.iter().for_each(|x| walk(x, tool)),
                _ => {}
            }
        }
        let mut tools = crate::mcp::tools::all();
        tools.extend(crate::mcp::aws::tools());
        for t in &tools {
            walk(&Value::Object((*t.input_schema).clone()), &t.name);
        }
    }
}
