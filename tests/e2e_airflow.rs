//! End-to-end against the real Airflow started by scripts/test.sh: register UDFs, import
//! a flow wiring outputs into inputs, deploy until ready, run it, read logs, recover from
//! an import error, clear a failed task. Drives the real `flowdeck` binary.

use std::path::Path;

mod e2e_common;
use e2e_common::{airflow_env, unique, Env};

fn setup(env: &Env) -> String {
    std::fs::write(env.dir.path().join("config.toml"), "").unwrap();
    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/sales.py");
    // A per-test copy: the library keeps files apart by content, and tests run in parallel.
    let udf = env.write("sales.py", &std::fs::read_to_string(module).unwrap());
    for f in ["extract", "load", "flaky"] {
        env.ok(&["function", "add", &udf, "--function", f]);
    }
    udf
}

#[test]
fn a_three_task_flow_deploys_runs_and_shows_its_logs() {
    let Some(env) = airflow_env() else { return };
    setup(&env);
    let name = unique("e2e sales");
    let doc = format!(
        r#"[flow]
name = "{name}"
description = "three tasks, outputs wired into inputs"
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
id = "load_again"
function = "load"
[tasks.options]
retries = 0
[tasks.inputs]
rows = {{ task = "extract", key = "rows" }}
total = 60
region = "eu"
"#
    );
    let file = env.write("flow.toml", &doc);
    env.ok(&["flow", "import", &file]);
    let deployed = env.ok(&["flow", "deploy", &name, "--wait", "--timeout", "120"]);
    assert!(deployed.contains("ready"), "{deployed}");

    let run = env.ok(&[
        "run",
        "trigger",
        &name,
        "--conf",
        r#"{"region": "eu"}"#,
        "--wait",
        "--timeout",
        "300",
    ]);
    assert!(run.contains(": success"), "{run}");
    let run_id = run
        .lines()
        .find_map(|l| l.strip_prefix("triggered "))
        .unwrap()
        .trim()
        .to_string();
    let log = env.ok(&["run", "logs", &name, &run_id, "load_all"]);
    assert!(log.contains("loaded 3 rows worth 60 for eu"), "{log}");
    let listed = env.ok(&["run", "list", &name]);
    assert!(
        listed.contains(&run_id) && listed.contains("success"),
        "{listed}"
    );
    env.ok(&["flow", "rm", &name]);
}

#[test]
fn an_import_error_is_reported_and_fixing_it_makes_the_flow_ready() {
    let Some(env) = airflow_env() else { return };
    setup(&env);
    let name = unique("e2e broken");
    let doc = |code: &str| {
        format!(
            "[flow]\nname = \"{name}\"\n\n[[tasks]]\nid = \"extract\"\nfunction = \"extract\"\npython_callable = {}\n[tasks.inputs]\nday = \"{{{{ ds }}}}\"\n",
            flowdeck::model::literal::python_str(code)
        )
    };
    let broken = env.write(
        "broken.toml",
        &doc("raise RuntimeError('boom at import')\ndef extract(day):\n    return day\n"),
    );
    env.ok(&["flow", "import", &broken]);
    let out = env.flowdeck(&["flow", "deploy", &name, "--wait", "--timeout", "120"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(text.contains("import error (in task `extract`)"), "{text}");
    assert!(text.contains("boom at import"), "{text}");
    let status = env.flowdeck(&["status"]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("import error"));

    let fixed = env.write(
        "fixed.toml",
        &doc("def extract(day):\n    print('fixed', day)\n    return day\n"),
    );
    env.ok(&["flow", "import", &fixed]);
    let deployed = env.ok(&["flow", "deploy", &name, "--wait", "--timeout", "120"]);
    assert!(deployed.contains("ready"), "{deployed}");
    env.ok(&["flow", "rm", &name]);
}

#[test]
fn a_failed_task_is_cleared_and_reruns() {
    let Some(env) = airflow_env() else { return };
    setup(&env);
    let name = unique("e2e flaky");
    let marker = env.dir.path().join("flaky.marker");
    let doc = format!(
        "[flow]\nname = \"{name}\"\n\n[[tasks]]\nid = \"flaky\"\nfunction = \"flaky\"\n[tasks.options]\nretries = 0\n[tasks.inputs]\nmarker = {}\n",
        flowdeck::model::literal::python_str(&marker.display().to_string())
    );
    let file = env.write("flaky.toml", &doc);
    env.ok(&["flow", "import", &file]);
    env.ok(&["flow", "deploy", &name, "--wait", "--timeout", "120"]);
    let out = env.flowdeck(&["run", "trigger", &name, "--wait", "--timeout", "300"]);
    assert!(!out.status.success(), "the first try must fail");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let run_id = text
        .lines()
        .find_map(|l| l.strip_prefix("triggered "))
        .unwrap()
        .trim()
        .to_string();
    let cleared = env.ok(&[
        "run",
        "clear",
        &name,
        &run_id,
        "flaky",
        "--wait",
        "--timeout",
        "300",
    ]);
    assert!(
        cleared.contains("flaky") && cleared.contains(": success"),
        "{cleared}"
    );
    let log = env.ok(&["run", "logs", &name, &run_id, "flaky", "--try", "2"]);
    assert!(log.contains("second try works"), "{log}");
    env.ok(&["flow", "rm", &name]);
}
