//! Terminal user interface.

pub mod widgets;
