//! The Runs pane through the state: the poller's reports (recorded Airflow 3 answers in
//! `tests/fixtures/airflow3/`) and Airflow's answers to the pane's requests are fed as
//! events, keys are pressed, and what the pane draws is pinned as insta snapshots.

mod tui_common;

use chrono::{DateTime, Utc};
use flowdeck::airflow::{
    Dag, DagRun, DagRunState, ImportError, ManualState, PollEvent, RunKey, TaskInfo, TaskInstance,
};
use flowdeck::keymap::Keymap;
use flowdeck::model::sample::{daily_sales, etl_functions};
use flowdeck::model::{FlowSpec, Input};
use flowdeck::state::airflow::{AirflowAnswer, AirflowJob};
use flowdeck::state::dialog::{Dialog, OnYes};
use flowdeck::state::runs::View;
use flowdeck::state::{
    self, Effect, Event, FlowsData, Job, JobId, JobResult, LibraryData, Pane, State,
};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use tui_common::*;

const DAG: &str = "dag_fixture0000000001";

fn fixture(name: &str) -> Value {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        "airflow3",
        name,
    ]
    .iter()
    .collect();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {} is missing: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn recorded_runs() -> Vec<DagRun> {
    DagRun::list_from_json(&fixture("dag_runs_list.json"))
}

fn recorded_tis() -> Vec<TaskInstance> {
    TaskInstance::list_from_json(&fixture("task_instances.json"))
}

/// The wall clock the pane's durations are measured against: a minute after the run.
fn clock() -> DateTime<Utc> {
    recorded_runs()[0]
        .end_date
        .map(|t| t + chrono::Duration::seconds(60))
        .unwrap_or_else(Utc::now)
}

/// A state whose selected flow is the recorded DAG.
fn runs_state() -> (State, Keymap) {
    let km = keymap();
    let mut s = state_with(3);
    let mut data: FlowsData = flows();
    data.flows[0].id = DAG.into();
    let mut deploys = HashMap::new();
    for (_, mut records) in data.deploys.drain() {
        for d in &mut records {
            d.flow_id = DAG.into();
        }
        deploys.insert(DAG.to_string(), records);
    }
    data.deploys = deploys;
    s.flows.apply(data);
    s.runs.clock = Some(clock());
    (s, km)
}

fn airflow_jobs(fx: &[Effect]) -> Vec<(JobId, AirflowJob)> {
    jobs(fx)
        .into_iter()
        .filter_map(|(id, j)| match j {
            Job::Airflow(a) => Some((id, a)),
            _ => None,
        })
        .collect()
}

fn one_airflow_job(fx: &[Effect]) -> (JobId, AirflowJob) {
    let all = airflow_jobs(fx);
    assert_eq!(all.len(), 1, "expected one Airflow request in {fx:?}");
    all.into_iter().next().unwrap_or_else(|| unreachable!())
}

fn poll(s: &mut State, km: &Keymap, event: PollEvent) -> Vec<Effect> {
    state::on_event(s, km, Event::Airflow(Box::new(event)))
}

fn answer_airflow(s: &mut State, km: &Keymap, id: JobId, a: AirflowAnswer) -> Vec<Effect> {
    answer(s, km, id, JobResult::Airflow(a))
}

/// The recorded DAG's flow: daily sales without run parameters.
fn spec_without_params() -> FlowSpec {
    let mut spec = daily_sales();
    spec.flow.id = DAG.into();
    for t in &mut spec.tasks {
        t.inputs.retain(|_, i| !matches!(i, Input::Param { .. }));
    }
    spec
}

/// Daily sales reading `region` and, for extract's `limit` (an integer, default 100),
/// `limit`.
fn spec_with_params() -> FlowSpec {
    let mut spec = daily_sales();
    spec.flow.id = DAG.into();
    if let Some(t) = spec.tasks.iter_mut().find(|t| t.variable_id == "extract") {
        t.inputs.insert(
            "limit".into(),
            Input::Param {
                name: "limit".into(),
            },
        );
    }
    spec
}

/// `keys` (`t` or `T`) read the flow for its run parameters; the flow read is `spec`.
fn press_trigger(s: &mut State, km: &Keymap, keys: &str, spec: FlowSpec) -> Vec<Effect> {
    let fx = press(s, km, keys);
    let (id, job) = job_of(&fx, |j| matches!(j, Job::LoadFlow { .. }));
    assert!(
        matches!(&job, Job::LoadFlow { flow_id } if flow_id == DAG),
        "{job:?}"
    );
    assert!(
        airflow_jobs(&fx).is_empty(),
        "nothing is sent before the form"
    );
    answer(
        s,
        km,
        id,
        JobResult::FlowLoaded {
            flow_id: DAG.into(),
            result: Ok(spec),
        },
    )
}

