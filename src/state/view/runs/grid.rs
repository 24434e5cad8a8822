//! The grid: runs × tasks, each cell coloured by the task instance's state, like Airflow's
//! grid view. As in Airflow (2 and 3), runs are columns with the oldest on the left and
//! the newest on the right, tasks are rows in the DAG's order, and a bar chart of run
//! durations, coloured by run state, sits on top.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::model::{RunView, TaskCellView};
use super::task_state::TaskState;

/// One column of the grid.
#[derive(Clone, Debug, PartialEq)]
pub struct GridRun {
    pub run_id: String,
    pub state: TaskState,
    /// Seconds; for a run still going, how long it has been going when the view was built.
    pub duration: Option<f64>,
}

/// The data of the grid, built once per refresh from the runs and task instances; drawing
/// it is then proportional to what is visible, not to its size.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GridView {
    /// Display order: oldest on the left, newest on the right.
    pub(crate) runs: Vec<GridRun>,
    pub(crate) tasks: Vec<String>,
    /// Row-major: `cells[row * runs.len() + col]`.
    pub(crate) cells: Vec<TaskState>,
    /// Highest try number seen for the cell (0 when there is no instance).
    pub(crate) tries: Vec<u32>,
}

impl GridView {
    /// Builds the grid.
    ///
    /// - `runs`: in any order (the API's newest-first is fine); they are placed by
    ///   `run_after` (Airflow's ordering), oldest on the left.
    /// - `task_order`: the rows, top to bottom, in the DAG's topological order (see
    ///   [`super::model::task_order_from_dag_tasks`]). Tasks that appear only in `cells`
    ///   (removed from the DAG since) are added below in the order first seen.
    /// - `cells`: task instances of those runs. Several instances of one (run, task) —
    ///   a mapped task — are summarised by their most significant state.
    /// - `now`: used for the duration bar of runs still going.
    pub fn new(
        runs: &[RunView],
        task_order: &[String],
        cells: &[TaskCellView],
        now: Option<DateTime<Utc>>,
    ) -> GridView {
        // Stable sort of the reversed (oldest-first, for the API's order) list: runs with
        // the same run_after keep that relative order.
        let mut ordered: Vec<&RunView> = runs.iter().rev().collect();
        ordered.sort_by_key(|r| r.run_after);
        let grid_runs: Vec<GridRun> = ordered
            .iter()
            .map(|r| GridRun {
                run_id: r.run_id.clone(),
                state: r.state,
                duration: r.duration_at(now),
            })
            .collect();
        let col_of: HashMap<&str, usize> = grid_runs
            .iter()
            .enumerate()
            .map(|(i, r)| (r.run_id.as_str(), i))
            .collect();

        let mut tasks: Vec<String> = Vec::with_capacity(task_order.len());
        let mut row_of: HashMap<String, usize> = HashMap::with_capacity(task_order.len());
        for t in task_order.iter().chain(cells.iter().map(|c| &c.task_id)) {
            if !row_of.contains_key(t) {
                row_of.insert(t.clone(), tasks.len());
                tasks.push(t.clone());
            }
        }

        let n = grid_runs.len();
        let mut states = vec![TaskState::NoStatus; n * tasks.len()];
        let mut tries = vec![0u32; n * tasks.len()];
        // Whether a cell already holds an instance: an instance in state NoStatus must
        // still lose to a later one of higher rank, and a first instance always wins.
        let mut seen = vec![false; n * tasks.len()];
        for c in cells {
            let (Some(&col), Some(&row)) = (col_of.get(c.run_id.as_str()), row_of.get(&c.task_id))
            else {
                continue;
            };
            let i = row * n + col;
            if !seen[i] || c.state.summary_rank() > states[i].summary_rank() {
                states[i] = c.state;
            }
            seen[i] = true;
            tries[i] = tries[i].max(c.try_number);
        }
        GridView {
            runs: grid_runs,
            tasks,
            cells: states,
            tries,
        }
    }

    pub fn runs(&self) -> &[GridRun] {
        &self.runs
    }

    pub fn tasks(&self) -> &[String] {
        &self.tasks
    }

    /// State of the cell at (`col`, `row`); `NoStatus` outside the grid.
    pub fn state(&self, col: usize, row: usize) -> TaskState {
        if col >= self.runs.len() {
            return TaskState::NoStatus;
        }
        self.cells
            .get(row * self.runs.len() + col)
            .copied()
            .unwrap_or_default()
    }

    /// Highest try number of the cell's instances (0 when there is none).
    pub fn try_number(&self, col: usize, row: usize) -> u32 {
        if col >= self.runs.len() {
            return 0;
        }
        self.tries
            .get(row * self.runs.len() + col)
            .copied()
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty() || self.tasks.is_empty()
    }
}

