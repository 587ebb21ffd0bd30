//! The change path under attack: freshness bound to what the person saw
//! (version id, ConditionalToken and status), the planned token sent to AWS,
//! and single-use plans.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use aws_sdk_kinesisanalyticsv2 as kda;
use aws_smithy_mocks::mock;
use kda::{
    operation::{
        describe_application::DescribeApplicationOutput, stop_application::StopApplicationOutput,
        update_application::UpdateApplicationOutput,
    },
    types::ApplicationStatus,
};
use msf_mcp::sandbox::{Consent, Sandbox, args::*, plan::Change};

use crate::sandbox::{
    AUDIT_KEY, MUTATE, describe_rule, detail, gate, mocked, plan_args, policy, receipt,
};

fn sandbox(aws: msf_mcp::sandbox::AwsSettings) -> (Sandbox, tempfile::TempDir) {
    crate::sandbox::sandbox(policy(MUTATE), aws)
}

use crate::sandbox::plan_token as plan;

async fn apply(s: &Sandbox, token: &str) -> msf_mcp::Result<ApplyOut> {
    s.apply_change(
        &ApplyArgs {
            plan: token.to_string(),
        },
        gate,
        |_| async { Consent::Confirmed },
    )
    .await
}

#[tokio::test]
async fn a_plan_is_applied_once_and_a_replay_is_refused() {
    let describe = describe_rule("orders-a", ApplicationStatus::Running, 3);
    let stop = mock!(kda::Client::stop_application)
        .then_output(|| StopApplicationOutput::builder().build());
    let (s, _d) = sandbox(mocked(&[&describe, &stop]));
    let token = plan(
        &s,
        Change::Stop { force: false },
        &["application-lifecycle.md"],
    )
    .await;
    apply(&s, &token).await.unwrap();
    let err = apply(&s, &token).await.expect_err("a replay is refused");
    assert!(err.to_string().contains("already applied"), "{err}");
    assert_eq!(stop.num_calls(), 1);
    // Another process on the same log sees it too.
    let other = Sandbox::new(
        policy(MUTATE),
        s.audit().path(),
        AUDIT_KEY.as_bytes(),
        mocked(&[&describe, &stop]),
        &[9u8; 32],
    )
    .unwrap();
    let err = apply(&other, &token)
        .await
        .expect_err("refused elsewhere too");
    assert!(err.to_string().contains("already applied"), "{err}");
    assert_eq!(stop.num_calls(), 1);
}

/// A describe that answers `first` once, then `then`.
fn describe_changing(
    first: kda::types::ApplicationDetail,
    then: kda::types::ApplicationDetail,
) -> aws_smithy_mocks::Rule {
    let n = Arc::new(AtomicUsize::new(0));
    mock!(kda::Client::describe_application).then_output(move || {
        let d = if n.fetch_add(1, Ordering::SeqCst) == 0 {
            first.clone()
        } else {
            then.clone()
        };
        DescribeApplicationOutput::builder()
            .application_detail(d)
            .build()
    })
}

#[tokio::test]
async fn a_changed_status_or_conditional_token_makes_the_plan_stale() {
    let running = detail("orders-a", ApplicationStatus::Running, 3);
    let mut other_token = running.clone();
    other_token.conditional_token = Some("tok-2".into());
    let stop = mock!(kda::Client::stop_application)
        .then_output(|| StopApplicationOutput::builder().build());
    // What AWS describes at apply time (same version id), and the refusal.
    for (at_apply, refusal) in [
        (
            detail("orders-a", ApplicationStatus::Ready, 3),
            "is now READY",
        ),
        (other_token, "ConditionalToken"),
    ] {
        let describe = describe_changing(running.clone(), at_apply);
        let (s, _d) = sandbox(mocked(&[&describe, &stop]));
        let token = plan(
            &s,
            Change::Stop { force: false },
            &["application-lifecycle.md"],
        )
        .await;
        let err = apply(&s, &token).await.expect_err("stale");
        assert!(err.to_string().contains(refusal), "{err}");
        assert_eq!(stop.num_calls(), 0);
    }
}

#[tokio::test]
async fn the_planned_conditional_token_is_what_aws_receives() {
    let describe = describe_rule("orders-a", ApplicationStatus::Running, 3);
    let update = mock!(kda::Client::update_application)
        .match_requests(|r| r.conditional_token() == Some("tok"))
        .then_output(|| UpdateApplicationOutput::builder().build());
    let (s, _d) = sandbox(mocked(&[&describe, &update]));
    let token = plan(
        &s,
        Change::UpdateParallelism {
            parallelism: Some(4),
            parallelism_per_kpu: None,
            autoscaling: None,
        },
        &["scaling-decisions.md", "resource-optimization.md"],
    )
    .await;
    let _ = apply(&s, &token).await;
    assert_eq!(
        update.num_calls(),
        1,
        "UpdateApplication carried the planned token"
    );
}

