//! The flat shape in which clients send a [`Change`]: a `kind` plus optional
//! fields, checked here with errors that name what is missing or misplaced.
//!
//! Some hosts inline `$ref` and drop `oneOf` before the model sees a schema,
//! so the tagged enum's per-kind variants would reach the model as nothing
//! at all. One object with a `kind` enum and optional fields survives any
//! flattening; the rules that a `oneOf` expressed are enforced server-side.
//! The older nested form (`"restore": {"snapshot": "NAME"}`) is still read,
//! so sealed plans and `--change` values written before keep working.

use schemars::JsonSchema;
use serde::Deserialize;

use super::flink::Restore;
use super::plan::Change;

/// What the change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum ChangeKind {
    /// StartApplication.
    Start,
    /// StopApplication.
    Stop,
    /// CreateApplicationSnapshot.
    CreateSnapshot,
    /// DeleteApplicationSnapshot.
    DeleteSnapshot,
    /// UpdateApplication: parallelism, ParallelismPerKPU, autoscaling.
    UpdateParallelism,
    /// UpdateApplication: one runtime property.
    UpdateProperties,
    /// RollbackApplication.
    Rollback,
}

impl ChangeKind {
    fn name(self) -> &'static str {
        match self {
            ChangeKind::Start => "start",
            ChangeKind::Stop => "stop",
            ChangeKind::CreateSnapshot => "create_snapshot",
            ChangeKind::DeleteSnapshot => "delete_snapshot",
            ChangeKind::UpdateParallelism => "update_parallelism",
            ChangeKind::UpdateProperties => "update_properties",
            ChangeKind::Rollback => "rollback",
        }
    }
}

/// How `start` restores state, as the flat form names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum RestoreWord {
    /// From the latest snapshot.
    Latest,
    /// Without state.
    Skip,
    /// From the snapshot named by `name`.
    Snapshot,
}

/// `restore` as sent: a word, or the older `{"snapshot": "NAME"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
enum RestoreArg {
    Word(RestoreWord),
    Nested(Restore),
}

/// A change to an application. Fields other than `kind` apply to some kinds only.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub struct ChangeArgs {
    /// The change.
    kind: ChangeKind,
    /// start: latest, skip, or snapshot (then `name`).
    #[schemars(with = "Option<RestoreWord>")]
    restore: Option<RestoreArg>,
    /// Snapshot name: create_snapshot, delete_snapshot, start with restore=snapshot.
    name: Option<String>,
    /// start: allow dropping state of removed operators.
    allow_non_restored_state: Option<bool>,
    /// stop: at once, without a snapshot.
    force: Option<bool>,
    /// update_parallelism: new Parallelism.
    parallelism: Option<i32>,
    /// update_parallelism: new ParallelismPerKPU (1-8).
    parallelism_per_kpu: Option<i32>,
    /// update_parallelism: autoscaling on or off.
    autoscaling: Option<bool>,
    /// update_properties: property group id.
    group: Option<String>,
    /// update_properties: property key.
    key: Option<String>,
    /// update_properties: new value.
    value: Option<String>,
}

impl ChangeArgs {
    /// The fields that are set, by name.
    fn present(&self) -> Vec<&'static str> {
        [
            ("restore", self.restore.is_some()),
            ("name", self.name.is_some()),
            (
                "allow_non_restored_state",
                self.allow_non_restored_state.is_some(),
            ),
            ("force", self.force.is_some()),
            ("parallelism", self.parallelism.is_some()),
            ("parallelism_per_kpu", self.parallelism_per_kpu.is_some()),
            ("autoscaling", self.autoscaling.is_some()),
            ("group", self.group.is_some()),
            ("key", self.key.is_some()),
            ("value", self.value.is_some()),
        ]
        .into_iter()
        .filter_map(|(n, set)| set.then_some(n))
        .collect()
    }
}

/// The fields each kind reads.
fn fields_of(kind: ChangeKind) -> &'static [&'static str] {
    match kind {
        ChangeKind::Start => &["restore", "name", "allow_non_restored_state"],
        ChangeKind::Stop => &["force"],
        ChangeKind::CreateSnapshot | ChangeKind::DeleteSnapshot => &["name"],
        ChangeKind::UpdateParallelism => &["parallelism", "parallelism_per_kpu", "autoscaling"],
        ChangeKind::UpdateProperties => &["group", "key", "value"],
        ChangeKind::Rollback => &[],
    }
}

/// `field` of a change of `kind`, or the error saying it is required.
fn required<T>(kind: ChangeKind, field: &str, v: Option<T>) -> Result<T, String> {
    v.ok_or_else(|| {
        format!(
            "change kind `{}` needs `{field}`; it reads {}",
            kind.name(),
            fields_of(kind).join(", ")
        )
    })
}

impl TryFrom<ChangeArgs> for Change {
    type Error = String;

