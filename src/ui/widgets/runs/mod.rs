//! Widgets of the Run monitor pane and their view-models: the runs list, the runs × tasks
//! grid, the task-instance detail and the log viewer.
//!
//! They are pure: they take view-models built from Airflow's JSON (see [`model`]) and
//! draw them into a ratatui buffer; they own no I/O and no clock (the pane passes `now`).
//! Every string from the server is passed through [`sanitize`] when the view-model is
//! built, so no escape sequence a task prints can reach the terminal.

pub mod detail;
pub mod format;
pub mod grid;
pub mod log;
pub mod model;
pub mod runs_list;
pub mod sanitize;
pub mod state;

pub use detail::{TaskDetail, TaskDetailState};
pub use grid::{Grid, GridRun, GridState, GridView};
pub use log::{LogAction, LogDocument, LogLine, LogView, LogViewer};
pub use model::{task_order_from_dag_tasks, OutputView, RunView, TaskCellView, TaskInstanceView};
pub use runs_list::{RunsList, RunsListState};
pub use sanitize::sanitize;
pub use state::TaskState;
