//! The project's own references and question set: every reference parses,
//! carries its front matter, has no broken link or duplicate anchor, has
//! JSON/YAML examples that parse; SKILL.md routes to exactly the references;
//! the question set covers every reference and holds a quality floor.

use std::collections::BTreeSet;

use msf_mcp::{
    App,
    config::{IndexDir, KnowledgeConfig},
    corpus::Corpus,
    eval,
};
use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

use crate::util::real_references;

fn corpus() -> Corpus {
    Corpus::from_dir(&real_references()).expect("references load")
}

#[test]
fn embedded_corpus_is_the_references_folder() {
    assert_eq!(
        Corpus::embedded().digest(),
        corpus().digest(),
        "rebuild after editing references/"
    );
}

#[test]
fn every_reference_has_keywords_in_both_languages_and_substance() {
    for doc in corpus().docs().iter().filter(|d| d.name != "SKILL.md") {
        let fm = &doc.front;
        let zh = fm
            .keywords
            .iter()
            .filter(|k| k.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)))
            .count();
        assert!(
            fm.keywords.len() >= 15,
            "{}: {} keywords",
            doc.name,
            fm.keywords.len()
        );
        assert!(zh >= 3, "{}: {zh} Chinese keywords", doc.name);
        assert!(fm.load_when.len() >= 3, "{}: load_when", doc.name);
        let words = doc.source.split_whitespace().count();
        assert!(words >= 1_200, "{}: only {words} words", doc.name);
        // Topic references answer with level-2 sections; the known-problems
        // catalogues group their level-3 entries under a few level-2 areas.
        let units = if doc.name.starts_with("known-issues-") {
            3
        } else {
            2
        };
        assert!(
            doc.sections.iter().filter(|s| s.level == units).count() >= 6,
            "{}: sections",
            doc.name
        );
    }
}

#[test]
fn json_and_yaml_examples_parse() {
    let mut failures = Vec::new();
    let mut counted = 0;
    for doc in corpus().docs() {
        let mut lang: Option<String> = None;
        let mut code = String::new();
        let mut line = 0;
        for (event, range) in Parser::new(&doc.source).into_offset_iter() {
            match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(l))) => {
                    lang = Some(l.to_string());
                    code.clear();
                    line = doc.source[..range.start].lines().count() + 1;
                }
                Event::Text(t) if lang.is_some() => code.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    let l = lang.take().unwrap_or_default();
                    let result = match l.as_str() {
                        "json" => serde_json::from_str::<serde_json::Value>(&code)
                            .map(|_| ())
                            .map_err(|e| e.to_string()),
                        "yaml" | "yml" => yaml_rust2::YamlLoader::load_from_str(&code)
                            .map(|_| ())
                            .map_err(|e| e.to_string()),
                        _ => continue,
                    };
                    counted += 1;
                    if let Err(e) = result {
                        failures.push(format!("{}:{line}: {l} block: {e}", doc.name));
                    }
                }
                _ => {}
            }
        }
    }
    assert!(counted >= 30, "only {counted} JSON/YAML examples");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn skill_routing_table_lists_exactly_the_references() {
    let corpus = corpus();
    let skill = corpus.get("SKILL.md").expect("SKILL.md exists");
    assert_eq!(
        skill.front.name.as_deref(),
        Some("developing-applications-on-managed-service-for-apache-flink")
    );
    assert!(
        skill
            .front
            .description
            .as_deref()
            .is_some_and(|d| d.len() > 80)
    );
    let table = skill
        .find_section("routing-table")
        .expect("## Routing table section");
    let text = skill.section_text(table);
    let linked: BTreeSet<String> = skill
        .links
        .iter()
        .filter(|l| l.line >= table.lines.0 && l.line <= table.lines.1)
        .map(|l| l.target.split('#').next().unwrap_or_default().to_string())
        .collect();
    let files: BTreeSet<String> = corpus
        .docs()
        .iter()
        .map(|d| d.name.clone())
        .filter(|n| n != "SKILL.md")
        .collect();
    assert_eq!(linked, files, "routing table:\n{text}");
}

