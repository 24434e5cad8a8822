//! The Functions pane: the library table and the detail (signature, description,
//! source preview). Only the rows in view are built, so a library of 10,000 functions
//! draws as fast as one of 20.

use super::theme::Theme;
use super::{block, ellipsize, ellipsize_start, WIDE};
use crate::keymap::{Action, Context, Keymap};
use crate::state::functions::{FunctionRow, Loading};
use crate::state::{Pane, Screen, State};
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

pub fn draw(
    state: &State,
    keymap: &Keymap,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    screen: &mut Screen,
) {
    let fs = &state.functions;
    let wide = area.width >= WIDE;
    if fs.detail && !wide {
        if let Some(row) = fs.selected() {
            draw_detail(state, row, keymap, theme, frame, area, true, screen);
            return;
        }
    }
    if wide {
        let [list, detail] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(area);
        draw_list(state, keymap, theme, frame, list, !fs.detail, screen);
        match fs.selected() {
            Some(row) => draw_detail(state, row, keymap, theme, frame, detail, fs.detail, screen),
            None => frame.render_widget(
                Paragraph::new("").block(block(" Detail ", false, theme)),
                detail,
            ),
        }
    } else {
        draw_list(state, keymap, theme, frame, area, true, screen);
    }
}

fn key(keymap: &Keymap, action: Action) -> String {
    keymap
        .key_for(&[Context::Functions, Context::Global], action)
        .map_or_else(|| format!(":{}", action.name()), |k| k.to_string())
}

fn draw_list(
    state: &State,
    keymap: &Keymap,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    focused: bool,
    screen: &mut Screen,
) {
    let fs = &state.functions;
    let nav = &fs.nav;
    let title = if nav.filter.is_empty() {
        format!(" Library · {} ", count(fs.rows.len()))
    } else {
        format!(
            " Library · filter “{}” · {} of {} ",
            super::ellipsize(&crate::state::text::one_line(&nav.filter), 24),
            nav.len(),
            fs.rows.len()
        )
    };
    let b = block(title, focused, theme);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    match &fs.loading {
        Loading::Loading => {
            frame.render_widget(
                Paragraph::new("Loading the library…").style(theme.dim),
                inner,
            );
            return;
        }
        Loading::Failed(e) => {
            let text = format!(
                "The library could not be loaded:\n{e}\n\nPress {} to try again.",
                key(keymap, Action::Refresh)
            );
            frame.render_widget(
                Paragraph::new(text)
                    .style(theme.error)
                    .wrap(Wrap { trim: false }),
                inner,
            );
            return;
        }
        Loading::Loaded => {}
    }
    if fs.rows.is_empty() {
        let lines = vec![
            Line::from("No functions in the library yet."),
            Line::from(""),
            Line::from(vec![
                Span::raw("Press "),
                Span::styled(key(keymap, Action::Register), theme.key),
                Span::raw(" to register one from a Python file,"),
            ]),
            Line::from(vec![
                Span::raw("or type "),
                Span::styled(":function add PATH", theme.key),
                Span::raw("."),
            ]),
        ];
        frame.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: true }),
            inner.inner(Margin::new(1, 0)),
        );
        return;
    }
    if nav.is_empty() {
        super::no_match(
            frame,
            inner,
            theme,
            "function",
            &nav.filter,
            &key(keymap, Action::Back),
        );
        return;
    }
    let (header, rows_area, offset) = super::list_rows(inner, nav, Pane::Functions, screen);
    let rows_h = usize::from(rows_area.height);

    // Narrow lists keep the date only; the time is in the detail.
    let short_date = inner.width < 100;
    let cols = Columns {
        name: if inner.width >= 100 { 22 } else { 16 },
        file: 14,
        date: if short_date { 10 } else { 16 },
        signature: 0,
    };
    // Six columns, five gaps of one; the signature takes what is left.
    let fixed = 2 + cols.name + cols.file + 4 + cols.date + 5;
    let cols = Columns {
        signature: inner.width.saturating_sub(fixed).max(8),
        ..cols
    };
    let widths = [
        Constraint::Length(2),
        Constraint::Length(cols.name),
        Constraint::Length(cols.signature),
        Constraint::Length(cols.file),
        Constraint::Length(4),
        Constraint::Length(cols.date),
    ];
    let head = Row::new(["", "NAME", "SIGNATURE", "FILE", "USED", "UPDATED"].map(Cell::from))
        .style(theme.header);
    frame.render_widget(Table::new([head], widths).column_spacing(1), header);

    let end = (offset + rows_h).min(nav.len());
    let rows = nav.visible[offset..end]
        .iter()
        .enumerate()
        .filter_map(|(i, &ri)| {
            let r = fs.rows.get(ri)?;
            let selected = offset + i == nav.selected;
            Some(table_row(
                r,
                fs.is_changed(&r.function.id),
                selected,
                &cols,
                theme,
            ))
        });
    frame.render_widget(Table::new(rows, widths).column_spacing(1), rows_area);
}

#[derive(Clone, Copy)]
struct Columns {
    name: u16,
    signature: u16,
    file: u16,
    date: u16,
}

