//! The tamper-evident audit log: append-only JSONL, one record per attempt
//! and one per outcome, each chained to the one before by sha256.
//!
//! A record's `hash` is sha256 of the previous record's hash, a newline, and
//! the record's JSON without its `hash` field, exactly as written. So any
//! edit, deletion or reordering breaks the chain at the first touched record.
//! Truncation of the tail is caught by the head file beside the log
//! (`<log>.head`: the last seq and hash, replaced atomically after each
//! append). A line torn by a crash is moved aside on the next open, never
//! silently dropped.

use std::{
    fs::{self, File, OpenOptions},
    io::{BufRead, BufReader, Read, Seek, SeekFrom, Write},
    os::unix::fs::OpenOptionsExt,
    path::{Path, PathBuf},
    sync::Mutex,
    time::{SystemTime, UNIX_EPOCH},
};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::corpus::hex_sha256;
use crate::error::{Error, Result};

/// Hash of the (absent) record before the first.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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
struct Head {
    seq: u64,
    hash: String,
}

/// An open audit log.
#[derive(Debug)]
pub struct Audit {
    path: PathBuf,
    /// The file and chain state. A std Mutex: held only for a write and an
    /// fsync, never across an `.await`.
    state: Mutex<(File, Head)>,
}

impl Audit {
    /// Opens (creating with mode 0600) the log at `path`, moving a torn last
    /// line aside to `<log>.torn-<unix time>`.
    pub fn open(path: &Path) -> Result<Audit> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        set_private(path)?;
        let head = recover_tail(path, &mut file)?;
        Ok(Audit {
            path: path.to_path_buf(),
            state: Mutex::new((file, head)),
        })
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `entry`; `sync` forces it to disk (for changes). Returns its seq.
    pub fn append(&self, entry: Entry, sync: bool) -> Result<u64> {
        let mut guard = self
            .state
            .lock()
            .map_err(|_| Error::InvalidInput("audit log lock poisoned".into()))?;
        let (file, head) = &mut *guard;
        let record = Record {
            seq: head.seq + 1,
            time: rfc3339_now(),
            entry,
            prev_hash: head.hash.clone(),
            hash: String::new(),
        };
        let (line, hash) = seal(&record)?;
        file.write_all(line.as_bytes())
            .map_err(|e| Error::io(&self.path, e))?;
        if sync {
            file.sync_data().map_err(|e| Error::io(&self.path, e))?;
        }
        *head = Head {
            seq: record.seq,
            hash,
        };
        write_head(&self.path, head)?;
        Ok(record.seq)
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
}

/// Serializes `record` without its hash, computes the hash, and returns the
/// full line (with `hash`, ending in a newline) and the hash.
fn seal(record: &Record) -> Result<(String, String)> {
    let body = body_of(record)?;
    let hash = chain_hash(&record.prev_hash, &body);
    let line = format!("{},\"hash\":\"{hash}\"}}\n", body.trim_end_matches('}'));
    Ok((line, hash))
}

/// The record's JSON without `hash`, as hashed.
fn body_of(record: &Record) -> Result<String> {
    let mut value = serde_json::to_value(record)
        .map_err(|e| Error::InvalidInput(format!("audit record: {e}")))?;
    if let Some(map) = value.as_object_mut() {
        map.remove("hash");
    }
    serde_json::to_string(&value).map_err(|e| Error::InvalidInput(format!("audit record: {e}")))
}

fn chain_hash(prev: &str, body: &str) -> String {
    hex_sha256(format!("{prev}\n{body}").as_bytes())
}

fn head_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".head");
    PathBuf::from(p)
}

fn write_head(path: &Path, head: &Head) -> Result<()> {
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
    }
    fs::rename(&tmp, &target).map_err(|e| Error::io(&target, e))
}

fn set_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(|e| Error::io(path, e))
}

/// Reads the end of the log: moves a torn last line aside and returns the
/// chain state after the last complete record.
fn recover_tail(path: &Path, file: &mut File) -> Result<Head> {
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if len == 0 {
        return Ok(Head {
            seq: 0,
            hash: GENESIS.to_string(),
        });
    }
    let window = len.min(1 << 20);
    file.seek(SeekFrom::Start(len - window))
        .map_err(|e| Error::io(path, e))?;
    let mut tail = Vec::with_capacity(window as usize);
    file.read_to_end(&mut tail)
        .map_err(|e| Error::io(path, e))?;
    if !tail.ends_with(b"\n") {
        let cut = tail.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let torn = tail.get(cut..).unwrap_or_default().to_vec();
        let aside = PathBuf::from(format!(
            "{}.torn-{}",
            path.display(),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        ));
        fs::write(&aside, &torn).map_err(|e| Error::io(&aside, e))?;
        tracing::warn!(log = %path.display(), aside = %aside.display(), "torn last audit line moved aside");
        let keep = len - window + cut as u64;
        file.set_len(keep).map_err(|e| Error::io(path, e))?;
        tail.truncate(cut);
    }
    let last = tail.split(|&b| b == b'\n').rfind(|l| !l.is_empty());
    match last.map(serde_json::from_slice::<Record>) {
        Some(Ok(r)) => Ok(Head {
            seq: r.seq,
            hash: r.hash,
        }),
        Some(Err(e)) => Err(Error::InvalidInput(format!(
            "{}: last audit record is unreadable ({e}); run `msf-mcp audit verify` and keep the file for investigation",
            path.display()
        ))),
        None => Ok(Head {
            seq: 0,
            hash: GENESIS.to_string(),
        }),
    }
}

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    /// Records that verified.
    pub records: u64,
    /// The first bad record: line number and why. `None` when the chain holds.
    pub first_bad: Option<(usize, String)>,
    /// A torn last line (crash while writing): reported, not a failure.
    pub torn_tail: bool,
    /// Notes, e.g. a missing head file.
    pub notes: Vec<String>,
}

