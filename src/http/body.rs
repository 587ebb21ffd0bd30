//! Request bodies read whole, within a size cap (413) and a time limit
//! (408), before rmcp sees them: a client that announces 10 GB and sends 10
//! bytes is cut off after the timeout instead of holding its connection.
//! Whether the body is a JSON-RPC request (not a notification or response)
//! is noted for the session table ([`super::sessions`]).

use std::{sync::Arc, time::Duration};

use axum::{
    body::Body,
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The body limits.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub max_bytes: usize,
    pub timeout: Duration,
}

/// Set on a request whose body is a JSON-RPC request other than `initialize`.
#[derive(Debug, Clone, Copy)]
pub struct CarriesRequest;

/// Set on a request whose body is `initialize` (which may open a session).
#[derive(Debug, Clone, Copy)]
pub struct Initialize;

#[derive(serde::Deserialize)]
struct Probe {
    id: Option<serde::de::IgnoredAny>,
    method: Option<String>,
}

/// Buffers the body within the limits, then hands the request on.
pub async fn limit(
    State(limits): State<Arc<BodyLimits>>,
    request: Request,
    next: Next,
) -> Response {
    let announced = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limits.max_bytes as u64) {
        return too_large(&limits);
    }
    let (mut parts, body) = request.into_parts();
    let read =
        tokio::time::timeout(limits.timeout, axum::body::to_bytes(body, limits.max_bytes)).await;
    let bytes = match read {
        Err(_) => {
            return (
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "request body not received within {} s\n",
                    limits.timeout.as_secs()
                ),
            )
                .into_response();
        }
        Ok(Err(_)) => return too_large(&limits),
        Ok(Ok(bytes)) => bytes,
    };
    if let Ok(Probe {
        id: Some(_),
        method: Some(method),
    }) = serde_json::from_slice::<Probe>(&bytes)
    {
        if method == "initialize" {
            parts.extensions.insert(Initialize);
        } else {
            parts.extensions.insert(CarriesRequest);
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn too_large(limits: &BodyLimits) -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "request body larger than {} bytes (or cut short); send a smaller one\n",
            limits.max_bytes
        ),
    )
        .into_response()
}