fn questions() -> Vec<eval::Question> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/eval/parts");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        out.extend(
            eval::parse(&std::fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        );
    }
    out
}

#[test]
fn question_set_covers_every_reference_with_facts_it_contains() {
    let corpus = corpus();
    let qs = questions();
    let ids: BTreeSet<&str> = qs.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(ids.len(), qs.len(), "question ids are unique");
    for doc in corpus.docs().iter().filter(|d| d.name != "SKILL.md") {
        let n = qs.iter().filter(|q| q.refs[0] == doc.name).count();
        assert!(n >= 4, "{}: {n} questions", doc.name);
    }
    let zh = qs.iter().filter(|q| q.lang == "zh").count();
    assert!(
        zh * 100 >= qs.len() * 15,
        "{zh} of {} questions in Chinese",
        qs.len()
    );
    for q in &qs {
        for r in &q.refs {
            assert!(corpus.get(r).is_ok(), "{}: unknown reference {r}", q.id);
        }
        let primary = corpus.get(&q.refs[0]).unwrap().source.to_lowercase();
        for m in &q.must {
            assert!(
                primary.contains(&m.to_lowercase()),
                "{}: {m:?} not in {}",
                q.id,
                q.refs[0]
            );
        }
    }
}

/// The bar of the workflow issue: route recall@3 >= 0.95, every expected
/// reference in the first 5 >= 0.90, fact hit@5 >= 0.90.
fn assert_quality(questions: &[eval::Question]) {
    let app = App::load(&KnowledgeConfig {
        references: Some(real_references()),
        index_dir: IndexDir::Memory,
        receipt_key: None,
    })
    .unwrap();
    let report = eval::run(&app, questions).unwrap();
    let (route3, set5, fact5) = report.overall.rates();
    let summary = eval::render(&report);
    assert!(route3 >= 0.95, "route recall@3 {route3:.3}\n{summary}");
    assert!(set5 >= 0.90, "route set recall@5 {set5:.3}\n{summary}");
    assert!(fact5 >= 0.90, "fact hit@5 {fact5:.3}\n{summary}");
}

#[test]
fn our_question_set_meets_the_quality_bar() {
    let qs = questions();
    assert!(qs.len() >= 150, "{} questions", qs.len());
    assert_quality(&qs);
}

#[test]
fn the_shared_dev_set_meets_the_quality_bar() {
    // tests/eval/shared-dev.jsonl is the team's shared dev set (../shared/eval/dev.jsonl), kept
    // here so that the test runs from any clone.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/eval/shared-dev.jsonl");
    let qs = eval::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(qs.len() >= 70);
    assert_quality(&qs);
}

fn real_app() -> App {
    App::load(&KnowledgeConfig {
        references: Some(real_references()),
        index_dir: IndexDir::Memory,
        receipt_key: None,
    })
    .unwrap()
}

/// `question` routed with the default arguments.
fn route(app: &App, question: &str) -> msf_mcp::api::RouteOutput {
    app.route(
        &msf_mcp::api::RouteArgs {
            question: question.to_string(),
            ..Default::default()
        },
        None,
    )
    .unwrap()
}

fn held_out(name: &str) -> Vec<eval::Question> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/eval")
        .join(name);
    eval::load_set(&path, true)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .questions
}

