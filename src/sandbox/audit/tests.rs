//! The audit log: the chain, its head file, torn lines, many writers, bounds.

use super::head::head_path;
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