fn dag_tasks() -> Vec<TaskInfo> {
    fixture("dag_tasks.json")["tasks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| TaskInfo {
            task_id: t["task_id"].as_str().unwrap_or_default().into(),
            downstream_task_ids: t["downstream_task_ids"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| d.as_str().map(str::to_string))
                .collect(),
            operator: t["operator_name"].as_str().map(str::to_string),
        })
        .collect()
}

fn runs_event(runs: Vec<DagRun>) -> PollEvent {
    let mut map = BTreeMap::new();
    map.insert(DAG.to_string(), runs);
    PollEvent::Runs {
        at: Utc::now(),
        runs: map,
    }
}

/// Opens the Runs pane and feeds it what the poller and Airflow answer.
fn opened() -> (State, Keymap) {
    let (mut s, km) = runs_state();
    let fx = press(&mut s, &km, "3");
    assert_eq!(s.focus, Pane::Runs);
    // Only the shown flow is polled.
    assert!(fx.contains(&Effect::Watch {
        flows: vec![DAG.into()],
        runs: vec![],
        dags: vec![DAG.into()],
    }));
    let (id, job) = one_airflow_job(&fx);
    assert_eq!(job, AirflowJob::DagTasks { dag_id: DAG.into() });
    answer_airflow(
        &mut s,
        &km,
        id,
        AirflowAnswer::DagTasks {
            dag_id: DAG.into(),
            result: Ok(dag_tasks()),
        },
    );
    poll(
        &mut s,
        &km,
        PollEvent::Dags {
            at: Utc::now(),
            dags: Dag::list_from_json(&fixture("dags_list.json")),
            scope: flowdeck::airflow::DagScope::All,
        },
    );
    let fx = poll(&mut s, &km, runs_event(recorded_runs()));
    // Now its runs' task instances are polled too.
    let run_id = recorded_runs()[0].run_id.clone();
    assert!(fx.contains(&Effect::Watch {
        flows: vec![DAG.into()],
        runs: vec![RunKey::new(DAG, run_id.clone())],
        dags: vec![DAG.into()],
    }));
    poll(
        &mut s,
        &km,
        PollEvent::TaskInstances {
            at: Utc::now(),
            run: RunKey::new(DAG, run_id),
            tasks: recorded_tis(),
        },
    );
    (s, km)
}

#[test]
fn runs_pane_shows_the_list_and_the_grid() {
    let (mut s, km) = opened();
    assert_eq!(s.runs.runs.len(), 1);
    assert_eq!(s.runs.grid.tasks(), ["extract", "load"]);
    let t = draw(&mut s, &km, 100, 24);
    insta::assert_snapshot!("runs_pane_list_and_grid", text(&t));
}

#[test]
fn enter_on_a_cell_opens_the_task_detail_with_its_output() {
    let (mut s, km) = opened();
    press(&mut s, &km, "<Enter>");
    assert_eq!(s.runs.view, View::Grid);
    let fx = press(&mut s, &km, "<Enter>");
    assert_eq!(s.runs.view, View::Detail);
    let (id, job) = one_airflow_job(&fx);
    let AirflowJob::TaskDetail {
        run_id, task_id, ..
    } = job
    else {
        panic!("{job:?}")
    };
    assert_eq!(task_id, "extract");
    let ti = recorded_tis().into_iter().find(|t| t.task_id == "extract");
    answer_airflow(
        &mut s,
        &km,
        id,
        AirflowAnswer::TaskDetail {
            dag_id: DAG.into(),
            run_id,
            task_id,
            ti: ti.ok_or_else(|| "missing".to_string()),
            xcom: Ok(Some(
                fixture("xcom_extract_return_value.json")["value"].clone(),
            )),
        },
    );
    let t = draw(&mut s, &km, 100, 30);
    let screen = text(&t);
    assert!(screen.contains("success"), "{screen}");
    insta::assert_snapshot!("runs_pane_task_detail", screen);
    press(&mut s, &km, "<Esc>");
    assert_eq!(s.runs.view, View::Grid);
}