#[tokio::test]
async fn the_plan_names_the_validated_application_not_the_response() {
    let other = mock!(kda::Client::describe_application).then_output(|| {
        DescribeApplicationOutput::builder()
            .application_detail(detail("orders-zzz", ApplicationStatus::Running, 3))
            .build()
    });
    let (s, _d) = sandbox(mocked(&[&other]));
    let err = s
        .plan_change(
            &plan_args(
                "orders-a",
                Change::Stop { force: false },
                vec![receipt("application-lifecycle.md")],
            ),
            gate,
        )
        .await
        .expect_err("another application in the response");
    assert!(
        err.to_string().contains("when asked for `orders-a`"),
        "{err}"
    );
}

#[test]
fn doctor_warns_when_every_application_may_change() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("msf-mcp.toml");
    std::fs::write(&cfg, "mode = \"mutate\"\n[allow]\napplications = [\"*\"]\n").unwrap();
    let o = crate::util::isolate(&mut std::process::Command::new(crate::util::bin()))
        .env("AWS_ENDPOINT_URL", &crate::sandbox::moto().endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("MSF_MCP_AWS_MAX_ATTEMPTS", "1")
        .arg("--config")
        .arg(&cfg)
        .args(["--in-memory", "doctor", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let policy = v
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .find(|c| c["name"] == "policy")
        .unwrap()
        .clone();
    assert_eq!(policy["status"], "warn", "{policy}");
    assert!(
        policy["detail"]
            .as_str()
            .unwrap()
            .contains("EVERY application")
    );
}

// # MFA-backed apply

const MFA: &str = "[apply]\nmfa_role_arn = \"arn:aws:iam::123456789012:role/msf-apply\"\nmfa_serial = \"arn:aws:iam::123456789012:mfa/alice\"\n";

fn mfa_sandbox(aws: msf_mcp::sandbox::AwsSettings) -> (Sandbox, tempfile::TempDir) {
    crate::sandbox::sandbox(policy(&format!("{MUTATE}{MFA}")), aws)
}

/// With `[apply]` naming an MFA-backed role, a change is made only as that
/// role, assumed with the code the person typed: no code, nothing changes; a
/// code AWS refuses, nothing changes; the right code, one AssumeRole with the
/// device and code, then the change.
#[tokio::test]
async fn mfa_backed_apply_needs_the_persons_code_and_aws_checks_it() {
    use aws_sdk_sts::{operation::assume_role::AssumeRoleOutput, types::Credentials};
    let describe = describe_rule("orders-a", ApplicationStatus::Running, 3);
    let stop = mock!(kda::Client::stop_application)
        .then_output(|| StopApplicationOutput::builder().build());
    let assume = mock!(aws_sdk_sts::Client::assume_role)
        .match_requests(|r| {
            r.token_code() == Some("123456")
                && r.serial_number() == Some("arn:aws:iam::123456789012:mfa/alice")
                && r.role_arn() == Some("arn:aws:iam::123456789012:role/msf-apply")
        })
        .then_output(|| {
            AssumeRoleOutput::builder()
                .credentials(
                    Credentials::builder()
                        .access_key_id("ASIAMFA")
                        .secret_access_key("secret")
                        .session_token("token")
                        .expiration(aws_sdk_sts::primitives::DateTime::from_secs(4_102_444_800))
                        .build()
                        .unwrap(),
                )
                .build()
        });
    let refused = mock!(aws_sdk_sts::Client::assume_role)
        .match_requests(|r| r.token_code() != Some("123456"))
        .then_error(|| {
            aws_sdk_sts::operation::assume_role::AssumeRoleError::generic(
                aws_sdk_sts::error::ErrorMetadata::builder()
                    .code("AccessDenied")
                    .message(
                        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
                    )
                    .build(),
            )
        });
    let (s, _d) = mfa_sandbox(mocked(&[&describe, &stop, &assume, &refused]));

    // No code: refused before AWS.
    let token = plan(
        &s,
        Change::Stop { force: false },
        &["application-lifecycle.md"],
    )
    .await;
    let err = apply(&s, &token).await.expect_err("no code");
    assert!(err.to_string().contains("6-digit code"), "{err}");
    assert_eq!((assume.num_calls(), stop.num_calls()), (0, 0));

    // A code AWS does not accept (no matching rule: the mocked STS fails).
    let token = plan(
        &s,
        Change::Stop { force: false },
        &["application-lifecycle.md"],
    )
    .await;
    let err = s
        .apply_change(&ApplyArgs { plan: token }, gate, |_| async {
            Consent::ConfirmedWithCode("000000".into())
        })
        .await
        .expect_err("AWS refuses the code");
    assert!(err.to_string().contains("AssumeRole"), "{err}");
    assert_eq!(stop.num_calls(), 0);

    // The right code: the role is assumed, then the change is made.
    let token = plan(
        &s,
        Change::Stop { force: false },
        &["application-lifecycle.md"],
    )
    .await;
    s.apply_change(&ApplyArgs { plan: token }, gate, |_| async {
        Consent::ConfirmedWithCode("123456".into())
    })
    .await
    .unwrap();
    assert_eq!((assume.num_calls(), stop.num_calls()), (1, 1));
}

/// The AssumeRole call itself, against moto's STS.
#[tokio::test]
async fn the_mfa_role_is_assumed_through_sts() {
    let (s, _d) = mfa_sandbox(crate::sandbox::moto_settings());
    let identity = s.mfa_identity("123456").await.unwrap();
    assert!(identity.contains("msf-apply"), "{identity}");
}