/// Cursor and scroll position of a [`Grid`]. The cursor remembers the run and task it is
/// on, so it stays on them when the grid is rebuilt with new data; when it is on the
/// newest run it follows new runs as they appear (the one the operator just triggered).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GridState {
    pub(crate) col: usize,
    pub(crate) row: usize,
    pub(crate) at_newest: bool,
    pub(crate) anchor: Option<(String, String)>,
    /// First visible column; `None` until the first draw, which then shows the newest
    /// runs (the right end), as Airflow does.
    pub(crate) col_offset: Option<usize>,
    pub(crate) row_offset: usize,
    pub(crate) page_rows: usize,
    pub(crate) page_cols: usize,
}

impl Default for GridState {
    fn default() -> Self {
        GridState {
            col: 0,
            row: 0,
            at_newest: true,
            anchor: None,
            col_offset: None,
            row_offset: 0,
            page_rows: 10,
            page_cols: 10,
        }
    }
}

impl GridState {
    /// The cursor's (column, row) in `view`, or `None` when the grid is empty.
    pub fn cursor(&self, view: &GridView) -> Option<(usize, usize)> {
        if view.is_empty() {
            return None;
        }
        let n = view.runs.len();
        let anchored = self.anchor.as_ref();
        let col = if self.at_newest {
            n - 1
        } else {
            anchored
                .and_then(|(run, _)| view.runs.iter().position(|r| &r.run_id == run))
                .unwrap_or(self.col.min(n - 1))
        };
        let row = anchored
            .and_then(|(_, task)| view.tasks.iter().position(|t| t == task))
            .unwrap_or(self.row.min(view.tasks.len() - 1));
        Some((col, row))
    }

