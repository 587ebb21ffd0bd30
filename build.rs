//! Embeds `references/*.md` into the binary: writes `$OUT_DIR/embedded.rs`
//! with one `(file name, include_str!(..))` pair per reference, sorted by name,
//! and sets the corpus digest (same algorithm as `Corpus::digest`) for `--version`.

use std::{env, fs, io, path::Path};

use sha2::{Digest, Sha256};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn main() -> io::Result<()> {
    let manifest = env::var("CARGO_MANIFEST_DIR").map_err(io::Error::other)?;
    let dir = Path::new(&manifest).join("references");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = match fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.ends_with(".md"))
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    let mut code = String::from(
        "/// References embedded at build time: (file name, markdown).\npub(crate) static EMBEDDED: &[(&str, &str)] = &[\n",
    );
    let mut corpus = Sha256::new();
    for name in &names {
        let path = dir.join(name);
        code.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
        let file = hex(&Sha256::digest(fs::read(&path)?));
        corpus.update(name.as_bytes());
        corpus.update([0]);
        corpus.update(file.as_bytes());
        corpus.update([0]);
    }
    code.push_str("];\n");
    let facts = dir.join("facts.toml");
    if facts.is_file() {
        code.push_str(&format!(
            "/// The canonical facts table embedded at build time.\npub(crate) static FACTS: Option<&str> = Some(include_str!({:?}));\n",
            facts.display().to_string()
        ));
    } else {
        code.push_str("/// No facts table was present at build time.\npub(crate) static FACTS: Option<&str> = None;\n");
    }
    let digest = hex(&corpus.finalize());
    println!("cargo:rustc-env=MSF_MCP_CORPUS_DIGEST={digest}");
    println!(
        "cargo:rustc-env=MSF_MCP_LONG_VERSION={} (embedded references: {} files, corpus {})",
        env::var("CARGO_PKG_VERSION").unwrap_or_default(),
        names.len(),
        digest.get(..16).unwrap_or_default()
    );
    let out = env::var("OUT_DIR").map_err(io::Error::other)?;
    fs::write(Path::new(&out).join("embedded.rs"), code)
}
