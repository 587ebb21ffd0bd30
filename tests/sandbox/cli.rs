//! The CLI over the sandbox: audit verify, an invalid policy, the CLI twins
//! against moto, doctor.

use super::*;

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

#[test]
fn cli_twins_reach_moto_through_aws_endpoint_url() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(seed("cli-moto"));
    let run = |args: &[&str]| stdout_of(cli_against_moto().args(args), args);
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
        let mut cmd = cli_against_moto();
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
