//! Airflow 2.11 (`/api/v1`) through the public [`Client`], against a wiremock server
//! that replays the REAL responses recorded from Airflow 2.11.2 in
//! `tests/fixtures/airflow2/` (its README.md says which request produced which file):
//! same paths, status codes, content types and bodies. `/api/v2/version` answers 404 so
//! the client probes down to v1, and every endpoint except `version` and `health`
//! insists on HTTP basic auth (`admin:admin`), answering the recorded 403 otherwise.
//!
//! Where a test needs an answer that was not recorded, the comment beside it says where
//! it comes from (Airflow 2.11's `api_connexion` source).

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use flowdeck::airflow::{
    AirflowConfig, ApiVersion, Client, DagRunState, Error, ManualState, TaskState,
};
use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

const DAG: &str = "dag_fixture0000000001";
/// `admin:admin`, what every recorded request carried.
const BASIC_ADMIN: &str = "Basic YWRtaW46YWRtaW4=";
const PROBLEM: &str = "application/problem+json";

// ---------------------------------------------------------------------------------------
// Fixtures

fn fixture(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/airflow2")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn fixture_json(name: &str) -> Value {
    serde_json::from_slice(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The run the recorder triggered (`manual__2026-11-27T07:46:45.374256+00:00`).
fn run_id() -> String {
    fixture_json("manifest.json")["dag_run_id"]
        .as_str()
        .expect("dag_run_id")
        .to_owned()
}

fn file_token() -> String {
    fixture_json("dag_get.json")["file_token"]
        .as_str()
        .expect("file_token")
        .to_owned()
}

/// A timestamp field of a fixture, as the client should have parsed it.
fn time_in(v: &Value, field: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v[field].as_str().unwrap_or_else(|| panic!("{field}")))
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

/// Percent-encodes one path segment the way the recorder (`quote(safe='')`) did.
fn seg(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn run_path() -> String {
    format!("/api/v1/dags/{DAG}/dagRuns/{}", seg(&run_id()))
}

/// A recorded body with the recorded status and content type.
fn recorded(status: u16, name: &str) -> ResponseTemplate {
    let mime = if status >= 400 {
        PROBLEM
    } else {
        "application/json"
    };
    ResponseTemplate::new(status).set_body_raw(fixture(name), mime)
}

// ---------------------------------------------------------------------------------------
// The server

/// Requests that must carry basic auth but do not carry `admin:admin`.
struct NotAdmin;

impl Match for NotAdmin {
    fn matches(&self, r: &Request) -> bool {
        let p = r.url.path();
        p.starts_with("/api/v1/")
            && p != "/api/v1/version"
            && p != "/api/v1/health"
            && r.headers.get("authorization").and_then(|h| h.to_str().ok()) != Some(BASIC_ADMIN)
    }
}

/// Airflow 2.11's answer to a failed authentication: always 403, per the recordings.
struct AuthRefused;

impl Respond for AuthRefused {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let auth = r
            .headers
            .get("authorization")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let name = if auth.starts_with("Basic ") {
            "error_403_bad_password.json"
        } else if auth.starts_with("Bearer ") {
            "error_403_bearer_token.json"
        } else {
            "error_403_no_auth.json"
        };
        recorded(403, name)
    }
}

/// `POST /dags/{DAG}/dagRuns` the way 2.11 validates it, with the recorded answers:
/// `"logical_date": null` and unknown keys are 400s, `{}` and a conf are accepted.
struct TriggerAs211;

impl Respond for TriggerAs211 {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let Ok(Value::Object(body)) = r.body_json::<Value>() else {
            return ResponseTemplate::new(400).set_body_raw("not a JSON object", "text/plain");
        };
        if body.get("logical_date") == Some(&Value::Null) {
            return recorded(400, "error_400_trigger_null_logical_date.json");
        }
        // The load fields of 2.11's DAGRunSchema that flowdeck could send.
        let known = ["dag_run_id", "logical_date", "conf", "note"];
        if body.keys().any(|k| !known.contains(&k.as_str())) {
            return recorded(400, "error_400_trigger_unknown_key.json");
        }
        if body.get("conf") == Some(&json!({"region": "eu"})) {
            recorded(200, "dag_run_trigger.json")
        } else {
            recorded(200, "dag_run_trigger_empty_body.json")
        }
    }
}

async fn authed(server: &MockServer, verb: &str, p: &str, answer: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(p))
        .and(header("authorization", BASIC_ADMIN))
        .respond_with(answer)
        .mount(server)
        .await;
}

