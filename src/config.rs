//! Where the knowledge comes from and where its index lives, resolved once
//! at start-up from flags and environment (by `cli`) and passed down.

use std::path::{Path, PathBuf};

/// Where to keep the search index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexDir {
    /// A folder; a generation per corpus is kept inside.
    Path(PathBuf),
    /// Memory only (also the fallback when the folder is not writable).
    Memory,
}

/// Configuration of the knowledge side of the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnowledgeConfig {
    /// A folder of references that replaces the embedded corpus; `None` for the embedded one.
    pub references: Option<PathBuf>,
    /// Where the index is persisted.
    pub index_dir: IndexDir,
    /// Key that seals read receipts (at least 32 bytes); random per process when `None`.
    pub receipt_key: Option<Vec<u8>>,
}

impl KnowledgeConfig {
    /// The embedded corpus with the default index folder for `cwd`.
    pub fn embedded(cwd: &Path, cache_home: Option<&Path>) -> KnowledgeConfig {
        KnowledgeConfig {
            references: None,
            index_dir: default_index_dir(cwd, cache_home),
            receipt_key: None,
        }
    }
}

/// `./index` inside an msf-mcp checkout; otherwise `msf-mcp/index` in the
/// per-user cache folder; memory when there is none.
pub fn default_index_dir(cwd: &Path, cache_home: Option<&Path>) -> IndexDir {
    if is_checkout(cwd) {
        return IndexDir::Path(cwd.join("index"));
    }
    match cache_home {
        Some(cache) => IndexDir::Path(cache.join("msf-mcp").join("index")),
        None => IndexDir::Memory,
    }
}

/// Returns true if and only if `dir` is the root of an msf-mcp checkout.
fn is_checkout(dir: &Path) -> bool {
    dir.join("references").is_dir()
        && std::fs::read_to_string(dir.join("Cargo.toml"))
            .is_ok_and(|t| t.contains("name = \"msf-mcp\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkout_uses_its_index_folder_else_the_cache() {
        let tmp = std::env::temp_dir().join(format!("msf-cfg-{}", std::process::id()));
        let _ = std::fs::create_dir_all(tmp.join("references"));
        let cache = Path::new("/cache");
        assert_eq!(
            default_index_dir(&tmp, Some(cache)),
            IndexDir::Path(PathBuf::from("/cache/msf-mcp/index"))
        );
        let _ = std::fs::write(tmp.join("Cargo.toml"), "[package]\nname = \"msf-mcp\"\n");
        assert_eq!(
            default_index_dir(&tmp, Some(cache)),
            IndexDir::Path(tmp.join("index"))
        );
        assert_eq!(
            default_index_dir(Path::new("/nonexistent"), None),
            IndexDir::Memory
        );
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
