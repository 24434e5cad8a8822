//! End-to-end against both real Airflows of scripts/test.sh at once, as two environments
//! of one config: `af3` is Airflow 3.3.2 (REST API v2, token auth) and `af2` is Airflow
//! 2.11.2 (REST API v1, HTTP basic auth). One flow wiring XCom outputs into inputs is
//! deployed to each with `--env` until that Airflow serves it, run, its logs read and its
//! failed task cleared; then a new version, ready on the 3.3.2, is promoted to the 2.11.
//! Drives the real `flowdeck` binary.
//!
//! A brand-new DAG file reaches Airflow 2 only with its periodic folder scan
//! (`[scheduler] dag_dir_list_interval`, 300 s at its stock setting; flowdeck cannot
//! hurry it), so the first deploy there may wait about five minutes: the two
//! environments are exercised side by side meanwhile.

use std::path::{Path, PathBuf};

mod e2e_common;
use e2e_common::{airflow_env, unique, Env};

/// The Airflow 2.11 of scripts/test.sh: its URL and dags folder; `None` (skip) when the
/// variables are unset, a failure under FLOWDECK_REQUIRE_AIRFLOW.
fn airflow2() -> Option<(String, PathBuf)> {
    match (
        std::env::var("FLOWDECK_AIRFLOW2_URL"),
        std::env::var("FLOWDECK_AIRFLOW2_DAGS_FOLDER"),
    ) {
        (Ok(url), Ok(dags)) => Some((url, PathBuf::from(dags))),
        _ => {
            assert!(
                std::env::var("FLOWDECK_REQUIRE_AIRFLOW").is_err(),
                "FLOWDECK_REQUIRE_AIRFLOW is set but FLOWDECK_AIRFLOW2_URL / FLOWDECK_AIRFLOW2_DAGS_FOLDER are not: run through scripts/test.sh"
            );
            eprintln!("skipped: no Airflow 2.11 (run scripts/test.sh)");
            None
        }
    }
}

/// The flow: `extract` hands its rows and total to `load_all` through XCom, the region
/// comes from the run's conf, and `flaky` fails its first try (its marker file, named in
/// the conf, remembers that it ran).
fn flow_doc(name: &str, description: &str) -> String {
    format!(
        r#"[flow]
name = "{name}"
description = "{description}"
tags = ["e2e"]

[[tasks]]
id = "extract"
function = "extract"
[tasks.inputs]
day = "{{{{ ds }}}}"
region = {{ param = "region" }}

[[tasks]]
id = "load_all"
function = "load"
[tasks.inputs]
rows = {{ task = "extract", key = "rows" }}
total = {{ task = "extract", key = "total" }}
region = {{ param = "region" }}

[[tasks]]
id = "flaky"
function = "flaky"
[tasks.options]
retries = 0
[tasks.inputs]
marker = {{ param = "marker" }}
"#
    )
}

/// Deploys the flow to environment `e`, runs it (the first try of `flaky` fails, so the
/// run does), reads the logs of both kinds of task, clears `flaky` and waits for it to
/// succeed on its second try.
fn deploy_run_and_clear(env: &Env, e: &str, name: &str, deploy_timeout: &str) {
    let out = env.flowdeck(&[
        "--env",
        e,
        "flow",
        "deploy",
        name,
        "--wait",
        "--timeout",
        deploy_timeout,
    ]);
    let (stdout, progress) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success() && stdout.contains("ready"),
        "{e}: {stdout}"
    );
    if e == "af2" {
        // While it waited, the deploy said why (no request makes Airflow 2 look sooner).
        assert!(progress.contains("dag_dir_list_interval"), "{progress}");
    }

    let marker = env.dir.path().join(format!("{e}.marker"));
    let conf = serde_json::json!({"region": "eu", "marker": marker}).to_string();
    let out = env.flowdeck(&[
        "--env",
        e,
        "run",
        "trigger",
        name,
        "--conf",
        &conf,
        "--wait",
        "--timeout",
        "600",
    ]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // The first try of flaky fails the run (and the command, which waited for its end).
    assert!(
        !out.status.success() && text.contains(": failed"),
        "{e}: {text}"
    );
    let run_id = text
        .lines()
        .find_map(|l| l.strip_prefix("triggered "))
        .unwrap_or_else(|| panic!("{e}: no run id in {text}"))
        .trim()
        .to_string();

    // XCom carried extract's rows and total into load_all; the conf carried the region.
    let log = env.ok(&["--env", e, "run", "logs", name, &run_id, "load_all"]);
    assert!(log.contains("loaded 3 rows worth 60 for eu"), "{e}: {log}");
    let log = env.ok(&["--env", e, "run", "logs", name, &run_id, "flaky"]);
    assert!(log.contains("first try fails on purpose"), "{e}: {log}");

    let cleared = env.ok(&[
        "--env",
        e,
        "run",
        "clear",
        name,
        &run_id,
        "flaky",
        "--wait",
        "--timeout",
        "600",
    ]);
    assert!(
        cleared.contains("cleared flaky (was failed)"),
        "{e}: {cleared}"
    );
    assert!(cleared.contains(": success"), "{e}: {cleared}");
    let log = env.ok(&[
        "--env", e, "run", "logs", name, &run_id, "flaky", "--try", "2",
    ]);
    assert!(log.contains("second try works"), "{e}: {log}");
}

