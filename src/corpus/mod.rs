//! The references corpus: markdown files parsed into documents and sections.
//!
//! A corpus comes from the references embedded at build time or from a folder
//! given with `--references`; either way it is immutable once loaded and
//! identified by a digest of its files, which keys the persisted index.

mod anchor;
pub mod baseline;
pub mod check;
mod frontmatter;
mod markdown;
pub mod provenance;
pub mod runtime;

use std::{collections::HashMap, fs, path::Path};

use sha2::{Digest, Sha256};

pub use anchor::anchor_of;
pub use frontmatter::{FrontMatter, Problem};
pub use markdown::{Link, SOURCES_PREFIX, Section, SourceLink, Sources};

use crate::error::{Error, Result};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// The facts table embedded in the binary at build time, when there is one.
pub fn embedded_facts() -> Option<&'static str> {
    embedded::FACTS
}

/// The canonical facts table's file name inside a references folder.
pub const FACTS_FILE: &str = "facts.toml";

/// Largest reference file accepted, so a stray file cannot exhaust memory.
const MAX_REFERENCE_BYTES: u64 = 4 * 1024 * 1024;

/// One reference file.
#[derive(Debug, Clone)]
pub struct Doc {
    /// File name as it stands in `references/`, e.g. `scaling-decisions.md`.
    pub name: String,
    /// Display title: front matter `title`, else the first heading, else the file name.
    pub title: String,
    /// The whole file.
    pub source: String,
    /// Hex sha256 of `source`.
    pub sha256: String,
    /// Parsed front matter.
    pub front: FrontMatter,
    /// Whether the file has front matter at all.
    pub has_front_matter: bool,
    /// Front matter problems.
    pub problems: Vec<Problem>,
    /// Sections in document order.
    pub sections: Vec<Section>,
    /// Links in document order.
    pub links: Vec<Link>,
    /// Repeated anchors with the line of each repeat.
    pub duplicate_anchors: Vec<(String, usize)>,
}

impl Doc {
    /// Parses `source` as the reference `name`.
    pub fn parse(name: &str, source: String) -> Doc {
        let parsed = markdown::parse(&source);
        let title = parsed
            .front
            .title
            .clone()
            .or_else(|| {
                parsed
                    .sections
                    .iter()
                    .find(|s| s.level > 0)
                    .map(|s| s.heading.clone())
            })
            .unwrap_or_else(|| name.to_string());
        Doc {
            name: name.to_string(),
            title,
            sha256: hex_sha256(source.as_bytes()),
            front: parsed.front,
            has_front_matter: parsed.has_front_matter,
            problems: parsed.problems,
            sections: parsed.sections,
            links: parsed.links,
            duplicate_anchors: parsed.duplicate_anchors,
            source,
        }
    }

    /// The markdown of `section`.
    pub fn section_text(&self, section: &Section) -> &str {
        self.source.get(section.range.clone()).unwrap_or_default()
    }

    /// Finds a section by anchor, or by heading text (case-insensitive), or
    /// by an anchor given with a leading `#`.
    pub fn find_section(&self, wanted: &str) -> Option<&Section> {
        let wanted = wanted.trim().trim_start_matches('#');
        self.sections
            .iter()
            .find(|s| s.anchor == wanted)
            .or_else(|| {
                self.sections
                    .iter()
                    .find(|s| s.heading.eq_ignore_ascii_case(wanted))
            })
            .or_else(|| {
                let a = anchor_of(wanted);
                self.sections.iter().find(|s| s.anchor == a)
            })
    }
}

/// All references, sorted by file name.
#[derive(Debug, Clone)]
pub struct Corpus {
    docs: Vec<Doc>,
    by_name: HashMap<String, usize>,
    digest: String,
    origin: String,
    routing: HashMap<String, String>,
    facts: Option<String>,
}

impl Corpus {
    /// The references embedded in the binary at build time.
    pub fn embedded() -> Corpus {
        let docs = embedded::EMBEDDED
            .iter()
            .map(|(name, src)| Doc::parse(name, (*src).to_string()))
            .collect();
        Corpus::from_docs(docs, "embedded".to_string())
            .with_facts(embedded::FACTS.map(str::to_string))
    }

