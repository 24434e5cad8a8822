//! The Runs pane: the runs of the flow selected in the Flows pane, live from Airflow.
//! A drill-down: runs list → grid (runs × tasks) → task detail → log, `Esc` backs out.
//! Actions (trigger, pause, clear, mark) are Airflow requests (`Job::Airflow`); their
//! answers come back through [`on_answer`], the poller's snapshots through [`on_poll`].
//!
//! The widgets keep their scroll offsets fitted to the last drawn size, so their states
//! live in `RefCell`s that drawing may update: cloning a 100,000-line log every frame to
//! keep drawing `&State`-only would cost more than it protects.

use super::airflow::{AirflowAnswer, AirflowJob};
use super::dialog::{Confirm, Dialog, MessageBox, OnYes};
pub use super::trigger::TriggerForm;
use super::{Effect, Job, Pane, State};
use crate::airflow::{DagRun, ManualState, PollEvent, RunKey, TaskInstance};
use crate::keymap::{Action, Context};
use crate::state::view::runs::{
    task_order_from_dag_tasks, GridState, GridView, LogAction, LogDocument, LogViewer, OutputView,
    RunView, RunsListState, TaskCellView, TaskDetailState, TaskInstanceView, TaskState,
};
use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// How often a running task's log is read again while it is shown.
pub const LOG_FOLLOW_EVERY: Duration = Duration::from_secs(2);

/// Where the keys go inside the pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    List,
    Grid,
    Detail,
    Log,
}

/// Widget states that drawing fits to the screen (see the module comment).
#[derive(Debug, Clone, Default)]
pub struct Widgets {
    pub list: RunsListState,
    pub grid: GridState,
    pub detail: TaskDetailState,
}

/// The task instance opened from the grid.
#[derive(Debug, Clone)]
pub struct Detail {
    pub run_id: String,
    pub task_id: String,
    /// From the poller until the detail request answers.
    pub ti: TaskInstanceView,
    pub output: OutputView,
}

/// The log of one task instance.
#[derive(Debug, Clone)]
pub struct LogPane {
    pub run_id: String,
    pub task_id: String,
    pub viewer: RefCell<LogViewer>,
    /// The try whose request is in flight.
    pub loading: Option<u32>,
    /// Where the next read of each try continues (Airflow's continuation token).
    pub tokens: BTreeMap<u32, String>,
    pub last_read: Option<Instant>,
    /// The last read of the try happened after the task finished: nothing more comes.
    pub complete: BTreeMap<u32, bool>,
}

#[derive(Debug, Clone, Default)]
pub struct RunsState {
    /// The flow shown (follows the Flows pane's selection while this pane is open).
    pub dag_id: Option<String>,
    /// Newest first, as the poller sends them.
    pub runs: Vec<RunView>,
    /// When the runs were last reported; `None` until the first report for this flow.
    pub runs_at: Option<Instant>,
    /// Task ids in the DAG's order (from Airflow's task list).
    pub task_order: Vec<String>,
    /// Task instances by run id.
    pub tis: HashMap<String, Vec<TaskInstance>>,
    pub grid: GridView,
    pub view: View,
    pub widgets: RefCell<Widgets>,
    pub detail: Option<Detail>,
    pub log: Option<LogPane>,
    /// The conf last sent or typed in the trigger form, per flow (JSON text).
    pub conf_drafts: HashMap<String, String>,
    /// The flow being read for the trigger form (`t` / `T`), and whether the form
    /// opens on its JSON view.
    pub trigger_load: Option<(super::JobId, bool)>,
    /// Runs triggered from here: followed (and announced when they finish) even while
    /// the pane is not shown.
    pub pinned: Vec<RunKey>,
    /// What the poller was last told to follow.
    pub watching: Option<(Vec<String>, Vec<RunKey>, Vec<String>)>,
    /// A fixed wall clock for tests; `None` is the real one.
    pub clock: Option<DateTime<Utc>>,
    /// A run just triggered from here: selected in the list and the grid as soon as it
    /// is listed (at once, and again when the poller's first report of it comes).
    pub select_next: Option<RunView>,
    /// Last known state of each run of the shown flow (to notice one finishing).
    seen: HashMap<String, TaskState>,
}

impl RunsState {
    pub fn wall_now(&self) -> DateTime<Utc> {
        self.clock.unwrap_or_else(Utc::now)
    }

    /// The (run, task) under the grid's cursor, or of the detail / log shown.
    pub fn selected_cell(&self) -> Option<(String, String)> {
        match self.view {
            View::Log => self
                .log
                .as_ref()
                .map(|l| (l.run_id.clone(), l.task_id.clone())),
            View::Detail => self
                .detail
                .as_ref()
                .map(|d| (d.run_id.clone(), d.task_id.clone())),
            View::List | View::Grid => self
                .widgets
                .borrow()
                .grid
                .selected(&self.grid)
                .map(|(r, t)| (r.to_string(), t.to_string())),
        }
    }

    /// The run selected in the list.
    pub fn selected_run(&self) -> Option<&RunView> {
        let i = self.widgets.borrow().list.selected_index(self.runs.len())?;
        self.runs.get(i)
    }

    pub fn ti(&self, run_id: &str, task_id: &str) -> Option<&TaskInstance> {
        self.tis
            .get(run_id)?
            .iter()
            .find(|t| t.task_id == task_id && t.map_index < 0)
            .or_else(|| self.tis.get(run_id)?.iter().find(|t| t.task_id == task_id))
    }

    /// Everything an Airflow said, gone (another environment is shown): the runs, the
    /// grid, the detail and log, runs followed; the conf drafts typed here stay.
    pub fn forget_airflow(&mut self) {
        *self = RunsState {
            clock: self.clock,
            conf_drafts: std::mem::take(&mut self.conf_drafts),
            ..RunsState::default()
        };
    }

    fn reset(&mut self, dag_id: Option<String>) {
        let pinned = std::mem::take(&mut self.pinned);
        let watching = self.watching.take();
        let clock = self.clock;
        let drafts = std::mem::take(&mut self.conf_drafts);
        *self = RunsState {
            dag_id,
            pinned,
            watching,
            clock,
            conf_drafts: drafts,
            ..RunsState::default()
        };
    }

