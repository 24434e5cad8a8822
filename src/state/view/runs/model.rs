//! View-models of the run monitor, built from Airflow's JSON.
//!
//! The widgets do not depend on the Airflow client's types: they read the REST API's JSON
//! (`serde_json::Value`, as recorded in `tests/fixtures/airflow3/`) into these small
//! structs. Every string that came from the server is sanitized here, once, so that
//! drawing never has to think about escape sequences. Missing or malformed fields become
//! `None` / empty rather than errors: a monitor should show what it can.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::format::parse_time;
use super::sanitize::{sanitize, split_lines};
use super::task_state::TaskState;

/// One DAG run, as the runs list and the grid show it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunView {
    pub run_id: String,
    /// `manual`, `scheduled`, `backfill`, `asset_triggered`, …
    pub run_type: String,
    pub state: TaskState,
    pub queued_at: Option<DateTime<Utc>>,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    /// Seconds, as Airflow 3 reports it (Airflow 2 does not: then end − start).
    pub duration: Option<f64>,
    /// When the run was due (`run_after` in Airflow 3, `logical_date`/`execution_date` in
    /// Airflow 2): what Airflow orders runs by.
    pub run_after: Option<DateTime<Utc>>,
}

impl From<&Value> for RunView {
    /// Reads one element of `dag_runs` (Airflow 3 `/api/v2` or Airflow 2 `/api/v1`).
    fn from(v: &Value) -> Self {
        let start_date = time(v, "start_date");
        let end_date = time(v, "end_date");
        let duration = v
            .get("duration")
            .and_then(Value::as_f64)
            .or_else(|| Some((end_date? - start_date?).num_milliseconds() as f64 / 1000.0));
        RunView {
            run_id: text(v, "dag_run_id")
                .or_else(|| text(v, "run_id"))
                .unwrap_or_default(),
            run_type: text(v, "run_type").unwrap_or_default(),
            state: state(v),
            queued_at: time(v, "queued_at"),
            start_date,
            end_date,
            duration,
            run_after: time(v, "run_after")
                .or_else(|| time(v, "logical_date"))
                .or_else(|| time(v, "execution_date")),
        }
    }
}

impl RunView {
    /// Reads a `GET …/dagRuns` (or `POST …/dagRuns/list`) response: `{dag_runs: […]}`.
    /// A bare array is accepted too.
    pub fn list_from_json(v: &Value) -> Vec<RunView> {
        array(v, "dag_runs").iter().map(RunView::from).collect()
    }

    /// The run's duration, or for a run still going, how long it has been going at `now`.
    pub fn duration_at(&self, now: Option<DateTime<Utc>>) -> Option<f64> {
        if self.duration.is_some() {
            return self.duration;
        }
        match (self.start_date, self.end_date, now) {
            (Some(s), Some(e), _) => Some((e - s).num_milliseconds() as f64 / 1000.0),
            (Some(s), None, Some(now)) if !self.state.is_finished() => {
                Some(((now - s).num_milliseconds() as f64 / 1000.0).max(0.0))
            }
            _ => None,
        }
    }
}

/// What one cell of the grid needs from a task instance.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskCellView {
    pub run_id: String,
    pub task_id: String,
    /// `-1` for an unmapped task; ≥ 0 for one instance of a mapped task.
    pub map_index: i64,
    pub state: TaskState,
    pub try_number: u32,
}

impl From<&Value> for TaskCellView {
    /// Reads one element of `task_instances`.
    fn from(v: &Value) -> Self {
        TaskCellView {
            run_id: text(v, "dag_run_id")
                .or_else(|| text(v, "run_id"))
                .unwrap_or_default(),
            task_id: text(v, "task_id").unwrap_or_default(),
            map_index: v.get("map_index").and_then(Value::as_i64).unwrap_or(-1),
            state: state(v),
            try_number: uint(v, "try_number"),
        }
    }
}

impl TaskCellView {
    /// Reads a `GET …/taskInstances` response: `{task_instances: […]}` (or a bare array).
    pub fn list_from_json(v: &Value) -> Vec<TaskCellView> {
        array(v, "task_instances")
            .iter()
            .map(TaskCellView::from)
            .collect()
    }
}

/// Everything the task-instance detail shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskInstanceView {
    pub dag_id: String,
    pub run_id: String,
    pub task_id: String,
    pub map_index: i64,
    /// Airflow's label for a mapped instance, when the DAG defines one.
    pub rendered_map_index: Option<String>,
    pub state: TaskState,
    pub try_number: u32,
    /// Retries allowed: the task may run up to `max_tries + 1` times in all.
    pub max_tries: u32,
    pub operator: String,
    pub queued_when: Option<DateTime<Utc>>,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub duration: Option<f64>,
    pub hostname: Option<String>,
    pub pool: Option<String>,
    pub queue: Option<String>,
    pub note: Option<String>,
}

