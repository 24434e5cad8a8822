//! What a key can ask for. Names are the snake_case spellings used in
//! `assets/keymap.toml` and in the config file's `[keybindings]`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Quit flowdeck, asking first when something is unsaved.
    Quit,
    /// Show or hide the key help for the focused pane.
    Help,
    /// Focus the next pane (Functions → Flows → Runs).
    NextPane,
    /// Focus the previous pane.
    PrevPane,
    /// Focus the Functions pane.
    FocusFunctions,
    /// Focus the Flows pane.
    FocusFlows,
    /// Focus the Runs pane.
    FocusRuns,
    /// Type a filter for the focused list.
    Filter,
    /// Open the `:` command line.
    CommandLine,
    MoveUp,
    MoveDown,
    PageUp,
    PageDown,
    /// First row.
    First,
    /// Last row.
    Last,
    /// Open the selected row.
    Open,
    /// Close a detail view, or clear the filter.
    Back,
    /// Reload from the database.
    Refresh,
    /// Register a function from a Python file.
    Register,
    /// Edit the selected function's name and description.
    Edit,
    /// Delete the selected item (asks first).
    Delete,
    /// Register the selected function again from its source file.
    Reimport,
    ScrollPreviewDown,
    ScrollPreviewUp,
    /// Accept a field or form step.
    Submit,
    /// Leave a form, field or dialog without doing anything.
    Cancel,
    /// Complete a path, or move to the next field.
    Complete,
    /// Move to the previous field.
    PrevField,
    /// Save a form.
    Save,
    /// Answer yes / choose the selected item.
    Confirm,
    /// Runs: trigger a run of the flow now.
    Trigger,
    /// Runs: trigger a run with a conf (JSON) typed first.
    TriggerWithConf,
    /// Runs: pause or unpause the flow in Airflow.
    TogglePause,
    /// Runs: clear the selected task so it runs again (asks first).
    ClearTask,
    /// Runs: clear the selected task and everything downstream of it (asks first).
    ClearDownstream,
    /// Runs: mark the selected task success (asks first).
    MarkSuccess,
    /// Runs: mark the selected task failed (asks first).
    MarkFailed,
    /// Runs: read the selected task's log.
    OpenLog,
    /// Runs: import errors of flowdeck's DAG files.
    ImportErrors,
    /// Left: an older run in the grid, the box to the left in a graph, sideways in a log.
    MoveLeft,
    /// Right: a newer run in the grid, the box to the right in a graph, sideways in a log.
    MoveRight,
    /// Log: next search match.
    NextMatch,
    /// Log: previous search match.
    PrevMatch,
    /// Log: wrap long lines on/off.
    ToggleWrap,
    /// Log: follow the end on/off.
    ToggleFollow,
    /// Log: jump to the first traceback.
    FirstTraceback,
    /// Log: jump to the next traceback.
    NextTraceback,
    /// Log: show the next try.
    NextTry,
    /// Log: show the previous try.
    PrevTry,
    /// Add: a flow in the list; a task or an edge in the flow editor.
    Add,
    /// Rename the selected flow (its id stays) or task.
    Rename,
    /// Copy the selected flow under a new name.
    Duplicate,
    /// Next part of the flow editor (settings, tasks, edges, graph).
    NextSection,
    /// Previous part of the flow editor.
    PrevSection,
    /// Edit the selected task's options (TOML).
    Options,
    /// Edit the selected task's python_callable override.
    Code,
    /// The flow's saved versions, with rollback.
    Revisions,
    /// Deploy the version ready in this environment to the next one of the config.
    Promote,
    /// Show the flow's import error (Airflow's traceback).
    ShowError,
    /// Flow editor inputs: switch the selected value between template (Airflow renders
    /// it) and text (the task receives it as typed).
    ToggleKind,
    /// In the options editor: list the options (name, type, default, doc); Enter inserts.
    OptionList,
    /// In a list of functions to register: mark one, to register several at once.
    Mark,
    /// In the trigger form: switch between the run parameters' fields and the whole
    /// conf as JSON.
    ToggleJson,
    /// List what start-up found (keymap warnings, the dags folder, changed sources).
    Findings,
    /// Pick the environment (Airflow) to work with.
    Environments,
}

impl Action {
    /// Every action, for checks that the default keymap binds them all.
    pub const ALL: &'static [Action] = &[
        Action::Quit,
        Action::Help,
        Action::NextPane,
        Action::PrevPane,
        Action::FocusFunctions,
        Action::FocusFlows,
        Action::FocusRuns,
        Action::Filter,
        Action::CommandLine,
        Action::MoveUp,
        Action::MoveDown,
        Action::PageUp,
        Action::PageDown,
        Action::First,
        Action::Last,
        Action::Open,
        Action::Back,
        Action::Refresh,
        Action::Register,
        Action::Edit,
        Action::Delete,
        Action::Reimport,
        Action::ScrollPreviewDown,
        Action::ScrollPreviewUp,
        Action::Submit,
        Action::Cancel,
        Action::Complete,
        Action::PrevField,
        Action::Save,
        Action::Confirm,
        Action::Trigger,
        Action::TriggerWithConf,
        Action::TogglePause,
        Action::ClearTask,
        Action::ClearDownstream,
        Action::MarkSuccess,
        Action::MarkFailed,
        Action::OpenLog,
        Action::ImportErrors,
        Action::MoveLeft,
        Action::MoveRight,
        Action::NextMatch,
        Action::PrevMatch,
        Action::ToggleWrap,
        Action::ToggleFollow,
        Action::FirstTraceback,
        Action::NextTraceback,
        Action::NextTry,
        Action::PrevTry,
        Action::Add,
        Action::Rename,
        Action::Duplicate,
        Action::NextSection,
        Action::PrevSection,
        Action::Options,
        Action::Code,
        Action::Revisions,
        Action::Promote,
        Action::ShowError,
        Action::ToggleKind,
        Action::OptionList,
        Action::Mark,
        Action::ToggleJson,
        Action::Findings,
        Action::Environments,
    ];

    /// The snake_case name, as written in keymap files.
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| format!("{self:?}"))
    }

    pub fn from_name(name: &str) -> Option<Action> {
        serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
    }
}
