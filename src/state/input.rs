//! A text field: tui-textarea with flowdeck's rules (one-line fields never get a
//! newline or a tab; text set from stored data is sanitised first).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_textarea::{CursorMove, TextArea};

#[derive(Debug, Clone)]
pub struct Field {
    pub label: &'static str,
    pub area: TextArea<'static>,
    pub multiline: bool,
}

impl Field {
    pub fn single(label: &'static str, text: &str) -> Field {
        let mut f = Field {
            label,
            area: TextArea::default(),
            multiline: false,
        };
        f.set_text(text);
        f
    }

    pub fn multi(label: &'static str, text: &str) -> Field {
        let mut f = Field {
            label,
            area: TextArea::default(),
            multiline: true,
        };
        f.set_text(text);
        f
    }

    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    /// Replaces the text and puts the cursor at its end.
    pub fn set_text(&mut self, text: &str) {
        let lines: Vec<String> = if self.multiline {
            super::text::lines(text)
        } else {
            vec![super::text::field_text(text)]
        };
        let lines = if lines.is_empty() {
            vec![String::new()]
        } else {
            lines
        };
        let mut area = TextArea::new(lines);
        area.move_cursor(CursorMove::Bottom);
        area.move_cursor(CursorMove::End);
        self.area = area;
    }

    /// Feeds a key the keymap did not claim. Returns true when the text changed.
    pub fn input(&mut self, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let breaks_line = matches!(key.code, KeyCode::Enter | KeyCode::Char('\n' | '\r'))
            || (ctrl && key.code == KeyCode::Char('m'));
        if breaks_line && !self.multiline {
            return false;
        }
        // Shell habits over tui-textarea's defaults: Ctrl-U clears to the start of the
        // line (its default is undo, which moves to Ctrl-Z).
        if ctrl && key.code == KeyCode::Char('u') {
            return self.area.delete_line_by_head();
        }
        if ctrl && key.code == KeyCode::Char('z') {
            return self.area.undo();
        }
        if key.code == KeyCode::Tab {
            // Tab is the keymap's business (completion / next field), never a character.
            return false;
        }
        self.area.input(key)
    }

    pub fn newline(&mut self) {
        if self.multiline {
            self.area.insert_newline();
        }
    }
}

/// The editing keys every text input shares, one-line fields and the options / code
/// editor alike: `C-u` deletes to the start of the line, `C-k` to its end, `C-z` undoes,
/// `C-y` redoes; the rest is tui-textarea's (arrows, Home/End, C-a/C-e, M-b/M-f, C-w…).
/// True when the text or the cursor changed.
pub fn edit_key(area: &mut TextArea<'static>, key: KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('u') if ctrl => area.delete_line_by_head(),
        KeyCode::Char('k') if ctrl => area.delete_line_by_end(),
        KeyCode::Char('z') if ctrl => area.undo(),
        KeyCode::Char('y') if ctrl => area.redo(),
        // tui-textarea's C-r would redo and C-v page: keep one meaning each.
        KeyCode::Char('r') if ctrl => false,
        _ => area.input(key),
    }
}
