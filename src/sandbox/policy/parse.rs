//! Reading the policy file: the TOML as written, every key checked against
//! its ceiling or shape, environment overrides applied last.

use std::path::PathBuf;

use serde::Deserialize;

use super::{AuditSink, Limits, MfaApply, Mode, Overrides, Policy, is_region};
use crate::error::{Error, Result};
use crate::workflow::gates::Action;

/// Hard ceilings no policy file can raise.
const MAX_PARALLELISM_CEILING: u32 = 10_000;
const MAX_ROWS_CEILING: u32 = 10_000;
const MAX_WAIT_CEILING: u32 = 600;
const MAX_CONSENT_CEILING: u32 = 3_600;

/// The policy file, as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    allow: Allow,
    #[serde(default)]
    deny: Deny,
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    audit: AuditFile,
    #[serde(default)]
    apply: ApplyFile,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplyFile {
    #[serde(default)]
    mfa_role_arn: Option<String>,
    #[serde(default)]
    mfa_serial: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Allow {
    #[serde(default)]
    applications: Vec<String>,
    #[serde(default)]
    regions: Vec<String>,
    #[serde(default)]
    profiles: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Deny {
    #[serde(default)]
    changes: Vec<Action>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditFile {
    #[serde(default)]
    path: Option<PathBuf>,
    #[serde(default)]
    cloudwatch_log_group: Option<String>,
    #[serde(default)]
    sink_failure: Option<String>,
}

impl Policy {
    /// Parses and validates a policy file's text, then applies `overrides`.
    /// Every problem is an error that names the key: the server refuses to start.
    pub fn parse(text: &str, overrides: &Overrides) -> Result<Policy> {
        let file: File =
            toml::from_str(text).map_err(|e| Error::InvalidInput(format!("policy file: {e}")))?;
        let mode_text = overrides.mode.clone().or(file.mode);
        let mode = match mode_text {
            Some(m) => Mode::parse(&m).map_err(|e| Error::InvalidInput(format!("policy: {e}")))?,
            None => Mode::ReadOnly,
        };
        for glob in &file.allow.applications {
            if glob.trim().is_empty() || glob.len() > 128 {
                return Err(Error::InvalidInput(format!(
                    "policy: allow.applications entry `{glob}` must be 1-128 characters"
                )));
            }
        }
        for region in &file.allow.regions {
            if !is_region(region) {
                return Err(Error::InvalidInput(format!(
                    "policy: allow.regions entry `{region}` is not a region name like us-east-1"
                )));
            }
        }
        for profile in &file.allow.profiles {
            if profile.trim().is_empty() || profile.contains(char::is_whitespace) {
                return Err(Error::InvalidInput(format!(
                    "policy: allow.profiles entry `{profile}` is not a profile name"
                )));
            }
        }
        let l = file.limits;
        for (key, value, ceiling) in [
            (
                "max_parallelism",
                l.max_parallelism,
                MAX_PARALLELISM_CEILING,
            ),
            ("max_rows", l.max_rows, MAX_ROWS_CEILING),
            ("max_wait_s", l.max_wait_s, MAX_WAIT_CEILING),
            ("consent_s", l.consent_s, MAX_CONSENT_CEILING),
        ] {
            if value == 0 || value > ceiling {
                return Err(Error::InvalidInput(format!(
                    "policy: limits.{key} = {value} must be between 1 and {ceiling}"
                )));
            }
        }
        let audit_sink = match (
            &file.audit.cloudwatch_log_group,
            file.audit.sink_failure.as_deref(),
        ) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(Error::InvalidInput(
                    "policy: [audit] sink_failure needs cloudwatch_log_group".into(),
                ));
            }
            (Some(group), failure) => {
                let valid = !group.is_empty()
                    && group.len() <= 512
                    && group
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "._-/#".contains(c));
                if !valid {
                    return Err(Error::InvalidInput(format!(
                        "policy: [audit] cloudwatch_log_group `{}` is not a log group name (1-512 of A-Z a-z 0-9 . _ - / #)",
                        crate::corpus::preview(group, 80)
                    )));
                }
                let refuse_on_failure = match failure {
                    None | Some("refuse") => true,
                    Some("warn") => false,
                    Some(other) => {
                        return Err(Error::InvalidInput(format!(
                            "policy: [audit] sink_failure = \"{}\" is not one of refuse, warn",
                            crate::corpus::preview(other, 40)
                        )));
                    }
                };
                Some(AuditSink {
                    log_group: group.clone(),
                    refuse_on_failure,
                })
            }
        };
        let arn_like = |v: &str, part: &str| {
            v.len() <= 256
                && v.starts_with("arn:")
                && v.contains(part)
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-:/".contains(c))
        };
        let mfa = match (file.apply.mfa_role_arn, file.apply.mfa_serial) {
            (None, None) => None,
            (Some(role_arn), Some(serial)) => {
                if !arn_like(&role_arn, ":role/") {
                    return Err(Error::InvalidInput(format!(
                        "policy: [apply] mfa_role_arn `{}` is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
                        crate::corpus::preview(&role_arn, 80)
                    )));
                }
                let hardware = (9..=256).contains(&serial.len())
                    && serial.chars().all(|c| c.is_ascii_alphanumeric());
                if !arn_like(&serial, ":mfa/") && !hardware {
                    return Err(Error::InvalidInput(format!(
                        "policy: [apply] mfa_serial `{}` is not an MFA device ARN or serial",
                        crate::corpus::preview(&serial, 80)
                    )));
                }
                Some(MfaApply { role_arn, serial })
            }
            _ => {
                return Err(Error::InvalidInput(
                    "policy: [apply] needs both mfa_role_arn and mfa_serial".into(),
                ));
            }
        };
        Ok(Policy {
            mfa,
            mode,
            applications: file.allow.applications,
            regions: file.allow.regions,
            profiles: file.allow.profiles,
            denied_changes: file.deny.changes,
            limits: l,
            audit_path: overrides.audit_path.clone().or(file.audit.path),
            audit_sink,
        })
    }

    /// The policy with no file: read-only, nothing may be changed.
    pub fn default_with(overrides: &Overrides) -> Result<Policy> {
        Policy::parse("", overrides)
    }
}
