//! The binary's edge for the AWS side: policy from file and environment,
//! the audit log's place, the sealing key, and AWS settings. Every read of
//! the environment for these happens here, once, at start.

use std::{
    io::Write,
    os::unix::fs::OpenOptionsExt,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context, Result};

use msf_mcp::sandbox::{
    AwsSettings, Sandbox,
    policy::{Overrides, Policy},
};

/// The per-user state folder: `$XDG_STATE_HOME/msf-mcp` or `~/.local/state/msf-mcp`.
pub fn state_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_STATE_HOME").filter(|x| !x.is_empty()) {
        return Some(PathBuf::from(x).join("msf-mcp"));
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(
        PathBuf::from(home)
            .join(".local")
            .join("state")
            .join("msf-mcp"),
    )
}

/// The key that seals receipts and plans: `MSF_MCP_RECEIPT_KEY` (32+ bytes),
/// else a per-user key file created once with mode 0600, so the server and
/// the `msf-mcp apply` command of the same user share it; else a random key.
pub fn key() -> Result<Vec<u8>> {
    if let Ok(k) = std::env::var("MSF_MCP_RECEIPT_KEY")
        && !k.is_empty()
    {
        anyhow::ensure!(
            k.len() >= 32,
            "MSF_MCP_RECEIPT_KEY must be at least 32 bytes"
        );
        return Ok(k.into_bytes());
    }
    let mut fresh = [0u8; 32];
    getrandom::fill(&mut fresh).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let Some(dir) = state_dir() else {
        return Ok(fresh.to_vec());
    };
    let path = dir.join("key");
    if let Ok(existing) = std::fs::read(&path)
        && existing.len() >= 32
    {
        return Ok(existing);
    }
    if std::fs::create_dir_all(&dir).is_err() {
        return Ok(fresh.to_vec());
    }
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .and_then(|mut f| f.write_all(&fresh));
    match written {
        Ok(()) => Ok(fresh.to_vec()),
        // Another process created it first: use theirs.
        Err(_) => Ok(std::fs::read(&path)
            .ok()
            .filter(|k| k.len() >= 32)
            .unwrap_or(fresh.to_vec())),
    }
}

/// The per-user configuration folder: `$XDG_CONFIG_HOME/msf-mcp` or `~/.config/msf-mcp`.
pub fn config_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|x| !x.is_empty()) {
        return Some(PathBuf::from(x).join("msf-mcp"));
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(PathBuf::from(home).join(".config").join("msf-mcp"))
}

/// The key that chains the audit log, kept apart from the log:
/// `MSF_MCP_AUDIT_KEY` (32+ bytes), else `audit.key` in the configuration
/// folder (not the state folder that holds the log), created once with mode
/// 0600 so the server and the CLI twins of one user share one chain. With
/// neither there is no key, and the AWS tools are not served: an audit that
/// nobody could verify later would be no audit.
pub fn audit_key() -> Result<Vec<u8>> {
    if let Ok(k) = std::env::var("MSF_MCP_AUDIT_KEY")
        && !k.is_empty()
    {
        anyhow::ensure!(k.len() >= 32, "MSF_MCP_AUDIT_KEY must be at least 32 bytes");
        return Ok(k.into_bytes());
    }
    let dir = config_dir().context(
        "no audit key: set MSF_MCP_AUDIT_KEY (32+ bytes) or HOME, so that ~/.config/msf-mcp/audit.key can hold one",
    )?;
    let path = dir.join("audit.key");
    if let Ok(existing) = std::fs::read(&path) {
        anyhow::ensure!(
            existing.len() >= 32,
            "{} holds fewer than 32 bytes; restore the key, or remove it to start a new audit chain (the old log then no longer verifies)",
            path.display()
        );
        return Ok(existing);
    }
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create {} for the audit key", dir.display()))?;
    let mut fresh = [0u8; 32];
    getrandom::fill(&mut fresh).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .and_then(|mut f| f.write_all(&fresh).and_then(|()| f.sync_all()));
    match written {
        Ok(()) => Ok(fresh.to_vec()),
        // Another process created it first: use theirs.
        Err(_) => {
            let existing = std::fs::read(&path)
                .with_context(|| format!("cannot read the audit key {}", path.display()))?;
            anyhow::ensure!(existing.len() >= 32, "{} is too short", path.display());
            Ok(existing)
        }
    }
}

/// The policy: the file at `config` (or `MSF_MCP_CONFIG`), with
/// `MSF_MCP_MODE` and `MSF_MCP_AUDIT_LOG` on top. An invalid file is an error.
pub fn policy(config: Option<&Path>) -> Result<Policy> {
    let overrides = Overrides {
        mode: std::env::var("MSF_MCP_MODE").ok().filter(|m| !m.is_empty()),
        audit_path: std::env::var_os("MSF_MCP_AUDIT_LOG")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from),
    };
    let policy = match config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the policy file {}", path.display()))?;
            Policy::parse(&text, &overrides)
                .with_context(|| format!("invalid policy file {}", path.display()))?
        }
        None => Policy::default_with(&overrides).context("invalid MSF_MCP_MODE")?,
    };
    Ok(policy)
}

/// The sandbox for this process.
pub fn sandbox(config: Option<&Path>, key: &[u8]) -> Result<Sandbox> {
    sandbox_with(config, key, &audit_key()?)
}

/// The sandbox for this process, with the audit key already resolved.
pub fn sandbox_with(config: Option<&Path>, key: &[u8], audit_key: &[u8]) -> Result<Sandbox> {
    let policy = policy(config)?;
    let audit = match &policy.audit_path {
        Some(p) => p.clone(),
        None => state_dir().map(|d| d.join("audit.jsonl")).context(
            "no audit log path: set MSF_MCP_AUDIT_LOG or [audit] path in the policy file",
        )?,
    };
    let mut aws = AwsSettings::standard();
    if let Some(n) = std::env::var("MSF_MCP_AWS_MAX_ATTEMPTS")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        aws.max_attempts = n;
    }
    if let Some(s) = std::env::var("MSF_MCP_AWS_TIMEOUT_S")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        aws.operation_timeout = Duration::from_secs(s);
    }
    Sandbox::new(policy, &audit, audit_key, aws, key)
        .with_context(|| format!("cannot open the audit log {}", audit.display()))
}
