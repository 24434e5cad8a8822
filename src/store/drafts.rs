//! Unsaved editor drafts, kept per user while they type (the TUI writes them debounced),
//! so a dropped SSH connection or a kill loses at most the last second of edits. Drafts
//! are private working state: writing one does not touch the change log other
//! processes follow.

use super::error::{Context, Result};
use super::tables::*;
use super::Store;
use crate::model::{Actor, FlowSpec};
use chrono::{DateTime, Utc};
use redb::ReadableTable;
use serde::{Deserialize, Serialize};

/// One unsaved edit of a flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// The flow's id (also for a new flow: ids come from the name at creation).
    pub flow_id: String,
    /// The version the edit started from; `None` for a flow not saved yet.
    pub base_version: Option<u32>,
    /// The edited flow.
    pub spec: FlowSpec,
    /// Text of an options editor that was open, with the task id it belongs to
    /// (`None` for the flow's task defaults).
    #[serde(default)]
    pub options: Option<DraftOptions>,
    /// Edits made since the flow was opened.
    pub changes: u32,
    pub saved_at: DateTime<Utc>,
    pub by: Actor,
    pub pid: u32,
}

/// An options editor that was open with unsaved text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftOptions {
    /// `options` (a task's options), `code` (its python_callable) or `defaults` (the
    /// flow's task defaults).
    pub target: String,
    /// The task, for `options` and `code`.
    pub task_id: Option<String>,
    pub text: String,
}

/// Per user, flow and process: two TUIs of one operator keep separate drafts, and a
/// killed process's draft stays until it is restored or discarded.
fn draft_key(user: &str, flow_id: &str, pid: u32) -> String {
    format!("{user}\u{1f}{flow_id}\u{1f}{pid}")
}

impl Draft {
    fn key(&self) -> String {
        draft_key(&self.by.user, &self.flow_id, self.pid)
    }
}

impl Store {
    /// Stores (replaces) this user's draft of `draft.flow_id`.
    pub fn put_draft(&self, draft: &Draft) -> Result<()> {
        let tx = self.write()?;
        {
            let mut table = tx.open_table(DRAFTS).ctx("opening drafts")?;
            let mut draft = draft.clone();
            draft.by = self.actor.clone();
            draft.pid = std::process::id();
            table
                .insert(draft.key().as_str(), encode(&draft)?.as_slice())
                .ctx("writing a draft")?;
        }
        tx.commit().ctx("saving a draft")
    }

    /// Forgets this process's draft of a flow (saved, or the edit was abandoned).
    pub fn remove_draft(&self, flow_id: &str) -> Result<()> {
        self.remove_draft_key(&draft_key(&self.actor.user, flow_id, std::process::id()))
    }

    /// Forgets one draft (restored into an editor, or discarded).
    pub fn discard_draft(&self, draft: &Draft) -> Result<()> {
        self.remove_draft_key(&draft.key())
    }

    fn remove_draft_key(&self, key: &str) -> Result<()> {
        let tx = self.write()?;
        tx.open_table(DRAFTS)
            .ctx("opening drafts")?
            .remove(key)
            .ctx("removing a draft")?;
        tx.commit().ctx("removing a draft")
    }

    /// This user's drafts left by other processes (killed, or their connection
    /// dropped), newest first: what a start-up offers to restore. Drafts of processes
    /// that still run are left to them.
    pub fn my_drafts(&self) -> Result<Vec<Draft>> {
        let me = std::process::id();
        let mut out: Vec<Draft> = self
            .all_drafts()?
            .into_iter()
            .filter(|d| {
                d.by.user == self.actor.user && d.pid != me && !process_alive(d, &self.actor.host)
            })
            .collect();
        out.sort_by_key(|d| std::cmp::Reverse(d.saved_at));
        Ok(out)
    }

    /// Other users' drafts of a flow (someone has unsaved edits of it), and this user's
    /// drafts written by another process.
    pub fn drafts_elsewhere(&self, flow_id: &str) -> Result<Vec<Draft>> {
        let me = std::process::id();
        Ok(self
            .all_drafts()?
            .into_iter()
            .filter(|d| d.flow_id == flow_id && (d.by.user != self.actor.user || d.pid != me))
            .collect())
    }

    /// Every draft of every user (a small table: one row per open, edited flow).
    pub fn all_drafts(&self) -> Result<Vec<Draft>> {
        let tx = self.read()?;
        let table = tx.open_table(DRAFTS).ctx("opening drafts")?;
        let mut out = Vec::new();
        for row in table.iter().ctx("reading drafts")? {
            let (_, v) = row.ctx("reading drafts")?;
            // A draft that no longer decodes (older flowdeck) is skipped, not fatal.
            if let Ok(d) = decode::<Draft>("draft", v.value()) {
                out.push(d);
            }
        }
        Ok(out)
    }
}

/// Whether the process that wrote a draft still runs on this host (`/proc/<pid>`). A
/// draft from another host is never "alive" here.
fn process_alive(draft: &Draft, this_host: &str) -> bool {
    draft.by.host == this_host && std::path::Path::new(&format!("/proc/{}", draft.pid)).exists()
}
