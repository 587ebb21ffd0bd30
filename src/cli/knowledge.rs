//! The knowledge commands, twins of the knowledge tools: `route`, `search`,
//! `read`, `refs` (and `refs --check`), `facts`; and `index`, which builds
//! or opens the search index and says where it is.

use anyhow::Result;
use serde::Serialize;

use msf_mcp::{
    api::{ReadArgs, RouteArgs, SearchArgs},
    config::{IndexDir, KnowledgeConfig},
    index::{Location, SearchIndex},
    render,
};

use super::{Command, Outcome, emit, load, load_corpus, print, refs, text_arg};

/// Runs a knowledge command.
pub(super) fn run(command: &Command, config: &KnowledgeConfig) -> Result<Outcome> {
    match command {
        Command::Route {
            question,
            max_refs,
            runtime,
            json,
        } => {
            let app = load(config)?;
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
            let app = load(config)?;
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
            let app = load(config)?;
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
                let corpus = load_corpus(config)?;
                return refs::check(
                    &corpus,
                    baseline.as_deref(),
                    write_baseline.as_deref(),
                    *json,
                );
            }
            let app = load(config)?;
            print(*json, &app.refs(), render::refs)
        }
        Command::Facts { json } => refs::show(&load_corpus(config)?, *json),
        Command::Index { force, json } => index(config, *force, *json),
        _ => anyhow::bail!("not a knowledge command"),
    }
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
