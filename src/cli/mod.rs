//! The command-line door: the CLI twin of every tool. Each command parses,
//! calls [`App`] or the sandbox, and prints either what a person reads or
//! (with `--json`) exactly the tool's structured result.
//!
//! One file per command family: [`args`] (the grammar), [`knowledge`]
//! (route, search, read, refs, facts, index), [`aws`] (apps, logs, plan,
//! apply, audit), [`signals`] (metrics, alarms, diagnose), [`refs`]
//! (`refs --check`, `facts`), [`doctor`], [`eval`]; [`term`] renders for a
//! terminal. `serve` runs in `main.rs`, which picks the door.

mod args;
mod aws;
mod doctor;
mod eval;
mod knowledge;
mod refs;
mod signals;
mod term;

pub use args::{AppsCommand, AuditCommand, Cli, Command, LogsCommand};

use std::io::{self, Read, Write};

use anyhow::{Context, Result};
use serde::Serialize;

use msf_mcp::{App, config::KnowledgeConfig, corpus::Corpus};

/// Outcome of a command that ran: exit 0, or 1 for a negative result (check failed).
pub enum Outcome {
    Ok,
    Failed,
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
        Command::Route { .. }
        | Command::Search { .. }
        | Command::Read { .. }
        | Command::Refs { .. }
        | Command::Facts { .. }
        | Command::Index { .. } => knowledge::run(&cli.command, &config),
        Command::Eval {
            files,
            held_out,
            second_labels,
            json,
        } => eval::run(&config, files, held_out, second_labels.as_deref(), *json),
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
