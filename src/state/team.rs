//! What other flowdeck processes on the shared database did: the latest change of each
//! flow and function (who and when, for the lists), and who has unsaved drafts of which
//! flow (for warnings before deleting, and the editor's banner).

use crate::model::Actor;
use crate::store::{Change, Changed};
use chrono::{DateTime, Local, Utc};
use std::collections::HashMap;

/// Someone else's unsaved draft of a flow.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftElsewhere {
    pub flow_id: String,
    pub by: Actor,
    pub saved_at: DateTime<Utc>,
    pub changes: u32,
}

#[derive(Debug, Clone, Default)]
pub struct TeamState {
    /// `flow/<id>` or `function/<id>` → its latest change.
    pub latest: HashMap<String, Change>,
    /// flow id → drafts of it in other processes.
    pub drafts: HashMap<String, Vec<DraftElsewhere>>,
    /// This process, to tell its own changes from others'.
    pub me: Actor,
    pub pid: u32,
}

impl TeamState {
    pub fn new(me: Actor, latest: HashMap<String, Change>) -> TeamState {
        TeamState {
            latest,
            drafts: HashMap::new(),
            me,
            pid: std::process::id(),
        }
    }

    /// True when this process made the change.
    pub fn is_mine(&self, change: &Change) -> bool {
        change.pid == self.pid && change.by == self.me
    }

    /// Records new changes (from the change log, oldest first).
    pub fn apply(&mut self, changes: &[Change]) {
        for c in changes {
            let key = match &c.what {
                Changed::FlowSaved { id, .. }
                | Changed::FlowDeleted { id, .. }
                | Changed::Deploy { flow_id: id, .. } => format!("flow/{id}"),
                Changed::FunctionSaved { id, .. } | Changed::FunctionDeleted { id, .. } => {
                    format!("function/{id}")
                }
            };
            self.latest.insert(key, c.clone());
        }
    }

    /// "saved v4 by alice@bastion just now" for a list row ("by you" for this
    /// process's own change).
    pub fn changed_label(&self, key: &str, now: DateTime<Utc>) -> Option<String> {
        let c = self.latest.get(key)?;
        let who = if self.is_mine(c) {
            "you".to_string()
        } else {
            crate::model::text::shown(&c.by.label())
        };
        Some(format!("{} by {who} {}", c.what.verb(), ago(c.at, now)))
    }

    /// Whether any flow still listed has a recorded change (the list's CHANGED column).
    pub fn any_flow_change(&self) -> bool {
        self.latest
            .values()
            .any(|c| matches!(c.what, Changed::FlowSaved { .. } | Changed::Deploy { .. }))
    }

    /// A paragraph for a confirmation that would delete a flow others are editing;
    /// empty when nobody is.
    pub fn editing_elsewhere(&self, flow_id: &str) -> String {
        let Some(drafts) = self.drafts.get(flow_id).filter(|d| !d.is_empty()) else {
            return String::new();
        };
        let who: Vec<String> = drafts
            .iter()
            .map(|d| {
                format!(
                    "{} (draft from {}, {} change{})",
                    crate::model::text::shown(&d.by.label()),
                    d.saved_at.with_timezone(&Local).format("%H:%M"),
                    d.changes,
                    if d.changes == 1 { "" } else { "s" }
                )
            })
            .collect();
        format!(
            "\n\nWarning: unsaved edits of this flow are open elsewhere: {}. Deleting it leaves them nothing to save to.",
            who.join(", ")
        )
    }
}

/// "just now", "5 min ago", "3 h ago", or the date.
pub fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - at).num_seconds().max(0);
    match secs {
        0..=59 => "just now".into(),
        60..=3599 => format!("{} min ago", secs / 60),
        3600..=86_399 => format!("{} h ago", secs / 3600),
        _ => format!("on {}", at.with_timezone(&Local).format("%Y-%m-%d")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(by: &str, pid: u32, what: Changed) -> Change {
        Change {
            seq: 1,
            at: Utc::now(),
            by: Actor::new(by, "host"),
            pid,
            what,
        }
    }

    #[test]
    fn labels_name_others_and_me() {
        let mut team = TeamState::new(Actor::new("me", "host"), HashMap::new());
        let saved = Changed::FlowSaved {
            id: "dag_1".into(),
            name: "a".into(),
            version: 4,
        };
        team.apply(&[change("alice", 7, saved.clone())]);
        assert_eq!(
            team.changed_label("flow/dag_1", Utc::now()).unwrap(),
            "saved v4 by alice@host just now"
        );
        let pid = team.pid;
        team.apply(&[change("me", pid, saved)]);
        assert_eq!(
            team.changed_label("flow/dag_1", Utc::now()).unwrap(),
            "saved v4 by you just now"
        );
    }

    #[test]
    fn ages_read_like_a_person_would_say_them() {
        let now = Utc::now();
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now - chrono::Duration::minutes(5), now), "5 min ago");
        assert_eq!(ago(now - chrono::Duration::hours(3), now), "3 h ago");
    }
}
