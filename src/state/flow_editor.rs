//! The flow editor's state: the draft of one flow (settings, tasks, inputs, edges), its
//! cached graph layout, and the dialogs that edit it (text prompts with live checks,
//! pickers, the options editor, the diff shown before saving, revisions).
//!
//! The draft is a whole [`FlowSpec`] edited in memory; nothing reaches the database
//! until the operator saves, so a failed save or an Airflow outage never loses edits.

use super::functions::FunctionRow;
use super::input::Field;
use super::list::ListNav;
use crate::model::deploy::DeployRecord;
use crate::model::schedule::{check_schedule_at, describe_schedule, next_runs_line};
use crate::model::{Flow, FlowSpec, Literal, Problem};
use crate::state::view::diff::{DiffSummary, FlowDiff};
use crate::state::view::graph::GraphLayout;
use crate::state::view::options_editor::OptionsEditor;
use crate::store::Revision;
use chrono::{NaiveDate, Utc};

/// The part of the editor that has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Settings,
    Tasks,
    /// The inputs of the selected task (entered from Tasks with Enter).
    Inputs,
    Edges,
    Graph,
}

impl Section {
    /// The order Tab walks through (Inputs is reached from Tasks).
    pub const CYCLE: [Section; 4] = [
        Section::Settings,
        Section::Tasks,
        Section::Edges,
        Section::Graph,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::Settings => "Settings",
            Section::Tasks => "Tasks",
            Section::Inputs => "Inputs",
            Section::Edges => "Edges",
            Section::Graph => "Graph",
        }
    }
}

/// The flow settings, in the order the form lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    Name,
    Description,
    Schedule,
    StartDate,
    Catchup,
    Tags,
    Defaults,
    UnpauseOnDeploy,
}

impl Setting {
    pub const ALL: [Setting; 8] = [
        Setting::Name,
        Setting::Description,
        Setting::Schedule,
        Setting::StartDate,
        Setting::Catchup,
        Setting::Tags,
        Setting::Defaults,
        Setting::UnpauseOnDeploy,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Setting::Name => "Name",
            Setting::Description => "Description",
            Setting::Schedule => "Schedule",
            Setting::StartDate => "Start date",
            Setting::Catchup => "Catchup",
            Setting::Tags => "Tags",
            Setting::Defaults => "Task defaults",
            Setting::UnpauseOnDeploy => "Unpause on deploy",
        }
    }

    /// The value as the form shows it (one line).
    pub fn shown(self, flow: &Flow) -> String {
        let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
        match self {
            Setting::Name => flow.name.clone(),
            Setting::Description => flow.description.lines().next().unwrap_or("").to_string(),
            Setting::Schedule if flow.schedule.is_empty() => "(none: manual runs only)".into(),
            Setting::Schedule => {
                format!("{}  — {}", flow.schedule, describe_schedule(&flow.schedule))
            }
            Setting::StartDate => flow.start_date.format("%Y-%m-%d").to_string(),
            Setting::Catchup => yes_no(flow.catchup),
            Setting::Tags => flow.tags.join(", "),
            Setting::Defaults if flow.defaults.trim().is_empty() => "(none)".into(),
            Setting::Defaults => flow
                .defaults
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .collect::<Vec<_>>()
                .join("; "),
            Setting::UnpauseOnDeploy => yes_no(flow.unpause_on_deploy),
        }
    }
}

