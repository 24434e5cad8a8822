//! What the Functions pane's keys and jobs do: opening the detail, registering,
//! editing, re-importing and deleting functions.

use super::dialog::MessageBox;
use super::dialog::{Confirm, Dialog, EditForm, OnYes, PickItem, RegisterForm, RegisterStep};
use super::input::Field;
use super::text::one_line;
use super::{Effect, Job, JobResult, Pane, State};
use crate::keymap::Action;
use crate::model::{Function, Param};
use crate::python::FunctionInfo;
use std::collections::HashSet;

/// The Functions pane's own keys. Returns false for keys every pane handles alike.
pub(super) fn action(state: &mut State, action: Action, fx: &mut Vec<Effect>) -> bool {
    let detail = state.functions.detail;
    let preview_page = state
        .screen
        .preview
        .map_or(10, |r| (r.height as isize / 2).max(1));
    match action {
        Action::Open => {
            if state.functions.selected().is_some() {
                state.functions.detail = true;
            }
        }
        Action::Back if detail => state.functions.detail = false,
        // With the detail open the movement keys scroll the source.
        Action::MoveDown if detail => state.functions.scroll_preview(1),
        Action::MoveUp if detail => state.functions.scroll_preview(-1),
        Action::PageDown if detail => state.functions.scroll_preview(preview_page * 2),
        Action::PageUp if detail => state.functions.scroll_preview(-preview_page * 2),
        Action::First if detail => state.functions.scroll_preview(isize::MIN / 2),
        Action::Last if detail => state.functions.scroll_preview(isize::MAX / 2),
        Action::ScrollPreviewDown => state.functions.scroll_preview(preview_page),
        Action::ScrollPreviewUp => state.functions.scroll_preview(-preview_page),
        Action::Register => {
            // The file read last is offered: Enter on the empty path reads it again.
            let last = state.functions.last_path.clone();
            open_register(state, "", None, fx);
            if let Some(Dialog::Register(form)) = state.dialogs.last_mut() {
                if !last.is_empty() {
                    form.path
                        .area
                        .set_placeholder_text(format!("Enter: {} again", one_line(&last)));
                }
            }
        }
        Action::Edit => open_edit(state),
        Action::Delete => confirm_delete(state),
        Action::Reimport => reimport(state, fx),
        _ => return false,
    }
    true
}

/// Opens the registration form; with a path (from `:function add`) it reads the file
/// straight away.
pub(super) fn open_register(
    state: &mut State,
    path: &str,
    function: Option<String>,
    fx: &mut Vec<Effect>,
) {
    state
        .dialogs
        .push(Dialog::Register(Box::new(RegisterForm::new(
            path, function,
        ))));
    if !path.is_empty() {
        register_form_action(state, Action::Submit, fx);
    }
}

pub(super) fn open_edit(state: &mut State) {
    let Some(row) = state.functions.selected() else {
        state.info("the library is empty: nothing to edit");
        return;
    };
    let f = &row.function;
    state.dialogs.push(Dialog::Edit(Box::new(EditForm {
        function_id: f.id.clone(),
        updated_at: f.updated_at,
        original_name: f.name.clone(),
        original_description: f.description.clone(),
        name: Field::single("Name", &f.name),
        description: Field::multi("Description", &f.description),
        focus: 0,
        error: None,
        busy: None,
    })));
}

pub(super) fn confirm_delete(state: &mut State) {
    let Some(row) = state.functions.selected() else {
        state.info("the library is empty: nothing to delete");
        return;
    };
    let used = match row.used {
        0 => "No task uses it.".to_string(),
        1 => "1 task uses it, so the database will refuse and name it.".to_string(),
        n => format!("{n} tasks use it, so the database will refuse and name them."),
    };
    let body = format!(
        "Delete `{}` ({}) from the library?\n{used}\nIts file {} stays on disk for flows already deployed.",
        row.name(),
        row.signature(),
        one_line(&row.function.path)
    );
    let name = row.function.name.clone();
    state.dialogs.push(Dialog::Confirm(Confirm {
        title: format!("Delete function `{}`?", row.name()),
        body,
        yes: "delete".into(),
        on_yes: OnYes::DeleteFunction { name },
    }));
}

