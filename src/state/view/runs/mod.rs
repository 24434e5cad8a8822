//! The Run monitor's view state: view-models built from Airflow's JSON (see [`model`]),
//! and the selection and scroll state of the runs list, the runs × tasks grid, the
//! task-instance detail and the log viewer. `ui::widgets::runs` draws them.
//!
//! Every string from the server is passed through [`sanitize`] when the view-model is
//! built, so no escape sequence a task prints can reach the terminal.

pub mod detail;
pub mod format;
pub mod grid;
pub mod log;
pub mod model;
pub mod runs_list;
pub use crate::airflow::sanitize;
pub mod task_state;

pub use detail::TaskDetailState;
pub use grid::{GridRun, GridState, GridView};
pub use log::{LogAction, LogDocument, LogLine, LogViewer};
pub use model::{task_order_from_dag_tasks, OutputView, RunView, TaskCellView, TaskInstanceView};
pub use runs_list::RunsListState;
pub use sanitize::sanitize;
pub use task_state::TaskState;