#[test]
fn the_log_viewer_reads_the_log_searches_and_jumps_to_the_traceback() {
    let (mut s, km) = opened();
    // Grid, down to `load` (failed), its log.
    press(&mut s, &km, "<Enter> j");
    let fx = press(&mut s, &km, "L");
    assert_eq!(s.runs.view, View::Log);
    let (id, job) = one_airflow_job(&fx);
    let AirflowJob::Log {
        run_id,
        task_id,
        try_number,
        token,
        ..
    } = job
    else {
        panic!("{job:?}")
    };
    assert_eq!((task_id.as_str(), try_number, token), ("load", 1, None));
    answer_airflow(
        &mut s,
        &km,
        id,
        AirflowAnswer::Log {
            dag_id: DAG.into(),
            run_id,
            task_id,
            try_number,
            continued: false,
            result: Ok(fixture("task_log_load_try1.json")),
        },
    );
    press(&mut s, &km, "e");
    let t = draw(&mut s, &km, 100, 24);
    insta::assert_snapshot!("runs_pane_log_at_traceback", text(&t));
    // Search: `/` opens the log's prompt, what is typed goes there, Enter keeps it.
    press(&mut s, &km, "/");
    type_text(&mut s, &km, "Traceback");
    press(&mut s, &km, "<Enter> n");
    let log = s
        .runs
        .log
        .as_ref()
        .map(|l| l.viewer.borrow().search_query().map(str::to_string));
    assert_eq!(log, Some(Some("Traceback".to_string())));
    // Esc clears the search first, then closes the log.
    press(&mut s, &km, "<Esc>");
    assert_eq!(s.runs.view, View::Log);
    press(&mut s, &km, "<Esc>");
    assert_eq!(s.runs.view, View::Grid);
}

#[test]
fn a_watched_run_that_finishes_says_so_and_rings() {
    let (mut s, km) = opened();
    let mut run = recorded_runs()[0].clone();
    run.run_id = "manual__2026-11-27T08:00:00+00:00".into();
    run.state = DagRunState::Running;
    run.end_date = None;
    run.run_after = run.run_after.map(|t| t + chrono::Duration::hours(1));
    let mut runs = vec![run.clone()];
    runs.extend(recorded_runs());
    let fx = poll(&mut s, &km, runs_event(runs.clone()));
    assert!(!fx.contains(&Effect::Bell));
    runs[0].state = DagRunState::Success;
    let fx = poll(&mut s, &km, runs_event(runs));
    assert!(fx.contains(&Effect::Bell), "{fx:?}");
    let shown = s.status.current(s.now).map(|m| m.text.clone());
    assert!(
        shown
            .as_deref()
            .is_some_and(|t| t.contains("finished: success")),
        "{shown:?}"
    );
}

#[test]
fn trigger_pins_the_new_run_and_asks_for_a_poll() {
    let (mut s, km) = opened();
    // A flow without run parameters is triggered at once.
    let fx = press_trigger(&mut s, &km, "t", spec_without_params());
    assert!(s.dialogs.is_empty());
    let (id, job) = one_airflow_job(&fx);
    assert_eq!(
        job,
        AirflowJob::Trigger {
            dag_id: DAG.into(),
            conf: None
        }
    );
    let mut run = recorded_runs()[0].clone();
    run.run_id = "manual__new".into();
    run.state = DagRunState::Queued;
    let fx = answer_airflow(
        &mut s,
        &km,
        id,
        AirflowAnswer::Triggered {
            dag_id: DAG.into(),
            result: Ok(run),
        },
    );
    assert!(fx.contains(&Effect::PollNow));
    assert_eq!(s.runs.pinned, vec![RunKey::new(DAG, "manual__new")]);
    // Leaving for the Flows list: the listed flows (their last runs) and the triggered
    // run are followed, no other run.
    let fx = press(&mut s, &km, "2");
    let watch = fx.iter().find_map(|e| match e {
        Effect::Watch { flows, runs, .. } => Some((flows.clone(), runs.clone())),
        _ => None,
    });
    let (flows, runs) = watch.expect("a new watch");
    assert!(flows.contains(&DAG.to_string()), "{flows:?}");
    assert_eq!(flows.len(), s.flows.rows.len(), "{flows:?}");
    assert_eq!(runs, vec![RunKey::new(DAG, "manual__new")]);
}

