//! What the Flows pane's keys and jobs do: the list (create, rename, duplicate, delete),
//! the editor (settings, tasks, inputs, edges, graph), its dialogs, saving with a diff,
//! deploying with progress, revisions and rollback.

use super::dialog::{Confirm, Dialog, MessageBox, OnYes};
use super::event::Prepared;
use super::flow_editor::{
    check_schedule_text, describe_literal, free_variable_id, parse_date, parse_literal, parse_tags,
    DiffDialog, Editor, FlowDialog, FlowYes, OptionsDialog, OptionsTarget, PickItem, PickPurpose,
    Picker, RevisionsDialog, SecondField, Section, Setting, TextPrompt, TextPurpose, TextView,
};
use super::flows::Deploying;
use super::input::Field;
use super::text::one_line;
use super::{AirflowHealth, Effect, Job, JobResult, Pane, State};
use crate::keymap::Action;
use crate::model::deploy::{DeployRecord, DeployState};
use crate::model::ident::check_variable_id;
use crate::model::ids::{flow_id_for, new_id};
use crate::model::options::OPTION_SPECS;
use crate::model::template::{check_template, has_jinja_delimiter, has_strings};
use crate::model::validate::{add_implied_edges, describe, find_cycle, validate};
use crate::model::{Edge, FlowSpec, Function, Input, Literal, Mode, StrKind, Task};
use crate::state::view::diff::{DiffSummary, FlowDiff};
use crate::state::view::graph::Direction;
use crate::state::view::options_editor::{Consumed, EditorKind, OptionsEditor};
use crate::store::SaveOutcome;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Key of the editor's entry in `State::dirty`.
const DIRTY_KEY: &str = "flow-editor";

/// Options a new docker task starts with: the two it cannot run without.
const DOCKER_OPTIONS: &str = "image = \"python:3.12-slim\"\ncommand = \"python -c 'print(42)'\"\n";

fn library(state: &State) -> Vec<Function> {
    state
        .functions
        .rows
        .iter()
        .map(|r| r.function.clone())
        .collect()
}

fn push(state: &mut State, d: FlowDialog) {
    state.dialogs.push(Dialog::Flow(Box::new(d)));
}

fn top(state: &mut State) -> Option<&mut FlowDialog> {
    match state.dialogs.last_mut() {
        Some(Dialog::Flow(d)) => Some(d),
        _ => None,
    }
}

/// Keeps `State::dirty` in step with the editor's draft (asked about before quitting).
pub(super) fn sync_dirty(state: &mut State) {
    let what = state
        .flows
        .editor
        .as_ref()
        .filter(|e| e.dirty)
        .map(|e| format!("edits to flow `{}`", one_line(&e.spec.flow.name)));
    if what.as_deref() != state.dirty.get(DIRTY_KEY).map(String::as_str) {
        state.set_dirty(DIRTY_KEY, what);
    }
}

/// The Flows pane's own keys. Returns false for keys every pane handles alike.
pub(super) fn action(state: &mut State, action: Action, fx: &mut Vec<Effect>) -> bool {
    let in_inputs = state
        .flows
        .editor
        .as_ref()
        .is_some_and(|e| e.section == Section::Inputs);
    if action == Action::ToggleKind && !in_inputs {
        // The key is bound pane-wide; say where it works rather than ignore it.
        state.info("t switches the selected input between template and text: open a task's inputs (Enter on a task) first");
        return true;
    }
    if state.flows.editor.is_some() {
        return editor_action(state, action, fx);
    }
    match action {
        Action::Open | Action::MoveRight => open_selected(state, fx),
        Action::MoveLeft => return false_as(state, Action::Back, fx),
        Action::Add => {
            let mut p = prompt("New flow", "", TextPurpose::NewFlow);
            p.note = "The id comes from the name and never changes, even after a rename.".into();
            p.second = Some(Box::new(SecondField {
                field: Field::single(field_label(&TextPurpose::Setting(Setting::Schedule)), ""),
                check: Ok(String::new()),
            }));
            push_prompt(state, p);
        }
        Action::Promote => super::promote::start(state, fx),
        Action::Rename | Action::Duplicate => {
            let Some(row) = state.flows.selected() else {
                state.info("no flow selected");
                return true;
            };
            let flow_id = row.flow.id.clone();
            let name = row.flow.name.clone();
            let version = row.flow.version;
            let p = if action == Action::Rename {
                let mut p = prompt(
                    &format!("Rename flow `{}`", one_line(&name)),
                    &name,
                    TextPurpose::RenameFlow { flow_id, version },
                );
                p.note = "The id stays the same, so Airflow keeps the run history.".into();
                p
            } else {
                prompt(
                    &format!("Duplicate flow `{}` as", one_line(&name)),
                    &format!("{name} copy"),
                    TextPurpose::DuplicateFlow { flow_id },
                )
            };
            push_prompt(state, p);
        }
        Action::Delete => {
            let Some(row) = state.flows.selected() else {
                state.info("no flow selected");
                return true;
            };
            let (flow_id, name, version) =
                (row.flow.id.clone(), row.flow.name.clone(), row.flow.version);
            let elsewhere = state.team.editing_elsewhere(&flow_id);
            state.dialogs.push(Dialog::Confirm(Confirm {
                title: format!("Delete flow `{}`?", one_line(&name)),
                body: format!(
                    "Deletes flow `{}` ({flow_id}) v{version} with its tasks, edges and revisions, and removes its DAG file so Airflow stops scheduling it.\nAirflow keeps the history of runs already made.{elsewhere}",
                    one_line(&name)
                ),
                yes: "delete".into(),
                on_yes: OnYes::Flow(FlowYes::DeleteFlow {
                    flow_id,
                    name,
                    version,
                }),
            }));
        }
        Action::ShowError => {
            if let Some(id) = state.flows.selected().map(|r| r.flow.id.clone()) {
                show_error(state, &id);
            }
        }
        Action::NextSection => state.focus = state.focus.offset(1),
        Action::PrevSection => state.focus = state.focus.offset(-1),
        _ => return false,
    }
    true
}

/// Runs what another key would have done (Left/Right outside the graph are Back/Open).
fn false_as(state: &mut State, action: Action, fx: &mut Vec<Effect>) -> bool {
    super::pane_action(state, action, fx);
    true
}

fn open_selected(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(row) = state.flows.selected() else {
        state.info("no flows yet: press a to create one");
        return;
    };
    let flow_id = row.flow.id.clone();
    let label = format!("opening {}", one_line(&row.flow.name));
    let (_, e) = state.start_job(label, false, Job::LoadFlow { flow_id });
    fx.push(e);
}

fn prompt(title: &str, text: &str, purpose: TextPurpose) -> TextPrompt {
    let multiline = purpose == TextPurpose::Setting(Setting::Description);
    let label = field_label(&purpose);
    TextPrompt {
        title: title.to_string(),
        field: if multiline {
            Field::multi(label, text)
        } else {
            Field::single(label, text)
        },
        purpose,
        note: String::new(),
        check: Ok(String::new()),
        second: None,
        on_second: false,
    }
}

/// What the input box of a prompt holds, for its title (never an empty box).
fn field_label(purpose: &TextPurpose) -> &'static str {
    match purpose {
        TextPurpose::NewFlow
        | TextPurpose::RenameFlow { .. }
        | TextPurpose::DuplicateFlow { .. } => "Flow name",
        TextPurpose::Setting(Setting::Name) => "Flow name",
        TextPurpose::Setting(Setting::Schedule) => "Schedule (cron or @preset; empty: manual only)",
        TextPurpose::Setting(Setting::StartDate) => "Start date (YYYY-MM-DD, UTC)",
        TextPurpose::Setting(Setting::Tags) => "Tags (comma separated)",
        TextPurpose::Setting(Setting::Description) => "Description",
        TextPurpose::Setting(_) => "Value",
        TextPurpose::NewTask { .. } | TextPurpose::RenameTask { .. } => "Task id",
        TextPurpose::Literal { .. } => "Value",
        TextPurpose::Template { .. } => "Template",
        TextPurpose::RunParam { .. } => "Run parameter",
        TextPurpose::OutputKey { .. } => "Key (empty: the whole output)",
    }
}

fn push_prompt(state: &mut State, mut p: TextPrompt) {
    p.check = check_text(state, &p);
    if let Some(second) = &mut p.second {
        second.check = check_second(state, &second.field.text());
    }
    push(state, FlowDialog::Text(p));
}

/// The live check of a prompt's second field (the new flow's schedule), read in words
/// with its next runs as typed.
fn check_second(state: &State, text: &str) -> Result<String, String> {
    let today = state.runs.wall_now().date_naive();
    check_schedule_text(text, today, state.runs.wall_now())
}

/// The live check of a prompt: the reading of what is typed, or what is wrong with it.
fn check_text(state: &State, p: &TextPrompt) -> Result<String, String> {
    let text = p.field.text();
    let ed = state.flows.editor.as_ref();
    match &p.purpose {
        TextPurpose::NewFlow | TextPurpose::DuplicateFlow { .. } => {
            check_flow_name(state, &text, None)
        }
        TextPurpose::RenameFlow { flow_id, .. } => check_flow_name(state, &text, Some(flow_id)),
        TextPurpose::Setting(Setting::Name) => check_flow_name(
            state,
            &text,
            Some(ed.map_or("", |e| e.spec.flow.id.as_str())),
        ),
        TextPurpose::Setting(setting) => check_setting(state, *setting, &text),
        TextPurpose::NewTask { .. } => check_task_id(state, &text, None),
        TextPurpose::RenameTask { task_id } => check_task_id(state, &text, Some(task_id)),
        TextPurpose::Literal { task_id, param } if text.trim().is_empty() => {
            empty_literal(state, task_id, param)
        }
        purpose => check_input_text(purpose, &text),
    }
}

