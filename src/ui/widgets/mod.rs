//! Reusable widgets: pure functions of their inputs, drawn into a ratatui buffer.

pub mod diff;
pub mod graph;
pub mod options_editor;
pub mod runs;