#[test]
fn a_trigger_conf_must_be_a_json_object() {
    let (mut s, km) = opened();
    press_trigger(&mut s, &km, "T", spec_without_params());
    let Some(Dialog::TriggerConf(form)) = s.dialogs.last() else {
        panic!("T opens the form on its JSON view")
    };
    assert!(form.json);
    type_text(&mut s, &km, "\"region\": ");
    let fx = press(&mut s, &km, "<C-s>");
    assert!(airflow_jobs(&fx).is_empty());
    let Some(Dialog::TriggerConf(form)) = s.dialogs.last() else {
        panic!("the dialog stays open on an error")
    };
    assert!(form
        .error
        .as_deref()
        .is_some_and(|e| e.contains("not valid JSON")));
    let t = draw(&mut s, &km, 80, 24);
    insta::assert_snapshot!("runs_pane_conf_error", text(&t));
    type_text(&mut s, &km, "\"eu\"");
    let fx = press(&mut s, &km, "<C-s>");
    let (_, job) = one_airflow_job(&fx);
    assert_eq!(
        job,
        AirflowJob::Trigger {
            dag_id: DAG.into(),
            conf: Some(serde_json::json!({"region": "eu"}))
        }
    );
    assert!(s.dialogs.is_empty());
}

#[test]
fn clear_lists_what_airflow_will_clear_before_clearing() {
    let (mut s, km) = opened();
    press(&mut s, &km, "<Enter> j");
    let fx = press(&mut s, &km, "C");
    let (id, job) = one_airflow_job(&fx);
    let run_id = recorded_runs()[0].run_id.clone();
    assert_eq!(
        job,
        AirflowJob::Clear {
            dag_id: DAG.into(),
            run_id: run_id.clone(),
            task_ids: vec!["load".into()],
            downstream: true,
            dry_run: true
        }
    );
    let would = TaskInstance::list_from_json(&fixture("clear_task_instances_dry_run.json"));
    answer_airflow(
        &mut s,
        &km,
        id,
        AirflowAnswer::Cleared {
            dag_id: DAG.into(),
            run_id: run_id.clone(),
            task_ids: vec!["load".into()],
            downstream: true,
            dry_run: true,
            result: Ok(would),
        },
    );
    let Some(Dialog::Confirm(c)) = s.dialogs.last() else {
        panic!("a confirmation")
    };
    assert!(c.body.contains("• load"), "{}", c.body);
    assert!(matches!(c.on_yes, OnYes::ClearTasks { .. }));
    let t = draw(&mut s, &km, 80, 24);
    insta::assert_snapshot!("runs_pane_clear_confirmation", text(&t));
    let fx = press(&mut s, &km, "y");
    let (_, job) = one_airflow_job(&fx);
    assert!(matches!(job, AirflowJob::Clear { dry_run: false, .. }));
}

#[test]
fn mark_asks_first_and_pause_needs_airflow_to_know_the_flow() {
    let (mut s, km) = opened();
    press(&mut s, &km, "<Enter>");
    let fx = press(&mut s, &km, "x");
    assert!(airflow_jobs(&fx).is_empty());
    let fx = press(&mut s, &km, "y");
    let (_, job) = one_airflow_job(&fx);
    assert!(matches!(
        job,
        AirflowJob::Mark {
            state: ManualState::Failed,
            ..
        }
    ));
    // The recorded DAG list does not hold this flow: pausing says why it cannot.
    let fx = press(&mut s, &km, "p");
    let pause = airflow_jobs(&fx);
    let known = s.airflow.dag(DAG).is_some();
    assert_eq!(pause.len(), usize::from(known));
}

#[test]
fn import_errors_of_flowdeck_files_are_listed() {
    let (mut s, km) = opened();
    let mut errors = ImportError::list_from_json(&fixture("import_errors.json"));
    errors[0].filename = format!("{DAG}.py");
    poll(
        &mut s,
        &km,
        PollEvent::ImportErrors {
            at: Utc::now(),
            errors,
        },
    );
    assert!(s.airflow.import_error(DAG).is_some());
    press(&mut s, &km, "i");
    let Some(Dialog::Message(m)) = s.dialogs.last() else {
        panic!("a message")
    };
    assert!(m.body.contains("ModuleNotFoundError"), "{}", m.body);
}

