//! The questions a shared database raises: a save refused because someone else saved
//! the flow meanwhile (see their change, merge, save mine anyway, keep editing), and a
//! draft left by a flowdeck that ended without saving (restore, discard, later).

use super::event::ConflictDetails;
use super::flow_editor::{
    Choice, ChoiceDialog, Editor, FlowDialog, OfferedDraft, OptionsDialog, OptionsTarget, TextView,
};
use super::text::one_line;
use super::{Dialog, Effect, Job, MessageBox, Pane, State};
use crate::keymap::Action;
use crate::model::document::{render_document, to_document};
use crate::model::{FlowSpec, Function};
use crate::state::view::options_editor::OptionsEditor;
use crate::store::Base;
use chrono::Local;

fn push(state: &mut State, d: FlowDialog) {
    state.dialogs.push(Dialog::Flow(Box::new(d)));
}

/// A save was refused: ask what to do.
pub(super) fn ask_on_conflict(state: &mut State, details: ConflictDetails) {
    let c = &details.conflict;
    let mut choices = Vec::new();
    let details = Box::new(details.clone());
    if details.base.is_some() && details.theirs.is_some() {
        choices.push((
            "see their change (diff)".to_string(),
            Choice::ShowTheirs(details.clone()),
        ));
        choices.push((
            "apply my edits on top of theirs (merge)".to_string(),
            Choice::Merge(details.clone()),
        ));
    }
    choices.push((
        match c.theirs {
            Some(v) => format!("save mine anyway as a new version (over v{v})"),
            None => "save mine anyway (creates the flow again)".to_string(),
        },
        Choice::SaveMine(details.clone()),
    ));
    choices.push(("keep editing".to_string(), Choice::KeepEditing));
    push(
        state,
        FlowDialog::Choice(ChoiceDialog {
            title: if c.theirs.is_some() {
                "Someone else saved this flow".into()
            } else {
                "Someone else deleted this flow".into()
            },
            body: format!("{c}.\nNothing was saved. What now?"),
            choices,
            selected: 0,
            on_cancel: Choice::KeepEditing,
        }),
    );
}

/// Offers the newest draft left by an ended flowdeck of this user.
pub fn offer_drafts(state: &mut State, mut offered: Vec<OfferedDraft>) {
    if offered.is_empty() {
        return;
    }
    let more = offered.len() - 1;
    let first = offered.remove(0);
    let d = &first.draft;
    let name = one_line(&d.spec.flow.name);
    let when = d.saved_at.with_timezone(&Local).format("%Y-%m-%d %H:%M");
    let from = match d.base_version {
        Some(v) => format!("edits of v{v}"),
        None => "a new flow, never saved".into(),
    };
    let mut body = format!(
        "flowdeck ended without saving your edits of flow `{name}` ({from}, {} change{}, kept at {when} by {}).",
        d.changes,
        if d.changes == 1 { "" } else { "s" },
        crate::model::text::shown(&d.by.label())
    );
    if more > 0 {
        body.push_str(&format!(
            "\n{more} more draft{} will be offered at the next start.",
            if more == 1 { "" } else { "s" }
        ));
    }
    let discard = Box::new(first.draft.clone());
    push(
        state,
        FlowDialog::Choice(ChoiceDialog {
            title: format!("Restore your draft of `{name}`?"),
            body,
            choices: vec![
                (
                    "restore it in the editor".into(),
                    Choice::Restore(Box::new(first)),
                ),
                ("discard it".into(), Choice::Discard(discard)),
                ("decide later (ask at the next start)".into(), Choice::Later),
            ],
            selected: 0,
            on_cancel: Choice::Later,
        }),
    );
}

/// Keys of a choice dialog.
pub(super) fn choice_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    let Some(Dialog::Flow(f)) = state.dialogs.last_mut() else {
        return;
    };
    let FlowDialog::Choice(c) = f.as_mut() else {
        return;
    };
    let n = c.choices.len();
    let chosen = match action {
        Action::MoveDown => {
            c.selected = (c.selected + 1).min(n.saturating_sub(1));
            return;
        }
        Action::MoveUp => {
            c.selected = c.selected.saturating_sub(1);
            return;
        }
        Action::First => {
            c.selected = 0;
            return;
        }
        Action::Last => {
            c.selected = n.saturating_sub(1);
            return;
        }
        Action::Submit | Action::Confirm => match c.choices.get(c.selected) {
            Some((_, choice)) => choice.clone(),
            None => return,
        },
        Action::Cancel | Action::Back => c.on_cancel.clone(),
        _ => return,
    };
    // "see their change" comes back to the question; every other answer ends it.
    if !matches!(chosen, Choice::ShowTheirs(_)) {
        state.dialogs.pop();
    }
    choose(state, chosen, fx);
}

fn choose(state: &mut State, choice: Choice, fx: &mut Vec<Effect>) {
    match choice {
        Choice::ShowTheirs(d) => show_theirs(state, &d),
        Choice::Merge(d) => merge_into_editor(state, &d),
        Choice::SaveMine(d) => {
            let base = match &d.theirs {
                Some(t) => Base::Version(t.flow.version),
                None => Base::New,
            };
            let mut mine = d.mine.clone();
            if let Some(t) = &d.theirs {
                // The editor keeps its original (what the edits date from): should yet
                // another version arrive meanwhile, the next question compares with it.
                mine.flow.version = t.flow.version;
            } else if let Some(ed) = state.flows.editor.as_mut() {
                ed.is_new = true;
            }
            super::flow_editor::store_with_base(state, mine, base, fx);
        }
        Choice::KeepEditing | Choice::Later => {}
        Choice::Restore(offered) => restore(state, *offered, fx),
        Choice::Discard(draft) => {
            let name = one_line(&draft.spec.flow.name);
            let (_, e) = state.start_job("", true, Job::DiscardDraft { draft });
            fx.push(e);
            state.info(format!("discarded your draft of flow `{name}`"));
        }
    }
}

