//! Widgets of the Run monitor pane: the runs list, the runs × tasks grid, the
//! task-instance detail and the log viewer. They draw the view state kept in
//! [`crate::state::view::runs`]; they own no I/O and no clock (the pane passes `now`).

pub mod detail;
pub mod format;
pub mod grid;
pub mod log;
pub mod runs_list;
pub mod style;

pub use detail::TaskDetail;
pub use grid::Grid;
pub use log::LogView;
pub use runs_list::RunsList;
