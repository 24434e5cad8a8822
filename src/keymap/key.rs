//! One key press as the keymap sees it, with the text notation used in
//! `assets/keymap.toml` and the config file (`q`, `G`, `<C-s>`, `<PageDown>`).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

/// Names accepted inside `<…>`, and the spelling used when showing a key.
const NAMED: &[(&str, KeyCode)] = &[
    ("Enter", KeyCode::Enter),
    ("Esc", KeyCode::Esc),
    ("Tab", KeyCode::Tab),
    ("BackTab", KeyCode::BackTab),
    ("Backspace", KeyCode::Backspace),
    ("Delete", KeyCode::Delete),
    ("Insert", KeyCode::Insert),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
    ("PageUp", KeyCode::PageUp),
    ("PageDown", KeyCode::PageDown),
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("Space", KeyCode::Char(' ')),
    ("lt", KeyCode::Char('<')),
    ("gt", KeyCode::Char('>')),
];

impl Key {
    pub const fn new(code: KeyCode, mods: KeyModifiers) -> Key {
        Key { code, mods }
    }

    pub const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            mods: KeyModifiers::NONE,
        }
    }

    pub const fn char(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::CONTROL,
        }
    }

    /// The key a terminal event means. Shift is dropped from characters (the character
    /// already says it: `G` is shift-g) and from BackTab, because terminals disagree
    /// about reporting it and a binding must match either way.
    pub fn from_event(ev: &KeyEvent) -> Key {
        let mut mods =
            ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match ev.code {
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                // Ctrl-S arrives as 'S' with some terminals; <C-s> is meant either way.
                if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        Key { code, mods }
    }

    /// Parses `q`, `?`, `<C-s>`, `<A-x>`, `<S-Up>`, `<Enter>`, `<F5>`, `<Space>`.
    pub fn parse(text: &str) -> Result<Key, String> {
        let bad = || {
            format!(
                "`{}` is not a key: write one character (`q`, `G`) or a name such as <C-s>, <Enter>, <F5>",
                crate::model::text::one_line(text)
            )
        };
        let mut chars = text.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            if c.is_control() {
                return Err(bad());
            }
            return Ok(Key::char(c));
        }
        let inner = text
            .strip_prefix('<')
            .and_then(|t| t.strip_suffix('>'))
            .ok_or_else(bad)?;
        if inner.is_empty() {
            return Err(bad());
        }
        // The last part is the key; the ones before it are modifiers. `<C-->` binds '-'.
        let (prefix, name) = match inner.strip_suffix("--") {
            Some(p) => (format!("{p}-"), "-".to_string()),
            None => match inner.rsplit_once('-') {
                Some((p, n)) if !n.is_empty() => (format!("{p}-"), n.to_string()),
                _ => (String::new(), inner.to_string()),
            },
        };
        let mut mods = KeyModifiers::NONE;
        for m in prefix.split('-').filter(|m| !m.is_empty()) {
            match m.to_ascii_lowercase().as_str() {
                "c" | "ctrl" => mods |= KeyModifiers::CONTROL,
                "a" | "alt" | "m" | "meta" => mods |= KeyModifiers::ALT,
                "s" | "shift" => mods |= KeyModifiers::SHIFT,
                _ => return Err(bad()),
            }
        }
        let mut name_chars = name.chars();
        let code = if let (Some(c), None) = (name_chars.next(), name_chars.next()) {
            if mods.contains(KeyModifiers::SHIFT) && !mods.contains(KeyModifiers::CONTROL) {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::Char(c.to_ascii_uppercase())
            } else {
                KeyCode::Char(if mods.contains(KeyModifiers::CONTROL) {
                    c.to_ascii_lowercase()
                } else {
                    c
                })
            }
        } else if let Some((_, code)) = NAMED.iter().find(|(n, _)| n.eq_ignore_ascii_case(&name)) {
            *code
        } else if let Some(n) = name
            .strip_prefix(['F', 'f'])
            .and_then(|n| n.parse::<u8>().ok())
            .filter(|n| (1..=12).contains(n))
        {
            KeyCode::F(n)
        } else {
            return Err(bad());
        };
        // Same normalisation as events, so a parsed key and a pressed key compare equal.
        Ok(Key::from_event(&KeyEvent::new(code, mods)))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.code {
            KeyCode::Char(c) if !NAMED.iter().any(|(_, k)| *k == KeyCode::Char(c)) => {
                if self.mods.is_empty() {
                    return write!(f, "{c}");
                }
                c.to_string()
            }
            KeyCode::F(n) => format!("F{n}"),
            code => NAMED
                .iter()
                .find(|(_, k)| *k == code)
                .map_or_else(|| format!("{code:?}"), |(n, _)| (*n).to_string()),
        };
        let mut out = String::from("<");
        if self.mods.contains(KeyModifiers::CONTROL) {
            out.push_str("C-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            out.push_str("A-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            out.push_str("S-");
        }
        out.push_str(&name);
        out.push('>');
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notation_round_trips() {
        for text in [
            "q",
            "G",
            "?",
            "/",
            "1",
            "<C-s>",
            "<A-x>",
            "<S-Up>",
            "<Enter>",
            "<Esc>",
            "<Tab>",
            "<BackTab>",
            "<PageDown>",
            "<F5>",
            "<Space>",
            "<C-->",
            "<lt>",
        ] {
            let key = Key::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(key.to_string(), text, "{text}");
        }
    }

    #[test]
    fn events_match_parsed_keys() {
        let shift_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&shift_g), Key::parse("G").unwrap());
        assert_eq!(Key::parse("<S-g>").unwrap(), Key::parse("G").unwrap());
        let ctrl_s = KeyEvent::new(
            KeyCode::Char('S'),
            KeyModifiers::CONTROL | KeyModifiers::SHIFT,
        );
        assert_eq!(Key::from_event(&ctrl_s), Key::parse("<C-s>").unwrap());
        let backtab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&backtab), Key::parse("<BackTab>").unwrap());
        assert_eq!(Key::parse("<c-S>").unwrap(), Key::parse("<C-s>").unwrap());
    }

    #[test]
    fn bad_keys_say_how_to_write_one() {
        for text in ["", "ctrl+s", "<X-s>", "<Nope>", "<F13>", "<>", "\u{1b}"] {
            let err = Key::parse(text).unwrap_err();
            assert!(err.contains("is not a key"), "{text}: {err}");
        }
    }
}
