//! What the screen is about: focus, lists, dialogs, jobs in flight, messages. Pure: no
//! I/O and no drawing. Keys become actions through the keymap (`on_key`), actions and
//! events change the state (`update`, `on_event`) and return the effects the app must
//! run; their answers come back as `Event::Job`.
//!
//! # How a pane plugs in
//! 1. **State**: a module here (`flows.rs`, `runs.rs`) with the pane's struct, and a
//!    field in [`State`]. Give lists a [`list::ListNav`] so filtering, paging and
//!    mouse hits work like everywhere else (`State::nav_mut`, `refilter_focused`).
//! 2. **Keys**: actions in `keymap::Action` (snake_case, a doc line each) and bindings
//!    with `desc` (and `hint` for the status bar) under the pane's context in
//!    `assets/keymap.toml`. The help and the hints follow by themselves.
//! 3. **Actions**: the pane's arm in `pane_action` (`flows_action`, `runs_action`, or a
//!    `*_actions.rs` module like `functions_actions`); return true for keys it used.
//!    Dialogs and text fields: a `dialog::Dialog` variant and its arm in
//!    `dialog_action`; unsaved work: `State::set_dirty` (asked about before quitting).
//! 4. **Work**: a `Job` variant (what to do) and a `JobResult` variant (the answer) in
//!    `event.rs`; the app's worker (`app/worker.rs`) runs it off the UI thread. Start it
//!    with `State::start_job` (the spinner shows its label and elapsed time) and handle
//!    the answer in `on_job`. Events from outside (the Airflow poller, deploys) are
//!    `Event` variants sent to the app's channel.
//! 5. **Drawing**: `ui/<pane>.rs`, called from `ui::draw`; it reads the state only and
//!    records hit areas in [`Screen`].

pub mod airflow;
pub mod command;
pub mod dialog;
pub mod environment;
pub mod event;
pub mod findings;
pub mod flow_editor;
pub mod flows;
pub mod functions;
pub mod input;
pub mod list;
pub mod live;
pub mod rank;
pub mod runs;
pub mod status;
pub mod team;
pub mod text;
pub mod trigger;
pub mod view;

mod conflicts;
mod flows_actions;
mod functions_actions;
mod promote;
mod reconcile;

pub use conflicts::offer_drafts;
pub use event::{Effect, Event, FlowsData, Job, JobId, JobResult, LibraryData, StoreUpdate};
pub use status::{AirflowHealth, Level};

use crate::keymap::{Action, Context, Key, Keymap};
use command::Command;
use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use dialog::{Confirm, Dialog, MessageBox, OnYes};
use input::Field;
use ratatui::layout::{Position, Rect};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Functions,
    Flows,
    Runs,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::Functions, Pane::Flows, Pane::Runs];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Functions => "Functions",
            Pane::Flows => "Flows",
            Pane::Runs => "Runs",
        }
    }

    pub fn context(self) -> Context {
        match self {
            Pane::Functions => Context::Functions,
            Pane::Flows => Context::Flows,
            Pane::Runs => Context::Runs,
        }
    }

    fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    fn offset(self, by: isize) -> Pane {
        let n = Pane::ALL.len() as isize;
        Pane::ALL[((self.index() as isize + by).rem_euclid(n)) as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeKind {
    Dark,
    Light,
    /// NO_COLOR: emphasis by bold and reverse video only.
    NoColor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Filter,
    Command,
}

/// The one-line input at the bottom: a list filter or the command line.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub kind: PromptKind,
    pub field: Field,
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct JobInfo {
    pub label: String,
    pub started: Instant,
    /// Quick background work (previews, completion) only shows a spinner when it is
    /// slow, so moving through a list does not flicker the status bar.
    pub quiet: bool,
    /// Answered by the current environment's Airflow or deploy target (see
    /// `Job::is_environment_bound`): forgotten when the environment is switched.
    pub airflow: bool,
}

/// Quiet jobs show a spinner after this long.
pub const QUIET_AFTER: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, Default)]
pub struct Help {
    pub scroll: usize,
}

/// Where the last frame put things, reported by the UI after drawing so clicks can be
/// mapped to rows and paging knows the page size. Drawing stays read-only.
#[derive(Debug, Clone, Default)]
pub struct Screen {
    pub tabs: Vec<(Rect, Pane)>,
    /// The focused pane's list rows and the first row drawn.
    pub list: Option<ListArea>,
    pub preview: Option<Rect>,
    pub picker: Option<ListArea>,
    pub help_rows: usize,
    pub help_scroll: usize,
    /// The preview's first line as drawn (scrolling past the end stops there).
    pub preview_scroll: Option<usize>,
    /// The flow editor's graph: the offset it was drawn at (kept to show the selection).
    pub graph: Option<(u32, u32)>,
}

