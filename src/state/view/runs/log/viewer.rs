//! The log viewer's state: which try is shown, where it is scrolled to, follow and wrap
//! modes, and search. Every operation costs at most what is on screen (plus, once per
//! query, one pass over the log to index matches): nothing here walks all lines per frame
//! or per key press.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use serde_json::Value;

use super::doc::LogDocument;
use super::layout::{column_of_byte, row_count, row_of_byte};
use super::search::{Matcher, SearchIndex};

/// A position in the log: a line, and the row within it when lines wrap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: usize,
    pub row: usize,
}

/// The log of one try, and how it is being viewed.
#[derive(Clone, Debug, Default)]
pub(crate) struct TryLog {
    pub(crate) try_number: u32,
    /// `None` until the pane has fetched it.
    pub(crate) doc: Option<LogDocument>,
    /// First row shown (ignored while following).
    pub(crate) top: Pos,
    /// Columns scrolled to the right (when not wrapping).
    pub(crate) hscroll: usize,
    /// Pinned to the end: new lines scroll into view.
    pub(crate) follow: bool,
    pub(crate) index: Option<SearchIndex>,
    /// The match `n`/`N` last moved to: (line, byte offset).
    pub(crate) current: Option<(usize, usize)>,
    /// The traceback last jumped to, so `next_traceback` moves on from it.
    pub(crate) traceback: Option<usize>,
}

/// Something the operator can ask of the log viewer. The pane's key table maps keys to
/// these (see [`DEFAULT_KEYS`] for the default mapping used by
/// [`LogViewer::handle_key`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogAction {
    Down(usize),
    Up(usize),
    PageDown,
    PageUp,
    HalfPageDown,
    HalfPageUp,
    Top,
    /// Go to the end and follow.
    Bottom,
    Left,
    Right,
    LineStart,
    ToggleFollow,
    ToggleWrap,
    /// Open the `/` prompt.
    StartSearch,
    NextMatch,
    PrevMatch,
    ClearSearch,
    FirstTraceback,
    NextTraceback,
    NextTry,
    PrevTry,
}

/// Default keys of [`LogViewer::handle_key`], for the help screen: (keys, what they do).
pub const DEFAULT_KEYS: &[(&str, &str)] = &[
    ("j k ↓ ↑", "scroll a line"),
    ("PgDn PgUp Space b", "scroll a page"),
    ("Ctrl-d Ctrl-u", "scroll half a page"),
    ("g Home", "go to the start"),
    ("G End", "go to the end and follow"),
    ("f", "follow on/off"),
    ("w", "wrap on/off"),
    ("h l ← → 0", "scroll sideways (wrap off)"),
    ("/", "search; Enter to confirm, Esc to cancel"),
    ("n N", "next / previous match"),
    ("Esc", "clear the search"),
    ("e", "jump to the first traceback"),
    ("E", "next traceback"),
    ("[ ]", "previous / next try"),
];

/// Columns moved by one sideways scroll.
const HSTEP: usize = 8;
/// Lines kept above a traceback or match that is jumped to, so its context shows.
const CONTEXT: usize = 2;

/// State of the log viewer for one task instance: all its tries, the one shown, and how.
#[derive(Clone, Debug)]
pub struct LogViewer {
    pub(crate) tries: Vec<TryLog>,
    pub(crate) selected: usize,
    pub(crate) wrap: bool,
    pub(crate) matcher: Option<Matcher>,
    /// Text of the `/` prompt while it is open.
    pub(crate) prompt: Option<String>,
    /// One-shot feedback ("not found", "search wrapped"), cleared by the next action.
    pub(crate) message: Option<String>,
    /// Size of the text area at the last draw (columns, rows).
    pub(crate) view: (usize, usize),
    pub(crate) scratch: String,
}

impl Default for LogViewer {
    fn default() -> Self {
        LogViewer {
            tries: Vec::new(),
            selected: 0,
            wrap: false,
            matcher: None,
            prompt: None,
            message: None,
            // Until the first draw says otherwise: a classic terminal.
            view: (80, 22),
            scratch: String::new(),
        }
    }
}

