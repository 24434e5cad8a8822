//! The Airflow objects flowdeck uses, one set of types for both APIs. Free-text fields
//! (paths, tags, descriptions, tracebacks, notes, operator names) are sanitised for the
//! terminal here; identifiers are kept exactly as Airflow sent them, because they are
//! sent back in URLs (Airflow restricts DAG and task ids to `[\w.-]`; run ids are best
//! passed through [`super::sanitize_for_terminal`] when shown). `conf` and XCom values
//! stay JSON and must be sanitised by whoever prints them. The wire structs
//! below them accept what Airflow 3 (`/api/v2`) and Airflow 2 (`/api/v1`) send — every
//! field optional, unknown fields ignored — so a new Airflow release adding or dropping a
//! field does not break parsing; the `From` impls fill in the differences.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::fmt;

use super::text::{sanitize_for_terminal, sanitize_multiline};

/// Which REST API the server speaks, found by probing `/api/v2/version` then `/api/v1/version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ApiVersion {
    /// Airflow 2.x, `/api/v1`, HTTP basic auth.
    V1,
    /// Airflow 3.x, `/api/v2`, JWT from `POST /auth/token`.
    V2,
}

impl ApiVersion {
    #[must_use]
    pub fn prefix(self) -> &'static str {
        match self {
            ApiVersion::V1 => "/api/v1",
            ApiVersion::V2 => "/api/v2",
        }
    }
}

/// `GET /version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Version {
    pub version: String,
    pub git_version: Option<String>,
    pub api: ApiVersion,
}

/// One component of `GET /monitor/health` (v2) or `GET /health` (v1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ComponentHealth {
    /// `healthy`, `unhealthy`, or `None` when the component is not deployed.
    pub status: Option<String>,
    pub latest_heartbeat: Option<DateTime<Utc>>,
}

impl ComponentHealth {
    #[must_use]
    pub fn is_healthy(&self) -> bool {
        self.status.as_deref() == Some("healthy")
    }
}

/// Health of the Airflow deployment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Health {
    pub metadatabase: ComponentHealth,
    pub scheduler: ComponentHealth,
    pub triggerer: ComponentHealth,
    pub dag_processor: Option<ComponentHealth>,
}

impl Health {
    /// Database and scheduler are what runs need; the triggerer and dag-processor only
    /// matter for deferrable tasks and parsing, which the caller can check separately.
    #[must_use]
    pub fn is_healthy(&self) -> bool {
        self.metadatabase.is_healthy() && self.scheduler.is_healthy()
    }

    /// Names of components reporting something other than healthy, for a status line.
    #[must_use]
    pub fn unhealthy_components(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if !self.metadatabase.is_healthy() {
            out.push("metadatabase");
        }
        if !self.scheduler.is_healthy() {
            out.push("scheduler");
        }
        if self.triggerer.status.is_some() && !self.triggerer.is_healthy() {
            out.push("triggerer");
        }
        if let Some(dp) = &self.dag_processor {
            if dp.status.is_some() && !dp.is_healthy() {
                out.push("dag_processor");
            }
        }
        out
    }
}

/// A DAG as Airflow serves it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Dag {
    pub dag_id: String,
    pub is_paused: bool,
    /// v2 `is_stale`, v1 `!is_active`: the file is gone or failed to import; Airflow hides
    /// such DAGs from listings and refuses to trigger them.
    pub is_stale: bool,
    pub has_import_errors: bool,
    pub last_parsed_time: Option<DateTime<Utc>>,
    /// Absolute path as the dag-processor saw it.
    pub fileloc: String,
    /// Path relative to the bundle root (v2 only).
    pub relative_fileloc: Option<String>,
    /// DAG bundle (v2 only; Airflow 2 has a single dags folder).
    pub bundle_name: Option<String>,
    /// Opaque token for `parseDagFile` and `dagSources`.
    pub file_token: String,
    /// The bundle version (for a Git bundle: the commit SHA) of the served DAG version
    /// (`latest_dag_version` of `/details`), else of the DAG's last parse; v2 only, and
    /// only for versioned bundles.
    pub bundle_version: Option<String>,
    pub tags: Vec<String>,
    pub timetable_description: Option<String>,
    /// The DAG's `doc_md` as the served (serialized) DAG has it; only
    /// `/dags/{id}/details` returns it (`None` from listings). Raw text: for matching,
    /// not for display.
    pub doc_md: Option<String>,
}

