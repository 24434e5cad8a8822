//! Drawing parts shared by the dialogs and forms: a key's label, a one-line input field,
//! the "working…" line and a dialog's foot of key hints.

use super::theme::Theme;
use super::{block, spinner};
use crate::keymap::{Action, Context, Keymap};
use crate::state::input::Field;
use crate::state::status::elapsed;
use crate::state::{JobId, State};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

/// The key bound to `action` in `ctx`, or the action's name when nothing is bound.
pub(super) fn key(keymap: &Keymap, ctx: Context, action: Action) -> String {
    keymap
        .key_for(&[ctx], action)
        .map(|k| k.to_string())
        .unwrap_or_else(|| action.name())
}

/// A text field in a box titled with its label; only the focused one shows a cursor.
pub(super) fn field(f: &Field, focused: bool, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut ta = f.area.clone();
    ta.set_block(
        block(format!(" {} ", f.label), focused, theme).title_style(if focused {
            theme.title
        } else {
            theme.dim
        }),
    );
    ta.set_cursor_line_style(Style::new());
    ta.set_cursor_style(if focused { theme.cursor } else { Style::new() });
    ta.set_style(theme.text);
    frame.render_widget(&ta, area);
}

pub(super) fn busy_line<'a>(
    busy: Option<JobId>,
    state: &'a State,
    theme: &Theme,
) -> Option<Line<'a>> {
    let job = state.jobs.get(&busy?)?;
    let d = state.now.saturating_duration_since(job.started);
    Some(Line::styled(
        format!("{} {}… {}", spinner(d), job.label, elapsed(d)),
        theme.accent,
    ))
}

/// `key does · key does` from the keymap, for the foot of a form.
pub(super) fn foot<'a>(
    keymap: &Keymap,
    ctx: Context,
    items: &[(Action, &str)],
    theme: &Theme,
) -> Line<'a> {
    let mut spans = Vec::new();
    for (i, (action, what)) in items.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.dim));
        }
        spans.push(Span::styled(key(keymap, ctx, *action), theme.key));
        spans.push(Span::styled(format!(" {what}"), theme.dim));
    }
    Line::from(spans)
}