/// An Airflow 2.11.2 made of its recorded answers.
async fn airflow_2_11() -> MockServer {
    let server = MockServer::start().await;
    let run = run_path();

    // Airflow 2 has no /api/v2: the probe's first question is a 404.
    Mock::given(method("GET"))
        .and(path("/api/v2/version"))
        .respond_with(ResponseTemplate::new(404).set_body_raw("Not Found", "text/html"))
        .mount(&server)
        .await;
    // No authentication on these two.
    Mock::given(method("GET"))
        .and(path("/api/v1/version"))
        .respond_with(recorded(200, "version.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/health"))
        .respond_with(recorded(200, "health.json"))
        .mount(&server)
        .await;
    // Everything else: wrong or missing credentials win over any route.
    Mock::given(NotAdmin)
        .respond_with(AuthRefused)
        .with_priority(1)
        .mount(&server)
        .await;

    Mock::given(method("GET"))
        .and(path("/api/v1/dags"))
        .and(header("authorization", BASIC_ADMIN))
        .and(query_param("dag_id_pattern", "dag_"))
        .respond_with(recorded(200, "dags_list.json"))
        .mount(&server)
        .await;
    let dag = format!("/api/v1/dags/{DAG}");
    authed(&server, "GET", &dag, recorded(200, "dag_get.json")).await;
    authed(
        &server,
        "GET",
        &format!("{dag}/details"),
        recorded(200, "dag_details.json"),
    )
    .await;
    Mock::given(method("PATCH"))
        .and(path(dag.as_str()))
        .and(header("authorization", BASIC_ADMIN))
        .and(query_param("update_mask", "is_paused"))
        .and(body_json(json!({"is_paused": false})))
        .respond_with(recorded(200, "dag_patch_unpause.json"))
        .mount(&server)
        .await;
    authed(
        &server,
        "GET",
        &format!("{dag}/tasks"),
        recorded(200, "dag_tasks.json"),
    )
    .await;
    authed(
        &server,
        "GET",
        "/api/v1/dags/dag_does_not_exist",
        recorded(404, "error_404_unknown_dag.json"),
    )
    .await;
    authed(
        &server,
        "POST",
        "/api/v1/dags/dag_does_not_exist/dagRuns",
        recorded(404, "error_404_trigger_unknown_dag.json"),
    )
    .await;
    authed(
        &server,
        "GET",
        "/api/v1/importErrors",
        recorded(200, "import_errors.json"),
    )
    .await;
    authed(
        &server,
        "PUT",
        &format!("/api/v1/parseDagFile/{}", file_token()),
        ResponseTemplate::new(201).set_body_raw(fixture("parse_dag_file.txt"), "text/html"),
    )
    .await;

    Mock::given(method("POST"))
        .and(path(format!("{dag}/dagRuns")))
        .and(header("authorization", BASIC_ADMIN))
        .respond_with(TriggerAs211)
        .mount(&server)
        .await;
    authed(&server, "GET", &run, recorded(200, "dag_run_get.json")).await;
    Mock::given(method("GET"))
        .and(path(format!("{dag}/dagRuns")))
        .and(header("authorization", BASIC_ADMIN))
        .and(query_param("order_by", "-execution_date"))
        .respond_with(recorded(200, "dag_runs_list.json"))
        .mount(&server)
        .await;
    authed(
        &server,
        "POST",
        "/api/v1/dags/~/dagRuns/list",
        recorded(200, "dag_runs_batch_list.json"),
    )
    .await;
    authed(
        &server,
        "GET",
        "/api/v1/dags/~/dagRuns",
        recorded(200, "dag_runs_updated_since.json"),
    )
    .await;
    authed(
        &server,
        "GET",
        "/api/v1/dags/~/dagRuns/~/taskInstances",
        recorded(200, "task_instances_updated_since.json"),
    )
    .await;

    authed(
        &server,
        "GET",
        &format!("{run}/taskInstances"),
        recorded(200, "task_instances.json"),
    )
    .await;
    // No single task instance was recorded for 2.11; v1 serves the same
    // TaskInstanceSchema object as each item of the recorded list.
    let load = fixture_json("task_instances.json")["task_instances"]
        .as_array()
        .and_then(|tis| tis.iter().find(|t| t["task_id"] == "load").cloned())
        .expect("load in task_instances.json");
    authed(
        &server,
        "GET",
        &format!("{run}/taskInstances/load"),
        ResponseTemplate::new(200).set_body_json(load),
    )
    .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{run}/taskInstances/load")))
        .and(header("authorization", BASIC_ADMIN))
        .and(query_param_is_missing("update_mask"))
        .and(body_json(json!({"dry_run": false, "new_state": "success"})))
        .respond_with(recorded(200, "task_instance_patch_success.json"))
        .mount(&server)
        .await;
    for (task, name) in [
        ("extract", "task_log_extract_try1.json"),
        ("load", "task_log_load_try1.json"),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("{run}/taskInstances/{task}/logs/1")))
            .and(header("authorization", BASIC_ADMIN))
            .and(header("accept", "application/json"))
            .respond_with(recorded(200, name))
            .mount(&server)
            .await;
    }
    let xcom = format!("{run}/taskInstances/extract/xcomEntries/return_value");
    // Not recorded: with `deserialize=true` 2.11 answers
    // `BadRequest(detail="XCom deserialization is disabled in configuration.")` unless
    // `[api] enable_xcom_deserialize_support` is set (api_connexion/endpoints/xcom_endpoint.py).
    Mock::given(method("GET"))
        .and(path(xcom.as_str()))
        .and(query_param("deserialize", "true"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            json!({
                "detail": "XCom deserialization is disabled in configuration.",
                "status": 400, "title": "Bad Request",
                "type": "https://airflow.apache.org/docs/apache-airflow/2.11.2/stable-rest-api-ref.html#section/Errors/BadRequest"
            })
            .to_string(),
            PROBLEM,
        ))
        .with_priority(2)
        .mount(&server)
        .await;
    authed(
        &server,
        "GET",
        &xcom,
        recorded(200, "xcom_extract_return_value.json"),
    )
    .await;
    // Not recorded: a failed task has no return value; 2.11 raises
    // `NotFound("XCom entry not found")` (the message is the problem's title).
    authed(
        &server,
        "GET",
        &format!("{run}/taskInstances/load/xcomEntries/return_value"),
        ResponseTemplate::new(404).set_body_raw(
            json!({
                "detail": null, "status": 404, "title": "XCom entry not found",
                "type": "https://airflow.apache.org/docs/apache-airflow/2.11.2/stable-rest-api-ref.html#section/Errors/NotFound"
            })
            .to_string(),
            PROBLEM,
        ),
    )
    .await;
    authed(
        &server,
        "POST",
        &format!("{dag}/clearTaskInstances"),
        recorded(200, "clear_task_instances_dry_run.json"),
    )
    .await;
    server
}

