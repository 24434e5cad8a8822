//! Deciding, from what Airflow serves, whether it has loaded THIS render of a flow.
//! Pure, so every rule is unit-tested without a server.

use crate::airflow::{Dag, ImportError, TaskInfo};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

/// What the render should look like once Airflow serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub file_name: String,
    pub tasks: BTreeSet<String>,
    /// (upstream, downstream) task ids.
    pub edges: BTreeSet<(String, String)>,
    /// When the file was written (or found already written).
    pub written_at: DateTime<Utc>,
    /// The render's revision tag; Airflow serving it proves it parsed this file.
    pub revision: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Ready,
    ImportError {
        stack_trace: String,
    },
    /// Not yet; the reason is shown to the operator.
    Waiting(String),
}

/// True when an import error is about `file_name` (relative in Airflow 3, absolute in 2).
pub fn error_is_for(error: &ImportError, file_name: &str) -> bool {
    error.filename == file_name || error.filename.ends_with(&format!("/{file_name}"))
}

pub fn judge(
    expected: &Expected,
    dag: Option<&Dag>,
    served: Option<&[TaskInfo]>,
    errors: &[ImportError],
) -> Verdict {
    if let Some(e) = errors.iter().find(|e| error_is_for(e, &expected.file_name)) {
        // An error from before the write is about a previous render: still waiting. No
        // tolerance here: a previous render's error from just before the write must not
        // pass for this one's (Airflow's clock is the host's when it runs beside us).
        if e.timestamp.is_none_or(|t| t > expected.written_at) {
            return Verdict::ImportError {
                stack_trace: e.stack_trace.clone(),
            };
        }
        return Verdict::Waiting("Airflow still reports the previous version's import error; waiting for it to parse this one".into());
    }
    let Some(dag) = dag else {
        return Verdict::Waiting("waiting for Airflow to find the new DAG file".into());
    };
    if !dag.tags.contains(&expected.revision) {
        return Verdict::Waiting("waiting for Airflow to parse the new version of the file".into());
    }
    if dag.has_import_errors {
        return Verdict::Waiting("Airflow flags an import error; fetching it".into());
    }
    let Some(served) = served else {
        return Verdict::Waiting("waiting for Airflow to serve the DAG's tasks".into());
    };
    let tasks: BTreeSet<String> = served.iter().map(|t| t.task_id.clone()).collect();
    let edges: BTreeSet<(String, String)> = served
        .iter()
        .flat_map(|t| {
            t.downstream_task_ids
                .iter()
                .map(move |d| (t.task_id.clone(), d.clone()))
        })
        .collect();
    if tasks != expected.tasks || edges != expected.edges {
        return Verdict::Waiting("Airflow parsed the file but still serves the previous tasks; waiting for it to store the new structure".into());
    }
    Verdict::Ready
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn expected() -> Expected {
        Expected {
            file_name: "dag_1.py".into(),
            tasks: ["a", "b"].iter().map(|s| s.to_string()).collect(),
            edges: [("a".to_string(), "b".to_string())].into_iter().collect(),
            written_at: Utc::now(),
            revision: "flowdeck-rev:new".into(),
        }
    }

    fn dag(revision: &str) -> Dag {
        Dag {
            dag_id: "dag_1".into(),
            tags: vec!["flowdeck".into(), revision.into()],
            ..Dag::default()
        }
    }

    fn tasks(edge: bool) -> Vec<TaskInfo> {
        vec![
            TaskInfo {
                task_id: "a".into(),
                downstream_task_ids: if edge { vec!["b".into()] } else { vec![] },
                operator: None,
            },
            TaskInfo {
                task_id: "b".into(),
                downstream_task_ids: vec![],
                operator: None,
            },
        ]
    }

    #[test]
    fn ready_needs_this_revision_and_the_same_structure() {
        let e = expected();
        let old = dag("flowdeck-rev:old");
        let new = dag("flowdeck-rev:new");
        assert!(matches!(judge(&e, None, None, &[]), Verdict::Waiting(_)));
        assert!(matches!(
            judge(&e, Some(&old), Some(&tasks(true)), &[]),
            Verdict::Waiting(_)
        ));
        assert!(matches!(
            judge(&e, Some(&new), Some(&tasks(false)), &[]),
            Verdict::Waiting(_)
        ));
        assert_eq!(
            judge(&e, Some(&new), Some(&tasks(true)), &[]),
            Verdict::Ready
        );
    }

    #[test]
    fn import_errors_count_only_when_newer_than_the_write() {
        let e = expected();
        let mut err = ImportError {
            filename: "sub/dag_1.py".into(),
            stack_trace: "Traceback".into(),
            ..ImportError::default()
        };
        err.timestamp = Some(e.written_at - Duration::seconds(60));
        assert!(matches!(
            judge(&e, None, None, std::slice::from_ref(&err)),
            Verdict::Waiting(_)
        ));
        err.timestamp = Some(e.written_at + Duration::seconds(1));
        assert_eq!(
            judge(&e, None, None, &[err]),
            Verdict::ImportError {
                stack_trace: "Traceback".into()
            }
        );
        let other = ImportError {
            filename: "dag_10.py".into(),
            timestamp: Some(Utc::now()),
            ..ImportError::default()
        };
        assert!(matches!(
            judge(&e, None, None, &[other]),
            Verdict::Waiting(_)
        ));
    }
}
