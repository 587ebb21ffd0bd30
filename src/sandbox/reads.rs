//! The read-only AWS operations: context, applications, logs, and the audit log.

use std::time::Duration;

use serde_json::json;

use super::{
    Call, Sandbox,
    args::*,
    audit, aws, check_name,
    errors::{self, AwsError},
    flink, logs,
    logs::Preset,
    now_secs,
    types::*,
};
use crate::error::{Error, Result};

impl Sandbox {
    /// `msf_context`: identity, region, mode and what may be changed.
    pub async fn context(&self, a: &ContextArgs, elicitation: bool) -> Result<ContextOut> {
        let call = Call::read("msf_context", json!(a), &a.profile, &a.region);
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
        let call = Call::read("msf_list_applications", json!(a), &a.profile, &a.region);
        self.door(call, |config| async move {
            let client = aws::msf_client(&self.aws, &config);
            flink::list(&client, a.name_prefix.as_deref(), limit, a.cursor.clone()).await
        })
        .await
    }

    /// `msf_describe_application`: the condensed view (property values redacted unless asked).
    pub async fn describe_application(&self, a: &DescribeArgs) -> Result<AppView> {
        check_name(&a.application)?;
        let call = Call::read("msf_describe_application", json!(a), &a.profile, &a.region);
        self.door(call, |config| async move {
            let client = aws::msf_client(&self.aws, &config);
            let (mut view, mut ids) =
                flink::described(&client, &a.application, a.show_property_values).await?;
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
        let call = Call::read("msf_logs_query", json!(a), &a.profile, &a.region);
        self.door(call, |config| async move {
            let mut ids = Vec::new();
            let group = match (&a.log_group, &a.application) {
                (Some(g), _) => g.clone(),
                (None, Some(app)) => {
                    check_name(app).map_err(|e| AwsError::invalid(e.to_string()))?;
                    let client = aws::msf_client(&self.aws, &config);
                    let (detail, i) = flink::describe(&client, app).await?;
                    ids.extend(i);
                    flink::view(&detail, app, false).logging.log_group.ok_or_else(|| {
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

    /// `msf_audit_log`: recent records, filtered.
    pub fn audit_log(&self, a: &AuditArgs) -> Result<AuditOut> {
        let limit = match a.limit {
            None => 50,
            Some(n @ 1..=500) => n,
            Some(n) => {
                return Err(Error::InvalidInput(format!(
                    "limit {n} is out of range: give 1 to 500 records (default 50), and page back with `cursor`"
                )));
            }
        };
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
