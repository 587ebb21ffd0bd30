//! Front matter of a reference: the YAML block between the leading `---` lines.
//!
//! References use a small, strict subset of YAML: `key: scalar`, `key: [a, b]`
//! and block lists (`key:` then `  - item` lines), with plain, double-quoted or
//! single-quoted scalars. Parsing that subset here, rather than pulling in a
//! YAML library, gives every problem an exact line number for `refs --check`.

use std::collections::BTreeMap;

/// The parsed front matter of one reference. Unknown keys are kept in
/// `other` so that `refs --check` can name them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontMatter {
    /// Display title (`title`).
    pub title: Option<String>,
    /// One-line summary (`summary`).
    pub summary: Option<String>,
    /// Situations in which the reference should be read (`load_when`).
    pub load_when: Vec<String>,
    /// Terms people type or paste: identifiers, error strings, Chinese terms (`keywords`).
    pub keywords: Vec<String>,
    /// Related reference file names (`related`).
    pub related: Vec<String>,
    /// Skill name (SKILL.md only, `name`).
    pub name: Option<String>,
    /// Skill description (SKILL.md only, `description`).
    pub description: Option<String>,
    /// The date the reference was last checked against its sources (`verified`, `YYYY-MM-DD`).
    pub verified: Option<String>,
    /// Line of `verified`, for findings about it.
    pub verified_line: usize,
    /// What the reference was checked against: runtimes (`FLINK-1_20`) and the releases it names (`versions`).
    pub versions: Vec<String>,
    /// Any other key, with its raw value and line.
    pub other: BTreeMap<String, usize>,
}

/// One problem in the front matter, with its 1-based line in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line number in the reference file.
    pub line: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// A value as written: one scalar or a list of scalars.
enum Value {
    Scalar(String),
    List(Vec<String>),
}

/// Parses front matter `text` whose first line is line `first_line` of the
/// file. Returns what could be read and every problem found; a problem never
/// stops the parse of the remaining keys.
pub fn parse(text: &str, first_line: usize) -> (FrontMatter, Vec<Problem>) {
    let mut fm = FrontMatter::default();
    let mut problems = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line_no = first_line + i;
        let raw = lines.get(i).copied().unwrap_or_default();
        i += 1;
        let trimmed = raw.trim_end();
        if trimmed.trim().is_empty() || trimmed.trim_start().starts_with('#') {
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            problems.push(problem(
                line_no,
                "indented line outside a list; front matter keys start at column 1",
            ));
            continue;
        }
        let Some((key, rest)) = trimmed.split_once(':') else {
            problems.push(problem(line_no, "expected `key: value`"));
            continue;
        };
        let key = key.trim();
        let rest = rest.trim();
        let value = if rest.is_empty() {
            // A block list follows (or nothing, which is an empty list).
            let mut items = Vec::new();
            while let Some(next) = lines.get(i) {
                let t = next.trim();
                if t.is_empty() || t.starts_with('#') {
                    i += 1;
                    continue;
                }
                if !next.starts_with([' ', '\t', '-']) {
                    break;
                }
                let item_line = first_line + i;
                i += 1;
                match t.strip_prefix('-') {
                    Some(item) if item.is_empty() || item.starts_with(' ') => {
                        match scalar(item.trim()) {
                            Ok(s) => items.push(s),
                            Err(m) => problems.push(problem(item_line, &m)),
                        }
                    }
                    _ => problems.push(problem(
                        item_line,
                        &format!("expected a list item `- value` under `{key}:`"),
                    )),
                }
            }
            Value::List(items)
        } else if let Some(inner) = rest.strip_prefix('[') {
            match inner.strip_suffix(']') {
                Some(inner) => match flow_list(inner) {
                    Ok(items) => Value::List(items),
                    Err(m) => {
                        problems.push(problem(line_no, &m));
                        continue;
                    }
                },
                None => {
                    problems.push(problem(
                        line_no,
                        "flow list must close with `]` on the same line",
                    ));
                    continue;
                }
            }
        } else if rest.starts_with(['|', '>']) {
            problems.push(problem(
                line_no,
                "block scalars (`|`, `>`) are not supported; write the value on one line",
            ));
            continue;
        } else {
            match scalar(rest) {
                Ok(s) => Value::Scalar(s),
                Err(m) => {
                    problems.push(problem(line_no, &m));
                    continue;
                }
            }
        };
        assign(&mut fm, key, value, line_no, &mut problems);
    }
    (fm, problems)
}