/// An empty literal is no value, never `""` in disguise: the input is removed, so the
/// function's default applies — as an empty field in Airflow's own forms means "not
/// set". A parameter without a default cannot be left empty (the task would fail with
/// a missing argument at run time); `""` is how to pass an empty string.
fn empty_literal(state: &State, task_id: &str, param: &str) -> Result<String, String> {
    let function_param = state
        .flows
        .editor
        .as_ref()
        .and_then(|ed| ed.spec.task(task_id))
        .and_then(|t| t.function_id.as_ref())
        .and_then(|fid| state.functions.rows.iter().find(|r| &r.function.id == fid))
        .and_then(|r| r.function.param(param).cloned());
    match function_param {
        Some(p) => match &p.default {
            Some(d) => Ok(format!(
                "empty: no value, the function's default {} applies (\"\" for an empty string)",
                one_line(d)
            )),
            None => Err(format!(
                "`{}` has no default: type a value (\"\" for an empty string)",
                one_line(param)
            )),
        },
        None => Ok("empty: the input is removed (\"\" for an empty string)".into()),
    }
}

/// A flow name: not empty, not another flow's; the answer names the id it gets
/// (`renaming`: the flow's own id, which it keeps).
fn check_flow_name(state: &State, text: &str, renaming: Option<&str>) -> Result<String, String> {
    let name = text.trim();
    if name.is_empty() {
        return Err("type a name, e.g. `daily sales`".into());
    }
    let taken = state
        .flows
        .rows
        .iter()
        .any(|r| r.flow.name == name && Some(r.flow.id.as_str()) != renaming);
    if taken {
        return Err(format!("a flow named `{}` exists already", one_line(name)));
    }
    Ok(match renaming {
        Some(id) => format!("id {id} (kept)"),
        None => format!("id {}", flow_id_for(name)),
    })
}

/// A flow setting other than its name: schedule (read against the flow's start date
/// and now), start date, tags.
fn check_setting(state: &State, setting: Setting, text: &str) -> Result<String, String> {
    match setting {
        Setting::Schedule => {
            let start = state.flows.editor.as_ref().map_or_else(
                || state.runs.wall_now().date_naive(),
                |e| e.spec.flow.start_date,
            );
            check_schedule_text(text, start, state.runs.wall_now())
        }
        Setting::StartDate => parse_date(text).map(|d| format!("first logical date {d} (UTC)")),
        Setting::Tags => parse_tags(text).map(|t| match t.len() {
            0 => "no tags".to_string(),
            1 => "1 tag".to_string(),
            n => format!("{n} tags"),
        }),
        _ => Ok(String::new()),
    }
}

/// A task id: a Python identifier no other task of the flow has (`renaming`: the task's
/// own record id).
fn check_task_id(state: &State, text: &str, renaming: Option<&str>) -> Result<String, String> {
    let id = text.trim();
    check_variable_id(id)?;
    let taken = state.flows.editor.as_ref().is_some_and(|e| {
        e.spec
            .tasks
            .iter()
            .any(|t| t.variable_id == id && Some(t.id.as_str()) != renaming)
    });
    if taken {
        return Err(format!("this flow already has a task `{id}`"));
    }
    Ok(format!("Python variable and Airflow task_id `{id}`"))
}

/// The value of a task input: literal, template, run parameter or output key.
fn check_input_text(purpose: &TextPurpose, text: &str) -> Result<String, String> {
    match purpose {
        TextPurpose::Literal { .. } => describe_literal(text).map(|d| {
            if parse_literal(text).is_ok_and(|l| has_strings(&l)) {
                format!("{d}: text, the task receives it exactly as typed")
            } else {
                d
            }
        }),
        TextPurpose::Template { .. } => match check_template(text) {
            Ok(()) if has_jinja_delimiter(text) => {
                Ok("template: rendered by Airflow when the task runs".into())
            }
            Ok(()) => Ok("template without {{ … }}: e.g. {{ ds }}, {{ params.day }}".into()),
            Err(e) => Err(format!(
                "{e}; Esc and choose \"Literal value\" to pass it as text"
            )),
        },
        TextPurpose::RunParam { .. } if text.trim().is_empty() => {
            Err("type the name of a run parameter (the run's conf key)".into())
        }
        TextPurpose::RunParam { .. } => Ok(format!("params[\"{}\"]", one_line(text.trim()))),
        TextPurpose::OutputKey { .. } if text.trim().is_empty() => {
            Ok("the whole output (return value)".into())
        }
        TextPurpose::OutputKey { .. } => Ok(format!("output[\"{}\"]", one_line(text.trim()))),
        _ => Ok(String::new()),
    }
}

/// F1 in the options editor: every option the text may hold, with its type, Airflow's
/// default and what it does; Enter adds the chosen one (see
/// [`OptionsEditor::insert_option`]).
fn open_option_list(state: &mut State) {
    let Some(FlowDialog::Options(o)) = top(state) else {
        return;
    };
    let mode = match o.editor.kind() {
        EditorKind::TaskOptions(mode) => Some(mode),
        EditorKind::FlowDefaults => None,
        EditorKind::Code => {
            state.info("this is python code: F1 lists options in a task's options editor (o)");
            return;
        }
    };
    let items = OPTION_SPECS
        .iter()
        .filter(|s| s.applies_to(mode))
        .map(|s| PickItem {
            label: s.key.to_string(),
            detail: format!(
                "{} · default {} — {}",
                s.ty.short(),
                s.airflow_default().unwrap_or("unset"),
                s.help
            ),
            value: s.insert_line(),
        })
        .collect();
    push(
        state,
        FlowDialog::Pick(Picker::new(
            "Options (Enter adds one)",
            items,
            PickPurpose::InsertOption,
        )),
    );
}

/// Keys the top dialog takes before the keymap sees them: the options editor takes
/// everything it can use (Enter, Tab, arrows…), a picker its movement keys.
pub(super) fn raw_key(state: &mut State, ev: KeyEvent) -> bool {
    let Some(d) = top(state) else {
        return false;
    };
    match d {
        FlowDialog::Options(o) => {
            if o.busy.is_some() {
                return ev.code != KeyCode::Esc;
            }
            o.editor.input(ev) == Consumed::Consumed
        }
        FlowDialog::Pick(p) => {
            // Letters filter, so moving takes the arrows or C-p / C-n (as in a shell).
            let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
            match ev.code {
                KeyCode::Up => p.nav.move_by(-1),
                KeyCode::Down => p.nav.move_by(1),
                KeyCode::Char('p') if ctrl => p.nav.move_by(-1),
                KeyCode::Char('n') if ctrl => p.nav.move_by(1),
                KeyCode::PageUp => p.nav.move_by(-10),
                KeyCode::PageDown => p.nav.move_by(10),
                _ => return false,
            }
            true
        }
        _ => false,
    }
}

/// Text typed into the top dialog (the keymap did not claim the key).
pub(super) fn type_into(state: &mut State, ev: KeyEvent) {
    // Feed the key first, then re-check: the check reads the rest of the state.
    let retyped = match top(state) {
        Some(FlowDialog::Text(p)) => p.focused_mut().input(ev).then(|| p.clone()),
        Some(FlowDialog::Pick(p)) => {
            if p.filter.input(ev) {
                p.refilter();
            }
            None
        }
        _ => None,
    };
    if let Some(snapshot) = retyped {
        let check = check_text(state, &snapshot);
        let second = snapshot
            .second
            .as_ref()
            .map(|s| check_second(state, &s.field.text()));
        if let Some(FlowDialog::Text(p)) = top(state) {
            p.check = check;
            if let (Some(s), Some(c)) = (&mut p.second, second) {
                s.check = c;
            }
        }
    }
}