fn client_as(url: &str, user: &str, password: &str) -> Client {
    let mut c = AirflowConfig::new(url, user, password);
    c.timeout = Duration::from_secs(5);
    Client::new(c).expect("config")
}

fn admin(server: &MockServer) -> Client {
    client_as(&server.uri(), "admin", "admin")
}

async fn requests_to(server: &MockServer, verb: &str, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == p)
        .collect()
}

/// Basic auth went with every call but the two Airflow serves to anyone, and never a
/// bearer token or a token request.
async fn assert_basic_auth_everywhere(server: &MockServer) {
    for r in server.received_requests().await.unwrap_or_default() {
        let p = r.url.path();
        let auth = r.headers.get("authorization").and_then(|h| h.to_str().ok());
        assert_ne!(p, "/auth/token", "Airflow 2 has no token endpoint");
        if p.ends_with("/version") || p == "/api/v1/health" {
            assert_eq!(auth, None, "{} {p} needs no credentials", r.method);
        } else {
            assert_eq!(auth, Some(BASIC_ADMIN), "{} {p}", r.method);
        }
    }
}

fn no_control_chars(s: &str) -> bool {
    !s.chars()
        .any(|c| (c.is_control() && c != '\t') || ('\u{80}'..='\u{9f}').contains(&c))
}

// ---------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn probes_down_to_v1_and_reads_version_and_health() {
    let server = airflow_2_11().await;
    let client = admin(&server);
    assert_eq!(client.api_version().await.unwrap(), ApiVersion::V1);
    let v = client.version().await.unwrap();
    assert_eq!(v.version, "2.11.2");
    assert_eq!(v.api, ApiVersion::V1);

    let h = client.health().await.expect("health");
    let recorded = fixture_json("health.json");
    assert!(h.is_healthy());
    assert!(h.unhealthy_components().is_empty(), "{h:?}");
    assert_eq!(h.metadatabase.status.as_deref(), Some("healthy"));
    assert_eq!(
        h.scheduler.latest_heartbeat,
        Some(time_in(
            &recorded["scheduler"],
            "latest_scheduler_heartbeat"
        ))
    );
    assert_eq!(
        h.triggerer.latest_heartbeat,
        Some(time_in(
            &recorded["triggerer"],
            "latest_triggerer_heartbeat"
        ))
    );
    // Standalone 2.11 runs the dag-processor inside the scheduler: status null.
    let dp = h.dag_processor.expect("dag_processor reported");
    assert_eq!(dp.status, None);

    // v2 asked once, then v1; the probe is cached.
    assert_eq!(
        requests_to(&server, "GET", "/api/v2/version").await.len(),
        1
    );
    assert_eq!(
        requests_to(&server, "GET", "/api/v1/version").await.len(),
        1
    );
    assert_eq!(requests_to(&server, "GET", "/api/v1/health").await.len(), 1);
    assert_basic_auth_everywhere(&server).await;
}

