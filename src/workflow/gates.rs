//! Gates: which action kinds need which references read first, and the one
//! function, [`check`], that decides whether an action may proceed.
//!
//! A reference counts as read when this session read its current content,
//! or when a receipt for its current content is presented. A reference that
//! changed since it was read must be read again. Fail closed: a reference
//! that is not in the corpus cannot be read, so its gate cannot open.

use std::fmt;

use super::{ReadLog, receipt::Sealer};
pub use crate::api::{Action, GateInfo};
use crate::{
    api::SectionRef,
    corpus::Corpus,
    index::{SearchIndex, Terms},
};

const LIFECYCLE: &[&str] = &["application-lifecycle.md"];
const SCALING: &[&str] = &["scaling-decisions.md", "resource-optimization.md"];
const FIRST_FAULT: &[&str] = &["first-fault-isolation.md"];

impl Action {
    /// Every action kind.
    pub const ALL: [Action; 8] = [
        Action::Start,
        Action::Stop,
        Action::CreateSnapshot,
        Action::DeleteSnapshot,
        Action::Rollback,
        Action::UpdateProperties,
        Action::UpdateParallelism,
        Action::DiagnoseRestartLoop,
    ];

    /// The name used in tools and messages.
    pub fn name(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Stop => "stop",
            Action::CreateSnapshot => "create_snapshot",
            Action::DeleteSnapshot => "delete_snapshot",
            Action::Rollback => "rollback",
            Action::UpdateProperties => "update_properties",
            Action::UpdateParallelism => "update_parallelism",
            Action::DiagnoseRestartLoop => "diagnose_restart_loop",
        }
    }

    /// The references that must be read before this action.
    pub fn references(self) -> &'static [&'static str] {
        match self {
            Action::Start
            | Action::Stop
            | Action::CreateSnapshot
            | Action::DeleteSnapshot
            | Action::Rollback
            | Action::UpdateProperties => LIFECYCLE,
            Action::UpdateParallelism => SCALING,
            Action::DiagnoseRestartLoop => FIRST_FAULT,
        }
    }

    /// Words that find the sections most worth reading for this action.
    fn topic(self) -> &'static str {
        match self {
            Action::Start => "start application restore snapshot ApplicationRestoreConfiguration",
            Action::Stop => "stop application force snapshot",
            Action::CreateSnapshot | Action::DeleteSnapshot => "snapshot create delete retention",
            Action::Rollback => "rollback RollbackApplication previous version",
            Action::UpdateProperties => {
                "runtime properties PropertyGroups EnvironmentProperties update"
            }
            Action::UpdateParallelism => {
                "change Parallelism ParallelismPerKPU autoscaling running application"
            }
            Action::DiagnoseRestartLoop => "restart loop first failure attempt #0",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The gates whose references are among `routed` (so the question touches
/// them), with whether `session` has read them.
pub fn relevant(corpus: &Corpus, routed: &[String], session: Option<&ReadLog>) -> Vec<GateInfo> {
    Action::ALL
        .into_iter()
        .filter(|a| a.references().iter().any(|r| routed.iter().any(|x| x == r)))
        .map(|a| GateInfo {
            action: a,
            needs: a.references().iter().map(|r| r.to_string()).collect(),
            satisfied: session
                .is_some_and(|s| a.references().iter().all(|r| read_now(corpus, s, r))),
        })
        .collect()
}

fn read_now(corpus: &Corpus, session: &ReadLog, reference: &str) -> bool {
    let current = corpus.get(reference).ok().map(|d| d.sha256.as_str());
    current.is_some() && session.sha256_of(reference).as_deref() == current
}

/// One reference still to read.
#[derive(Debug, Clone, PartialEq)]
pub struct Missing {
    /// Reference file name.
    pub reference: String,
    /// Why it does not count as read.
    pub reason: String,
    /// Its sections most worth reading for the action.
    pub sections: Vec<SectionRef>,
}

/// Why an action may not proceed yet.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// The action refused.
    pub action: Action,
    /// The references still to read.
    pub missing: Vec<Missing>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.missing.iter().map(|m| m.reference.as_str()).collect();
        write!(
            f,
            "`{}` needs {} read first.",
            self.action,
            names.join(" and ")
        )?;
        for m in &self.missing {
            write!(f, " {}: {}", m.reference, m.reason)?;
            if !m.sections.is_empty() {
                let anchors: Vec<String> = m
                    .sections
                    .iter()
                    .map(|s| format!("#{}", s.anchor))
                    .collect();
                write!(f, "; start with sections {}", anchors.join(", "))?;
            }
            write!(f, ".")?;
        }
        write!(
            f,
            " Call msf_read for each (whole, or those sections) and pass the receipts it returns."
        )
    }
}

impl std::error::Error for Refusal {}

/// Decides whether `action` may proceed: every reference it needs must have
/// been read, in this session (`session`) or as shown by a receipt in
/// `receipts`, with the content the corpus holds now.
pub fn check(
    action: Action,
    corpus: &Corpus,
    index: Option<&SearchIndex>,
    sealer: &Sealer,
    receipts: &[String],
    session: Option<&ReadLog>,
) -> Result<(), Refusal> {
    let opened: Vec<_> = receipts
        .iter()
        .filter_map(|t| sealer.open(t).ok())
        .collect();
    let mut missing = Vec::new();
    for &reference in action.references() {
        let Ok(doc) = corpus.get(reference) else {
            missing.push(Missing {
                reference: reference.to_string(),
                reason: "not in the served references, so it cannot be read; serve the embedded references".into(),
                sections: Vec::new(),
            });
            continue;
        };
        let by_session = session.and_then(|s| s.sha256_of(reference));
        let receipt = opened.iter().find(|r| r.reference == reference);
        if by_session.as_deref() == Some(doc.sha256.as_str())
            || receipt.is_some_and(|r| r.sha256 == doc.sha256)
        {
            continue;
        }
        let reason = if by_session.is_some() || receipt.is_some() {
            "it changed since it was read".to_string()
        } else if receipts.len() > opened.len() {
            "not read in this session, and a receipt given was not valid".to_string()
        } else {
            "not read in this session and no receipt for it".to_string()
        };
        missing.push(Missing {
            reference: reference.to_string(),
            reason,
            sections: sections_for(action, corpus, index, reference),
        });
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Refusal { action, missing })
    }
}

