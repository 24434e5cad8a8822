//! View state: what the panes show and where the cursor and scroll are, kept here so that
//! `ui` only draws. The options editor, the flow diff, the graph layout and the Run
//! monitor's view-models and widget states.

pub mod diff;
pub mod graph;
pub mod options_editor;
pub mod runs;
