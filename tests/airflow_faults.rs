//! Faults the real Airflow will not produce on demand, staged with wiremock: nothing
//! listening, a server that hangs, a 500, broken JSON, an expired token, a deleted DAG,
//! and the v2/v1 probe. Happy paths are checked against the real Airflow elsewhere.

use std::net::TcpListener;
use std::time::Duration;

use flowdeck::airflow::{
    AirflowConfig, ApiVersion, Client, Connection, Error, PollEvent, Poller, Watch,
};
use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

fn config(url: &str) -> AirflowConfig {
    let mut c = AirflowConfig::new(url, "admin", "admin");
    c.timeout = Duration::from_millis(800);
    c
}

fn client(url: &str) -> Client {
    Client::new(config(url)).expect("config")
}

/// A v2 server that answers the probe and hands out token `t1`.
async fn v2_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/version"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "version": "3.3.2", "git_version": null
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"access_token": "t1"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/monitor/health"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "metadatabase": {"status": "healthy"},
            "scheduler": {"status": "healthy", "latest_scheduler_heartbeat": "2026-11-27T07:21:31.737755+00:00"},
            "triggerer": {"status": "healthy"},
            "dag_processor": {"status": "healthy"}
        })))
        .mount(&server)
        .await;
    server
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

#[tokio::test]
async fn connection_refused_is_offline_then_recovers() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let client = client(&url);

    let err = client.list_dags("dag_").await.unwrap_err();
    assert!(err.is_offline(), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("Airflow is not reachable at {url}: connection refused — is it running?")
    );

    let mut poller = Poller::new(client.clone(), Watch::default());
    let events = poller.poll_once().await;
    assert!(
        events.iter().any(|e| matches!(
            e,
            PollEvent::Health { connection: Connection::Offline { reason, .. }, .. }
                if reason.contains("connection refused")
        )),
        "{events:?}"
    );
    // While offline only the probe runs: one request per poll.
    let before = client.request_count();
    poller.poll_once().await;
    assert_eq!(client.request_count() - before, 1);

    // Airflow starts on that port.
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("rebind the port");
    let server = MockServer::builder().listener(listener).start().await;
    for (p, body) in [
        ("/api/v2/version", json!({"version": "3.3.2"})),
        (
            "/api/v2/monitor/health",
            json!({"metadatabase": {"status": "healthy"}, "scheduler": {"status": "healthy"}}),
        ),
        (
            "/api/v2/dags",
            json!({"dags": [{"dag_id": "dag_a", "is_paused": false}], "total_entries": 1}),
        ),
        (
            "/api/v2/importErrors",
            json!({"import_errors": [], "total_entries": 0}),
        ),
    ] {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"access_token": "t"})))
        .mount(&server)
        .await;

    let events = poller.poll_once().await;
    assert!(
        events.iter().any(|e| matches!(
            e,
            PollEvent::Health { connection: Connection::Online { version, .. }, .. }
                if version.version == "3.3.2"
        )),
        "{events:?}"
    );
    // Back online, the same poll caught up on DAGs.
    assert!(
        events
            .iter()
            .any(|e| matches!(e, PollEvent::Dags { dags, .. } if dags.len() == 1)),
        "{events:?}"
    );
}

#[tokio::test]
async fn spawned_poller_backs_off_then_recovers() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let client = client(&url);
    let watch = Watch {
        interval: Duration::from_millis(40),
        ..Watch::default()
    };
    let (handle, mut rx) = flowdeck::airflow::poller::spawn(client, watch);

    let mut retries = Vec::new();
    while retries.len() < 4 {
        let event = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("an event in time")
            .expect("poller alive");
        if let PollEvent::Health {
            connection: Connection::Offline { retry_in, .. },
            ..
        } = event
        {
            retries.push(retry_in);
        }
    }
    // Backoff grows (with jitter: each is within [d/2, d] of a doubling d).
    assert!(retries[3] > retries[0], "{retries:?}");
    assert!(retries.iter().all(|r| *r <= Duration::from_secs(30)));

    let listener = TcpListener::bind(("127.0.0.1", port)).expect("rebind");
    let server = MockServer::builder().listener(listener).start().await;
    for (p, body) in [
        ("/api/v2/version", json!({"version": "3.3.2"})),
        (
            "/api/v2/monitor/health",
            json!({"metadatabase": {"status": "healthy"}, "scheduler": {"status": "healthy"}}),
        ),
        ("/api/v2/dags", json!({"dags": [], "total_entries": 0})),
        (
            "/api/v2/importErrors",
            json!({"import_errors": [], "total_entries": 0}),
        ),
    ] {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"access_token": "t"})))
        .mount(&server)
        .await;

    let online = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match rx.recv().await {
                Some(PollEvent::Health {
                    connection: Connection::Online { .. },
                    ..
                }) => return true,
                Some(_) => {}
                None => return false,
            }
        }
    })
    .await
    .expect("recovered within the backoff cap");
    assert!(online);
    drop(handle);
}