    fn try_from(a: ChangeArgs) -> Result<Change, String> {
        let kind = a.kind;
        let allowed = fields_of(kind);
        let stray: Vec<&str> = a
            .present()
            .into_iter()
            .filter(|f| !allowed.contains(f))
            .collect();
        if !stray.is_empty() {
            return Err(format!(
                "change kind `{}` does not take {}; it reads {}",
                kind.name(),
                stray.join(", "),
                if allowed.is_empty() {
                    "no other field".to_string()
                } else {
                    allowed.join(", ")
                }
            ));
        }
        Ok(match kind {
            ChangeKind::Start => {
                let restore = match (required(kind, "restore", a.restore)?, a.name) {
                    (RestoreArg::Word(RestoreWord::Snapshot), Some(n)) => Restore::Snapshot(n),
                    (RestoreArg::Word(RestoreWord::Snapshot), None) => {
                        return Err(
                            "change kind `start` with restore `snapshot` needs `name`: the snapshot to restore from"
                                .to_string(),
                        );
                    }
                    (_, Some(_)) => {
                        return Err(
                            "`name` on a start is the snapshot to restore from: set restore to `snapshot`, or drop `name`"
                                .to_string(),
                        );
                    }
                    (RestoreArg::Word(RestoreWord::Latest), None) => Restore::Latest,
                    (RestoreArg::Word(RestoreWord::Skip), None) => Restore::Skip,
                    (RestoreArg::Nested(r), None) => r,
                };
                Change::Start {
                    restore,
                    allow_non_restored_state: a.allow_non_restored_state.unwrap_or(false),
                }
            }
            ChangeKind::Stop => Change::Stop {
                force: a.force.unwrap_or(false),
            },
            ChangeKind::CreateSnapshot => Change::CreateSnapshot {
                name: required(kind, "name", a.name)?,
            },
            ChangeKind::DeleteSnapshot => Change::DeleteSnapshot {
                name: required(kind, "name", a.name)?,
            },
            ChangeKind::UpdateParallelism => {
                if a.parallelism.is_none()
                    && a.parallelism_per_kpu.is_none()
                    && a.autoscaling.is_none()
                {
                    return Err("change kind `update_parallelism` needs at least one of parallelism, parallelism_per_kpu, autoscaling".to_string());
                }
                Change::UpdateParallelism {
                    parallelism: a.parallelism,
                    parallelism_per_kpu: a.parallelism_per_kpu,
                    autoscaling: a.autoscaling,
                }
            }
            ChangeKind::UpdateProperties => Change::UpdateProperties {
                group: required(kind, "group", a.group)?,
                key: required(kind, "key", a.key)?,
                value: required(kind, "value", a.value)?,
            },
            ChangeKind::Rollback => Change::Rollback {},
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn change(v: serde_json::Value) -> Result<Change, String> {
        serde_json::from_value::<Change>(v).map_err(|e| e.to_string())
    }

    #[test]
    fn flat_forms_give_every_kind() {
        let cases = [
            (
                json!({"kind": "start", "restore": "snapshot", "name": "s1"}),
                Change::Start {
                    restore: Restore::Snapshot("s1".into()),
                    allow_non_restored_state: false,
                },
            ),
            (
                json!({"kind": "start", "restore": "skip", "allow_non_restored_state": true}),
                Change::Start {
                    restore: Restore::Skip,
                    allow_non_restored_state: true,
                },
            ),
            (
                json!({"kind": "stop", "force": true}),
                Change::Stop { force: true },
            ),
            (
                json!({"kind": "create_snapshot", "name": "n"}),
                Change::CreateSnapshot { name: "n".into() },
            ),
            (
                json!({"kind": "delete_snapshot", "name": "n"}),
                Change::DeleteSnapshot { name: "n".into() },
            ),
            (
                json!({"kind": "update_parallelism", "parallelism": 8}),
                Change::UpdateParallelism {
                    parallelism: Some(8),
                    parallelism_per_kpu: None,
                    autoscaling: None,
                },
            ),
            (
                json!({"kind": "update_properties", "group": "g", "key": "k", "value": "v"}),
                Change::UpdateProperties {
                    group: "g".into(),
                    key: "k".into(),
                    value: "v".into(),
                },
            ),
            (json!({"kind": "rollback"}), Change::Rollback {}),
        ];
        for (input, want) in cases {
            assert_eq!(change(input.clone()), Ok(want), "{input}");
        }
    }

    /// What the sealed plan writes reads back unchanged (nested restore included).
    #[test]
    fn serialized_changes_read_back() {
        for c in [
            Change::Start {
                restore: Restore::Snapshot("s".into()),
                allow_non_restored_state: true,
            },
            Change::Start {
                restore: Restore::Latest,
                allow_non_restored_state: false,
            },
            Change::Stop { force: false },
            Change::UpdateParallelism {
                parallelism: None,
                parallelism_per_kpu: Some(2),
                autoscaling: Some(false),
            },
            Change::Rollback {},
        ] {
            let v = serde_json::to_value(&c).unwrap();
            assert_eq!(change(v.clone()), Ok(c), "{v}");
        }
    }

    #[test]
    fn errors_name_what_is_missing_or_misplaced() {
        for (input, says) in [
            (json!({"restore": "latest"}), "missing field `kind`"),
            (json!({"kind": "start"}), "needs `restore`"),
            (
                json!({"kind": "start", "restore": "snapshot"}),
                "needs `name`",
            ),
            (
                json!({"kind": "start", "restore": "latest", "name": "x"}),
                "set restore to `snapshot`",
            ),
            (json!({"kind": "create_snapshot"}), "needs `name`"),
            (
                json!({"kind": "update_properties", "group": "g", "key": "k"}),
                "needs `value`",
            ),
            (json!({"kind": "update_parallelism"}), "at least one of"),
            (
                json!({"kind": "stop", "parallelism": 4}),
                "does not take parallelism; it reads force",
            ),
            (json!({"kind": "rollback", "force": true}), "no other field"),
            (
                json!({"kind": "stop", "forse": true}),
                "unknown field `forse`",
            ),
            (json!({"kind": "reboot"}), "unknown variant `reboot`"),
        ] {
            let err = change(input.clone()).unwrap_err();
            assert!(err.contains(says), "{input}: {err}");
        }
    }
}