fn library(state: &State) -> Vec<Function> {
    state
        .functions
        .rows
        .iter()
        .map(|r| r.function.clone())
        .collect()
}

fn document(spec: &FlowSpec, functions: &[Function]) -> String {
    render_document(&to_document(spec, functions))
}

/// Base → theirs as a unified diff of the flow documents.
fn show_theirs(state: &mut State, d: &ConflictDetails) {
    let (Some(base), Some(theirs)) = (&d.base, &d.theirs) else {
        return;
    };
    let functions = library(state);
    let (old, new) = (document(base, &functions), document(theirs, &functions));
    let diff = similar::TextDiff::from_lines(&old, &new);
    let mut lines = Vec::new();
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => "- ",
            similar::ChangeTag::Insert => "+ ",
            similar::ChangeTag::Equal => "  ",
        };
        lines.push(super::text::preview_line(&format!(
            "{sign}{}",
            change.value().trim_end_matches('\n')
        )));
    }
    push(
        state,
        FlowDialog::View(TextView {
            title: format!(
                "Their change: v{} → v{} (by {})",
                base.flow.version,
                theirs.flow.version,
                crate::model::text::shown(&d.conflict.by.label())
            ),
            lines,
            scroll: 0,
        }),
    );
}

/// My edits applied on top of theirs, into the editor; conflicts listed. Nothing is
/// saved until the operator presses Ctrl-s again.
fn merge_into_editor(state: &mut State, d: &ConflictDetails) {
    let (Some(base), Some(theirs)) = (&d.base, &d.theirs) else {
        return;
    };
    let merged = crate::model::merge::merge(base, theirs, &d.mine);
    let lib = state.functions.rows.clone();
    if let Some(ed) = state.flows.editor.as_mut() {
        ed.original = theirs.clone();
        ed.is_new = false;
        ed.spec = merged.spec;
        ed.newer = None;
        ed.touch();
        ed.refresh_inputs(&lib);
    }
    let v = theirs.flow.version;
    if merged.conflicts.is_empty() {
        state.info(format!(
            "your edits are applied on top of v{v} with no conflicts; check them and press Ctrl-s to save"
        ));
    } else {
        state.dialogs.push(MessageBox::error(
            format!("Merged onto v{v} with {} conflict{}", merged.conflicts.len(), if merged.conflicts.len() == 1 { "" } else { "s" }),
            format!(
                "Where both of you changed the same thing, their value is kept:\n{}\n\nThe editor now holds the merge; change what you need and press Ctrl-s to save.",
                merged.conflicts.iter().map(|c| format!("• {}", one_line(c))).collect::<Vec<_>>().join("\n")
            ),
        ));
    }
}

/// Opens a draft in the editor (its base as the original, so a save over a newer
/// version is still caught), reopening an options editor that held unsaved text.
fn restore(state: &mut State, offered: OfferedDraft, fx: &mut Vec<Effect>) {
    let OfferedDraft { draft, base } = offered;
    let lib = state.functions.rows.clone();
    // A draft whose flow was deleted meanwhile saves as a new flow again.
    let is_new = draft.base_version.is_none() || base.is_none();
    let mut ed = Editor::open(base.unwrap_or_else(|| draft.spec.clone()), is_new);
    ed.spec = draft.spec.clone();
    ed.touch();
    ed.edits = draft.changes;
    ed.refresh_inputs(&lib);
    state.flows.editor = Some(ed);
    state.focus = Pane::Flows;
    if let Some(o) = &draft.options {
        let task = |id: &Option<String>| {
            id.as_ref()
                .and_then(|id| draft.spec.task(id))
                .map(|t| (t.id.clone(), t.variable_id.clone(), t.mode))
        };
        let dialog = match (o.target.as_str(), task(&o.task_id)) {
            ("options", Some((task_id, var, mode))) => Some(OptionsDialog {
                target: OptionsTarget::Task { task_id },
                title: format!("Options of task `{}`", one_line(&var)),
                editor: OptionsEditor::new(&o.text, mode),
                busy: None,
            }),
            ("code", Some((task_id, var, _))) => Some(OptionsDialog {
                target: OptionsTarget::Code { task_id },
                title: format!("python_callable of task `{}`", one_line(&var)),
                editor: OptionsEditor::code(&o.text),
                busy: None,
            }),
            ("defaults", _) => Some(OptionsDialog {
                target: OptionsTarget::Defaults,
                title: "Task defaults".into(),
                editor: OptionsEditor::defaults(&o.text),
                busy: None,
            }),
            _ => None,
        };
        if let Some(mut dialog) = dialog {
            let original = match &dialog.target {
                OptionsTarget::Task { task_id } => {
                    draft.spec.task(task_id).map(|t| t.options.clone())
                }
                OptionsTarget::Code { task_id } => {
                    draft.spec.task(task_id).map(|t| t.python_callable.clone())
                }
                OptionsTarget::Defaults => Some(draft.spec.flow.defaults.clone()),
            };
            dialog.editor.compare_with(&original.unwrap_or_default());
            push(state, FlowDialog::Options(dialog));
        }
    }
    let name = one_line(&draft.spec.flow.name);
    let (_, e) = state.start_job(
        "",
        true,
        Job::DiscardDraft {
            draft: Box::new(draft),
        },
    );
    fx.push(e);
    state.info(format!(
        "restored your draft of flow `{name}`; Ctrl-s saves it (it is kept again as you edit)"
    ));
}
