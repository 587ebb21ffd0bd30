//! The end of the log: finds the last complete line whatever its size (read
//! backwards in chunks), and moves a torn last line aside.

use std::{
    fs::File,
    io::{Read, Seek, SeekFrom},
    path::{Path, PathBuf},
    time::{SystemTime, UNIX_EPOCH},
};

use crate::error::{Error, Result};

const CHUNK: u64 = 64 * 1024;

/// The byte offset where the line ending at `end` (exclusive, after its
/// newline or at end of file) starts.
fn line_start(path: &Path, file: &mut File, end: u64) -> Result<u64> {
    let mut pos = end;
    let mut buf = vec![0u8; CHUNK as usize];
    // Skip the newline that ends the line itself.
    let mut skip_last = true;
    while pos > 0 {
        let take = pos.min(CHUNK);
        let from = pos - take;
        file.seek(SeekFrom::Start(from))
            .map_err(|e| Error::io(path, e))?;
        let chunk = buf.get_mut(..take as usize).unwrap_or_default();
        file.read_exact(chunk).map_err(|e| Error::io(path, e))?;
        let mut slice: &[u8] = chunk;
        if skip_last && slice.last() == Some(&b'\n') {
            slice = slice.get(..slice.len() - 1).unwrap_or_default();
        }
        skip_last = false;
        if let Some(i) = slice.iter().rposition(|&b| b == b'\n') {
            return Ok(from + i as u64 + 1);
        }
        pos = from;
    }
    Ok(0)
}

/// The bytes of the log from offset `start` to its end.
fn read_from(path: &Path, file: &mut File, start: u64) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.seek(SeekFrom::Start(start))
        .map_err(|e| Error::io(path, e))?;
    file.read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    Ok(bytes)
}

/// Moves a torn last line (no final newline) aside to `<log>.torn-<time>`
/// and truncates the log after the last complete line. Returns whether it did.
pub fn set_aside_torn(path: &Path, file: &mut File) -> Result<bool> {
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if len == 0 {
        return Ok(false);
    }
    let mut last = [0u8; 1];
    file.seek(SeekFrom::Start(len - 1))
        .map_err(|e| Error::io(path, e))?;
    file.read_exact(&mut last).map_err(|e| Error::io(path, e))?;
    if last[0] == b'\n' {
        return Ok(false);
    }
    let start = line_start(path, file, len)?;
    let torn = read_from(path, file, start)?;
    let aside = PathBuf::from(format!(
        "{}.torn-{}",
        path.display(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::write(&aside, &torn).map_err(|e| Error::io(&aside, e))?;
    tracing::warn!(log = %path.display(), aside = %aside.display(), "torn last audit line moved aside");
    file.set_len(start).map_err(|e| Error::io(path, e))?;
    Ok(true)
}

/// The last complete line of the log (without its newline), if any.
pub fn last_line(path: &Path, file: &mut File) -> Result<Option<Vec<u8>>> {
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if len == 0 {
        return Ok(None);
    }
    let start = line_start(path, file, len)?;
    let mut line = read_from(path, file, start)?;
    while line.last() == Some(&b'\n') {
        line.pop();
    }
    Ok(Some(line))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn finds_the_last_line_across_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let big = "x".repeat(3 * CHUNK as usize + 17);
        std::fs::write(&path, format!("first\n{big}\n")).unwrap();
        let mut f = File::open(&path).unwrap();
        assert_eq!(last_line(&path, &mut f).unwrap().unwrap(), big.as_bytes());
        std::fs::write(&path, "only\n").unwrap();
        let mut f = File::open(&path).unwrap();
        assert_eq!(last_line(&path, &mut f).unwrap().unwrap(), b"only");
    }

    #[test]
    fn a_torn_line_of_any_size_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let torn = "y".repeat(2 * CHUNK as usize);
        std::fs::write(&path, format!("a\nb\n{torn}")).unwrap();
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        assert!(set_aside_torn(&path, &mut f).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a\nb\n");
        f.flush().unwrap();
        assert!(!set_aside_torn(&path, &mut f).unwrap());
    }
}
