//! Splits one markdown reference into front matter and heading-delimited
//! sections with pulldown-cmark.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, MetadataBlockKind, Options, Parser, Tag, TagEnd};

use super::anchor::anchor_of;
use super::frontmatter::{self, FrontMatter, Problem};

/// One heading-delimited section: from its heading to the next heading of any level.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Heading level, 1 to 6 (0 for text before the first heading).
    pub level: u8,
    /// The heading's text, inline code included without backticks.
    pub heading: String,
    /// Headings from the top of the document down to this one.
    pub path: Vec<String>,
    /// Unique GitHub-style anchor (`-1`, `-2` appended to repeats, as GitHub does).
    pub anchor: String,
    /// First and last 1-based line of the section in the file.
    pub lines: (usize, usize),
    /// Byte range of the section's markdown in the file.
    pub range: Range<usize>,
    /// Prose text (headings, paragraphs, lists, tables, inline code), for the index.
    pub body: String,
    /// Text of the fenced and indented code blocks, for the index.
    pub code: String,
    /// Inline code spans in the section's own text (outside its Sources paragraph).
    pub code_spans: usize,
    /// The section's `Sources:` paragraph, when it has one.
    pub sources: Option<Sources>,
}

/// A section's `Sources:` paragraph: the links that support its facts and
/// any words beside them (such as "our rule of thumb, not an AWS figure").
/// Kept out of `body` so that URLs and page titles do not weigh in search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    /// 1-based line of the paragraph.
    pub line: usize,
    /// The links, in order.
    pub links: Vec<SourceLink>,
    /// The paragraph's words outside the links, `Sources:` removed.
    pub note: String,
}

/// One link of a Sources paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLink {
    /// Link text (the page or file title).
    pub title: String,
    /// Destination as written.
    pub url: String,
    /// 1-based line of the link.
    pub line: usize,
}

/// The word that opens a Sources paragraph.
pub const SOURCES_PREFIX: &str = "Sources:";

/// A link found in the body, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The destination as written.
    pub target: String,
    /// 1-based line of the link.
    pub line: usize,
}

/// A parsed reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// Front matter (defaults when there is none).
    pub front: FrontMatter,
    /// Whether the file has a front matter block at all.
    pub has_front_matter: bool,
    /// Problems found in the front matter.
    pub problems: Vec<Problem>,
    /// Sections in document order.
    pub sections: Vec<Section>,
    /// Links in document order.
    pub links: Vec<Link>,
    /// Anchors that more than one heading produced, with the lines of the repeats.
    pub duplicate_anchors: Vec<(String, usize)>,
}

/// Maps byte offsets to 1-based line numbers.
struct Lines(Vec<usize>);

impl Lines {
    fn new(src: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Lines(starts)
    }

