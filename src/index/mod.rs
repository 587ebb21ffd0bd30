//! The full-text index over the corpus: one tantivy document per section,
//! plus one per reference holding its front matter (title, summary,
//! load_when, keywords) for routing.
//!
//! Queries are never parsed as query syntax: the text (a question, a pasted
//! stack trace) is analyzed into terms and searched as a weighted OR, so
//! `:`, quotes and brackets in error messages cannot make a query fail.

pub mod glossary;
mod snippet;
mod store;
pub mod tokenizer;

use std::{
    collections::{HashMap, HashSet},
    path::Path,
};

use tantivy::{
    DocAddress, Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term,
    collector::{Count, TopDocs},
    columnar::Column,
    query::{BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, TermQuery},
    schema::{
        FAST, Field, INDEXED, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
    },
};

pub use store::{Location, SCHEMA_VERSION};

use crate::{corpus::Corpus, error::Result};

/// Most distinct terms a query contributes; a 1 MB paste cannot build a
/// million-clause query.
pub const MAX_QUERY_TERMS: usize = 256;

/// Query weight, in a search, of a part of a compound identifier of the
/// query (`commit` and `fail` of `commitsFailed`) whose whole form occurs in
/// the corpus: the sections naming the identifier then outrank those that
/// merely share its words (the Iceberg commit sections for a Kafka metric).
/// Chosen on the tuning sets' fact hit@5 (parts: 0.942 at 1.0, 0.950 at 0.5,
/// 0.948 at 0.4 and 0.3; route and set recall unchanged). Routing keeps
/// parts at full weight: there it lowered set recall@5 (parts 0.959 → 0.952).
pub const SEARCH_PART_WEIGHT: f32 = 0.5;

/// Field handles of the schema, built once.
#[derive(Clone, Debug)]
struct Fields {
    /// `s` for a section document, `m` for a reference's front matter.
    kind: Field,
    /// Position of the reference in the corpus.
    doc_ord: Field,
    /// Position of the section in its reference.
    sec_ord: Field,
    /// Reference file name, for filtering.
    reference: Field,
    /// Heading path of a section; title of a reference.
    heading: Field,
    /// Section prose; summary and load_when of a reference.
    body: Field,
    /// Section code blocks.
    code: Field,
    /// Front matter keywords of a reference.
    keywords: Field,
}

impl Fields {
    fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer::ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            kind: b.add_text_field("kind", STRING),
            doc_ord: b.add_u64_field("doc_ord", INDEXED | FAST),
            sec_ord: b.add_u64_field("sec_ord", FAST),
            reference: b.add_text_field("reference", STRING),
            heading: b.add_text_field("heading", text.clone()),
            body: b.add_text_field("body", text.clone()),
            code: b.add_text_field("code", text.clone()),
            keywords: b.add_text_field("keywords", text),
        };
        (b.build(), fields)
    }
}

/// A query's analyzed terms, prepared once and reused for sections,
/// references and snippets.
#[derive(Clone, Debug)]
pub struct Terms {
    terms: Vec<String>,
    /// Each term as the text wrote it, lowercased (`aws` for the stem `aw`).
    surfaces: Vec<String>,
    /// For each term that is a part of a compound identifier of the query
    /// (`commit` of `commitsFailed`), the position of that identifier.
    part_of: Vec<Option<usize>>,
    /// Query weight of such a part when its identifier occurs in the corpus.
    part_weight: f32,
}

