//! Opt-in checks of the client against a real Airflow. Run with
//! `FLOWDECK_AIRFLOW_URL=http://127.0.0.1:28080 cargo test --test airflow_live`
//! (user/password from FLOWDECK_AIRFLOW_USER / FLOWDECK_AIRFLOW_PASSWORD, default
//! admin/admin). Without the variable every test returns at once: the fault tests use
//! wiremock, this file is the reality check.

use std::time::Duration;

use flowdeck::airflow::{AirflowConfig, ApiVersion, Client, Error, Poller, Watch};

fn live_client() -> Option<Client> {
    let url = std::env::var("FLOWDECK_AIRFLOW_URL").ok()?;
    let user = std::env::var("FLOWDECK_AIRFLOW_USER").unwrap_or_else(|_| "admin".into());
    let password = std::env::var("FLOWDECK_AIRFLOW_PASSWORD").unwrap_or_else(|_| "admin".into());
    let mut config = AirflowConfig::new(url, user, password);
    config.timeout = Duration::from_secs(30);
    Some(Client::new(config).expect("valid config"))
}

#[tokio::test]
async fn live_version_token_dags_import_errors() {
    let Some(client) = live_client() else {
        eprintln!("FLOWDECK_AIRFLOW_URL not set: skipping the live Airflow test");
        return;
    };
    let version = client.version().await.expect("version");
    eprintln!("Airflow {} ({:?})", version.version, version.api);
    let health = client.health().await.expect("health");
    assert!(health.is_healthy(), "{health:?}");

    // Listing needs authentication: this fetches a token on v2.
    let dags = client.list_dags("dag_").await.expect("list dags");
    assert!(dags.iter().all(|d| d.dag_id.starts_with("dag_")));
    let errors = client.import_errors().await.expect("import errors");
    eprintln!(
        "{} flowdeck DAGs, {} import errors",
        dags.len(),
        errors.len()
    );

    if let Some(dag) = dags.first() {
        let again = client.get_dag(&dag.dag_id).await.expect("get dag");
        assert_eq!(again.dag_id, dag.dag_id);
        let tasks = client.dag_tasks(&dag.dag_id).await.expect("tasks");
        assert!(!tasks.is_empty());
        let runs = client.dag_runs(&dag.dag_id, 5).await.expect("runs");
        if let Some(run) = runs.first() {
            let tis = client
                .task_instances(&run.dag_id, &run.run_id)
                .await
                .expect("task instances");
            if let Some(ti) = tis.iter().find(|t| t.try_number > 0) {
                let log = client
                    .logs(&run.dag_id, &run.run_id, &ti.task_id, ti.try_number, None)
                    .await
                    .expect("logs");
                for line in &log.lines {
                    assert!(!line.text.contains('\u{1b}'));
                }
            }
        }
    }

    let missing = client.get_dag("dag_flowdeck_live_test_missing").await;
    assert!(
        matches!(missing, Err(ref e) if e.is_not_found()),
        "{missing:?}"
    );

    if version.api == ApiVersion::V2 {
        let mut bad = client.config().clone();
        bad.auth = flowdeck::airflow::Auth::basic(bad.username().to_string(), "definitely-wrong");
        let bad = Client::new(bad).unwrap();
        let err = bad.list_dags("dag_").await.unwrap_err();
        assert!(matches!(err, Error::Credentials { .. }), "{err:?}");
    }
}

#[tokio::test]
async fn live_poll_costs() {
    let Some(client) = live_client() else {
        return;
    };
    let mut poller = Poller::new(client.clone(), Watch::default());
    let before = client.request_count();
    let events = poller.poll_once().await;
    let cold = client.request_count() - before;
    let before = client.request_count();
    poller.poll_once().await;
    let steady = client.request_count() - before;
    eprintln!("live poll: cold {cold} requests, steady {steady}; events {events:?}");
    assert!(
        steady <= 3,
        "steady poll without watched flows made {steady} requests"
    );
}

