//! What one poll costs in HTTP requests with 1, 100 and 1,000 flows, against a fake
//! Airflow 3 that serves that many DAGs with Airflow's paging (limit capped at 100).
//! This is the figure the README quotes; run with `--nocapture` to see the table.

use flowdeck::airflow::{AirflowConfig, Client, DagScope, PollEvent, Poller, RunKey, Watch};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn dag_id(i: usize) -> String {
    format!("dag_flow{i:05}")
}

/// `GET /api/v2/dags` with `limit`/`offset`, like Airflow: at most 100 per page.
struct DagPages {
    count: usize,
}

impl Respond for DagPages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let param = |name: &str| {
            request
                .url
                .query_pairs()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.parse::<usize>().ok())
        };
        let limit = param("limit").unwrap_or(50).min(100);
        let offset = param("offset").unwrap_or(0);
        let dags: Vec<Value> = (offset..(offset + limit).min(self.count))
            .map(|i| {
                json!({
                    "dag_id": dag_id(i), "is_paused": false, "is_stale": false,
                    "has_import_errors": false, "last_parsed_time": "2026-11-27T07:20:41Z",
                    "fileloc": format!("/dags/{}.py", dag_id(i)), "file_token": "t",
                    "bundle_name": "dags-folder", "tags": [{"name": "flowdeck"}]
                })
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({"dags": dags, "total_entries": self.count}))
    }
}

async fn fake_airflow(flows: usize) -> MockServer {
    let server = MockServer::start().await;
    let get = |p: &'static str, body: Value| {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
    };
    get("/api/v2/version", json!({"version": "3.3.2"}))
        .mount(&server)
        .await;
    get(
        "/api/v2/monitor/health",
        json!({"metadatabase": {"status": "healthy"}, "scheduler": {"status": "healthy"}}),
    )
    .mount(&server)
    .await;
    get(
        "/api/v2/importErrors",
        json!({"import_errors": [], "total_entries": 0}),
    )
    .mount(&server)
    .await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"access_token": "t"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/dags"))
        .respond_with(DagPages { count: flows })
        .mount(&server)
        .await;
    let run = json!({"dag_id": dag_id(0), "dag_run_id": "manual__1", "state": "running",
                     "run_type": "manual", "run_after": "2026-11-27T07:20:46Z"});
    Mock::given(method("POST"))
        .and(path("/api/v2/dags/~/dagRuns/list"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"dag_runs": [run], "total_entries": 1})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/dags/~/dagRuns"))
        // A quiet Airflow: nothing changed since the last poll.
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"dag_runs": [], "total_entries": 0})),
        )
        .mount(&server)
        .await;
    let ti = json!({"dag_id": dag_id(0), "dag_run_id": "manual__1", "task_id": "extract",
                    "map_index": -1, "state": "running", "try_number": 1});
    Mock::given(method("POST"))
        .and(path("/api/v2/dags/~/dagRuns/~/taskInstances/list"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"task_instances": [ti], "total_entries": 1})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/dags/~/dagRuns/~/taskInstances"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"task_instances": [], "total_entries": 0})),
        )
        .mount(&server)
        .await;
    server
}

struct Cost {
    /// Requests of the first poll (baselines and the full DAG listing).
    cold: u64,
    /// Requests of the cheapest poll after it (nothing else due, nothing changed).
    quiet: u64,
    /// Requests per poll over five minutes of 2 s polls after the first.
    average: f64,
}