/// A recorded import (parse) failure of a DAG file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportError {
    pub id: i64,
    pub timestamp: Option<DateTime<Utc>>,
    /// Relative to the bundle in Airflow 3, absolute in Airflow 2.
    pub filename: String,
    pub bundle_name: Option<String>,
    /// The Python traceback, sanitised for the terminal (line breaks kept).
    pub stack_trace: String,
}

/// State of a DAG run. Unknown values from a newer Airflow are kept in `Other`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum DagRunState {
    Queued,
    Running,
    Success,
    Failed,
    Other(String),
}

impl DagRunState {
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            DagRunState::Queued => "queued",
            DagRunState::Running => "running",
            DagRunState::Success => "success",
            DagRunState::Failed => "failed",
            DagRunState::Other(s) => s,
        }
    }

    /// Success or failed: nothing will change any more unless someone clears a task.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        matches!(self, DagRunState::Success | DagRunState::Failed)
    }
}

impl From<String> for DagRunState {
    fn from(s: String) -> Self {
        match s.as_str() {
            "queued" => DagRunState::Queued,
            "running" => DagRunState::Running,
            "success" => DagRunState::Success,
            "failed" => DagRunState::Failed,
            _ => DagRunState::Other(sanitize_for_terminal(&s)),
        }
    }
}

impl From<DagRunState> for String {
    fn from(s: DagRunState) -> Self {
        s.as_str().to_owned()
    }
}

impl fmt::Display for DagRunState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// State of a task instance (`None` in [`TaskInstance::state`] means not yet scheduled).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum TaskState {
    Removed,
    Scheduled,
    Queued,
    Running,
    Success,
    Restarting,
    Failed,
    UpForRetry,
    UpForReschedule,
    UpstreamFailed,
    Skipped,
    Deferred,
    AwaitingInput,
    Other(String),
}

impl TaskState {
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            TaskState::Removed => "removed",
            TaskState::Scheduled => "scheduled",
            TaskState::Queued => "queued",
            TaskState::Running => "running",
            TaskState::Success => "success",
            TaskState::Restarting => "restarting",
            TaskState::Failed => "failed",
            TaskState::UpForRetry => "up_for_retry",
            TaskState::UpForReschedule => "up_for_reschedule",
            TaskState::UpstreamFailed => "upstream_failed",
            TaskState::Skipped => "skipped",
            TaskState::Deferred => "deferred",
            TaskState::AwaitingInput => "awaiting_input",
            TaskState::Other(s) => s,
        }
    }

    #[must_use]
    pub fn is_finished(&self) -> bool {
        matches!(
            self,
            TaskState::Success
                | TaskState::Failed
                | TaskState::UpstreamFailed
                | TaskState::Skipped
                | TaskState::Removed
        )
    }
}

impl From<String> for TaskState {
    fn from(s: String) -> Self {
        match s.as_str() {
            "removed" => TaskState::Removed,
            "scheduled" => TaskState::Scheduled,
            "queued" => TaskState::Queued,
            "running" => TaskState::Running,
            "success" => TaskState::Success,
            "restarting" => TaskState::Restarting,
            "failed" => TaskState::Failed,
            "up_for_retry" => TaskState::UpForRetry,
            "up_for_reschedule" => TaskState::UpForReschedule,
            "upstream_failed" => TaskState::UpstreamFailed,
            "skipped" => TaskState::Skipped,
            "deferred" => TaskState::Deferred,
            "awaiting_input" => TaskState::AwaitingInput,
            _ => TaskState::Other(sanitize_for_terminal(&s)),
        }
    }
}

impl From<TaskState> for String {
    fn from(s: TaskState) -> Self {
        s.as_str().to_owned()
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A DAG run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DagRun {
    pub dag_id: String,
    pub run_id: String,
    /// `manual`, `scheduled`, `backfill`, `asset_triggered` (v2) / `dataset_triggered` (v1).
    pub run_type: String,
    pub state: DagRunState,
    pub logical_date: Option<DateTime<Utc>>,
    pub queued_at: Option<DateTime<Utc>>,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    /// When the run may start: v2 `run_after`, v1 `execution_date`. Runs sort by this.
    pub run_after: Option<DateTime<Utc>>,
    /// `Value::Null` when the run has no conf.
    pub conf: Value,
    pub note: Option<String>,
}

/// A task instance (one try of one task in one run; `map_index` -1 for unmapped tasks).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskInstance {
    pub dag_id: String,
    pub run_id: String,
    pub task_id: String,
    pub map_index: i64,
    pub state: Option<TaskState>,
    pub try_number: u32,
    pub max_tries: u32,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    /// Seconds.
    pub duration: Option<f64>,
    pub operator: Option<String>,
}

/// A task as the DAG defines it (`GET /dags/{id}/tasks`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TaskInfo {
    pub task_id: String,
    pub downstream_task_ids: Vec<String>,
    /// Operator class name, e.g. `PythonOperator`.
    pub operator: Option<String>,
}

