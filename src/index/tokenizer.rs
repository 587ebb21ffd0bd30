//! The text analyzer shared by indexing and querying.
//!
//! `MsfTokenizer` knows the shapes of MSF text: an identifier such as
//! `ParallelismPerKPU`, `execution.checkpointing.interval` or
//! `SHARD_GETRECORDS_MAX` yields its whole form and its parts
//! (`parallelism`, `per`, `kpu`), so both the exact identifier and the words
//! a person would type match. Runs of Chinese, Japanese or Korean characters
//! yield overlapping bigrams, so `检查点` matches inside `增量检查点`.
//! English stemming follows, as a tantivy filter.

use tantivy::tokenizer::{
    Language, LowerCaser, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// Name under which the analyzer is registered in the index.
pub const ANALYZER: &str = "msf";

/// Bumped whenever tokens change, so persisted indexes are rebuilt.
pub const TOKENIZER_VERSION: u32 = 3;

/// Tokens longer than this many bytes (base64, hashes) are dropped.
const MAX_TOKEN_BYTES: usize = 64;

/// Common English words that carry no topic. Kept short on purpose: words
/// such as `per`, `not`, `before` matter in MSF text.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "could", "do", "does",
    "for", "from", "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "me",
    "my", "of", "on", "or", "our", "so", "that", "the", "their", "then", "there", "these", "this",
    "those", "to", "was", "we", "were", "what", "when", "where", "which", "who", "why", "will",
    "with", "would", "you", "your", "many", "much", "should", "need", "also", "just", "about",
    "any",
];

/// Builds the analyzer: identifier- and CJK-aware tokens, lowercased, English-stemmed.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(MsfTokenizer)
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The analyzed tokens of `text`, in order, repeats included.
fn analyzed(text: &str) -> Vec<Token> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().clone());
    }
    out
}

/// Returns the analyzed terms of `text`, in order, repeats included.
pub fn terms(text: &str) -> Vec<String> {
    analyzed(text).into_iter().map(|t| t.text).collect()
}

/// One analyzed term of a text, with where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Analyzed {
    /// The term as indexed (`aw`, `commit`).
    pub term: String,
    /// The words it was made from as the text wrote them, lowercased (`aws`).
    pub surface: String,
    /// The longest other token of the same text that contains it, when it
    /// is a part of one (`commitsfail` for `commit` of `commitsFailed`).
    pub whole: Option<String>,
}

/// Like [`terms`], each with its surface form and the identifier it is a
/// part of, if any.
pub fn terms_with_wholes(text: &str) -> Vec<Analyzed> {
    let raw = analyzed(text);
    raw.iter()
        .map(|t| {
            let (from, to) = (t.offset_from, t.offset_to);
            let whole = raw
                .iter()
                .filter(|w| w.offset_from <= from && to <= w.offset_to)
                .filter(|w| (w.offset_to - w.offset_from) > (to - from))
                .max_by_key(|w| w.offset_to - w.offset_from)
                .map(|w| w.text.clone());
            Analyzed {
                term: t.text.clone(),
                surface: text.get(from..to).unwrap_or(&t.text).to_lowercase(),
                whole,
            }
        })
        .collect()
}

/// See the module documentation.
#[derive(Clone, Debug, Default)]
pub struct MsfTokenizer;

/// Tokens of one text, produced eagerly (texts are sections, so small).
pub struct MsfTokenStream {
    tokens: Vec<Token>,
    next: usize,
    current: Token,
}

impl Tokenizer for MsfTokenizer {
    type TokenStream<'a> = MsfTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> MsfTokenStream {
        MsfTokenStream {
            tokens: tokenize(text),
            next: 0,
            current: Token::default(),
        }
    }
}

