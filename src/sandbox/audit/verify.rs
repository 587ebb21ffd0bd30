//! `audit verify`: walks the whole chain under the key, checks the head
//! file, and lists attempts that have no outcome record (a gap: the outcome
//! could not be written, or the process died during the call).

use std::{collections::BTreeMap, fs, path::Path};

use serde::Serialize;

use super::{
    Record,
    chain::{self, GENESIS},
    read_head,
};
use crate::error::{Error, Result};

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    /// Records that verified.
    pub records: u64,
    /// The first bad record: line number and why. `None` when the chain holds.
    pub first_bad: Option<(usize, String)>,
    /// A torn last line (crash while writing): reported, not a failure.
    pub torn_tail: bool,
    /// Attempts without an outcome record, as `seq audit_id tool`.
    pub gaps: Vec<String>,
    /// Notes.
    pub notes: Vec<String>,
}

impl Verification {
    /// Returns true if and only if the chain holds.
    pub fn ok(&self) -> bool {
        self.first_bad.is_none()
    }
}

/// Verifies the chain of the log at `path` under `key`, and its head file.
pub fn verify(path: &Path, key: &[u8]) -> Result<Verification> {
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    let mut v = Verification {
        records: 0,
        first_bad: None,
        torn_tail: false,
        gaps: Vec::new(),
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
    let mut open: BTreeMap<String, String> = BTreeMap::new();
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
                "record seq {} at line {n} follows seq {seq}: records were deleted, reordered or written by two unsynchronised writers",
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
        let body = chain::body_of(&record)?;
        let expected = chain::chain_hash(key, &prev, &body);
        let stored = format!("{},\"hash\":\"{expected}\"}}", body.trim_end_matches('}'));
        if record.hash != expected || *line != stored {
            v.first_bad = bad(format!(
                "record seq {} at line {n} does not verify under the audit key: edited, forged, or written with another key",
                record.seq
            ));
            return Ok(v);
        }
        match record.entry.kind.as_str() {
            "attempt" => {
                open.insert(
                    record.entry.audit_id.clone(),
                    format!(
                        "seq {} {} {}",
                        record.seq, record.entry.audit_id, record.entry.tool
                    ),
                );
            }
            "outcome" => {
                open.remove(&record.entry.audit_id);
            }
            _ => {}
        }
        prev = record.hash;
        seq = record.seq;
        v.records += 1;
    }
    v.gaps = open.into_values().collect();
    match read_head(path) {
        Err(why) if seq > 0 => v.first_bad = Some((lines.len(), why)),
        Err(why) => v.notes.push(why),
        Ok(None) if seq > 0 => {
            v.first_bad = Some((
                lines.len(),
                format!("the log holds {seq} records but has no head file: truncation cannot be ruled out"),
            ));
        }
        Ok(None) => {}
        Ok(Some(head)) if head.seq > seq => {
            v.first_bad = Some((
                lines.len() + 1,
                format!(
                    "the log ends at seq {seq} but its head file records seq {}: the log was truncated",
                    head.seq
                ),
            ));
        }
        Ok(Some(head)) if head.seq == seq && head.hash != prev => {
            v.first_bad = Some((
                lines.len(),
                format!("the last record (seq {seq}) does not match the head file: it was replaced"),
            ));
        }
        Ok(Some(head)) if head.seq + 1 == seq => v.notes.push(
            "the head file is one record behind (a crash after the last write); the next open repairs it".into(),
        ),
        Ok(Some(head)) if head.seq < seq => {
            v.first_bad = Some((
                lines.len(),
                format!("the head file records seq {} but the log ends at seq {seq}: the head was replaced or rolled back", head.seq),
            ));
        }
        Ok(Some(_)) => {}
    }
    if !v.gaps.is_empty() {
        v.notes.push(format!(
            "{} attempt(s) have no outcome record: the outcome could not be written or the process stopped during the call",
            v.gaps.len()
        ));
    }
    if v.torn_tail {
        v.notes.push(
            "the last line is incomplete (a crash while writing); the records before it verify"
                .into(),
        );
    }
    Ok(v)
}
