//! The flow editor: section tabs and the deploy line on top; the settings form, the
//! task list with the selected task's inputs, the edges, and the graph (drawn from the
//! layout cached in the state, never laid out here). Also the editor's dialogs.

use super::form::{busy_line, field, foot, key};
use super::theme::Theme;
use super::{block, ellipsize, popup, spinner};
use crate::keymap::{Action, Context, Keymap};
use crate::model::deploy::{DeployRecord, DeployState};
use crate::model::template::has_strings;
use crate::model::{Input, Literal, Mode, Task};
use crate::state::flow_editor::{
    DiffDialog, Editor, FlowDialog, OptionsDialog, Picker, RevisionsDialog, Section, Setting,
    TextPrompt, TextView,
};
use crate::state::list::clamp_offset;
use crate::state::status::elapsed;
use crate::state::text::one_line;
use crate::state::view::options_editor::EditorKind;
use crate::state::{Screen, State};
use crate::ui::widgets::diff::DiffView;
use crate::ui::widgets::graph::{
    deploy_state_style, import_error_style, run_state_style, GraphView,
};
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;
use std::collections::HashMap;

pub fn draw(
    state: &State,
    ed: &Editor,
    keymap: &Keymap,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    screen: &mut Screen,
) {
    let f = &ed.spec.flow;
    let mark = if ed.dirty { " · draft" } else { "" };
    let title = format!(
        " Flow {} · {} · v{}{mark} ",
        ellipsize(&one_line(&f.name), 40),
        f.id,
        f.version
    );
    let b = block(title, true, theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let [tabs, deploy, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(inner);
    let deploy = deploy.inner(Margin::new(1, 0));
    draw_sections(ed, theme, frame, tabs);
    frame.render_widget(deploy_line(state, ed, keymap, theme), deploy);
    if ed.section == Section::Graph {
        draw_graph(state, ed, theme, frame, body, screen);
        return;
    }
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(body);
    let left_inner = left.inner(Margin::new(1, 0));
    let problems_h = if ed.problems.is_empty() {
        0
    } else {
        u16::try_from(ed.problems.len().min(5) + 1).unwrap_or(6)
    };
    let [list, problems] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(problems_h)]).areas(left_inner);
    match ed.section {
        Section::Settings => draw_settings(ed, theme, frame, list),
        Section::Tasks | Section::Inputs => draw_tasks(state, ed, theme, frame, list),
        Section::Edges => draw_edges(ed, theme, frame, list),
        Section::Graph => {}
    }
    if problems_h > 0 {
        let mut lines = vec![Line::styled("Cannot save yet:", theme.error)];
        lines.extend(
            ed.problems
                .iter()
                .take(5)
                .map(|p| Line::styled(format!("• {}", one_line(&p.to_string())), theme.error)),
        );
        frame.render_widget(Paragraph::new(lines), problems);
    }
    match ed.section {
        Section::Tasks | Section::Inputs => draw_task_detail(state, ed, theme, frame, right),
        _ => {
            let b = block(" Graph ", false, theme);
            let gi = b.inner(right);
            frame.render_widget(b, right);
            draw_graph(state, ed, theme, frame, gi, screen);
        }
    }
}

fn draw_sections(ed: &Editor, theme: &Theme, frame: &mut Frame, area: Rect) {
    let current = if ed.section == Section::Inputs {
        Section::Tasks
    } else {
        ed.section
    };
    let mut spans = Vec::new();
    for s in Section::CYCLE {
        let count = match s {
            Section::Tasks => format!(" {}", ed.spec.tasks.len()),
            Section::Edges => format!(" {}", ed.spec.edges.len()),
            _ => String::new(),
        };
        let label = format!(" {}{count} ", s.title());
        spans.push(Span::styled(
            label,
            if s == current {
                theme.tab_active
            } else {
                theme.tab
            },
        ));
        spans.push(Span::raw(" "));
    }
    if ed.section == Section::Inputs {
        spans.push(Span::styled("› inputs", theme.accent));
    }
    frame.render_widget(Line::from(spans), area);
}

