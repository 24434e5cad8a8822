//! Dialogs and forms shown over the panes. They stack: a "quit without saving?" asked
//! over a half-filled form leaves the form intact when the answer is no.

use super::event::JobId;
use super::input::Field;
use super::list::ListNav;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub enum Dialog {
    Confirm(Confirm),
    Message(MessageBox),
    Register(Box<RegisterForm>),
    Edit(Box<EditForm>),
    /// The run parameters / conf of a run to trigger (Runs pane, `t` / `T`).
    TriggerConf(Box<super::trigger::TriggerForm>),
    /// The Flows pane's prompts, pickers, options editor, diff and revisions.
    Flow(Box<super::flow_editor::FlowDialog>),
}

/// What a confirmation does on yes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnYes {
    Quit,
    /// Make exactly these reconcile changes (the lines shown).
    RepairDagsFolder {
        confirmed: Vec<String>,
    },
    DeleteFunction {
        name: String,
    },
    /// Clear task instances (the list shown came from Airflow's dry run).
    ClearTasks {
        dag_id: String,
        run_id: String,
        task_ids: Vec<String>,
        downstream: bool,
    },
    MarkTask {
        dag_id: String,
        run_id: String,
        task_id: String,
        state: crate::airflow::ManualState,
    },
    Flow(super::flow_editor::FlowYes),
    /// Deploy the planned version to environment `to`.
    Promote {
        to: String,
        flow_id: String,
        name: String,
        version: u32,
    },
}

#[derive(Debug, Clone)]
pub struct Confirm {
    pub title: String,
    pub body: String,
    /// Label of the yes answer, e.g. "delete".
    pub yes: String,
    pub on_yes: OnYes,
}

#[derive(Debug, Clone)]
pub struct MessageBox {
    pub title: String,
    pub body: String,
    pub error: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterStep {
    /// Typing the file path (Tab completes).
    Path,
    /// Choosing one of the file's top-level functions.
    Pick,
    /// Optional name and description.
    Details,
}

/// One top-level function of the inspected file.
#[derive(Debug, Clone)]
pub struct PickItem {
    pub name: String,
    pub signature: String,
    pub doc: String,
    pub line: usize,
    pub is_async: bool,
    /// The library name of this function when it is registered already from this file.
    pub registered_as: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RegisterForm {
    pub step: RegisterStep,
    pub path: Field,
    /// Candidates of the last Tab that matched several paths.
    pub completions: Vec<String>,
    /// The inspected file, resolved.
    pub file: PathBuf,
    pub functions: Vec<PickItem>,
    pub pick: ListNav,
    /// Functions marked (Space) to register together, by position in `functions`.
    pub marked: std::collections::BTreeSet<usize>,
    /// A function named on the command line (`:function add FILE FUNCTION`).
    pub preselect: Option<String>,
    pub name: Field,
    pub description: Field,
    /// 0 = name, 1 = description.
    pub focus: usize,
    pub error: Option<String>,
    /// The job this form waits for (inspecting, registering).
    pub busy: Option<JobId>,
}

impl RegisterForm {
    pub fn new(path: &str, preselect: Option<String>) -> RegisterForm {
        RegisterForm {
            step: RegisterStep::Path,
            path: Field::single("Python file", path),
            completions: Vec::new(),
            file: PathBuf::new(),
            functions: Vec::new(),
            pick: ListNav::default(),
            marked: Default::default(),
            preselect,
            name: Field::single("Name", ""),
            description: Field::multi("Description", ""),
            focus: 0,
            error: None,
            busy: None,
        }
    }

    pub fn picked(&self) -> Option<&PickItem> {
        self.pick.selected_row().and_then(|i| self.functions.get(i))
    }

    /// The field keys go to, if the current step has one.
    pub fn field_mut(&mut self) -> Option<&mut Field> {
        match self.step {
            RegisterStep::Path => Some(&mut self.path),
            RegisterStep::Pick => None,
            RegisterStep::Details if self.focus == 0 => Some(&mut self.name),
            RegisterStep::Details => Some(&mut self.description),
        }
    }
}

#[derive(Debug, Clone)]
pub struct EditForm {
    pub function_id: String,
    /// `updated_at` of the function when the dialog opened (the save's base).
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub original_name: String,
    pub original_description: String,
    pub name: Field,
    pub description: Field,
    pub focus: usize,
    pub error: Option<String>,
    pub busy: Option<JobId>,
}

impl EditForm {
    pub fn field_mut(&mut self) -> &mut Field {
        if self.focus == 0 {
            &mut self.name
        } else {
            &mut self.description
        }
    }

    pub fn changed(&self) -> bool {
        self.name.text() != super::text::field_text(&self.original_name)
            || self.description.text() != super::text::lines(&self.original_description).join("\n")
    }
}

impl Dialog {
    /// True when keys go to a text field (the editor context) rather than to the
    /// dialog's own keys.
    pub fn takes_text(&self) -> bool {
        match self {
            Dialog::Register(f) => f.step != RegisterStep::Pick,
            Dialog::Edit(_) | Dialog::TriggerConf(_) => true,
            Dialog::Flow(d) => d.takes_text(),
            Dialog::Confirm(_) | Dialog::Message(_) => false,
        }
    }

    pub fn busy(&self) -> Option<JobId> {
        match self {
            Dialog::Register(f) => f.busy,
            Dialog::Edit(f) => f.busy,
            _ => None,
        }
    }
}

/// Whether a dialog's focused input holds several lines: there Enter breaks the line and
/// `C-s` finishes; in a one-line field Enter finishes.
pub fn multiline_focus(dialog: &Dialog) -> bool {
    use super::flow_editor::FlowDialog;
    match dialog {
        Dialog::Register(f) => f.step == RegisterStep::Details && f.focus == 1,
        Dialog::Edit(f) => f.focus == 1,
        Dialog::TriggerConf(f) => f.json,
        Dialog::Flow(d) => match &**d {
            FlowDialog::Text(p) => p.field.multiline,
            FlowDialog::Options(_) => true,
            _ => false,
        },
        Dialog::Confirm(_) | Dialog::Message(_) => false,
    }
}