#[tokio::test]
async fn dags_listed_read_and_unpaused() {
    let server = airflow_2_11().await;
    let client = admin(&server);
    let recorded = fixture_json("dag_get.json");

    let dags = client.list_dags("dag_").await.expect("list");
    assert_eq!(dags.len(), 1, "{dags:?}");
    let d = &dags[0];
    assert_eq!(d.dag_id, DAG);
    assert!(d.is_paused);
    assert!(!d.is_stale, "is_active: true means not stale");
    assert!(!d.has_import_errors);
    assert_eq!(
        d.last_parsed_time,
        Some(time_in(&recorded, "last_parsed_time"))
    );
    assert_eq!(d.fileloc, "/tmp/af2/dags/dag_fixture0000000001.py");
    assert_eq!(d.file_token, file_token());
    assert_eq!(d.tags, vec!["flowdeck"]);
    assert_eq!(
        d.timetable_description.as_deref(),
        Some("Never, external triggers only")
    );
    // Airflow 2 has one dags folder: no bundle, no relative path.
    assert_eq!(d.bundle_name, None);
    assert_eq!(d.relative_fileloc, None);
    let listing = &requests_to(&server, "GET", "/api/v1/dags").await[0];
    let q: Vec<(String, String)> = listing.url.query_pairs().into_owned().collect();
    for pair in [
        ("dag_id_pattern", "dag_"),
        ("order_by", "dag_id"),
        ("limit", "100"),
        ("offset", "0"),
    ] {
        assert!(
            q.contains(&(pair.0.to_owned(), pair.1.to_owned())),
            "{pair:?} in {q:?}"
        );
    }
    assert!(
        !q.iter().any(|(k, _)| k == "dag_id_prefix_pattern"),
        "a 3.3-only filter: {q:?}"
    );

    let one = client.get_dag(DAG).await.expect("get");
    assert_eq!(&one, d, "GET /dags/{{id}} and the listing agree");
    // The details carry doc_md, where the deploy marker is read (none in this DAG).
    let details = client.get_dag_details(DAG).await.expect("details");
    assert_eq!(details.dag_id, DAG);
    assert_eq!(details.doc_md, None);
    assert_eq!(details.tags, vec!["flowdeck"]);

    let tasks = client.dag_tasks(DAG).await.expect("tasks");
    let ids: Vec<&str> = tasks.iter().map(|t| t.task_id.as_str()).collect();
    assert_eq!(ids, vec!["extract", "load"]);
    assert_eq!(tasks[0].downstream_task_ids, vec!["load"]);
    assert!(tasks[1].downstream_task_ids.is_empty());
    assert_eq!(tasks[0].operator.as_deref(), Some("PythonOperator"));

    let unpaused = client.set_paused(DAG, false).await.expect("unpause");
    assert!(!unpaused.is_paused);
    assert_eq!(unpaused.dag_id, DAG);
    assert_basic_auth_everywhere(&server).await;
}

#[tokio::test]
async fn an_inactive_v1_dag_is_stale() {
    // The recorded DAG with `is_active` flipped: 2.11 marks a DAG whose file vanished or
    // failed to import that way, and flowdeck calls it stale like Airflow 3 does.
    let mut body = fixture_json("dag_get.json");
    body["is_active"] = json!(false);
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/version"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/version"))
        .respond_with(recorded(200, "version.json"))
        .mount(&server)
        .await;
    authed(
        &server,
        "GET",
        &format!("/api/v1/dags/{DAG}"),
        ResponseTemplate::new(200).set_body_json(body),
    )
    .await;
    let d = admin(&server).get_dag(DAG).await.expect("get");
    assert!(d.is_stale);
    assert_eq!(d.file_token, file_token());
}

#[tokio::test]
async fn import_errors_keep_the_absolute_path() {
    let server = airflow_2_11().await;
    let errors = admin(&server).import_errors().await.expect("import errors");
    assert_eq!(errors.len(), 1);
    let e = &errors[0];
    assert_eq!(e.id, 1);
    assert_eq!(e.filename, "/tmp/af2/dags/dag_fixture_broken.py");
    assert_eq!(e.bundle_name, None);
    assert_eq!(
        e.timestamp,
        Some(time_in(
            &fixture_json("import_errors.json")["import_errors"][0],
            "timestamp"
        ))
    );
    let lines: Vec<&str> = e.stack_trace.lines().collect();
    assert_eq!(lines[0], "Traceback (most recent call last):");
    assert!(lines.contains(&"  File \"/tmp/af2/dags/dag_fixture_broken.py\", line 4, in <module>"));
    assert_eq!(
        lines.last().copied(),
        Some("ModuleNotFoundError: No module named 'airflow.sdk'")
    );
    let q = &requests_to(&server, "GET", "/api/v1/importErrors").await[0];
    assert!(q
        .url
        .query_pairs()
        .any(|(k, v)| k == "order_by" && v == "import_error_id"));
    assert_basic_auth_everywhere(&server).await;
}