impl Verification {
    /// Returns true if and only if the chain holds.
    pub fn ok(&self) -> bool {
        self.first_bad.is_none()
    }
}

/// Verifies the chain of the log at `path` and its head file.
pub fn verify(path: &Path) -> Result<Verification> {
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    let mut v = Verification {
        records: 0,
        first_bad: None,
        torn_tail: false,
        notes: Vec::new(),
    };
    let text = String::from_utf8_lossy(&bytes);
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    } else if !lines.is_empty() {
        v.torn_tail = true;
        lines.pop();
    }
    let mut prev = GENESIS.to_string();
    let mut seq = 0;
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        let bad = |why: String| Some((n, why));
        let record: Record = match serde_json::from_str(line) {
            Ok(r) => r,
            Err(e) => {
                v.first_bad = bad(format!("line {n} is not an audit record: {e}"));
                return Ok(v);
            }
        };
        if record.seq != seq + 1 {
            v.first_bad = bad(format!(
                "record seq {} at line {n} follows seq {seq}: records were deleted or reordered",
                record.seq
            ));
            return Ok(v);
        }
        if record.prev_hash != prev {
            v.first_bad = bad(format!(
                "record seq {} at line {n}: prev_hash does not match the record before: deleted, reordered or edited",
                record.seq
            ));
            return Ok(v);
        }
        let body = body_of(&record)?;
        let expected = chain_hash(&prev, &body);
        let stored = format!("{},\"hash\":\"{expected}\"}}", body.trim_end_matches('}'));
        if record.hash != expected || *line != stored {
            v.first_bad = bad(format!(
                "record seq {} at line {n} was edited: its hash does not match its content",
                record.seq
            ));
            return Ok(v);
        }
        prev = record.hash;
        seq = record.seq;
        v.records += 1;
    }
    match fs::read(head_path(path))
        .ok()
        .and_then(|b| serde_json::from_slice::<Head>(&b).ok())
    {
        Some(head) if head.seq > seq => {
            v.first_bad = Some((
                lines.len() + 1,
                format!(
                    "the log ends at seq {seq} but its head file records seq {}: the log was truncated",
                    head.seq
                ),
            ));
        }
        Some(head) if head.seq == seq && head.hash != prev => {
            v.first_bad = Some((
                lines.len(),
                format!(
                    "the last record (seq {seq}) does not match the head file: it was replaced"
                ),
            ));
        }
        Some(_) => {}
        None => v
            .notes
            .push("no head file beside the log: truncation of the tail cannot be checked".into()),
    }
    if v.torn_tail {
        v.notes.push(
            "the last line is incomplete (a crash while writing); the records before it verify"
                .into(),
        );
    }
    Ok(v)
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

    fn log_with(n: usize) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let audit = Audit::open(&path).unwrap();
        for i in 0..n {
            audit.append(entry(i), i % 2 == 0).unwrap();
        }
        (dir, path)
    }

    #[test]
    fn the_chain_verifies_and_survives_reopening() {
        let (_d, path) = log_with(3);
        let audit = Audit::open(&path).unwrap();
        assert_eq!(audit.append(entry(9), true).unwrap(), 4);
        let v = verify(&path).unwrap();
        assert!(v.ok(), "{v:?}");
        assert_eq!(v.records, 4);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let recent = audit.records(1, 2, |_| true).unwrap();
        assert_eq!(recent.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![3, 4]);
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
    fn edits_deletions_reordering_and_truncation_name_the_first_bad_record() {
        let (_d, path) = log_with(4);
        let original = lines(&path);

        let mut edited = original.clone();
        edited[1] = edited[1].replace("app-1", "app-X");
        write(&path, &edited);
        let v = verify(&path).unwrap();
        assert_eq!(v.first_bad.as_ref().map(|b| b.0), Some(2), "{v:?}");
        assert!(v.first_bad.unwrap().1.contains("edited"));

        let mut deleted = original.clone();
        deleted.remove(2);
        write(&path, &deleted);
        assert_eq!(verify(&path).unwrap().first_bad.map(|b| b.0), Some(3));

        let mut swapped = original.clone();
        swapped.swap(1, 2);
        write(&path, &swapped);
        assert_eq!(verify(&path).unwrap().first_bad.map(|b| b.0), Some(2));

        write(&path, &original[..3]);
        let v = verify(&path).unwrap();
        assert!(v.first_bad.unwrap().1.contains("truncated"));

        write(&path, &original);
        assert!(verify(&path).unwrap().ok());
    }

    #[test]
    fn a_torn_last_line_is_reported_then_moved_aside_on_open() {
        let (dir, path) = log_with(2);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"seq\":3,\"time\":\"20").unwrap();
        drop(f);
        let v = verify(&path).unwrap();
        assert!(v.ok() && v.torn_tail && v.records == 2, "{v:?}");
        let audit = Audit::open(&path).unwrap();
        assert_eq!(audit.append(entry(5), true).unwrap(), 3);
        assert!(verify(&path).unwrap().ok());
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

    #[test]
    fn formats_utc_times() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_000_000, 5), "2026-11-18T11:06:40.005Z");
        assert_eq!(rfc3339(951_782_400, 0), "2000-02-29T00:00:00.000Z");
    }
}
