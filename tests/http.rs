//! Streamable HTTP: the built binary served with `--http`, driven by rmcp's
//! HTTP client, plus raw requests for what a client must not get through.

use std::{
    io::{Read, Write},
    net::TcpStream,
    process::{Child, Command},
    time::Duration,
};

use rmcp::{
    ServiceExt,
    model::CallToolRequestParams,
    transport::{
        StreamableHttpClientTransport, streamable_http_client::StreamableHttpClientTransportConfig,
    },
};
use serde_json::json;

use crate::util::{bin, fixtures, isolate};

pub(crate) const TOKEN: &str = "test-token-0123456789";

/// The server and the address it bound (port 0 → the kernel's choice, read from its log).
pub(crate) struct Served {
    child: Child,
    pub(crate) addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn serve(token: Option<&str>) -> Served {
    serve_with(token, &[])
}

/// As [`serve`], with more `serve` flags.
fn serve_with(token: Option<&str>, flags: &[&str]) -> Served {
    let mut cmd = Command::new(bin());
    isolate(&mut cmd)
        .arg("--references")
        .arg(fixtures())
        .args(["--in-memory", "serve", "--http", "127.0.0.1:0"])
        .args(flags);
    match token {
        Some(t) => cmd.env("MSF_MCP_HTTP_TOKEN", t),
        None => cmd.env_remove("MSF_MCP_HTTP_TOKEN"),
    };
    let (child, addr) = crate::http_server::spawn(&mut cmd);
    Served { child, addr }
}

/// One raw HTTP/1.1 request; returns the status code.
fn raw(addr: &str, method: &str, path: &str, host: &str, auth: Option<&str>) -> u16 {
    let mut s = TcpStream::connect(addr).unwrap();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
    let auth = auth
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn rmcp_client_lists_and_calls_tools_over_http_with_a_token() {
    let served = serve(Some(TOKEN));
    let url = format!("http://{}/mcp", served.addr);
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url).auth_header(TOKEN),
    );
    let client = ().serve(transport).await.unwrap();
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), 14);
    let r = client
        .call_tool(
            CallToolRequestParams::new("msf_route").with_arguments(
                json!({"question": "checkpoint interval"})
                    .as_object()
                    .cloned()
                    .unwrap(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        r.structured_content.unwrap()["read_plan"][0],
        "checkpoint-tuning.md"
    );
    let r = client
        .call_tool(
            CallToolRequestParams::new("msf_read").with_arguments(
                json!({"reference": "checkpoint-tuning.md"})
                    .as_object()
                    .cloned()
                    .unwrap(),
            ),
        )
        .await
        .unwrap();
    assert!(
        r.structured_content.unwrap()["receipt"]
            .as_str()
            .unwrap()
            .len()
            > 40,
        "stateless callers get receipts"
    );
    client.cancel().await.unwrap();
}

#[test]
fn health_token_and_host_checks() {
    let served = serve(Some(TOKEN));
    let host = served.addr.clone();
    assert_eq!(raw(&served.addr, "GET", "/health", &host, None), 200);
    assert_eq!(
        raw(&served.addr, "POST", "/mcp", &host, None),
        401,
        "no token"
    );
    assert_eq!(
        raw(&served.addr, "POST", "/mcp", &host, Some("wrong")),
        401,
        "wrong token"
    );
    assert_eq!(
        raw(&served.addr, "POST", "/mcp", "evil.example", Some(TOKEN)),
        403,
        "DNS rebinding guard"
    );
}

#[test]
fn non_loopback_addresses_are_refused_unless_allowed_with_a_token() {
    let o = isolate(&mut Command::new(bin()))
        .args(["--in-memory", "serve", "--http", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a loopback address"));
    let o = isolate(&mut Command::new(bin()))
        .env_remove("MSF_MCP_HTTP_TOKEN")
        .args([
            "--in-memory",
            "serve",
            "--http",
            "0.0.0.0:0",
            "--allow-remote",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("needs a bearer token"));
}

/// Sends `head` (request line and headers, without the blank line) and
/// `body`, returns the whole response (the server closes after it).
fn exchange(addr: &str, head: &str, body: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(s, "{head}\r\nConnection: close\r\n\r\n").unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn status(response: &str) -> u16 {
    response
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    response.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// A POST of one JSON-RPC message to /mcp, with extra header lines.
fn post(addr: &str, extra: &str, body: &str) -> String {
    exchange(
        addr,
        &format!(
            "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}{extra}",
            body.len()
        ),
        body.as_bytes(),
    )
}

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#;

/// Creates a session; returns its id.
fn open_session(addr: &str) -> String {
    let r = post(addr, "", INITIALIZE);
    assert_eq!(status(&r), 200, "{r}");
    header(&r, "mcp-session-id")
        .expect("a session id")
        .to_string()
}

fn delete_session(addr: &str, id: &str) -> u16 {
    status(&exchange(
        addr,
        &format!("DELETE /mcp HTTP/1.1\r\nHost: {addr}\r\nMcp-Session-Id: {id}"),
        b"",
    ))
}

/// Origin is checked by default: loopback pages pass, other sites get 403,
/// clients that send no Origin pass; `--allowed-origin` adds one.
#[test]
fn browser_origins_other_than_loopback_are_refused_by_default() {
    let served = serve_with(None, &["--allowed-origin", "https://app.example.com"]);
    let origin = |o: &str| status(&post(&served.addr, &format!("\r\nOrigin: {o}"), INITIALIZE));
    assert_eq!(origin("https://evil.example"), 403);
    assert_eq!(origin("http://localhost.evil.example"), 403);
    assert_eq!(origin("http://localhost:3000"), 200);
    assert_eq!(origin("http://127.0.0.1:8080"), 200);
    assert_eq!(origin("http://[::1]:8080"), 200);
    assert_eq!(origin("https://app.example.com"), 200);
    assert_eq!(
        status(&post(&served.addr, "", INITIALIZE)),
        200,
        "no Origin"
    );
}

/// Slow headers and a body that never arrives are cut off; an announced
/// body over the cap is refused at once.
#[test]
fn slow_headers_and_bodies_are_cut_off_and_large_bodies_refused() {
    let served = serve_with(
        None,
        &[
            "--header-timeout-secs",
            "1",
            "--body-timeout-secs",
            "1",
            "--max-body-bytes",
            "100000",
        ],
    );
    // Headers that never end: the server closes the connection.
    let mut s = TcpStream::connect(&served.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(s, "POST /mcp HTTP/1.1\r\nHost: {}\r\n", served.addr).unwrap();
    let mut buf = Vec::new();
    let n = s.read_to_end(&mut buf);
    assert!(
        n.is_ok()
            || n.as_ref()
                .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
        "closed by the server, not by our read timeout: {n:?}"
    );
    // 10 GB announced: 413 without reading it.
    let r = exchange(
        &served.addr,
        &format!(
            "POST /mcp HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 10000000000",
            served.addr
        ),
        b"{\"jsonrpc\"",
    );
    assert_eq!(status(&r), 413, "{r}");
    // 1,000 bytes announced, 10 sent: 408 after the body timeout.
    let r = exchange(
        &served.addr,
        &format!(
            "POST /mcp HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 1000",
            served.addr
        ),
        b"{\"jsonrpc\"",
    );
    assert_eq!(status(&r), 408, "{r}");
}

/// Sessions are capped per client, a deleted one frees its place, and one
/// that never sent a request after initialize is closed.
#[test]
fn sessions_are_capped_per_client_and_unused_ones_closed() {
    let served = serve_with(
        None,
        &[
            "--max-sessions-per-client",
            "2",
            "--unused-session-secs",
            "1",
        ],
    );
    let a = open_session(&served.addr);
    let _b = open_session(&served.addr);
    let r = post(&served.addr, "", INITIALIZE);
    assert_eq!(status(&r), 429, "{r}");
    assert!(r.contains("maximum of 2 sessions"), "{r}");
    assert_eq!(delete_session(&served.addr, &a), 202);
    let c = open_session(&served.addr);
    // Unused: after the timeout (reaped every 250 ms) the session is gone.
    std::thread::sleep(Duration::from_millis(2500));
    let r = post(
        &served.addr,
        &format!("\r\nMcp-Session-Id: {c}"),
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
    );
    assert_eq!(status(&r), 404, "{r}");
    // Both places are free again.
    open_session(&served.addr);
    open_session(&served.addr);
}

/// At the connection cap, a further connection waits until one closes.
#[test]
fn connections_over_the_cap_wait_their_turn() {
    let served = serve_with(None, &["--max-connections", "1"]);
    let first = TcpStream::connect(&served.addr).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let mut second = TcpStream::connect(&served.addr).unwrap();
    write!(
        second,
        "GET /health HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        served.addr
    )
    .unwrap();
    second
        .set_read_timeout(Some(Duration::from_millis(700)))
        .unwrap();
    let mut buf = [0u8; 64];
    assert!(
        second.read(&mut buf).is_err(),
        "not served while the first holds the only slot"
    );
    drop(first);
    second
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut out = String::new();
    second.read_to_string(&mut out).unwrap();
    assert_eq!(status(&out), 200, "{out}");
}

/// Session churn: 300 sessions created and deleted; all succeed and memory
/// stays within a generous bound.
#[test]
fn session_churn_is_served_within_a_memory_bound() {
    let served = serve(None);
    for _ in 0..300 {
        let id = open_session(&served.addr);
        assert_eq!(delete_session(&served.addr, &id), 202);
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", served.child.id())).unwrap();
    let peak: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert!(peak < 200 * 1024, "peak RSS {peak} kB after 300 sessions");
}