#[tokio::test]
async fn triggering_sends_what_v1_accepts() {
    let server = airflow_2_11().await;
    let client = admin(&server);
    let recorded = fixture_json("dag_run_trigger.json");

    // With a conf and no date: no `logical_date` key at all (null is a 400 on 2.11).
    let run = client
        .trigger_run(DAG, Some(json!({"region": "eu"})), None)
        .await
        .expect("trigger with conf");
    assert_eq!(run.dag_id, DAG);
    assert_eq!(run.run_id, run_id());
    assert_eq!(run.run_type, "manual");
    assert_eq!(run.state, DagRunState::Queued);
    assert_eq!(run.conf, json!({"region": "eu"}));
    let execution_date = time_in(&recorded, "execution_date");
    assert_eq!(run.run_after, Some(execution_date));
    assert_eq!(run.logical_date, Some(execution_date));
    assert_eq!(run.start_date, None);

    // Without anything: `{"conf": {}}`, which 2.11 takes like `{}`.
    let bare = client.trigger_run(DAG, None, None).await.expect("bare");
    let recorded_bare = fixture_json("dag_run_trigger_empty_body.json");
    assert_eq!(bare.run_id, recorded_bare["dag_run_id"].as_str().unwrap());
    assert_eq!(
        bare.run_after,
        Some(time_in(&recorded_bare, "execution_date"))
    );

    // A chosen date goes out as an RFC 3339 string with its offset.
    let when = DateTime::parse_from_rfc3339("2026-11-27T07:46:45.374256+00:00")
        .unwrap()
        .with_timezone(&Utc);
    client
        .trigger_run(DAG, Some(json!({"region": "eu"})), Some(when))
        .await
        .expect("trigger with a date");

    let bodies: Vec<Value> = requests_to(&server, "POST", &format!("/api/v1/dags/{DAG}/dagRuns"))
        .await
        .iter()
        .map(|r| {
            let mut body: Value = r.body_json().expect("JSON body");
            // The client names the run (so a trigger that met a 5xx can be resent).
            let run_id = body
                .as_object_mut()
                .and_then(|o| o.remove("dag_run_id"))
                .expect("a dag_run_id");
            assert!(
                run_id.as_str().is_some_and(|id| id.starts_with("manual__")),
                "{run_id}"
            );
            body
        })
        .collect();
    assert_eq!(
        bodies,
        vec![
            json!({"conf": {"region": "eu"}}),
            json!({"conf": {}}),
            json!({"conf": {"region": "eu"}, "logical_date": "2026-11-27T07:46:45.374256Z"}),
        ]
    );

    // An unknown DAG: the recorded 404, with Airflow's own words.
    let err = client
        .trigger_run("dag_does_not_exist", None, None)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "Airflow could not trigger a run of dag_does_not_exist: \
         DAG with dag_id: 'dag_does_not_exist' not found"
    );
    assert_basic_auth_everywhere(&server).await;
}

#[tokio::test]
async fn runs_read_with_execution_date_as_run_after() {
    let server = airflow_2_11().await;
    let client = admin(&server);
    let recorded = fixture_json("dag_run_get.json");
    let execution_date = time_in(&recorded, "execution_date");

    let run = client.get_dag_run(DAG, &run_id()).await.expect("get run");
    assert_eq!(run.run_id, run_id());
    assert_eq!(run.state, DagRunState::Failed);
    assert!(run.state.is_finished());
    assert_eq!(run.run_type, "manual");
    assert_eq!(run.run_after, Some(execution_date));
    assert_eq!(run.logical_date, Some(execution_date));
    assert_eq!(run.start_date, Some(time_in(&recorded, "start_date")));
    assert_eq!(run.end_date, Some(time_in(&recorded, "end_date")));
    assert_eq!(run.conf, json!({"region": "eu"}));
    assert_eq!(run.note, None);

    let runs = client.dag_runs(DAG, 10).await.expect("runs");
    assert_eq!(runs, vec![run.clone()]);
    let q = &requests_to(&server, "GET", &format!("/api/v1/dags/{DAG}/dagRuns")).await[0];
    let q: Vec<(String, String)> = q.url.query_pairs().into_owned().collect();
    assert!(
        q.contains(&("order_by".into(), "-execution_date".into())),
        "{q:?}"
    );
    assert!(q.contains(&("limit".into(), "10".into())), "{q:?}");

    let batch = client
        .dag_runs_batch(&[DAG.to_owned()], 10)
        .await
        .expect("batch");
    assert_eq!(batch, vec![run.clone()]);
    let sent: Value = requests_to(&server, "POST", "/api/v1/dags/~/dagRuns/list").await[0]
        .body_json()
        .unwrap();
    assert_eq!(sent["dag_ids"], json!([DAG]));
    assert_eq!(sent["order_by"], "-execution_date");

    let since = time_in(&fixture_json("manifest.json"), "updated_at_gte");
    let changed = client
        .runs_changed_since(since, "dag_")
        .await
        .expect("changed runs");
    assert_eq!(changed.items, vec![run]);
    let q = &requests_to(&server, "GET", "/api/v1/dags/~/dagRuns").await[0];
    assert!(
        !q.url
            .query_pairs()
            .any(|(k, _)| k == "dag_id_prefix_pattern"),
        "not a v1 parameter: {}",
        q.url
    );
    let tis = client
        .task_instances_changed_since(since, "dag_")
        .await
        .expect("changed task instances");
    let states: Vec<(&str, Option<TaskState>)> = tis
        .items
        .iter()
        .map(|t| (t.task_id.as_str(), t.state.clone()))
        .collect();
    // Recorded after the PATCH that marked `load` success.
    assert_eq!(
        states,
        vec![
            ("extract", Some(TaskState::Success)),
            ("load", Some(TaskState::Success))
        ]
    );
    assert_basic_auth_everywhere(&server).await;
}

