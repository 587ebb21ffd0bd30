//! The built binary over stdio: rmcp's child-process client, and raw
//! JSON-RPC lines for what a well-behaved client never sends.

use std::{process::Stdio, time::Duration};

use rmcp::{
    ServiceExt,
    model::CallToolRequestParams,
    transport::{ConfigureCommandExt, TokioChildProcess},
};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::util::{bin, fixtures, state_home};

pub(crate) fn command() -> tokio::process::Command {
    tokio::process::Command::new(bin()).configure(|cmd| {
        cmd.arg("--references")
            .arg(fixtures())
            .args(["--in-memory", "serve"]);
        cmd.env("XDG_STATE_HOME", state_home())
            .env("XDG_CONFIG_HOME", state_home().join("config"))
            .env_remove("MSF_MCP_AUDIT_KEY")
            .env("MSF_MCP_AUDIT_LOG", state_home().join("audit.jsonl"))
            .env_remove("MSF_MCP_REFERENCES")
            .env_remove("MSF_MCP_INDEX_DIR")
            .env_remove("MSF_MCP_CONFIG")
            .env_remove("MSF_MCP_MODE");
    })
}

/// With no audit key to be had (no MSF_MCP_AUDIT_KEY, no home folder), the
/// AWS tools are not served; the knowledge tools still are.
#[tokio::test]
async fn without_an_audit_key_only_the_knowledge_tools_are_served() {
    let cmd = command().configure(|cmd| {
        cmd.env_remove("HOME").env_remove("XDG_CONFIG_HOME");
    });
    let client = ().serve(TokioChildProcess::new(cmd).unwrap()).await.unwrap();
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        names,
        vec!["msf_route", "msf_search", "msf_read", "msf_refs"]
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn spawned_binary_lists_and_calls_every_tool() {
    let transport = TokioChildProcess::new(command()).unwrap();
    let client = ().serve(transport).await.unwrap();
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        names,
        vec![
            "msf_route",
            "msf_search",
            "msf_read",
            "msf_refs",
            "msf_context",
            "msf_list_applications",
            "msf_describe_application",
            "msf_logs_query",
            "msf_plan_change",
            "msf_apply_change",
            "msf_audit_log",
            "msf_metrics",
            "msf_alarms",
            "msf_diagnose",
        ]
    );
    let calls = [
        (
            "msf_route",
            json!({"question": "SHARD_GETRECORDS_MAX default"}),
        ),
        ("msf_search", json!({"query": "检查点"})),
        ("msf_read", json!({"reference": "scaling-decisions.md"})),
        ("msf_refs", json!({})),
    ];
    for (name, args) in calls {
        let r = client
            .call_tool(
                CallToolRequestParams::new(name).with_arguments(args.as_object().cloned().unwrap()),
            )
            .await
            .unwrap();
        assert_eq!(r.is_error, Some(false), "{name}");
        assert!(r.structured_content.is_some(), "{name}");
    }
    client.cancel().await.unwrap();
}

/// Reads lines until a JSON-RPC response with `id` arrives.
async fn response(lines: &mut Lines, id: i64) -> Value {
    loop {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("server answers in time")
            .unwrap()
            .expect("stdout open");
        let v: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdout carries only JSON-RPC: {e}: {line}"));
        if v["id"] == id {
            return v;
        }
    }
}

type Lines = tokio::io::Lines<BufReader<tokio::process::ChildStdout>>;

/// Spawns the server with raw pipes and sends `initialize`; returns the
/// child, its stdin, its stdout lines and the `initialize` response.
async fn spawn_raw() -> (
    tokio::process::Child,
    tokio::process::ChildStdin,
    Lines,
    Value,
) {
    let mut child = command()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    stdin
        .write_all(
            format!(
                "{}\n",
                json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "raw", "version": "0"}}})
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let init = response(&mut lines, 1).await;
    (child, stdin, lines, init)
}

