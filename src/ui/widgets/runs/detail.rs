//! The task-instance detail widget: state, try, operator, times, and the task's output,
//! scrolled by a [`TaskDetailState`].

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, StatefulWidget, Widget};

use super::format::{put, put_right};
use super::style::state_badge;
use crate::state::view::runs::format;
use crate::state::view::runs::{OutputView, TaskDetailState, TaskInstanceView};

/// The task-instance detail widget.
pub struct TaskDetail<'a> {
    ti: &'a TaskInstanceView,
    output: &'a OutputView,
    block: Option<Block<'a>>,
    now: Option<DateTime<Utc>>,
}

impl<'a> TaskDetail<'a> {
    pub fn new(ti: &'a TaskInstanceView, output: &'a OutputView) -> Self {
        TaskDetail {
            ti,
            output,
            block: None,
            now: None,
        }
    }

    pub fn block(mut self, block: Block<'a>) -> Self {
        self.block = Some(block);
        self
    }

    /// The current time, to show how long a running instance has been running.
    pub fn now(mut self, now: DateTime<Utc>) -> Self {
        self.now = Some(now);
        self
    }
}

const LABEL_W: u16 = 10;
const DIM: Color = Color::Indexed(244);
const KEY: Color = Color::Indexed(74);
const STRING: Color = Color::Indexed(107);
const NUMBER: Color = Color::Indexed(179);

impl StatefulWidget for TaskDetail<'_> {
    type State = TaskDetailState;

    fn render(self, area: Rect, buf: &mut Buffer, state: &mut TaskDetailState) {
        let area = match &self.block {
            Some(block) => {
                let inner = block.inner(area);
                block.clone().render(area, buf);
                inner
            }
            None => area,
        };
        if area.height == 0 || area.width <= LABEL_W {
            return;
        }
        let ti = self.ti;
        let label = Style::default().fg(DIM);
        let bottom = area.y + area.height;
        let mut y = area.y;
        let mut field = |name: &str, spans: &[(&str, Style)]| {
            if y >= bottom {
                return;
            }
            put(buf, area.x, y, LABEL_W, name, label);
            let mut x = area.x + LABEL_W;
            for (text, style) in spans {
                x = put(
                    buf,
                    x,
                    y,
                    (area.x + area.width).saturating_sub(x),
                    text,
                    *style,
                );
            }
            y += 1;
        };
        let plain = Style::default();
        let bold = plain.add_modifier(Modifier::BOLD);

        let mut task = ti.task_id.clone();
        if ti.map_index >= 0 {
            match &ti.rendered_map_index {
                Some(label) => task.push_str(&format!(" [{label}]")),
                None => task.push_str(&format!(" [{}]", ti.map_index)),
            }
        }
        field("task", &[(&task, bold)]);
        field("run", &[(&ti.run_id, plain)]);
        let badge = state_badge(ti.state);
        field("state", &[(&badge.content, badge.style)]);
        let tries = if ti.try_number == 0 {
            "not tried yet".to_string()
        } else {
            format!(
                "{} of {}",
                ti.try_number,
                (ti.max_tries + 1).max(ti.try_number)
            )
        };
        field("try", &[(&tries, plain)]);
        field("operator", &[(or_none(&ti.operator), plain)]);
        field("queued", &[(&format::time_long(ti.queued_when), plain)]);
        field("started", &[(&format::time_long(ti.start_date), plain)]);
        field("ended", &[(&format::time_long(ti.end_date), plain)]);
        let duration = ti
            .duration
            .or_else(|| match (ti.start_date, ti.end_date, self.now) {
                (Some(s), None, Some(now)) => Some((now - s).num_milliseconds() as f64 / 1000.0),
                _ => None,
            });
        field("duration", &[(&format::duration(duration), plain)]);
        let mut placement = Vec::new();
        if let Some(h) = &ti.hostname {
            placement.push(format!("host {h}"));
        }
        if let Some(p) = &ti.pool {
            placement.push(format!("pool {p}"));
        }
        if let Some(q) = &ti.queue {
            placement.push(format!("queue {q}"));
        }
        if !placement.is_empty() {
            field("where", &[(&placement.join(" · "), plain)]);
        }
        if let Some(note) = &ti.note {
            field("note", &[(note, plain)]);
        }

        // Output: a rule with the title, then the scrollable value.
        if y >= bottom {
            return;
        }
        let rule_y = y;
        let title = "─ output (XCom return_value) ";
        let x = put(buf, area.x, rule_y, area.width, title, label);
        for cx in x..area.x + area.width {
            buf.set_stringn(cx, rule_y, "─", 1, label);
        }
        let out_y = rule_y + 1;
        let rows = usize::from(bottom.saturating_sub(out_y));
        state.page = rows;
        match self.output {
            OutputView::Loading => {
                if rows > 0 {
                    put(buf, area.x, out_y, area.width, "loading…", label);
                }
            }
            OutputView::Missing => {
                if rows > 0 {
                    // A task that never ran has no value to return, rather than None.
                    let text = if self.ti.try_number == 0 {
                        format!(
                            "none: {} has not run in this run ({})",
                            self.ti.task_id,
                            self.ti.state.as_str().replace('_', " ")
                        )
                    } else {
                        "no return value".to_string()
                    };
                    put(buf, area.x, out_y, area.width, &text, label);
                }
            }
            OutputView::Error(message) => {
                if rows > 0 {
                    put(
                        buf,
                        area.x,
                        out_y,
                        area.width,
                        message,
                        Style::default().fg(Color::Indexed(196)),
                    );
                }
            }
            OutputView::Value(lines) => {
                state.scroll = state.scroll.min(lines.len().saturating_sub(rows));
                let end = (state.scroll + rows).min(lines.len());
                if lines.len() > rows {
                    let pos = format!(" {}–{}/{} ", state.scroll + 1, end, lines.len());
                    put_right(buf, area.x, rule_y, area.width, &pos, label);
                }
                for (k, line) in lines[state.scroll..end].iter().enumerate() {
                    draw_json_line(buf, area.x, out_y + k as u16, area.width, line);
                }
            }
        }
    }
}

