//! Embeds `references/*.md` into the binary: writes `$OUT_DIR/embedded.rs`
//! with one `(file name, include_str!(..))` pair per reference, sorted by name.

use std::{env, fs, io, path::Path};

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
    for name in &names {
        let path = dir.join(name);
        code.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = env::var("OUT_DIR").map_err(io::Error::other)?;
    fs::write(Path::new(&out).join("embedded.rs"), code)
}