/// "deploy: parsing… 1.4 s", "ready", the import error, or "draft".
fn deploy_line<'a>(state: &'a State, ed: &Editor, keymap: &Keymap, theme: &Theme) -> Line<'a> {
    let id = &ed.spec.flow.id;
    let save = key(keymap, Context::Flows, Action::Save);
    if let Some(d) = state.flows.deploying.get(id) {
        let took = state.now.saturating_duration_since(d.started);
        let (what, msg) = match &d.record {
            Some(r) if r.state == DeployState::Parsing => ("parsing", r.message.as_str()),
            Some(r) => (r.state.label(), r.message.as_str()),
            None => ("rendering", ""),
        };
        return Line::from(vec![
            Span::styled(
                format!("{} {what}… {} ", spinner(took), elapsed_secs(took)),
                theme.warn,
            ),
            Span::styled(ellipsize(&one_line(msg), 80), theme.dim),
        ]);
    }
    if let Some(job) = ed.busy.and_then(|b| state.jobs.get(&b)) {
        let d = state.now.saturating_duration_since(job.started);
        return Line::styled(
            format!("{} {}… {}", spinner(d), job.label, elapsed(d)),
            theme.accent,
        );
    }
    if let Some(newer) = &ed.newer {
        return Line::styled(ellipsize(&one_line(newer), 160), theme.warn);
    }
    if ed.is_new {
        return Line::styled(
            format!("draft: a new flow, not saved yet ({save} saves and deploys)"),
            theme.warn,
        );
    }
    let record = state.flows.deploy_of(id);
    let mut spans = Vec::new();
    if ed.dirty {
        spans.push(Span::styled(
            format!("draft: unsaved edits ({save} saves and deploys) · "),
            theme.warn,
        ));
    }
    match record {
        None => spans.push(Span::styled("saved, not deployed yet", theme.dim)),
        Some(r) => {
            spans.push(Span::styled(
                state_label(state, r),
                state_style(r.state, theme),
            ));
            let msg = match r.state {
                DeployState::ImportError => match &r.error_task {
                    Some(t) => format!(
                        " in task `{}` — {} shows the traceback",
                        one_line(t),
                        key(keymap, Context::Flows, Action::ShowError)
                    ),
                    None => format!(
                        " — {} shows the traceback",
                        key(keymap, Context::Flows, Action::ShowError)
                    ),
                },
                _ if r.message.is_empty() => String::new(),
                _ => format!(" — {}", one_line(&r.message)),
            };
            spans.push(Span::styled(msg, theme.dim));
        }
    }
    Line::from(spans)
}