    /// Every `*.md` file directly inside `dir`; the folder replaces the
    /// embedded corpus entirely.
    pub fn from_dir(dir: &Path) -> Result<Corpus> {
        let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut docs = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            let path = entry.path();
            let Some(name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_string)
            else {
                continue;
            };
            // Only regular files: no dotfiles, no symlinks (a `link.md` pointing
            // at /etc/passwd is not a reference), no folders.
            let regular = fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file());
            if !name.ends_with(".md") || name.starts_with('.') || !regular {
                if name.ends_with(".md") && !regular {
                    tracing::warn!(path = %path.display(), "skipped: not a regular file");
                }
                continue;
            }
            let len = entry.metadata().map_err(|e| Error::io(&path, e))?.len();
            if len > MAX_REFERENCE_BYTES {
                return Err(Error::Corpus(format!(
                    "{} is {len} bytes; references are limited to {MAX_REFERENCE_BYTES} bytes",
                    path.display()
                )));
            }
            let source = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            docs.push(Doc::parse(&name, source));
        }
        if docs.is_empty() {
            return Err(Error::Corpus(format!(
                "{} holds no .md files; point --references at a folder of markdown references",
                dir.display()
            )));
        }
        let facts_path = dir.join(FACTS_FILE);
        let facts = match fs::symlink_metadata(&facts_path) {
            Ok(meta) if meta.is_file() && meta.len() <= MAX_REFERENCE_BYTES => {
                Some(fs::read_to_string(&facts_path).map_err(|e| Error::io(&facts_path, e))?)
            }
            Ok(meta) if meta.is_file() => {
                return Err(Error::Corpus(format!(
                    "{} is {} bytes; the facts table is limited to {MAX_REFERENCE_BYTES} bytes",
                    facts_path.display(),
                    meta.len()
                )));
            }
            _ => None,
        };
        Ok(Corpus::from_docs(docs, dir.display().to_string()).with_facts(facts))
    }

    /// Builds a corpus from parsed documents (sorted here by name).
    pub fn from_docs(mut docs: Vec<Doc>, origin: String) -> Corpus {
        docs.sort_by(|a, b| a.name.cmp(&b.name));
        let mut hasher = Sha256::new();
        for d in &docs {
            hasher.update(d.name.as_bytes());
            hasher.update([0]);
            hasher.update(d.sha256.as_bytes());
            hasher.update([0]);
        }
        let digest = hex(&hasher.finalize());
        let by_name = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.name.clone(), i))
            .collect();
        let routing = docs
            .iter()
            .find(|d| d.name == check::SKILL_FILE)
            .map(routing_table)
            .unwrap_or_default();
        Corpus {
            docs,
            by_name,
            digest,
            origin,
            routing,
            facts: None,
        }
    }

    /// The same corpus with `facts` (the text of `facts.toml`) attached.
    pub fn with_facts(mut self, facts: Option<String>) -> Corpus {
        self.facts = facts;
        self
    }

    /// The text of the canonical facts table that came with the references, if any.
    pub fn facts_toml(&self) -> Option<&str> {
        self.facts.as_deref()
    }

    /// The text of the SKILL.md routing-table rows that link to `name`
    /// (goal and when to load it), empty when there is none.
    pub fn routing_hint(&self, name: &str) -> &str {
        self.routing.get(name).map_or("", String::as_str)
    }

    /// Documents sorted by name.
    pub fn docs(&self) -> &[Doc] {
        &self.docs
    }

    /// Hex sha256 over every file name and content: identifies this corpus.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// Where the corpus came from: `embedded` or a folder path.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Index of the document named `name` in [`Corpus::docs`].
    pub fn position(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// Looks a reference up by the name a caller gave. Accepts the file name
    /// with or without `.md`; anything else (paths, `..`) is refused with a
    /// message naming the valid form. User input never reaches the file system.
    pub fn get(&self, name: &str) -> Result<&Doc> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::InvalidInput(
                "reference is empty: give a file name from msf_refs, e.g. `scaling-decisions.md`"
                    .into(),
            ));
        }
        if name.contains(['/', '\\']) || name.contains("..") || name.chars().any(char::is_control) {
            return Err(Error::InvalidInput(format!(
                "`{}` is not a reference name: references are bare file names such as `scaling-decisions.md` (no folders or `..`); list them with msf_refs",
                preview(name, 80)
            )));
        }
        let found = self
            .position(name)
            .or_else(|| self.position(&format!("{name}.md")))
            .or_else(|| {
                let lower = name.to_lowercase();
                self.docs.iter().position(|d| {
                    d.name.to_lowercase() == lower || d.name.to_lowercase() == format!("{lower}.md")
                })
            });
        match found.and_then(|i| self.docs.get(i)) {
            Some(doc) => Ok(doc),
            None => Err(Error::NotFound(format!(
                "no reference named `{}`; known references include {}; list them all with msf_refs",
                preview(name, 80),
                self.closest(name, 3).join(", ")
            ))),
        }
    }

    /// The `n` reference names that share the most characters' bigrams with `name`.
    fn closest(&self, name: &str, n: usize) -> Vec<String> {
        let grams = |s: &str| -> Vec<(char, char)> {
            let cs: Vec<char> = s.to_lowercase().chars().collect();
            cs.windows(2)
                .filter_map(|w| Some((*w.first()?, *w.get(1)?)))
                .collect()
        };
        let want = grams(name);
        let mut scored: Vec<(usize, &str)> = self
            .docs
            .iter()
            .map(|d| {
                let g = grams(&d.name);
                (
                    want.iter().filter(|x| g.contains(x)).count(),
                    d.name.as_str(),
                )
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        scored
            .into_iter()
            .take(n)
            .map(|(_, s)| format!("`{s}`"))
            .collect()
    }
}

/// Reads the `## Routing table` of the skill manifest: for each table row,
/// the reference files it links to and the row's text without link markup.
fn routing_table(skill: &Doc) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = HashMap::new();
    let Some(section) = skill.sections.iter().find(|s| s.anchor == "routing-table") else {
        return out;
    };
    for row in skill
        .section_text(section)
        .lines()
        .filter(|l| l.trim_start().starts_with('|'))
    {
        let mut targets = Vec::new();
        let mut text = String::new();
        let mut rest = row;
        while let Some(open) = rest.find("](") {
            let Some(close) = rest[open..].find(')') else {
                break;
            };
            let target = &rest[open + 2..open + close];
            if target.ends_with(".md") {
                targets.push(target.to_string());
            }
            text.push_str(&rest[..open]);
            rest = &rest[open + close + 1..];
        }
        text.push_str(rest);
        let text = text.replace(['|', '[', ']'], " ");
        for t in targets {
            let entry = out.entry(t).or_default();
            entry.push_str(text.trim());
            entry.push('\n');
        }
    }
    out
}

