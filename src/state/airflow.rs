//! What flowdeck knows of Airflow beyond its health: the DAGs and import errors the
//! poller last reported (any pane may read them: the Flows pane shows paused / import
//! error from here), and the requests the Runs pane sends to Airflow with their answers.
//!
//! Airflow requests are `Job::Airflow`; the app runs them as tokio tasks (never on the
//! worker thread, whose database jobs must not wait behind a slow Airflow) and answers
//! with `JobResult::Airflow`.

use crate::airflow::{Dag, DagRun, ImportError, ManualState, TaskInfo, TaskInstance};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Instant;

/// The poller's picture of flowdeck's DAGs in Airflow.
#[derive(Debug, Clone, Default)]
pub struct AirflowView {
    /// flowdeck's (non-stale) DAGs by id, as last listed.
    pub dags: BTreeMap<String, Dag>,
    /// The DAGs the last answers were about: all of flowdeck's (`All`), or these ids.
    /// A DAG outside it is not known either way (not "not in Airflow").
    pub dags_scope: crate::airflow::DagScope,
    /// Every import error Airflow reports (not only flowdeck's).
    pub import_errors: Vec<ImportError>,
    pub dags_at: Option<Instant>,
    pub import_errors_at: Option<Instant>,
    /// The poller's last runs snapshot, by DAG id, newest first: every flow watched at
    /// the time (a flow without runs maps to `[]`). A pane that opens on a flow shows
    /// these at once instead of waiting for a change.
    pub runs: BTreeMap<String, Vec<DagRun>>,
}

impl AirflowView {
    /// The DAG of a flow, once Airflow has parsed it (and while it imports cleanly:
    /// Airflow hides DAGs whose file fails to import).
    pub fn dag(&self, flow_id: &str) -> Option<&Dag> {
        self.dags.get(flow_id)
    }

    /// Whether Airflow was asked about this DAG: then [`AirflowView::dag`]'s `None`
    /// means Airflow does not have it.
    pub fn knows(&self, flow_id: &str) -> bool {
        self.dags_at.is_some()
            && match &self.dags_scope {
                crate::airflow::DagScope::All => true,
                crate::airflow::DagScope::Only(ids) => ids.iter().any(|i| i == flow_id),
            }
    }

    /// Takes in a poller answer: everything for `All`; for `Only(ids)`, those ids'
    /// rows (the ones missing are gone), other rows kept.
    pub fn apply_dags(&mut self, dags: Vec<Dag>, scope: crate::airflow::DagScope, at: Instant) {
        match &scope {
            crate::airflow::DagScope::All => {
                self.dags = dags.into_iter().map(|d| (d.dag_id.clone(), d)).collect();
            }
            crate::airflow::DagScope::Only(ids) => {
                self.dags.retain(|id, _| !ids.contains(id));
                self.dags
                    .extend(dags.into_iter().map(|d| (d.dag_id.clone(), d)));
            }
        }
        self.dags_scope = scope;
        self.dags_at = Some(at);
    }

    /// The import error of a flow's DAG file (`<flow_id>.py`), if Airflow reports one.
    pub fn import_error(&self, flow_id: &str) -> Option<&ImportError> {
        let file = crate::render::dag_file_name(flow_id);
        self.import_errors
            .iter()
            .find(|e| file_name(&e.filename) == file)
    }

    /// Import errors of files that look like flowdeck's DAG files (`dag_….py`), with
    /// the flow id each names.
    pub fn flowdeck_import_errors(&self) -> Vec<(String, &ImportError)> {
        self.import_errors
            .iter()
            .filter_map(|e| {
                let stem = file_name(&e.filename).strip_suffix(".py")?;
                (stem.starts_with("dag_") && crate::render::is_valid_flow_id(stem))
                    .then(|| (stem.to_string(), e))
            })
            .collect()
    }
}

