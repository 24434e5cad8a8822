//! The log viewer widget: a tab per try, the visible part of the log, a scrollbar, and a
//! status line (position, search, prompt). Only the lines on screen are laid out.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, StatefulWidget, Widget};
use unicode_width::UnicodeWidthStr;

use crate::state::view::runs::log::layout::{
    end_after_columns, row_count, row_starts, start_at_column,
};
use crate::state::view::runs::log::search::Matcher;
use crate::state::view::runs::log::{LogDocument, LogLine, LogViewer, Pos};
use crate::state::view::runs::sanitize::sanitize;
use crate::ui::widgets::runs::format::put;
use crate::ui::widgets::runs::style::part_style;

const DIM: Color = Color::Indexed(244);

fn match_style(current: bool) -> Style {
    if current {
        Style::default()
            .bg(Color::Indexed(208))
            .fg(Color::Black)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::default().bg(Color::Indexed(222)).fg(Color::Black)
    }
}

/// The log viewer widget; its state is a [`LogViewer`].
#[derive(Default)]
pub struct LogView<'a> {
    block: Option<Block<'a>>,
}

impl<'a> LogView<'a> {
    pub fn new() -> Self {
        LogView::default()
    }

    pub fn block(mut self, block: Block<'a>) -> Self {
        self.block = Some(block);
        self
    }
}

impl StatefulWidget for LogView<'_> {
    type State = LogViewer;

    fn render(self, area: Rect, buf: &mut Buffer, state: &mut LogViewer) {
        let area = match &self.block {
            Some(block) => {
                let inner = block.inner(area);
                block.clone().render(area, buf);
                inner
            }
            None => area,
        };
        if area.height == 0 || area.width < 2 {
            return;
        }
        let tabs_h = u16::from(area.height >= 3);
        let status_h = u16::from(area.height >= 2);
        let body = Rect::new(
            area.x,
            area.y + tabs_h,
            area.width,
            area.height - tabs_h - status_h,
        );
        // The last column is the scrollbar's, always, so that the wrap width does not
        // change when the log grows past a screenful.
        let text_w = usize::from(body.width - 1);
        state.view = (text_w.max(1), usize::from(body.height).max(1));

        if tabs_h > 0 {
            draw_tabs(buf, Rect::new(area.x, area.y, area.width, 1), state);
        }

        let mut scratch = std::mem::take(&mut state.scratch);
        let drawn = draw_body(buf, body, text_w, state, &mut scratch);
        state.scratch = scratch;

        if status_h > 0 {
            let y = area.y + area.height - 1;
            draw_status(buf, Rect::new(area.x, y, area.width, 1), state, drawn);
        }
    }
}

/// What the body showed: first and last line drawn, and the log's length.
#[derive(Clone, Copy, Default)]
struct Drawn {
    first: usize,
    last: usize,
    len: usize,
}

fn draw_body(
    buf: &mut Buffer,
    body: Rect,
    text_w: usize,
    state: &mut LogViewer,
    scratch: &mut String,
) -> Option<Drawn> {
    let dim = Style::default().fg(DIM);
    let Some(t) = state.tries.get(state.selected) else {
        put(buf, body.x, body.y, body.width, "no log", dim);
        return None;
    };
    let Some(doc) = &t.doc else {
        let msg = format!("loading try {}…", t.try_number);
        put(buf, body.x, body.y, body.width, &msg, dim);
        return None;
    };
    if doc.is_empty() {
        put(buf, body.x, body.y, body.width, "(empty log)", dim);
        return None;
    }
    let bottom_pos = state.bottom_pos(doc);
    let pos = if t.follow {
        bottom_pos
    } else {
        t.top.min(bottom_pos)
    };
    // While the prompt is open, what is typed is highlighted on screen already (cheap:
    // only visible lines are searched); the full index is built on Enter.
    let preview;
    let matcher = match &state.prompt {
        Some(p) => {
            preview = Matcher::new(p);
            preview.as_ref()
        }
        None => state.matcher.as_ref(),
    };
    let current = if state.prompt.is_some() {
        None
    } else {
        t.current
    };
    let ctx = Ctx {
        wrap: state.wrap,
        width: text_w,
        hscroll: t.hscroll,
        matcher,
        current,
    };
    let last = draw_lines(buf, body, doc, pos, &ctx, scratch);
    draw_scrollbar(buf, body, doc.len(), pos.line, last);
    let drawn = Drawn {
        first: pos.line,
        last,
        len: doc.len(),
    };
    if let Some(t) = state.tries.get_mut(state.selected) {
        t.top = pos;
    }
    Some(drawn)
}