#[tokio::test]
async fn a_hung_server_times_out() {
    let server = v2_server().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/dags"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"dags": []}))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let started = std::time::Instant::now();
    let err = client.list_dags("dag_").await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.is_offline());
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(err.to_string().contains("did not answer within"), "{err}");
}

#[tokio::test]
async fn server_error_500() {
    let server = v2_server().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/importErrors"))
        .respond_with(ResponseTemplate::new(500).set_body_string("Internal Server Error"))
        .mount(&server)
        .await;
    let err = client(&server.uri()).import_errors().await.unwrap_err();
    assert!(matches!(err, Error::Server { status: 500, .. }), "{err:?}");
    assert!(!err.is_offline());
    assert!(
        err.to_string()
            .starts_with("Airflow answered 500 while trying to list import errors"),
        "{err}"
    );

    // The poller reports it as an Error event, once, not as offline.
    let mut poller = Poller::new(client(&server.uri()), Watch::default());
    let first = poller.poll_once().await;
    assert!(first.iter().any(|e| matches!(
        e,
        PollEvent::Error {
            error: Error::Server { .. },
            ..
        }
    )));
    assert!(first.iter().any(|e| matches!(
        e,
        PollEvent::Health {
            connection: Connection::Online { .. },
            ..
        }
    )));
    let second = poller.poll_once().await;
    assert!(
        !second.iter().any(|e| matches!(e, PollEvent::Error { .. })),
        "{second:?}"
    );
}

#[tokio::test]
async fn malformed_json() {
    let server = v2_server().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/dags/dag_a"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"dag_id\": \"dag_a\", "))
        .mount(&server)
        .await;
    let err = client(&server.uri()).get_dag("dag_a").await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("Airflow sent a response flowdeck cannot read ("),
        "{err}"
    );
}

#[tokio::test]
async fn expired_token_gets_exactly_one_new_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/version"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"version": "3.3.2"})))
        .mount(&server)
        .await;
    // First token t1, then t2.
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .and(body_partial_json(
            json!({"username": "admin", "password": "admin"}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"access_token": "t1"})))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"access_token": "t2"})))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/dags"))
        .and(header("authorization", "Bearer t1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"detail": "Token Expired"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/dags"))
        .and(header("authorization", "Bearer t2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "dags": [{"dag_id": "dag_a", "is_paused": true}], "total_entries": 1
        })))
        .expect(2)
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let dags = client
        .list_dags("dag_")
        .await
        .expect("retried with a new token");
    assert_eq!(dags[0].dag_id, "dag_a");
    // The new token is kept.
    client.list_dags("dag_").await.expect("second call");
    server.verify().await;
}

#[tokio::test]
async fn invalid_jwt_403_also_refreshes_once_then_gives_up() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/version"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"version": "3.3.2"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"access_token": "t"})))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/dags/dag_a"))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(json!({"detail": "Invalid JWT token"})),
        )
        .expect(2)
        .mount(&server)
        .await;
    let err = client(&server.uri()).get_dag("dag_a").await.unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    server.verify().await;
}

