//! `App`: the corpus, its index and the routing table, built once; the one
//! API that the CLI and the MCP server both call.

use std::sync::Arc;

use crate::{
    api::*,
    config::{IndexDir, KnowledgeConfig},
    corpus::{Corpus, Doc, Section, body_of, preview, without_sources},
    error::{Error, Result},
    index::{SearchIndex, Terms},
    route::{self, RouteTable},
    workflow::{
        ReadLog,
        gates::{self, Action, Refusal},
        receipt::Sealer,
    },
};

/// Everything the knowledge tools need. Cheap to clone (shared `Arc`s).
#[derive(Clone)]
pub struct App {
    corpus: Arc<Corpus>,
    index: SearchIndex,
    table: Arc<RouteTable>,
    sealer: Sealer,
}

impl App {
    /// Loads the corpus and opens (or builds) its index.
    pub fn load(config: &KnowledgeConfig) -> Result<App> {
        let corpus = match &config.references {
            Some(dir) => Corpus::from_dir(dir)?,
            None => Corpus::embedded(),
        };
        let dir = match &config.index_dir {
            IndexDir::Path(p) => Some(p.as_path()),
            IndexDir::Memory => None,
        };
        let index = SearchIndex::open_or_build(&corpus, dir)?;
        let sealer = match &config.receipt_key {
            Some(key) => Sealer::with_key(key)?,
            None => Sealer::random()?,
        };
        Ok(App::from_parts(corpus, index, sealer))
    }

    /// Assembles an `App` from a corpus, its index and a receipt sealer.
    pub fn from_parts(corpus: Corpus, index: SearchIndex, sealer: Sealer) -> App {
        let table = RouteTable::new(&corpus);
        App {
            corpus: Arc::new(corpus),
            index,
            table: Arc::new(table),
            sealer,
        }
    }

    /// Decides whether `action` may proceed given the `receipts` presented
    /// and what `session` read; the change tools call this before anything else.
    pub fn check_gate(
        &self,
        action: Action,
        receipts: &[String],
        session: Option<&ReadLog>,
    ) -> Result<(), Refusal> {
        gates::check(
            action,
            &self.corpus,
            Some(&self.index),
            &self.sealer,
            receipts,
            session,
        )
    }

    /// The corpus.
    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// The index.
    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// `msf_route`: the references to read for a question, best first,
    /// with the gates they open (`session`: what this session read).
    pub fn route(&self, args: &RouteArgs, session: Option<&ReadLog>) -> Result<RouteOutput> {
        let question = check_query("question", &args.question)?;
        let max_refs = bounded("max_refs", args.max_refs, DEFAULT_MAX_REFS, MAX_REFS)?;
        let runtime = route::resolve_runtime(&self.corpus, args.runtime.as_deref(), question)?;
        let mut out = route::route(
            &self.corpus,
            &self.index,
            &self.table,
            question,
            max_refs,
            runtime.as_deref(),
        )?;
        out.gates = gates::relevant(&self.corpus, &out.read_plan, session);
        Ok(out)
    }