impl Terms {
    /// Analyzes `text` (widened by the Chinese glossary) into distinct terms.
    pub fn new(text: &str) -> Terms {
        let widened = format!("{text}{}", glossary::expand(text));
        let mut terms: Vec<String> = Vec::new();
        let mut surfaces: Vec<String> = Vec::new();
        let mut part_of: Vec<Option<usize>> = Vec::new();
        for a in tokenizer::terms_with_wholes(&widened) {
            let whole_at = a.whole.and_then(|w| terms.iter().position(|x| *x == w));
            if let Some(i) = terms.iter().position(|x| *x == a.term) {
                // A word the query also uses on its own is no mere part.
                if whole_at.is_none()
                    && let Some(slot) = part_of.get_mut(i)
                {
                    *slot = None;
                }
            } else {
                terms.push(a.term);
                surfaces.push(a.surface);
                part_of.push(whole_at);
                if terms.len() == MAX_QUERY_TERMS {
                    break;
                }
            }
        }
        Terms {
            terms,
            surfaces,
            part_of,
            part_weight: 1.0,
        }
    }

    /// The same terms, parts of identifiers weighing `w`.
    pub fn with_part_weight(mut self, w: f32) -> Terms {
        self.part_weight = w;
        self
    }

    /// The term at `i` as the text wrote it (first occurrence), lowercased.
    pub fn surface(&self, i: usize) -> Option<&str> {
        self.surfaces.get(i).map(String::as_str)
    }

    /// The identifier the term at `i` is a part of, if any.
    fn whole_of(&self, i: usize) -> Option<usize> {
        self.part_of.get(i).copied().flatten()
    }

    /// Returns true if and only if the text had no searchable term.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The distinct terms.
    pub fn as_slice(&self) -> &[String] {
        &self.terms
    }
}

/// A section match: positions into the corpus and its BM25 score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SectionHit {
    /// Reference position in the corpus.
    pub doc: usize,
    /// Section position in the reference.
    pub section: usize,
    /// BM25 score (higher is better).
    pub score: f32,
}

/// A reference whose front matter matched, with its BM25 score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DocHit {
    /// Reference position in the corpus.
    pub doc: usize,
    /// BM25 score (higher is better).
    pub score: f32,
}

/// The searchable index of one corpus. Cloning shares the same reader.
#[derive(Clone)]
pub struct SearchIndex {
    reader: IndexReader,
    fields: Fields,
    location: Location,
    sections: usize,
}

impl SearchIndex {
    /// Opens the persisted index of `corpus` under `dir`, building it (atomically)
    /// when missing or stale; falls back to RAM when `dir` is `None` or not writable.
    pub fn open_or_build(corpus: &Corpus, dir: Option<&Path>) -> Result<SearchIndex> {
        let (schema, fields) = Fields::schema();
        let (index, location) = store::open_or_build(corpus, dir, &schema, |index| {
            write_documents(index, &fields, corpus)
        })?;
        SearchIndex::ready(index, fields, location, corpus)
    }

    /// Builds a fresh index under `dir` even when a current one exists.
    pub fn rebuild(corpus: &Corpus, dir: &Path) -> Result<SearchIndex> {
        let (schema, fields) = Fields::schema();
        let (index, location) = store::rebuild(corpus, dir, &schema, |index| {
            write_documents(index, &fields, corpus)
        })?;
        SearchIndex::ready(index, fields, location, corpus)
    }

    fn ready(
        index: Index,
        fields: Fields,
        location: Location,
        corpus: &Corpus,
    ) -> Result<SearchIndex> {
        index
            .tokenizers()
            .register(tokenizer::ANALYZER, tokenizer::analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let sections = corpus.docs().iter().map(|d| d.sections.len()).sum();
        Ok(SearchIndex {
            reader,
            fields,
            location,
            sections,
        })
    }

    /// Where the index lives.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Number of section documents.
    pub fn sections(&self) -> usize {
        self.sections
    }

    /// Best sections for `terms`, optionally within one reference, best
    /// first, with the number of sections that matched in all.
    pub fn search_sections(
        &self,
        terms: &Terms,
        doc: Option<usize>,
        limit: usize,
    ) -> Result<(Vec<SectionHit>, usize)> {
        self.search_sections_in(terms, doc.as_slice(), limit)
    }

    /// Best sections for `terms` within the references at `docs` (all
    /// references when empty), best first, with the number that matched.
    pub fn search_sections_in(
        &self,
        terms: &Terms,
        docs: &[usize],
        limit: usize,
    ) -> Result<(Vec<SectionHit>, usize)> {
        let f = &self.fields;
        let weighted = [(f.heading, 1.3), (f.body, 1.0), (f.code, 0.5)];
        let searcher = self.reader.searcher();
        let Some(query) = self.query(&searcher, "s", terms, &weighted, docs) else {
            return Ok((Vec::new(), 0));
        };
        let (top, total) = searcher.search(
            &query,
            &(TopDocs::with_limit(limit.max(1)).order_by_score(), Count),
        )?;
        let mut ords = Ords::new(&searcher);
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let (doc, section) = ords.get(addr)?;
            hits.push(SectionHit {
                doc,
                section,
                score,
            });
        }
        Ok((hits, total))
    }

