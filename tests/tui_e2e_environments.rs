//! Switching environments in the real `flowdeck` binary, in tmux: a config with two
//! environments — `dev`, the REAL Airflow of `scripts/dev-airflow.sh`, and `down`, a
//! read-only one at a closed port with TLS verification off. A flow deployed to dev and
//! a run of it are shown; `:env down` switches the header, the health (offline) and the
//! Runs pane (dev's run is gone), `t` is refused there; the picker (C-e) goes back to
//! dev, whose health and run come back; `:env spare` (writable, Airflow away) and a save
//! from the editor write the DAG file into spare's dags folder.
//!
//! Needs `eval "$(scripts/dev-airflow.sh env)"` (FLOWDECK_AIRFLOW_URL, …,
//! FLOWDECK_DAGS_FOLDER); skipped with a note without it, unless
//! FLOWDECK_REQUIRE_AIRFLOW=1, then it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::tmux::Tmux;

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

/// The variables that would override an environment's URL or dags folder (refused
/// beside `[environments]`), or choose one.
const UNSET: [&str; 4] = [
    "FLOWDECK_AIRFLOW_URL",
    "FLOWDECK_DAGS_FOLDER",
    "FLOWDECK_ENV",
    "FLOWDECK_AIRFLOW_USERNAME",
];

struct Setup {
    root: PathBuf,
    password: String,
}

impl Setup {
    fn cli(&self, args: &[&str]) -> String {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowdeck"));
        for v in UNSET {
            cmd.env_remove(v);
        }
        let out = cmd
            .env("FLOWDECK_DB", self.root.join("flowdeck.redb"))
            .env("FLOWDECK_CONFIG", self.root.join("config.toml"))
            .env("FLOWDECK_AIRFLOW_PASSWORD", &self.password)
            .env("XDG_DATA_HOME", self.root.join("data"))
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
    }
}

/// Removes the flow (and its DAG file in the shared dags folder) however the test ends.
struct Cleanup<'a> {
    setup: &'a Setup,
    flow: String,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.setup.cli(&["--env", "dev", "flow", "rm", &self.flow]);
        }));
    }
}

fn first_line(screen: &str) -> &str {
    screen.lines().next().unwrap_or_default()
}

