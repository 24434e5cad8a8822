//! The Runs pane: runs of the flow selected in the Flows pane — the runs list and the
//! runs × tasks grid, the task detail, the log viewer — and the trigger form.

use super::theme::Theme;
use super::{block, ellipsize};
use crate::keymap::{Action, Context, Keymap};
use crate::state::runs::{RunsState, TriggerForm, View};
use crate::state::status::age;
use crate::state::{Screen, State};
use crate::ui::widgets::runs::{Grid, LogView, RunsList, TaskDetail};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Padding, Paragraph, Wrap};
use ratatui::Frame;

fn key(keymap: &Keymap, ctx: Context, action: Action) -> String {
    keymap
        .key_for(&[ctx], action)
        .map(|k| k.to_string())
        .unwrap_or_else(|| action.name())
}

pub fn draw(
    state: &State,
    keymap: &Keymap,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    _screen: &mut Screen,
) {
    let flows_key = key(keymap, Context::Global, Action::FocusFlows);
    let rs = &state.runs;
    let Some(r) = state.flows.selected() else {
        let b = block(" Runs ", true, theme);
        let text = vec![
            Line::from("Select a flow in the Flows pane to see its runs."),
            Line::from(""),
            Line::from(vec![
                Span::raw("Press "),
                Span::styled(flows_key, theme.key),
                Span::raw(" for the Flows pane."),
            ]),
        ];
        frame.render_widget(
            Paragraph::new(text)
                .block(b.padding(Padding::horizontal(1)))
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    };
    let b = block(
        format!(
            " Runs · {} ",
            ellipsize(&r.name, usize::from(area.width.saturating_sub(12)))
        ),
        true,
        theme,
    );
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if inner.height < 3 {
        return;
    }
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    header(state, keymap, theme, frame, head);

    if rs.view == View::Log {
        draw_log(rs, theme, frame, body);
        return;
    }
    let detail_open = rs.view == View::Detail && rs.detail.is_some();
    let (left, right) = if detail_open && body.width >= super::WIDE {
        let [l, r] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(body);
        (l, Some(r))
    } else {
        (body, None)
    };
    let list_h = (rs.runs.len() as u16 + 3).clamp(4, (left.height / 3).max(4));
    let [list_area, grid_area] =
        Layout::vertical([Constraint::Length(list_h), Constraint::Min(1)]).areas(left);
    let now = rs.wall_now();
    let t_key = key(keymap, Context::Runs, Action::Trigger);
    let empty = if rs.runs_at.is_none() {
        "Waiting for Airflow…".to_string()
    } else {
        format!("No runs yet. Press {t_key} to trigger one.")
    };
    {
        let mut w = rs.widgets.borrow_mut();
        let list = RunsList::new(&rs.runs)
            .block(block(" Runs ", rs.view == View::List, theme))
            .now(now)
            .focused(rs.view == View::List)
            .empty_message(&empty);
        frame.render_stateful_widget(list, list_area, &mut w.list);
    }
    let detail_area = match right {
        Some(r) => Some(r),
        None if detail_open => Some(grid_area),
        None => None,
    };
    if right.is_some() || !detail_open {
        let mut w = rs.widgets.borrow_mut();
        let grid = Grid::new(&rs.grid)
            .block(block(" Tasks × runs ", rs.view == View::Grid, theme))
            .focused(rs.view == View::Grid);
        if rs.grid.is_empty() {
            frame.render_widget(
                Paragraph::new(Line::styled(
                    "The grid fills in as Airflow reports task instances.",
                    theme.dim,
                ))
                .block(block(" Tasks × runs ", false, theme).padding(Padding::horizontal(1))),
                grid_area,
            );
        } else {
            frame.render_stateful_widget(grid, grid_area, &mut w.grid);
        }
    }
    if let (Some(area), Some(d)) = (detail_area, &rs.detail) {
        let mut w = rs.widgets.borrow_mut();
        let title = format!(" Task · {} ", d.task_id);
        let detail = TaskDetail::new(&d.ti, &d.output)
            .block(block(title, true, theme))
            .now(now);
        frame.render_stateful_widget(detail, area, &mut w.detail);
    }
}

/// One line: the flow's id, its state in Airflow, and how old the runs shown are.
fn header(state: &State, keymap: &Keymap, theme: &Theme, frame: &mut Frame, area: Rect) {
    let rs = &state.runs;
    let Some(dag_id) = rs.dag_id.as_deref() else {
        return;
    };
    let mut spans = vec![Span::styled(dag_id.to_string(), theme.dim), Span::raw("  ")];
    let (label, style): (String, Style) = if state.airflow.import_error(dag_id).is_some() {
        (
            format!(
                "import error ({} shows it)",
                key(keymap, Context::Runs, Action::ImportErrors)
            ),
            theme.error,
        )
    } else {
        match state.airflow.dag(dag_id) {
            Some(d) if d.is_paused => ("paused in Airflow".into(), theme.warn),
            Some(_) => ("active in Airflow".into(), theme.ok),
            None if state.airflow.knows(dag_id) => ("not in Airflow yet".into(), theme.dim),
            None => ("Airflow not heard from yet".into(), theme.dim),
        }
    };
    spans.push(Span::styled(label, style));
    if let Some(at) = rs.runs_at {
        spans.push(Span::styled(
            format!(
                "  · runs as of {} ago",
                age(state.now.saturating_duration_since(at))
            ),
            theme.dim,
        ));
    }
    frame.render_widget(Line::from(spans), area);
}

fn draw_log(rs: &RunsState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(log) = &rs.log else {
        return;
    };
    let title = format!(
        " Log · {} · {} ",
        log.task_id,
        ellipsize(&log.run_id, usize::from(area.width / 2))
    );
    let mut viewer = log.viewer.borrow_mut();
    frame.render_stateful_widget(
        LogView::new().block(block(title, true, theme)),
        area,
        &mut viewer,
    );
}

/// The trigger form: the run parameters (name, type, value, default and who reads it)
/// or the whole conf as JSON, what is wrong with it, and its keys.
pub fn conf_dialog(f: &TriggerForm, keymap: &Keymap, theme: &Theme, frame: &mut Frame, area: Rect) {
    let rows = u16::try_from(f.fields.len()).unwrap_or(u16::MAX);
    let height = if f.json { 16 } else { rows.saturating_add(6) };
    let r = super::popup(frame, area, 96, height);
    let b = block(
        format!(
            " Trigger {} ",
            ellipsize(&f.flow_name, usize::from(r.width.saturating_sub(12)))
        ),
        true,
        theme,
    );
    let inner = b.inner(r).inner(ratatui::layout::Margin::new(1, 0));
    frame.render_widget(b, r);
    let [head, body, error, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(2),
        Constraint::Length(1),
    ])
    .areas(inner);
    let other_view = if f.json { "fields" } else { "JSON" };
    let head_text = if f.json {
        "The whole conf as JSON; every key is sent.".to_string()
    } else {
        "Run parameters, sent as the run's conf; an empty value is not sent.".to_string()
    };
    frame.render_widget(
        Line::styled(ellipsize(&head_text, usize::from(head.width)), theme.dim),
        head,
    );
    if f.json {
        let mut ta = f.conf.area.clone();
        ta.set_block(block(format!(" {} ", f.conf.label), true, theme));
        ta.set_cursor_line_style(Style::new());
        ta.set_cursor_style(theme.cursor);
        ta.set_style(theme.text);
        frame.render_widget(&ta, body);
    } else {
        param_rows(f, theme, frame, body);
    }
    if let Some(e) = &f.error {
        frame.render_widget(
            Paragraph::new(Line::styled(e.as_str(), theme.error)).wrap(Wrap { trim: true }),
            error,
        );
    } else if !f.json && !f.extra.is_empty() {
        let keys: Vec<String> = f
            .extra
            .keys()
            .map(|k| crate::model::text::one_line(k))
            .collect();
        frame.render_widget(
            Line::styled(
                ellipsize(
                    &format!("also sent (typed as JSON): {}", keys.join(", ")),
                    usize::from(error.width),
                ),
                theme.dim,
            ),
            error,
        );
    }
    let mut items = vec![(Action::Save, "trigger")];
    if !f.json {
        items.push((Action::Complete, "next"));
    }
    items.push((Action::ToggleJson, other_view));
    items.push((Action::Cancel, "cancel"));
    frame.render_widget(
        super::form::foot(keymap, Context::Editor, &items, theme),
        foot,
    );
}

