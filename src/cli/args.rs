//! The command line's grammar (clap): the commands, their options, and the
//! global options that say where the references and the index come from.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use msf_mcp::config::{IndexDir, KnowledgeConfig, default_index_dir};

/// msf-mcp: Amazon Managed Service for Apache Flink expertise for AI assistants (MCP over stdio) and for the shell.
#[derive(Debug, Parser)]
#[command(name = "msf-mcp", version = env!("MSF_MCP_LONG_VERSION"), about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub source: Source,
    #[command(subcommand)]
    pub command: Command,
}

/// Help heading of the options every subcommand takes.
const GLOBAL: &str = "Global options";

/// Where the knowledge comes from, and the policy file: options every
/// subcommand takes, listed under their own heading in each help.
#[derive(Debug, Args)]
pub struct Source {
    /// Folder of markdown references that replaces the embedded corpus.
    #[arg(long, global = true, env = "MSF_MCP_REFERENCES", value_name = "DIR", help_heading = GLOBAL)]
    pub references: Option<PathBuf>,
    /// Folder for the search index [default: ./index in a checkout, else the user cache folder].
    #[arg(long, global = true, env = "MSF_MCP_INDEX_DIR", value_name = "DIR", help_heading = GLOBAL)]
    pub index_dir: Option<PathBuf>,
    /// Keep the index in memory only.
    #[arg(long, global = true, conflicts_with = "index_dir", help_heading = GLOBAL)]
    pub in_memory: bool,
    /// Policy file for the AWS tools (msf-mcp.toml) [default: read-only, nothing may change].
    #[arg(long, global = true, env = "MSF_MCP_CONFIG", value_name = "FILE", help_heading = GLOBAL)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve MCP over stdio (Claude Code, Kiro, Cursor, VS Code...), or Streamable HTTP with --http.
    Serve {
        /// Serve Streamable HTTP on this address (e.g. 127.0.0.1:8765) at /mcp instead of stdio.
        #[arg(long, value_name = "ADDR")]
        http: Option<std::net::SocketAddr>,
        /// Allow a non-loopback --http address (requires MSF_MCP_HTTP_TOKEN).
        #[arg(long, requires = "http")]
        allow_remote: bool,
        /// Browser origin allowed to call /mcp besides loopback ones (repeatable), e.g. https://app.example.com.
        #[arg(long = "allowed-origin", requires = "http")]
        allowed_origins: Vec<String>,
        /// Caps and timeouts of the HTTP front door.
        #[command(flatten)]
        limits: crate::http::HttpLimits,
    },
    /// Which references answer a question (msf_route). Use `-` to read the question from stdin.
    Route {
        /// The question, task or error message.
        #[arg(required = true)]
        question: Vec<String>,
        /// How many references (default 5, at most 10).
        #[arg(long)]
        max_refs: Option<usize>,
        /// The application's runtime, e.g. FLINK-1_20: prefer sections about it.
        #[arg(long)]
        runtime: Option<String>,
        /// Print the tool's JSON result.
        #[arg(long)]
        json: bool,
    },
    /// Search reference sections (msf_search). Use `-` to read the query from stdin.
    Search {
        /// Words, identifiers or error text.
        #[arg(required = true)]
        query: Vec<String>,
        /// Most hits (default 8, at most 25).
        #[arg(long)]
        limit: Option<usize>,
        /// Only this reference.
        #[arg(long)]
        reference: Option<String>,
        /// Snippet length (default 240).
        #[arg(long)]
        snippet_chars: Option<usize>,
        /// The application's runtime, e.g. FLINK-1_20: prefer sections about it.
        #[arg(long)]
        runtime: Option<String>,
        /// Print the tool's JSON result.
        #[arg(long)]
        json: bool,
    },
    /// Read a reference or one section (msf_read).
    Read {
        /// Reference file name, e.g. checkpoint-tuning.md.
        reference: String,
        /// Section anchor or heading.
        section: Option<String>,
        /// Character offset to continue from.
        #[arg(long)]
        offset: Option<usize>,
        /// Most characters (default 24000, at most 60000).
        #[arg(long)]
        max_chars: Option<usize>,
        /// Print the tool's JSON result.
        #[arg(long)]
        json: bool,
    },
    /// List the references (msf_refs), or check them with --check.
    Refs {
        /// Check the references (front matter, links, anchors, Sources paragraphs, `verified`, contradictions with facts.toml); exit 1 on errors.
        #[arg(long)]
        check: bool,
        /// With --check: errors listed in this file (`rule subject` a line) are pending, not failing; a line that matches no error fails.
        #[arg(long, value_name = "FILE", requires = "check")]
        baseline: Option<PathBuf>,
        /// With --check: write every current error to FILE as a baseline (when a new rule is introduced).
        #[arg(long, value_name = "FILE", requires = "check")]
        write_baseline: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The canonical facts table: runtimes, connector releases per runtime, KPU shape, quotas, limits, prices, metrics, each with its sources.
    Facts {
        /// Print the table as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Build (when stale) and report the search index.
    Index {
        /// Rebuild even when the index is current.
        #[arg(long)]
        force: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// MSF applications (read-only): list, describe.
    Apps {
        #[command(subcommand)]
        command: AppsCommand,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// CloudWatch Logs of an application (read-only).
    Logs {
        #[command(subcommand)]
        command: LogsCommand,
    },
    /// CloudWatch metrics of an application by preset, a sparkline per series (read-only).
    Metrics {
        /// Application name.
        application: String,
        /// health, checkpoints, resources, throughput, lag, backpressure or kpus.
        #[arg(long, default_value = "health")]
        preset: String,
        /// Look-back: 3h (default), 90m, 2d; at most 14d.
        #[arg(long)]
        window: Option<String>,
        #[command(flatten)]
        aws: AwsArgs,
        /// Print the tool's structured result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// An application's CloudWatch alarms beside the recommended ones (read-only).
    Alarms {
        /// Application name.
        application: String,
        #[command(flatten)]
        aws: AwsArgs,
        /// Print the tool's structured result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Diagnose an application from describe, metrics and logs (read-only).
    Diagnose {
        /// Application name.
        application: String,
        /// Narrow to one symptom: restarts, checkpoints, slow, memory or updates.
        #[arg(long)]
        symptom: Option<String>,
        /// Look-back: 3h (default), 90m, 2d; at most 14d.
        #[arg(long)]
        window: Option<String>,
        #[command(flatten)]
        aws: AwsArgs,
        /// Print the tool's structured result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Plan a change (no side effect); prints the sealed plan.
    Plan {
        /// Application name.
        application: String,
        /// The change as JSON, e.g. '{"kind":"stop"}' or '{"kind":"update_parallelism","parallelism":8}'.
        #[arg(long)]
        change: String,
        /// Receipts from `msf-mcp read --json` (repeatable).
        #[arg(long = "receipt")]
        receipts: Vec<String>,
        #[command(flatten)]
        aws: AwsArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Apply a sealed plan after you confirm on this terminal by typing the application name.
    Apply {
        /// The sealed plan (from msf_plan_change or `msf-mcp plan`).
        #[arg(long)]
        plan: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The audit log: verify its chain, or show its tail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Check configuration, policy, references, index, audit log, AWS identity and region.
    Doctor {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Measure route recall@3, set recall@5 and fact hit@5 on question sets (JSONL files or folders of them).
    Eval {
        /// Tuning sets: files of one JSON question a line, or folders of such files.
        #[arg(required = true, num_args = 1..)]
        files: Vec<PathBuf>,
        /// A held-out set (never tuned on), reported on its own line (repeatable).
        #[arg(long = "held-out", value_name = "FILE")]
        held_out: Vec<PathBuf>,
        /// A second assessor's labels of the held-out questions (one `{"id", "primary", "also"}` a line):
        /// each held-out set is also scored against them, on its own line and pooled apart.
        #[arg(long = "second-labels", value_name = "FILE")]
        second_labels: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Per-call AWS options (each limited by the policy's allow-lists).
#[derive(Debug, Args, Clone, Default)]
pub struct AwsArgs {
    /// AWS region [default: AWS_REGION or the profile's region].
    #[arg(long, global = true, help_heading = "AWS options")]
    pub region: Option<String>,
    /// AWS profile [default: AWS_PROFILE or the default profile].
    #[arg(long, global = true, help_heading = "AWS options")]
    pub profile: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// List applications.
    List {
        /// Only names starting with this.
        #[arg(long)]
        prefix: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Describe one application.
    Describe {
        /// Application name.
        application: String,
        /// Also fetch snapshots and operations.
        #[arg(long)]
        all: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum LogsCommand {
    /// Run a Logs Insights query (or a preset) on an application's log group.
    Query {
        /// Application whose log group to query.
        #[arg(long)]
        application: Option<String>,
        /// Log group instead of an application's.
        #[arg(long)]
        log_group: Option<String>,
        /// errors, exceptions, first_fault, checkpoint_failures, out_of_memory, backpressure.
        #[arg(long)]
        preset: Option<String>,
        /// A Logs Insights query.
        #[arg(long)]
        query: Option<String>,
        /// Start: -1h (default), -15m, -2d, unix seconds or RFC 3339.
        #[arg(long, allow_hyphen_values = true)]
        start: Option<String>,
        /// End: now (default), or as --start.
        #[arg(long, allow_hyphen_values = true)]
        end: Option<String>,
        /// Most rows.
        #[arg(long)]
        limit: Option<u32>,
        #[command(flatten)]
        aws: AwsArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; exit 1 naming the first bad record.
    Verify {
        /// The log [default: the configured audit log].
        file: Option<PathBuf>,
    },
    /// Show the last records.
    Tail {
        /// How many.
        #[arg(short = 'n', long, default_value_t = 20)]
        lines: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

impl Source {
    /// Resolves flags (and environment) into the knowledge configuration.
    pub fn config(&self) -> Result<KnowledgeConfig> {
        let index_dir = if self.in_memory {
            IndexDir::Memory
        } else if let Some(dir) = &self.index_dir {
            IndexDir::Path(dir.clone())
        } else {
            let cwd = std::env::current_dir().context("cannot read the current directory")?;
            default_index_dir(&cwd, cache_home().as_deref())
        };
        // The receipt key comes only from the environment, never the command
        // line, where other users could read it in the process list.
        let receipt_key = Some(crate::edge::key()?);
        Ok(KnowledgeConfig {
            references: self.references.clone(),
            index_dir,
            receipt_key,
        })
    }
}

/// The per-user cache folder: `$XDG_CACHE_HOME`, else `~/Library/Caches` on
/// macOS, else `~/.cache`.
fn cache_home() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
        return Some(PathBuf::from(x));
    }
    let home = PathBuf::from(std::env::var_os("HOME").filter(|h| !h.is_empty())?);
    if cfg!(target_os = "macos") {
        Some(home.join("Library").join("Caches"))
    } else {
        Some(home.join(".cache"))
    }
}
