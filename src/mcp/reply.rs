//! How every tool answers, knowledge and AWS alike: arguments parsed into
//! their type (a bad one is a tool error naming the problem), results as
//! `structuredContent` plus a text mirror, and failures sorted the MCP way
//! (the caller's to fix → tool error the model reads; a fault → internal error).

use rmcp::{
    ErrorData,
    model::{CallToolResult, ContentBlock},
};
use serde::{Serialize, de::DeserializeOwned};

use crate::error::Error;

/// Parses a tool's arguments; `Err` is the tool error to return as is.
pub(super) fn parse<A: DeserializeOwned>(
    name: &str,
    args: serde_json::Value,
) -> Result<A, Box<CallToolResult>> {
    serde_json::from_value(args).map_err(|e| {
        Box::new(CallToolResult::error(vec![ContentBlock::text(format!(
            "invalid arguments for {name}: {e}; see the tool's input schema"
        ))]))
    })
}

/// `out` as structured content with `text` as its mirror.
pub(super) fn ok<T: Serialize>(out: &T, text: String) -> Result<CallToolResult, ErrorData> {
    let value =
        serde_json::to_value(out).map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
    let mut r = CallToolResult::structured(value);
    r.content = vec![ContentBlock::text(text)];
    Ok(r)
}

/// A failure: a tool error when the caller can fix it, an internal error otherwise.
pub(super) fn fail(e: Error) -> Result<CallToolResult, ErrorData> {
    if e.is_caller_error() {
        Ok(CallToolResult::error(vec![ContentBlock::text(
            e.to_string(),
        )]))
    } else {
        tracing::error!(error = %e, "tool failed");
        Err(ErrorData::internal_error(e.to_string(), None))
    }
}

/// A tool's answer: its result with `text` as the mirror, or its failure.
pub(super) fn respond<T: Serialize>(
    result: crate::error::Result<T>,
    text: impl FnOnce(&T) -> String,
) -> Result<CallToolResult, ErrorData> {
    match result {
        Ok(out) => {
            let mirror = text(&out);
            ok(&out, mirror)
        }
        Err(e) => fail(e),
    }
}