/// `1.4 s`, the unit the deploy line counts in.
fn elapsed_secs(d: std::time::Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

fn state_label(state: &State, r: &DeployRecord) -> String {
    let offline = matches!(
        state.status.health,
        Some((crate::state::AirflowHealth::Offline { .. }, _))
    );
    crate::state::flow_editor::deploy_label(Some(r), r.version, false, offline)
}

pub fn state_style(s: DeployState, theme: &Theme) -> Style {
    match s {
        DeployState::Ready => theme.ok,
        DeployState::ImportError => theme.error,
        DeployState::Parsing => theme.warn,
        DeployState::Saved | DeployState::Rendered => theme.info,
    }
}

fn selected_style(on: bool, focused: bool, theme: &Theme) -> Style {
    match (on, focused) {
        (true, true) => theme.selected,
        (true, false) => Style::new().add_modifier(Modifier::REVERSED),
        _ => Style::new(),
    }
}

fn draw_settings(ed: &Editor, theme: &Theme, frame: &mut Frame, area: Rect) {
    let label_w = Setting::ALL
        .iter()
        .map(|s| s.label().len())
        .max()
        .unwrap_or(0);
    let width = usize::from(area.width).saturating_sub(label_w + 3);
    let lines: Vec<Line> = Setting::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let on = i == ed.setting;
            let value = one_line(&s.shown(&ed.spec.flow));
            Line::from(vec![
                Span::styled(if on { "› " } else { "  " }, theme.accent),
                Span::styled(format!("{:<label_w$} ", s.label()), theme.dim),
                Span::raw(ellipsize(&value, width)),
            ])
            .style(selected_style(on, true, theme))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

fn draw_tasks(state: &State, ed: &Editor, theme: &Theme, frame: &mut Frame, area: Rect) {
    if ed.spec.tasks.is_empty() {
        frame.render_widget(
            Paragraph::new(
                "No tasks yet.\n\nPress a to add one from the function library (or a docker task).",
            )
            .style(theme.dim)
            .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let rows = usize::from(area.height);
    let offset = clamp_offset(ed.tasks.offset, ed.tasks.selected, rows, ed.tasks.len());
    let focused = ed.section == Section::Tasks;
    let error_task = state
        .flows
        .deploy_of(&ed.spec.flow.id)
        .filter(|d| d.state == DeployState::ImportError)
        .and_then(|d| d.error_task.clone());
    let width = usize::from(area.width);
    let lines: Vec<Line> = ed.tasks.visible[offset..(offset + rows).min(ed.tasks.len())]
        .iter()
        .enumerate()
        .filter_map(|(i, &ti)| {
            let t = ed.spec.tasks.get(ti)?;
            let on = offset + i == ed.tasks.selected;
            let what = match t.mode {
                Mode::Docker => "docker".to_string(),
                Mode::Python => function_name(state, t),
            };
            let bad = error_task.as_deref() == Some(t.variable_id.as_str());
            // The task Airflow's traceback points at says so instead of its function.
            let what = if bad {
                "✗ import error here (x: traceback)".to_string()
            } else {
                what
            };
            let var_w = 20.min(width.saturating_sub(4));
            let spans = vec![
                Span::styled(if on { "› " } else { "  " }, theme.accent),
                Span::styled(
                    format!("{:<var_w$} ", ellipsize(&one_line(&t.variable_id), var_w)),
                    if bad { theme.error } else { Style::new() },
                ),
                Span::styled(
                    ellipsize(&what, width.saturating_sub(var_w + 3)),
                    if bad { theme.error } else { theme.dim },
                ),
            ];
            Some(Line::from(spans).style(selected_style(on, focused, theme)))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// The task's call as configured: `extract(day={{ ds }}, region=params.region)` — the
/// inputs it sets, `name=?` for a required parameter still without a value; parameters
/// left to their default are not listed (the function's signature is in the detail).
fn function_name(state: &State, t: &Task) -> String {
    let Some(row) = t
        .function_id
        .as_ref()
        .and_then(|fid| state.functions.rows.iter().find(|r| &r.function.id == fid))
    else {
        return "(function not in the library)".into();
    };
    let f = &row.function;
    let spec = state.flows.editor.as_ref().map(|e| &e.spec);
    let args: Vec<String> = f
        .params
        .iter()
        .filter(|p| p.takes_input())
        .filter_map(|p| {
            let value = match t.inputs.get(&p.name) {
                Some(Input::Value { value, .. }) => value.to_python(),
                Some(Input::Task { task, key }) => {
                    let from = spec.map_or(task.as_str(), |s| s.var_of(task));
                    match key {
                        Some(k) => format!("{from}[{k:?}]"),
                        None => from.to_string(),
                    }
                }
                Some(Input::Param { name }) => format!("params.{name}"),
                None if p.default.is_none() => "?".to_string(),
                None => return None,
            };
            Some(format!("{}={}", p.name, one_line(&value)))
        })
        .collect();
    format!("{}({})", one_line(&f.function), args.join(", "))
}

/// How an input gets its value, in words.
pub fn describe_input(spec: &crate::model::FlowSpec, input: Option<&Input>) -> String {
    match input {
        None => "—".into(),
        // Every value holding strings is labelled with its kind: "template" (Airflow
        // renders it) or "text" (the task receives it as typed).
        Some(Input::Value {
            value: Literal::Str(s),
            strings,
        }) => format!("{} {}", strings.as_str(), one_line(s)),
        Some(Input::Value { value, strings }) if has_strings(value) => {
            format!("{} {}", strings.as_str(), one_line(&value.to_python()))
        }
        Some(Input::Value { value, .. }) => format!("= {}", one_line(&value.to_python())),
        Some(Input::Task { task, key: None }) => format!("← {} (output)", spec.var_of(task)),
        Some(Input::Task { task, key: Some(k) }) => {
            format!("← {}[\"{}\"]", spec.var_of(task), one_line(k))
        }
        Some(Input::Param { name }) => format!("run parameter {}", one_line(name)),
    }
}

fn draw_task_detail(state: &State, ed: &Editor, theme: &Theme, frame: &mut Frame, area: Rect) {
    let focused = ed.section == Section::Inputs;
    let Some(t) = ed.selected_task() else {
        frame.render_widget(block(" Task ", false, theme), area);
        return;
    };
    let b = block(
        format!(" Task {} ", ellipsize(&one_line(&t.variable_id), 30)),
        focused,
        theme,
    );
    let inner = b.inner(area).inner(Margin::new(1, 0));
    frame.render_widget(b, area);
    let mut lines: Vec<Line> = Vec::new();
    let w = usize::from(inner.width);
    match t.mode {
        Mode::Python => {
            lines.push(Line::from(vec![
                Span::styled("calls ", theme.dim),
                Span::raw(ellipsize(&function_name(state, t), w.saturating_sub(6))),
            ]));
            if !t.python_callable.is_empty() {
                lines.push(Line::styled(
                    "python_callable overridden (c to edit)",
                    theme.warn,
                ));
            }
            lines.push(Line::raw(""));
            let params = ed.params(&state.functions.rows);
            if params.is_empty() {
                lines.push(Line::styled("The function takes no parameters.", theme.dim));
            } else {
                lines.push(Line::styled(
                    if focused {
                        "Inputs (Enter chooses the value, d clears it)"
                    } else {
                        "Inputs (Enter to edit)"
                    },
                    theme.header,
                ));
                let required: Vec<String> = t
                    .function_id
                    .as_ref()
                    .and_then(|fid| state.functions.rows.iter().find(|r| &r.function.id == fid))
                    .map(|r| {
                        r.function
                            .params
                            .iter()
                            .filter(|p| p.required())
                            .map(|p| p.name.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                let name_w = params.iter().map(|p| p.len()).max().unwrap_or(0).min(20);
                for (i, p) in params.iter().enumerate() {
                    let on = focused && ed.inputs.selected == i;
                    let input = t.inputs.get(p);
                    let missing = input.is_none() && required.contains(p);
                    let value = if missing {
                        "needs a value".to_string()
                    } else {
                        describe_input(&ed.spec, input)
                    };
                    lines.push(
                        Line::from(vec![
                            Span::styled(if on { "› " } else { "  " }, theme.accent),
                            Span::raw(format!("{:<name_w$} ", ellipsize(&one_line(p), name_w))),
                            Span::styled(
                                ellipsize(&value, w.saturating_sub(name_w + 3)),
                                if missing { theme.error } else { theme.dim },
                            ),
                        ])
                        .style(selected_style(on, true, theme)),
                    );
                }
            }
        }
        Mode::Docker => {
            lines.push(Line::styled("docker task (DockerOperator)", theme.dim));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Options (o to edit)", theme.header));
    if t.options.trim().is_empty() {
        lines.push(Line::styled("  (defaults of the flow)", theme.dim));
    }
    for l in t.options.lines().take(8) {
        lines.push(Line::raw(format!(
            "  {}",
            ellipsize(&one_line(l), w.saturating_sub(2))
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_edges(ed: &Editor, theme: &Theme, frame: &mut Frame, area: Rect) {
    if ed.spec.edges.is_empty() {
        frame.render_widget(
            Paragraph::new("No edges yet.\n\nPress a to add one (pick the upstream task, then the downstream one). Wiring an input from a task adds its edge by itself.")
                .style(theme.dim)
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let rows = usize::from(area.height);
    let offset = clamp_offset(ed.edges.offset, ed.edges.selected, rows, ed.edges.len());
    let lines: Vec<Line> = ed.edges.visible[offset..(offset + rows).min(ed.edges.len())]
        .iter()
        .enumerate()
        .filter_map(|(i, &ei)| {
            let e = ed.spec.edges.get(ei)?;
            let on = offset + i == ed.edges.selected;
            let implied = ed
                .spec
                .task(&e.to_task_id)
                .is_some_and(|t| t.upstream_inputs().any(|u| u == e.from_task_id));
            Some(
                Line::from(vec![
                    Span::styled(if on { "› " } else { "  " }, theme.accent),
                    Span::raw(format!(
                        "{} → {}",
                        one_line(ed.spec.var_of(&e.from_task_id)),
                        one_line(ed.spec.var_of(&e.to_task_id))
                    )),
                    Span::styled(if implied { "  (input)" } else { "" }, theme.dim),
                ])
                .style(selected_style(on, true, theme)),
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// The graph, from the cached layout: boxes coloured by the deploy state, the latest
/// run's task states when the Runs pane provides them, the import error's task in red.
fn draw_graph(
    state: &State,
    ed: &Editor,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    screen: &mut Screen,
) {
    if ed.spec.tasks.is_empty() {
        frame.render_widget(Paragraph::new("(no tasks)").style(theme.dim), area);
        return;
    }
    let layout = &ed.layout;
    let view = (area.width, area.height);
    let selected = ed.selected_node();
    let offset = match selected {
        Some(n) => layout.scroll_to_show(n, view, ed.graph_offset),
        None => layout.clamp_offset(ed.graph_offset, view),
    };
    screen.graph = Some(offset);
    let mut styles: HashMap<String, Style> = HashMap::new();
    let record = state.flows.deploy_of(&ed.spec.flow.id);
    if let Some(r) = record.filter(|_| !ed.dirty) {
        let base = deploy_state_style(r.state);
        if base != Style::new() {
            for t in &ed.spec.tasks {
                styles.insert(t.variable_id.clone(), base);
            }
        }
    }
    if let Some(runs) = state.flows.task_states.get(&ed.spec.flow.id) {
        for (task, s) in runs {
            styles.insert(task.clone(), run_state_style(s));
        }
    }
    if let Some(t) = record
        .filter(|r| r.state == DeployState::ImportError)
        .and_then(|r| r.error_task.as_ref())
    {
        styles.insert(t.clone(), import_error_style());
    }
    frame.render_widget(
        GraphView::new(layout)
            .offset(offset)
            .selected(selected)
            .styles(&styles),
        area,
    );
}

pub fn draw_dialog(
    d: &FlowDialog,
    state: &State,
    keymap: &Keymap,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    match d {
        FlowDialog::Text(p) => text_prompt(p, keymap, theme, frame, area),
        FlowDialog::Pick(p) => picker(p, keymap, theme, frame, area),
        FlowDialog::Options(o) => options(o, state, keymap, theme, frame, area),
        FlowDialog::Diff(dd) => diff(dd, state, keymap, theme, frame, area),
        FlowDialog::Revisions(r) => revisions(r, keymap, theme, frame, area),
        FlowDialog::View(v) => view(v, keymap, theme, frame, area),
        FlowDialog::Choice(c) => super::choice::draw(c, keymap, theme, frame, area),
    }
}

/// A prompt's reading: `✓ reading` (a second line dimmer) or `✗ problem`.
fn check_lines<'a>(check: &Result<String, String>, theme: &Theme) -> Vec<Line<'a>> {
    match check {
        Ok(reading) if reading.is_empty() => vec![Line::raw("")],
        Ok(reading) => reading
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i == 0 {
                    Line::styled(format!("✓ {}", one_line(l)), theme.ok)
                } else {
                    Line::styled(format!("  {}", one_line(l)), theme.dim)
                }
            })
            .collect(),
        Err(e) => vec![Line::styled(format!("✗ {}", one_line(e)), theme.error)],
    }
}

/// The new-flow form: the name and the schedule, each with its reading as typed.
fn two_field_prompt(
    p: &TextPrompt,
    second: &crate::state::flow_editor::SecondField,
    keymap: &Keymap,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let r = popup(frame, area, 72, 14);
    let b = block(format!(" {} ", ellipsize(&p.title, 66)), true, theme);
    let inner = b.inner(r).inner(Margin::new(1, 0));
    frame.render_widget(b, r);
    let [f1, c1, f2, c2, note, foot_row] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Length(2),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(inner);
    field(&p.field, !p.on_second, theme, frame, f1);
    frame.render_widget(Paragraph::new(check_lines(&p.check, theme)), c1);
    field(&second.field, p.on_second, theme, frame, f2);
    frame.render_widget(
        Paragraph::new(check_lines(&second.check, theme)).wrap(Wrap { trim: false }),
        c2,
    );
    frame.render_widget(
        Paragraph::new(p.note.as_str())
            .style(theme.dim)
            .wrap(Wrap { trim: true }),
        note,
    );
    let keys: &[(Action, &str)] = if p.on_second {
        &[
            (Action::Submit, "create"),
            (Action::Complete, "other field"),
            (Action::Cancel, "cancel"),
        ]
    } else {
        &[
            (Action::Submit, "next"),
            (Action::Complete, "other field"),
            (Action::Save, "create"),
            (Action::Cancel, "cancel"),
        ]
    };
    frame.render_widget(foot(keymap, Context::Editor, keys, theme), foot_row);
}

fn text_prompt(p: &TextPrompt, keymap: &Keymap, theme: &Theme, frame: &mut Frame, area: Rect) {
    if let Some(second) = &p.second {
        return two_field_prompt(p, second, keymap, theme, frame, area);
    }
    let field_h = if p.field.multiline { 8 } else { 3 };
    let r = popup(frame, area, 72, field_h + 8);
    let b = block(format!(" {} ", ellipsize(&p.title, 66)), true, theme);
    let inner = b.inner(r).inner(Margin::new(1, 0));
    frame.render_widget(b, r);
    let [f, check, note, foot_row] = Layout::vertical([
        Constraint::Length(field_h),
        Constraint::Length(3),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(inner);
    field(&p.field, true, theme, frame, f);
    // A reading may add a second line (a schedule's next runs), shown dimmer.
    frame.render_widget(
        Paragraph::new(check_lines(&p.check, theme)).wrap(Wrap { trim: true }),
        check,
    );
    frame.render_widget(
        Paragraph::new(p.note.as_str())
            .style(theme.dim)
            .wrap(Wrap { trim: true }),
        note,
    );
    let ok = if p.field.multiline {
        (Action::Save, "done")
    } else {
        (Action::Submit, "ok")
    };
    frame.render_widget(
        foot(
            keymap,
            Context::Editor,
            &[ok, (Action::Cancel, "cancel")],
            theme,
        ),
        foot_row,
    );
}

fn picker(p: &Picker, keymap: &Keymap, theme: &Theme, frame: &mut Frame, area: Rect) {
    let rows = u16::try_from(p.items.len()).unwrap_or(u16::MAX).min(14);
    // Environments show a URL, the auth and marks each: room for them when there is.
    let width = if p.purpose == crate::state::flow_editor::PickPurpose::Environment {
        110
    } else {
        80
    };
    let r = popup(frame, area, width, rows + 7);
    let b = block(format!(" {} ", ellipsize(&p.title, 74)), true, theme);
    let inner = b.inner(r).inner(Margin::new(1, 0));
    frame.render_widget(b, r);
    let [filter, list, foot_row] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let mut f = p.filter.clone();
    f.label = "Filter (type to narrow)";
    field(&f, true, theme, frame, filter);
    let h = usize::from(list.height);
    let nav = &p.nav;
    if nav.is_empty() {
        frame.render_widget(Paragraph::new("nothing matches").style(theme.dim), list);
    } else {
        let offset = clamp_offset(nav.offset, nav.selected, h, nav.len());
        let label_w = p
            .items
            .iter()
            .map(|i| unicode_width::UnicodeWidthStr::width(i.label.as_str()))
            .max()
            .unwrap_or(0)
            .min(28);
        let w = usize::from(list.width);
        let lines: Vec<Line> = nav.visible[offset..(offset + h).min(nav.len())]
            .iter()
            .enumerate()
            .filter_map(|(i, &ri)| {
                let item = p.items.get(ri)?;
                let on = offset + i == nav.selected;
                let mut spans = vec![Span::styled(if on { "› " } else { "  " }, theme.accent)];
                let matched = p.matched.get(ri).map_or(&[][..], Vec::as_slice);
                spans.extend(highlighted(&item.label, matched, label_w, theme));
                Some(
                    Line::from(
                        spans
                            .into_iter()
                            .chain([Span::styled(
                                ellipsize(&one_line(&item.detail), w.saturating_sub(label_w + 4)),
                                if on { Style::new() } else { theme.dim },
                            )])
                            .collect::<Vec<_>>(),
                    )
                    .style(selected_style(on, true, theme)),
                )
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), list);
    }
    let mut line = foot(
        keymap,
        Context::Editor,
        &[(Action::Submit, "choose"), (Action::Cancel, "cancel")],
        theme,
    );
    line.spans.insert(0, Span::styled("↑↓ move · ", theme.dim));
    frame.render_widget(line, foot_row);
}

/// A picker's label padded to `width` columns, the characters the filter matched
/// (`matched`, char positions) in the accent colour and bold.
fn highlighted(label: &str, matched: &[u32], width: usize, theme: &Theme) -> Vec<Span<'static>> {
    let shown = ellipsize(&one_line(label), width);
    let hl = theme.accent.add_modifier(ratatui::style::Modifier::BOLD);
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut run = String::new();
    let mut run_hl = false;
    for (i, c) in shown.chars().enumerate() {
        let on = u32::try_from(i).is_ok_and(|i| matched.binary_search(&i).is_ok()) && c != '…';
        if on != run_hl && !run.is_empty() {
            let text = std::mem::take(&mut run);
            spans.push(if run_hl {
                Span::styled(text, hl)
            } else {
                Span::raw(text)
            });
        }
        run_hl = on;
        run.push(c);
    }
    if !run.is_empty() {
        spans.push(if run_hl {
            Span::styled(run, hl)
        } else {
            Span::raw(run)
        });
    }
    let pad = width.saturating_sub(unicode_width::UnicodeWidthStr::width(shown.as_str())) + 2;
    spans.push(Span::raw(" ".repeat(pad)));
    spans
}

fn options(
    o: &OptionsDialog,
    state: &State,
    keymap: &Keymap,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let w = area.width.saturating_sub(8).clamp(40, 100);
    let h = area.height.saturating_sub(4).clamp(10, 30);
    let r = popup(frame, area, w, h);
    let b = block(format!(" {} ", ellipsize(&o.title, 80)), true, theme);
    let inner = b.inner(r);
    frame.render_widget(b, r);
    let [ed, foot_row] = Layout::vertical([Constraint::Min(4), Constraint::Length(1)]).areas(inner);
    frame.render_widget(&o.editor, ed);
    let code = o.editor.kind() == EditorKind::Code;
    let line = busy_line(o.busy, state, theme).unwrap_or_else(|| {
        let mut items = vec![
            (Action::Save, "apply"),
            (Action::Cancel, "close (asks if changed)"),
        ];
        if !code {
            items.push((Action::OptionList, "list options"));
        }
        foot(keymap, Context::Editor, &items, theme)
    });
    frame.render_widget(line, foot_row);
}

fn diff(
    d: &DiffDialog,
    state: &State,
    keymap: &Keymap,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let w = area.width.saturating_sub(6).clamp(40, 120);
    let h = area.height.saturating_sub(4).max(8);
    let r = popup(frame, area, w, h);
    let title = format!(
        " Save flow `{}`? Changes against {} ",
        ellipsize(&one_line(&d.spec.flow.name), 30),
        d.against
    );
    let b = block(title, true, theme);
    let inner = b.inner(r);
    frame.render_widget(b, r);
    // A read-only environment: the save stores the flow and deploys nothing (and so
    // starts no run); the dialog says so instead.
    let env = &state.env.current;
    let read_only = env.read_only.then(|| {
        format!(
            "{} is read-only in this configuration: saving stores the flow in the database only and deploys nothing.",
            one_line(&env.name)
        )
    });
    let starts_run = if read_only.is_some() {
        None
    } else {
        d.starts_run.as_ref()
    };
    let warn_rows = u16::from(starts_run.is_some() || read_only.is_some()) * 2;
    let [warn, body, foot_row] = Layout::vertical([
        Constraint::Length(warn_rows),
        Constraint::Min(2),
        Constraint::Length(1),
    ])
    .areas(inner);
    if let Some(sentence) = starts_run.or(read_only.as_ref()) {
        frame.render_widget(
            Paragraph::new(sentence.as_str())
                .style(theme.warn)
                .wrap(Wrap { trim: true }),
            warn,
        );
    }
    if d.diff.is_empty() {
        frame.render_widget(
            Paragraph::new(if read_only.is_some() {
                "No changes against the deployed version."
            } else {
                "No changes against the deployed version: saving deploys it again."
            })
            .style(theme.dim),
            body,
        );
    } else {
        let max = DiffView::max_scroll(&d.diff, body.height, true);
        frame.render_widget(
            DiffView::new(&d.diff)
                .summary(&d.summary)
                .scroll(d.scroll.min(max)),
            body,
        );
    }
    let line = Line::from(vec![
        Span::styled(key(keymap, Context::Dialog, Action::Confirm), theme.key),
        Span::styled(
            if read_only.is_some() {
                " save (database only)"
            } else {
                " save and deploy"
            },
            theme.ok,
        ),
        Span::styled(" · ", theme.dim),
        Span::styled(key(keymap, Context::Dialog, Action::Cancel), theme.key),
        Span::styled(" back to editing", theme.dim),
        Span::styled(" · j/k scroll", theme.dim),
    ]);
    let mut line = line;
    if starts_run.is_some() {
        line.spans.insert(2, Span::styled(" · ", theme.dim));
        line.spans.insert(
            3,
            Span::styled(key(keymap, Context::Dialog, Action::TogglePause), theme.key),
        );
        line.spans
            .insert(4, Span::styled(" deploy paused", theme.ok));
    }
    frame.render_widget(line, foot_row);
}

fn revisions(r: &RevisionsDialog, keymap: &Keymap, theme: &Theme, frame: &mut Frame, area: Rect) {
    let rows = u16::try_from(r.revisions.len()).unwrap_or(u16::MAX).min(16);
    let rect = popup(frame, area, 72, rows + 4);
    let b = block(" Revisions ", true, theme);
    let inner = b.inner(rect).inner(Margin::new(1, 0));
    frame.render_widget(b, rect);
    let [list, foot_row] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let h = usize::from(list.height);
    let offset = clamp_offset(r.nav.offset, r.nav.selected, h, r.nav.len());
    let lines: Vec<Line> = r.nav.visible[offset..(offset + h).min(r.nav.len())]
        .iter()
        .enumerate()
        .filter_map(|(i, &ri)| {
            let rev = r.revisions.get(ri)?;
            let on = offset + i == r.nav.selected;
            let deployed = if r.deployed == Some(rev.version) {
                "  deployed"
            } else {
                ""
            };
            Some(
                Line::from(vec![
                    Span::styled(if on { "› " } else { "  " }, theme.accent),
                    Span::raw(format!("v{:<4} ", rev.version)),
                    Span::styled(
                        format!(
                            "{} · {} · {} tasks, {} edges",
                            rev.saved_at.format("%Y-%m-%d %H:%M UTC"),
                            ellipsize(&one_line(&rev.saved_by.label()), 24),
                            rev.spec.tasks.len(),
                            rev.spec.edges.len()
                        ),
                        theme.dim,
                    ),
                    Span::styled(deployed, theme.ok),
                ])
                .style(selected_style(on, true, theme)),
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
    frame.render_widget(
        foot(
            keymap,
            Context::Dialog,
            &[
                (Action::Submit, "roll back to it (shows the diff first)"),
                (Action::Cancel, "close"),
            ],
            theme,
        ),
        foot_row,
    );
}

fn view(v: &TextView, keymap: &Keymap, theme: &Theme, frame: &mut Frame, area: Rect) {
    let w = area.width.saturating_sub(6).clamp(40, 120);
    let h = area.height.saturating_sub(4).max(6);
    let r = popup(frame, area, w, h);
    let b = block(format!(" {} ", ellipsize(&v.title, 80)), true, theme).border_style(theme.error);
    let inner = b.inner(r).inner(Margin::new(1, 0));
    frame.render_widget(b, r);
    let [body, foot_row] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let lines: Vec<Line> = v
        .lines
        .iter()
        .skip(v.scroll)
        .take(usize::from(body.height))
        .map(|l| Line::raw(l.as_str()))
        .collect();
    frame.render_widget(Paragraph::new(lines), body);
    frame.render_widget(
        foot(
            keymap,
            Context::Dialog,
            &[(Action::MoveDown, "scroll"), (Action::Cancel, "close")],
            theme,
        ),
        foot_row,
    );
}
