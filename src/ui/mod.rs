//! Drawing. `draw` reads the state and the keymap and never changes either; it returns
//! where it put things (`Screen`) so the app can hand that back to the state for mouse
//! hits and page sizes. One file per pane plus the shared pieces (tabs, status bar,
//! dialogs, help).

pub mod choice;
pub mod dialog;
pub mod flow_editor;
pub mod flows;
mod form;
pub mod functions;
pub mod help;
pub mod runs;
pub mod status;
pub mod theme;
pub mod widgets;

use crate::keymap::Keymap;
use crate::state::{Pane, Screen, State};
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;
use theme::Theme;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Below this the layout would be unreadable; a note asks for a bigger terminal.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

/// Wide enough to show the list and the detail side by side.
pub const WIDE: u16 = 120;

/// Draws the whole screen.
pub fn draw(state: &State, keymap: &Keymap, frame: &mut Frame) -> Screen {
    let theme = Theme::of(state.theme);
    let area = frame.area();
    let mut screen = Screen::default();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "flowdeck needs at least {MIN_WIDTH}×{MIN_HEIGHT}; this terminal is {}×{}",
            area.width, area.height
        );
        frame.render_widget(
            ratatui::widgets::Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return screen;
    }
    // A message gets rows of its own above the key hints (two when it is long: an
    // error cut in half is no use), so it never hides the hints or the status line.
    let message_rows = state.status.current(state.now).map_or(0, |m| {
        if m.text.width() > usize::from(area.width) {
            2
        } else {
            1
        }
    });
    let [tabs, body, message, line, status_row] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(message_rows),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_tabs(state, &theme, frame, tabs, &mut screen);
    match state.focus {
        Pane::Functions => functions::draw(state, keymap, &theme, frame, body, &mut screen),
        Pane::Flows => flows::draw(state, keymap, &theme, frame, body, &mut screen),
        Pane::Runs => runs::draw(state, keymap, &theme, frame, body, &mut screen),
    }
    if message_rows > 0 {
        status::draw_message(state, &theme, frame, message);
    }
    status::draw_line(state, keymap, &theme, frame, line);
    status::draw_status(state, &theme, frame, status_row);
    // Dialogs stay above the message, the hints and the status line.
    let above = Rect {
        height: body.bottom().saturating_sub(area.y),
        ..area
    };
    for d in &state.dialogs {
        dialog::draw(d, state, keymap, &theme, frame, above, &mut screen);
    }
    if state.help.is_some() {
        help::draw(state, keymap, &theme, frame, area, &mut screen);
    }
    screen
}

/// The environment as the top row shows it: its name in its colour (bold), then
/// "read-only" and "TLS not verified" when they apply. Empty for the implicit
/// environment of a config without `[environments]` whose TLS is verified.
pub fn environment_spans(state: &State, theme: &Theme) -> Vec<Span<'static>> {
    let env = &state.env.current;
    if !state.env.shown() {
        return Vec::new();
    }
    let name_style = match (state.theme, env.display_color()) {
        (crate::state::ThemeKind::NoColor, _) => {
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        }
        (_, Some(c)) => Style::new().fg(c).add_modifier(Modifier::BOLD),
        (_, None) => theme.title,
    };
    let mut spans = vec![Span::styled(
        format!(" {} ", crate::state::text::one_line(&env.name)),
        name_style,
    )];
    if env.read_only {
        spans.push(Span::styled("· read-only ", theme.header));
    }
    if env.insecure_tls {
        spans.push(Span::styled("· TLS not verified ", theme.error));
    }
    spans
}

fn draw_tabs(state: &State, theme: &Theme, frame: &mut Frame, area: Rect, screen: &mut Screen) {
    let mut x = area.x;
    let brand = " flowdeck ";
    // The environment is never cut for the tabs: it says which Airflow keys act on.
    // The name of the program gives way first when both do not fit.
    let env = Line::from(environment_spans(state, theme));
    let tabs_w: usize = Pane::ALL
        .iter()
        .enumerate()
        .map(|(i, p)| format!(" {} {} ", i + 1, p.title()).width() + 1)
        .sum();
    let crowded =
        env.width() > 0 && brand.len() + 1 + tabs_w + 1 + env.width() > usize::from(area.width);
    if !crowded {
        frame.render_widget(
            Span::styled(brand, theme.title),
            Rect::new(x, area.y, brand.len() as u16, 1),
        );
        x += brand.len() as u16 + 1;
    }
    let env_w = u16::try_from(env.width())
        .unwrap_or(u16::MAX)
        .min(area.right().saturating_sub(x));
    let tabs_right = area
        .right()
        .saturating_sub(if env_w > 0 { env_w + 1 } else { 0 });
    for (i, pane) in Pane::ALL.iter().enumerate() {
        let label = format!(" {} {} ", i + 1, pane.title());
        let w = label.width() as u16;
        if x + w > tabs_right {
            break;
        }
        let style = if *pane == state.focus {
            theme.tab_active
        } else {
            theme.tab
        };
        let rect = Rect::new(x, area.y, w, 1);
        frame.render_widget(Span::styled(label, style), rect);
        screen.tabs.push((rect, *pane));
        x += w + 1;
    }
    if env_w > 0 {
        x = x.min(area.right());
        let w = env_w.min(area.right() - x);
        frame.render_widget(env, Rect::new(x, area.y, w, 1));
        x += w;
    }
    // What each pane holds, so the tabs say something even when not focused.
    let plural = |n: usize, what: &str| {
        if n == 1 {
            format!("1 {what}")
        } else {
            format!("{n} {what}s")
        }
    };
    let counts = format!(
        "{} · {} ",
        plural(state.functions.rows.len(), "function"),
        plural(state.flows.rows.len(), "flow")
    );
    let cw = counts.width() as u16;
    if x + cw < area.right() {
        frame.render_widget(
            Span::styled(counts, theme.dim),
            Rect::new(area.right() - cw, area.y, cw, 1),
        );
    }
}