    /// References whose front matter matches `terms`, best first.
    pub fn search_references(&self, terms: &Terms, limit: usize) -> Result<Vec<DocHit>> {
        let f = &self.fields;
        let weighted = [(f.keywords, 1.5), (f.heading, 1.5), (f.body, 1.0)];
        let searcher = self.reader.searcher();
        let Some(query) = self.query(&searcher, "m", terms, &weighted, &[]) else {
            return Ok(Vec::new());
        };
        let top = searcher.search(&query, &TopDocs::with_limit(limit.max(1)).order_by_score())?;
        let mut ords = Ords::new(&searcher);
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            hits.push(DocHit {
                doc: ords.get(addr)?.0,
                score,
            });
        }
        Ok(hits)
    }

    /// A short excerpt of `text` around the query's terms, matches in `**bold**`.
    pub fn snippet(&self, terms: &Terms, text: &str, max_chars: usize) -> String {
        snippet::snippet(text, terms.as_slice(), max_chars)
    }

    /// Each term's query weight: [`Terms::with_part_weight`] for a part of an
    /// identifier that occurs in one of the `weighted` fields, else 1.
    fn term_weights(
        &self,
        searcher: &Searcher,
        terms: &Terms,
        weighted: &[(Field, f32)],
    ) -> Vec<f32> {
        let n = terms.as_slice().len();
        if terms.part_weight == 1.0 {
            return vec![1.0; n];
        }
        // Each identifier with parts, looked up once however many parts it has.
        let in_corpus = |whole: &str| {
            weighted.iter().any(|&(field, _)| {
                searcher
                    .doc_freq(&Term::from_field_text(field, whole))
                    .is_ok_and(|n| n > 0)
            })
        };
        let known: HashMap<usize, bool> = (0..n)
            .filter_map(|i| terms.whole_of(i))
            .collect::<HashSet<usize>>()
            .into_iter()
            .map(|w| (w, terms.as_slice().get(w).is_some_and(|t| in_corpus(t))))
            .collect();
        (0..n)
            .map(|i| match terms.whole_of(i).and_then(|w| known.get(&w)) {
                Some(true) => terms.part_weight,
                _ => 1.0,
            })
            .collect()
    }

    /// OR of every term in every weighted field, restricted to one kind of
    /// document (and to the references at `docs` when there are any). `None`
    /// when there is no term to search for.
    fn query(
        &self,
        searcher: &Searcher,
        kind: &str,
        terms: &Terms,
        weighted: &[(Field, f32)],
        docs: &[usize],
    ) -> Option<Box<dyn Query>> {
        if terms.is_empty() {
            return None;
        }
        let weights = self.term_weights(searcher, terms, weighted);
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (t, &tw) in terms.as_slice().iter().zip(&weights) {
            for &(field, boost) in weighted {
                let boost = boost * tw;
                let q = TermQuery::new(
                    Term::from_field_text(field, t),
                    IndexRecordOption::WithFreqs,
                );
                should.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
            }
        }
        let mut must: Vec<(Occur, Box<dyn Query>)> = vec![
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.kind, kind),
                    IndexRecordOption::Basic,
                )),
            ),
            (Occur::Must, Box::new(BooleanQuery::new(should))),
        ];
        let doc_term = |doc: usize| {
            TermQuery::new(
                Term::from_field_u64(self.fields.doc_ord, doc as u64),
                IndexRecordOption::Basic,
            )
        };
        match docs {
            [] => {}
            [doc] => must.push((Occur::Must, Box::new(doc_term(*doc)))),
            several => {
                // Any of the references; the filter adds nothing to the score.
                let any: Vec<(Occur, Box<dyn Query>)> = several
                    .iter()
                    .map(|&d| (Occur::Should, Box::new(doc_term(d)) as Box<dyn Query>))
                    .collect();
                must.push((
                    Occur::Must,
                    Box::new(ConstScoreQuery::new(Box::new(BooleanQuery::new(any)), 0.0)),
                ));
            }
        }
        Some(Box::new(BooleanQuery::new(must)))
    }
}

