//! The log viewer widget: draws a [`LogViewer`](crate::state::view::runs::log::LogViewer).

mod widget;

pub use widget::LogView;

#[cfg(test)]
mod tests;