/// One flow being edited.
#[derive(Debug, Clone)]
pub struct Editor {
    /// The flow as last loaded or saved (what "unsaved edits" compare with).
    pub original: FlowSpec,
    pub spec: FlowSpec,
    /// Not in the database yet (created in this session and never saved).
    pub is_new: bool,
    /// The draft differs from `original` (recomputed by `touch`).
    pub dirty: bool,
    pub section: Section,
    pub setting: usize,
    pub tasks: ListNav,
    pub inputs: ListNav,
    pub edges: ListNav,
    /// Laid out once per change of tasks or edges; every frame draws this one.
    pub layout: GraphLayout,
    /// Top-left layout cell of the graph view, as last drawn.
    pub graph_offset: (u32, u32),
    /// Problems of the last save attempt, until the next edit.
    pub problems: Vec<Problem>,
    /// A save or its checks are running.
    pub busy: Option<super::JobId>,
    /// Edits made since the flow was opened (counted by `touch`).
    pub edits: u32,
    /// `edits` as last kept in the database as a draft, and when.
    pub kept_edits: u32,
    pub kept_at: Option<std::time::Instant>,
    /// Text of the open options editor as last kept with the draft.
    pub kept_options: Option<String>,
    /// Someone else changed this flow in the database after it was opened here (shown
    /// above the editor; a save will ask how to combine).
    pub newer: Option<String>,
}

impl Editor {
    pub fn open(spec: FlowSpec, is_new: bool) -> Editor {
        let layout = GraphLayout::new(&spec);
        let mut e = Editor {
            original: spec.clone(),
            spec,
            is_new,
            dirty: is_new,
            section: if is_new {
                Section::Tasks
            } else {
                Section::Settings
            },
            setting: 0,
            tasks: ListNav::default(),
            inputs: ListNav::default(),
            edges: ListNav::default(),
            layout,
            graph_offset: (0, 0),
            problems: Vec::new(),
            busy: None,
            edits: 0,
            kept_edits: 0,
            kept_at: None,
            kept_options: None,
            newer: None,
        };
        e.refresh_lists();
        e
    }

    /// Replaces the flow with `spec` as stored (after a save, or someone else's save
    /// while this editor had no edits), keeping the operator's place.
    pub fn reopen_with(&mut self, spec: FlowSpec) {
        let mut fresh = Editor::open(spec, false);
        fresh.section = self.section;
        fresh.tasks.selected = self.tasks.selected.min(fresh.tasks.len().saturating_sub(1));
        fresh.setting = self.setting;
        fresh.graph_offset = self.graph_offset;
        *self = fresh;
    }

    /// The version a save of this draft starts from.
    pub fn base(&self) -> crate::store::Base {
        if self.is_new {
            crate::store::Base::New
        } else {
            crate::store::Base::Version(self.original.flow.version)
        }
    }

    /// A new, empty flow named `name`.
    pub fn new_flow(name: &str, today: NaiveDate) -> Editor {
        let now = Utc::now();
        let flow = Flow {
            id: crate::model::ids::flow_id_for(name),
            name: name.to_string(),
            description: String::new(),
            version: 1,
            created_at: now,
            updated_at: now,
            schedule: String::new(),
            start_date: today,
            catchup: false,
            tags: Vec::new(),
            defaults: String::new(),
            unpause_on_deploy: true,
        };
        Editor::open(
            FlowSpec {
                flow,
                tasks: Vec::new(),
                edges: Vec::new(),
            },
            true,
        )
    }

    /// After any change of the draft: lists, cached layout and the dirty flag follow.
    pub fn touch(&mut self) {
        self.edits += 1;
        self.dirty = self.is_new || self.spec.content_differs(&self.original);
        self.problems.clear();
        self.refresh_lists();
    }

    fn refresh_lists(&mut self) {
        if !self.layout.is_current(&self.spec) {
            self.layout = GraphLayout::new(&self.spec);
        }
        self.tasks.refilter(self.spec.tasks.len(), |_| true);
        self.edges.refilter(self.spec.edges.len(), |_| true);
    }

    pub fn selected_task(&self) -> Option<&crate::model::Task> {
        self.tasks
            .selected_row()
            .and_then(|i| self.spec.tasks.get(i))
    }

    pub fn selected_edge(&self) -> Option<&crate::model::Edge> {
        self.edges
            .selected_row()
            .and_then(|i| self.spec.edges.get(i))
    }

    pub fn setting(&self) -> Setting {
        Setting::ALL[self.setting.min(Setting::ALL.len() - 1)]
    }

