//! The MCP stdio transport: a thin line reader in front of rmcp.
//!
//! rmcp's own stdio transport reads lines without bound, answers nothing for
//! a line it cannot parse, stops the server when a notification or response
//! comes before `initialize`, and reads ahead without limit (20,000
//! pipelined calls grow RSS past a gigabyte). This transport, handed to
//! rmcp's `serve` in its place:
//! - reads lines of at most [`MAX_LINE_BYTES`] in bounded chunks;
//! - answers every line it cannot hand on with a JSON-RPC error ([`inbound`]);
//! - drops (with a log line on stderr) notifications and responses that come
//!   before the session starts;
//! - stops reading stdin while [`MAX_IN_FLIGHT`] requests are unanswered.

pub mod inbound;
pub mod lines;

use std::{
    collections::HashMap,
    io,
    sync::{Arc, Mutex, PoisonError},
};

use rmcp::{
    RoleServer,
    model::{
        ClientJsonRpcMessage, ClientNotification, ClientRequest, GetMeta, JsonRpcMessage,
        ProtocolVersion, RequestId, ServerJsonRpcMessage,
    },
    transport::Transport,
};
use serde_json::Value;
use tokio::{
    io::{AsyncRead, AsyncWrite, AsyncWriteExt},
    sync::{OwnedSemaphorePermit, Semaphore, mpsc},
};

use inbound::{Inbound, PARSE_ERROR, classify, error_reply};
use lines::{Line, LineReader};

/// The longest input line accepted (16 MiB). A longer line is read in
/// chunks and discarded up to its newline, then answered with a parse error.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// How many requests may be unanswered at once (64). While this many are in
/// flight, stdin is not read: a client that pipelines thousands of calls
/// waits on its pipe instead of the server buffering them all.
pub const MAX_IN_FLIGHT: usize = 64;

type Writer<W> = Arc<tokio::sync::Mutex<W>>;

/// Requests handed to rmcp and not yet answered, each holding a permit.
#[derive(Debug, Clone)]
struct InFlight {
    permits: Arc<Semaphore>,
    /// A std mutex: held for a map lookup only, never across an `.await`.
    pending: Arc<Mutex<HashMap<RequestId, OwnedSemaphorePermit>>>,
}

impl InFlight {
    fn new(max: usize) -> InFlight {
        InFlight {
            permits: Arc::new(Semaphore::new(max)),
            pending: Arc::default(),
        }
    }

    fn contains(&self, id: &RequestId) -> bool {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(id)
    }

    /// Waits for a free slot (this is where reading stops), then holds it for `id`.
    async fn hold(&self, id: RequestId) -> bool {
        let Ok(permit) = self.permits.clone().acquire_owned().await else {
            return false;
        };
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, permit);
        true
    }

    fn release(&self, id: &RequestId) {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }
}

/// The transport rmcp serves on; see the module documentation.
#[derive(Debug)]
pub struct StdioTransport<W> {
    inbound: mpsc::Receiver<ClientJsonRpcMessage>,
    out: Writer<W>,
    in_flight: InFlight,
}

impl<W: AsyncWrite + Unpin + Send + 'static> StdioTransport<W> {
    /// Reads `read` on a task of its own, writes answers to `write`.
    pub fn new<R>(read: R, write: W) -> StdioTransport<W>
    where
        R: AsyncRead + Unpin + Send + 'static,
    {
        StdioTransport::with_limits(read, write, MAX_LINE_BYTES, MAX_IN_FLIGHT)
    }

    /// As [`StdioTransport::new`] with other limits (for tests).
    pub fn with_limits<R>(read: R, write: W, max_line: usize, max_in_flight: usize) -> Self
    where
        R: AsyncRead + Unpin + Send + 'static,
    {
        let (tx, rx) = mpsc::channel(16);
        let out = Arc::new(tokio::sync::Mutex::new(write));
        let in_flight = InFlight::new(max_in_flight);
        let reader = Reader {
            lines: LineReader::new(read, max_line),
            max_line,
            out: out.clone(),
            in_flight: in_flight.clone(),
            to_rmcp: tx,
            started: false,
        };
        tokio::spawn(reader.run());
        StdioTransport {
            inbound: rx,
            out,
            in_flight,
        }
    }
}