    /// The selected cell as (run_id, task_id): what the pane opens on Enter.
    pub fn selected<'v>(&self, view: &'v GridView) -> Option<(&'v str, &'v str)> {
        let (col, row) = self.cursor(view)?;
        Some((view.runs[col].run_id.as_str(), view.tasks[row].as_str()))
    }

    /// Puts the cursor on this run and task; false (and no change) when either is absent.
    pub fn select(&mut self, view: &GridView, run_id: &str, task_id: &str) -> bool {
        let col = view.runs.iter().position(|r| r.run_id == run_id);
        let row = view.tasks.iter().position(|t| t == task_id);
        match (col, row) {
            (Some(col), Some(row)) => {
                self.set(view, col, row);
                true
            }
            _ => false,
        }
    }

    fn set(&mut self, view: &GridView, col: usize, row: usize) {
        self.col = col;
        self.row = row;
        self.at_newest = col + 1 == view.runs.len();
        self.anchor = Some((view.runs[col].run_id.clone(), view.tasks[row].clone()));
    }

    fn shift(&mut self, view: &GridView, dc: isize, dr: isize) {
        let Some((col, row)) = self.cursor(view) else {
            return;
        };
        let col = col.saturating_add_signed(dc).min(view.runs.len() - 1);
        let row = row.saturating_add_signed(dr).min(view.tasks.len() - 1);
        self.set(view, col, row);
    }

    /// One run older.
    pub fn left(&mut self, view: &GridView) {
        self.shift(view, -1, 0);
    }

    /// One run newer.
    pub fn right(&mut self, view: &GridView) {
        self.shift(view, 1, 0);
    }

    pub fn up(&mut self, view: &GridView) {
        self.shift(view, 0, -1);
    }

    pub fn down(&mut self, view: &GridView) {
        self.shift(view, 0, 1);
    }

    pub fn page_up(&mut self, view: &GridView) {
        self.shift(view, 0, -(self.page_rows.max(1) as isize));
    }

    pub fn page_down(&mut self, view: &GridView) {
        self.shift(view, 0, self.page_rows.max(1) as isize);
    }

    /// A screenful of runs older.
    pub fn page_left(&mut self, view: &GridView) {
        self.shift(view, -(self.page_cols.max(1) as isize), 0);
    }

    /// A screenful of runs newer.
    pub fn page_right(&mut self, view: &GridView) {
        self.shift(view, self.page_cols.max(1) as isize, 0);
    }

    /// The oldest run.
    pub fn oldest(&mut self, view: &GridView) {
        self.shift(view, isize::MIN, 0);
    }

    /// The newest run (and keep following new ones).
    pub fn newest(&mut self, view: &GridView) {
        self.shift(view, isize::MAX, 0);
    }

    pub fn first_task(&mut self, view: &GridView) {
        self.shift(view, 0, isize::MIN);
    }

    pub fn last_task(&mut self, view: &GridView) {
        self.shift(view, 0, isize::MAX);
    }

    /// First visible column and row of the last draw.
    pub fn offsets(&self) -> (usize, usize) {
        (self.col_offset.unwrap_or(0), self.row_offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::view::runs::format::parse_time;

    fn run(id: &str, after: &str, state: TaskState) -> RunView {
        RunView {
            run_id: id.into(),
            state,
            run_after: parse_time(after),
            duration: Some(1.0),
            ..RunView::default()
        }
    }

    fn cell(run: &str, task: &str, state: TaskState, map_index: i64) -> TaskCellView {
        TaskCellView {
            run_id: run.into(),
            task_id: task.into(),
            map_index,
            state,
            try_number: 1,
        }
    }

    fn sample() -> GridView {
        // Newest first, as the API returns them.
        let runs = [
            run("r3", "2026-01-03T00:00:00Z", TaskState::Running),
            run("r2", "2026-01-02T00:00:00Z", TaskState::Failed),
            run("r1", "2026-01-01T00:00:00Z", TaskState::Success),
        ];
        let tasks = ["extract".to_string(), "load".to_string()];
        let cells = [
            cell("r1", "extract", TaskState::Success, -1),
            cell("r1", "load", TaskState::Success, -1),
            cell("r2", "extract", TaskState::Success, -1),
            cell("r2", "load", TaskState::Failed, -1),
            cell("r3", "extract", TaskState::Running, -1),
            cell("r3", "gone", TaskState::Removed, -1),
        ];
        GridView::new(&runs, &tasks, &cells, None)
    }

    #[test]
    fn newest_run_is_on_the_right() {
        let g = sample();
        let ids: Vec<&str> = g.runs().iter().map(|r| r.run_id.as_str()).collect();
        assert_eq!(ids, ["r1", "r2", "r3"]);
        assert_eq!(g.tasks(), ["extract", "load", "gone"]);
        assert_eq!(g.state(1, 1), TaskState::Failed);
        assert_eq!(g.state(2, 1), TaskState::NoStatus);
        assert_eq!(g.state(2, 2), TaskState::Removed);
        assert_eq!(g.state(9, 9), TaskState::NoStatus);
    }

    #[test]
    fn mapped_instances_summarise_to_the_worst_state() {
        let runs = [run("r", "2026-01-01T00:00:00Z", TaskState::Running)];
        let cells = [
            cell("r", "m", TaskState::Success, 0),
            cell("r", "m", TaskState::Failed, 1),
            cell("r", "m", TaskState::Success, 2),
        ];
        let g = GridView::new(&runs, &[], &cells, None);
        assert_eq!(g.state(0, 0), TaskState::Failed);
    }

    #[test]
    fn cursor_starts_on_newest_and_moves() {
        let g = sample();
        let mut s = GridState::default();
        assert_eq!(s.selected(&g), Some(("r3", "extract")));
        s.left(&g);
        s.down(&g);
        assert_eq!(s.selected(&g), Some(("r2", "load")));
        s.oldest(&g);
        assert_eq!(s.selected(&g), Some(("r1", "load")));
        s.last_task(&g);
        assert_eq!(s.selected(&g), Some(("r1", "gone")));
        s.newest(&g);
        s.first_task(&g);
        assert_eq!(s.selected(&g), Some(("r3", "extract")));
        assert!(!s.select(&g, "r9", "load"));
        assert!(s.select(&g, "r2", "load"));
        assert_eq!(s.selected(&g), Some(("r2", "load")));
    }

    #[test]
    fn cursor_keeps_its_run_when_data_changes_and_follows_newest() {
        let g = sample();
        let mut s = GridState::default();
        s.select(&g, "r2", "load");
        // A new run r4 arrives: the cursor stays on r2.
        let runs = [
            run("r4", "2026-01-04T00:00:00Z", TaskState::Queued),
            run("r3", "2026-01-03T00:00:00Z", TaskState::Running),
            run("r2", "2026-01-02T00:00:00Z", TaskState::Failed),
        ];
        let tasks = ["extract".to_string(), "load".to_string()];
        let g2 = GridView::new(&runs, &tasks, &[], None);
        assert_eq!(s.selected(&g2), Some(("r2", "load")));
        // On the newest run, the cursor moves on to the next newest.
        s.newest(&g);
        assert_eq!(s.selected(&g), Some(("r3", "load")));
        assert_eq!(s.selected(&g2), Some(("r4", "load")));
    }

    #[test]
    fn empty_grid_has_no_selection() {
        let g = GridView::default();
        let mut s = GridState::default();
        s.right(&g);
        assert_eq!(s.selected(&g), None);
    }
}
