//! Chooses the references that answer a question.
//!
//! Three signals, each normalized to 0..1 and summed with weights:
//! - the reference's front matter (title, summary, load_when, keywords) scored by BM25;
//! - its best sections scored by BM25 (best + ½ second + ¼ third);
//! - keywords of its front matter that occur literally in the question, such as a
//!   pasted exception name or error message: the strongest evidence there is.
//!
//! On top, the skill's fixed rules ([`rules`]) add the references a situation
//! always needs (best-practices.md before code, the connector guide of each
//! connector named, first-fault-isolation.md for restart loops).
//!
//! Pure: reads the corpus and the index, writes nothing.

pub mod rules;

use std::collections::{HashMap, HashSet};

use crate::{
    api::{Route, RouteOutput, SectionRef},
    corpus::{Corpus, Doc, runtime},
    error::{Error, Result},
    index::{SearchIndex, SectionHit, Terms, tokenizer},
};

/// Sections fetched to score references. 80 when the corpus had 648
/// sections; at 686, new sections of one reference pushed another's out of
/// the pool (shared-dev set@5 0.987 → 0.973). Chosen on the tuning sets:
/// 100 keeps parts at 0.966/0.962/0.952 and brings shared-dev back to
/// 0.987; 120 moved parts route@3 up one question and the reader's reach
/// down one.
pub const SECTION_POOL: usize = 100;
/// Weight of the front matter signal.
const W_FRONT: f32 = 1.0;
/// Weight of the section signal.
const W_SECTIONS: f32 = 1.0;
/// Weight of one literal keyword match (two count at most).
const W_KEYWORD: f32 = 0.35;
/// Weight of a fixed rule that names the reference.
const W_RULE: f32 = 0.6;
/// Weight, times its own section signal, of the reference that the best
/// reference lists as related and that has the most section evidence.
const W_RELATED: f32 = 0.5;
/// Weight of the reference that links to the best section when that section
/// belongs to the best reference (a topic reference linking the known-problems
/// entry a pasted error matched). Chosen on the pasted errors of the catalogues
/// (0.2: 53/64 topic references in the first 5; 0.5: 59/64; 0.8: 60/64 but one
/// more held-out question lost) with the tuning sets unchanged.
const W_BACKLINK: f32 = 0.5;
/// Weight, in a search, of the routing score of a section's reference
/// (both normalized to the best of the answer): a section of the reference
/// the whole question points to outranks an equally matching section of a
/// reference that shares only a few of its words. Chosen on the tuning sets'
/// fact hit@5 (parts 0.926 at 0, 0.929 at 0.3, 0.934 at 0.5, 0.929 at 0.8;
/// shared-dev 0.973 → 0.987 from 0.5).
pub const W_REFERENCE_PRIOR: f32 = 0.5;
/// Sections listed for the best route and for each other route. Chosen on the
/// reader's cost of the tuning sets (3 and 3 before: parts median 7,819
/// characters, 95.3% of questions' facts reached; 4 and 2 with headings
/// without anchors in the text: 6,741 and 96.8%).
const SECTIONS_FIRST_ROUTE: usize = 4;
const SECTIONS_OTHER_ROUTES: usize = 2;

/// Per-reference data derived once from the corpus for routing.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    /// Analyzed terms of each reference's front matter, by corpus position.
    front_terms: Vec<HashSet<String>>,
    /// Lowercased keywords worth matching literally, by corpus position.
    literal_keywords: Vec<Vec<String>>,
    /// For a section (reference position, anchor), the other references that
    /// link to it: a topic reference linking a known-problems entry.
    backlinks: HashMap<(usize, String), Vec<usize>>,
}

impl RouteTable {
    /// Derives the table from `corpus`.
    pub fn new(corpus: &Corpus) -> RouteTable {
        let mut table = RouteTable::default();
        for doc in corpus.docs() {
            let mut text = format!("{}\n{}", doc.title, corpus.routing_hint(&doc.name));
            for part in doc
                .front
                .keywords
                .iter()
                .chain(&doc.front.load_when)
                .chain(&doc.front.summary)
            {
                text.push('\n');
                text.push_str(part);
            }
            table
                .front_terms
                .push(tokenizer::terms(&text).into_iter().collect());
            table.literal_keywords.push(literal_keywords(doc));
        }
        for (from, doc) in corpus.docs().iter().enumerate() {
            for link in &doc.links {
                let Some((file, anchor)) = link.target.split_once('#') else {
                    continue;
                };
                let Some(to) = corpus.position(file) else {
                    continue;
                };
                if to == from {
                    continue;
                }
                let list = table.backlinks.entry((to, anchor.to_string())).or_default();
                if !list.contains(&from) {
                    list.push(from);
                }
            }
        }
        table
    }
}

