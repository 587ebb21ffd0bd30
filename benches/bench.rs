#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // A benchmark harness: failing loudly is the point.
//! Benchmarks (not tests: nothing here asserts a time). Run with `scripts/bench`.
//!
//! Measures, on the release build:
//! - spawn → initialize answered (cold process, warm index);
//! - tools/call round trips over stdio for msf_search and msf_route, p50 and p99;
//! - in-process search and route;
//! - index build (memory, disk) and index open;
//! - RSS after start and after 10,000 calls;
//! - pipelined calls per second over stdio;
//! - the initialize time of a Python MCP server from PyPI, for the ratio (when scripts/bench installed it).

use std::{
    io::{BufRead, BufReader, Write},
    path::Path,
    process::{Child, ChildStdin, ChildStdout, Command, Stdio},
    time::{Duration, Instant},
};

#[path = "../tests/http_server.rs"]
mod http_server;

use msf_mcp::{
    App,
    api::{RouteArgs, SearchArgs},
    config::{IndexDir, KnowledgeConfig},
    corpus::Corpus,
    index::SearchIndex,
};
use serde_json::{Value, json};

fn pct(mut xs: Vec<Duration>, q: f64) -> Duration {
    xs.sort();
    xs[((xs.len() - 1) as f64 * q).round() as usize]
}

fn fmt(d: Duration) -> String {
    if d < Duration::from_millis(1) {
        format!("{:.1} µs", d.as_secs_f64() * 1e6)
    } else {
        format!("{:.2} ms", d.as_secs_f64() * 1e3)
    }
}

struct Proc {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

fn spawn(cmd: &mut Command) -> Proc {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    Proc {
        child,
        stdin,
        stdout,
    }
}

impl Proc {
    fn send(&mut self, v: &Value) {
        writeln!(self.stdin, "{v}").unwrap();
        self.stdin.flush().unwrap();
    }
    fn recv(&mut self, id: i64) -> Value {
        loop {
            let mut line = String::new();
            if self.stdout.read_line(&mut line).unwrap() == 0 {
                panic!("server closed stdout");
            }
            let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            if v["id"] == id {
                return v;
            }
        }
    }
    fn rss_kb(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|n| n.parse().ok())
            })
            .unwrap_or(0)
    }
}

fn init() -> Value {
    json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}})
}

fn ours() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_msf-mcp"));
    c.arg("serve").env(
        "MSF_MCP_AUDIT_LOG",
        std::env::temp_dir().join("msf-bench-audit.jsonl"),
    );
    c
}

fn initialize_times(mut make: impl FnMut() -> Command, n: usize) -> Vec<Duration> {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            let mut p = spawn(&mut make());
            p.send(&init());
            let r = p.recv(0);
            let d = t.elapsed();
            assert!(r.get("result").is_some(), "{r}");
            drop(p.stdin);
            let _ = p.child.wait();
            d
        })
        .collect()
}

fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|l| l.split_whitespace().next())
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// One HTTP/1.1 client on a keep-alive connection. Headers and body go out in
/// two writes, as many clients send them; like hyper, reqwest and Node's http,
/// the client sets TCP_NODELAY on its own socket (without it, the client's
/// Nagle holds the body until the server's delayed ACK: a stall no server can
/// remove). The server's own TCP_NODELAY is what removes the stall on its
/// side (response head and body in separate writes).
struct HttpClient {
    addr: String,
    write: std::net::TcpStream,
    read: BufReader<std::net::TcpStream>,
    session: Option<String>,
}

impl HttpClient {
    fn connect(addr: &str) -> HttpClient {
        let s = std::net::TcpStream::connect(addr).unwrap();
        s.set_nodelay(true).unwrap();
        HttpClient {
            addr: addr.to_string(),
            write: s.try_clone().unwrap(),
            read: BufReader::new(s),
            session: None,
        }
    }

