//! What flows between the state and the app: events in (input, ticks, answers to jobs,
//! Airflow health), effects out (jobs for the worker, quitting).

use super::airflow::{AirflowAnswer, AirflowJob};
use super::status::AirflowHealth;
use crate::airflow::{PollEvent, RunKey};
use crate::model::deploy::DeployRecord;
use crate::model::options::OptionProblem;
use crate::model::{Flow, FlowSpec, Function};
use crate::python::FunctionInfo;
use crate::store::{Revision, SaveOutcome};
use crossterm::event::{KeyEvent, MouseEvent};
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub u64);

#[derive(Debug)]
pub enum Event {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// Time passed (spinners, ages, expiring messages).
    Tick,
    /// The terminal went away or a signal asked flowdeck to stop: no question asked.
    Terminate,
    /// From the Airflow poller.
    AirflowHealth(AirflowHealth),
    /// From the Airflow poller: DAGs, import errors, runs, task instances, errors
    /// (health comes as `AirflowHealth`). Boxed: snapshots are large, keys small.
    Airflow(Box<PollEvent>),
    /// A job finished (boxed: answers carry whole records, keys are small).
    Job(JobId, Box<JobResult>),
    /// A deploy moved on (rendered, parsing, ready, import error), before it ends.
    Deploy(Box<DeployRecord>),
    /// From the database watcher: what was committed (by any process) since the last
    /// update, with the changed records already read.
    Store(Box<StoreUpdate>),
    /// From the database watcher: other processes' unsaved drafts by flow id (sent when
    /// they change).
    Drafts(HashMap<String, Vec<super::team::DraftElsewhere>>),
    /// An event from the Airflow (poller, requests, deploys) of environment number `.0`
    /// (see `environment::Environments::epoch`): dropped when the screen has switched
    /// to another environment since.
    FromEnvironment(u64, Box<Event>),
}

/// Records changed in the shared database, read by the watcher off the UI thread so a
/// change costs the UI only the rows it touches.
#[derive(Debug, Default)]
pub struct StoreUpdate {
    /// The new change log entries, oldest first (empty after a full reload).
    pub changes: Vec<crate::store::Change>,
    /// Changed flows: id → row (`None`: deleted) and its deploy records in every
    /// environment.
    pub flows: Vec<(String, Option<Flow>, Vec<DeployRecord>)>,
    /// Task counts per function, when a flow or function changed (for "used by").
    pub usage: Option<HashMap<String, usize>>,
    /// The whole library, when a function changed.
    pub functions: Option<Vec<Function>>,
    /// Everything, when the watcher fell behind the kept change log.
    pub reload: Option<(LibraryData, FlowsData)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Run a job off the UI thread; its answer comes back as `Event::Job`.
    Run(JobId, Job),
    Quit,
    /// What the Airflow poller should follow: the flows and runs on screen, and the
    /// DAGs whose row (paused, in Airflow or not) a pane shows or a key needs.
    Watch {
        flows: Vec<String>,
        runs: Vec<RunKey>,
        dags: Vec<String>,
    },
    /// Ask the poller to re-read now (an action changed something in Airflow).
    PollNow,
    /// Ring the terminal bell (the app rings only when the config enables it).
    Bell,
    /// Work with another environment of the config: the app replaces the Airflow
    /// client, the poller and the deploy target, then calls `environment::switched`.
    SwitchEnvironment {
        name: String,
    },
}

