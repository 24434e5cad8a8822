//! The examples of "never lose, never lie", each through the real binary (or, for the
//! TUI's poller, the poller itself) against a fake Airflow staged with wiremock: output
//! paths that would destroy data, closed pipes and full disks, status with wrong
//! credentials, a deploy that cannot reach Airflow, time limits that hold.

mod cli_common;

use cli_common::*;
use flowdeck::airflow::{AirflowConfig, Client, Connection, PollEvent, PollKind, Poller, Watch};
use serde_json::json;
use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn seeded() -> (tempfile::TempDir, Fx) {
    let tmp = tempfile::tempdir().unwrap();
    let fx = Fx::new(tmp.path());
    fx.seed();
    (tmp, fx)
}

// ----- 1. a command never destroys data ---------------------------------------------

#[test]
fn export_onto_the_database_is_refused_and_every_later_command_still_works() {
    let (_tmp, fx) = seeded();
    let db = db_dump(&fx.db());
    let err = fx.fails(
        1,
        &[
            "flow",
            "export",
            "daily sales",
            "-o",
            &fx.db().display().to_string(),
        ],
    );
    assert!(err.contains("flowdeck's database"), "{err}");
    assert!(db_dump(&fx.db()) == db, "the database changed");
    assert!(fx.ok(&["flow", "list"]).contains("daily sales"));
}

#[test]
fn export_onto_a_dag_file_is_refused_even_with_force() {
    let (_tmp, fx) = seeded();
    let dag = std::fs::read(fx.dag_file()).unwrap();
    let err = fx.fails(
        1,
        &[
            "flow",
            "export",
            "daily sales",
            "-o",
            &fx.dag_file().display().to_string(),
            "--force",
        ],
    );
    assert!(err.contains("inside the dags folder"), "{err}");
    assert!(
        std::fs::read(fx.dag_file()).unwrap() == dag,
        "the DAG file changed"
    );
}

#[test]
fn export_replaces_an_existing_file_only_with_force() {
    let (_tmp, fx) = seeded();
    let out = fx.file("out/flow.toml", b"mine\n");
    let err = fx.fails(1, &["flow", "export", "daily sales", "-o", &out]);
    assert!(err.contains("already exists; add --force"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine\n");
    fx.ok(&["flow", "export", "daily sales", "-o", &out, "--force"]);
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written, fx.ok(&["flow", "export", "daily sales"]));
    // A new file needs no --force, and no temp file is left beside it.
    let fresh = fx.dir.join("out/new.toml");
    fx.ok(&[
        "flow",
        "export",
        "daily sales",
        "-o",
        &fresh.display().to_string(),
    ]);
    assert!(fresh.exists());
    let names: Vec<String> = std::fs::read_dir(fx.dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn a_refused_registration_leaves_the_library_folder_as_it_was() {
    let (_tmp, fx) = seeded();
    // Another file defining `extract`: the name is taken by etl.py's.
    let other = fx.file("elsewhere/sales.py", b"def extract(day):\n    return day\n");
    let before = tree(&fx.dags());
    let err = fx.fails(1, &["function", "add", &other, "--function", "extract"]);
    assert!(
        err.contains("a function named `extract` already exists"),
        "{err}"
    );
    assert_eq!(changed(&before, &tree(&fx.dags())), Vec::<String>::new());
    // Under a free name it registers (and only then is the file copied).
    fx.ok(&[
        "function",
        "add",
        &other,
        "--function",
        "extract",
        "--name",
        "extract2",
    ]);
    assert!(fx.dags().join("flowdeck_functions/sales.py").exists());
}

// ----- 2. no panic reaches a user ----------------------------------------------------

#[test]
fn a_closed_pipe_ends_quietly_with_status_0() {
    let (_tmp, fx) = seeded();
    for args in [
        &["flow", "show", "daily sales", "--json"][..],
        &["flow", "export", "daily sales"][..],
        &["function", "list"][..],
    ] {
        let mut child = fx
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // `| head -c0`: the reader goes away before flowdeck writes.
        drop(child.stdout.take());
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{args:?}: {err}");
        assert_eq!(err, "", "{args:?}");
    }
}

#[test]
fn a_full_disk_is_one_line() {
    let (_tmp, fx) = seeded();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = fx
        .command(&["flow", "show", "daily sales", "--json"])
        .stdout(full)
        .output()
        .unwrap();
    assert_one_line_failure(&out, 1, "to /dev/full");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot write the output: No space left on device"),
        "{err}"
    );
}

// ----- 3. never report what was not observed ----------------------------------------

/// An Airflow 3 that answers the unauthenticated endpoints (version, health) and
/// refuses every password.
async fn airflow_refusing_passwords() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/version"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"version": "3.3.2", "git_version": null})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/monitor/health"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "metadatabase": {"status": "healthy"},
            "scheduler": {"status": "healthy", "latest_scheduler_heartbeat": "2026-11-27T07:21:31+00:00"},
            "triggerer": {"status": "healthy"},
            "dag_processor": {"status": "healthy"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"detail": "Invalid credentials"})),
        )
        .mount(&server)
        .await;
    server
}

