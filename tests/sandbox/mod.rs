//! The AWS side, never reaching the internet: moto on 127.0.0.1 (through
//! our timestamp-fixing wrapper, tests/aws/moto_server.py) for what moto
//! implements, aws-smithy-mocks for the MSF operations moto lacks.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, OnceLock},
    time::Duration,
};

use aws_sdk_kinesisanalyticsv2 as kda;
use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock};
use kda::{
    config::{BehaviorVersion, Credentials, Region, SharedInterceptor},
    error::ErrorMetadata,
    operation::{
        describe_application::DescribeApplicationOutput,
        start_application::{StartApplicationError, StartApplicationOutput},
        stop_application::StopApplicationOutput,
        update_application::UpdateApplicationOutput,
    },
    types::{
        ApplicationConfiguration, ApplicationConfigurationDescription, ApplicationDetail,
        ApplicationSnapshotConfiguration, ApplicationSnapshotConfigurationDescription,
        ApplicationStatus, CloudWatchLoggingOption, ConfigurationType, EnvironmentProperties,
        FlinkApplicationConfiguration, MonitoringConfiguration, ParallelismConfiguration,
        PropertyGroup, RuntimeEnvironment,
    },
};
use msf_mcp::{
    App,
    api::ReadArgs,
    config::{IndexDir, KnowledgeConfig},
    sandbox::{
        AwsSettings, Consent, Restore, Sandbox, TestHooks,
        args::*,
        audit,
        plan::Change,
        policy::{Overrides, Policy},
    },
    workflow::gates::Action,
};

use crate::util::real_references;

// # Moto

pub(crate) struct Moto {
    _child: Child,
    pub(crate) endpoint: String,
}

/// One moto per test binary, started on first use. Its stdin is our pipe: when
/// the test process exits the pipe closes and the wrapper shuts down.
pub(crate) fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let python = root.join(".venv/bin/python");
        assert!(
            python.exists(),
            "{} is missing: run scripts/venv (scripts/test does) to install moto",
            python.display()
        );
        let mut child = Command::new(python)
            .arg(root.join("tests/aws/moto_server.py"))
            .arg("0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("READY ")
            .unwrap_or_else(|| panic!("moto said {line:?}"))
            .to_string();
        Moto {
            _child: child,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    })
}

pub(crate) fn moto_settings() -> AwsSettings {
    AwsSettings {
        endpoint_url: Some(moto().endpoint.clone()),
        static_credentials: Some(("testing".into(), "testing".into())),
        default_region: Some("us-east-1".into()),
        max_attempts: 1,
        operation_timeout: Duration::from_secs(20),
        test_hooks: None,
    }
}

pub(crate) async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(moto().endpoint.clone())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .load()
        .await
}