#[test]
fn the_flows_list_shows_each_flows_last_run() {
    let (mut s, km) = opened();
    press(&mut s, &km, "2");
    let mut runs = std::collections::BTreeMap::new();
    let mut run = recorded_runs()[0].clone();
    run.state = DagRunState::Failed;
    runs.insert(DAG.to_string(), vec![run.clone()]);
    flowdeck::state::on_event(
        &mut s,
        &km,
        flowdeck::state::Event::Airflow(Box::new(flowdeck::airflow::poller::PollEvent::Runs {
            at: chrono::Utc::now(),
            runs,
        })),
    );
    let row = s
        .flows
        .rows
        .iter()
        .find(|r| r.flow.id == DAG)
        .expect("the flow is listed");
    assert_eq!(row.last_run.as_deref(), Some("failed"));
    assert_eq!(s.flows.latest_run.get(DAG), Some(&run.run_id));
}

/// Runs that finished before the pane opened, of a flow the Flows pane already watched:
/// the poller has nothing new to say about them, so the pane must show its last report
/// at once (not "Waiting for Airflow…" forever), and Ctrl-r must ask Airflow again.
#[test]
fn the_runs_pane_opens_on_the_last_report_and_ctrl_r_asks_airflow_again() {
    let (mut s, km) = runs_state();
    press(&mut s, &km, "2");
    assert_eq!(s.focus, Pane::Flows);
    poll(&mut s, &km, runs_event(recorded_runs()));
    press(&mut s, &km, "3");
    assert_eq!(s.focus, Pane::Runs);
    assert_eq!(s.runs.runs.len(), 1);
    assert!(s.runs.runs_at.is_some());
    let t = draw(&mut s, &km, 100, 24);
    assert!(!text(&t).contains("Waiting for Airflow"), "{}", text(&t));
    let fx = press(&mut s, &km, "<C-r>");
    assert!(fx.contains(&Effect::PollNow), "{fx:?}");
}

/// The header's age is of Airflow's last answer, also when the answer changed nothing.
#[test]
fn the_runs_header_age_is_of_the_last_answer() {
    let (mut s, km) = opened();
    let earlier = s.now.checked_sub(std::time::Duration::from_secs(600));
    s.runs.runs_at = earlier;
    assert!(text(&draw(&mut s, &km, 100, 24)).contains("runs as of 10m ago"));
    poll(
        &mut s,
        &km,
        PollEvent::Answered {
            at: Utc::now(),
            kind: flowdeck::airflow::PollKind::Runs,
        },
    );
    assert_eq!(s.runs.runs_at, Some(s.now));
    assert!(text(&draw(&mut s, &km, 100, 24)).contains("runs as of 0s ago"));
    // The status bar's age too: health is asked every 10 s, any answer counts.
    s.status.health = Some((
        flowdeck::state::AirflowHealth::Online {
            version: Some("3.3.2".into()),
        },
        s.now
            .checked_sub(std::time::Duration::from_secs(9))
            .unwrap_or(s.now),
    ));
    poll(
        &mut s,
        &km,
        PollEvent::Answered {
            at: Utc::now(),
            kind: flowdeck::airflow::PollKind::Runs,
        },
    );
    assert_eq!(s.status.health.as_ref().map(|h| h.1), Some(s.now));
}

/// Airflow answering 500 or garbage to the health check shows what it answered.
#[test]
fn the_status_bar_says_what_a_failing_airflow_answered() {
    let (mut s, km) = runs_state();
    state::on_event(
        &mut s,
        &km,
        Event::AirflowHealth(flowdeck::state::AirflowHealth::Failing {
            reason: "Airflow answered 500 while trying to read Airflow's health: no details given — check the api-server log".into(),
        }),
    );
    let t = text(&draw(&mut s, &km, 200, 24));
    assert!(!t.contains("not checked yet"), "{t}");
    assert!(
        t.contains("answers with errors: Airflow answered 500"),
        "{t}"
    );
}

/// Airflow answers the log of a task that never ran with a bare "TaskInstance not
/// found"; the pane says why there is no log instead of asking.
#[test]
fn the_log_of_a_task_that_never_ran_is_explained_not_requested() {
    let (mut s, km) = opened();
    let run_id = recorded_runs()[0].run_id.clone();
    let mut tis = recorded_tis();
    for t in &mut tis {
        if t.task_id == "load" {
            t.try_number = 0;
            t.state = Some(flowdeck::airflow::TaskState::UpstreamFailed);
            t.start_date = None;
            t.end_date = None;
            t.duration = None;
        }
    }
    poll(
        &mut s,
        &km,
        PollEvent::TaskInstances {
            at: Utc::now(),
            run: RunKey::new(DAG, run_id),
            tasks: tis,
        },
    );
    press(&mut s, &km, "<Enter> j");
    let fx = press(&mut s, &km, "L");
    assert!(airflow_jobs(&fx).is_empty(), "{fx:?}");
    assert_eq!(s.runs.view, View::Grid);
    let t = draw(&mut s, &km, 100, 24);
    let shown = text(&t);
    assert!(
        shown.contains("load has not run in this run (upstream failed)"),
        "{shown}"
    );
    insta::assert_snapshot!("runs_pane_log_of_a_task_that_never_ran", shown);
}