pub(super) fn delete(state: &mut State, name: String, fx: &mut Vec<Effect>) {
    let label = format!("deleting {}", one_line(&name));
    let (_, e) = state.start_job(label, false, Job::DeleteFunction { name });
    fx.push(e);
}

fn reimport(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(row) = state.functions.selected() else {
        return;
    };
    let f = &row.function;
    let job = Job::Register {
        file: f.source_path.clone().into(),
        function: f.function.clone(),
        name: Some(f.name.clone()),
        description: None,
        reimport: true,
    };
    let label = format!("re-importing {}", row.name());
    let (_, e) = state.start_job(label, false, job);
    fx.push(e);
}

/// Enter with functions marked: registers each under its function's name and
/// docstring, one job each (the worker runs them in order), and closes the form.
fn register_marked(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(Dialog::Register(form)) = state.dialogs.pop() else {
        return;
    };
    let n = form.marked.len();
    for &i in &form.marked {
        let Some(item) = form.functions.get(i) else {
            continue;
        };
        let job = Job::Register {
            file: form.file.clone(),
            function: item.name.clone(),
            name: Some(item.name.clone()),
            description: Some(item.doc.clone()),
            reimport: false,
        };
        let label = format!("registering {}", one_line(&item.name));
        let (_, e) = state.start_job(label, false, job);
        fx.push(e);
    }
    state.info(format!(
        "registering {n} function{} of {}",
        if n == 1 { "" } else { "s" },
        one_line(&form.file.display().to_string())
    ));
}

pub(super) fn register_form_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    let Some(Dialog::Register(form)) = state.dialogs.last_mut() else {
        return;
    };
    if action == Action::Help && form.step == RegisterStep::Pick {
        state.help = Some(super::Help::default());
        return;
    }
    // While python3 reads the file only leaving is possible; the answer is dropped.
    if form.busy.is_some() && action != Action::Cancel {
        return;
    }
    match (form.step, action) {
        (RegisterStep::Path, Action::Cancel) => {
            state.dialogs.pop();
        }
        (RegisterStep::Path, Action::Submit | Action::Save) => {
            let mut path = form.path.text().trim().to_string();
            if path.is_empty() && !state.functions.last_path.is_empty() {
                path = state.functions.last_path.clone();
                form.path.set_text(&path);
            }
            if path.is_empty() {
                form.error = Some("type the path of a Python file (Tab completes)".into());
                return;
            }
            form.error = None;
            form.completions.clear();
            let label = format!("reading the functions of {}", one_line(&path));
            let (id, e) = state.start_job(label, false, Job::Inspect { path });
            if let Some(Dialog::Register(form)) = state.dialogs.last_mut() {
                form.busy = Some(id);
            }
            fx.push(e);
        }
        (RegisterStep::Path, Action::Complete) => {
            let input = form.path.text();
            let (_, e) = state.start_job("completing the path", true, Job::CompletePath { input });
            fx.push(e);
        }
        (RegisterStep::Pick, Action::Cancel) => {
            form.step = RegisterStep::Path;
            form.error = None;
        }
        (RegisterStep::Pick, Action::MoveUp) => form.pick.move_by(-1),
        (RegisterStep::Pick, Action::MoveDown) => form.pick.move_by(1),
        (RegisterStep::Pick, Action::PageUp) => form.pick.move_by(-5),
        (RegisterStep::Pick, Action::PageDown) => form.pick.move_by(5),
        (RegisterStep::Pick, Action::First) => form.pick.first(),
        (RegisterStep::Pick, Action::Last) => form.pick.last(),
        (RegisterStep::Pick, Action::Mark) => {
            if let Some(i) = form.pick.selected_row() {
                if !form.marked.remove(&i) {
                    form.marked.insert(i);
                }
                form.pick.move_by(1);
            }
        }
        (RegisterStep::Pick, Action::Submit | Action::Confirm) if !form.marked.is_empty() => {
            register_marked(state, fx)
        }
        (RegisterStep::Pick, Action::Submit | Action::Confirm) => to_details(form),
        (RegisterStep::Details, Action::Cancel) => {
            form.step = RegisterStep::Pick;
            form.error = None;
        }
        (RegisterStep::Details, Action::Complete | Action::PrevField) => {
            form.focus = 1 - form.focus.min(1)
        }
        (RegisterStep::Details, Action::Submit) if form.focus == 0 => form.focus = 1,
        (RegisterStep::Details, Action::Submit) => form.description.newline(),
        (RegisterStep::Details, Action::Save) => {
            let Some(picked) = form.picked() else {
                return;
            };
            let name = form.name.text().trim().to_string();
            if name.is_empty() {
                form.error =
                    Some("the name must not be empty (it defaults to the function's name)".into());
                form.focus = 0;
                return;
            }
            let job = Job::Register {
                file: form.file.clone(),
                function: picked.name.clone(),
                name: Some(name),
                description: Some(form.description.text().trim().to_string()),
                reimport: false,
            };
            let label = format!("registering {}", one_line(&picked.name));
            let (id, e) = state.start_job(label, false, job);
            if let Some(Dialog::Register(form)) = state.dialogs.last_mut() {
                form.busy = Some(id);
            }
            fx.push(e);
        }
        _ => {}
    }
}

