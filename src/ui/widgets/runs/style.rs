//! The colours of the Run monitor: task and run states as Airflow paints them, log levels,
//! and the parts of a log line.

use crate::state::view::runs::log::{Level, LinePart};
use crate::state::view::runs::TaskState;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;

/// The colour Airflow uses for the state (`airflow.settings.STATE_COLORS`), as the
/// nearest xterm-256 colour: 24-bit colour is not reliable over every SSH hop and
/// terminal, the 256-colour palette is.
pub fn state_color(state: TaskState) -> Color {
    match state {
        TaskState::Success => Color::Indexed(28),         // green
        TaskState::Failed => Color::Indexed(196),         // red
        TaskState::Running => Color::Indexed(46),         // lime
        TaskState::Queued => Color::Indexed(244),         // gray
        TaskState::Scheduled => Color::Indexed(180),      // tan
        TaskState::UpForRetry => Color::Indexed(220),     // gold
        TaskState::UpForReschedule => Color::Indexed(80), // turquoise
        TaskState::UpstreamFailed => Color::Indexed(214), // orange
        TaskState::Skipped => Color::Indexed(205),        // hotpink
        TaskState::Deferred => Color::Indexed(98),        // mediumpurple
        TaskState::Restarting => Color::Indexed(213),     // violet
        TaskState::Removed => Color::Indexed(252),        // lightgrey
        TaskState::NoStatus => Color::Indexed(240),       // no square: a dim dot
        TaskState::Unknown => Color::Indexed(15),         // white
    }
}

/// Foreground style for text that names the state.
pub fn state_style(state: TaskState) -> Style {
    Style::default().fg(state_color(state))
}

/// Glyph and name, coloured: `■ failed`.
pub fn state_badge(state: TaskState) -> Span<'static> {
    let style = match state {
        TaskState::Failed | TaskState::UpstreamFailed => {
            state_style(state).add_modifier(Modifier::BOLD)
        }
        _ => state_style(state),
    };
    Span::styled(format!("{} {}", state.glyph(), state.as_str()), style)
}

/// Style of a log message: errors red, warnings yellow, debug dim, the rest plain.
pub fn level_style(level: Level) -> Style {
    match level {
        Level::Error | Level::Critical => Style::default().fg(Color::Indexed(196)),
        Level::Warning => Style::default().fg(Color::Indexed(220)),
        Level::Debug => Style::default().fg(Color::Indexed(244)),
        Level::Info | Level::None => Style::default(),
    }
}

/// Style of the level tag itself: like the message, bold for errors.
pub fn level_tag_style(level: Level) -> Style {
    match level {
        Level::Error | Level::Critical => level_style(level).add_modifier(Modifier::BOLD),
        Level::Info => Style::default().fg(Color::Indexed(71)),
        _ => level_style(level),
    }
}

/// Style of one part of a log line.
pub fn part_style(part: LinePart) -> Style {
    let dim = Style::default().fg(Color::Indexed(244));
    match part {
        LinePart::Timestamp | LinePart::Meta => dim,
        LinePart::Gap => Style::default(),
        LinePart::LevelTag(level) => level_tag_style(level),
        LinePart::Message { level, group } => {
            let style = level_style(level);
            if group {
                style.add_modifier(Modifier::BOLD)
            } else {
                style
            }
        }
    }
}
