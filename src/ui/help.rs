//! The `?` overlay, generated from the keymap that dispatches keys: the focused pane's
//! keys, then the global ones, the form and dialog keys, and the `:` commands.

use super::block;
use super::theme::Theme;
use crate::keymap::{Action, Context, Keymap};
use crate::state::command::COMMANDS;
use crate::state::{Screen, State};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpLine {
    Section(String),
    /// Keys (joined) and what they do.
    Keys(String, String),
    Blank,
}

/// The help's content for the focused pane. Keys bound to the same action with the same
/// description share a row (`k, <Up>  Up`).
pub fn lines(state: &State, keymap: &Keymap) -> Vec<HelpLine> {
    let pane = state.focus.context();
    let log_open =
        state.focus == crate::state::Pane::Runs && state.runs.view == crate::state::runs::View::Log;
    let mut sections = vec![(pane, format!("{} pane", state.focus.title()))];
    // The Runs pane's help lists the log viewer's keys too, first while the log is open.
    if log_open {
        sections.insert(0, (Context::Log, "Log viewer".to_string()));
    } else if state.focus == crate::state::Pane::Runs {
        sections.push((Context::Log, "Log viewer (L opens it)".to_string()));
    }
    sections.extend([
        (Context::Global, "Everywhere".to_string()),
        (
            Context::Editor,
            "In forms, fields and the command line (other keys are typed)".to_string(),
        ),
        (
            Context::Dialog,
            "In dialogs and this help (a picker: type to filter, ↑↓ or C-p/C-n move, Enter chooses)".to_string(),
        ),
    ]);
    let mut out = Vec::new();
    for (ctx, title) in sections {
        let bindings = keymap.bindings(ctx);
        if bindings.is_empty() {
            continue;
        }
        out.push(HelpLine::Section(title));
        let mut groups: Vec<(Action, &str, Vec<String>)> = Vec::new();
        for b in bindings {
            match groups
                .iter_mut()
                .find(|(a, d, _)| *a == b.action && *d == b.desc)
            {
                Some(g) => g.2.push(b.key.to_string()),
                None => groups.push((b.action, &b.desc, vec![b.key.to_string()])),
            }
        }
        for (_, desc, keys) in groups {
            out.push(HelpLine::Keys(keys.join(", "), desc.to_string()));
        }
        out.push(HelpLine::Blank);
    }
    out.push(HelpLine::Section("Commands (type : first)".into()));
    for (usage, desc) in COMMANDS {
        out.push(HelpLine::Keys(format!(":{usage}"), (*desc).to_string()));
    }
    out
}

pub fn draw(
    state: &State,
    keymap: &Keymap,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    screen: &mut Screen,
) {
    let content = lines(state, keymap);
    let key_w = content
        .iter()
        .filter_map(|l| match l {
            HelpLine::Keys(k, _) if !k.starts_with(':') => Some(k.width()),
            _ => None,
        })
        .max()
        .unwrap_or(8)
        .min(24);
    // Commands line up among themselves: their own column, as wide as the longest.
    let cmd_w = content
        .iter()
        .filter_map(|l| match l {
            HelpLine::Keys(k, _) if k.starts_with(':') => Some(k.width()),
            _ => None,
        })
        .max()
        .unwrap_or(8)
        .min(40);
    // All the height but the status row (Airflow, waits stay visible), at most 100 wide.
    let w = area.width.min(100);
    // The top row stays visible when it names the environment keys act on.
    let top = u16::from(state.env.shown());
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + top,
        w,
        area.height.saturating_sub(1 + top),
    );
    frame.render_widget(Clear, r);
    let b = block(
        format!(" Keys · {} pane ", state.focus.title()),
        true,
        theme,
    );
    let inner = b.inner(r);
    frame.render_widget(b, r);
    let [body, foot] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let rows = usize::from(body.height);
    let max_scroll = content.len().saturating_sub(rows);
    let scroll = state.help.as_ref().map_or(0, |h| h.scroll).min(max_scroll);
    screen.help_rows = rows;
    screen.help_scroll = scroll;
    let text: Vec<Line> = content
        .iter()
        .skip(scroll)
        .take(rows)
        .map(|l| match l {
            HelpLine::Section(t) => Line::styled(t.clone(), theme.title),
            HelpLine::Keys(k, d) if k.starts_with(':') => Line::from(vec![
                Span::styled(format!("  {k:<cmd_w$}  "), theme.key),
                Span::raw(d.clone()),
            ]),
            HelpLine::Keys(k, d) if k.width() > key_w => Line::from(vec![
                Span::styled(format!("  {k}  "), theme.key),
                Span::raw(d.clone()),
            ]),
            HelpLine::Keys(k, d) => Line::from(vec![
                Span::styled(format!("  {k:<key_w$}  "), theme.key),
                Span::raw(d.clone()),
            ]),
            HelpLine::Blank => Line::from(""),
        })
        .collect();
    frame.render_widget(Paragraph::new(text), body);
    let key = |a: Action| {
        keymap
            .key_for(&[Context::Dialog], a)
            .map(|k| k.to_string())
            .unwrap_or_default()
    };
    let pos = if max_scroll > 0 {
        format!(
            "  ·  {}/{} scroll  ·  {}–{} of {}",
            key(Action::MoveDown),
            key(Action::MoveUp),
            scroll + 1,
            (scroll + rows).min(content.len()),
            content.len()
        )
    } else {
        String::new()
    };
    frame.render_widget(
        Line::styled(format!("{} close{pos}", key(Action::Cancel)), theme.dim),
        foot,
    );
}
