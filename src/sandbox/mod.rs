//! The sandbox: the only door to AWS. Every call passes
//! policy check → audit "attempt" → the call → audit "outcome".
//! The AWS client modules (`aws`, `flink`, `logs`) are private children of
//! this module, so code elsewhere cannot reach AWS without passing here.
//!
//! The operations live in `reads` (context, applications, logs, audit log)
//! and `changes` (plan, apply); `door` holds the door they all pass (policy,
//! audit records, the call), `consent` a person's answer to a change and the
//! guard against applying one plan twice.
//!
//! Mutations additionally need: mutate mode, an allow-listed application,
//! a change kind not denied, a sealed and fresh plan, the gating references
//! read, and a person's consent (asked by the caller, never a field the
//! model could fill in).

pub mod args;
pub mod audit;
mod aws;
mod change_args;
mod changes;
mod consent;
mod door;
pub mod errors;
mod flink;
mod logs;
pub mod plan;
pub mod policy;
pub mod prices;
mod reads;
pub mod signals;
mod sink;
pub mod types;

use std::{
    collections::{HashMap, HashSet},
    sync::Mutex,
    time::Instant,
};

pub use aws::{AwsSettings, TestHooks};
pub use flink::{REDACTED, Restore};
pub use logs::Preset;

use door::{Call, now_secs};

use self::{audit::Audit, plan::PlanSealer, policy::Policy, types::*};
use crate::error::{Error, Result};

/// Profile and region an identity was resolved for.
type IdentityKey = (Option<String>, Option<String>);

/// What the person said when asked to confirm a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consent {
    /// They typed the application name.
    Confirmed,
    /// They typed the application name and the current code of their MFA
    /// device (asked when the policy's `[apply]` names an MFA-backed role).
    ConfirmedWithCode(String),
    /// They declined, cancelled or typed something else.
    Declined(String),
    /// This client cannot ask a person.
    Unavailable,
}

/// The door to AWS, with its policy and audit log.
pub struct Sandbox {
    policy: Policy,
    audit: Audit,
    aws: AwsSettings,
    plans: PlanSealer,
    identities: Mutex<HashMap<IdentityKey, (Instant, Identity)>>,
    /// Digests of the plans being applied now.
    in_flight: std::sync::Arc<Mutex<HashSet<String>>>,
    /// Nonces of consent questions already answered.
    answered: Mutex<HashSet<String>>,
    /// The off-box copy of the audit log, when the policy names one.
    sink: Option<sink::Sink>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("mode", &self.policy.mode)
            .field("audit", &self.audit.path())
            .finish()
    }
}

impl Sandbox {
    /// A sandbox with `policy`, writing to the audit log at `audit_path`
    /// chained under `audit_key` (32+ bytes, kept apart from the log);
    /// `key` (32+ bytes) seals plans.
    pub fn new(
        policy: Policy,
        audit_path: &std::path::Path,
        audit_key: &[u8],
        aws: AwsSettings,
        key: &[u8],
    ) -> Result<Sandbox> {
        let sink = policy
            .audit_sink
            .as_ref()
            .map(|cfg| sink::Sink::new(cfg, aws.clone()));
        Ok(Sandbox {
            sink,
            audit: Audit::open(audit_path, audit_key)?,
            policy,
            aws,
            plans: PlanSealer::with_key(key)?,
            identities: Mutex::new(HashMap::new()),
            in_flight: std::sync::Arc::new(Mutex::new(HashSet::new())),
            answered: Mutex::new(HashSet::new()),
        })
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The audit log.
    pub fn audit(&self) -> &Audit {
        &self.audit
    }
}

/// Application names: 1-128 of letters, digits, `_`, `.`, `-` (as AWS allows).
fn check_name(name: &str) -> Result<()> {
    check_identifier(
        "an application name",
        name,
        128,
        "; list them with msf_list_applications",
    )
}

/// Checks an AWS resource name: 1-`max` of letters, digits, `_`, `.`, `-`.
pub(crate) fn check_identifier(what: &str, value: &str, max: usize, hint: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= max
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "`{}` is not {what} (1-{max} of A-Z a-z 0-9 _ . -){hint}",
            crate::corpus::preview(value, 80)
        )))
    }
}
