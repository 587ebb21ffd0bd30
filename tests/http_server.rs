//! Starting `msf-mcp serve --http 127.0.0.1:0` and learning where it
//! listens; shared by the HTTP tests and the benchmark (`benches/bench.rs`
//! includes this file).

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

/// Spawns `cmd` (the binary, given `serve --http 127.0.0.1:0` and its flags)
/// with info logs on stderr, reads stderr until the server says where it
/// listens, then keeps draining it on a thread so the server never blocks
/// on a full pipe. Returns the child and the address.
pub fn spawn(cmd: &mut Command) -> (Child, String) {
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
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}
