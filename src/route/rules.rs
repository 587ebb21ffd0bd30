//! The skill's fixed routing rules: situations in which a reference must be
//! read whatever the scores say. Each rule fires on phrases found in the
//! lowercased question (English or Chinese) and names one reference.

/// One rule: when any trigger occurs in the question, `reference` is routed.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Shown in `why`.
    pub name: &'static str,
    /// Lowercase phrases; any one fires the rule.
    pub triggers: &'static [&'static str],
    /// The reference the rule routes to.
    pub reference: &'static str,
}

/// The rules, from SKILL.md's workflows.
pub const RULES: &[Rule] = &[
    Rule {
        name: "best-practices.md before any code is written",
        triggers: &[
            "write a flink",
            "write an app",
            "write the code",
            "write code",
            "generate code",
            "generate a",
            "scaffold",
            "skeleton",
            "boilerplate",
            "sample code",
            "example code",
            "starter",
            "from scratch",
            "new flink application",
            "new flink app",
            "new flink job",
            "new application",
            "new msf app",
            "写一个",
            "生成代码",
            "示例代码",
            "代码模板",
            "从零",
            "新建应用",
            "新建一个",
        ],
        reference: "best-practices.md",
    },
    Rule {
        name: "dependency-management.md for a new project",
        triggers: &[
            "new project",
            "new application",
            "new flink application",
            "new flink app",
            "new flink job",
            "from scratch",
            "scaffold",
            "pom.xml",
            "maven project",
            "新项目",
            "新建项目",
            "新建应用",
        ],
        reference: "dependency-management.md",
    },
    Rule {
        name: "the Kinesis connector guide for a Kinesis source or sink",
        triggers: &[
            "kinesis data stream",
            "kinesisstreamssource",
            "kinesisstreamssink",
            "flinkkinesisconsumer",
            "kinesis source",
            "kinesis sink",
            "kinesis stream",
            "getrecords",
        ],
        reference: "kinesis-connector-guide.md",
    },
    Rule {
        name: "the EFO guide for enhanced fan-out",
        triggers: &[
            "efo",
            "enhanced fan-out",
            "enhanced fanout",
            "subscribetoshard",
            "registerstreamconsumer",
            "增强型扇出",
            "增强扇出",
        ],
        reference: "kinesis-efo-guide.md",
    },
    Rule {
        name: "the Iceberg connector guide for Iceberg",
        triggers: &["iceberg"],
        reference: "iceberg-connector-guide.md",
    },
    Rule {
        name: "the CDC connector guide for change data capture",
        triggers: &[
            "cdc",
            "debezium",
            "binlog",
            "change data capture",
            "mysql-cdc",
            "postgres-cdc",
            "replication slot",
            "变更数据",
        ],
        reference: "cdc-connector-guide.md",
    },
    Rule {
        name: "the AWS connectors guide for DynamoDB, Firehose, OpenSearch, JDBC and MongoDB",
        triggers: &[
            "dynamodb",
            "firehose",
            "opensearch",
            "elasticsearch",
            "jdbc",
            "mongodb",
            "mongo ",
        ],
        reference: "aws-connectors-guide.md",
    },
    Rule {
        name: "iac-and-deployment.md when an IaC tool is named",
        triggers: &[
            "cloudformation",
            "terraform",
            "aws cdk",
            "cdk ",
            "cdk stack",
            "aws_kinesisanalyticsv2_application",
            "aws::kinesisanalyticsv2",
            "基础设施即代码",
        ],
        reference: "iac-and-deployment.md",
    },
    Rule {
        name: "first-fault-isolation.md for restart loops",
        triggers: &[
            "restart loop",
            "restarting loop",
            "keeps restarting",
            "keep restarting",
            "crash loop",
            "crashloop",
            "restarts every",
            "fullrestarts",
            "numrestarts",
            "反复重启",
            "不断重启",
            "一直重启",
            "重启循环",
            "循环重启",
        ],
        reference: "first-fault-isolation.md",
    },
];

/// The rules that fire on `question_lower` (already lowercased).
pub fn fired(question_lower: &str) -> impl Iterator<Item = &'static Rule> + '_ {
    RULES.iter().filter(move |r| {
        r.triggers
            .iter()
            .any(|t| contains_phrase(question_lower, t))
    })
}

/// Returns true if and only if `phrase` occurs in `text` on word boundaries
/// (for ASCII phrases), so `efo` does not fire inside `before`.
fn contains_phrase(text: &str, phrase: &str) -> bool {
    if !phrase.is_ascii() {
        return text.contains(phrase);
    }
    text.match_indices(phrase).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + phrase.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(q: &str) -> Vec<&'static str> {
        fired(&q.to_lowercase()).map(|r| r.reference).collect()
    }

    #[test]
    fn rules_fire_on_their_situations() {
        assert_eq!(
            refs("Write a Flink application from scratch that reads a Kinesis stream"),
            vec![
                "best-practices.md",
                "dependency-management.md",
                "kinesis-connector-guide.md"
            ]
        );
        assert_eq!(
            refs("job keeps restarting after deploy"),
            vec!["first-fault-isolation.md"]
        );
        assert_eq!(refs("应用一直重启怎么办"), vec!["first-fault-isolation.md"]);
        assert_eq!(refs("Should I use EFO?"), vec!["kinesis-efo-guide.md"]);
    }

    #[test]
    fn phrases_match_on_word_boundaries() {
        assert!(refs("what happens before the checkpoint").is_empty());
        assert!(refs("a cdcx thing").is_empty());
        assert_eq!(refs("MySQL CDC source"), vec!["cdc-connector-guide.md"]);
    }

    #[test]
    fn every_rule_names_a_reference_that_exists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("references");
        for r in RULES {
            assert!(dir.join(r.reference).is_file(), "{}", r.reference);
        }
    }
}