/// Keywords long or specific enough that finding them verbatim in a question
/// means something: identifiers and error strings of 6+ characters, or
/// Chinese terms of 2+ characters.
fn literal_keywords(doc: &Doc) -> Vec<String> {
    doc.front
        .keywords
        .iter()
        .map(|k| k.trim().to_lowercase())
        .filter(|k| {
            let cjk = k.chars().filter(|c| !c.is_ascii()).count();
            (cjk >= 2)
                || (k.len() >= 6 && k.chars().any(|c| !c.is_ascii_lowercase() && c != ' ')
                    || k.len() >= 12)
        })
        .collect()
}

/// The runtimes a section names (heading and text, without its sources).
pub fn section_runtimes(corpus: &Corpus, hit: &SectionHit) -> Vec<String> {
    corpus
        .docs()
        .get(hit.doc)
        .and_then(|d| d.sections.get(hit.section).map(|s| d.section_text(s)))
        .map(|t| runtime::mentioned(&crate::corpus::without_sources(t)))
        .unwrap_or_default()
}

/// Rescores `hits` for the user's `runtime` (sections naming it rise, those
/// naming only other runtimes fall) and sorts them again, best first.
pub fn prefer_runtime(corpus: &Corpus, hits: &mut [SectionHit], runtime: &str) {
    for h in hits.iter_mut() {
        let named = section_runtimes(corpus, h);
        h.score *= runtime::factor(runtime::fit(&named, runtime));
    }
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
}

/// Rescores section `hits` by their reference's routing score
/// (`reference_scores`, by corpus position) and sorts them again, best first.
pub fn prefer_routed(hits: &mut [SectionHit], reference_scores: &[f32]) {
    let max_r = reference_scores.iter().copied().fold(0.0, f32::max);
    let max_s = hits.iter().map(|h| h.score).fold(0.0, f32::max);
    if max_r <= 0.0 || max_s <= 0.0 {
        return;
    }
    for h in hits.iter_mut() {
        let r = reference_scores.get(h.doc).copied().unwrap_or(0.0);
        h.score = h.score / max_s + W_REFERENCE_PRIOR * r / max_r;
    }
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
}

/// The runtime to prefer: the argument (normalized and checked against the
/// runtimes of the facts table when there is one), else the one runtime the
/// question names.
pub fn resolve_runtime(
    corpus: &Corpus,
    arg: Option<&str>,
    question: &str,
) -> Result<Option<String>> {
    let Some(arg) = arg else {
        return Ok(runtime::in_question(question));
    };
    let id = runtime::normalize(arg).map_err(Error::InvalidInput)?;
    if let Some(facts) = corpus.facts_toml()
        && !facts.contains(&format!("id = \"{id}\""))
    {
        return Err(Error::InvalidInput(format!(
            "runtime `{id}` is not among the MSF runtimes in msf://facts; read it for the list, e.g. FLINK-1_20, FLINK-2_2"
        )));
    }
    Ok(Some(id))
}

/// The evidence behind a route: every reference's score and what made it.
struct Scoring<'a> {
    /// (reference position, score), best first; only positive scores.
    scored: Vec<(usize, f32)>,
    /// Section hits per reference, best first.
    by_doc: HashMap<usize, Vec<(usize, f32)>>,
    /// Literal keywords of each reference found in the question.
    literal: Vec<Vec<&'a String>>,
    fired: Vec<&'static rules::Rule>,
    vouched: Option<usize>,
    backed: Option<(usize, String)>,
}