/// Creates application `name` in moto, with a secret runtime property, and its log group with events.
pub(crate) async fn seed(name: &str) {
    let config = sdk_config().await;
    let kda = kda::Client::new(&config);
    let group = format!("/aws/kinesis-analytics/{name}");
    kda.create_application()
        .application_name(name)
        .runtime_environment(RuntimeEnvironment::Flink120)
        .service_execution_role("arn:aws:iam::123456789012:role/msf")
        .application_configuration(
            ApplicationConfiguration::builder()
                .flink_application_configuration(
                    FlinkApplicationConfiguration::builder()
                        .parallelism_configuration(
                            ParallelismConfiguration::builder()
                                .configuration_type(ConfigurationType::Custom)
                                .parallelism(6)
                                .parallelism_per_kpu(2)
                                .auto_scaling_enabled(true)
                                .build()
                                .unwrap(),
                        )
                        // moto only reports parallelism when monitoring is configured too.
                        .monitoring_configuration(MonitoringConfiguration::builder().configuration_type(ConfigurationType::Default).build().unwrap())
                        .build(),
                )
                .environment_properties(
                    EnvironmentProperties::builder()
                        .property_groups(
                            PropertyGroup::builder()
                                .property_group_id("app")
                                .property_map("db.password", "hunter2")
                                .property_map("input.stream", "orders")
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .application_snapshot_configuration(ApplicationSnapshotConfiguration::builder().snapshots_enabled(true).build().unwrap())
                .build(),
        )
        .cloud_watch_logging_options(
            CloudWatchLoggingOption::builder()
                .log_stream_arn(format!("arn:aws:logs:us-east-1:123456789012:log-group:{group}:log-stream:kinesis-analytics-log-stream"))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("create application in moto");
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    logs.create_log_group()
        .log_group_name(&group)
        .send()
        .await
        .unwrap();
    logs.create_log_stream()
        .log_group_name(&group)
        .log_stream_name("kinesis-analytics-log-stream")
        .send()
        .await
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let events = [
        r#"{"messageType":"INFO","logger":"org.apache.flink.runtime.checkpoint.CheckpointCoordinator","message":"Completed checkpoint 41"}"#,
        r#"{"messageType":"ERROR","logger":"org.apache.flink.runtime.taskmanager.Task","message":"Source: orders (1/4)#0 switched from RUNNING to FAILED","throwableInformation":"java.lang.OutOfMemoryError: Java heap space"}"#,
    ];
    for (i, e) in events.iter().enumerate() {
        logs.put_log_events()
            .log_group_name(&group)
            .log_stream_name("kinesis-analytics-log-stream")
            .log_events(
                aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                    .timestamp(now - 60_000 + i as i64 * 1000)
                    .message(*e)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
}

/// The audit key of these tests (also given to the binary as `MSF_MCP_AUDIT_KEY`).
pub(crate) const AUDIT_KEY: &str = "test-audit-key-of-at-least-32-bytes";

pub(crate) fn policy(text: &str) -> Policy {
    Policy::parse(text, &Overrides::default()).unwrap()
}

/// A sandbox whose audit log lives in folder `dir`.
pub(crate) fn sandbox_in(dir: &Path, policy: Policy, aws: AwsSettings) -> Sandbox {
    Sandbox::new(
        policy,
        &dir.join("audit.jsonl"),
        AUDIT_KEY.as_bytes(),
        aws,
        &[9u8; 32],
    )
    .unwrap()
}

/// A sandbox with its audit log in a fresh temporary folder.
pub(crate) fn sandbox(policy: Policy, aws: AwsSettings) -> (Sandbox, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let s = sandbox_in(dir.path(), policy, aws);
    (s, dir)
}

/// The audit records with `outcome` (`denied`, `error`, `ok`), oldest first.
pub(crate) fn audited(s: &Sandbox, outcome: &str) -> Vec<audit::Record> {
    s.audit_log(&AuditArgs {
        outcome: Some(outcome.into()),
        ..Default::default()
    })
    .unwrap()
    .records
}

pub(crate) fn audit_text(s: &Sandbox) -> String {
    std::fs::read_to_string(s.audit().path()).unwrap()
}

/// The binary with its environment isolated and AWS pointed at moto (test
/// credentials, us-east-1, one attempt, no profile).
pub(crate) fn cli_against_moto() -> Command {
    let mut cmd = Command::new(crate::util::bin());
    crate::util::isolate(&mut cmd)
        .env("AWS_ENDPOINT_URL", &moto().endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("MSF_MCP_AWS_MAX_ATTEMPTS", "1")
        .env_remove("AWS_PROFILE");
    cmd
}

/// Runs `cmd` (the binary with `args`); asserts it exited 0 and returns its stdout.
pub(crate) fn stdout_of(cmd: &mut Command, args: &[&str]) -> String {
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

// # Mocks (operations moto does not implement)

pub(crate) fn detail(name: &str, status: ApplicationStatus, version: i64) -> ApplicationDetail {
    ApplicationDetail::builder()
        .application_arn(format!(
            "arn:aws:kinesisanalytics:us-east-1:123456789012:application/{name}"
        ))
        .application_name(name)
        .runtime_environment(RuntimeEnvironment::Flink120)
        .application_status(status)
        .application_version_id(version)
        .conditional_token("tok")
        .application_configuration_description(
            ApplicationConfigurationDescription::builder()
                .application_snapshot_configuration_description(
                    ApplicationSnapshotConfigurationDescription::builder()
                        .snapshots_enabled(true)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .build()
        .unwrap()
}

pub(crate) fn describe_rule(name: &'static str, status: ApplicationStatus, version: i64) -> Rule {
    mock!(kda::Client::describe_application)
        .match_requests(move |r| r.application_name() == Some(name))
        .then_output(move || {
            DescribeApplicationOutput::builder()
                .application_detail(detail(name, status.clone(), version))
                .build()
        })
}

pub(crate) fn mocked(rules: &[&Rule]) -> AwsSettings {
    let mut interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
    for r in rules {
        interceptor = interceptor.with_rule(r);
    }
    let shared = SharedInterceptor::new(interceptor);
    AwsSettings {
        endpoint_url: None,
        static_credentials: Some(("testing".into(), "testing".into())),
        default_region: Some("us-east-1".into()),
        max_attempts: 1,
        operation_timeout: Duration::from_secs(5),
        test_hooks: Some(TestHooks {
            http_client: create_mock_http_client(),
            msf_interceptors: vec![shared.clone()],
            cloudwatch_interceptors: vec![shared.clone()],
            sts_interceptors: vec![shared],
        }),
    }
}

pub(crate) fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| {
        App::load(&KnowledgeConfig {
            references: Some(real_references()),
            index_dir: IndexDir::Memory,
            receipt_key: Some(vec![3u8; 32]),
        })
        .unwrap()
    })
}

pub(crate) fn receipt(reference: &str) -> String {
    app()
        .read(&ReadArgs {
            reference: reference.into(),
            max_chars: Some(100),
            ..Default::default()
        })
        .unwrap()
        .receipt
}

pub(crate) fn gate(
    action: Action,
    receipts: &[String],
) -> Result<(), msf_mcp::workflow::gates::Refusal> {
    app().check_gate(action, receipts, None)
}

/// `msf_plan_change` arguments in the default region and profile.
pub(crate) fn plan_args(application: &str, change: Change, receipts: Vec<String>) -> PlanArgs {
    PlanArgs {
        application: application.into(),
        change,
        receipts,
        region: None,
        profile: None,
    }
}

/// The sealed plan of `change` on application `orders-a`, with receipts
/// for `references`.
pub(crate) async fn plan_token(s: &Sandbox, change: Change, references: &[&str]) -> String {
    s.plan_change(
        &plan_args(
            "orders-a",
            change,
            references.iter().map(|r| receipt(r)).collect(),
        ),
        gate,
    )
    .await
    .unwrap()
    .plan
}

pub(crate) const MUTATE: &str = "mode = \"mutate\"\n[allow]\napplications = [\"orders-*\"]\n";

pub(crate) fn start_change() -> Change {
    Change::Start {
        restore: Restore::Latest,
        allow_non_restored_state: false,
    }
}

mod changes;
mod cli;
mod consent;
mod reads;
