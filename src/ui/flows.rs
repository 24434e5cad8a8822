//! The Flows pane: every flow with its id, version, schedule, deploy state and last
//! run; the flow editor (`flow_editor.rs`) when a flow is open.

use super::block;
use super::theme::Theme;
use crate::keymap::{Action, Context, Keymap};
use crate::model::deploy::DeployState;
use crate::state::flows::FlowRow;
use crate::state::functions::Loading;
use crate::state::{Pane, Screen, State};
use ratatui::layout::{Constraint, Margin, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

pub fn draw(
    state: &State,
    keymap: &Keymap,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    screen: &mut Screen,
) {
    let fl = &state.flows;
    if let Some(ed) = &fl.editor {
        super::flow_editor::draw(state, ed, keymap, theme, frame, area, screen);
        return;
    }
    let nav = &fl.nav;
    let title = if nav.filter.is_empty() {
        format!(" Flows · {} ", fl.rows.len())
    } else {
        format!(
            " Flows · filter “{}” · {} of {} ",
            super::ellipsize(&crate::state::text::one_line(&nav.filter), 24),
            nav.len(),
            fl.rows.len()
        )
    };
    let b = block(title, true, theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    match &fl.loading {
        Loading::Loading => {
            frame.render_widget(Paragraph::new("Loading flows…").style(theme.dim), inner);
            return;
        }
        Loading::Failed(e) => {
            frame.render_widget(
                Paragraph::new(format!("Flows could not be loaded:\n{e}"))
                    .style(theme.error)
                    .wrap(Wrap { trim: false }),
                inner,
            );
            return;
        }
        Loading::Loaded => {}
    }
    if fl.rows.is_empty() {
        let inner = inner.inner(Margin::new(1, 0));
        let add = keymap
            .key_for(&[Context::Flows], Action::Add)
            .map(|k| k.to_string())
            .unwrap_or_default();
        let text = format!("No flows yet.\n\nPress {add} to create one, or `flowdeck flow import FILE` to add one from a flow document.");
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), inner);
        return;
    }
    if nav.is_empty() {
        let back = keymap
            .key_for(&[Context::Flows, Context::Global], Action::Back)
            .map(|k| k.to_string())
            .unwrap_or_default();
        super::no_match(frame, inner, theme, "flow", &nav.filter, &back);
        return;
    }
    let (header, rows_area, offset) = super::list_rows(inner, nav, Pane::Flows, screen);
    let rows_h = usize::from(rows_area.height);
    // Seven columns, six gaps of one; the schedule takes what is left.
    // With several environments the column lists each ("dev v5 ready · prod v3 ready"):
    // as wide as the longest label where there is room.
    let several = state.flows.environments.all.len() > 1;
    let deploy_w: u16 = if several && inner.width >= 120 {
        let widest = fl
            .rows
            .iter()
            .map(|r| UnicodeWidthStr::width(r.deploy_label.as_str()) + 16)
            .max()
            .unwrap_or(16);
        u16::try_from(widest.clamp(16, 44)).unwrap_or(44)
    } else if inner.width >= 100 {
        16
    } else {
        13
    };
    let run_w: u16 = if inner.width >= 100 { 10 } else { 0 };
    // Who changed a flow last, when someone else did: a column where there is room,
    // else only for the selected flow, on the last row.
    // Labels are made only for the rows drawn (a frame must not format one per flow).
    let change_of = |i: usize| {
        let r = fl.rows.get(i)?;
        state
            .team
            .changed_label(&format!("flow/{}", r.flow.id), state.wall_now)
    };
    let any_change = state.team.any_flow_change();
    let changed_w: u16 = if any_change && inner.width >= 130 {
        34
    } else {
        0
    };
    // One gap between columns; the CHANGED column (and its gap) only when shown.
    let changed_gap = u16::from(changed_w > 0);
    // NAME and SCHEDULE share what the other columns leave, sized to their content: a
    // long name is not cut while the schedules are short (or empty), and the other way.
    let avail = inner
        .width
        .saturating_sub(1 + 20 + 4 + deploy_w + run_w + 6 + changed_w + changed_gap);
    let widest = |f: &dyn Fn(&crate::state::flows::FlowRow) -> &str, head: &str| -> u16 {
        let w = fl
            .rows
            .iter()
            .map(|r| UnicodeWidthStr::width(f(r)))
            .max()
            .unwrap_or(0)
            .max(head.len());
        u16::try_from(w).unwrap_or(u16::MAX)
    };
    let name_content = widest(&|r| r.name.as_str(), "NAME");
    let schedule_content = widest(&|r| r.schedule.as_str(), "SCHEDULE");
    let name_w = if name_content + schedule_content <= avail {
        name_content
    } else {
        // Not room for both: the schedule keeps up to half, the name the rest.
        name_content
            .min(avail.saturating_sub(schedule_content.min(avail / 2)))
            .max(avail.min(12))
    };
    let schedule_w = avail.saturating_sub(name_w).max(8);
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Length(name_w),
        Constraint::Length(20),
        Constraint::Length(4),
        Constraint::Length(schedule_w),
        Constraint::Length(deploy_w),
        Constraint::Length(run_w),
    ];
    if changed_w > 0 {
        widths.push(Constraint::Length(changed_w));
    }
    let head = Row::new(
        [
            "",
            "NAME",
            "ID",
            "VER",
            "SCHEDULE (UTC)",
            "DEPLOY",
            "LAST RUN",
            if changed_w > 0 { "CHANGED" } else { "" },
        ]
        .map(Cell::from),
    )
    .style(theme.header);
    let offline = matches!(
        state.status.health,
        Some((crate::state::AirflowHealth::Offline { .. }, _))
    );
    frame.render_widget(Table::new([head], widths.clone()).column_spacing(1), header);
    let selected_change = nav
        .selected_row()
        .and_then(change_of)
        .filter(|_| changed_w == 0);
    let rows_h = if selected_change.is_some() && rows_h > 2 {
        let note = Rect {
            y: rows_area.y + rows_area.height - 1,
            height: 1,
            ..rows_area
        };
        if let Some(c) = &selected_change {
            frame.render_widget(
                Paragraph::new(super::ellipsize(
                    c,
                    usize::from(note.width.saturating_sub(1)),
                ))
                .style(theme.dim),
                note.inner(Margin::new(1, 0)),
            );
        }
        rows_h - 1
    } else {
        rows_h
    };
    let end = (offset + rows_h).min(nav.len());
    let rows = nav.visible[offset..end]
        .iter()
        .enumerate()
        .filter_map(|(i, &ri)| {
            let r = fl.rows.get(ri)?;
            let label = deploy_label(state, r, offline);
            let changed = if changed_w > 0 {
                change_of(ri).unwrap_or_default()
            } else {
                String::new()
            };
            Some(row(
                r,
                label,
                changed,
                offset + i == nav.selected,
                (name_w, schedule_w, deploy_w, changed_w),
                theme,
            ))
        });
    frame.render_widget(Table::new(rows, widths).column_spacing(1), rows_area);
}