#[derive(Debug, Clone, Copy)]
pub struct ListArea {
    pub pane: Pane,
    pub rows: Rect,
    pub offset: usize,
}

/// What the state starts from.
#[derive(Debug, Clone)]
pub struct Init {
    pub airflow_url: String,
    pub db_path: String,
    pub theme: ThemeKind,
    pub now: Instant,
}

#[derive(Debug, Clone)]
pub struct State {
    pub focus: Pane,
    pub functions: functions::FunctionsState,
    pub flows: flows::FlowsState,
    pub runs: runs::RunsState,
    /// Airflow's DAGs and import errors as the poller last reported them.
    pub airflow: airflow::AirflowView,
    /// Bottom of the stack is drawn first; the top one gets the keys.
    pub dialogs: Vec<Dialog>,
    pub help: Option<Help>,
    pub prompt: Option<Prompt>,
    pub status: status::Status,
    pub jobs: BTreeMap<JobId, JobInfo>,
    pub theme: ThemeKind,
    /// The time of the event being handled; drawing measures ages against it.
    pub now: Instant,
    /// The same moment on the wall clock (for "changed 3 min ago").
    pub wall_now: chrono::DateTime<chrono::Utc>,
    /// Unsaved work that panes report (key → what), asked about before quitting.
    pub dirty: BTreeMap<String, String>,
    pub screen: Screen,
    pub quit: bool,
    /// The terminal went away or a signal ended flowdeck (not the operator's quit):
    /// unsaved edits are kept as a draft rather than dropped.
    pub terminated: bool,
    /// Who else works on this database, and what they changed last.
    pub team: team::TeamState,
    /// What start-up found (`!` lists it).
    pub findings: findings::Findings,
    /// The config's environments and the one shown (see [`environment`]).
    pub env: environment::Environments,
    next_job: u64,
}

impl State {
    pub fn new(init: Init) -> State {
        State {
            focus: Pane::Functions,
            functions: functions::FunctionsState::default(),
            flows: flows::FlowsState::default(),
            runs: runs::RunsState::default(),
            airflow: airflow::AirflowView::default(),
            dialogs: Vec::new(),
            help: None,
            prompt: None,
            status: status::Status::new(&init.airflow_url, &init.db_path),
            jobs: BTreeMap::new(),
            theme: init.theme,
            now: init.now,
            wall_now: chrono::Utc::now(),
            dirty: BTreeMap::new(),
            screen: Screen::default(),
            quit: false,
            terminated: false,
            team: team::TeamState::default(),
            findings: findings::Findings::default(),
            env: environment::Environments::implicit(&init.airflow_url),
            next_job: 1,
        }
    }

    pub fn set_now(&mut self, now: Instant) {
        self.now = now;
        self.wall_now = chrono::Utc::now();
    }

    /// Takes what the UI drew: list offsets it settled on, hit areas for the mouse.
    pub fn set_screen(&mut self, screen: Screen) {
        if let Some(l) = screen.list {
            match l.pane {
                Pane::Functions => self.functions.nav.offset = l.offset,
                Pane::Flows => self.flows.nav.offset = l.offset,
                Pane::Runs => {}
            }
        }
        if let (Some(p), Some(Dialog::Register(form))) = (screen.picker, self.dialogs.last_mut()) {
            form.pick.offset = p.offset;
        }
        if let Some(h) = &mut self.help {
            h.scroll = screen.help_scroll;
        }
        if let (Some(offset), Some(ed)) = (screen.graph, &mut self.flows.editor) {
            ed.graph_offset = offset;
        }
        if let (Some(scroll), Some(p)) = (screen.preview_scroll, &mut self.functions.preview) {
            p.scroll = scroll;
        }
        self.screen = screen;
    }