fn to_details(form: &mut RegisterForm) {
    let Some(picked) = form.picked().cloned() else {
        return;
    };
    // Keep what was typed when coming back to the same function.
    if form.name.text().is_empty() || form.functions.iter().any(|f| f.name == form.name.text()) {
        form.name = Field::single("Name", &picked.name);
        form.description = Field::multi("Description", &picked.doc);
    }
    form.step = RegisterStep::Details;
    form.focus = 0;
    form.error = None;
}

pub(super) fn edit_form_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    let Some(Dialog::Edit(form)) = state.dialogs.last_mut() else {
        return;
    };
    if form.busy.is_some() && action != Action::Cancel {
        return;
    }
    match action {
        Action::Cancel => {
            state.dialogs.pop();
        }
        Action::Complete | Action::PrevField => form.focus = 1 - form.focus.min(1),
        Action::Submit if form.focus == 0 => form.focus = 1,
        Action::Submit => form.description.newline(),
        Action::Save => {
            let name = form.name.text().trim().to_string();
            if name.is_empty() {
                form.error = Some("the name must not be empty".into());
                form.focus = 0;
                return;
            }
            if !form.changed() {
                state.dialogs.pop();
                state.info("nothing changed");
                return;
            }
            let job = Job::UpdateFunction {
                id: form.function_id.clone(),
                name,
                description: form.description.text().trim_end().to_string(),
                updated_at: form.updated_at,
                base_name: form.original_name.clone(),
                base_description: form.original_description.clone(),
            };
            let label = format!("saving {}", one_line(&form.original_name));
            let (id, e) = state.start_job(label, false, job);
            if let Some(Dialog::Edit(form)) = state.dialogs.last_mut() {
                form.busy = Some(id);
            }
            fx.push(e);
        }
        _ => {}
    }
}

fn load_library(state: &mut State, fx: &mut Vec<Effect>) {
    let (_, e) = state.start_job("loading the library", false, Job::LoadLibrary);
    fx.push(e);
}

