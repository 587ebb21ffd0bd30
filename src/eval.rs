//! `msf-mcp eval`: measures routing and retrieval on question sets.
//!
//! Sets are tuning sets (the project's own parts and the shared dev set:
//! changes may be judged on them) or held-out sets (questions nobody tuned
//! for: the held-out set written before tuning and the real questions from
//! the field). Several sets are reported side by side, one line each.
//!
//! Each line: `{"id", "q", "refs": [primary, ...], "must": [...], "lang"}`.
//! Metrics (higher is better, each over all questions):
//! - route recall@3: the primary reference is among the first 3 routed;
//! - route set recall@5: every expected reference is among the first 5 routed;
//! - fact hit@5: every `must` string occurs (case-insensitive) in the text of the first 5 search hits;
//! - reader's cost: the characters an assistant reads when it follows the
//!   route: the route's text, then each listed section of each routed
//!   reference in order, until every `must` string has been seen; a question
//!   whose strings are never seen costs [`COST_CAP`]. Reported as median and
//!   90th percentile.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{
    api::{RouteArgs, RouteOutput, SearchArgs},
    app::App,
    error::{Error, Result},
};

/// The reader's cost of a question whose `must` strings the route never leads to.
pub const COST_CAP: usize = 40_000;

/// One question of a set.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Question {
    /// Stable id.
    pub id: String,
    /// The question.
    pub q: String,
    /// Expected references, primary first.
    pub refs: Vec<String>,
    /// Literal strings the answering sections contain.
    pub must: Vec<String>,
    /// `en` or `zh`.
    pub lang: String,
    /// Where a real question was asked (field set), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A named question set.
#[derive(Debug, Clone)]
pub struct Set {
    /// File or folder name.
    pub name: String,
    /// Never tuned on.
    pub held_out: bool,
    /// Its questions.
    pub questions: Vec<Question>,
}

/// Loads a set from a `.jsonl` file, or from every `*.jsonl` in a folder (sorted).
pub fn load_set(path: &std::path::Path, held_out: bool) -> Result<Set> {
    let mut files = Vec::new();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).map_err(|e| Error::io(path, e))? {
            let p = entry.map_err(|e| Error::io(path, e))?.path();
            if p.extension().is_some_and(|x| x == "jsonl") {
                files.push(p);
            }
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    let mut questions = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).map_err(|e| Error::io(f, e))?;
        let mut qs =
            parse(&text).map_err(|e| Error::InvalidInput(format!("{}: {e}", f.display())))?;
        questions.append(&mut qs);
    }
    if questions.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{} holds no questions; give a .jsonl file or a folder of them",
            path.display()
        )));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    Ok(Set {
        name,
        held_out,
        questions,
    })
}

/// The report of one set among several.
#[derive(Debug, Clone, Serialize)]
pub struct SetReport {
    /// Set name.
    pub name: String,
    /// Never tuned on.
    pub held_out: bool,
    /// Scored against a second assessor's labels (see [`relabel`]).
    #[serde(default)]
    pub second: bool,
    /// For a set scored against second labels: how many of its questions the
    /// two assessors give the same primary reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agree: Option<usize>,
    /// Its report.
    pub report: Report,
}

/// A second assessor's judgement of one question: the reference to open
/// first and the others worth opening, made without seeing the first labels
/// or the router's answers.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SecondLabel {
    /// Question id.
    pub id: String,
    /// The reference to open first.
    pub primary: String,
    /// Further references, best first.
    #[serde(default)]
    pub also: Vec<String>,
    /// `high`, `medium` or `low` (two equally good primaries, or weak coverage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<String>,
    /// Why, in a line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// Loads second-assessor labels (one JSON object a line), by question id.