fn or_none(s: &str) -> &str {
    if s.is_empty() {
        format::NONE
    } else {
        s
    }
}

/// Draws one line of pretty-printed JSON with light colouring: keys, strings, and
/// numbers/literals. A line that is not JSON (a Python repr) just gets less colour.
fn draw_json_line(buf: &mut Buffer, x0: u16, y: u16, width: u16, line: &str) {
    let right = x0 + width;
    let mut x = x0;
    let bytes = line.as_bytes();
    let mut i = 0;
    let mut start = 0;
    let mut pieces: Vec<(usize, usize, Style)> = Vec::new();
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                pieces.push((start, i, Style::default()));
                let s = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    // Skip the escaped character (pretty JSON escapes quotes as \").
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                let is_key = line[i..].trim_start().starts_with(':');
                let color = if is_key { KEY } else { STRING };
                pieces.push((s, i, Style::default().fg(color)));
                start = i;
            }
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n'
                if i == start || !bytes[i - 1].is_ascii_alphanumeric() =>
            {
                let s = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'.' | b'-' | b'+'))
                {
                    i += 1;
                }
                let word = &line[s..i];
                let literal =
                    matches!(word, "true" | "false" | "null") || word.parse::<f64>().is_ok();
                pieces.push((start, s, Style::default()));
                pieces.push((
                    s,
                    i,
                    if literal {
                        Style::default().fg(NUMBER)
                    } else {
                        Style::default()
                    },
                ));
                start = i;
            }
            _ => i += 1,
        }
    }
    pieces.push((start, bytes.len(), Style::default()));
    for (s, e, style) in pieces {
        if s >= e || x >= right {
            continue;
        }
        // Boundaries are ASCII bytes (quotes, digits, letters), so slicing is on char
        // boundaries; `get` keeps that an assumption rather than a panic.
        if let Some(text) = line.get(s..e) {
            x = buf.set_stringn(x, y, text, usize::from(right - x), style).0;
        }
    }
}