fn sections_for(
    action: Action,
    corpus: &Corpus,
    index: Option<&SearchIndex>,
    reference: &str,
) -> Vec<SectionRef> {
    let (Some(index), Some(pos)) = (index, corpus.position(reference)) else {
        return Vec::new();
    };
    let Some(doc) = corpus.docs().get(pos) else {
        return Vec::new();
    };
    index
        .search_sections(&Terms::new(action.topic()), Some(pos), 2)
        .map(|(hits, _)| hits)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|h| doc.sections.get(h.section))
        .map(|s| SectionRef {
            heading: s.heading.clone(),
            anchor: s.anchor.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Doc;

    fn corpus(lifecycle: &str) -> Corpus {
        Corpus::from_docs(
            vec![
                Doc::parse("application-lifecycle.md", lifecycle.into()),
                Doc::parse(
                    "scaling-decisions.md",
                    "# S\n\n## Change parallelism\n\nx\n".into(),
                ),
                Doc::parse("resource-optimization.md", "# R\n".into()),
            ],
            "t".into(),
        )
    }

    const LIFE: &str =
        "# L\n\n## How do I start an application with a snapshot restore?\n\nx\n\n## Other\n\ny\n";

    #[test]
    fn unread_references_refuse_with_their_names_and_sections() {
        let c = corpus(LIFE);
        let index = SearchIndex::open_or_build(&c, None).unwrap();
        let sealer = Sealer::random().unwrap();
        let e = check(Action::Start, &c, Some(&index), &sealer, &[], None).unwrap_err();
        assert_eq!(e.missing.len(), 1);
        let text = e.to_string();
        assert!(
            text.contains("`start` needs application-lifecycle.md read first"),
            "{text}"
        );
        assert!(
            text.contains("#how-do-i-start-an-application-with-a-snapshot-restore"),
            "{text}"
        );
        let e = check(Action::UpdateParallelism, &c, None, &sealer, &[], None).unwrap_err();
        let names: Vec<&str> = e.missing.iter().map(|m| m.reference.as_str()).collect();
        assert_eq!(
            names,
            vec!["scaling-decisions.md", "resource-optimization.md"]
        );
    }

    #[test]
    fn a_receipt_or_a_session_read_of_the_current_content_opens_the_gate() {
        let c = corpus(LIFE);
        let sealer = Sealer::random().unwrap();
        let sha = c.get("application-lifecycle.md").unwrap().sha256.clone();
        let receipt = sealer.issue("application-lifecycle.md", &sha, None);
        assert!(check(Action::Stop, &c, None, &sealer, &[receipt], None).is_ok());
        let session = ReadLog::default();
        session.record("application-lifecycle.md", &sha);
        assert!(check(Action::Rollback, &c, None, &sealer, &[], Some(&session)).is_ok());
        // A receipt for another reference does not count.
        let other = sealer.issue("scaling-decisions.md", "x", None);
        assert!(check(Action::Stop, &c, None, &sealer, &[other], None).is_err());
    }

    #[test]
    fn stale_forged_and_missing_references_keep_the_gate_closed() {
        let c = corpus(LIFE);
        let sealer = Sealer::random().unwrap();
        let old = sealer.issue("application-lifecycle.md", "sha-of-an-older-version", None);
        let e = check(Action::Start, &c, None, &sealer, &[old], None).unwrap_err();
        assert!(e.missing[0].reason.contains("changed since"), "{e}");
        let forged = Sealer::random().unwrap().issue(
            "application-lifecycle.md",
            &c.get("application-lifecycle.md").unwrap().sha256,
            None,
        );
        let e = check(Action::Start, &c, None, &sealer, &[forged], None).unwrap_err();
        assert!(e.missing[0].reason.contains("not valid"), "{e}");
        let empty = Corpus::from_docs(vec![Doc::parse("x.md", "# X\n".into())], "t".into());
        let e = check(
            Action::DiagnoseRestartLoop,
            &empty,
            None,
            &sealer,
            &[],
            None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("not in the served references"));
    }

    #[test]
    fn route_reports_the_gates_its_references_open() {
        let c = corpus(LIFE);
        let session = ReadLog::default();
        let gates = relevant(&c, &["scaling-decisions.md".to_string()], Some(&session));
        assert_eq!(gates.len(), 1);
        assert_eq!(gates[0].action, Action::UpdateParallelism);
        assert!(!gates[0].satisfied);
        for r in ["scaling-decisions.md", "resource-optimization.md"] {
            session.record(r, &c.get(r).unwrap().sha256);
        }
        assert!(relevant(&c, &["scaling-decisions.md".to_string()], Some(&session))[0].satisfied);
        assert_eq!(
            relevant(&c, &["application-lifecycle.md".to_string()], None).len(),
            6
        );
    }
}