/// The held-out sets are well formed. Their scores are reported by `eval`;
/// only floors are asserted (`held_out_sets_keep_their_floors`), never
/// targets, so that nobody tunes for them.
#[test]
fn held_out_sets_are_well_formed_and_cover_the_corpus() {
    let corpus = corpus();
    for (name, min, zh_min) in [
        ("heldout.jsonl", 60, 10),
        ("field.jsonl", 80, 10),
        ("field2.jsonl", 40, 8),
        ("field3.jsonl", 60, 12),
        ("field4.jsonl", 60, 12),
    ] {
        let qs = held_out(name);
        assert!(qs.len() >= min, "{name}: {} questions", qs.len());
        let ids: BTreeSet<&str> = qs.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids.len(), qs.len(), "{name}: ids are unique");
        let zh = qs.iter().filter(|q| q.lang == "zh").count();
        assert!(zh >= zh_min, "{name}: {zh} Chinese questions");
        for q in &qs {
            assert!(matches!(q.lang.as_str(), "en" | "zh"), "{}", q.id);
            assert!(!q.must.is_empty(), "{}: no must strings", q.id);
            for r in &q.refs {
                assert!(
                    corpus.get(r).is_ok(),
                    "{name} {}: unknown reference {r}",
                    q.id
                );
            }
        }
    }
    // The held-out set names every reference as primary at least twice.
    let qs = held_out("heldout.jsonl");
    for doc in corpus
        .docs()
        .iter()
        .filter(|d| d.name != "SKILL.md" && !d.name.starts_with("known-issues-"))
    {
        let n = qs.iter().filter(|q| q.refs[0] == doc.name).count();
        assert!(
            n >= 2,
            "heldout.jsonl: {} is primary of {n} questions",
            doc.name
        );
    }
    // The blind sets of 2026-11-30 name every reference as primary.
    for name in ["field3.jsonl", "field4.jsonl"] {
        let qs = held_out(name);
        for doc in corpus.docs().iter().filter(|d| d.name != "SKILL.md") {
            assert!(
                qs.iter().any(|q| q.refs[0] == doc.name),
                "{name}: {} is never a primary",
                doc.name
            );
        }
    }
    // Every field question says where it was asked, and no thread is asked twice.
    let mut sources = BTreeSet::new();
    for q in held_out("field.jsonl")
        .into_iter()
        .chain(held_out("field2.jsonl"))
        .chain(held_out("field3.jsonl"))
        .chain(held_out("field4.jsonl"))
    {
        let src = q.source.clone().unwrap_or_default();
        assert!(src.starts_with("https://"), "{}: source `{src}`", q.id);
        assert!(
            sources.insert(src.clone()),
            "{}: thread {src} is used twice",
            q.id
        );
    }
}

/// A pasted error alone finds its catalogue entry and the topic reference of
/// its area: for every entry of the known-problems catalogues that quotes its
/// error in a `text` block, the block (alone, and inside a Chinese question)
/// routes to the catalogue (first 3), to a
/// topic reference that links the entry (first 5), and finds the entry (first
/// 5 hits).
#[test]
fn pasted_errors_route_to_their_known_problem_entry_and_topic() {
    let app = real_app();
    let corpus = app.corpus();
    // Topic references linking each entry, by `catalogue#anchor`.
    let mut linked_from: std::collections::HashMap<String, Vec<String>> = Default::default();
    for doc in corpus.docs() {
        for link in &doc.links {
            if link.target.starts_with("known-issues-") && link.target.contains('#') {
                linked_from
                    .entry(link.target.clone())
                    .or_default()
                    .push(doc.name.clone());
            }
        }
    }
    let (mut total, mut routed, mut topical, mut found) = (0, 0, 0, 0);
    let mut misses = Vec::new();
    for doc in corpus
        .docs()
        .iter()
        .filter(|d| d.name.starts_with("known-issues-"))
    {
        for s in doc.sections.iter().filter(|s| s.level == 3) {
            let text = doc.section_text(s);
            let Some(start) = text.find("```text\n") else {
                continue;
            };
            let rest = &text[start + 8..];
            let paste = rest[..rest.find("```").unwrap_or(rest.len())].trim();
            total += 1;
            let topics = linked_from
                .get(&format!("{}#{}", doc.name, s.anchor))
                .cloned()
                .unwrap_or_default();
            assert!(
                !topics.is_empty(),
                "{}#{}: no topic reference links this entry",
                doc.name,
                s.anchor
            );
            let route = app
                .route(
                    &msf_mcp::api::RouteArgs {
                        question: paste.to_string(),
                        max_refs: Some(5),
                        ..Default::default()
                    },
                    None,
                )
                .unwrap();
            let hits = app
                .search(&msf_mcp::api::SearchArgs {
                    query: paste.to_string(),
                    limit: Some(5),
                    ..Default::default()
                })
                .unwrap();
            // The same paste with a Chinese question around it.
            let zh = app
                .route(
                    &msf_mcp::api::RouteArgs {
                        question: format!(
                            "我的应用报错了，日志如下：\n{paste}\n这是什么原因？怎么解决？"
                        ),
                        max_refs: Some(3),
                        ..Default::default()
                    },
                    None,
                )
                .unwrap();
            let r = route.routes.iter().take(3).any(|x| x.reference == doc.name)
                && zh.routes.iter().any(|x| x.reference == doc.name);
            let t = route.routes.iter().any(|x| topics.contains(&x.reference));
            let f = hits
                .hits
                .iter()
                .any(|h| h.reference == doc.name && h.anchor == s.anchor);
            routed += usize::from(r);
            topical += usize::from(t);
            found += usize::from(f);
            if !(r && t && f) {
                misses.push(format!(
                    "{}#{} (catalogue {r}, topic {t}, entry {f})",
                    doc.name, s.anchor
                ));
            }
        }
    }
    assert!(total >= 60, "only {total} entries quote their error");
    let rate = |n: usize| n as f64 / total as f64;
    let (r, t, f) = (rate(routed), rate(topical), rate(found));
    assert!(
        r >= 0.95 && t >= 0.90 && f >= 0.95,
        "catalogue {r:.3}, topic {t:.3}, entry {f:.3} over {total}:\n{}",
        misses.join("\n")
    );
}

