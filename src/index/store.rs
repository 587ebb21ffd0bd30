//! Where the index lives: a generation folder per corpus under the index
//! directory, built in a temporary folder and renamed into place, so a
//! reader never sees a half-built index and two processes building at once
//! both end with a valid one.
//!
//! ```text
//! index/
//!   gen-<corpus digest, 16 hex>-s<schema>t<tokenizer>/   tantivy files + msf-manifest.json
//!   .tmp-<pid>-<nanos>/                                  a build in progress
//! ```
//! The manifest is written last, inside the generation folder: its presence
//! and content mark the generation complete and current.

use std::{
    fs, io,
    path::{Path, PathBuf},
    time::{Instant, SystemTime, UNIX_EPOCH},
};

use serde::{Deserialize, Serialize};
use tantivy::{Index, schema::Schema};

use super::tokenizer::TOKENIZER_VERSION;
use crate::{
    corpus::Corpus,
    error::{Error, Result},
};

/// Bumped whenever the schema or the documents written change.
pub const SCHEMA_VERSION: u32 = 4;

/// Generations kept per index directory (several corpora may share it).
const KEEP_GENERATIONS: usize = 4;

const MANIFEST: &str = "msf-manifest.json";

/// Contents of `msf-manifest.json`.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Manifest {
    corpus_digest: String,
    schema_version: u32,
    tokenizer_version: u32,
    references: usize,
    sections: usize,
    built_at_unix: u64,
}

/// Where an open index lives and how it got there.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    /// A persisted generation folder.
    Disk {
        /// The generation folder.
        path: PathBuf,
        /// Milliseconds spent building it now; `None` when an existing one was opened.
        built_ms: Option<u128>,
    },
    /// In memory only.
    Ram {
        /// Why the index is not persisted.
        reason: String,
        /// Milliseconds spent building it.
        built_ms: u128,
    },
}

fn generation_name(corpus: &Corpus) -> String {
    let digest = corpus.digest().get(..16).unwrap_or(corpus.digest());
    format!("gen-{digest}-s{SCHEMA_VERSION}t{TOKENIZER_VERSION}")
}

fn expected_manifest(corpus: &Corpus) -> Manifest {
    Manifest {
        corpus_digest: corpus.digest().to_string(),
        schema_version: SCHEMA_VERSION,
        tokenizer_version: TOKENIZER_VERSION,
        references: corpus.docs().len(),
        sections: corpus.docs().iter().map(|d| d.sections.len()).sum(),
        built_at_unix: 0,
    }
}

/// Returns true if and only if `path` holds a complete generation for `corpus`.
fn is_current(path: &Path, corpus: &Corpus) -> bool {
    let Ok(text) = fs::read_to_string(path.join(MANIFEST)) else {
        return false;
    };
    let Ok(mut found) = serde_json::from_str::<Manifest>(&text) else {
        return false;
    };
    found.built_at_unix = 0;
    found == expected_manifest(corpus)
}

/// Opens the current generation under `dir` or builds it; RAM when `dir` is
/// `None` or cannot be written.
pub fn open_or_build(
    corpus: &Corpus,
    dir: Option<&Path>,
    schema: &Schema,
    fill: impl Fn(&Index) -> Result<()>,
) -> Result<(Index, Location)> {
    let Some(dir) = dir else {
        return in_ram(schema, &fill, "no index directory".into());
    };
    let path = dir.join(generation_name(corpus));
    if is_current(&path, corpus) {
        match Index::open_in_dir(&path) {
            Ok(index) => {
                return Ok((
                    index,
                    Location::Disk {
                        path,
                        built_ms: None,
                    },
                ));
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "index unreadable; rebuilding")
            }
        }
    }
    match build_on_disk(corpus, dir, &path, schema, &fill) {
        Ok(found) => Ok(found),
        Err(e) if e.is_unwritable() => in_ram(
            schema,
            &fill,
            format!("{} is not writable ({e})", dir.display()),
        ),
        Err(BuildError::Other(e)) => Err(e),
        Err(BuildError::Io(e)) => Err(e),
    }
}