/// Work that touches the disk, the database or python3.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    LoadLibrary,
    LoadFlows,
    /// Which registered functions' source files changed since registration.
    CheckSources,
    /// The stored file of a function, for the preview (newer requests replace older).
    ReadSource {
        function: Box<Function>,
    },
    /// Paths starting with `input` (newer requests replace older).
    CompletePath {
        input: String,
    },
    /// The top-level functions of a Python file, for the picker.
    Inspect {
        path: String,
    },
    Register {
        file: PathBuf,
        function: String,
        name: Option<String>,
        description: Option<String>,
        reimport: bool,
    },
    UpdateFunction {
        id: String,
        name: String,
        description: String,
        /// `updated_at` of the record the dialog opened with: a change saved meanwhile
        /// by someone else is refused, not overwritten.
        updated_at: chrono::DateTime<chrono::Utc>,
        /// Name and description as the dialog opened with them: someone else's change
        /// to the other field is kept (a merge by field).
        base_name: String,
        base_description: String,
    },
    DeleteFunction {
        name: String,
    },
    /// A request to Airflow; the app runs it as an async task, not on the worker.
    Airflow(AirflowJob),
    /// Compare the dags folder with the saved flows (missing, stale, orphaned, foreign
    /// DAG files). `Check` only reports; `Repair` makes exactly the changes the operator
    /// confirmed (lines of `ReconcileReport::planned`), nothing that appeared since.
    Reconcile(ReconcileJob),
    // The Flows pane (issue 6).
    /// A whole flow, to open it in the editor.
    LoadFlow {
        flow_id: String,
    },
    /// The checks that need python3 and the diff against the deployed version.
    PrepareSave {
        spec: Box<FlowSpec>,
    },
    SaveFlow {
        spec: Box<FlowSpec>,
        /// What the database must hold for the save to go ahead: see `store::Base`.
        base: crate::store::Base,
        /// The version the draft's content was edited from (`None`: a new flow). Usually
        /// the same as `base`; "save mine anyway" sets `base` to their version while the
        /// edits still date from this one, which a further conflict's diff and merge use.
        started_from: Option<u32>,
    },
    /// Render, write and wait for Airflow; runs on the async runtime (it waits on
    /// Airflow for seconds) and reports progress as `Event::Deploy`.
    Deploy {
        flow_id: String,
    },
    /// Deploy every flow whose saved version Airflow has not confirmed (after Airflow
    /// came back); async like `Deploy`.
    DeployPending,
    /// What promoting a flow from one environment to another would deploy (or why not).
    PlanPromotion {
        flow_id: String,
        from: String,
        to: String,
    },
    /// Deploy this version of a flow to environment `to`; async like `Deploy`.
    Promote {
        to: String,
        flow_id: String,
        version: u32,
    },
    /// Removes the DAG file, then the flow.
    DeleteFlow {
        flow_id: String,
        name: String,
        /// The version the operator saw when confirming.
        base: crate::store::Base,
    },
    RenameFlow {
        flow_id: String,
        name: String,
        /// The version the operator saw (see `store::Base`).
        version: u32,
    },
    DuplicateFlow {
        flow_id: String,
        name: String,
    },
    /// python3's verdict on python_callable override code.
    CheckCode {
        code: String,
    },
    LoadRevisions {
        flow_id: String,
    },
    /// Keep the editor's unsaved draft in the database (newer ones replace older).
    SaveDraft {
        draft: Box<crate::store::Draft>,
    },
    /// Forget this process's draft of a flow (saved or abandoned).
    DropDraft {
        flow_id: String,
    },
    /// Forget another (ended) process's draft: restored into the editor, or discarded.
    DiscardDraft {
        draft: Box<crate::store::Draft>,
    },
}

impl Job {
    /// Jobs the app runs on the async runtime instead of the worker thread, because
    /// they wait on the network and must not hold up the database work queued behind.
    pub fn is_async(&self) -> bool {
        matches!(
            self,
            Job::Deploy { .. } | Job::DeployPending | Job::Promote { .. }
        )
    }

    /// Whether the job would change an Airflow or its DAG files (a read-only
    /// environment refuses it): writing, removing or repairing DAG files, copying a
    /// function into the dags folder's library, and Airflow requests that change state.
    /// Every variant is listed, so a new job must be classed here.
    pub fn changes_airflow(&self) -> bool {
        match self {
            Job::Register { .. }
            | Job::Deploy { .. }
            | Job::DeployPending
            | Job::DeleteFlow { .. }
            | Job::Promote { .. }
            | Job::Reconcile(ReconcileJob::Repair { .. }) => true,
            Job::Airflow(job) => job.changes_airflow(),
            Job::LoadLibrary
            | Job::LoadFlows
            | Job::CheckSources
            | Job::ReadSource { .. }
            | Job::CompletePath { .. }
            | Job::Inspect { .. }
            | Job::UpdateFunction { .. }
            | Job::DeleteFunction { .. }
            | Job::Reconcile(ReconcileJob::Startup | ReconcileJob::Check)
            | Job::LoadFlow { .. }
            | Job::PlanPromotion { .. }
            | Job::PrepareSave { .. }
            | Job::SaveFlow { .. }
            | Job::RenameFlow { .. }
            | Job::DuplicateFlow { .. }
            | Job::CheckCode { .. }
            | Job::LoadRevisions { .. }
            | Job::SaveDraft { .. }
            | Job::DropDraft { .. }
            | Job::DiscardDraft { .. } => false,
        }
    }

    /// The environment a job changes when it is not the current one: a promotion's
    /// target (its source is only read). The read-only check applies to that one.
    pub fn changes_environment(&self) -> Option<&str> {
        match self {
            Job::Promote { to, .. } => Some(to),
            _ => None,
        }
    }

    /// Jobs whose answer comes from the current environment's Airflow or deploy target
    /// (dropped after a switch to another environment).
    pub fn is_environment_bound(&self) -> bool {
        matches!(self, Job::Airflow(_)) || self.is_async()
    }

    /// Jobs of the same kind that a newer one makes pointless.
    pub fn coalesces_with(&self, newer: &Job) -> bool {
        matches!(
            (self, newer),
            (Job::ReadSource { .. }, Job::ReadSource { .. })
                | (Job::CompletePath { .. }, Job::CompletePath { .. })
                | (Job::LoadLibrary, Job::LoadLibrary)
                | (Job::LoadFlows, Job::LoadFlows)
                | (Job::CheckSources, Job::CheckSources)
        ) || matches!(
            (self, newer),
            (Job::SaveDraft { draft: a }, Job::SaveDraft { draft: b }) if a.flow_id == b.flow_id
        )
    }
}

#[derive(Debug, Clone, Default)]
pub struct LibraryData {
    pub functions: Vec<Function>,
    /// Tasks using each function id.
    pub usage: HashMap<String, usize>,
}