#[tokio::test]
async fn task_instances_of_the_recorded_run() {
    let server = airflow_2_11().await;
    let client = admin(&server);
    let tis = client.task_instances(DAG, &run_id()).await.expect("tis");
    assert_eq!(tis.len(), 2);
    let (extract, load) = (&tis[0], &tis[1]);
    assert_eq!(extract.task_id, "extract");
    assert_eq!(extract.state, Some(TaskState::Success));
    assert_eq!(extract.duration, Some(0.304751));
    assert_eq!(load.task_id, "load");
    assert_eq!(load.state, Some(TaskState::Failed));
    assert_eq!(load.duration, Some(0.534098));
    for ti in &tis {
        assert_eq!(ti.dag_id, DAG);
        assert_eq!(ti.run_id, run_id());
        assert_eq!(ti.map_index, -1);
        assert_eq!(ti.try_number, 1);
        assert_eq!(ti.max_tries, 0);
        assert_eq!(ti.operator.as_deref(), Some("PythonOperator"));
    }
    let recorded = &fixture_json("task_instances.json")["task_instances"][1];
    assert_eq!(load.start_date, Some(time_in(recorded, "start_date")));
    assert_eq!(load.end_date, Some(time_in(recorded, "end_date")));

    let one = client
        .task_instance(DAG, &run_id(), "load")
        .await
        .expect("one ti");
    assert_eq!(&one, load);
    assert_basic_auth_everywhere(&server).await;
}

#[tokio::test]
async fn logs_of_a_success_and_a_failure_read_as_lines() {
    let server = airflow_2_11().await;
    let client = admin(&server);

    let extract = client
        .logs(DAG, &run_id(), "extract", 1, None)
        .await
        .expect("extract log");
    let texts: Vec<&str> = extract.lines.iter().map(|l| l.text.as_str()).collect();
    assert!(texts.iter().all(|t| no_control_chars(t)), "{texts:#?}");
    assert!(
        !texts.iter().any(|t| t.contains("[('") || t.contains("\\n")),
        "the Python repr is unpacked: {texts:#?}"
    );
    assert_eq!(texts[0], " INFO - ▸ Log message source details");
    assert_eq!(texts[1], "*** Found local files:");
    assert!(texts.contains(
        &"[2026-11-27T07:46:49.698+0000] {logging_mixin.py:190} INFO - hello from extract"
    ));
    assert!(texts.contains(
        &"[2026-11-27T07:46:49.698+0000] {python.py:240} INFO - Done. Returned value was: \
          {'total': 3, 'rows': [1, 2, 3]}"
    ));
    // The same lines Airflow gives as text/plain (whose first line is the host name), with
    // the log-group markers read as the TUI reads them: a group's title is a header
    // (`▸ title`), its end marker carries nothing and is dropped.
    let plain = String::from_utf8(fixture("task_log_extract_try1_text_plain.txt")).unwrap();
    let plain: Vec<String> = plain
        .lines()
        .skip(1)
        .filter(|l| !l.ends_with("::endgroup::"))
        .map(|l| l.replace("::group::", "▸ "))
        .collect();
    assert_eq!(texts, plain);
    assert_eq!(
        extract.continuation_token.as_deref(),
        fixture_json("task_log_extract_try1.json")["continuation_token"].as_str()
    );
    let asked = &requests_to(
        &server,
        "GET",
        &format!("{}/taskInstances/extract/logs/1", run_path()),
    )
    .await[0];
    assert_eq!(
        asked.headers.get("accept").and_then(|h| h.to_str().ok()),
        Some("application/json")
    );
    assert!(asked
        .url
        .query_pairs()
        .any(|(k, v)| k == "full_content" && v == "false"));

    let load = client
        .logs(DAG, &run_id(), "load", 1, None)
        .await
        .expect("load log");
    let texts: Vec<&str> = load.lines.iter().map(|l| l.text.as_str()).collect();
    assert!(texts.iter().all(|t| no_control_chars(t)), "{texts:#?}");
    let at = texts
        .iter()
        .position(|t| t.ends_with("{taskinstance.py:3337} ERROR - Task failed with exception"))
        .unwrap_or_else(|| panic!("{texts:#?}"));
    assert_eq!(texts[at + 1], "Traceback (most recent call last):");
    let end = at
        + texts[at..]
            .iter()
            .position(|t| *t == "ValueError: load failed on purpose (flowdeck fixture)")
            .expect("the exception line");
    assert_eq!(
        &texts[end - 2..end],
        &[
            "  File \"/tmp/af2/dags/dag_fixture0000000001.py\", line 20, in _load",
            "    raise ValueError(\"load failed on purpose (flowdeck fixture)\")",
        ]
    );
    // The traceback's caret markers survive as text.
    assert!(texts[at..end]
        .iter()
        .any(|t| t.trim_start().starts_with('^')));
    // Both tracebacks (the task's and the task runner's) are there.
    assert_eq!(
        texts
            .iter()
            .filter(|t| **t == "ValueError: load failed on purpose (flowdeck fixture)")
            .count(),
        2
    );
    assert!(!texts.iter().any(|t| t.contains("::endgroup::")));
    assert_basic_auth_everywhere(&server).await;
}