pub fn load_second_labels(path: &std::path::Path) -> Result<BTreeMap<String, SecondLabel>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let l: SecondLabel = serde_json::from_str(line).map_err(|e| {
            Error::InvalidInput(format!(
                "{} line {}: not a label object ({{\"id\", \"primary\", \"also\"}}): {e}",
                path.display(),
                i + 1
            ))
        })?;
        if out.insert(l.id.clone(), l).is_some() {
            return Err(Error::InvalidInput(format!(
                "{} line {}: a second label for the same question id",
                path.display(),
                i + 1
            )));
        }
    }
    Ok(out)
}

/// `set` with each question's expected references replaced by its second
/// label (primary first); `None` when no question of the set has one. A set
/// only partly labelled is refused: its figures could not be compared.
pub fn relabel(set: &Set, labels: &BTreeMap<String, SecondLabel>) -> Result<Option<Set>> {
    let missing: Vec<&str> = set
        .questions
        .iter()
        .filter(|q| !labels.contains_key(&q.id))
        .map(|q| q.id.as_str())
        .collect();
    if missing.len() == set.questions.len() {
        return Ok(None);
    }
    if !missing.is_empty() {
        return Err(Error::InvalidInput(format!(
            "the second labels cover {} of the {} questions of {} (missing: {}); label all of them or none",
            set.questions.len() - missing.len(),
            set.questions.len(),
            set.name,
            missing
                .iter()
                .take(5)
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let mut questions = set.questions.clone();
    for q in &mut questions {
        if let Some(l) = labels.get(&q.id) {
            let mut refs = vec![l.primary.clone()];
            refs.extend(l.also.iter().filter(|r| **r != l.primary).cloned());
            q.refs = refs;
        }
    }
    Ok(Some(Set {
        name: format!("{} (2nd labels)", set.name),
        held_out: set.held_out,
        questions,
    }))
}

/// How many questions of `set` have a second label naming the same primary
/// reference as the set's own (first) label.
pub fn primary_agreement(set: &Set, labels: &BTreeMap<String, SecondLabel>) -> usize {
    set.questions
        .iter()
        .filter(|q| {
            labels
                .get(&q.id)
                .is_some_and(|l| q.refs.first() == Some(&l.primary))
        })
        .count()
}

/// Several sets side by side: one line per set and one per language in it,
/// tuning sets first, with the reader's cost (median and p90 characters).
pub fn render_sets(reports: &[SetReport]) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<9} {:<28} {:>4}  {:>8} {:>6} {:>7}  {:>7} {:>9} {:>9}",
        "role", "set", "n", "route@3", "set@5", "fact@5", "reached", "cost p50", "cost p90"
    );
    let mut sorted: Vec<&SetReport> = reports.iter().collect();
    sorted.sort_by_key(|r| r.held_out);
    let row = |s: &mut String, role: &str, name: &str, sc: &Score| {
        let (a, b, c) = sc.rates();
        let (p50, p90) = sc.cost_percentiles();
        let _ = writeln!(
            s,
            "{role:<9} {name:<28} {:>4}  {a:>8.3} {b:>6.3} {c:>7.3}  {:>7.3} {p50:>9} {p90:>9}",
            sc.n,
            sc.reached()
        );
    };
    for r in &sorted {
        let role = if r.held_out { "held-out" } else { "tuning" };
        row(&mut s, role, &r.name, &r.report.overall);
        for (lang, sc) in &r.report.by_lang {
            row(&mut s, role, &format!("  {lang}"), sc);
        }
    }
    // With several held-out sets, their questions pooled, overall and per
    // language; the sets scored against second labels pooled apart.
    for (second, name) in [
        (false, "all held-out (pooled)"),
        (true, "all, 2nd labels (pooled)"),
    ] {
        let held: Vec<&&SetReport> = sorted
            .iter()
            .filter(|r| r.held_out && r.second == second)
            .collect();
        if held.len() < 2 {
            continue;
        }
        let mut all = Score::default();
        let mut by_lang: BTreeMap<&str, Score> = BTreeMap::new();
        for r in &held {
            all.merge(&r.report.overall);
            for (lang, sc) in &r.report.by_lang {
                by_lang.entry(lang.as_str()).or_default().merge(sc);
            }
        }
        row(&mut s, "held-out", name, &all);
        for (lang, sc) in &by_lang {
            row(&mut s, "held-out", &format!("  {lang}"), sc);
        }
    }
    // How far the two assessors agree on the primary reference.
    let agreeing: Vec<(&str, usize, usize)> = sorted
        .iter()
        .filter_map(|r| r.agree.map(|a| (r.name.as_str(), a, r.report.overall.n)))
        .collect();
    if !agreeing.is_empty() {
        let (a, n) = agreeing
            .iter()
            .fold((0, 0), |(a, n), (_, x, y)| (a + x, n + y));
        let per: Vec<String> = agreeing
            .iter()
            .map(|(name, a, n)| {
                let name = name.trim_end_matches(" (2nd labels)");
                format!("{name} {a}/{n}")
            })
            .collect();
        let _ = writeln!(
            s,
            "\nThe two assessors name the same primary reference for {a} of {n} held-out questions ({:.3}): {}.",
            a as f64 / n.max(1) as f64,
            per.join(", ")
        );
    }
    let _ = writeln!(
        s,
        "\nTune only on tuning sets; held-out sets measure what nobody tuned for. Run eval on one set to see its misses.\nReached: the must-strings were seen following the route. Cost: characters read following the route (route text, then its listed sections) until every must-string is seen; {COST_CAP} when never seen."
    );
    s
}

/// Hits out of a total.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Score {
    /// Questions counted.
    pub n: usize,
    /// Primary reference in the first 3 routes.
    pub route_at3: usize,
    /// All expected references in the first 5 routes.
    pub set_at5: usize,
    /// All `must` strings in the first 5 search hits.
    pub fact_at5: usize,
    /// Reader's cost of each question, in characters.
    pub costs: Vec<usize>,
}