impl LogViewer {
    pub fn new() -> LogViewer {
        LogViewer::default()
    }

    // ----- tries and content -------------------------------------------------------

    /// Declares that the task instance has tries `1..=count` (its `try_number`). New
    /// tries get a tab; if the newest try was shown, the new newest one is shown, so a
    /// retry that starts while the operator watches comes into view.
    pub fn set_try_count(&mut self, count: u32) {
        let was_on_last = self.selected + 1 >= self.tries.len();
        for t in 1..=count {
            if !self.tries.iter().any(|x| x.try_number == t) {
                self.tries.push(TryLog {
                    try_number: t,
                    follow: true,
                    ..TryLog::default()
                });
            }
        }
        self.tries.sort_by_key(|t| t.try_number);
        if was_on_last {
            self.selected = self.tries.len().saturating_sub(1);
        }
        self.refresh_index();
    }

    /// Sets (or replaces) the log of a try. The scroll position is kept (a following
    /// view stays at the end).
    pub fn set_try(&mut self, try_number: u32, doc: LogDocument) {
        let i = self.ensure_try(try_number);
        let t = &mut self.tries[i];
        t.doc = Some(doc);
        t.index = None;
        t.current = None;
        self.refresh_index();
    }

    /// Appends a log response chunk (what Airflow returned for `token=`) to a try.
    pub fn append(&mut self, try_number: u32, chunk: &Value) {
        let i = self.ensure_try(try_number);
        self.tries[i]
            .doc
            .get_or_insert_with(LogDocument::new)
            .push_response(chunk);
        self.refresh_index();
    }

    fn ensure_try(&mut self, try_number: u32) -> usize {
        if let Some(i) = self.tries.iter().position(|t| t.try_number == try_number) {
            return i;
        }
        let shown = self.current_try();
        self.tries.push(TryLog {
            try_number,
            follow: true,
            ..TryLog::default()
        });
        self.tries.sort_by_key(|t| t.try_number);
        // Keep showing the same try.
        if let Some(shown) = shown {
            self.selected = self
                .tries
                .iter()
                .position(|t| t.try_number == shown)
                .unwrap_or(0);
        }
        self.tries
            .iter()
            .position(|t| t.try_number == try_number)
            .unwrap_or(0)
    }

    /// The try shown.
    pub fn current_try(&self) -> Option<u32> {
        self.tries.get(self.selected).map(|t| t.try_number)
    }

    /// Try numbers with a tab.
    pub fn try_numbers(&self) -> Vec<u32> {
        self.tries.iter().map(|t| t.try_number).collect()
    }

    /// The try shown, when its log has not been set yet: the pane should fetch it.
    pub fn needs_load(&self) -> Option<u32> {
        self.tries
            .get(self.selected)
            .filter(|t| t.doc.is_none())
            .map(|t| t.try_number)
    }

    /// Shows this try; false when there is no such try.
    pub fn select_try(&mut self, try_number: u32) -> bool {
        match self.tries.iter().position(|t| t.try_number == try_number) {
            Some(i) => {
                self.selected = i;
                self.refresh_index();
                true
            }
            None => false,
        }
    }

    pub fn next_try(&mut self) {
        if self.selected + 1 < self.tries.len() {
            self.selected += 1;
            self.refresh_index();
        }
    }

    pub fn prev_try(&mut self) {
        if self.selected > 0 {
            self.selected -= 1;
            self.refresh_index();
        }
    }

    /// The log of the try shown, if loaded.
    pub fn document(&self) -> Option<&LogDocument> {
        self.tries.get(self.selected).and_then(|t| t.doc.as_ref())
    }

    // ----- modes -------------------------------------------------------------------

    pub fn wrap(&self) -> bool {
        self.wrap
    }

    pub fn set_wrap(&mut self, wrap: bool) {
        if wrap == self.wrap {
            return;
        }
        self.wrap = wrap;
        // Rows differ between modes; the line at the top stays at the top.
        for t in &mut self.tries {
            t.top.row = 0;
        }
    }

    pub fn toggle_wrap(&mut self) {
        self.set_wrap(!self.wrap);
    }

