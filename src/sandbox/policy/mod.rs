//! The operator's policy: what the AWS tools may do. Parsed once from
//! `msf-mcp.toml` (plus environment overrides), validated, then pure.
//!
//! ```toml
//! mode = "plan-only"                  # read-only (default) | plan-only | mutate
//! [allow]
//! applications = ["orders-*"]         # application-name globs that may be changed
//! regions = ["us-east-1", "eu-west-1"] # the only regions calls may reach, the default one included
//!                                     # (default: only the default region, and no other may be named)
//! profiles = ["dev"]                  # profiles a call may name (default: only the default profile)
//! [deny]
//! changes = ["delete_snapshot"]       # change kinds refused even in mutate mode
//! [limits]
//! max_parallelism = 64
//! max_rows = 1000
//! max_wait_s = 60
//! consent_s = 600                     # how long a person has to confirm a change
//! [audit]
//! path = "/var/log/msf-mcp/audit.jsonl"
//! cloudwatch_log_group = "/msf-mcp/audit"   # off-box copy of every record
//! sink_failure = "refuse"                    # or "warn": a change whose attempt cannot be shipped
//! [apply]
//! mfa_role_arn = "arn:aws:iam::123456789012:role/msf-apply"   # changes only as this role,
//! mfa_serial = "arn:aws:iam::123456789012:mfa/alice"          # assumed with the person's MFA code
//! ```
//! Deny by default: read-only mode, no application may be changed, no
//! region or profile other than the defaults may be named.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::workflow::gates::Action;

mod parse;

/// What the AWS tools may do at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Only reads reach AWS (the default).
    #[default]
    ReadOnly,
    /// Reads, and change plans (which never touch AWS); applying is refused.
    PlanOnly,
    /// Plans may be applied, after policy, gates and a person's consent.
    Mutate,
}

impl Mode {
    /// Parses `read-only`, `plan-only` or `mutate`.
    pub fn parse(s: &str) -> Result<Mode> {
        match s.trim() {
            "read-only" => Ok(Mode::ReadOnly),
            "plan-only" => Ok(Mode::PlanOnly),
            "mutate" => Ok(Mode::Mutate),
            other => Err(Error::InvalidInput(format!(
                "mode `{other}` is not one of read-only, plan-only, mutate"
            ))),
        }
    }

    /// The mode's name as written in the policy file.
    pub fn name(self) -> &'static str {
        match self {
            Mode::ReadOnly => "read-only",
            Mode::PlanOnly => "plan-only",
            Mode::Mutate => "mutate",
        }
    }
}

/// MFA-backed apply: changes are made with a role assumed with the code the
/// person types, so AWS itself refuses a change nobody confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaApply {
    /// Role that may change applications (its trust policy requires MFA).
    pub role_arn: String,
    /// The person's MFA device (ARN or hardware serial).
    pub serial: String,
}

/// Caps on what one call may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Highest parallelism a change may set.
    pub max_parallelism: u32,
    /// Most log rows one query returns.
    pub max_rows: u32,
    /// Longest a log query may wait, in seconds.
    pub max_wait_s: u32,
    /// How long a person has to answer a consent question, in seconds.
    pub consent_s: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_parallelism: 64,
            max_rows: 1_000,
            max_wait_s: 60,
            consent_s: 600,
        }
    }
}

/// The off-box copy of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSink {
    /// CloudWatch Logs group that receives every record.
    pub log_group: String,
    /// Refuse a change whose attempt record cannot be shipped (`sink_failure = "refuse"`,
    /// the default); `"warn"` only logs.
    pub refuse_on_failure: bool,
}

/// The validated policy.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Policy {
    /// What may happen at all.
    pub mode: Mode,
    /// Globs of application names that may be changed.
    pub applications: Vec<String>,
    /// Regions a call may name besides the default.
    pub regions: Vec<String>,
    /// Profiles a call may name besides the default.
    pub profiles: Vec<String>,
    /// Change kinds refused in every mode.
    pub denied_changes: Vec<Action>,
    /// Caps.
    pub limits: Limits,
    /// Audit log file (default chosen by the caller).
    pub audit_path: Option<PathBuf>,
    /// Optional CloudWatch Logs copy of every audit record.
    pub audit_sink: Option<AuditSink>,
    /// Optional MFA-backed apply.
    pub mfa: Option<MfaApply>,
}

