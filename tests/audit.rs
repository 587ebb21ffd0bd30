//! The change path fails closed on the audit log (issue: an audit that fails
//! open). A real small filesystem (tmpfs, which CI mounts as root) fills up
//! between plan and apply, or during the AWS call itself.

use std::{io::Write, path::Path, process::Command};

use aws_sdk_kinesisanalyticsv2 as kda;
use aws_smithy_mocks::mock;
use kda::{operation::start_application::StartApplicationOutput, types::ApplicationStatus};
use msf_mcp::{
    Error,
    sandbox::{AwsSettings, Consent, Sandbox, args::*, audit},
};

use crate::sandbox::{
    AUDIT_KEY, MUTATE, describe_rule, gate, mocked, policy, sandbox_in, start_change,
};

/// A tmpfs of `kib` KiB mounted on a fresh folder, unmounted on drop.
struct SmallFs {
    dir: tempfile::TempDir,
}

impl SmallFs {
    fn new(kib: u32) -> SmallFs {
        let dir = tempfile::tempdir().unwrap();
        let o = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir.path())
            .output()
            .expect("run mount");
        assert!(
            o.status.success(),
            "mounting a tmpfs needs root, as CI runs: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        SmallFs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// Writes a filler file until the filesystem at `dir` is full.
fn fill(dir: &Path) {
    let mut f = std::fs::File::create(dir.join("filler")).unwrap();
    let block = vec![0u8; 4096];
    while f.write_all(&block).and_then(|()| f.sync_data()).is_ok() {}
}

fn sandbox_on(dir: &Path, aws: AwsSettings) -> Sandbox {
    sandbox_in(dir, policy(MUTATE), aws)
}

async fn plan(s: &Sandbox) -> String {
    crate::sandbox::plan_token(s, start_change(), &["application-lifecycle.md"]).await
}

#[tokio::test]
async fn a_full_disk_stops_the_change_before_it_reaches_aws() {
    let fs = SmallFs::new(256);
    let describe = describe_rule("orders-a", ApplicationStatus::Ready, 3);
    let start = mock!(kda::Client::start_application)
        .then_output(|| StartApplicationOutput::builder().build());
    let s = sandbox_on(fs.path(), mocked(&[&describe, &start]));
    let token = plan(&s).await;
    fill(fs.path());
    let err = s
        .apply_change(&ApplyArgs { plan: token }, gate, |_| async {
            Consent::Confirmed
        })
        .await
        .expect_err("no change without its audit record");
    assert!(matches!(err, Error::Audit(_)), "{err:?}");
    assert!(err.to_string().contains("not sent to AWS"), "{err}");
    assert_eq!(start.num_calls(), 0, "StartApplication was sent");
    // Reads fail closed as well.
    let err = s
        .describe_application(&DescribeArgs {
            application: "orders-a".into(),
            ..Default::default()
        })
        .await
        .expect_err("no read without its audit record");
    assert!(err.to_string().contains("not sent to AWS"), "{err}");
    // Space back: the log still verifies and the server keeps working.
    std::fs::remove_file(fs.path().join("filler")).unwrap();
    let v = s.audit().verify().unwrap();
    assert!(v.ok(), "{v:?}");
}

#[tokio::test]
async fn a_full_disk_before_the_first_record_refuses_every_call() {
    let fs = SmallFs::new(64);
    fill(fs.path());
    let describe = describe_rule("orders-a", ApplicationStatus::Ready, 3);
    // An empty file needs no space on tmpfs: the log opens, and the first
    // record cannot be written, so every call is refused before AWS.
    let s = Sandbox::new(
        policy(MUTATE),
        &fs.path().join("audit.jsonl"),
        AUDIT_KEY.as_bytes(),
        mocked(&[&describe]),
        &[9u8; 32],
    )
    .expect("the empty log opens on a full tmpfs");
    let err = s
        .describe_application(&DescribeArgs {
            application: "orders-a".into(),
            ..Default::default()
        })
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("not sent to AWS"), "{err}");
    assert_eq!(describe.num_calls(), 0);
}

#[tokio::test]
async fn an_outcome_that_cannot_be_recorded_is_reported_loudly_and_verify_lists_the_gap() {
    let fs = SmallFs::new(256);
    let dir = fs.path().to_path_buf();
    let describe = describe_rule("orders-a", ApplicationStatus::Ready, 3);
    // The disk fills while AWS handles the call: after the attempt record.
    let start = mock!(kda::Client::start_application).then_output(move || {
        fill(&dir);
        StartApplicationOutput::builder().build()
    });
    let s = sandbox_on(fs.path(), mocked(&[&describe, &start]));
    let token = plan(&s).await;
    let err = s
        .apply_change(&ApplyArgs { plan: token }, gate, |_| async {
            Consent::Confirmed
        })
        .await
        .expect_err("the missing outcome is an error");
    let text = err.to_string();
    assert!(text.contains("was sent and AWS accepted it"), "{text}");
    assert!(text.contains("Do not repeat the call"), "{text}");
    assert_eq!(start.num_calls(), 1);
    std::fs::remove_file(fs.path().join("filler")).unwrap();
    let v = audit::verify(s.audit().path(), AUDIT_KEY.as_bytes()).unwrap();
    assert!(v.ok(), "{v:?}");
    assert!(
        v.gaps.iter().any(|g| g.contains("msf_apply_change")),
        "{:?}",
        v.gaps
    );
}

#[tokio::test]
async fn a_huge_argument_is_audited_bounded_and_the_next_start_opens_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let describe = describe_rule("orders-a", ApplicationStatus::Ready, 3);
    let s = sandbox_on(dir.path(), mocked(&[&describe]));
    let huge = "us-east-1".repeat(45_000);
    let err = s
        .context(
            &ContextArgs {
                region: Some(huge),
                ..Default::default()
            },
            false,
        )
        .await
        .expect_err("region not allowed");
    assert!(
        err.to_string().len() < 2_000,
        "the refusal echoes the argument: {err}"
    );
    let size = std::fs::metadata(s.audit().path()).unwrap().len();
    assert!(size < 8_000, "audit log is {size} bytes after one refusal");
    drop(s);
    let again = sandbox_on(dir.path(), mocked(&[&describe]));
    assert!(again.audit().verify().unwrap().ok());
}

