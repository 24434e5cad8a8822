//! Against the real Airflow started by scripts/test.sh, through the real binary: what a
//! task returned is shown as Python wrote it (tuples, sets, dates, Decimal), and asking
//! for the log of a task that never ran, or for a try it never had, gets an answer in
//! words instead of Airflow's bare "TaskInstance not found".

use std::path::Path;

mod e2e_common;
use e2e_common::{airflow_env, unique};

#[test]
fn returned_values_and_tasks_that_never_ran() {
    let Some(env) = airflow_env() else { return };
    std::fs::write(env.dir.path().join("config.toml"), "").unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/values.py");
    let udf = env.dir.path().join("values.py");
    std::fs::copy(source, &udf).unwrap();
    for f in ["mixed", "triple", "boom", "load"] {
        env.ok(&[
            "function",
            "add",
            &udf.display().to_string(),
            "--function",
            f,
        ]);
    }
    let name = unique("values");
    let doc = format!(
        r#"[flow]
name = "{name}"
schedule = "0 9 * * 1#1"
start_date = 2024-11-11

[[tasks]]
id = "mixed"
function = "mixed"

[[tasks]]
id = "triple"
function = "triple"

[[tasks]]
id = "extract"
function = "boom"
[tasks.options]
retries = 0

[[tasks]]
id = "load"
function = "load"
[tasks.inputs]
rows = {{ task = "extract" }}
"#
    );
    let file = env.dir.path().join("flow.toml");
    std::fs::write(&file, doc).unwrap();
    env.ok(&["flow", "import", &file.display().to_string()]);
    // Airflow serves the flow with a schedule flowdeck used to refuse (first Monday).
    let deployed = env.ok(&["flow", "deploy", &name, "--wait", "--timeout", "120"]);
    assert!(deployed.contains("ready"), "{deployed}");
    let shown = env.ok(&["flow", "show", &name]);
    assert!(
        shown.contains("the first Monday of each month at 09:00 UTC"),
        "{shown}"
    );
    let out = env.flowdeck(&["run", "trigger", &name, "--wait", "--timeout", "300"]);
    assert!(!out.status.success(), "extract fails, so the run fails");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let run_id = text
        .lines()
        .find_map(|l| l.strip_prefix("triggered "))
        .unwrap()
        .trim()
        .to_string();

    let triple = env.ok(&["run", "output", &name, &run_id, "triple"]);
    assert_eq!(triple.trim_end(), r#"(1, "two", 3.0)"#);
    let mixed = env.ok(&["run", "output", &name, &run_id, "mixed"]);
    // Wider than a line: one entry a line, as Python's pretty printers lay it out.
    assert_eq!(
        mixed.trim_end(),
        r#"{
  "at": 2024-11-11T06:30:00+00:00,
  "day": 2024-11-11,
  "pair": (1, "two", 3.0),
  "price": Decimal("2.5"),
  "tags": {"x"},
  "wait": 1:30:00,
}"#
    );
    let raw = env.ok(&["run", "output", &name, &run_id, "triple", "--json"]);
    assert!(raw.contains("builtins.tuple"), "{raw}");

    // Airflow itself answers both of these with "TaskInstance not found".
    let never = env.fails(&["run", "logs", &name, &run_id, "load"]);
    assert!(
        never.contains("load has not run in this run (upstream failed)"),
        "{never}"
    );
    let beyond = env.fails(&["run", "logs", &name, &run_id, "extract", "--try", "5"]);
    assert!(beyond.contains("extract has 1 try"), "{beyond}");
    let log = env.ok(&["run", "logs", &name, &run_id, "extract", "--try", "1"]);
    assert!(log.contains("fails on purpose"), "{log}");
    let nothing = env.fails(&["run", "output", &name, &run_id, "load"]);
    assert!(
        nothing.contains("load has not run in this run (upstream failed)"),
        "{nothing}"
    );
    env.ok(&["flow", "rm", &name]);
}