    fn rebuild_grid(&mut self) {
        let cells: Vec<TaskCellView> = self
            .tis
            .values()
            .flatten()
            .filter_map(|t| serde_json::to_value(t).ok())
            .map(|v| TaskCellView::from(&v))
            .collect();
        self.grid = GridView::new(&self.runs, &self.task_order, &cells, Some(self.wall_now()));
    }

    /// Keeps the grid's column on the run selected in the list.
    fn grid_follows_list(&self) {
        let mut w = self.widgets.borrow_mut();
        let Some(run) = w.list.selected(&self.runs).map(|r| r.run_id.clone()) else {
            return;
        };
        let task = w
            .grid
            .selected(&self.grid)
            .map(|(_, t)| t.to_string())
            .or_else(|| self.grid.tasks().first().cloned());
        if let Some(task) = task {
            w.grid.select(&self.grid, &run, &task);
        }
    }

    /// Keeps the list's selection on the grid's column.
    fn list_follows_grid(&self) {
        let mut w = self.widgets.borrow_mut();
        if let Some(run) = w.grid.selected(&self.grid).map(|(r, _)| r.to_string()) {
            w.list.select_run(&self.runs, &run);
        }
    }
}

fn view_of_ti(ti: &TaskInstance) -> TaskInstanceView {
    serde_json::to_value(ti)
        .map(|v| TaskInstanceView::from(&v))
        .unwrap_or_default()
}

fn run_view(run: &DagRun) -> RunView {
    serde_json::to_value(run)
        .map(|v| RunView::from(&v))
        .unwrap_or_default()
}

fn short_run(run_id: &str) -> String {
    super::text::one_line(run_id)
}

fn flow_name(state: &State, dag_id: &str) -> String {
    state
        .flows
        .rows
        .iter()
        .find(|r| r.flow.id == dag_id)
        .map_or_else(|| dag_id.to_string(), |r| r.name.clone())
}

fn airflow_job(state: &mut State, label: String, quiet: bool, job: AirflowJob) -> Effect {
    state.start_job(label, quiet, Job::Airflow(job)).1
}

// ----- keeping up with the selection --------------------------------------------------

/// After every change: follow the Flows pane's selection, tell the poller what is on
/// screen, and fetch a log try that is shown but not read yet.
pub fn after_change(state: &mut State, fx: &mut Vec<Effect>) {
    if state.focus == Pane::Runs {
        let selected = state.flows.selected().map(|r| r.flow.id.clone());
        if selected != state.runs.dag_id {
            state.runs.reset(selected.clone());
            // The poller reports runs only when they change: show what it last said
            // now rather than "waiting" for a change that may never come.
            let known = selected
                .as_ref()
                .is_some_and(|d| state.airflow.runs.contains_key(d));
            if known {
                let snapshot = state.airflow.runs.clone();
                on_runs(state, snapshot, fx);
            }
            if let Some(dag_id) = selected {
                fx.push(airflow_job(
                    state,
                    "reading the flow's tasks from Airflow".into(),
                    true,
                    AirflowJob::DagTasks { dag_id },
                ));
            }
        }
    }
    sync_watch(state, fx);
    load_log_if_needed(state, fx);
}

/// Only what is visible is polled: the shown flow's runs and their task instances while
/// the pane is focused, plus runs triggered from here until they finish.
fn sync_watch(state: &mut State, fx: &mut Vec<Effect>) {
    let mut flows: Vec<String> = Vec::new();
    let mut runs: Vec<RunKey> = Vec::new();
    // The Flows list shows each flow's last run, and the open editor colours its graph
    // by the latest run's task states: those are on screen too.
    if state.focus == Pane::Flows {
        match &state.flows.editor {
            Some(ed) => {
                let dag = ed.spec.flow.id.clone();
                if let Some(run_id) = state.flows.latest_run.get(&dag) {
                    runs.push(RunKey::new(dag.clone(), run_id.clone()));
                }
                flows.push(dag);
            }
            None => flows.extend(state.flows.rows.iter().map(|r| r.flow.id.clone())),
        }
    }
    if state.focus == Pane::Runs {
        if let Some(dag) = &state.runs.dag_id {
            flows.push(dag.clone());
            runs.extend(
                state
                    .runs
                    .runs
                    .iter()
                    .map(|r| RunKey::new(dag.clone(), r.run_id.clone())),
            );
        }
    }
    for p in &state.runs.pinned {
        if !flows.contains(&p.dag_id) {
            flows.push(p.dag_id.clone());
        }
        if !runs.contains(p) {
            runs.push(p.clone());
        }
    }
    // DAG rows only where shown or needed: the editor's flow (the save dialog asks
    // whether it is paused) and the Runs pane's (its header, pause, trigger). The list
    // of flows needs none, so an open Flows pane never pages through every DAG.
    let mut dags: Vec<String> = Vec::new();
    if let Some(ed) = &state.flows.editor {
        dags.push(ed.spec.flow.id.clone());
    }
    if let Some(dag) = &state.runs.dag_id {
        if !dags.contains(dag) {
            dags.push(dag.clone());
        }
    }
    let want = (flows, runs, dags);
    if state.runs.watching.as_ref() != Some(&want) {
        state.runs.watching = Some(want.clone());
        fx.push(Effect::Watch {
            flows: want.0,
            runs: want.1,
            dags: want.2,
        });
    }
}

fn load_log_if_needed(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(dag_id) = state.runs.dag_id.clone() else {
        return;
    };
    let Some(log) = &mut state.runs.log else {
        return;
    };
    if log.loading.is_some() {
        return;
    }
    let Some(try_number) = log.viewer.borrow().needs_load() else {
        return;
    };
    log.loading = Some(try_number);
    let job = AirflowJob::Log {
        dag_id,
        run_id: log.run_id.clone(),
        task_id: log.task_id.clone(),
        try_number,
        token: None,
    };
    let label = format!("reading the log of {} (try {try_number})", log.task_id);
    fx.push(airflow_job(state, label, false, job));
}