    /// Whether the try shown follows its end.
    pub fn follow(&self) -> bool {
        self.tries.get(self.selected).is_some_and(|t| t.follow)
    }

    pub fn set_follow(&mut self, follow: bool) {
        self.materialize();
        if let Some(t) = self.tries.get_mut(self.selected) {
            t.follow = follow;
        }
    }

    pub fn toggle_follow(&mut self) {
        let f = self.follow();
        self.set_follow(!f);
    }

    /// The first row shown, as of the last draw or scroll (while following, the
    /// position the end will be drawn from).
    pub fn position(&self) -> Pos {
        let Some(t) = self.tries.get(self.selected) else {
            return Pos::default();
        };
        match &t.doc {
            Some(doc) if t.follow => self.bottom_pos(doc),
            _ => t.top,
        }
    }

    /// Columns scrolled sideways.
    pub fn hscroll(&self) -> usize {
        self.tries.get(self.selected).map_or(0, |t| t.hscroll)
    }

    /// Feedback from the last action, if any.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    // ----- scrolling ---------------------------------------------------------------

    fn rows_of(&self, doc: &LogDocument, i: usize) -> usize {
        if !self.wrap {
            return 1;
        }
        doc.line(i).map_or(1, |l| row_count(l, self.view.0))
    }

    /// The position that puts the last row of the log on the last row of the view.
    /// Walks back at most a screenful of rows.
    pub(crate) fn bottom_pos(&self, doc: &LogDocument) -> Pos {
        let h = self.view.1.max(1);
        if doc.is_empty() {
            return Pos::default();
        }
        if !self.wrap {
            return Pos {
                line: doc.len().saturating_sub(h),
                row: 0,
            };
        }
        let mut remaining = h;
        let mut i = doc.len() - 1;
        loop {
            let r = self.rows_of(doc, i);
            if r >= remaining {
                return Pos {
                    line: i,
                    row: r - remaining,
                };
            }
            remaining -= r;
            if i == 0 {
                return Pos::default();
            }
            i -= 1;
        }
    }

    /// `pos` moved down `n` rows, stopping at `limit`.
    fn advance(&self, doc: &LogDocument, mut pos: Pos, mut n: usize, limit: Pos) -> Pos {
        while n > 0 && pos < limit {
            let r = self.rows_of(doc, pos.line);
            let left_in_line = r - pos.row.min(r - 1);
            if n < left_in_line {
                pos.row += n;
                n = 0;
            } else {
                n -= left_in_line;
                pos = Pos {
                    line: pos.line + 1,
                    row: 0,
                };
            }
        }
        pos.min(limit)
    }

    /// `pos` moved up `n` rows, stopping at the start.
    fn retreat(&self, doc: &LogDocument, mut pos: Pos, mut n: usize) -> Pos {
        while n > 0 {
            if pos.row >= n {
                pos.row -= n;
                return pos;
            }
            n -= pos.row + 1;
            if pos.line == 0 {
                return Pos::default();
            }
            pos.line -= 1;
            pos.row = self.rows_of(doc, pos.line) - 1;
        }
        pos
    }

    /// Turns "following" into a concrete position, so that scrolling starts from what is
    /// on screen.
    fn materialize(&mut self) {
        self.message = None;
        let Some(t) = self.tries.get(self.selected) else {
            return;
        };
        let pos = match &t.doc {
            Some(doc) if t.follow => Some(self.bottom_pos(doc)),
            Some(doc) => Some(t.top.min(self.bottom_pos(doc))),
            None => None,
        };
        if let (Some(pos), Some(t)) = (pos, self.tries.get_mut(self.selected)) {
            t.top = pos;
        }
    }

    /// Scrolls down `n` rows (stops at the end; does not turn following on).
    pub fn scroll_down(&mut self, n: usize) {
        self.materialize();
        let Some(t) = self.tries.get(self.selected) else {
            return;
        };
        let Some(doc) = &t.doc else {
            return;
        };
        let pos = self.advance(doc, t.top, n, self.bottom_pos(doc));
        if let Some(t) = self.tries.get_mut(self.selected) {
            t.top = pos;
        }
    }

