//! What a save would change: a unified line diff of two flow documents (the deployed
//! version and the current one) and a one-line summary of tasks and edges added,
//! removed and changed.
//!
//! [`FlowDiff`] and [`DiffSummary`] are computed once per pair of versions; [`DiffView`]
//! draws the visible rows only, so a 5,000-line document scrolls as fast as a short one.

use crate::model::text::one_line;
use crate::model::{FlowSpec, Input, Task};
use similar::{ChangeTag, TextDiff};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Lines of unchanged context around each change, as in `diff -u`.
pub const CONTEXT_LINES: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffLineKind {
    /// `@@ -a,b +c,d @@`
    Hunk,
    Context,
    Added,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: DiffLineKind,
    /// 1-based line number in the old document (context and removed lines).
    pub old_line: Option<usize>,
    /// 1-based line number in the new document (context and added lines).
    pub new_line: Option<usize>,
    /// The line made safe to print: no newline, tabs expanded, controls escaped.
    pub text: String,
}

/// A unified diff of two texts, as display lines.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlowDiff {
    pub lines: Vec<DiffLine>,
    pub added: usize,
    pub removed: usize,
}

impl FlowDiff {
    pub fn new(old: &str, new: &str) -> FlowDiff {
        FlowDiff::with_context(old, new, CONTEXT_LINES)
    }

    pub fn with_context(old: &str, new: &str, context: usize) -> FlowDiff {
        let diff = TextDiff::from_lines(old, new);
        let mut out = FlowDiff::default();
        for hunk in diff.unified_diff().context_radius(context).iter_hunks() {
            out.lines.push(DiffLine {
                kind: DiffLineKind::Hunk,
                old_line: None,
                new_line: None,
                text: hunk.header().to_string(),
            });
            for change in hunk.iter_changes() {
                let kind = match change.tag() {
                    ChangeTag::Equal => DiffLineKind::Context,
                    ChangeTag::Insert => {
                        out.added += 1;
                        DiffLineKind::Added
                    }
                    ChangeTag::Delete => {
                        out.removed += 1;
                        DiffLineKind::Removed
                    }
                };
                out.lines.push(DiffLine {
                    kind,
                    old_line: change.old_index().map(|i| i + 1),
                    new_line: change.new_index().map(|i| i + 1),
                    text: printable(change.value()),
                });
            }
        }
        out
    }

    /// True when the two texts are the same.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Index of the first line of the hunk after (or before, `forward == false`) line
    /// `from`: for `n` / `p` style jumps between changes.
    pub fn next_hunk(&self, from: usize, forward: bool) -> Option<usize> {
        let is_hunk = |i: &usize| self.lines[*i].kind == DiffLineKind::Hunk;
        if forward {
            (from.saturating_add(1)..self.lines.len()).find(is_hunk)
        } else {
            (0..from.min(self.lines.len())).rev().find(is_hunk)
        }
    }
}

/// A document line as it can be printed: trailing newline dropped, tabs expanded (TOML
/// allows them as whitespace), other control characters escaped.
fn printable(line: &str) -> String {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    one_line(&line.replace('\t', "    "))
}

/// What changed between two versions of a flow, by task and edge.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiffSummary {
    /// Variable ids, in the new version's task order.
    pub tasks_added: Vec<String>,
    /// Variable ids, in the old version's task order.
    pub tasks_removed: Vec<String>,
    /// Variable ids (new names) of tasks whose function, mode, code, options or inputs
    /// changed, or that were renamed.
    pub tasks_changed: Vec<String>,
    /// `(old, new)` variable ids of renamed tasks (also in `tasks_changed`).
    pub tasks_renamed: Vec<(String, String)>,
    /// `(from, to)` variable ids.
    pub edges_added: Vec<(String, String)>,
    pub edges_removed: Vec<(String, String)>,
    /// Name, description, schedule, start date, catchup, tags, default options or
    /// unpause-on-deploy changed.
    pub settings_changed: bool,
}