#[tokio::test]
async fn malformed_lines_do_not_stop_the_server() {
    let (mut child, mut stdin, mut lines, init) = spawn_raw().await;
    let send = |v: Value| format!("{v}\n");
    assert_eq!(init["result"]["serverInfo"]["name"], "msf-mcp");
    stdin
        .write_all(
            send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).as_bytes(),
        )
        .await
        .unwrap();
    stdin.write_all(b"{this is not json\n").await.unwrap();
    stdin.write_all(b"[1, 2, 3]\n").await.unwrap();
    stdin
        .write_all(send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "msf_nope", "arguments": {}}})).as_bytes())
        .await
        .unwrap();
    let unknown = response(&mut lines, 2).await;
    assert!(
        unknown["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown tool"),
        "{unknown}"
    );
    stdin
        .write_all(send(json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list"})).as_bytes())
        .await
        .unwrap();
    let list = response(&mut lines, 3).await;
    assert_eq!(list["result"]["tools"].as_array().unwrap().len(), 14);
    drop(stdin);
    exits_cleanly(&mut child).await;
}

/// rmcp 3.11: the server names itself and its version, and a method it does
/// not advertise (a capability it lacks, or no method at all) gets a JSON-RPC
/// "method not found" error; the session goes on.
#[tokio::test]
async fn unadvertised_methods_get_a_clean_error() {
    let (mut child, mut stdin, mut lines, init) = spawn_raw().await;
    let send = |v: Value| format!("{v}\n");
    assert_eq!(init["result"]["serverInfo"]["name"], "msf-mcp");
    assert_eq!(
        init["result"]["serverInfo"]["version"],
        env!("CARGO_PKG_VERSION")
    );
    let caps = &init["result"]["capabilities"];
    assert!(caps["resources"]["subscribe"].is_null(), "{caps}");
    stdin
        .write_all(
            send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).as_bytes(),
        )
        .await
        .unwrap();
    let asks = [
        (2, "resources/subscribe", json!({"uri": "msf://facts"})),
        (3, "msf/no-such-method", json!({})),
    ];
    for (id, method, params) in asks {
        stdin
            .write_all(
                send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
                    .as_bytes(),
            )
            .await
            .unwrap();
        let r = response(&mut lines, id).await;
        assert_eq!(r["error"]["code"], -32601, "{method}: {r}");
        assert!(r["result"].is_null(), "{method}: {r}");
    }
    stdin
        .write_all(send(json!({"jsonrpc": "2.0", "id": 4, "method": "ping"})).as_bytes())
        .await
        .unwrap();
    let pong = response(&mut lines, 4).await;
    assert!(pong["error"].is_null(), "{pong}");
    drop(stdin);
    exits_cleanly(&mut child).await;
}

/// When the client closes its end of stdout, the server stops instead of
/// answering into a broken pipe for ever.
#[tokio::test]
async fn the_server_stops_when_its_stdout_is_closed() {
    let (mut child, mut stdin, lines, _) = spawn_raw().await;
    let send = |v: Value| format!("{v}\n");
    drop(lines);
    for id in 2..5 {
        let _ = stdin
            .write_all(send(json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"})).as_bytes())
            .await;
    }
    exits_cleanly(&mut child).await;
}

/// An audit log that cannot be trusted (records, but its head file is gone)
/// keeps the AWS tools off; the references are still served.
#[tokio::test]
async fn an_untrustworthy_audit_log_turns_the_aws_tools_off_not_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let key = "stdio-test-audit-key-of-32-bytes-or-more";
    let audit = msf_mcp::sandbox::audit::Audit::open(&log, key.as_bytes()).unwrap();
    audit
        .append(
            msf_mcp::sandbox::audit::Entry {
                kind: "attempt".into(),
                tool: "t".into(),
                decision: "allow".into(),
                ..Default::default()
            },
            true,
        )
        .unwrap();
    drop(audit);
    std::fs::remove_file(dir.path().join("audit.jsonl.head")).unwrap();
    let cmd = command().configure(|cmd| {
        cmd.env("MSF_MCP_AUDIT_LOG", &log)
            .env("MSF_MCP_AUDIT_KEY", key);
    });
    let client = ().serve(TokioChildProcess::new(cmd).unwrap()).await.unwrap();
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        names,
        vec!["msf_route", "msf_search", "msf_read", "msf_refs"]
    );
    client.cancel().await.unwrap();
}

/// Spawns the server with raw pipes and nothing sent yet.
fn spawn_bare() -> (tokio::process::Child, tokio::process::ChildStdin, Lines) {
    let mut child = command()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, stdin, lines)
}

fn initialize(id: i64) -> Vec<u8> {
    format!(
        "{}\n",
        json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"}}})
    )
    .into_bytes()
}

/// A notification or a response before `initialize` is dropped (rmcp alone
/// stopped the server with exit code 2); the `initialize` after it is answered.
#[tokio::test]
async fn a_notification_or_a_response_before_initialize_is_dropped() {
    let (mut child, mut stdin, mut lines) = spawn_bare();
    stdin
        .write_all(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n")
        .await
        .unwrap();
    stdin
        .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{}}\n")
        .await
        .unwrap();
    stdin.write_all(&initialize(1)).await.unwrap();
    let init = response(&mut lines, 1).await;
    assert_eq!(init["result"]["serverInfo"]["name"], "msf-mcp", "{init}");
    drop(stdin);
    exits_cleanly(&mut child).await;
}

