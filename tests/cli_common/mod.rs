//! The real binary in a scratch folder: its own database, config, dags folder and data
//! folders, Airflow pointed at a port where nothing listens unless a test says otherwise.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_flowdeck");

/// The example library file of the quick start.
pub fn etl_source() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/examples/etl.py"
    ))
    .expect("assets/examples/etl.py")
}

/// The example flow document of the quick start.
pub fn daily_sales() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/examples/daily_sales.toml"
    ))
    .expect("assets/examples/daily_sales.toml")
}

/// An environment value that removes the variable.
pub const UNSET: &str = "<unset>";

pub struct Fx {
    pub dir: PathBuf,
    pub airflow_url: String,
    pub env: Vec<(String, String)>,
}

impl Fx {
    /// A fresh scratch folder (kept by the caller's `TempDir`).
    pub fn new(dir: &Path) -> Fx {
        std::fs::create_dir_all(dir.join("dags")).unwrap();
        std::fs::write(dir.join("config.toml"), "").unwrap();
        Fx {
            dir: dir.to_path_buf(),
            airflow_url: "http://127.0.0.1:9".into(),
            env: Vec::new(),
        }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.join("db.redb")
    }

    pub fn dags(&self) -> PathBuf {
        self.dir.join("dags")
    }

    pub fn config(&self) -> PathBuf {
        self.dir.join("config.toml")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.env("FLOWDECK_DB", self.db())
            .env("FLOWDECK_CONFIG", self.config())
            .env("FLOWDECK_DAGS_FOLDER", self.dags())
            .env("FLOWDECK_AIRFLOW_URL", &self.airflow_url)
            .env("FLOWDECK_AIRFLOW_USERNAME", "admin")
            .env("FLOWDECK_AIRFLOW_PASSWORD", "admin")
            .env("XDG_DATA_HOME", self.dir.join("xdg-data"))
            .env("XDG_CONFIG_HOME", self.dir.join("xdg-config"))
            .env_remove("AIRFLOW_HOME")
            .env_remove("RUST_BACKTRACE")
            .current_dir(&self.dir)
            .args(args);
        for (k, v) in &self.env {
            if v == UNSET {
                c.env_remove(k);
            } else {
                c.env(k, v);
            }
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args)
            .output()
            .expect("the flowdeck binary runs")
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs a command that must fail with `code`, saying one line; returns the line.
    pub fn fails(&self, code: i32, args: &[&str]) -> String {
        let out = self.run(args);
        assert_one_line_failure(&out, code, &format!("{args:?}"));
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    pub fn file(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    }

    /// The quick start's library and flow, deployed without waiting (so the dags folder
    /// holds its DAG file and the library package).
    pub fn seed(&self) {
        let etl = self.file("inputs/etl.py", etl_source().as_bytes());
        self.ok(&["function", "add", &etl, "--function", "extract"]);
        self.ok(&["function", "add", &etl, "--function", "load"]);
        let doc = self.file("inputs/daily_sales.toml", daily_sales().as_bytes());
        self.ok(&["flow", "import", &doc]);
        self.ok(&["flow", "deploy", "daily sales"]);
    }

    /// The DAG file of the seeded flow.
    pub fn dag_file(&self) -> PathBuf {
        let id = flowdeck::model::ids::flow_id_for("daily sales");
        self.dags().join(format!("{id}.py"))
    }
}

/// Asserts what every refusal must look like: the exit code, exactly one line on
/// stderr starting with `flowdeck: `, nothing on stdout, no panic, and no character
/// that a terminal would act on or hide.
pub fn assert_one_line_failure(out: &Output, code: i32, what: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: exit status; stderr: {err}; stdout: {stdout}"
    );
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert!(err.starts_with("flowdeck: "), "{what}: {err}");
    assert!(
        err.ends_with('\n') && err.matches('\n').count() == 1,
        "{what}: not one line: {err}"
    );
    assert!(stdout.is_empty(), "{what}: stdout: {stdout}");
    assert_visible(&err, what);
}

/// No control, bidi or zero-width character (other than the final newline).
pub fn assert_visible(text: &str, what: &str) {
    let bad = text
        .trim_end_matches('\n')
        .chars()
        .find(|c| c.is_control() || flowdeck::model::text::needs_unicode_escape(*c));
    assert!(bad.is_none(), "{what}: raw {bad:?} in {text:?}");
}

/// What the database holds (flows with tasks and edges, revisions, the library, deploy
/// records), as text to compare before and after a command. redb rewrites its header
/// when a database is opened, so the bytes of the file are not the measure.
pub fn db_dump(path: &Path) -> String {
    let store = flowdeck::store::Store::open(path).expect("the database opens");
    let flows = store.flow_specs().expect("flows");
    let revisions: Vec<_> = flows
        .iter()
        .map(|f| {
            let r = store.revisions(&f.flow.id).expect("revisions");
            r.iter()
                .map(|r| format!("{r:?}"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect();
    let mut deploys: Vec<_> = store.all_deploys().expect("deploys").into_iter().collect();
    deploys.sort_by(|a, b| a.0.cmp(&b.0));
    format!(
        "{}\n{}\n{}\n{:?}",
        serde_json::to_string(&flows).expect("json"),
        revisions.join("\n"),
        serde_json::to_string(&store.functions().expect("functions")).expect("json"),
        deploys
    )
}

/// A scratch folder as it matters: every file but the database byte for byte (see
/// [`tree`]), and the database's content (see [`db_dump`]).
pub fn disk(dir: &Path) -> (BTreeMap<PathBuf, Option<Vec<u8>>>, String) {
    let mut files = tree(dir);
    files.remove(Path::new("db.redb"));
    (files, db_dump(&dir.join("db.redb")))
}

/// Every file under `dir` with its bytes (folders as empty entries), to compare the
/// disk before and after a command.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(base).unwrap_or(&p).to_path_buf();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                out.insert(rel, None);
                walk(base, &p, out);
            } else if meta.is_file() {
                out.insert(rel, Some(std::fs::read(&p).unwrap()));
            } else {
                out.insert(rel, Some(Vec::new()));
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

/// Names of the paths that differ between two trees (for a readable failure).
pub fn changed(
    before: &BTreeMap<PathBuf, Option<Vec<u8>>>,
    after: &BTreeMap<PathBuf, Option<Vec<u8>>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (p, b) in before {
        match after.get(p) {
            None => out.push(format!("removed {}", p.display())),
            Some(a) if a != b => out.push(format!("changed {}", p.display())),
            _ => {}
        }
    }
    for p in after.keys() {
        if !before.contains_key(p) {
            out.push(format!("added {}", p.display()));
        }
    }
    out
}

/// Copies a folder tree (files and folders; symbolic links as links).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let src = e.path();
        let dst = to.join(e.file_name());
        let meta = std::fs::symlink_metadata(&src).unwrap();
        if meta.is_dir() {
            copy_tree(&src, &dst);
        } else if meta.file_type().is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}
