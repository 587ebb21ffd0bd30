//! The sandbox: the only door to AWS. Every call passes
//! policy check → audit "attempt" → the call → audit "outcome".
//! The AWS client modules (`aws`, `flink`, `logs`) are private children of
//! this module, so code elsewhere cannot reach AWS without passing here.
//!
//! The operations live in `reads` (context, applications, logs, audit log)
//! and `changes` (plan, apply); this module holds the door they all pass.
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
mod flink;
mod logs;
pub mod plan;
pub mod policy;
pub mod prices;
mod reads;
pub mod signals;
mod sink;
pub mod types;

/// AWS failures sorted into what the caller can act on. They live below the
/// sandbox, in [`crate::error::aws`], so the crate's error type wraps them
/// without depending on the sandbox.
pub use crate::error::aws as errors;

use std::{
    collections::{HashMap, HashSet},
    future::Future,
    sync::Mutex,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use serde_json::{Value, json};

pub use aws::{AwsSettings, TestHooks};
pub use flink::{REDACTED, Restore};
pub use logs::Preset;

use self::{
    audit::{Audit, Entry},
    errors::AwsResult,
    plan::PlanSealer,
    policy::Policy,
    types::*,
};
use crate::{
    corpus::hex_sha256,
    error::{Error, Result},
};

/// How long a caller identity is reused before STS is asked again.
const IDENTITY_TTL: Duration = Duration::from_secs(300);

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

/// Holds a plan digest in the in-flight set until dropped.
pub(crate) struct Claim {
    set: std::sync::Arc<Mutex<HashSet<String>>>,
    digest: String,
}

impl Drop for Claim {
    fn drop(&mut self) {
        if let Ok(mut set) = self.set.lock() {
            set.remove(&self.digest);
        }
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("mode", &self.policy.mode)
            .field("audit", &self.audit.path())
            .finish()
    }
}

/// One call's context for the door.
struct Call<'a> {
    tool: &'a str,
    args: Value,
    profile: Option<&'a str>,
    region: Option<&'a str>,
    mutating: bool,
}