#[test]
fn the_audit_log_tool_says_which_limits_are_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let describe = describe_rule("orders-a", ApplicationStatus::Ready, 3);
    let s = sandbox_on(dir.path(), mocked(&[&describe]));
    for bad in [0, 501, 100_000] {
        let err = s
            .audit_log(&AuditArgs {
                limit: Some(bad),
                ..Default::default()
            })
            .expect_err("out of range");
        assert!(err.to_string().contains("1 to 500"), "{err}");
    }
    assert!(
        s.audit_log(&AuditArgs {
            limit: Some(500),
            ..Default::default()
        })
        .is_ok()
    );
}

// # The off-box copy (CloudWatch Logs)

fn sink_policy(extra: &str) -> msf_mcp::sandbox::policy::Policy {
    policy(&format!(
        "{MUTATE}[audit]\ncloudwatch_log_group = \"/msf-mcp/audit-test\"\n{extra}"
    ))
}

/// Every record of a call goes to the log group, byte for byte as in the
/// local log (chain fields included). Tested against moto's CloudWatch Logs.
#[tokio::test]
async fn records_are_copied_to_cloudwatch_logs() {
    crate::sandbox::seed("sink-moto").await;
    let dir = tempfile::tempdir().unwrap();
    let s = sandbox_in(dir.path(), sink_policy(""), crate::sandbox::moto_settings());
    s.describe_application(&DescribeArgs {
        application: "sink-moto".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let logs = aws_sdk_cloudwatchlogs::Client::new(&crate::sandbox::sdk_config().await);
    let events = logs
        .filter_log_events()
        .log_group_name("/msf-mcp/audit-test")
        .send()
        .await
        .unwrap();
    let shipped: Vec<String> = events
        .events()
        .iter()
        .filter_map(|e| e.message().map(str::to_string))
        .collect();
    let local: Vec<String> = std::fs::read_to_string(s.audit().path())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(local.len(), 2, "attempt and outcome");
    for line in &local {
        assert!(shipped.contains(line), "not shipped: {line}");
    }
}

/// With the copy configured and unreachable, a change is refused before
/// AWS sees it (sink_failure = "refuse", the default); "warn" lets it through.
#[tokio::test]
async fn a_change_whose_attempt_cannot_be_copied_is_refused() {
    let describe = describe_rule("orders-a", ApplicationStatus::Ready, 3);
    let start = mock!(kda::Client::start_application)
        .then_output(|| StartApplicationOutput::builder().build());
    for (extra, applied) in [("", false), ("sink_failure = \"warn\"\n", true)] {
        let dir = tempfile::tempdir().unwrap();
        // The mocked network answers only the MSF calls: CloudWatch Logs fails.
        let s = sandbox_in(dir.path(), sink_policy(extra), mocked(&[&describe, &start]));
        let token = plan(&s).await;
        let before = start.num_calls();
        let result = s
            .apply_change(&ApplyArgs { plan: token }, gate, |_| async {
                Consent::Confirmed
            })
            .await;
        assert_eq!(result.is_ok(), applied, "{extra:?}: {result:?}");
        assert_eq!(start.num_calls() - before, usize::from(applied));
        if let Err(e) = result {
            assert!(e.to_string().contains("copied off the machine"), "{e}");
        }
    }
}

/// Several processes on one log (CLI twins beside each other, as beside a
/// server) extend one chain: every seq once, and it verifies.
#[test]
fn concurrent_processes_on_one_log_keep_one_chain() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(crate::sandbox::seed("chain-moto"));
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let children: Vec<_> = (0..6)
        .map(|_| {
            crate::util::isolate(&mut Command::new(crate::util::bin()))
                .env("MSF_MCP_AUDIT_LOG", &log)
                .env("MSF_MCP_AUDIT_KEY", AUDIT_KEY)
                .env("AWS_ENDPOINT_URL", &crate::sandbox::moto().endpoint)
                .env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing")
                .env("AWS_REGION", "us-east-1")
                .env("MSF_MCP_AWS_MAX_ATTEMPTS", "1")
                .env_remove("AWS_PROFILE")
                .args(["apps", "list", "--json"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let v = audit::verify(&log, AUDIT_KEY.as_bytes()).unwrap();
    assert!(v.ok(), "{v:?}");
    assert_eq!(v.records, 12, "an attempt and an outcome per process");
    assert!(v.gaps.is_empty(), "{:?}", v.gaps);
}
