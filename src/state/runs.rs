//! The Runs pane. It follows the flow selected in the Flows pane; the run grid and
//! log viewer will keep their state here.

#[derive(Debug, Clone, Default)]
pub struct RunsState {}
