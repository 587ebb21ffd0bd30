//! The check's baseline: errors known when a rule was introduced, listed one
//! per line as `rule subject`, so that the rule can gate CI at once while the
//! content work brings the list to zero. A listed error is reported as
//! pending; a line that matches no error any more is itself an error, so the
//! list only shrinks.

use std::collections::BTreeMap;

use super::check::{Finding, Severity};

/// Parsed baseline: `(rule, subject)` → 1-based line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    entries: BTreeMap<(String, String), usize>,
}

impl Baseline {
    /// Parses baseline text; `#` comments and blank lines are skipped.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let mut entries = BTreeMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((rule, subject)) = line.split_once(char::is_whitespace) else {
                return Err(format!(
                    "line {}: expected `rule subject`, e.g. `unsourced checkpoint-tuning.md#anchor`",
                    i + 1
                ));
            };
            let key = (rule.to_string(), subject.trim().to_string());
            if entries.insert(key, i + 1).is_some() {
                return Err(format!("line {}: `{line}` is listed twice", i + 1));
            }
        }
        Ok(Baseline { entries })
    }

    /// Entries listed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is listed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Marks the errors the baseline lists as pending and adds an error for
    /// each line that matches no error (`file` names the baseline in it).
    pub fn apply(&self, findings: &mut Vec<Finding>, file: &str) {
        let mut used = vec![false; self.entries.len()];
        let keys: Vec<&(String, String)> = self.entries.keys().collect();
        for f in findings.iter_mut() {
            if f.severity != Severity::Error {
                continue;
            }
            let key = (f.rule.clone(), f.subject.clone());
            if let Ok(i) = keys.binary_search(&&key) {
                f.severity = Severity::Pending;
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
            }
        }
        for ((key, line), used) in self.entries.iter().zip(used) {
            if !used {
                findings.push(Finding {
                    file: file.to_string(),
                    line: *line,
                    severity: Severity::Error,
                    rule: "stale-baseline".into(),
                    subject: format!("{} {}", key.0, key.1),
                    message: format!(
                        "baseline lists `{} {}` but no such error remains: delete the line (the baseline only shrinks)",
                        key.0, key.1
                    ),
                });
            }
        }
    }

    /// Baseline text listing every error of `findings`.
    pub fn render(findings: &[Finding]) -> String {
        let mut lines: Vec<String> = findings
            .iter()
            .filter(|f| matches!(f.severity, Severity::Error | Severity::Pending))
            .map(|f| format!("{} {}", f.rule, f.subject))
            .collect();
        lines.sort();
        lines.dedup();
        let mut out = String::from(
            "# refs --check baseline: known errors, one `rule subject` a line. Pending, not failing.\n# Fix an error, then delete its line; a line that matches no error fails the check.\n",
        );
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(rule: &str, subject: &str) -> Finding {
        Finding {
            file: "a.md".into(),
            line: 3,
            severity: Severity::Error,
            rule: rule.into(),
            subject: subject.into(),
            message: "m".into(),
        }
    }

    #[test]
    fn listed_errors_are_pending_and_stale_lines_fail() {
        let b = Baseline::parse("# c\n\nunsourced a.md#x\nunsourced a.md#gone\n").expect("parses");
        assert_eq!(b.len(), 2);
        let mut findings = vec![f("unsourced", "a.md#x"), f("unsourced", "a.md#y")];
        b.apply(&mut findings, "baseline.txt");
        assert_eq!(findings[0].severity, Severity::Pending);
        assert_eq!(findings[1].severity, Severity::Error);
        let stale = &findings[2];
        assert_eq!(stale.rule, "stale-baseline");
        assert_eq!(stale.file, "baseline.txt");
        assert_eq!(stale.line, 4);
    }

    #[test]
    fn malformed_and_repeated_lines_are_refused() {
        assert!(Baseline::parse("unsourced\n").is_err());
        assert!(Baseline::parse("a b\na b\n").is_err());
    }

    #[test]
    fn render_round_trips() {
        let findings = vec![
            f("unsourced", "a.md#x"),
            f("contradiction", "a.md#x kpu-memory"),
        ];
        let text = Baseline::render(&findings);
        let b = Baseline::parse(&text).expect("parses");
        let mut again = findings.clone();
        b.apply(&mut again, "b");
        assert!(again.iter().all(|f| f.severity == Severity::Pending));
    }
}
