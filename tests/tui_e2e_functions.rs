//! End to end: the real `flowdeck` binary in a real terminal (tmux). Start it with no
//! Airflow reachable, register a function by keys, see it listed, switch panes, open the
//! help, quit, and check the terminal is given back (main screen, no mouse mode,
//! cursor shown, the shell prompt back).
//!
//! Skipped (with a note) when tmux or python3 is missing.

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

fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    listener
        .local_addr()
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

#[test]
fn register_a_function_by_keys_and_leave_the_terminal_clean() {
    if !available("tmux", "-V") || !available("python3", "--version") {
        eprintln!("skipped: tmux and python3 are needed for this test");
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    let udf = root.join("udf");
    std::fs::create_dir_all(&udf).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        udf.join("etl.py"),
        "def extract(day, limit=100):\n    \"\"\"Read one day of sales.\"\"\"\n    return []\n\n\ndef load(rows):\n    return len(rows)\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(root.join("config.toml"), "").unwrap_or_else(|e| panic!("{e}"));
    let bin = Path::new(env!("CARGO_BIN_EXE_flowdeck"));
    let args = format!(
        "--db {} --config {} --dags-folder {}",
        quote(&root.join("flowdeck.redb")),
        quote(&root.join("config.toml")),
        quote(&root.join("dags"))
    );
    // Airflow at a closed port: the UI must work without it. Logs go to the temp dir.
    let env = format!(
        "env FLOWDECK_AIRFLOW_URL=http://127.0.0.1:{} XDG_DATA_HOME={} XDG_CONFIG_HOME={} TERM=xterm-256color",
        closed_port(),
        quote(&root.join("data")),
        quote(&root.join("config"))
    );
    let tmux = Tmux::new(format!("flowdeck-test-{}", std::process::id()));
    let shell = format!("env PS1='e2e$ ' HOME={} sh", quote(root));
    let out = tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "100",
        "-y",
        "30",
        &shell,
    ]);
    assert!(
        out.status.success(),
        "tmux new-session: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    tmux.wait_for(&["e2e$"]);
    tmux.type_text(&format!("{env} {} {args}; echo \"EXIT=$?\"", quote(bin)));
    tmux.send(&["Enter"]);

    // Start: the empty library; the poller soon finds no Airflow at the closed port.
    let screen = tmux.wait_for(&["No functions in the library yet", "offline"]);
    assert!(screen.contains(" 1 Functions "), "{screen}");
    assert_eq!(
        tmux.format("#{alternate_on}"),
        "1",
        "flowdeck uses the alternate screen"
    );

    // Register `extract` by keys: path (completed with Tab), picker, name, Ctrl-s.
    tmux.send(&["a"]);
    tmux.wait_for(&["Register a function", "Step 1 of 3"]);
    tmux.type_text(&format!("{}/et", udf.display()));
    tmux.send(&["Tab"]);
    tmux.wait_for(&["etl.py"]);
    tmux.send(&["Enter"]);
    tmux.wait_for(&["Step 2 of 3", "extract(day, limit=100)", "load(rows)"]);
    tmux.send(&["Enter"]);
    tmux.wait_for(&["Step 3 of 3", "Read one day of sales."]);
    tmux.send(&["C-s"]);
    let screen = tmux.wait_for(&[
        "1 function",
        "registered extract(day, limit=100) as `extract`",
    ]);
    assert!(
        screen.contains("›  extract "),
        "the new function is listed and selected:\n{screen}"
    );
    assert!(!screen.contains("Register a function"), "{screen}");

    // Switch panes.
    tmux.send(&["2"]);
    tmux.wait_for(&["No flows yet"]);
    tmux.send(&["3"]);
    tmux.wait_for(&["Select a flow in the Flows pane"]);
    tmux.send(&["1"]);
    tmux.wait_for(&["Library · 1 function"]);

    // Help for the focused pane, then close it.
    tmux.send(&["?"]);
    tmux.wait_for(&[
        "Keys · Functions pane",
        "Register a function from a Python file",
    ]);
    tmux.send(&["Escape"]);
    tmux.wait_gone("Keys · Functions pane");

    // Quit; the shell gets a clean terminal back.
    tmux.send(&["q"]);
    let screen = tmux.wait_for(&["EXIT=0"]);
    assert!(screen.contains("e2e$"), "{screen}");
    assert_eq!(
        tmux.format("#{alternate_on}"),
        "0",
        "back on the main screen"
    );
    assert_eq!(
        tmux.format("#{mouse_any_flag}#{mouse_button_flag}#{mouse_standard_flag}#{mouse_all_flag}"),
        "0000",
        "mouse reporting is off"
    );
    assert_eq!(tmux.format("#{cursor_flag}"), "1", "the cursor is visible");
    // Typing works normally again (no raw mode): the shell echoes and runs it.
    tmux.type_text("echo typed-$((1+1))");
    tmux.send(&["Enter"]);
    tmux.wait_for(&["typed-2"]);

    // The registration reached the database and the library folder.
    let list = Command::new(bin)
        .args([
            "--db",
            &root.join("flowdeck.redb").display().to_string(),
            "--config",
            &root.join("config.toml").display().to_string(),
        ])
        .args([
            "--dags-folder",
            &root.join("dags").display().to_string(),
            "function",
            "list",
        ])
        .env("XDG_DATA_HOME", root.join("data"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        listed.contains("extract(day, limit=100)"),
        "{listed}{}",
        String::from_utf8_lossy(&list.stderr)
    );
    assert!(root.join("dags/flowdeck_functions/etl.py").exists());
    // And flowdeck logged to the data directory, not to the terminal.
    let logs: Vec<_> = std::fs::read_dir(root.join("data/flowdeck"))
        .map(|d| d.filter_map(Result::ok).collect())
        .unwrap_or_default();
    assert!(
        logs.iter()
            .any(|e| e.file_name().to_string_lossy().starts_with("flowdeck.log")),
        "no log file in the data directory"
    );
}
