//! The grid widget: draws a [`GridView`] with its [`GridState`] (runs × tasks, a bar
//! chart of durations on top, a legend under it).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, StatefulWidget, Widget};
use unicode_width::UnicodeWidthStr;

use super::format::{put, put_right};
use super::style::{state_badge, state_style};
use crate::state::view::runs::format;
use crate::state::view::runs::{GridState, GridView, TaskState};

/// The grid widget.
pub struct Grid<'a> {
    view: &'a GridView,
    block: Option<Block<'a>>,
    legend: bool,
    focused: bool,
}

impl<'a> Grid<'a> {
    pub fn new(view: &'a GridView) -> Self {
        Grid {
            view,
            block: None,
            legend: true,
            focused: true,
        }
    }

    pub fn block(mut self, block: Block<'a>) -> Self {
        self.block = Some(block);
        self
    }

    /// Show the colour legend under the grid (on by default).
    pub fn legend(mut self, legend: bool) -> Self {
        self.legend = legend;
        self
    }

    pub fn focused(mut self, focused: bool) -> Self {
        self.focused = focused;
        self
    }
}

/// Each run takes two columns: a gap and the square. The cursor's brackets go in the gaps
/// on either side of its square, so the grid stays dense and the cursor is visible
/// without colour.
const CELL_W: u16 = 2;
const BARS: [&str; 9] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];
const DIM: Color = Color::Indexed(244);

/// Lays out the legend items into lines of at most `width` columns.
fn legend_lines(width: u16) -> Vec<Vec<TaskState>> {
    let mut lines: Vec<Vec<TaskState>> = vec![Vec::new()];
    let mut used = 0u16;
    for state in TaskState::ALL {
        if state == TaskState::Unknown {
            continue;
        }
        let w = 2 + state.as_str().width() as u16 + 2;
        if used > 0 && used + w > width {
            lines.push(Vec::new());
            used = 0;
        }
        if let Some(line) = lines.last_mut() {
            line.push(state);
        }
        used += w;
    }
    lines
}