/// Time passed: a log shown while its task runs is read again.
pub fn on_tick(state: &mut State, fx: &mut Vec<Effect>) {
    let now = state.now;
    let Some(dag_id) = state.runs.dag_id.clone() else {
        return;
    };
    let Some(log) = &state.runs.log else {
        return;
    };
    if state.runs.view != View::Log || log.loading.is_some() {
        return;
    }
    if log
        .last_read
        .is_some_and(|t| now.saturating_duration_since(t) < LOG_FOLLOW_EVERY)
    {
        return;
    }
    let Some(try_number) = log.viewer.borrow().current_try() else {
        return;
    };
    if log.complete.get(&try_number).copied().unwrap_or(false) {
        return;
    }
    let (run_id, task_id) = (log.run_id.clone(), log.task_id.clone());
    let token = log.tokens.get(&try_number).cloned();
    if let Some(log) = &mut state.runs.log {
        log.loading = Some(try_number);
    }
    let job = AirflowJob::Log {
        dag_id,
        run_id,
        task_id,
        try_number,
        token,
    };
    fx.push(airflow_job(state, "following the log".into(), true, job));
}

// ----- the poller's reports ------------------------------------------------------------

pub fn on_poll(state: &mut State, event: PollEvent, fx: &mut Vec<Effect>) {
    let now = state.now;
    // Any answer shows Airflow is there: the status bar's age is of the last answer,
    // not of the last health check (asked less often than the rest).
    if !matches!(event, PollEvent::Error { .. }) {
        if let Some((crate::state::AirflowHealth::Online { .. }, at)) = &mut state.status.health {
            *at = now;
        }
    }
    match event {
        // Health comes as `Event::AirflowHealth` (see `app::health_event`).
        PollEvent::Health { .. } => {}
        PollEvent::Dags { dags, scope, .. } => state.airflow.apply_dags(dags, scope, now),
        PollEvent::ImportErrors { errors, .. } => {
            state.airflow.import_errors = errors;
            state.airflow.import_errors_at = Some(now);
        }
        PollEvent::Runs { runs, .. } => on_runs(state, runs, fx),
        PollEvent::TaskInstances { run, tasks, .. } => on_task_instances(state, run, tasks),
        // Airflow answered and nothing changed: what is shown is current as of now.
        PollEvent::Answered { kind, .. } => match kind {
            crate::airflow::PollKind::Runs => {
                let shown = state.runs.dag_id.as_ref();
                if state.runs.runs_at.is_some()
                    && shown.is_some_and(|d| state.airflow.runs.contains_key(d))
                {
                    state.runs.runs_at = Some(now);
                }
            }
            crate::airflow::PollKind::Dags => state.airflow.dags_at = Some(now),
            crate::airflow::PollKind::ImportErrors => state.airflow.import_errors_at = Some(now),
            _ => {}
        },
        PollEvent::Error { kind, error, .. } => {
            state.warn(format!("Airflow ({}): {error}", kind_name(kind)));
        }
    }
}

/// A run triggered from here: listed at once (newest first) and selected in the list and
/// the grid, so Enter and `L` open its tasks; kept selected when the poller's report,
/// which may not list it yet, comes.
fn select_new_run(rs: &mut RunsState, run: &DagRun) {
    if !rs.runs.iter().any(|r| r.run_id == run.run_id) {
        rs.runs.insert(0, run_view(run));
        rs.rebuild_grid();
    }
    rs.widgets
        .borrow_mut()
        .list
        .select_run(&rs.runs, &run.run_id);
    rs.grid_follows_list();
    rs.select_next = Some(run_view(run));
}

fn kind_name(kind: crate::airflow::PollKind) -> &'static str {
    use crate::airflow::PollKind;
    match kind {
        PollKind::Health => "health",
        PollKind::Dags => "DAG list",
        PollKind::ImportErrors => "import errors",
        PollKind::Runs => "runs",
        PollKind::TaskInstances => "task instances",
    }
}

fn on_runs(state: &mut State, runs: BTreeMap<String, Vec<DagRun>>, fx: &mut Vec<Effect>) {
    state.airflow.runs.clone_from(&runs);
    // Runs triggered from here: announce when they end, wherever the operator is.
    let mut done: Vec<(RunKey, String)> = Vec::new();
    for key in &state.runs.pinned {
        if let Some(run) = runs
            .get(&key.dag_id)
            .and_then(|rs| rs.iter().find(|r| r.run_id == key.run_id))
        {
            if run.state.is_finished() {
                done.push((key.clone(), run.state.to_string()));
            }
        }
    }
    // Newest run of every watched flow, for the Flows list and the editor's graph.
    let mut last = state.flows.last_runs.clone();
    for (dag, list) in &runs {
        if let Some(newest) = list.iter().max_by_key(|r| r.run_after.or(r.logical_date)) {
            last.insert(dag.clone(), newest.state.to_string());
            state
                .flows
                .latest_run
                .insert(dag.clone(), newest.run_id.clone());
        }
    }
    state.flows.set_last_runs(last);
    let shown = state.runs.dag_id.clone();
    if let Some(list) = shown.as_ref().and_then(|d| runs.get(d)) {
        let views: Vec<RunView> = list.iter().map(run_view).collect();
        let baseline = state.runs.runs_at.is_none();
        for v in &views {
            let before = state.runs.seen.get(&v.run_id).copied();
            let pinned = done.iter().any(|(k, _)| k.run_id == v.run_id);
            let ended = before.is_some_and(|b| !b.is_finished()) && v.state.is_finished();
            if ended && !baseline && !pinned {
                if let Some(dag) = &shown {
                    done.push((
                        RunKey::new(dag.clone(), v.run_id.clone()),
                        v.state.as_str().into(),
                    ));
                }
            }
        }
        state.runs.seen = views.iter().map(|v| (v.run_id.clone(), v.state)).collect();
        let mut views = views;
        let wanted = match state.runs.select_next.clone() {
            Some(new) if views.iter().any(|v| v.run_id == new.run_id) => {
                state.runs.select_next = None;
                Some(new.run_id)
            }
            // Airflow answered the trigger with the run; its list may lag a report.
            Some(new) => {
                let id = new.run_id.clone();
                views.insert(0, new);
                Some(id)
            }
            None => None,
        };
        let keep = wanted.or_else(|| {
            state
                .runs
                .widgets
                .borrow()
                .list
                .selected(&state.runs.runs)
                .map(|r| r.run_id.clone())
        });
        state.runs.runs = views;
        state.runs.runs_at = Some(state.now);
        let ids: Vec<&str> = state.runs.runs.iter().map(|r| r.run_id.as_str()).collect();
        state.runs.tis.retain(|run, _| ids.contains(&run.as_str()));
        state.runs.rebuild_grid();
        {
            let rs = &state.runs;
            let mut w = rs.widgets.borrow_mut();
            match keep {
                Some(id) => {
                    w.list.select_run(&rs.runs, &id);
                }
                None => w.list.first(),
            }
        }
        if state.runs.view == View::List {
            state.runs.grid_follows_list();
        } else {
            state.runs.list_follows_grid();
        }
    }
    for (key, outcome) in done {
        state.runs.pinned.retain(|k| k != &key);
        let text = format!(
            "run {} of {} finished: {outcome}",
            short_run(&key.run_id),
            flow_name(state, &key.dag_id)
        );
        if outcome == "success" {
            state.info(text);
        } else {
            state.error(text);
        }
        fx.push(Effect::Bell);
    }
}

