//! The application: the only place that wires things. It owns the state, turns terminal
//! input and job answers into events, runs the effects `state` asks for (on the worker
//! thread, never on the UI task) and draws after every batch of events.
//!
//! ```text
//! input task ──Key/Mouse/Resize/Tick──┐
//! worker thread ──Job answers─────────┼─► mpsc ─► state::on_event ─► effects ─► worker
//! Airflow poller ──Airflow events─────┤                │
//! Airflow requests (tokio tasks) ─────┘                │
//!                                      ui::draw(&State) ◄┘
//! ```

pub mod airflow_jobs;
pub mod context;
pub mod flow_jobs;
pub mod logging;
pub mod store_watch;
pub mod terminal;
pub mod worker;

use crate::config::Settings;
use crate::core::Core;
use crate::keymap::Keymap;
use crate::state::{self, Effect, Event, Init, State};
use crate::ui;
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind, MouseEventKind};
use futures::StreamExt;
use ratatui::backend::Backend;
use ratatui::Terminal;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use worker::Worker;

/// Ticks per second: spinners, ages and expiring messages move at this rate. Frames
/// that change nothing cost nothing on the wire (ratatui sends only the difference).
pub const FPS: f64 = 8.0;

/// Everything the UI runs on, ready for the first frame.
pub struct Session {
    pub state: State,
    pub keymap: Keymap,
    pub core: Core,
    /// The event channel, for jobs run on the async runtime (deploys).
    events: Option<UnboundedSender<Event>>,
    /// The database generation the first frame's data was read at: the watcher
    /// reports every change after it.
    generation: u64,
}

impl Session {
    /// Opens the database, loads the library and the flows and builds the state:
    /// all the work before the first frame. Loading here (not on the worker) means the
    /// first frame already shows the library; it takes a few milliseconds even for
    /// 10,000 functions (see `benches/tui.rs`).
    pub fn open(settings: Settings) -> anyhow::Result<Session> {
        let (keymap, mut warnings) = Keymap::with_overrides(&settings.keybindings);
        let (theme, theme_warning) =
            ui::theme::Theme::choose(&settings.theme, ui::theme::no_color_env());
        warnings.extend(theme_warning);
        let init = Init {
            airflow_url: settings.airflow_url.clone(),
            db_path: settings.db.display().to_string(),
            theme,
            now: Instant::now(),
        };
        let core = Core::open(settings)?;
        let mut state = State::new(init);
        state.env = state::environment::Environments {
            all: core.settings.environments.clone(),
            current: core.settings.environment.clone(),
            epoch: 0,
        };
        state.flows.environments = state::flows::EnvironmentView {
            current: core.settings.environment.name.clone(),
            all: core
                .settings
                .environments
                .iter()
                .map(|e| e.name.clone())
                .collect(),
        };
        // Read before the data, so a change committed while loading is reported again
        // rather than missed.
        let generation = core.store.generation()?;
        state.team = state::team::TeamState::new(
            core.store.actor().clone(),
            core.store.latest_changes().unwrap_or_default(),
        );
        let (library, flows) = load_all(&core.store);
        match library {
            Ok(data) => state.functions.apply(data),
            Err(e) => state.functions.loading = state::functions::Loading::Failed(e),
        }
        match flows {
            Ok(data) => state.flows.apply(data),
            Err(e) => state.flows.loading = state::functions::Loading::Failed(e),
        }
        state::startup_warnings(&mut state, &warnings);
        if let Some(note) = core.first_run_note() {
            state.info(note);
        }
        state::offer_drafts(&mut state, offered_drafts(&core.store));
        Ok(Session {
            state,
            keymap,
            core,
            events: None,
            generation,
        })
    }

    pub fn draw<B: Backend>(&mut self, terminal: &mut Terminal<B>) -> std::io::Result<()> {
        let mut screen = None;
        terminal.draw(|f| screen = Some(ui::draw(&self.state, &self.keymap, f)))?;
        if let Some(s) = screen {
            self.state.set_screen(s);
        }
        Ok(())
    }

    fn worker_context(&self) -> worker::Context {
        worker::Context {
            store: self.core.store.clone(),
            python: self.core.python.clone(),
            library: self.core.settings.library_folder(),
            deployer: self.core.deployer.clone(),
            environments: self.core.settings.environments.clone(),
        }
    }

    /// Runs the UI until the user quits. The terminal is restored on every way out.
    pub async fn run(mut self) -> anyhow::Result<i32> {
        let mut terminal = terminal::init()?;
        let result = self.event_loop(&mut terminal).await;
        terminal::restore();
        result.map(|()| 0)
    }

