//! The head file beside the log (`<log>.head`: the last record's seq and
//! hash, replaced atomically after each append): a non-empty log without it,
//! or with one that disagrees, was truncated or replaced.

use std::{
    fs::{self, OpenOptions},
    io::Write,
    os::unix::fs::OpenOptionsExt,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

use super::GENESIS;
use crate::error::{Error, Result};

/// The chain's state after the last record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Head {
    pub(crate) seq: u64,
    pub(crate) hash: String,
}

impl Head {
    pub(super) fn genesis() -> Head {
        Head {
            seq: 0,
            hash: GENESIS.to_string(),
        }
    }
}

pub(crate) fn head_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".head");
    PathBuf::from(p)
}

/// Reads the head file: `Ok(None)` when absent, an error when unreadable.
pub(crate) fn read_head(path: &Path) -> std::result::Result<Option<Head>, String> {
    match fs::read(head_path(path)) {
        Ok(b) => serde_json::from_slice::<Head>(&b)
            .map(Some)
            .map_err(|e| format!("the head file is unreadable ({e})")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("the head file cannot be read ({e})")),
    }
}

/// Checks the head file against the last record `last` of the log, and
/// repairs it when it is exactly one record behind (a crash between the
/// record and its head). Anything else on a non-empty log is an error.
pub(super) fn check_head_file(path: &Path, last: &Head) -> Result<()> {
    let fail = |why: String| {
        Err(Error::InvalidInput(format!(
            "{}: {why}; the log may have been truncated or replaced. Run `msf-mcp audit verify`, keep the file for investigation, and move it aside to start a new chain",
            path.display()
        )))
    };
    let head = match read_head(path) {
        Ok(h) => h,
        Err(why) => return fail(why),
    };
    match head {
        None if last.seq == 0 => Ok(()),
        None => fail(format!(
            "the log holds {} records but has no head file",
            last.seq
        )),
        Some(h) if h == *last => Ok(()),
        Some(h) if h.seq + 1 == last.seq => {
            tracing::warn!(log = %path.display(), "audit head file was one record behind (a crash after a write); repaired");
            write_head(path, last, true)
        }
        Some(h) if h.seq > last.seq => fail(format!(
            "the log ends at seq {} but its head file records seq {}",
            last.seq, h.seq
        )),
        Some(h) if h.seq == last.seq => fail(format!(
            "the last record (seq {}) does not match the head file",
            last.seq
        )),
        Some(h) => fail(format!(
            "the head file records seq {} but the log ends at seq {}",
            h.seq, last.seq
        )),
    }
}

pub(super) fn write_head(path: &Path, head: &Head, sync: bool) -> Result<()> {
    let target = head_path(path);
    let tmp = target.with_extension("head.tmp");
    let json = serde_json::to_vec(head).map_err(|e| Error::InvalidInput(e.to_string()))?;
    {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| Error::io(&tmp, e))?;
        f.write_all(&json).map_err(|e| Error::io(&tmp, e))?;
        if sync {
            f.sync_data().map_err(|e| Error::io(&tmp, e))?;
        }
    }
    fs::rename(&tmp, &target).map_err(|e| Error::io(&target, e))
}
