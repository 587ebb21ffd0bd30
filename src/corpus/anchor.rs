//! GitHub-style heading anchors, so `reference.md#anchor` links written for
//! GitHub resolve here too.

/// Returns the GitHub-style anchor of a heading's text: lowercased, letters,
/// digits, `-` and `_` kept (any script, so Chinese headings keep their
/// characters), spaces turned into `-`, everything else dropped.
pub fn anchor_of(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::anchor_of;

    #[test]
    fn matches_github_rules() {
        assert_eq!(
            anchor_of("How do I set `ParallelismPerKPU`?"),
            "how-do-i-set-parallelismperkpu"
        );
        assert_eq!(
            anchor_of("Checkpoints: interval vs. duration"),
            "checkpoints-interval-vs-duration"
        );
        assert_eq!(anchor_of("A -- B"), "a----b");
        assert_eq!(anchor_of("snake_case_key"), "snake_case_key");
        assert_eq!(anchor_of("检查点 调优"), "检查点-调优");
        assert_eq!(anchor_of("  Trim me  "), "trim-me");
    }
}