/// Reads a hit's reference and section positions from the fast fields (no
/// stored document is decompressed), opening each segment's columns once.
struct Ords<'a> {
    searcher: &'a Searcher,
    columns: Vec<Option<(Column<u64>, Column<u64>)>>,
}

impl<'a> Ords<'a> {
    fn new(searcher: &'a Searcher) -> Ords<'a> {
        Ords {
            searcher,
            columns: vec![None; searcher.segment_readers().len()],
        }
    }

    /// (reference position, section position) of the document at `addr`.
    fn get(&mut self, addr: DocAddress) -> Result<(usize, usize)> {
        let slot = addr.segment_ord as usize;
        if self.columns.get(slot).is_some_and(Option::is_none) {
            let fast = self.searcher.segment_reader(addr.segment_ord).fast_fields();
            let cols = (fast.u64("doc_ord")?, fast.u64("sec_ord")?);
            if let Some(c) = self.columns.get_mut(slot) {
                *c = Some(cols);
            }
        }
        let Some(Some((doc, sec))) = self.columns.get(slot) else {
            return Ok((0, 0));
        };
        let doc = doc.first(addr.doc_id).unwrap_or(0) as usize;
        let sec = sec.first(addr.doc_id).unwrap_or(0) as usize;
        Ok((doc, sec))
    }
}

/// Adds one document per reference and one per section to a fresh index.
fn write_documents(index: &Index, f: &Fields, corpus: &Corpus) -> Result<()> {
    index
        .tokenizers()
        .register(tokenizer::ANALYZER, tokenizer::analyzer());
    let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 32 * 1024 * 1024)?;
    for (i, doc) in corpus.docs().iter().enumerate() {
        let mut meta = TantivyDocument::default();
        meta.add_text(f.kind, "m");
        meta.add_u64(f.doc_ord, i as u64);
        meta.add_u64(f.sec_ord, 0);
        meta.add_text(f.reference, &doc.name);
        meta.add_text(f.heading, &doc.title);
        meta.add_text(f.body, doc.front.summary.as_deref().unwrap_or_default());
        meta.add_text(f.body, doc.front.description.as_deref().unwrap_or_default());
        for when in &doc.front.load_when {
            meta.add_text(f.body, when);
        }
        meta.add_text(f.body, corpus.routing_hint(&doc.name));
        for k in &doc.front.keywords {
            meta.add_text(f.keywords, k);
        }
        meta.add_text(
            f.keywords,
            doc.name.trim_end_matches(".md").replace('-', " "),
        );
        writer.add_document(meta)?;
        for (j, s) in doc.sections.iter().enumerate() {
            let mut d = TantivyDocument::default();
            d.add_text(f.kind, "s");
            d.add_u64(f.doc_ord, i as u64);
            d.add_u64(f.sec_ord, j as u64);
            d.add_text(f.reference, &doc.name);
            d.add_text(f.heading, s.path.join(" > "));
            d.add_text(f.body, &s.body);
            d.add_text(f.code, &s.code);
            writer.add_document(d)?;
        }
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{SEARCH_PART_WEIGHT, SearchIndex, Terms};
    use crate::corpus::{Corpus, Doc};

    fn index() -> (Corpus, SearchIndex) {
        let corpus = Corpus::from_docs(
            vec![
                Doc::parse(
                    "iceberg.md",
                    "# Iceberg\n\n## Why does a commit fail?\n\nEach checkpoint makes a \
                     commit; one that fails is retried.\n"
                        .into(),
                ),
                Doc::parse(
                    "kafka.md",
                    "# Kafka\n\n## What does commitsFailed count?\n\nOffset writes that did \
                     not go through.\n"
                        .into(),
                ),
                Doc::parse(
                    "other.md",
                    "# Other\n\n## Checkpoints\n\nThe interval and the timeout.\n\n\
                     ## Scaling\n\nParallelism and KPUs.\n"
                        .into(),
                ),
            ],
            "test".into(),
        );
        let index = SearchIndex::open_or_build(&corpus, None).unwrap();
        (corpus, index)
    }

    fn first(corpus: &Corpus, index: &SearchIndex, terms: &Terms) -> String {
        let (hits, _) = index.search_sections(terms, None, 5).unwrap();
        let h = hits.first().unwrap();
        corpus.docs()[h.doc].name.clone()
    }

    #[test]
    fn a_search_within_several_references_finds_only_their_sections() {
        let (corpus, index) = index();
        let terms = Terms::new("commit checkpoint interval");
        let at = |name: &str| corpus.position(name).unwrap();
        let (all, total) = index.search_sections(&terms, None, 10).unwrap();
        assert!(all.iter().any(|h| h.doc == at("other.md")), "{all:?}");
        let (some, n) = index
            .search_sections_in(&terms, &[at("iceberg.md"), at("kafka.md")], 10)
            .unwrap();
        assert!(!some.is_empty() && n < total, "{some:?}");
        assert!(some.iter().all(|h| h.doc != at("other.md")), "{some:?}");
        let (one, _) = index
            .search_sections_in(&terms, &[at("other.md")], 10)
            .unwrap();
        assert!(!one.is_empty() && one.iter().all(|h| h.doc == at("other.md")));
    }

    #[test]
    fn a_term_keeps_the_word_as_written() {
        let t = Terms::new("Which AWS connectors does ParallelismPerKPU affect?");
        let surface = |term: &str| {
            let i = t.as_slice().iter().position(|x| x == term).unwrap();
            t.surface(i).unwrap().to_string()
        };
        assert_eq!(surface("aw"), "aws");
        assert_eq!(surface("connector"), "connectors");
        assert_eq!(surface("kpu"), "kpu");
        assert_eq!(surface("parallelismperkpu"), "parallelismperkpu");
    }

    #[test]
    fn a_word_used_alone_is_not_a_part() {
        let t = Terms::new("commitsFailed");
        let commit = t.as_slice().iter().position(|x| x == "commit").unwrap();
        assert!(t.whole_of(commit).is_some());
        let t = Terms::new("commit and commitsFailed");
        let commit = t.as_slice().iter().position(|x| x == "commit").unwrap();
        assert_eq!(t.whole_of(commit), None);
    }

    #[test]
    fn in_a_search_the_identifier_outweighs_its_parts() {
        let (corpus, index) = index();
        // At full weight the words of the identifier, repeated in another
        // section, win; at the search weight the section naming it does.
        assert_eq!(
            first(&corpus, &index, &Terms::new("commitsFailed")),
            "iceberg.md"
        );
        let weighted = Terms::new("commitsFailed").with_part_weight(SEARCH_PART_WEIGHT);
        assert_eq!(first(&corpus, &index, &weighted), "kafka.md");
        // An identifier the corpus does not know keeps its parts whole.
        let unknown = Terms::new("commitFailures").with_part_weight(SEARCH_PART_WEIGHT);
        assert_eq!(first(&corpus, &index, &unknown), "iceberg.md");
    }
}