    /// Scrolls up `n` rows; stops following.
    pub fn scroll_up(&mut self, n: usize) {
        self.materialize();
        let Some(t) = self.tries.get(self.selected) else {
            return;
        };
        let Some(doc) = &t.doc else {
            return;
        };
        let pos = self.retreat(doc, t.top, n);
        if let Some(t) = self.tries.get_mut(self.selected) {
            t.top = pos;
            t.follow = false;
        }
    }

    fn page(&self) -> usize {
        self.view.1.saturating_sub(1).max(1)
    }

    pub fn page_down(&mut self) {
        self.scroll_down(self.page());
    }

    pub fn page_up(&mut self) {
        self.scroll_up(self.page());
    }

    pub fn half_page_down(&mut self) {
        self.scroll_down((self.view.1 / 2).max(1));
    }

    pub fn half_page_up(&mut self) {
        self.scroll_up((self.view.1 / 2).max(1));
    }

    /// Goes to the first line; stops following.
    pub fn top(&mut self) {
        self.materialize();
        if let Some(t) = self.tries.get_mut(self.selected) {
            t.top = Pos::default();
            t.follow = false;
        }
    }

    /// Goes to the end and follows it.
    pub fn bottom(&mut self) {
        self.materialize();
        if let Some(t) = self.tries.get_mut(self.selected) {
            t.follow = true;
        }
    }

    pub fn scroll_left(&mut self, n: usize) {
        self.message = None;
        if let Some(t) = self.tries.get_mut(self.selected) {
            t.hscroll = t.hscroll.saturating_sub(n);
        }
    }

    pub fn scroll_right(&mut self, n: usize) {
        self.message = None;
        if self.wrap {
            return;
        }
        let w = self.view.0;
        if let Some(t) = self.tries.get_mut(self.selected) {
            let max = t
                .doc
                .as_ref()
                .map_or(0, |d| d.max_width().saturating_sub(w / 2));
            t.hscroll = (t.hscroll + n).min(max);
        }
    }

    pub fn line_start(&mut self) {
        self.scroll_left(usize::MAX);
    }

    /// Puts `line` near the top of the view (with a little context above) if it is not
    /// already visible; `at` (a byte offset) is also brought into view sideways or, when
    /// wrapping, its row is. Stops following.
    fn reveal(&mut self, line: usize, at: usize, len: usize) {
        self.materialize();
        let (w, h) = (self.view.0.max(1), self.view.1.max(1));
        let wrap = self.wrap;
        let Some(t) = self.tries.get(self.selected) else {
            return;
        };
        let Some(doc) = &t.doc else {
            return;
        };
        let Some(l) = doc.line(line) else {
            return;
        };
        let target = Pos {
            line,
            row: if wrap { row_of_byte(l, w, at) } else { 0 },
        };
        let top = t.top;
        // Visible: target within h rows from the top.
        let visible = target >= top
            && self.advance(
                doc,
                top,
                h - 1,
                Pos {
                    line: usize::MAX,
                    row: 0,
                },
            ) >= target;
        let new_top = if visible {
            top
        } else {
            self.retreat(doc, target, CONTEXT.min(h / 3))
                .min(self.bottom_pos(doc))
        };
        let hscroll = if wrap {
            t.hscroll
        } else {
            let start = column_of_byte(l, at);
            let end = column_of_byte(l, at + len);
            if start < t.hscroll || end > t.hscroll + w {
                start.saturating_sub(w / 4)
            } else {
                t.hscroll
            }
        };
        if let Some(t) = self.tries.get_mut(self.selected) {
            t.top = new_top;
            t.hscroll = hscroll;
            t.follow = false;
        }
    }

    // ----- tracebacks --------------------------------------------------------------

    /// Scrolls to the first traceback of the try shown (an exception event or a
    /// `Traceback (most recent call last):` line). False, with a message, when there is
    /// none.
    pub fn jump_to_first_traceback(&mut self) -> bool {
        let first = self
            .document()
            .and_then(|d| d.tracebacks().first().copied());
        self.jump_to_traceback(first)
    }

