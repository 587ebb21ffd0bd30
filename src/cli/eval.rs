//! `msf-mcp eval`: routing and retrieval metrics over question sets, tuning
//! and held-out sets each on its own line.

use std::path::{Path, PathBuf};

use anyhow::Result;

use msf_mcp::{config::KnowledgeConfig, eval};

use super::{Outcome, emit, load};

/// Scores the sets in `files` and `held_out`, and the held-out sets again
/// against `second_labels` when given.
pub(super) fn run(
    config: &KnowledgeConfig,
    files: &[PathBuf],
    held_out: &[PathBuf],
    second_labels: Option<&Path>,
    json: bool,
) -> Result<Outcome> {
    // Each set with, for one scored against the second labels, how many of
    // its questions the two assessors give the same primary reference.
    let mut sets: Vec<(eval::Set, Option<usize>)> = Vec::new();
    for f in files {
        sets.push((eval::load_set(f, false)?, None));
    }
    let labels = second_labels.map(eval::load_second_labels).transpose()?;
    for f in held_out {
        let set = eval::load_set(f, true)?;
        let relabelled = match &labels {
            Some(l) => eval::relabel(&set, l)?.map(|r| (r, eval::primary_agreement(&set, l))),
            None => None,
        };
        sets.push((set, None));
        if let Some((r, agree)) = relabelled {
            sets.push((r, Some(agree)));
        }
    }
    if labels.is_some() && !sets.iter().any(|(_, agree)| agree.is_some()) {
        anyhow::bail!(
            "the second labels name no question of the held-out sets; pass the sets they label with --held-out"
        );
    }
    let app = load(config)?;
    let mut reports = Vec::new();
    for (set, agree) in sets {
        reports.push(eval::SetReport {
            report: eval::run(&app, &set.questions)?,
            name: set.name,
            held_out: set.held_out,
            second: agree.is_some(),
            agree,
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
