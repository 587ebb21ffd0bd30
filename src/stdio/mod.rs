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
//! - hands on at most [`MAX_IN_FLIGHT`] unanswered requests; requests read
//!   beyond that wait, in order, up to [`MAX_PARKED`] of them, while stdin is
//!   still read for answers and cancellations (so requests waiting on an
//!   elicitation answer never block the answer); with [`MAX_PARKED`] waiting
//!   too, stdin is not read.

pub mod inbound;
pub mod lines;

use std::{
    collections::{HashMap, VecDeque},
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

/// How many requests may wait for a slot (64) while stdin is still read for
/// the client's answers and cancellations.
pub const MAX_PARKED: usize = 64;

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

    /// A free slot, if there is one now.
    fn try_slot(&self) -> Option<OwnedSemaphorePermit> {
        self.permits.clone().try_acquire_owned().ok()
    }

    /// Holds `permit` until `id` is answered or cancelled.
    fn hold(&self, id: RequestId, permit: OwnedSemaphorePermit) {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, permit);
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
        let (lines_tx, lines_rx) = mpsc::channel(16);
        let out = Arc::new(tokio::sync::Mutex::new(write));
        let in_flight = InFlight::new(max_in_flight);
        tokio::spawn(read_lines(
            LineReader::new(read, max_line),
            max_line,
            lines_tx,
        ));
        let reader = Reader {
            lines: lines_rx,
            out: out.clone(),
            in_flight: in_flight.clone(),
            to_rmcp: tx,
            started: false,
            parked: VecDeque::new(),
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

/// The task that reads stdin: each line, classified, goes to the [`Reader`];
/// it waits (and stdin is not read) while the reader's queue is full.
async fn read_lines<R: AsyncRead + Unpin>(
    mut lines: LineReader<R>,
    max_line: usize,
    to_reader: mpsc::Sender<Inbound>,
) {
    loop {
        let line = match lines.next().await {
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
                    "a line of {len} bytes is longer than the maximum of {max_line} bytes; it was discarded"
                ),
            )),
        };
        if to_reader.send(inbound).await.is_err() {
            break;
        }
    }
}

/// What the reader does next.
enum Step {
    /// Handle what stdin brought.
    Read(Inbound),
    /// A slot is free for the first waiting request.
    Slot(OwnedSemaphorePermit),
    /// stdin is at its end.
    End,
    /// The server is going away.
    Stop,
}

/// The task that decides what rmcp gets.
struct Reader<W> {
    lines: mpsc::Receiver<Inbound>,
    out: Writer<W>,
    in_flight: InFlight,
    to_rmcp: mpsc::Sender<ClientJsonRpcMessage>,
    /// Whether rmcp has left its handshake loop (which stops the server on
    /// anything but a request): set when a request that starts a session is handed on.
    started: bool,
    /// Requests read while every slot was taken, in the order they came.
    parked: VecDeque<ClientJsonRpcMessage>,
}

impl<W: AsyncWrite + Unpin> Reader<W> {
    async fn run(mut self) {
        let mut at_end = false;
        loop {
            let step = if self.parked.is_empty() {
                if at_end {
                    break;
                }
                match self.lines.recv().await {
                    Some(inbound) => Step::Read(inbound),
                    None => Step::End,
                }
            } else {
                let room = !at_end && self.parked.len() < MAX_PARKED;
                let permits = self.in_flight.permits.clone();
                tokio::select! {
                    biased;
                    permit = permits.acquire_owned() => match permit {
                        Ok(p) => Step::Slot(p),
                        Err(_) => Step::Stop,
                    },
                    inbound = self.lines.recv(), if room => match inbound {
                        Some(inbound) => Step::Read(inbound),
                        None => Step::End,
                    },
                }
            };
            let go_on = match step {
                Step::Read(Inbound::Message(message)) => self.take(*message).await,
                Step::Read(Inbound::Reply(reply)) => answer(&self.out, &reply).await,
                Step::Read(Inbound::Drop(why)) => {
                    tracing::warn!("dropped a message without an id: {why}");
                    true
                }
                Step::Read(Inbound::Blank) => true,
                Step::Slot(permit) => match self.parked.pop_front() {
                    Some(request) => self.hand_on_request(request, permit).await,
                    None => true,
                },
                Step::End => {
                    at_end = true;
                    true
                }
                Step::Stop => false,
            };
            if !go_on {
                break;
            }
        }
    }