    async fn event_loop<B: Backend>(&mut self, terminal: &mut Terminal<B>) -> anyhow::Result<()> {
        let (tx, mut rx) = mpsc::unbounded_channel();
        self.events = Some(tx.clone());
        let worker = Worker::spawn(self.worker_context(), tx.clone())?;
        store_watch::spawn(self.core.store.clone(), self.generation, tx.clone())?;
        let input = tokio::spawn(input_task(tx.clone(), FPS));
        let signals = tokio::spawn(signal_task(tx.clone()));
        let (poller, forward) = self.spawn_poller(&tx);
        let mut links = Links {
            worker,
            poller,
            forward,
            events: tx,
        };
        let effects = state::start(&mut self.state);
        self.run_effects(effects, &mut links);
        let result = self.main_loop(terminal, &mut rx, &mut links).await;
        self.settle_draft();
        input.abort();
        signals.abort();
        links.forward.abort();
        result
    }

    /// The Airflow poller of the current environment, and the task forwarding its
    /// reports (tagged with the environment's number) to the event channel.
    fn spawn_poller(
        &self,
        tx: &UnboundedSender<Event>,
    ) -> (crate::airflow::PollerHandle, tokio::task::JoinHandle<()>) {
        let (poller, poll_events) = crate::airflow::poller::spawn(
            (*self.core.client).clone(),
            crate::airflow::Watch {
                interval: Duration::from_secs(self.core.settings.poll_interval_secs.max(1)),
                ..crate::airflow::Watch::default()
            },
        );
        let forward = tokio::spawn(forward_poll_events(
            poll_events,
            tx.clone(),
            self.state.env.epoch,
        ));
        (poller, forward)
    }

    /// `Effect::SwitchEnvironment`: the client, deployer and worker tools of `name`,
    /// a new poller (the old one stops; what it still sends is dropped by its number),
    /// then the state forgets the old Airflow.
    fn switch_environment(&mut self, name: &str, links: &mut Links) {
        if let Err(e) = self.core.switch_environment(name) {
            self.state.error(format!("cannot switch to {name}: {e:#}"));
            return;
        }
        tracing::info!(environment = name, "switched environment");
        let epoch = self.state.env.epoch + 1;
        // The state's number first: the new poller's reports must not be dropped.
        let effects = state::environment::switched(
            &mut self.state,
            self.core.settings.environment.clone(),
            epoch,
        );
        links.forward.abort();
        let (poller, forward) = self.spawn_poller(&links.events);
        links.poller = poller;
        links.forward = forward;
        if !links.worker.set_context(self.worker_context()) {
            self.state
                .error("the background worker stopped; see the log, then restart flowdeck");
        }
        self.run_effects(effects, links);
    }

