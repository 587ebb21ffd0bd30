//! The chain: each record's `hash` is HMAC-SHA256, under the audit key, of
//! the previous record's hash, a newline, and the record's JSON without its
//! `hash` field, exactly as written. Without the key nobody can compute the
//! hash of an edited, forged or renumbered record, so a rewrite that keeps
//! the chain consistent needs the key, which is kept apart from the log.

use sha2::{Digest, Sha256};

use super::Record;
use crate::error::{Error, Result};

/// Hash of the (absent) record before the first.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Shortest audit key accepted.
pub const MIN_KEY_BYTES: usize = 32;

/// HMAC-SHA256 of `message` under `key` (RFC 2104), as lowercase hex.
pub fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        let digest = Sha256::digest(key);
        k[..digest.len()].copy_from_slice(&digest);
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The chain value of a record whose hash-less JSON is `body`, after `prev`.
pub fn chain_hash(key: &[u8], prev: &str, body: &str) -> String {
    hmac_hex(key, format!("{prev}\n{body}").as_bytes())
}

/// The record's JSON without `hash`, as hashed.
pub fn body_of(record: &Record) -> Result<String> {
    let mut value = serde_json::to_value(record)
        .map_err(|e| Error::InvalidInput(format!("audit record: {e}")))?;
    if let Some(map) = value.as_object_mut() {
        map.remove("hash");
    }
    serde_json::to_string(&value).map_err(|e| Error::InvalidInput(format!("audit record: {e}")))
}

/// The full line of `record` (with `hash`, ending in a newline) and its hash.
pub fn seal(key: &[u8], record: &Record) -> Result<(String, String)> {
    let body = body_of(record)?;
    let hash = chain_hash(key, &record.prev_hash, &body);
    let line = format!("{},\"hash\":\"{hash}\"}}\n", body.trim_end_matches('}'));
    Ok((line, hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        assert_eq!(
            hmac_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn long_keys_are_hashed_first() {
        // RFC 4231 test case 6: a 131-byte key of 0xaa.
        assert_eq!(
            hmac_hex(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