/// Builds a new generation under `dir`, replacing a current one.
pub fn rebuild(
    corpus: &Corpus,
    dir: &Path,
    schema: &Schema,
    fill: impl Fn(&Index) -> Result<()>,
) -> Result<(Index, Location)> {
    let path = dir.join(generation_name(corpus));
    if path.exists() {
        fs::remove_dir_all(&path).map_err(|e| Error::io(&path, e))?;
    }
    build_on_disk(corpus, dir, &path, schema, &fill).map_err(|e| match e {
        BuildError::Io(e) | BuildError::Other(e) => e,
    })
}

fn in_ram(
    schema: &Schema,
    fill: &impl Fn(&Index) -> Result<()>,
    reason: String,
) -> Result<(Index, Location)> {
    let started = Instant::now();
    let index = Index::create_in_ram(schema.clone());
    fill(&index)?;
    tracing::info!(%reason, "index kept in memory");
    Ok((
        index,
        Location::Ram {
            reason,
            built_ms: started.elapsed().as_millis(),
        },
    ))
}

/// A failed disk build: `Io` errors about the folder itself send us to RAM.
enum BuildError {
    Io(Error),
    Other(Error),
}

impl BuildError {
    fn is_unwritable(&self) -> bool {
        matches!(self, BuildError::Io(_))
    }
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Io(e) | BuildError::Other(e) => e.fmt(f),
        }
    }
}

fn build_on_disk(
    corpus: &Corpus,
    dir: &Path,
    path: &Path,
    schema: &Schema,
    fill: &impl Fn(&Index) -> Result<()>,
) -> Result<(Index, Location), BuildError> {
    let started = Instant::now();
    let io_err = |p: &Path, e: io::Error| BuildError::Io(Error::io(p, e));
    fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let tmp = dir.join(format!(".tmp-{}-{nanos}", std::process::id()));
    fs::create_dir(&tmp).map_err(|e| io_err(&tmp, e))?;
    let result = (|| {
        let index =
            Index::create_in_dir(&tmp, schema.clone()).map_err(|e| BuildError::Other(e.into()))?;
        fill(&index).map_err(BuildError::Other)?;
        drop(index);
        let mut manifest = expected_manifest(corpus);
        manifest.built_at_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let json = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| BuildError::Other(Error::Corpus(e.to_string())))?;
        fs::write(tmp.join(MANIFEST), json).map_err(|e| io_err(&tmp, e))?;
        Ok::<(), BuildError>(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if let Err(e) = fs::rename(&tmp, path) {
        // Another process may have finished the same generation first.
        let _ = fs::remove_dir_all(&tmp);
        if !is_current(path, corpus) {
            return Err(io_err(path, e));
        }
    }
    prune(dir, path);
    let index = Index::open_in_dir(path).map_err(|e| BuildError::Other(e.into()))?;
    let built_ms = Some(started.elapsed().as_millis());
    tracing::info!(path = %path.display(), ms = ?built_ms, "index built");
    Ok((
        index,
        Location::Disk {
            path: path.to_path_buf(),
            built_ms,
        },
    ))
}

/// Removes the oldest generations beyond [`KEEP_GENERATIONS`] and stale
/// temporary folders; best effort, never fails the caller.
fn prune(dir: &Path, keep: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut generations = Vec::new();
    let hour_ago = SystemTime::now() - std::time::Duration::from_secs(3600);
    for entry in entries.filter_map(|e| e.ok()) {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        let modified = entry
            .metadata()
            .and_then(|m| m.modified())
            .unwrap_or(UNIX_EPOCH);
        if name.starts_with(".tmp-") && modified < hour_ago {
            let _ = fs::remove_dir_all(&path);
        } else if name.starts_with("gen-") && path != keep {
            generations.push((modified, path));
        }
    }
    generations.sort();
    let excess = generations.len().saturating_sub(KEEP_GENERATIONS - 1);
    for (_, path) in generations.into_iter().take(excess) {
        let _ = fs::remove_dir_all(&path);
    }
}
