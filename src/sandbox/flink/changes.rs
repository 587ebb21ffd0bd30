//! The MSF calls that change an application: start (with its restore
//! choice), stop, snapshots, rollback, update. Each is bound to the version
//! id the plan was made on.

use std::collections::BTreeMap;

use aws_sdk_kinesisanalyticsv2::{
    Client,
    types::{
        ApplicationRestoreConfiguration, ApplicationRestoreType, ConfigurationType,
        FlinkRunConfiguration, ParallelismConfigurationUpdate, RunConfiguration,
    },
};

use super::request_id;
use crate::sandbox::errors::{AwsError, AwsResult, from_sdk};

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
        .map_err(|e| AwsError::invalid(e.to_string()))?;
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
        return Err(AwsError::not_found(format!(
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
                .map_err(|e| AwsError::invalid(e.to_string()))?;
            list.push(group);
        }
        let env = EnvironmentPropertyUpdates::builder()
            .set_property_groups(Some(list))
            .build()
            .map_err(|e| AwsError::invalid(e.to_string()))?;
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