impl Score {
    /// Adds another score's counts and costs to this one.
    pub fn merge(&mut self, other: &Score) {
        self.n += other.n;
        self.route_at3 += other.route_at3;
        self.set_at5 += other.set_at5;
        self.fact_at5 += other.fact_at5;
        self.costs.extend_from_slice(&other.costs);
    }

    fn add(&mut self, r: &Outcome) {
        self.n += 1;
        self.route_at3 += usize::from(r.route_at3);
        self.set_at5 += usize::from(r.set_at5);
        self.fact_at5 += usize::from(r.fact_at5);
        self.costs.push(r.cost);
    }

    /// Share of questions whose `must` strings the route led to.
    pub fn reached(&self) -> f64 {
        let n = self.costs.len().max(1) as f64;
        self.costs.iter().filter(|&&c| c < COST_CAP).count() as f64 / n
    }

    /// Median and 90th percentile of the reader's cost, in characters.
    pub fn cost_percentiles(&self) -> (usize, usize) {
        let mut c = self.costs.clone();
        c.sort_unstable();
        let at = |p: f64| {
            if c.is_empty() {
                return 0;
            }
            let i = ((c.len() as f64 - 1.0) * p).round() as usize;
            c.get(i).copied().unwrap_or(0)
        };
        (at(0.5), at(0.9))
    }

    /// (route recall@3, set recall@5, fact hit@5) as fractions.
    pub fn rates(&self) -> (f64, f64, f64) {
        let n = self.n.max(1) as f64;
        (
            self.route_at3 as f64 / n,
            self.set_at5 as f64 / n,
            self.fact_at5 as f64 / n,
        )
    }
}

/// The result for one question.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Question id.
    pub id: String,
    /// Language.
    pub lang: String,
    /// Primary reference.
    pub primary: String,
    /// Primary in the first 3 routes.
    pub route_at3: bool,
    /// All expected in the first 5 routes.
    pub set_at5: bool,
    /// All `must` strings in the first 5 hits.
    pub fact_at5: bool,
    /// Reader's cost in characters ([`COST_CAP`] when never reached).
    pub cost: usize,
    /// The first 5 routed references.
    pub routed: Vec<String>,
    /// The first 5 hits as `reference#anchor`.
    pub hits: Vec<String>,
    /// `must` strings not found.
    pub missing: Vec<String>,
    /// The question.
    pub q: String,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Over all questions.
    pub overall: Score,
    /// Per language.
    pub by_lang: BTreeMap<String, Score>,
    /// Per primary reference.
    pub by_reference: BTreeMap<String, Score>,
    /// Every question that missed at least one metric.
    pub misses: Vec<Outcome>,
}

