//! The load-references-first workflow: receipts for what was read, the
//! session's memory of its reads, and the gates that changes must pass.
//!
//! - [`receipt`]: `msf_read` hands out a receipt sealed with an HMAC
//!   (reference, content sha256, section, time); it proves a read to any
//!   instance that shares the key, with no server-side state.
//! - [`ReadLog`]: where the transport has sessions, the server also
//!   remembers what the session read.
//! - [`gates`]: which action kinds need which references, and the one
//!   function that decides whether an action may proceed.

pub mod gates;
pub mod receipt;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

/// References read in one session: file name → sha256 of the content read.
///
/// A std `Mutex` is enough: the critical sections are a map insert or a
/// lookup, and no `.await` happens while it is held.
#[derive(Clone, Debug, Default)]
pub struct ReadLog {
    reads: Arc<Mutex<HashMap<String, String>>>,
}

impl ReadLog {
    /// Records that `reference` with content `sha256` was read.
    pub fn record(&self, reference: &str, sha256: &str) {
        if let Ok(mut reads) = self.reads.lock() {
            reads.insert(reference.to_string(), sha256.to_string());
        }
    }

    /// The sha256 of `reference` as read in this session, if it was.
    pub fn sha256_of(&self, reference: &str) -> Option<String> {
        self.reads
            .lock()
            .ok()
            .and_then(|r| r.get(reference).cloned())
    }

    /// Every reference read so far, sorted.
    pub fn references(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .reads
            .lock()
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default();
        out.sort();
        out
    }
}