#[tokio::test]
async fn xcom_return_value_is_the_python_str() {
    let server = airflow_2_11().await;
    let client = admin(&server);
    let value = client
        .xcom_return_value(DAG, &run_id(), "extract")
        .await
        .expect("xcom");
    // 2.11 sends `str(value)`; the runs pane shows such a string line by line.
    assert_eq!(value, Some(json!("{'total': 3, 'rows': [1, 2, 3]}")));
    let asked = &requests_to(
        &server,
        "GET",
        &format!(
            "{}/taskInstances/extract/xcomEntries/return_value",
            run_path()
        ),
    )
    .await[0];
    assert!(
        !asked.url.query_pairs().any(|(k, _)| k == "deserialize"),
        "deserialize=true is a 400 on a stock 2.11: {}",
        asked.url
    );

    let none = client
        .xcom_return_value(DAG, &run_id(), "load")
        .await
        .expect("404 means no value");
    assert_eq!(none, None);
    assert_basic_auth_everywhere(&server).await;
}

#[tokio::test]
async fn clear_dry_run_lists_references() {
    let server = airflow_2_11().await;
    let cleared = admin(&server)
        .clear_task_instances(DAG, &run_id(), &["load".to_owned()], true, true)
        .await
        .expect("dry run");
    assert_eq!(cleared.len(), 1);
    let ti = &cleared[0];
    assert_eq!(
        (ti.dag_id.as_str(), ti.run_id.as_str(), ti.task_id.as_str()),
        (DAG, run_id().as_str(), "load")
    );
    // 2.11 answers with references (no state, no try number): the client reads the
    // task instance, so the caller sees what it would clear as it is now.
    assert_eq!(ti.state, Some(TaskState::Failed));
    assert_eq!(ti.try_number, 1);
    assert_eq!(ti.map_index, -1);
    assert_eq!(
        requests_to(
            &server,
            "GET",
            &format!("{}/taskInstances/load", run_path())
        )
        .await
        .len(),
        1
    );

    let sent: Value = requests_to(
        &server,
        "POST",
        &format!("/api/v1/dags/{DAG}/clearTaskInstances"),
    )
    .await[0]
        .body_json()
        .unwrap();
    assert_eq!(sent["dry_run"], true);
    assert_eq!(sent["only_failed"], false);
    assert_eq!(sent["dag_run_id"], run_id());
    assert_eq!(sent["task_ids"], json!(["load"]));
    assert_eq!(sent["include_downstream"], true);
    // Every key is a field of 2.11's ClearTaskInstanceFormSchema (marshmallow rejects
    // unknown keys with a 400).
    let schema: BTreeSet<&str> = [
        "dry_run",
        "start_date",
        "end_date",
        "only_failed",
        "only_running",
        "include_subdags",
        "include_parentdag",
        "reset_dag_runs",
        "task_ids",
        "dag_run_id",
        "include_upstream",
        "include_downstream",
        "include_future",
        "include_past",
    ]
    .into();
    for key in sent.as_object().unwrap().keys() {
        assert!(schema.contains(key.as_str()), "{key} is not a v1 field");
    }
    assert_basic_auth_everywhere(&server).await;
}