async fn run_blocking(mut command: std::process::Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_with_a_wrong_password_is_not_healthy() {
    let server = airflow_refusing_passwords().await;
    let tmp = tempfile::tempdir().unwrap();
    let mut fx = Fx::new(tmp.path());
    fx.airflow_url = server.uri();
    for password in [Some("wrong"), None] {
        let mut command = fx.command(&["status"]);
        match password {
            Some(p) => command.env("FLOWDECK_AIRFLOW_PASSWORD", p),
            None => command.env_remove("FLOWDECK_AIRFLOW_PASSWORD"),
        };
        let out = run_blocking(command).await;
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(!text.contains("healthy"), "{text}");
        match password {
            Some(_) => assert!(text.contains("rejected the credentials"), "{text}"),
            None => assert!(
                text.contains("FLOWDECK_AIRFLOW_PASSWORD is empty or not set"),
                "{text}"
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_json_claims_nothing_about_dags_it_could_not_see() {
    let server = airflow_refusing_passwords().await;
    let tmp = tempfile::tempdir().unwrap();
    let mut fx = Fx::new(tmp.path());
    let seed_fx = Fx::new(tmp.path());
    tokio::task::spawn_blocking(move || seed_fx.seed())
        .await
        .unwrap();
    fx.airflow_url = server.uri();
    let out = run_blocking(fx.command(&["status", "--json"])).await;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["healthy"], false);
    assert_eq!(v["flows"][0]["in_airflow"], serde_json::Value::Null);
    assert_eq!(v["flows"][0]["import_error"], serde_json::Value::Null);
}

#[test]
fn deploy_wait_never_says_ready_without_reaching_airflow() {
    let (_tmp, fx) = seeded();
    // The flow's record says `ready` for exactly the bytes in the dags folder (as after
    // an earlier successful deploy); Airflow is now unreachable.
    {
        let store = flowdeck::store::Store::open(&fx.db()).unwrap();
        let id = flowdeck::model::ids::flow_id_for("daily sales");
        let mut record = store.deploy_in(&id, "default").unwrap().unwrap();
        record.state = flowdeck::model::deploy::DeployState::Ready;
        record.deployed_version = Some(1);
        store.set_deploy(&record).unwrap();
    }
    let out = fx.run(&["flow", "deploy", "daily sales", "--wait", "--timeout", "5"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(!text.contains("ready"), "{text}");
    assert!(text.contains("not reachable"), "{text}");
}

// ----- 4. time limits hold ------------------------------------------------------------

/// A server that accepts connections and never answers.
fn silent_server() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

#[test]
fn status_against_a_silent_server_ends_within_the_promised_time() {
    let (_listener, url) = silent_server();
    let tmp = tempfile::tempdir().unwrap();
    let mut fx = Fx::new(tmp.path());
    fx.airflow_url = url;
    std::fs::write(fx.config(), "[airflow]\ntimeout_secs = 3\n").unwrap();
    let started = Instant::now();
    let out = fx.run(&["status"]);
    let took = started.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains("did not answer within 3 s"), "{text}");
    // Before, three requests timed out one after the other (9 s); the margin is wide
    // so that a loaded machine does not fail this.
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

#[test]
fn a_deploy_wait_against_a_silent_server_ends_at_its_timeout() {
    let (_listener, url) = silent_server();
    let (_tmp, mut fx) = seeded();
    fx.airflow_url = url;
    std::fs::write(fx.config(), "[airflow]\ntimeout_secs = 30\n").unwrap();
    let started = Instant::now();
    let out = fx.run(&["flow", "deploy", "daily sales", "--wait", "--timeout", "2"]);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("after 2 s"), "{err}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

// ----- 5. secrets never shown ---------------------------------------------------------

#[test]
fn a_url_with_a_password_is_refused_without_showing_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut fx = Fx::new(tmp.path());
    fx.airflow_url = "http://admin:s3cr3t-pw@127.0.0.1:9".into();
    for args in [
        &["status"][..],
        &["flow", "list"][..],
        &["run", "list", "x"][..],
    ] {
        let out = fx.run(args);
        assert_one_line_failure(&out, 1, "password URL");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("s3cr3t-pw"), "{err}");
        assert!(err.contains("FLOWDECK_AIRFLOW_PASSWORD"), "{err}");
    }
}

// ----- 6. text that cannot fool the eye ---------------------------------------------

#[test]
fn hostile_names_are_visible_in_tables_errors_and_json() {
    let tmp = tempfile::tempdir().unwrap();
    let fx = Fx::new(tmp.path());
    let etl = fx.file("etl.py", etl_source().as_bytes());
    fx.ok(&["function", "add", &etl, "--function", "load"]);
    let long = "L".repeat(10_000);
    for name in [
        "rev\u{202e}desrever".to_string(),
        "zero\u{200b}width".to_string(),
        "c1\u{9b}31m".to_string(),
        long.clone(),
    ] {
        let doc = format!(
            "[flow]\nname = {}\n[[tasks]]\nid = \"load\"\nfunction = \"load\"\ninputs = {{ rows = [1] }}\n",
            toml_edit::Value::from(name.as_str())
        );
        let path = fx.file("f.toml", doc.as_bytes());
        fx.ok(&["flow", "import", &path]);
    }
    let list = fx.ok(&["flow", "list"]);
    assert_visible(&list.replace('\n', " "), "flow list");
    assert!(list.lines().all(|l| l.chars().count() < 200), "{list}");
    assert!(list.contains("rev\\u{202e}desrever"), "{list}");
    let json = fx.ok(&["flow", "list", "--json"]);
    assert_visible(&json.replace('\n', " "), "flow list --json");
    // JSON keeps the values whole (escaped, not cut).
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == long.as_str()));
    // Errors: escape sequences never echo raw, and long names are cut.
    let err = fx.fails(1, &["flow", "show", "x\u{1b}]0;X\u{7}"]);
    assert!(err.contains("x\\u{1b}]0;X\\u{7}"), "{err}");
    let err = fx.fails(1, &["flow", "rm", &format!("{long}x")]);
    assert!(err.chars().count() < 300, "{err}");
}

// ----- 3 (TUI side): the poller says what Airflow answered ---------------------------

fn poll_config(url: &str) -> AirflowConfig {
    let mut c = AirflowConfig::new(url, "admin", "admin");
    c.timeout = Duration::from_millis(800);
    c
}

#[tokio::test]
async fn a_health_answer_of_500_or_garbage_is_reported_not_left_unchecked() {
    for bad in [
        ResponseTemplate::new(500).set_body_string("Internal Server Error"),
        ResponseTemplate::new(200).set_body_string("{\"metadatabase\": "),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/v2/version"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"version": "3.3.2", "git_version": null})),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v2/monitor/health"))
            .respond_with(bad)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/auth/token"))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({"access_token": "t"})))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex("^/api/v2/(dags|importErrors)$"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"dags": [], "import_errors": [], "total_entries": 0})),
            )
            .mount(&server)
            .await;
        let client = Client::new(poll_config(&server.uri())).unwrap();
        let watch = Watch {
            health_every: Duration::ZERO,
            ..Watch::default()
        };
        let mut poller = Poller::new(client, watch);
        let events = poller.poll_once().await;
        let reason = events.iter().find_map(|e| match e {
            PollEvent::Health {
                connection: Connection::Failing { reason },
                ..
            } => Some(reason.clone()),
            _ => None,
        });
        let reason = reason.unwrap_or_else(|| panic!("no Failing health in {events:?}"));
        assert!(
            reason.contains("500") || reason.contains("cannot read"),
            "{reason}"
        );
        // Every poll reports it again, so the status bar's age is of the last answer.
        let again = poller.poll_once().await;
        assert!(again.iter().any(|e| matches!(
            e,
            PollEvent::Health {
                connection: Connection::Failing { .. },
                ..
            }
        )));
    }
}