fn on_task_instances(state: &mut State, run: RunKey, tasks: Vec<TaskInstance>) {
    if state.flows.latest_run.get(&run.dag_id) == Some(&run.run_id) {
        let by_task = tasks
            .iter()
            .filter_map(|t| Some((t.task_id.clone(), t.state.as_ref()?.as_str().to_string())))
            .collect();
        state.flows.task_states.insert(run.dag_id.clone(), by_task);
    }
    if state.runs.dag_id.as_deref() != Some(run.dag_id.as_str()) {
        return;
    }
    let run_id = run.run_id;
    state.runs.tis.insert(run_id.clone(), tasks);
    state.runs.rebuild_grid();
    if state.runs.view == View::List {
        state.runs.grid_follows_list();
    }
    // The detail and the log shown follow the instance: its state, and new tries.
    let (detail_key, log_key) = (
        state
            .runs
            .detail
            .as_ref()
            .map(|d| (d.run_id.clone(), d.task_id.clone())),
        state
            .runs
            .log
            .as_ref()
            .map(|l| (l.run_id.clone(), l.task_id.clone())),
    );
    if let Some((r, t)) = detail_key.filter(|(r, _)| *r == run_id) {
        if let Some(ti) = state.runs.ti(&r, &t).map(view_of_ti) {
            if let Some(d) = &mut state.runs.detail {
                // Keep what only the detail request knows (hostname, pool…).
                let keep = std::mem::take(&mut d.ti);
                d.ti = TaskInstanceView {
                    hostname: keep.hostname,
                    pool: keep.pool,
                    queue: keep.queue,
                    note: keep.note,
                    rendered_map_index: keep.rendered_map_index,
                    ..ti
                };
            }
        }
    }
    if let Some((r, t)) = log_key.filter(|(r, _)| *r == run_id) {
        if let Some(ti) = state.runs.ti(&r, &t).cloned() {
            if let Some(log) = &mut state.runs.log {
                let mut v = log.viewer.borrow_mut();
                let before = v.try_numbers().len();
                v.set_try_count(ti.try_number.max(1));
                let grew = v.try_numbers().len() != before;
                drop(v);
                // A try that was complete is not any more when the task runs again.
                if grew || !ti.state.as_ref().is_some_and(|s| s.is_finished()) {
                    log.complete.insert(ti.try_number, false);
                }
            }
        }
    }
}

// ----- keys ----------------------------------------------------------------------------

/// The keymap contexts while the pane has the keys: the log's first when it is open.
pub fn contexts(state: &State) -> Option<Vec<Context>> {
    if state.focus != Pane::Runs || state.runs.view != View::Log {
        return None;
    }
    let log = state.runs.log.as_ref()?;
    if log.viewer.borrow().is_prompting() {
        return Some(vec![Context::Editor]);
    }
    Some(vec![Context::Log, Context::Runs, Context::Global])
}

/// Text typed while the pane has a text field: the log's search prompt. True when used.
pub fn type_into(state: &mut State, ev: KeyEvent) -> bool {
    if state.focus != Pane::Runs || state.runs.view != View::Log {
        return false;
    }
    let Some(log) = &state.runs.log else {
        return false;
    };
    let mut v = log.viewer.borrow_mut();
    if !v.is_prompting() {
        return false;
    }
    v.handle_key(&ev)
}

/// The pane's keys; false for keys it leaves to the global table.
pub fn action(state: &mut State, action: Action, fx: &mut Vec<Effect>) -> bool {
    if state.runs.view == View::Log && log_action(state, action) {
        return true;
    }
    match action {
        Action::Trigger => open_trigger(state, false, fx),
        Action::TriggerWithConf => open_trigger(state, true, fx),
        Action::TogglePause => toggle_pause(state, fx),
        Action::ImportErrors => show_import_errors(state),
        Action::ClearTask | Action::ClearDownstream => {
            clear(state, action == Action::ClearDownstream, fx)
        }
        Action::MarkSuccess => confirm_mark(state, ManualState::Success),
        Action::MarkFailed => confirm_mark(state, ManualState::Failed),
        Action::OpenLog => open_log(state, fx),
        _ => return navigate(state, action, fx),
    }
    true
}