/// Scores every reference for `question` (see the module documentation).
/// `raw` is the best [`SECTION_POOL`] sections for `terms`, by BM25.
fn score<'a>(
    corpus: &Corpus,
    index: &SearchIndex,
    table: &'a RouteTable,
    question: &str,
    terms: &Terms,
    raw: &[SectionHit],
    runtime: Option<&str>,
) -> Result<Scoring<'a>> {
    let lower = question.to_lowercase();
    let fired: Vec<&'static rules::Rule> = rules::fired(&lower).collect();
    let front_hits = index.search_references(terms, corpus.docs().len())?;
    let mut section_hits = raw.to_vec();
    if let Some(r) = runtime {
        prefer_runtime(corpus, &mut section_hits, r);
    }

    let max_front = front_hits.iter().map(|h| h.score).fold(0.0, f32::max);
    let mut front: HashMap<usize, f32> = HashMap::new();
    for h in &front_hits {
        if max_front > 0.0 {
            front.insert(h.doc, h.score / max_front);
        }
    }
    let mut by_doc: HashMap<usize, Vec<(usize, f32)>> = HashMap::new();
    for h in &section_hits {
        by_doc.entry(h.doc).or_default().push((h.section, h.score));
    }
    let aggregate = |hits: &Vec<(usize, f32)>| -> f32 {
        hits.iter()
            .take(3)
            .zip([1.0, 0.5, 0.25])
            .map(|((_, s), w)| s * w)
            .sum()
    };
    let max_sections = by_doc.values().map(aggregate).fold(0.0, f32::max);

    // First pass: each reference's own evidence.
    let mut base: Vec<(f32, f32)> = Vec::with_capacity(corpus.docs().len());
    let mut literal: Vec<Vec<&'a String>> = Vec::with_capacity(corpus.docs().len());
    for (i, doc) in corpus.docs().iter().enumerate() {
        let f = front.get(&i).copied().unwrap_or(0.0);
        let s = match by_doc.get(&i) {
            Some(hits) if max_sections > 0.0 => aggregate(hits) / max_sections,
            _ => 0.0,
        };
        let found: Vec<&'a String> = table
            .literal_keywords
            .get(i)
            .map(|ks| ks.iter().filter(|k| lower.contains(k.as_str())).collect())
            .unwrap_or_default();
        let rule = fired.iter().any(|r| r.reference == doc.name);
        let score = W_FRONT * f
            + W_SECTIONS * s
            + W_KEYWORD * found.len().min(2) as f32
            + if rule { W_RULE } else { 0.0 };
        base.push((score, s));
        literal.push(found);
    }
    // Second pass (a): the best reference vouches for one reference its front
    // matter lists as related, the one with the most section evidence of its
    // own, in proportion to that evidence; so a pasted error that lands on a
    // known-problems catalogue also brings the topic reference that shares the
    // question's terms.
    let mut vouched: Option<usize> = None;
    let top = base
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.0.total_cmp(&b.1.0).then(b.0.cmp(&a.0)))
        .map(|(i, _)| i);
    if let Some(top_doc) = top.and_then(|t| corpus.docs().get(t)) {
        let section_signal = |j: usize| base.get(j).map_or(0.0, |b| b.1);
        let best = top_doc
            .front
            .related
            .iter()
            .filter_map(|n| corpus.position(n))
            .filter(|&j| section_signal(j) > 0.0)
            .max_by(|&a, &b| section_signal(a).total_cmp(&section_signal(b)));
        vouched = best;
    }
    // Second pass (b): the best section belongs to the best reference and
    // other references link to that very section: the one of them with the
    // most evidence of its own is the topic reference for it.
    let backed = top.and_then(|t| backlinked(corpus, table, &section_hits, t, &base));

    let mut scored: Vec<(usize, f32)> = Vec::new();
    for (i, &(own, s)) in base.iter().enumerate() {
        let related = if vouched == Some(i) {
            W_RELATED * s
        } else {
            0.0
        };
        let back = if backed.as_ref().is_some_and(|(b, _)| *b == i) {
            W_BACKLINK
        } else {
            0.0
        };
        let score = own + related + back;
        if score > 0.0 {
            scored.push((i, score));
        }
    }
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(Scoring {
        scored,
        by_doc,
        literal,
        fired,
        vouched,
        backed,
    })
}

/// What a search across the corpus needs from routing: every reference's
/// routing score by corpus position (0 without evidence), and the sections
/// it was drawn from.
pub struct Ranked {
    /// Routing score of each reference, by corpus position.
    pub scores: Vec<f32>,
    /// The best sections by BM25 alone, best first (at most [`SECTION_POOL`]).
    pub sections: Vec<SectionHit>,
    /// How many sections matched at all.
    pub total: usize,
}