    /// The parameters offered as inputs of the selected task: its function's
    /// parameters (those a keyword can name), then inputs set for names it does not
    /// list (a `**kwargs` function, or a function changed since).
    pub fn params(&self, library: &[FunctionRow]) -> Vec<String> {
        let Some(task) = self.selected_task() else {
            return Vec::new();
        };
        let mut out: Vec<String> = Vec::new();
        if let Some(fid) = &task.function_id {
            if let Some(r) = library.iter().find(|r| &r.function.id == fid) {
                out.extend(
                    r.function
                        .params
                        .iter()
                        .filter(|p| p.takes_input())
                        .map(|p| p.name.clone()),
                );
            }
        }
        for k in task.inputs.keys() {
            if !out.contains(k) {
                out.push(k.clone());
            }
        }
        out
    }

    /// Keeps the inputs list in step with the selected task's parameters.
    pub fn refresh_inputs(&mut self, library: &[FunctionRow]) {
        let n = self.params(library).len();
        self.inputs.refilter(n, |_| true);
    }

    pub fn selected_param(&self, library: &[FunctionRow]) -> Option<String> {
        let params = self.params(library);
        self.inputs
            .selected_row()
            .and_then(|i| params.get(i).cloned())
    }

    /// The graph box of the selected task.
    pub fn selected_node(&self) -> Option<usize> {
        self.selected_task()
            .and_then(|t| self.layout.index_of(&t.id))
    }

    pub fn select_task_id(&mut self, id: &str) {
        if let Some(i) = self.spec.tasks.iter().position(|t| t.id == id) {
            self.tasks.select_row(i);
        }
    }
}

/// What a text prompt is for; decides its check and what Enter does.
#[derive(Debug, Clone, PartialEq)]
pub enum TextPurpose {
    NewFlow,
    RenameFlow {
        flow_id: String,
        /// The version shown when the operator pressed rename: a rename over a newer
        /// version saved meanwhile is refused with who and when.
        version: u32,
    },
    DuplicateFlow {
        flow_id: String,
    },
    Setting(Setting),
    /// The variable id of a task about to be added (`None`: a docker task).
    NewTask {
        function_id: Option<String>,
    },
    RenameTask {
        task_id: String,
    },
    Literal {
        task_id: String,
        param: String,
    },
    Template {
        task_id: String,
        param: String,
    },
    RunParam {
        task_id: String,
        param: String,
    },
    /// The optional key inside an upstream task's output.
    OutputKey {
        task_id: String,
        param: String,
        from: String,
    },
}

/// A text field with a check run after every key: `check` holds the reading (e.g. the
/// schedule in words) or the problem.
#[derive(Debug, Clone)]
pub struct TextPrompt {
    pub title: String,
    pub field: Field,
    pub purpose: TextPurpose,
    pub note: String,
    pub check: Result<String, String>,
    /// A second field under the first, with its own reading: the new flow's schedule,
    /// so a new flow is named and scheduled in one form.
    pub second: Option<Box<SecondField>>,
    /// The second field has the keys (Tab / Enter move to it).
    pub on_second: bool,
}

/// The second field of a [`TextPrompt`] and its live reading.
#[derive(Debug, Clone)]
pub struct SecondField {
    pub field: Field,
    pub check: Result<String, String>,
}

impl TextPrompt {
    /// The field that has the keys.
    pub fn focused_mut(&mut self) -> &mut Field {
        match &mut self.second {
            Some(s) if self.on_second => &mut s.field,
            _ => &mut self.field,
        }
    }
}

/// What a picker's choice does.
#[derive(Debug, Clone, PartialEq)]
pub enum PickPurpose {
    /// A library function (or a docker task) for a new task.
    TaskFunction,
    /// How a parameter gets its value.
    InputKind {
        task_id: String,
        param: String,
    },
    /// The upstream task an input reads.
    InputTask {
        task_id: String,
        param: String,
    },
    EdgeFrom,
    EdgeTo {
        from: String,
    },
    /// An option to add to the options editor under the picker (F1); the item's value
    /// is the line to insert, its label the key.
    InsertOption,
    /// The environment to switch to (the item's value is its name).
    Environment,
}