    async fn main_loop<B: Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        rx: &mut UnboundedReceiver<Event>,
        worker: &mut Links,
    ) -> anyhow::Result<()> {
        loop {
            self.draw(terminal)?;
            let Some(event) = rx.recv().await else {
                return Ok(());
            };
            self.handle(event, worker);
            // Handle whatever else is already queued before drawing again, so a burst
            // of keys (a held `j`, a paste) costs one frame, not one per key.
            while !self.state.quit {
                match rx.try_recv() {
                    Ok(Event::Tick) => {}
                    Ok(event) => self.handle(event, worker),
                    Err(_) => break,
                }
            }
            if self.state.quit {
                return Ok(());
            }
        }
    }

    /// Written here, synchronously, because the worker may not run another job before
    /// the process ends: the newest edits on SIGHUP, nothing after a chosen quit.
    fn settle_draft(&self) {
        let result = match state::live::draft_at_exit(&self.state) {
            Some(Ok(draft)) => self.core.store.put_draft(&draft),
            Some(Err(flow_id)) => self.core.store.remove_draft(&flow_id),
            None => return,
        };
        if let Err(e) = result {
            tracing::warn!("settling the draft at exit: {e}");
        }
    }

    fn handle(&mut self, event: Event, worker: &mut Links) {
        self.state.set_now(Instant::now());
        let effects = state::on_event(&mut self.state, &self.keymap, event);
        self.run_effects(effects, worker);
    }

    fn run_effects(&mut self, effects: Vec<Effect>, links: &mut Links) {
        let epoch = self.state.env.epoch;
        for effect in effects {
            // The guard behind the keys' guard (`state::environment::refusal`): nothing
            // that would change a read-only environment's Airflow or DAG files runs,
            // whatever asked for it; the job is answered with the refusal.
            if let Effect::Run(id, job) = &effect {
                let settings = &self.core.settings;
                let changed = match job.changes_environment() {
                    Some(name) => settings.environments.iter().find(|e| e.name == name),
                    None => Some(&settings.environment),
                };
                if let (true, Some(env)) = (job.changes_airflow(), changed) {
                    if let Err(e) = env.check_writable() {
                        tracing::info!(job = ?id, "refused: {e}");
                        let answer = match job {
                            state::Job::Airflow(a) => state::JobResult::Airflow(
                                state::airflow::AirflowAnswer::failed(a, e.clone()),
                            ),
                            other => worker::failed(other, e.clone()),
                        };
                        let _ = links.events.send(Event::Job(*id, Box::new(answer)));
                        continue;
                    }
                }
            }
            match effect {
                Effect::SwitchEnvironment { name } => self.switch_environment(&name, links),
                Effect::Quit => self.state.quit = true,
                Effect::Watch { flows, runs, dags } => links.poller.update(|w| {
                    w.flows = flows;
                    w.runs = runs;
                    w.dags = crate::airflow::DagScope::Only(dags);
                }),
                Effect::PollNow => links.poller.refresh(),
                Effect::Bell => {
                    if self.core.settings.bell {
                        use std::io::Write;
                        let mut out = std::io::stdout();
                        // BEL between frames is harmless to ratatui's picture of the screen.
                        let _ = out.write_all(b"\x07").and_then(|()| out.flush());
                    }
                }
                Effect::Run(id, state::Job::Airflow(job)) => {
                    tracing::debug!(job = ?id, "Airflow request");
                    let client = (*self.core.client).clone();
                    let tx = links.events.clone();
                    tokio::spawn(async move {
                        let answer = airflow_jobs::run(&client, job).await;
                        let answer = Event::Job(id, Box::new(state::JobResult::Airflow(answer)));
                        let _ = tx.send(Event::FromEnvironment(epoch, Box::new(answer)));
                    });
                }
                Effect::Run(id, job) if job.is_async() => match &self.events {
                    Some(tx) => {
                        // A promotion deploys with the target environment's deployer.
                        let deployer = match &job {
                            state::Job::Promote { to, .. } => {
                                match self.core.with_environment(to) {
                                    Ok(target) => target.deployer.clone(),
                                    Err(e) => {
                                        let result = state::JobResult::Promoted {
                                            to: to.clone(),
                                            result: Err(e.to_string()),
                                        };
                                        let _ = tx.send(Event::Job(id, Box::new(result)));
                                        continue;
                                    }
                                }
                            }
                            _ => self.core.deployer.clone(),
                        };
                        tokio::spawn(flow_jobs::run_async(
                            deployer,
                            self.core.deploy_timeout(),
                            id,
                            job,
                            tagged(tx, epoch),
                        ));
                    }
                    None => {
                        self.state.jobs.remove(&id);
                    }
                },
                Effect::Run(id, job) => {
                    tracing::debug!(job = ?id, "job queued");
                    if !links.worker.send(id, job) {
                        self.state.jobs.remove(&id);
                        self.state.error(
                            "the background worker stopped; see the log, then restart flowdeck",
                        );
                    }
                }
            }
        }
    }
}

/// The library and the flows, read on two threads: decoding 10,000 function records
/// is most of the start-up time, and the usage counts and flows can be read meanwhile.
fn load_all(
    store: &crate::store::Store,
) -> (
    Result<state::LibraryData, String>,
    Result<state::FlowsData, String>,
) {
    std::thread::scope(|scope| {
        let others = scope.spawn(|| (store.function_usage(), worker::load_flows(store)));
        let functions = store.functions();
        let (usage, flows) = match others.join() {
            Ok((usage, flows)) => (
                usage.map_err(|e| e.to_string()),
                flows.map_err(|e| e.to_string()),
            ),
            Err(_) => {
                let e = "internal error while loading (see the log)".to_string();
                (Err(e.clone()), Err(e))
            }
        };
        let library = functions
            .map_err(|e| e.to_string())
            .and_then(|functions| usage.map(|usage| state::LibraryData { functions, usage }));
        (library, flows)
    })
}

/// Drafts this user's ended flowdeck processes left (killed, connection dropped), with
/// the version each started from, newest first. A draft that cannot be read is skipped
/// (it stays in the database) rather than holding up the start.
fn offered_drafts(store: &crate::store::Store) -> Vec<state::flow_editor::OfferedDraft> {
    let drafts = match store.my_drafts() {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("reading drafts: {e}");
            return Vec::new();
        }
    };
    drafts
        .into_iter()
        .map(|draft| {
            let base = draft
                .base_version
                .and_then(|v| store.revision(&draft.flow_id, v).ok().flatten())
                .map(|r| r.spec);
            state::flow_editor::OfferedDraft { draft, base }
        })
        .collect()
}