    /// Scrolls to the next traceback below the top of the view, wrapping to the first.
    pub fn next_traceback(&mut self) -> bool {
        let top = self.position().line;
        let last = self.tries.get(self.selected).and_then(|t| t.traceback);
        let next = self.document().and_then(|d| {
            let tb = d.tracebacks();
            let after = |&l: &usize| match last {
                Some(last) => l > last,
                None => l >= top,
            };
            tb.iter()
                .copied()
                .find(after)
                .or_else(|| tb.first().copied())
        });
        self.jump_to_traceback(next)
    }

    fn jump_to_traceback(&mut self, line: Option<usize>) -> bool {
        self.materialize();
        let Some(line) = line else {
            self.message = Some("no traceback in this try".into());
            return false;
        };
        let Some(doc) = self.document() else {
            return false;
        };
        let pos = self
            .retreat(doc, Pos { line, row: 0 }, CONTEXT)
            .min(self.bottom_pos(doc));
        if let Some(t) = self.tries.get_mut(self.selected) {
            t.top = pos;
            t.follow = false;
            t.hscroll = 0;
            t.traceback = Some(line);
        }
        true
    }

    // ----- search ------------------------------------------------------------------

    /// Whether the `/` prompt is open: the pane should then send every key here (through
    /// [`handle_key`](Self::handle_key) or the `search_*` methods) and not act on it.
    pub fn is_prompting(&self) -> bool {
        self.prompt.is_some()
    }

    /// The prompt's text while it is open.
    pub fn prompt(&self) -> Option<&str> {
        self.prompt.as_deref()
    }

    /// Opens the `/` prompt (empty).
    pub fn start_search(&mut self) {
        self.message = None;
        self.prompt = Some(String::new());
    }

    pub fn search_push(&mut self, c: char) {
        if let Some(p) = &mut self.prompt {
            if !c.is_control() {
                p.push(c);
            }
        }
    }

    pub fn search_backspace(&mut self) {
        if let Some(p) = &mut self.prompt {
            p.pop();
        }
    }

    /// Closes the prompt without searching.
    pub fn cancel_search(&mut self) {
        self.prompt = None;
    }

    /// Closes the prompt and searches for its text (an empty prompt repeats the last
    /// search, as in less and vim), moving to the first match at or below the top.
    pub fn confirm_search(&mut self) -> bool {
        let Some(query) = self.prompt.take() else {
            return false;
        };
        if query.is_empty() {
            return self.search_next();
        }
        self.set_search(&query)
    }

    /// Searches for `query` (no prompt) and moves to the first match at or below the
    /// top of the view. False when nothing matches (with a message).
    pub fn set_search(&mut self, query: &str) -> bool {
        self.matcher = Matcher::new(query);
        for t in &mut self.tries {
            t.index = None;
            t.current = None;
        }
        self.refresh_index();
        self.search_next()
    }

    /// Forgets the search (and its highlights).
    pub fn clear_search(&mut self) {
        self.message = None;
        self.matcher = None;
        for t in &mut self.tries {
            t.index = None;
            t.current = None;
        }
    }

    /// The current query, if a search is active.
    pub fn search_query(&self) -> Option<&str> {
        self.matcher.as_ref().map(Matcher::query)
    }

    /// (ordinal of the current match counting from 1, total matches) in the try shown.
    pub fn match_status(&self) -> Option<(Option<usize>, usize)> {
        let t = self.tries.get(self.selected)?;
        let index = t.index.as_ref()?;
        let ordinal = t.current.and_then(|(line, at)| {
            let first = index.first_ordinal(line)?;
            Some(first + self.occurrence_in_line(line, at)? + 1)
        });
        Some((ordinal, index.total()))
    }

    /// Number of lines that match in the try shown.
    pub fn matching_lines(&self) -> usize {
        self.tries
            .get(self.selected)
            .and_then(|t| t.index.as_ref())
            .map_or(0, SearchIndex::line_count)
    }

    /// The match `n`/`N` is on: (line, byte offset).
    pub fn current_match(&self) -> Option<(usize, usize)> {
        self.tries.get(self.selected).and_then(|t| t.current)
    }

