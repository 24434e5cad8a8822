//! Parses the responses recorded from real Airflow servers (`tests/fixtures/airflow3/`,
//! and `tests/fixtures/airflow2/` when present) into the typed structs, so that a
//! field Airflow renames or drops shows up here rather than in front of a user.

use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::detail_from_body;
use super::logs::content_to_lines;
use super::types::*;

fn fixture_dir(version: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(version)
}

fn read(version: &str, name: &str) -> Option<String> {
    std::fs::read_to_string(fixture_dir(version).join(name)).ok()
}

fn v3(name: &str) -> String {
    read("airflow3", name).unwrap_or_else(|| panic!("fixture airflow3/{name} is missing"))
}

fn parse<T: DeserializeOwned>(text: &str) -> T {
    serde_json::from_str(text).expect("fixture parses")
}

#[test]
fn v3_version_health_and_dags() {
    let v: WireVersion = parse(&v3("version.json"));
    assert_eq!(v.version, "3.3.2");

    let h: Health = parse::<WireHealth>(&v3("monitor_health.json")).into();
    assert!(h.is_healthy());
    assert!(h.scheduler.latest_heartbeat.is_some());
    assert!(h.unhealthy_components().is_empty());

    let list: WireDags = parse(&v3("dags_list.json"));
    assert_eq!(list.total_entries, Some(list.dags.len() as u64));
    let dags: Vec<Dag> = list.dags.into_iter().map(Dag::from).collect();
    let dag = dags
        .iter()
        .find(|d| d.dag_id == "dag_fixture0000000001")
        .expect("fixture DAG listed");
    assert!(!dag.is_stale);
    assert!(!dag.has_import_errors);
    assert!(dag.last_parsed_time.is_some());
    assert!(!dag.file_token.is_empty());
    assert_eq!(dag.bundle_name.as_deref(), Some("dags-folder"));
    assert_eq!(
        dag.relative_fileloc.as_deref(),
        Some("dag_fixture0000000001.py")
    );

    let one: Dag = parse::<WireDag>(&v3("dag_get.json")).into();
    assert_eq!(one.dag_id, "dag_fixture0000000001");
    let unpaused: Dag = parse::<WireDag>(&v3("dag_patch_unpause.json")).into();
    assert!(!unpaused.is_paused);
    // `details` is a superset of the DAG; it must parse too.
    let details: Dag = parse::<WireDag>(&v3("dag_details.json")).into();
    assert_eq!(details.dag_id, one.dag_id);
    // doc_md (where the deploy marker is read) is null for this DAG; the row has none.
    assert_eq!(details.doc_md, None);
    assert_eq!(one.doc_md, None);
}

#[test]
fn v3_tasks_served() {
    let tasks: Vec<TaskInfo> = parse::<WireTasks>(&v3("dag_tasks.json"))
        .tasks
        .into_iter()
        .map(TaskInfo::from)
        .collect();
    let ids: Vec<&str> = tasks.iter().map(|t| t.task_id.as_str()).collect();
    assert_eq!(ids, vec!["extract", "load"]);
    assert_eq!(tasks[0].downstream_task_ids, vec!["load"]);
    assert_eq!(tasks[0].operator.as_deref(), Some("PythonOperator"));
}

#[test]
fn v3_import_errors() {
    let list: WireImportErrors = parse(&v3("import_errors.json"));
    let errors: Vec<ImportError> = list
        .import_errors
        .into_iter()
        .map(ImportError::from)
        .collect();
    assert_eq!(errors.len(), 1);
    let e = &errors[0];
    assert_eq!(e.filename, "dag_fixture_broken.py");
    assert!(e.timestamp.is_some());
    assert!(e.stack_trace.contains("ModuleNotFoundError"));
    assert!(e.stack_trace.contains("line 5, in <module>"));
}

#[test]
fn v3_runs() {
    let run: DagRun = parse::<WireDagRun>(&v3("dag_run_trigger.json")).into();
    assert_eq!(run.dag_id, "dag_fixture0000000001");
    assert!(run.run_id.starts_with("manual__"));
    assert_eq!(run.run_type, "manual");
    assert!(run.logical_date.is_some(), "flowdeck sends a logical date");
    assert!(run.run_after.is_some());
    assert_eq!(run.conf["region"], "eu");

    let got: DagRun = parse::<WireDagRun>(&v3("dag_run_get.json")).into();
    assert_eq!(got.run_id, run.run_id);

    for name in [
        "dag_runs_list.json",
        "dag_runs_batch_list.json",
        "dag_runs_updated_since.json",
        "dag_runs_updated_since_prefix.json",
    ] {
        let list: WireDagRuns = parse(&v3(name));
        let runs: Vec<DagRun> = list.dag_runs.into_iter().map(DagRun::from).collect();
        assert!(!runs.is_empty(), "{name}");
        assert!(
            runs.iter()
                .all(|r| !r.run_id.is_empty() && r.run_after.is_some()),
            "{name}"
        );
        assert!(
            runs.iter()
                .all(|r| !matches!(r.state, DagRunState::Other(_))),
            "{name}: {runs:?}"
        );
    }
}