/// An action for the Flows dialog on top.
pub(super) fn dialog_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    if action == Action::Help {
        state.help = Some(super::Help::default());
        return;
    }
    let Some(d) = top(state) else {
        return;
    };
    match d {
        FlowDialog::Choice(_) => super::conflicts::choice_action(state, action, fx),
        FlowDialog::Text(p) => match action {
            // Esc in the task-id step goes back one step, to the function picker.
            Action::Cancel if matches!(p.purpose, TextPurpose::NewTask { .. }) => {
                state.dialogs.pop();
                open_task_picker(state);
            }
            Action::Cancel => {
                state.dialogs.pop();
            }
            Action::OptionList => {
                state.info("F1 lists the options in an options editor (o on a task)");
            }
            Action::Submit if p.field.multiline => p.field.newline(),
            // Two fields: Tab / BackTab switch; Enter on the first goes to the second.
            Action::Complete | Action::PrevField if p.second.is_some() => {
                p.on_second = !p.on_second;
            }
            // (A name that is wrong stays: the accept below says why.)
            Action::Submit if p.second.is_some() && !p.on_second && p.check.is_ok() => {
                p.on_second = true;
            }
            Action::Submit | Action::Save => {
                let p = p.clone();
                accept_text(state, p, fx);
            }
            _ => {}
        },
        FlowDialog::Pick(p) => match action {
            Action::Cancel => {
                state.dialogs.pop();
            }
            Action::Submit | Action::Save | Action::Confirm => {
                let Some(item) = p.chosen().cloned() else {
                    return;
                };
                let purpose = p.purpose.clone();
                state.dialogs.pop();
                picked(state, purpose, item, fx);
            }
            _ => {}
        },
        FlowDialog::Options(o) => match action {
            Action::Cancel if o.busy.is_some() => {
                // Stop waiting for python3; its answer will find no dialog.
                o.busy = None;
            }
            Action::Cancel if o.editor.is_dirty() => state.dialogs.push(Dialog::Confirm(Confirm {
                title: "Discard the changes?".into(),
                body: "The text in the editor has not been applied (Ctrl-s applies it).".into(),
                yes: "discard".into(),
                on_yes: OnYes::Flow(FlowYes::DiscardOptions),
            })),
            Action::Cancel => {
                state.dialogs.pop();
            }
            Action::Save => apply_options(state, fx),
            Action::OptionList => open_option_list(state),
            _ => {}
        },
        FlowDialog::Diff(dd) => {
            let len = dd.diff.lines.len();
            match action {
                Action::Confirm | Action::Submit | Action::Save => {
                    let spec = dd.spec.clone();
                    state.dialogs.pop();
                    store(state, spec, fx);
                }
                Action::Cancel | Action::Back => {
                    state.dialogs.pop();
                    state.flows.quit_after_save = None;
                    state.info("not saved; your edits are kept");
                }
                // `p`: save and deploy, but leave it paused in Airflow (no run starts).
                Action::TogglePause if dd.starts_run.is_some() => {
                    let mut spec = dd.spec.clone();
                    spec.flow.unpause_on_deploy = false;
                    state.dialogs.pop();
                    store(state, spec, fx);
                    state.info("deploying paused: no run starts until you unpause it (p in Runs)");
                }
                Action::MoveDown => dd.scroll = (dd.scroll + 1).min(len.saturating_sub(1)),
                Action::MoveUp => dd.scroll = dd.scroll.saturating_sub(1),
                Action::PageDown => dd.scroll = (dd.scroll + 10).min(len.saturating_sub(1)),
                Action::PageUp => dd.scroll = dd.scroll.saturating_sub(10),
                Action::First => dd.scroll = 0,
                Action::Last => dd.scroll = len.saturating_sub(1),
                _ => {}
            }
        }
        FlowDialog::Revisions(r) => match action {
            Action::Cancel | Action::Back => {
                state.dialogs.pop();
            }
            Action::MoveDown => r.nav.move_by(1),
            Action::MoveUp => r.nav.move_by(-1),
            Action::PageDown => r.nav.move_by(10),
            Action::PageUp => r.nav.move_by(-10),
            Action::First => r.nav.first(),
            Action::Last => r.nav.last(),
            Action::Submit | Action::Confirm => {
                let Some(rev) = r
                    .nav
                    .selected_row()
                    .and_then(|i| r.revisions.get(i))
                    .cloned()
                else {
                    return;
                };
                state.dialogs.pop();
                rollback(state, &rev, fx);
            }
            _ => {}
        },
        FlowDialog::View(v) => match action {
            Action::MoveDown => v.scroll = (v.scroll + 1).min(v.lines.len().saturating_sub(1)),
            Action::MoveUp => v.scroll = v.scroll.saturating_sub(1),
            Action::PageDown => v.scroll = (v.scroll + 10).min(v.lines.len().saturating_sub(1)),
            Action::PageUp => v.scroll = v.scroll.saturating_sub(10),
            Action::First => v.scroll = 0,
            Action::Last => v.scroll = v.lines.len().saturating_sub(1),
            Action::Cancel | Action::Submit | Action::Back | Action::Confirm => {
                state.dialogs.pop();
            }
            _ => {}
        },
    }
}

fn accept_text(state: &mut State, p: TextPrompt, fx: &mut Vec<Effect>) {
    let check = check_text(state, &p);
    if let Err(e) = check {
        if let Some(FlowDialog::Text(t)) = top(state) {
            t.check = Err(e);
            t.on_second = false;
        }
        return;
    }
    let schedule = match &p.second {
        Some(s) => match check_second(state, &s.field.text()) {
            Ok(_) => s.field.text().trim().to_string(),
            Err(e) => {
                if let Some(FlowDialog::Text(t)) = top(state) {
                    t.on_second = true;
                    if let Some(s) = &mut t.second {
                        s.check = Err(e);
                    }
                }
                return;
            }
        },
        None => String::new(),
    };
    let text = p.field.text();
    let trimmed = text.trim().to_string();
    state.dialogs.pop();
    match p.purpose {
        TextPurpose::NewFlow => {
            let today = chrono::Utc::now().date_naive();
            let mut ed = Editor::new_flow(&trimmed, today);
            ed.spec.flow.schedule = schedule;
            state.flows.editor = Some(ed);
            state.focus = Pane::Flows;
            state.info(format!(
                "new flow `{}` ({}): add tasks with a, Ctrl-s saves and deploys",
                one_line(&trimmed),
                flow_id_for(&trimmed)
            ));
        }
        TextPurpose::RenameFlow { flow_id, version } => {
            let label = format!("renaming to {}", one_line(&trimmed));
            let (_, e) = state.start_job(
                label,
                false,
                Job::RenameFlow {
                    flow_id,
                    name: trimmed,
                    version,
                },
            );
            fx.push(e);
        }
        TextPurpose::DuplicateFlow { flow_id } => {
            let label = format!("duplicating as {}", one_line(&trimmed));
            let (_, e) = state.start_job(
                label,
                false,
                Job::DuplicateFlow {
                    flow_id,
                    name: trimmed,
                },
            );
            fx.push(e);
        }
        TextPurpose::Setting(s) => edit(state, |ed| {
            let f = &mut ed.spec.flow;
            match s {
                Setting::Name => f.name = trimmed.clone(),
                Setting::Description => f.description = text.trim_end().to_string(),
                Setting::Schedule => f.schedule = trimmed.clone(),
                Setting::StartDate => {
                    if let Ok(d) = parse_date(&trimmed) {
                        f.start_date = d;
                    }
                }
                Setting::Tags => f.tags = parse_tags(&trimmed).unwrap_or_default(),
                Setting::Catchup | Setting::Defaults | Setting::UnpauseOnDeploy => {}
            }
            Ok(())
        }),
        TextPurpose::NewTask { function_id } => {
            let needs_inputs = function_id.as_ref().is_some_and(|fid| {
                state.functions.rows.iter().any(|r| {
                    &r.function.id == fid && r.function.params.iter().any(|p| p.required())
                })
            });
            let var = trimmed.clone();
            edit(state, |ed| {
                let now = chrono::Utc::now();
                let mode = if function_id.is_some() {
                    Mode::Python
                } else {
                    Mode::Docker
                };
                let task = Task {
                    id: new_id("task"),
                    flow_id: ed.spec.flow.id.clone(),
                    function_id: function_id.clone(),
                    variable_id: var.clone(),
                    python_callable: String::new(),
                    options: if mode == Mode::Docker {
                        DOCKER_OPTIONS.to_string()
                    } else {
                        String::new()
                    },
                    mode,
                    inputs: Default::default(),
                    position: u32::try_from(ed.spec.tasks.len()).unwrap_or(u32::MAX),
                    created_at: now,
                    updated_at: now,
                };
                let id = task.id.clone();
                ed.spec.tasks.push(task);
                ed.touch();
                ed.select_task_id(&id);
                ed.section = Section::Tasks;
                Ok(())
            });
            if needs_inputs {
                state.info(format!(
                    "added task `{var}`; Enter shows its inputs to give its parameters values"
                ));
            } else {
                state.info(format!("added task `{var}`"));
            }
        }
        TextPurpose::RenameTask { task_id } => edit(state, |ed| {
            if let Some(t) = ed.spec.tasks.iter_mut().find(|t| t.id == task_id) {
                t.variable_id = trimmed.clone();
            }
            Ok(())
        }),
        // A literal is text: the task receives what was typed. `t` makes it a template.
        // Empty: no value (the check said what applies instead).
        TextPurpose::Literal { task_id, param } if trimmed.is_empty() => {
            set_input(state, &task_id, &param, None);
        }
        TextPurpose::Literal { task_id, param } => {
            let value = parse_literal(&text).unwrap_or(Literal::Str(text.clone()));
            set_input(
                state,
                &task_id,
                &param,
                Some(Input::Value {
                    value,
                    strings: StrKind::Text,
                }),
            );
        }
        TextPurpose::Template { task_id, param } => set_input(
            state,
            &task_id,
            &param,
            Some(Input::Value {
                value: Literal::Str(text.clone()),
                strings: StrKind::Template,
            }),
        ),
        TextPurpose::RunParam { task_id, param } => set_input(
            state,
            &task_id,
            &param,
            Some(Input::Param { name: trimmed }),
        ),
        TextPurpose::OutputKey {
            task_id,
            param,
            from,
        } => set_input(
            state,
            &task_id,
            &param,
            Some(Input::Task {
                task: from,
                key: (!trimmed.is_empty()).then_some(trimmed),
            }),
        ),
    }
}

