//! A question with several answers (a save refused by someone else's newer version, a
//! draft to restore): the text, then the answers, one selected.

use super::form::foot;
use super::theme::Theme;
use super::{block, ellipsize, popup};
use crate::keymap::{Action, Context, Keymap};
use crate::state::flow_editor::ChoiceDialog;
use crate::state::text::one_line;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(c: &ChoiceDialog, keymap: &Keymap, theme: &Theme, frame: &mut Frame, area: Rect) {
    let width: u16 = 76;
    let text_width = usize::from(width.saturating_sub(4)).max(1);
    // Each body line wraps; count the rows it will take.
    let body_rows: usize = c
        .body
        .lines()
        .map(|l| one_line(l).chars().count().div_ceil(text_width).max(1))
        .sum();
    let choices = c.choices.len();
    let h = u16::try_from(body_rows + choices + 5).unwrap_or(u16::MAX);
    let rect = popup(frame, area, width, h);
    let b = block(
        format!(" {} ", ellipsize(&one_line(&c.title), 68)),
        true,
        theme,
    )
    .border_style(theme.warn);
    let inner = b.inner(rect).inner(Margin::new(1, 0));
    frame.render_widget(b, rect);
    let [body, list, foot_row] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(u16::try_from(choices + 1).unwrap_or(u16::MAX)),
        Constraint::Length(1),
    ])
    .areas(inner);
    let lines: Vec<Line> = c.body.lines().map(|l| Line::raw(one_line(l))).collect();
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
    let rows: Vec<Line> = std::iter::once(Line::raw(""))
        .chain(c.choices.iter().enumerate().map(|(i, (label, _))| {
            let on = i == c.selected;
            let style = if on { theme.selected } else { theme.text };
            Line::from(vec![
                Span::styled(if on { "› " } else { "  " }, theme.accent),
                Span::styled(ellipsize(&one_line(label), 68), style),
            ])
        }))
        .collect();
    frame.render_widget(Paragraph::new(rows), list);
    frame.render_widget(
        foot(
            keymap,
            Context::Dialog,
            &[
                (Action::MoveDown, "next"),
                (Action::Submit, "choose"),
                (Action::Cancel, "close"),
            ],
            theme,
        ),
        foot_row,
    );
}