impl From<&Value> for TaskInstanceView {
    /// Reads a `GET …/taskInstances/{task_id}` response (or one list element).
    fn from(v: &Value) -> Self {
        let start_date = time(v, "start_date");
        let end_date = time(v, "end_date");
        TaskInstanceView {
            dag_id: text(v, "dag_id").unwrap_or_default(),
            run_id: text(v, "dag_run_id")
                .or_else(|| text(v, "run_id"))
                .unwrap_or_default(),
            task_id: text(v, "task_id").unwrap_or_default(),
            map_index: v.get("map_index").and_then(Value::as_i64).unwrap_or(-1),
            rendered_map_index: text(v, "rendered_map_index"),
            state: state(v),
            try_number: uint(v, "try_number"),
            max_tries: uint(v, "max_tries"),
            operator: text(v, "operator_name")
                .or_else(|| text(v, "operator"))
                .unwrap_or_default(),
            queued_when: time(v, "queued_when"),
            start_date,
            end_date,
            duration: v
                .get("duration")
                .and_then(Value::as_f64)
                .or_else(|| Some((end_date? - start_date?).num_milliseconds() as f64 / 1000.0)),
            hostname: text(v, "hostname"),
            pool: text(v, "pool"),
            queue: text(v, "queue"),
            note: text(v, "note"),
        }
    }
}

/// A task's output (its XCom `return_value`) as the detail view shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum OutputView {
    /// Not asked for yet, or the request is in flight.
    #[default]
    Loading,
    /// Airflow has no `return_value` for this instance (a 404: the task returned `None`,
    /// or has not finished).
    Missing,
    /// The value, pretty-printed, one sanitized string per line.
    Value(Vec<String>),
    /// The request failed; the message is shown as is (sanitized).
    Error(String),
}

impl OutputView {
    /// Reads a `GET …/xcomEntries/return_value` response: the value as the task returned
    /// it (tuples, sets, dates unwrapped from Airflow's serializer, see
    /// [`crate::airflow::xcom`]); a string that itself holds JSON (a serialized XCom) is
    /// read too; any other string (Airflow 2's Python repr, say) is shown line by line.
    pub fn from_xcom_json(v: &Value) -> OutputView {
        let Some(value) = v.get("value") else {
            return OutputView::Missing;
        };
        let text = crate::airflow::xcom::format_value(value);
        OutputView::Value(split_lines(&text).map(sanitize).collect())
    }

    /// An error message (from the client) for the output pane.
    pub fn error(message: &str) -> OutputView {
        OutputView::Error(sanitize(message))
    }
}

/// Orders task ids for the grid's rows from a `GET /dags/{dag_id}/tasks` response: a
/// topological order (upstream before downstream, following `downstream_task_ids`),
/// ties broken by the order Airflow listed them, so the grid reads top to bottom the way
/// the DAG flows. Tasks in a cycle (impossible in a valid DAG) are appended at the end
/// rather than dropped.
pub fn task_order_from_dag_tasks(v: &Value) -> Vec<String> {
    let tasks = array(v, "tasks");
    let ids: Vec<String> = tasks.iter().filter_map(|t| text(t, "task_id")).collect();
    let index: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut indegree = vec![0usize; ids.len()];
    let mut downstream: Vec<Vec<usize>> = vec![Vec::new(); ids.len()];
    for t in tasks {
        let Some(from) = text(t, "task_id").and_then(|id| index.get(id.as_str()).copied()) else {
            continue;
        };
        for d in t
            .get("downstream_task_ids")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(&to) = d
                .as_str()
                .map(sanitize)
                .as_deref()
                .and_then(|d| index.get(d))
            {
                downstream[from].push(to);
                indegree[to] += 1;
            }
        }
    }
    // Kahn's algorithm; the queue always takes the lowest original index available so the
    // result is stable and matches Airflow's listing where the graph allows it.
    let mut ready: BTreeSet<usize> = (0..ids.len()).filter(|&i| indegree[i] == 0).collect();
    let mut order = Vec::with_capacity(ids.len());
    let mut placed = HashSet::new();
    while let Some(i) = ready.pop_first() {
        order.push(i);
        placed.insert(i);
        for &d in &downstream[i] {
            indegree[d] -= 1;
            if indegree[d] == 0 {
                ready.insert(d);
            }
        }
    }
    order.extend((0..ids.len()).filter(|i| !placed.contains(i)));
    order.into_iter().map(|i| ids[i].clone()).collect()
}

/// The array under `key`, or `v` itself when it is an array.
fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .or_else(|| v.as_array())
        .map_or(&[], Vec::as_slice)
}

/// A string field, sanitized; numbers are shown as text too. Empty and null are `None`.
fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(sanitize(s)),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn time(v: &Value, key: &str) -> Option<DateTime<Utc>> {
    v.get(key).and_then(Value::as_str).and_then(parse_time)
}

