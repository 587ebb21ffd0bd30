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
mod tail;
mod verify;

use std::{
    fs::{self, File, OpenOptions},
    io::{BufRead, BufReader, Write},
    os::unix::fs::OpenOptionsExt,
    path::{Path, PathBuf},
    sync::Mutex,
    time::{SystemTime, UNIX_EPOCH},
};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};

pub use bound::{MAX_REASON_CHARS, MAX_VALUE_CHARS, bound};
pub use chain::{GENESIS, MIN_KEY_BYTES};
pub use verify::{Verification, verify};

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

/// The chain's state after the last record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Head {
    pub(crate) seq: u64,
    pub(crate) hash: String,
}

impl Head {
    fn genesis() -> Head {
        Head {
            seq: 0,
            hash: GENESIS.to_string(),
        }
    }
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
fn check_head_file(path: &Path, last: &Head) -> Result<()> {
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

fn write_head(path: &Path, head: &Head, sync: bool) -> Result<()> {
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

/// Now as UTC RFC 3339 with milliseconds.
pub fn rfc3339_now() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339(now.as_secs(), now.subsec_millis())
}

/// Formats unix seconds as UTC RFC 3339 (civil-from-days, no time zone database needed).
pub fn rfc3339(secs: u64, millis: u32) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = &[7u8; 32];

    fn entry(i: usize) -> Entry {
        Entry {
            kind: "attempt".into(),
            audit_id: format!("id-{i}"),
            tool: "msf_describe_application".into(),
            args: serde_json::json!({"application": format!("app-{i}")}),
            args_sha256: "x".into(),
            decision: "allow".into(),
            ..Entry::default()
        }
    }

    fn outcome(i: usize) -> Entry {
        Entry {
            kind: "outcome".into(),
            outcome: Some("ok".into()),
            ..entry(i)
        }
    }

    fn log_with(n: usize) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let audit = Audit::open(&path, KEY).unwrap();
        for i in 0..n {
            audit.append(entry(i), i % 2 == 0).unwrap();
            audit.append(outcome(i), i % 2 == 0).unwrap();
        }
        (dir, path)
    }