/// Triggers a run of `FLOWDECK_AIRFLOW_LIVE_DAG` (e.g. the fixture DAG
/// `dag_fixture0000000001`: `extract` succeeds, `load` fails) and follows it with the
/// spawned poller until it finishes, then reads logs and XCom, clears the failed task
/// and marks it success. Opt-in twice over: it changes state on the server.
#[tokio::test]
async fn live_poller_follows_a_triggered_run() {
    use flowdeck::airflow::{poller, Connection, ManualState, PollEvent, RunKey, TaskState};
    let Some(client) = live_client() else {
        return;
    };
    let Ok(dag_id) = std::env::var("FLOWDECK_AIRFLOW_LIVE_DAG") else {
        eprintln!("FLOWDECK_AIRFLOW_LIVE_DAG not set: not triggering anything");
        return;
    };
    let dag = client.get_dag(&dag_id).await.expect("the DAG is parsed");
    if dag.is_paused {
        client.set_paused(&dag_id, false).await.expect("unpause");
    }
    let run = client
        .trigger_run(
            &dag_id,
            Some(serde_json::json!({"from": "flowdeck live test"})),
            None,
        )
        .await
        .expect("trigger");
    assert!(run.logical_date.is_some());
    let key = RunKey::new(&dag_id, &run.run_id);
    let watch = Watch {
        flows: vec![dag_id.clone()],
        runs: vec![key.clone()],
        interval: Duration::from_millis(500),
        ..Watch::default()
    };
    let (handle, mut rx) = poller::spawn(client.clone(), watch);
    let mut final_tasks = Vec::new();
    let finished = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(event) = rx.recv().await {
            match event {
                PollEvent::Runs { runs, .. } => {
                    let mine = runs
                        .get(&dag_id)
                        .and_then(|r| r.iter().find(|r| r.run_id == key.run_id));
                    if let Some(r) = mine {
                        eprintln!("run {} is {}", r.run_id, r.state);
                        if r.state.is_finished() {
                            return true;
                        }
                    }
                }
                PollEvent::TaskInstances { tasks, .. } => {
                    eprintln!(
                        "tasks: {:?}",
                        tasks
                            .iter()
                            .map(|t| (t.task_id.clone(), t.state.clone()))
                            .collect::<Vec<_>>()
                    );
                    final_tasks = tasks;
                }
                PollEvent::Health {
                    connection: Connection::Online { .. },
                    ..
                } => {}
                other => eprintln!("{other:?}"),
            }
        }
        false
    })
    .await
    .expect("the run finished within 2 minutes");
    assert!(finished);
    // The task-instance deltas may trail the run by one poll.
    tokio::time::sleep(Duration::from_secs(1)).await;
    while let Ok(event) = rx.try_recv() {
        if let PollEvent::TaskInstances { tasks, .. } = event {
            final_tasks = tasks;
        }
    }
    drop(handle);
    assert!(!final_tasks.is_empty());
    for ti in &final_tasks {
        let log = client
            .logs(
                &dag_id,
                &key.run_id,
                &ti.task_id,
                ti.try_number.max(1),
                None,
            )
            .await
            .expect("log");
        eprintln!("--- {} ---", ti.task_id);
        for line in &log.lines {
            eprintln!("{line}");
        }
    }
    if let Some(failed) = final_tasks
        .iter()
        .find(|t| t.state == Some(TaskState::Failed))
    {
        let cleared = client
            .clear_task_instances(
                &dag_id,
                &key.run_id,
                std::slice::from_ref(&failed.task_id),
                true,
                true,
            )
            .await
            .expect("dry-run clear");
        assert!(cleared.iter().any(|t| t.task_id == failed.task_id));
        client
            .set_task_state(&dag_id, &key.run_id, &failed.task_id, ManualState::Success)
            .await
            .expect("mark success");
        let ti = client
            .task_instance(&dag_id, &key.run_id, &failed.task_id)
            .await
            .expect("read back");
        assert_eq!(ti.state, Some(TaskState::Success));
    }
    if let Some(first) = final_tasks
        .iter()
        .find(|t| t.state == Some(TaskState::Success))
    {
        let value = client
            .xcom_return_value(&dag_id, &key.run_id, &first.task_id)
            .await;
        eprintln!("xcom of {}: {value:?}", first.task_id);
    }
    if dag.is_paused {
        client.set_paused(&dag_id, true).await.expect("pause again");
    }
}