fn table_row<'a>(
    r: &'a FunctionRow,
    changed: bool,
    selected: bool,
    cols: &Columns,
    theme: &Theme,
) -> Row<'a> {
    let updated = r.updated();
    let updated = updated
        .get(..usize::from(cols.date))
        .unwrap_or(&updated)
        .to_string();
    let fit = |s: &str, w: u16| ellipsize(s, usize::from(w));
    // A visible pointer as well as the colour: NO_COLOR terminals and screen readers.
    let pointer = if selected { "›" } else { " " };
    let mark = if changed {
        Cell::from(Line::from(vec![
            Span::raw(pointer),
            Span::styled("!", if selected { Style::new() } else { theme.warn }),
        ]))
    } else {
        Cell::from(pointer)
    };
    let row = Row::new([
        mark,
        Cell::from(fit(&r.name(), cols.name)),
        Cell::from(Span::styled(
            fit(&r.signature(), cols.signature),
            if selected { Style::new() } else { theme.accent },
        )),
        Cell::from(fit(&r.file(), cols.file)),
        Cell::from(Line::from(r.used.to_string()).right_aligned()),
        Cell::from(Span::styled(
            updated,
            if selected { Style::new() } else { theme.dim },
        )),
    ]);
    if selected {
        row.style(theme.selected)
    } else {
        row
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 function".into()
    } else {
        format!("{n} functions")
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_detail(
    state: &State,
    row: &FunctionRow,
    keymap: &Keymap,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    focused: bool,
    screen: &mut Screen,
) {
    let fs = &state.functions;
    let f = &row.function;
    let b = block(
        format!(
            " {} ",
            ellipsize(&row.name(), area.width.saturating_sub(4).into())
        ),
        focused,
        theme,
    );
    let inner = b.inner(area).inner(Margin::new(1, 0));
    frame.render_widget(b, area);
    let w = usize::from(inner.width);
    let label = |s: &'static str| Span::styled(format!("{s:<9} "), theme.dim);
    let mut lines: Vec<Line> = vec![
        Line::from(Span::styled(ellipsize(&row.signature(), w), theme.accent)),
        Line::from(vec![
            label("file"),
            Span::raw(ellipsize_start(
                &crate::state::text::one_line(&f.path),
                w.saturating_sub(10),
            )),
        ]),
        Line::from(vec![
            label("source"),
            Span::raw(ellipsize_start(
                &crate::state::text::one_line(&f.source_path),
                w.saturating_sub(10),
            )),
        ]),
    ];
    if fs.is_changed(&f.id) {
        lines.push(Line::from(vec![
            Span::styled("! source changed since registration: ", theme.warn),
            Span::styled(key(keymap, Action::Reimport), theme.key),
            Span::styled(" re-imports it", theme.warn),
        ]));
    }
    let used = match row.used {
        0 => "no task".to_string(),
        1 => "1 task".to_string(),
        n => format!("{n} tasks"),
    };
    lines.push(Line::from(vec![label("used by"), Span::raw(used)]));
    lines.push(Line::from(vec![
        label("updated"),
        Span::raw(format!("{} UTC", row.updated())),
    ]));
    let desc = crate::state::text::lines(&f.description);
    if desc.is_empty() {
        lines.push(Line::from(vec![
            label("about"),
            Span::styled(
                format!("no description ({} edits it)", key(keymap, Action::Edit)),
                theme.dim,
            ),
        ]));
    } else {
        // A long description must not push the source out of view.
        let max = if inner.height > 20 { 4 } else { 2 };
        for (i, d) in desc.iter().take(max).enumerate() {
            let head = if i == 0 {
                label("about")
            } else {
                Span::raw(" ".repeat(10))
            };
            let more = i + 1 == max && desc.len() > max;
            let text = if more {
                format!("{} …", ellipsize(d, w.saturating_sub(12)))
            } else {
                ellipsize(d, w.saturating_sub(10))
            };
            lines.push(Line::from(vec![head, Span::raw(text)]));
        }
    }
    let head_h = (lines.len() as u16).min(inner.height);
    let [head, sep, preview] = Layout::vertical([
        Constraint::Length(head_h),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(lines), head);
    screen.preview = Some(preview);

    let preview_state = fs.preview.as_ref().filter(|p| p.function_id == f.id);
    let (body, caption): (Vec<Line>, String) = match preview_state.map(|p| (&p.lines, p.scroll)) {
        None => (
            vec![Line::styled("reading the file…", theme.dim)],
            "source".into(),
        ),
        Some((Err(e), _)) => (
            vec![Line::styled(
                format!("cannot read the library file: {e}"),
                theme.error,
            )],
            "source".into(),
        ),
        Some((Ok(src), scroll)) => {
            let rows = usize::from(preview.height);
            // Scrolling stops when the last line reaches the bottom.
            let start = scroll.min(src.len().saturating_sub(rows));
            screen.preview_scroll = Some(start);
            let end = (start + rows).min(src.len());
            let digits = src.len().max(1).to_string().len();
            let body = src[start..end]
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    Line::from(vec![
                        Span::styled(format!("{:>digits$} ", start + i + 1), theme.dim),
                        Span::raw(l.as_str()),
                    ])
                })
                .collect();
            let caption = if src.is_empty() {
                "source · empty file".to_string()
            } else {
                format!("source · lines {}–{} of {}", start + 1, end, src.len())
            };
            (body, caption)
        }
    };
    let caption = format!("─ {caption} ");
    let fill = usize::from(sep.width).saturating_sub(caption.chars().count());
    frame.render_widget(
        Line::from(vec![
            Span::styled(caption, theme.dim),
            Span::styled("─".repeat(fill), theme.dim),
        ]),
        sep,
    );
    frame.render_widget(Paragraph::new(body), preview);
}