impl<W: AsyncWrite + Unpin + Send + 'static> Transport<RoleServer> for StdioTransport<W> {
    type Error = io::Error;

    fn send(
        &mut self,
        item: ServerJsonRpcMessage,
    ) -> impl Future<Output = Result<(), io::Error>> + Send + 'static {
        let out = self.out.clone();
        let in_flight = self.in_flight.clone();
        async move {
            let answered = match &item {
                JsonRpcMessage::Response(r) => Some(r.id.clone()),
                JsonRpcMessage::Error(e) => e.id.clone(),
                _ => None,
            };
            let line = serde_json::to_value(&item).map_err(io::Error::other)?;
            let written = write_line(&out, &line).await;
            if let Some(id) = answered {
                in_flight.release(&id);
            }
            written
        }
    }

    fn receive(&mut self) -> impl Future<Output = Option<ClientJsonRpcMessage>> + Send {
        self.inbound.recv()
    }

    async fn close(&mut self) -> Result<(), io::Error> {
        self.inbound.close();
        Ok(())
    }
}

/// Writes an error reply; false when stdout is gone.
async fn answer<W: AsyncWrite + Unpin>(out: &Writer<W>, reply: &Value) -> bool {
    match write_line(out, reply).await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "cannot write to stdout; stopping");
            false
        }
    }
}

async fn write_line<W: AsyncWrite + Unpin>(out: &Writer<W>, value: &Value) -> io::Result<()> {
    let mut line = serde_json::to_vec(value).map_err(io::Error::other)?;
    line.push(b'\n');
    let mut out = out.lock().await;
    out.write_all(&line).await?;
    out.flush().await
}

/// The task that reads stdin and decides what rmcp gets.
struct Reader<R, W> {
    lines: LineReader<R>,
    max_line: usize,
    out: Writer<W>,
    in_flight: InFlight,
    to_rmcp: mpsc::Sender<ClientJsonRpcMessage>,
    /// Whether rmcp has left its handshake loop (which stops the server on
    /// anything but a request): set when a request that starts a session is handed on.
    started: bool,
}

impl<R, W> Reader<R, W>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    async fn run(mut self) {
        loop {
            let line = match self.lines.next().await {
                Ok(Some(line)) => line,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read stdin; stopping");
                    break;
                }
            };
            let inbound = match line {
                Line::Complete(bytes) => classify(&bytes),
                Line::TooLong { len } => Inbound::Reply(error_reply(
                    None,
                    PARSE_ERROR,
                    &format!(
                        "a line of {len} bytes is longer than the maximum of {} bytes; it was discarded",
                        self.max_line
                    ),
                )),
            };
            let handed_on = match inbound {
                Inbound::Message(message) => self.hand_on(*message).await,
                Inbound::Reply(reply) => answer(&self.out, &reply).await,
                Inbound::Drop(why) => {
                    tracing::warn!("dropped a message without an id: {why}");
                    true
                }
                Inbound::Blank => true,
            };
            if !handed_on {
                break;
            }
        }
    }

    /// Hands one message to rmcp; false when rmcp is gone.
    async fn hand_on(&mut self, message: ClientJsonRpcMessage) -> bool {
        match &message {
            JsonRpcMessage::Request(request) => {
                if self.in_flight.contains(&request.id) {
                    let reply = error_reply(
                        Some(&request.id),
                        inbound::INVALID_REQUEST,
                        &format!(
                            "id {} is already used by a request in flight; use a new id",
                            request.id
                        ),
                    );
                    return answer(&self.out, &reply).await;
                }
                if !self.in_flight.hold(request.id.clone()).await {
                    return false;
                }
                self.started |= starts_session(&request.request);
            }
            JsonRpcMessage::Notification(_) if !self.started => {
                tracing::warn!("dropped a notification sent before initialize");
                return true;
            }
            JsonRpcMessage::Response(_) | JsonRpcMessage::Error(_) if !self.started => {
                tracing::warn!("dropped a response sent before initialize");
                return true;
            }
            JsonRpcMessage::Notification(n) => {
                // rmcp sends no response for a cancelled request: free its slot here.
                if let ClientNotification::CancelledNotification(c) = &n.notification
                    && let Some(id) = &c.params.request_id
                {
                    self.in_flight.release(id);
                }
            }
            JsonRpcMessage::Response(_) | JsonRpcMessage::Error(_) => {}
        }
        self.to_rmcp.send(message).await.is_ok()
    }
}

/// Whether rmcp leaves its handshake loop on this request: `initialize`, or a
/// request of the stateless protocol with its metadata complete.
fn starts_session(request: &ClientRequest) -> bool {
    match request {
        ClientRequest::InitializeRequest(_) => true,
        ClientRequest::PingRequest(_) | ClientRequest::DiscoverRequest(_) => false,
        other => {
            let meta = other.get_meta();
            meta.protocol_version().is_some()
                && meta
                    .missing_required_keys(&ProtocolVersion::V_2026_07_28)
                    .is_empty()
        }
    }
}