/// Identifies one DAG run.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RunKey {
    pub dag_id: String,
    pub run_id: String,
}

impl RunKey {
    pub fn new(dag_id: impl Into<String>, run_id: impl Into<String>) -> Self {
        Self {
            dag_id: dag_id.into(),
            run_id: run_id.into(),
        }
    }
}

/// Result of a "changed since" query: the items plus the server's clock when it answered,
/// which is where the next query should start (the local clock may be skewed).
#[derive(Debug, Clone, PartialEq)]
pub struct Changes<T> {
    pub items: Vec<T>,
    pub server_time: Option<DateTime<Utc>>,
}

/// The state a task can be set to by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManualState {
    Success,
    Failed,
}

impl ManualState {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ManualState::Success => "success",
            ManualState::Failed => "failed",
        }
    }
}

/// Reading recorded or raw REST answers into the typed values (tests, fixtures, and the
/// few calls that keep the raw JSON): the same lenient wire structs as the client uses.
fn list_from_json<W: serde::de::DeserializeOwned, T: From<W>>(body: &Value, key: &str) -> Vec<T> {
    let items = body.get(key).unwrap_or(body);
    items
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| W::deserialize(v).ok())
        .map(T::from)
        .collect()
}

impl DagRun {
    /// The runs of a `GET …/dagRuns` answer (or a bare array of runs).
    #[must_use]
    pub fn list_from_json(body: &Value) -> Vec<DagRun> {
        list_from_json::<WireDagRun, DagRun>(body, "dag_runs")
    }
}

impl TaskInstance {
    /// The task instances of a `GET …/taskInstances` answer (or a bare array).
    #[must_use]
    pub fn list_from_json(body: &Value) -> Vec<TaskInstance> {
        list_from_json::<WireTaskInstance, TaskInstance>(body, "task_instances")
    }

    /// One task instance (`GET …/taskInstances/{task_id}`); `None` if it is not one.
    #[must_use]
    pub fn from_json(body: &Value) -> Option<TaskInstance> {
        WireTaskInstance::deserialize(body).ok().map(Into::into)
    }

    /// Why there is no log of `try_number` (the latest try for `None`), in words, or
    /// `None` when there is one to ask for. Airflow 3.3.2 answers every such request
    /// with a bare 404 "TaskInstance not found", although the task instance exists:
    /// "load has not run in this run (upstream failed)", "load has 1 try".
    #[must_use]
    pub fn no_log_reason(&self, try_number: Option<u32>) -> Option<String> {
        let task = crate::model::text::one_line(&self.task_id);
        if self.try_number == 0 {
            let why = match &self.state {
                None => "not scheduled yet".to_string(),
                Some(TaskState::UpstreamFailed) => "upstream failed".into(),
                Some(TaskState::Skipped) => "skipped".into(),
                Some(TaskState::Removed) => "removed from the flow".into(),
                Some(TaskState::Scheduled) => "scheduled, waiting to be queued".into(),
                Some(TaskState::Queued) => "queued, waiting for a worker".into(),
                Some(other) => crate::model::text::one_line(&other.as_str().replace('_', " ")),
            };
            return Some(format!("{task} has not run in this run ({why})"));
        }
        match try_number {
            Some(0) => Some(format!(
                "tries count from 1; {task} has {}",
                tries(self.try_number)
            )),
            Some(n) if n > self.try_number => Some(format!(
                "{task} has {}; ask for --try {} or leave --try out for the latest",
                tries(self.try_number),
                if self.try_number == 1 {
                    "1".to_string()
                } else {
                    format!("1 to {}", self.try_number)
                }
            )),
            _ => None,
        }
    }
}