/// Parses a question set, naming the line of any bad entry.
pub fn parse(text: &str) -> Result<Vec<Question>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let q: Question = serde_json::from_str(line).map_err(|e| {
            Error::InvalidInput(format!("line {}: not a question object: {e}", i + 1))
        })?;
        if q.refs.is_empty() {
            return Err(Error::InvalidInput(format!(
                "line {}: `refs` is empty",
                i + 1
            )));
        }
        out.push(q);
    }
    Ok(out)
}

/// Runs every question through route and search.
pub fn run(app: &App, questions: &[Question]) -> Result<Report> {
    let mut report = Report {
        overall: Score::default(),
        by_lang: BTreeMap::new(),
        by_reference: BTreeMap::new(),
        misses: Vec::new(),
    };
    for q in questions {
        let route = app.route(
            &RouteArgs {
                question: q.q.clone(),
                max_refs: Some(5),
                ..RouteArgs::default()
            },
            None,
        )?;
        let cost = reader_cost(app, &route, &q.must);
        let routed: Vec<String> = route.read_plan;
        let hits = app
            .search(&SearchArgs {
                query: q.q.clone(),
                limit: Some(5),
                ..SearchArgs::default()
            })?
            .hits;
        let text: String = hits
            .iter()
            .map(|h| h.text.to_lowercase())
            .collect::<Vec<_>>()
            .join("\n");
        let missing: Vec<String> = q
            .must
            .iter()
            .filter(|m| !text.contains(&m.to_lowercase()))
            .cloned()
            .collect();
        let primary = q.refs.first().cloned().unwrap_or_default();
        let outcome = Outcome {
            id: q.id.clone(),
            lang: q.lang.clone(),
            route_at3: routed.iter().take(3).any(|r| *r == primary),
            set_at5: q.refs.iter().all(|r| routed.iter().take(5).any(|x| x == r)),
            fact_at5: missing.is_empty(),
            cost,
            routed,
            hits: hits
                .iter()
                .map(|h| format!("{}#{}", h.reference, h.anchor))
                .collect(),
            missing,
            primary: primary.clone(),
            q: q.q.clone(),
        };
        report.overall.add(&outcome);
        report
            .by_lang
            .entry(q.lang.clone())
            .or_default()
            .add(&outcome);
        report
            .by_reference
            .entry(primary)
            .or_default()
            .add(&outcome);
        if !(outcome.route_at3 && outcome.set_at5 && outcome.fact_at5) {
            report.misses.push(outcome);
        }
    }
    Ok(report)
}

/// Characters read following `route` until every string of `must` was seen:
/// the route's text, then the listed sections in order.
fn reader_cost(app: &App, route: &RouteOutput, must: &[String]) -> usize {
    let mut pending: Vec<String> = must.iter().map(|m| m.to_lowercase()).collect();
    let mut read = 0;
    let mut take = |text: &str, pending: &mut Vec<String>| {
        read += text.chars().count();
        let lower = text.to_lowercase();
        pending.retain(|m| !lower.contains(m.as_str()));
        pending.is_empty()
    };
    if take(&crate::render::route(route), &mut pending) {
        return read;
    }
    for r in &route.routes {
        let Ok(doc) = app.corpus().get(&r.reference) else {
            continue;
        };
        for s in &r.sections {
            let Some(section) = doc.sections.iter().find(|x| x.anchor == s.anchor) else {
                continue;
            };
            if take(doc.section_text(section), &mut pending) {
                return read;
            }
        }
    }
    COST_CAP
}