    /// `msf_search`: the best sections for a query.
    pub fn search(&self, args: &SearchArgs) -> Result<SearchOutput> {
        let query = check_query("query", &args.query)?;
        let limit = bounded("limit", args.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
        let snippet_chars = bounded(
            "snippet_chars",
            args.snippet_chars,
            DEFAULT_SNIPPET_CHARS,
            MAX_SNIPPET_CHARS,
        )?;
        let doc = match &args.reference {
            Some(name) => Some(self.corpus.get(name)?),
            None => None,
        };
        let filter = doc.and_then(|d| self.corpus.position(&d.name));
        // A search is after the section that states a fact, so the parts of
        // an identifier the corpus knows weigh less than the identifier
        // (see `index::SEARCH_PART_WEIGHT`); routing keeps them whole.
        let terms = Terms::new(query).with_part_weight(crate::index::SEARCH_PART_WEIGHT);
        let runtime = route::resolve_runtime(&self.corpus, args.runtime.as_deref(), query)?;
        // Across the corpus, or with a runtime, a wider pool is rescored so
        // that sections of the references the question points to, or naming
        // its runtime, can rise.
        let across = filter.is_none();
        let pool = if runtime.is_some() || across {
            (limit * 3).max(RUNTIME_POOL)
        } else {
            limit
        };
        let (mut found, total, scores) = if across {
            let ranked = route::rank(
                &self.corpus,
                &self.index,
                &self.table,
                (query, &terms),
                runtime.as_deref(),
            )?;
            let mut found = ranked.sections;
            found.truncate(pool);
            (found, ranked.total, Some(ranked.scores))
        } else {
            let (found, total) = self.index.search_sections(&terms, filter, pool)?;
            (found, total, None)
        };
        if let Some(r) = &runtime {
            route::prefer_runtime(&self.corpus, &mut found, r);
        }
        if let Some(scores) = &scores {
            route::prefer_routed(&mut found, scores);
        }
        found.truncate(limit);
        let mut hits = Vec::with_capacity(found.len());
        for h in found {
            let Some(doc) = self.corpus.docs().get(h.doc) else {
                continue;
            };
            let Some(section) = doc.sections.get(h.section) else {
                continue;
            };
            let full = without_sources(doc.section_text(section));
            let runtimes = crate::corpus::runtime::mentioned(&full);
            let (text, truncated) = cut(&full, HIT_TEXT_CHARS);
            hits.push(Hit {
                reference: doc.name.clone(),
                heading_path: section.path.join(" > "),
                anchor: section.anchor.clone(),
                lines: [section.lines.0, section.lines.1],
                score: (h.score * 1000.0).round() / 1000.0,
                snippet: self.index.snippet(&terms, body_of(&full), snippet_chars),
                text,
                truncated,
                sources: source_refs(section),
                runtimes,
            });
        }
        Ok(SearchOutput {
            truncated: total > hits.len(),
            hits,
            total,
            runtime,
        })
    }

    /// `msf_read`: a reference or one section, from an offset, capped.
    pub fn read(&self, args: &ReadArgs) -> Result<ReadOutput> {
        let doc = self.corpus.get(&args.reference)?;
        let max_chars = bounded(
            "max_chars",
            args.max_chars,
            DEFAULT_READ_CHARS,
            MAX_READ_CHARS,
        )?;
        let (whole, section_anchor, sources) = match &args.section {
            Some(wanted) => {
                let s = find_section(doc, wanted)?;
                (doc.section_text(s), Some(s.anchor.clone()), source_refs(s))
            }
            None => (doc.source.as_str(), None, Vec::new()),
        };
        let total_chars = whole.chars().count();
        let offset = args.offset.unwrap_or(0);
        if offset > total_chars || (offset == total_chars && total_chars > 0) {
            return Err(Error::InvalidInput(format!(
                "offset {offset} is at or past the end: this content has {total_chars} characters; start again from offset 0"
            )));
        }
        let content: String = whole.chars().skip(offset).take(max_chars).collect();
        let end = offset + content.chars().count();
        let next_offset = (end < total_chars).then_some(end);
        Ok(ReadOutput {
            reference: doc.name.clone(),
            title: doc.title.clone(),
            section: section_anchor.clone(),
            content,
            total_chars,
            offset,
            truncated: next_offset.is_some(),
            next_offset,
            sha256: doc.sha256.clone(),
            verified: doc.front.verified.clone(),
            versions: doc.front.versions.clone(),
            sources,
            receipt: self
                .sealer
                .issue(&doc.name, &doc.sha256, section_anchor.as_deref()),
            toc: doc
                .sections
                .iter()
                .filter(|s| s.level > 0)
                .map(|s| TocEntry {
                    level: s.level,
                    heading: s.heading.clone(),
                    anchor: s.anchor.clone(),
                    lines: [s.lines.0, s.lines.1],
                    sources: source_refs(s),
                })
                .collect(),
        })
    }

    /// `msf_refs`: every reference with its summary and top-level sections.
    pub fn refs(&self) -> RefsOutput {
        RefsOutput {
            references: self
                .corpus
                .docs()
                .iter()
                .map(|d| RefInfo {
                    reference: d.name.clone(),
                    title: d.title.clone(),
                    summary: d
                        .front
                        .summary
                        .clone()
                        .or_else(|| d.front.description.clone())
                        .unwrap_or_default(),
                    load_when: d.front.load_when.clone(),
                    sections: d
                        .sections
                        .iter()
                        .filter(|s| s.level == 2)
                        .map(|s| SectionRef {
                            heading: s.heading.clone(),
                            anchor: s.anchor.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// The Sources links of `section`, as the tools return them.
fn source_refs(section: &Section) -> Vec<SourceRef> {
    section
        .sources
        .as_ref()
        .map(|src| {
            src.links
                .iter()
                .map(|l| SourceRef {
                    title: l.title.clone(),
                    url: l.url.clone(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Checks a question or query: not empty, not over [`MAX_QUERY_BYTES`], has a searchable term.
fn check_query<'a>(what: &str, text: &'a str) -> Result<&'a str> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{what} is empty: give words, identifiers or an error message, e.g. \"checkpoint interval\""
        )));
    }
    if trimmed.len() > MAX_QUERY_BYTES {
        return Err(Error::InvalidInput(format!(
            "{what} is {} bytes; the limit is {MAX_QUERY_BYTES}: keep the error message, exception names and a few lines of context",
            trimmed.len()
        )));
    }
    if Terms::new(trimmed).is_empty() {
        return Err(Error::InvalidInput(format!(
            "{what} `{}` has no searchable word (only punctuation or very common words); use topic words or identifiers",
            preview(trimmed, 60)
        )));
    }
    Ok(trimmed)
}

/// Resolves an optional count: default when absent, error when 0 or above `max`.
fn bounded(what: &str, value: Option<usize>, default: usize, max: usize) -> Result<usize> {
    match value {
        None => Ok(default),
        Some(0) => Err(Error::InvalidInput(format!(
            "{what} must be at least 1 (default {default})"
        ))),
        Some(v) if v > max => Err(Error::InvalidInput(format!(
            "{what} is {v}; the most allowed is {max}: ask for {max} or fewer"
        ))),
        Some(v) => Ok(v),
    }
}

fn find_section<'a>(doc: &'a Doc, wanted: &str) -> Result<&'a crate::corpus::Section> {
    doc.find_section(wanted).ok_or_else(|| {
        let anchors: Vec<String> = doc
            .sections
            .iter()
            .filter(|s| s.level == 2)
            .take(12)
            .map(|s| format!("`{}`", s.anchor))
            .collect();
        Error::NotFound(format!(
            "{} has no section `{}`; its sections include {}; the full list is in `toc` of msf_read {{reference: \"{}\"}}",
            doc.name,
            preview(wanted, 80),
            anchors.join(", "),
            doc.name
        ))
    })
}

/// The first `max` characters of `text`, and whether it was cut.
fn cut(text: &str, max: usize) -> (String, bool) {
    match text.char_indices().nth(max) {
        Some((at, _)) => (text.get(..at).unwrap_or_default().to_string(), true),
        None => (text.to_string(), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_bounded_with_clear_messages() {
        assert_eq!(bounded("limit", None, 8, 25).ok(), Some(8));
        assert_eq!(bounded("limit", Some(3), 8, 25).ok(), Some(3));
        let e = bounded("limit", Some(99), 8, 25)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("limit is 99") && e.contains("25"), "{e}");
        assert!(bounded("limit", Some(0), 8, 25).is_err());
    }

    #[test]
    fn queries_are_checked() {
        assert!(check_query("query", "   ").is_err());
        let big = "a".repeat(MAX_QUERY_BYTES + 1);
        let e = check_query("query", &big)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("the limit is"), "{e}");
        assert!(check_query("query", "the of and ???").is_err());
        assert_eq!(check_query("query", " KPU ").ok(), Some("KPU"));
    }

    #[test]
    fn cut_respects_char_boundaries() {
        assert_eq!(cut("检查点", 2), ("检查".to_string(), true));
        assert_eq!(cut("abc", 3), ("abc".to_string(), false));
    }
}
