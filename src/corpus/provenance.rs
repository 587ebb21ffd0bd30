//! Provenance rules: which sections state facts, whether each has its
//! `Sources:` paragraph, whether the links in it are well formed, and when
//! the reference was last verified.
//!
//! The rule for a fact-bearing section is deterministic so that writers can
//! predict it: a section whose own text (outside its Sources paragraph and
//! not counting its heading) holds an inline code span, a code block, or any
//! ASCII digit states facts, and must end with a Sources paragraph that holds
//! at least one link or says that its content is ours: the words after
//! `Sources:` start with "our" ("our rule of thumb, not an AWS figure", "our
//! checklist, built on the sections above") or name a rule of thumb.
//!
//! A source link is an https URL, or a link to another reference
//! (`scaling-decisions.md#anchor`) whose own section carries the sources;
//! the link checker validates those.

use super::markdown::{Section, SourceLink};

/// Words that mark a Sources paragraph as our own rule of thumb.
pub const RULE_OF_THUMB: &str = "rule of thumb";

/// Days after which a `verified` date is reported as stale.
pub const STALE_AFTER_DAYS: i64 = 180;

/// Why `section` counts as fact-bearing (the first evidence found), or
/// `None` when its own text states no fact.
pub fn fact_evidence(section: &Section) -> Option<String> {
    if section.code_spans > 0 {
        return Some(format!("{} inline code span(s)", section.code_spans));
    }
    if !section.code.trim().is_empty() {
        return Some("a code block".to_string());
    }
    let body = section.body.as_str();
    let start = body.find(|c: char| c.is_ascii_digit())?;
    let word_start = body
        .get(..start)
        .and_then(|b| b.rfind(char::is_whitespace).map(|i| i + 1))
        .unwrap_or(0);
    let word: String = body
        .get(word_start..)
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .chars()
        .take(40)
        .collect();
    Some(format!("the number in `{word}`"))
}

/// Whether the Sources note says the section's content is ours.
pub fn is_rule_of_thumb(note: &str) -> bool {
    let note = note.trim().to_lowercase();
    note.starts_with("our ") || note.contains(RULE_OF_THUMB) || note.contains("rules of thumb")
}

/// Whether a link points at another reference (checked by the link checker).
pub fn is_reference_link(url: &str) -> bool {
    !url.contains("://") && (url.ends_with(".md") || url.contains(".md#") || url.starts_with('#'))
}

/// What is wrong with a source link, if anything.
pub fn link_problem(link: &SourceLink) -> Option<String> {
    let url = link.url.as_str();
    if is_reference_link(url) {
        return None;
    }
    let Some(rest) = url.strip_prefix("https://") else {
        return Some(format!(
            "source `{url}` is not an https URL; cite the public page or the source file at a release tag"
        ));
    };
    if url
        .chars()
        .any(|c| c.is_whitespace() || "<>\"{}|\\^`".contains(c))
    {
        return Some(format!(
            "source `{url}` has characters a URL cannot hold; percent-encode them"
        ));
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_ok = host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':');
    if !host_ok {
        return Some(format!("source `{url}` has no valid host name"));
    }
    if link.title.trim().is_empty() {
        return Some(format!(
            "source `{url}` has no title; write `[page title]({url})`"
        ));
    }
    None
}

