//! End to end against the REAL Airflow: the `flowdeck` binary in tmux. A two-task flow
//! and a flaky one are set up with the CLI; then, by keys only: select the flow, `t`
//! triggers, the run and both tasks succeed, the log shows what the UDF printed; the
//! flaky flow's failed task is cleared after the dry-run confirmation, and its second
//! try succeeds.
//!
//! Needs `eval "$(scripts/dev-airflow.sh env)"` (FLOWDECK_AIRFLOW_URL, …,
//! FLOWDECK_DAGS_FOLDER); skipped with a note without it, unless
//! FLOWDECK_REQUIRE_AIRFLOW=1, then it fails.

use std::path::Path;
use std::process::Command;

mod common;
use common::tmux::Tmux;

fn available(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

struct Airflow {
    url: String,
    user: String,
    password: String,
    dags: String,
}

fn airflow() -> Option<Airflow> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (var("FLOWDECK_AIRFLOW_URL"), var("FLOWDECK_DAGS_FOLDER")) {
        (Some(url), Some(dags)) => Some(Airflow {
            url,
            user: var("FLOWDECK_AIRFLOW_USERNAME").unwrap_or_else(|| "admin".into()),
            password: var("FLOWDECK_AIRFLOW_PASSWORD").unwrap_or_else(|| "admin".into()),
            dags,
        }),
        _ => {
            assert!(
                std::env::var("FLOWDECK_REQUIRE_AIRFLOW").is_err(),
                "FLOWDECK_REQUIRE_AIRFLOW is set but FLOWDECK_AIRFLOW_URL / FLOWDECK_DAGS_FOLDER are not: eval \"$(scripts/dev-airflow.sh env)\""
            );
            eprintln!("skipped: no Airflow (eval \"$(scripts/dev-airflow.sh env)\" first)");
            None
        }
    }
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix} {}-{}", std::process::id(), nanos % 1_000_000_000)
}