/// The report as text: metrics overall, per language, per reference, then misses.
pub fn render(report: &Report) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let line = |s: &mut String, name: &str, sc: &Score| {
        let (a, b, c) = sc.rates();
        let _ = writeln!(
            s,
            "{name:<40} n={:<4} route@3={a:.3} set@5={b:.3} fact@5={c:.3} cost p50={} p90={}",
            sc.n,
            sc.cost_percentiles().0,
            sc.cost_percentiles().1
        );
    };
    line(&mut s, "overall", &report.overall);
    for (lang, sc) in &report.by_lang {
        line(&mut s, &format!("lang {lang}"), sc);
    }
    let _ = writeln!(s);
    for (r, sc) in &report.by_reference {
        line(&mut s, r, sc);
    }
    if !report.misses.is_empty() {
        let _ = writeln!(s, "\nmisses:");
        for m in &report.misses {
            let mut what = Vec::new();
            if !m.route_at3 {
                what.push("route@3");
            }
            if !m.set_at5 {
                what.push("set@5");
            }
            if !m.fact_at5 {
                what.push("fact@5");
            }
            let _ = writeln!(
                s,
                "- {} [{}] {}\n  expected {} | routed {}",
                m.id,
                what.join(","),
                m.q,
                m.primary,
                m.routed.join(", ")
            );
            if !m.fact_at5 {
                let _ = writeln!(s, "  missing {:?} | hits {}", m.missing, m.hits.join(", "));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_percentiles_and_reach_come_from_the_costs() {
        let score = Score {
            n: 5,
            costs: vec![500, 100, COST_CAP, 300, 200],
            ..Score::default()
        };
        assert_eq!(score.cost_percentiles(), (300, COST_CAP));
        assert!((score.reached() - 0.8).abs() < 1e-9);
        assert_eq!(Score::default().cost_percentiles(), (0, 0));
    }

    fn set(name: &str, held_out: bool, lang: &str, n: usize, route: usize) -> SetReport {
        let score = Score {
            n,
            route_at3: route,
            set_at5: route,
            fact_at5: route,
            costs: vec![100; n],
        };
        SetReport {
            name: name.to_string(),
            held_out,
            second: false,
            agree: None,
            report: Report {
                overall: score.clone(),
                by_lang: BTreeMap::from([(lang.to_string(), score)]),
                by_reference: BTreeMap::new(),
                misses: Vec::new(),
            },
        }
    }

    #[test]
    fn several_held_out_sets_are_also_reported_pooled_by_language() {
        let text = render_sets(&[
            set("tune", false, "en", 10, 10),
            set("a", true, "zh", 12, 11),
            set("b", true, "zh", 8, 7),
        ]);
        let pooled = text
            .lines()
            .skip_while(|l| !l.contains("all held-out (pooled)"))
            .collect::<Vec<_>>();
        let first = pooled.first().copied().unwrap_or_default();
        assert!(first.contains(" 20 ") && first.contains("0.900"), "{text}");
        let zh = pooled.get(1).copied().unwrap_or_default();
        assert!(zh.contains("zh") && zh.contains("0.900"), "{text}");
        let one = render_sets(&[
            set("tune", false, "en", 10, 10),
            set("a", true, "zh", 12, 11),
        ]);
        assert!(!one.contains("pooled"), "{one}");
    }

    #[test]
    fn second_labels_are_pooled_apart_from_the_first() {
        let mut a2 = set("a (2nd labels)", true, "en", 12, 12);
        a2.second = true;
        let mut b2 = set("b (2nd labels)", true, "en", 8, 8);
        b2.second = true;
        let text = render_sets(&[
            set("a", true, "en", 12, 6),
            a2,
            set("b", true, "en", 8, 4),
            b2,
        ]);
        let line = |name: &str| {
            text.lines()
                .find(|l| l.contains(name))
                .unwrap_or_default()
                .to_string()
        };
        assert!(line("all held-out (pooled)").contains("0.500"), "{text}");
        assert!(line("all, 2nd labels (pooled)").contains("1.000"), "{text}");
        // Without agreement counts no agreement line is printed ...
        assert!(!text.contains("assessors"), "{text}");
    }

    #[test]
    fn the_assessors_agreement_on_the_primary_is_reported_per_set_and_pooled() {
        let set_ = Set {
            name: "s.jsonl".into(),
            held_out: true,
            questions: vec![
                question("q1", &["a.md", "b.md"]),
                question("q2", &["c.md"]),
                question("q3", &["d.md"]),
            ],
        };
        let labels = parse_labels(
            r#"{"id": "q1", "primary": "a.md"}
{"id": "q2", "primary": "b.md", "also": ["c.md"]}
{"id": "q3", "primary": "d.md"}"#,
        );
        assert_eq!(primary_agreement(&set_, &labels), 2);
        let mut a2 = set("a.jsonl (2nd labels)", true, "en", 3, 3);
        (a2.second, a2.agree) = (true, Some(2));
        let mut b2 = set("b.jsonl (2nd labels)", true, "en", 5, 5);
        (b2.second, b2.agree) = (true, Some(4));
        let text = render_sets(&[set("a.jsonl", true, "en", 3, 3), a2, b2]);
        assert!(
            text.contains("same primary reference for 6 of 8 held-out questions (0.750): a.jsonl 2/3, b.jsonl 4/5."),
            "{text}"
        );
    }

    fn question(id: &str, refs: &[&str]) -> Question {
        Question {
            id: id.into(),
            q: "q".into(),
            refs: refs.iter().map(|r| r.to_string()).collect(),
            must: vec!["m".into()],
            lang: "en".into(),
            source: None,
        }
    }

    #[test]
    fn relabel_replaces_the_expected_references_of_a_fully_labelled_set() {
        let set = Set {
            name: "s.jsonl".into(),
            held_out: true,
            questions: vec![question("q1", &["a.md", "b.md"]), question("q2", &["c.md"])],
        };
        let labels: BTreeMap<String, SecondLabel> = parse_labels(
            r#"{"id": "q1", "primary": "b.md", "also": ["b.md", "d.md"]}
{"id": "q2", "primary": "c.md"}
{"id": "other", "primary": "x.md"}"#,
        );
        let r = relabel(&set, &labels).unwrap().unwrap();
        assert_eq!(r.name, "s.jsonl (2nd labels)");
        assert_eq!(r.questions[0].refs, vec!["b.md", "d.md"]);
        assert_eq!(r.questions[0].must, vec!["m"]);
        assert_eq!(r.questions[1].refs, vec!["c.md"]);
        // No label for any of its questions: the set is not relabelled.
        let none = parse_labels(r#"{"id": "zzz", "primary": "a.md"}"#);
        assert!(relabel(&set, &none).unwrap().is_none());
        // Some but not all: refused, naming what is missing.
        let part = parse_labels(r#"{"id": "q1", "primary": "a.md"}"#);
        let err = relabel(&set, &part).unwrap_err().to_string();
        assert!(err.contains("1 of the 2") && err.contains("q2"), "{err}");
    }

    fn parse_labels(text: &str) -> BTreeMap<String, SecondLabel> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels.jsonl");
        std::fs::write(&path, text).unwrap();
        load_second_labels(&path).unwrap()
    }

    #[test]
    fn second_labels_that_repeat_an_id_or_are_not_labels_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels.jsonl");
        std::fs::write(
            &path,
            "{\"id\": \"q1\", \"primary\": \"a.md\"}\n{\"id\": \"q1\", \"primary\": \"b.md\"}\n",
        )
        .unwrap();
        let err = load_second_labels(&path).unwrap_err().to_string();
        assert!(
            err.contains("line 2") && err.contains("same question id"),
            "{err}"
        );
        std::fs::write(&path, "{\"id\": \"q1\"}\n").unwrap();
        let err = load_second_labels(&path).unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains("primary"), "{err}");
    }
}
