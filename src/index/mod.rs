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

use std::path::Path;

use tantivy::{
    DocAddress, Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term,
    collector::{Count, TopDocs},
    columnar::Column,
    query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery},
    schema::{
        FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
        TextOptions,
    },
};

pub use store::{Location, SCHEMA_VERSION};

use crate::{corpus::Corpus, error::Result};

/// Most distinct terms a query contributes; a 1 MB paste cannot build a
/// million-clause query.
pub const MAX_QUERY_TERMS: usize = 256;

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
            doc_ord: b.add_u64_field("doc_ord", INDEXED | STORED | FAST),
            sec_ord: b.add_u64_field("sec_ord", STORED | FAST),
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
}

impl Terms {
    /// Analyzes `text` (widened by the Chinese glossary) into distinct terms.
    pub fn new(text: &str) -> Terms {
        let widened = format!("{text}{}", glossary::expand(text));
        let mut terms = Vec::new();
        for t in tokenizer::terms(&widened) {
            if !terms.contains(&t) {
                terms.push(t);
                if terms.len() == MAX_QUERY_TERMS {
                    break;
                }
            }
        }
        Terms { terms }
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
        let f = &self.fields;
        let weighted = [(f.heading, 1.3), (f.body, 1.0), (f.code, 0.5)];
        let Some(query) = self.query("s", terms, &weighted, doc) else {
            return Ok((Vec::new(), 0));
        };
        let searcher = self.reader.searcher();
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
        let Some(query) = self.query("m", terms, &weighted, None) else {
            return Ok(Vec::new());
        };
        let searcher = self.reader.searcher();
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

    /// OR of every term in every weighted field, restricted to one kind of
    /// document (and one reference when `doc` is given). `None` when there is
    /// no term to search for.
    fn query(
        &self,
        kind: &str,
        terms: &Terms,
        weighted: &[(Field, f32)],
        doc: Option<usize>,
    ) -> Option<Box<dyn Query>> {
        if terms.is_empty() {
            return None;
        }
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in terms.as_slice() {
            for &(field, boost) in weighted {
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
        if let Some(doc) = doc {
            must.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_u64(self.fields.doc_ord, doc as u64),
                    IndexRecordOption::Basic,
                )),
            ));
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