/// The run just triggered with `t`, as Airflow answers it.
fn new_run() -> DagRun {
    let mut run = recorded_runs()[0].clone();
    run.run_id = "manual__new".into();
    run.state = DagRunState::Queued;
    run.run_after = run.run_after.map(|t| t + chrono::Duration::seconds(30));
    run
}

fn trigger_new_run(s: &mut State, km: &Keymap) {
    let fx = press_trigger(s, km, "t", spec_without_params());
    let (id, _) = one_airflow_job(&fx);
    answer_airflow(
        s,
        km,
        id,
        AirflowAnswer::Triggered {
            dag_id: DAG.into(),
            result: Ok(new_run()),
        },
    );
}

#[test]
fn after_t_the_new_run_is_selected_in_the_list_and_the_grid() {
    let (mut s, km) = opened();
    let old = recorded_runs()[0].run_id.clone();
    assert_eq!(
        s.runs.selected_run().map(|r| r.run_id.clone()),
        Some(old.clone())
    );
    trigger_new_run(&mut s, &km);
    // Selected at once, before the poller lists it.
    assert_eq!(
        s.runs.selected_run().map(|r| r.run_id.as_str()),
        Some("manual__new")
    );
    assert_eq!(
        s.runs.selected_cell().map(|(r, _)| r),
        Some("manual__new".to_string())
    );
    // A report that does not list it yet does not move the cursor back.
    poll(&mut s, &km, runs_event(recorded_runs()));
    assert_eq!(
        s.runs.selected_run().map(|r| r.run_id.as_str()),
        Some("manual__new")
    );
    // Nor does the report that lists it; the older run is still there, below it.
    poll(
        &mut s,
        &km,
        runs_event(vec![new_run(), recorded_runs()[0].clone()]),
    );
    assert_eq!(
        s.runs.selected_run().map(|r| r.run_id.as_str()),
        Some("manual__new")
    );
    assert!(s.runs.runs.iter().any(|r| r.run_id == old));
    // Enter opens the grid on the new run's tasks.
    press(&mut s, &km, "<Enter>");
    assert_eq!(s.runs.view, View::Grid);
    assert_eq!(
        s.runs.selected_cell().map(|(r, _)| r),
        Some("manual__new".to_string())
    );
    // Moving away afterwards is the operator's choice: the next report keeps it.
    press(&mut s, &km, "h");
    let moved = s.runs.selected_cell().map(|(r, _)| r);
    assert_eq!(moved, Some(old.clone()));
    poll(
        &mut s,
        &km,
        runs_event(vec![new_run(), recorded_runs()[0].clone()]),
    );
    assert_eq!(s.runs.selected_cell().map(|(r, _)| r), Some(old));
}

#[test]
fn t_from_the_grid_moves_the_grid_cursor_to_the_new_run() {
    let (mut s, km) = opened();
    press(&mut s, &km, "<Enter>");
    assert_eq!(s.runs.view, View::Grid);
    trigger_new_run(&mut s, &km);
    assert_eq!(
        s.runs.selected_cell().map(|(r, _)| r),
        Some("manual__new".to_string())
    );
    poll(
        &mut s,
        &km,
        runs_event(vec![new_run(), recorded_runs()[0].clone()]),
    );
    assert_eq!(
        s.runs.selected_cell().map(|(r, _)| r),
        Some("manual__new".to_string())
    );
}

