//! Reads: list, describe, logs and context against moto; a describe answer
//! without a name (mocked).

use super::*;

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
        policy("[allow]\nregions = [\"us-east-1\", \"eu-west-1\"]"),
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
    let records = audited(&s, "denied");
    assert_eq!(records.len(), 1, "a denial is audited");
    assert!(s.audit().verify().unwrap().ok());
}

/// With `allow.regions` set, a call that names no region goes to the
/// default region only when the list has it: the list bounds every call.
#[tokio::test]
async fn moto_a_default_region_outside_the_allow_list_is_refused() {
    let (s, _dir) = sandbox(
        policy("[allow]\nregions = [\"eu-west-1\"]"),
        moto_settings(),
    );
    let e = s.context(&ContextArgs::default(), false).await.unwrap_err();
    assert!(e.to_string().contains("default region `us-east-1`"), "{e}");
    let c = s
        .context(
            &ContextArgs {
                region: Some("eu-west-1".into()),
                ..Default::default()
            },
            false,
        )
        .await
        .unwrap();
    assert_eq!(c.region.as_deref(), Some("eu-west-1"));
    let denied = audited(&s, "denied");
    assert_eq!(denied.len(), 1, "the refusal is audited");
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
