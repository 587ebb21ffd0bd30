//! One input line judged before rmcp sees it: a message rmcp can take, an
//! error reply the client gets at once, or a message without an id that is
//! logged and dropped (JSON-RPC never answers a notification).
//!
//! rmcp answers nothing for a line it cannot parse, omits `id` from its
//! `-32600` replies, and reads a known method with malformed params as an
//! unknown method (`-32601`); here every unparseable line gets `-32700` with
//! `"id": null`, every invalid request `-32600` with its id when it can be
//! read, and malformed params on the methods we serve `-32602`.

use rmcp::model::{
    CallToolRequestParams, ClientJsonRpcMessage, CompleteRequestParams, GetPromptRequestParams,
    InitializeRequestParams, NumberOrString, PaginatedRequestParams, ReadResourceRequestParams,
    RequestId,
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

/// JSON-RPC: the line is not JSON.
pub const PARSE_ERROR: i64 = -32700;
/// JSON-RPC: JSON, but not a valid request.
pub const INVALID_REQUEST: i64 = -32600;
/// JSON-RPC: a known method with malformed params.
pub const INVALID_PARAMS: i64 = -32602;

/// What to do with one line.
#[derive(Debug)]
pub enum Inbound {
    /// Hand on to rmcp.
    Message(Box<ClientJsonRpcMessage>),
    /// Answer at once with this JSON-RPC error (the line goes no further).
    Reply(Value),
    /// A malformed notification or response: log why and drop it.
    Drop(String),
    /// A blank line: nothing to do.
    Blank,
}

/// A JSON-RPC error reply; `id` is `null` when the request's id cannot be read.
pub fn error_reply(id: Option<&RequestId>, code: i64, message: &str) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": code, "message": message},
    })
}

/// Judges one line (without its newline).
pub fn classify(line: &[u8]) -> Inbound {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Inbound::Blank;
    }
    let Ok(text) = std::str::from_utf8(line) else {
        return parse_error("the line is not valid UTF-8");
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return parse_error(&format!(
                "not one JSON value ({e}); send one JSON-RPC message per line"
            ));
        }
    };
    let Value::Object(object) = value else {
        let what = if value.is_array() {
            "batches are not supported; send one JSON-RPC message per line"
        } else {
            "a JSON-RPC message is a JSON object"
        };
        return Inbound::Reply(error_reply(None, INVALID_REQUEST, what));
    };
    judge(object)
}

fn parse_error(message: &str) -> Inbound {
    Inbound::Reply(error_reply(None, PARSE_ERROR, message))
}

fn judge(object: Map<String, Value>) -> Inbound {
    let id = match object.get("id") {
        None => None,
        Some(Value::String(s)) => Some(NumberOrString::String(s.as_str().into())),
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64().map(NumberOrString::Number),
        Some(other) => {
            return Inbound::Reply(error_reply(
                None,
                INVALID_REQUEST,
                &format!("\"id\" must be a string or an integer, not {other}"),
            ));
        }
    };
    let invalid = |message: &str| match &id {
        Some(id) => Inbound::Reply(error_reply(Some(id), INVALID_REQUEST, message)),
        None => Inbound::Drop(message.to_string()),
    };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return invalid("\"jsonrpc\" must be \"2.0\"");
    }
    match (object.get("method"), &id) {
        (Some(Value::String(method)), Some(id)) => {
            if let Some(problem) = params_problem(method, object.get("params")) {
                return Inbound::Reply(error_reply(
                    Some(id),
                    INVALID_PARAMS,
                    &format!("invalid params for {method}: {problem}"),
                ));
            }
        }
        (Some(Value::String(_)), None) => {}
        (Some(_), _) => return invalid("\"method\" must be a string"),
        (None, _) if !object.contains_key("result") && !object.contains_key("error") => {
            return invalid("a request needs \"method\"; a response needs \"result\" or \"error\"");
        }
        (None, _) => {}
    }
    match serde_json::from_value::<ClientJsonRpcMessage>(Value::Object(object)) {
        Ok(message) => Inbound::Message(Box::new(message)),
        Err(e) => invalid(&format!("not a valid MCP message: {e}")),
    }
}

