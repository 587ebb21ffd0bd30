//! Changes: a confirmed plan applied once, read-only mode, every refusal
//! (allow-list, unread references, stale, altered, declined), AWS failures.

use super::*;

#[tokio::test]
async fn a_confirmed_plan_is_applied_once_and_audited_with_fsync() {
    let describe = describe_rule("orders-a", ApplicationStatus::Ready, 3);
    let start = mock!(kda::Client::start_application)
        .match_requests(|r| r.application_name() == Some("orders-a"))
        .then_output(|| StartApplicationOutput::builder().build());
    let (s, _dir) = sandbox(policy(MUTATE), mocked(&[&describe, &start]));
    let plan = s
        .plan_change(
            &plan_args(
                "orders-a",
                start_change(),
                vec![receipt("application-lifecycle.md")],
            ),
            gate,
        )
        .await
        .unwrap();
    assert!(
        plan.references_to_read.is_empty() && plan.blocked.is_none(),
        "{plan:?}"
    );
    assert_eq!(
        plan.summary.outcome.request["body"]["RunConfiguration"]["ApplicationRestoreConfiguration"]
            ["ApplicationRestoreType"],
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
            &plan_args(
                "orders-b",
                Change::Stop { force: false },
                vec![receipt("application-lifecycle.md")],
            ),
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
            &plan_args("orders-b", Change::Stop { force: false }, vec![]),
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
        .plan_change(&plan_args("billing", scale.clone(), vec![]), gate)
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
        .plan_change(&plan_args("orders-c", scale.clone(), vec![]), gate)
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
        .plan_change(&plan_args("orders-c", scale.clone(), receipts), gate)
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
    let denied = audited(&s, "denied");
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
            &plan_args(
                "orders-d",
                start_change(),
                vec![receipt("application-lifecycle.md")],
            ),
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
    let outcomes = audited(&s, "error");
    assert_eq!(outcomes.len(), 1);
}
