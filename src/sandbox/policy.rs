//! The operator's policy: what the AWS tools may do. Parsed once from
//! `msf-mcp.toml` (plus environment overrides), validated, then pure.
//!
//! ```toml
//! mode = "plan-only"                  # read-only (default) | plan-only | mutate
//! [allow]
//! applications = ["orders-*"]         # application-name globs that may be changed
//! regions = ["us-east-1", "eu-west-1"] # regions a call may name (default: only the default region)
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

/// MFA-backed apply: changes are made with a role assumed with the code the
/// person types, so AWS itself refuses a change nobody confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaApply {
    /// Role that may change applications (its trust policy requires MFA).
    pub role_arn: String,
    /// The person's MFA device (ARN or hardware serial).
    pub serial: String,
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
mod tests {
    use super::*;

    #[test]
    fn default_is_read_only_and_changes_nothing() {
        let p = Policy::default_with(&Overrides::default()).unwrap();
        assert_eq!(p.mode, Mode::ReadOnly);
        assert!(p.check_change(Action::Start, "anything").is_err());
        assert!(p.check_region(None).is_ok());
        assert!(
            p.check_region(Some("eu-west-1"))
                .unwrap_err()
                .contains("allow.regions")
        );
        assert_eq!(p.limits, Limits::default());
    }

    #[test]
    fn the_off_box_sink_is_parsed_and_checked() {
        let p = Policy::parse(
            "[audit]\ncloudwatch_log_group = \"/msf-mcp/audit\"\n",
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(
            p.audit_sink,
            Some(AuditSink {
                log_group: "/msf-mcp/audit".into(),
                refuse_on_failure: true
            })
        );
        let p = Policy::parse(
            "[audit]\ncloudwatch_log_group = \"g\"\nsink_failure = \"warn\"\n",
            &Overrides::default(),
        )
        .unwrap();
        assert!(!p.audit_sink.unwrap().refuse_on_failure);
        for bad in [
            "[audit]\ncloudwatch_log_group = \"bad name!\"\n",
            "[audit]\nsink_failure = \"warn\"\n",
            "[audit]\ncloudwatch_log_group = \"g\"\nsink_failure = \"maybe\"\n",
        ] {
            assert!(Policy::parse(bad, &Overrides::default()).is_err(), "{bad}");
        }
    }

    #[test]
    fn mfa_backed_apply_needs_a_role_and_a_device() {
        let ok = "[apply]\nmfa_role_arn = \"arn:aws:iam::123456789012:role/msf-apply\"\nmfa_serial = \"arn:aws:iam::123456789012:mfa/alice\"\n";
        let p = Policy::parse(ok, &Overrides::default()).unwrap();
        assert_eq!(p.mfa.unwrap().serial, "arn:aws:iam::123456789012:mfa/alice");
        for bad in [
            "[apply]\nmfa_role_arn = \"arn:aws:iam::123456789012:role/x\"\n",
            "[apply]\nmfa_role_arn = \"not-an-arn\"\nmfa_serial = \"GAHT12345678\"\n",
            "[apply]\nmfa_role_arn = \"arn:aws:iam::1:role/x\"\nmfa_serial = \"x y\"\n",
        ] {
            assert!(Policy::parse(bad, &Overrides::default()).is_err(), "{bad}");
        }
    }

    #[test]
    fn region_and_profile_arguments_are_checked_before_use() {
        let p = Policy::default_with(&Overrides::default()).unwrap();
        let long = "us-east-1".repeat(1000);
        let e = p.check_region(Some(&long)).unwrap_err();
        assert!(e.contains("not an AWS region name") && e.len() < 300, "{e}");
        assert!(
            p.check_profile(Some("a b"))
                .unwrap_err()
                .contains("not an AWS profile")
        );
    }

    #[test]
    fn parses_a_full_policy_and_env_overrides_win() {
        let text = r#"
mode = "plan-only"
[allow]
applications = ["orders-*", "dev-?"]
regions = ["eu-west-1"]
profiles = ["dev"]
[deny]
changes = ["delete_snapshot"]
[limits]
max_parallelism = 32
[audit]
path = "/tmp/a.jsonl"
"#;
        let p = Policy::parse(text, &Overrides::default()).unwrap();
        assert_eq!(p.mode, Mode::PlanOnly);
        assert!(p.check_change(Action::Start, "orders-enricher").is_ok());
        assert!(p.check_change(Action::Start, "dev-1").is_ok());
        assert!(p.check_change(Action::Start, "dev-12").is_err());
        assert!(
            p.check_change(Action::DeleteSnapshot, "orders-x")
                .unwrap_err()
                .contains("deny.changes")
        );
        assert!(p.check_region(Some("eu-west-1")).is_ok());
        assert!(
            p.check_profile(Some("prod"))
                .unwrap_err()
                .contains("allow.profiles")
        );
        assert_eq!(p.limits.max_parallelism, 32);
        assert_eq!(p.limits.max_rows, 1_000);
        let o = Overrides {
            mode: Some("mutate".into()),
            audit_path: Some("/x".into()),
        };
        let p = Policy::parse(text, &o).unwrap();
        assert_eq!(p.mode, Mode::Mutate);
        assert_eq!(p.audit_path, Some(PathBuf::from("/x")));
    }

    #[test]
    fn invalid_policies_are_refused_with_the_key() {
        for (text, want) in [
            ("mode = \"yolo\"", "not one of read-only"),
            ("[allow]\nregions = [\"mars\"]", "not a region name"),
            ("[limits]\nmax_rows = 0", "limits.max_rows"),
            ("[deny]\nchanges = [\"format_disk\"]", "unknown variant"),
            ("unknown_key = 1", "unknown field"),
            ("mode = ", "policy file"),
        ] {
            let e = Policy::parse(text, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
        let e = Policy::parse(
            "",
            &Overrides {
                mode: Some("root".into()),
                audit_path: None,
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("not one of"));
    }

    #[test]
    fn globs_match_whole_names() {
        assert!(glob_match("orders-*", "orders-"));
        assert!(glob_match("*-prod", "a-b-prod"));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("orders-*", "xorders-1"));
        assert!(!glob_match("a?c", "abbc"));
        assert!(glob_match("*", ""));
    }
}