#[tokio::test]
async fn unchanged_answers_are_reported_and_a_refresh_resends_the_snapshot() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/version"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"version": "3.3.2", "git_version": null})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"access_token": "t"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/monitor/health"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "metadatabase": {"status": "healthy"},
            "scheduler": {"status": "healthy"},
            "triggerer": {"status": "healthy"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/api/v2/(dags|importErrors)$"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"dags": [], "import_errors": [], "total_entries": 0})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/dags/~/dagRuns/list"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"dag_runs": [], "total_entries": 0})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/dags/~/dagRuns"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"dag_runs": [], "total_entries": 0})),
        )
        .mount(&server)
        .await;
    let client = Client::new(poll_config(&server.uri())).unwrap();
    let watch = Watch {
        flows: vec!["dag_a".into()],
        ..Watch::default()
    };
    let mut poller = Poller::new(client, watch);
    let first = poller.poll_once().await;
    assert!(
        first.iter().any(|e| matches!(e, PollEvent::Runs { .. })),
        "{first:?}"
    );
    let quiet = poller.poll_once().await;
    assert!(
        !quiet.iter().any(|e| matches!(e, PollEvent::Runs { .. })),
        "{quiet:?}"
    );
    assert!(
        quiet.iter().any(|e| matches!(
            e,
            PollEvent::Answered {
                kind: PollKind::Runs,
                ..
            }
        )),
        "{quiet:?}"
    );
    // A refresh (Ctrl-r) sends the whole picture again even though nothing changed.
    poller.mark_all_stale();
    let refreshed = poller.poll_once().await;
    assert!(
        refreshed
            .iter()
            .any(|e| matches!(e, PollEvent::Runs { .. })),
        "{refreshed:?}"
    );
}

