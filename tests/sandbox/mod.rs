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

pub(crate) fn audit_text(s: &Sandbox) -> String {
    std::fs::read_to_string(s.audit().path()).unwrap()
}

#[tokio::test]
async fn moto_list_and_describe_condense_and_redact() {
    seed("orders-moto").await;
    let (s, _dir) = sandbox(policy(""), moto_settings());
    let list = s.list_applications(&ListArgs::default()).await.unwrap();
    assert!(
        list.applications
            .iter()
            .any(|a| a.name == "orders-moto" && a.runtime == "FLINK-1_20"),
        "{list:?}"
    );

    let view = s
        .describe_application(&DescribeArgs {
            application: "orders-moto".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(view.name, "orders-moto");
    // The view reminds the assistant to pass the runtime to the knowledge tools.
    assert!(
        view.knowledge.contains("runtime \"FLINK-1_20\"") && view.knowledge.contains("msf_search"),
        "{}",
        view.knowledge
    );
    assert_eq!(
        (
            view.parallelism.parallelism,
            view.parallelism.parallelism_per_kpu,
            view.parallelism.autoscaling
        ),
        (6, 2, true)
    );
    assert_eq!(
        (view.kpus.compute, view.kpus.orchestration, view.kpus.total),
        (3, 1, 4)
    );
    // 4 KPUs × $0.11 × 730 h + 3 × 50 GB running storage × $0.10 (facts.toml, us-east-1).
    assert_eq!(view.kpus.monthly_usd, 336.2);
    assert_eq!(
        (view.kpus.storage_gb, view.kpus.prices_region.as_str()),
        (150, "us-east-1")
    );
    assert_eq!(
        view.logging.log_group.as_deref(),
        Some("/aws/kinesis-analytics/orders-moto")
    );
    assert_eq!(view.property_groups["app"]["db.password"], "<redacted>");
    assert!(view.snapshots_enabled);
    // The secret reaches neither the output nor the audit log.
    assert!(!serde_json::to_string(&view).unwrap().contains("hunter2"));
    assert!(!audit_text(&s).contains("hunter2"));
    let shown = s
        .describe_application(&DescribeArgs {
            application: "orders-moto".into(),
            show_property_values: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(shown.property_groups["app"]["db.password"], "hunter2");
    assert!(
        !audit_text(&s).contains("hunter2"),
        "values shown to the caller are still not audited"
    );

    // Every call left an attempt and an outcome, and the chain verifies.
    let v = s.audit().verify().unwrap();
    assert!(v.ok(), "{v:?}");
    assert_eq!(v.records, 6);
    let records = s.audit_log(&AuditArgs::default()).unwrap().records;
    assert_eq!(records[0].entry.kind, "attempt");
    assert_eq!(records[1].entry.outcome.as_deref(), Some("ok"));
    assert_eq!(records[1].entry.account.as_deref(), Some("123456789012"));
}

#[tokio::test]
async fn moto_logs_query_finds_the_log_group_and_fences_nothing_away() {
    seed("logs-moto").await;
    let (s, _dir) = sandbox(policy(""), moto_settings());
    let none = |_: u64| {};
    let never = || false;
    let a = LogsArgs {
        application: Some("logs-moto".into()),
        preset: Some(msf_mcp::sandbox::Preset::FirstFault),
        start: Some("-1h".into()),
        ..Default::default()
    };
    let out = s.logs_query(&a, &none, &never).await.unwrap();
    assert_eq!(out.log_group, "/aws/kinesis-analytics/logs-moto");
    assert_eq!(out.status, "Complete");
    let text = serde_json::to_string(&out.rows).unwrap();
    assert!(text.contains("switched from RUNNING to FAILED"), "{text}");
    // Bad input: clear errors, nothing sent.
    let e = s
        .logs_query(
            &LogsArgs {
                application: Some("logs-moto".into()),
                ..Default::default()
            },
            &none,
            &never,
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("give a `preset`"));
    let e = s
        .logs_query(
            &LogsArgs {
                log_group: Some("/x".into()),
                preset: Some(msf_mcp::sandbox::Preset::Errors),
                start: Some("yesterday".into()),
                ..Default::default()
            },
            &none,
            &never,
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not a time"));
}

#[tokio::test]
async fn moto_context_and_region_allowlist() {
    let (s, _dir) = sandbox(
        policy("[allow]\nregions = [\"eu-west-1\"]"),
        moto_settings(),
    );
    let c = s.context(&ContextArgs::default(), false).await.unwrap();
    assert_eq!(c.account.as_deref(), Some("123456789012"));
    assert_eq!(c.mode, "read-only");
    let e = s
        .list_applications(&ListArgs {
            region: Some("ap-south-1".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(e.to_string().contains("allow.regions"), "{e}");
    let records = s
        .audit_log(&AuditArgs {
            outcome: Some("denied".into()),
            ..Default::default()
        })
        .unwrap()
        .records;
    assert_eq!(records.len(), 1, "a denial is audited");
    assert!(s.audit().verify().unwrap().ok());
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

/// A DescribeApplication answer without `ApplicationName` (the SDK reads a
/// missing required name as ""; moto omits it) is named as requested, and the
/// estimate includes running storage at the facts table's prices.
#[tokio::test]
async fn a_nameless_describe_answer_takes_the_requested_name() {
    let rule = mock!(kda::Client::describe_application).then_output(|| {
        let mut d = detail("", ApplicationStatus::Running, 3);
        d.application_name = String::new();
        DescribeApplicationOutput::builder()
            .application_detail(d)
            .build()
    });
    let (s, _dir) = sandbox(policy(""), mocked(&[&rule]));
    let view = s
        .describe_application(&DescribeArgs {
            application: "orders-nameless".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(view.name, "orders-nameless");
    // Parallelism 1 at 1 per KPU: 2 KPUs × $0.11 × 730 h + 50 GB × $0.10.
    assert_eq!(
        (view.kpus.total, view.kpus.storage_gb, view.kpus.monthly_usd),
        (2, 50, 165.6)
    );
    assert_eq!(view.kpus.prices_region, "us-east-1");
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

/// The sealed plan of `change` on application `orders-a`, with receipts
/// for `references`.
pub(crate) async fn plan_token(s: &Sandbox, change: Change, references: &[&str]) -> String {
    s.plan_change(
        &PlanArgs {
            application: "orders-a".into(),
            change,
            receipts: references.iter().map(|r| receipt(r)).collect(),
            region: None,
            profile: None,
        },
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

#[tokio::test]
async fn a_confirmed_plan_is_applied_once_and_audited_with_fsync() {
    let describe = describe_rule("orders-a", ApplicationStatus::Ready, 3);
    let start = mock!(kda::Client::start_application)
        .match_requests(|r| r.application_name() == Some("orders-a"))
        .then_output(|| StartApplicationOutput::builder().build());
    let (s, _dir) = sandbox(policy(MUTATE), mocked(&[&describe, &start]));
    let plan = s
        .plan_change(
            &PlanArgs {
                application: "orders-a".into(),
                change: start_change(),
                receipts: vec![receipt("application-lifecycle.md")],
                region: None,
                profile: None,
            },
            gate,
        )
        .await
        .unwrap();
    assert!(
        plan.references_to_read.is_empty() && plan.blocked.is_none(),
        "{plan:?}"
    );
    assert_eq!(
        plan.summary.request["body"]["RunConfiguration"]["ApplicationRestoreConfiguration"]["ApplicationRestoreType"],
        "RESTORE_FROM_LATEST_SNAPSHOT"
    );
    assert!(plan.apply_command.starts_with("msf-mcp apply --plan '"));
    let out = s
        .apply_change(
            &ApplyArgs {
                plan: plan.plan.clone(),
            },
            gate,
            |_| async { Consent::Confirmed },
        )
        .await
        .unwrap();
    assert_eq!(out.operation, "StartApplication");
    assert_eq!(start.num_calls(), 1);
    let records = s
        .audit_log(&AuditArgs {
            tool: Some("msf_apply_change".into()),
            ..Default::default()
        })
        .unwrap()
        .records;
    assert_eq!(
        records
            .iter()
            .map(|r| r.entry.kind.as_str())
            .collect::<Vec<_>>(),
        vec!["attempt", "outcome"]
    );
    assert_eq!(records[1].entry.audit_id, out.audit_id);
    assert!(
        !audit_text(&s).contains(&plan.plan),
        "the plan token is redacted in the audit"
    );
    assert!(s.audit().verify().unwrap().ok());
}

#[tokio::test]
async fn read_only_mode_sends_no_mutating_request() {
    let describe = describe_rule("orders-b", ApplicationStatus::Running, 3);
    let stop = mock!(kda::Client::stop_application)
        .then_output(|| StopApplicationOutput::builder().build());
    let settings = mocked(&[&describe, &stop]);
    // A plan made where planning is allowed...
    let (planner, _d1) = sandbox(
        policy("mode = \"plan-only\"\n[allow]\napplications = [\"orders-*\"]"),
        settings.clone(),
    );
    let plan = planner
        .plan_change(
            &PlanArgs {
                application: "orders-b".into(),
                change: Change::Stop { force: false },
                receipts: vec![receipt("application-lifecycle.md")],
                region: None,
                profile: None,
            },
            gate,
        )
        .await
        .unwrap();
    assert!(
        plan.blocked
            .as_deref()
            .unwrap_or_default()
            .contains("plan-only")
    );
    let e = planner
        .apply_change(
            &ApplyArgs {
                plan: plan.plan.clone(),
            },
            gate,
            |_| async { Consent::Confirmed },
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("mode is plan-only"), "{e}");
    // ...is refused in read-only mode, which also refuses to plan.
    let (s, _d2) = sandbox(policy(""), settings);
    let e = s
        .apply_change(&ApplyArgs { plan: plan.plan }, gate, |_| async {
            Consent::Confirmed
        })
        .await
        .unwrap_err();
    assert!(e.to_string().contains("mode is read-only"), "{e}");
    let e = s
        .plan_change(
            &PlanArgs {
                application: "orders-b".into(),
                change: Change::Stop { force: false },
                receipts: vec![],
                region: None,
                profile: None,
            },
            gate,
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("read-only"));
    assert_eq!(stop.num_calls(), 0, "no mutating request was sent");
}

#[tokio::test]
async fn outside_the_allowlist_unread_references_stale_altered_and_declined_plans_change_nothing() {
    let describe = describe_rule("orders-c", ApplicationStatus::Running, 5);
    let describe_other = describe_rule("billing", ApplicationStatus::Running, 1);
    let update = mock!(kda::Client::update_application).then_output(|| {
        UpdateApplicationOutput::builder()
            .application_detail(detail("orders-c", ApplicationStatus::Updating, 6))
            .build()
    });
    let (s, _dir) = sandbox(
        policy(MUTATE),
        mocked(&[&describe, &describe_other, &update]),
    );
    let scale = Change::UpdateParallelism {
        parallelism: Some(8),
        parallelism_per_kpu: None,
        autoscaling: None,
    };
    let yes = |_| async { Consent::Confirmed };

    // Outside the allowlist: planned (reading is fine) but refused, naming the rule.
    let p = s
        .plan_change(
            &PlanArgs {
                application: "billing".into(),
                change: scale.clone(),
                receipts: vec![],
                region: None,
                profile: None,
            },
            gate,
        )
        .await
        .unwrap();
    assert!(
        p.blocked
            .as_deref()
            .unwrap_or_default()
            .contains("allow.applications")
    );
    let e = s
        .apply_change(&ApplyArgs { plan: p.plan }, gate, yes)
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("matches no allow.applications glob"),
        "{e}"
    );

    // The gating references were not read: refused, naming them.
    let p = s
        .plan_change(
            &PlanArgs {
                application: "orders-c".into(),
                change: scale.clone(),
                receipts: vec![],
                region: None,
                profile: None,
            },
            gate,
        )
        .await
        .unwrap();
    assert_eq!(
        p.references_to_read,
        vec!["scaling-decisions.md", "resource-optimization.md"]
    );
    let e = s
        .apply_change(&ApplyArgs { plan: p.plan }, gate, yes)
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("scaling-decisions.md and resource-optimization.md read first"),
        "{e}"
    );

    let receipts = vec![
        receipt("scaling-decisions.md"),
        receipt("resource-optimization.md"),
    ];
    let p = s
        .plan_change(
            &PlanArgs {
                application: "orders-c".into(),
                change: scale.clone(),
                receipts,
                region: None,
                profile: None,
            },
            gate,
        )
        .await
        .unwrap();
    assert!(p.references_to_read.is_empty());

    // Altered plan.
    let mut altered = p.plan.clone();
    altered.insert(30, 'Z');
    let e = s
        .apply_change(&ApplyArgs { plan: altered }, gate, yes)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("plan refused"), "{e}");

    // Declined consent.
    let e = s
        .apply_change(
            &ApplyArgs {
                plan: p.plan.clone(),
            },
            gate,
            |_| async { Consent::Declined("declined".into()) },
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("did not confirm"), "{e}");
    // A client that cannot ask gets the command for a person.
    let e = s
        .apply_change(
            &ApplyArgs {
                plan: p.plan.clone(),
            },
            gate,
            |_| async { Consent::Unavailable },
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("msf-mcp apply --plan"), "{e}");
    assert_eq!(update.num_calls(), 0, "nothing was changed");

    // Stale: the application moved on since planning.
    let moved = describe_rule("orders-c", ApplicationStatus::Running, 6);
    let update2 = mock!(kda::Client::update_application).then_output(|| {
        UpdateApplicationOutput::builder()
            .application_detail(detail("orders-c", ApplicationStatus::Updating, 7))
            .build()
    });
    let (s2, _d2) = sandbox(policy(MUTATE), mocked(&[&moved, &update2]));
    let e = s2
        .apply_change(
            &ApplyArgs {
                plan: p.plan.clone(),
            },
            gate,
            yes,
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("stale plan"), "{e}");
    assert_eq!(update2.num_calls(), 0);

    // And the unaltered, fresh, confirmed plan goes through once.
    let out = s
        .apply_change(&ApplyArgs { plan: p.plan }, gate, yes)
        .await
        .unwrap();
    assert_eq!(out.operation, "UpdateApplication");
    assert_eq!(update.num_calls(), 1);
    let denied = s
        .audit_log(&AuditArgs {
            outcome: Some("denied".into()),
            ..Default::default()
        })
        .unwrap()
        .records;
    assert!(
        denied.len() >= 5,
        "every refusal is audited: {}",
        denied.len()
    );
    assert!(s.audit().verify().unwrap().ok());
}

#[tokio::test]
async fn aws_failures_are_clear_errors() {
    let describe = describe_rule("orders-d", ApplicationStatus::Ready, 1);
    let throttled = mock!(kda::Client::start_application).then_error(|| {
        StartApplicationError::generic(
            ErrorMetadata::builder()
                .code("ThrottlingException")
                .message("Rate exceeded")
                .build(),
        )
    });
    let (s, _dir) = sandbox(policy(MUTATE), mocked(&[&describe, &throttled]));
    let p = s
        .plan_change(
            &PlanArgs {
                application: "orders-d".into(),
                change: start_change(),
                receipts: vec![receipt("application-lifecycle.md")],
                region: None,
                profile: None,
            },
            gate,
        )
        .await
        .unwrap();
    let e = s
        .apply_change(
            &ApplyArgs {
                plan: p.plan.clone(),
            },
            gate,
            |_| async { Consent::Confirmed },
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("throttled"), "{e}");

    let describe = describe_rule("orders-d", ApplicationStatus::Ready, 1);
    let denied = mock!(kda::Client::start_application).then_error(|| {
        StartApplicationError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("not authorized")
                .build(),
        )
    });
    let (s, _dir) = sandbox(policy(MUTATE), mocked(&[&describe, &denied]));
    let e = s
        .apply_change(
            &ApplyArgs {
                plan: p.plan.clone(),
            },
            gate,
            |_| async { Consent::Confirmed },
        )
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("kinesisanalytics:StartApplication"),
        "{e}"
    );

    let describe = describe_rule("orders-d", ApplicationStatus::Ready, 1);
    let in_use = mock!(kda::Client::start_application).then_error(|| {
        StartApplicationError::ResourceInUseException(
            kda::types::error::ResourceInUseException::builder()
                .message("busy")
                .build(),
        )
    });
    let (s, _dir) = sandbox(policy(MUTATE), mocked(&[&describe, &in_use]));
    let e = s
        .apply_change(&ApplyArgs { plan: p.plan }, gate, |_| async {
            Consent::Confirmed
        })
        .await
        .unwrap_err();
    assert!(e.to_string().contains("state does not allow"), "{e}");
    let outcomes = s
        .audit_log(&AuditArgs {
            outcome: Some("error".into()),
            ..Default::default()
        })
        .unwrap()
        .records;
    assert_eq!(outcomes.len(), 1);
}

// # The CLI: audit verify, invalid policy

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_msf-mcp"))
}

#[test]
fn audit_verify_cli_exits_nonzero_naming_the_first_bad_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let a = audit::Audit::open(&path, AUDIT_KEY.as_bytes()).unwrap();
    for i in 0..3 {
        a.append(
            audit::Entry {
                kind: "attempt".into(),
                tool: format!("t{i}"),
                decision: "allow".into(),
                ..Default::default()
            },
            true,
        )
        .unwrap();
    }
    let o = Command::new(bin())
        .env("MSF_MCP_AUDIT_KEY", AUDIT_KEY)
        .args(["audit", "verify"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"t1\"", "\"tX\"");
    std::fs::write(&path, text).unwrap();
    let o = Command::new(bin())
        .env("MSF_MCP_AUDIT_KEY", AUDIT_KEY)
        .args(["audit", "verify"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("first bad record at line 2"));
}

#[test]
fn an_invalid_policy_stops_the_server_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("msf-mcp.toml");
    std::fs::write(&cfg, "mode = \"yolo\"\n").unwrap();
    let o = crate::util::isolate(&mut Command::new(bin()))
        .arg("--config")
        .arg(&cfg)
        .arg("serve")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not one of read-only, plan-only, mutate"));
    let o = crate::util::isolate(&mut Command::new(bin()))
        .env("MSF_MCP_MODE", "root")
        .arg("serve")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[allow(dead_code)]
fn _assert_send(_: Arc<Sandbox>) {}

// # Consent over MCP: server-to-client elicitation

mod consent {
    use rmcp::{
        ClientHandler, ErrorData, RoleClient, ServiceExt,
        model::{
            CallToolRequestParams, ClientCapabilities, ClientConfig, ElicitRequestParams,
            ElicitResult, ElicitationAction, Implementation, ProtocolVersion,
        },
        service::RequestContext,
    };
    use serde_json::{Value, json};

    use super::*;
    use msf_mcp::mcp::Server;

    /// A client whose person types `answer` when asked, speaking protocol `version`.
    #[derive(Clone)]
    struct Person {
        answer: Option<&'static str>,
        version: ProtocolVersion,
    }

    fn person(answer: Option<&'static str>) -> Person {
        Person {
            answer,
            version: ProtocolVersion::V_2025_11_25,
        }
    }

    impl ClientHandler for Person {
        fn get_info(&self) -> ClientConfig {
            ClientConfig::new(
                ClientCapabilities::builder().enable_elicitation().build(),
                Implementation::new("person", "0"),
            )
            .with_protocol_version(self.version.clone())
        }

        async fn create_elicitation(
            &self,
            request: ElicitRequestParams,
            _: RequestContext<RoleClient>,
        ) -> Result<ElicitResult, ErrorData> {
            let asked = serde_json::to_string(&request).unwrap_or_default();
            assert!(asked.contains("Type the application name"), "{asked}");
            Ok(match self.answer {
                Some(a) => ElicitResult::new(ElicitationAction::Accept)
                    .with_content(json!({"application": a})),
                None => ElicitResult::new(ElicitationAction::Decline),
            })
        }
    }

    async fn call<C: rmcp::service::Service<RoleClient>>(
        client: &rmcp::service::RunningService<RoleClient, C>,
        name: &str,
        args: Value,
    ) -> rmcp::model::CallToolResult {
        client
            .call_tool(
                CallToolRequestParams::new(name.to_string())
                    .with_arguments(args.as_object().cloned().unwrap()),
            )
            .await
            .unwrap()
    }

    fn text(r: &rmcp::model::CallToolResult) -> String {
        r.content
            .iter()
            .filter_map(|c| c.as_text())
            .map(|t| t.text.clone())
            .collect()
    }

    async fn serve(sandbox: Sandbox) -> Server {
        Server::new(app().clone()).with_sandbox(Arc::new(sandbox))
    }

    async fn connect<C: ClientHandler>(
        server: Server,
        client: C,
    ) -> rmcp::service::RunningService<RoleClient, C> {
        let (a, b) = tokio::io::duplex(256 * 1024);
        tokio::spawn(async move {
            let running = server.serve(a).await.unwrap();
            let _ = running.waiting().await;
        });
        client.serve(b).await.unwrap()
    }

    /// What a host that inlines `$ref` and drops `oneOf`/`anyOf`/`allOf`
    /// hands its model.
    fn flattened(schema: &Value) -> Value {
        fn go(v: &Value, defs: &Value) -> Value {
            match v {
                Value::Object(m) => {
                    let mut out = serde_json::Map::new();
                    if let Some(Value::Object(t)) = m
                        .get("$ref")
                        .and_then(Value::as_str)
                        .and_then(|r| r.strip_prefix("#/$defs/"))
                        .and_then(|n| defs.get(n))
                        .map(|target| go(target, defs))
                    {
                        out.extend(t);
                    }
                    for (k, x) in m {
                        if !["$ref", "$defs", "oneOf", "anyOf", "allOf"].contains(&k.as_str()) {
                            out.insert(k.clone(), go(x, defs));
                        }
                    }
                    Value::Object(out)
                }
                Value::Array(a) => Value::Array(a.iter().map(|x| go(x, defs)).collect()),
                other => other.clone(),
            }
        }
        go(schema, schema.get("$defs").unwrap_or(&Value::Null))
    }

    /// `value` uses only declared properties, of their declared types, and
    /// has every required one.
    fn conforms(value: &Value, schema: &Value) {
        let ty = schema["type"].as_str();
        match value {
            Value::Object(m) => {
                assert_eq!(ty, Some("object"), "{schema}");
                for (k, x) in m {
                    let sub = &schema["properties"][k];
                    assert!(sub.is_object(), "`{k}` is not declared in {schema}");
                    conforms(x, sub);
                }
                for r in schema["required"].as_array().into_iter().flatten() {
                    assert!(m.contains_key(r.as_str().unwrap()), "`{r}` missing");
                }
            }
            Value::String(s) => {
                assert_eq!(ty, Some("string"), "{schema}");
                if let Some(values) = schema["enum"].as_array() {
                    assert!(values.contains(&json!(s)), "{s} not in {schema}");
                }
            }
            Value::Number(_) => assert!(matches!(ty, Some("integer" | "number")), "{schema}"),
            Value::Bool(_) => assert_eq!(ty, Some("boolean"), "{schema}"),
            other => panic!("unexpected {other}"),
        }
    }

    /// A host that flattens the input schema still lets the model build a
    /// change that plans; a missing field is named.
    #[tokio::test]
    async fn a_host_that_flattens_the_schema_still_gets_a_plan() {
        let describe = describe_rule("orders-flat", ApplicationStatus::Running, 2);
        let (s, _dir) = sandbox(policy(MUTATE), mocked(&[&describe]));
        let client = connect(serve(s).await, ()).await;
        let tools = client.list_all_tools().await.unwrap();
        let tool = tools.iter().find(|t| t.name == "msf_plan_change").unwrap();
        let flat = flattened(&Value::Object((*tool.input_schema).clone()));
        let change = &flat["properties"]["change"];
        let kinds: Vec<&str> = change["properties"]["kind"]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("no kind enum after flattening: {flat}"))
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            kinds,
            vec![
                "start",
                "stop",
                "create_snapshot",
                "delete_snapshot",
                "update_parallelism",
                "update_properties",
                "rollback"
            ]
        );
        assert_eq!(change["required"], json!(["kind"]), "{flat}");
        for (kind, args) in [
            ("update_parallelism", json!({"parallelism": 8})),
            ("create_snapshot", json!({"name": "nightly"})),
            ("stop", json!({"force": true})),
        ] {
            let mut c = args.as_object().unwrap().clone();
            c.insert("kind".into(), json!(kind));
            let args = json!({"application": "orders-flat", "change": c});
            conforms(&args, &flat);
            let r = call(&client, "msf_plan_change", args).await;
            assert_eq!(r.is_error, Some(false), "{kind}: {}", text(&r));
            let out = r.structured_content.unwrap();
            assert!(out["plan"].as_str().is_some_and(|p| !p.is_empty()), "{out}");
            assert_eq!(out["summary"]["change"]["kind"], kind, "{out}");
        }
        let r = call(
            &client,
            "msf_plan_change",
            json!({"application": "orders-flat", "change": {"kind": "create_snapshot"}}),
        )
        .await;
        assert_eq!(r.is_error, Some(true));
        assert!(text(&r).contains("needs `name`"), "{}", text(&r));
    }

    #[tokio::test]
    async fn the_person_types_the_name_or_nothing_changes() {
        let describe = describe_rule("orders-e", ApplicationStatus::Ready, 2);
        let start = mock!(kda::Client::start_application)
            .then_output(|| StartApplicationOutput::builder().build());
        let (s, _dir) = sandbox(policy(MUTATE), mocked(&[&describe, &start]));
        let server = serve(s).await;

        // A person who types the wrong name: nothing changes.
        let wrong = connect(server.clone(), person(Some("orders-x"))).await;
        let r = call(
            &wrong,
            "msf_read",
            json!({"reference": "application-lifecycle.md", "max_chars": 50}),
        )
        .await;
        assert_eq!(r.is_error, Some(false));
        let plan = call(
            &wrong,
            "msf_plan_change",
            json!({"application": "orders-e", "change": {"kind": "start", "restore": "latest"}}),
        )
        .await;
        assert_eq!(plan.is_error, Some(false), "{}", text(&plan));
        let token = plan.structured_content.unwrap()["plan"]
            .as_str()
            .unwrap()
            .to_string();
        let r = call(&wrong, "msf_apply_change", json!({"plan": token})).await;
        assert_eq!(r.is_error, Some(true));
        assert!(text(&r).contains("did not confirm"), "{}", text(&r));
        assert_eq!(start.num_calls(), 0);

        // A client that cannot ask a person: refused with the command for a person.
        let no_person = connect(server.clone(), ()).await;
        let r = call(&no_person, "msf_apply_change", json!({"plan": token})).await;
        assert!(text(&r).contains("msf-mcp apply --plan"), "{}", text(&r));
        assert_eq!(start.num_calls(), 0);

        // The right name: applied once.
        let right = connect(server.clone(), person(Some("orders-e"))).await;
        let r = call(&right, "msf_apply_change", json!({"plan": token})).await;
        assert_eq!(r.is_error, Some(false), "{}", text(&r));
        assert_eq!(start.num_calls(), 1);
        let audit = call(&right, "msf_audit_log", json!({"tool": "msf_apply_change"})).await;
        let records = audit.structured_content.unwrap()["records"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(
            records, 6,
            "two refusals and one success, each attempt + outcome"
        );
    }

    #[tokio::test]
    async fn stateless_clients_confirm_through_an_input_required_round() {
        let describe = describe_rule("orders-f", ApplicationStatus::Running, 4);
        let stop = mock!(kda::Client::stop_application)
            .then_output(|| StopApplicationOutput::builder().build());
        let (s, _dir) = sandbox(policy(MUTATE), mocked(&[&describe, &stop]));
        let server = serve(s).await;
        let receipt = receipt("application-lifecycle.md");
        let modern = |answer| Person {
            answer,
            version: ProtocolVersion::V_2026_07_28,
        };

        let client = connect(server.clone(), modern(Some("not-it"))).await;
        let plan = call(
            &client,
            "msf_plan_change",
            json!({"application": "orders-f", "change": {"kind": "stop"}, "receipts": [receipt]}),
        )
        .await;
        let token = plan.structured_content.unwrap()["plan"]
            .as_str()
            .unwrap()
            .to_string();
        let r = call(&client, "msf_apply_change", json!({"plan": token})).await;
        assert!(text(&r).contains("did not confirm"), "{}", text(&r));
        assert_eq!(stop.num_calls(), 0);

        let client = connect(server.clone(), modern(Some("orders-f"))).await;
        let r = call(&client, "msf_apply_change", json!({"plan": token})).await;
        assert_eq!(r.is_error, Some(false), "{}", text(&r));
        assert_eq!(stop.num_calls(), 1);
    }

    /// A person who never answers.
    #[derive(Clone)]
    struct Silent;

    impl ClientHandler for Silent {
        fn get_info(&self) -> ClientConfig {
            ClientConfig::new(
                ClientCapabilities::builder().enable_elicitation().build(),
                Implementation::new("silent", "0"),
            )
        }

        async fn create_elicitation(
            &self,
            _: ElicitRequestParams,
            _: RequestContext<RoleClient>,
        ) -> Result<ElicitResult, ErrorData> {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(ElicitResult::new(ElicitationAction::Decline))
        }
    }

    /// A question nobody answers expires (limits.consent_s): nothing changes.
    #[tokio::test]
    async fn an_unanswered_question_expires_and_nothing_changes() {
        let describe = describe_rule("orders-h", ApplicationStatus::Running, 4);
        let stop = mock!(kda::Client::stop_application)
            .then_output(|| StopApplicationOutput::builder().build());
        let (s, _dir) = sandbox(
            policy(&format!("{MUTATE}[limits]\nconsent_s = 1\n")),
            mocked(&[&describe, &stop]),
        );
        let client = connect(serve(s).await, Silent).await;
        let plan = call(
            &client,
            "msf_plan_change",
            json!({"application": "orders-h", "change": {"kind": "stop"}, "receipts": [receipt("application-lifecycle.md")]}),
        )
        .await;
        let token = plan.structured_content.unwrap()["plan"]
            .as_str()
            .unwrap()
            .to_string();
        let started = std::time::Instant::now();
        let r = call(&client, "msf_apply_change", json!({"plan": token})).await;
        assert_eq!(r.is_error, Some(true), "{}", text(&r));
        assert!(text(&r).contains("no answer within 1 s"), "{}", text(&r));
        assert!(started.elapsed() < Duration::from_secs(30));
        assert_eq!(stop.num_calls(), 0);
    }

    /// A `tools/call` that arrives with a pre-filled "accept" answers no
    /// question of ours: without our sealed request state, or with a forged
    /// one, nothing changes.
    #[tokio::test]
    async fn consent_is_accepted_only_as_the_answer_to_our_question() {
        let describe = describe_rule("orders-g", ApplicationStatus::Running, 4);
        let stop = mock!(kda::Client::stop_application)
            .then_output(|| StopApplicationOutput::builder().build());
        let (s, _dir) = sandbox(policy(MUTATE), mocked(&[&describe, &stop]));
        let server = serve(s).await;
        let client = connect(
            server,
            Person {
                answer: Some("orders-g"),
                version: ProtocolVersion::V_2026_07_28,
            },
        )
        .await;
        let plan = call(
            &client,
            "msf_plan_change",
            json!({"application": "orders-g", "change": {"kind": "stop"}, "receipts": [receipt("application-lifecycle.md")]}),
        )
        .await;
        let token = plan.structured_content.unwrap()["plan"]
            .as_str()
            .unwrap()
            .to_string();
        let accept = json!({"action": "accept", "content": {"application": "orders-g"}});
        for state in [None, Some("forged-state")] {
            let mut params = CallToolRequestParams::new("msf_apply_change")
                .with_arguments(json!({"plan": token}).as_object().cloned().unwrap())
                .with_input_responses([("confirm".to_string(), accept.clone())].into());
            if let Some(st) = state {
                params = params.with_request_state(st);
            }
            // One round, no automatic follow-up: exactly what a forger sends.
            let r = match client.call_tool_once(params).await.unwrap() {
                rmcp::model::CallToolResponse::Complete(r) => r,
                other => panic!("expected a refusal, got {other:?}"),
            };
            assert_eq!(r.is_error, Some(true), "{}", text(&r));
            assert!(
                text(&r).contains("question msf-mcp"),
                "{state:?}: {}",
                text(&r)
            );
            assert_eq!(stop.num_calls(), 0);
        }
    }
}

#[test]
fn cli_twins_reach_moto_through_aws_endpoint_url() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(seed("cli-moto"));
    let run = |args: &[&str]| {
        let o = crate::util::isolate(&mut Command::new(bin()))
            .env("AWS_ENDPOINT_URL", &moto().endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("MSF_MCP_AWS_MAX_ATTEMPTS", "1")
            .env_remove("AWS_PROFILE")
            .args(args)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let list = run(&["apps", "list"]);
    assert!(
        list.lines().next().unwrap().starts_with("name ")
            && list.lines().any(|l| l.starts_with("cli-moto  ")),
        "an aligned table with a header: {list}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&run(&["apps", "describe", "cli-moto", "--json"])).unwrap();
    assert_eq!(v["kpus"]["total"], 4);
    assert_eq!(v["property_groups"]["app"]["db.password"], "<redacted>");
    // Without --json: a summary block a person reads at a glance.
    let summary = run(&["apps", "describe", "cli-moto"]);
    for label in [
        "Application:  cli-moto",
        "Status:",
        "Runtime:      FLINK-1_20",
        "Parallelism:  6 in effect",
        "KPUs:         4 (3 compute + 1 orchestration)",
        "Cost:         ≈ $",
        "at us-east-1 prices",
        "Checkpoints:  on, every 1 min",
        "Snapshots:    on",
        "Logging:      /aws/kinesis-analytics/cli-moto",
        "VPC:          none",
        "Properties:   app: db.password=<redacted>",
    ] {
        assert!(summary.contains(label), "{label:?} in {summary}");
    }
    assert!(
        !summary.contains('{') && !summary.contains("hunter2"),
        "{summary}"
    );
    let query = [
        "logs",
        "query",
        "--application",
        "cli-moto",
        "--preset",
        "errors",
        "--start",
        "-1h",
    ];
    let logs = run(&query);
    assert!(logs.contains("OutOfMemoryError"), "{logs}");
    // Rows start with a local ISO time with its zone offset, under a header;
    // no epoch milliseconds anywhere.
    let iso =
        regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}  ").unwrap();
    let lines: Vec<&str> = logs.lines().collect();
    assert!(lines[1].starts_with("time "), "{logs}");
    assert!(lines[2..].iter().all(|l| iso.is_match(l)), "{logs}");
    assert!(
        !regex::Regex::new(r"\b\d{13}\b").unwrap().is_match(&logs),
        "{logs}"
    );
    // --json is the tool's result, unchanged: epoch or ISO as the service sent it.
    let json_args: Vec<&str> = query.iter().copied().chain(["--json"]).collect();
    let v: serde_json::Value = serde_json::from_str(&run(&json_args)).unwrap();
    assert_eq!(v["log_group"], "/aws/kinesis-analytics/cli-moto");
    assert!(v["rows"][0]["fields"]["@timestamp"].is_string(), "{v}");
    let tail = run(&["audit", "tail", "--json"]);
    let records: serde_json::Value = serde_json::from_str(&tail).unwrap();
    assert!(records["records"].as_array().unwrap().len() >= 6);
    assert!(!tail.contains("hunter2"));
    assert!(run(&["audit", "verify"]).contains("chain verified"));
}

#[test]
fn doctor_reports_each_check_in_plain_words() {
    let run = |extra: &[(&str, &str)], args: &[&str]| {
        let mut cmd = Command::new(bin());
        crate::util::isolate(&mut cmd)
            .env("AWS_ENDPOINT_URL", &moto().endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("MSF_MCP_AWS_MAX_ATTEMPTS", "1")
            .env_remove("AWS_PROFILE");
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd.arg("--in-memory").args(args).output().unwrap()
    };
    let o = run(&[], &["doctor", "--json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let checks: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = checks
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![
            "references",
            "corpus age",
            "index",
            "policy",
            "audit",
            "aws region",
            "aws identity"
        ]
    );
    assert!(
        checks[6]["detail"]
            .as_str()
            .unwrap()
            .contains("123456789012")
    );
    let o = run(&[("MSF_MCP_MODE", "yolo")], &["doctor"]);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("fail  policy") && text.contains("not one of read-only"),
        "{text}"
    );
}
