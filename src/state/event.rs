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
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Run a job off the UI thread; its answer comes back as `Event::Job`.
    Run(JobId, Job),
    Quit,
    /// What the Airflow poller should follow: the flows and runs on screen.
    Watch {
        flows: Vec<String>,
        runs: Vec<RunKey>,
    },
    /// Ask the poller to re-read now (an action changed something in Airflow).
    PollNow,
    /// Ring the terminal bell (the app rings only when the config enables it).
    Bell,
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
    },
    DeleteFunction {
        name: String,
    },
    /// A request to Airflow; the app runs it as an async task, not on the worker.
    Airflow(AirflowJob),
    /// Compare the dags folder with the saved flows (missing, stale, orphaned DAG files);
    /// with `repair`, fix what differs.
    Reconcile {
        repair: bool,
    },
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
    },
    /// Render, write and wait for Airflow; runs on the async runtime (it waits on
    /// Airflow for seconds) and reports progress as `Event::Deploy`.
    Deploy {
        flow_id: String,
    },
    /// Deploy every flow whose saved version Airflow has not confirmed (after Airflow
    /// came back); async like `Deploy`.
    DeployPending,
    /// Removes the DAG file, then the flow.
    DeleteFlow {
        flow_id: String,
        name: String,
    },
    RenameFlow {
        flow_id: String,
        name: String,
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
}

impl Job {
    /// Jobs the app runs on the async runtime instead of the worker thread, because
    /// they wait on the network and must not hold up the database work queued behind.
    pub fn is_async(&self) -> bool {
        matches!(self, Job::Deploy { .. } | Job::DeployPending)
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
    pub deploys: HashMap<String, DeployRecord>,
}

/// Errors are already readable sentences (the library's `Display`).
#[derive(Debug)]
pub enum JobResult {
    /// A newer job of the same kind replaced this one before it ran.
    Superseded,
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
    Deleted {
        name: String,
        result: Result<Function, String>,
    },
    Airflow(AirflowAnswer),
    /// What reconcile found (no lines: the folder matches) or, with `repair`, did.
    Reconciled {
        repair: bool,
        result: Result<Vec<String>, String>,
    },
    // The Flows pane (issue 6).
    FlowLoaded {
        flow_id: String,
        result: Result<FlowSpec, String>,
    },
    SavePrepared(Result<Box<Prepared>, String>),
    FlowSaved(Result<Box<SaveOutcome>, String>),
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
