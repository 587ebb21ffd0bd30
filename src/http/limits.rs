//! The limits that keep the HTTP front door standing under abuse: each a
//! flag with a documented default (also in the README).

use std::time::Duration;

/// Connections served at once; further ones wait in the listen backlog.
pub const MAX_CONNECTIONS: usize = 256;
/// Live MCP sessions in all.
pub const MAX_SESSIONS: usize = 1000;
/// Live MCP sessions per client IP address.
pub const MAX_SESSIONS_PER_CLIENT: usize = 64;
/// Seconds a session may live without a request after `initialize`.
pub const UNUSED_SESSION_SECS: u64 = 30;
/// Seconds a session may stay idle once it has been used.
pub const IDLE_SESSION_SECS: u64 = 300;
/// Seconds to receive a request's headers.
pub const HEADER_TIMEOUT_SECS: u64 = 10;
/// Seconds to receive a request's body.
pub const BODY_TIMEOUT_SECS: u64 = 10;
/// Largest request body, in bytes (4 MiB).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// `serve --http` limits (flags).
#[derive(Debug, Clone, clap::Args)]
pub struct HttpLimits {
    /// Connections served at once (HTTP).
    #[arg(long, value_name = "N", default_value_t = MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Live MCP sessions in all (HTTP).
    #[arg(long, value_name = "N", default_value_t = MAX_SESSIONS)]
    pub max_sessions: usize,
    /// Live MCP sessions per client IP address (HTTP).
    #[arg(long, value_name = "N", default_value_t = MAX_SESSIONS_PER_CLIENT)]
    pub max_sessions_per_client: usize,
    /// Seconds before a session that sent no request after initialize is closed (HTTP).
    #[arg(long, value_name = "SECS", default_value_t = UNUSED_SESSION_SECS)]
    pub unused_session_secs: u64,
    /// Seconds before an idle session is closed (HTTP).
    #[arg(long, value_name = "SECS", default_value_t = IDLE_SESSION_SECS)]
    pub idle_session_secs: u64,
    /// Seconds to receive a request's headers before the connection is closed (HTTP).
    #[arg(long, value_name = "SECS", default_value_t = HEADER_TIMEOUT_SECS)]
    pub header_timeout_secs: u64,
    /// Seconds to receive a request's body before it is refused with 408 (HTTP).
    #[arg(long, value_name = "SECS", default_value_t = BODY_TIMEOUT_SECS)]
    pub body_timeout_secs: u64,
    /// Largest request body in bytes; a larger one is refused with 413 (HTTP).
    #[arg(long, value_name = "BYTES", default_value_t = MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
}

impl HttpLimits {
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_secs)
    }
    pub fn body_timeout(&self) -> Duration {
        Duration::from_secs(self.body_timeout_secs)
    }
    pub fn unused_session(&self) -> Duration {
        Duration::from_secs(self.unused_session_secs)
    }
    pub fn idle_session(&self) -> Duration {
        Duration::from_secs(self.idle_session_secs)
    }
}
