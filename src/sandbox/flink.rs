//! Private to the sandbox: Managed Service for Apache Flink calls
//! (aws-sdk-kinesisanalyticsv2) mapped to our condensed types. Nothing here
//! decides anything; the sandbox's door checks policy and audits first.

use std::collections::BTreeMap;

use aws_sdk_kinesisanalyticsv2::{
    Client,
    types::{
        ApplicationDetail, ApplicationRestoreConfiguration, ApplicationRestoreType,
        ConfigurationType, FlinkRunConfiguration, ParallelismConfigurationUpdate, RunConfiguration,
    },
};

use super::{
    errors::{AwsResult, from_sdk},
    types::*,
};
use crate::sandbox::audit::rfc3339;

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

/// How to restore on start.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Restore {
    /// From the latest snapshot (RESTORE_FROM_LATEST_SNAPSHOT).
    Latest,
    /// From a named snapshot (RESTORE_FROM_CUSTOM_SNAPSHOT).
    Snapshot(String),
    /// Without state (SKIP_RESTORE_FROM_SNAPSHOT).
    Skip,
}

/// StartApplication.
pub async fn start(
    client: &Client,
    name: &str,
    restore: &Restore,
    allow_non_restored: bool,
) -> AwsResult<Vec<String>> {
    let (kind, snapshot) = match restore {
        Restore::Latest => (ApplicationRestoreType::RestoreFromLatestSnapshot, None),
        Restore::Snapshot(s) => (
            ApplicationRestoreType::RestoreFromCustomSnapshot,
            Some(s.clone()),
        ),
        Restore::Skip => (ApplicationRestoreType::SkipRestoreFromSnapshot, None),
    };
    let restore = ApplicationRestoreConfiguration::builder()
        .application_restore_type(kind)
        .set_snapshot_name(snapshot)
        .build()
        .map_err(|e| super::errors::AwsError::invalid(e.to_string()))?;
    let run = RunConfiguration::builder()
        .application_restore_configuration(restore)
        .flink_run_configuration(
            FlinkRunConfiguration::builder()
                .allow_non_restored_state(allow_non_restored)
                .build(),
        )
        .build();
    let out = client
        .start_application()
        .application_name(name)
        .run_configuration(run)
        .send()
        .await
        .map_err(from_sdk("kinesisanalytics:StartApplication"))?;
    Ok(request_id(&out))
}

/// StopApplication.
pub async fn stop(client: &Client, name: &str, force: bool) -> AwsResult<Vec<String>> {
    let out = client
        .stop_application()
        .application_name(name)
        .force(force)
        .send()
        .await
        .map_err(from_sdk("kinesisanalytics:StopApplication"))?;
    Ok(request_id(&out))
}

/// CreateApplicationSnapshot.
pub async fn create_snapshot(
    client: &Client,
    name: &str,
    snapshot: &str,
) -> AwsResult<Vec<String>> {
    let out = client
        .create_application_snapshot()
        .application_name(name)
        .snapshot_name(snapshot)
        .send()
        .await
        .map_err(from_sdk("kinesisanalytics:CreateApplicationSnapshot"))?;
    Ok(request_id(&out))
}

/// DeleteApplicationSnapshot (needs the snapshot's creation time).
pub async fn delete_snapshot(
    client: &Client,
    name: &str,
    snapshot: &str,
) -> AwsResult<Vec<String>> {
    let found = client
        .describe_application_snapshot()
        .application_name(name)
        .snapshot_name(snapshot)
        .send()
        .await
        .map_err(from_sdk("kinesisanalytics:DescribeApplicationSnapshot"))?;
    let Some(created) = found
        .snapshot_details()
        .and_then(|d| d.snapshot_creation_timestamp())
        .cloned()
    else {
        return Err(super::errors::AwsError::not_found(format!(
            "snapshot `{snapshot}` of `{name}` has no creation time"
        )));
    };
    let out = client
        .delete_application_snapshot()
        .application_name(name)
        .snapshot_name(snapshot)
        .snapshot_creation_timestamp(created)
        .send()
        .await
        .map_err(from_sdk("kinesisanalytics:DeleteApplicationSnapshot"))?;
    let mut ids = request_id(&found);
    ids.extend(request_id(&out));
    Ok(ids)
}