fn navigate(state: &mut State, action: Action, fx: &mut Vec<Effect>) -> bool {
    let rs = &mut state.runs;
    let len = rs.runs.len();
    match rs.view {
        View::List => {
            {
                let mut w = rs.widgets.borrow_mut();
                match action {
                    Action::MoveUp => w.list.previous(),
                    Action::MoveDown => w.list.next(len),
                    Action::PageUp => w.list.page_up(),
                    Action::PageDown => w.list.page_down(len),
                    Action::First => w.list.first(),
                    Action::Last => w.list.last(len),
                    Action::Open | Action::MoveRight => {
                        drop(w);
                        if !rs.grid.is_empty() {
                            rs.grid_follows_list();
                            rs.view = View::Grid;
                        }
                        return true;
                    }
                    Action::Back | Action::MoveLeft => {
                        drop(w);
                        state.focus = Pane::Flows;
                        return true;
                    }
                    _ => return false,
                }
            }
            rs.grid_follows_list();
            true
        }
        View::Grid => {
            {
                let mut w = rs.widgets.borrow_mut();
                let g = &rs.grid;
                match action {
                    Action::MoveUp => w.grid.up(g),
                    Action::MoveDown => w.grid.down(g),
                    Action::MoveLeft => w.grid.left(g),
                    Action::MoveRight => w.grid.right(g),
                    Action::PageUp => w.grid.page_up(g),
                    Action::PageDown => w.grid.page_down(g),
                    Action::First => w.grid.first_task(g),
                    Action::Last => w.grid.last_task(g),
                    Action::Back => {
                        drop(w);
                        rs.view = View::List;
                        rs.list_follows_grid();
                        return true;
                    }
                    Action::Open => {
                        drop(w);
                        open_detail(state, fx);
                        return true;
                    }
                    _ => return false,
                }
            }
            rs.list_follows_grid();
            true
        }
        View::Detail => {
            // j/k move to the run's previous / next task (as in the grid); the output
            // scrolls with PageUp/PageDown, Home/End.
            if matches!(action, Action::MoveUp | Action::MoveDown) {
                {
                    let mut w = rs.widgets.borrow_mut();
                    let before = w
                        .grid
                        .selected(&rs.grid)
                        .map(|(r, t)| (r.to_string(), t.to_string()));
                    if action == Action::MoveUp {
                        w.grid.up(&rs.grid);
                    } else {
                        w.grid.down(&rs.grid);
                    }
                    let after = w
                        .grid
                        .selected(&rs.grid)
                        .map(|(r, t)| (r.to_string(), t.to_string()));
                    if before == after {
                        return true;
                    }
                }
                // The grid view's cursor is what `selected_cell` reads in the detail's place.
                rs.view = View::Grid;
                open_detail(state, fx);
                return true;
            }
            let mut w = rs.widgets.borrow_mut();
            match action {
                Action::PageUp => w.detail.page_up(),
                Action::PageDown => w.detail.page_down(),
                Action::First => w.detail.top(),
                Action::Last => w.detail.bottom(),
                Action::Back | Action::MoveLeft => {
                    drop(w);
                    rs.view = View::Grid;
                    rs.detail = None;
                }
                Action::Open | Action::MoveRight => {
                    drop(w);
                    open_log(state, fx);
                }
                _ => return false,
            }
            true
        }
        View::Log => false,
    }
}

fn log_action(state: &mut State, action: Action) -> bool {
    let Some(log) = &state.runs.log else {
        return false;
    };
    let mut v = log.viewer.borrow_mut();
    if v.is_prompting() {
        // Enter and Esc reach here as actions (the keymap's editor context).
        match action {
            Action::Submit | Action::Save => {
                v.confirm_search();
            }
            Action::Cancel | Action::Back => v.cancel_search(),
            _ => {}
        }
        return true;
    }
    let la = match action {
        Action::MoveDown => LogAction::Down(1),
        Action::MoveUp => LogAction::Up(1),
        Action::PageDown => LogAction::PageDown,
        Action::PageUp => LogAction::PageUp,
        Action::First => LogAction::Top,
        Action::Last => LogAction::Bottom,
        Action::MoveLeft => LogAction::Left,
        Action::MoveRight => LogAction::Right,
        Action::Filter => LogAction::StartSearch,
        Action::NextMatch => LogAction::NextMatch,
        Action::PrevMatch => LogAction::PrevMatch,
        Action::ToggleWrap => LogAction::ToggleWrap,
        Action::ToggleFollow => LogAction::ToggleFollow,
        Action::FirstTraceback => LogAction::FirstTraceback,
        Action::NextTraceback => LogAction::NextTraceback,
        Action::NextTry => LogAction::NextTry,
        Action::PrevTry => LogAction::PrevTry,
        Action::Back if v.search_query().is_some() => LogAction::ClearSearch,
        Action::Back => {
            drop(v);
            state.runs.log = None;
            state.runs.view = if state.runs.detail.is_some() {
                View::Detail
            } else {
                View::Grid
            };
            return true;
        }
        _ => return false,
    };
    v.apply(la);
    if la == LogAction::FirstTraceback && v.document().is_some_and(|d| d.tracebacks().is_empty()) {
        drop(v);
        state.info("no traceback in this log");
    }
    true
}

fn open_detail(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(dag_id) = state.runs.dag_id.clone() else {
        return;
    };
    let Some((run_id, task_id)) = state.runs.selected_cell() else {
        return;
    };
    let ti = state.runs.ti(&run_id, &task_id).map_or_else(
        || TaskInstanceView {
            dag_id: dag_id.clone(),
            run_id: run_id.clone(),
            task_id: task_id.clone(),
            map_index: -1,
            ..TaskInstanceView::default()
        },
        view_of_ti,
    );
    state.runs.detail = Some(Detail {
        run_id: run_id.clone(),
        task_id: task_id.clone(),
        ti,
        output: OutputView::Loading,
    });
    state.runs.widgets.borrow_mut().detail = TaskDetailState::default();
    state.runs.view = View::Detail;
    let label = format!("reading task {task_id}");
    fx.push(airflow_job(
        state,
        label,
        true,
        AirflowJob::TaskDetail {
            dag_id,
            run_id,
            task_id,
        },
    ));
}