#[test]
fn switching_environments_changes_the_header_the_health_and_the_runs() {
    let Some(af) = airflow() else { return };
    let tmux_present = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !tmux_present {
        eprintln!("skipped: tmux is needed for this test");
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path().to_path_buf();
    for d in ["down-dags", "spare-dags"] {
        std::fs::create_dir_all(root.join(d)).unwrap_or_else(|e| panic!("{e}"));
    }
    let config = format!(
        r##"[environments.dev]
url = "{url}"
username = "{user}"
password_env = "FLOWDECK_AIRFLOW_PASSWORD"
dags_folder = "{dags}"
color = "green"

[environments.down]
url = "http://127.0.0.1:9"
dags_folder = "{down}"
read_only = true
insecure_tls = true
color = "#d70000"

[environments.spare]
url = "http://127.0.0.1:9"
dags_folder = "{spare}"
"##,
        url = af.url,
        user = af.user,
        dags = af.dags,
        down = root.join("down-dags").display(),
        spare = root.join("spare-dags").display(),
    );
    std::fs::write(root.join("config.toml"), config).unwrap_or_else(|e| panic!("{e}"));
    let setup = Setup {
        root: root.clone(),
        password: af.password.clone(),
    };

    // A flow deployed to dev, with a run.
    let udf = root.join("sales.py");
    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/sales.py");
    std::fs::copy(module, &udf).unwrap_or_else(|e| panic!("{e}"));
    setup.cli(&[
        "--env",
        "dev",
        "function",
        "add",
        &udf.display().to_string(),
        "--function",
        "extract",
    ]);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let name = format!("e2e env {}-{}", std::process::id(), nanos % 1_000_000_000);
    let doc = format!(
        "[flow]\nname = \"{name}\"\n\n[[tasks]]\nid = \"extract\"\nfunction = \"extract\"\n[tasks.inputs]\nday = \"{{{{ ds }}}}\"\n"
    );
    let file = root.join("flow.toml");
    std::fs::write(&file, doc).unwrap_or_else(|e| panic!("{e}"));
    setup.cli(&[
        "--env",
        "dev",
        "flow",
        "import",
        &file.display().to_string(),
    ]);
    let _cleanup = Cleanup {
        setup: &setup,
        flow: name.clone(),
    };
    let out = setup.cli(&[
        "--env",
        "dev",
        "flow",
        "deploy",
        &name,
        "--wait",
        "--timeout",
        "120",
    ]);
    assert!(out.contains("ready"), "{out}");
    let out = setup.cli(&["--env", "dev", "run", "trigger", &name]);
    assert!(out.contains("manual__"), "{out}");

    let tmux = Tmux::new(format!("flowdeck-env-{}", std::process::id())).with_patience(60);
    let shell = format!("env PS1='e2e$ ' HOME={} sh", quote(&root));
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
    let unset: String = UNSET.iter().map(|v| format!("-u {v} ")).collect();
    tmux.type_text(&format!(
        "env {unset}FLOWDECK_DB={} FLOWDECK_CONFIG={} FLOWDECK_AIRFLOW_PASSWORD='{}' XDG_DATA_HOME={} TERM=xterm-256color {}; echo \"EXIT=$?\"",
        quote(&root.join("flowdeck.redb")),
        quote(&root.join("config.toml")),
        af.password.replace('\'', "'\\''"),
        quote(&root.join("data")),
        quote(Path::new(env!("CARGO_BIN_EXE_flowdeck")))
    ));
    tmux.send(&["Enter"]);

    // dev, the first environment: online, and the run of the flow.
    let screen = tmux.wait_for(&[" 1 Functions ", "● online"]);
    assert!(first_line(&screen).contains(" dev "), "{screen}");
    tmux.send(&["2"]);
    tmux.wait_for(&[name.as_str()]);
    tmux.send(&["3"]);
    tmux.wait_for(&[&format!("Runs · {name}"), "manual__"]);

    // `:env down`: the header, the health and the runs are down's.
    tmux.send(&[":"]);
    tmux.type_text("env down");
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for(&["down · read-only · TLS not verified", "offline"]);
    let top = first_line(&screen);
    assert!(!top.contains(" dev "), "{screen}");
    assert!(
        screen.contains("reachable at http://127.0.0.1:9"),
        "{screen}"
    );
    let screen = tmux.wait_gone("manual__");
    assert!(!screen.contains("● online"), "{screen}");
    // Read-only: a trigger is refused.
    tmux.send(&["t"]);
    tmux.wait_for(&["down is read-only in this configuration"]);

    // The picker back to dev: online again, the run is back.
    tmux.send(&["C-e"]);
    tmux.wait_for(&[
        "Switch to environment",
        "read-only · TLS not verified · http://127.0.0.1:9",
    ]);
    tmux.type_text("dev");
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for(&["● online", "manual__"]);
    let top = first_line(&screen);
    assert!(top.contains(" dev ") && !top.contains("down"), "{screen}");
    assert!(
        screen.contains(&format!("Airflow {}", af.url.trim_end_matches('/'))),
        "{screen}"
    );

    // `spare` (writable, its Airflow away): a save from the editor writes the DAG file
    // into spare's dags folder, not dev's.
    tmux.send(&[":"]);
    tmux.type_text("env spare");
    tmux.send(&["Enter"]);
    tmux.wait_for(&[" spare ", "offline"]);
    tmux.send(&["2"]);
    tmux.send(&["Enter"]);
    tmux.wait_for(&[&format!("Flow {name}")]);
    tmux.send(&["C-s"]);
    tmux.wait_for(&["save and deploy"]);
    tmux.send(&["y"]);
    let spare = root.join("spare-dags");
    let start = std::time::Instant::now();
    let written = loop {
        let files: Vec<String> = std::fs::read_dir(&spare)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with("dag_") && n.ends_with(".py"))
                    .collect()
            })
            .unwrap_or_default();
        if !files.is_empty() || start.elapsed() > std::time::Duration::from_secs(30) {
            break files;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(written.len(), 1, "{:?}\n{}", written, tmux.screen());
    assert!(
        Path::new(&af.dags).join(&written[0]).exists(),
        "dev keeps its own file"
    );
    assert!(
        spare.join("flowdeck_functions").is_dir(),
        "the flow's library module goes with it"
    );

    tmux.send(&["Escape"]);
    tmux.send(&["q"]);
    tmux.wait_for(&["EXIT=0"]);
}
