//! End to end against the REAL Airflow: the `flowdeck` binary in tmux builds a two-task
//! flow by keys (register two functions, new flow, two tasks, wire `load.rows` from
//! `extract`, set a template), presses Ctrl-s, confirms the diff and waits for "ready"
//! on screen. The flow has a unique name and is deleted (with its DAG file) at the end.
//!
//! Needs FLOWDECK_AIRFLOW_URL and FLOWDECK_DAGS_FOLDER (`eval "$(scripts/dev-airflow.sh
//! env)"`); skipped with a note when they are unset, unless FLOWDECK_REQUIRE_AIRFLOW=1.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;
use common::tmux::Tmux;

/// Removes what the test put into the shared dags folder, even when it fails halfway.
struct Cleanup {
    files: Vec<std::path::PathBuf>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for f in &self.files {
            let _ = std::fs::remove_file(f);
        }
    }
}

fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

fn airflow() -> Option<(String, String)> {
    let url = std::env::var("FLOWDECK_AIRFLOW_URL").ok();
    let dags = std::env::var("FLOWDECK_DAGS_FOLDER").ok();
    match (url, dags) {
        (Some(u), Some(d)) if !u.is_empty() && !d.is_empty() => Some((u, d)),
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

#[test]
fn build_a_two_task_flow_by_keys_and_see_it_ready_in_airflow() {
    let Some((url, dags)) = airflow() else {
        return;
    };
    let available = |p: &str, a: &str| {
        Command::new(p)
            .arg(a)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !available("tmux", "-V") || !available("python3", "--version") {
        eprintln!("skipped: tmux and python3 are needed for this test");
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    // Unique per run: module files in the shared dags folder must not collide either.
    let module = format!("e2e_etl_{}_{stamp}", std::process::id());
    let flow = format!("e2e flows {stamp}");
    let udf = root.join(format!("{module}.py"));
    let _cleanup = Cleanup {
        files: vec![
            Path::new(&dags).join(format!("{}.py", flowdeck::model::ids::flow_id_for(&flow))),
            Path::new(&dags)
                .join("flowdeck_functions")
                .join(format!("{module}.py")),
        ],
    };
    std::fs::write(
        &udf,
        "def extract(day, limit=100):\n    return [day]\n\n\ndef load(rows, total=0):\n    return len(rows)\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(root.join("config.toml"), "").unwrap_or_else(|e| panic!("{e}"));
    let bin = Path::new(env!("CARGO_BIN_EXE_flowdeck"));
    let base = |cmd: &mut Command| {
        cmd.arg("--db")
            .arg(root.join("flowdeck.redb"))
            .arg("--config")
            .arg(root.join("config.toml"))
            .env("XDG_DATA_HOME", root.join("data"))
            .env("FLOWDECK_AIRFLOW_URL", &url)
            .env("FLOWDECK_DAGS_FOLDER", &dags);
    };
    // Functions are registered with the CLI (the Functions pane's own e2e test covers
    // registering by keys); the flow is built by keys.
    for f in ["extract", "load"] {
        let mut cmd = Command::new(bin);
        base(&mut cmd);
        let out = cmd
            .args(["function", "add"])
            .arg(&udf)
            .args(["--function", f, "--name", &format!("{module}_{f}")])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let tmux = Tmux::new(format!("flowdeck-flows-{}", std::process::id()));
    let shell = format!("env PS1='e2e$ ' HOME={} sh", quote(root));
    let out = tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "120",
        "-y",
        "34",
        &shell,
    ]);
    assert!(out.status.success());
    tmux.wait_for(&["e2e$"]);
    let passthrough = ["FLOWDECK_AIRFLOW_USERNAME", "FLOWDECK_AIRFLOW_PASSWORD"]
        .iter()
        .filter_map(|k| std::env::var(k).ok().map(|v| format!("{k}='{v}'")))
        .collect::<Vec<_>>()
        .join(" ");
    tmux.type_text(&format!(
        "env {passthrough} FLOWDECK_AIRFLOW_URL={url} FLOWDECK_DAGS_FOLDER={} XDG_DATA_HOME={} TERM=xterm-256color {} --db {} --config {}; echo \"EXIT=$?\"",
        quote(Path::new(&dags)),
        quote(&root.join("data")),
        quote(bin),
        quote(&root.join("flowdeck.redb")),
        quote(&root.join("config.toml")),
    ));
    tmux.send(&["Enter"]);
    tmux.wait_for(&["2 functions"]);

    // New flow, two tasks.
    tmux.send(&["2"]);
    tmux.wait_for(&["No flows yet"]);
    tmux.send(&["a"]);
    tmux.wait_for(&["New flow"]);
    tmux.type_text(&flow);
    // Enter goes on to the schedule (empty: manual only); Enter again opens the editor.
    tmux.send(&["Enter"]);
    tmux.wait_for(&["runs only when triggered"]);
    tmux.send(&["Enter"]);
    tmux.wait_for(&["draft: a new flow"]);
    tmux.send(&["a"]);
    tmux.wait_for(&["Add a task"]);
    tmux.type_text(&format!("{module}_extract"));
    tmux.send(&["Enter"]);
    tmux.wait_for(&["Task id for"]);
    tmux.send(&["Enter"]);
    tmux.send(&["a"]);
    tmux.wait_for(&["Add a task"]);
    tmux.type_text(&format!("{module}_load"));
    tmux.send(&["Enter"]);
    tmux.wait_for(&["Task id for"]);
    tmux.send(&["Enter"]);
    tmux.wait_for(&["Tasks 2"]);

    // load.rows ← extract's output.
    tmux.send(&["Enter"]);
    tmux.wait_for(&["Enter chooses the value"]);
    tmux.send(&["Enter"]);
    tmux.wait_for(&["Upstream output"]);
    tmux.send(&["Down"]);
    tmux.send(&["Enter"]);
    tmux.wait_for(&["Upstream task"]);
    tmux.send(&["Enter"]);
    tmux.wait_for(&["Key in"]);
    tmux.send(&["Enter"]);
    tmux.wait_for(&["← extract (output)"]);

    // extract.day ← {{ ds }}.
    tmux.send(&["Escape"]);
    tmux.send(&["k"]);
    tmux.send(&["Enter"]);
    tmux.send(&["Enter"]);
    tmux.wait_for(&["Airflow template"]);
    tmux.type_text("templ");
    tmux.send(&["Enter"]);
    tmux.wait_for(&["{{ ds }}"]);
    tmux.send(&["Enter"]);
    tmux.wait_for(&["template {{ ds }}"]);

    // Save: the diff, y, then parsing… until ready.
    tmux.send(&["C-s"]);
    tmux.wait_for(&["nothing deployed yet", "save and deploy"]);
    tmux.send(&["y"]);
    let started = Instant::now();
    let screen = tmux.wait_for_within(&["is ready in Airflow"], Duration::from_secs(120));
    eprintln!(
        "saved to ready on screen in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(screen.contains("ready"), "{screen}");

    // Leave the inputs, then the editor; delete the flow (its DAG file goes), quit.
    tmux.send(&["Escape"]);
    tmux.wait_gone("› inputs");
    tmux.send(&["Escape"]);
    let screen = tmux.wait_for(&["DEPLOY"]);
    assert!(
        screen.contains("ready"),
        "the list shows the deploy state:\n{screen}"
    );
    tmux.send(&["d"]);
    tmux.wait_for(&["Delete flow"]);
    tmux.send(&["y"]);
    tmux.wait_for(&["and its DAG file"]);
    tmux.send(&["q"]);
    tmux.wait_for(&["EXIT=0"]);
    let id = flowdeck::model::ids::flow_id_for(&flow);
    assert!(!Path::new(&dags).join(format!("{id}.py")).exists());
    // The library modules this test wrote into the shared dags folder.
    for f in ["extract", "load"] {
        let mut cmd = Command::new(bin);
        base(&mut cmd);
        let _ = cmd
            .args(["function", "rm", &format!("{module}_{f}")])
            .output();
    }
}