#[derive(Debug, Clone)]
pub struct PickItem {
    pub label: String,
    pub detail: String,
    /// What choosing it means to the purpose (a function id, a task id, a kind).
    pub value: String,
}

#[derive(Debug, Clone)]
pub struct Picker {
    pub title: String,
    pub items: Vec<PickItem>,
    pub nav: ListNav,
    pub filter: Field,
    pub purpose: PickPurpose,
    /// For each item, the characters of its label the filter matched (char positions),
    /// for highlighting; empty when nothing is typed or only the detail matched.
    pub matched: Vec<Vec<u32>>,
}

impl Picker {
    pub fn new(title: impl Into<String>, items: Vec<PickItem>, purpose: PickPurpose) -> Picker {
        let mut p = Picker {
            title: title.into(),
            items,
            nav: ListNav::default(),
            filter: Field::single("Filter", ""),
            purpose,
            matched: Vec::new(),
        };
        p.refilter();
        p
    }

    /// Ranks the items against the filter (see [`super::rank`]): the best match first
    /// and selected, so Enter takes what was typed.
    pub fn refilter(&mut self) {
        let filter = self.filter.text();
        let pairs: Vec<(&str, &str)> = self
            .items
            .iter()
            .map(|i| (i.label.as_str(), i.detail.as_str()))
            .collect();
        let ranked = super::rank::rank(&filter, &pairs);
        self.matched = vec![Vec::new(); self.items.len()];
        let keep = self.nav.selected_row();
        self.nav.visible = ranked.iter().map(|r| r.index).collect();
        for r in ranked {
            self.matched[r.index] = r.positions;
        }
        if filter.trim().is_empty() {
            // Nothing typed: the selection stays where it was.
            if let Some(row) = keep {
                if self.nav.select_row(row) {
                    return;
                }
            }
        }
        self.nav.selected = 0;
        self.nav.offset = 0;
    }

    pub fn chosen(&self) -> Option<&PickItem> {
        self.nav.selected_row().and_then(|i| self.items.get(i))
    }
}

/// Which text the options editor edits.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionsTarget {
    Task { task_id: String },
    Defaults,
    Code { task_id: String },
}

#[derive(Debug, Clone)]
pub struct OptionsDialog {
    pub target: OptionsTarget,
    pub title: String,
    pub editor: OptionsEditor,
    /// python3 is checking the code.
    pub busy: Option<super::JobId>,
}

