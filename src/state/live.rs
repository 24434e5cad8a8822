//! The shared database, live: applying what the watcher reports (other processes'
//! saves, deletes and deploys) to the lists and the open editor, and keeping the
//! editor's unsaved draft in the database while the operator types.

use super::event::StoreUpdate;
use super::flow_editor::{FlowDialog, OptionsTarget};
use super::team::DraftElsewhere;
use super::{Dialog, Effect, Job, State};
use crate::store::{Changed, Draft, DraftOptions};
use chrono::Local;
use std::collections::HashMap;
use std::time::Duration;

/// An unsaved edit is kept this long after the last one at the latest: a dropped
/// connection loses at most this much typing.
pub const DRAFT_DEBOUNCE: Duration = Duration::from_secs(1);

/// The watcher's report: rows change in place, the open editor follows or warns.
pub(super) fn on_store(state: &mut State, update: StoreUpdate, fx: &mut Vec<Effect>) {
    if let Some((library, flows)) = update.reload {
        state.functions.apply(library);
        state.flows.apply(flows);
        return;
    }
    state.team.apply(&update.changes);
    if let Some(functions) = update.functions {
        let usage = update.usage.clone().unwrap_or_default();
        state
            .functions
            .apply(super::LibraryData { functions, usage });
    } else if let Some(usage) = &update.usage {
        state.functions.set_usage(usage);
    }
    for (id, flow, deploy) in update.flows {
        match flow {
            Some(flow) => state.flows.upsert(flow, deploy),
            None => state.flows.remove(&id),
        }
    }
    follow_in_editor(state, &update.changes, fx);
}

/// Someone else saved or deleted the flow open in the editor: a clean editor shows
/// their version at once; one with edits says so (the save will ask how to combine).
fn follow_in_editor(state: &mut State, changes: &[crate::store::Change], fx: &mut Vec<Effect>) {
    let Some(ed) = state.flows.editor.as_ref() else {
        return;
    };
    let flow_id = ed.spec.flow.id.clone();
    let base = ed.original.flow.version;
    let newest = changes.iter().rev().find(|c| {
        !state.team.is_mine(c)
            && matches!(&c.what,
                Changed::FlowSaved { id, .. } | Changed::FlowDeleted { id, .. } if *id == flow_id)
    });
    let Some(change) = newest else {
        return;
    };
    let who = crate::model::text::shown(&change.by.label());
    let at = change.at.with_timezone(&Local).format("%H:%M");
    let text = match &change.what {
        Changed::FlowSaved { version, .. } if ed.is_new || *version > base => format!(
            "{who} saved v{version} at {at} while you edit {}: Ctrl-s will ask how to combine",
            if ed.is_new {
                "a new flow of this name".to_string()
            } else {
                format!("v{base}")
            }
        ),
        Changed::FlowSaved { .. } => return,
        _ => format!("{who} deleted this flow at {at}: Ctrl-s asks before saving it again"),
    };
    let dirty = ed.dirty;
    let saved = matches!(change.what, Changed::FlowSaved { .. });
    if !dirty && saved {
        let (_, e) = state.start_job("", true, Job::LoadFlow { flow_id });
        fx.push(e);
        state.info(format!(
            "{who} saved this flow at {at}; the editor shows their version"
        ));
        return;
    }
    if let Some(ed) = state.flows.editor.as_mut() {
        ed.newer = Some(text.clone());
    }
    state.warn(text);
}

/// Other processes' drafts changed.
pub(super) fn on_drafts(state: &mut State, drafts: HashMap<String, Vec<DraftElsewhere>>) {
    state.team.drafts = drafts;
}

/// On every tick: keep the editor's draft when it changed and the operator paused (or
/// typed for a whole second).
pub(super) fn keep_draft(state: &mut State, fx: &mut Vec<Effect>) {
    let now = state.now;
    let options = open_options_text(state);
    let Some(ed) = state.flows.editor.as_mut() else {
        return;
    };
    let options_changed = options.as_ref().map(|o| &o.text) != ed.kept_options.as_ref();
    if ed.busy.is_some() || (!ed.dirty && options.is_none()) {
        return;
    }
    if ed.edits == ed.kept_edits && !options_changed {
        return;
    }
    if ed
        .kept_at
        .is_some_and(|t| now.saturating_duration_since(t) < DRAFT_DEBOUNCE)
    {
        return;
    }
    // While typing, one small commit a second at most (the row is replaced).
    ed.kept_edits = ed.edits;
    ed.kept_options = options.as_ref().map(|o| o.text.clone());
    ed.kept_at = Some(now);
    let draft = draft_of(ed, options);
    let (_, e) = state.start_job(
        "",
        true,
        Job::SaveDraft {
            draft: Box::new(draft),
        },
    );
    fx.push(e);
}

/// The text of an open options editor that differs from what it opened with.
fn open_options_text(state: &State) -> Option<DraftOptions> {
    state.dialogs.iter().rev().find_map(|d| match d {
        Dialog::Flow(f) => match f.as_ref() {
            FlowDialog::Options(o) if o.editor.is_dirty() => {
                let (target, task_id) = match &o.target {
                    OptionsTarget::Task { task_id } => ("options", Some(task_id.clone())),
                    OptionsTarget::Code { task_id } => ("code", Some(task_id.clone())),
                    OptionsTarget::Defaults => ("defaults", None),
                };
                Some(DraftOptions {
                    target: target.into(),
                    task_id,
                    text: o.editor.text(),
                })
            }
            _ => None,
        },
        _ => None,
    })
}

/// What happens to the editor's draft as flowdeck ends: kept as it is now when the
/// terminal went away (SIGHUP from a dropped SSH connection, SIGTERM), forgotten when the
/// operator chose to quit without saving. `None`: nothing to do.
pub fn draft_at_exit(state: &State) -> Option<Result<Draft, String>> {
    let ed = state.flows.editor.as_ref()?;
    if !state.terminated {
        return ed.kept_at.map(|_| Err(ed.spec.flow.id.clone()));
    }
    let options = open_options_text(state);
    if !ed.dirty && options.is_none() {
        return None;
    }
    Some(Ok(draft_of(ed, options)))
}

/// The editor's draft as the database keeps it (the store stamps who and which process).
/// Unsaved options text counts as one more change.
fn draft_of(ed: &super::flow_editor::Editor, options: Option<DraftOptions>) -> Draft {
    Draft {
        flow_id: ed.spec.flow.id.clone(),
        base_version: (!ed.is_new).then_some(ed.original.flow.version),
        spec: ed.spec.clone(),
        changes: ed.edits + u32::from(options.is_some()),
        options,
        saved_at: chrono::Utc::now(),
        by: crate::model::Actor::default(),
        pid: std::process::id(),
    }
}

/// The job that forgets this process's draft of a flow (saved, or left).
pub(super) fn drop_draft(state: &mut State, flow_id: &str) -> Effect {
    let (_, e) = state.start_job(
        "",
        true,
        Job::DropDraft {
            flow_id: flow_id.to_string(),
        },
    );
    e
}