pub(super) fn on_job(state: &mut State, result: JobResult, fx: &mut Vec<Effect>) {
    match result {
        JobResult::Library(Ok(data)) => state.functions.apply(data),
        JobResult::Library(Err(e)) => {
            state.functions.loading = super::functions::Loading::Failed(e.clone());
            state.error(format!("cannot load the library: {e}"));
        }
        JobResult::SourcesChanged(Ok(ids)) => {
            // The list marks them (!) and the detail offers the re-import; start-up's
            // line counts them with its other findings.
            tracing::info!(
                changed = ids.len(),
                "source files changed since registration"
            );
            let items = ids
                .iter()
                .filter_map(|id| state.functions.rows.iter().find(|r| &r.function.id == id))
                .map(|r| {
                    format!(
                        "`{}`: {} changed",
                        one_line(&r.function.name),
                        one_line(&r.function.source_path)
                    )
                })
                .collect();
            super::findings::report(state, super::findings::Source::Sources, items);
            state.functions.changed = ids.into_iter().collect::<HashSet<_>>();
        }
        JobResult::SourcesChanged(Err(e)) => {
            state.error(format!("cannot check the source files: {e}"))
        }
        JobResult::Source {
            function_id,
            text,
            changed,
        } => state.functions.apply_source(&function_id, text, changed),
        JobResult::Completions { input, candidates } => completions(state, &input, candidates),
        JobResult::Inspected {
            path,
            file,
            functions,
        } => inspected(state, &path, file, functions),
        JobResult::Registered { result, reimport } => registered(state, result, reimport, fx),
        JobResult::Updated(Ok(f)) => {
            if matches!(state.dialogs.last(), Some(Dialog::Edit(_))) {
                state.dialogs.pop();
            }
            state.info(format!("saved function `{}`", one_line(&f.name)));
            state.functions.select_after_load = Some(f.id);
            load_library(state, fx);
        }
        JobResult::Updated(Err(e)) => match state.dialogs.last_mut() {
            Some(Dialog::Edit(form)) => form.error = Some(e),
            _ => state.error(e),
        },
        JobResult::UpdateConflict {
            message,
            updated_at,
        } => match state.dialogs.last_mut() {
            // The next Ctrl-s saves over their version ("mine anyway"); Esc keeps theirs.
            Some(Dialog::Edit(form)) => {
                form.updated_at = updated_at;
                form.error = Some(message);
            }
            _ => state.error(message),
        },
        JobResult::Deleted { result: Ok(f), .. } => {
            state.info(format!(
                "deleted function `{}`; its file {} is kept for flows already deployed",
                one_line(&f.name),
                one_line(&f.path)
            ));
            load_library(state, fx);
        }
        JobResult::Deleted {
            name,
            result: Err(e),
        } => state.dialogs.push(MessageBox::error(
            format!("Cannot delete `{}`", one_line(&name)),
            e,
        )),
        // Flows answers go to `flows_actions`.
        _ => {}
    }
}

fn registered(
    state: &mut State,
    result: Result<Function, String>,
    reimport: bool,
    fx: &mut Vec<Effect>,
) {
    match result {
        Ok(f) => {
            if !reimport && matches!(state.dialogs.last(), Some(Dialog::Register(_))) {
                state.dialogs.pop();
            }
            let verb = if reimport {
                "re-imported"
            } else {
                "registered"
            };
            state.info(format!(
                "{verb} {} as `{}` ({})",
                one_line(&f.signature()),
                one_line(&f.name),
                one_line(&f.filename)
            ));
            state.functions.changed.remove(&f.id);
            state.functions.select_after_load = Some(f.id);
            state.focus = Pane::Functions;
            load_library(state, fx);
        }
        Err(e) if reimport => state
            .dialogs
            .push(MessageBox::error("Cannot re-import the function", e)),
        Err(e) => match state.dialogs.last_mut() {
            Some(Dialog::Register(form)) => form.error = Some(e),
            _ => state.error(e),
        },
    }
}

fn completions(state: &mut State, input: &str, candidates: Result<Vec<String>, String>) {
    let candidates = match candidates {
        Ok(c) => c,
        Err(e) => {
            state.error(e);
            return;
        }
    };
    let chosen = longest_common_prefix(&candidates);
    if let Some(Dialog::Register(form)) = state.dialogs.last_mut() {
        if form.step != RegisterStep::Path || form.path.text() != input {
            return;
        }
        if candidates.is_empty() {
            form.error = Some(format!(
                "no folder or .py file starts with `{}`",
                one_line(input)
            ));
            return;
        }
        if chosen.len() > input.len() {
            form.path.set_text(&chosen);
        }
        form.completions = if candidates.len() > 1 {
            candidates
        } else {
            Vec::new()
        };
        return;
    }
    if let Some(prompt) = &mut state.prompt {
        let line = prompt.field.text();
        let Some(start) = line.rfind(input).filter(|s| s + input.len() == line.len()) else {
            return;
        };
        match candidates.len() {
            0 => {
                prompt.error = Some(format!(
                    "no folder or .py file starts with `{}`",
                    one_line(input)
                ))
            }
            n => {
                if chosen.len() > input.len() {
                    prompt
                        .field
                        .set_text(&format!("{}{}", &line[..start], chosen));
                }
                if n > 1 {
                    let shown: Vec<&str> = candidates
                        .iter()
                        .take(8)
                        .map(|c| c.rsplit('/').find(|s| !s.is_empty()).unwrap_or(c))
                        .collect();
                    prompt.error = Some(format!("{} matches: {}", n, shown.join("  ")));
                }
            }
        }
    }
}