#[tokio::test]
async fn set_task_state_and_reparse() {
    let server = airflow_2_11().await;
    let client = admin(&server);
    // The mock only answers `{"dry_run": false, "new_state": "success"}` without an
    // update_mask, as recorded; 2.11 answers `{}`.
    client
        .set_task_state(DAG, &run_id(), "load", ManualState::Success)
        .await
        .expect("mark success");

    // The file token comes from the DAG, as the app gets it.
    let dag = client.get_dag(DAG).await.expect("dag");
    client
        .reparse_dag_file(&dag.file_token)
        .await
        .expect("201 with an empty body");
    let put = requests_to(
        &server,
        "PUT",
        &format!("/api/v1/parseDagFile/{}", file_token()),
    )
    .await;
    assert_eq!(put.len(), 1);
    assert!(put[0].body.is_empty());
    assert_basic_auth_everywhere(&server).await;
}

#[tokio::test]
async fn wrong_password_is_the_credentials_sentence() {
    let server = airflow_2_11().await;
    let client = client_as(&server.uri(), "admin", "wrong-password");
    assert_eq!(client.api_version().await.unwrap(), ApiVersion::V1);
    // 2.11 answers 403 "Forbidden" (detail null) to a wrong password, on every route.
    let list = client.list_dags("dag_").await.unwrap_err();
    let trigger = client.trigger_run(DAG, None, None).await.unwrap_err();
    let state = client
        .set_task_state(DAG, &run_id(), "load", ManualState::Failed)
        .await
        .unwrap_err();
    for err in [list, trigger, state] {
        assert!(err.is_auth(), "{err:?}");
        assert_eq!(
            err.to_string(),
            "Airflow rejected the credentials for user admin; check FLOWDECK_AIRFLOW_USERNAME and FLOWDECK_AIRFLOW_PASSWORD"
        );
    }
    // Each 403 cost one extra request: listing one DAG, which also failed.
    let checks = requests_to(&server, "GET", "/api/v1/dags")
        .await
        .iter()
        .filter(|r| r.url.query() == Some("limit=1"))
        .count();
    assert_eq!(checks, 3);
    // The unauthenticated endpoints still work.
    assert!(client.health().await.expect("health").is_healthy());
}

#[tokio::test]
async fn a_401_is_the_credentials_sentence_too() {
    // Not recorded (2.11.2 gave 403); older 2.x and other auth backends raise
    // `Unauthenticated`, a 401 problem with title "Unauthorized".
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/version"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/version"))
        .respond_with(recorded(200, "version.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/dags/{DAG}")))
        .respond_with(
            ResponseTemplate::new(401).set_body_raw(
                json!({"detail": null, "status": 401, "title": "Unauthorized", "type": "x"})
                    .to_string(),
                PROBLEM,
            ),
        )
        .mount(&server)
        .await;
    let err = client_as(&server.uri(), "ops", "nope")
        .get_dag(DAG)
        .await
        .unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "Airflow rejected the credentials for user ops; check FLOWDECK_AIRFLOW_USERNAME and FLOWDECK_AIRFLOW_PASSWORD"
    );
}

#[tokio::test]
async fn a_403_for_a_permission_stays_a_permission_error() {
    // A Viewer: its credentials work (it may list DAGs) but marking a task is refused with
    // the same recorded 403 body.
    const BASIC_VIEWER: &str = "Basic dmlld2VyOnZpZXdlcg=="; // viewer:viewer
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/version"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/version"))
        .respond_with(recorded(200, "version.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/dags"))
        .and(header("authorization", BASIC_VIEWER))
        .respond_with(recorded(200, "dags_list.json"))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{}/taskInstances/load", run_path())))
        .and(header("authorization", BASIC_VIEWER))
        .respond_with(recorded(403, "error_403_bad_password.json"))
        .mount(&server)
        .await;
    let err = client_as(&server.uri(), "viewer", "viewer")
        .set_task_state(DAG, &run_id(), "load", ManualState::Success)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    assert!(!err.is_auth());
    assert_eq!(
        err.to_string(),
        "Airflow does not allow user viewer to mark task load success: Forbidden"
    );
}

#[tokio::test]
async fn an_unknown_dag_is_not_found() {
    let server = airflow_2_11().await;
    let err = admin(&server)
        .get_dag("dag_does_not_exist")
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "Airflow could not read DAG dag_does_not_exist: \
         The DAG with dag_id: dag_does_not_exist was not found"
    );
    assert_basic_auth_everywhere(&server).await;
}