impl TokenStream for MsfTokenStream {
    fn advance(&mut self) -> bool {
        match self.tokens.get_mut(self.next) {
            Some(token) => {
                self.current = std::mem::take(token);
                self.next += 1;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

/// Returns true if and only if `c` is written without spaces between words
/// (Han, kana, Hangul), so it is tokenized into bigrams.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF
        | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn is_word(c: char) -> bool {
    (c.is_alphanumeric() || c == '_') && !is_cjk(c)
}

/// Splits `text` into tokens; see the module documentation.
fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut position = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while let Some(&(start, c)) = chars.get(i) {
        if is_cjk(c) {
            let mut j = i;
            while chars.get(j).is_some_and(|&(_, c)| is_cjk(c)) {
                j += 1;
            }
            cjk_run(text, &chars, i, j, &mut position, &mut out);
            i = j;
        } else if is_word(c) {
            // A chunk: word characters joined by single `.` or `-` between them.
            let mut j = i;
            loop {
                while chars.get(j).is_some_and(|&(_, c)| is_word(c)) {
                    j += 1;
                }
                let joins = chars.get(j).is_some_and(|&(_, c)| c == '.' || c == '-')
                    && chars.get(j + 1).is_some_and(|&(_, c)| is_word(c));
                if joins {
                    j += 1;
                } else {
                    break;
                }
            }
            let end = chars.get(j).map_or(text.len(), |&(o, _)| o);
            chunk(text, start, end, &mut position, &mut out);
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

fn cjk_run(
    text: &str,
    chars: &[(usize, char)],
    from: usize,
    to: usize,
    position: &mut usize,
    out: &mut Vec<Token>,
) {
    let end_of = |k: usize| chars.get(k).map_or(text.len(), |&(o, _)| o);
    if to - from == 1 {
        if let Some(&(o, _)) = chars.get(from) {
            push(out, text, o, end_of(from + 1), *position);
            *position += 1;
        }
        return;
    }
    for k in from..to - 1 {
        if let Some(&(o, _)) = chars.get(k) {
            push(out, text, o, end_of(k + 2), *position);
            *position += 1;
        }
    }
}

/// Emits the whole chunk (when compound) and its parts.
fn chunk(text: &str, start: usize, end: usize, position: &mut usize, out: &mut Vec<Token>) {
    let Some(whole) = text.get(start..end) else {
        return;
    };
    let parts = parts(whole);
    if parts.len() > 1 {
        push(out, text, start, end, *position);
        // The digits of a compound (`1_20` of `FLINK-1_20`, `5.0.0` of
        // `5.0.0-1.20`) count as one version, written with dots, not as
        // the bare numbers `1` and `20` that every version table repeats.
    }
    let versions = if parts.len() > 1 {
        versions(whole, &parts)
    } else {
        Vec::new()
    };
    for (version, _) in &versions {
        if *version != whole.to_lowercase() {
            push_owned(out, start, end, *position, version.clone());
        }
    }
    for (k, (ps, pe)) in parts.into_iter().enumerate() {
        let (s, e) = (start + ps, start + pe);
        let word = text.get(s..e).unwrap_or_default();
        if parts_is_stop(word) || versions.iter().any(|(_, ks)| ks.contains(&k)) {
            continue;
        }
        push(out, text, s, e, *position);
        // A plural acronym (`KPUs`, `ENIs`) also counts as its singular.
        if word.len() > 2
            && word.ends_with('s')
            && word[..word.len() - 1]
                .chars()
                .all(|c| c.is_ascii_uppercase())
        {
            push(out, text, s, e - 1, *position);
        }
        *position += 1;
    }
}

fn is_digits(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit())
}

/// Runs of two or more digit parts joined by `.` or `_` (a leading `v`
/// allowed: `v5.0.0`), each as (`a.b.c`, the indices of its parts).
fn versions(whole: &str, parts: &[(usize, usize)]) -> Vec<(String, Vec<usize>)> {
    let mut out = Vec::new();
    let mut run: Vec<(usize, &str)> = Vec::new();
    let flush = |run: &mut Vec<(usize, &str)>, out: &mut Vec<(String, Vec<usize>)>| {
        if run.len() > 1 {
            let text: Vec<&str> = run.iter().map(|&(_, w)| w).collect();
            out.push((text.join("."), run.iter().map(|&(k, _)| k).collect()));
        }
        run.clear();
    };
    let mut last_end: Option<usize> = None;
    for (k, &(ps, pe)) in parts.iter().enumerate() {
        let word = whole.get(ps..pe).unwrap_or_default();
        let joined = last_end
            .and_then(|le| whole.get(le..ps))
            .is_some_and(|sep| sep == "." || sep == "_");
        let digits = word
            .strip_prefix(['v', 'V'])
            .filter(|_| run.is_empty())
            .unwrap_or(word);
        if !is_digits(digits) {
            flush(&mut run, &mut out);
        } else {
            if !joined {
                flush(&mut run, &mut out);
            }
            run.push((k, digits));
        }
        last_end = Some(pe);
    }
    flush(&mut run, &mut out);
    out
}

fn parts_is_stop(word: &str) -> bool {
    word.len() <= 6 && STOP_WORDS.contains(&word.to_lowercase().as_str())
}

/// Byte ranges of the parts of an identifier: split at `.`, `-`, `_` and at
/// case changes (`parallelismPer` → `parallelism|Per`, `HTTPServer` →
/// `HTTP|Server`), but not before a plural `s` (`KPUs`).
fn parts(word: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut start: Option<usize> = None;
    for (k, &(o, c)) in chars.iter().enumerate() {
        if matches!(c, '.' | '-' | '_') {
            if let Some(s) = start.take() {
                out.push((s, o));
            }
            continue;
        }
        let Some(s) = start else {
            start = Some(o);
            continue;
        };
        let prev = chars.get(k.wrapping_sub(1)).map(|&(_, p)| p).unwrap_or(' ');
        let next = chars.get(k + 1).map(|&(_, n)| n);
        let lower_to_upper = prev.is_lowercase() && c.is_uppercase();
        let plural_s = next.is_none_or(|n| !n.is_alphanumeric()) && c == 's';
        let acronym_end = prev.is_uppercase()
            && c.is_uppercase()
            && next.is_some_and(|n| n.is_lowercase())
            && !(next == Some('s') && chars.get(k + 2).is_none_or(|&(_, n)| !n.is_alphanumeric()));
        if (lower_to_upper || acronym_end) && !plural_s {
            out.push((s, o));
            start = Some(o);
        }
    }
    if let Some(s) = start {
        out.push((s, word.len()));
    }
    out
}

fn push_owned(out: &mut Vec<Token>, from: usize, to: usize, position: usize, text: String) {
    if text.len() > MAX_TOKEN_BYTES {
        return;
    }
    out.push(Token {
        offset_from: from,
        offset_to: to,
        position,
        text,
        position_length: 1,
    });
}

fn push(out: &mut Vec<Token>, text: &str, from: usize, to: usize, position: usize) {
    if let Some(t) = text.get(from..to).filter(|t| t.len() <= MAX_TOKEN_BYTES) {
        push_owned(out, from, to, position, t.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::terms;

    fn has(text: &str, want: &[&str]) {
        let got = terms(text);
        for w in want {
            assert!(
                got.iter().any(|g| g == w),
                "{text:?}: missing {w:?} in {got:?}"
            );
        }
    }

    #[test]
    fn camel_case_identifiers_match_whole_and_by_parts() {
        has(
            "ParallelismPerKPU",
            &["parallelismperkpu", "parallel", "per", "kpu"],
        );
        assert_eq!(terms("parallelism per KPU"), vec!["parallel", "per", "kpu"]);
        has("HTTPServer", &["httpserver", "http", "server"]);
        assert_eq!(terms("KPUs"), vec!["kpus", "kpu"]);
        has("ENIs", &["eni"]);
    }

    #[test]
    fn dotted_and_snake_case_keys_match_whole_and_by_parts() {
        has(
            "set execution.checkpointing.interval.",
            &[
                "execution.checkpointing.interv",
                "execut",
                "checkpoint",
                "interval",
            ],
        );
        has(
            "SHARD_GETRECORDS_MAX",
            &["shard_getrecords_max", "shard", "getrecord", "max"],
        );
        has("FLINK-1_20", &["flink-1_20", "flink", "1.20"]);
    }

    #[test]
    fn query_and_text_agree_on_identifiers() {
        let doc = terms("Tune SHARD_GETRECORDS_MAX and execution.checkpointing.interval");
        for q in [
            "shard getrecords max",
            "SHARD_GETRECORDS_MAX",
            "checkpointing interval",
        ] {
            for t in terms(q) {
                assert!(doc.contains(&t), "{q}: {t} not in {doc:?}");
            }
        }
    }

    #[test]
    fn english_is_stemmed_and_stop_words_dropped() {
        assert_eq!(
            terms("the checkpoints are failing"),
            vec!["checkpoint", "fail"]
        );
    }

    #[test]
    fn chinese_becomes_bigrams() {
        assert_eq!(terms("检查点"), vec!["检查", "查点"]);
        has("增量检查点超时", &["检查", "查点", "超时"]);
        assert_eq!(terms("点"), vec!["点"]);
        has(
            "并行度 ParallelismPerKPU 怎么设",
            &["并行", "行度", "parallelismperkpu", "怎么"],
        );
    }

    #[test]
    fn sentence_punctuation_is_not_part_of_words() {
        assert_eq!(terms("interval. Then"), vec!["interval"]);
        assert_eq!(terms("a-b"), vec!["a-b", "b"]);
    }

    #[test]
    fn long_junk_tokens_are_dropped() {
        let junk = "x".repeat(200);
        assert!(terms(&junk).is_empty());
    }

    #[test]
    fn parts_know_the_identifier_they_come_from() {
        let got = super::terms_with_wholes("commitsFailed rose");
        let whole_of = |t: &str| {
            got.iter()
                .find(|a| a.term == t)
                .map(|a| a.whole.clone())
                .unwrap_or_else(|| panic!("{t} missing in {got:?}"))
        };
        assert_eq!(whole_of("commitsfail"), None);
        assert_eq!(whole_of("commit"), Some("commitsfail".to_string()));
        assert_eq!(whole_of("fail"), Some("commitsfail".to_string()));
        assert_eq!(whole_of("rose"), None);
    }
}
