//! Command line: clap definitions and the CLI twins of the MCP tools.
//! Each command parses, calls [`App`], and prints either the text rendering
//! or (with `--json`) exactly the tool's structured result.

mod aws;
mod doctor;
mod refs;
mod term;

use std::{
    io::{self, Read, Write},
    path::PathBuf,
};

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use msf_mcp::{
    App,
    api::{ReadArgs, RouteArgs, SearchArgs},
    config::{IndexDir, KnowledgeConfig, default_index_dir},
    corpus::Corpus,
    eval,
    index::{Location, SearchIndex},
    render,
};

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

/// Outcome of a command that ran: exit 0, or 1 for a negative result (check failed).
pub enum Outcome {
    Ok,
    Failed,
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

/// Runs a non-serve command.
pub fn run(cli: &Cli) -> Result<Outcome> {
    let config = cli.source.config()?;
    match &cli.command {
        Command::Serve { .. } => anyhow::bail!("serve runs in main"),
        Command::Doctor { json } => doctor::run(cli, &config, *json),
        Command::Apps { .. }
        | Command::Logs { .. }
        | Command::Metrics { .. }
        | Command::Alarms { .. }
        | Command::Diagnose { .. }
        | Command::Plan { .. }
        | Command::Apply { .. }
        | Command::Audit { .. } => aws::run(cli, &config),
        Command::Route {
            question,
            max_refs,
            runtime,
            json,
        } => {
            let app = load(&config)?;
            let args = RouteArgs {
                question: text_arg(question)?,
                max_refs: *max_refs,
                runtime: runtime.clone(),
            };
            let out = app.route(&args, None)?;
            print(*json, &out, render::route)
        }
        Command::Search {
            query,
            limit,
            reference,
            snippet_chars,
            runtime,
            json,
        } => {
            let app = load(&config)?;
            let args = SearchArgs {
                query: text_arg(query)?,
                limit: *limit,
                reference: reference.clone(),
                snippet_chars: *snippet_chars,
                runtime: runtime.clone(),
            };
            let out = app.search(&args)?;
            print(*json, &out, render::search)
        }
        Command::Read {
            reference,
            section,
            offset,
            max_chars,
            json,
        } => {
            let app = load(&config)?;
            let args = ReadArgs {
                reference: reference.clone(),
                section: section.clone(),
                offset: *offset,
                max_chars: *max_chars,
            };
            let out = app.read(&args)?;
            print(*json, &out, render::read)
        }
        Command::Refs {
            check,
            baseline,
            write_baseline,
            json,
        } => {
            if *check {
                let corpus = load_corpus(&config)?;
                return refs::check(
                    &corpus,
                    baseline.as_deref(),
                    write_baseline.as_deref(),
                    *json,
                );
            }
            let app = load(&config)?;
            print(*json, &app.refs(), render::refs)
        }
        Command::Facts { json } => refs::show(&load_corpus(&config)?, *json),
        Command::Index { force, json } => index(&config, *force, *json),
        Command::Eval {
            files,
            held_out,
            json,
        } => {
            let mut sets = Vec::new();
            for f in files {
                sets.push(eval::load_set(f, false)?);
            }
            for f in held_out {
                sets.push(eval::load_set(f, true)?);
            }
            let app = load(&config)?;
            let mut reports = Vec::new();
            for set in sets {
                reports.push(eval::SetReport {
                    report: eval::run(&app, &set.questions)?,
                    name: set.name,
                    held_out: set.held_out,
                });
            }
            match (reports.as_slice(), *json) {
                ([one], true) => emit(&serde_json::to_string_pretty(&one.report)?)?,
                ([one], false) => emit(&eval::render(&one.report))?,
                (_, true) => emit(&serde_json::to_string_pretty(&reports)?)?,
                (_, false) => emit(&eval::render_sets(&reports))?,
            }
            Ok(Outcome::Ok)
        }
    }
}

/// Loads corpus and index for the knowledge commands.
pub fn load(config: &KnowledgeConfig) -> Result<App> {
    App::load(config).context("cannot load the references")
}

fn load_corpus(config: &KnowledgeConfig) -> Result<Corpus> {
    Ok(match &config.references {
        Some(dir) => Corpus::from_dir(dir)?,
        None => Corpus::embedded(),
    })
}

#[derive(Serialize)]
struct IndexReport {
    corpus: String,
    corpus_digest: String,
    references: usize,
    sections: usize,
    location: String,
    persisted: bool,
    built_ms: Option<u128>,
}

fn index(config: &KnowledgeConfig, force: bool, json: bool) -> Result<Outcome> {
    let corpus = load_corpus(config)?;
    let index = match (&config.index_dir, force) {
        (IndexDir::Path(dir), true) => SearchIndex::rebuild(&corpus, dir)?,
        (IndexDir::Path(dir), false) => SearchIndex::open_or_build(&corpus, Some(dir))?,
        (IndexDir::Memory, _) => SearchIndex::open_or_build(&corpus, None)?,
    };
    let (location, persisted, built_ms) = match index.location() {
        Location::Disk { path, built_ms } => (path.display().to_string(), true, *built_ms),
        Location::Ram { reason, built_ms } => {
            (format!("memory ({reason})"), false, Some(*built_ms))
        }
    };
    let report = IndexReport {
        corpus: corpus.origin().to_string(),
        corpus_digest: corpus.digest().to_string(),
        references: corpus.docs().len(),
        sections: index.sections(),
        location,
        persisted,
        built_ms,
    };
    if json {
        emit(&serde_json::to_string_pretty(&report)?)?;
    } else {
        emit(&format!(
            "index: {}\ncorpus: {} ({} references, {} sections, digest {})\n{}\n",
            report.location,
            report.corpus,
            report.references,
            report.sections,
            report.corpus_digest.get(..16).unwrap_or_default(),
            match report.built_ms {
                Some(ms) => format!("built in {ms} ms"),
                None => "current; opened without rebuilding".to_string(),
            }
        ))?;
    }
    Ok(Outcome::Ok)
}

/// Joins positional words; a lone `-` reads stdin (for pasted stack traces).
fn text_arg(words: &[String]) -> Result<String> {
    if words.len() == 1 && words.first().is_some_and(|w| w == "-") {
        let mut s = String::new();
        io::stdin()
            .read_to_string(&mut s)
            .context("cannot read stdin")?;
        return Ok(s);
    }
    Ok(words.join(" "))
}

fn print<T: Serialize>(json: bool, out: &T, text: impl FnOnce(&T) -> String) -> Result<Outcome> {
    if json {
        emit(&serde_json::to_string_pretty(out)?)?;
    } else {
        emit(&text(out))?;
    }
    Ok(Outcome::Ok)
}

/// Writes to stdout, ending with exactly one newline.
pub(crate) fn emit(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.trim_end().as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}