#[derive(Debug, Clone, Default)]
pub struct FlowsData {
    pub flows: Vec<Flow>,
    /// Deploy records by flow id, in every environment (see `Store::all_deploys`).
    pub deploys: HashMap<String, Vec<DeployRecord>>,
}

/// Errors are already readable sentences (the library's `Display`).
#[derive(Debug)]
pub enum JobResult {
    /// A newer job of the same kind replaced this one before it ran.
    Superseded,
    /// A draft was kept or forgotten (only a failure is news).
    DraftKept(Result<(), String>),
    Library(Result<LibraryData, String>),
    Flows(Result<FlowsData, String>),
    SourcesChanged(Result<Vec<String>, String>),
    Source {
        function_id: String,
        text: Result<String, String>,
        changed: bool,
    },
    Completions {
        input: String,
        candidates: Result<Vec<String>, String>,
    },
    Inspected {
        path: String,
        file: PathBuf,
        functions: Result<Vec<FunctionInfo>, String>,
    },
    Registered {
        result: Result<Function, String>,
        reimport: bool,
    },
    Updated(Result<Function, String>),
    /// Someone changed the same field of the function meanwhile: the message shows
    /// theirs; a save now goes over their version (`updated_at`).
    UpdateConflict {
        message: String,
        updated_at: chrono::DateTime<chrono::Utc>,
    },
    Deleted {
        name: String,
        result: Result<Function, String>,
    },
    Airflow(AirflowAnswer),
    /// What reconcile found or did.
    Reconciled {
        job: ReconcileJob,
        result: Result<Reconciled, String>,
    },
    // The Flows pane (issue 6).
    FlowLoaded {
        flow_id: String,
        result: Result<FlowSpec, String>,
    },
    SavePrepared(Result<Box<Prepared>, String>),
    FlowSaved(Result<Box<SaveOutcome>, SaveFailure>),
    Deployed {
        flow_id: String,
        result: Result<DeployRecord, String>,
    },
    /// Flow ids deployed after Airflow came back.
    DeployedPending(Result<Vec<String>, String>),
    FlowDeleted {
        name: String,
        result: Result<(), String>,
    },
    /// A rename or a duplicate was stored.
    FlowStored {
        duplicate: bool,
        result: Result<Box<SaveOutcome>, String>,
    },
    CodeChecked {
        code: String,
        result: Result<Vec<OptionProblem>, String>,
    },
    Revisions {
        flow_id: String,
        result: Result<Vec<Revision>, String>,
    },
    PromotionPlanned {
        from: String,
        to: String,
        result: Result<Box<crate::deploy::promote::Promotion>, String>,
    },
    Promoted {
        to: String,
        result: Result<DeployRecord, String>,
    },
}

impl JobResult {
    /// Answers the Flows pane handles.
    pub fn is_flows(&self) -> bool {
        matches!(
            self,
            JobResult::FlowLoaded { .. }
                | JobResult::SavePrepared(_)
                | JobResult::FlowSaved(_)
                | JobResult::Deployed { .. }
                | JobResult::DeployedPending(_)
                | JobResult::FlowDeleted { .. }
                | JobResult::FlowStored { .. }
                | JobResult::CodeChecked { .. }
                | JobResult::Revisions { .. }
        )
    }
}

/// What a save would change: the deployed version's document and the new one.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub spec: FlowSpec,
    pub old_text: String,
    pub new_text: String,
    /// The deployed version as a flow (tasks matched to the draft's by variable id).
    pub old_spec: FlowSpec,
    /// "v3 (deployed)" or "nothing deployed yet".
    pub against: String,
    /// python_callable overrides python3 refused.
    pub problems: Vec<crate::model::Problem>,
}

/// Which reconcile to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReconcileJob {
    /// At start-up: report quietly, a summary line at most.
    Startup,
    /// `:reconcile`: report, then ask before any repair.
    Check,
    Repair {
        confirmed: Vec<String>,
    },
}

/// Reconcile's answer: its findings, what a repair would change, and (after a repair)
/// what was done.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reconciled {
    pub findings: Vec<String>,
    pub planned: Vec<String>,
    /// Files of other databases (left alone).
    pub foreign: usize,
    pub done: Vec<String>,
}

/// Why a flow save failed.
#[derive(Debug, Clone)]
pub enum SaveFailure {
    /// Someone saved (or deleted) the flow after this editor loaded it.
    Conflict(Box<ConflictDetails>),
    /// Anything else, as one message.
    Other(String),
}

impl std::fmt::Display for SaveFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SaveFailure::Conflict(c) => c.conflict.fmt(f),
            SaveFailure::Other(e) => f.write_str(e),
        }
    }
}

/// A refused save with the three versions the operator chooses between.
#[derive(Debug, Clone)]
pub struct ConflictDetails {
    pub conflict: crate::store::Conflict,
    /// The version the editor started from, as saved then (`None`: a new flow).
    pub base: Option<FlowSpec>,
    /// The flow as stored now (`None`: deleted meanwhile).
    pub theirs: Option<FlowSpec>,
    /// The editor's draft.
    pub mine: FlowSpec,
}