/// Why `params` do not fit `method`, for the methods this server serves.
fn params_problem(method: &str, params: Option<&Value>) -> Option<String> {
    match method {
        "initialize" => required::<InitializeRequestParams>(params),
        "tools/call" => required::<CallToolRequestParams>(params),
        "resources/read" => required::<ReadResourceRequestParams>(params),
        "prompts/get" => required::<GetPromptRequestParams>(params),
        "completion/complete" => required::<CompleteRequestParams>(params),
        "tools/list" | "resources/list" | "resources/templates/list" | "prompts/list" => {
            optional::<PaginatedRequestParams>(params)
        }
        _ => None,
    }
}

fn required<T: DeserializeOwned>(params: Option<&Value>) -> Option<String> {
    match params {
        None | Some(Value::Null) => Some("\"params\" is required".to_string()),
        Some(p) => serde_json::from_value::<T>(p.clone())
            .err()
            .map(|e| e.to_string()),
    }
}

fn optional<T: DeserializeOwned>(params: Option<&Value>) -> Option<String> {
    match params {
        None | Some(Value::Null) => None,
        Some(p) => serde_json::from_value::<T>(p.clone())
            .err()
            .map(|e| e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(line: &[u8]) -> Value {
        match classify(line) {
            Inbound::Reply(v) => v,
            other => panic!("expected a reply to {:?}, got {other:?}", line),
        }
    }

    #[test]
    fn unparseable_lines_get_a_parse_error_with_a_null_id() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        for line in [
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}".as_slice(),
            b"{\"jsonrpc\":\"2.0\",\"id\":1e999,\"method\":\"ping\"}",
            deep.as_bytes(),
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\xfe\"}",
            b"{this is not json",
        ] {
            let r = reply(line);
            assert_eq!(r["error"]["code"], PARSE_ERROR, "{r}");
            assert!(r.as_object().unwrap().contains_key("id"), "{r}");
            assert_eq!(r["id"], Value::Null);
        }
    }

    #[test]
    fn invalid_requests_carry_their_id_when_it_can_be_read() {
        let r = reply(br#"{"jsonrpc":"1.0","id":7,"method":"ping"}"#);
        assert_eq!(
            (r["error"]["code"].as_i64(), &r["id"]),
            (Some(INVALID_REQUEST), &json!(7))
        );
        let r = reply(br#"{"jsonrpc":"2.0","id":"a","method":5}"#);
        assert_eq!(
            (r["error"]["code"].as_i64(), &r["id"]),
            (Some(INVALID_REQUEST), &json!("a"))
        );
        let r = reply(br#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#);
        assert_eq!(
            (r["error"]["code"].as_i64(), &r["id"]),
            (Some(INVALID_REQUEST), &Value::Null)
        );
        let r = reply(b"[1, 2, 3]");
        assert_eq!(
            (r["error"]["code"].as_i64(), &r["id"]),
            (Some(INVALID_REQUEST), &Value::Null)
        );
    }

    #[test]
    fn malformed_params_on_served_methods_are_invalid_params() {
        for line in [
            r#"{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":5}}"#,
            r#"{"jsonrpc":"2.0","id":3,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"p"}}}"#,
            r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"arguments":{}}}"#,
            r#"{"jsonrpc":"2.0","id":3,"method":"tools/call"}"#,
            r#"{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"cursor":5}}"#,
        ] {
            let r = reply(line.as_bytes());
            assert_eq!(r["error"]["code"], INVALID_PARAMS, "{line}: {r}");
            assert_eq!(r["id"], 3);
        }
    }

    #[test]
    fn well_formed_messages_pass_and_bad_notifications_are_dropped() {
        for line in [
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"msf_refs","arguments":{}}}"#,
            r#"{"jsonrpc":"2.0","id":"x","method":"tools/list"}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            r#"{"jsonrpc":"2.0","id":9,"result":{}}"#,
        ] {
            assert!(
                matches!(classify(line.as_bytes()), Inbound::Message(_)),
                "{line}"
            );
        }
        assert!(matches!(
            classify(br#"{"jsonrpc":"2.0","method":7}"#),
            Inbound::Drop(_)
        ));
        assert!(matches!(classify(b"  \r"), Inbound::Blank));
    }
}
