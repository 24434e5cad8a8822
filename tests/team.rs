//! A team on one host: several real flowdeck processes on one database file and one
//! dags folder. Every process here is the `flowdeck` binary, started as an operator's
//! CLI would be; the database is checked with redb's integrity check afterwards.

use flowdeck::store::{Base, Store};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ETL: &str = "def extract(day, limit=100):\n    return {'rows': [], 'total': 0}\n\ndef load(rows, total=0):\n    return len(rows)\n";

/// One database, one dags folder, one config, for every process of a test.
struct Host {
    dir: tempfile::TempDir,
}

impl Host {
    fn new() -> Host {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), "").unwrap();
        std::fs::create_dir_all(dir.path().join("dags")).unwrap();
        Host { dir }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("team.redb")
    }

    fn dags(&self) -> PathBuf {
        self.dir.path().join("dags")
    }

    fn command(&self, db: &Path, user: &str, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_flowdeck"));
        c.env("FLOWDECK_DB", db)
            .env("FLOWDECK_CONFIG", self.dir.path().join("config.toml"))
            .env("FLOWDECK_DAGS_FOLDER", self.dags())
            // Nothing listens here: deploys write their file and say Airflow is away.
            .env("FLOWDECK_AIRFLOW_URL", "http://127.0.0.1:9")
            .env("FLOWDECK_USER", user)
            .args(args);
        c
    }

    fn run_on(&self, db: &Path, user: &str, args: &[&str]) -> Output {
        self.command(db, user, args).output().unwrap()
    }

    fn ok_on(&self, db: &Path, user: &str, args: &[&str]) -> String {
        let out = self.run_on(db, user, args);
        assert!(
            out.status.success(),
            "{user} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn ok(&self, user: &str, args: &[&str]) -> String {
        self.ok_on(&self.db(), user, args)
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    fn register(&self, db: &Path) {
        let etl = self.file("etl.py", ETL);
        self.ok_on(
            db,
            "setup",
            &["function", "add", &etl, "--function", "extract"],
        );
        self.ok_on(
            db,
            "setup",
            &["function", "add", &etl, "--function", "load"],
        );
    }
}

fn flow_doc(name: &str, description: &str) -> String {
    format!(
        "[flow]\nname = \"{name}\"\ndescription = \"{description}\"\n\n[[tasks]]\nid = \"extract\"\nfunction = \"extract\"\n[tasks.inputs]\nday = \"{{{{ ds }}}}\"\n\n[[tasks]]\nid = \"load\"\nfunction = \"load\"\n[tasks.inputs]\nrows = {{ task = \"extract\", key = \"rows\" }}\n"
    )
}

fn check_integrity(db: &Path) {
    let mut store = Store::open(db).unwrap();
    assert!(
        store.check_integrity().unwrap(),
        "redb integrity check failed"
    );
}

fn soak_secs() -> u64 {
    std::env::var("FLOWDECK_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

/// What one looping operator did.
#[derive(Default)]
struct Tally {
    imports: usize,
    failures: Vec<String>,
}

/// Runs `flow import` then `flow deploy` of flow `name` in a loop until `stop`, each a
/// new process, recording every successful import and every failure.
fn operator_loop(
    host: Arc<Host>,
    user: String,
    name: String,
    stop: Arc<AtomicBool>,
    running: Arc<Mutex<Option<Child>>>,
) -> Tally {
    let mut tally = Tally::default();
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let doc = host.file(
            &format!("{user}-{n}.toml"),
            &flow_doc(&name, &format!("{user} edit {n}")),
        );
        for args in [
            vec!["flow", "import", doc.as_str()],
            vec!["flow", "deploy", name.as_str()],
        ] {
            let child = host
                .command(&host.db(), &user, &args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            // Left where a killer thread can reach it until it exits.
            *running.lock().unwrap() = Some(child);
            loop {
                let mut slot = running.lock().unwrap();
                let done = slot.as_mut().map(|c| c.try_wait().unwrap().is_some());
                if done != Some(false) {
                    break;
                }
                drop(slot);
                std::thread::sleep(Duration::from_millis(5));
            }
            let Some(child) = running.lock().unwrap().take() else {
                continue;
            };
            let out = child.wait_with_output().unwrap();
            if out.status.success() {
                if args[1] == "import" {
                    tally.imports += 1;
                }
            } else if out.status.code().is_some() {
                tally.failures.push(format!(
                    "{user} {args:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        let _ = std::fs::remove_file(&doc);
    }
    tally
}

#[test]
fn four_processes_importing_and_deploying_lose_nothing_and_refuse_nothing() {
    let host = Arc::new(Host::new());
    host.register(&host.db());
    let stop = Arc::new(AtomicBool::new(false));
    let users = ["alice", "bob", "carol", "dave"];
    let handles: Vec<_> = users
        .iter()
        .enumerate()
        .map(|(i, user)| {
            let (host, stop) = (host.clone(), stop.clone());
            let (user, name) = (user.to_string(), format!("flow {i}"));
            std::thread::spawn(move || {
                operator_loop(host, user, name, stop, Arc::new(Mutex::new(None)))
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(soak_secs()));
    stop.store(true, Ordering::Relaxed);
    let tallies: Vec<Tally> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let failures: Vec<&String> = tallies.iter().flat_map(|t| &t.failures).collect();
    assert!(failures.is_empty(), "refused or failed: {failures:#?}");
    let store = Store::open(&host.db()).unwrap();
    for (i, tally) in tallies.iter().enumerate() {
        assert!(tally.imports > 0, "{} never got to save", users[i]);
        let spec = store.find_flow(&format!("flow {i}")).unwrap();
        // Every successful save is a version (each import changed the description).
        assert_eq!(spec.flow.version as usize, tally.imports, "flow {i}");
        let revisions = store.revisions(&spec.flow.id).unwrap();
        assert_eq!(revisions.len(), tally.imports);
        assert!(revisions.iter().all(|r| r.saved_by.user == users[i]));
    }
    drop(store);
    check_integrity(&host.db());
    eprintln!(
        "imports per operator: {:?}",
        tallies.iter().map(|t| t.imports).collect::<Vec<_>>()
    );
}

#[test]
fn killing_a_writer_leaves_the_others_and_the_database_whole() {
    let host = Arc::new(Host::new());
    host.register(&host.db());
    let stop = Arc::new(AtomicBool::new(false));
    let victim_child: Arc<Mutex<Option<Child>>> = Arc::new(Mutex::new(None));
    let survivors: Vec<_> = ["alice", "bob"]
        .iter()
        .enumerate()
        .map(|(i, user)| {
            let (host, stop) = (host.clone(), stop.clone());
            let (user, name) = (user.to_string(), format!("survivor {i}"));
            std::thread::spawn(move || {
                operator_loop(host, user, name, stop, Arc::new(Mutex::new(None)))
            })
        })
        .collect();
    // The victim writes in its own loop; a killer sends SIGKILL to whatever it runs.
    let victim = {
        let (host, stop, running) = (host.clone(), stop.clone(), victim_child.clone());
        std::thread::spawn(move || {
            operator_loop(host, "mallory".into(), "victim".into(), stop, running)
        })
    };
    let kills = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(soak_secs() / 2) {
        std::thread::sleep(Duration::from_millis(137));
        if let Some(child) = victim_child.lock().unwrap().as_mut() {
            if child.kill().is_ok() {
                kills.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let _ = victim.join().unwrap();
    let tallies: Vec<Tally> = survivors.into_iter().map(|h| h.join().unwrap()).collect();
    let failures: Vec<&String> = tallies.iter().flat_map(|t| &t.failures).collect();
    assert!(failures.is_empty(), "survivors failed: {failures:#?}");
    let store = Store::open(&host.db()).unwrap();
    for (i, tally) in tallies.iter().enumerate() {
        let spec = store.find_flow(&format!("survivor {i}")).unwrap();
        assert_eq!(spec.flow.version as usize, tally.imports);
    }
    drop(store);
    check_integrity(&host.db());
    eprintln!(
        "killed the victim's process {} times",
        kills.load(Ordering::Relaxed)
    );
    assert!(kills.load(Ordering::Relaxed) > 0);
}

#[test]
fn two_databases_on_one_dags_folder_never_touch_each_others_files() {
    let host = Host::new();
    let (a, b) = (
        host.dir.path().join("a.redb"),
        host.dir.path().join("b.redb"),
    );
    host.register(&a);
    host.register(&b);
    let doc_a = host.file("a.toml", &flow_doc("alpha", "a's"));
    let doc_b = host.file("b.toml", &flow_doc("beta", "b's"));
    host.ok_on(&a, "alice", &["flow", "import", &doc_a]);
    host.ok_on(&b, "bob", &["flow", "import", &doc_b]);
    host.run_on(&a, "alice", &["flow", "deploy", "alpha"]);
    host.run_on(&b, "bob", &["flow", "deploy", "beta"]);
    let file_of = |name: &str| {
        host.dags()
            .join(format!("{}.py", flowdeck::model::ids::flow_id_for(name)))
    };
    let (alpha, beta) = (file_of("alpha"), file_of("beta"));
    let before = (
        std::fs::read(&alpha).unwrap(),
        std::fs::read(&beta).unwrap(),
    );
    let library_before = std::fs::read_dir(host.dags().join("flowdeck_functions"))
        .unwrap()
        .count();

    // Each sees the other's file as foreign, and repairing touches neither.
    for (db, user) in [(&a, "alice"), (&b, "bob")] {
        let report = host.ok_on(db, user, &["flow", "reconcile"]);
        assert!(report.contains("foreign:"), "{report}");
        assert!(report.contains("nothing to repair"), "{report}");
        let repaired = host.ok_on(db, user, &["flow", "reconcile", "--repair", "--yes"]);
        assert!(!repaired.contains("removed"), "{repaired}");
    }
    assert_eq!(
        (
            std::fs::read(&alpha).unwrap(),
            std::fs::read(&beta).unwrap()
        ),
        before
    );
    // Both registered etl.py: each database has its own module file.
    assert_eq!(
        std::fs::read_dir(host.dags().join("flowdeck_functions"))
            .unwrap()
            .count(),
        library_before
    );

    // The same flow name in both: the second database's deploy is refused, the first
    // one's file untouched; removing the flow there removes its records, not the file.
    let doc = host.file("alpha_b.toml", &flow_doc("alpha", "b's alpha"));
    host.ok_on(&b, "bob", &["flow", "import", &doc]);
    let out = host.run_on(&b, "bob", &["flow", "deploy", "alpha"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("belongs to another flowdeck database"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert_eq!(std::fs::read(&alpha).unwrap(), before.0);
    host.ok_on(&b, "bob", &["flow", "rm", "alpha"]);
    assert_eq!(std::fs::read(&alpha).unwrap(), before.0);
}

#[test]
fn revisions_say_who_saved_and_who_deployed() {
    let host = Host::new();
    host.register(&host.db());
    let v1 = host.file("v1.toml", &flow_doc("shared", "first"));
    let v2 = host.file("v2.toml", &flow_doc("shared", "second"));
    host.ok("alice", &["flow", "import", &v1]);
    host.ok("bob", &["flow", "import", &v2]);
    let table = host.ok("carol", &["flow", "revisions", "shared"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].contains("SAVED BY"), "{table}");
    assert!(
        lines[1].starts_with("2 ") && lines[1].contains("bob@"),
        "{table}"
    );
    assert!(
        lines[2].starts_with("1 ") && lines[2].contains("alice@"),
        "{table}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&host.ok("carol", &["flow", "revisions", "shared", "--json"]))
            .unwrap();
    assert_eq!(json[0]["saved_by"]["user"], "bob");
    assert_eq!(json[1]["saved_by"]["user"], "alice");
}

#[test]
fn a_database_of_the_previous_release_is_upgraded_in_place() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flowdeck-0.1.redb");
    let host = Host::new();
    std::fs::copy(&fixture, host.db()).unwrap();
    // Written by flowdeck 0.1 (redb 2): two functions, flow "daily sales" at v2. Several
    // operators meet it at once: one upgrades, the others wait for it.
    let lists: Vec<_> = (0..4)
        .map(|i| {
            host.command(&host.db(), &format!("op{i}"), &["flow", "list"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in lists {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains("daily sales"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let backup = flowdeck::store::backup_path(&host.db());
    assert_eq!(
        std::fs::read(&backup).unwrap(),
        std::fs::read(&fixture).unwrap()
    );
    let store = Store::open(&host.db()).unwrap();
    let spec = store.find_flow("daily sales").unwrap();
    assert_eq!(spec.flow.version, 2);
    assert_eq!(store.revisions(&spec.flow.id).unwrap().len(), 2);
    assert_eq!(store.functions().unwrap().len(), 2);
    // Old records say nothing of who saved them; new ones do.
    assert!(store.revisions(&spec.flow.id).unwrap()[0]
        .saved_by
        .is_unknown());
    let mut edited = spec.clone();
    edited.flow.description = "after the upgrade".into();
    store.save_flow(&edited, Base::Version(2)).unwrap();
    drop(store);
    check_integrity(&host.db());
}

#[test]
fn a_database_of_a_newer_flowdeck_is_refused_unchanged() {
    let host = Host::new();
    host.ok("alice", &["flow", "list"]);
    {
        let db = redb::Database::builder()
            .set_concurrency_mode(redb::ConcurrencyMode::MultiWriter)
            .create(host.db())
            .unwrap();
        let tx = db.begin_write().unwrap();
        tx.open_table(redb::TableDefinition::<&str, u64>::new("meta"))
            .unwrap()
            .insert("schema_version", 99)
            .unwrap();
        tx.commit().unwrap();
    }
    let before = std::fs::read(host.db()).unwrap();
    let out = host.run_on(&host.db(), "alice", &["flow", "list"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("written by a newer flowdeck"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        std::fs::read(host.db()).unwrap() == before,
        "the file was changed"
    );
}

#[test]
fn db_commands_check_and_compact_a_shared_database() {
    let host = Host::new();
    host.register(&host.db());
    let doc = host.file("f.toml", &flow_doc("compact me", "x"));
    host.ok("alice", &["flow", "import", &doc]);
    let info = host.ok("alice", &["db", "info"]);
    assert!(
        info.contains("schema     3") && info.contains("you        alice@"),
        "{info}"
    );
    assert!(host.ok("alice", &["db", "check"]).contains("intact"));
    let out = host.ok("alice", &["db", "compact"]);
    assert!(out.contains("KiB"), "{out}");
    // Still whole and readable by everyone afterwards.
    assert!(host.ok("bob", &["flow", "list"]).contains("compact me"));
    check_integrity(&host.db());
}

#[test]
fn a_database_where_flowdeck_cannot_write_is_one_line() {
    // /sys is a read-only filesystem even for root (a test as root cannot lose file
    // permissions any other way).
    if !Path::new("/sys/kernel").exists() {
        eprintln!("skipped: no /sys");
        return;
    }
    let host = Host::new();
    let out = host.run_on(
        Path::new("/sys/flowdeck-team.redb"),
        "alice",
        &["flow", "list"],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("no permission to write the database"), "{err}");
    assert!(err.contains("chmod 660"), "{err}");
    // A folder given as the database.
    let out = host.run_on(host.dir.path(), "alice", &["flow", "list"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("it is a folder"), "{err}");
}

#[test]
fn a_database_file_made_empty_by_an_administrator_becomes_the_database() {
    // `install -m 660 -g team /dev/null team.redb`, as the README suggests for a team.
    let host = Host::new();
    std::fs::write(host.db(), b"").unwrap();
    assert!(host.ok("alice", &["flow", "list"]).contains("NAME"));
    assert!(host.ok("alice", &["db", "info"]).contains("schema     3"));
    // A pipe or a device is refused at once (a pipe would block the open for ever).
    let out = host.run_on(Path::new("/dev/null"), "alice", &["flow", "list"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a regular file"), "{err}");
}

#[test]
fn databases_registering_the_same_file_name_at_once_each_keep_their_own_module() {
    // The race CI met: several databases on one dags folder register `etl.py` (each
    // from its own copy) in the same instant. Each must end with a module file that
    // names it, never one another database wrote over or under it.
    // A race: a few rounds make meeting it likely.
    for _round in 0..3 {
        let host = Host::new();
        let dbs: Vec<PathBuf> = (0..4)
            .map(|i| host.dir.path().join(format!("db{i}.redb")))
            .collect();
        let sources: Vec<String> = (0..dbs.len())
            .map(|i| {
                let dir = host.dir.path().join(format!("src{i}"));
                std::fs::create_dir_all(&dir).unwrap();
                let path = dir.join("etl.py");
                std::fs::write(&path, ETL).unwrap();
                path.display().to_string()
            })
            .collect();
        for function in ["extract", "load"] {
            let children: Vec<Child> = dbs
                .iter()
                .zip(&sources)
                .map(|(db, source)| {
                    host.command(
                        db,
                        "op",
                        &["function", "add", source, "--function", function],
                    )
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
                })
                .collect();
            for child in children {
                let out = child.wait_with_output().unwrap();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
        let mut modules = std::collections::BTreeSet::new();
        for db in &dbs {
            let store = Store::open_read_only(db).unwrap();
            let functions = store.functions().unwrap();
            assert_eq!(functions.len(), 2);
            for f in functions {
                let text = std::fs::read(&f.path).unwrap();
                assert_eq!(
                    flowdeck::render::library_owner(&text).as_deref(),
                    Some(store.database_id()),
                    "{} of {}",
                    f.path,
                    db.display()
                );
                modules.insert(f.path);
            }
        }
        // Two functions of one file share a module within a database, never across them.
        assert_eq!(modules.len(), dbs.len());
    }
}
