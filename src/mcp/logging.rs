//! `logging/setLevel` and `notifications/message`: our own tracing events at
//! or above the level a session asked for go to that session's client, while
//! stderr logging goes on as before.
//!
//! - Routing: an event inside a session's span (every tool call and resource
//!   read runs in one) goes to that session only; an event outside any
//!   session (loading the references, the audit log) goes to every session
//!   that asked for logs. A session that never sends `logging/setLevel` gets
//!   nothing.
//! - Secrets never leave: only events of this crate are forwarded (not the
//!   HTTP, TLS or AWS SDK libraries, whose debug output can carry headers);
//!   a field whose name says token, key, secret, password, credential or
//!   authorization is dropped whole; the values of `MSF_MCP_HTTP_TOKEN` and
//!   `MSF_MCP_AUDIT_KEY`, `Bearer ...` and AWS access key ids are replaced by
//!   `<redacted>` wherever they appear. Our code logs none of these today;
//!   this is the net under it.
//!
//! Logging is deprecated by SEP-2577 (rmcp marks its types so); 2025-11-25
//! clients still use it, hence the `allow(deprecated)` here.
#![allow(deprecated)]

use std::sync::{
    Arc, Mutex, OnceLock,
    atomic::{AtomicU8, AtomicU64, Ordering},
};

use rmcp::{
    Peer, RoleServer,
    model::{LoggingLevel, LoggingMessageNotificationParam},
};
use tokio::sync::mpsc;
use tracing::{Event, Level, Subscriber, field::Field, span};
use tracing_subscriber::{Layer, layer::Context, registry::LookupSpan};

/// The tracing target prefix of this crate: nothing else is forwarded.
const OUR_TARGET: &str = "msf_mcp";
/// The span field that names a session.
const SESSION_FIELD: &str = "mcp_session";
/// "No level set": the session gets nothing.
const OFF: u8 = u8::MAX;

/// One session's client log: its id, the level it asked for, and (once it
/// asked) the channel its forwarding task reads.
#[derive(Debug, Clone)]
pub struct ClientLog {
    id: u64,
    level: Arc<AtomicU8>,
    started: Arc<OnceLock<()>>,
}

impl Default for ClientLog {
    fn default() -> ClientLog {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        ClientLog {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            level: Arc::new(AtomicU8::new(OFF)),
            started: Arc::new(OnceLock::new()),
        }
    }
}

/// Where the layer sends a session's messages.
struct Sink {
    session: u64,
    level: Arc<AtomicU8>,
    tx: mpsc::UnboundedSender<LoggingMessageNotificationParam>,
}

fn sinks() -> &'static Mutex<Vec<Sink>> {
    static SINKS: OnceLock<Mutex<Vec<Sink>>> = OnceLock::new();
    SINKS.get_or_init(|| Mutex::new(Vec::new()))
}

fn rank(level: LoggingLevel) -> u8 {
    match level {
        LoggingLevel::Debug => 0,
        LoggingLevel::Info => 1,
        LoggingLevel::Notice => 2,
        LoggingLevel::Warning => 3,
        LoggingLevel::Error => 4,
        LoggingLevel::Critical => 5,
        LoggingLevel::Alert => 6,
        LoggingLevel::Emergency => 7,
    }
}

/// The MCP level of a tracing level (TRACE is sent as debug).
fn mcp_level(level: &Level) -> LoggingLevel {
    match *level {
        Level::ERROR => LoggingLevel::Error,
        Level::WARN => LoggingLevel::Warning,
        Level::INFO => LoggingLevel::Info,
        _ => LoggingLevel::Debug,
    }
}

impl ClientLog {
    /// The span a session's work runs in, so its events reach it alone.
    pub fn span(&self) -> tracing::Span {
        tracing::debug_span!("mcp", mcp_session = self.id)
    }

    /// `logging/setLevel`: from now on, events at or above `level` go to
    /// `peer`. The first call starts the forwarding task, which ends when
    /// the client is gone.
    pub fn set_level(&self, level: LoggingLevel, peer: Peer<RoleServer>) {
        self.level.store(rank(level), Ordering::Relaxed);
        if self.started.set(()).is_err() {
            return;
        }
        let (tx, mut rx) = mpsc::unbounded_channel();
        if let Ok(mut all) = sinks().lock() {
            all.retain(|s| !s.tx.is_closed());
            all.push(Sink {
                session: self.id,
                level: Arc::clone(&self.level),
                tx,
            });
        }
        tokio::spawn(async move {
            while let Some(message) = rx.recv().await {
                if peer.notify_logging_message(message).await.is_err() {
                    break;
                }
            }
        });
    }
}

