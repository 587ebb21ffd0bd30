//! Receipts: proof, sealed with HMAC-SHA256, that a reference was read.
//!
//! A receipt binds the reference name, the sha256 of its content at the
//! time of reading, the section read (if one) and the time. It is signed,
//! not encrypted: anyone can decode it, nobody without the key can forge or
//! alter it. The key is random per process unless configured, so several
//! instances behind a load balancer can share one (`MSF_MCP_RECEIPT_KEY`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rmcp::model::{RequestStateCodec, SealOptions};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How long a receipt stays valid.
pub const RECEIPT_TTL: Duration = Duration::from_secs(12 * 3600);

/// Bound into every seal so a receipt can never be confused with another
/// token signed by the same key.
const PURPOSE: &[u8] = b"msf-mcp/receipt/v1";

/// What a receipt attests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// Reference file name.
    pub reference: String,
    /// Hex sha256 of the reference's content when it was read.
    pub sha256: String,
    /// Anchor of the section read, when only one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// Unix seconds when it was issued.
    pub issued_at: u64,
}

/// Seals and opens receipts with one key.
#[derive(Clone)]
pub struct Sealer {
    codec: RequestStateCodec,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// A sealer with `key` (at least 32 bytes).
    pub fn with_key(key: &[u8]) -> Result<Sealer> {
        let codec = RequestStateCodec::try_new(key.to_vec())
            .map_err(|e| Error::InvalidInput(format!("receipt key: {e}; use at least 32 bytes")))?;
        Ok(Sealer { codec })
    }

    /// A sealer with a fresh random key, valid for this process only.
    pub fn random() -> Result<Sealer> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key)
            .map_err(|e| Error::InvalidInput(format!("no randomness for the receipt key: {e}")))?;
        Sealer::with_key(&key)
    }

    /// Issues a sealed receipt for a read of `reference` with content `sha256`.
    pub fn issue(&self, reference: &str, sha256: &str, section: Option<&str>) -> String {
        let receipt = Receipt {
            reference: reference.to_string(),
            sha256: sha256.to_string(),
            section: section.map(str::to_string),
            issued_at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        };
        let options = SealOptions::new().associated_data(PURPOSE).ttl(RECEIPT_TTL);
        // Serializing this plain struct cannot fail; an empty token would simply not verify.
        self.codec
            .seal_json_with(&receipt, &options)
            .unwrap_or_default()
    }

    /// Opens a receipt, refusing forged, altered or expired ones.
    pub fn open(&self, token: &str) -> Result<Receipt> {
        self.codec
            .open_json_with(token.trim(), PURPOSE)
            .map_err(|e| Error::InvalidInput(format!("receipt rejected ({e}): read the reference again with msf_read for a fresh receipt")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_receipts_open_and_carry_what_was_read() {
        let s = Sealer::random().unwrap();
        let token = s.issue("checkpoint-tuning.md", "abc", Some("intro"));
        let r = s.open(&token).unwrap();
        assert_eq!(r.reference, "checkpoint-tuning.md");
        assert_eq!(r.sha256, "abc");
        assert_eq!(r.section.as_deref(), Some("intro"));
        assert!(r.issued_at > 0);
    }

    #[test]
    fn altered_or_foreign_receipts_are_refused() {
        let s = Sealer::random().unwrap();
        let token = s.issue("a.md", "abc", None);
        let mut altered = token.clone().into_bytes();
        let last = altered.len() - 3;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert!(s.open(&String::from_utf8(altered).unwrap()).is_err());
        let other = Sealer::random().unwrap();
        let e = other.open(&token).unwrap_err().to_string();
        assert!(e.contains("receipt rejected"), "{e}");
        assert!(s.open("not a receipt").is_err());
    }

    #[test]
    fn shared_keys_verify_across_instances() {
        let key = [7u8; 32];
        let a = Sealer::with_key(&key).unwrap();
        let b = Sealer::with_key(&key).unwrap();
        assert_eq!(
            b.open(&a.issue("x.md", "1", None)).unwrap().reference,
            "x.md"
        );
        assert!(Sealer::with_key(b"short").is_err());
    }
}