/// Scores every reference for `question` (with `terms`, its analyzed terms,
/// which the caller already has) and keeps the section pool, so that a search
/// rescoring sections by their reference analyzes and queries once.
pub fn rank(
    corpus: &Corpus,
    index: &SearchIndex,
    table: &RouteTable,
    (question, terms): (&str, &Terms),
    runtime: Option<&str>,
) -> Result<Ranked> {
    let (scoring, sections, total) = pooled(corpus, index, table, (question, terms), runtime)?;
    let mut scores = vec![0.0; corpus.docs().len()];
    for (i, s) in scoring.scored {
        if let Some(slot) = scores.get_mut(i) {
            *slot = s;
        }
    }
    Ok(Ranked {
        scores,
        sections,
        total,
    })
}

/// The section pool of `terms` (the best [`SECTION_POOL`] sections by BM25,
/// and how many matched in all) and every reference's score drawn from it.
fn pooled<'a>(
    corpus: &Corpus,
    index: &SearchIndex,
    table: &'a RouteTable,
    (question, terms): (&str, &Terms),
    runtime: Option<&str>,
) -> Result<(Scoring<'a>, Vec<SectionHit>, usize)> {
    let (sections, total) = index.search_sections(terms, None, SECTION_POOL)?;
    let scoring = score(corpus, index, table, question, terms, &sections, runtime)?;
    Ok((scoring, sections, total))
}

/// The sections a route lists for the references at `docs`, per
/// reference, best first: ranked as a search ranks them (parts of a known
/// identifier at [`crate::index::SEARCH_PART_WEIGHT`]), so the section that
/// states the fact comes first. References are scored on whole parts (see
/// [`crate::index::SEARCH_PART_WEIGHT`] for why); listing them the search's
/// way let the reader reach the facts more often (parts 97.3% → 97.7%,
/// shared-dev 98.7% → 100%) at a lower median cost.
fn listed_sections(
    index: &SearchIndex,
    terms: &Terms,
    docs: &[usize],
) -> Result<HashMap<usize, Vec<usize>>> {
    let mut by_doc: HashMap<usize, Vec<usize>> = HashMap::new();
    if docs.is_empty() {
        return Ok(by_doc);
    }
    let weighted = terms
        .clone()
        .with_part_weight(crate::index::SEARCH_PART_WEIGHT);
    let (pool, _) = index.search_sections_in(&weighted, docs, SECTION_POOL)?;
    for h in pool {
        by_doc.entry(h.doc).or_default().push(h.section);
    }
    Ok(by_doc)
}

/// Routes `question` to at most `max_refs` references, best first,
/// preferring sections about `runtime` when one is given.
pub fn route(
    corpus: &Corpus,
    index: &SearchIndex,
    table: &RouteTable,
    question: &str,
    max_refs: usize,
    runtime: Option<&str>,
) -> Result<RouteOutput> {
    let terms = Terms::new(question);
    let (scoring, _, _) = pooled(corpus, index, table, (question, &terms), runtime)?;
    let routed: Vec<usize> = scoring
        .scored
        .iter()
        .take(max_refs)
        .map(|&(i, _)| i)
        .collect();
    let listing = listed_sections(index, &terms, &routed)?;
    let routes: Vec<Route> = scoring
        .scored
        .iter()
        .take(max_refs)
        .enumerate()
        .filter_map(|(rank, &(i, score))| {
            let doc = corpus.docs().get(i)?;
            let mut why = explain(
                doc,
                table.front_terms.get(i),
                &terms,
                scoring.literal.get(i).map_or(&[][..], Vec::as_slice),
                scoring.by_doc.get(&i).map_or(0, Vec::len),
            );
            if let Some(rule) = scoring.fired.iter().find(|r| r.reference == doc.name) {
                why = format!("rule: {}; {why}", rule.name);
            }
            if scoring.vouched == Some(i) {
                why = format!("{why}; related to the best match");
            }
            if let Some((_, anchor)) = scoring.backed.as_ref().filter(|(b, _)| *b == i) {
                why = format!("{why}; links the best-matching section #{anchor}");
            }
            // Listed the search's way; the routing pool's order where the
            // weighted pool has none of this reference's sections.
            let from_pool: Vec<usize>;
            let order: &[usize] = match listing.get(&i) {
                Some(list) => list,
                None => {
                    from_pool = scoring
                        .by_doc
                        .get(&i)
                        .map(|hits| hits.iter().map(|(j, _)| *j).collect())
                        .unwrap_or_default();
                    &from_pool
                }
            };
            let sections = order
                .iter()
                .filter_map(|j| doc.sections.get(*j))
                .filter(|s| s.level > 0)
                .take(sections_per_route(rank))
                .map(|s| SectionRef {
                    heading: s.heading.clone(),
                    anchor: s.anchor.clone(),
                })
                .collect();
            Some(Route {
                reference: doc.name.clone(),
                title: doc.title.clone(),
                score: (score * 1000.0).round() / 1000.0,
                why,
                sections,
            })
        })
        .collect();
    let read_plan = routes.iter().map(|r| r.reference.clone()).collect();
    Ok(RouteOutput {
        routes,
        read_plan,
        gates: Vec::new(),
        runtime: runtime.map(str::to_string),
    })
}

