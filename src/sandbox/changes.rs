//! Changes: plans (no side effect) and their apply, after policy, seal,
//! gates, freshness and a person's consent.

use serde_json::json;

use super::{
    Call, Consent, Sandbox,
    args::*,
    aws, check_name,
    errors::AwsResult,
    flink,
    plan::{self, Plan, PlanView},
    policy::Mode,
    types::*,
};
use crate::{
    corpus::hex_sha256,
    error::{Error, Result},
    workflow::gates::{Action, Refusal},
};

impl Sandbox {
    /// `msf_plan_change`: describes the application, computes and seals the
    /// plan. No side effect. `gate` says which references are still unread.
    pub async fn plan_change(
        &self,
        a: &PlanArgs,
        gate: impl Fn(Action, &[String]) -> std::result::Result<(), Refusal>,
    ) -> Result<PlanOut> {
        check_name(&a.application)?;
        let call = Call::read("msf_plan_change", json!(a), &a.profile, &a.region);
        if self.policy.mode == Mode::ReadOnly {
            return self.deny(&call, "policy: mode is read-only; plans need plan-only or mutate (MSF_MCP_MODE or the policy file)".into());
        }
        let action = a.change.action();
        let max_p = self.policy.limits.max_parallelism;
        let view = self
            .door(call, |config| async move {
                let client = aws::msf_client(&self.aws, &config);
                flink::described(&client, &a.application, false).await
            })
            .await?;
        if !view.name.is_empty() && view.name != a.application {
            return Err(Error::InvalidInput(format!(
                "AWS described `{}` when asked for `{}`; nothing was planned",
                crate::corpus::preview(&view.name, 80),
                a.application
            )));
        }
        let mut plan = plan::compute(
            &view,
            a.change.clone(),
            max_p,
            a.region.clone(),
            a.profile.clone(),
            a.receipts.clone(),
        )?;
        // The plan names the application the person asked for, as validated,
        // never a name taken from a response.
        plan.application = a.application.clone();
        let token = self.plans.seal(&plan)?;
        let references_to_read = match gate(action, &a.receipts) {
            Ok(()) => Vec::new(),
            Err(r) => r.missing.iter().map(|m| m.reference.clone()).collect(),
        };
        let blocked = match (
            self.policy.mode,
            self.policy.check_change(action, &a.application),
        ) {
            (Mode::PlanOnly, _) => Some(
                "policy: mode is plan-only; a person must apply it where mutate mode is configured"
                    .to_string(),
            ),
            (_, Err(rule)) => Some(rule),
            _ => None,
        };
        Ok(PlanOut {
            apply_command: format!("msf-mcp apply --plan '{token}'"),
            plan: token,
            summary: PlanView::of(&plan),
            references_to_read,
            blocked,
        })
    }

    /// The checks of `msf_apply_change` that need no AWS call (seal, mode,
    /// policy, gates), so a person is only asked about a change that can go
    /// ahead. Refusals are not audited here: the apply that follows audits them.
    pub fn preview_apply(
        &self,
        a: &ApplyArgs,
        gate: impl Fn(Action, &[String]) -> std::result::Result<(), Refusal>,
    ) -> Result<PlanView> {
        let plan = self.plans.open(&a.plan)?;
        let action = plan.change.action();
        if self.policy.mode != Mode::Mutate {
            return Err(Error::Denied(format!(
                "policy: mode is {}; applying changes needs mutate mode",
                self.policy.mode.name()
            )));
        }
        self.policy
            .check_change(action, &plan.application)
            .map_err(Error::Denied)?;
        gate(action, &plan.receipts).map_err(|r| Error::Denied(r.to_string()))?;
        Ok(PlanView::of(&plan))
    }