/// What a save would change, shown before it happens.
#[derive(Debug, Clone)]
pub struct DiffDialog {
    pub spec: FlowSpec,
    pub diff: FlowDiff,
    pub summary: DiffSummary,
    /// "v3 (deployed)" or "nothing deployed yet".
    pub against: String,
    pub scroll: usize,
    /// Set when this deploy will make Airflow start a run at once: the flow has a
    /// schedule, is unpaused on deploy and is paused or new in Airflow, so Airflow runs
    /// the latest interval as soon as it is unpaused. The sentence the dialog shows.
    pub starts_run: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RevisionsDialog {
    pub flow_id: String,
    pub revisions: Vec<Revision>,
    pub nav: ListNav,
    pub deployed: Option<u32>,
}

/// A long text to read (an import error's traceback), scrollable.
#[derive(Debug, Clone)]
pub struct TextView {
    pub title: String,
    pub lines: Vec<String>,
    pub scroll: usize,
}

/// A question with several answers: j/k choose, Enter takes the chosen one, Esc the
/// safe one (`on_cancel`).
#[derive(Debug, Clone)]
pub struct ChoiceDialog {
    pub title: String,
    pub body: String,
    pub choices: Vec<(String, Choice)>,
    pub selected: usize,
    pub on_cancel: Choice,
}

/// What an answer of a [`ChoiceDialog`] does.
#[derive(Debug, Clone)]
pub enum Choice {
    /// Show what the other operator changed (base → theirs).
    ShowTheirs(Box<super::event::ConflictDetails>),
    /// Apply my edits on top of theirs, into the editor.
    Merge(Box<super::event::ConflictDetails>),
    /// Save the draft as a new version over theirs.
    SaveMine(Box<super::event::ConflictDetails>),
    /// Close the question; the draft stays as it is.
    KeepEditing,
    /// Open a draft left by an ended flowdeck in the editor.
    Restore(Box<OfferedDraft>),
    /// Forget a draft left by an ended flowdeck.
    Discard(Box<crate::store::Draft>),
    /// Ask again at the next start.
    Later,
}

/// A draft offered for restoring at start-up, with the version it started from.
#[derive(Debug, Clone)]
pub struct OfferedDraft {
    pub draft: crate::store::Draft,
    /// The flow at the draft's base version (`None` for a flow never saved).
    pub base: Option<FlowSpec>,
}

#[derive(Debug, Clone)]
pub enum FlowDialog {
    Choice(ChoiceDialog),
    Text(TextPrompt),
    Pick(Picker),
    Options(OptionsDialog),
    Diff(DiffDialog),
    Revisions(RevisionsDialog),
    View(TextView),
}

impl FlowDialog {
    /// A form of two fields (Tab switches), not one.
    pub fn has_second_field(&self) -> bool {
        matches!(self, FlowDialog::Text(p) if p.second.is_some())
    }

    /// Keys go to a text field (the editor context) rather than to the dialog's keys.
    pub fn takes_text(&self) -> bool {
        matches!(
            self,
            FlowDialog::Text(_) | FlowDialog::Pick(_) | FlowDialog::Options(_)
        )
    }
}

/// What a confirmation in the Flows pane does on yes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowYes {
    DeleteFlow {
        flow_id: String,
        name: String,
        /// The version shown when the operator confirmed.
        version: u32,
    },
    RemoveTask {
        task_id: String,
    },
    LeaveEditor,
    DiscardOptions,
}

/// Reads a literal as TOML (`100`, `true`, `"text"`, `[1, 2]`, `{ a = 1 }`); anything
/// that is not a TOML value is taken as the string it reads as, which is what an
/// operator typing `eu-west` means.
pub fn parse_literal(text: &str) -> Result<Literal, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(Literal::Str(String::new()));
    }
    match toml::from_str::<toml::Table>(&format!("v = {trimmed}")) {
        Ok(mut t) => match t.remove("v") {
            Some(v) => Literal::from_toml(&v),
            None => Ok(Literal::Str(text.to_string())),
        },
        Err(_) => Ok(Literal::Str(text.to_string())),
    }
}

/// The live reading of a literal prompt.
pub fn describe_literal(text: &str) -> Result<String, String> {
    parse_literal(text).map(|l| match &l {
        Literal::Str(_) => format!("{} {}", l.type_name(), l.to_python()),
        _ => format!("{}: {}", l.type_name(), l.to_python()),
    })
}

/// Checks a schedule as typed against the wall clock `now`, giving its reading and, on a
/// second line, the next three runs from the flow's `start_date` on.
pub fn check_schedule_text(
    text: &str,
    start_date: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, String> {
    let t = text.trim();
    check_schedule_at(t, now)?;
    if t.is_empty() {
        return Ok("no schedule: the flow runs only when triggered".into());
    }
    let reading = describe_schedule(t);
    Ok(match next_runs_line(t, start_date, now) {
        Some(runs) => format!("{reading}\n{runs}"),
        None => reading,
    })
}

/// A start date as typed: `2024-11-11`, or a date-time at the start of a UTC day
/// (`2024-11-11T09:00:00+09:00`), as the flow document reads it.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    crate::model::document::date_from_toml(&toml::Value::String(text.trim().to_string()))
        .and_then(crate::model::flow::check_start_date)
}

