//! Snippets: the window of a section with the most distinct query terms,
//! matches in `**bold**`.
//!
//! Query terms are analyzed (lowercased, stemmed, CJK bigrams), and an
//! English stem is a prefix of the words it came from (`checkpoint` of
//! `checkpoints`), so matching terms as prefixes of words in the ASCII-
//! lowercased text finds the occurrences without re-tokenizing the section:
//! a plain substring scan, several times faster than tantivy's snippet
//! generator on these texts.

/// Occurrences considered per term, so a very common term cannot dominate the cost.
const MAX_HITS_PER_TERM: usize = 64;

/// Returns the best window of at most `max_chars` characters of `text`.
pub fn snippet(text: &str, terms: &[String], max_chars: usize) -> String {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let mut hits: Vec<(usize, usize, usize)> = Vec::new();
    for (t, term) in terms.iter().enumerate() {
        if term.is_empty() {
            continue;
        }
        let cjk = !term.is_ascii();
        for (at, _) in lower.match_indices(term.as_str()).take(MAX_HITS_PER_TERM) {
            let starts_word = cjk
                || !lower[..at]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric);
            if !starts_word {
                continue;
            }
            let mut end = at + term.len();
            if !cjk {
                end += lower[end..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric())
                    .map(char::len_utf8)
                    .sum::<usize>();
            }
            hits.push((at, end, t));
        }
    }
    hits.sort_unstable();
    let window_bytes = |from: usize| -> usize {
        text[from..]
            .char_indices()
            .nth(max_chars)
            .map_or(text.len(), |(i, _)| from + i)
    };
    // The window starting at some hit that covers the most distinct terms.
    let mut best: Option<(usize, usize)> = None;
    for (i, &(start, _, _)) in hits.iter().enumerate() {
        let end = window_bytes(start);
        let mut seen: Vec<usize> = hits[i..]
            .iter()
            .take_while(|h| h.1 <= end)
            .map(|h| h.2)
            .collect();
        seen.sort_unstable();
        seen.dedup();
        if best.is_none_or(|(_, n)| seen.len() > n) {
            best = Some((start, seen.len()));
        }
    }
    let Some((first, _)) = best else {
        return crate::corpus::preview(text, max_chars);
    };
    // Lead in a little before the first match, from a word boundary.
    let lead = max_chars / 5;
    let mut start = text[..first]
        .char_indices()
        .rev()
        .nth(lead)
        .map_or(0, |(i, _)| i);
    if start > 0 {
        start = text[start..first]
            .find(char::is_whitespace)
            .map_or(start, |i| start + i + 1);
    }
    let end = window_bytes(start);
    let mut out = String::with_capacity(end - start + 16);
    if start > 0 {
        out.push('…');
    }
    let mut at = start;
    for &(s, e, _) in &hits {
        if s < at || e > end {
            continue;
        }
        out.push_str(&text[at..s]);
        out.push_str("**");
        out.push_str(&text[s..e]);
        out.push_str("**");
        at = e;
    }
    out.push_str(&text[at..end]);
    if end < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::snippet;

    fn t(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn bolds_whole_words_from_stems() {
        let s = snippet(
            "Checkpoints take long. The interval is 60000 ms.",
            &t(&["checkpoint", "interv"]),
            200,
        );
        assert_eq!(
            s,
            "**Checkpoints** take long. The **interval** is 60000 ms."
        );
    }

    #[test]
    fn picks_the_window_with_most_distinct_terms() {
        let text = format!(
            "kpu alone here. {} kpu and parallelism together.",
            "filler ".repeat(40)
        );
        let s = snippet(&text, &t(&["kpu", "parallel"]), 40);
        assert!(s.contains("**kpu** and **parallelism**"), "{s}");
        assert!(s.starts_with('…'));
    }

    #[test]
    fn does_not_match_inside_words_but_matches_cjk() {
        assert_eq!(
            snippet("backpressure", &t(&["pressur"]), 50),
            "backpressure"
        );
        assert_eq!(
            snippet("增量检查点很慢", &t(&["检查", "查点"]), 50),
            "增量**检查**点很慢"
        );
    }

    #[test]
    fn falls_back_to_the_start_and_respects_char_boundaries() {
        assert_eq!(snippet("检查点检查点", &t(&["zzz"]), 3), "检查点…");
    }
}
