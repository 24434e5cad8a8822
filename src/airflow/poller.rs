//! The poller: a tokio task that keeps flowdeck's picture of Airflow fresh and sends it
//! to the UI as [`PollEvent`]s over a channel, so the UI never waits on the network.
//!
//! A quiet poll costs what is on screen, whatever the number of flows: runs and task
//! instances as *changes since the last poll* (`updated_at_gte`, 1 request each while
//! fewer than 100 rows changed). The rest is asked less often: health every
//! `health_every` (10 s; any answer already shows Airflow is there; the version is asked
//! again only after Airflow was away), import errors every
//! `import_errors_every` (30 s; a deploy that waits asks for them itself), and the DAG
//! listing, which grows with the number of DAGs (1 page per 100, Airflow's page cap; the
//! API has no "changed since" filter for DAGs), only when something can have changed: an
//! import error appeared or vanished, a run of a DAG the listing did not have, a watch
//! changed, the caller asked for a refresh (after a deploy, Ctrl-r), and otherwise every
//! `dags_every` (5 min, Airflow's own `refresh_interval` for new files; it catches a DAG
//! paused elsewhere). Each kind of request has at most one request in flight, so a slow
//! Airflow is never asked the same thing twice at once. While Airflow is unreachable
//! only a health probe runs, with exponential backoff and jitter.
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch, Notify};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;
use tracing::debug;

use super::client::Client;
use super::error::Error;
use super::types::{Changes, Dag, DagRun, Health, ImportError, RunKey, TaskInstance, Version};

/// Which DAG rows (paused, file token) the poller reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DagScope {
    /// Every DAG whose id starts with the prefix: the whole listing, 1 page per 100.
    #[default]
    All,
    /// Only these DAGs (the one a pane shows, the flow being edited): 1 request each,
    /// none at all when empty, whatever the number of DAGs in Airflow. More than
    /// [`FEW_DAGS`] are read from the listing instead.
    Only(Vec<String>),
}

/// Up to this many DAGs are read one by one; more, from the listing.
pub const FEW_DAGS: usize = 5;

/// What the poller follows. Changing it through [`PollerHandle`] takes effect at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watch {
    /// flowdeck's DAGs are the ones whose id starts with this.
    pub dag_prefix: String,
    /// DAG ids whose runs to follow (the flows on screen).
    pub flows: Vec<String>,
    /// Runs whose task instances to follow.
    pub runs: Vec<RunKey>,
    /// Runs kept per flow, newest first.
    pub runs_per_flow: usize,
    /// Which DAG rows to read (the TUI asks only for those on screen).
    pub dags: DagScope,
    /// Time between polls while Airflow answers.
    pub interval: Duration,
    /// Time between full DAG listings (see the module comment).
    pub dags_every: Duration,
    /// Time between import-error listings. A deploy that waits asks Airflow for import
    /// errors itself, so the poller needs them only for what the panes show.
    pub import_errors_every: Duration,
    /// Time between health checks while other requests answer (each answer is proof
    /// that Airflow is there; while it does not answer, only health is asked, with
    /// backoff). `Duration::ZERO`: every poll.
    pub health_every: Duration,
}

impl Default for Watch {
    fn default() -> Self {
        Self {
            dag_prefix: "dag_".to_owned(),
            flows: Vec::new(),
            runs: Vec::new(),
            runs_per_flow: 25,
            dags: DagScope::All,
            interval: Duration::from_secs(2),
            dags_every: Duration::from_secs(300),
            import_errors_every: Duration::from_secs(30),
            health_every: Duration::from_secs(10),
        }
    }
}

/// Whether flowdeck can talk to Airflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    Online {
        version: Version,
        health: Health,
    },
    /// Not reachable; the next attempt is in `retry_in`.
    Offline {
        reason: String,
        retry_in: Duration,
    },
    /// Reachable, but the credentials were refused.
    AuthFailed {
        reason: String,
    },
    /// Something answered, but not with a usable health report: a 5xx, malformed
    /// JSON, a page that is not Airflow's. `reason` says what came back.
    Failing {
        reason: String,
    },
}

/// The request kinds; each has at most one request in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PollKind {
    Health,
    Dags,
    ImportErrors,
    Runs,
    TaskInstances,
}

