//! A person's consent to a change: the sealed question and its one answer,
//! MFA-backed identity, and the bookkeeping that keeps one plan from being
//! applied twice (in flight now, or applied before per the audit log).

use std::{collections::HashSet, sync::Mutex, time::Duration};

use serde_json::{Value, json};

use super::{Call, Sandbox, aws, errors};
use crate::{
    corpus::hex_sha256,
    error::{Error, Result},
};

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

impl Sandbox {
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
}