fn uint(v: &Value, key: &str) -> u32 {
    v.get(key)
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
}

fn state(v: &Value) -> TaskState {
    TaskState::parse(v.get("state").and_then(Value::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn run_from_airflow3_json() {
        let v = json!({
            "dag_run_id": "manual__2026-11-27T07:20:46.495261+00:00",
            "run_type": "manual", "state": "failed",
            "queued_at": "2026-11-27T07:20:46.510790Z",
            "start_date": "2026-11-27T07:20:48.135719Z",
            "end_date": "2026-11-27T07:20:53.960956Z",
            "duration": 5.825237,
            "run_after": "2026-11-27T07:20:46.495261Z"
        });
        let run = RunView::from(&v);
        assert_eq!(run.run_id, "manual__2026-11-27T07:20:46.495261+00:00");
        assert_eq!(run.state, TaskState::Failed);
        assert_eq!(run.duration, Some(5.825237));
        assert!(run.run_after.is_some());
    }

    #[test]
    fn run_from_airflow2_json_computes_duration() {
        let v = json!({
            "dag_run_id": "scheduled__2024-01-01T00:00:00+00:00",
            "run_type": "scheduled", "state": "success",
            "start_date": "2024-01-02T00:00:00Z", "end_date": "2024-01-02T00:01:30Z",
            "execution_date": "2024-01-01T00:00:00Z"
        });
        let run = RunView::from(&v);
        assert_eq!(run.duration, Some(90.0));
        assert!(run.run_after.is_some());
    }

    #[test]
    fn running_run_duration_grows_with_now() {
        let run = RunView {
            state: TaskState::Running,
            start_date: parse_time("2026-01-01T00:00:00Z"),
            ..RunView::default()
        };
        assert_eq!(
            run.duration_at(parse_time("2026-01-01T00:00:10Z")),
            Some(10.0)
        );
        assert_eq!(run.duration_at(None), None);
    }

    #[test]
    fn hostile_strings_are_sanitized_on_the_way_in() {
        let v = json!({"dag_run_id": "evil\u{1b}[2J", "state": "queued"});
        assert_eq!(RunView::from(&v).run_id, "evil^[[2J");
    }

    #[test]
    fn malformed_json_gives_defaults_not_panics() {
        let run = RunView::from(&json!(42));
        assert_eq!(run, RunView::default());
        assert!(RunView::list_from_json(&json!({"dag_runs": "nope"})).is_empty());
        let ti = TaskInstanceView::from(&json!({"try_number": -3, "state": 7}));
        assert_eq!(ti.try_number, 0);
        assert_eq!(ti.state, TaskState::NoStatus);
    }

    #[test]
    fn xcom_is_shown_as_the_task_returned_it() {
        let out = OutputView::from_xcom_json(&json!({"value": {"total": 3, "rows": [1, 2]}}));
        assert_eq!(
            out,
            OutputView::Value(vec![r#"{"rows": [1, 2], "total": 3}"#.into()])
        );
        // Airflow's serializer wrappers are unwrapped (see airflow::xcom).
        let tuple = json!({"__classname__": "builtins.tuple", "__version__": 1, "__data__": [1, "two", 3.0]});
        let out = OutputView::from_xcom_json(&json!({ "value": tuple }));
        assert_eq!(out, OutputView::Value(vec![r#"(1, "two", 3.0)"#.into()]));
        // A string holding JSON is parsed; any other string is kept.
        let out = OutputView::from_xcom_json(&json!({"value": "[1, 2]"}));
        assert_eq!(out, OutputView::Value(vec!["[1, 2]".into()]));
        let out = OutputView::from_xcom_json(&json!({"value": "{'a': 1}\n\u{1b}x"}));
        assert_eq!(
            out,
            OutputView::Value(vec!["{'a': 1}".into(), "^[x".into()])
        );
        assert_eq!(OutputView::from_xcom_json(&json!({})), OutputView::Missing);
    }

    #[test]
    fn task_order_is_topological_and_stable() {
        let v = json!({"tasks": [
            {"task_id": "report", "downstream_task_ids": []},
            {"task_id": "load", "downstream_task_ids": ["report"]},
            {"task_id": "extract", "downstream_task_ids": ["load", "audit"]},
            {"task_id": "audit", "downstream_task_ids": []},
        ]});
        assert_eq!(
            task_order_from_dag_tasks(&v),
            ["extract", "load", "report", "audit"]
        );
        let cyclic = json!({"tasks": [
            {"task_id": "a", "downstream_task_ids": ["b"]},
            {"task_id": "b", "downstream_task_ids": ["a"]},
            {"task_id": "c"},
        ]});
        assert_eq!(task_order_from_dag_tasks(&cyclic), ["c", "a", "b"]);
    }
}
