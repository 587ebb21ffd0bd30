//! The tamper-evident audit log: append-only JSONL, one record per attempt
//! and one per outcome, each chained to the one before ([`chain`]: HMAC under
//! a key kept apart from the log).
//!
//! - **Fail closed**: [`Audit::append`] returns an error when the record is not
//!   on disk; the sandbox then refuses the call (attempt) or says loudly that
//!   the change happened without its outcome record.
//! - **One chain, many writers**: every append takes an exclusive lock on the
//!   file and reads the chain's tail under it, so a server, its CLI twins and
//!   several servers on one file extend one chain.
//! - **Bounded records**: long strings are stored as a prefix plus their
//!   sha256 ([`bound`]); the tail is found whatever the size of the last line.
//! - **Truncation**: the head file beside the log (`<log>.head`: last seq and
//!   hash, replaced atomically after each append) must exist and agree with a
//!   non-empty log; a torn last line (a crash) is moved aside on open.
//!
//! What a local writer holding the key can still do (rewrite the whole
//! chain, or cut its tail and the head file together) only a copy kept
//! elsewhere can show; see the README's threat model.

mod bound;
pub mod chain;
mod head;
mod tail;
mod time;
mod verify;

use std::{
    fs::{self, File, OpenOptions},
    io::{BufRead, BufReader, Write},
    os::unix::fs::OpenOptionsExt,
    path::{Path, PathBuf},
    sync::Mutex,
};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};

pub use bound::{MAX_REASON_CHARS, MAX_VALUE_CHARS, bound};
pub use chain::{GENESIS, MIN_KEY_BYTES};
pub use time::{rfc3339, rfc3339_now};
pub use verify::{Verification, verify};

pub(crate) use head::read_head;
use head::{Head, check_head_file, write_head};

/// What the caller records; seq, time and the chain are added here.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Entry {
    /// `attempt` or `outcome`.
    pub kind: String,
    /// Joins an attempt to its outcome, and to CloudTrail through the user agent.
    pub audit_id: String,
    /// Tool or CLI command.
    pub tool: String,
    /// Arguments with secrets redacted.
    pub args: Value,
    /// sha256 of the arguments as given (before redaction).
    pub args_sha256: String,
    /// `allow` or `deny`.
    pub decision: String,
    /// Why (policy rule, gate, consent...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// AWS account, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Caller ARN, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_arn: Option<String>,
    /// Region used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Profile used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// AWS request ids of the calls made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aws_request_ids: Vec<String>,
    /// Milliseconds the operation took (outcomes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// `ok`, `error`, `denied`, `declined`... (outcomes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// sha256 of each receipt presented.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub receipts: Vec<String>,
}

/// One record as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Record {
    /// Position in the chain, from 1.
    pub seq: u64,
    /// UTC time, RFC 3339.
    pub time: String,
    /// The entry.
    #[serde(flatten)]
    pub entry: Entry,
    /// Hash of the previous record.
    pub prev_hash: String,
    /// This record's hash.
    #[serde(default)]
    pub hash: String,
}

/// An open audit log.
#[derive(Debug)]
pub struct Audit {
    path: PathBuf,
    key: Vec<u8>,
    /// This process's handle. A std Mutex, held only for one append (a write,
    /// an fsync and the head file), never across an `.await`; the file lock
    /// orders writers in other processes and other handles.
    file: Mutex<File>,
}

