//! msf-mcp: an MCP server that makes AI assistants expert on Amazon Managed
//! Service for Apache Flink (MSF).
//!
//! # Layout
//! - [`corpus`]: markdown references (embedded or from a folder) parsed into
//!   documents with front matter and heading-delimited sections, each with its
//!   `Sources:` links; `refs --check` and its baseline.
//! - [`facts`]: the canonical facts table (`references/facts.toml`) and the
//!   contradictions between it and the references.
//! - [`index`]: the tantivy index over sections, its identifier- and CJK-aware
//!   analyzer, and its atomic on-disk persistence.
//! - [`route`]: which references answer a question.
//! - [`api`]: the tools' inputs and outputs (the contract).
//! - [`app`]: [`App`], the one API that both front doors call.
//! - [`mcp`]: the rmcp server over stdio; [`render`]: text renderings; [`view`]: views of live signals.
//! - [`stdio`]: the stdio transport: bounded lines, an error reply for every
//!   bad line, at most [`stdio::MAX_IN_FLIGHT`] requests in flight.
//! - [`eval`]: routing and retrieval metrics over a question set.
//! - [`workflow`]: read receipts, the session's reads, and the gates changes must pass.
//! - [`config`]: where references and the index come from.
//!
//! Dependencies point down: `mcp`/`cli` → `app` → `route` → `index` → `corpus`.

pub mod api;
pub mod app;
pub mod config;
pub mod corpus;
pub mod error;
pub mod eval;
pub mod facts;
pub mod index;
pub mod mcp;
pub mod render;
pub mod route;
pub mod sandbox;
pub mod stdio;
pub mod term;
pub mod view;
pub mod workflow;

pub use app::App;
pub use error::{Error, Result};