/// What polling costs with `flows` flows watched (the Flows pane), plus one run whose
/// task instances are on screen when `with_run` (the Runs pane). Five minutes of 2 s
/// polls are counted on the poller's own schedule (health every 10 s, import errors
/// every 30 s, the DAG listing every 5 min), without waiting for them.
async fn measure(flows: usize, with_run: bool) -> Cost {
    let server = fake_airflow(flows).await;
    let client = Client::new(AirflowConfig::new(server.uri(), "admin", "admin")).unwrap();
    let watch = Watch {
        flows: (0..flows).map(dag_id).collect(),
        runs: if with_run {
            vec![RunKey::new(dag_id(0), "manual__1")]
        } else {
            Vec::new()
        },
        ..Watch::default()
    };
    let mut poller = Poller::new(client.clone(), watch);
    let count = || client.request_count();
    let t0 = tokio::time::Instant::now();

    let before = count();
    let events = poller.poll_once_at(Some(t0)).await;
    let cold = count() - before;
    let listed = events
        .iter()
        .find_map(|e| match e {
            PollEvent::Dags { dags, .. } => Some(dags.len()),
            _ => None,
        })
        .expect("DAGs listed on the first poll");
    assert_eq!(listed, flows);
    assert!(events
        .iter()
        .any(|e| matches!(e, PollEvent::Runs { runs, .. } if runs.len() == flows)));
    if with_run {
        assert!(events
            .iter()
            .any(|e| matches!(e, PollEvent::TaskInstances { tasks, .. } if tasks.len() == 1)));
    }

    let mut quiet = u64::MAX;
    let polls = 150;
    let before_all = count();
    for k in 1..=polls {
        let at = t0 + std::time::Duration::from_secs(2 * k);
        let before = count();
        let events = poller.poll_once_at(Some(at)).await;
        quiet = quiet.min(count() - before);
        // Nothing changed: no content is reported again, only "answered" and health.
        assert!(
            events
                .iter()
                .all(|e| matches!(e, PollEvent::Health { .. } | PollEvent::Answered { .. })),
            "{events:?}"
        );
    }
    let average = (count() - before_all) as f64 / polls as f64;
    Cost {
        cold,
        quiet,
        average,
    }
}

#[tokio::test]
async fn requests_per_poll_do_not_grow_with_flows() {
    let mut rows = Vec::new();
    for flows in [1, 100, 1_000] {
        let pane = measure(flows, false).await;
        let runs = measure(flows, true).await;
        rows.push((flows, pane, runs));
    }
    println!(
        "flows | first poll | quiet poll | average (Flows pane) | average (Runs pane, one run)"
    );
    for (flows, pane, runs) in &rows {
        println!(
            "{flows:>5} | {:>10} | {:>10} | {:>20.2} | {:>28.2}",
            pane.cold, pane.quiet, pane.average, runs.average
        );
    }
    for (flows, pane, runs) in &rows {
        // A quiet poll asks only for what changed on screen: run changes (and task
        // instance changes with a run shown), whatever the number of flows.
        assert_eq!(pane.quiet, 1, "flows={flows}");
        assert_eq!(runs.quiet, 2, "flows={flows}");
        // Health every 5th poll, import errors every 15th, the DAG listing (one page
        // per 100 DAGs) once in 5 minutes.
        let pages = flows.div_ceil(100) as f64;
        let expected = 1.0 + 30.0 / 150.0 + 10.0 / 150.0 + pages / 150.0;
        assert!(
            (pane.average - expected).abs() < 1e-9,
            "flows={flows}: {} vs {expected}",
            pane.average
        );
        assert!(pane.average <= 1.5, "flows={flows}: {}", pane.average);
        assert!((runs.average - pane.average - 1.0).abs() < 1e-9);
    }
}

#[tokio::test]
async fn a_slow_request_is_not_issued_twice() {
    use std::time::Duration;
    let server = fake_airflow(1).await;
    // Import errors hang for a while; polls keep coming every 50 ms.
    Mock::given(method("GET"))
        .and(path("/api/v2/importErrors"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"import_errors": [], "total_entries": 0}))
                .set_delay(Duration::from_millis(1_500)),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    let mut config = AirflowConfig::new(server.uri(), "admin", "admin");
    config.timeout = Duration::from_secs(5);
    let client = Client::new(config).unwrap();
    let watch = Watch {
        interval: Duration::from_millis(50),
        // Asked every poll, so that the hung request would be asked again if it could.
        health_every: Duration::ZERO,
        import_errors_every: Duration::ZERO,
        ..Watch::default()
    };
    let (handle, mut rx) = flowdeck::airflow::poller::spawn(client, watch);
    let deadline = tokio::time::Instant::now() + Duration::from_millis(1_000);
    let mut health = 0;
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        if matches!(event, PollEvent::Health { .. }) {
            health += 1;
        }
    }
    // Health kept flowing while import errors hung...
    assert!(health >= 5, "only {health} health events");
    // ...and the hung request was sent once, not once per poll.
    let requests = server.received_requests().await.unwrap_or_default();
    let import_requests = requests
        .iter()
        .filter(|r| r.url.path() == "/api/v2/importErrors")
        .count();
    assert_eq!(import_requests, 1);
    drop(handle);
}

