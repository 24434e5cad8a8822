//! Draws a flow's diff ([`FlowDiff`]) and its one-line summary ([`DiffSummary`]).

use crate::state::view::diff::{DiffLineKind, DiffSummary, FlowDiff};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

impl DiffSummary {
    /// `tasks +1 −0 ~2 · edges +1 −0 · settings changed`, coloured like the diff.
    pub fn line(&self) -> Line<'static> {
        if self.is_empty() {
            return Line::from(Span::styled("no changes", Style::new().fg(Color::DarkGray)));
        }
        let add = Style::new().fg(Color::Green);
        let del = Style::new().fg(Color::Red);
        let chg = Style::new().fg(Color::Yellow);
        let dim = Style::new().fg(Color::DarkGray);
        let mut spans = vec![
            Span::raw("tasks "),
            Span::styled(format!("+{}", self.tasks_added.len()), add),
            Span::raw(" "),
            Span::styled(format!("−{}", self.tasks_removed.len()), del),
            Span::raw(" "),
            Span::styled(format!("~{}", self.tasks_changed.len()), chg),
            Span::styled(" · ", dim),
            Span::raw("edges "),
            Span::styled(format!("+{}", self.edges_added.len()), add),
            Span::raw(" "),
            Span::styled(format!("−{}", self.edges_removed.len()), del),
        ];
        if self.settings_changed {
            spans.push(Span::styled(" · ", dim));
            spans.push(Span::styled("settings changed", chg));
        }
        Line::from(spans)
    }
}

/// Draws a [`FlowDiff`]: an optional summary line, then `old new │±text` rows from
/// `scroll`, added lines green, removed red, hunk headers cyan.
pub struct DiffView<'a> {
    diff: &'a FlowDiff,
    summary: Option<&'a DiffSummary>,
    scroll: usize,
    hscroll: u16,
}

impl<'a> DiffView<'a> {
    pub fn new(diff: &'a FlowDiff) -> DiffView<'a> {
        DiffView {
            diff,
            summary: None,
            scroll: 0,
            hscroll: 0,
        }
    }

    pub fn summary(mut self, summary: &'a DiffSummary) -> Self {
        self.summary = Some(summary);
        self
    }

    /// First diff line shown (clamped so the last page stays full).
    pub fn scroll(mut self, line: usize) -> Self {
        self.scroll = line;
        self
    }

    /// Columns of text scrolled off to the left (the line-number gutter stays).
    pub fn hscroll(mut self, columns: u16) -> Self {
        self.hscroll = columns;
        self
    }

    /// The largest useful `scroll` for an area `height` rows tall (with the summary).
    pub fn max_scroll(diff: &FlowDiff, height: u16, with_summary: bool) -> usize {
        let rows = usize::from(height).saturating_sub(usize::from(with_summary));
        diff.lines.len().saturating_sub(rows)
    }
}

impl Widget for DiffView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let mut body = area;
        if let Some(summary) = self.summary {
            buf.set_line(area.x, area.y, &summary.line(), area.width);
            body.y += 1;
            body.height -= 1;
        }
        if body.height == 0 {
            return;
        }
        if self.diff.is_empty() {
            buf.set_stringn(
                body.x,
                body.y,
                "no changes against the deployed version",
                usize::from(body.width),
                Style::new().fg(Color::DarkGray),
            );
            return;
        }
        let rows = usize::from(body.height);
        let start = self.scroll.min(self.diff.lines.len().saturating_sub(rows));
        let visible = &self.diff.lines[start..(start + rows).min(self.diff.lines.len())];

        // Gutter: both line numbers, as wide as the largest number in the diff.
        let widest = self
            .diff
            .lines
            .iter()
            .filter_map(|l| l.old_line.max(l.new_line))
            .max()
            .unwrap_or(1);
        let digits = widest.to_string().len();
        let gutter_width = u16::try_from(digits * 2 + 3)
            .unwrap_or(u16::MAX)
            .min(body.width);
        let gutter = Rect {
            width: gutter_width,
            ..body
        };
        let text = Rect {
            x: body.x + gutter_width,
            width: body.width - gutter_width,
            ..body
        };
        let number =
            |n: Option<usize>| n.map_or_else(|| " ".repeat(digits), |n| format!("{n:>digits$}"));
        let dim = Style::new().fg(Color::DarkGray);
        let mut gutter_lines = Vec::with_capacity(visible.len());
        let mut text_lines = Vec::with_capacity(visible.len());
        for line in visible {
            let (sign, style) = match line.kind {
                DiffLineKind::Hunk => (
                    "",
                    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
                ),
                DiffLineKind::Context => (" ", Style::new()),
                DiffLineKind::Added => ("+", Style::new().fg(Color::Green)),
                DiffLineKind::Removed => ("-", Style::new().fg(Color::Red)),
            };
            gutter_lines.push(Line::styled(
                format!("{} {} │", number(line.old_line), number(line.new_line)),
                dim,
            ));
            text_lines.push(Line::styled(format!("{sign}{}", line.text), style));
        }
        Paragraph::new(gutter_lines).render(gutter, buf);
        Paragraph::new(text_lines)
            .scroll((0, self.hscroll))
            .render(text, buf);
    }
}