impl DiffSummary {
    /// Compares two versions. Tasks are matched by record id (so a rename is a change),
    /// then, for those left, by variable id (versions imported from documents get fresh
    /// record ids).
    pub fn between(old: &FlowSpec, new: &FlowSpec) -> DiffSummary {
        let mut new_of_old: Vec<Option<usize>> = vec![None; old.tasks.len()];
        let mut matched_new = vec![false; new.tasks.len()];
        let new_by_id: HashMap<&str, usize> = new
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.as_str(), i))
            .collect();
        for (i, t) in old.tasks.iter().enumerate() {
            if let Some(&j) = new_by_id.get(t.id.as_str()) {
                if !matched_new[j] {
                    new_of_old[i] = Some(j);
                    matched_new[j] = true;
                }
            }
        }
        let new_by_var: HashMap<&str, usize> = new
            .tasks
            .iter()
            .enumerate()
            .filter(|(j, _)| !matched_new[*j])
            .map(|(j, t)| (t.variable_id.as_str(), j))
            .collect();
        for (i, t) in old.tasks.iter().enumerate() {
            if new_of_old[i].is_some() {
                continue;
            }
            if let Some(&j) = new_by_var.get(t.variable_id.as_str()) {
                if !matched_new[j] {
                    new_of_old[i] = Some(j);
                    matched_new[j] = true;
                }
            }
        }

        let mut summary = DiffSummary::default();
        for (j, t) in new.tasks.iter().enumerate() {
            if !matched_new[j] {
                summary.tasks_added.push(one_line(&t.variable_id));
            }
        }
        for (i, t) in old.tasks.iter().enumerate() {
            match new_of_old[i] {
                None => summary.tasks_removed.push(one_line(&t.variable_id)),
                Some(j) => {
                    let n = &new.tasks[j];
                    if t.variable_id != n.variable_id {
                        summary
                            .tasks_renamed
                            .push((one_line(&t.variable_id), one_line(&n.variable_id)));
                    }
                    if task_meaning(old, t) != task_meaning(new, n) {
                        summary.tasks_changed.push(one_line(&n.variable_id));
                    }
                }
            }
        }
        // Sort by the new order so the list reads like the flow.
        let position: HashMap<&str, usize> = new
            .tasks
            .iter()
            .enumerate()
            .map(|(j, t)| (t.variable_id.as_str(), j))
            .collect();
        summary
            .tasks_changed
            .sort_by_key(|v| position.get(v.as_str()).copied().unwrap_or(usize::MAX));

        // Edges as pairs of task identities: the new index for matched tasks, so an edge
        // of a renamed task is not reported as removed and added again.
        #[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
        enum Who {
            New(usize),
            OldOnly(usize),
        }
        let old_index: HashMap<&str, usize> = old
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.as_str(), i))
            .collect();
        let old_edges: BTreeSet<(Who, Who)> = old
            .edges
            .iter()
            .filter_map(|e| {
                let who = |id: &str| {
                    let i = *old_index.get(id)?;
                    Some(new_of_old[i].map_or(Who::OldOnly(i), Who::New))
                };
                Some((who(&e.from_task_id)?, who(&e.to_task_id)?))
            })
            .collect();
        let new_edges: BTreeSet<(Who, Who)> = new
            .edges
            .iter()
            .filter_map(|e| {
                Some((
                    Who::New(*new_by_id.get(e.from_task_id.as_str())?),
                    Who::New(*new_by_id.get(e.to_task_id.as_str())?),
                ))
            })
            .collect();
        let name = |w: Who| match w {
            Who::New(j) => one_line(&new.tasks[j].variable_id),
            Who::OldOnly(i) => one_line(&old.tasks[i].variable_id),
        };
        summary.edges_added = new_edges
            .difference(&old_edges)
            .map(|&(a, b)| (name(a), name(b)))
            .collect();
        summary.edges_removed = old_edges
            .difference(&new_edges)
            .map(|&(a, b)| (name(a), name(b)))
            .collect();

        let (a, b) = (&old.flow, &new.flow);
        summary.settings_changed = a.name != b.name
            || a.description != b.description
            || a.schedule != b.schedule
            || a.start_date != b.start_date
            || a.catchup != b.catchup
            || a.tags != b.tags
            || options_meaning(&a.defaults) != options_meaning(&b.defaults)
            || a.unpause_on_deploy != b.unpause_on_deploy;
        summary
    }

    pub fn is_empty(&self) -> bool {
        self.tasks_added.is_empty()
            && self.tasks_removed.is_empty()
            && self.tasks_changed.is_empty()
            && self.edges_added.is_empty()
            && self.edges_removed.is_empty()
            && !self.settings_changed
    }
}

impl std::fmt::Display for DiffSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_empty() {
            return f.write_str("no changes");
        }
        write!(
            f,
            "tasks +{} −{} ~{} · edges +{} −{}",
            self.tasks_added.len(),
            self.tasks_removed.len(),
            self.tasks_changed.len(),
            self.edges_added.len(),
            self.edges_removed.len()
        )?;
        if self.settings_changed {
            f.write_str(" · settings changed")?;
        }
        Ok(())
    }
}

/// What a task means for the DAG, independent of record ids and timestamps: inputs
/// wired from other tasks name them by variable id, options compare as TOML values
/// (so comments and spacing are not changes).
fn task_meaning<'a>(spec: &FlowSpec, t: &'a Task) -> impl PartialEq + 'a {
    let inputs: BTreeMap<&str, String> = t
        .inputs
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Input::Task { task, key } => {
                    format!(
                        "task:{}:{}",
                        spec.var_of(task),
                        key.as_deref().unwrap_or("")
                    )
                }
                other => format!("{other:?}"),
            };
            (k.as_str(), v)
        })
        .collect();
    (
        t.variable_id.clone(),
        t.function_id.clone(),
        t.python_callable.clone(),
        options_meaning(&t.options),
        t.mode,
        inputs,
    )
}

/// Options text as a TOML table when it parses, else the text itself.
fn options_meaning(text: &str) -> Result<toml::Table, String> {
    toml::from_str::<toml::Table>(text).map_err(|_| text.to_string())
}