/// What the poller reports. Apart from `Health` (every poll, as a heartbeat), events are
/// sent only when their content changed, and always hold the whole current picture
/// (not a diff), so a UI can simply replace what it shows.
#[derive(Debug, Clone, PartialEq)]
pub enum PollEvent {
    Health {
        at: DateTime<Utc>,
        connection: Connection,
    },
    /// The DAGs of `scope` that Airflow has (non-stale), by id: with `DagScope::All`
    /// all of flowdeck's; with `Only(ids)`, those of `ids` it has (the others it does
    /// not have).
    Dags {
        at: DateTime<Utc>,
        dags: Vec<Dag>,
        scope: DagScope,
    },
    ImportErrors {
        at: DateTime<Utc>,
        errors: Vec<ImportError>,
    },
    /// Runs of every watched flow, newest first (a flow without runs maps to `[]`).
    Runs {
        at: DateTime<Utc>,
        runs: BTreeMap<String, Vec<DagRun>>,
    },
    /// Task instances of one watched run, by task id then map index.
    TaskInstances {
        at: DateTime<Utc>,
        run: RunKey,
        tasks: Vec<TaskInstance>,
    },
    /// A request of `kind` was answered and nothing changed since the last event of
    /// its kind: what is shown is still current, as of `at` (a UI shows the age of the
    /// last answer, not of the last change).
    Answered { at: DateTime<Utc>, kind: PollKind },
    /// A request failed for another reason than Airflow being unreachable (those show
    /// as `Health`). Sent once per distinct error.
    Error {
        at: DateTime<Utc>,
        kind: PollKind,
        error: Error,
    },
}

/// Controls a running poller. Dropping it stops the poller.
pub struct PollerHandle {
    watch: watch::Sender<Watch>,
    refresh: Arc<Notify>,
    task: JoinHandle<()>,
}

impl PollerHandle {
    /// The current watch.
    #[must_use]
    pub fn watch(&self) -> Watch {
        self.watch.borrow().clone()
    }

    /// Replaces what is watched; the poller acts on it immediately.
    pub fn set_watch(&self, watch: Watch) {
        self.watch.send_replace(watch);
    }

    /// Edits what is watched in place.
    pub fn update(&self, edit: impl FnOnce(&mut Watch)) {
        self.watch.send_modify(edit);
    }

    /// Re-reads everything now (full DAG listing, runs and task instances from scratch),
    /// e.g. right after a deploy or a trigger.
    pub fn refresh(&self) {
        self.refresh.notify_one();
    }