fn open_log(state: &mut State, fx: &mut Vec<Effect>) {
    let Some((run_id, task_id)) = state.runs.selected_cell() else {
        state.warn("no task selected: choose a cell of the grid first");
        return;
    };
    if let Some(reason) = state
        .runs
        .ti(&run_id, &task_id)
        .and_then(|t| t.no_log_reason(None))
    {
        state.warn(reason);
        return;
    }
    let tries = state
        .runs
        .ti(&run_id, &task_id)
        .map_or(1, |t| t.try_number.max(1));
    let mut viewer = LogViewer::new();
    viewer.set_try_count(tries);
    state.runs.log = Some(LogPane {
        run_id,
        task_id,
        viewer: RefCell::new(viewer),
        loading: None,
        tokens: BTreeMap::new(),
        last_read: None,
        complete: BTreeMap::new(),
    });
    state.runs.view = View::Log;
    load_log_if_needed(state, fx);
}

// ----- actions -------------------------------------------------------------------------

fn shown_dag(state: &mut State) -> Option<String> {
    let dag = state.runs.dag_id.clone();
    if dag.is_none() {
        state.warn("select a flow in the Flows pane first");
    }
    dag
}

pub fn trigger(state: &mut State, conf: Option<Value>, fx: &mut Vec<Effect>) {
    let Some(dag_id) = shown_dag(state) else {
        return;
    };
    let label = format!("triggering {}", flow_name(state, &dag_id));
    fx.push(airflow_job(
        state,
        label,
        false,
        AirflowJob::Trigger { dag_id, conf },
    ));
}

/// `t` / `T`: reads the flow for its run parameters; the form opens when it is read
/// ([`on_trigger_flow`]).
fn open_trigger(state: &mut State, json: bool, fx: &mut Vec<Effect>) {
    if state.runs.trigger_load.is_some() {
        // Read already (a second `t` before the form opened): one form, one answer.
        return;
    }
    let Some(dag_id) = shown_dag(state) else {
        return;
    };
    let (id, e) = state.start_job(
        "reading the run parameters",
        true,
        Job::LoadFlow { flow_id: dag_id },
    );
    state.runs.trigger_load = Some((id, json));
    fx.push(e);
}

/// The flow of a trigger is read: the form with its run parameters. `t` on a flow
/// without any triggers at once, as Airflow's own form does for a DAG without params.
pub fn on_trigger_flow(state: &mut State, result: super::JobResult, fx: &mut Vec<Effect>) {
    let Some((_, json)) = state.runs.trigger_load.take() else {
        return;
    };
    let super::JobResult::FlowLoaded { flow_id, result } = result else {
        return;
    };
    let params = match result {
        Ok(spec) => {
            let library: Vec<_> = state
                .functions
                .rows
                .iter()
                .map(|r| r.function.clone())
                .collect();
            super::trigger::run_params(&spec, &library)
        }
        Err(e) => {
            // A flow only Airflow knows (deleted here): the JSON conf still works.
            if !json {
                state.warn(format!("cannot read the flow's run parameters: {e}"));
            }
            Vec::new()
        }
    };
    if params.is_empty() && !json {
        trigger(state, None, fx);
        return;
    }
    let last: Option<serde_json::Map<String, Value>> = state
        .runs
        .conf_drafts
        .get(&flow_id)
        .and_then(|t| serde_json::from_str(t).ok());
    let mut form = TriggerForm::new(
        flow_id.clone(),
        flow_name(state, &flow_id),
        params,
        last.as_ref(),
    );
    if json {
        match state.runs.conf_drafts.get(&flow_id) {
            // A draft that is not an object is shown as it was left.
            Some(text) if last.is_none() => {
                form.conf.set_text(text);
                form.json = true;
            }
            _ => {
                let _ = form.toggle_json();
                form.json = true;
            }
        }
    }
    state.dialogs.push(Dialog::TriggerConf(Box::new(form)));
}

/// Keys of the trigger form. Fields: Enter or Tab goes to the next field, Enter on the
/// last triggers. JSON: Enter is a new line (JSON spans lines). `C-s` triggers from
/// anywhere, `F2` switches the views.
pub fn conf_form_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    let Some(Dialog::TriggerConf(form)) = state.dialogs.last_mut() else {
        return;
    };
    let send = match action {
        Action::Submit if form.json => {
            form.conf.newline();
            false
        }
        Action::Submit => {
            let last = form.focus + 1 >= form.fields.len();
            if !last {
                form.next_field();
            }
            last
        }
        Action::Complete | Action::MoveDown if !form.json => {
            form.next_field();
            false
        }
        Action::PrevField | Action::MoveUp if !form.json => {
            form.prev_field();
            false
        }
        Action::ToggleJson => {
            if let Err(e) = form.toggle_json() {
                form.error = Some(e);
            }
            false
        }
        Action::Save => true,
        Action::Cancel => {
            let draft = form.draft().map(|text| (form.dag_id.clone(), text));
            state.dialogs.pop();
            if let Some((dag_id, text)) = draft {
                state.runs.conf_drafts.insert(dag_id, text);
            }
            return;
        }
        _ => false,
    };
    if !send {
        return;
    }
    match form.conf() {
        Ok(conf) => {
            let dag_id = form.dag_id.clone();
            let text = conf
                .as_ref()
                .map_or_else(|| "{}".to_string(), Value::to_string);
            state.runs.conf_drafts.insert(dag_id.clone(), text);
            state.dialogs.pop();
            let label = format!("triggering {}", flow_name(state, &dag_id));
            fx.push(airflow_job(
                state,
                label,
                false,
                AirflowJob::Trigger { dag_id, conf },
            ));
        }
        Err(e) => form.error = Some(e),
    }
}

/// Keys typed into the trigger form: Up/Down move between the fields.
pub fn type_into_conf(form: &mut TriggerForm, ev: KeyEvent) {
    use crossterm::event::KeyCode;
    if !form.json {
        match ev.code {
            KeyCode::Down => return form.next_field(),
            KeyCode::Up => return form.prev_field(),
            _ => {}
        }
    }
    if form.field_mut().is_some_and(|f| f.input(ev)) {
        form.error = None;
    }
}