    /// Takes one message from stdin; false when rmcp is gone.
    async fn take(&mut self, message: ClientJsonRpcMessage) -> bool {
        match &message {
            JsonRpcMessage::Request(request) => {
                let id = &request.id;
                let waiting = self
                    .parked
                    .iter()
                    .any(|m| matches!(m, JsonRpcMessage::Request(r) if r.id == *id));
                if waiting || self.in_flight.contains(id) {
                    let reply = error_reply(
                        Some(id),
                        inbound::INVALID_REQUEST,
                        &format!("id {id} is already used by a request in flight; use a new id"),
                    );
                    return answer(&self.out, &reply).await;
                }
                let slot = if self.parked.is_empty() {
                    self.in_flight.try_slot()
                } else {
                    None
                };
                match slot {
                    Some(permit) => self.hand_on_request(message, permit).await,
                    None => {
                        self.parked.push_back(message);
                        true
                    }
                }
            }
            JsonRpcMessage::Notification(_) if !self.started => {
                tracing::warn!("dropped a notification sent before initialize");
                true
            }
            JsonRpcMessage::Response(_) | JsonRpcMessage::Error(_) if !self.started => {
                tracing::warn!("dropped a response sent before initialize");
                true
            }
            JsonRpcMessage::Notification(n) => {
                // rmcp sends no response for a cancelled request: free its
                // slot here, or forget it if it still waits for one.
                if let ClientNotification::CancelledNotification(c) = &n.notification
                    && let Some(id) = &c.params.request_id
                {
                    self.in_flight.release(id);
                    self.parked
                        .retain(|m| !matches!(m, JsonRpcMessage::Request(r) if r.id == *id));
                }
                self.to_rmcp.send(message).await.is_ok()
            }
            JsonRpcMessage::Response(_) | JsonRpcMessage::Error(_) => {
                self.to_rmcp.send(message).await.is_ok()
            }
        }
    }

    /// Hands a request on to rmcp with its slot; false when rmcp is gone.
    async fn hand_on_request(
        &mut self,
        message: ClientJsonRpcMessage,
        permit: OwnedSemaphorePermit,
    ) -> bool {
        if let JsonRpcMessage::Request(request) = &message {
            self.in_flight.hold(request.id.clone(), permit);
            self.started |= starts_session(&request.request);
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use rmcp::{
        model::{ClientJsonRpcMessage, JsonRpcMessage, ServerJsonRpcMessage},
        transport::Transport,
    };
    use serde_json::{Value, json};
    use tokio::io::{AsyncWriteExt, DuplexStream, duplex};

    use super::StdioTransport;

    const WAIT: Duration = Duration::from_secs(10);

    /// A transport with one slot, fed `lines` after an `initialize` (id 0).
    async fn one_slot(lines: &[Value]) -> (StdioTransport<DuplexStream>, DuplexStream) {
        let (mut client, server_in) = duplex(1 << 16);
        let (server_out, client_in) = duplex(1 << 16);
        let t = StdioTransport::with_limits(server_in, server_out, 1 << 20, 1);
        let initialize = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {"elicitation": {}},
            "clientInfo": {"name": "t", "version": "0"}}});
        let mut input = Vec::new();
        for v in std::iter::once(&initialize).chain(lines) {
            input.extend(serde_json::to_vec(v).unwrap());
            input.push(b'\n');
        }
        client.write_all(&input).await.unwrap();
        (t, client_in)
    }

    async fn next(t: &mut StdioTransport<DuplexStream>) -> ClientJsonRpcMessage {
        tokio::time::timeout(WAIT, t.receive())
            .await
            .expect("a message within the wait")
            .expect("the transport is open")
    }

    fn is_request(m: &ClientJsonRpcMessage, id: &str) -> bool {
        matches!(m, JsonRpcMessage::Request(r) if r.id.to_string() == id)
    }

    /// Answers request 0, which frees the only slot.
    async fn answer_initialize(t: &mut StdioTransport<DuplexStream>) {
        let done: ServerJsonRpcMessage =
            serde_json::from_value(json!({"jsonrpc": "2.0", "id": 0, "result": {}})).unwrap();
        t.send(done).await.unwrap();
    }

    /// With every slot taken by requests that wait on the client (an
    /// elicitation), the client's answer is still read and handed on; the
    /// requests read after them wait for a slot and then go on, in order.
    #[tokio::test]
    async fn answers_are_read_while_every_slot_waits() {
        let (mut t, _out) = one_slot(&[
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
            json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}),
            json!({"jsonrpc": "2.0", "id": "e1", "result": {}}),
        ])
        .await;
        let first = next(&mut t).await;
        assert!(is_request(&first, "0"), "{first:?}");
        // The only slot is held by request 0: the answer overtakes 1 and 2.
        let second = next(&mut t).await;
        assert!(matches!(&second, JsonRpcMessage::Response(_)), "{second:?}");
        answer_initialize(&mut t).await;
        let third = next(&mut t).await;
        assert!(is_request(&third, "1"), "{third:?}");
        assert!(
            tokio::time::timeout(Duration::from_millis(200), t.receive())
                .await
                .is_err(),
            "request 2 waits while 1 holds the slot"
        );
    }

    /// A cancelled request that still waits for a slot is never handed on.
    #[tokio::test]
    async fn a_waiting_request_that_is_cancelled_is_forgotten() {
        let (mut t, _out) = one_slot(&[
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
            json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                "params": {"requestId": 1}}),
            json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}),
        ])
        .await;
        let first = next(&mut t).await;
        assert!(is_request(&first, "0"), "{first:?}");
        let cancel = next(&mut t).await;
        assert!(
            matches!(&cancel, JsonRpcMessage::Notification(_)),
            "{cancel:?}"
        );
        answer_initialize(&mut t).await;
        let after = next(&mut t).await;
        assert!(is_request(&after, "2"), "{after:?}");
    }
}
