//! The sandbox: the only door to AWS. Every call passes
//! policy check → audit "attempt" → the call → audit "outcome".
//! The AWS client modules (`aws`, `flink`, `logs`) are private children of
//! this module, so code elsewhere cannot reach AWS without passing here.
//!
//! Mutations additionally need: mutate mode, an allow-listed application,
//! a change kind not denied, a sealed and fresh plan, the gating references
//! read, and a person's consent (asked by the caller, never a field the
//! model could fill in).

pub mod args;
pub mod audit;
mod aws;
pub mod errors;
mod flink;
mod logs;
pub mod plan;
pub mod policy;
pub mod types;

use std::{
    collections::HashMap,
    future::Future,
    sync::Mutex,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use serde_json::{Value, json};

pub use aws::{AwsSettings, TestHooks};
pub use flink::{REDACTED, Restore};
pub use logs::Preset;

use self::{
    args::*,
    audit::{Audit, Entry},
    errors::{AwsError, AwsResult},
    plan::{Plan, PlanSealer, PlanView},
    policy::{Mode, Policy},
    types::*,
};
use crate::{
    corpus::hex_sha256,
    error::{Error, Result},
    workflow::gates::{Action, Refusal},
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
    /// A sandbox with `policy`, writing to the audit log at `audit_path`;
    /// `key` (32+ bytes) seals plans.
    pub fn new(
        policy: Policy,
        audit_path: &std::path::Path,
        aws: AwsSettings,
        key: &[u8],
    ) -> Result<Sandbox> {
        Ok(Sandbox {
            audit: Audit::open(audit_path)?,
            policy,
            aws,
            plans: PlanSealer::with_key(key)?,
            identities: Mutex::new(HashMap::new()),
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

    fn record(&self, entry: Entry, sync: bool) {
        if let Err(e) = self.audit.append(entry, sync) {
            tracing::error!(error = %e, "cannot write the audit log");
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
        self.record(attempt, call.mutating);
        let mut outcome = self.entry(call, &id, "outcome", "deny");
        outcome.outcome = Some("denied".into());
        outcome.reason = Some(reason.clone());
        self.record(outcome, call.mutating);
        Err(Error::Denied(reason))
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
        self.record(attempt.clone(), call.mutating);
        let started = Instant::now();
        let result = op(config).await;
        let mut outcome = attempt;
        outcome.kind = "outcome".into();
        outcome.duration_ms = Some(started.elapsed().as_millis() as u64);
        match result {
            Ok((value, ids)) => {
                outcome.outcome = Some("ok".into());
                outcome.aws_request_ids = ids;
                self.record(outcome, call.mutating);
                Ok((value, id))
            }
            Err(e) => {
                outcome.outcome = Some("error".into());
                outcome.reason = Some(e.message.clone());
                self.record(outcome, call.mutating);
                Err(Error::Aws(e))
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

    /// `msf_context`: identity, region, mode and what may be changed.
    pub async fn context(&self, a: &ContextArgs, elicitation: bool) -> Result<ContextOut> {
        let call = Call {
            tool: "msf_context",
            args: json!(a),
            profile: a.profile.as_deref(),
            region: a.region.as_deref(),
            mutating: false,
        };
        let policy = &self.policy;
        let out = self
            .door(call, |config| async move {
                let region = config.region().map(|r| r.to_string());
                let id = aws_sdk_sts::Client::new(&config)
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(errors::from_sdk("sts:GetCallerIdentity"));
                let (account, arn, error, ids) = match id {
                    Ok(o) => (
                        o.account().map(str::to_string),
                        o.arn().map(str::to_string),
                        None,
                        aws_sdk_sts::operation::RequestId::request_id(&o)
                            .map(str::to_string)
                            .into_iter()
                            .collect(),
                    ),
                    Err(e) => (None, None, Some(e.message), Vec::new()),
                };
                Ok((
                    ContextOut {
                        account,
                        caller_arn: arn,
                        identity_error: error,
                        profile: a.profile.clone(),
                        region,
                        mode: policy.mode.name().to_string(),
                        changeable_applications: policy.applications.clone(),
                        denied_changes: policy
                            .denied_changes
                            .iter()
                            .map(|c| c.to_string())
                            .collect(),
                        allowed_regions: policy.regions.clone(),
                        allowed_profiles: policy.profiles.clone(),
                        elicitation,
                        audit_log: self.audit.path().display().to_string(),
                    },
                    ids,
                ))
            })
            .await?;
        Ok(out)
    }

    /// `msf_list_applications`.
    pub async fn list_applications(&self, a: &ListArgs) -> Result<AppList> {
        let limit = a.limit.unwrap_or(50);
        if !(1..=50).contains(&limit) {
            return Err(Error::InvalidInput(format!(
                "limit {limit} must be between 1 and 50"
            )));
        }
        let call = Call {
            tool: "msf_list_applications",
            args: json!(a),
            profile: a.profile.as_deref(),
            region: a.region.as_deref(),
            mutating: false,
        };
        self.door(call, |config| async move {
            let client = aws::msf_client(&self.aws, &config);
            flink::list(&client, a.name_prefix.as_deref(), limit, a.cursor.clone()).await
        })
        .await
    }

    /// `msf_describe_application`: the condensed view (property values redacted unless asked).
    pub async fn describe_application(&self, a: &DescribeArgs) -> Result<AppView> {
        check_name(&a.application)?;
        let call = Call {
            tool: "msf_describe_application",
            args: json!(a),
            profile: a.profile.as_deref(),
            region: a.region.as_deref(),
            mutating: false,
        };
        self.door(call, |config| async move {
            let client = aws::msf_client(&self.aws, &config);
            let (detail, mut ids) = flink::describe(&client, &a.application).await?;
            let mut view = flink::view(&detail, a.show_property_values);
            if a.include.contains(&Include::Snapshots) {
                let (s, i) = flink::snapshots(&client, &a.application, 10).await?;
                view.snapshots = Some(s);
                ids.extend(i);
            }
            if a.include
                .iter()
                .any(|i| matches!(i, Include::Operations | Include::Versions))
            {
                let (o, i) = flink::operations(&client, &a.application, 10).await?;
                view.operations = Some(o);
                ids.extend(i);
            }
            Ok((view, ids))
        })
        .await
    }

    /// `msf_logs_query`.
    pub async fn logs_query(
        &self,
        a: &LogsArgs,
        progress: &(dyn Fn(u64) + Send + Sync),
        cancelled: &(dyn Fn() -> bool + Send + Sync),
    ) -> Result<LogsResult> {
        let now = now_secs();
        let start = logs::parse_time(a.start.as_deref().unwrap_or("-1h"), now)
            .map_err(Error::InvalidInput)?;
        let end = logs::parse_time(a.end.as_deref().unwrap_or("now"), now)
            .map_err(Error::InvalidInput)?;
        if start >= end {
            return Err(Error::InvalidInput(format!(
                "start ({start}) must be before end ({end})"
            )));
        }
        let limits = self.policy.limits;
        let limit = a.limit.unwrap_or(50).clamp(1, limits.max_rows);
        let wait = a.max_wait_s.unwrap_or(20).clamp(1, limits.max_wait_s);
        let (text, term, oldest) = match (&a.preset, &a.query, &a.query_id) {
            (Some(p), None, _) => (
                p.insights().to_string(),
                Some(p.filter_term().to_string()),
                matches!(p, Preset::FirstFault),
            ),
            (None, Some(q), _) => {
                if q.len() > 10_000 {
                    return Err(Error::InvalidInput(
                        "query is longer than 10000 characters".into(),
                    ));
                }
                (q.clone(), None, false)
            }
            (None, None, Some(_)) => (String::new(), None, false),
            (Some(_), Some(_), _) => {
                return Err(Error::InvalidInput(
                    "give either `preset` or `query`, not both".into(),
                ));
            }
            (None, None, None) => {
                return Err(Error::InvalidInput(
                    "give a `preset` (errors, exceptions, first_fault, checkpoint_failures, out_of_memory, backpressure), a `query`, or a `query_id`".into(),
                ));
            }
        };
        let call = Call {
            tool: "msf_logs_query",
            args: json!(a),
            profile: a.profile.as_deref(),
            region: a.region.as_deref(),
            mutating: false,
        };
        self.door(call, |config| async move {
            let mut ids = Vec::new();
            let group = match (&a.log_group, &a.application) {
                (Some(g), _) => g.clone(),
                (None, Some(app)) => {
                    check_name(app).map_err(|e| AwsError::invalid(e.to_string()))?;
                    let client = aws::msf_client(&self.aws, &config);
                    let (detail, i) = flink::describe(&client, app).await?;
                    ids.extend(i);
                    flink::view(&detail, false).logging.log_group.ok_or_else(|| {
                        AwsError::not_found(format!("`{app}` has no CloudWatch logging option; add one (logging-configuration.md) or pass `log_group`"))
                    })?
                }
                (None, None) => return Err(AwsError::invalid("give `application` or `log_group`".into())),
            };
            let client = aws_sdk_cloudwatchlogs::Client::new(&config);
            let query = logs::Query {
                log_group: &group,
                start,
                end,
                text,
                filter_term: term,
                oldest_first: oldest,
                limit: limit as i32,
                max_wait: Duration::from_secs(u64::from(wait)),
                query_id: a.query_id.clone(),
            };
            let (result, i) = logs::run(&client, &query, progress, cancelled).await?;
            ids.extend(i);
            Ok((result, ids))
        })
        .await
    }

    /// `msf_plan_change`: describes the application, computes and seals the
    /// plan. No side effect. `gate` says which references are still unread.
    pub async fn plan_change(
        &self,
        a: &PlanArgs,
        gate: impl Fn(Action, &[String]) -> std::result::Result<(), Refusal>,
    ) -> Result<PlanOut> {
        check_name(&a.application)?;
        let call = Call {
            tool: "msf_plan_change",
            args: json!(a),
            profile: a.profile.as_deref(),
            region: a.region.as_deref(),
            mutating: false,
        };
        if self.policy.mode == Mode::ReadOnly {
            return self.deny(&call, "policy: mode is read-only; plans need plan-only or mutate (MSF_MCP_MODE or the policy file)".into());
        }
        let action = a.change.action();
        let max_p = self.policy.limits.max_parallelism;
        let view = self
            .door(call, |config| async move {
                let client = aws::msf_client(&self.aws, &config);
                let (detail, ids) = flink::describe(&client, &a.application).await?;
                Ok((flink::view(&detail, false), ids))
            })
            .await?;
        let plan = plan::compute(
            &view,
            a.change.clone(),
            max_p,
            a.region.clone(),
            a.profile.clone(),
            a.receipts.clone(),
        )?;
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
        let args = json!({"plan": a.plan, "application": plan.application, "change": PlanView::of(&plan).change, "receipts": plan.receipts});
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
        // Freshness: the application must still be at the planned version.
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
                    let (detail, ids) = flink::describe(&client, app_name).await?;
                    Ok((flink::view(&detail, true), ids))
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
        match ask(PlanView::of(&plan)).await {
            Consent::Confirmed => {}
            Consent::Declined(why) => {
                return self.deny(
                    &call,
                    format!("not applied: the person did not confirm ({why}); nothing was changed"),
                );
            }
            Consent::Unavailable => {
                return self.deny(&call, format!(
                    "this client cannot ask a person to confirm, so the change was not applied. A person can apply it from a terminal: msf-mcp apply --plan '{}'",
                    a.plan
                ));
            }
        }
        let operation = plan.request["operation"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let current_view = view;
        let token = current_view
            .conditional_token
            .clone()
            .or(plan.conditional_token.clone());
        let (change, name, version) = (
            plan.change.clone(),
            plan.application.clone(),
            plan.version_id,
        );
        let (ids, audit_id) = self
            .door_with_id(call, |config| async move {
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

    /// `msf_audit_log`: recent records, filtered.
    pub fn audit_log(&self, a: &AuditArgs) -> Result<AuditOut> {
        let limit = a.limit.unwrap_or(50).clamp(1, 500);
        let since = match &a.since {
            Some(s) => Some(audit::rfc3339(
                logs::parse_time(s, now_secs())
                    .map_err(Error::InvalidInput)?
                    .max(0) as u64,
                0,
            )),
            None => None,
        };
        let records = self.audit.records(a.cursor.unwrap_or(0), limit, |r| {
            since.as_ref().is_none_or(|s| r.time >= *s)
                && a.tool.as_ref().is_none_or(|t| r.entry.tool == *t)
                && a.outcome
                    .as_ref()
                    .is_none_or(|o| r.entry.outcome.as_deref() == Some(o.as_str()))
        })?;
        let next_cursor = records.last().map(|r| r.seq);
        Ok(AuditOut {
            records,
            next_cursor,
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