/// `--references DIR` serves regular markdown files only: a symlink named
/// like a reference (pointing anywhere) and dotfiles are skipped.
#[test]
fn a_references_folder_serves_no_symlinks_or_dotfiles() {
    let dir = tempfile::tempdir().unwrap();
    let real = real_references().join("checkpoint-tuning.md");
    std::fs::copy(&real, dir.path().join("checkpoint-tuning.md")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", dir.path().join("link.md")).unwrap();
    std::os::unix::fs::symlink(&real, dir.path().join("also-checkpoints.md")).unwrap();
    std::fs::copy(&real, dir.path().join(".hidden.md")).unwrap();
    let corpus = Corpus::from_dir(dir.path()).unwrap();
    let names: Vec<&str> = corpus.docs().iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, vec!["checkpoint-tuning.md"]);
}

/// The user's runtime: an argument or a version named in the question makes
/// sections naming that runtime rank higher and labels version-specific hits;
/// an unknown runtime is refused with the ids to use.
#[test]
fn search_and_route_prefer_the_users_runtime() {
    let app = real_app();
    let search = |runtime: Option<&str>| {
        app.search(&msf_mcp::api::SearchArgs {
            query: "state TTL cleanup".into(),
            limit: Some(8),
            runtime: runtime.map(str::to_string),
            ..Default::default()
        })
        .unwrap()
    };
    let first_naming = |out: &msf_mcp::api::SearchOutput, r: &str| {
        out.hits
            .iter()
            .position(|h| h.runtimes.iter().any(|x| x == r))
    };
    let plain = search(None);
    assert_eq!(plain.runtime, None);
    let with = search(Some("flink-1.20"));
    assert_eq!(with.runtime.as_deref(), Some("FLINK-1_20"));
    let (before, after) = (
        first_naming(&plain, "FLINK-1_20"),
        first_naming(&with, "FLINK-1_20").expect("a hit names FLINK-1_20"),
    );
    assert!(before.is_none_or(|b| after <= b), "{before:?} -> {after}");
    // Every label is what the section's text names.
    for h in &with.hits {
        let text = app
            .read(&msf_mcp::api::ReadArgs {
                reference: h.reference.clone(),
                section: Some(h.anchor.clone()),
                ..Default::default()
            })
            .unwrap()
            .content;
        for r in &h.runtimes {
            let (major, minor) = r.trim_start_matches("FLINK-").split_once('_').unwrap();
            assert!(
                text.contains(r.as_str())
                    || text
                        .to_lowercase()
                        .contains(&format!("flink {major}.{minor}")),
                "{}#{} labelled {r}",
                h.reference,
                h.anchor
            );
        }
    }

    // Named in the question, in English or Chinese.
    for q in [
        "how do I set the checkpoint interval on Flink 2.2",
        "运行时 2.2 上检查点间隔怎么设置",
    ] {
        let out = route(&app, q);
        assert_eq!(out.runtime.as_deref(), Some("FLINK-2_2"), "{q}");
    }

    for bad in ["latest", "FLINK-1_99"] {
        let err = app
            .search(&msf_mcp::api::SearchArgs {
                query: "checkpoint".into(),
                runtime: Some(bad.into()),
                ..Default::default()
            })
            .unwrap_err()
            .to_string();
        assert!(err.contains("FLINK-1_20"), "{bad}: {err}");
    }
}