/// The abuse test: every malformed line gets a JSON-RPC error with the
/// right code and id (a 16 MiB + 1 line included), and the server still serves.
#[tokio::test]
async fn every_malformed_line_is_answered_with_the_right_code_and_id() {
    tokio::time::timeout(Duration::from_secs(60), async {
        let (mut child, mut stdin, mut lines) = spawn_bare();
        stdin.write_all(&initialize(0)).await.unwrap();
        response(&mut lines, 0).await;
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let oversized = vec![b'x'; msf_mcp::stdio::MAX_LINE_BYTES + 1];
        // (line, expected code, expected id)
        let cases: Vec<(Vec<u8>, i64, Value)> = vec![
            (br#"{"jsonrpc":"2.0","id":1,"method":"ping"}{"jsonrpc":"2.0","id":2,"method":"ping"}"#.to_vec(), -32700, Value::Null),
            (br#"{"jsonrpc":"2.0","id":1e999,"method":"ping"}"#.to_vec(), -32700, Value::Null),
            (deep.into_bytes(), -32700, Value::Null),
            (b"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"\xff\xfe\"}".to_vec(), -32700, Value::Null),
            (b"{this is not json".to_vec(), -32700, Value::Null),
            (oversized, -32700, Value::Null),
            (b"[1, 2, 3]".to_vec(), -32600, Value::Null),
            (br#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#.to_vec(), -32600, Value::Null),
            (br#"{"jsonrpc":"1.0","id":4,"method":"ping"}"#.to_vec(), -32600, json!(4)),
            (br#"{"jsonrpc":"2.0","id":"five","method":7}"#.to_vec(), -32600, json!("five")),
            (br#"{"jsonrpc":"2.0","id":6}"#.to_vec(), -32600, json!(6)),
            (br#"{"jsonrpc":"2.0","id":7,"method":"resources/read","params":{"uri":5}}"#.to_vec(), -32602, json!(7)),
            (br#"{"jsonrpc":"2.0","id":8,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"x"}}}"#.to_vec(), -32602, json!(8)),
            (br#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"arguments":{}}}"#.to_vec(), -32602, json!(9)),
        ];
        let expected: Vec<(i64, Value)> = cases.iter().map(|(_, c, id)| (*c, id.clone())).collect();
        let writer = tokio::spawn(async move {
            for (line, _, _) in cases {
                stdin.write_all(&line).await.unwrap();
                stdin.write_all(b"\n").await.unwrap();
            }
            stdin
                .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":\"end\",\"method\":\"tools/list\"}\n")
                .await
                .unwrap();
            stdin
        });
        let mut got = Vec::new();
        let end = loop {
            let line = lines.next_line().await.unwrap().expect("stdout open");
            let v: Value = serde_json::from_str(&line).unwrap();
            if v["id"] == "end" {
                break v;
            }
            assert!(v.as_object().unwrap().contains_key("id"), "{v}");
            got.push((v["error"]["code"].as_i64().unwrap_or(0), v["id"].clone()));
        };
        assert_eq!(got, expected, "one reply per malformed line, in order");
        assert_eq!(end["result"]["tools"].as_array().unwrap().len(), 14);
        drop(writer.await.unwrap());
        assert!(child.wait().await.unwrap().success());
    })
    .await
    .expect("the abuse test finished within a minute");
}

/// Peak resident memory of a process, in kB.
fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

/// How many `msf_search` calls the backpressure test pipelines (the debug build
/// answers a few hundred per second; the report gives the release figure for 20,000).
const PIPELINED: i64 = 3_000;
/// Peak RSS allowed while they are pipelined (without backpressure the peak grows
/// with the number queued: ~1 GB for 20,000 in release).
const PIPELINED_PEAK_RSS_KB: u64 = 150 * 1024;

/// Thousands of pipelined calls: every one answered, and memory stays bounded
/// because the server stops reading while 64 are in flight.
#[tokio::test]
async fn pipelined_calls_are_all_answered_within_a_memory_bound() {
    tokio::time::timeout(Duration::from_secs(60), async {
        let (mut child, mut stdin, mut lines) = spawn_bare();
        stdin.write_all(&initialize(0)).await.unwrap();
        response(&mut lines, 0).await;
        let pid = child.id().unwrap();
        let writer = tokio::spawn(async move {
            let mut batch = Vec::new();
            for id in 1..=PIPELINED {
                batch.extend_from_slice(
                    format!(
                        "{}\n",
                        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
                            "name": "msf_search", "arguments": {"query": "checkpoint interval"}}})
                    )
                    .as_bytes(),
                );
                if id % 500 == 0 {
                    stdin.write_all(&batch).await.unwrap();
                    batch.clear();
                }
            }
            stdin.write_all(&batch).await.unwrap();
            stdin
        });
        let mut answered = std::collections::HashSet::new();
        while answered.len() < PIPELINED as usize {
            let line = lines.next_line().await.unwrap().expect("stdout open");
            let v: Value = serde_json::from_str(&line).unwrap();
            assert_eq!(v["result"]["isError"], false, "{v}");
            answered.insert(v["id"].as_i64().unwrap());
        }
        let peak = peak_rss_kb(pid);
        assert!(
            peak < PIPELINED_PEAK_RSS_KB,
            "peak RSS {peak} kB under {PIPELINED} pipelined calls"
        );
        drop(writer.await.unwrap());
        assert!(child.wait().await.unwrap().success());
    })
    .await
    .expect("the pipelining test finished within a minute");
}

/// Waits (20 s at most) for the server to exit, and asserts it exited 0.
async fn exits_cleanly(child: &mut tokio::process::Child) {
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("the server stopped within 20 s")
        .unwrap();
    assert!(status.success(), "the server exits cleanly: {status}");
}
