//! Task-instance detail: state, try, operator, times, and the task's output (its XCom
//! `return_value`, pretty-printed and scrollable).

/// Scroll position of the output part of a task detail (drawn by `ui::widgets::runs::TaskDetail`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskDetailState {
    pub(crate) scroll: usize,
    pub(crate) page: usize,
}

impl TaskDetailState {
    pub fn scroll_down(&mut self, n: usize) {
        // Clamped against the output's length when drawn.
        self.scroll = self.scroll.saturating_add(n);
    }

    pub fn scroll_up(&mut self, n: usize) {
        self.scroll = self.scroll.saturating_sub(n);
    }

    pub fn page_down(&mut self) {
        self.scroll_down(self.page.max(1));
    }

    pub fn page_up(&mut self) {
        self.scroll_up(self.page.max(1));
    }

    pub fn top(&mut self) {
        self.scroll = 0;
    }

    pub fn bottom(&mut self) {
        self.scroll = usize::MAX;
    }

    /// First output line shown by the last draw.
    pub fn scroll(&self) -> usize {
        self.scroll
    }
}