/// Floors, not targets: each held-out set keeps the routing and retrieval
/// it had when this test was written (2026-11-30, one question of slack), so
/// a change that helps the tuning sets at the held-out sets' expense fails
/// here; and Chinese questions, pooled over the held-out sets, route their
/// primary reference into the first 3 at least 92% of the time. Counts are
/// (questions, route@3, set@5, fact@5) as `msf-mcp eval` reports them.
#[test]
fn held_out_sets_keep_their_floors() {
    let app = real_app();
    let floors = [
        ("heldout.jsonl", 60, 54, 52, 56),
        ("field.jsonl", 84, 79, 73, 79),
        ("field2.jsonl", 40, 36, 36, 37),
        ("field3.jsonl", 60, 58, 52, 57),
        ("field4.jsonl", 60, 56, 55, 54),
    ];
    let (mut zh_n, mut zh_route) = (0, 0);
    for (name, n, route3, set5, fact5) in floors {
        let report = eval::run(&app, &held_out(name)).unwrap();
        let o = &report.overall;
        let summary = eval::render(&report);
        assert_eq!(o.n, n, "{name}: questions\n{summary}");
        assert!(
            o.route_at3 >= route3,
            "{name}: route@3 {} < {route3}\n{summary}",
            o.route_at3
        );
        assert!(
            o.set_at5 >= set5,
            "{name}: set@5 {} < {set5}\n{summary}",
            o.set_at5
        );
        assert!(
            o.fact_at5 >= fact5,
            "{name}: fact@5 {} < {fact5}\n{summary}",
            o.fact_at5
        );
        if let Some(zh) = report.by_lang.get("zh") {
            zh_n += zh.n;
            zh_route += zh.route_at3;
        }
    }
    assert!(zh_n >= 30, "{zh_n} Chinese held-out questions");
    assert!(
        zh_route * 100 >= zh_n * 92,
        "Chinese held-out route@3 {zh_route}/{zh_n} < 0.92"
    );
}

/// Where the user saw an error (its logs, 日志) is not what the question is
/// about: the error's topic comes before logging-configuration.md, in English
/// and in Chinese alike.
#[test]
fn the_word_for_logs_does_not_lead_a_question_about_an_error() {
    let app = real_app();
    for question in [
        "The logs show java.lang.OutOfMemoryError: Java heap space and the job keeps restarting",
        "日志里看到 OutOfMemoryError: Java heap space，作业一直重启",
    ] {
        let out = route(&app, question);
        let first = out.read_plan.first().cloned().unwrap_or_default();
        assert_ne!(
            first, "logging-configuration.md",
            "{question}: {:?}",
            out.read_plan
        );
    }
    // Asked about logs themselves, the logging reference still leads.
    let out = route(&app, "MSF 应用的日志在 CloudWatch 哪里看？");
    assert_eq!(
        out.read_plan.first().map(String::as_str),
        Some("logging-configuration.md")
    );
}

