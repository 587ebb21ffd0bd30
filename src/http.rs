//! The Streamable HTTP front door: `msf-mcp serve --http 127.0.0.1:PORT`.
//!
//! Loopback only unless `--allow-remote` (which then requires a token);
//! `Host` and `Origin` are validated by rmcp's service (DNS rebinding); an
//! optional bearer token guards `/mcp`; `/health` answers without it. Each
//! MCP session gets its own read log; stateless requests (protocol
//! 2026-07-28) prove their reads with receipts.

use std::{net::SocketAddr, sync::Arc};

use anyhow::{Context, Result, bail};
use axum::{
    Router,
    extract::{Request, State},
    http::{StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    serve::ListenerExt,
};
use rmcp::transport::streamable_http_server::{
    StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
};
use tokio::net::TcpListener;

use msf_mcp::mcp::Server;

/// How to serve over HTTP.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Bearer token required on `/mcp`, when set.
    pub token: Option<String>,
    /// Browser origins allowed (`Origin` header), e.g. `http://localhost:*`.
    pub allowed_origins: Vec<String>,
    /// Whether a non-loopback address may be bound.
    pub allow_remote: bool,
}

/// Binds `addr`, refusing non-loopback addresses unless allowed (and then only with a token).
pub async fn bind(addr: SocketAddr, opts: &HttpOptions) -> Result<TcpListener> {
    if !addr.ip().is_loopback() {
        if !opts.allow_remote {
            bail!(
                "refusing to listen on {addr}: not a loopback address; pass --allow-remote (with MSF_MCP_HTTP_TOKEN) to serve other hosts"
            );
        }
        if opts.token.is_none() {
            bail!("--allow-remote needs a bearer token: set MSF_MCP_HTTP_TOKEN");
        }
    }
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))
}

/// Serves until ctrl-c (or the listener fails).
pub async fn serve(server: Server, listener: TcpListener, opts: HttpOptions) -> Result<()> {
    let local = listener.local_addr()?;
    let mut hosts = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    hosts.push(local.ip().to_string());
    hosts.push(local.to_string());
    hosts.push(format!("localhost:{}", local.port()));
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts)
        .with_allowed_origins(opts.allowed_origins.clone());
    let shutdown = config.cancellation_token.clone();
    let mcp = StreamableHttpService::new(
        move || Ok(server.new_session()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let token = Arc::new(opts.token.clone());
    let app = Router::new()
        .nest_service("/mcp", mcp)
        .route_layer(middleware::from_fn_with_state(token, bearer))
        .route("/health", get(health));
    tracing::info!(%local, "serving MCP over Streamable HTTP at /mcp");
    // Answers go out at once: without TCP_NODELAY every small response waits
    // for the client's delayed ACK (~40 ms) under Nagle's algorithm.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "cannot set TCP_NODELAY on an accepted connection");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            shutdown.cancel();
        })
        .await
        .context("HTTP server failed")
}

async fn health() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        format!(
            "{{\"status\":\"ok\",\"version\":\"{}\"}}",
            env!("MSF_MCP_LONG_VERSION")
        ),
    )
}

/// Requires `Authorization: Bearer <token>` when a token is configured.
async fn bearer(
    State(token): State<Arc<Option<String>>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(expected) = token.as_deref() else {
        return next.run(request).await;
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        next.run(request).await
    } else {
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "missing or wrong bearer token\n",
        )
            .into_response()
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