    /// Whether the poller task has ended (its event receiver was dropped).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

impl Drop for PollerHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the poller on the current tokio runtime.
pub fn spawn(client: Client, watch: Watch) -> (PollerHandle, mpsc::Receiver<PollEvent>) {
    // Events carry whole snapshots, so a small buffer suffices; if the UI falls behind,
    // the poller waits rather than piling up stale snapshots.
    let (tx, rx) = mpsc::channel(64);
    let (watch_tx, watch_rx) = watch::channel(watch.clone());
    let refresh = Arc::new(Notify::new());
    let poller = Poller::new(client, watch);
    let task = tokio::spawn(poller.run(watch_rx, Arc::clone(&refresh), tx));
    (
        PollerHandle {
            watch: watch_tx,
            refresh,
            task,
        },
        rx,
    )
}

/// How far back each "changed since" query reaches before the server time of the
/// previous answer: the HTTP `Date` header has 1 s resolution and a row's `updated_at`
/// is set before its transaction commits. Rows seen twice are merged, so overlap is free.
const OVERLAP: Duration = Duration::from_secs(5);

/// Longest wait between attempts while Airflow is unreachable.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Runs fetched when a watch starts: the newest across all watched flows, so that
/// watching many flows costs a bounded number of requests (5 pages at most).
const MAX_BASELINE_RUNS: usize = 500;

/// The DAG rows of `scope`: the listing, or one request per DAG (a DAG Airflow does not
/// have is left out, not an error).
async fn read_dags(client: &Client, prefix: &str, scope: &DagScope) -> Result<Vec<Dag>, Error> {
    match scope {
        DagScope::All => client.list_dags(prefix).await,
        DagScope::Only(ids) if ids.len() > FEW_DAGS => {
            let mut dags = client.list_dags(prefix).await?;
            dags.retain(|d| ids.contains(&d.dag_id));
            Ok(dags)
        }
        DagScope::Only(ids) => {
            let mut dags = Vec::with_capacity(ids.len());
            for id in ids {
                match client.get_dag(id).await {
                    // Like the listing, which leaves stale DAGs out.
                    Ok(dag) if dag.is_stale => {}
                    Ok(dag) => dags.push(dag),
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(dags)
        }
    }
}

enum JobOutput {
    Health(Result<(Version, Health), Error>),
    Dags(Result<Vec<Dag>, Error>, DagScope),
    ImportErrors(Result<Vec<ImportError>, Error>),
    Runs {
        generation: u64,
        baseline: bool,
        result: Result<Changes<DagRun>, Error>,
    },
    TaskInstances {
        generation: u64,
        baseline: bool,
        result: Result<Changes<TaskInstance>, Error>,
    },
}

/// The poller's state and logic, separate from the task loop so that tests and the
/// benchmark can drive it one poll at a time ([`Poller::poll_once`]).
pub struct Poller {
    client: Client,
    watch: Watch,
    in_flight: HashMap<PollKind, bool>,
    online: bool,
    auth_failed: Option<String>,
    failures: u32,
    last_version: Option<Version>,
    dags_due: Option<Instant>,
    import_errors_due: Option<Instant>,
    health_due: Option<Instant>,
    /// Bumped on every watch change; results of older requests are discarded.
    runs_generation: u64,
    tis_generation: u64,
    runs_cursor: Option<DateTime<Utc>>,
    tis_cursor: Option<DateTime<Utc>>,
    runs: BTreeMap<String, BTreeMap<String, DagRun>>,
    tis: BTreeMap<RunKey, BTreeMap<(String, i64), TaskInstance>>,
    sent_dags: Option<Vec<Dag>>,
    sent_import_errors: Option<Vec<ImportError>>,
    sent_runs: Option<BTreeMap<String, Vec<DagRun>>>,
    sent_tis: BTreeMap<RunKey, Vec<TaskInstance>>,
    sent_errors: HashMap<PollKind, Error>,
    rng: u64,
}

impl Poller {
    #[must_use]
    pub fn new(client: Client, watch: Watch) -> Self {
        // Jitter only needs to differ between flowdeck instances, not be secure.
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9, |d| d.as_nanos() as u64)
            | 1;
        Self {
            client,
            watch,
            in_flight: HashMap::new(),
            online: true,
            auth_failed: None,
            failures: 0,
            last_version: None,
            dags_due: None,
            import_errors_due: None,
            health_due: None,
            runs_generation: 0,
            tis_generation: 0,
            runs_cursor: None,
            tis_cursor: None,
            runs: BTreeMap::new(),
            tis: BTreeMap::new(),
            sent_dags: None,
            sent_import_errors: None,
            sent_runs: None,
            sent_tis: BTreeMap::new(),
            sent_errors: HashMap::new(),
            rng: seed,
        }
    }

    /// The client (e.g. to read its request counter).
    #[must_use]
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Applies a new watch: baselines are re-read only for what changed.
    pub fn set_watch(&mut self, watch: Watch) {
        if watch.flows != self.watch.flows
            || watch.dag_prefix != self.watch.dag_prefix
            || watch.runs_per_flow != self.watch.runs_per_flow
        {
            self.runs_generation += 1;
            self.runs_cursor = None;
            self.runs.retain(|dag, _| watch.flows.contains(dag));
            self.sent_runs = None;
        }
        if watch.runs != self.watch.runs || watch.dag_prefix != self.watch.dag_prefix {
            self.tis_generation += 1;
            self.tis_cursor = None;
            self.tis.retain(|run, _| watch.runs.contains(run));
            self.sent_tis.retain(|run, _| watch.runs.contains(run));
        }
        if watch.dag_prefix != self.watch.dag_prefix || watch.dags != self.watch.dags {
            self.dags_due = None;
            self.sent_dags = None;
        }
        self.watch = watch;
    }

    /// Forces a full re-read on the next poll, and a report of everything read even if
    /// it did not change (a UI that asks for a refresh gets the current picture).
    pub fn mark_all_stale(&mut self) {
        self.sent_dags = None;
        self.sent_import_errors = None;
        self.sent_runs = None;
        self.sent_tis.clear();
        self.dags_due = None;
        self.import_errors_due = None;
        self.health_due = None;
        self.runs_cursor = None;
        self.tis_cursor = None;
        self.runs_generation += 1;
        self.tis_generation += 1;
    }

    /// Delay before the next poll: the interval while online, backoff while not.
    fn next_delay(&mut self) -> Duration {
        if self.online && self.auth_failed.is_none() {
            return self.watch.interval;
        }
        self.backoff()
    }

    /// Exponential backoff with "equal jitter": half fixed, half random, so that many
    /// flowdecks do not hammer a recovering Airflow in lockstep.
    fn backoff(&mut self) -> Duration {
        let base = self.watch.interval.max(Duration::from_millis(100));
        let exp = self.failures.saturating_sub(1).min(16);
        let delay = base.saturating_mul(1 << exp).min(MAX_BACKOFF);
        // xorshift64
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let frac = (self.rng % 1_000) as f64 / 1_000.0;
        delay.mul_f64(0.5 + 0.5 * frac)
    }

    fn busy(&self, kind: PollKind) -> bool {
        self.in_flight.get(&kind).copied().unwrap_or(false)
    }

    /// Starts every request that is due and not already in flight.
    fn start_due(&mut self, jobs: &mut JoinSet<JobOutput>, now: Instant) {
        let mut start = |poller: &mut Self, kind: PollKind, job: JobFuture| {
            if !poller.busy(kind) {
                poller.in_flight.insert(kind, true);
                jobs.spawn(job);
            }
        };
        let client = self.client.clone();
        // Health is the heartbeat only while nothing else answers: offline, or nothing
        // else is watched and due.
        let health_due = !self.online
            || self.auth_failed.is_some()
            || self.health_due.is_none_or(|due| due <= now);
        if health_due && !self.busy(PollKind::Health) {
            self.health_due = Some(now + self.watch.health_every);
            // The version only changes with an upgrade, which restarts Airflow (so the
            // poller sees it go away): while it answers, the known version stands.
            let known = self.last_version.clone().filter(|_| self.online);
            start(
                self,
                PollKind::Health,
                Box::pin(async move {
                    let result = async {
                        let version = match known {
                            Some(v) => v,
                            None => client.version().await?,
                        };
                        let health = client.health().await?;
                        Ok((version, health))
                    }
                    .await;
                    JobOutput::Health(result)
                }),
            );
        }
        // While Airflow does not answer, only the health probe runs.
        if !self.online {
            return;
        }
        let prefix = self.watch.dag_prefix.clone();
        if self.dags_due.is_none_or(|due| due <= now) && !self.busy(PollKind::Dags) {
            let client = self.client.clone();
            let prefix = prefix.clone();
            let scope = self.watch.dags.clone();
            start(
                self,
                PollKind::Dags,
                Box::pin(async move {
                    let result = read_dags(&client, &prefix, &scope).await;
                    JobOutput::Dags(result, scope)
                }),
            );
        }
        if self.import_errors_due.is_none_or(|due| due <= now) && !self.busy(PollKind::ImportErrors)
        {
            self.import_errors_due = Some(now + self.watch.import_errors_every);
            let client = self.client.clone();
            start(
                self,
                PollKind::ImportErrors,
                Box::pin(async move { JobOutput::ImportErrors(client.import_errors().await) }),
            );
        }
        if !self.watch.flows.is_empty() && !self.busy(PollKind::Runs) {
            let client = self.client.clone();
            let generation = self.runs_generation;
            let cursor = self.runs_cursor;
            let flows = self.watch.flows.clone();
            let limit = (self.watch.runs_per_flow.max(1))
                .saturating_mul(flows.len())
                .min(MAX_BASELINE_RUNS);
            let prefix = prefix.clone();
            start(
                self,
                PollKind::Runs,
                Box::pin(async move {
                    let (baseline, result) = match cursor {
                        Some(since) => (false, client.runs_changed_since(since, &prefix).await),
                        None => (true, client.dag_runs_batch_timed(&flows, limit).await),
                    };
                    JobOutput::Runs {
                        generation,
                        baseline,
                        result,
                    }
                }),
            );
        }
        if !self.watch.runs.is_empty() && !self.busy(PollKind::TaskInstances) {
            let client = self.client.clone();
            let generation = self.tis_generation;
            let cursor = self.tis_cursor;
            let runs = self.watch.runs.clone();
            start(
                self,
                PollKind::TaskInstances,
                Box::pin(async move {
                    let (baseline, result) = match cursor {
                        Some(since) => (
                            false,
                            client.task_instances_changed_since(since, &prefix).await,
                        ),
                        None => (true, client.task_instances_batch_timed(&runs).await),
                    };
                    JobOutput::TaskInstances {
                        generation,
                        baseline,
                        result,
                    }
                }),
            );
        }
    }

    /// Where the next "changed since" query starts.
    fn next_cursor(server_time: Option<DateTime<Utc>>, started: DateTime<Utc>) -> DateTime<Utc> {
        let overlap = chrono::Duration::from_std(OVERLAP).unwrap_or(chrono::Duration::seconds(5));
        // Without a Date header, the local clock at the start of the request is the best
        // guess (the overlap absorbs small skew).
        server_time.unwrap_or(started) - overlap
    }

    /// Takes in one finished request and returns the events it causes.
    async fn handle(
        &mut self,
        output: JobOutput,
        started: DateTime<Utc>,
        now: Instant,
    ) -> Vec<PollEvent> {
        let at = Utc::now();
        let mut events = Vec::new();
        let (kind, error) = match output {
            JobOutput::Health(result) => {
                self.in_flight.insert(PollKind::Health, false);
                match result {
                    Ok((version, health)) => {
                        if !self.online {
                            debug!("Airflow answers again; re-reading everything");
                            self.mark_all_stale();
                        }
                        self.online = true;
                        // With refused credentials the backoff keeps growing.
                        if self.auth_failed.is_none() {
                            self.failures = 0;
                        }
                        self.last_version = Some(version.clone());
                        let connection = match &self.auth_failed {
                            Some(reason) => Connection::AuthFailed {
                                reason: reason.clone(),
                            },
                            None => Connection::Online { version, health },
                        };
                        events.push(PollEvent::Health { at, connection });
                        (PollKind::Health, None)
                    }
                    Err(e) => (PollKind::Health, Some(e)),
                }
            }
            JobOutput::Dags(result, scope) => {
                self.in_flight.insert(PollKind::Dags, false);
                match result {
                    // Read for a scope the watch has left meanwhile: read again.
                    Ok(_) if scope != self.watch.dags => (PollKind::Dags, None),
                    Ok(dags) => {
                        self.dags_due = Some(now + self.watch.dags_every);
                        if self.sent_dags.as_ref() != Some(&dags) {
                            self.sent_dags = Some(dags.clone());
                            events.push(PollEvent::Dags { at, dags, scope });
                        } else {
                            events.push(PollEvent::Answered {
                                at,
                                kind: PollKind::Dags,
                            });
                        }
                        (PollKind::Dags, None)
                    }
                    Err(e) => (PollKind::Dags, Some(e)),
                }
            }
            JobOutput::ImportErrors(result) => {
                self.in_flight.insert(PollKind::ImportErrors, false);
                match result {
                    Ok(errors) => {
                        if self.sent_import_errors.as_ref() != Some(&errors) {
                            // A file broke or was fixed: its DAGs appear or vanish. (A
                            // broken file re-parsed every 30 s only bumps the timestamp:
                            // no reason to re-list DAGs for that.)
                            if let Some(sent) = &self.sent_import_errors {
                                if failing_files(sent) != failing_files(&errors) {
                                    self.dags_due = None;
                                }
                            }
                            self.sent_import_errors = Some(errors.clone());
                            events.push(PollEvent::ImportErrors { at, errors });
                        } else {
                            events.push(PollEvent::Answered {
                                at,
                                kind: PollKind::ImportErrors,
                            });
                        }
                        (PollKind::ImportErrors, None)
                    }
                    Err(e) => (PollKind::ImportErrors, Some(e)),
                }
            }
            JobOutput::Runs {
                generation,
                baseline,
                result,
            } => {
                self.in_flight.insert(PollKind::Runs, false);
                match result {
                    Ok(_) if generation != self.runs_generation => (PollKind::Runs, None),
                    Ok(changes) => {
                        // A run of a watched DAG the last listing did not have: the DAG
                        // is new (or came back), so list DAGs now.
                        if let Some(sent) = &self.sent_dags {
                            if changes
                                .items
                                .iter()
                                .any(|r| !sent.iter().any(|d| d.dag_id == r.dag_id))
                            {
                                self.dags_due = None;
                            }
                        }
                        self.merge_runs(changes.items, baseline);
                        self.runs_cursor = Some(Self::next_cursor(changes.server_time, started));
                        let snapshot = self.runs_snapshot();
                        if self.sent_runs.as_ref() != Some(&snapshot) {
                            self.sent_runs = Some(snapshot.clone());
                            events.push(PollEvent::Runs { at, runs: snapshot });
                        } else {
                            events.push(PollEvent::Answered {
                                at,
                                kind: PollKind::Runs,
                            });
                        }
                        (PollKind::Runs, None)
                    }
                    Err(e) => (PollKind::Runs, Some(e)),
                }
            }
            JobOutput::TaskInstances {
                generation,
                baseline,
                result,
            } => {
                self.in_flight.insert(PollKind::TaskInstances, false);
                match result {
                    Ok(_) if generation != self.tis_generation => (PollKind::TaskInstances, None),
                    Ok(changes) => {
                        self.merge_tis(changes.items, baseline);
                        self.tis_cursor = Some(Self::next_cursor(changes.server_time, started));
                        for run in &self.watch.runs {
                            let tasks: Vec<TaskInstance> = self
                                .tis
                                .get(run)
                                .map(|m| m.values().cloned().collect())
                                .unwrap_or_default();
                            if self.sent_tis.get(run) != Some(&tasks) {
                                self.sent_tis.insert(run.clone(), tasks.clone());
                                events.push(PollEvent::TaskInstances {
                                    at,
                                    run: run.clone(),
                                    tasks,
                                });
                            }
                        }
                        (PollKind::TaskInstances, None)
                    }
                    Err(e) => (PollKind::TaskInstances, Some(e)),
                }
            }
        };
        match error {
            None => {
                self.sent_errors.remove(&kind);
                // An authenticated request worked: the credentials are fine (again);
                // the next health answer reports Online.
                if kind != PollKind::Health {
                    self.auth_failed = None;
                }
            }
            Some(e) if e.is_offline() => {
                if self.online {
                    // Forget the probed API: the Airflow that comes back may be another.
                    self.client.forget_api();
                }
                self.online = false;
                self.health_due = None;
                self.failures = self.failures.saturating_add(1);
                let retry_in = self.backoff();
                events.push(PollEvent::Health {
                    at,
                    connection: Connection::Offline {
                        reason: e.to_string(),
                        retry_in,
                    },
                });
            }
            Some(e) if e.is_auth() => {
                self.failures = self.failures.saturating_add(1);
                let reason = e.to_string();
                if self.auth_failed.as_ref() != Some(&reason) {
                    events.push(PollEvent::Health {
                        at,
                        connection: Connection::AuthFailed {
                            reason: reason.clone(),
                        },
                    });
                }
                self.auth_failed = Some(reason);
            }
            // The heartbeat itself failed: the status bar shows what Airflow answered
            // (every time, so its age stays the age of the last answer).
            Some(e) if kind == PollKind::Health => {
                self.sent_errors.insert(kind, e.clone());
                events.push(PollEvent::Health {
                    at,
                    connection: Connection::Failing {
                        reason: e.to_string(),
                    },
                });
            }
            Some(e) => {
                if self.sent_errors.get(&kind) != Some(&e) {
                    self.sent_errors.insert(kind, e.clone());
                    events.push(PollEvent::Error { at, kind, error: e });
                }
            }
        }
        events
    }

    fn merge_runs(&mut self, runs: Vec<DagRun>, baseline: bool) {
        if baseline {
            self.runs.clear();
        }
        for run in runs {
            if self.watch.flows.contains(&run.dag_id) {
                self.runs
                    .entry(run.dag_id.clone())
                    .or_default()
                    .insert(run.run_id.clone(), run);
            }
        }
        let keep = self.watch.runs_per_flow.max(1);
        for runs in self.runs.values_mut() {
            if runs.len() > keep {
                let mut ordered: Vec<DagRun> = std::mem::take(runs).into_values().collect();
                sort_newest_first(&mut ordered);
                ordered.truncate(keep);
                *runs = ordered.into_iter().map(|r| (r.run_id.clone(), r)).collect();
            }
        }
    }

    fn runs_snapshot(&self) -> BTreeMap<String, Vec<DagRun>> {
        self.watch
            .flows
            .iter()
            .map(|flow| {
                let mut runs: Vec<DagRun> = self
                    .runs
                    .get(flow)
                    .map(|m| m.values().cloned().collect())
                    .unwrap_or_default();
                sort_newest_first(&mut runs);
                (flow.clone(), runs)
            })
            .collect()
    }

    fn merge_tis(&mut self, tis: Vec<TaskInstance>, baseline: bool) {
        if baseline {
            self.tis.clear();
        }
        for ti in tis {
            let key = RunKey::new(ti.dag_id.clone(), ti.run_id.clone());
            if self.watch.runs.contains(&key) {
                self.tis
                    .entry(key)
                    .or_default()
                    .insert((ti.task_id.clone(), ti.map_index), ti);
            }
        }
    }

    /// One complete poll: starts everything due, waits for all of it, returns the
    /// events. For tests and the benchmark; the task uses the same steps without waiting.
    pub async fn poll_once(&mut self) -> Vec<PollEvent> {
        self.poll_once_at(None).await
    }

    /// [`Poller::poll_once`] as if it were `now` (for counting what polls cost over
    /// minutes without waiting for them); `None` is the real clock.
    pub async fn poll_once_at(&mut self, now: Option<Instant>) -> Vec<PollEvent> {
        let was_online = self.online;
        let mut events = self.poll_round(now).await;
        if !was_online && self.online {
            // Airflow answered again: catch up in the same poll, as the task does.
            events.extend(self.poll_round(now).await);
        }
        events
    }

    async fn poll_round(&mut self, at: Option<Instant>) -> Vec<PollEvent> {
        let mut jobs = JoinSet::new();
        let started = Utc::now();
        self.start_due(&mut jobs, at.unwrap_or_else(Instant::now));
        let mut events = Vec::new();
        while let Some(done) = jobs.join_next().await {
            match done {
                Ok(output) => {
                    let now = at.unwrap_or_else(Instant::now);
                    events.extend(self.handle(output, started, now).await);
                }
                Err(_) => self.in_flight.clear(),
            }
        }
        events
    }

    async fn run(
        mut self,
        mut watch_rx: watch::Receiver<Watch>,
        refresh: Arc<Notify>,
        tx: mpsc::Sender<PollEvent>,
    ) {
        let mut jobs: JoinSet<JobOutput> = JoinSet::new();
        // When each running job started (server-time fallback for delta cursors).
        let mut started = Utc::now();
        let mut next_tick = Instant::now();
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(next_tick) => {
                    started = Utc::now();
                    self.start_due(&mut jobs, Instant::now());
                    next_tick = Instant::now() + self.next_delay();
                }
                changed = watch_rx.changed() => {
                    if changed.is_err() {
                        return; // handle dropped
                    }
                    let watch = watch_rx.borrow_and_update().clone();
                    self.set_watch(watch);
                    next_tick = Instant::now();
                }
                () = refresh.notified() => {
                    self.mark_all_stale();
                    next_tick = Instant::now();
                }
                Some(done) = jobs.join_next(), if !jobs.is_empty() => {
                    let output = match done {
                        Ok(output) => output,
                        Err(e) => {
                            // A job panicked: clear all in-flight marks so polling goes on.
                            debug!(error = %e, "poll job failed");
                            self.in_flight.clear();
                            continue;
                        }
                    };
                    let was_online = self.online;
                    for event in self.handle(output, started, Instant::now()).await {
                        if tx.send(event).await.is_err() {
                            return; // receiver dropped
                        }
                    }
                    if self.online != was_online {
                        // Went offline: switch to backoff now. Came back: catch up now.
                        next_tick = if self.online { Instant::now() } else { Instant::now() + self.next_delay() };
                    }
                }
            }
        }
    }
}

fn failing_files(errors: &[ImportError]) -> Vec<(&str, Option<&str>, &str)> {
    let mut files: Vec<_> = errors
        .iter()
        .map(|e| {
            (
                e.filename.as_str(),
                e.bundle_name.as_deref(),
                e.stack_trace.as_str(),
            )
        })
        .collect();
    files.sort_unstable();
    files
}

type JobFuture = std::pin::Pin<Box<dyn std::future::Future<Output = JobOutput> + Send>>;

fn sort_newest_first(runs: &mut [DagRun]) {
    runs.sort_by(|a, b| {
        b.run_after
            .cmp(&a.run_after)
            .then_with(|| b.run_id.cmp(&a.run_id))
    });
}
