//! The log viewer's state: a task instance's logs, every try, scrollable, searchable,
//! followed live, safe against whatever the task printed.
//!
//! - [`LogDocument`]: the lines of one try, built from Airflow's response.
//! - [`LogViewer`]: the state (tries, scroll, follow, wrap, search); the pane feeds it
//!   documents and keys. `ui::widgets::runs::LogView` draws it.

mod doc;
pub(crate) mod layout;
pub(crate) use crate::airflow::log_line as line;
pub(crate) mod search;
mod viewer;

pub use doc::{continuation_token, LogDocument};
pub use line::{Level, LinePart, LogLine, MAX_LINE_BYTES, PREFIX_W};
pub use viewer::{LogAction, LogViewer, Pos, DEFAULT_KEYS};