    fn lines(path: &Path) -> Vec<String> {
        fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn write(path: &Path, lines: &[String]) {
        fs::write(
            path,
            lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
        )
        .unwrap();
    }

    #[test]
    fn the_chain_verifies_and_survives_reopening() {
        let (_d, path) = log_with(2);
        let audit = Audit::open(&path, KEY).unwrap();
        assert_eq!(audit.append(entry(9), true).unwrap(), 5);
        let v = verify(&path, KEY).unwrap();
        assert!(v.ok(), "{v:?}");
        assert_eq!(v.records, 5);
        assert_eq!(
            v.gaps,
            vec!["seq 5 id-9 msf_describe_application".to_string()]
        );
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let recent = audit.records(1, 2, |_| true).unwrap();
        assert_eq!(recent.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![4, 5]);
    }

    #[test]
    fn edits_deletions_reordering_and_truncation_name_the_first_bad_record() {
        let (_d, path) = log_with(2);
        let original = lines(&path);

        let mut edited = original.clone();
        edited[1] = edited[1].replace("app-0", "app-X");
        write(&path, &edited);
        let v = verify(&path, KEY).unwrap();
        assert_eq!(v.first_bad.as_ref().map(|b| b.0), Some(2), "{v:?}");
        assert!(v.first_bad.unwrap().1.contains("audit key"));

        let mut deleted = original.clone();
        deleted.remove(2);
        write(&path, &deleted);
        assert_eq!(verify(&path, KEY).unwrap().first_bad.map(|b| b.0), Some(3));

        let mut swapped = original.clone();
        swapped.swap(1, 2);
        write(&path, &swapped);
        assert_eq!(verify(&path, KEY).unwrap().first_bad.map(|b| b.0), Some(2));

        write(&path, &original[..3]);
        let v = verify(&path, KEY).unwrap();
        assert!(v.first_bad.unwrap().1.contains("truncated"));
        assert!(
            Audit::open(&path, KEY).is_err(),
            "a truncated log is refused on open"
        );

        write(&path, &original);
        assert!(verify(&path, KEY).unwrap().ok());
    }

    /// Forging needs the key: a record edited and re-chained with plain
    /// sha256 (or any other key), or a whole rewritten chain, fails verify.
    #[test]
    fn a_chain_recomputed_without_the_key_does_not_verify() {
        let (_d, path) = log_with(2);
        let mut forged = Vec::new();
        let mut prev = GENESIS.to_string();
        for line in lines(&path) {
            let mut r: Record = serde_json::from_str(&line).unwrap();
            r.entry.outcome = r.entry.outcome.map(|_| "forged".to_string());
            r.prev_hash = prev.clone();
            let (l, h) = chain::seal(b"attacker-key-of-thirty-two-bytes!!", &r).unwrap();
            forged.push(l.trim_end().to_string());
            prev = h;
        }
        write(&path, &forged);
        fs::write(
            head_path(&path),
            serde_json::to_vec(&Head { seq: 4, hash: prev }).unwrap(),
        )
        .unwrap();
        let v = verify(&path, KEY).unwrap();
        assert_eq!(v.first_bad.as_ref().map(|b| b.0), Some(1), "{v:?}");
    }

    #[test]
    fn a_missing_or_lower_head_on_a_non_empty_log_is_a_failure() {
        let (_d, path) = log_with(2);
        fs::remove_file(head_path(&path)).unwrap();
        assert!(!verify(&path, KEY).unwrap().ok());
        assert!(Audit::open(&path, KEY).is_err());
        fs::write(head_path(&path), b"{not json").unwrap();
        assert!(Audit::open(&path, KEY).is_err());
        fs::write(
            head_path(&path),
            serde_json::to_vec(&Head {
                seq: 1,
                hash: "x".into(),
            })
            .unwrap(),
        )
        .unwrap();
        assert!(!verify(&path, KEY).unwrap().ok());
        assert!(Audit::open(&path, KEY).is_err());
    }

    #[test]
    fn a_head_one_behind_after_a_crash_is_repaired_on_open() {
        let (_d, path) = log_with(2);
        let records: Vec<Record> = lines(&path)
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let third = &records[2];
        fs::write(
            head_path(&path),
            serde_json::to_vec(&Head {
                seq: third.seq,
                hash: third.hash.clone(),
            })
            .unwrap(),
        )
        .unwrap();
        let audit = Audit::open(&path, KEY).unwrap();
        audit.append(entry(7), true).unwrap();
        assert!(verify(&path, KEY).unwrap().ok());
    }

    #[test]
    fn a_torn_last_line_is_reported_then_moved_aside_on_open() {
        let (dir, path) = log_with(1);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"seq\":3,\"time\":\"20").unwrap();
        drop(f);
        let v = verify(&path, KEY).unwrap();
        assert!(v.ok() && v.torn_tail && v.records == 2, "{v:?}");
        let audit = Audit::open(&path, KEY).unwrap();
        assert_eq!(audit.append(entry(5), true).unwrap(), 3);
        assert!(verify(&path, KEY).unwrap().ok());
        let aside: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".torn-"))
            .collect();
        assert_eq!(aside.len(), 1);
        assert_eq!(
            fs::read(aside[0].path()).unwrap(),
            b"{\"seq\":3,\"time\":\"20"
        );
    }

    /// Two handles on one file (as two processes would have) append in
    /// turns from two threads: one chain, every seq once.
    #[test]
    fn two_writers_on_one_file_keep_one_chain() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let a = std::sync::Arc::new(Audit::open(&path, KEY).unwrap());
        let b = std::sync::Arc::new(Audit::open(&path, KEY).unwrap());
        let threads: Vec<_> = [a, b]
            .into_iter()
            .map(|w| {
                std::thread::spawn(move || {
                    for i in 0..150 {
                        w.append(entry(i), false).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let v = verify(&path, KEY).unwrap();
        assert!(v.ok(), "{v:?}");
        assert_eq!(v.records, 300);
    }

    /// A last record of any size is found on open, and a huge argument is
    /// stored bounded.
    #[test]
    fn huge_arguments_are_bounded_and_a_huge_last_line_still_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let audit = Audit::open(&path, KEY).unwrap();
        let mut e = entry(1);
        e.args = serde_json::json!({"region": "r".repeat(400_000)});
        e.reason = Some("x".repeat(400_000));
        audit.append(e, true).unwrap();
        assert!(fs::metadata(&path).unwrap().len() < 4_000);
        // A 2 MiB record written by an older, unbounded version.
        let mut big = entry(2);
        big.args = serde_json::json!({"region": "r".repeat(2 << 20)});
        let head = read_head(&path).unwrap().unwrap();
        let record = Record {
            seq: head.seq + 1,
            time: rfc3339_now(),
            entry: big,
            prev_hash: head.hash,
            hash: String::new(),
        };
        let (line, hash) = chain::seal(KEY, &record).unwrap();
        OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(line.as_bytes())
            .unwrap();
        write_head(&path, &Head { seq: 2, hash }, true).unwrap();
        let audit = Audit::open(&path, KEY).unwrap();
        assert_eq!(audit.append(entry(3), true).unwrap(), 3);
        assert!(verify(&path, KEY).unwrap().ok());
    }

    #[test]
    fn a_short_key_or_a_non_regular_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Audit::open(&dir.path().join("a.jsonl"), b"short").is_err());
        assert!(Audit::open(dir.path(), KEY).is_err());
    }

    #[test]
    fn formats_utc_times() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_000_000, 5), "2026-11-18T11:06:40.005Z");
        assert_eq!(rfc3339(951_782_400, 0), "2000-02-29T00:00:00.000Z");
    }
}