/// One row per run parameter: name, type, the value being typed, then its default and
/// the inputs that read it. Rows scroll to keep the focused one in view.
fn param_rows(f: &TriggerForm, theme: &Theme, frame: &mut Frame, area: Rect) {
    let name_w = f
        .params
        .iter()
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 20);
    let name_w = u16::try_from(name_w).unwrap_or(20);
    let type_w = 13;
    let value_w = area.width.saturating_sub(name_w + type_w + 4).clamp(8, 22);
    let visible = usize::from(area.height.max(1));
    let first = f.focus.saturating_sub(visible.saturating_sub(1));
    for (row, (i, (p, field))) in f
        .params
        .iter()
        .zip(&f.fields)
        .enumerate()
        .skip(first)
        .take(visible)
        .enumerate()
    {
        let y = area.y + u16::try_from(row).unwrap_or(0);
        let focused = i == f.focus;
        let [name, kind, value, note] = Layout::horizontal([
            Constraint::Length(name_w + 1),
            Constraint::Length(type_w + 1),
            Constraint::Length(value_w + 2),
            Constraint::Min(0),
        ])
        .areas(Rect::new(area.x, y, area.width, 1));
        frame.render_widget(
            Line::styled(
                ellipsize(&crate::model::text::one_line(&p.name), usize::from(name_w)),
                if focused { theme.title } else { theme.text },
            ),
            name,
        );
        frame.render_widget(Line::styled(p.kind.label(), theme.dim), kind);
        let mut ta = field.area.clone();
        ta.set_cursor_line_style(Style::new());
        ta.set_cursor_style(if focused { theme.cursor } else { Style::new() });
        // Underlined: where a value goes, also while it is empty.
        ta.set_style(
            if focused { theme.selected } else { theme.text }
                .add_modifier(ratatui::style::Modifier::UNDERLINED),
        );
        frame.render_widget(&ta, Rect::new(value.x, y, value_w, 1));
        let default = match &p.default {
            Some(d) => format!("default {}", crate::model::text::one_line(d)),
            None => "no default".to_string(),
        };
        let note_text = format!("{default} · {}", p.used_by.join(", "));
        frame.render_widget(
            Line::styled(ellipsize(&note_text, usize::from(note.width)), theme.dim),
            note,
        );
    }
}