/// What effects are sent to: the worker thread, the Airflow poller (and the task
/// forwarding its reports), and the event channel (answers of Airflow requests come
/// back on it).
struct Links {
    worker: Worker,
    poller: crate::airflow::PollerHandle,
    forward: tokio::task::JoinHandle<()>,
    events: UnboundedSender<Event>,
}

/// The poller's reports as the UI's events, tagged with the environment's number.
/// Health goes to the status bar through `health_event`; the rest to the state as
/// `Event::Airflow`.
async fn forward_poll_events(
    mut events: tokio::sync::mpsc::Receiver<crate::airflow::PollEvent>,
    tx: UnboundedSender<Event>,
    epoch: u64,
) {
    use crate::airflow::PollEvent;
    while let Some(event) = events.recv().await {
        let event = match event {
            PollEvent::Health { connection, .. } => health_event(&connection),
            other => Event::Airflow(Box::new(other)),
        };
        if tx
            .send(Event::FromEnvironment(epoch, Box::new(event)))
            .is_err()
        {
            return;
        }
    }
}

/// A sender whose events reach `tx` tagged with environment number `epoch` (for jobs
/// that send several events, like deploys), in order.
fn tagged(tx: &UnboundedSender<Event>, epoch: u64) -> UnboundedSender<Event> {
    let (inner, mut rx) = mpsc::unbounded_channel::<Event>();
    let tx = tx.clone();
    tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            if tx
                .send(Event::FromEnvironment(epoch, Box::new(event)))
                .is_err()
            {
                return;
            }
        }
    });
    inner
}

/// Starts the UI on the settings (the `flowdeck` command with no arguments).
pub fn run(settings: Settings) -> anyhow::Result<i32> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        anyhow::bail!("the terminal interface needs a terminal on stdin and stdout; in scripts use a subcommand (see flowdeck --help)");
    }
    let log = logging::init(&settings.log_dir);
    tracing::info!(?settings, "starting the terminal UI");
    let mut session = Session::open(settings)?;
    if let Err(e) = &log {
        session.state.warn(e.clone());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("flowdeck-rt")
        .enable_all()
        .build()?;
    let code = runtime.block_on(session.run());
    // The input task may sit in a blocking read of the terminal; do not wait for it.
    runtime.shutdown_timeout(Duration::from_millis(100));
    tracing::info!("terminal UI stopped");
    code
}

/// Opens everything and draws the first frame: the path `flowdeck` takes before the
/// user sees anything, exposed for the start-up benchmark.
pub fn first_frame<B: Backend>(
    settings: Settings,
    terminal: &mut Terminal<B>,
) -> anyhow::Result<Session> {
    let mut session = Session::open(settings)?;
    session.draw(terminal)?;
    Ok(session)
}

/// Terminal input and the clock, as events. Only key presses (not releases or
/// repeats reported by enhanced keyboards), clicks, the wheel and resizes; mouse
/// motion is dropped so moving the mouse does not redraw.
async fn input_task(tx: UnboundedSender<Event>, fps: f64) {
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / fps));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let event = tokio::select! {
            _ = tick.tick() => Event::Tick,
            next = events.next() => match next {
                Some(Ok(TermEvent::Key(k))) if k.kind == KeyEventKind::Press => Event::Key(k),
                Some(Ok(TermEvent::Mouse(m))) if !matches!(m.kind, MouseEventKind::Moved | MouseEventKind::Drag(_)) => Event::Mouse(m),
                Some(Ok(TermEvent::Resize(w, h))) => Event::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(e)) => {
                    tracing::error!("reading the terminal failed: {e}");
                    Event::Terminate
                }
                None => Event::Terminate,
            }
        };
        let last = matches!(event, Event::Terminate);
        if tx.send(event).is_err() || last {
            return;
        }
    }
}

/// SIGTERM and SIGHUP (the SSH session went away) end flowdeck cleanly.
async fn signal_task(tx: UnboundedSender<Event>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM"),
        _ = hup.recv() => tracing::info!("SIGHUP"),
    }
    let _ = tx.send(Event::Terminate);
}

/// The Airflow poller's health report as the UI's event (for wiring the poller).
pub fn health_event(connection: &crate::airflow::poller::Connection) -> Event {
    use crate::airflow::poller::Connection;
    use crate::state::AirflowHealth;
    Event::AirflowHealth(match connection {
        Connection::Online { version, .. } => AirflowHealth::Online {
            version: Some(version.version.clone()),
        },
        Connection::Offline { reason, retry_in } => AirflowHealth::Offline {
            reason: reason.clone(),
            retry_in: Some(*retry_in),
        },
        Connection::AuthFailed { reason } => AirflowHealth::AuthError {
            reason: reason.clone(),
        },
        Connection::Failing { reason } => AirflowHealth::Failing {
            reason: reason.clone(),
        },
    })
}
