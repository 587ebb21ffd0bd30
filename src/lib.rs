//! msf-mcp: an MCP server that makes AI assistants expert and safe on Amazon
//! Managed Service for Apache Flink (MSF).
//!
//! # A tour of the layout
//!
//! The tree is in layers; each uses only the layers below it, and
//! `tests/layers.rs` fails on an upward dependency or a cycle between
//! top-level modules.
//!
//! 1. **Front doors.** Three ways in, all calling the same [`App`]:
//!    - [`mcp`]: the rmcp server (tools, prompts, resources, completions,
//!      client logging), and [`stdio`], its transport over stdin/stdout
//!      (bounded lines, an error reply for every bad line, at most
//!      [`stdio::MAX_IN_FLIGHT`] requests in flight and [`stdio::MAX_PARKED`]
//!      waiting, while answers and cancellations are still read);
//!    - in the binary (`src/main.rs`): `cli/`, the CLI twin of every tool,
//!      one file per command family (`args.rs`: the grammar; `knowledge.rs`:
//!      route, search, read, refs, facts, index; `aws.rs`: apps, logs, plan,
//!      apply, audit; `signals.rs`: metrics, alarms, diagnose; `refs.rs`:
//!      `refs --check` and `facts`; `doctor.rs`; `eval.rs`; `term.rs`: what a
//!      person reads on a terminal), and `http/`, MCP over Streamable HTTP
//!      with its limits and sessions;
//!    - `edge.rs` (binary): what the doors share at start: the policy file,
//!      the keys, the audit log's place, the sandbox built from them.
//!
//!    The doors stay top-level folders side by side rather than under one
//!    `doors/`: two of them (`cli`, `http`) belong to the binary crate and two
//!    (`mcp`, `stdio`) to the library, and `msf_mcp::mcp` is the path the
//!    tests and the benchmark drive.
//! 2. **The application.** [`app`]: [`App`], the one API the doors call
//!    (routing, search, read, the references list); [`render`] and [`view`]:
//!    the text renderings of tool results and of live signals; [`eval`]:
//!    routing and retrieval metrics over a question set.
//! 3. **The sandbox.** [`sandbox`]: the only way to AWS: reads, plans (build,
//!    seal, check), changes, [`sandbox::policy`], the HMAC-chained
//!    [`sandbox::audit`] log, and the signals (metrics, alarms, diagnosis).
//! 4. **Knowledge.** [`route`]: which references answer a question;
//!    [`workflow`]: read receipts, the session's reads and the gates changes
//!    must pass; [`facts`]: the canonical facts table and its contradictions;
//!    [`index`]: the tantivy index, its analyzer and on-disk persistence;
//!    [`corpus`]: the markdown references parsed into sections with their
//!    `Sources:`, and `refs --check`.
//! 5. **The contract and configuration.** [`api`]: the tools' inputs and
//!    outputs (both doors serialize exactly these); [`config`]: where the
//!    references and the index come from.
//! 6. **Errors.** [`error`]: the library's one error type, and
//!    [`error::aws`], AWS failures sorted into what the caller can act on.
//!
//! Dependencies point down: doors → `app` → `sandbox` → knowledge →
//! `api`/`config` → `error`.

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
pub mod view;
pub mod workflow;

pub use app::App;
pub use error::{Error, Result};
