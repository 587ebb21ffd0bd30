//! The single integration test binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod audit;
mod change_path;
mod cli;
mod http;
mod http_server;
mod layers;
mod logging;
mod mcp;
mod provenance;
mod references;
mod sandbox;
mod signals;
mod stdio;
mod util;
mod workflow;