fn second_labels() -> std::collections::BTreeMap<String, eval::SecondLabel> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("eval")
        .join("second-labels.jsonl");
    eval::load_second_labels(&path).unwrap()
}

const HELD_OUT: [&str; 5] = [
    "heldout.jsonl",
    "field.jsonl",
    "field2.jsonl",
    "field3.jsonl",
    "field4.jsonl",
];

/// The second assessor labelled every held-out question, with references
/// that exist and a confidence, and nothing else.
#[test]
fn second_labels_cover_every_held_out_question() {
    let corpus = corpus();
    let labels = second_labels();
    let mut ids = BTreeSet::new();
    for name in HELD_OUT {
        for q in held_out(name) {
            let l = labels
                .get(&q.id)
                .unwrap_or_else(|| panic!("{name} {}: no second label", q.id));
            for r in std::iter::once(&l.primary).chain(&l.also) {
                assert!(corpus.get(r).is_ok(), "{}: unknown reference {r}", q.id);
            }
            assert!(
                matches!(l.confidence.as_deref(), Some("high" | "medium" | "low")),
                "{}: confidence {:?}",
                q.id,
                l.confidence
            );
            ids.insert(q.id);
        }
    }
    let extra: Vec<&String> = labels.keys().filter(|k| !ids.contains(*k)).collect();
    assert!(
        extra.is_empty(),
        "labels of no held-out question: {extra:?}"
    );
}

/// Against the second assessor's labels (made against the 2026-11-30
/// corpus, without the first labels or the router's answers), the held-out
/// sets pooled keep today's counts within one question. The 244 questions of
/// the first four sets met the issue's bars on these labels (route@3 ≥ 0.95,
/// set@5 and fact@5 ≥ 0.90); with field4 (written blind later) set@5 is
/// 0.895 on both assessors' labels, so only floors are held here.
#[test]
fn held_out_sets_keep_their_floors_on_the_second_labels() {
    let app = real_app();
    let labels = second_labels();
    let mut all = eval::Score::default();
    for name in HELD_OUT {
        let set = eval::Set {
            name: name.to_string(),
            held_out: true,
            questions: held_out(name),
        };
        let relabelled = eval::relabel(&set, &labels).unwrap().unwrap();
        all.merge(&eval::run(&app, &relabelled.questions).unwrap().overall);
    }
    assert_eq!(all.n, 304, "{all:?}");
    assert!(
        all.route_at3 >= 290,
        "route@3 {} < 290 of 304",
        all.route_at3
    );
    assert!(all.set_at5 >= 271, "set@5 {} < 271 of 304", all.set_at5);
    assert!(all.fact_at5 >= 283, "fact@5 {} < 283 of 304", all.fact_at5);
}

/// The sections a route lists come in the order a search of that reference
/// ranks them, so the route and the search agree on where the fact is (here
/// two questions where the routing pool alone ranked another section first).
#[test]
fn a_route_lists_first_the_section_a_search_of_its_reference_ranks_first() {
    let app = real_app();
    for (question, want) in [
        (
            "Can I add a TTL to an existing ValueState after the job is already running with state?",
            "how-do-i-configure-state-ttl",
        ),
        (
            "I set scan.incremental.snapshot.enabled to false for a big MySQL table and now every checkpoint fails during the initial load on MSF",
            "how-should-i-set-checkpoints-for-a-long-mysql-snapshot-on-msf",
        ),
    ] {
        let out = route(&app, question);
        let first = &out.routes[0];
        let hits = app
            .search(&msf_mcp::api::SearchArgs {
                query: question.to_string(),
                reference: Some(first.reference.clone()),
                limit: Some(1),
                ..msf_mcp::api::SearchArgs::default()
            })
            .unwrap()
            .hits;
        assert_eq!(first.sections[0].anchor, want, "{question}: {out:?}");
        assert_eq!(
            hits[0].anchor, want,
            "{question}: search of {}",
            first.reference
        );
    }
}
