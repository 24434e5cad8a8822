//! The task options editor: a `tui_textarea::TextArea` holding a task's TOML options,
//! checked with `model::options::parse_options` after every change. Problems show in
//! place: a `!` in the line-number gutter of each line with a problem, the first such
//! line highlighted, and the messages listed under the editor.
//!
//! The same editor edits python_callable override code ([`OptionsEditor::code`]): no
//! TOML check there; the caller checks the code with python3 when it is applied and
//! hands the result back with [`OptionsEditor::set_problems`].
//!
//! Keys the pane owns are left to it ([`Consumed::NotConsumed`]): `Esc` (ask before
//! discarding), `Ctrl-s` (apply), `Ctrl-q` / `Ctrl-c` (quit), function keys.

use crate::model::options::{parse_options, OptionProblem};
use crate::model::Mode;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::style::{Color, Modifier, Style};
use std::cell::Cell;
use tui_textarea::{CursorMove, TextArea};

/// Whether the editor used a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consumed {
    Consumed,
    NotConsumed,
}

/// What the text is, which decides how it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditorKind {
    /// A task's options, checked for a task of this mode.
    TaskOptions(Mode),
    /// The flow's default task options (apply to every task; mode-specific keys refused).
    FlowDefaults,
    /// python_callable override code; checked by the caller.
    Code,
}

/// Most problem messages listed under the editor; the rest are counted.
pub(crate) const MAX_LISTED: usize = 5;

#[derive(Debug, Clone)]
pub struct OptionsEditor {
    pub(crate) textarea: TextArea<'static>,
    pub(crate) kind: EditorKind,
    /// The text as loaded or last marked saved, in `text()`'s normal form.
    pub(crate) saved: String,
    pub(crate) dirty: bool,
    pub(crate) problems: Vec<OptionProblem>,
    pub(crate) focused: bool,
    /// The textarea's first visible row. tui-textarea keeps its own but does not expose
    /// it; it moves only to keep the cursor in view (we turn its page-scroll keys into
    /// cursor moves), so the same rule applied to the same cursor gives the same row.
    pub(crate) top_row: Cell<u16>,
    /// Text rows at the last render, for page moves.
    pub(crate) page_rows: Cell<u16>,
}

impl OptionsEditor {
    /// Options of a task of `mode`.
    pub fn new(text: &str, mode: Mode) -> OptionsEditor {
        OptionsEditor::with_kind(text, EditorKind::TaskOptions(mode))
    }

    /// The flow's default task options.
    pub fn defaults(text: &str) -> OptionsEditor {
        OptionsEditor::with_kind(text, EditorKind::FlowDefaults)
    }

    /// python_callable override code.
    pub fn code(text: &str) -> OptionsEditor {
        OptionsEditor::with_kind(text, EditorKind::Code)
    }

    pub fn with_kind(text: &str, kind: EditorKind) -> OptionsEditor {
        let mut textarea = TextArea::new(text.lines().map(str::to_string).collect());
        // Four spaces, never a tab: Python code must not mix them, and TOML does not care.
        textarea.set_hard_tab_indent(false);
        textarea.set_tab_length(4);
        textarea.set_cursor_line_style(Style::new());
        textarea.set_placeholder_text(match kind {
            EditorKind::Code => "def callable(**context): …   (empty: call the library function)",
            _ => "retries = 2   (F1: list of options)",
        });
        textarea.set_placeholder_style(Style::new().fg(Color::DarkGray));
        let mut editor = OptionsEditor {
            textarea,
            kind,
            saved: String::new(),
            dirty: false,
            problems: Vec::new(),
            focused: true,
            top_row: Cell::new(0),
            page_rows: Cell::new(10),
        };
        editor.saved = editor.text();
        editor.validate();
        editor
    }

    pub fn kind(&self) -> EditorKind {
        self.kind
    }

    /// The text to store: the lines joined with `\n`, ending in a newline when there is
    /// any text.
    pub fn text(&self) -> String {
        let lines = self.textarea.lines();
        if lines.iter().all(|l| l.trim().is_empty()) {
            return String::new();
        }
        let mut out = lines.join("\n");
        out.push('\n');
        out
    }

    /// True when the text differs from what was loaded (or last marked saved).
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// A restored draft: the text differs from `original` (what is in the flow), so
    /// leaving asks first.
    pub fn compare_with(&mut self, original: &str) {
        self.saved = original.to_string();
        self.dirty = self.text() != self.saved;
    }

    /// After the caller applied the text (`Ctrl-s`): it is the new clean state.
    pub fn mark_saved(&mut self) {
        self.saved = self.text();
        self.dirty = false;
    }