#[test]
fn one_flow_runs_on_airflow_3_and_2_and_is_promoted_from_one_to_the_other() {
    let Some(mut env) = airflow_env() else { return };
    let Some((url2, dags2)) = airflow2() else {
        return;
    };
    env.environments = true;
    // Two Airflows and the rest of the suite share the machine: an answer slower than
    // the default 10 s is not what this test is about.
    std::fs::write(
        env.dir.path().join("config.toml"),
        format!(
            "[airflow]\ntimeout_secs = 30\n\n[environments.af3]\nurl = {}\nusername = \"admin\"\npassword_env = \"FLOWDECK_AIRFLOW_PASSWORD\"\ndags_folder = {}\n\n\
             [environments.af2]\nurl = {}\nusername = \"admin\"\npassword_env = \"FLOWDECK_AIRFLOW2_PASSWORD\"\ndags_folder = {}\ncolor = \"yellow\"\n",
            toml_str(&env.url),
            toml_str(&env.dags.display().to_string()),
            toml_str(&url2),
            toml_str(&dags2.display().to_string()),
        ),
    )
    .unwrap();

    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/sales.py");
    // A per-test copy: the library keeps files apart by content, and tests run in parallel.
    let udf = env.write("sales.py", &std::fs::read_to_string(module).unwrap());
    for f in ["extract", "load", "flaky"] {
        env.ok(&["function", "add", &udf, "--function", f]);
    }
    let name = unique("e2e two airflows");
    let file = env.write(
        "flow.toml",
        &flow_doc(&name, "XCom inputs, on two Airflows"),
    );
    env.ok(&["flow", "import", &file]);

    let status = env.ok(&["status"]);
    assert!(
        status.contains("Airflow 3.3.2") && status.contains("Airflow 2.11.2"),
        "{status}"
    );

    // Side by side: the 2.11 may take minutes to find a new file (see the top).
    std::thread::scope(|s| {
        s.spawn(|| deploy_run_and_clear(&env, "af2", &name, "600"));
        s.spawn(|| deploy_run_and_clear(&env, "af3", &name, "300"));
    });
    let list = env.ok(&["flow", "list"]);
    assert!(list.contains("af3 v1 ready · af2 v1 ready"), "{list}");

    // Version 2 is deployed to the 3.3.2 only, then promoted to the 2.11: there the DAG
    // file is known, so Airflow re-parses it when asked.
    let v2 = env.write(
        "flow2.toml",
        &flow_doc(&name, "v2: XCom inputs, on two Airflows"),
    );
    env.ok(&["flow", "import", &v2]);
    let list = env.ok(&["flow", "list"]);
    assert!(list.contains("af3 v1 ready · af2 v1 ready"), "{list}");
    let deployed = env.ok(&[
        "--env",
        "af3",
        "flow",
        "deploy",
        &name,
        "--wait",
        "--timeout",
        "300",
    ]);
    assert!(deployed.contains("ready"), "{deployed}");
    let promoted = env.ok(&[
        "flow",
        "promote",
        &name,
        "--from",
        "af3",
        "--to",
        "af2",
        "--yes",
        "--wait",
        "--timeout",
        "600",
    ]);
    assert!(promoted.contains("v2 from af3 to af2"), "{promoted}");
    assert!(promoted.contains("v2: XCom inputs"), "{promoted}");
    assert!(promoted.contains("ready"), "{promoted}");
    let list = env.ok(&["flow", "list"]);
    assert!(list.contains("af3 v2 ready · af2 v2 ready"), "{list}");
    let revisions = env.ok(&["flow", "revisions", &name]);
    assert!(
        revisions.contains("ready in af3") && revisions.contains("ready in af2"),
        "{revisions}"
    );

    // `flow rm` deletes the flow and its DAG file in every environment it was
    // deployed to, so it keeps running nowhere.
    let id = flowdeck::model::ids::flow_id_for(&name);
    let removed = env.ok(&["--env", "af2", "flow", "rm", &name]);
    assert!(removed.contains("removed its DAG file in af3"), "{removed}");
    assert!(!dags2.join(format!("{id}.py")).exists());
    assert!(!env.dags.join(format!("{id}.py")).exists());
}

/// A TOML basic string of `s`.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
