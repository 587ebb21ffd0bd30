//! Helpers shared by the integration tests: fixture paths, the built binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The fixture corpus (three small references).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/references")
}

/// How many `*.md` references the real `references/` folder holds.
pub fn reference_files() -> usize {
    std::fs::read_dir(real_references())
        .expect("references folder")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".md"))
        .count()
}

/// A corpus with known problems, for `refs --check`.
pub fn broken_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken")
}

/// The project's real references.
pub fn real_references() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("references")
}

/// The built `msf-mcp` binary.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_msf-mcp")
}

/// A state folder for this test process (key file, default audit log), so
/// tests never write into the user's home.
pub fn state_home() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("msf-mcp-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("state dir");
    dir
}

/// Environment every spawned binary gets: isolated state, no stray configuration.
pub fn isolate(cmd: &mut Command) -> &mut Command {
    cmd.env("XDG_STATE_HOME", state_home())
        .env("XDG_CONFIG_HOME", state_home().join("config"))
        .env_remove("MSF_MCP_AUDIT_KEY")
        .env("MSF_MCP_AUDIT_LOG", state_home().join("audit.jsonl"))
        .env_remove("MSF_MCP_REFERENCES")
        .env_remove("MSF_MCP_INDEX_DIR")
        .env_remove("MSF_MCP_CONFIG")
        .env_remove("MSF_MCP_MODE")
        .env_remove("MSF_MCP_RECEIPT_KEY")
}

/// Runs the binary on the fixture corpus with an in-memory index.
pub fn run_fixture(args: &[&str]) -> Output {
    let fixtures = fixtures();
    let mut cmd = Command::new(bin());
    cmd.arg("--references")
        .arg(&fixtures)
        .arg("--in-memory")
        .args(args);
    isolate(&mut cmd);
    cmd.output().expect("run msf-mcp")
}

/// Stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
