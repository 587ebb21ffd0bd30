//! The Streamable HTTP front door: `msf-mcp serve --http 127.0.0.1:PORT`.
//!
//! Loopback only unless `--allow-remote` (which then requires a token);
//! `Host` and `Origin` are validated by rmcp's service (DNS rebinding), and a
//! browser `Origin` other than a loopback one is refused unless given with
//! `--allowed-origin`; an optional bearer token guards `/mcp`; `/health`
//! answers without it. Each MCP session gets its own read log; stateless
//! requests (protocol 2026-07-28) prove their reads with receipts.
//!
//! Under abuse ([`limits`]): connections are capped (a semaphore around
//! accept), headers and bodies must arrive in time, bodies are capped
//! ([`body`]), and sessions are capped in all and per client and closed when
//! unused or idle ([`sessions`]).

mod body;
pub mod limits;
mod sessions;

use std::{net::SocketAddr, sync::Arc};

use anyhow::{Context, Result, bail};
use axum::{
    Router,
    extract::{ConnectInfo, Request, State},
    http::{StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use hyper_util::rt::{TokioIo, TokioTimer};
use rmcp::transport::streamable_http_server::{
    StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
};
use tokio::{net::TcpListener, sync::Semaphore};
use tower_service::Service;

use msf_mcp::mcp::Server;

pub use limits::HttpLimits;

/// Browser origins always allowed: pages served from this machine.
const LOOPBACK_ORIGINS: [&str; 3] = ["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"];

/// How to serve over HTTP.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Bearer token required on `/mcp`, when set.
    pub token: Option<String>,
    /// Browser origins allowed (`Origin` header) besides loopback ones, e.g. `https://app.example.com`.
    pub allowed_origins: Vec<String>,
    /// Whether a non-loopback address may be bound.
    pub allow_remote: bool,
    /// Caps and timeouts.
    pub limits: HttpLimits,
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
    let limits = opts.limits.clone();
    let mut hosts = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    hosts.push(local.ip().to_string());
    hosts.push(local.to_string());
    hosts.push(format!("localhost:{}", local.port()));
    let mut origins: Vec<String> = LOOPBACK_ORIGINS.iter().map(|o| o.to_string()).collect();
    origins.extend(opts.allowed_origins.iter().cloned());
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts)
        .with_allowed_origins(origins)
        .with_max_request_body_bytes(limits.max_body_bytes);
    let shutdown = config.cancellation_token.clone();
    let mut manager = LocalSessionManager::default();
    manager.session_config.keep_alive = Some(limits.idle_session());
    let manager = Arc::new(manager);
    let sessions = Arc::new(sessions::Sessions::new(manager.clone(), &limits));
    sessions.spawn_reaper();
    let mcp = StreamableHttpService::new(move || Ok(server.new_session()), manager, config);
    let token = Arc::new(opts.token.clone());
    let body_limits = Arc::new(body::BodyLimits {
        max_bytes: limits.max_body_bytes,
        timeout: limits.body_timeout(),
    });
    let app = Router::new()
        .nest_service("/mcp", mcp)
        .route_layer(middleware::from_fn_with_state(sessions, sessions::track))
        .route_layer(middleware::from_fn_with_state(body_limits, body::limit))
        .route_layer(middleware::from_fn_with_state(token, bearer))
        .route("/health", get(health));
    tracing::info!(%local, "serving MCP over Streamable HTTP at /mcp");
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let http = {
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout());
        http
    };
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        // At the cap, stop accepting: new connections wait in the backlog.
        let permit = tokio::select! {
            permit = connections.clone().acquire_owned() => permit.context("connection cap closed")?,
            _ = &mut ctrl_c => break,
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut ctrl_c => break,
        };
        // Answers go out at once: without TCP_NODELAY every small response waits
        // for the client's delayed ACK (~40 ms) under Nagle's algorithm.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "cannot set TCP_NODELAY on an accepted connection");
        }
        let app = app.clone();
        let conn = http.serve_connection(
            TokioIo::new(tcp),
            hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let mut request = request.map(axum::body::Body::new);
                request.extensions_mut().insert(ConnectInfo(peer));
                app.clone().call(request)
            }),
        );
        tokio::spawn(async move {
            if let Err(e) = conn.with_upgrades().await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    shutdown.cancel();
    Ok(())
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
