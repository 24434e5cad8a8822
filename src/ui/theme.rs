//! Colours. Dark and light use the 16 ANSI colours only (they follow the terminal's own
//! palette, which is what operators tuned for their SSH client); NO_COLOR uses bold,
//! dim and reverse video and no colour at all.

use crate::state::ThemeKind;
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub text: Style,
    pub dim: Style,
    pub title: Style,
    pub accent: Style,
    pub key: Style,
    pub selected: Style,
    pub border: Style,
    pub border_focus: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub info: Style,
    pub warn: Style,
    pub error: Style,
    pub ok: Style,
    pub header: Style,
    pub cursor: Style,
}

impl Theme {
    pub fn of(kind: ThemeKind) -> Theme {
        match kind {
            ThemeKind::Dark => Theme {
                text: Style::new(),
                dim: Style::new().fg(Color::DarkGray),
                title: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
                accent: Style::new().fg(Color::Cyan),
                key: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
                selected: Style::new().fg(Color::Black).bg(Color::Cyan),
                border: Style::new().fg(Color::DarkGray),
                border_focus: Style::new().fg(Color::Cyan),
                tab: Style::new().fg(Color::Gray),
                tab_active: Style::new()
                    .fg(Color::Black)
                    .bg(Color::Cyan)
                    .add_modifier(Modifier::BOLD),
                info: Style::new().fg(Color::Green),
                warn: Style::new().fg(Color::Yellow),
                error: Style::new()
                    .fg(Color::LightRed)
                    .add_modifier(Modifier::BOLD),
                ok: Style::new().fg(Color::Green),
                header: Style::new().fg(Color::Gray).add_modifier(Modifier::BOLD),
                cursor: Style::new().add_modifier(Modifier::REVERSED),
            },
            ThemeKind::Light => Theme {
                text: Style::new(),
                dim: Style::new().fg(Color::Gray),
                title: Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD),
                accent: Style::new().fg(Color::Blue),
                key: Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
                selected: Style::new().fg(Color::White).bg(Color::Blue),
                border: Style::new().fg(Color::Gray),
                border_focus: Style::new().fg(Color::Blue),
                tab: Style::new().fg(Color::DarkGray),
                tab_active: Style::new()
                    .fg(Color::White)
                    .bg(Color::Blue)
                    .add_modifier(Modifier::BOLD),
                info: Style::new().fg(Color::Green),
                warn: Style::new().fg(Color::Magenta),
                error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                ok: Style::new().fg(Color::Green),
                header: Style::new()
                    .fg(Color::DarkGray)
                    .add_modifier(Modifier::BOLD),
                cursor: Style::new().add_modifier(Modifier::REVERSED),
            },
            ThemeKind::NoColor => Theme {
                text: Style::new(),
                dim: Style::new().add_modifier(Modifier::DIM),
                title: Style::new().add_modifier(Modifier::BOLD),
                accent: Style::new().add_modifier(Modifier::BOLD),
                key: Style::new().add_modifier(Modifier::BOLD),
                selected: Style::new().add_modifier(Modifier::REVERSED),
                border: Style::new(),
                border_focus: Style::new().add_modifier(Modifier::BOLD),
                tab: Style::new(),
                tab_active: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
                info: Style::new(),
                warn: Style::new().add_modifier(Modifier::BOLD),
                error: Style::new().add_modifier(Modifier::BOLD),
                ok: Style::new(),
                header: Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
                cursor: Style::new().add_modifier(Modifier::REVERSED),
            },
        }
    }

    /// "dark" / "light" from the config, NO_COLOR from the environment; an unknown theme
    /// name falls back to dark with a warning.
    pub fn choose(name: &str, no_color: bool) -> (ThemeKind, Option<String>) {
        if no_color {
            return (ThemeKind::NoColor, None);
        }
        match name.trim().to_ascii_lowercase().as_str() {
            "dark" | "" => (ThemeKind::Dark, None),
            "light" => (ThemeKind::Light, None),
            other => (
                ThemeKind::Dark,
                Some(format!(
                    "unknown theme `{}` in the config; using dark (themes: dark, light)",
                    crate::model::text::one_line(other)
                )),
            ),
        }
    }
}

/// NO_COLOR is set to anything non-empty (no-color.org).
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}
