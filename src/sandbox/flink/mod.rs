//! Private to the sandbox: Managed Service for Apache Flink calls
//! (aws-sdk-kinesisanalyticsv2) mapped to our condensed types. Nothing here
//! decides anything; the sandbox's door checks policy and audits first.

use aws_sdk_kinesisanalyticsv2::{
    Client,
    types::{ApplicationDetail, ConfigurationType},
};

use super::{
    errors::{AwsResult, from_sdk},
    types::*,
};
use crate::sandbox::audit::rfc3339;

mod changes;

pub use changes::*;

/// Value shown instead of a property value that may not be revealed.
pub const REDACTED: &str = "<redacted>";

fn time(t: Option<&aws_sdk_kinesisanalyticsv2::primitives::DateTime>) -> Option<String> {
    t.map(|t| rfc3339(t.secs().max(0) as u64, t.subsec_nanos() / 1_000_000))
}

/// A page of applications, optionally filtered by name prefix.
pub async fn list(
    client: &Client,
    prefix: Option<&str>,
    limit: i32,
    cursor: Option<String>,
) -> AwsResult<(AppList, Vec<String>)> {
    let out = client
        .list_applications()
        .limit(limit)
        .set_next_token(cursor)
        .send()
        .await
        .map_err(from_sdk("kinesisanalytics:ListApplications"))?;
    let applications = out
        .application_summaries()
        .iter()
        .filter(|a| prefix.is_none_or(|p| a.application_name().starts_with(p)))
        .map(|a| AppSummary {
            name: a.application_name().to_string(),
            arn: a.application_arn().to_string(),
            status: a.application_status().as_str().to_string(),
            version_id: a.application_version_id(),
            runtime: a.runtime_environment().as_str().to_string(),
            mode: a.application_mode().map(|m| m.as_str().to_string()),
        })
        .collect();
    let next_cursor = out.next_token().map(str::to_string);
    let ids = request_id(&out);
    Ok((
        AppList {
            applications,
            truncated: next_cursor.is_some(),
            next_cursor,
        },
        ids,
    ))
}

fn request_id<T: aws_sdk_kinesisanalyticsv2::operation::RequestId>(out: &T) -> Vec<String> {
    out.request_id()
        .map(|s| vec![s.to_string()])
        .unwrap_or_default()
}

/// The application's full detail.
pub async fn describe(client: &Client, name: &str) -> AwsResult<(ApplicationDetail, Vec<String>)> {
    let out = client
        .describe_application()
        .application_name(name)
        .send()
        .await
        .map_err(from_sdk("kinesisanalytics:DescribeApplication"))?;
    let ids = request_id(&out);
    match out.application_detail {
        Some(d) => Ok((d, ids)),
        None => Err(super::errors::AwsError::not_found(format!(
            "application `{name}` has no detail"
        ))),
    }
}

/// Describes application `name` and condenses the answer ([`view`]).
pub async fn described(
    client: &Client,
    name: &str,
    show_values: bool,
) -> AwsResult<(AppView, Vec<String>)> {
    let (detail, ids) = describe(client, name).await?;
    Ok((view(&detail, name, show_values), ids))
}