/// Changes the draft; an `Err` (a refusal) undoes the change and is shown.
fn edit(state: &mut State, f: impl FnOnce(&mut Editor) -> Result<(), String>) {
    let Some(ed) = state.flows.editor.as_mut() else {
        return;
    };
    let before = ed.spec.clone();
    match f(ed) {
        Ok(()) => ed.touch(),
        Err(e) => {
            ed.spec = before;
            ed.touch();
            state.dialogs.push(MessageBox::error("Refused", e));
        }
    }
    let lib = state.functions.rows.clone();
    if let Some(ed) = state.flows.editor.as_mut() {
        ed.refresh_inputs(&lib);
    }
}

/// Sets (or clears) one input; wiring from a task adds the edge, refused when it would
/// close a cycle.
fn set_input(state: &mut State, task_id: &str, param: &str, input: Option<Input>) {
    edit(state, |ed| {
        let Some(t) = ed.spec.tasks.iter_mut().find(|t| t.id == task_id) else {
            return Err("the task is no longer in the flow".into());
        };
        match input {
            Some(i) => {
                t.inputs.insert(param.to_string(), i);
            }
            None => {
                t.inputs.remove(param);
            }
        }
        let added = add_implied_edges(&mut ed.spec);
        if added > 0 {
            if let Some(cycle) = find_cycle(&ed.spec) {
                return Err(format!(
                    "Wiring `{param}` from that task would make the tasks wait for each other: {}.",
                    cycle.join(" → ")
                ));
            }
        }
        Ok(())
    });
}

fn picked(state: &mut State, purpose: PickPurpose, item: PickItem, fx: &mut Vec<Effect>) {
    if purpose == PickPurpose::Environment {
        super::environment::switch(state, &item.value, fx);
        return;
    }
    if purpose == PickPurpose::InsertOption {
        if let Some(FlowDialog::Options(o)) = top(state) {
            o.editor.insert_option(&item.label, &item.value);
        }
        return;
    }
    let Some(ed) = state.flows.editor.as_ref() else {
        return;
    };
    match purpose {
        PickPurpose::TaskFunction => {
            let (function_id, base) = if item.value.is_empty() {
                (None, "docker_task".to_string())
            } else {
                let base = state
                    .functions
                    .rows
                    .iter()
                    .find(|r| r.function.id == item.value)
                    .map_or_else(|| item.label.clone(), |r| r.function.function.clone());
                (Some(item.value.clone()), base)
            };
            let suggested = free_variable_id(&ed.spec, &base);
            let mut p = prompt(
                &format!("Task id for {}", one_line(&item.label)),
                &suggested,
                TextPurpose::NewTask { function_id },
            );
            p.note = "A Python identifier, unique in the flow; it is the Airflow task_id.".into();
            push_prompt(state, p);
        }
        PickPurpose::InputKind { task_id, param } => {
            let current = ed
                .spec
                .task(&task_id)
                .and_then(|t| t.inputs.get(&param))
                .cloned();
            let title = |what: &str| format!("{what} for `{}`", one_line(&param));
            match item.value.as_str() {
                "literal" => {
                    let text = match &current {
                        Some(Input::Value {
                            value: Literal::Str(s),
                            strings: StrKind::Text,
                        }) => s.clone(),
                        Some(Input::Value { value, .. }) if !matches!(value, Literal::Str(_)) => {
                            value.to_toml().to_string()
                        }
                        _ => String::new(),
                    };
                    let mut p = prompt(
                        &title("Literal value"),
                        &text,
                        TextPurpose::Literal { task_id, param },
                    );
                    p.note =
                        "TOML: 100, true, \"text\", [1, 2], { a = 1 }; other text is a string."
                            .into();
                    push_prompt(state, p);
                }
                "template" => {
                    let text = match &current {
                        Some(Input::Value {
                            value: Literal::Str(s),
                            strings: StrKind::Template,
                        }) => s.clone(),
                        _ => "{{ ds }}".to_string(),
                    };
                    let mut p = prompt(
                        &title("Airflow template"),
                        &text,
                        TextPurpose::Template { task_id, param },
                    );
                    p.note = "Jinja rendered by Airflow: {{ ds }}, {{ data_interval_start }}, {{ params.x }}".into();
                    push_prompt(state, p);
                }
                "param" => {
                    let text = match &current {
                        Some(Input::Param { name }) => name.clone(),
                        _ => param.clone(),
                    };
                    let mut p = prompt(
                        &title("Run parameter"),
                        &text,
                        TextPurpose::RunParam { task_id, param },
                    );
                    p.note = "The key of the run's conf (params) to read.".into();
                    push_prompt(state, p);
                }
                "task" => {
                    let items: Vec<PickItem> = ed
                        .spec
                        .tasks
                        .iter()
                        .filter(|t| t.id != task_id)
                        .map(|t| PickItem {
                            label: t.variable_id.clone(),
                            detail: task_detail(state, t),
                            value: t.id.clone(),
                        })
                        .collect();
                    if items.is_empty() {
                        state.info("the flow has no other task to read from; add one first");
                        return;
                    }
                    push(
                        state,
                        FlowDialog::Pick(Picker::new(
                            title("Upstream task"),
                            items,
                            PickPurpose::InputTask { task_id, param },
                        )),
                    );
                }
                _ => set_input(state, &task_id, &param, None),
            }
        }
        PickPurpose::InputTask { task_id, param } => {
            let mut p = prompt(
                &format!("Key in `{}`'s output (optional)", one_line(&item.label)),
                "",
                TextPurpose::OutputKey {
                    task_id,
                    param,
                    from: item.value.clone(),
                },
            );
            p.note = "Empty: the whole return value. A key: one entry of a returned dict.".into();
            push_prompt(state, p);
        }
        PickPurpose::EdgeFrom => {
            // Only edges that do not exist yet.
            let exists = |to: &str| {
                ed.spec
                    .edges
                    .iter()
                    .any(|e| e.from_task_id == item.value && e.to_task_id == to)
            };
            let items: Vec<PickItem> = ed
                .spec
                .tasks
                .iter()
                .filter(|t| t.id != item.value && !exists(&t.id))
                .map(|t| PickItem {
                    label: t.variable_id.clone(),
                    detail: task_detail(state, t),
                    value: t.id.clone(),
                })
                .collect();
            if items.is_empty() {
                state.info(format!(
                    "`{}` has an edge to every other task already",
                    one_line(&item.label)
                ));
                return;
            }
            push(
                state,
                FlowDialog::Pick(Picker::new(
                    format!("Edge {} → which task?", one_line(&item.label)),
                    items,
                    PickPurpose::EdgeTo { from: item.value },
                )),
            );
        }
        PickPurpose::EdgeTo { from } => add_edge(state, &from, &item.value),
        PickPurpose::InsertOption | PickPurpose::Environment => {}
    }
}

fn add_edge(state: &mut State, from: &str, to: &str) {
    let Some(ed) = state.flows.editor.as_ref() else {
        return;
    };
    if ed
        .spec
        .edges
        .iter()
        .any(|e| e.from_task_id == from && e.to_task_id == to)
    {
        state.info("that edge is there already");
        return;
    }
    let (f, t) = (
        ed.spec.var_of(from).to_string(),
        ed.spec.var_of(to).to_string(),
    );
    edit(state, |ed| {
        ed.spec.edges.push(Edge {
            id: new_id("edge"),
            flow_id: ed.spec.flow.id.clone(),
            from_task_id: from.to_string(),
            to_task_id: to.to_string(),
        });
        match find_cycle(&ed.spec) {
            Some(cycle) => Err(format!(
                "The edge {f} → {t} would close a cycle: {}.\nAirflow runs a flow only when its tasks form no cycle.",
                cycle.join(" → ")
            )),
            None => {
                let n = ed.spec.edges.len();
                ed.edges.refilter(n, |_| true);
                ed.edges.last();
                Ok(())
            }
        }
    });
}

/// One line about a task for pickers and lists: its function's signature or its image.
fn task_detail(state: &State, t: &Task) -> String {
    match (&t.function_id, t.mode) {
        (_, Mode::Docker) => "docker".to_string(),
        (Some(fid), _) => state
            .functions
            .rows
            .iter()
            .find(|r| &r.function.id == fid)
            .map_or_else(|| "(function missing)".into(), |r| r.signature()),
        (None, _) => String::new(),
    }
}

fn editor_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) -> bool {
    let Some((busy, section)) = state
        .flows
        .editor
        .as_ref()
        .map(|e| (e.busy.is_some(), e.section))
    else {
        return false;
    };
    if busy && changes_the_flow(action) {
        state.info("saving… one moment");
        return true;
    }
    match action {
        Action::Save => save(state, fx),
        Action::NextSection => cycle_section(state, section, true),
        Action::PrevSection => cycle_section(state, section, false),
        Action::Revisions => open_revisions(state, fx),
        Action::ShowError => {
            if let Some(id) = state.flows.editor.as_ref().map(|e| e.spec.flow.id.clone()) {
                show_error(state, &id);
            }
        }
        _ => {
            return match section {
                Section::Settings => settings_action(state, action, fx),
                Section::Tasks => tasks_action(state, action, fx),
                Section::Graph => graph_action(state, action, fx),
                Section::Inputs => inputs_action(state, action, fx),
                Section::Edges => edges_action(state, action, fx),
            }
        }
    }
    true
}