/// Tags typed as `a, b, c`.
pub fn parse_tags(text: &str) -> Result<Vec<String>, String> {
    let tags: Vec<String> = text
        .split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    if let Some(long) = tags.iter().find(|t| t.chars().count() > 100) {
        return Err(format!(
            "tag `{}…` is longer than 100 characters",
            long.chars().take(20).collect::<String>()
        ));
    }
    Ok(tags)
}

/// A variable id not yet used in the flow, from a function's name.
pub fn free_variable_id(spec: &FlowSpec, base: &str) -> String {
    let base: String = base
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let base = if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
        format!("task_{base}")
    } else {
        base
    };
    if spec.task_by_var(&base).is_none() {
        return base;
    }
    (2..)
        .map(|n| format!("{base}_{n}"))
        .find(|v| spec.task_by_var(v).is_none())
        .unwrap_or(base)
}

/// Deploy state of a flow as the list shows it.
pub fn deploy_label(
    record: Option<&DeployRecord>,
    version: u32,
    draft: bool,
    offline: bool,
) -> String {
    use crate::model::deploy::DeployState;
    if draft {
        return "draft".into();
    }
    match record {
        None => "saved".into(),
        Some(d) if d.state == DeployState::Rendered && offline => "offline".into(),
        // Airflow is not answering: the stored state is only what it was then.
        Some(d) if offline && d.version == version => format!(
            "{} as of {}",
            d.state.label(),
            d.since.with_timezone(&chrono::Local).format("%H:%M")
        ),
        Some(d) if d.version == version => d.state.label().to_string(),
        Some(d) => format!("{} (v{})", d.state.label(), d.version),
    }
}

/// Stores `spec` expecting `base` in the database ("save mine anyway" passes the version
/// it overrides).
pub(super) fn store_with_base(
    state: &mut super::State,
    spec: crate::model::FlowSpec,
    base: crate::store::Base,
    fx: &mut Vec<super::Effect>,
) {
    // What the edits date from: the editor's original (its version, unless new).
    let started_from = state
        .flows
        .editor
        .as_ref()
        .and_then(|ed| (!ed.is_new).then_some(ed.original.flow.version));
    let label = format!("saving {}", crate::model::text::one_line(&spec.flow.name));
    let (id, e) = state.start_job(
        label,
        false,
        super::Job::SaveFlow {
            spec: Box::new(spec),
            base,
            started_from,
        },
    );
    if let Some(ed) = state.flows.editor.as_mut() {
        ed.busy = Some(id);
    }
    fx.push(e);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_read_as_toml_or_as_text() {
        assert_eq!(parse_literal("100"), Ok(Literal::Int(100)));
        assert_eq!(parse_literal("true"), Ok(Literal::Bool(true)));
        assert_eq!(parse_literal("\"a b\""), Ok(Literal::Str("a b".into())));
        assert_eq!(parse_literal("eu-west"), Ok(Literal::Str("eu-west".into())));
        assert!(describe_literal("100").is_ok_and(|d| d.contains("integer")));
    }

    #[test]
    fn free_ids_skip_taken_ones() {
        let spec = crate::model::sample::daily_sales();
        let taken = spec.tasks[0].variable_id.clone();
        assert_eq!(free_variable_id(&spec, &taken), format!("{taken}_2"));
        assert_eq!(free_variable_id(&spec, "9lives"), "task_9lives");
    }

    #[test]
    fn schedules_read_or_explain() {
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            check_schedule_text("0 9 * * 1#1", start, now).as_deref(),
            Ok("the first Monday of each month at 09:00 UTC\nnext runs 2026-03-02 09:00, 2026-04-06 09:00, 2026-05-04 09:00 UTC")
        );
        assert!(check_schedule_text("0 25 * * *", start, now).is_err());
        assert!(check_schedule_text("0 0 30 2 *", start, now)
            .unwrap_err()
            .contains("never fires"));
        assert!(check_schedule_text("", start, now).is_ok());
    }
}