// ----- the same truths against the real Airflow (scripts/test.sh) ---------------------

/// The real Airflow's URL and dags folder, or `None` (skipped) when not run through
/// scripts/test.sh.
fn real_airflow() -> Option<(String, std::path::PathBuf)> {
    let url = std::env::var("FLOWDECK_AIRFLOW_URL").ok();
    let dags = std::env::var("FLOWDECK_DAGS_FOLDER").ok();
    match (url, dags) {
        (Some(url), Some(dags)) => Some((url, dags.into())),
        _ => {
            assert!(
                std::env::var("FLOWDECK_REQUIRE_AIRFLOW").is_err(),
                "FLOWDECK_REQUIRE_AIRFLOW is set but FLOWDECK_AIRFLOW_URL / FLOWDECK_DAGS_FOLDER are not"
            );
            eprintln!("skipped: no Airflow (run scripts/test.sh)");
            None
        }
    }
}

#[test]
fn real_airflow_status_is_healthy_only_with_the_right_password() {
    let Some((url, _)) = real_airflow() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut fx = Fx::new(tmp.path());
    fx.airflow_url = url;
    let good = fx.run(&["status"]);
    let text = String::from_utf8_lossy(&good.stdout);
    assert_eq!(good.status.code(), Some(0), "{text}");
    assert!(text.contains(": healthy"), "{text}");
    for password in ["wrong-password", ""] {
        fx.env = vec![("FLOWDECK_AIRFLOW_PASSWORD".into(), password.into())];
        let bad = fx.run(&["status"]);
        let text = String::from_utf8_lossy(&bad.stdout);
        assert_eq!(bad.status.code(), Some(1), "{text}");
        assert!(!text.contains("healthy"), "{text}");
        if password.is_empty() {
            assert!(
                text.contains("FLOWDECK_AIRFLOW_PASSWORD is empty or not set"),
                "{text}"
            );
        } else {
            assert!(text.contains("rejected the credentials"), "{text}");
        }
    }
}

#[test]
fn real_airflow_ready_then_unreachable_is_not_ready() {
    let Some((url, dags)) = real_airflow() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut fx = Fx::new(tmp.path());
    fx.airflow_url = url;
    fx.env = vec![("FLOWDECK_DAGS_FOLDER".into(), dags.display().to_string())];
    // Unique names: the dags folder is shared with other tests.
    let tag = format!("nl{}", std::process::id());
    let udf = fx.file(
        &format!("{tag}_udf.py"),
        b"def hello(name='x'):\n    return name\n",
    );
    let flow = format!("never lie {tag}");
    let doc = fx.file(
        "f.toml",
        format!("[flow]\nname = \"{flow}\"\n[[tasks]]\nid = \"hello\"\nfunction = \"hello\"\n")
            .as_bytes(),
    );
    let library_file = dags.join(format!("flowdeck_functions/{tag}_udf.py"));
    let cleanup = |fx: &Fx| {
        let _ = fx.run(&["flow", "rm", &flow]);
        let _ = std::fs::remove_file(&library_file);
    };
    fx.ok(&["function", "add", &udf, "--function", "hello"]);
    fx.ok(&["flow", "import", &doc]);
    let out = fx.run(&["flow", "deploy", &flow, "--wait", "--timeout", "120"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.code() != Some(0) || !text.starts_with("ready") {
        cleanup(&fx);
        panic!("deploy: {text} {}", String::from_utf8_lossy(&out.stderr));
    }
    // Same file, record `ready`, Airflow gone: the command must not say ready.
    let mut offline = Fx::new_offline(&fx);
    offline.env = fx.env.clone();
    let out = offline.run(&["flow", "deploy", &flow, "--wait", "--timeout", "10"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    cleanup(&fx);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(!text.contains("ready"), "{text}");
}

trait Offline {
    fn new_offline(fx: &Fx) -> Fx;
}

impl Offline for Fx {
    /// The same folder with Airflow pointed at a port where nothing listens.
    fn new_offline(fx: &Fx) -> Fx {
        Fx {
            dir: fx.dir.clone(),
            airflow_url: "http://127.0.0.1:9".into(),
            env: Vec::new(),
        }
    }
}
