//! The runs list widget: one line per DAG run, newest first, drawn from a
//! [`RunsListState`].

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, StatefulWidget, Widget};

use super::format::{put, put_right};
use super::style::state_style;
use crate::state::view::runs::format;
use crate::state::view::runs::{RunView, RunsListState};

/// The runs list widget. Draws only the rows that fit, so its cost does not grow with the
/// number of runs.
pub struct RunsList<'a> {
    runs: &'a [RunView],
    block: Option<Block<'a>>,
    now: Option<DateTime<Utc>>,
    focused: bool,
    empty_message: &'a str,
}

impl<'a> RunsList<'a> {
    pub fn new(runs: &'a [RunView]) -> Self {
        RunsList {
            runs,
            block: None,
            now: None,
            focused: true,
            empty_message: "No runs yet.",
        }
    }

    pub fn block(mut self, block: Block<'a>) -> Self {
        self.block = Some(block);
        self
    }

    /// The current time, so that a running run shows how long it has been running. The
    /// pane passes `Utc::now()`; tests pass a fixed time.
    pub fn now(mut self, now: DateTime<Utc>) -> Self {
        self.now = Some(now);
        self
    }

    /// An unfocused list still shows its selection, more quietly.
    pub fn focused(mut self, focused: bool) -> Self {
        self.focused = focused;
        self
    }

    pub fn empty_message(mut self, message: &'a str) -> Self {
        self.empty_message = message;
        self
    }
}

/// Column widths for a given total width; columns the operator can best spare go first
/// when the terminal is narrow.
struct Columns {
    state: u16,
    run_id: u16,
    run_type: u16,
    queued: u16,
    started: u16,
    duration: u16,
}

const MARKER: u16 = 2;
// DAG runs are only ever queued, running, success or failed: "■ success" is the widest.
const STATE_W: u16 = 9;
const TYPE_W: u16 = 15; // "asset_triggered"
const TIME_W: u16 = 14; // "11-27 07:20:46"
const DURATION_W: u16 = 8;
const MIN_RUN_ID: u16 = 16;

impl Columns {
    fn new(width: u16) -> Columns {
        let mut c = Columns {
            state: STATE_W,
            run_id: 0,
            run_type: TYPE_W,
            queued: TIME_W,
            started: TIME_W,
            duration: DURATION_W,
        };
        let fixed = |c: &Columns| {
            MARKER
                + [c.state, c.run_type, c.queued, c.started, c.duration]
                    .iter()
                    .map(|w| if *w > 0 { w + 1 } else { 0 })
                    .sum::<u16>()
        };
        for drop in [2, 1, 3, 4, 0] {
            if width >= fixed(&c) + MIN_RUN_ID {
                break;
            }
            match drop {
                0 => c.state = 2, // just the coloured square
                1 => c.run_type = 0,
                2 => c.queued = 0,
                3 => c.started = 0,
                _ => c.duration = 0,
            }
        }
        c.run_id = width.saturating_sub(fixed(&c));
        c
    }
}

impl StatefulWidget for RunsList<'_> {
    type State = RunsListState;

    fn render(self, area: Rect, buf: &mut Buffer, state: &mut RunsListState) {
        let area = match &self.block {
            Some(block) => {
                let inner = block.inner(area);
                block.clone().render(area, buf);
                inner
            }
            None => area,
        };
        if area.height == 0 || area.width == 0 {
            return;
        }
        let cols = Columns::new(area.width);
        let header = Style::default().add_modifier(Modifier::BOLD);
        let dim = Style::default().fg(Color::Indexed(244));

        // Header.
        let y = area.y;
        let mut x = area.x + MARKER;
        let mut head = |title: &str, w: u16, right: bool| {
            if w == 0 {
                return;
            }
            if right {
                put_right(buf, x, y, w, title, header);
            } else {
                put(buf, x, y, w, title, header);
            }
            x += w + 1;
        };
        head("state", cols.state, false);
        head("run id", cols.run_id, false);
        head("type", cols.run_type, false);
        head("queued", cols.queued, false);
        head("started", cols.started, false);
        head("duration", cols.duration, true);

        let rows = usize::from(area.height - 1);
        state.page = rows;
        let len = self.runs.len();
        if len == 0 {
            if rows > 0 {
                put(
                    buf,
                    area.x + MARKER,
                    area.y + 1,
                    area.width.saturating_sub(MARKER),
                    self.empty_message,
                    dim,
                );
            }
            return;
        }
        state.selected = state.selected.min(len - 1);
        // Keep the selection on screen, moving the window as little as possible.
        if state.selected < state.offset {
            state.offset = state.selected;
        } else if rows > 0 && state.selected >= state.offset + rows {
            state.offset = state.selected + 1 - rows;
        }
        state.offset = state.offset.min(len.saturating_sub(rows));

        for (i, run) in self.runs.iter().enumerate().skip(state.offset).take(rows) {
            let y = area.y + 1 + (i - state.offset) as u16;
            let selected = i == state.selected;
            let base = if selected {
                let bg = if self.focused {
                    Color::Indexed(238)
                } else {
                    Color::Indexed(235)
                };
                let style = Style::default().bg(bg);
                buf.set_style(Rect::new(area.x, y, area.width, 1), style);
                if self.focused {
                    style.add_modifier(Modifier::BOLD)
                } else {
                    style
                }
            } else {
                Style::default()
            };
            let marker = if selected {
                "▶"
            } else if i == state.offset && state.offset > 0 {
                "↑"
            } else if i + 1 == state.offset + rows && i + 1 < len {
                "↓"
            } else {
                " "
            };
            put(buf, area.x, y, 1, marker, base);
            let mut x = area.x + MARKER;
            let mut cell = |text: &str, w: u16, style: Style, right: bool| {
                if w == 0 {
                    return;
                }
                if right {
                    put_right(buf, x, y, w, text, style);
                } else {
                    put(buf, x, y, w, text, style);
                }
                x += w + 1;
            };
            let state_text = if cols.state >= STATE_W {
                format!("{} {}", run.state.glyph(), run.state.as_str())
            } else {
                run.state.glyph().to_string()
            };
            cell(
                &state_text,
                cols.state,
                base.patch(state_style(run.state)),
                false,
            );
            cell(&run.run_id, cols.run_id, base, false);
            cell(&run.run_type, cols.run_type, base, false);
            cell(&format::time_short(run.queued_at), cols.queued, base, false);
            cell(
                &format::time_short(run.start_date),
                cols.started,
                base,
                false,
            );
            cell(
                &format::duration(run.duration_at(self.now)),
                cols.duration,
                base,
                true,
            );
        }
    }
}
