//! Sealing a plan (HMAC, bound to its purpose, expiring after [`PLAN_TTL`])
//! and checking one on its way back: altered, foreign or expired plans are
//! refused; so are consent answers to questions this server did not ask.

use rmcp::model::{RequestStateCodec, SealOptions};
use serde::{Deserialize, Serialize};

use super::{PLAN_TTL, PURPOSE, Plan};
use crate::error::{Error, Result};

/// What a consent question binds: the plan it is about and a one-time nonce.
#[derive(Serialize, Deserialize)]
struct Question {
    plan_sha256: String,
    nonce: String,
}

/// Purpose bound into consent-question states.
const QUESTION_PURPOSE: &[u8] = b"msf-mcp consent question v1";
/// Seals plans with the process (or configured) key.
#[derive(Clone)]
pub struct PlanSealer {
    codec: RequestStateCodec,
}

impl PlanSealer {
    /// A sealer with `key` (at least 32 bytes).
    pub fn with_key(key: &[u8]) -> Result<PlanSealer> {
        let codec = RequestStateCodec::try_new(key.to_vec())
            .map_err(|e| Error::InvalidInput(format!("plan key: {e}")))?;
        Ok(PlanSealer { codec })
    }

    /// The sealed token of `plan`.
    pub fn seal(&self, plan: &Plan) -> Result<String> {
        self.codec
            .seal_json_with(
                plan,
                &SealOptions::new().associated_data(PURPOSE).ttl(PLAN_TTL),
            )
            .map_err(|e| Error::InvalidInput(format!("plan: {e}")))
    }

    /// Seals the state of a consent question about the plan `plan_sha256`:
    /// a random nonce, valid for `ttl`.
    pub fn seal_question(&self, plan_sha256: &str, ttl: std::time::Duration) -> Result<String> {
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce)
            .map_err(|e| Error::InvalidInput(format!("no randomness: {e}")))?;
        let question = Question {
            plan_sha256: plan_sha256.to_string(),
            nonce: nonce.iter().map(|b| format!("{b:02x}")).collect(),
        };
        self.codec
            .seal_json_with(
                &question,
                &SealOptions::new()
                    .associated_data(QUESTION_PURPOSE)
                    .ttl(ttl),
            )
            .map_err(|e| Error::InvalidInput(format!("consent question: {e}")))
    }

    /// Opens the state a client echoed with its answer: it must be a question
    /// this server sealed, unexpired, about the plan `plan_sha256`. Returns its nonce.
    pub fn open_question(
        &self,
        state: &str,
        plan_sha256: &str,
    ) -> std::result::Result<String, String> {
        let q: Question = self
            .codec
            .open_json_with(state.trim(), QUESTION_PURPOSE)
            .map_err(|e| {
                format!("the answer's request state is not a question msf-mcp asked ({e})")
            })?;
        if q.plan_sha256 != plan_sha256 {
            return Err("the answer belongs to a question about another plan".into());
        }
        Ok(q.nonce)
    }

    /// Opens a token, refusing altered, foreign or expired plans.
    pub fn open(&self, token: &str) -> Result<Plan> {
        self.codec.open_json_with(token.trim(), PURPOSE).map_err(|e| {
            Error::Denied(format!("plan refused ({e}): it was altered, made by another server, or is older than 30 minutes; call msf_plan_change again"))
        })
    }
}