    /// Index (within its line) of the match starting at byte `at` of `line`.
    fn occurrence_in_line(&self, line: usize, at: usize) -> Option<usize> {
        let m = self.matcher.as_ref()?;
        let l = self.document()?.line(line)?;
        let mut k = None;
        let mut i = 0;
        m.for_each(
            l.display(),
            0,
            l.display().len(),
            &mut String::new(),
            |s, _| {
                if s == at {
                    k = Some(i);
                }
                i += 1;
            },
        );
        k
    }

    /// Brings the search index of the try shown up to date (indexes new lines only).
    fn refresh_index(&mut self) {
        let Some(m) = &self.matcher else {
            return;
        };
        let Some(t) = self.tries.get_mut(self.selected) else {
            return;
        };
        let Some(doc) = &t.doc else {
            return;
        };
        t.index
            .get_or_insert_with(SearchIndex::default)
            .extend(m, doc, &mut self.scratch);
    }

    /// Matches (start, end) on one line.
    fn line_matches(&self, line: usize) -> Vec<(usize, usize)> {
        let (Some(m), Some(t)) = (&self.matcher, self.tries.get(self.selected)) else {
            return Vec::new();
        };
        let Some(l) = t.doc.as_ref().and_then(|d| d.line(line)) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        // Called once per key press: a fresh scratch buffer costs nothing noticeable.
        m.for_each(
            l.display(),
            0,
            l.display().len(),
            &mut String::new(),
            |s, e| out.push((s, e)),
        );
        out
    }

    /// Moves to the next match (`n`), wrapping from the end to the start.
    pub fn search_next(&mut self) -> bool {
        self.step_search(true)
    }

    /// Moves to the previous match (`N`), wrapping from the start to the end.
    pub fn search_prev(&mut self) -> bool {
        self.step_search(false)
    }

    fn step_search(&mut self, forward: bool) -> bool {
        self.message = None;
        let Some(query) = self.search_query().map(str::to_string) else {
            self.message = Some("no search: press / to search".into());
            return false;
        };
        self.refresh_index();
        let top = self.position().line;
        let Some(t) = self.tries.get(self.selected) else {
            return false;
        };
        let Some(index) = &t.index else {
            self.message = Some(format!("/{query}: log not loaded"));
            return false;
        };
        if index.total() == 0 {
            self.message = Some(format!("/{query}: not found"));
            return false;
        }
        let current = t.current;
        let mut wrapped = false;
        let found = if forward {
            // Another match further along the current line?
            let in_line = current.and_then(|(line, at)| {
                self.line_matches(line)
                    .into_iter()
                    .find(|m| m.0 > at)
                    .map(|m| (line, m))
            });
            in_line.or_else(|| {
                let from = current.map_or(top, |(line, _)| line + 1);
                let line = index.line_at_or_after(from).or_else(|| {
                    wrapped = true;
                    index.lines().first().copied()
                })?;
                self.line_matches(line).first().map(|m| (line, *m))
            })
        } else {
            let in_line = current.and_then(|(line, at)| {
                self.line_matches(line)
                    .into_iter()
                    .rev()
                    .find(|m| m.0 < at)
                    .map(|m| (line, m))
            });
            in_line.or_else(|| {
                let before = match current {
                    Some((line, _)) => line.checked_sub(1).and_then(|l| index.line_at_or_before(l)),
                    None => index.line_at_or_before(top),
                };
                let line = before.or_else(|| {
                    wrapped = true;
                    index.lines().last().copied()
                })?;
                self.line_matches(line).last().map(|m| (line, *m))
            })
        };
        let Some((line, (start, end))) = found else {
            return false;
        };
        if let Some(t) = self.tries.get_mut(self.selected) {
            t.current = Some((line, start));
        }
        self.reveal(line, start, end - start);
        if wrapped {
            self.message = Some(if forward {
                "search hit the end, continued from the start".into()
            } else {
                "search hit the start, continued from the end".into()
            });
        }
        true
    }

    // ----- keys --------------------------------------------------------------------

