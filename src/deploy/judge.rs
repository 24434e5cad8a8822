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
    /// The render's marker (`flowdeck render <12 hex>`), a line of the DAG's `doc_md`.
    /// `doc_md` comes from the DAG Airflow serialized, so seeing the marker there proves
    /// Airflow serves this very file (an older file has another marker).
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

/// Why a render Airflow has parsed is not served yet: Airflow writes a DAG's new
/// serialized version at most every `[core] min_serialized_dag_update_interval` (30 s)
/// and only when it parses the file again after that.
pub const WAITING_FOR_STORE: &str = "Airflow parsed the new file; it stores a DAG's new version at most every 30 s ([core] min_serialized_dag_update_interval), waiting for it to serve this one";

/// True when the served DAG's `doc_md` carries `marker` as one of its lines.
pub fn serves_marker(dag: &Dag, marker: &str) -> bool {
    dag.doc_md
        .as_deref()
        .is_some_and(|doc| doc.lines().any(|l| l.trim() == marker))
}

/// The verdict on one look at Airflow. `dag` must come from `/dags/{id}/details` (the
/// only answer that carries `doc_md`).
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
    if !serves_marker(dag, &expected.revision) {
        // The DAG's own row is updated on every parse, its serialized version at most
        // every 30 s: a parse newer than the write means the new version is on its way.
        let parsed = dag
            .last_parsed_time
            .is_some_and(|t| t > expected.written_at);
        return Verdict::Waiting(if parsed {
            WAITING_FOR_STORE.into()
        } else {
            "waiting for Airflow to parse the new version of the file".into()
        });
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
            revision: "flowdeck render 00000000000b".into(),
        }
    }

    fn dag(revision: &str) -> Dag {
        Dag {
            dag_id: "dag_1".into(),
            tags: vec!["flowdeck".into()],
            doc_md: Some(format!("Generated by flowdeck.\n\n{revision}")),
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
        let old = dag("flowdeck render 00000000000a");
        let new = dag("flowdeck render 00000000000b");
        // A marker that merely contains the expected one is not it.
        let longer = dag("flowdeck render 00000000000b0");
        assert!(matches!(
            judge(&e, Some(&longer), Some(&tasks(true)), &[]),
            Verdict::Waiting(_)
        ));
        // Tags prove nothing any more: only the served doc_md does.
        let tagged = Dag {
            tags: vec!["flowdeck".into(), e.revision.clone()],
            doc_md: None,
            ..dag("")
        };
        assert!(matches!(
            judge(&e, Some(&tagged), Some(&tasks(true)), &[]),
            Verdict::Waiting(_)
        ));
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

    #[test]
    fn a_parse_newer_than_the_write_says_airflow_is_storing_the_new_version() {
        let e = expected();
        let mut parsed = dag("flowdeck render 00000000000a");
        parsed.last_parsed_time = Some(e.written_at + Duration::seconds(1));
        match judge(&e, Some(&parsed), None, &[]) {
            Verdict::Waiting(why) => assert!(why.contains("at most every 30 s"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}
