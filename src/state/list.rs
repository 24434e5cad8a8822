//! Selection, scrolling and filtering shared by every list (functions, flows, pickers).
//! The list keeps indices into its pane's rows, so filtering never copies rows.

#[derive(Debug, Clone, Default)]
pub struct ListNav {
    /// Position in `visible`.
    pub selected: usize,
    /// First visible position; the UI clamps it to keep the selection in view and
    /// reports the value it drew back through `State::set_screen`.
    pub offset: usize,
    /// The filter as typed (`/`); empty means everything is visible.
    pub filter: String,
    /// Row indices that pass the filter, in display order.
    pub visible: Vec<usize>,
}

impl ListNav {
    pub fn len(&self) -> usize {
        self.visible.len()
    }

    pub fn is_empty(&self) -> bool {
        self.visible.is_empty()
    }

    /// The selected row's index in the pane's rows.
    pub fn selected_row(&self) -> Option<usize> {
        self.visible.get(self.selected).copied()
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.visible.is_empty() {
            self.selected = 0;
            return;
        }
        let last = self.visible.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    pub fn first(&mut self) {
        self.selected = 0;
    }

    pub fn last(&mut self) {
        self.selected = self.visible.len().saturating_sub(1);
    }

    /// Selects the row with index `row` if it is visible.
    pub fn select_row(&mut self, row: usize) -> bool {
        match self.visible.iter().position(|r| *r == row) {
            Some(pos) => {
                self.selected = pos;
                true
            }
            None => false,
        }
    }

    /// Recomputes `visible` for `count` rows, keeping the same row selected when it
    /// still passes (else the nearest position).
    pub fn refilter(&mut self, count: usize, passes: impl Fn(usize) -> bool) {
        let keep = self.selected_row();
        self.visible = (0..count).filter(|i| passes(*i)).collect();
        if let Some(row) = keep {
            if self.select_row(row) {
                return;
            }
        }
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
    }
}

/// Case-insensitive match of every word of `filter` in `haystack` (already lower case).
pub fn matches(haystack: &str, filter: &str) -> bool {
    filter.split_whitespace().all(|w| {
        if w.chars().all(|c| !c.is_uppercase()) {
            haystack.contains(w)
        } else {
            haystack.contains(&w.to_lowercase())
        }
    })
}

/// The first row to draw so that `selected` is inside a window of `rows` rows,
/// moving `offset` as little as possible (the list does not jump while moving inside
/// the window).
pub fn clamp_offset(offset: usize, selected: usize, rows: usize, len: usize) -> usize {
    if rows == 0 {
        return selected;
    }
    let mut off = offset.min(selected);
    if selected >= off + rows {
        off = selected + 1 - rows;
    }
    off.min(len.saturating_sub(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_follows_the_selection_without_jumping() {
        assert_eq!(clamp_offset(0, 5, 10, 100), 0);
        assert_eq!(clamp_offset(0, 10, 10, 100), 1);
        assert_eq!(clamp_offset(5, 7, 10, 100), 5);
        assert_eq!(clamp_offset(5, 3, 10, 100), 3);
        assert_eq!(clamp_offset(95, 99, 10, 100), 90);
        assert_eq!(clamp_offset(0, 0, 10, 3), 0);
    }

    #[test]
    fn refilter_keeps_the_selected_row() {
        let mut nav = ListNav::default();
        nav.refilter(10, |_| true);
        nav.selected = 6;
        nav.refilter(10, |i| i % 2 == 0);
        assert_eq!(nav.selected_row(), Some(6));
        nav.refilter(10, |i| i < 3);
        assert_eq!(nav.selected_row(), Some(2));
        nav.refilter(10, |_| false);
        assert_eq!(nav.selected_row(), None);
        assert!(matches("extract etl.py", "ETL ext"));
    }
}