/// "1 try", "3 tries".
fn tries(n: u32) -> String {
    if n == 1 {
        "1 try".into()
    } else {
        format!("{n} tries")
    }
}

impl Dag {
    /// The DAGs of a `GET /dags` answer (or a bare array).
    #[must_use]
    pub fn list_from_json(body: &Value) -> Vec<Dag> {
        list_from_json::<WireDag, Dag>(body, "dags")
    }
}

impl ImportError {
    /// The errors of a `GET /importErrors` answer (or a bare array).
    #[must_use]
    pub fn list_from_json(body: &Value) -> Vec<ImportError> {
        list_from_json::<WireImportError, ImportError>(body, "import_errors")
    }
}

// ---------------------------------------------------------------------------------------
// Wire formats. Everything defaults so that a missing field is a gap, not a failure.

/// Timestamps are parsed leniently: a value Airflow formats oddly becomes `None` rather
/// than failing the whole response.
pub(crate) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    // Some Airflow 2 fields come without an offset; the metadata DB stores UTC.
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"))
        .ok()
        .map(|n| n.and_utc())
}

fn lenient_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(v.as_ref().and_then(Value::as_str).and_then(parse_time))
}

/// `null` and absent both become the default (serde's `default` alone rejects `null`).
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct WireVersion {
    #[serde(deserialize_with = "null_default")]
    pub version: String,
    pub git_version: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct WireComponent {
    status: Option<String>,
    #[serde(deserialize_with = "lenient_time")]
    latest_scheduler_heartbeat: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "lenient_time")]
    latest_triggerer_heartbeat: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "lenient_time")]
    latest_dag_processor_heartbeat: Option<DateTime<Utc>>,
}

impl From<WireComponent> for ComponentHealth {
    fn from(w: WireComponent) -> Self {
        ComponentHealth {
            status: w.status,
            latest_heartbeat: w
                .latest_scheduler_heartbeat
                .or(w.latest_triggerer_heartbeat)
                .or(w.latest_dag_processor_heartbeat),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct WireHealth {
    metadatabase: Option<WireComponent>,
    scheduler: Option<WireComponent>,
    triggerer: Option<WireComponent>,
    dag_processor: Option<WireComponent>,
}

impl From<WireHealth> for Health {
    fn from(w: WireHealth) -> Self {
        Health {
            metadatabase: w.metadatabase.map(Into::into).unwrap_or_default(),
            scheduler: w.scheduler.map(Into::into).unwrap_or_default(),
            triggerer: w.triggerer.map(Into::into).unwrap_or_default(),
            dag_processor: w.dag_processor.map(Into::into),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct WireDag {
    #[serde(deserialize_with = "null_default")]
    dag_id: String,
    is_paused: Option<bool>,
    is_stale: Option<bool>,
    is_active: Option<bool>,
    has_import_errors: Option<bool>,
    #[serde(deserialize_with = "lenient_time")]
    last_parsed_time: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "null_default")]
    fileloc: String,
    relative_fileloc: Option<String>,
    bundle_name: Option<String>,
    #[serde(deserialize_with = "null_default")]
    file_token: String,
    bundle_version: Option<String>,
    latest_dag_version: Option<WireDagVersion>,
    #[serde(deserialize_with = "null_default")]
    tags: Vec<Value>,
    timetable_description: Option<String>,
    #[serde(default)]
    doc_md: Option<String>,
}

/// The `latest_dag_version` object of `/dags/{id}/details`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct WireDagVersion {
    bundle_version: Option<String>,
}

impl From<WireDag> for Dag {
    fn from(w: WireDag) -> Self {
        Dag {
            dag_id: w.dag_id,
            is_paused: w.is_paused.unwrap_or(false),
            is_stale: w
                .is_stale
                .or(w.is_active.map(|active| !active))
                .unwrap_or(false),
            has_import_errors: w.has_import_errors.unwrap_or(false),
            last_parsed_time: w.last_parsed_time,
            fileloc: sanitize_for_terminal(&w.fileloc),
            relative_fileloc: w.relative_fileloc.as_deref().map(sanitize_for_terminal),
            bundle_name: w.bundle_name.as_deref().map(sanitize_for_terminal),
            file_token: w.file_token,
            bundle_version: w
                .latest_dag_version
                .and_then(|v| v.bundle_version)
                .or(w.bundle_version)
                .map(|v| sanitize_for_terminal(&v)),
            // v1: [{"name"}], v2: [{"name", "dag_id"}]; plain strings accepted too.
            tags: w
                .tags
                .into_iter()
                .filter_map(|t| match t {
                    Value::String(s) => Some(sanitize_for_terminal(&s)),
                    Value::Object(mut m) => match m.remove("name") {
                        Some(Value::String(s)) => Some(sanitize_for_terminal(&s)),
                        _ => None,
                    },
                    _ => None,
                })
                .collect(),
            timetable_description: w
                .timetable_description
                .as_deref()
                .map(sanitize_for_terminal),
            doc_md: w.doc_md,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct WireDags {
    #[serde(deserialize_with = "null_default")]
    pub dags: Vec<WireDag>,
    pub total_entries: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct WireImportError {
    #[serde(deserialize_with = "null_default")]
    import_error_id: i64,
    #[serde(deserialize_with = "lenient_time")]
    timestamp: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "null_default")]
    filename: String,
    bundle_name: Option<String>,
    #[serde(deserialize_with = "null_default")]
    stack_trace: String,
}

impl From<WireImportError> for ImportError {
    fn from(w: WireImportError) -> Self {
        ImportError {
            id: w.import_error_id,
            timestamp: w.timestamp,
            filename: sanitize_for_terminal(&w.filename),
            bundle_name: w.bundle_name.as_deref().map(sanitize_for_terminal),
            stack_trace: sanitize_multiline(&w.stack_trace),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct WireImportErrors {
    #[serde(deserialize_with = "null_default")]
    pub import_errors: Vec<WireImportError>,
    pub total_entries: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct WireDagRun {
    #[serde(deserialize_with = "null_default")]
    dag_id: String,
    #[serde(deserialize_with = "null_default", alias = "run_id")]
    dag_run_id: String,
    #[serde(deserialize_with = "null_default")]
    run_type: String,
    state: Option<String>,
    #[serde(deserialize_with = "lenient_time")]
    logical_date: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "lenient_time")]
    execution_date: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "lenient_time")]
    queued_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "lenient_time")]
    start_date: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "lenient_time")]
    end_date: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "lenient_time")]
    run_after: Option<DateTime<Utc>>,
    conf: Value,
    note: Option<String>,
}