/// Condenses `detail`, the answer to a describe of `requested`; property
/// values are shown only when `show_values`. A response without
/// `ApplicationName` (moto omits it) is named `requested`.
pub fn view(detail: &ApplicationDetail, requested: &str, show_values: bool) -> AppView {
    let conf = detail.application_configuration_description();
    let flink = conf.and_then(|c| c.flink_application_configuration_description());
    let par = flink.and_then(|f| f.parallelism_configuration_description());
    let parallelism = Parallelism {
        configuration_type: par
            .and_then(|p| p.configuration_type())
            .map_or("DEFAULT", ConfigurationType::as_str)
            .to_string(),
        parallelism: par.and_then(|p| p.parallelism()).unwrap_or(1),
        parallelism_per_kpu: par.and_then(|p| p.parallelism_per_kpu()).unwrap_or(1),
        autoscaling: par.and_then(|p| p.auto_scaling_enabled()).unwrap_or(false),
        current_parallelism: par
            .and_then(|p| p.current_parallelism())
            .or_else(|| par.and_then(|p| p.parallelism()))
            .unwrap_or(1),
    };
    let ck = flink.and_then(|f| f.checkpoint_configuration_description());
    let checkpoints = Checkpoints {
        configuration_type: ck
            .and_then(|c| c.configuration_type())
            .map_or("DEFAULT", ConfigurationType::as_str)
            .to_string(),
        enabled: ck.and_then(|c| c.checkpointing_enabled()).unwrap_or(true),
        interval_ms: ck.and_then(|c| c.checkpoint_interval()).unwrap_or(60_000),
        min_pause_ms: ck
            .and_then(|c| c.min_pause_between_checkpoints())
            .unwrap_or(5_000),
    };
    let mon = flink.and_then(|f| f.monitoring_configuration_description());
    let log_arn = detail
        .cloud_watch_logging_option_descriptions()
        .first()
        .map(|l| l.log_stream_arn().to_string());
    let (log_group, log_stream) = log_arn
        .as_deref()
        .map(split_log_stream_arn)
        .unwrap_or((None, None));
    let logging = Logging {
        log_group,
        log_stream,
        log_stream_arn: log_arn,
        level: mon
            .and_then(|m| m.log_level())
            .map(|l| l.as_str().to_string()),
        metrics_level: mon
            .and_then(|m| m.metrics_level())
            .map(|l| l.as_str().to_string()),
    };
    let vpc = conf
        .and_then(|c| c.vpc_configuration_descriptions().first())
        .map(|v| Vpc {
            subnets: v.subnet_ids().to_vec(),
            security_groups: v.security_group_ids().to_vec(),
        });
    let property_groups = conf
        .and_then(|c| c.environment_property_descriptions())
        .map(|e| {
            e.property_group_descriptions()
                .iter()
                .map(|g| {
                    let props = g
                        .property_map()
                        .iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                if show_values {
                                    v.clone()
                                } else {
                                    REDACTED.to_string()
                                },
                            )
                        })
                        .collect();
                    (g.property_group_id().to_string(), props)
                })
                .collect()
        })
        .unwrap_or_default();
    let code_location = conf
        .and_then(|c| c.application_code_configuration_description())
        .and_then(|c| c.code_content_description())
        .and_then(|c| c.s3_application_code_location_description())
        .map(|s| format!("{}/{}", s.bucket_arn(), s.file_key()));
    let runtime = detail.runtime_environment().as_str().to_string();
    AppView {
        knowledge: knowledge_hint(&runtime),
        name: Some(detail.application_name())
            .filter(|n| !n.is_empty())
            .unwrap_or(requested)
            .to_string(),
        arn: detail.application_arn().to_string(),
        status: detail.application_status().as_str().to_string(),
        runtime,
        version_id: detail.application_version_id(),
        conditional_token: detail.conditional_token().map(str::to_string),
        role_arn: detail.service_execution_role().map(str::to_string),
        kpus: Kpus::of(
            parallelism.current_parallelism,
            parallelism.parallelism_per_kpu,
        ),
        parallelism,
        checkpoints,
        snapshots_enabled: conf
            .and_then(|c| c.application_snapshot_configuration_description())
            .is_some_and(|s| s.snapshots_enabled()),
        logging,
        vpc,
        property_groups,
        code_location,
        snapshots: None,
        operations: None,
    }
}

/// The reminder that makes the knowledge tools answer for this runtime.
pub fn knowledge_hint(runtime: &str) -> String {
    format!(
        "pass runtime \"{runtime}\" to msf_route and msf_search: sections about this runtime come first"
    )
}

/// `arn:aws:logs:REGION:ACCOUNT:log-group:GROUP:log-stream:STREAM` → (group, stream).
pub fn split_log_stream_arn(arn: &str) -> (Option<String>, Option<String>) {
    let Some((_, rest)) = arn.split_once(":log-group:") else {
        return (None, None);
    };
    match rest.split_once(":log-stream:") {
        Some((group, stream)) => (Some(group.to_string()), Some(stream.to_string())),
        None => (Some(rest.trim_end_matches(":*").to_string()), None),
    }
}

/// The application's snapshots, newest first.
pub async fn snapshots(
    client: &Client,
    name: &str,
    limit: i32,
) -> AwsResult<(Vec<Snapshot>, Vec<String>)> {
    let out = client
        .list_application_snapshots()
        .application_name(name)
        .limit(limit)
        .send()
        .await
        .map_err(from_sdk("kinesisanalytics:ListApplicationSnapshots"))?;
    let mut list: Vec<Snapshot> = out
        .snapshot_summaries()
        .iter()
        .map(|s| Snapshot {
            name: s.snapshot_name().to_string(),
            status: s.snapshot_status().as_str().to_string(),
            version_id: s.application_version_id(),
            created: time(s.snapshot_creation_timestamp()),
        })
        .collect();
    list.sort_by(|a, b| b.created.cmp(&a.created));
    Ok((list, request_id(&out)))
}

/// The application's recent operations.
pub async fn operations(
    client: &Client,
    name: &str,
    limit: i32,
) -> AwsResult<(Vec<Operation>, Vec<String>)> {
    let out = client
        .list_application_operations()
        .application_name(name)
        .limit(limit)
        .send()
        .await
        .map_err(from_sdk("kinesisanalytics:ListApplicationOperations"))?;
    let list = out
        .application_operation_info_list()
        .iter()
        .map(|o| Operation {
            id: o.operation_id().unwrap_or_default().to_string(),
            operation: o.operation().unwrap_or_default().to_string(),
            status: o
                .operation_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            started: time(o.start_time()),
        })
        .collect();
    Ok((list, request_id(&out)))
}

#[cfg(test)]
mod tests;
