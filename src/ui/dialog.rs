//! Dialogs and forms: confirmations, error messages, the registration wizard and the
//! function editor.

use super::form::{busy_line, field, foot, key};
use super::theme::Theme;
use super::{block, ellipsize, popup, wrapped_rows};
use crate::keymap::{Action, Context, Keymap};
use crate::state::dialog::{
    Confirm, Dialog, EditForm, MessageBox, OnYes, RegisterForm, RegisterStep,
};
use crate::state::list::clamp_offset;
use crate::state::{ListArea, Pane, Screen, State};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(
    d: &Dialog,
    state: &State,
    keymap: &Keymap,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    screen: &mut Screen,
) {
    match d {
        Dialog::Confirm(c) => {
            let save_first = c.on_yes == OnYes::Quit && state.flows.editor_dirty();
            confirm(c, save_first, keymap, theme, frame, area)
        }
        Dialog::Message(m) => message(m, keymap, theme, frame, area),
        Dialog::Register(f) => register(f, state, keymap, theme, frame, area, screen),
        Dialog::Edit(f) => edit(f, state, keymap, theme, frame, area),
        Dialog::TriggerConf(f) => super::runs::conf_dialog(f, keymap, theme, frame, area),
        Dialog::Flow(d) => super::flow_editor::draw_dialog(d, state, keymap, theme, frame, area),
    }
}

pub(super) fn width_for(area: Rect, want: u16) -> u16 {
    want.min(area.width.saturating_sub(4))
}

/// A yes/no question; `save_first`: quitting with flow edits also offers to save them
/// (the save's diff and `y`, then quit).
fn confirm(
    c: &Confirm,
    save_first: bool,
    keymap: &Keymap,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let w = width_for(area, 68);
    let body_h = wrapped_rows(&c.body, w.saturating_sub(4));
    let r = popup(frame, area, w, body_h + 4);
    let b = block(
        format!(
            " {} ",
            ellipsize(&c.title, usize::from(w.saturating_sub(4)))
        ),
        true,
        theme,
    );
    let inner = b.inner(r).inner(ratatui::layout::Margin::new(1, 0));
    frame.render_widget(b, r);
    let [body, _, buttons] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(c.body.as_str()).wrap(Wrap { trim: false }),
        body,
    );
    let mut spans = Vec::new();
    if save_first {
        spans.push(Span::styled(
            key(keymap, Context::Dialog, Action::Save),
            theme.key,
        ));
        spans.push(Span::raw(" save, then quit    "));
    }
    spans.extend([
        // Only `confirm` (y) says yes: an Enter pressed one time too many must not delete.
        Span::styled(key(keymap, Context::Dialog, Action::Confirm), theme.key),
        Span::styled(format!(" {}", c.yes), theme.error),
        Span::raw("    "),
        Span::styled(key(keymap, Context::Dialog, Action::Cancel), theme.key),
        Span::raw(" cancel"),
    ]);
    let line = Line::from(spans);
    frame.render_widget(line, buttons);
}

fn message(m: &MessageBox, keymap: &Keymap, theme: &Theme, frame: &mut Frame, area: Rect) {
    let w = width_for(area, 72);
    let body_h = wrapped_rows(&m.body, w.saturating_sub(4));
    let r = popup(frame, area, w, body_h + 4);
    let b = block(
        format!(
            " {} ",
            ellipsize(&m.title, usize::from(w.saturating_sub(4)))
        ),
        true,
        theme,
    )
    .border_style(if m.error {
        theme.error
    } else {
        theme.border_focus
    });
    let inner = b.inner(r).inner(ratatui::layout::Margin::new(1, 0));
    frame.render_widget(b, r);
    let [body, _, foot] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(m.body.as_str()).wrap(Wrap { trim: false }),
        body,
    );
    frame.render_widget(
        Line::from(vec![
            Span::styled(key(keymap, Context::Dialog, Action::Cancel), theme.key),
            Span::raw(" close"),
        ]),
        foot,
    );
}

fn error_rows(error: Option<&String>, width: u16) -> u16 {
    error.map_or(0, |e| wrapped_rows(e, width).min(6))
}