impl From<WireDagRun> for DagRun {
    fn from(w: WireDagRun) -> Self {
        DagRun {
            dag_id: w.dag_id,
            run_id: w.dag_run_id,
            run_type: sanitize_for_terminal(&w.run_type),
            state: w.state.map_or(DagRunState::Queued, DagRunState::from),
            logical_date: w.logical_date.or(w.execution_date),
            queued_at: w.queued_at,
            start_date: w.start_date,
            end_date: w.end_date,
            run_after: w.run_after.or(w.execution_date).or(w.logical_date),
            conf: w.conf,
            note: w.note.map(|n| sanitize_multiline(&n)),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct WireDagRuns {
    #[serde(deserialize_with = "null_default")]
    pub dag_runs: Vec<WireDagRun>,
    pub total_entries: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct WireTaskInstance {
    #[serde(deserialize_with = "null_default")]
    dag_id: String,
    #[serde(deserialize_with = "null_default", alias = "run_id")]
    dag_run_id: String,
    #[serde(deserialize_with = "null_default")]
    task_id: String,
    map_index: Option<i64>,
    state: Option<String>,
    try_number: Option<u32>,
    max_tries: Option<u32>,
    #[serde(deserialize_with = "lenient_time")]
    start_date: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "lenient_time")]
    end_date: Option<DateTime<Utc>>,
    duration: Option<f64>,
    operator: Option<String>,
}

impl From<WireTaskInstance> for TaskInstance {
    fn from(w: WireTaskInstance) -> Self {
        TaskInstance {
            dag_id: w.dag_id,
            run_id: w.dag_run_id,
            task_id: w.task_id,
            map_index: w.map_index.unwrap_or(-1),
            // Airflow 2 spells "no state yet" as the string "none".
            state: w
                .state
                .filter(|s| !s.is_empty() && s != "none")
                .map(TaskState::from),
            try_number: w.try_number.unwrap_or(0),
            max_tries: w.max_tries.unwrap_or(0),
            start_date: w.start_date,
            end_date: w.end_date,
            duration: w.duration,
            operator: w.operator.as_deref().map(sanitize_for_terminal),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct WireTaskInstances {
    #[serde(deserialize_with = "null_default")]
    pub task_instances: Vec<WireTaskInstance>,
    pub total_entries: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct WireTask {
    #[serde(deserialize_with = "null_default")]
    task_id: String,
    #[serde(deserialize_with = "null_default")]
    downstream_task_ids: Vec<String>,
    operator_name: Option<String>,
    class_ref: Option<Value>,
}

impl From<WireTask> for TaskInfo {
    fn from(w: WireTask) -> Self {
        let class_name = w
            .class_ref
            .as_ref()
            .and_then(|c| c.get("class_name"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        TaskInfo {
            task_id: w.task_id,
            downstream_task_ids: w.downstream_task_ids,
            operator: w
                .operator_name
                .or(class_name)
                .as_deref()
                .map(sanitize_for_terminal),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct WireTasks {
    #[serde(deserialize_with = "null_default")]
    pub tasks: Vec<WireTask>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct WireToken {
    pub access_token: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct WireXcom {
    pub value: Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct WireLog {
    pub content: Value,
    pub continuation_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_log_reason_says_why_in_words() {
        let ti = |state: Option<TaskState>, tries: u32| TaskInstance {
            dag_id: "d".into(),
            run_id: "r".into(),
            task_id: "load".into(),
            map_index: -1,
            state,
            try_number: tries,
            max_tries: 0,
            start_date: None,
            end_date: None,
            duration: None,
            operator: None,
        };
        let cases = [
            (
                ti(Some(TaskState::UpstreamFailed), 0),
                None,
                Some("load has not run in this run (upstream failed)"),
            ),
            (
                ti(None, 0),
                Some(1),
                Some("load has not run in this run (not scheduled yet)"),
            ),
            (
                ti(Some(TaskState::Skipped), 0),
                None,
                Some("load has not run in this run (skipped)"),
            ),
            (
                ti(Some(TaskState::Failed), 1),
                Some(5),
                Some("load has 1 try; ask for --try 1 or leave --try out for the latest"),
            ),
            (
                ti(Some(TaskState::Success), 3),
                Some(4),
                Some("load has 3 tries; ask for --try 1 to 3 or leave --try out for the latest"),
            ),
            (
                ti(Some(TaskState::Success), 3),
                Some(0),
                Some("tries count from 1; load has 3 tries"),
            ),
            (ti(Some(TaskState::Success), 3), Some(3), None),
            (ti(Some(TaskState::Running), 1), None, None),
        ];
        for (ti, asked, want) in cases {
            assert_eq!(ti.no_log_reason(asked).as_deref(), want, "{ti:?} {asked:?}");
        }
    }

    #[test]
    fn v1_and_v2_dags_normalise() {
        let v2: WireDag = serde_json::from_str(
            r#"{"dag_id":"dag_a","is_paused":true,"is_stale":false,"tags":[{"name":"x","dag_id":"dag_a"}],
                "last_parsed_time":"2026-01-01T00:00:00.5+00:00","extra":1}"#,
        )
        .unwrap();
        let d = Dag::from(v2);
        assert!(d.is_paused && !d.is_stale);
        assert_eq!(d.tags, vec!["x"]);
        assert!(d.last_parsed_time.is_some());
        let v1: WireDag = serde_json::from_str(
            r#"{"dag_id":"dag_b","is_active":false,"is_paused":null,"tags":null}"#,
        )
        .unwrap();
        let d = Dag::from(v1);
        assert!(d.is_stale && !d.is_paused);
    }

    #[test]
    fn runs_and_states() {
        let r: WireDagRun = serde_json::from_str(
            r#"{"dag_id":"d","dag_run_id":"r","state":"weird","execution_date":"2024-01-01T00:00:00+00:00","conf":{}}"#,
        )
        .unwrap();
        let r = DagRun::from(r);
        assert_eq!(r.state, DagRunState::Other("weird".into()));
        assert!(r.run_after.is_some() && r.logical_date.is_some());
        let t: WireTaskInstance =
            serde_json::from_str(r#"{"task_id":"t","state":"none","map_index":null}"#).unwrap();
        let t = TaskInstance::from(t);
        assert_eq!(t.state, None);
        assert_eq!(t.map_index, -1);
        assert_eq!(parse_time("garbage"), None);
        assert!(parse_time("2024-01-01T00:00:00").is_some());
    }
}
