//! The bottom rows: the newest message (only while there is one, on rows of its own),
//! the command line / filter while typing, else the key hints; and the line that says
//! what flowdeck is talking to (Airflow and its health, the database) and what it is
//! waiting for.

use super::theme::Theme;
use super::{ellipsize, ellipsize_start, key_spans, spinner};
use crate::keymap::Keymap;
use crate::state::status::{age, elapsed, Level};
use crate::state::{AirflowHealth, PromptKind, State};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

pub fn draw_line(state: &State, keymap: &Keymap, theme: &Theme, frame: &mut Frame, area: Rect) {
    if let Some(prompt) = &state.prompt {
        let lead = match prompt.kind {
            PromptKind::Filter => "/",
            PromptKind::Command => ":",
        };
        frame.render_widget(
            Span::styled(lead, theme.key),
            Rect::new(area.x, area.y, 1, 1),
        );
        let mut field = prompt.field.area.clone();
        field.set_cursor_line_style(ratatui::style::Style::new());
        field.set_cursor_style(theme.cursor);
        frame.render_widget(
            &field,
            Rect::new(area.x + 1, area.y, area.width.saturating_sub(1), 1),
        );
        return;
    }
    let pairs: Vec<(String, String)> = crate::state::hints(state, keymap)
        .into_iter()
        .map(|(k, h)| (k.to_string(), h.to_string()))
        .collect();
    // Drop hints from the end until they fit, rather than cutting one in half.
    let mut shown = pairs.len();
    while shown > 0 && hints_width(&pairs[..shown]) > usize::from(area.width) {
        shown -= 1;
    }
    frame.render_widget(Line::from(key_spans(&pairs[..shown], theme)), area);
}

/// The newest message, wrapped over the rows of `area` (cut with … if longer still).
pub fn draw_message(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(m) = state.status.current(state.now) else {
        return;
    };
    let style = match m.level {
        Level::Info => theme.info,
        Level::Warning => theme.warn,
        Level::Error => theme.error,
    };
    let rows = wrap(&m.text, usize::from(area.width));
    let height = usize::from(area.height);
    let mut lines: Vec<Line> = rows
        .iter()
        .take(height)
        .map(|r| Line::styled(r.clone(), style))
        .collect();
    if rows.len() > height {
        if let Some(last) = lines.last_mut() {
            let rest = rows[height - 1..].join(" ");
            *last = Line::styled(ellipsize(&rest, usize::from(area.width)), style);
        }
    }
    frame.render_widget(ratatui::widgets::Paragraph::new(lines), area);
}

/// Word wrap at `width` columns; words longer than a row are cut by the row.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut rows = vec![String::new()];
    for word in text.split(' ') {
        let Some(row) = rows.last_mut() else { break };
        let needed = if row.is_empty() {
            word.width()
        } else {
            row.width() + 1 + word.width()
        };
        if needed <= width || row.is_empty() {
            if !row.is_empty() {
                row.push(' ');
            }
            row.push_str(word);
        } else {
            rows.push(word.to_string());
        }
    }
    rows
}

fn hints_width(pairs: &[(String, String)]) -> usize {
    pairs
        .iter()
        .map(|(k, h)| k.width() + 1 + h.width() + 2)
        .sum::<usize>()
        .saturating_sub(2)
}

pub fn draw_status(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let width = usize::from(area.width);
    if let Some(err) = state.prompt.as_ref().and_then(|p| p.error.as_ref()) {
        frame.render_widget(
            Line::from(Span::styled(ellipsize(err, width), theme.error)),
            area,
        );
        return;
    }
    let mut spans: Vec<Span> = Vec::new();
    if let Some((job, others)) = state.shown_job() {
        let d = state.now.saturating_duration_since(job.started);
        let more = if others > 0 {
            format!(" (+{others})")
        } else {
            String::new()
        };
        spans.push(Span::styled(
            format!("{} {}… {}{more}", spinner(d), job.label, elapsed(d)),
            theme.accent,
        ));
        spans.push(Span::styled(" │ ", theme.dim));
    }
    let (symbol, text, style) = health(state, theme);
    let health = format!(" {symbol} {text}");
    // The health matters more than the URL, the URL more than the database path.
    let used: usize =
        spans.iter().map(|s| s.content.width()).sum::<usize>() + "Airflow ".len() + health.width();
    let url = ellipsize(
        &state.status.airflow_url,
        width.saturating_sub(used).max(12),
    );
    let used = used + url.width();
    spans.push(Span::styled("Airflow ", theme.dim));
    spans.push(Span::raw(url));
    spans.push(Span::styled(health, style));
    let db_room = width.saturating_sub(used + 6);
    if db_room >= 12 {
        spans.push(Span::styled(" │ db ", theme.dim));
        spans.push(Span::styled(
            ellipsize_start(&state.status.db_path, db_room),
            theme.dim,
        ));
    }
    frame.render_widget(Line::from(spans), area);
}

/// Symbol, words and style of Airflow's health. The symbols differ so NO_COLOR still
/// tells the states apart.
fn health(state: &State, theme: &Theme) -> (&'static str, String, ratatui::style::Style) {
    let Some((h, at)) = &state.status.health else {
        return ("○", "not checked yet".into(), theme.dim);
    };
    let ago = age(state.now.saturating_duration_since(*at));
    match h {
        AirflowHealth::Online { version } => {
            let v = version
                .as_ref()
                .map(|v| format!(" {}", crate::state::text::one_line(v)))
                .unwrap_or_default();
            ("●", format!("online{v} · {ago} ago"), theme.ok)
        }
        AirflowHealth::Offline { reason, retry_in } => {
            let retry = retry_in
                .map(|d| format!(" · retry in {}", age(d)))
                .unwrap_or_default();
            (
                "×",
                format!(
                    "offline: {} · {ago} ago{retry}",
                    crate::state::text::one_line(reason)
                ),
                theme.error,
            )
        }
        AirflowHealth::Failing { reason } => (
            "!",
            format!(
                "answers with errors: {} · {ago} ago",
                crate::state::text::one_line(reason)
            ),
            theme.error,
        ),
        AirflowHealth::AuthError { reason } => (
            "!",
            format!(
                "auth error: {} · {ago} ago",
                crate::state::text::one_line(reason)
            ),
            theme.error,
        ),
    }
}
