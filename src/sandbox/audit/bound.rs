//! Keeps every record small: a string longer than [`MAX_VALUE_CHARS`] is
//! stored as its first characters, its length and its sha256 (enough to match
//! it against what a caller sent, never a copy of a 400 kB argument), and a
//! reason is cut at [`MAX_REASON_CHARS`].

use serde_json::Value;

use super::Entry;
use crate::corpus::hex_sha256;

/// Longest string value stored whole in an audit record.
pub const MAX_VALUE_CHARS: usize = 256;
/// Longest reason stored.
pub const MAX_REASON_CHARS: usize = 512;
/// Characters kept of a long value.
const PREFIX_CHARS: usize = 64;

fn shorten(s: &str, max: usize) -> Option<String> {
    (s.chars().count() > max).then(|| {
        let prefix: String = s.chars().take(PREFIX_CHARS).collect();
        format!(
            "{prefix}… ({} bytes, sha256 {})",
            s.len(),
            hex_sha256(s.as_bytes())
        )
    })
}

fn bound_value(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let Some(short) = shorten(s, MAX_VALUE_CHARS) {
                *s = short;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(bound_value),
        Value::Object(map) => map.values_mut().for_each(bound_value),
        _ => {}
    }
}

fn bound_opt(v: &mut Option<String>, max: usize) {
    if let Some(s) = v
        && let Some(short) = shorten(s, max)
    {
        *s = short;
    }
}

/// Bounds every string of `entry` in place.
pub fn bound(entry: &mut Entry) {
    bound_value(&mut entry.args);
    bound_opt(&mut entry.reason, MAX_REASON_CHARS);
    for s in [
        &mut entry.kind,
        &mut entry.audit_id,
        &mut entry.tool,
        &mut entry.args_sha256,
        &mut entry.decision,
    ] {
        if let Some(short) = shorten(s, MAX_VALUE_CHARS) {
            *s = short;
        }
    }
    for o in [
        &mut entry.account,
        &mut entry.caller_arn,
        &mut entry.region,
        &mut entry.profile,
        &mut entry.outcome,
    ] {
        bound_opt(o, MAX_VALUE_CHARS);
    }
    entry.aws_request_ids.truncate(64);
    entry.aws_request_ids.iter_mut().for_each(|s| {
        if let Some(short) = shorten(s, MAX_VALUE_CHARS) {
            *s = short;
        }
    });
    entry.receipts.truncate(64);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_become_prefix_length_and_digest() {
        let big = "r".repeat(400_000);
        let mut e = Entry {
            args: serde_json::json!({"region": big, "nested": [{"x": "short"}]}),
            reason: Some(format!("region `{big}` is not allowed")),
            region: Some(big.clone()),
            ..Entry::default()
        };
        bound(&mut e);
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.len() < 3_000, "{} bytes", json.len());
        let region = e.args["region"].as_str().unwrap();
        assert!(region.contains("400000 bytes, sha256 "), "{region}");
        assert!(region.contains(&hex_sha256(big.as_bytes())));
        assert_eq!(e.args["nested"][0]["x"], "short");
    }
}