/// RollbackApplication to the previous version.
pub async fn rollback(client: &Client, name: &str, version_id: i64) -> AwsResult<Vec<String>> {
    let out = client
        .rollback_application()
        .application_name(name)
        .current_application_version_id(version_id)
        .send()
        .await
        .map_err(from_sdk("kinesisanalytics:RollbackApplication"))?;
    Ok(request_id(&out))
}

/// What an UpdateApplication changes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Update {
    /// New parallelism settings (all three as they should end up).
    pub parallelism: Option<(i32, i32, bool)>,
    /// Property groups as they should end up (UpdateApplication replaces them all).
    pub properties: Option<BTreeMap<String, BTreeMap<String, String>>>,
}

/// UpdateApplication bound to `version_id` (and the conditional token when given).
pub async fn update(
    client: &Client,
    name: &str,
    version_id: i64,
    token: Option<&str>,
    change: &Update,
) -> AwsResult<Vec<String>> {
    use aws_sdk_kinesisanalyticsv2::types::{
        ApplicationConfigurationUpdate, EnvironmentPropertyUpdates,
        FlinkApplicationConfigurationUpdate, PropertyGroup,
    };
    let mut conf = ApplicationConfigurationUpdate::builder();
    if let Some((p, per, auto)) = change.parallelism {
        let update = ParallelismConfigurationUpdate::builder()
            .configuration_type_update(ConfigurationType::Custom)
            .parallelism_update(p)
            .parallelism_per_kpu_update(per)
            .auto_scaling_enabled_update(auto)
            .build();
        conf = conf.flink_application_configuration_update(
            FlinkApplicationConfigurationUpdate::builder()
                .parallelism_configuration_update(update)
                .build(),
        );
    }
    if let Some(groups) = &change.properties {
        let mut list = Vec::new();
        for (id, map) in groups {
            let group = PropertyGroup::builder()
                .property_group_id(id)
                .set_property_map(Some(map.clone().into_iter().collect()))
                .build()
                .map_err(|e| super::errors::AwsError::invalid(e.to_string()))?;
            list.push(group);
        }
        let env = EnvironmentPropertyUpdates::builder()
            .set_property_groups(Some(list))
            .build()
            .map_err(|e| super::errors::AwsError::invalid(e.to_string()))?;
        conf = conf.environment_property_updates(env);
    }
    let mut req = client
        .update_application()
        .application_name(name)
        .application_configuration_update(conf.build());
    req = match token {
        Some(t) => req.conditional_token(t),
        None => req.current_application_version_id(version_id),
    };
    let out = req
        .send()
        .await
        .map_err(from_sdk("kinesisanalytics:UpdateApplication"))?;
    Ok(request_id(&out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_stream_arns_split_into_group_and_stream() {
        assert_eq!(
            split_log_stream_arn(
                "arn:aws:logs:us-east-1:123456789012:log-group:/aws/kinesis-analytics/app:log-stream:kinesis-analytics-log-stream"
            ),
            (
                Some("/aws/kinesis-analytics/app".into()),
                Some("kinesis-analytics-log-stream".into())
            )
        );
        assert_eq!(split_log_stream_arn("nonsense"), (None, None));
    }

    #[test]
    fn kpus_include_the_orchestration_kpu() {
        let k = Kpus::of(8, 2);
        assert_eq!((k.compute, k.total), (4, 5));
        // 5 KPUs × $0.11 × 730 h + 4 × 50 GB × $0.10 (us-east-1, facts.toml).
        assert_eq!(k.monthly_usd, 421.5);
        assert_eq!((k.storage_gb, k.prices_region.as_str()), (200, "us-east-1"));
        assert_eq!(Kpus::of(5, 4).compute, 2);
    }
}
