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
        bad.password = "definitely-wrong".into();
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