/// Keys that change the flow or start a job: refused while a save is running.
fn changes_the_flow(action: Action) -> bool {
    matches!(
        action,
        Action::Add
            | Action::Delete
            | Action::Edit
            | Action::Rename
            | Action::Options
            | Action::Code
            | Action::Save
            | Action::Open
            | Action::Submit
    )
}

/// Tab / Shift-Tab: the next or previous section (Inputs counts as Tasks).
fn cycle_section(state: &mut State, section: Section, forward: bool) {
    let Some(ed) = state.flows.editor.as_mut() else {
        return;
    };
    let cur = if section == Section::Inputs {
        Section::Tasks
    } else {
        section
    };
    let i = Section::CYCLE.iter().position(|s| *s == cur).unwrap_or(0);
    let n = Section::CYCLE.len();
    let next = if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    };
    ed.section = Section::CYCLE[next];
}

/// `R`: reads the flow's revisions (a new flow has none yet).
fn open_revisions(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(ed) = state.flows.editor.as_ref() else {
        return;
    };
    if ed.is_new {
        state.info("a new flow has no revisions until it is saved");
        return;
    }
    let flow_id = ed.spec.flow.id.clone();
    let (_, e) = state.start_job("reading revisions", false, Job::LoadRevisions { flow_id });
    fx.push(e);
}

/// Keys of the Settings section: move, edit the setting, or jump to adding a task.
fn settings_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) -> bool {
    let Some(ed) = state.flows.editor.as_mut() else {
        return false;
    };
    match action {
        Action::MoveUp => ed.setting = ed.setting.saturating_sub(1),
        Action::MoveDown => ed.setting = (ed.setting + 1).min(Setting::ALL.len() - 1),
        Action::First => ed.setting = 0,
        Action::Last => ed.setting = Setting::ALL.len() - 1,
        Action::Open | Action::Edit | Action::MoveRight => edit_setting(state),
        Action::Add => {
            ed.section = Section::Tasks;
            open_task_picker(state);
        }
        Action::Back | Action::MoveLeft => leave(state, fx),
        _ => return false,
    }
    true
}

/// Keys of the Tasks section: move in the list, else what any task view does.
fn tasks_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) -> bool {
    let Some(ed) = state.flows.editor.as_mut() else {
        return false;
    };
    match action {
        Action::MoveUp => ed.tasks.move_by(-1),
        Action::MoveDown => ed.tasks.move_by(1),
        Action::PageUp => ed.tasks.move_by(-10),
        Action::PageDown => ed.tasks.move_by(10),
        Action::First => ed.tasks.first(),
        Action::Last => ed.tasks.last(),
        _ => return task_action(state, action, fx),
    }
    true
}

/// Keys of the Graph section: arrows move between boxes, else what any task view does.
fn graph_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) -> bool {
    match action {
        Action::MoveLeft => graph_move(state, Direction::Left),
        Action::MoveRight => graph_move(state, Direction::Right),
        Action::MoveUp => graph_move(state, Direction::Up),
        Action::MoveDown => graph_move(state, Direction::Down),
        _ => return task_action(state, action, fx),
    }
    true
}

/// Keys on the selected task, in the Tasks list and the graph.
fn task_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) -> bool {
    let lib = state.functions.rows.clone();
    let Some(ed) = state.flows.editor.as_mut() else {
        return false;
    };
    match action {
        Action::Add => open_task_picker(state),
        Action::Open | Action::Edit | Action::MoveRight => {
            if ed.selected_task().is_some() {
                ed.section = Section::Inputs;
                ed.inputs = Default::default();
                ed.refresh_inputs(&lib);
            }
        }
        Action::Delete => confirm_remove_task(state),
        Action::Back | Action::MoveLeft => leave(state, fx),
        _ => return task_dialog_action(state, action),
    }
    true
}

/// Rename, options and python_callable of the selected task: each opens its dialog.
fn task_dialog_action(state: &mut State, action: Action) -> bool {
    match action {
        Action::Rename => rename_task(state),
        Action::Options => open_task_options(state),
        Action::Code => open_task_code(state),
        _ => return false,
    }
    true
}

fn rename_task(state: &mut State) {
    let Some(t) = state.flows.editor.as_ref().and_then(|e| e.selected_task()) else {
        return;
    };
    let p = prompt(
        &format!("Rename task `{}`", one_line(&t.variable_id)),
        &t.variable_id,
        TextPurpose::RenameTask {
            task_id: t.id.clone(),
        },
    );
    push_prompt(state, p);
}

/// Asks before removing the selected task, naming its edges and the inputs it feeds.
fn confirm_remove_task(state: &mut State) {
    let Some(ed) = state.flows.editor.as_ref() else {
        return;
    };
    let Some(t) = ed.selected_task() else {
        return;
    };
    let readers: Vec<String> = ed
        .spec
        .tasks
        .iter()
        .filter(|o| o.upstream_inputs().any(|u| u == t.id))
        .map(|o| format!("`{}`", o.variable_id))
        .collect();
    let edges = ed
        .spec
        .edges
        .iter()
        .filter(|e| e.from_task_id == t.id || e.to_task_id == t.id)
        .count();
    let mut body = format!(
        "Removes task `{}` and its {edges} edge{}.",
        one_line(&t.variable_id),
        if edges == 1 { "" } else { "s" }
    );
    if !readers.is_empty() {
        body.push_str(&format!(
            "\nInputs of {} read its output; they are cleared.",
            readers.join(", ")
        ));
    }
    body.push_str("\nNothing is saved until Ctrl-s.");
    let task_id = t.id.clone();
    let title = format!("Remove task `{}`?", one_line(&t.variable_id));
    state.dialogs.push(Dialog::Confirm(Confirm {
        title,
        body,
        yes: "remove".into(),
        on_yes: OnYes::Flow(FlowYes::RemoveTask { task_id }),
    }));
}

/// `o`: the options editor on the selected task's options.
fn open_task_options(state: &mut State) {
    let Some(t) = state.flows.editor.as_ref().and_then(|e| e.selected_task()) else {
        return;
    };
    let (task_id, text, mode) = (t.id.clone(), t.options.clone(), t.mode);
    let title = format!("Options of task `{}`", one_line(&t.variable_id));
    push(
        state,
        FlowDialog::Options(OptionsDialog {
            target: OptionsTarget::Task { task_id },
            title,
            editor: OptionsEditor::new(&text, mode),
            busy: None,
        }),
    );
}

/// `c`: the code editor on the selected python task's python_callable override.
fn open_task_code(state: &mut State) {
    let Some(t) = state.flows.editor.as_ref().and_then(|e| e.selected_task()) else {
        return;
    };
    if t.mode == Mode::Docker {
        state.info("a docker task runs its image; python_callable is for python tasks");
        return;
    }
    let (task_id, text) = (t.id.clone(), t.python_callable.clone());
    let title = format!("python_callable of task `{}`", one_line(&t.variable_id));
    push(
        state,
        FlowDialog::Options(OptionsDialog {
            target: OptionsTarget::Code { task_id },
            title,
            editor: OptionsEditor::code(&text),
            busy: None,
        }),
    );
}

/// Keys of the Inputs section (the selected task's parameters).
fn inputs_action(state: &mut State, action: Action, _fx: &mut [Effect]) -> bool {
    let lib = state.functions.rows.clone();
    let Some(ed) = state.flows.editor.as_mut() else {
        return false;
    };
    match action {
        Action::MoveUp => ed.inputs.move_by(-1),
        Action::MoveDown => ed.inputs.move_by(1),
        Action::First => ed.inputs.first(),
        Action::Last => ed.inputs.last(),
        Action::Back | Action::MoveLeft => ed.section = Section::Tasks,
        Action::Open | Action::Edit | Action::MoveRight => pick_input_kind(state),
        Action::ToggleKind => toggle_input_kind(state),
        Action::Delete => {
            if let (Some(t), Some(param)) = (ed.selected_task(), ed.selected_param(&lib)) {
                let task_id = t.id.clone();
                set_input(state, &task_id, &param, None);
            }
        }
        _ => return task_dialog_action(state, action),
    }
    true
}

/// Enter on a parameter: what kind of value it takes (literal, upstream output, …).
fn pick_input_kind(state: &mut State) {
    let lib = state.functions.rows.clone();
    let Some(ed) = state.flows.editor.as_ref() else {
        return;
    };
    let (Some(t), Some(param)) = (ed.selected_task(), ed.selected_param(&lib)) else {
        state.info("this task has no parameters to give values");
        return;
    };
    let task_id = t.id.clone();
    let items = [
        (
            "literal",
            "Literal value",
            "a number, text, list… the task receives exactly as typed",
        ),
        (
            "task",
            "Upstream output",
            "the return value of another task (XCom); adds the edge",
        ),
        ("param", "Run parameter", "a key of the run's conf / params"),
        (
            "template",
            "Airflow template",
            "Jinja such as {{ ds }}, rendered at run time",
        ),
        ("clear", "No value", "leave it to the function's default"),
    ]
    .into_iter()
    .map(|(v, l, d)| PickItem {
        label: l.into(),
        detail: d.into(),
        value: v.into(),
    })
    .collect();
    push(
        state,
        FlowDialog::Pick(Picker::new(
            format!("Value of `{}`", one_line(&param)),
            items,
            PickPurpose::InputKind { task_id, param },
        )),
    );
}

