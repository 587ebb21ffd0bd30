//! `msf-mcp eval`: routing and retrieval metrics over question sets, tuning
//! and held-out sets each on its own line.

use std::path::PathBuf;

use anyhow::Result;

use msf_mcp::{config::KnowledgeConfig, eval};

use super::{Outcome, emit, load};

/// Scores the sets in `files` and `held_out`.
pub(super) fn run(
    config: &KnowledgeConfig,
    files: &[PathBuf],
    held_out: &[PathBuf],
    json: bool,
) -> Result<Outcome> {
    let mut sets = Vec::new();
    for f in files {
        sets.push(eval::load_set(f, false)?);
    }
    for f in held_out {
        sets.push(eval::load_set(f, true)?);
    }
    let app = load(config)?;
    let mut reports = Vec::new();
    for set in sets {
        reports.push(eval::SetReport {
            report: eval::run(&app, &set.questions)?,
            name: set.name,
            held_out: set.held_out,
        });
    }
    match (reports.as_slice(), json) {
        ([one], true) => emit(&serde_json::to_string_pretty(&one.report)?)?,
        ([one], false) => emit(&eval::render(&one.report))?,
        (_, true) => emit(&serde_json::to_string_pretty(&reports)?)?,
        (_, false) => emit(&eval::render_sets(&reports))?,
    }
    Ok(Outcome::Ok)
}