/// draft / saved / parsing 3 s / ready / import error / offline.
fn deploy_label(state: &State, r: &FlowRow, offline: bool) -> String {
    let id = &r.flow.id;
    if let Some(d) = state.flows.deploying.get(id) {
        let secs = state.now.saturating_duration_since(d.started).as_secs();
        let what = d.record.as_ref().map_or("rendering", |r| r.state.label());
        return format!("{what} {secs}s");
    }
    let draft = state
        .flows
        .editor
        .as_ref()
        .is_some_and(|e| e.dirty && &e.spec.flow.id == id);
    if state.flows.environments.all.len() > 1 && !draft {
        // Every environment's state; a stored one says when it was last seen.
        return match (&r.deploy, offline) {
            (Some(d), true) => format!(
                "{} (as of {})",
                r.deploy_label,
                d.since.with_timezone(&chrono::Local).format("%H:%M")
            ),
            _ => r.deploy_label.clone(),
        };
    }
    crate::state::flow_editor::deploy_label(r.deploy.as_ref(), r.flow.version, draft, offline)
}

pub fn deploy_style(r: &FlowRow, theme: &Theme) -> Style {
    match r.deploy.as_ref().map(|d| d.state) {
        Some(DeployState::Ready) => theme.ok,
        Some(DeployState::ImportError) => theme.error,
        Some(_) => theme.warn,
        None => theme.dim,
    }
}

fn row<'a>(
    r: &'a FlowRow,
    label: String,
    changed: String,
    selected: bool,
    (name_w, schedule_w, deploy_w, changed_w): (u16, u16, u16, u16),
    theme: &Theme,
) -> Row<'a> {
    let fit = |s: &str, w: u16| super::ellipsize(s, usize::from(w));
    let dim = if selected { Style::new() } else { theme.dim };
    let deploy = if selected {
        Style::new()
    } else if label == "draft" || label == "offline" {
        theme.warn
    } else {
        deploy_style(r, theme)
    };
    let run = r.last_run.as_deref().unwrap_or("");
    let run_style = if selected {
        Style::new()
    } else {
        crate::ui::widgets::graph::run_state_style(run)
    };
    let row = Row::new([
        Cell::from(if selected { "›" } else { " " }),
        Cell::from(fit(&r.name, name_w)),
        Cell::from(Span::styled(r.flow.id.as_str(), dim)),
        Cell::from(format!("v{}", r.flow.version)),
        Cell::from(fit(&r.schedule, schedule_w)),
        Cell::from(Span::styled(fit(&label, deploy_w), deploy)),
        Cell::from(Span::styled(run, run_style)),
        Cell::from(Span::styled(fit(&changed, changed_w), dim)),
    ]);
    if selected {
        row.style(theme.selected)
    } else {
        row
    }
}