    /// Applies an action.
    pub fn apply(&mut self, action: LogAction) {
        match action {
            LogAction::Down(n) => self.scroll_down(n),
            LogAction::Up(n) => self.scroll_up(n),
            LogAction::PageDown => self.page_down(),
            LogAction::PageUp => self.page_up(),
            LogAction::HalfPageDown => self.half_page_down(),
            LogAction::HalfPageUp => self.half_page_up(),
            LogAction::Top => self.top(),
            LogAction::Bottom => self.bottom(),
            LogAction::Left => self.scroll_left(HSTEP),
            LogAction::Right => self.scroll_right(HSTEP),
            LogAction::LineStart => self.line_start(),
            LogAction::ToggleFollow => self.toggle_follow(),
            LogAction::ToggleWrap => self.toggle_wrap(),
            LogAction::StartSearch => self.start_search(),
            LogAction::NextMatch => {
                self.search_next();
            }
            LogAction::PrevMatch => {
                self.search_prev();
            }
            LogAction::ClearSearch => self.clear_search(),
            LogAction::FirstTraceback => {
                self.jump_to_first_traceback();
            }
            LogAction::NextTraceback => {
                self.next_traceback();
            }
            LogAction::NextTry => self.next_try(),
            LogAction::PrevTry => self.prev_try(),
        }
    }

    /// The default key for an action, or `None` when the key means nothing here.
    pub fn default_action(key: &KeyEvent) -> Option<LogAction> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        Some(match key.code {
            KeyCode::Char('d') if ctrl => LogAction::HalfPageDown,
            KeyCode::Char('u') if ctrl => LogAction::HalfPageUp,
            KeyCode::Char('f') if ctrl => LogAction::PageDown,
            KeyCode::Char('b') if ctrl => LogAction::PageUp,
            _ if ctrl => return None,
            KeyCode::Char('j') | KeyCode::Down => LogAction::Down(1),
            KeyCode::Char('k') | KeyCode::Up => LogAction::Up(1),
            KeyCode::PageDown | KeyCode::Char(' ') => LogAction::PageDown,
            KeyCode::PageUp | KeyCode::Char('b') => LogAction::PageUp,
            KeyCode::Char('g') | KeyCode::Home => LogAction::Top,
            KeyCode::Char('G') | KeyCode::End => LogAction::Bottom,
            KeyCode::Char('h') | KeyCode::Left => LogAction::Left,
            KeyCode::Char('l') | KeyCode::Right => LogAction::Right,
            KeyCode::Char('0') => LogAction::LineStart,
            KeyCode::Char('f') | KeyCode::Char('F') => LogAction::ToggleFollow,
            KeyCode::Char('w') => LogAction::ToggleWrap,
            KeyCode::Char('/') => LogAction::StartSearch,
            KeyCode::Char('n') => LogAction::NextMatch,
            KeyCode::Char('N') => LogAction::PrevMatch,
            KeyCode::Char('e') => LogAction::FirstTraceback,
            KeyCode::Char('E') => LogAction::NextTraceback,
            KeyCode::Char(']') => LogAction::NextTry,
            KeyCode::Char('[') => LogAction::PrevTry,
            _ => return None,
        })
    }

    /// Handles a key with the default bindings ([`DEFAULT_KEYS`]). Returns whether the
    /// key was used; an unused key (`q`, `Esc` with no search to clear, …) is the pane's
    /// to handle. While the `/` prompt is open every key is used.
    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        if key.kind == KeyEventKind::Release {
            return false;
        }
        if self.prompt.is_some() {
            match key.code {
                KeyCode::Enter => {
                    self.confirm_search();
                }
                KeyCode::Esc => self.cancel_search(),
                KeyCode::Backspace => self.search_backspace(),
                KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                    if let Some(p) = &mut self.prompt {
                        p.clear();
                    }
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    self.search_push(c)
                }
                _ => {}
            }
            return true;
        }
        if key.code == KeyCode::Esc {
            if self.matcher.is_some() {
                self.clear_search();
                return true;
            }
            return false;
        }
        match LogViewer::default_action(key) {
            Some(action) => {
                self.apply(action);
                true
            }
            None => false,
        }
    }
}
