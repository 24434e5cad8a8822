//! The runs list: one line per DAG run, newest first (the order the API returns with
//! `order_by=-run_after`), with a selection that scrolls.

use super::model::RunView;

/// Selection and scroll position of a runs list (drawn by `ui::widgets::runs::RunsList`). Keep one per list across frames.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunsListState {
    pub(crate) selected: usize,
    pub(crate) offset: usize,
    /// Rows shown by the last draw: what a page is.
    pub(crate) page: usize,
}

impl RunsListState {
    /// Index of the selected run in the slice given to the widget, if there is any run.
    pub fn selected_index(&self, len: usize) -> Option<usize> {
        (len > 0).then(|| self.selected.min(len - 1))
    }

    /// The selected run.
    pub fn selected<'a>(&self, runs: &'a [RunView]) -> Option<&'a RunView> {
        self.selected_index(runs.len()).and_then(|i| runs.get(i))
    }

    /// Selects the run with this id (after the list was refreshed, to keep the operator's
    /// place). Returns false, leaving the selection alone, when it is gone.
    pub fn select_run(&mut self, runs: &[RunView], run_id: &str) -> bool {
        match runs.iter().position(|r| r.run_id == run_id) {
            Some(i) => {
                self.selected = i;
                true
            }
            None => false,
        }
    }

    pub fn select_index(&mut self, index: usize) {
        self.selected = index;
    }

    pub fn next(&mut self, len: usize) {
        self.selected = (self.selected + 1).min(len.saturating_sub(1));
    }

    pub fn previous(&mut self) {
        self.selected = self.selected.saturating_sub(1);
    }

    pub fn page_down(&mut self, len: usize) {
        self.selected = (self.selected + self.page.max(1)).min(len.saturating_sub(1));
    }

    pub fn page_up(&mut self) {
        self.selected = self.selected.saturating_sub(self.page.max(1));
    }

    pub fn first(&mut self) {
        self.selected = 0;
    }

    pub fn last(&mut self, len: usize) {
        self.selected = len.saturating_sub(1);
    }

    /// Index of the first row drawn (for tests and mouse handling).
    pub fn offset(&self) -> usize {
        self.offset
    }
}