fn assign(fm: &mut FrontMatter, key: &str, value: Value, line: usize, problems: &mut Vec<Problem>) {
    let scalar_slot = match key {
        "title" => Some(&mut fm.title),
        "summary" => Some(&mut fm.summary),
        "name" => Some(&mut fm.name),
        "description" => Some(&mut fm.description),
        "verified" => {
            fm.verified_line = line;
            Some(&mut fm.verified)
        }
        _ => None,
    };
    if let Some(slot) = scalar_slot {
        match value {
            Value::Scalar(s) => *slot = Some(s),
            Value::List(_) => problems.push(problem(
                line,
                &format!("`{key}` must be a single line of text, not a list"),
            )),
        }
        return;
    }
    let list_slot = match key {
        "load_when" => Some(&mut fm.load_when),
        "keywords" => Some(&mut fm.keywords),
        "related" => Some(&mut fm.related),
        "versions" => Some(&mut fm.versions),
        _ => None,
    };
    match (list_slot, value) {
        (Some(slot), Value::List(items)) => *slot = items,
        (Some(slot), Value::Scalar(s)) => *slot = vec![s],
        (None, _) => {
            fm.other.insert(key.to_string(), line);
        }
    }
}

fn problem(line: usize, message: &str) -> Problem {
    Problem {
        line,
        message: message.to_string(),
    }
}

/// Reads one scalar: `"double"` (with `\"` and `\\` escapes), `'single'`
/// (with `''`), or plain text up to an unquoted ` #` comment.
fn scalar(s: &str) -> Result<String, String> {
    if let Some(body) = s.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some(other) => out.push(other),
                    None => return Err("unfinished escape in double-quoted value".into()),
                },
                '"' => {
                    let tail = chars.as_str().trim();
                    if tail.is_empty() || tail.starts_with('#') {
                        return Ok(out);
                    }
                    return Err(format!("unexpected text after closing quote: `{tail}`"));
                }
                c => out.push(c),
            }
        }
        return Err("double-quoted value is not closed".into());
    }
    if let Some(body) = s.strip_prefix('\'') {
        let mut out = String::new();
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    out.push('\'');
                    continue;
                }
                let tail: String = chars.collect();
                let tail = tail.trim();
                if tail.is_empty() || tail.starts_with('#') {
                    return Ok(out);
                }
                return Err(format!("unexpected text after closing quote: `{tail}`"));
            }
            out.push(c);
        }
        return Err("single-quoted value is not closed".into());
    }
    let plain = match s.find(" #") {
        Some(at) => &s[..at],
        None => s,
    };
    if plain.contains(": ") {
        return Err(format!(
            "`{plain}` contains `: `; wrap the value in double quotes"
        ));
    }
    if plain.starts_with(['[', '{', '*', '&', '!', '|', '>', '%', '@', '`']) {
        return Err(format!(
            "`{plain}` starts with a YAML indicator; wrap it in double quotes"
        ));
    }
    Ok(plain.trim().to_string())
}

/// Splits the inside of `[a, "b, c", d]` at top-level commas.
fn flow_list(inner: &str) -> Result<Vec<String>, String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    for c in inner.chars() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                current.push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                current.push(c);
            }
            (None, ',') => {
                items.push(scalar(current.trim())?);
                current.clear();
            }
            _ => current.push(c),
        }
    }
    if quote.is_some() {
        return Err("quoted value in a flow list is not closed".into());
    }
    if !current.trim().is_empty() {
        items.push(scalar(current.trim())?);
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_scalars_and_lists() {
        let text = "title: Checkpoint tuning\nsummary: \"When: and why\"\nload_when:\n  - checkpoints are slow\n  - 'it''s failing'\nkeywords: [lastCheckpointDuration, \"a, b\", 检查点]\nrelated:\n  - state-management.md\n";
        let (fm, problems) = parse(text, 2);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(fm.title.as_deref(), Some("Checkpoint tuning"));
        assert_eq!(fm.summary.as_deref(), Some("When: and why"));
        assert_eq!(fm.load_when, vec!["checkpoints are slow", "it's failing"]);
        assert_eq!(
            fm.keywords,
            vec!["lastCheckpointDuration", "a, b", "检查点"]
        );
        assert_eq!(fm.related, vec!["state-management.md"]);
    }

    #[test]
    fn reports_problems_with_file_lines() {
        let text = "title: ok\nsummary: bad: colon\nkeywords:\n  not a list item\nweird: [open\n";
        let (fm, problems) = parse(text, 2);
        assert_eq!(fm.title.as_deref(), Some("ok"));
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![3, 5, 6], "{problems:?}");
        assert!(problems[0].message.contains("double quotes"));
    }

    #[test]
    fn keeps_unknown_keys_for_the_checker() {
        let (fm, problems) = parse("title: t\nauthor: me\n", 2);
        assert!(problems.is_empty());
        assert_eq!(fm.other.get("author"), Some(&3));
    }

    #[test]
    fn escapes_in_double_quotes() {
        let (fm, _) = parse(r#"keywords: ["say \"hi\"", "back\\slash"]"#, 2);
        assert_eq!(fm.keywords, vec![r#"say "hi""#, r"back\slash"]);
    }
}