    /// Problems of the current text, by line.
    pub fn problems(&self) -> &[OptionProblem] {
        &self.problems
    }

    /// Problems found by the caller (python3's verdict on code); cleared by the next edit.
    pub fn set_problems(&mut self, problems: Vec<OptionProblem>) {
        self.problems = problems;
        self.problems.sort_by_key(|p| p.line);
    }

    /// Only the focused editor shows its cursor.
    pub fn set_focused(&mut self, focused: bool) {
        self.focused = focused;
        let style = if focused {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        self.textarea.set_cursor_style(style);
    }

    /// The underlying textarea, to read cursor or selection.
    pub fn textarea(&self) -> &TextArea<'static> {
        &self.textarea
    }

    /// Handles one key. Edits re-check the text at once.
    pub fn input(&mut self, key: KeyEvent) -> Consumed {
        if key.kind == KeyEventKind::Release {
            return Consumed::NotConsumed;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Esc | KeyCode::F(_) | KeyCode::BackTab => return Consumed::NotConsumed,
            KeyCode::Char('s' | 'q' | 'c') if ctrl => return Consumed::NotConsumed,
            // Page moves go through the cursor so the textarea's scroll row stays the
            // one `top_row` predicts (see there).
            KeyCode::PageDown => return self.page(true),
            KeyCode::Char('v') if ctrl => return self.page(true),
            KeyCode::PageUp => return self.page(false),
            KeyCode::Char('v') if alt => return self.page(false),
            _ => {}
        }
        let before = self.textarea.lines().to_vec();
        crate::state::input::edit_key(&mut self.textarea, key);
        if self.textarea.lines() != before.as_slice() {
            self.changed();
        }
        Consumed::Consumed
    }

    /// Adds the option `key` as `line` (`key = value`) on a line of its own after the
    /// cursor's line, the cursor on its value. When the text sets `key` already, the
    /// cursor goes to that line instead and nothing is added (one key, one line).
    pub fn insert_option(&mut self, key: &str, line: &str) {
        let existing = self.textarea.lines().iter().position(|l| {
            l.split_once('=')
                .is_some_and(|(k, _)| k.trim() == key && !l.trim_start().starts_with('#'))
        });
        if let Some(row) = existing {
            let col = self.textarea.lines()[row].len();
            self.textarea.move_cursor(CursorMove::Jump(
                u16::try_from(row).unwrap_or(u16::MAX),
                u16::try_from(col).unwrap_or(u16::MAX),
            ));
            return;
        }
        let (row, _) = self.textarea.cursor();
        let current_empty = self
            .textarea
            .lines()
            .get(row)
            .is_none_or(|l| l.trim().is_empty());
        self.textarea.move_cursor(CursorMove::End);
        if !current_empty {
            self.textarea.insert_newline();
        }
        self.textarea.insert_str(line);
        self.changed();
    }

    /// Inserts pasted text (a terminal's bracketed paste) at the cursor.
    pub fn paste(&mut self, text: &str) {
        // Terminals send pasted line breaks as `\r`.
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        if self.textarea.insert_str(text) {
            self.changed();
        }
    }

    fn page(&mut self, down: bool) -> Consumed {
        let rows = self.page_rows.get().max(1);
        let m = if down {
            CursorMove::Down
        } else {
            CursorMove::Up
        };
        for _ in 0..rows {
            self.textarea.move_cursor(m);
        }
        Consumed::Consumed
    }

    fn changed(&mut self) {
        self.dirty = self.text() != self.saved;
        self.validate();
    }

    fn validate(&mut self) {
        self.problems = match self.kind {
            EditorKind::TaskOptions(mode) => parse_options(&self.text(), Some(mode)).err(),
            EditorKind::FlowDefaults => parse_options(&self.text(), None).err(),
            // Stale once the code changed; the caller checks again on apply.
            EditorKind::Code => None,
        }
        .unwrap_or_default();
    }

    /// The editor's title: what it edits, and whether it was modified.
    pub fn title(&self) -> String {
        let what = match self.kind {
            EditorKind::TaskOptions(mode) => format!("options · {} task", mode.as_str()),
            EditorKind::FlowDefaults => "default task options".to_string(),
            EditorKind::Code => "python_callable".to_string(),
        };
        if self.dirty {
            format!(" {what} · modified ")
        } else {
            format!(" {what} ")
        }
    }
}

/// tui-textarea's scrolling rule: keep the previous top row unless the cursor left the
/// window, then scroll just enough to show it.
pub(crate) fn next_top(prev: u16, cursor: u16, height: u16) -> u16 {
    if cursor < prev {
        cursor
    } else if height > 0 && prev.saturating_add(height) <= cursor {
        cursor + 1 - height
    } else {
        prev
    }
}