fn toggle_pause(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(dag_id) = shown_dag(state) else {
        return;
    };
    let Some(dag) = state.airflow.dag(&dag_id) else {
        state.warn(
            "Airflow does not list this flow (not deployed yet, or its file fails to import)",
        );
        return;
    };
    let paused = !dag.is_paused;
    let label = format!(
        "{} {}",
        if paused { "pausing" } else { "unpausing" },
        flow_name(state, &dag_id)
    );
    fx.push(airflow_job(
        state,
        label,
        false,
        AirflowJob::SetPaused { dag_id, paused },
    ));
}

fn clear(state: &mut State, downstream: bool, fx: &mut Vec<Effect>) {
    let Some(dag_id) = shown_dag(state) else {
        return;
    };
    let Some((run_id, task_id)) = state.runs.selected_cell() else {
        state.warn("no task selected: choose a cell of the grid first");
        return;
    };
    // Airflow's dry run says exactly what would be cleared; the confirmation lists it.
    let label = format!("asking Airflow what clearing {task_id} touches");
    fx.push(airflow_job(
        state,
        label,
        false,
        AirflowJob::Clear {
            dag_id,
            run_id,
            task_ids: vec![task_id],
            downstream,
            dry_run: true,
        },
    ));
}

fn confirm_mark(state: &mut State, to: ManualState) {
    let Some(dag_id) = shown_dag(state) else {
        return;
    };
    let Some((run_id, task_id)) = state.runs.selected_cell() else {
        state.warn("no task selected: choose a cell of the grid first");
        return;
    };
    let now = state
        .runs
        .ti(&run_id, &task_id)
        .and_then(|t| t.state.as_ref().map(ToString::to_string))
        .unwrap_or_else(|| "no status".into());
    state.dialogs.push(Dialog::Confirm(Confirm {
        title: format!("Mark {task_id} {}?", to.as_str()),
        body: format!(
            "Task {task_id} of run {} is {now}.\nMark it {} in Airflow? Downstream tasks then run (or not) as if it had ended so.",
            short_run(&run_id),
            to.as_str()
        ),
        yes: format!("mark {}", to.as_str()),
        on_yes: OnYes::MarkTask {
            dag_id,
            run_id,
            task_id,
            state: to,
        },
    }));
}

fn show_import_errors(state: &mut State) {
    let errors = state.airflow.flowdeck_import_errors();
    if state.airflow.import_errors_at.is_none() {
        state.dialogs.push(MessageBox::error(
            "Import errors",
            "Airflow has not answered yet: nothing is known about import errors.",
        ));
        return;
    }
    if errors.is_empty() {
        state.dialogs.push(Dialog::Message(MessageBox {
            title: "Import errors".into(),
            body: "No import errors in flowdeck's DAG files.".into(),
            error: false,
        }));
        return;
    }
    let mut body = String::new();
    for (flow_id, e) in &errors {
        let row = state.flows.rows.iter().find(|r| &r.flow.id == flow_id);
        let name = row.map_or_else(|| format!("(unknown flow {flow_id})"), |r| r.name.clone());
        let task = crate::render::task_of_traceback(&e.stack_trace)
            .or_else(|| row.and_then(|r| r.deploy.as_ref()?.error_task.clone()));
        body.push_str(&format!("{name} — {}", e.filename));
        if let Some(t) = task {
            body.push_str(&format!(" (in task `{t}`)"));
        }
        body.push('\n');
        // The end of a traceback says what went wrong; the start is Airflow's frames.
        let lines: Vec<&str> = e
            .stack_trace
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        for l in &lines[lines.len().saturating_sub(4)..] {
            body.push_str("  ");
            body.push_str(l);
            body.push('\n');
        }
        body.push('\n');
    }
    state.dialogs.push(MessageBox::error(
        format!("Import errors ({})", errors.len()),
        body.trim_end(),
    ));
}

/// A confirmation answered yes.
pub fn on_yes(state: &mut State, on_yes: OnYes, fx: &mut Vec<Effect>) {
    match on_yes {
        OnYes::ClearTasks {
            dag_id,
            run_id,
            task_ids,
            downstream,
        } => {
            let label = format!("clearing {}", task_ids.join(", "));
            fx.push(airflow_job(
                state,
                label,
                false,
                AirflowJob::Clear {
                    dag_id,
                    run_id,
                    task_ids,
                    downstream,
                    dry_run: false,
                },
            ));
        }
        OnYes::MarkTask {
            dag_id,
            run_id,
            task_id,
            state: to,
        } => {
            let label = format!("marking {task_id} {}", to.as_str());
            fx.push(airflow_job(
                state,
                label,
                false,
                AirflowJob::Mark {
                    dag_id,
                    run_id,
                    task_id,
                    state: to,
                },
            ));
        }
        OnYes::Quit
        | OnYes::DeleteFunction { .. }
        | OnYes::Flow(_)
        | OnYes::Promote { .. }
        | OnYes::RepairDagsFolder { .. } => {}
    }
}

// ----- Airflow's answers -----------------------------------------------------------------

