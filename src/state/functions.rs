//! The Functions pane: the library list, the selected function's detail and its source
//! preview. Rows carry their display strings, computed (and sanitised) once per load so
//! drawing a frame does no formatting beyond the visible rows.

use super::event::LibraryData;
use super::list::{matches, ListNav};
use super::text::{one_line, preview_line};
use crate::model::Function;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loading {
    Loading,
    Loaded,
    Failed(String),
}

/// A library row. Display strings are made when a row is drawn, not when the library
/// loads: a frame shows a few dozen rows, a library may hold 10,000, and start-up
/// time is what the operator waits for.
#[derive(Debug, Clone)]
pub struct FunctionRow {
    pub function: Function,
    pub used: usize,
    /// Lower-case name, function, file and description, for the filter; made the first
    /// time a filter is typed.
    haystack: String,
}

impl FunctionRow {
    pub fn new(function: Function, used: usize) -> FunctionRow {
        FunctionRow {
            function,
            used,
            haystack: String::new(),
        }
    }

    /// The name, safe to draw.
    pub fn name(&self) -> String {
        one_line(&self.function.name)
    }

    pub fn signature(&self) -> String {
        one_line(&self.function.signature())
    }

    pub fn file(&self) -> String {
        one_line(&self.function.filename)
    }

    /// `2024-01-01 02:00` (UTC).
    pub fn updated(&self) -> String {
        self.function
            .updated_at
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    fn haystack(&mut self) -> &str {
        if self.haystack.is_empty() {
            let f = &self.function;
            self.haystack = format!("{} {} {} {}", f.name, f.function, f.filename, f.description)
                .to_lowercase();
        }
        &self.haystack
    }
}

#[derive(Debug, Clone)]
pub struct Preview {
    pub function_id: String,
    pub content_hash: String,
    pub lines: Result<Vec<String>, String>,
    /// First line shown (0-based).
    pub scroll: usize,
}

#[derive(Debug, Clone)]
pub struct FunctionsState {
    pub rows: Vec<FunctionRow>,
    pub nav: ListNav,
    pub loading: Loading,
    /// The detail view has the focus (narrow screens show it instead of the list; keys
    /// scroll the preview).
    pub detail: bool,
    pub preview: Option<Preview>,
    /// The function whose preview is being read.
    pub preview_pending: Option<String>,
    /// Function ids whose source file changed since registration.
    pub changed: HashSet<String>,
    /// Select this function id once the next load arrives (after registering it).
    pub select_after_load: Option<String>,
    /// The last file read for registering: `a` starts from it (a file often holds
    /// several functions).
    pub last_path: String,
}

impl Default for FunctionsState {
    fn default() -> Self {
        FunctionsState {
            rows: Vec::new(),
            nav: ListNav::default(),
            loading: Loading::Loading,
            detail: false,
            preview: None,
            preview_pending: None,
            changed: HashSet::new(),
            select_after_load: None,
            last_path: String::new(),
        }
    }
}

impl FunctionsState {
    pub fn apply(&mut self, data: LibraryData) {
        let keep = self
            .select_after_load
            .take()
            .or_else(|| self.selected().map(|r| r.function.id.clone()));
        self.rows = data
            .functions
            .into_iter()
            .map(|f| {
                let used = data.usage.get(&f.id).copied().unwrap_or(0);
                FunctionRow::new(f, used)
            })
            .collect();
        self.loading = Loading::Loaded;
        self.refilter();
        if let Some(id) = keep {
            if let Some(i) = self.rows.iter().position(|r| r.function.id == id) {
                self.nav.select_row(i);
            }
        }
        if !self.changed.is_empty() {
            let ids: HashSet<&str> = self.rows.iter().map(|r| r.function.id.as_str()).collect();
            self.changed.retain(|id| ids.contains(id.as_str()));
        }
        if self.selected().is_none() {
            self.detail = false;
        }
    }

    /// New task counts per function (a flow was saved or deleted somewhere).
    pub fn set_usage(&mut self, usage: &HashMap<String, usize>) {
        for row in &mut self.rows {
            row.used = usage.get(&row.function.id).copied().unwrap_or(0);
        }
    }

    pub fn refilter(&mut self) {
        let filter = self.nav.filter.to_lowercase();
        if filter.trim().is_empty() {
            self.nav.refilter(self.rows.len(), |_| true);
            return;
        }
        let passing: Vec<bool> = self
            .rows
            .iter_mut()
            .map(|r| matches(r.haystack(), &filter))
            .collect();
        self.nav.refilter(passing.len(), |i| passing[i]);
    }

    pub fn selected(&self) -> Option<&FunctionRow> {
        self.nav.selected_row().and_then(|i| self.rows.get(i))
    }

    pub fn by_name(&self, name: &str) -> Option<&FunctionRow> {
        self.rows.iter().find(|r| r.function.name == name)
    }

    pub fn is_changed(&self, id: &str) -> bool {
        self.changed.contains(id)
    }

    /// True when the preview shown is not the selected function's current file.
    pub fn preview_stale(&self) -> bool {
        match (self.selected(), &self.preview) {
            (None, _) => false,
            (Some(row), Some(p)) => {
                p.function_id != row.function.id || p.content_hash != row.function.content_hash
            }
            (Some(_), None) => true,
        }
    }

    pub fn apply_source(&mut self, function_id: &str, text: Result<String, String>, changed: bool) {
        if changed {
            self.changed.insert(function_id.to_string());
        } else {
            self.changed.remove(function_id);
        }
        if self.preview_pending.as_deref() == Some(function_id) {
            self.preview_pending = None;
        }
        let Some(row) = self.rows.iter().find(|r| r.function.id == function_id) else {
            return;
        };
        let lines = text.map(|t| t.lines().map(preview_line).collect::<Vec<_>>());
        // Open at the function's `def` so a file of many functions shows the right one.
        let scroll = lines
            .as_ref()
            .ok()
            .and_then(|ls| def_line(ls, &row.function.function))
            .map_or(0, |l| l.saturating_sub(1));
        self.preview = Some(Preview {
            function_id: function_id.to_string(),
            content_hash: row.function.content_hash.clone(),
            lines,
            scroll,
        });
    }

    pub fn scroll_preview(&mut self, delta: isize) {
        if let Some(p) = &mut self.preview {
            let len = p.lines.as_ref().map_or(0, Vec::len);
            p.scroll = p
                .scroll
                .saturating_add_signed(delta)
                .min(len.saturating_sub(1));
        }
    }
}

/// The line (0-based) where `def name(` or `async def name(` starts.
fn def_line(lines: &[String], name: &str) -> Option<usize> {
    let def = format!("def {name}(");
    let async_def = format!("async def {name}(");
    lines
        .iter()
        .position(|l| l.starts_with(&def) || l.starts_with(&async_def))
}
