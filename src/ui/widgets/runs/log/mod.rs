//! The log viewer: a task instance's logs, every try, scrollable, searchable, followed
//! live, safe against whatever the task printed.
//!
//! - [`LogDocument`]: the lines of one try, built from Airflow's response.
//! - [`LogViewer`]: the state (tries, scroll, follow, wrap, search); the pane feeds it
//!   documents and keys.
//! - [`LogView`]: the widget that draws a `LogViewer`.

mod doc;
mod layout;
mod line;
mod search;
mod viewer;
mod widget;

pub use doc::{continuation_token, LogDocument};
pub use line::{Level, LogLine, MAX_LINE_BYTES, PREFIX_W};
pub use viewer::{LogAction, LogViewer, Pos, DEFAULT_KEYS};
pub use widget::LogView;

#[cfg(test)]
mod tests;