/// Keys of the Edges section.
fn edges_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) -> bool {
    let Some(ed) = state.flows.editor.as_mut() else {
        return false;
    };
    match action {
        Action::MoveUp => ed.edges.move_by(-1),
        Action::MoveDown => ed.edges.move_by(1),
        Action::First => ed.edges.first(),
        Action::Last => ed.edges.last(),
        Action::Add => pick_edge_from(state),
        Action::Delete => remove_edge(state),
        Action::Back | Action::MoveLeft => leave(state, fx),
        _ => return false,
    }
    true
}

/// `a` in Edges: pick the task the new edge starts from.
fn pick_edge_from(state: &mut State) {
    let Some(ed) = state.flows.editor.as_ref() else {
        return;
    };
    if ed.spec.tasks.len() < 2 {
        state.info("an edge needs two tasks; add tasks first (Tab to Tasks, a)");
        return;
    }
    let tasks = ed.spec.tasks.clone();
    let items: Vec<PickItem> = tasks
        .iter()
        .map(|t| PickItem {
            label: t.variable_id.clone(),
            detail: task_detail(state, t),
            value: t.id.clone(),
        })
        .collect();
    push(
        state,
        FlowDialog::Pick(Picker::new(
            "Edge from which task?",
            items,
            PickPurpose::EdgeFrom,
        )),
    );
}

/// `d` in Edges: removes the selected edge, unless an input reads through it.
fn remove_edge(state: &mut State) {
    let Some(ed) = state.flows.editor.as_ref() else {
        return;
    };
    let Some(e) = ed.selected_edge().cloned() else {
        return;
    };
    let reader = ed.spec.task(&e.to_task_id).and_then(|t| {
        t.inputs.iter().find_map(|(k, i)| match i {
            Input::Task { task, .. } if *task == e.from_task_id => Some(k.clone()),
            _ => None,
        })
    });
    if let Some(param) = reader {
        let msg = format!(
            "`{}`'s input `{param}` reads `{}`'s output, so this edge must stay; change that input first",
            ed.spec.var_of(&e.to_task_id),
            ed.spec.var_of(&e.from_task_id)
        );
        state.error(msg);
        return;
    }
    edit(state, |ed| {
        ed.spec.edges.retain(|x| x.id != e.id);
        Ok(())
    });
}

fn graph_move(state: &mut State, dir: Direction) {
    let Some(ed) = state.flows.editor.as_mut() else {
        return;
    };
    let next = match ed.selected_node() {
        Some(n) => ed.layout.neighbor(n, dir),
        None => (!ed.layout.nodes.is_empty()).then_some(0),
    };
    if let Some(id) = next
        .and_then(|n| ed.layout.nodes.get(n))
        .map(|b| b.task_id.clone())
    {
        ed.select_task_id(&id);
    }
}

fn open_task_picker(state: &mut State) {
    let mut items = vec![PickItem {
        label: "docker task".into(),
        detail: "runs an image (DockerOperator); set image and command in its options".into(),
        value: String::new(),
    }];
    items.extend(state.functions.rows.iter().map(|r| PickItem {
        label: r.name(),
        detail: format!("{} · {}", r.signature(), r.file()),
        value: r.function.id.clone(),
    }));
    let mut p = Picker::new("Add a task: function", items, PickPurpose::TaskFunction);
    // The library function is the usual choice; the docker entry stays reachable.
    if p.nav.len() > 1 {
        p.nav.selected = 1;
    }
    push(state, FlowDialog::Pick(p));
}

fn edit_setting(state: &mut State) {
    let Some(ed) = state.flows.editor.as_mut() else {
        return;
    };
    let s = ed.setting();
    let f = &ed.spec.flow;
    let text = match s {
        Setting::Catchup => {
            ed.spec.flow.catchup = !ed.spec.flow.catchup;
            ed.touch();
            return;
        }
        Setting::UnpauseOnDeploy => {
            ed.spec.flow.unpause_on_deploy = !ed.spec.flow.unpause_on_deploy;
            ed.touch();
            return;
        }
        Setting::Defaults => {
            let text = f.defaults.clone();
            push(
                state,
                FlowDialog::Options(OptionsDialog {
                    target: OptionsTarget::Defaults,
                    title: "Default task options".into(),
                    editor: OptionsEditor::defaults(&text),
                    busy: None,
                }),
            );
            return;
        }
        Setting::Name => f.name.clone(),
        Setting::Description => f.description.clone(),
        Setting::Schedule => f.schedule.clone(),
        Setting::StartDate => f.start_date.format("%Y-%m-%d").to_string(),
        Setting::Tags => f.tags.join(", "),
    };
    let mut p = prompt(s.label(), &text, TextPurpose::Setting(s));
    p.note = match s {
        Setting::Name => "The flow's id stays the same.".into(),
        Setting::Description => "Enter: new line · Ctrl-s: done".into(),
        Setting::Schedule => {
            "Empty (manual runs), a preset like @daily, or cron like 0 2 * * *".into()
        }
        Setting::StartDate => "YYYY-MM-DD, UTC".into(),
        Setting::Tags => "Comma separated".into(),
        _ => String::new(),
    };
    push_prompt(state, p);
}

fn apply_options(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(FlowDialog::Options(o)) = top(state) else {
        return;
    };
    // Problems shown for code are python3's last verdict on older text; the text is
    // checked again below, so only TOML problems stop here.
    if !o.editor.problems().is_empty() && !o.target.is_code() {
        let n = o.editor.problems().len();
        state.error(format!(
            "fix the {n} problem{} shown first (Esc discards)",
            if n == 1 { "" } else { "s" }
        ));
        return;
    }
    let text = o.editor.text();
    match o.target.clone() {
        OptionsTarget::Task { task_id } => {
            state.dialogs.pop();
            edit(state, |ed| {
                if let Some(t) = ed.spec.tasks.iter_mut().find(|t| t.id == task_id) {
                    t.options = text;
                }
                Ok(())
            });
        }
        OptionsTarget::Defaults => {
            state.dialogs.pop();
            edit(state, |ed| {
                ed.spec.flow.defaults = text;
                Ok(())
            });
        }
        OptionsTarget::Code { task_id } if text.trim().is_empty() => {
            state.dialogs.pop();
            edit(state, |ed| {
                if let Some(t) = ed.spec.tasks.iter_mut().find(|t| t.id == task_id) {
                    t.python_callable = String::new();
                }
                Ok(())
            });
        }
        OptionsTarget::Code { .. } => {
            let (id, e) = state.start_job(
                "checking the code with python3",
                false,
                Job::CheckCode { code: text },
            );
            if let Some(FlowDialog::Options(o)) = top(state) {
                o.busy = Some(id);
            }
            fx.push(e);
        }
    }
}

impl OptionsTarget {
    fn is_code(&self) -> bool {
        matches!(self, OptionsTarget::Code { .. })
    }
}

fn leave(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(ed) = state.flows.editor.as_ref() else {
        return;
    };
    if !ed.dirty {
        close_editor(state, fx);
        return;
    }
    let name = one_line(&ed.spec.flow.name);
    state.dialogs.push(Dialog::Confirm(Confirm {
        title: format!("Leave flow `{name}` without saving?"),
        body: "The edits have not been saved. Ctrl-s in the editor saves and deploys them; leaving now discards them.".into(),
        yes: "discard edits".into(),
        on_yes: OnYes::Flow(FlowYes::LeaveEditor),
    }));
}

fn close_editor(state: &mut State, fx: &mut Vec<Effect>) {
    if let Some(ed) = state.flows.editor.take() {
        if ed.kept_at.is_some() {
            let flow_id = ed.spec.flow.id.clone();
            fx.push(super::live::drop_draft(state, &flow_id));
        }
        if let Some(i) = state
            .flows
            .rows
            .iter()
            .position(|r| r.flow.id == ed.spec.flow.id)
        {
            state.flows.nav.select_row(i);
        }
    }
    state.set_dirty(DIRTY_KEY, None);
}

/// Yes to a Flows confirmation.
pub(super) fn confirmed(state: &mut State, yes: FlowYes, fx: &mut Vec<Effect>) {
    match yes {
        FlowYes::DeleteFlow {
            flow_id,
            name,
            version,
        } => {
            let label = format!("deleting {}", one_line(&name));
            let job = Job::DeleteFlow {
                flow_id,
                name,
                base: crate::store::Base::Version(version),
            };
            let (_, e) = state.start_job(label, false, job);
            fx.push(e);
        }
        FlowYes::RemoveTask { task_id } => edit(state, |ed| {
            ed.spec.tasks.retain(|t| t.id != task_id);
            ed.spec
                .edges
                .retain(|e| e.from_task_id != task_id && e.to_task_id != task_id);
            for t in &mut ed.spec.tasks {
                t.inputs
                    .retain(|_, i| !matches!(i, Input::Task { task, .. } if *task == task_id));
            }
            Ok(())
        }),
        FlowYes::LeaveEditor => close_editor(state, fx),
        FlowYes::DiscardOptions => {
            if matches!(top(state), Some(FlowDialog::Options(_))) {
                state.dialogs.pop();
            }
        }
    }
}