    /// `msf_apply_change`: checks mode, policy, seal, gates and freshness,
    /// asks for consent through `ask`, then makes the one AWS call.
    pub async fn apply_change<A, AF>(
        &self,
        a: &ApplyArgs,
        gate: impl Fn(Action, &[String]) -> std::result::Result<(), Refusal>,
        ask: A,
    ) -> Result<ApplyOut>
    where
        A: FnOnce(PlanView) -> AF,
        AF: Future<Output = Consent>,
    {
        let plan: Plan = match self.plans.open(&a.plan) {
            Ok(p) => p,
            Err(e) => {
                let call = Call {
                    tool: "msf_apply_change",
                    args: json!({"plan": "<unreadable>"}),
                    profile: None,
                    region: None,
                    mutating: true,
                };
                return self.deny(&call, e.to_string());
            }
        };
        let plan_sha256 = hex_sha256(a.plan.as_bytes());
        let args = json!({"plan": a.plan, "plan_sha256": plan_sha256, "application": plan.application, "change": PlanView::of(&plan).change, "receipts": plan.receipts});
        let call = Call {
            tool: "msf_apply_change",
            args,
            profile: plan.profile.as_deref(),
            region: plan.region.as_deref(),
            mutating: true,
        };
        let action = plan.change.action();
        if self.policy.mode != Mode::Mutate {
            return self.deny(
                &call,
                format!(
                    "policy: mode is {}; applying changes needs mutate mode",
                    self.policy.mode.name()
                ),
            );
        }
        if let Err(rule) = self.policy.check_change(action, &plan.application) {
            return self.deny(&call, rule);
        }
        if let Err(refusal) = gate(action, &plan.receipts) {
            return self.deny(&call, refusal.to_string());
        }
        // Single use: a plan that was applied (by this or another process on
        // this audit log), or is being applied now, is not applied again.
        if let Some(earlier) = self.applied_before(&plan_sha256)? {
            return self.deny(
                &call,
                format!("this plan was already applied (audit id {earlier}); plan the change again if it is still wanted"),
            );
        }
        let _in_flight = match self.claim(&plan_sha256) {
            Some(guard) => guard,
            None => {
                return self.deny(
                    &call,
                    "this plan is being applied by another request; wait for its result".into(),
                );
            }
        };
        // Freshness: the application must still be as the person saw it.
        let app_name = plan.application.clone();
        let app_name = &app_name;
        let view = self
            .door(
                Call {
                    tool: "msf_apply_change/describe",
                    args: json!({"application": plan.application}),
                    profile: call.profile,
                    region: call.region,
                    mutating: false,
                },
                |config| async move {
                    let client = aws::msf_client(&self.aws, &config);
                    flink::described(&client, app_name, true).await
                },
            )
            .await?;
        let current = &view;
        if current.version_id != plan.version_id {
            return self.deny(&call, format!(
                "stale plan: `{}` is now at version {} (planned against {}); plan the change again",
                plan.application, current.version_id, plan.version_id
            ));
        }
        if plan.conditional_token.is_some() && current.conditional_token != plan.conditional_token {
            return self.deny(&call, format!(
                "stale plan: the ConditionalToken of `{}` changed since planning (another change was made); plan the change again",
                plan.application
            ));
        }
        if current.status != plan.status {
            return self.deny(
                &call,
                format!(
                    "stale plan: `{}` is now {} (planned while {}); plan the change again",
                    plan.application, current.status, plan.status
                ),
            );
        }
        let code = match ask(PlanView::of(&plan)).await {
            Consent::Confirmed => None,
            Consent::ConfirmedWithCode(code) => Some(code),
            Consent::Declined(why) => {
                return self.deny(
                    &call,
                    format!("not applied: the person did not confirm ({why}); nothing was changed"),
                );
            }
            Consent::Unavailable => {
                return self.deny(&call, format!(
                    "this client cannot ask a person to confirm, so nothing was changed. To the person reading this: if you want the change, run this in a terminal of your own and type the application name when asked; an assistant must not run it for you: msf-mcp apply --plan '{}'",
                    a.plan
                ));
            }
        };
        let mfa_code = match (&self.policy.mfa, code) {
            (None, _) => None,
            (Some(m), Some(code))
                if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) =>
            {
                Some((m.clone(), code))
            }
            (Some(m), _) => {
                return self.deny(
                    &call,
                    format!(
                        "policy: changes need the current 6-digit code of MFA device {} with the confirmation; nothing was changed",
                        m.serial
                    ),
                );
            }
        };
        let operation = plan.outcome.request["operation"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let current_view = view;
        // AWS's own optimistic lock checks what the person saw: the planned
        // token (or, without one, the planned version id).
        let token = plan.conditional_token.clone();
        let (change, name, version) = (
            plan.change.clone(),
            plan.application.clone(),
            plan.version_id,
        );
        let (ids, audit_id) = self
            .door_with_id(call, |config| async move {
                // MFA-backed apply: the change is made as the role assumed with
                // the person's code, so AWS itself refuses one nobody confirmed.
                let config = match &mfa_code {
                    Some((mfa, code)) => {
                        aws::assume_with_mfa(&self.aws, &config, mfa, code, "apply").await?
                    }
                    None => config,
                };
                let client = aws::msf_client(&self.aws, &config);
                let ids = execute(
                    &client,
                    &name,
                    version,
                    token.as_deref(),
                    &change,
                    &current_view,
                )
                .await?;
                Ok((ids.clone(), ids))
            })
            .await?;
        Ok(ApplyOut {
            application: plan.application,
            operation,
            request_ids: ids,
            status: "submitted".into(),
            audit_id,
        })
    }
}

/// Makes the planned call.
async fn execute(
    client: &aws_sdk_kinesisanalyticsv2::Client,
    name: &str,
    version: i64,
    token: Option<&str>,
    change: &plan::Change,
    current: &AppView,
) -> AwsResult<Vec<String>> {
    use plan::Change as C;
    match change {
        C::Start {
            restore,
            allow_non_restored_state,
        } => flink::start(client, name, restore, *allow_non_restored_state).await,
        C::Stop { force } => flink::stop(client, name, *force).await,
        C::CreateSnapshot { name: s } => flink::create_snapshot(client, name, s).await,
        C::DeleteSnapshot { name: s } => flink::delete_snapshot(client, name, s).await,
        C::Rollback {} => flink::rollback(client, name, version).await,
        C::UpdateParallelism {
            parallelism,
            parallelism_per_kpu,
            autoscaling,
        } => {
            let p = current.parallelism.clone();
            let update = flink::Update {
                parallelism: Some((
                    parallelism.unwrap_or(p.parallelism),
                    parallelism_per_kpu.unwrap_or(p.parallelism_per_kpu),
                    autoscaling.unwrap_or(p.autoscaling),
                )),
                properties: None,
            };
            flink::update(client, name, version, token, &update).await
        }
        C::UpdateProperties { group, key, value } => {
            // UpdateApplication replaces every group: start from the current values.
            let mut groups = current.property_groups.clone();
            groups
                .entry(group.clone())
                .or_default()
                .insert(key.clone(), value.clone());
            flink::update(
                client,
                name,
                version,
                token,
                &flink::Update {
                    parallelism: None,
                    properties: Some(groups),
                },
            )
            .await
        }
    }
}