struct Ctx<'m> {
    wrap: bool,
    width: usize,
    hscroll: usize,
    matcher: Option<&'m Matcher>,
    current: Option<(usize, usize)>,
}

/// Draws lines from `pos` until the body is full; returns the last line drawn.
fn draw_lines(
    buf: &mut Buffer,
    body: Rect,
    doc: &LogDocument,
    pos: Pos,
    ctx: &Ctx,
    scratch: &mut String,
) -> usize {
    let bottom = body.y + body.height;
    let w = ctx.width;
    let mut y = body.y;
    let mut i = pos.line;
    let mut first_row = pos.row;
    let mut last = pos.line;
    while y < bottom {
        let Some(line) = doc.line(i) else {
            break;
        };
        last = i;
        let display = line.display();
        let current = ctx.current.filter(|c| c.0 == i).map(|c| c.1);
        if ctx.wrap {
            let starts = (!line.is_ascii()).then(|| row_starts(line, w));
            let rows = starts.as_ref().map_or_else(|| row_count(line, w), Vec::len);
            let first_row_here = first_row.min(rows - 1);
            let take = (rows - first_row_here).min(usize::from(bottom - y));
            let range = |r: usize| -> (usize, usize) {
                match &starts {
                    None => ((r * w).min(display.len()), ((r + 1) * w).min(display.len())),
                    Some(s) => (
                        s.get(r).copied().unwrap_or(display.len()),
                        s.get(r + 1).copied().unwrap_or(display.len()),
                    ),
                }
            };
            let lo = range(first_row_here).0;
            let hi = range(first_row_here + take - 1).1;
            let matches = ctx
                .matcher
                .map(|m| m.visible(display, lo, hi, scratch))
                .unwrap_or_default();
            for r in first_row_here..first_row_here + take {
                let (a, b) = range(r);
                draw_segment(buf, body.x, y, w, line, (a, b), &matches, current);
                y += 1;
            }
        } else {
            let (a, pad) = start_at_column(line, ctx.hscroll);
            let room = w.saturating_sub(pad);
            let b = end_after_columns(line, a, room);
            let matches = ctx
                .matcher
                .map(|m| m.visible(display, a, b, scratch))
                .unwrap_or_default();
            draw_segment(
                buf,
                body.x + pad as u16,
                y,
                room,
                line,
                (a, b),
                &matches,
                current,
            );
            y += 1;
        }
        first_row = 0;
        i += 1;
    }
    last
}

/// Draws bytes `a..b` of the line at (`x`, `y`), at most `width` columns, each part in its
/// style, search matches on top.
#[allow(clippy::too_many_arguments)]
fn draw_segment(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    width: usize,
    line: &LogLine,
    (a, b): (usize, usize),
    matches: &[(usize, usize)],
    current: Option<usize>,
) {
    let display = line.display();
    let right = x.saturating_add(u16::try_from(width).unwrap_or(u16::MAX));
    let mut x = x;
    let mut p = a;
    let mut mi = 0;
    while p < b && x < right {
        let (part, style_end) = line.part_at(p);
        let mut style = part_style(part);
        let mut end = style_end.min(b);
        while mi < matches.len() && matches[mi].1 <= p {
            mi += 1;
        }
        if let Some(&(ms, me)) = matches.get(mi) {
            if ms <= p {
                style = style.patch(match_style(current == Some(ms)));
                end = end.min(me);
            } else {
                end = end.min(ms);
            }
        }
        if end <= p {
            break;
        }
        // Part boundaries are char boundaries by construction; `get` keeps a mistake
        // from becoming a panic.
        let Some(piece) = display.get(p..end) else {
            break;
        };
        x = buf
            .set_stringn(x, y, piece, usize::from(right - x), style)
            .0;
        p = end;
    }
}

fn draw_scrollbar(buf: &mut Buffer, body: Rect, len: usize, first: usize, last: usize) {
    if body.width == 0 || body.height == 0 {
        return;
    }
    let x = body.x + body.width - 1;
    let h = usize::from(body.height);
    let track = Style::default().fg(Color::Indexed(238));
    for k in 0..body.height {
        buf.set_stringn(x, body.y + k, "│", 1, track);
    }
    let shown = last + 1 - first;
    if first == 0 && last + 1 >= len {
        return; // everything is visible
    }
    let thumb_h = (h * shown / len.max(1)).clamp(1, h);
    let scrollable = len.saturating_sub(shown).max(1);
    let thumb_y = (first.min(scrollable) * (h - thumb_h)) / scrollable;
    for k in thumb_y..thumb_y + thumb_h {
        buf.set_stringn(
            x,
            body.y + k as u16,
            "┃",
            1,
            Style::default().fg(Color::Indexed(250)),
        );
    }
}