impl StatefulWidget for Grid<'_> {
    type State = GridState;

    fn render(self, area: Rect, buf: &mut Buffer, state: &mut GridState) {
        let area = match &self.block {
            Some(block) => {
                let inner = block.inner(area);
                block.clone().render(area, buf);
                inner
            }
            None => area,
        };
        if area.height == 0 || area.width < 4 {
            return;
        }
        let view = self.view;
        let dim = Style::default().fg(DIM);

        // Vertical budget: task rows first, then footer, legend and duration bars as room
        // allows.
        let mut legend = if self.legend {
            legend_lines(area.width)
        } else {
            Vec::new()
        };
        let footer_h = u16::from(area.height >= 3);
        let mut bar_h: u16 = match area.height {
            h if h >= 16 => 3,
            h if h >= 10 => 2,
            _ => 0,
        };
        if area.height < footer_h + bar_h + legend.len() as u16 + 3 {
            legend.clear();
        }
        let body_h = area
            .height
            .saturating_sub(footer_h + bar_h + legend.len() as u16);
        if body_h == 0 {
            bar_h = 0;
        }
        let body_h = area
            .height
            .saturating_sub(footer_h + bar_h + legend.len() as u16);

        let longest = view.tasks.iter().map(|t| t.width()).max().unwrap_or(4) as u16;
        let label_w = (longest + 1)
            .clamp(6, (area.width / 3).clamp(6, 40))
            .min(area.width);
        let cells_x = area.x + label_w;
        // One spare column on the right for the cursor's closing bracket.
        let cols = usize::from(area.width.saturating_sub(label_w + 1) / CELL_W);
        let rows = usize::from(body_h);
        state.page_cols = cols;
        state.page_rows = rows;

        let bars_y = area.y;
        let body_y = area.y + bar_h;
        let footer_y = body_y + body_h;
        let legend_y = footer_y + footer_h;

        let cursor = state.cursor(view);
        let n = view.runs.len();
        let m = view.tasks.len();
        let newest_first = n.saturating_sub(cols);
        let mut col_offset = state.col_offset.unwrap_or(newest_first);
        if let Some((col, row)) = cursor {
            // Keep the cursor in view, moving the window as little as possible; when
            // following the newest run, show the newest runs.
            if state.at_newest {
                col_offset = newest_first;
            } else if col < col_offset {
                col_offset = col;
            } else if cols > 0 && col >= col_offset + cols {
                col_offset = col + 1 - cols;
            }
            if row < state.row_offset {
                state.row_offset = row;
            } else if rows > 0 && row >= state.row_offset + rows {
                state.row_offset = row + 1 - rows;
            }
        }
        let col_offset = col_offset.min(newest_first);
        state.col_offset = Some(col_offset);
        state.row_offset = state.row_offset.min(m.saturating_sub(rows));
        let visible_cols = col_offset..(col_offset + cols).min(n);
        let visible_rows = state.row_offset..(state.row_offset + rows).min(m);

        // Duration bars, scaled to the longest visible run.
        if bar_h > 0 && n > 0 {
            let max = visible_cols
                .clone()
                .filter_map(|c| view.runs[c].duration)
                .fold(0.0f64, f64::max);
            if max > 0.0 {
                put_right(
                    buf,
                    area.x,
                    bars_y,
                    label_w - 1,
                    &format::duration(Some(max)),
                    dim,
                );
            }
            let levels = f64::from(bar_h) * 8.0;
            for (i, c) in visible_cols.clone().enumerate() {
                let run = &view.runs[c];
                let eighths = match run.duration {
                    Some(d) if max > 0.0 && d > 0.0 => ((d / max * levels).ceil() as u16).max(1),
                    _ => 0,
                };
                let x = cells_x + (i as u16) * CELL_W + 1;
                let mut style = state_style(run.state);
                if cursor.is_some_and(|(cc, _)| cc == c) {
                    style = style.add_modifier(Modifier::BOLD);
                }
                for k in 0..bar_h {
                    let y = bars_y + bar_h - 1 - k;
                    let e = eighths.saturating_sub(k * 8).min(8);
                    buf.set_stringn(x, y, BARS[usize::from(e)], 1, style);
                }
            }
        }

        if view.is_empty() {
            let msg = if n == 0 { "No runs yet." } else { "No tasks." };
            if body_h > 0 {
                put(buf, area.x, body_y, area.width, msg, dim);
            }
        }

        // Task rows.
        let bracket = Style::default().add_modifier(Modifier::BOLD);
        for (j, r) in visible_rows.clone().enumerate() {
            let y = body_y + j as u16;
            let on_row = cursor.is_some_and(|(_, cr)| cr == r);
            let label_style = if on_row && self.focused {
                Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
            } else if on_row {
                Style::default().add_modifier(Modifier::BOLD)
            } else {
                Style::default()
            };
            put(buf, area.x, y, label_w - 1, &view.tasks[r], label_style);
            for (i, c) in visible_cols.clone().enumerate() {
                let x = cells_x + (i as u16) * CELL_W;
                let s = view.state(c, r);
                let mut style = state_style(s);
                let at_cursor = cursor == Some((c, r));
                if at_cursor {
                    style = style.add_modifier(Modifier::BOLD);
                    buf.set_stringn(x, y, "[", 1, bracket);
                    buf.set_stringn(x + 2, y, "]", 1, bracket);
                }
                buf.set_stringn(x + 1, y, s.glyph(), 1, style);
            }
        }

        // Footer: what the cursor is on (task first: it is what changes most as the
        // cursor moves), then, if there is room, which part of the grid is shown.
        if footer_h > 0 {
            let right_edge = area.x + area.width;
            let mut x = area.x;
            if let Some((c, r)) = cursor {
                let run = &view.runs[c];
                let ts = view.state(c, r);
                let tries = view.try_number(c, r);
                let try_text = if tries > 1 {
                    format!(" try {tries}")
                } else {
                    String::new()
                };
                let parts: [(&str, Style); 7] = [
                    (
                        &view.tasks[r],
                        Style::default().add_modifier(Modifier::BOLD),
                    ),
                    (" ", Style::default()),
                    (&state_badge(ts).content, state_style(ts)),
                    (&try_text, dim),
                    (" · ", dim),
                    (&run.run_id, Style::default()),
                    (" ", Style::default()),
                ];
                for (text, style) in parts {
                    x = put(buf, x, footer_y, right_edge.saturating_sub(x), text, style);
                }
                x = put(
                    buf,
                    x,
                    footer_y,
                    right_edge.saturating_sub(x),
                    &state_badge(run.state).content,
                    state_style(run.state),
                );
            }
            let range = format!(
                "runs {}–{}/{} · tasks {}–{}/{}",
                visible_cols.start + usize::from(n > 0),
                visible_cols.end,
                n,
                visible_rows.start + usize::from(m > 0),
                visible_rows.end,
                m
            );
            let range_w = range.width() as u16;
            if right_edge.saturating_sub(x) >= range_w + 2 {
                put_right(buf, area.x, footer_y, area.width, &range, dim);
            }
        }

        for (k, line) in legend.iter().enumerate() {
            let y = legend_y + k as u16;
            let mut x = area.x;
            for s in line {
                x = put(buf, x, y, 2, s.glyph(), state_style(*s));
                let right = area.x + area.width;
                x = put(buf, x, y, right.saturating_sub(x), " ", Style::default());
                x = put(buf, x, y, right.saturating_sub(x), s.as_str(), dim);
                x = (x + 2).min(area.x + area.width);
            }
        }
    }
}