impl Call<'_> {
    /// sha256 of each receipt the call presents (plan and apply).
    fn receipt_digests(&self) -> Vec<String> {
        self.args
            .get("receipts")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(|t| hex_sha256(t.as_bytes()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn new_audit_id() -> String {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Redacts values that may be secrets before they reach the audit log.
fn redact(args: &Value) -> Value {
    match args {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let secret = matches!(
                        k.as_str(),
                        "value" | "plan" | "receipts" | "password" | "secret" | "token"
                    );
                    (
                        k.clone(),
                        if secret && !v.is_null() {
                            json!(REDACTED)
                        } else {
                            redact(v)
                        },
                    )
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        other => other.clone(),
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

    /// The sealed state of a consent question about the plan `plan_token`,
    /// to send with an input request and to check on the answer.
    pub fn consent_question(&self, plan_token: &str) -> Result<String> {
        self.plans
            .seal_question(&hex_sha256(plan_token.as_bytes()), self.consent_timeout())
    }

    /// How long a person has to answer a consent question (policy `limits.consent_s`).
    pub fn consent_timeout(&self) -> Duration {
        Duration::from_secs(u64::from(self.policy.limits.consent_s))
    }

    /// Accepts an answer only as the reply to a question this server sealed
    /// for this plan, unexpired and not answered before.
    pub fn accept_answer(
        &self,
        plan_token: &str,
        state: Option<&str>,
    ) -> std::result::Result<(), String> {
        let state = state
            .ok_or("an answer arrived without the request state of a question msf-mcp asked")?;
        let nonce = self
            .plans
            .open_question(state, &hex_sha256(plan_token.as_bytes()))?;
        let mut answered = self
            .answered
            .lock()
            .map_err(|_| "consent bookkeeping unavailable".to_string())?;
        if !answered.insert(nonce) {
            return Err("this question was already answered; ask again".into());
        }
        Ok(())
    }

    /// Assumes the policy's MFA-backed apply role with `code` and returns the
    /// ARN AWS then sees (to check the set-up); changes nothing, audited.
    pub async fn mfa_identity(&self, code: &str) -> Result<String> {
        let Some(mfa) = self.policy.mfa.clone() else {
            return Err(Error::InvalidInput(
                "the policy has no [apply] mfa_role_arn and mfa_serial".into(),
            ));
        };
        let call = Call {
            tool: "mfa_identity",
            args: json!({"role_arn": mfa.role_arn, "serial": mfa.serial}),
            profile: None,
            region: None,
            mutating: false,
        };
        self.door(call, |config| async move {
            let config = aws::assume_with_mfa(&self.aws, &config, &mfa, code, "check").await?;
            let out = aws_sdk_sts::Client::new(&config)
                .get_caller_identity()
                .send()
                .await
                .map_err(errors::from_sdk("sts:GetCallerIdentity"))?;
            Ok((out.arn().unwrap_or_default().to_string(), Vec::new()))
        })
        .await
    }

    /// Claims the plan `digest` for this apply; `None` when it is in flight.
    pub(crate) fn claim(&self, digest: &str) -> Option<Claim> {
        let mut set = self.in_flight.lock().ok()?;
        set.insert(digest.to_string()).then(|| Claim {
            set: self.in_flight.clone(),
            digest: digest.to_string(),
        })
    }

    /// The audit id of an earlier apply of the plan `digest` that AWS
    /// accepted, or whose outcome is unknown (no outcome record).
    pub(crate) fn applied_before(&self, digest: &str) -> Result<Option<String>> {
        let records = self.audit.records(0, usize::MAX, |r| {
            r.entry.tool == "msf_apply_change"
                && r.entry.args.get("plan_sha256").and_then(Value::as_str) == Some(digest)
        })?;
        let attempts = records
            .iter()
            .filter(|r| r.entry.kind == "attempt" && r.entry.decision == "allow");
        for a in attempts {
            let outcome = records
                .iter()
                .find(|r| r.entry.kind == "outcome" && r.entry.audit_id == a.entry.audit_id);
            match outcome.and_then(|o| o.entry.outcome.as_deref()) {
                Some("ok") | None => return Ok(Some(a.entry.audit_id.clone())),
                Some(_) => {}
            }
        }
        Ok(None)
    }

    /// Appends a record; an error means it is not in the log. Returns the line.
    fn record(&self, entry: Entry, sync: bool) -> Result<String> {
        self.audit
            .append_line(entry, sync)
            .map(|(_, line)| line)
            .map_err(|e| {
                tracing::error!(error = %e, "cannot write the audit log");
                e
            })
    }

    /// Records an outcome and copies it off the machine (a failed copy of an
    /// outcome only warns: the call has already been made).
    async fn record_outcome(&self, outcome: Entry, sync: bool) -> Result<()> {
        let line = self.record(outcome, sync)?;
        let _ = self.ship(&line, false).await;
        Ok(())
    }

    /// Copies a record line off the machine, when a sink is configured.
    /// `Err` only when the copy failed and the policy says to refuse.
    async fn ship(&self, line: &str, refusable: bool) -> std::result::Result<(), String> {
        let Some(sink) = &self.sink else {
            return Ok(());
        };
        match sink.ship(line).await {
            Ok(()) => Ok(()),
            Err(e) if refusable && sink.refuses() => Err(e),
            Err(e) => {
                tracing::warn!(error = %e, group = sink.group(), "audit record not copied off the machine");
                Ok(())
            }
        }
    }

    fn entry(&self, call: &Call<'_>, audit_id: &str, kind: &str, decision: &str) -> Entry {
        Entry {
            kind: kind.to_string(),
            audit_id: audit_id.to_string(),
            tool: call.tool.to_string(),
            args: redact(&call.args),
            args_sha256: hex_sha256(call.args.to_string().as_bytes()),
            decision: decision.to_string(),
            region: call.region.map(str::to_string),
            profile: call.profile.map(str::to_string),
            receipts: call.receipt_digests(),
            ..Entry::default()
        }
    }

    /// Records a refusal (attempt + outcome) and returns it as an error.
    fn deny<T>(&self, call: &Call<'_>, reason: String) -> Result<T> {
        let id = new_audit_id();
        let mut attempt = self.entry(call, &id, "attempt", "deny");
        attempt.reason = Some(reason.clone());
        let mut outcome = self.entry(call, &id, "outcome", "deny");
        outcome.outcome = Some("denied".into());
        outcome.reason = Some(reason.clone());
        // A refusal changes nothing: it stays in the local log only.
        let recorded = self
            .record(attempt, call.mutating)
            .and_then(|_| self.record(outcome, call.mutating));
        match recorded {
            Ok(_) => Err(Error::Denied(reason)),
            // Refused either way; say that the refusal is not on record.
            Err(e) => Err(Error::Denied(format!(
                "{reason} (this refusal could not be recorded in the audit log: {e})"
            ))),
        }
    }

    /// The door: policy (region, profile), audit attempt, the call, audit outcome.
    async fn door<T, F, Fut>(&self, call: Call<'_>, op: F) -> Result<T>
    where
        F: FnOnce(aws_config::SdkConfig) -> Fut,
        Fut: Future<Output = AwsResult<(T, Vec<String>)>>,
    {
        self.door_with_id(call, op).await.map(|(value, _)| value)
    }

    /// [`Sandbox::door`], also returning the call's audit id.
    async fn door_with_id<T, F, Fut>(&self, call: Call<'_>, op: F) -> Result<(T, String)>
    where
        F: FnOnce(aws_config::SdkConfig) -> Fut,
        Fut: Future<Output = AwsResult<(T, Vec<String>)>>,
    {
        if let Err(reason) = self
            .policy
            .check_region(call.region)
            .and_then(|_| self.policy.check_profile(call.profile))
        {
            return self.deny(&call, reason);
        }
        let id = new_audit_id();
        let config = aws::config(&self.aws, call.profile, call.region, &id).await;
        let identity = self.identity(&config, call.profile, call.region).await.ok();
        let mut attempt = self.entry(&call, &id, "attempt", "allow");
        attempt.account = identity.as_ref().map(|i| i.account.clone());
        attempt.caller_arn = identity.as_ref().map(|i| i.arn.clone());
        attempt.region = config.region().map(|r| r.to_string());
        // Fail closed: nothing reaches AWS unless its attempt is on record,
        // and, for a change, copied off the machine when the policy asks so.
        let line = match self.record(attempt.clone(), call.mutating) {
            Ok(line) => line,
            Err(e) => {
                return Err(Error::Audit(format!(
                    "not sent to AWS: the audit log could not record the attempt ({e}). Free space or fix permissions on the audit log, then retry"
                )));
            }
        };
        if let Err(e) = self.ship(&line, call.mutating).await {
            return Err(Error::Audit(format!(
                "not sent to AWS: the attempt record could not be copied off the machine ({e}); the policy (sink_failure = \"refuse\") forbids changes without it"
            )));
        }
        let started = Instant::now();
        let result = op(config).await;
        let mut outcome = attempt;
        outcome.kind = "outcome".into();
        outcome.duration_ms = Some(started.elapsed().as_millis() as u64);
        let gap = |what: &str, ids: &[String], e: Error| {
            Error::Audit(format!(
                "{} {what} (audit id {id}, AWS request ids {}), but its outcome could not be recorded in the audit log ({e}). Do not repeat the call: check the application's state, free space on the audit log, and run `msf-mcp audit verify`, which lists the gap",
                call.tool,
                if ids.is_empty() {
                    "none".to_string()
                } else {
                    ids.join(", ")
                }
            ))
        };
        match result {
            Ok((value, ids)) => {
                outcome.outcome = Some("ok".into());
                outcome.aws_request_ids = ids.clone();
                match self.record_outcome(outcome, call.mutating).await {
                    Ok(()) => Ok((value, id)),
                    Err(e) if call.mutating => Err(gap("was sent and AWS accepted it", &ids, e)),
                    Err(e) => Err(gap("was answered", &ids, e)),
                }
            }
            Err(aws_error) => {
                outcome.outcome = Some("error".into());
                outcome.reason = Some(aws_error.message.clone());
                match self.record_outcome(outcome, call.mutating).await {
                    Ok(()) => Err(Error::Aws(aws_error)),
                    Err(e) => Err(gap(
                        &format!("was sent and failed ({})", aws_error.message),
                        &[],
                        e,
                    )),
                }
            }
        }
    }

    /// The caller identity for a profile and region, cached for a few minutes.
    async fn identity(
        &self,
        config: &aws_config::SdkConfig,
        profile: Option<&str>,
        region: Option<&str>,
    ) -> AwsResult<Identity> {
        let key = (profile.map(str::to_string), region.map(str::to_string));
        if let Ok(cache) = self.identities.lock()
            && let Some((at, id)) = cache.get(&key)
            && at.elapsed() < IDENTITY_TTL
        {
            return Ok(id.clone());
        }
        let out = aws_sdk_sts::Client::new(config)
            .get_caller_identity()
            .send()
            .await
            .map_err(errors::from_sdk("sts:GetCallerIdentity"))?;
        let id = Identity {
            account: out.account().unwrap_or_default().to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
        };
        if let Ok(mut cache) = self.identities.lock() {
            cache.insert(key, (Instant::now(), id.clone()));
        }
        Ok(id)
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