/// Ctrl-s in the editor: check, then ask python3 and read the deployed version for
/// the diff; the answer opens the diff to confirm.
fn save(state: &mut State, fx: &mut Vec<Effect>) {
    let functions = library(state);
    let Some(ed) = state.flows.editor.as_mut() else {
        return;
    };
    if ed.busy.is_some() {
        return;
    }
    if let Err(problems) = validate(&ed.spec, &functions) {
        ed.problems = problems.clone();
        let name = one_line(&ed.spec.flow.name);
        state.dialogs.push(MessageBox::error(
            format!("Cannot save flow `{name}` yet"),
            format!(
                "{}\n\nYour edits are kept; fix these and press Ctrl-s again.",
                describe(&problems)
            ),
        ));
        return;
    }
    let spec = Box::new(ed.spec.clone());
    let label = format!("checking {}", one_line(&spec.flow.name));
    let (id, e) = state.start_job(label, false, Job::PrepareSave { spec });
    if let Some(ed) = state.flows.editor.as_mut() {
        ed.busy = Some(id);
    }
    fx.push(e);
}

fn store(state: &mut State, spec: FlowSpec, fx: &mut Vec<Effect>) {
    let base = state
        .flows
        .editor
        .as_ref()
        .map_or(crate::store::Base::Any, Editor::base);
    super::flow_editor::store_with_base(state, spec, base, fx);
}

fn deploy(state: &mut State, flow_id: String, fx: &mut Vec<Effect>) {
    // Saved in the database; a read-only environment's dags folder is not touched.
    if state.env.check_writable().is_err() {
        return;
    }
    state.flows.deploying.insert(
        flow_id.clone(),
        Deploying {
            started: state.now,
            record: None,
        },
    );
    let (_, e) = state.start_job("deploying", true, Job::Deploy { flow_id });
    fx.push(e);
}

fn rollback(state: &mut State, rev: &crate::store::Revision, fx: &mut Vec<Effect>) {
    let functions = library(state);
    let Some(ed) = state.flows.editor.as_mut() else {
        return;
    };
    match crate::model::document::apply_document(
        &rev.document(),
        Some(&ed.spec),
        &functions,
        chrono::Utc::now(),
    ) {
        Ok(mut spec) => {
            // The flow keeps its id and version line; only the content goes back.
            spec.flow.id = ed.spec.flow.id.clone();
            spec.flow.version = ed.spec.flow.version;
            ed.spec = spec;
            ed.touch();
            let lib = state.functions.rows.clone();
            if let Some(ed) = state.flows.editor.as_mut() {
                ed.refresh_inputs(&lib);
            }
            state.info(format!(
                "v{} restored in the editor; confirm the diff to save it as a new version",
                rev.version
            ));
            save(state, fx);
        }
        Err(problems) => state.dialogs.push(MessageBox::error(
            format!("Cannot roll back to v{}", rev.version),
            describe(&problems),
        )),
    }
}

fn show_error(state: &mut State, flow_id: &str) {
    let Some(d) = state.flows.deploy_of(flow_id).cloned() else {
        state.info("this flow has not been deployed yet");
        return;
    };
    if d.state != DeployState::ImportError {
        state.info(format!(
            "deploy state: {} — {}",
            d.state.label(),
            one_line(&d.message)
        ));
        return;
    }
    let title = match &d.error_task {
        Some(t) => format!("Import error (task `{}`)", one_line(t)),
        None => "Import error".to_string(),
    };
    push(
        state,
        FlowDialog::View(TextView {
            title,
            lines: d.message.lines().map(super::text::preview_line).collect(),
            scroll: 0,
        }),
    );
}

/// Airflow's health changed: when it comes back, flows saved meanwhile are deployed.
pub(super) fn on_health(state: &mut State, health: &AirflowHealth, fx: &mut Vec<Effect>) {
    let was_online = matches!(state.status.health, Some((AirflowHealth::Online { .. }, _)));
    let online = matches!(health, AirflowHealth::Online { .. });
    let waiting = state.jobs.values().any(|j| j.label == PENDING_LABEL);
    let writable = state.env.check_writable().is_ok();
    // Git target: commits left unpushed (remote unreachable) are pushed in order by the
    // same pending deploy, tried again at most every 30 s (the record's age).
    let unpushed_due = state
        .flows
        .rows
        .iter()
        .filter_map(|r| r.deploy.as_ref())
        .any(|d| {
            d.state == DeployState::Rendered
                && d.commit.is_some()
                && d.message.contains(", not pushed (")
                && chrono::Utc::now() - d.since >= chrono::TimeDelta::seconds(30)
        });
    if online
        && !waiting
        && writable
        && state.status.health.is_some()
        && (!was_online || unpushed_due)
    {
        let (_, e) = state.start_job(PENDING_LABEL, true, Job::DeployPending);
        fx.push(e);
    }
}

const PENDING_LABEL: &str = "deploying flows saved while Airflow was away";

/// A deploy moved on.
pub(super) fn on_deploy(state: &mut State, record: DeployRecord, fx: &mut Vec<Effect>) {
    if record.state != DeployState::Saved {
        quit_if_saved(state, &record.flow_id, fx);
    }
    state.flows.apply_deploy(record);
}

/// "Save and quit" in the quit question: the usual save (checks, the diff, `y`), then
/// quit once the DAG file is written. A refusal on the way (a problem, the diff
/// cancelled, a conflict) leaves flowdeck open with the edits.
pub(super) fn save_then_quit(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(id) = state.flows.editor.as_ref().map(|e| e.spec.flow.id.clone()) else {
        return;
    };
    state.flows.quit_after_save = Some(id);
    save(state, fx);
    if state.flows.editor.as_ref().is_none_or(|e| e.busy.is_none()) {
        state.flows.quit_after_save = None;
    }
}

/// The save of "save and quit" reached the dags folder: quit.
fn quit_if_saved(state: &mut State, flow_id: &str, fx: &mut Vec<Effect>) {
    if state.flows.quit_after_save.as_deref() == Some(flow_id) {
        state.flows.quit_after_save = None;
        state.quit = true;
        fx.push(Effect::Quit);
    }
}