/// "3 matches: etl.py  etl_old.py  export/" under the path field.
fn completion_text(f: &RegisterForm) -> Option<String> {
    if f.completions.is_empty() {
        return None;
    }
    let names: Vec<String> = f
        .completions
        .iter()
        .map(|c| {
            let trimmed = c.trim_end_matches('/');
            let base = trimmed.rsplit('/').next().unwrap_or(trimmed);
            let slash = if c.ends_with('/') { "/" } else { "" };
            crate::state::text::one_line(&format!("{base}{slash}"))
        })
        .collect();
    Some(format!("{} matches: {}", names.len(), names.join("  ")))
}

#[allow(clippy::too_many_arguments)]
fn register(
    f: &RegisterForm,
    state: &State,
    keymap: &Keymap,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    screen: &mut Screen,
) {
    let w = width_for(area, 80);
    let inner_w = w.saturating_sub(4);
    let err_h = error_rows(f.error.as_ref(), inner_w);
    let busy = busy_line(f.busy, state, theme);
    let busy_h = u16::from(busy.is_some());
    let (step_no, caption) = match f.step {
        RegisterStep::Path => (1, "the Python file to register from".to_string()),
        RegisterStep::Pick => (
            2,
            format!(
                "choose a function of {}",
                crate::state::text::one_line(&f.file.display().to_string())
            ),
        ),
        RegisterStep::Details => (3, "name it (optional description)".to_string()),
    };
    let completions = completion_text(f);
    let body_h = match f.step {
        RegisterStep::Path => {
            3 + completions
                .as_ref()
                .map_or(0, |t| wrapped_rows(t, inner_w).min(4))
        }
        RegisterStep::Pick => (u16::try_from(f.functions.len().min(8)).unwrap_or(8) * 2).max(2),
        RegisterStep::Details => 3 + 5 + 1,
    };
    let r = popup(frame, area, w, 2 + 1 + body_h + err_h + busy_h + 1);
    let b = block(" Register a function ", true, theme);
    let inner = b.inner(r).inner(ratatui::layout::Margin::new(1, 0));
    frame.render_widget(b, r);
    let [head, body, err, busy_area, foot_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(err_h),
        Constraint::Length(busy_h),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(
        Line::from(vec![
            Span::styled(format!("Step {step_no} of 3 · "), theme.dim),
            Span::raw(ellipsize(&caption, usize::from(inner_w).saturating_sub(12))),
        ]),
        head,
    );
    let hints: &[(Action, &str)] = match f.step {
        RegisterStep::Path => &[
            (Action::Complete, "completes"),
            (Action::Submit, "lists the file's functions"),
            (Action::Cancel, "cancels"),
        ],
        RegisterStep::Pick if !f.marked.is_empty() => &[
            (Action::Submit, "registers the marked"),
            (Action::Mark, "marks"),
            (Action::Cancel, "back to the path"),
        ],
        RegisterStep::Pick => &[
            (Action::Submit, "chooses"),
            (Action::Mark, "marks several"),
            (Action::Cancel, "back to the path"),
        ],
        RegisterStep::Details => &[
            (Action::Save, "registers"),
            (Action::Complete, "next field"),
            (Action::Cancel, "back"),
        ],
    };
    let ctx = if f.step == RegisterStep::Pick {
        Context::Dialog
    } else {
        Context::Editor
    };
    frame.render_widget(foot(keymap, ctx, hints, theme), foot_area);
    match f.step {
        RegisterStep::Path => {
            let [fa, comp] =
                Layout::vertical([Constraint::Length(3), Constraint::Min(0)]).areas(body);
            field(&f.path, f.busy.is_none(), theme, frame, fa);
            if let Some(text) = completions {
                frame.render_widget(
                    Paragraph::new(text)
                        .style(theme.dim)
                        .wrap(Wrap { trim: true }),
                    comp,
                );
            }
        }
        RegisterStep::Pick => {
            // Two lines per function: signature, then its docstring.
            let rows_h = usize::from(body.height / 2).max(1);
            let offset = clamp_offset(f.pick.offset, f.pick.selected, rows_h, f.pick.len());
            screen.picker = Some(ListArea {
                pane: Pane::Functions,
                rows: Rect {
                    height: body.height,
                    ..body
                },
                offset,
            });
            let mut lines = Vec::new();
            for (i, item) in f.functions.iter().enumerate().skip(offset).take(rows_h) {
                let selected = i == f.pick.selected;
                let style = if selected {
                    theme.selected
                } else {
                    theme.accent
                };
                let asy = if item.is_async {
                    " (async def: cannot be registered)"
                } else {
                    ""
                };
                let mark = if f.marked.contains(&i) {
                    "[x] "
                } else if f.marked.is_empty() {
                    ""
                } else {
                    "[ ] "
                };
                lines.push(Line::from(vec![
                    Span::styled(
                        format!("{} {mark}", if selected { "›" } else { " " }),
                        style,
                    ),
                    Span::styled(
                        ellipsize(&item.signature, usize::from(inner_w).saturating_sub(12)),
                        style,
                    ),
                    Span::styled(format!("  line {}{asy}", item.line), theme.dim),
                    Span::styled(
                        item.registered_as
                            .as_ref()
                            .map(|n| {
                                format!("  ✓ registered as `{}`", crate::state::text::one_line(n))
                            })
                            .unwrap_or_default(),
                        theme.ok,
                    ),
                ]));
                let doc = if item.doc.is_empty() {
                    "(no docstring)".to_string()
                } else {
                    item.doc.clone()
                };
                lines.push(Line::styled(
                    format!(
                        "    {}",
                        ellipsize(&doc, usize::from(inner_w).saturating_sub(4))
                    ),
                    theme.dim,
                ));
            }
            // Clicks land on two-line rows: the state maps row = y / 2.
            frame.render_widget(Paragraph::new(lines), body);
        }
        RegisterStep::Details => {
            let [na, da, note] = Layout::vertical([
                Constraint::Length(3),
                Constraint::Length(5),
                Constraint::Length(1),
            ])
            .areas(body);
            field(&f.name, f.busy.is_none() && f.focus == 0, theme, frame, na);
            field(
                &f.description,
                f.busy.is_none() && f.focus == 1,
                theme,
                frame,
                da,
            );
            if let Some(p) = f.picked() {
                frame.render_widget(
                    Line::styled(
                        ellipsize(&format!("calls {}", p.signature), usize::from(inner_w)),
                        theme.dim,
                    ),
                    note,
                );
            }
        }
    }
    error_and_busy(frame, theme, f.error.as_deref(), err, busy, busy_area);
}

fn edit(
    f: &EditForm,
    state: &State,
    keymap: &Keymap,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let w = width_for(area, 80);
    let err_h = error_rows(f.error.as_ref(), w.saturating_sub(4));
    let busy = busy_line(f.busy, state, theme);
    let busy_h = u16::from(busy.is_some());
    let r = popup(frame, area, w, 2 + 3 + 6 + err_h + busy_h + 1);
    let title = format!(
        " Edit `{}` ",
        ellipsize(
            &crate::state::text::one_line(&f.original_name),
            usize::from(w.saturating_sub(12))
        )
    );
    let b = block(title, true, theme);
    let inner = b.inner(r).inner(ratatui::layout::Margin::new(1, 0));
    frame.render_widget(b, r);
    let [na, da, err, busy_area, foot_area] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(err_h),
        Constraint::Length(busy_h),
        Constraint::Length(1),
    ])
    .areas(inner);
    let hints = [
        (Action::Save, "saves"),
        (Action::Complete, "next field"),
        (Action::Cancel, "cancels"),
    ];
    frame.render_widget(foot(keymap, Context::Editor, &hints, theme), foot_area);
    field(&f.name, f.busy.is_none() && f.focus == 0, theme, frame, na);
    field(
        &f.description,
        f.busy.is_none() && f.focus == 1,
        theme,
        frame,
        da,
    );
    error_and_busy(frame, theme, f.error.as_deref(), err, busy, busy_area);
}

/// A form's error text and its "working…" line, where the form laid them out.
fn error_and_busy(
    frame: &mut Frame,
    theme: &Theme,
    error: Option<&str>,
    error_area: Rect,
    busy: Option<Line<'_>>,
    busy_area: Rect,
) {
    if let Some(e) = error {
        frame.render_widget(
            Paragraph::new(e)
                .style(theme.error)
                .wrap(Wrap { trim: false }),
            error_area,
        );
    }
    if let Some(l) = busy {
        frame.render_widget(l, busy_area);
    }
}