/// Environment overrides, read by the binary's edge and passed in.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `MSF_MCP_MODE`.
    pub mode: Option<String>,
    /// `MSF_MCP_AUDIT_LOG`.
    pub audit_path: Option<PathBuf>,
}

impl Policy {
    /// Returns true if and only if application `name` matches an allowed glob.
    pub fn may_change(&self, name: &str) -> bool {
        self.applications.iter().any(|g| glob_match(g, name))
    }

    /// Checks a change of kind `action` to application `name`; `Err` carries
    /// the rule that refused it.
    pub fn check_change(&self, action: Action, name: &str) -> std::result::Result<(), String> {
        if self.denied_changes.contains(&action) {
            return Err(format!("policy: deny.changes lists `{action}`"));
        }
        if !self.may_change(name) {
            return Err(format!(
                "policy: application `{name}` matches no allow.applications glob ({})",
                if self.applications.is_empty() {
                    "none configured".to_string()
                } else {
                    self.applications.join(", ")
                }
            ));
        }
        Ok(())
    }

    /// Checks a per-call region; `None` (the default region) is always allowed.
    pub fn check_region(&self, region: Option<&str>) -> std::result::Result<(), String> {
        match region {
            Some(r) if !is_region(r) => Err(format!(
                "`{}` is not an AWS region name (such as us-east-1); omit `region` to use the default",
                crate::corpus::preview(r, 64)
            )),
            Some(r) if !self.regions.iter().any(|x| x == r) => Err(format!(
                "policy: region `{r}` is not in allow.regions ({}): pass one of those, or omit `region` (--region on the command line) to use the default region",
                if self.regions.is_empty() {
                    "none configured".to_string()
                } else {
                    self.regions.join(", ")
                }
            )),
            _ => Ok(()),
        }
    }

    /// Checks the region a call without its own `region` resolved to (from
    /// the profile or the environment): with `allow.regions` set, it must be
    /// one of them, so that the list bounds every call, not only the ones
    /// that name a region. Without the list, the default region is the one
    /// region allowed.
    pub fn check_default_region(&self, resolved: Option<&str>) -> std::result::Result<(), String> {
        if self.regions.is_empty() {
            return Ok(());
        }
        match resolved {
            Some(r) if self.regions.iter().any(|x| x == r) => Ok(()),
            Some(r) => Err(format!(
                "policy: the default region `{r}` (from your AWS profile or environment) is not in allow.regions ({}): pass `region` (--region on the command line) with one of those, or add `{r}` to allow.regions",
                self.regions.join(", ")
            )),
            None => Err(format!(
                "policy: no default region is configured and allow.regions is set ({}): pass `region` (--region on the command line) with one of those",
                self.regions.join(", ")
            )),
        }
    }

    /// Checks a per-call profile; `None` (the default profile) is always allowed.
    pub fn check_profile(&self, profile: Option<&str>) -> std::result::Result<(), String> {
        match profile {
            Some(p) if p.len() > 128 || p.chars().any(|c| c.is_control() || c.is_whitespace()) => {
                Err(format!(
                    "`{}` is not an AWS profile name (at most 128 characters, no spaces); omit `profile` to use the default",
                    crate::corpus::preview(p, 64)
                ))
            }
            Some(p) if !self.profiles.iter().any(|x| x == p) => Err(format!(
                "policy: profile `{p}` is not in allow.profiles ({}); omit `profile` to use the default",
                if self.profiles.is_empty() {
                    "none configured".to_string()
                } else {
                    self.profiles.join(", ")
                }
            )),
            _ => Ok(()),
        }
    }
}

/// Returns true if and only if `s` looks like an AWS region (`us-east-1`, `cn-north-1`, `us-gov-west-1`).
fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    s.len() <= 32
        && parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

/// Glob match with `*` (any run) and `?` (one character), whole string.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some(pi);
                mark = ti;
                pi += 1;
            }
            Some(&c) if c == '?' || Some(&c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some(s) => {
                    pi = s + 1;
                    mark += 1;
                    ti = mark;
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

#[cfg(test)]
mod tests;
