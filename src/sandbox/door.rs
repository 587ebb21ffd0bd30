//! The door every AWS call passes: the policy's region and profile checks,
//! the audit record of the attempt (on disk, and off the machine when the
//! policy asks), the call, the record of its outcome. A refusal is recorded
//! too. Secrets are redacted before they reach the log.

use std::{
    future::Future,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use serde_json::{Value, json};

use super::{REDACTED, Sandbox, audit::Entry, aws, errors, errors::AwsResult, types::Identity};
use crate::{
    corpus::hex_sha256,
    error::{Error, Result},
};

/// How long a caller identity is reused before STS is asked again.
const IDENTITY_TTL: Duration = Duration::from_secs(300);

/// One call's context for the door.
pub(super) struct Call<'a> {
    pub(super) tool: &'a str,
    pub(super) args: Value,
    pub(super) profile: Option<&'a str>,
    pub(super) region: Option<&'a str>,
    pub(super) mutating: bool,
}

impl<'a> Call<'a> {
    /// A call that changes nothing: `tool` with `args` (as the audit log
    /// records them, redacted), in `profile` and `region` (`None`: the defaults).
    pub(super) fn read(
        tool: &'a str,
        args: Value,
        profile: &'a Option<String>,
        region: &'a Option<String>,
    ) -> Call<'a> {
        Call {
            tool,
            args,
            profile: profile.as_deref(),
            region: region.as_deref(),
            mutating: false,
        }
    }

    /// sha256 of each receipt the call presents (plan and apply).
    pub(super) fn receipt_digests(&self) -> Vec<String> {
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

pub(super) fn new_audit_id() -> String {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub(super) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Redacts values that may be secrets before they reach the audit log.
pub(super) fn redact(args: &Value) -> Value {
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
    /// Appends a record; an error means it is not in the log. Returns the line.
    pub(super) fn record(&self, entry: Entry, sync: bool) -> Result<String> {
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
    pub(super) async fn record_outcome(&self, outcome: Entry, sync: bool) -> Result<()> {
        let line = self.record(outcome, sync)?;
        let _ = self.ship(&line, false).await;
        Ok(())
    }

    /// Copies a record line off the machine, when a sink is configured.
    /// `Err` only when the copy failed and the policy says to refuse.
    pub(super) async fn ship(
        &self,
        line: &str,
        refusable: bool,
    ) -> std::result::Result<(), String> {
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

    pub(super) fn entry(
        &self,
        call: &Call<'_>,
        audit_id: &str,
        kind: &str,
        decision: &str,
    ) -> Entry {
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
    pub(super) fn deny<T>(&self, call: &Call<'_>, reason: String) -> Result<T> {
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
    pub(super) async fn door<T, F, Fut>(&self, call: Call<'_>, op: F) -> Result<T>
    where
        F: FnOnce(aws_config::SdkConfig) -> Fut,
        Fut: Future<Output = AwsResult<(T, Vec<String>)>>,
    {
        self.door_with_id(call, op).await.map(|(value, _)| value)
    }

    /// [`Sandbox::door`], also returning the call's audit id.
    pub(super) async fn door_with_id<T, F, Fut>(&self, call: Call<'_>, op: F) -> Result<(T, String)>
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
        if call.region.is_none() {
            let resolved = config.region().map(|r| r.to_string());
            if let Err(reason) = self.policy.check_default_region(resolved.as_deref()) {
                return self.deny(&call, reason);
            }
        }
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
    pub(super) async fn identity(
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