#[tokio::test]
async fn wrong_password_is_a_credentials_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/version"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"version": "3.3.2"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"detail": "Invalid credentials"})),
        )
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let err = client.list_dags("dag_").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "Airflow rejected the credentials for user admin; check FLOWDECK_AIRFLOW_USERNAME and FLOWDECK_AIRFLOW_PASSWORD"
    );
    assert!(err.is_auth());

    let mut poller = Poller::new(client, Watch::default());
    let events = poller.poll_once().await;
    assert!(
        events.iter().any(|e| matches!(
            e,
            PollEvent::Health {
                connection: Connection::AuthFailed { .. },
                ..
            }
        )),
        "{events:?}"
    );
}

#[tokio::test]
async fn deleted_dag_is_not_found() {
    let server = v2_server().await;
    Mock::given(path("/api/v2/dags/dag_gone"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "detail": "The Dag with ID: `dag_gone` was not found"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/dags/dag_gone/dagRuns"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "detail": "Dag with dag_id: 'dag_gone' not found"
        })))
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let err = client.get_dag("dag_gone").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "Airflow could not read DAG dag_gone: The Dag with ID: `dag_gone` was not found"
    );
    let err = client
        .trigger_run("dag_gone", None, None)
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    let err = client.set_paused("dag_gone", false).await.unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test]
async fn validation_detail_is_shown() {
    let server = v2_server().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/dags/dag_a/dagRuns"))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({"detail": {
            "reason": "Unique constraint violation", "statement": "hidden"
        }})))
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .trigger_run("dag_a", None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Rejected { status: 409, .. }));
    assert!(
        err.to_string().contains("Unique constraint violation"),
        "{err}"
    );
}