/// Hex sha256 of `bytes`.
pub fn hex_sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The first `max` characters of `s`, with `…` when cut: keeps error
/// messages short when the input is huge.
pub fn preview(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", s.get(..at).unwrap_or_default()),
        None => s.to_string(),
    }
}

/// A section's markdown without its Sources paragraph (the hit carries the
/// links in `sources`, so the text and snippet stay about the subject).
pub fn without_sources(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut skipping = false;
    for line in text.split_inclusive('\n') {
        if line.starts_with(SOURCES_PREFIX) {
            skipping = true;
        } else if skipping && line.trim().is_empty() {
            skipping = false;
        }
        if !skipping {
            out.push_str(line);
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

/// A section's text without its heading line, for snippets.
pub fn body_of(text: &str) -> &str {
    match text.split_once('\n') {
        Some((first, rest)) if first.starts_with('#') => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Corpus {
        Corpus::from_docs(
            vec![
                Doc::parse(
                    "scaling-decisions.md",
                    "# Scaling\n\n## When to scale\n\nx\n".into(),
                ),
                Doc::parse(
                    "checkpoint-tuning.md",
                    "---\ntitle: Checkpoints\n---\n# C\n".into(),
                ),
            ],
            "test".into(),
        )
    }

    #[test]
    fn looks_up_by_file_name_with_or_without_suffix() {
        let c = corpus();
        assert_eq!(
            c.get("scaling-decisions.md").map(|d| d.title.as_str()).ok(),
            Some("Scaling")
        );
        assert_eq!(
            c.get("checkpoint-tuning").map(|d| d.title.as_str()).ok(),
            Some("Checkpoints")
        );
        assert_eq!(
            c.get("Scaling-Decisions.MD").map(|d| d.name.as_str()).ok(),
            Some("scaling-decisions.md")
        );
    }

    #[test]
    fn refuses_paths_and_names_unknown_references() {
        let c = corpus();
        let e = c
            .get("../../etc/passwd")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("not a reference name"), "{e}");
        let e = c
            .get("scaling.md")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("no reference named `scaling.md`") && e.contains("scaling-decisions.md"),
            "{e}"
        );
        assert!(c.get("").is_err());
    }

    #[test]
    fn digest_changes_with_content() {
        let a = corpus();
        let b = Corpus::from_docs(
            vec![Doc::parse("scaling-decisions.md", "# Other\n".into())],
            "t".into(),
        );
        assert_ne!(a.digest(), b.digest());
        assert_eq!(a.digest(), corpus().digest());
    }

    #[test]
    fn finds_sections_by_anchor_or_heading() {
        let c = corpus();
        let d = c.get("scaling-decisions.md").ok();
        let s = d
            .and_then(|d| d.find_section("When to scale"))
            .map(|s| s.anchor.clone());
        assert_eq!(s.as_deref(), Some("when-to-scale"));
        let s = d
            .and_then(|d| d.find_section("#when-to-scale"))
            .map(|s| s.lines);
        assert_eq!(s, Some((3, 5)));
    }

    #[test]
    fn skill_routing_table_rows_become_hints() {
        let skill = "---\nname: s\ndescription: d\n---\n# S\n\n## Routing table\n\n| Goal | Reference | Load when |\n|---|---|---|\n| Size KPUs | [scaling-decisions.md](scaling-decisions.md) | throughput grows |\n";
        let mut c = corpus();
        c = Corpus::from_docs(
            c.docs()
                .iter()
                .cloned()
                .chain([Doc::parse("SKILL.md", skill.into())])
                .collect(),
            "t".into(),
        );
        let hint = c.routing_hint("scaling-decisions.md");
        assert!(
            hint.contains("Size KPUs") && hint.contains("throughput grows"),
            "{hint}"
        );
        assert!(!hint.contains("]("));
        assert_eq!(c.routing_hint("checkpoint-tuning.md"), "");
    }

    #[test]
    fn preview_cuts_on_char_boundaries() {
        assert_eq!(preview("检查点检查点", 3), "检查点…");
        assert_eq!(preview("abc", 5), "abc");
    }
}
