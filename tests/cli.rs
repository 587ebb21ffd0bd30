//! The real binary's CLI: text and `--json` outputs, exit codes, `refs --check`, `index`.

use std::process::Command;

use serde_json::Value;

use crate::util::*;

fn json(args: &[&str]) -> Value {
    let o = run_fixture(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("stdout is JSON")
}

#[test]
fn route_json_ranks_the_reference_that_answers() {
    let v = json(&[
        "route",
        "--json",
        "ProvisionedThroughputExceededException",
        "when",
        "polling",
    ]);
    assert_eq!(v["read_plan"][0], "kinesis-connector-guide.md");
    let first = &v["routes"][0];
    assert_eq!(first["reference"], "kinesis-connector-guide.md");
    assert_eq!(first["title"], "Kinesis connector (fixture)");
    assert!(
        first["why"]
            .as_str()
            .unwrap()
            .contains("provisionedthroughputexceededexception")
    );
    assert_eq!(
        first["sections"][0]["anchor"],
        "why-am-i-throttled-with-provisionedthroughputexceededexception"
    );
}

#[test]
fn chinese_questions_route_through_glossary_and_bigrams() {
    let v = json(&["route", "--json", "检查点间隔应该设多长？"]);
    assert_eq!(v["read_plan"][0], "checkpoint-tuning.md");
    let v = json(&["route", "--json", "怎么手动扩缩容"]);
    assert_eq!(v["read_plan"][0], "scaling-decisions.md");
}

#[test]
fn search_json_has_the_contract_fields() {
    let v = json(&["search", "--json", "--limit", "2", "parallelism per kpu"]);
    let hits = v["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 2);
    let h = &hits[0];
    assert_eq!(h["reference"], "scaling-decisions.md");
    assert_eq!(h["anchor"], "what-does-parallelismperkpu-change");
    assert_eq!(
        h["heading_path"],
        "Scaling decisions (fixture) > What does ParallelismPerKPU change?"
    );
    assert_eq!(h["lines"], serde_json::json!([25, 31]));
    assert!(
        h["text"]
            .as_str()
            .unwrap()
            .starts_with("## What does ParallelismPerKPU change?")
    );
    assert!(h["snippet"].as_str().unwrap().contains("**"));
    assert!(h["score"].as_f64().unwrap() > 0.0);
    assert!(v["total"].as_u64().unwrap() >= 2);
    assert_eq!(v["truncated"], true);
}

#[test]
fn identifiers_match_whole_and_by_parts() {
    for q in [
        "execution.checkpointing.interval",
        "checkpointing interval",
        "SHARD_GETRECORDS_MAX",
        "shard getrecords max",
    ] {
        let v = json(&["search", "--json", "--limit", "1", q]);
        let r = v["hits"][0]["reference"].as_str().unwrap().to_string();
        let expected = if q.contains("check") {
            "checkpoint-tuning.md"
        } else {
            "kinesis-connector-guide.md"
        };
        assert_eq!(r, expected, "{q}");
    }
}

#[test]
fn read_pages_with_next_offset_and_reads_sections() {
    let v = json(&[
        "read",
        "--json",
        "checkpoint-tuning.md",
        "--max-chars",
        "100",
    ]);
    assert_eq!(v["content"].as_str().unwrap().chars().count(), 100);
    assert_eq!(v["next_offset"], 100);
    assert_eq!(v["truncated"], true);
    let total = v["total_chars"].as_u64().unwrap();
    let sha = v["sha256"].as_str().unwrap().to_string();
    assert_eq!(sha.len(), 64);
    assert!(
        v["toc"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["anchor"] == "which-metrics-show-it")
    );
    let rest = json(&[
        "read",
        "--json",
        "checkpoint-tuning.md",
        "--offset",
        "100",
        "--max-chars",
        "60000",
    ]);
    assert_eq!(rest["offset"], 100);
    assert!(rest.get("next_offset").is_none());
    assert_eq!(
        100 + rest["content"].as_str().unwrap().chars().count() as u64,
        total
    );

    let s = json(&[
        "read",
        "--json",
        "checkpoint-tuning.md",
        "which-metrics-show-it",
    ]);
    assert_eq!(s["section"], "which-metrics-show-it");
    assert!(
        s["content"]
            .as_str()
            .unwrap()
            .starts_with("### Which metrics show it?")
    );
    assert_eq!(s["sha256"], sha.as_str());
}

#[test]
fn refs_lists_every_reference() {
    let v = json(&["refs", "--json"]);
    let refs = v["references"].as_array().unwrap();
    let names: Vec<&str> = refs
        .iter()
        .map(|r| r["reference"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![
            "checkpoint-tuning.md",
            "kinesis-connector-guide.md",
            "scaling-decisions.md"
        ]
    );
    assert_eq!(
        refs[0]["summary"],
        "Checkpoint interval, duration and their cost on a KPU."
    );
    assert_eq!(
        refs[0]["load_when"][0],
        "checkpoints take longer than the interval"
    );
    assert!(refs[0]["sections"].as_array().unwrap().len() >= 2);
}

#[test]
fn human_output_is_readable_text() {
    let o = run_fixture(&["search", "autoscaling scale out"]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(
        out.contains("scaling-decisions.md#when-does-autoscaling-scale-out"),
        "{out}"
    );
    assert!(!out.trim_start().starts_with('{'));
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let o = run_fixture(&["read", "../../etc/passwd"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a reference name"),
        "{}",
        stderr(&o)
    );
    let o = run_fixture(&["read", "nope.md"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no reference named `nope.md`"));
    let o = run_fixture(&["search", "--limit", "500", "kpu"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("limit is 500"));
    let o = run_fixture(&["read", "checkpoint-tuning.md", "no-such-section"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("has no section `no-such-section`"));
    let o = isolate(&mut Command::new(bin()))
        .args(["--references", "/nonexistent-msf", "refs"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent-msf"));
}

#[test]
fn refs_check_reports_file_and_line() {
    let o = run_fixture(&["refs", "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("0 errors"));

    let o = isolate(&mut Command::new(bin()))
        .args(["--in-memory", "--references"])
        .arg(broken_fixtures())
        .args(["refs", "--check"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    for want in [
        "bad-front-matter.md:3: error: front matter: `this: has a colon` contains `: `",
        "bad-front-matter.md:14: error: duplicate anchor `#same-heading`",
        "bad-front-matter.md:12: error: link `nowhere.md`: no reference named `nowhere.md`",
        "bad-front-matter.md:16: error: link `other.md#no-such-anchor`",
        "`load_when` is missing",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    assert!(!out.contains("other.md:"), "other.md is clean:\n{out}");
}

#[test]
fn index_persists_and_reopens_then_rebuilds_when_the_corpus_changes() {
    let dir = tempfile::tempdir().unwrap();
    let refs = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(fixtures()).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, refs.path().join(f.file_name().unwrap())).unwrap();
    }
    let run = || {
        let o = isolate(&mut Command::new(bin()))
            .arg("--references")
            .arg(refs.path())
            .arg("--index-dir")
            .arg(dir.path())
            .args(["index", "--json"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_slice::<Value>(&o.stdout).unwrap()
    };
    let first = run();
    assert_eq!(first["persisted"], true);
    assert!(first["built_ms"].is_u64());
    assert_eq!(first["sections"], 11);
    let second = run();
    assert!(
        second["built_ms"].is_null(),
        "reopened without rebuilding: {second}"
    );
    assert_eq!(second["location"], first["location"]);

    let path = refs.path().join("scaling-decisions.md");
    let text = std::fs::read_to_string(&path).unwrap() + "\n## A new section\n\nNew words.\n";
    std::fs::write(&path, text).unwrap();
    let third = run();
    assert!(third["built_ms"].is_u64());
    assert_ne!(third["corpus_digest"], first["corpus_digest"]);
    assert_eq!(third["sections"], 12);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| n.starts_with("gen-")),
        "no temp folders left: {names:?}"
    );
    assert!(
        dir.path()
            .join(third["location"].as_str().unwrap())
            .join("msf-manifest.json")
            .exists()
    );
}

#[test]
fn unwritable_index_dir_falls_back_to_memory() {
    let o = isolate(&mut Command::new(bin()))
        .arg("--references")
        .arg(fixtures())
        .args([
            "--index-dir",
            "/proc/msf-mcp-cannot-write",
            "index",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["persisted"], false);
    assert!(v["location"].as_str().unwrap().starts_with("memory"));
}

#[test]
fn version_names_the_embedded_corpus_digest() {
    let o = isolate(&mut Command::new(bin()))
        .arg("--version")
        .output()
        .unwrap();
    let digest = msf_mcp::corpus::Corpus::embedded().digest().to_string();
    let out = stdout(&o);
    assert!(out.contains(&digest[..16]), "{out}");
    let files = crate::util::reference_files();
    assert!(
        out.contains(&format!("embedded references: {files} files")),
        "{out}"
    );
}

#[test]
fn readme_configuration_snippets_parse() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let mut blocks = 0;
    for (i, block) in readme.split("```json\n").skip(1).enumerate() {
        let body = block.split("```").next().unwrap();
        let v: Value =
            serde_json::from_str(body).unwrap_or_else(|e| panic!("json block {i}: {e}\n{body}"));
        let servers = v
            .get("servers")
            .or_else(|| v.get("mcpServers"))
            .expect("servers or mcpServers");
        assert_eq!(servers["msf"]["command"], "msf-mcp");
        assert_eq!(servers["msf"]["args"], serde_json::json!(["serve"]));
        blocks += 1;
    }
    assert_eq!(blocks, 3, "VS Code, Kiro, Cursor/Claude Desktop");
    assert!(readme.contains("claude mcp add msf -- msf-mcp serve"));
    let toml_block = readme
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    msf_mcp::sandbox::policy::Policy::parse(toml_block, &Default::default())
        .expect("the README's policy example is valid");
}

#[test]
fn outside_a_checkout_the_index_lives_in_the_user_cache() {
    let elsewhere = tempfile::tempdir().unwrap();
    let cache = elsewhere.path().join("cache");
    let run = |args: &[&str]| {
        isolate(&mut Command::new(bin()))
            .current_dir(elsewhere.path())
            .env("XDG_CACHE_HOME", &cache)
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&["index", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["corpus"], "embedded");
    assert_eq!(v["persisted"], true);
    assert!(
        v["location"]
            .as_str()
            .unwrap()
            .starts_with(cache.join("msf-mcp/index").to_str().unwrap()),
        "{v}"
    );
    let o = run(&["route", "--json", "How many KPUs do I need?"]);
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!v["read_plan"].as_array().unwrap().is_empty());
}

#[test]
fn eval_reports_tuning_and_held_out_sets_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let tune = dir.path().join("tune.jsonl");
    let held = dir.path().join("held.jsonl");
    std::fs::write(
        &tune,
        r#"{"id": "t-1", "q": "How long should the checkpoint interval be?", "refs": ["checkpoint-tuning.md"], "must": ["60000"], "lang": "en"}"#,
    )
    .unwrap();
    std::fs::write(
        &held,
        r#"{"id": "h-1", "q": "ParallelismPerKPU subtasks share a KPU", "refs": ["scaling-decisions.md"], "must": ["ParallelismPerKPU"], "lang": "en", "source": "https://example.org/q/1"}"#,
    )
    .unwrap();
    let o = run_fixture(&[
        "eval",
        tune.to_str().unwrap(),
        "--held-out",
        held.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("role"), "{out}");
    assert!(
        lines[1].starts_with("tuning") && lines[1].contains("tune.jsonl"),
        "{out}"
    );
    // Each set's line is followed by one line per language in it.
    assert!(
        lines[2].starts_with("tuning") && lines[2].contains("  en"),
        "{out}"
    );
    assert!(
        lines[3].starts_with("held-out") && lines[3].contains("held.jsonl"),
        "{out}"
    );
    assert!(
        lines[0].contains("reached") && lines[0].contains("cost p50"),
        "{out}"
    );
    let o = run_fixture(&[
        "eval",
        "--json",
        tune.to_str().unwrap(),
        "--held-out",
        held.to_str().unwrap(),
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[1]["held_out"], true);
    assert_eq!(v[1]["report"]["overall"]["n"], 1);
    // The reader's cost: the held-out question's fact is in a routed section,
    // so it is reached after some text and before the cap.
    let cost = v[1]["report"]["overall"]["costs"][0].as_u64().unwrap();
    assert!(cost > 0 && cost < 40_000, "cost {cost}");

    // A second assessor's labels: the held-out set is scored against them
    // too, on its own line; labels covering no held-out question are refused.
    let second = dir.path().join("second.jsonl");
    std::fs::write(
        &second,
        r#"{"id": "h-1", "primary": "resource-optimization.md", "also": ["scaling-decisions.md"], "confidence": "medium"}"#,
    )
    .unwrap();
    let args = |labels: &str| {
        run_fixture(&[
            "eval",
            tune.to_str().unwrap(),
            "--held-out",
            held.to_str().unwrap(),
            "--second-labels",
            labels,
        ])
    };
    let o = args(second.to_str().unwrap());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.lines()
            .any(|l| l.starts_with("held-out") && l.contains("held.jsonl (2nd labels)")),
        "{out}"
    );
    std::fs::write(&second, r#"{"id": "other", "primary": "msf-overview.md"}"#).unwrap();
    let o = args(second.to_str().unwrap());
    assert!(!o.status.success());
    assert!(stderr(&o).contains("name no question"), "{}", stderr(&o));
}

/// Every subcommand's help lists the global options under their own heading,
/// after its own options; the AWS commands list `--region` and `--profile`
/// under theirs.
#[test]
fn global_options_have_their_own_heading_in_every_help() {
    let help = |args: &[&str]| {
        let o = isolate(&mut Command::new(bin()))
            .args(args)
            .arg("--help")
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        stdout(&o)
    };
    for args in [
        &["route"][..],
        &["search"],
        &["read"],
        &["serve"],
        &["doctor"],
        &["apps", "describe"],
        &["logs", "query"],
        &["metrics"],
        &["audit", "tail"],
    ] {
        let text = help(args);
        let (own, global) = text
            .split_once("\nGlobal options:\n")
            .unwrap_or_else(|| panic!("{args:?}: no Global options heading in {text}"));
        for flag in ["--references", "--index-dir", "--in-memory", "--config"] {
            assert!(
                global.contains(flag),
                "{args:?}: {flag} under Global options"
            );
            assert!(
                !own.contains(flag),
                "{args:?}: {flag} among its own options"
            );
        }
    }
    let text = help(&["apps", "list"]);
    let aws = text.split_once("\nAWS options:\n").map(|(_, a)| a);
    assert!(
        aws.is_some_and(|a| a.contains("--region") && a.contains("--profile")),
        "{text}"
    );
}