/// Import errors that change file set trigger a DAG listing on the next poll; the same
/// broken file re-parsed (only its timestamp moves) does not.
#[tokio::test]
async fn a_new_import_error_relists_dags_at_once() {
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Errors(AtomicUsize);
    impl Respond for Errors {
        fn respond(&self, _: &Request) -> ResponseTemplate {
            let n = self.0.fetch_add(1, Ordering::Relaxed);
            let err = |file: &str, ts: &str| {
                json!({"import_error_id": 1, "timestamp": ts, "filename": file,
                       "bundle_name": "dags-folder", "stack_trace": "Traceback…"})
            };
            let errors = match n {
                0 => json!([]),
                1 | 2 => json!([err("dag_a.py", "2026-11-27T07:00:00Z")]),
                _ => json!([err("dag_a.py", "2026-11-27T07:00:30Z")]),
            };
            ResponseTemplate::new(200)
                .set_body_json(json!({"import_errors": errors, "total_entries": 1}))
        }
    }
    let server = fake_airflow(1).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/importErrors"))
        .respond_with(Errors(AtomicUsize::new(0)))
        .with_priority(1)
        .mount(&server)
        .await;
    let client = Client::new(AirflowConfig::new(server.uri(), "admin", "admin")).unwrap();
    let watch = Watch {
        import_errors_every: std::time::Duration::ZERO,
        ..Watch::default()
    };
    let mut poller = Poller::new(client, watch);
    let dag_listings = || async {
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.url.path() == "/api/v2/dags")
            .count()
    };
    poller.poll_once().await; // baseline, no errors
    assert_eq!(dag_listings().await, 1);
    let events = poller.poll_once().await; // dag_a.py breaks
    assert!(events
        .iter()
        .any(|e| matches!(e, PollEvent::ImportErrors { errors, .. } if errors.len() == 1)));
    poller.poll_once().await; // listing due now
    assert_eq!(dag_listings().await, 2);
    let events = poller.poll_once().await; // same file re-parsed: new timestamp only
    assert!(events
        .iter()
        .any(|e| matches!(e, PollEvent::ImportErrors { .. })));
    poller.poll_once().await;
    assert_eq!(
        dag_listings().await,
        2,
        "a re-parse of the same broken file does not re-list"
    );
}

/// The terminal interface asks only for the DAG rows it shows: an open Flows pane
/// (no DAG row on screen) costs no DAG request at all, however many DAGs Airflow has;
/// a shown DAG costs one, and one Airflow does not have is reported as absent.
#[tokio::test]
async fn only_the_dag_rows_on_screen_are_read() {
    let server = fake_airflow(1000).await;
    let one = json!({
        "dag_id": dag_id(7), "is_paused": true, "is_stale": false,
        "has_import_errors": false, "last_parsed_time": "2026-11-27T07:20:41Z",
        "fileloc": "/dags/x.py", "file_token": "t", "bundle_name": "dags-folder", "tags": []
    });
    Mock::given(method("GET"))
        .and(path(format!("/api/v2/dags/{}", dag_id(7))))
        .respond_with(ResponseTemplate::new(200).set_body_json(one))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/dags/dag_missing"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"detail": "not found"})))
        .mount(&server)
        .await;
    let client = Client::new(AirflowConfig::new(server.uri(), "admin", "admin")).unwrap();
    let watch = Watch {
        flows: (0..1000).map(dag_id).collect(),
        dags: DagScope::Only(Vec::new()),
        ..Watch::default()
    };
    let mut poller = Poller::new(client.clone(), watch.clone());
    let events = poller.poll_once().await;
    assert_eq!(dag_requests(&server).await, 0, "{events:?}");

    // The Runs pane shows one DAG (and one that is not in Airflow).
    poller.set_watch(Watch {
        dags: DagScope::Only(vec![dag_id(7), "dag_missing".into()]),
        ..watch
    });
    let events = poller.poll_once().await;
    assert_eq!(dag_requests(&server).await, 2);
    let dags = events
        .iter()
        .find_map(|e| match e {
            PollEvent::Dags { dags, scope, .. } => Some((dags.clone(), scope.clone())),
            _ => None,
        })
        .expect("the shown DAGs reported");
    assert_eq!(dags.0.len(), 1);
    assert!(dags.0[0].is_paused);
    assert_eq!(
        dags.1,
        DagScope::Only(vec![dag_id(7), "dag_missing".into()])
    );
}

/// Requests for DAG rows (the listing or one DAG), not for their runs.
async fn dag_requests(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path().starts_with("/api/v2/dags") && !r.url.path().contains("dagRuns"))
        .count()
}