    /// The keymap contexts that apply now, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        if self.help.is_some() {
            return vec![Context::Dialog];
        }
        if let Some(d) = self.dialogs.last() {
            return vec![if d.takes_text() {
                Context::Editor
            } else {
                Context::Dialog
            }];
        }
        if self.prompt.is_some() {
            return vec![Context::Editor];
        }
        if let Some(c) = runs::contexts(self) {
            return c;
        }
        vec![self.focus.context(), Context::Global]
    }

    /// A pane reports unsaved work (`Some(what)`) or that it is saved (`None`).
    pub fn set_dirty(&mut self, key: &str, what: Option<String>) {
        match what {
            Some(w) => {
                self.dirty.insert(key.to_string(), w);
            }
            None => {
                self.dirty.remove(key);
            }
        }
    }

    /// Everything that would be lost by quitting now.
    pub fn unsaved(&self) -> Vec<String> {
        let mut out: Vec<String> = self.dirty.values().cloned().collect();
        for d in &self.dialogs {
            match d {
                Dialog::Register(f) if !f.path.text().trim().is_empty() => {
                    out.push("a function registration in progress".into())
                }
                Dialog::Edit(f) if f.changed() => out.push(format!(
                    "edits to function `{}`",
                    text::one_line(&f.original_name)
                )),
                Dialog::Flow(f) => {
                    if let flow_editor::FlowDialog::Options(o) = f.as_ref() {
                        if o.editor.is_dirty() {
                            out.push(format!("the text in “{}”", text::one_line(&o.title)));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    pub fn info(&mut self, text: impl Into<String>) {
        let now = self.now;
        self.status.dialogs = self.dialogs.len();
        self.status.push(Level::Info, text, now);
    }

    pub fn warn(&mut self, text: impl Into<String>) {
        let now = self.now;
        self.status.dialogs = self.dialogs.len();
        self.status.push(Level::Warning, text, now);
    }

    pub fn error(&mut self, text: impl Into<String>) {
        let now = self.now;
        self.status.dialogs = self.dialogs.len();
        self.status.push(Level::Error, text, now);
    }

    /// Registers a job in flight (for the spinner) and returns the effect that runs it.
    pub fn start_job(
        &mut self,
        label: impl Into<String>,
        quiet: bool,
        job: Job,
    ) -> (JobId, Effect) {
        let id = JobId(self.next_job);
        self.next_job += 1;
        self.jobs.insert(
            id,
            JobInfo {
                label: label.into(),
                started: self.now,
                quiet,
                airflow: job.is_environment_bound(),
            },
        );
        (id, Effect::Run(id, job))
    }

    /// The wait to show in the status bar: the oldest job that is not quiet (or a quiet
    /// one that became slow), and how many others are running.
    pub fn shown_job(&self) -> Option<(&JobInfo, usize)> {
        let mut shown: Vec<&JobInfo> = self
            .jobs
            .values()
            .filter(|j| !j.quiet || self.now.saturating_duration_since(j.started) >= QUIET_AFTER)
            .collect();
        // What the user asked for first, then background work that became slow.
        shown.sort_by_key(|j| (j.quiet, j.started));
        shown.first().map(|j| (*j, shown.len() - 1))
    }

    fn page(&self) -> isize {
        self.screen
            .list
            .map_or(10, |l| l.rows.height.max(1) as isize)
    }

    fn nav_mut(&mut self) -> Option<&mut list::ListNav> {
        match self.focus {
            Pane::Functions => Some(&mut self.functions.nav),
            Pane::Flows => Some(&mut self.flows.nav),
            Pane::Runs => None,
        }
    }

    /// After the filter changed: a selection the filter hides moves to the first match
    /// (what the operator is looking for), not to wherever its position lands.
    fn refilter_focused(&mut self) {
        let before = self.nav_mut().and_then(|n| n.selected_row());
        match self.focus {
            Pane::Functions => self.functions.refilter(),
            Pane::Flows => self.flows.refilter(),
            Pane::Runs => {}
        }
        if let Some(nav) = self.nav_mut() {
            if nav.selected_row() != before {
                nav.selected = 0;
                nav.offset = 0;
            }
        }
    }

    fn request_quit(&mut self, fx: &mut Vec<Effect>) {
        let asking = matches!(
            self.dialogs.last(),
            Some(Dialog::Confirm(Confirm {
                on_yes: OnYes::Quit,
                ..
            }))
        );
        let unsaved = self.unsaved();
        if unsaved.is_empty() || asking {
            // Asked already and pressed quit again: that is an answer.
            self.quit = true;
            fx.push(Effect::Quit);
            return;
        }
        self.help = None;
        // Each item names what is unsaved ("edits to flow `x`", "the text in …"), some
        // plural, some not: the sentence after the list needs no number agreement.
        let list = if unsaved.len() == 1 {
            format!("Not saved: {}.", unsaved[0])
        } else {
            format!(
                "Not saved:\n{}",
                unsaved
                    .iter()
                    .map(|u| format!("• {u}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        };
        // With flow edits the dialog also offers to save them first (its foot).
        self.dialogs.push(Dialog::Confirm(Confirm {
            title: "Quit flowdeck?".into(),
            body: format!("{list}\nQuitting now throws that away."),
            yes: "quit without saving".into(),
            on_yes: OnYes::Quit,
        }));
    }
}

/// The effects to run right after start-up (the first frame is already drawn).
pub fn start(state: &mut State) -> Vec<Effect> {
    let mut fx = Vec::new();
    let (_, e) = state.start_job("checking source files", true, Job::CheckSources);
    fx.push(e);
    // Missing, stale or orphaned DAG files are reported at start-up, not fixed behind
    // the operator's back (`:reconcile` repairs).
    let (_, e) = state.start_job(
        "checking the dags folder",
        true,
        Job::Reconcile(event::ReconcileJob::Startup),
    );
    fx.push(e);
    after_change(state, &mut fx);
    fx
}

/// Everything that is not a key: time, mouse, resize, answers to jobs, Airflow.
pub fn on_event(state: &mut State, keymap: &Keymap, event: Event) -> Vec<Effect> {
    let mut fx = Vec::new();
    match event {
        Event::Key(key) => return on_key(state, keymap, key),
        Event::Mouse(m) => on_mouse(state, m, &mut fx),
        Event::Resize(..) => {}
        Event::Tick => {
            state.status.expire(state.now);
            runs::on_tick(state, &mut fx);
            live::keep_draft(state, &mut fx);
        }
        Event::Terminate => {
            state.quit = true;
            state.terminated = true;
            fx.push(Effect::Quit);
        }
        Event::AirflowHealth(h) => {
            flows_actions::on_health(state, &h, &mut fx);
            state.status.health = Some((h, state.now));
        }
        Event::Airflow(poll) => runs::on_poll(state, *poll, &mut fx),
        Event::Deploy(record) => flows_actions::on_deploy(state, *record, &mut fx),
        Event::Job(id, result) => on_job(state, id, *result, &mut fx),
        Event::Store(update) => live::on_store(state, *update, &mut fx),
        Event::Drafts(drafts) => live::on_drafts(state, drafts),
        Event::FromEnvironment(epoch, inner) => {
            if epoch == state.env.epoch {
                return on_event(state, keymap, *inner);
            }
            // The old environment's Airflow: nothing of it is shown any more.
            if let Event::Job(id, _) = *inner {
                state.jobs.remove(&id);
            }
        }
    }
    after_change(state, &mut fx);
    fx
}

/// A key press: the keymap's action for the current contexts, else text for the field
/// that has the focus.
pub fn on_key(state: &mut State, keymap: &Keymap, ev: KeyEvent) -> Vec<Effect> {
    let key = Key::from_event(&ev);
    // The options editor and pickers take their keys before the keymap does (Enter is
    // a new line in the editor, arrows move in a picker).
    if flows_actions::raw_key(state, ev) {
        let mut fx = Vec::new();
        after_change(state, &mut fx);
        return fx;
    }
    let contexts = state.contexts();
    if let Some(action) = keymap.lookup(&contexts, key) {
        return update(state, action);
    }
    let mut fx = Vec::new();
    if contexts == [Context::Editor] {
        type_into(state, ev);
    }
    after_change(state, &mut fx);
    fx
}

fn type_into(state: &mut State, ev: KeyEvent) {
    if matches!(state.dialogs.last(), Some(Dialog::Flow(_))) {
        flows_actions::type_into(state, ev);
        return;
    }
    if let Some(top) = state.dialogs.last_mut() {
        match top {
            Dialog::Register(form) => {
                if form.busy.is_some() {
                    return;
                }
                let on_path = form.step == dialog::RegisterStep::Path;
                if let Some(field) = form.field_mut() {
                    if field.input(ev) {
                        form.error = None;
                        if on_path {
                            form.completions.clear();
                        }
                    }
                }
            }
            Dialog::Edit(form) => {
                if form.busy.is_none() && form.field_mut().input(ev) {
                    form.error = None;
                }
            }
            Dialog::TriggerConf(form) => runs::type_into_conf(form, ev),
            Dialog::Confirm(_) | Dialog::Message(_) | Dialog::Flow(_) => {}
        }
        return;
    }
    if runs::type_into(state, ev) {
        return;
    }
    let Some(prompt) = &mut state.prompt else {
        return;
    };
    if prompt.field.input(ev) {
        prompt.error = None;
        if prompt.kind == PromptKind::Filter {
            let filter = prompt.field.text();
            if let Some(nav) = state.nav_mut() {
                nav.filter = filter;
            }
            state.refilter_focused();
        }
    }
}

/// Applies an action to whatever has the keys: the help, the top dialog, the prompt, or
/// the focused pane.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    if action == Action::Quit {
        state.request_quit(&mut fx);
    } else if let Some(refused) = environment::refusal(state, action) {
        // A read-only environment: the key says so and does nothing (a question it
        // answered closes).
        if matches!(state.dialogs.last(), Some(Dialog::Confirm(_))) {
            state.dialogs.pop();
        }
        state.error(refused);
    } else if state.help.is_some() {
        help_action(state, action);
    } else if !state.dialogs.is_empty() {
        dialog_action(state, action, &mut fx);
    } else if state.prompt.is_some() {
        prompt_action(state, action, &mut fx);
    } else {
        pane_action(state, action, &mut fx);
    }
    after_change(state, &mut fx);
    fx
}

fn help_action(state: &mut State, action: Action) {
    let page = state.screen.help_rows.max(1) as isize;
    let Some(help) = &mut state.help else {
        return;
    };
    // The UI clamps the scroll to the help's length and reports it back.
    let scroll = |h: &mut Help, by: isize| h.scroll = h.scroll.saturating_add_signed(by);
    match action {
        Action::Help | Action::Cancel | Action::Submit | Action::Confirm | Action::Back => {
            state.help = None
        }
        Action::MoveUp => scroll(help, -1),
        Action::MoveDown => scroll(help, 1),
        Action::PageUp => scroll(help, -page),
        Action::PageDown => scroll(help, page),
        Action::First => help.scroll = 0,
        Action::Last => help.scroll = usize::MAX / 2,
        _ => {}
    }
}

fn dialog_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    let Some(top) = state.dialogs.last() else {
        return;
    };
    match top {
        Dialog::Confirm(c) => match action {
            Action::Confirm => {
                let on_yes = c.on_yes.clone();
                state.dialogs.pop();
                match on_yes {
                    OnYes::Quit => {
                        state.quit = true;
                        fx.push(Effect::Quit);
                    }
                    OnYes::DeleteFunction { name } => functions_actions::delete(state, name, fx),
                    OnYes::RepairDagsFolder { confirmed } => {
                        reconcile::repair(state, confirmed, fx)
                    }
                    OnYes::Flow(yes) => flows_actions::confirmed(state, yes, fx),
                    OnYes::Promote {
                        to,
                        flow_id,
                        name,
                        version,
                    } => promote::confirmed(state, to, flow_id, &name, version, fx),
                    other => runs::on_yes(state, other, fx),
                }
            }
            Action::Cancel | Action::Back => {
                state.dialogs.pop();
            }
            // Quitting with unsaved flow edits: save them first (the usual diff and y).
            Action::Save if c.on_yes == OnYes::Quit && state.flows.editor_dirty() => {
                state.dialogs.pop();
                flows_actions::save_then_quit(state, fx);
            }
            Action::Help => state.help = Some(Help::default()),
            // Enter never confirms (a reflex must not delete or quit): say which key does.
            Action::Submit => {
                let yes = c.yes.clone();
                state.info(format!("y to {yes}, n or Esc to keep things as they are"));
            }
            _ => {}
        },
        Dialog::Message(_) => match action {
            Action::Submit | Action::Confirm | Action::Cancel | Action::Back => {
                state.dialogs.pop();
            }
            Action::Help => state.help = Some(Help::default()),
            _ => {}
        },
        Dialog::Register(_) => functions_actions::register_form_action(state, action, fx),
        Dialog::Edit(_) => functions_actions::edit_form_action(state, action, fx),
        Dialog::TriggerConf(_) => runs::conf_form_action(state, action, fx),
        Dialog::Flow(_) => flows_actions::dialog_action(state, action, fx),
    }
}

fn prompt_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    let Some(prompt) = &mut state.prompt else {
        return;
    };
    match (prompt.kind, action) {
        (PromptKind::Filter, Action::Submit | Action::Save) => state.prompt = None,
        (PromptKind::Filter, Action::Cancel) => {
            state.prompt = None;
            if let Some(nav) = state.nav_mut() {
                nav.filter.clear();
            }
            state.refilter_focused();
        }
        (PromptKind::Command, Action::Submit | Action::Save) => {
            let line = prompt.field.text();
            match command::parse(&line) {
                Ok(None) => state.prompt = None,
                Ok(Some(cmd)) => {
                    state.prompt = None;
                    run_command(state, cmd, fx);
                }
                Err(e) => prompt.error = Some(e),
            }
        }
        (PromptKind::Command, Action::Cancel) => state.prompt = None,
        (PromptKind::Command, Action::Complete) => {
            // Completes the path of `:function add PATH`.
            let line = prompt.field.text();
            if let Ok(words) = command::split(&line) {
                let is_add = words.len() == 3
                    && matches!(words[0].as_str(), "function" | "fn" | "f")
                    && words[1] == "add";
                if is_add && !line.ends_with(' ') {
                    let (_, e) = state.start_job(
                        "completing the path",
                        true,
                        Job::CompletePath {
                            input: words[2].clone(),
                        },
                    );
                    fx.push(e);
                }
            }
        }
        _ => {}
    }
}

fn run_command(state: &mut State, cmd: Command, fx: &mut Vec<Effect>) {
    match cmd {
        Command::Quit { force: true } => {
            state.quit = true;
            fx.push(Effect::Quit);
        }
        Command::Quit { force: false } => state.request_quit(fx),
        Command::Help => state.help = Some(Help::default()),
        Command::Messages => show_messages(state),
        Command::Focus(p) => state.focus = p,
        Command::Refresh => refresh(state, fx),
        Command::Reconcile => {
            let (_, e) = state.start_job(
                "checking the dags folder",
                false,
                Job::Reconcile(event::ReconcileJob::Check),
            );
            fx.push(e);
        }
        Command::Filter(text) => {
            if let Some(nav) = state.nav_mut() {
                nav.filter = text;
            }
            state.refilter_focused();
        }
        Command::FunctionAdd { path, function } => {
            state.focus = Pane::Functions;
            // Registering copies the file into the dags folder.
            if let Err(e) = state.env.check_writable() {
                state.error(e);
                return;
            }
            functions_actions::open_register(state, &path, function, fx);
        }
        Command::Environment(None) => environment::open_picker(state),
        Command::Environment(Some(name)) => environment::switch(state, &name, fx),
        Command::FunctionEdit { name } => {
            state.focus = Pane::Functions;
            if select_function(state, &name) {
                functions_actions::open_edit(state);
            }
        }
        Command::FunctionRm { name } => {
            state.focus = Pane::Functions;
            if select_function(state, &name) {
                functions_actions::confirm_delete(state);
            }
        }
    }
}

/// Selects a function by name (clearing a filter that hides it); says so when unknown.
fn select_function(state: &mut State, name: &str) -> bool {
    let Some(row) = state
        .functions
        .rows
        .iter()
        .position(|r| r.function.name == name)
    else {
        let names: Vec<&str> = state
            .functions
            .rows
            .iter()
            .map(|r| r.function.name.as_str())
            .collect();
        let hint = crate::model::text::nearest(name, names)
            .map(|n| format!("; did you mean `{}`?", text::one_line(n)))
            .unwrap_or_default();
        state.error(format!(
            "there is no function `{}`{hint}",
            text::one_line(name)
        ));
        return false;
    };
    if !state.functions.nav.select_row(row) {
        state.functions.nav.filter.clear();
        state.functions.refilter();
        state.functions.nav.select_row(row);
    }
    true
}

fn refresh(state: &mut State, fx: &mut Vec<Effect>) {
    for (label, job) in [
        ("loading the library", Job::LoadLibrary),
        ("loading flows", Job::LoadFlows),
    ] {
        let (_, e) = state.start_job(label, false, job);
        fx.push(e);
    }
    let (_, e) = state.start_job("checking source files", true, Job::CheckSources);
    fx.push(e);
    // And Airflow: everything on screen is read again and reported even if unchanged.
    fx.push(Effect::PollNow);
}

fn pane_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    // The focused pane sees its keys first; what it leaves is handled the same way for
    // every pane.
    let handled = match state.focus {
        Pane::Functions => functions_actions::action(state, action, fx),
        Pane::Flows => flows_actions::action(state, action, fx),
        Pane::Runs => runs::action(state, action, fx),
    };
    if handled {
        return;
    }
    let page = state.page();
    match action {
        Action::Help => state.help = Some(Help::default()),
        Action::NextPane => state.focus = state.focus.offset(1),
        Action::PrevPane => state.focus = state.focus.offset(-1),
        Action::FocusFunctions => state.focus = Pane::Functions,
        Action::FocusFlows => state.focus = Pane::Flows,
        Action::FocusRuns => state.focus = Pane::Runs,
        Action::Refresh => refresh(state, fx),
        Action::Findings => findings::show(state),
        Action::Environments => environment::open_picker(state),
        Action::CommandLine => {
            state.prompt = Some(Prompt {
                kind: PromptKind::Command,
                field: Field::single("", ""),
                error: None,
            })
        }
        Action::Filter => {
            if let Some(nav) = state.nav_mut() {
                let current = nav.filter.clone();
                state.prompt = Some(Prompt {
                    kind: PromptKind::Filter,
                    field: Field::single("", &current),
                    error: None,
                });
            }
        }
        Action::Back => {
            if let Some(nav) = state.nav_mut() {
                if !nav.filter.is_empty() {
                    nav.filter.clear();
                    state.refilter_focused();
                }
            }
        }
        Action::MoveUp
        | Action::MoveDown
        | Action::PageUp
        | Action::PageDown
        | Action::First
        | Action::Last => {
            if let Some(nav) = state.nav_mut() {
                match action {
                    Action::MoveUp => nav.move_by(-1),
                    Action::MoveDown => nav.move_by(1),
                    Action::PageUp => nav.move_by(-page),
                    Action::PageDown => nav.move_by(page),
                    Action::First => nav.first(),
                    _ => nav.last(),
                }
            }
        }
        _ => {}
    }
}

fn on_mouse(state: &mut State, m: MouseEvent, fx: &mut Vec<Effect>) {
    let at = Position::new(m.column, m.row);
    let inside = |r: &Rect| r.contains(at);
    match m.kind {
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let by: isize = if m.kind == MouseEventKind::ScrollDown {
                3
            } else {
                -3
            };
            if let Some(h) = &mut state.help {
                h.scroll = h.scroll.saturating_add_signed(by);
            } else if let Some(Dialog::Register(form)) = state.dialogs.last_mut() {
                if form.step == dialog::RegisterStep::Pick {
                    form.pick.move_by(by.signum());
                }
            } else if !state.dialogs.is_empty() || state.prompt.is_some() {
                // The wheel does nothing under a dialog or while typing.
            } else if state.focus == Pane::Functions
                && (state.functions.detail || state.screen.preview.as_ref().is_some_and(inside))
            {
                state.functions.scroll_preview(by);
            } else if let Some(nav) = state.nav_mut() {
                nav.move_by(by.signum());
            }
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if state.help.is_some() {
                return;
            }
            if let Some(Dialog::Register(form)) = state.dialogs.last_mut() {
                if let Some(p) = state.screen.picker.filter(|p| inside(&p.rows)) {
                    // The picker draws two lines per function.
                    let pos = p.offset + usize::from(at.y - p.rows.y) / 2;
                    if form.step == dialog::RegisterStep::Pick && pos < form.pick.len() {
                        form.pick.selected = pos;
                    }
                }
                return;
            }
            if !state.dialogs.is_empty() {
                return;
            }
            state.prompt = None;
            if let Some((_, pane)) = state.screen.tabs.iter().find(|(r, _)| inside(r)) {
                state.focus = *pane;
                return;
            }
            if let Some(l) = state
                .screen
                .list
                .filter(|l| l.pane == state.focus && inside(&l.rows))
            {
                let pos = l.offset + usize::from(at.y - l.rows.y);
                if let Some(nav) = state.nav_mut() {
                    if pos < nav.len() {
                        let again = nav.selected == pos;
                        nav.selected = pos;
                        // A click on the selected row opens it, like Enter.
                        if again {
                            pane_action(state, Action::Open, fx);
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

fn on_job(state: &mut State, id: JobId, result: JobResult, fx: &mut Vec<Effect>) {
    state.jobs.remove(&id);
    for d in &mut state.dialogs {
        match d {
            Dialog::Register(f) if f.busy == Some(id) => f.busy = None,
            Dialog::Edit(f) if f.busy == Some(id) => f.busy = None,
            _ => {}
        }
    }
    match result {
        JobResult::Superseded | JobResult::DraftKept(Ok(())) => {}
        JobResult::DraftKept(Err(e)) => state.warn(format!(
            "cannot keep your unsaved draft in the database: {e}"
        )),
        JobResult::Flows(Ok(data)) => state.flows.apply(data),
        JobResult::Airflow(answer) => runs::on_answer(state, answer, fx),
        JobResult::Reconciled { job, result } => reconcile::on_reconciled(state, job, result, fx),
        JobResult::PromotionPlanned { from, to, result } => {
            promote::on_planned(state, from, to, result)
        }
        JobResult::Promoted { to, result } => promote::on_promoted(state, to, result),
        JobResult::Flows(Err(e)) => {
            state.flows.loading = functions::Loading::Failed(e.clone());
            state.error(format!("cannot load flows: {e}"));
        }
        r @ JobResult::FlowLoaded { .. }
            if state.runs.trigger_load.is_some_and(|(job, _)| job == id) =>
        {
            runs::on_trigger_flow(state, r, fx)
        }
        other if other.is_flows() => flows_actions::on_job(state, other, fx),
        other => functions_actions::on_job(state, other, fx),
    }
}

/// Keeps derived requests in step with the selection (the preview of the selected
/// function), whatever moved it: a key, a click, a filter or a reload.
/// `:messages`: every message said since start (the last [`status::LOG_LEN`]), newest
/// last, with its age and level.
fn show_messages(state: &mut State) {
    let now = state.now;
    let body = if state.status.log.is_empty() {
        "No messages yet.".to_string()
    } else {
        state
            .status
            .log
            .iter()
            .map(|m| {
                let level = match m.level {
                    Level::Info => "info ",
                    Level::Warning => "warn ",
                    Level::Error => "error",
                };
                format!(
                    "{:>4} ago  {level}  {}",
                    status::age(now.saturating_duration_since(m.at)),
                    m.text
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    state.dialogs.push(Dialog::Message(MessageBox {
        title: format!("Messages ({})", state.status.log.len()),
        body,
        error: false,
    }));
}

fn after_change(state: &mut State, fx: &mut Vec<Effect>) {
    let open = state.dialogs.len();
    state.status.dialogs_open(open);
    runs::after_change(state, fx);
    flows_actions::sync_dirty(state);
    if state.focus != Pane::Functions || !state.functions.preview_stale() {
        return;
    }
    let Some(row) = state.functions.selected() else {
        return;
    };
    if state.functions.preview_pending.as_deref() == Some(row.function.id.as_str()) {
        return;
    }
    let function = Box::new(row.function.clone());
    let label = format!("reading {}", row.file());
    state.functions.preview_pending = Some(function.id.clone());
    let (_, e) = state.start_job(label, true, Job::ReadSource { function });
    fx.push(e);
}

/// Keymap hints for the status bar, for whatever has the keys now.
pub fn hints<'k>(state: &State, keymap: &'k Keymap) -> Vec<(Key, &'k str)> {
    let multiline = state.dialogs.last().is_some_and(dialog::multiline_focus);
    let trigger = matches!(state.dialogs.last(), Some(Dialog::TriggerConf(_)));
    // The log viewer's hints are its own keys and the global ones: the Runs pane's
    // (trigger, clear…) still work there but are about the run, not the log.
    let mut contexts = state.contexts();
    if contexts.first() == Some(&Context::Log) {
        contexts.retain(|c| *c != Context::Runs);
    }
    keymap
        .hints(&contexts)
        .into_iter()
        .filter(|(k, _)| relevant(state, keymap, *k))
        .map(|(k, h)| match keymap.lookup(&state.contexts(), k) {
            // In a text of several lines Enter breaks the line and C-s finishes it.
            Some(Action::Submit) if multiline => (k, "new line"),
            // The trigger form's C-s sends the run, whichever view.
            Some(Action::Save) if trigger => (k, "trigger"),
            Some(Action::Submit) if trigger => (k, "next"),
            Some(Action::Save) if multiline => (k, "done"),
            _ => (k, h),
        })
        .collect()
}

/// Whether a hint says something useful now: no "edit" on an empty library, no "back"
/// with nothing to go back from, no "re-import" for an unchanged file.
fn relevant(state: &State, keymap: &Keymap, key: Key) -> bool {
    let Some(action) = keymap.lookup(&state.contexts(), key) else {
        return false;
    };
    if state.help.is_some() {
        return !matches!(action, Action::Confirm | Action::Submit);
    }
    if let Some(d) = state.dialogs.last() {
        return match d {
            Dialog::Confirm(_) => !matches!(action, Action::Submit),
            Dialog::Message(_) | Dialog::Register(_) => !matches!(action, Action::Confirm),
            Dialog::Edit(_) => true,
            // The JSON view has one field: nothing to move to.
            Dialog::TriggerConf(f) => {
                !(f.json && matches!(action, Action::Complete | Action::PrevField))
            }
            // No paths to complete; a second field only in the new-flow form.
            Dialog::Flow(f) => {
                !matches!(action, Action::Complete | Action::PrevField) || f.has_second_field()
            }
        };
    }
    if state.prompt.is_some() {
        return !matches!(action, Action::Complete)
            || state
                .prompt
                .as_ref()
                .is_some_and(|p| p.kind == PromptKind::Command);
    }
    let fs = &state.functions;
    let selected = fs.selected();
    match (state.focus, action) {
        (Pane::Functions, Action::Edit | Action::Delete) => selected.is_some(),
        (Pane::Functions, Action::Reimport) => {
            selected.is_some_and(|r| fs.is_changed(&r.function.id))
        }
        (Pane::Functions, Action::Back) => fs.detail || !fs.nav.filter.is_empty(),
        (Pane::Flows, a) => flows_actions::relevant(state, a),
        _ => true,
    }
}

/// Warnings of start-up (keymap, config, a log file that cannot be written): counted in
/// the start-up line, listed by `!`.
pub fn startup_warnings(state: &mut State, warnings: &[String]) {
    findings::report(state, findings::Source::Config, warnings.to_vec());
}

impl MessageBox {
    pub fn error(title: impl Into<String>, body: impl Into<String>) -> Dialog {
        Dialog::Message(MessageBox {
            title: title.into(),
            body: body.into(),
            error: true,
        })
    }
}