pub(super) fn on_job(state: &mut State, result: JobResult, fx: &mut Vec<Effect>) {
    match result {
        JobResult::FlowLoaded {
            result: Ok(spec), ..
        } => {
            let lib = state.functions.rows.clone();
            let mut ed = Editor::open(spec, false);
            ed.refresh_inputs(&lib);
            state.flows.editor = Some(ed);
            state.focus = Pane::Flows;
        }
        JobResult::FlowLoaded { result: Err(e), .. } => {
            state.error(format!("cannot open the flow: {e}"));
            reload(state, fx);
        }
        JobResult::SavePrepared(result) => {
            if let Some(ed) = state.flows.editor.as_mut() {
                ed.busy = None;
            }
            match result {
                Ok(p) => prepared(state, *p),
                Err(e) => state.dialogs.push(MessageBox::error(
                    "Cannot save the flow",
                    format!("{e}\n\nYour edits are kept."),
                )),
            }
            // Refused before the diff: "save and quit" stays open to fix it.
            if !matches!(top(state), Some(FlowDialog::Diff(_))) {
                state.flows.quit_after_save = None;
            }
        }
        JobResult::FlowSaved(result) => {
            if let Some(ed) = state.flows.editor.as_mut() {
                ed.busy = None;
            }
            if result.is_err() {
                state.flows.quit_after_save = None;
            }
            match result {
                Ok(outcome) => saved(state, *outcome, fx),
                Err(super::event::SaveFailure::Conflict(details)) => {
                    super::conflicts::ask_on_conflict(state, *details)
                }
                Err(e) => state.dialogs.push(MessageBox::error(
                    "Cannot save the flow",
                    format!("{e}\n\nYour edits are kept."),
                )),
            }
        }
        JobResult::Deployed { flow_id, result } => {
            match &result {
                Ok(_) => quit_if_saved(state, &flow_id, fx),
                // Not written: stay, and say why (the save itself is kept).
                Err(_) => state.flows.quit_after_save = None,
            }
            let started = state.flows.deploying.remove(&flow_id).map(|d| d.started);
            let name = state
                .flows
                .row(&flow_id)
                .map_or_else(|| flow_id.clone(), |r| r.name.clone());
            match result {
                Ok(record) => {
                    match record.state {
                        DeployState::Ready => {
                            let took = started
                                .map(|s| state.now.saturating_duration_since(s).as_secs_f64())
                                .unwrap_or_default();
                            state.info(format!(
                                "flow `{name}` is ready in Airflow (v{}, {took:.1} s)",
                                record.version
                            ));
                        }
                        DeployState::ImportError => state.error(format!(
                            "Airflow could not import flow `{name}`{}; x shows the traceback",
                            record
                                .error_task
                                .as_ref()
                                .map(|t| format!(" (task `{}`)", one_line(t)))
                                .unwrap_or_default()
                        )),
                        _ => state.warn(format!(
                            "flow `{name}` is saved and its DAG file written; {}",
                            one_line(&record.message)
                        )),
                    }
                    state.flows.apply_deploy(record);
                }
                Err(e) => state.error(format!("deploying flow `{name}`: {e}")),
            }
            reload(state, fx);
            // The DAG (or its import error) changed in Airflow: the poller lists both
            // now instead of at its next periodic listing.
            fx.push(Effect::PollNow);
        }
        JobResult::DeployedPending(Ok(ids)) => {
            if !ids.is_empty() {
                state.info(format!(
                    "Airflow is back: deployed {} flow{} saved meanwhile",
                    ids.len(),
                    if ids.len() == 1 { "" } else { "s" }
                ));
            }
            reload(state, fx);
        }
        JobResult::DeployedPending(Err(e)) => {
            state.error(format!("deploying flows saved while Airflow was away: {e}"));
            reload(state, fx);
        }
        JobResult::FlowDeleted { name, result } => {
            match result {
                Ok(()) => state.info(format!(
                    "deleted flow `{}` and its DAG file",
                    one_line(&name)
                )),
                Err(e) => state.dialogs.push(MessageBox::error(
                    format!("Cannot delete flow `{}`", one_line(&name)),
                    e,
                )),
            }
            reload(state, fx);
        }
        JobResult::FlowStored { duplicate, result } => match result {
            Ok(outcome) => {
                let f = &outcome.spec.flow;
                if duplicate {
                    state.info(format!(
                        "duplicated as `{}` ({}); open it and Ctrl-s to deploy",
                        one_line(&f.name),
                        f.id
                    ));
                } else {
                    state.info(format!(
                        "renamed to `{}`; the id {} stays",
                        one_line(&f.name),
                        f.id
                    ));
                }
                state.flows.select_after_load = Some(f.id.clone());
                let redeploy = !duplicate && outcome.changed;
                let id = f.id.clone();
                reload(state, fx);
                if redeploy {
                    if state.env.check_writable().is_err() {
                        state.warn(format!(
                            "renamed in the database only; its DAG file is not rewritten: {} is read-only in this configuration",
                            one_line(&state.env.current.name)
                        ));
                    }
                    deploy(state, id, fx);
                }
            }
            Err(e) => state.dialogs.push(MessageBox::error(
                if duplicate {
                    "Cannot duplicate the flow"
                } else {
                    "Cannot rename the flow"
                },
                e,
            )),
        },
        JobResult::CodeChecked { code, result } => {
            let Some(FlowDialog::Options(o)) = top(state) else {
                return;
            };
            if !o.target.is_code() || o.busy.is_none() {
                return;
            }
            o.busy = None;
            if o.editor.text() != code {
                return;
            }
            match result {
                Ok(problems) if problems.is_empty() => {
                    let OptionsTarget::Code { task_id } = o.target.clone() else {
                        return;
                    };
                    state.dialogs.pop();
                    edit(state, |ed| {
                        if let Some(t) = ed.spec.tasks.iter_mut().find(|t| t.id == task_id) {
                            t.python_callable = code;
                        }
                        Ok(())
                    });
                }
                Ok(problems) => {
                    o.editor.set_problems(problems);
                    state.error("python3 refused the code; see the marked lines");
                }
                Err(e) => state.error(format!("cannot check the code: {e}")),
            }
        }
        JobResult::Revisions { flow_id, result } => match result {
            Ok(revisions) if revisions.is_empty() => state.info("no revisions saved yet"),
            Ok(revisions) => {
                let deployed = state
                    .flows
                    .deploy_of(&flow_id)
                    .and_then(|d| d.deployed_version);
                let mut nav = super::list::ListNav::default();
                nav.refilter(revisions.len(), |_| true);
                push(
                    state,
                    FlowDialog::Revisions(RevisionsDialog {
                        flow_id,
                        revisions,
                        nav,
                        deployed,
                    }),
                );
            }
            Err(e) => state.error(format!("cannot read the revisions: {e}")),
        },
        _ => {}
    }
}

fn reload(state: &mut State, fx: &mut Vec<Effect>) {
    let (_, e) = state.start_job("loading flows", true, Job::LoadFlows);
    fx.push(e);
}

fn prepared(state: &mut State, p: Prepared) {
    if !p.problems.is_empty() {
        state.dialogs.push(MessageBox::error(
            "Cannot save the flow: python_callable",
            format!("{}\n\nYour edits are kept.", describe(&p.problems)),
        ));
        return;
    }
    let diff = FlowDiff::new(&p.old_text, &p.new_text);
    let summary = DiffSummary::between(&p.old_spec, &p.spec);
    let starts_run = starts_a_run(state, &p.spec);
    push(
        state,
        FlowDialog::Diff(DiffDialog {
            spec: p.spec,
            diff,
            summary,
            against: p.against,
            scroll: 0,
            starts_run,
        }),
    );
}

/// Whether deploying `spec` makes Airflow start a run right away, and the sentence
/// that says so: a scheduled flow that flowdeck unpauses on deploy, while Airflow has it
/// paused or does not know it yet (a new DAG), and whose start date is past. Airflow
/// then runs the latest interval at once (catchup or not).
fn starts_a_run(state: &State, spec: &FlowSpec) -> Option<String> {
    let f = &spec.flow;
    if !f.unpause_on_deploy || f.schedule.trim().is_empty() || f.schedule.trim() == "@once" {
        return None;
    }
    let paused_or_new = state.airflow.dag(&f.id).is_none_or(|d| d.is_paused);
    if !paused_or_new {
        return None;
    }
    let today = chrono::Utc::now().date_naive();
    if f.start_date > today {
        return None;
    }
    let catchup = if f.catchup {
        " and, with catchup on, every interval since the start date"
    } else {
        ""
    };
    Some(format!(
        "Deploying unpauses it: Airflow will start the latest `{}` run right away{catchup}.",
        one_line(&f.schedule)
    ))
}

fn saved(state: &mut State, outcome: SaveOutcome, fx: &mut Vec<Effect>) {
    let f = outcome.spec.flow.clone();
    let name = one_line(&f.name);
    if let Some(ed) = state.flows.editor.as_mut() {
        if ed.spec.flow.id == f.id {
            ed.reopen_with(outcome.spec.clone());
            fx.push(super::live::drop_draft(state, &f.id));
        }
    }
    let lib = state.functions.rows.clone();
    if let Some(ed) = state.flows.editor.as_mut() {
        ed.refresh_inputs(&lib);
    }
    let read_only = state.env.check_writable().err().map(|_| {
        format!(
            "{} is read-only in this configuration",
            one_line(&state.env.current.name)
        )
    });
    let then = match &read_only {
        Some(e) => format!(" in the database only, not deployed: {e}"),
        None => "; deploying…".into(),
    };
    let message = if outcome.created {
        format!("created flow `{name}` ({}), v1{then}", f.id)
    } else if outcome.changed {
        format!("saved flow `{name}` as v{}{then}", f.version)
    } else if read_only.is_some() {
        format!("flow `{name}` unchanged (v{}){then}", f.version)
    } else {
        format!(
            "flow `{name}` unchanged (v{}); deploying it again…",
            f.version
        )
    };
    if read_only.is_some() {
        state.warn(message);
    } else {
        state.info(message);
    }
    state.flows.select_after_load = Some(f.id.clone());
    reload(state, fx);
    deploy(state, f.id, fx);
}

/// Whether a Flows hint applies now.
pub(super) fn relevant(state: &State, action: Action) -> bool {
    let fl = &state.flows;
    match &fl.editor {
        None => match action {
            Action::Rename | Action::Duplicate | Action::Delete | Action::Open => {
                fl.selected().is_some()
            }
            Action::Back => !fl.nav.filter.is_empty(),
            Action::ShowError
            | Action::NextSection
            | Action::PrevSection
            | Action::Save
            | Action::Revisions
            | Action::Options
            | Action::Code
            | Action::MoveLeft
            | Action::MoveRight => false,
            _ => true,
        },
        Some(ed) => match (ed.section, action) {
            (_, Action::Save | Action::Back | Action::NextSection) => true,
            (_, Action::ShowError) => fl
                .deploy_of(&ed.spec.flow.id)
                .is_some_and(|d| d.state == DeployState::ImportError),
            (_, Action::Revisions) => !ed.is_new,
            (Section::Settings, Action::Open) => true,
            (Section::Tasks, Action::Add) => true,
            (
                Section::Tasks | Section::Inputs | Section::Graph,
                Action::Options | Action::Code | Action::Delete | Action::Rename | Action::Open,
            ) => ed.selected_task().is_some(),
            (Section::Edges, Action::Add) => true,
            (Section::Edges, Action::Delete) => ed.selected_edge().is_some(),
            _ => false,
        },
    }
}

/// `t` in the inputs: the selected value between template (Airflow renders it) and text
/// (the task receives it exactly as typed).
fn toggle_input_kind(state: &mut State) {
    let lib = state.functions.rows.clone();
    let Some(ed) = state.flows.editor.as_ref() else {
        return;
    };
    let (Some(t), Some(param)) = (ed.selected_task(), ed.selected_param(&lib)) else {
        state.info("this task has no parameters to give values");
        return;
    };
    let task_id = t.id.clone();
    match t.inputs.get(&param).cloned() {
        Some(Input::Value { value, strings }) if has_strings(&value) => {
            let strings = strings.toggled();
            set_input(
                state,
                &task_id,
                &param,
                Some(Input::Value { value, strings }),
            );
            state.info(match strings {
                StrKind::Template => format!(
                    "`{}` is now a template: Airflow renders it when the task runs",
                    one_line(&param)
                ),
                StrKind::Text => format!(
                    "`{}` is now text: the task receives it exactly as typed",
                    one_line(&param)
                ),
            });
        }
        _ => state.info("only a value holding text can be a template or text; this input has none"),
    }
}