fn draw_tabs(buf: &mut Buffer, area: Rect, state: &LogViewer) {
    let on = Style::default()
        .fg(Color::Indexed(46))
        .add_modifier(Modifier::BOLD);
    let off = Style::default().fg(DIM);
    // Flags on the right: the modes that change what the keys do, spelled out so they
    // read without colour too.
    let flags = [("wrap", state.wrap), ("follow", state.follow())];
    let flags_text: Vec<String> = flags
        .iter()
        .map(|(name, on)| format!("{name}:{}", if *on { "on" } else { "off" }))
        .collect();
    let flags_w: u16 = flags_text.iter().map(|t| t.len() as u16 + 1).sum();
    let show_flags = area.width > flags_w + 10;
    if show_flags {
        let mut fx = area.x + area.width - flags_w;
        for ((_, enabled), text) in flags.iter().zip(&flags_text) {
            fx = put(
                buf,
                fx + 1,
                area.y,
                text.len() as u16,
                text,
                if *enabled { on } else { off },
            );
        }
    }
    let tabs_right = if show_flags {
        area.x + area.width - flags_w - 1
    } else {
        area.x + area.width
    };
    let labels: Vec<String> = state
        .tries
        .iter()
        .map(|t| format!(" try {} ", t.try_number))
        .collect();
    // Start late enough that the selected tab fits.
    let avail = usize::from(tabs_right.saturating_sub(area.x));
    let mut start = 0;
    while start < state.selected
        && labels[start..=state.selected.min(labels.len().saturating_sub(1))]
            .iter()
            .map(|l| l.width())
            .sum::<usize>()
            > avail
    {
        start += 1;
    }
    let mut x = area.x;
    if start > 0 {
        x = put(buf, x, area.y, 1, "‹", off);
    }
    for (i, label) in labels.iter().enumerate().skip(start) {
        if x >= tabs_right {
            break;
        }
        let style = if i == state.selected {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::default()
        };
        x = put(buf, x, area.y, tabs_right - x, label, style);
    }
}

fn draw_status(buf: &mut Buffer, area: Rect, state: &LogViewer, drawn: Option<Drawn>) {
    let dim = Style::default().fg(DIM);
    let right = area.x + area.width;
    if let Some(prompt) = &state.prompt {
        let mut x = put(
            buf,
            area.x,
            area.y,
            area.width,
            "/",
            Style::default().add_modifier(Modifier::BOLD),
        );
        x = put(
            buf,
            x,
            area.y,
            right.saturating_sub(x),
            &sanitize(prompt),
            Style::default(),
        );
        x = put(
            buf,
            x,
            area.y,
            right.saturating_sub(x),
            " ",
            Style::default().add_modifier(Modifier::REVERSED),
        );
        put(
            buf,
            x + 1,
            area.y,
            right.saturating_sub(x + 1),
            "Enter search · Esc cancel",
            dim,
        );
        return;
    }
    let mut x = area.x;
    if let Some(d) = drawn {
        let pct = if d.last + 1 >= d.len {
            "end".to_string()
        } else {
            format!("{}%", (d.last + 1) * 100 / d.len)
        };
        let pos = format!("{}–{}/{} {}", d.first + 1, d.last + 1, d.len, pct);
        x = put(buf, x, area.y, area.width, &pos, dim);
        let h = state.hscroll();
        if h > 0 && !state.wrap {
            x = put(
                buf,
                x,
                area.y,
                right.saturating_sub(x),
                &format!(" col {}", h + 1),
                dim,
            );
        }
    }
    if let Some(q) = state.search_query() {
        let text = match state.match_status() {
            Some((_, 0)) => format!("  /{q}  not found"),
            Some((Some(k), n)) => format!("  /{q}  {k}/{n}"),
            Some((None, n)) => format!("  /{q}  {n} matches"),
            None => format!("  /{q}"),
        };
        x = put(
            buf,
            x,
            area.y,
            right.saturating_sub(x),
            &sanitize(&text),
            Style::default().fg(Color::Indexed(222)),
        );
    }
    if let Some(m) = state.message() {
        x = put(
            buf,
            x,
            area.y,
            right.saturating_sub(x),
            "  ",
            Style::default(),
        );
        put(
            buf,
            x,
            area.y,
            right.saturating_sub(x),
            // Messages may quote the query: sanitized like all text.
            &sanitize(m),
            Style::default().fg(Color::Indexed(220)),
        );
    }
}