fn longest_common_prefix(items: &[String]) -> String {
    let Some(first) = items.first() else {
        return String::new();
    };
    let mut end = first.len();
    for other in &items[1..] {
        end = first
            .char_indices()
            .zip(other.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(end);
    }
    first[..end].to_string()
}

fn inspected(
    state: &mut State,
    path: &str,
    file: std::path::PathBuf,
    functions: Result<Vec<FunctionInfo>, String>,
) {
    if functions.is_ok() {
        state.functions.last_path = path.to_string();
    }
    // Functions of this file in the library already, by function name.
    let file_text = file.display().to_string();
    let registered: std::collections::HashMap<String, String> = state
        .functions
        .rows
        .iter()
        .filter(|r| r.function.source_path == file_text)
        .map(|r| (r.function.function.clone(), r.function.name.clone()))
        .collect();
    let Some(Dialog::Register(form)) = state.dialogs.last_mut() else {
        return;
    };
    if form.step != RegisterStep::Path || form.path.text().trim() != path {
        return;
    }
    let functions = match functions {
        Ok(f) if f.is_empty() => {
            form.error = Some(format!(
                "{} defines no top-level function (def …) to register",
                one_line(&file.display().to_string())
            ));
            return;
        }
        Ok(f) => f,
        Err(e) => {
            form.error = Some(e);
            return;
        }
    };
    form.functions = functions
        .iter()
        .map(|f| PickItem {
            registered_as: registered.get(&f.name).cloned(),
            ..pick_item(f)
        })
        .collect();
    form.file = file;
    form.pick = Default::default();
    form.pick.visible = (0..form.functions.len()).collect();
    form.step = RegisterStep::Pick;
    form.error = None;
    if let Some(wanted) = form.preselect.take() {
        match form.functions.iter().position(|f| f.name == wanted) {
            Some(i) => {
                form.pick.selected = i;
                to_details(form);
            }
            None => {
                let names: Vec<&str> = form.functions.iter().map(|f| f.name.as_str()).collect();
                form.error = Some(format!(
                    "the file defines no top-level function `{}`; choose one of: {}",
                    one_line(&wanted),
                    names.join(", ")
                ));
            }
        }
    }
}

fn pick_item(info: &FunctionInfo) -> PickItem {
    PickItem {
        name: info.name.clone(),
        signature: one_line(&signature(&info.name, &info.params)),
        doc: info
            .doc
            .clone()
            .map(|d| super::text::field_text(&d))
            .unwrap_or_default(),
        line: info.lineno,
        is_async: info.is_async,
        registered_as: None,
    }
}

/// The signature as the library will show it once registered.
fn signature(name: &str, params: &[Param]) -> String {
    let f = Function {
        id: String::new(),
        name: name.to_string(),
        filename: String::new(),
        path: String::new(),
        function: name.to_string(),
        description: String::new(),
        created_at: chrono::DateTime::UNIX_EPOCH,
        updated_at: chrono::DateTime::UNIX_EPOCH,
        params: params.to_vec(),
        content_hash: String::new(),
        source_path: String::new(),
        module: String::new(),
    };
    f.signature()
}

#[cfg(test)]
mod tests {
    #[test]
    fn common_prefix() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            super::longest_common_prefix(&v(&["etl.py", "etl_old.py"])),
            "etl"
        );
        assert_eq!(super::longest_common_prefix(&v(&["a/", "b"])), "");
        assert_eq!(super::longest_common_prefix(&v(&["ünï", "ünö"])), "ün");
    }
}