/// The tracing layer that feeds [`ClientLog`]s. Install it beside the
/// stderr layer; it costs one uncontended lock per event of this crate.
pub struct ClientLogLayer {
    secrets: Vec<String>,
}

impl ClientLogLayer {
    /// A layer that redacts the HTTP token and audit key of this process.
    pub fn new() -> ClientLogLayer {
        let secrets = ["MSF_MCP_HTTP_TOKEN", "MSF_MCP_AUDIT_KEY"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .filter(|s| s.len() >= 4)
            .collect();
        ClientLogLayer { secrets }
    }

    /// `text` with every secret we know of replaced.
    fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            out = out.replace(s.as_str(), "<redacted>");
        }
        redact_patterns(&out)
    }
}

impl Default for ClientLogLayer {
    fn default() -> ClientLogLayer {
        ClientLogLayer::new()
    }
}

/// Replaces `Bearer <token>` and AWS access key ids (`AKIA…`, `ASIA…`).
fn redact_patterns(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut words = text.split(' ').peekable();
    let mut first = true;
    while let Some(w) = words.next() {
        if !first {
            out.push(' ');
        }
        first = false;
        if w.eq_ignore_ascii_case("bearer") && words.peek().is_some() {
            out.push_str(w);
            out.push_str(" <redacted>");
            words.next();
            continue;
        }
        out.push_str(&redact_key_ids(w));
    }
    out
}

fn redact_key_ids(word: &str) -> String {
    let bytes = word.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &word[i..];
        let is_id = (rest.starts_with("AKIA") || rest.starts_with("ASIA"))
            && rest.len() >= 20
            && rest.as_bytes()[4..20]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if is_id {
            out.push_str("<redacted>");
            i += 20;
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Whether a field's name says it holds a secret.
fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "token",
        "key",
        "secret",
        "password",
        "credential",
        "authorization",
    ]
    .iter()
    .any(|s| n.contains(s))
}

/// The session id stored on a session span.
struct SessionId(u64);

#[derive(Default)]
struct Fields {
    message: Option<String>,
    rest: Vec<(String, String)>,
    session: Option<u64>,
}

impl tracing::field::Visit for Fields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == SESSION_FIELD {
            self.session = Some(value);
        } else {
            self.record_debug(field, &value);
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.push(field, value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.push(field, format!("{value:?}"));
    }
}

impl Fields {
    fn push(&mut self, field: &Field, value: String) {
        match field.name() {
            "message" => self.message = Some(value),
            name if secret_name(name) => {}
            name => self.rest.push((name.to_string(), value)),
        }
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for ClientLogLayer {
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let (Some(session), Some(span)) = (fields.session, ctx.span(id)) {
            span.extensions_mut().insert(SessionId(session));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        if !meta.target().starts_with(OUR_TARGET) {
            return;
        }
        let level = mcp_level(meta.level());
        let Ok(mut all) = sinks().lock() else {
            return;
        };
        all.retain(|s| !s.tx.is_closed());
        let wanted = rank(level);
        if all.iter().all(|s| s.level.load(Ordering::Relaxed) > wanted) {
            return;
        }
        let session = ctx.event_scope(event).and_then(|scope| {
            scope
                .from_root()
                .find_map(|span| span.extensions().get::<SessionId>().map(|s| s.0))
        });
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut data = serde_json::Map::new();
        data.insert(
            "message".into(),
            self.scrub(fields.message.as_deref().unwrap_or_default())
                .into(),
        );
        for (name, value) in &fields.rest {
            data.insert(name.clone(), self.scrub(value).into());
        }
        let mut message =
            LoggingMessageNotificationParam::new(level, serde_json::Value::Object(data));
        message.logger = Some(meta.target().to_string());
        for sink in all.iter() {
            let to_this = session.is_none_or(|s| s == sink.session);
            if to_this && sink.level.load(Ordering::Relaxed) <= wanted {
                let _ = sink.tx.send(message.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_and_key_ids_are_redacted() {
        let layer = ClientLogLayer {
            secrets: vec!["s3cr3t-token".into()],
        };
        let out = layer.scrub(
            "auth Bearer abc.def failed for s3cr3t-token with AKIAABCDEFGHIJKLMNOP, key=ASIA0123456789ABCDEF.",
        );
        assert_eq!(
            out,
            "auth Bearer <redacted> failed for <redacted> with <redacted>, key=<redacted>."
        );
    }

    #[test]
    fn secret_field_names_are_recognised() {
        for n in [
            "token",
            "audit_key",
            "AWS_SECRET",
            "password",
            "credentials",
            "Authorization",
        ] {
            assert!(secret_name(n), "{n}");
        }
        for n in ["error", "tool", "path", "application"] {
            assert!(!secret_name(n), "{n}");
        }
    }
}
