//! Plans: building, sealing and opening.

use std::collections::BTreeMap;

use super::*;
use crate::sandbox::types::*;

pub(crate) fn app(status: &str) -> AppView {
    AppView {
        name: "orders".into(),
        arn: "arn:aws:kinesisanalytics:us-east-1:123456789012:application/orders".into(),
        status: status.into(),
        runtime: "FLINK-1_20".into(),
        version_id: 7,
        conditional_token: Some("tok".into()),
        role_arn: None,
        parallelism: Parallelism {
            configuration_type: "CUSTOM".into(),
            parallelism: 4,
            parallelism_per_kpu: 1,
            autoscaling: false,
            current_parallelism: 4,
        },
        kpus: Kpus::of(4, 1),
        checkpoints: Checkpoints::default(),
        snapshots_enabled: true,
        logging: Logging::default(),
        vpc: None,
        property_groups: BTreeMap::from([(
            "app".to_string(),
            BTreeMap::from([("db.password".to_string(), "<redacted>".to_string())]),
        )]),
        code_location: None,
        snapshots: None,
        operations: None,
        knowledge: String::new(),
    }
}

#[test]
fn scaling_plan_has_request_diff_effects_and_risk() {
    let change = Change::UpdateParallelism {
        parallelism: Some(8),
        parallelism_per_kpu: Some(2),
        autoscaling: None,
    };
    let p = compute(&app("RUNNING"), change, 64, None, None, vec![]).unwrap();
    assert_eq!(p.outcome.request["operation"], "UpdateApplication");
    assert_eq!(p.outcome.request["body"]["CurrentApplicationVersionId"], 7);
    assert_eq!(
        p.outcome
            .diff
            .iter()
            .map(|d| d.field.as_str())
            .collect::<Vec<_>>(),
        vec![
            "ParallelismConfiguration.Parallelism",
            "ParallelismConfiguration.ParallelismPerKPU"
        ]
    );
    assert_eq!(
        (p.outcome.effects.kpus_before, p.outcome.effects.kpus_after),
        (5, 5)
    );
    assert!(p.outcome.effects.restart);
    assert_eq!(p.outcome.risk, "medium");
    assert_eq!(p.version_id, 7);
}

#[test]
fn impossible_changes_are_refused_with_the_reason() {
    let e = compute(
        &app("READY"),
        Change::Stop { force: false },
        64,
        None,
        None,
        vec![],
    )
    .unwrap_err();
    assert!(e.to_string().contains("stop needs RUNNING"));
    let big = Change::UpdateParallelism {
        parallelism: Some(500),
        parallelism_per_kpu: None,
        autoscaling: None,
    };
    assert!(
        compute(&app("RUNNING"), big, 64, None, None, vec![])
            .unwrap_err()
            .to_string()
            .contains("max_parallelism")
    );
    let e = compute(
        &app("RUNNING"),
        Change::CreateSnapshot {
            name: "../x".into(),
        },
        64,
        None,
        None,
        vec![],
    )
    .unwrap_err();
    assert!(e.to_string().contains("not a snapshot name"));
}

#[test]
fn property_values_never_appear_in_plans() {
    let change = Change::UpdateProperties {
        group: "app".into(),
        key: "db.password".into(),
        value: "hunter2".into(),
    };
    let p = compute(&app("RUNNING"), change, 64, None, None, vec![]).unwrap();
    let json = serde_json::to_string(&PlanView::of(&p)).unwrap();
    assert!(!json.contains("hunter2"), "{json}");
}

#[test]
fn sealed_plans_open_only_unaltered() {
    let s = PlanSealer::with_key(&[1u8; 32]).unwrap();
    let p = compute(
        &app("RUNNING"),
        Change::Stop { force: true },
        64,
        None,
        None,
        vec![],
    )
    .unwrap();
    assert_eq!(p.outcome.risk, "high");
    let token = s.seal(&p).unwrap();
    assert_eq!(s.open(&token).unwrap(), p);
    let mut bad = token.clone();
    bad.replace_range(20..21, if &token[20..21] == "A" { "B" } else { "A" });
    assert!(
        s.open(&bad)
            .unwrap_err()
            .to_string()
            .contains("plan refused")
    );
    assert!(
        PlanSealer::with_key(&[2u8; 32])
            .unwrap()
            .open(&token)
            .is_err()
    );
}