#[test]
fn v3_task_instances() {
    for name in [
        "task_instances.json",
        "task_instances_updated_since.json",
        "task_instances_updated_since_prefix.json",
        "clear_task_instances_dry_run.json",
        "task_instance_patch_success.json",
    ] {
        let list: WireTaskInstances = parse(&v3(name));
        let tis: Vec<TaskInstance> = list
            .task_instances
            .into_iter()
            .map(TaskInstance::from)
            .collect();
        assert!(!tis.is_empty(), "{name}");
        for ti in &tis {
            assert!(!ti.task_id.is_empty() && !ti.run_id.is_empty(), "{name}");
            assert_eq!(ti.map_index, -1);
        }
    }
    let tis: Vec<TaskInstance> = parse::<WireTaskInstances>(&v3("task_instances.json"))
        .task_instances
        .into_iter()
        .map(TaskInstance::from)
        .collect();
    let load = tis.iter().find(|t| t.task_id == "load").expect("load");
    assert_eq!(load.state, Some(TaskState::Failed));
    assert_eq!(load.try_number, 1);
    assert_eq!(load.operator.as_deref(), Some("PythonOperator"));
    assert!(load.duration.is_some() && load.start_date.is_some() && load.end_date.is_some());

    let one: TaskInstance = parse::<WireTaskInstance>(&v3("task_instance_get_load.json")).into();
    assert_eq!(one.task_id, "load");
}

fn is_clock(s: &str) -> bool {
    chrono::NaiveTime::parse_from_str(s, "%H:%M:%S%.3f").is_ok()
}

#[test]
fn v3_logs_become_readable_lines() {
    let log: WireLog = parse(&v3("task_log_extract_try1.json"));
    let lines = content_to_lines(&log.content);
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    // Fixtures get re-recorded: check the shape "HH:MM:SS.mmm LEVEL event  source=logger".
    let hello = texts
        .iter()
        .find(|t| t.ends_with(" INFO  hello from extract  source=task.stdout"))
        .unwrap_or_else(|| panic!("{texts:#?}"));
    assert!(is_clock(&hello[..12]), "{hello}");
    // Group markers become headers; closing markers vanish.
    assert!(
        texts.iter().any(|t| t.contains(" ▸ Pre Execute  source=")),
        "{texts:#?}"
    );
    assert!(!texts.iter().any(|t| t.contains("::endgroup::")));
    // Identity fields repeated on every event are not repeated on every line.
    assert!(!texts.iter().any(|t| t.contains("ti_id=")));
    assert!(log.continuation_token.is_none());

    let log: WireLog = parse(&v3("task_log_load_try1.json"));
    let lines = content_to_lines(&log.content);
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    let at = texts
        .iter()
        .position(|t| {
            t.contains(" ERROR Task failed with exception  source=task") && is_clock(&t[..12])
        })
        .unwrap_or_else(|| panic!("{texts:#?}"));
    assert_eq!(texts[at + 1].trim(), "Traceback (most recent call last):");
    assert!(texts.iter().any(|t| t.trim()
        == "File \"/work/main/.airflow/dags/dag_fixture0000000001.py\", line 20, in _load"));
    assert!(texts
        .iter()
        .any(|t| t.trim() == "ValueError: load failed on purpose (flowdeck fixture)"));
    assert!(lines[at..]
        .iter()
        .take(3)
        .all(|l| l.level.as_deref() == Some("error")));
}

#[test]
fn v3_xcom_and_errors() {
    let x: WireXcom = parse(&v3("xcom_extract_return_value.json"));
    assert_eq!(x.value, serde_json::json!({"total": 3, "rows": [1, 2, 3]}));

    let t: WireToken = parse(&v3("auth_token.json"));
    assert!(t.access_token.is_some());

    assert_eq!(
        detail_from_body(&v3("error_401_expired_token.json")),
        "Token Expired"
    );
    assert_eq!(
        detail_from_body(&v3("error_403_bad_token.json")),
        "Invalid JWT token"
    );
    assert_eq!(
        detail_from_body(&v3("error_404_unknown_dag.json")),
        "The Dag with ID: `dag_does_not_exist` was not found"
    );
    assert_eq!(
        detail_from_body(&v3("error_422_trigger_empty_body.json")),
        "body.logical_date: Field required"
    );
    assert!(detail_from_body(&v3("error_409_duplicate_run_id.json"))
        .starts_with("Unique constraint violation"));
}

/// Every JSON fixture of either version parses as *some* JSON value, and the
/// collection-shaped ones parse into their typed lists. Catches new fixtures the tests
/// above do not know yet.
#[test]
fn every_recorded_collection_parses() {
    for version in ["airflow3", "airflow2"] {
        let Ok(entries) = std::fs::read_dir(fixture_dir(version)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("readable");
            let value: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if value.get("dags").is_some() {
                serde_json::from_value::<WireDags>(value.clone()).expect("dags");
            }
            if value.get("dag_runs").is_some() {
                serde_json::from_value::<WireDagRuns>(value.clone()).expect("runs");
            }
            if value.get("task_instances").is_some() {
                serde_json::from_value::<WireTaskInstances>(value.clone()).expect("tis");
            }
            if value.get("import_errors").is_some() {
                serde_json::from_value::<WireImportErrors>(value.clone()).expect("errors");
            }
            if let Some(content) = value.get("content") {
                for line in content_to_lines(content) {
                    assert!(!line.text.chars().any(|c| c.is_control() && c != '\t'));
                }
            }
        }
    }
}
