//! Caps on MCP sessions over HTTP: in all, per client IP address, and how
//! long one may live unused (no request after `initialize`) or idle. A
//! session over its time is closed through rmcp's session manager, which
//! drops its handle and so frees its memory (rmcp itself leaves the handle of
//! a session whose worker timed out in its table).

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use rmcp::transport::streamable_http_server::session::{
    SessionManager, local::LocalSessionManager,
};

use super::body::{CarriesRequest, Initialize};

const SESSION_HEADER: &str = "mcp-session-id";

/// One live session.
#[derive(Debug)]
struct Entry {
    client: IpAddr,
    /// Whether a request other than `initialize` came.
    used: bool,
    last_seen: Instant,
}

/// The session table and its caps.
#[derive(Debug)]
pub struct Sessions {
    manager: Arc<LocalSessionManager>,
    max_total: usize,
    max_per_client: usize,
    unused: Duration,
    idle: Duration,
    /// A std mutex: held for map updates only, never across an `.await`.
    table: Mutex<HashMap<String, Entry>>,
}

impl Sessions {
    pub fn new(manager: Arc<LocalSessionManager>, limits: &super::limits::HttpLimits) -> Sessions {
        Sessions {
            manager,
            max_total: limits.max_sessions,
            max_per_client: limits.max_sessions_per_client,
            unused: limits.unused_session(),
            idle: limits.idle_session(),
            table: Mutex::default(),
        }
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Why a new session for `client` is refused, if it is.
    fn refusal(&self, client: IpAddr) -> Option<(StatusCode, String)> {
        let table = self.table();
        if table.len() >= self.max_total {
            return Some((
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the server holds its maximum of {} sessions; retry later (idle sessions close after {} s)\n",
                    self.max_total,
                    self.idle.as_secs()
                ),
            ));
        }
        let mine = table.values().filter(|e| e.client == client).count();
        (mine >= self.max_per_client).then(|| {
            (
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "this client holds its maximum of {} sessions; end one (DELETE /mcp with its Mcp-Session-Id) first\n",
                    self.max_per_client
                ),
            )
        })
    }

    /// Closes sessions unused or idle past their time; returns how many.
    pub async fn reap(&self) -> usize {
        let expired: Vec<String> = {
            let mut table = self.table();
            let now = Instant::now();
            let expired: Vec<String> = table
                .iter()
                .filter(|(_, e)| {
                    let limit = if e.used { self.idle } else { self.unused };
                    now.duration_since(e.last_seen) > limit
                })
                .map(|(id, _)| id.clone())
                .collect();
            for id in &expired {
                table.remove(id);
            }
            expired
        };
        for id in &expired {
            if let Err(e) = self.manager.close_session(&id.as_str().into()).await {
                tracing::warn!(session = %id, error = %e, "cannot close an expired session");
            }
        }
        expired.len()
    }

    /// Reaps every `period` until the process ends.
    pub fn spawn_reaper(self: &Arc<Self>) {
        let period = (self.unused.min(self.idle) / 4).max(Duration::from_millis(250));
        let sessions = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            loop {
                tick.tick().await;
                let Some(sessions) = sessions.upgrade() else {
                    return;
                };
                let n = sessions.reap().await;
                if n > 0 {
                    tracing::info!(closed = n, "closed unused or idle sessions");
                }
            }
        });
    }
}

/// Enforces the caps on requests to `/mcp` and keeps the table current.
pub async fn track(
    State(sessions): State<Arc<Sessions>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let id = request
        .headers()
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let method = request.method().clone();
    match (&id, &method) {
        (None, &Method::POST) => {
            let opens = request.extensions().get::<Initialize>().is_some();
            if opens && let Some((status, why)) = sessions.refusal(peer.ip()) {
                return (status, why).into_response();
            }
            let response = next.run(request).await;
            if let Some(new) = response
                .headers()
                .get(SESSION_HEADER)
                .and_then(|v| v.to_str().ok())
            {
                sessions.table().insert(
                    new.to_owned(),
                    Entry {
                        client: peer.ip(),
                        used: false,
                        last_seen: Instant::now(),
                    },
                );
            }
            response
        }
        (Some(id), &Method::DELETE) => {
            let response = next.run(request).await;
            sessions.table().remove(id);
            response
        }
        (Some(id), _) => {
            let used = request.extensions().get::<CarriesRequest>().is_some();
            if let Some(entry) = sessions.table().get_mut(id) {
                entry.used |= used;
                entry.last_seen = Instant::now();
            }
            next.run(request).await
        }
        (None, _) => next.run(request).await,
    }
}