#[test]
fn in_the_task_detail_j_and_k_move_between_the_runs_tasks() {
    let (mut s, km) = opened();
    press(&mut s, &km, "<Enter> <Enter>");
    assert_eq!(s.runs.view, View::Detail);
    let task = |s: &State| s.runs.detail.as_ref().map(|d| d.task_id.clone());
    assert_eq!(task(&s).as_deref(), Some("extract"));
    let fx = press(&mut s, &km, "j");
    assert_eq!(s.runs.view, View::Detail);
    assert_eq!(task(&s).as_deref(), Some("load"));
    let (_, job) = one_airflow_job(&fx);
    assert!(
        matches!(&job, AirflowJob::TaskDetail { task_id, .. } if task_id == "load"),
        "{job:?}"
    );
    // At the last task j stays.
    let fx = press(&mut s, &km, "j");
    assert_eq!(task(&s).as_deref(), Some("load"));
    assert!(airflow_jobs(&fx).is_empty());
    press(&mut s, &km, "k");
    assert_eq!(task(&s).as_deref(), Some("extract"));
    // Esc still goes back to the grid, on the task last shown.
    press(&mut s, &km, "<Esc>");
    assert_eq!(s.runs.view, View::Grid);
    assert_eq!(
        s.runs.selected_cell().map(|(_, t)| t).as_deref(),
        Some("extract")
    );
}

#[test]
fn t_lists_the_run_parameters_checks_them_and_sends_them_as_the_conf() {
    let (mut s, km) = opened();
    s.functions.apply(LibraryData {
        functions: etl_functions(),
        usage: HashMap::new(),
    });
    // A second `t` before the flow is read asks nothing more: one form.
    press_trigger(&mut s, &km, "t t", spec_with_params());
    assert_eq!(s.dialogs.len(), 1);
    let Some(Dialog::TriggerConf(form)) = s.dialogs.last() else {
        panic!("a flow with run parameters gets the form")
    };
    assert!(!form.json);
    let names: Vec<&str> = form.params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["limit", "region"]);
    // limit feeds `limit=100`: an integer, filled with the function's default.
    assert_eq!(form.fields[0].text(), "100");
    assert_eq!(form.fields[1].text(), "");
    let t = draw(&mut s, &km, 80, 24);
    insta::assert_snapshot!("runs_trigger_form_80x24", text(&t));
    let t = draw(&mut s, &km, 160, 48);
    insta::assert_snapshot!("runs_trigger_form_160x48", text(&t));

    // An integer refuses text, with one line, and nothing is sent.
    press(&mut s, &km, "<C-u>");
    type_text(&mut s, &km, "abc");
    press(&mut s, &km, "<Tab>");
    type_text(&mut s, &km, "eu");
    let fx = press(&mut s, &km, "<Enter>");
    assert!(airflow_jobs(&fx).is_empty());
    let Some(Dialog::TriggerConf(form)) = s.dialogs.last() else {
        panic!("the form stays open on an error")
    };
    assert_eq!(
        form.error.as_deref(),
        Some("`limit` must be an integer (e.g. 100), not `abc`")
    );
    assert_eq!(form.focus, 0, "the wrong field has the keys");
    let t = draw(&mut s, &km, 80, 24);
    insta::assert_snapshot!("runs_trigger_form_error_80x24", text(&t));

    // F2: the same conf as JSON, for keys the form has no field for.
    press(&mut s, &km, "<C-u>");
    type_text(&mut s, &km, "25");
    press(&mut s, &km, "<F2>");
    let Some(Dialog::TriggerConf(form)) = s.dialogs.last() else {
        panic!("still the form")
    };
    assert!(form.json);
    assert_eq!(
        serde_json::from_str::<Value>(&form.conf.text()).ok(),
        Some(serde_json::json!({"limit": 25, "region": "eu"}))
    );
    let t = draw(&mut s, &km, 80, 24);
    insta::assert_snapshot!("runs_trigger_form_json_80x24", text(&t));
    let t = draw(&mut s, &km, 160, 48);
    insta::assert_snapshot!("runs_trigger_form_json_160x48", text(&t));
    press(&mut s, &km, "<F2>");
    let fx = press(&mut s, &km, "<C-s>");
    let (_, job) = one_airflow_job(&fx);
    assert_eq!(
        job,
        AirflowJob::Trigger {
            dag_id: DAG.into(),
            conf: Some(serde_json::json!({"limit": 25, "region": "eu"}))
        }
    );
    assert!(s.dialogs.is_empty());

    // The next trigger of this flow starts from what was sent.
    press_trigger(&mut s, &km, "t", spec_with_params());
    let Some(Dialog::TriggerConf(form)) = s.dialogs.last() else {
        panic!("the form again")
    };
    assert_eq!(form.fields[0].text(), "25");
    assert_eq!(form.fields[1].text(), "eu");
}