    /// POSTs one message to /mcp; returns the status and body.
    fn post(&mut self, body: &Value) -> (u16, String) {
        let body = body.to_string();
        let session = self
            .session
            .as_ref()
            .map(|s| format!("Mcp-Session-Id: {s}\r\n"))
            .unwrap_or_default();
        write!(
            self.write,
            "POST /mcp HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n{session}Content-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        )
        .unwrap();
        self.write.write_all(body.as_bytes()).unwrap();
        let mut status = String::new();
        self.read.read_line(&mut status).unwrap();
        let code = status.split_whitespace().nth(1).unwrap().parse().unwrap();
        let (mut length, mut chunked) = (0usize, false);
        loop {
            let mut h = String::new();
            self.read.read_line(&mut h).unwrap();
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let (k, v) = h.split_once(':').unwrap();
            let (k, v) = (k.to_ascii_lowercase(), v.trim());
            match k.as_str() {
                "content-length" => length = v.parse().unwrap(),
                "transfer-encoding" => chunked = v.eq_ignore_ascii_case("chunked"),
                "mcp-session-id" => self.session = Some(v.to_string()),
                _ => {}
            }
        }
        let mut out = Vec::new();
        if chunked {
            loop {
                let mut size = String::new();
                self.read.read_line(&mut size).unwrap();
                let size = usize::from_str_radix(size.trim(), 16).unwrap();
                let mut chunk = vec![0; size + 2];
                std::io::Read::read_exact(&mut self.read, &mut chunk).unwrap();
                if size == 0 {
                    break;
                }
                out.extend_from_slice(&chunk[..size]);
            }
        } else {
            out.resize(length, 0);
            std::io::Read::read_exact(&mut self.read, &mut out).unwrap();
        }
        (code, String::from_utf8_lossy(&out).into_owned())
    }
}

/// Streamable HTTP: 20 clients, each with its own session, calling msf_search.
fn http_rows() {
    let (mut child, addr) = http_server::spawn(
        Command::new(env!("CARGO_BIN_EXE_msf-mcp"))
            .args(["serve", "--http", "127.0.0.1:0"])
            .env_remove("MSF_MCP_HTTP_TOKEN")
            .env(
                "MSF_MCP_AUDIT_LOG",
                std::env::temp_dir().join("msf-bench-audit.jsonl"),
            ),
    );
    let (clients, per_client) = (20, 500);
    let t = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut c = HttpClient::connect(&addr);
                assert_eq!(c.post(&init()).0, 200);
                c.post(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
                (0..per_client)
                    .map(|i| {
                        let t = Instant::now();
                        let (code, body) = c.post(&call(
                            i,
                            "msf_search",
                            json!({"query": "checkpoint interval ParallelismPerKPU", "limit": 8}),
                        ));
                        assert!(code == 200 && body.contains("\"result\""), "{code} {body}");
                        t.elapsed()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let times: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let elapsed = t.elapsed();
    println!(
        "| msf_search over HTTP, {clients} clients (n={}) | p50 {}, p99 {}, {:.0} calls/s |",
        times.len(),
        fmt(pct(times.clone(), 0.5)),
        fmt(pct(times.clone(), 0.99)),
        times.len() as f64 / elapsed.as_secs_f64()
    );
    let _ = child.kill();
    let _ = child.wait();
}

fn call(id: i64, tool: &str, args: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": tool, "arguments": args}})
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(root).unwrap();
    println!("| measure | result |\n|---|---|");

    // Warm the persisted index once.
    let _ = Command::new(env!("CARGO_BIN_EXE_msf-mcp"))
        .arg("index")
        .output();

    let t = initialize_times(ours, 30);
    println!(
        "| spawn → initialize answered (n=30) | p50 {}, p99 {} |",
        fmt(pct(t.clone(), 0.5)),
        fmt(pct(t, 0.99))
    );

    let mut p = spawn(&mut ours());
    p.send(&init());
    p.recv(0);
    p.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    // The first call waits for the references to load.
    p.send(&call(1, "msf_refs", json!({})));
    p.recv(1);
    let rss_start = p.rss_kb();
    let mut id = 10;
    for (tool, args) in [
        (
            "msf_search",
            json!({"query": "checkpoint interval ParallelismPerKPU", "limit": 8}),
        ),
        (
            "msf_route",
            json!({"question": "checkpoints take longer than the interval and the job restarts"}),
        ),
    ] {
        let mut times = Vec::new();
        for _ in 0..2_000 {
            id += 1;
            let t = Instant::now();
            p.send(&call(id, tool, args.clone()));
            p.recv(id);
            times.push(t.elapsed());
        }
        println!(
            "| {tool} over stdio (n=2000) | p50 {}, p99 {} |",
            fmt(pct(times.clone(), 0.5)),
            fmt(pct(times, 0.99))
        );
    }
    for i in 0..6_000 {
        id += 1;
        let tool = if i % 2 == 0 {
            "msf_search"
        } else {
            "msf_route"
        };
        let args = if i % 2 == 0 {
            json!({"query": format!("kpu {i}")})
        } else {
            json!({"question": format!("scaling {i}")})
        };
        p.send(&call(id, tool, args));
        p.recv(id);
    }
    println!(
        "| RSS after start / after 10,000 calls | {:.1} MB / {:.1} MB |",
        rss_start as f64 / 1024.0,
        p.rss_kb() as f64 / 1024.0
    );

    // Pipelined: write all requests, then read all answers (the server reads
    // on only while fewer than 64 are in flight, so memory stays flat).
    let pid = p.child.id();
    let n = 20_000;
    let t = Instant::now();
    let writer_input: Vec<String> = (0..n)
        .map(|i| {
            call(
                100_000 + i,
                "msf_search",
                json!({"query": "checkpoint", "limit": 3}),
            )
            .to_string()
        })
        .collect();
    let mut stdin = p.stdin;
    let writer = std::thread::spawn(move || {
        for line in writer_input {
            writeln!(stdin, "{line}").unwrap();
        }
        stdin.flush().unwrap();
        stdin
    });
    let mut got = 0;
    while got < n {
        let mut line = String::new();
        p.stdout.read_line(&mut line).unwrap();
        if line.contains("\"id\":1") {
            got += 1;
        }
    }
    let elapsed = t.elapsed();
    let peak = peak_rss_kb(pid);
    drop(writer.join().unwrap());
    let _ = p.child.wait();
    println!(
        "| pipelined msf_search over stdio | {:.0} calls/s ({n} calls in {}), peak RSS {:.1} MB |",
        n as f64 / elapsed.as_secs_f64(),
        fmt(elapsed),
        peak as f64 / 1024.0
    );

    http_rows();

    // In process.
    let config = KnowledgeConfig {
        references: None,
        index_dir: IndexDir::Path(root.join("index")),
        receipt_key: Some(vec![1; 32]),
    };
    let app = App::load(&config).unwrap();
    for (name, f) in [
        (
            "search in process (n=10000)",
            Box::new(|| {
                app.search(&SearchArgs {
                    query: "checkpoint interval ParallelismPerKPU".into(),
                    limit: Some(8),
                    ..Default::default()
                })
                .unwrap();
            }) as Box<dyn Fn()>,
        ),
        (
            "route in process (n=10000)",
            Box::new(|| {
                app.route(
                    &RouteArgs {
                        question: "checkpoints take longer than the interval".into(),
                        max_refs: None,
                        runtime: None,
                    },
                    None,
                )
                .unwrap();
            }),
        ),
    ] {
        let times: Vec<Duration> = (0..10_000)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect();
        println!(
            "| {name} | p50 {}, p99 {} |",
            fmt(pct(times.clone(), 0.5)),
            fmt(pct(times, 0.99))
        );
    }
    let corpus = Corpus::embedded();
    let t = Instant::now();
    let _ = SearchIndex::open_or_build(&corpus, None).unwrap();
    println!("| index build in memory | {} |", fmt(t.elapsed()));
    let dir = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let _ = SearchIndex::open_or_build(&corpus, Some(dir.path())).unwrap();
    println!("| index build on disk | {} |", fmt(t.elapsed()));
    let t = Instant::now();
    let _ = SearchIndex::open_or_build(&corpus, Some(dir.path())).unwrap();
    println!("| index open (persisted, current) | {} |", fmt(t.elapsed()));
    let t = Instant::now();
    let parsed = Corpus::embedded();
    let elapsed = t.elapsed();
    let refs = parsed.docs().len();
    let sections: usize = parsed.docs().iter().map(|d| d.sections.len()).sum();
    println!(
        "| corpus parse ({refs} references, {sections} sections) | {} |",
        fmt(elapsed)
    );

    // A Python MCP server from PyPI, for the ratio.
    let py = root.join(".venv-bench/bin/awslabs.aws-documentation-mcp-server");
    if py.exists() {
        let t = initialize_times(
            || {
                let mut c = Command::new(&py);
                c.env("FASTMCP_LOG_LEVEL", "ERROR");
                c
            },
            5,
        );
        let ours_p50 = pct(initialize_times(ours, 5), 0.5);
        let theirs = pct(t, 0.5);
        println!(
            "| awslabs.aws-documentation-mcp-server initialize (n=5) | p50 {} ({:.0}× ours) |",
            fmt(theirs),
            theirs.as_secs_f64() / ours_p50.as_secs_f64()
        );
    } else {
        println!("| Python peer | not installed: scripts/bench installs it into .venv-bench |");
    }
}
