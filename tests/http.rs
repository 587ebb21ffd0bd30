//! Streamable HTTP: the built binary served with `--http`, driven by rmcp's
//! HTTP client, plus raw requests for what a client must not get through.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::{Child, Command, Stdio},
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
    let mut cmd = Command::new(bin());
    isolate(&mut cmd).arg("--references").arg(fixtures()).args([
        "--in-memory",
        "serve",
        "--http",
        "127.0.0.1:0",
    ]);
    match token {
        Some(t) => cmd.env("MSF_MCP_HTTP_TOKEN", t),
        None => cmd.env_remove("MSF_MCP_HTTP_TOKEN"),
    };
    let mut child = cmd
        .env("RUST_LOG", "msf_mcp=info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("server logs where it listens").unwrap();
        if let Some(rest) = line.split("local=").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
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
