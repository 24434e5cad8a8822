//! Kills a writer process mid-save, over and over, and checks that the database always
//! reopens with each flow whole: its tasks, edges and latest revision agree.

use flowdeck::model::document::apply_document;
use flowdeck::model::FlowSpec;
use flowdeck::store::Store;
use std::process::{Command, Stdio};
use std::time::Duration;

fn document(version: usize, tasks: usize) -> String {
    let mut doc = String::from("[flow]\nname = \"crash test\"\nstart_date = \"2024-01-01\"\n");
    for i in 0..tasks {
        doc.push_str(&format!(
            "\n[[tasks]]\nid = \"t{i}\"\nfunction = \"load\"\n[tasks.options]\nretries = {}\n[tasks.inputs]\nrows = {}\n",
            version % 5,
            if i == 0 { "[1]".to_string() } else { format!("{{ task = \"t{}\" }}", i - 1) }
        ));
    }
    doc
}

fn check_whole(spec: &FlowSpec, store: &Store) {
    let functions = store.functions().unwrap();
    flowdeck::model::validate(spec, &functions).unwrap();
    let latest = store.revisions(&spec.flow.id).unwrap();
    assert_eq!(
        latest[0].version, spec.flow.version,
        "flow row and newest revision disagree"
    );
    let doc = latest[0].document();
    let from_revision = apply_document(&doc, Some(spec), &functions, chrono::Utc::now()).unwrap();
    assert!(
        !spec.content_differs(&from_revision),
        "tasks/edges do not match the revision"
    );
}

#[test]
fn killing_a_writer_never_leaves_half_a_save() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.redb");
    let bin = env!("CARGO_BIN_EXE_flowdeck");
    let env = |cmd: &mut Command| {
        cmd.env("FLOWDECK_DB", &db)
            .env("FLOWDECK_CONFIG", dir.path().join("config.toml"))
            .env("FLOWDECK_DAGS_FOLDER", dir.path().join("dags"));
    };
    std::fs::write(dir.path().join("config.toml"), "").unwrap();
    let udf = dir.path().join("etl.py");
    std::fs::write(&udf, "def load(rows, total=0):\n    return len(rows)\n").unwrap();
    let mut add = Command::new(bin);
    env(&mut add);
    let status = add
        .args(["function", "add"])
        .arg(&udf)
        .args(["--function", "load"])
        .status()
        .unwrap();
    assert!(status.success());

    let docs: Vec<std::path::PathBuf> = (0..5)
        .map(|v| {
            let p = dir.path().join(format!("v{v}.toml"));
            std::fs::write(&p, document(v, 400)).unwrap();
            p
        })
        .collect();
    let mut killed_mid_run = 0;
    for round in 0..40 {
        let mut cmd = Command::new(bin);
        env(&mut cmd);
        let mut child = cmd
            .args(["flow", "import"])
            .arg(&docs[round % docs.len()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Vary the moment of the kill across start-up, parsing, and the commit.
        std::thread::sleep(Duration::from_millis((round as u64 * 7) % 60));
        if child.try_wait().unwrap().is_none() {
            killed_mid_run += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        let store = Store::open(&db).expect("the database reopens after a kill");
        for spec in store.flow_specs().unwrap() {
            check_whole(&spec, &store);
        }
    }
    assert!(
        killed_mid_run > 10,
        "the test should interrupt most writers, interrupted {killed_mid_run}"
    );
}