/// A bordered block; `focused` decides the border colour.
/// The message a list shows when its filter hides every row.
pub fn no_match(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    what: &str,
    filter: &str,
    back: &str,
) {
    let text = format!(
        "No {what} matches “{}”. {back} clears the filter.",
        crate::state::text::one_line(filter)
    );
    frame.render_widget(
        Paragraph::new(text)
            .style(theme.dim)
            .wrap(Wrap { trim: true }),
        area,
    );
}

/// Splits a list's area into its header row and its rows, keeps the selection in view,
/// and records where the rows are (mouse clicks and the wheel find them there).
pub fn list_rows(
    area: Rect,
    nav: &crate::state::list::ListNav,
    pane: crate::state::Pane,
    screen: &mut crate::state::Screen,
) -> (Rect, Rect, usize) {
    let [header, rows] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let offset = crate::state::list::clamp_offset(
        nav.offset,
        nav.selected,
        usize::from(rows.height),
        nav.len(),
    );
    screen.list = Some(crate::state::ListArea { pane, rows, offset });
    (header, rows, offset)
}

pub fn block<'a>(title: impl Into<Line<'a>>, focused: bool, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(if focused {
            theme.border_focus
        } else {
            theme.border
        })
        .title(title)
        .title_style(theme.title)
}

/// A centred rectangle of at most `w`×`h` inside `area`, cleared.
pub fn popup(frame: &mut Frame, area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2)).max(1);
    let h = h.min(area.height.saturating_sub(2)).max(1);
    let [r] = Layout::horizontal([Constraint::Length(w)])
        .flex(Flex::Center)
        .areas(area);
    let [r] = Layout::vertical([Constraint::Length(h)])
        .flex(Flex::Center)
        .areas(r);
    frame.render_widget(Clear, r);
    r
}

/// Cuts `s` to `width` columns, ending with `…` when cut.
pub fn ellipsize(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// Cuts the start of `s` (paths: the end is the informative part).
pub fn ellipsize_start(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut rev = Vec::new();
    let mut w = 0;
    for c in s.chars().rev() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        rev.push(c);
        w += cw;
    }
    let mut out = String::from("…");
    out.extend(rev.into_iter().rev());
    out
}

/// Rows a text takes when wrapped at `width` (a close estimate of ratatui's word wrap,
/// used to size dialogs).
pub fn wrapped_rows(text: &str, width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let rows: usize = text
        .lines()
        .map(|l| {
            let w = l.width();
            // Word wrap leaves ragged ends; one row in ten is a fair allowance.
            (w.div_ceil(width) + w / (width * 10)).max(1)
        })
        .sum();
    u16::try_from(rows.max(1)).unwrap_or(u16::MAX)
}

/// `<key> label` pairs as spans, for hints.
pub fn key_spans<'a>(pairs: &[(String, String)], theme: &Theme) -> Vec<Span<'a>> {
    let mut spans = Vec::new();
    for (i, (k, label)) in pairs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(k.clone(), theme.key));
        spans.push(Span::styled(format!(" {label}"), theme.dim));
    }
    spans
}

pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The spinner frame for a wait that has lasted `elapsed`.
pub fn spinner(elapsed: std::time::Duration) -> &'static str {
    SPINNER[(elapsed.as_millis() / 100 % SPINNER.len() as u128) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ellipsis_keeps_the_width() {
        assert_eq!(ellipsize("extract_orders", 8), "extract…");
        assert_eq!(ellipsize("short", 8), "short");
        assert_eq!(ellipsize_start("/home/u/etl.py", 9), "…u/etl.py");
        assert_eq!(ellipsize("表表表表", 5), "表表…");
    }
}