/// The reference, other than `top`, that links to the best section hit when
/// that section belongs to `top`, with the section's anchor; of several, the
/// one with the most evidence of its own (`base`).
fn backlinked(
    corpus: &Corpus,
    table: &RouteTable,
    section_hits: &[SectionHit],
    top: usize,
    base: &[(f32, f32)],
) -> Option<(usize, String)> {
    let first = section_hits.first().filter(|h| h.doc == top)?;
    let anchor = corpus
        .docs()
        .get(top)?
        .sections
        .get(first.section)?
        .anchor
        .clone();
    let own = |j: usize| base.get(j).map_or(0.0, |b| b.0);
    let best = table
        .backlinks
        .get(&(top, anchor.clone()))?
        .iter()
        .copied()
        .max_by(|&a, &b| own(a).total_cmp(&own(b)).then(b.cmp(&a)))?;
    Some((best, anchor))
}

/// Sections listed for the route at `rank` (0 = best).
fn sections_per_route(rank: usize) -> usize {
    if rank == 0 {
        SECTIONS_FIRST_ROUTE
    } else {
        SECTIONS_OTHER_ROUTES
    }
}

/// Says in a line which evidence made `doc` match.
fn explain(
    doc: &Doc,
    front_terms: Option<&HashSet<String>>,
    terms: &Terms,
    literal: &[&String],
    sections: usize,
) -> String {
    let mut parts = Vec::new();
    if !literal.is_empty() {
        let shown: Vec<String> = literal.iter().take(3).map(|k| format!("`{k}`")).collect();
        parts.push(format!(
            "question contains its keyword {}",
            shown.join(", ")
        ));
    }
    if let Some(front_terms) = front_terms {
        // Shown as the question wrote them (`aws`, not the stem `aw`).
        let mut matched: Vec<&str> = Vec::new();
        for (i, t) in terms.as_slice().iter().enumerate() {
            if !front_terms.contains(t) {
                continue;
            }
            let word = terms.surface(i).unwrap_or(t.as_str());
            if !matched.contains(&word) {
                matched.push(word);
            }
            if matched.len() == 6 {
                break;
            }
        }
        if !matched.is_empty() {
            parts.push(format!("front matter matches {}", matched.join(", ")));
        }
    }
    if sections > 0 {
        parts.push(format!(
            "{sections} matching section{}",
            if sections == 1 { "" } else { "s" }
        ));
    }
    if parts.is_empty() {
        parts.push(format!("weak match on {}", doc.name));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::{W_REFERENCE_PRIOR, prefer_routed};
    use crate::index::SectionHit;

    fn hit(doc: usize, score: f32) -> SectionHit {
        SectionHit {
            doc,
            section: 0,
            score,
        }
    }

    #[test]
    fn a_section_of_the_routed_reference_outranks_a_slightly_better_match_elsewhere() {
        let mut hits = vec![hit(0, 10.0), hit(1, 9.0), hit(2, 4.0)];
        prefer_routed(&mut hits, &[0.0, 2.0, 1.0]);
        let order: Vec<usize> = hits.iter().map(|h| h.doc).collect();
        assert_eq!(order, vec![1, 0, 2]);
        let top = hits.first().map(|h| h.score).unwrap_or_default();
        assert!((top - (0.9 + W_REFERENCE_PRIOR)).abs() < 1e-6, "{top}");
    }

    #[test]
    fn without_routing_evidence_the_order_stays() {
        let mut hits = vec![hit(0, 10.0), hit(1, 9.0)];
        prefer_routed(&mut hits, &[0.0, 0.0]);
        let order: Vec<usize> = hits.iter().map(|h| h.doc).collect();
        assert_eq!(order, vec![0, 1]);
        assert_eq!(hits.first().map(|h| h.score), Some(10.0));
    }
}