/// The last path component (Airflow 3 sends paths relative to the bundle, Airflow 2
/// absolute ones).
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A request to Airflow made by the Runs pane.
#[derive(Debug, Clone, PartialEq)]
pub enum AirflowJob {
    /// The DAG's tasks, for the order of the grid's rows.
    DagTasks {
        dag_id: String,
    },
    /// One task instance and what it returned, for the detail view.
    TaskDetail {
        dag_id: String,
        run_id: String,
        task_id: String,
    },
    /// A task's log: all of it, or what came after `token`.
    Log {
        dag_id: String,
        run_id: String,
        task_id: String,
        try_number: u32,
        token: Option<String>,
    },
    Trigger {
        dag_id: String,
        conf: Option<Value>,
    },
    SetPaused {
        dag_id: String,
        paused: bool,
    },
    /// `dry_run` only asks Airflow what would be cleared.
    Clear {
        dag_id: String,
        run_id: String,
        task_ids: Vec<String>,
        downstream: bool,
        dry_run: bool,
    },
    Mark {
        dag_id: String,
        run_id: String,
        task_id: String,
        state: ManualState,
    },
}

impl AirflowJob {
    /// Whether the request changes Airflow's state (trigger, pause, clear, mark); a
    /// clear's dry run and every read do not.
    pub fn changes_airflow(&self) -> bool {
        match self {
            AirflowJob::Trigger { .. } | AirflowJob::SetPaused { .. } | AirflowJob::Mark { .. } => {
                true
            }
            AirflowJob::Clear { dry_run, .. } => !dry_run,
            AirflowJob::DagTasks { .. }
            | AirflowJob::TaskDetail { .. }
            | AirflowJob::Log { .. } => false,
        }
    }
}

/// Airflow's answer to an [`AirflowJob`]; errors are readable sentences.
#[derive(Debug, Clone)]
pub enum AirflowAnswer {
    DagTasks {
        dag_id: String,
        result: Result<Vec<TaskInfo>, String>,
    },
    TaskDetail {
        dag_id: String,
        run_id: String,
        task_id: String,
        ti: Result<TaskInstance, String>,
        /// `Ok(None)`: the task returned nothing (or has not finished).
        xcom: Result<Option<Value>, String>,
    },
    Log {
        dag_id: String,
        run_id: String,
        task_id: String,
        try_number: u32,
        /// Whether this answer continues an earlier one (append) or is the whole log.
        continued: bool,
        result: Result<Value, String>,
    },
    Triggered {
        dag_id: String,
        result: Result<DagRun, String>,
    },
    Paused {
        dag_id: String,
        paused: bool,
        result: Result<Dag, String>,
    },
    Cleared {
        dag_id: String,
        run_id: String,
        task_ids: Vec<String>,
        downstream: bool,
        dry_run: bool,
        result: Result<Vec<TaskInstance>, String>,
    },
    Marked {
        dag_id: String,
        run_id: String,
        task_id: String,
        state: ManualState,
        result: Result<(), String>,
    },
}

impl AirflowAnswer {
    /// The answer a request gets when it could not be sent at all.
    pub fn failed(job: &AirflowJob, e: String) -> AirflowAnswer {
        match job.clone() {
            AirflowJob::DagTasks { dag_id } => AirflowAnswer::DagTasks {
                dag_id,
                result: Err(e),
            },
            AirflowJob::TaskDetail {
                dag_id,
                run_id,
                task_id,
            } => AirflowAnswer::TaskDetail {
                dag_id,
                run_id,
                task_id,
                ti: Err(e.clone()),
                xcom: Err(e),
            },
            AirflowJob::Log {
                dag_id,
                run_id,
                task_id,
                try_number,
                token,
            } => AirflowAnswer::Log {
                dag_id,
                run_id,
                task_id,
                try_number,
                continued: token.is_some(),
                result: Err(e),
            },
            AirflowJob::Trigger { dag_id, .. } => AirflowAnswer::Triggered {
                dag_id,
                result: Err(e),
            },
            AirflowJob::SetPaused { dag_id, paused } => AirflowAnswer::Paused {
                dag_id,
                paused,
                result: Err(e),
            },
            AirflowJob::Clear {
                dag_id,
                run_id,
                task_ids,
                downstream,
                dry_run,
            } => AirflowAnswer::Cleared {
                dag_id,
                run_id,
                task_ids,
                downstream,
                dry_run,
                result: Err(e),
            },
            AirflowJob::Mark {
                dag_id,
                run_id,
                task_id,
                state,
            } => AirflowAnswer::Marked {
                dag_id,
                run_id,
                task_id,
                state,
                result: Err(e),
            },
        }
    }
}