/// Matches a JSON body whose `logical_date` is a string (the v2 default is "now").
struct HasLogicalDate;
impl Match for HasLogicalDate {
    fn matches(&self, request: &Request) -> bool {
        serde_json::from_slice::<Value>(&request.body)
            .ok()
            .and_then(|b| {
                b.get("logical_date")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .is_some_and(|d| chrono::DateTime::parse_from_rfc3339(&d).is_ok())
    }
}

#[tokio::test]
async fn v2_trigger_sends_now_as_logical_date() {
    let server = v2_server().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/dags/dag_a/dagRuns"))
        .and(header("authorization", "Bearer t1"))
        .and(HasLogicalDate)
        .and(body_partial_json(json!({"conf": {"region": "eu"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "dag_run_id": "manual__x", "dag_id": "dag_a", "state": "queued", "run_type": "manual",
            "run_after": "2026-11-27T07:20:46.495261Z", "conf": {"region": "eu"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let run = client(&server.uri())
        .trigger_run("dag_a", Some(json!({"region": "eu"})), None)
        .await
        .expect("trigger");
    assert_eq!(run.run_id, "manual__x");
    server.verify().await;
}

#[tokio::test]
async fn probing_picks_v1_with_basic_auth() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/version"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"detail": "Not Found"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/version"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "version": "2.11.2", "git_version": null
        })))
        .mount(&server)
        .await;
    // "admin:admin" in base64.
    Mock::given(method("GET"))
        .and(path("/api/v1/dags"))
        .and(header("authorization", "Basic YWRtaW46YWRtaW4="))
        .and(query_param("dag_id_pattern", "dag_"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "dags": [
                {"dag_id": "dag_a", "is_active": true, "is_paused": false, "tags": [{"name": "flowdeck"}]},
                {"dag_id": "my_dag_other", "is_active": true}
            ],
            "total_entries": 2
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/dags/dag_a/dagRuns"))
        .and(body_partial_json(json!({"conf": {}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "dag_run_id": "manual__y", "dag_id": "dag_a", "state": "queued",
            "execution_date": "2024-01-01T00:00:00+00:00", "conf": {}
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let client = client(&server.uri());
    assert_eq!(client.api_version().await.unwrap(), ApiVersion::V1);
    let dags = client.list_dags("dag_").await.expect("v1 listing");
    // `dag_id_pattern` is a contains-match on v1: the prefix is enforced client-side.
    assert_eq!(dags.len(), 1);
    assert_eq!(dags[0].tags, vec!["flowdeck"]);
    assert!(!dags[0].is_stale);
    let run = client
        .trigger_run("dag_a", None, None)
        .await
        .expect("v1 trigger");
    assert_eq!(run.run_id, "manual__y");
    assert!(run.run_after.is_some(), "execution_date becomes run_after");
    let requests = server.received_requests().await.unwrap_or_default();
    let trigger = requests
        .iter()
        .find(|r| r.url.path() == "/api/v1/dags/dag_a/dagRuns")
        .expect("trigger sent");
    let body: Value = serde_json::from_slice(&trigger.body).unwrap();
    assert!(
        body.get("logical_date").is_none(),
        "v1 rejects a null logical_date: {body}"
    );
    server.verify().await;
}

#[tokio::test]
async fn probing_something_that_is_not_airflow() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_string("nope"))
        .mount(&server)
        .await;
    let err = client(&server.uri()).version().await.unwrap_err();
    assert!(matches!(err, Error::NotAirflow { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("does not look like the Airflow API"),
        "{err}"
    );
}

#[tokio::test]
async fn clear_sends_every_flag_explicitly() {
    let server = v2_server().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/dags/dag_a/clearTaskInstances"))
        .and(body_partial_json(json!({
            "dry_run": false, "only_failed": false, "dag_run_id": "r1",
            "task_ids": ["load"], "include_downstream": true
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "task_instances": [{"task_id": "load", "dag_id": "dag_a", "dag_run_id": "r1", "state": null}],
            "total_entries": 1
        })))
        .expect(1)
        .mount(&server)
        .await;
    let cleared = client(&server.uri())
        .clear_task_instances("dag_a", "r1", &["load".to_owned()], true, false)
        .await
        .expect("clear");
    assert_eq!(cleared.len(), 1);
    assert_eq!(cleared[0].state, None);
    server.verify().await;
}

#[tokio::test]
async fn run_ids_are_path_encoded() {
    let server = v2_server().await;
    Mock::given(method("GET"))
        .and(path(
            "/api/v2/dags/dag_a/dagRuns/manual__2026-11-27T07%3A20%3A46.495261%2B00%3A00/taskInstances/load/logs/1",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "content": [{"timestamp": "2026-11-27T07:20:51.851358Z", "event": "hi \u{1b}]0;title\u{7}",
                         "level": "info", "logger": "task.stdout"}],
            "continuation_token": "abc"
        })))
        .mount(&server)
        .await;
    let chunk = client(&server.uri())
        .logs(
            "dag_a",
            "manual__2026-11-27T07:20:46.495261+00:00",
            "load",
            1,
            None,
        )
        .await
        .expect("logs");
    assert_eq!(
        chunk.lines[0].text,
        "07:20:51.851 INFO  hi ^[]0;title^G  source=task.stdout"
    );
    assert_eq!(chunk.continuation_token.as_deref(), Some("abc"));
    let requests = server.received_requests().await.unwrap_or_default();
    let log_req = requests
        .iter()
        .find(|r| r.url.path().contains("/logs/"))
        .unwrap();
    assert_eq!(
        log_req.headers.get("accept").and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
}

/// Airflow on SQLite answers "Database error" (500) under load: a trigger is sent again
/// with the same run id, and a 409 on the retry means the first try created the run.
#[tokio::test]
async fn a_trigger_that_meets_a_500_is_sent_again_with_the_same_run_id() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/version"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"version": "3.3.2", "git_version": null})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(serde_json::json!({"access_token": "t"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/dags/dag_x/dagRuns"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(serde_json::json!({"detail": "Database error"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/dags/dag_x/dagRuns"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "dag_id": "dag_x", "dag_run_id": "manual__x", "run_type": "manual", "state": "queued"
        })))
        .mount(&server)
        .await;
    let client = flowdeck::airflow::Client::new(flowdeck::airflow::AirflowConfig::new(
        server.uri(),
        "admin",
        "admin",
    ))
    .unwrap();
    let run = client
        .trigger_run("dag_x", None, None)
        .await
        .expect("the retry succeeds");
    assert_eq!(run.dag_id, "dag_x");
    let posts: Vec<serde_json::Value> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/api/v2/dags/dag_x/dagRuns")
        .map(|r| r.body_json().unwrap())
        .collect();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0]["dag_run_id"], posts[1]["dag_run_id"]);
}