pub fn on_answer(state: &mut State, answer: AirflowAnswer, fx: &mut Vec<Effect>) {
    match answer {
        AirflowAnswer::DagTasks { dag_id, result } => {
            if state.runs.dag_id.as_deref() != Some(dag_id.as_str()) {
                return;
            }
            match result {
                Ok(tasks) => {
                    let v = serde_json::json!({ "tasks": tasks });
                    state.runs.task_order = task_order_from_dag_tasks(&v);
                    state.runs.rebuild_grid();
                }
                // Not deployed yet, or Airflow away: the grid orders tasks as it sees them.
                Err(e) => tracing::info!(error = %e, "no task order from Airflow"),
            }
        }
        AirflowAnswer::TaskDetail {
            run_id,
            task_id,
            ti,
            xcom,
            ..
        } => {
            let Some(d) = &mut state.runs.detail else {
                return;
            };
            if d.run_id != run_id || d.task_id != task_id {
                return;
            }
            match ti {
                Ok(ti) => d.ti = view_of_ti(&ti),
                Err(e) => {
                    d.output = OutputView::error(&e);
                    return;
                }
            }
            d.output = match xcom {
                Ok(Some(value)) => {
                    OutputView::from_xcom_json(&serde_json::json!({ "value": value }))
                }
                Ok(None) => OutputView::Missing,
                Err(e) => OutputView::error(&e),
            };
        }
        AirflowAnswer::Log {
            run_id,
            task_id,
            try_number,
            continued,
            result,
            ..
        } => on_log(state, &run_id, &task_id, try_number, continued, result),
        AirflowAnswer::Triggered { dag_id, result } => match result {
            Ok(run) => {
                let paused = state.airflow.dag(&dag_id).is_some_and(|d| d.is_paused);
                let mut text = format!(
                    "triggered run {} of {}",
                    short_run(&run.run_id),
                    flow_name(state, &dag_id)
                );
                if paused {
                    text.push_str(": the flow is paused in Airflow, so it waits (p unpauses)");
                    state.warn(text);
                } else {
                    state.info(text);
                }
                if state.runs.dag_id.as_deref() == Some(dag_id.as_str()) {
                    select_new_run(&mut state.runs, &run);
                }
                state.runs.pinned.push(RunKey::new(dag_id, run.run_id));
                fx.push(Effect::PollNow);
            }
            Err(e) => state.error(format!("cannot trigger {}: {e}", flow_name(state, &dag_id))),
        },
        AirflowAnswer::Paused {
            dag_id,
            paused,
            result,
        } => match result {
            Ok(dag) => {
                state.airflow.dags.insert(dag_id.clone(), dag);
                state.info(format!(
                    "{} is {} in Airflow",
                    flow_name(state, &dag_id),
                    if paused {
                        "paused"
                    } else {
                        "active (unpaused)"
                    }
                ));
                fx.push(Effect::PollNow);
            }
            Err(e) => state.error(format!(
                "cannot {} {}: {e}",
                if paused { "pause" } else { "unpause" },
                flow_name(state, &dag_id)
            )),
        },
        AirflowAnswer::Cleared {
            dag_id,
            run_id,
            task_ids,
            downstream,
            dry_run,
            result,
        } => match result {
            Ok(tis) if dry_run => {
                if tis.is_empty() {
                    state.dialogs.push(Dialog::Message(MessageBox {
                        title: "Nothing to clear".into(),
                        body: format!(
                            "Airflow says clearing {} in run {} touches no task instance.",
                            task_ids.join(", "),
                            short_run(&run_id)
                        ),
                        error: false,
                    }));
                    return;
                }
                let mut body = format!(
                    "Airflow will clear these task instances of run {} and run them again:\n",
                    short_run(&run_id)
                );
                for t in &tis {
                    let st = t
                        .state
                        .as_ref()
                        .map_or("no status".into(), ToString::to_string);
                    let map = if t.map_index >= 0 {
                        format!("[{}]", t.map_index)
                    } else {
                        String::new()
                    };
                    body.push_str(&format!(
                        "  • {}{map}  {st}, try {}\n",
                        t.task_id, t.try_number
                    ));
                }
                state.dialogs.push(Dialog::Confirm(Confirm {
                    title: format!(
                        "Clear {}{}?",
                        task_ids.join(", "),
                        if downstream { " and downstream" } else { "" }
                    ),
                    body: body.trim_end().to_string(),
                    yes: format!("clear {}", tis.len()),
                    on_yes: OnYes::ClearTasks {
                        dag_id,
                        run_id,
                        task_ids,
                        downstream,
                    },
                }));
            }
            Ok(tis) => {
                let names: Vec<&str> = tis.iter().map(|t| t.task_id.as_str()).collect();
                state.info(format!(
                    "cleared {} task instance{} of run {}: {}; they run again",
                    tis.len(),
                    if tis.len() == 1 { "" } else { "s" },
                    short_run(&run_id),
                    names.join(", ")
                ));
                let _ = dag_id;
                fx.push(Effect::PollNow);
            }
            Err(e) => state.error(format!("cannot clear {}: {e}", task_ids.join(", "))),
        },
        AirflowAnswer::Marked {
            run_id,
            task_id,
            state: to,
            result,
            ..
        } => match result {
            Ok(()) => {
                state.info(format!(
                    "marked {task_id} of run {} {}",
                    short_run(&run_id),
                    to.as_str()
                ));
                fx.push(Effect::PollNow);
            }
            Err(e) => state.error(format!("cannot mark {task_id} {}: {e}", to.as_str())),
        },
    }
}

fn on_log(
    state: &mut State,
    run_id: &str,
    task_id: &str,
    try_number: u32,
    continued: bool,
    result: Result<Value, String>,
) {
    let now = state.now;
    let finished = state
        .runs
        .ti(run_id, task_id)
        .map(|t| {
            // An earlier try is over whatever the task does now.
            t.try_number > try_number || t.state.as_ref().is_some_and(|s| s.is_finished())
        })
        .unwrap_or(true);
    let Some(log) = &mut state.runs.log else {
        return;
    };
    if log.run_id != run_id || log.task_id != task_id {
        return;
    }
    if log.loading == Some(try_number) {
        log.loading = None;
    }
    log.last_read = Some(now);
    let body = match result {
        Ok(body) => body,
        Err(e) => {
            let mut doc = LogDocument::new();
            doc.push_text(&format!("cannot read this log: {e}"));
            let mut v = log.viewer.borrow_mut();
            if v.document().is_none() || !continued {
                v.set_try(try_number, doc);
            }
            drop(v);
            // No retry loop against a failing Airflow: following stops here.
            log.complete.insert(try_number, true);
            return;
        }
    };
    let token = crate::state::view::runs::log::continuation_token(&body).map(str::to_string);
    {
        let mut v = log.viewer.borrow_mut();
        if continued {
            v.append(try_number, &body);
        } else {
            v.set_try(try_number, LogDocument::from_response(&body));
        }
    }
    match token {
        Some(t) => {
            log.tokens.insert(try_number, t);
        }
        // Without a token the next read is the whole log again (replacing this one).
        None => {
            log.tokens.remove(&try_number);
        }
    }
    log.complete.insert(try_number, finished);
}