/// A warning for a source file cited on a moving branch rather than a tag.
pub fn moving_branch(link: &SourceLink) -> Option<String> {
    let url = link.url.as_str();
    if !url.starts_with("https://github.com/") {
        return None;
    }
    [
        "/blob/main/",
        "/blob/master/",
        "/tree/main/",
        "/tree/master/",
    ]
    .iter()
    .any(|b| url.contains(b))
    .then(|| {
        format!(
            "source `{url}` points at a moving branch; cite the file at a release tag or commit"
        )
    })
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date, or `None` when it is not a
/// real calendar date in that form.
pub fn days_from_iso_date(date: &str) -> Option<i64> {
    let b = date.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = date.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())
            .flatten()
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d < 1 || d > month_days {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Days since 1970-01-01 of the proleptic Gregorian date `y`-`m`-`d`
/// (Howard Hinnant's `days_from_civil`; the caller checks the ranges).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Today as days since 1970-01-01 (UTC).
pub fn today() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    i64::try_from(secs / 86_400).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::markdown::parse;

    fn sections(src: &str) -> Vec<Section> {
        parse(src).sections
    }

    #[test]
    fn digits_code_spans_and_blocks_make_a_section_fact_bearing() {
        let s = sections(
            "# T\n\n## Plain\n\nWords only.\n\n## Number\n\nUp to 64 KPUs.\n\n## Span\n\nSet `Parallelism`.\n\n## Block\n\n```json\n{}\n```\n",
        );
        let ev: Vec<Option<String>> = s.iter().map(fact_evidence).collect();
        assert_eq!(ev[1], None);
        assert_eq!(ev[2].as_deref(), Some("the number in `64`"));
        assert_eq!(ev[3].as_deref(), Some("1 inline code span(s)"));
        assert_eq!(ev[4].as_deref(), Some("a code block"));
    }

    #[test]
    fn sources_paragraph_is_parsed_and_kept_out_of_the_body() {
        let s = sections(
            "## Q\n\nA KPU has 4 GB.\n\nSources: [MSF pricing](https://aws.amazon.com/managed-service-apache-flink/pricing/); [KPU](https://docs.aws.amazon.com/managed-flink/latest/java/how-scaling.html), and the 80% figure is our rule of thumb.\n",
        );
        let q = &s[0];
        let src = q.sources.as_ref().expect("sources");
        assert_eq!(src.line, 5);
        assert_eq!(src.links.len(), 2);
        assert_eq!(src.links[0].title, "MSF pricing");
        assert!(src.links[1].url.ends_with("how-scaling.html"));
        assert!(is_rule_of_thumb(&src.note));
        assert!(!q.body.contains("amazon"), "{}", q.body);
        assert!(!q.body.contains("pricing"), "{}", q.body);
        assert!(q.body.contains("4 GB"));
    }

    #[test]
    fn a_sources_word_inside_a_sentence_is_not_a_sources_paragraph() {
        let s = sections("## Q\n\nThe Sources: line matters.\n");
        assert!(s[0].sources.is_none());
    }

    #[test]
    fn malformed_links_are_named() {
        let l = |url: &str, title: &str| SourceLink {
            title: title.into(),
            url: url.into(),
            line: 1,
        };
        assert!(link_problem(&l("https://docs.aws.amazon.com/x", "x")).is_none());
        assert!(link_problem(&l("http://docs.aws.amazon.com/x", "x")).is_some());
        assert!(link_problem(&l("https://docs aws/x", "x")).is_some());
        assert!(link_problem(&l("https://localhost/x", "x")).is_some());
        assert!(link_problem(&l("https://docs.aws.amazon.com/x", " ")).is_some());
        assert!(link_problem(&l("docs.aws.amazon.com", "x")).is_some());
        assert!(link_problem(&l("scaling-decisions.md#how", "x")).is_none());
        assert!(is_rule_of_thumb(
            "Our checklist, built on the sections above."
        ));
        assert!(is_rule_of_thumb("the 70% threshold is our rule of thumb"));
        assert!(!is_rule_of_thumb("see the AWS docs"));
        assert!(
            moving_branch(&l(
                "https://github.com/apache/flink/blob/master/a.java",
                "a"
            ))
            .is_some()
        );
        assert!(
            moving_branch(&l(
                "https://github.com/apache/flink/blob/release-1.20.0/a.java",
                "a"
            ))
            .is_none()
        );
    }

    #[test]
    fn dates_are_real_calendar_dates() {
        assert_eq!(days_from_iso_date("1970-01-01"), Some(0));
        assert_eq!(days_from_iso_date("2026-11-29"), Some(20_786));
        assert!(days_from_iso_date("2024-02-29").is_some());
        assert_eq!(days_from_iso_date("2026-02-29"), None);
        assert_eq!(days_from_iso_date("2026-13-01"), None);
        assert_eq!(days_from_iso_date("26-11-29"), None);
        assert_eq!(days_from_iso_date("2026-1-290"), None);
    }
}