    fn line_of(&self, offset: usize) -> usize {
        match self.0.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

/// Section under construction.
struct Open {
    level: u8,
    heading: String,
    start: usize,
    body: String,
    code: String,
    code_spans: usize,
    sources: Option<Sources>,
}

impl Open {
    fn new(level: u8, start: usize) -> Open {
        Open {
            level,
            heading: String::new(),
            start,
            body: String::new(),
            code: String::new(),
            code_spans: 0,
            sources: None,
        }
    }
}

/// Parses `src` (the whole file).
pub fn parse(src: &str) -> Parsed {
    let lines = Lines::new(src);
    let options = Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut front = FrontMatter::default();
    let mut problems = Vec::new();
    let mut has_front_matter = false;
    let mut in_meta = false;
    let mut in_heading = false;
    let mut in_code = false;
    let mut opened: Vec<Open> = vec![Open::new(0, 0)];
    let mut links = Vec::new();
    // Inside a `Sources:` paragraph: its text goes to the section's sources, not its body.
    let mut in_sources = false;
    let mut link_title: Option<(String, String, usize)> = None;

    for (event, range) in Parser::new_ext(src, options).into_offset_iter() {
        let Some(cur) = opened.last_mut() else { break };
        match event {
            Event::Start(Tag::MetadataBlock(MetadataBlockKind::YamlStyle)) => {
                in_meta = true;
                has_front_matter = true;
            }
            Event::End(TagEnd::MetadataBlock(_)) => in_meta = false,
            Event::Text(text) if in_meta => {
                // The block's text starts on the line after the opening `---`.
                let first = lines.line_of(range.start);
                let (fm, p) = frontmatter::parse(&text, first);
                front = fm;
                problems = p;
            }
            Event::Start(Tag::Heading { level, .. }) => {
                if cur.level == 0
                    && cur.start == 0
                    && cur.body.trim().is_empty()
                    && cur.code.is_empty()
                {
                    opened.clear();
                }
                opened.push(Open::new(level as u8, range.start));
                in_heading = true;
            }
            Event::End(TagEnd::Heading(_)) => {
                in_heading = false;
                cur.heading = cur.heading.trim().to_string();
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                in_code = true;
                if let CodeBlockKind::Fenced(lang) = kind
                    && !lang.is_empty()
                {
                    cur.code.push_str(&lang);
                    cur.code.push('\n');
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                cur.code.push('\n');
            }
            Event::Start(Tag::Paragraph)
                if !in_heading
                    && src
                        .get(range.clone())
                        .is_some_and(|p| p.starts_with(SOURCES_PREFIX)) =>
            {
                in_sources = true;
                cur.sources = Some(Sources {
                    line: lines.line_of(range.start),
                    ..Sources::default()
                });
            }
            Event::End(TagEnd::Paragraph) if in_sources => {
                in_sources = false;
                if let Some(sources) = cur.sources.as_mut() {
                    let note = sources.note.trim();
                    let note = note.strip_prefix(SOURCES_PREFIX).unwrap_or(note);
                    sources.note = note.split_whitespace().collect::<Vec<_>>().join(" ");
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                let line = lines.line_of(range.start);
                links.push(Link {
                    target: dest_url.to_string(),
                    line,
                });
                if in_sources {
                    link_title = Some((dest_url.to_string(), String::new(), line));
                }
            }
            Event::End(TagEnd::Link) if in_sources => {
                if let (Some((url, title, line)), Some(sources)) =
                    (link_title.take(), cur.sources.as_mut())
                {
                    sources.links.push(SourceLink {
                        title: title.trim().to_string(),
                        url,
                        line,
                    });
                }
            }
            Event::Text(text) | Event::Code(text) if in_sources => match link_title.as_mut() {
                Some((_, title, _)) => title.push_str(&text),
                None => {
                    if let Some(sources) = cur.sources.as_mut() {
                        sources.note.push_str(&text);
                    }
                }
            },
            Event::SoftBreak | Event::HardBreak if in_sources => {
                if let Some(sources) = cur.sources.as_mut() {
                    sources.note.push(' ');
                }
            }
            Event::Code(text) if !in_heading => {
                cur.code_spans += 1;
                cur.body.push_str(&text);
                cur.body.push(' ');
            }
            Event::Text(text) | Event::Code(text) => {
                if in_heading {
                    cur.heading.push_str(&text);
                } else if in_code {
                    cur.code.push_str(&text);
                } else {
                    cur.body.push_str(&text);
                    cur.body.push(' ');
                }
            }
            Event::SoftBreak | Event::HardBreak => cur.body.push('\n'),
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableRow | TagEnd::TableCell) => {
                cur.body.push('\n')
            }
            _ => {}
        }
    }
    let (sections, duplicate_anchors) = close_sections(src, &lines, opened);
    Parsed {
        front,
        has_front_matter,
        problems,
        sections,
        links,
        duplicate_anchors,
    }
}

/// Turns the opened sections into `Section`s with ranges, paths and unique anchors.
fn close_sections(
    src: &str,
    lines: &Lines,
    opened: Vec<Open>,
) -> (Vec<Section>, Vec<(String, usize)>) {
    let ends: Vec<usize> = opened
        .iter()
        .skip(1)
        .map(|o| o.start)
        .chain(std::iter::once(src.len()))
        .collect();
    let mut sections = Vec::with_capacity(opened.len());
    let mut stack: Vec<(u8, String)> = Vec::new();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut duplicates = Vec::new();
    for (open, end) in opened.into_iter().zip(ends) {
        while stack
            .last()
            .is_some_and(|(level, _)| *level >= open.level && open.level > 0)
        {
            stack.pop();
        }
        if open.level > 0 {
            stack.push((open.level, open.heading.clone()));
        }
        let start_line = lines.line_of(open.start);
        let trimmed_end = open.start
            + src
                .get(open.start..end)
                .unwrap_or_default()
                .trim_end()
                .len();
        let end_line = lines.line_of(trimmed_end.saturating_sub(1).max(open.start));
        let base = anchor_of(&open.heading);
        let count = seen.entry(base.clone()).or_insert(0);
        let anchor = if *count == 0 {
            base.clone()
        } else {
            duplicates.push((base.clone(), start_line));
            format!("{base}-{count}")
        };
        *count += 1;
        sections.push(Section {
            level: open.level,
            heading: open.heading,
            path: stack.iter().map(|(_, h)| h.clone()).collect(),
            anchor,
            lines: (start_line, end_line.max(start_line)),
            range: open.start..trimmed_end,
            body: open.body,
            code: open.code,
            code_spans: open.code_spans,
            sources: open.sources,
        });
    }
    (sections, duplicates)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "---\ntitle: Demo\nkeywords: [a]\n---\n\n# Demo\n\nIntro with `ParallelismPerKPU`.\n\n## How do I size it?\n\nUse [scaling](scaling-decisions.md#how-to-scale).\n\n```json\n{\"Parallelism\": 4}\n```\n\n### Details\n\nMore.\n\n## How do I size it?\n\nAgain.\n";

    #[test]
    fn splits_sections_with_paths_lines_and_anchors() {
        let p = parse(DOC);
        assert!(p.has_front_matter);
        assert_eq!(p.front.title.as_deref(), Some("Demo"));
        let heads: Vec<&str> = p.sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(
            heads,
            vec!["Demo", "How do I size it?", "Details", "How do I size it?"]
        );
        let s = &p.sections[1];
        assert_eq!(s.anchor, "how-do-i-size-it");
        assert_eq!(s.path, vec!["Demo", "How do I size it?"]);
        assert_eq!(s.lines, (10, 16));
        assert!(s.code.contains("\"Parallelism\": 4"));
        assert!(!s.body.contains("Parallelism\": 4"));
        assert_eq!(
            p.sections[2].path,
            vec!["Demo", "How do I size it?", "Details"]
        );
        assert_eq!(p.sections[3].anchor, "how-do-i-size-it-1");
        assert_eq!(
            p.duplicate_anchors,
            vec![("how-do-i-size-it".to_string(), 22)]
        );
        assert!(p.sections[0].body.contains("ParallelismPerKPU"));
        assert_eq!(
            &DOC[s.range.clone()].lines().next(),
            &Some("## How do I size it?")
        );
    }

    #[test]
    fn records_links_with_lines() {
        let p = parse(DOC);
        assert_eq!(
            p.links,
            vec![Link {
                target: "scaling-decisions.md#how-to-scale".into(),
                line: 12
            }]
        );
    }

    #[test]
    fn text_before_any_heading_is_a_section() {
        let p = parse("Just text.\n\n## Later\n\nx\n");
        assert_eq!(p.sections.len(), 2);
        assert_eq!(p.sections[0].level, 0);
        assert!(!p.has_front_matter);
    }

    #[test]
    fn front_matter_problem_lines_are_file_lines() {
        let p = parse("---\ntitle: ok\nsummary: a: b\n---\n# T\n");
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].line, 3);
    }
}