impl Audit {
    /// Opens (creating with mode 0600) the log at `path`, chained under
    /// `key` (at least 32 bytes). Moves a torn last line aside, and refuses a
    /// log whose head file is missing, unreadable or behind the log (beyond a
    /// crash between a record and its head), or whose last record is unreadable.
    pub fn open(path: &Path, key: &[u8]) -> Result<Audit> {
        if key.len() < MIN_KEY_BYTES {
            return Err(Error::InvalidInput(format!(
                "the audit key must be at least {MIN_KEY_BYTES} bytes"
            )));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        let meta = file.metadata().map_err(|e| Error::io(path, e))?;
        if !meta.is_file() {
            return Err(Error::InvalidInput(format!(
                "{} is not a regular file; the audit log must be one",
                path.display()
            )));
        }
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io(path, e))?;
        let audit = Audit {
            path: path.to_path_buf(),
            key: key.to_vec(),
            file: Mutex::new(file),
        };
        audit.with_lock(|file| {
            tail::set_aside_torn(&audit.path, file)?;
            let last = audit.tail_head(file)?;
            check_head_file(&audit.path, &last)
        })?;
        Ok(audit)
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with this process's handle, holding the exclusive file lock.
    fn with_lock<T>(&self, f: impl FnOnce(&mut File) -> Result<T>) -> Result<T> {
        let mut guard = self
            .file
            .lock()
            .map_err(|_| Error::InvalidInput("audit log lock poisoned".into()))?;
        let file = &mut *guard;
        file.lock().map_err(|e| Error::io(&self.path, e))?;
        let out = f(file);
        let unlocked = file.unlock().map_err(|e| Error::io(&self.path, e));
        let out = out?;
        unlocked?;
        Ok(out)
    }

    /// The chain state after the last complete record on disk.
    fn tail_head(&self, file: &mut File) -> Result<Head> {
        match tail::last_line(&self.path, file)? {
            None => Ok(Head::genesis()),
            Some(line) => serde_json::from_slice::<Record>(&line)
                .map(|r| Head {
                    seq: r.seq,
                    hash: r.hash,
                })
                .map_err(|e| {
                    Error::InvalidInput(format!(
                        "{}: last audit record is unreadable ({e}); run `msf-mcp audit verify` and keep the file for investigation",
                        self.path.display()
                    ))
                }),
        }
    }

    /// Appends `entry` (bounded first) under the file lock, after the last
    /// record on disk; `sync` forces record and head to disk (for changes).
    /// Returns its seq. An error means the record is not in the log.
    pub fn append(&self, entry: Entry, sync: bool) -> Result<u64> {
        self.append_line(entry, sync).map(|(seq, _)| seq)
    }

    /// As [`Audit::append`], also returning the line written (for the off-box copy).
    pub fn append_line(&self, mut entry: Entry, sync: bool) -> Result<(u64, String)> {
        bound(&mut entry);
        self.with_lock(|file| {
            tail::set_aside_torn(&self.path, file)?;
            let head = self.tail_head(file)?;
            let record = Record {
                seq: head.seq + 1,
                time: rfc3339_now(),
                entry,
                prev_hash: head.hash,
                hash: String::new(),
            };
            let (line, hash) = chain::seal(&self.key, &record)?;
            let before = file.metadata().map_err(|e| Error::io(&self.path, e))?.len();
            let new_head = Head {
                seq: record.seq,
                hash,
            };
            let written = file
                .write_all(line.as_bytes())
                .and_then(|()| if sync { file.sync_data() } else { Ok(()) })
                .map_err(|e| Error::io(&self.path, e))
                .and_then(|()| write_head(&self.path, &new_head, sync));
            if let Err(e) = written {
                // All or nothing: a record whose head could not follow is
                // taken back (truncation needs no free space).
                let undone = file
                    .set_len(before)
                    .and_then(|()| if sync { file.sync_data() } else { Ok(()) });
                return Err(match undone {
                    Ok(()) => e,
                    Err(u) => Error::InvalidInput(format!(
                        "{e}; and the partial record could not be taken back ({u}): run `msf-mcp audit verify`"
                    )),
                });
            }
            Ok((record.seq, line))
        })
    }

    /// The last `limit` records that pass `keep`, newest last, skipping
    /// records up to `after_seq` (a cursor).
    pub fn records(
        &self,
        after_seq: u64,
        limit: usize,
        keep: impl Fn(&Record) -> bool,
    ) -> Result<Vec<Record>> {
        let file = File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        let mut out = Vec::new();
        for line in BufReader::new(file).lines() {
            let line = line.map_err(|e| Error::io(&self.path, e))?;
            let Ok(r) = serde_json::from_str::<Record>(&line) else {
                continue;
            };
            if r.seq > after_seq && keep(&r) {
                out.push(r);
            }
        }
        let skip = out.len().saturating_sub(limit);
        Ok(out.split_off(skip))
    }

    /// Verifies this log's chain under its key.
    pub fn verify(&self) -> Result<Verification> {
        verify(&self.path, &self.key)
    }
}

#[cfg(test)]
mod tests;
