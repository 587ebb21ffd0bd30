//! The policy: parsing, ceilings, overrides, decisions, globs.

use super::*;

#[test]
fn default_is_read_only_and_changes_nothing() {
    let p = Policy::default_with(&Overrides::default()).unwrap();
    assert_eq!(p.mode, Mode::ReadOnly);
    assert!(p.check_change(Action::Start, "anything").is_err());
    assert!(p.check_region(None).is_ok());
    assert!(
        p.check_region(Some("eu-west-1"))
            .unwrap_err()
            .contains("allow.regions")
    );
    assert_eq!(p.limits, Limits::default());
}

#[test]
fn the_off_box_sink_is_parsed_and_checked() {
    let p = Policy::parse(
        "[audit]\ncloudwatch_log_group = \"/msf-mcp/audit\"\n",
        &Overrides::default(),
    )
    .unwrap();
    assert_eq!(
        p.audit_sink,
        Some(AuditSink {
            log_group: "/msf-mcp/audit".into(),
            refuse_on_failure: true
        })
    );
    let p = Policy::parse(
        "[audit]\ncloudwatch_log_group = \"g\"\nsink_failure = \"warn\"\n",
        &Overrides::default(),
    )
    .unwrap();
    assert!(!p.audit_sink.unwrap().refuse_on_failure);
    for bad in [
        "[audit]\ncloudwatch_log_group = \"bad name!\"\n",
        "[audit]\nsink_failure = \"warn\"\n",
        "[audit]\ncloudwatch_log_group = \"g\"\nsink_failure = \"maybe\"\n",
    ] {
        assert!(Policy::parse(bad, &Overrides::default()).is_err(), "{bad}");
    }
}

#[test]
fn mfa_backed_apply_needs_a_role_and_a_device() {
    let ok = "[apply]\nmfa_role_arn = \"arn:aws:iam::123456789012:role/msf-apply\"\nmfa_serial = \"arn:aws:iam::123456789012:mfa/alice\"\n";
    let p = Policy::parse(ok, &Overrides::default()).unwrap();
    assert_eq!(p.mfa.unwrap().serial, "arn:aws:iam::123456789012:mfa/alice");
    for bad in [
        "[apply]\nmfa_role_arn = \"arn:aws:iam::123456789012:role/x\"\n",
        "[apply]\nmfa_role_arn = \"not-an-arn\"\nmfa_serial = \"GAHT12345678\"\n",
        "[apply]\nmfa_role_arn = \"arn:aws:iam::1:role/x\"\nmfa_serial = \"x y\"\n",
    ] {
        assert!(Policy::parse(bad, &Overrides::default()).is_err(), "{bad}");
    }
}

#[test]
fn region_and_profile_arguments_are_checked_before_use() {
    let p = Policy::default_with(&Overrides::default()).unwrap();
    let long = "us-east-1".repeat(1000);
    let e = p.check_region(Some(&long)).unwrap_err();
    assert!(e.contains("not an AWS region name") && e.len() < 300, "{e}");
    assert!(
        p.check_profile(Some("a b"))
            .unwrap_err()
            .contains("not an AWS profile")
    );
}

#[test]
fn parses_a_full_policy_and_env_overrides_win() {
    let text = r#"
mode = "plan-only"
[allow]
applications = ["orders-*", "dev-?"]
regions = ["eu-west-1"]
profiles = ["dev"]
[deny]
changes = ["delete_snapshot"]
[limits]
max_parallelism = 32
[audit]
path = "/tmp/a.jsonl"
"#;
    let p = Policy::parse(text, &Overrides::default()).unwrap();
    assert_eq!(p.mode, Mode::PlanOnly);
    assert!(p.check_change(Action::Start, "orders-enricher").is_ok());
    assert!(p.check_change(Action::Start, "dev-1").is_ok());
    assert!(p.check_change(Action::Start, "dev-12").is_err());
    assert!(
        p.check_change(Action::DeleteSnapshot, "orders-x")
            .unwrap_err()
            .contains("deny.changes")
    );
    assert!(p.check_region(Some("eu-west-1")).is_ok());
    assert!(
        p.check_profile(Some("prod"))
            .unwrap_err()
            .contains("allow.profiles")
    );
    assert_eq!(p.limits.max_parallelism, 32);
    assert_eq!(p.limits.max_rows, 1_000);
    let o = Overrides {
        mode: Some("mutate".into()),
        audit_path: Some("/x".into()),
    };
    let p = Policy::parse(text, &o).unwrap();
    assert_eq!(p.mode, Mode::Mutate);
    assert_eq!(p.audit_path, Some(PathBuf::from("/x")));
}

#[test]
fn invalid_policies_are_refused_with_the_key() {
    for (text, want) in [
        ("mode = \"yolo\"", "not one of read-only"),
        ("[allow]\nregions = [\"mars\"]", "not a region name"),
        ("[limits]\nmax_rows = 0", "limits.max_rows"),
        ("[deny]\nchanges = [\"format_disk\"]", "unknown variant"),
        ("unknown_key = 1", "unknown field"),
        ("mode = ", "policy file"),
    ] {
        let e = Policy::parse(text, &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{text:?}: {e}");
    }
    let e = Policy::parse(
        "",
        &Overrides {
            mode: Some("root".into()),
            audit_path: None,
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("not one of"));
}

#[test]
fn globs_match_whole_names() {
    assert!(glob_match("orders-*", "orders-"));
    assert!(glob_match("*-prod", "a-b-prod"));
    assert!(glob_match("a*b*c", "aXXbYYc"));
    assert!(!glob_match("orders-*", "xorders-1"));
    assert!(!glob_match("a?c", "abbc"));
    assert!(glob_match("*", ""));
}

#[test]
fn an_allow_list_of_regions_bounds_the_default_region_too() {
    let open = Policy::default_with(&Overrides::default()).unwrap();
    assert!(open.check_default_region(Some("ap-south-1")).is_ok());
    assert!(open.check_default_region(None).is_ok());
    let p = Policy::parse(
        "[allow]\nregions = [\"eu-west-1\"]\n",
        &Overrides::default(),
    )
    .unwrap();
    assert!(p.check_default_region(Some("eu-west-1")).is_ok());
    let e = p.check_default_region(Some("us-east-1")).unwrap_err();
    assert!(
        e.contains("default region `us-east-1`")
            && e.contains("eu-west-1")
            && e.contains("--region"),
        "{e}"
    );
    assert!(
        p.check_default_region(None)
            .unwrap_err()
            .contains("no default region")
    );
}