#[test]
fn trigger_watch_read_the_log_and_clear_a_failed_task_by_keys() {
    let Some(af) = airflow() else { return };
    if !available("tmux", "-V") {
        eprintln!("skipped: tmux is needed for this test");
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    let db = root.join("flowdeck.redb");
    let config = root.join("config.toml");
    std::fs::write(&config, "").unwrap_or_else(|e| panic!("{e}"));
    let bin = Path::new(env!("CARGO_BIN_EXE_flowdeck"));
    let cli = |args: &[&str]| -> String {
        let out = Command::new(bin)
            .env("FLOWDECK_DB", &db)
            .env("FLOWDECK_CONFIG", &config)
            .env("FLOWDECK_DAGS_FOLDER", &af.dags)
            .env("XDG_DATA_HOME", root.join("data"))
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "flowdeck {args:?} failed:\n{text}");
        text
    };
    // A per-test copy of the UDFs (the library keeps files apart by content).
    let udf = root.join("sales.py");
    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/sales.py");
    std::fs::copy(module, &udf).unwrap_or_else(|e| panic!("{e}"));
    let udf = udf.display().to_string();
    for f in ["extract", "load", "flaky"] {
        cli(&["function", "add", &udf, "--function", f]);
    }
    let two = unique("e2e tui a");
    let flaky = unique("e2e tui b");
    let marker = root.join("flaky.marker");
    let doc_two = format!(
        r#"[flow]
name = "{two}"

[[tasks]]
id = "extract"
function = "extract"
[tasks.inputs]
day = "{{{{ ds }}}}"
region = "eu"

[[tasks]]
id = "load"
function = "load"
[tasks.inputs]
rows = {{ task = "extract", key = "rows" }}
total = {{ task = "extract", key = "total" }}
expected_total = {{ param = "expected_total" }}
region = {{ param = "region" }}
"#
    );
    let doc_flaky = format!(
        "[flow]\nname = \"{flaky}\"\n\n[[tasks]]\nid = \"flaky\"\nfunction = \"flaky\"\n[tasks.options]\nretries = 0\n[tasks.inputs]\nmarker = \"{}\"\n",
        marker.display()
    );
    for (name, doc) in [(&two, doc_two), (&flaky, doc_flaky)] {
        let file = root.join("flow.toml");
        std::fs::write(&file, doc).unwrap_or_else(|e| panic!("{e}"));
        cli(&["flow", "import", &file.display().to_string()]);
        let out = cli(&["flow", "deploy", name, "--wait", "--timeout", "120"]);
        assert!(out.contains("ready"), "{out}");
    }

    let tmux = Tmux::new(format!("flowdeck-runs-{}", std::process::id())).with_patience(120);
    let shell = format!("env PS1='e2e$ ' HOME={} sh", quote(root));
    let out = tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "120",
        "-y",
        "36",
        &shell,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tmux.wait_for(&["e2e$"]);
    let env = format!(
        "env FLOWDECK_AIRFLOW_URL={} FLOWDECK_AIRFLOW_USERNAME={} FLOWDECK_AIRFLOW_PASSWORD={} XDG_DATA_HOME={} TERM=xterm-256color",
        af.url,
        af.user,
        af.password,
        quote(&root.join("data"))
    );
    tmux.type_text(&format!(
        "{env} {} --db {} --config {} --dags-folder {}; echo \"EXIT=$?\"",
        quote(bin),
        quote(&db),
        quote(&config),
        quote(Path::new(&af.dags))
    ));
    tmux.send(&["Enter"]);

    // Flows pane: the two-task flow is first (by name); `3` shows its runs (Enter would
    // open the flow editor).
    tmux.wait_for(&[" 1 Functions "]);
    tmux.send(&["2"]);
    tmux.wait_for(&[two.as_str(), flaky.as_str()]);
    tmux.send(&["g"]);
    tmux.send(&["3"]);
    tmux.wait_for(&["Runs · e2e tui a", "active in Airflow"]);
    tmux.wait_for(&["No runs yet"]);

    // `t` shows the run parameters (load reads two) with their types and defaults; a
    // value that does not fit its type is refused, the right ones go as the run's conf
    // (load's log below says what it got).
    tmux.send(&["t"]);
    tmux.wait_for(&[
        "Trigger e2e tui a",
        "expected_total",
        "integer",
        "default 60",
    ]);
    tmux.send(&["C-u"]);
    tmux.type_text("sixty");
    tmux.send(&["Tab"]);
    tmux.type_text("eu");
    tmux.send(&["C-s"]);
    tmux.wait_for(&["`expected_total` must be an integer (e.g. 100), not `sixty`"]);
    tmux.send(&["C-u"]);
    tmux.type_text("60");
    tmux.send(&["C-s"]);
    tmux.wait_for(&["triggered run manual__"]);
    // (The grid's legend also reads "■ success": wait for the selected run's row.)
    let screen = tmux.wait_for(&["▶ ■ success", "extract", "load"]);
    assert!(screen.contains("Tasks × runs"), "{screen}");
    // Into the grid (cursor on the newest run), each task's detail says success.
    tmux.send(&["Enter"]);
    for task in ["extract", "load"] {
        tmux.send(&["Enter"]);
        let screen = tmux.wait_for(&[&format!("Task · {task}"), "state     ■ success"]);
        assert!(screen.contains("try"), "{screen}");
        tmux.send(&["Escape"]);
        tmux.send(&["j"]);
    }
    // The log of `load` (the cursor stays on the last row) shows what the UDF printed.
    tmux.send(&["L"]);
    tmux.wait_for(&["Log · load", "loaded 3 rows worth 60 for eu"]);
    tmux.send(&["Escape"]);
    tmux.send(&["Escape"]);
    tmux.send(&["Escape"]);

    // The flaky flow: its first try fails.
    tmux.send(&["2"]);
    tmux.send(&["j"]);
    tmux.send(&["3"]);
    tmux.wait_for(&["Runs · e2e tui b", "active in Airflow"]);
    tmux.send(&["t"]);
    tmux.wait_for(&["▶ ■ failed"]);
    // Clear it: the confirmation lists what Airflow will clear; then try 2 succeeds.
    tmux.send(&["Enter"]);
    tmux.send(&["c"]);
    let screen = tmux.wait_for(&["Airflow will clear these task instances", "• flaky"]);
    assert!(screen.contains("failed, try 1"), "{screen}");
    tmux.send(&["y"]);
    tmux.wait_for(&["cleared 1 task instance"]);
    tmux.wait_for(&["▶ ■ success"]);
    tmux.send(&["Enter"]);
    tmux.wait_for(&["Task · flaky", "2 of"]);
    tmux.send(&["L"]);
    tmux.wait_for(&["Log · flaky", "second try works"]);

    tmux.send(&["q"]);
    tmux.wait_for(&["EXIT=0"]);
    cli(&["flow", "rm", &two]);
    cli(&["flow", "rm", &flaky]);
}
