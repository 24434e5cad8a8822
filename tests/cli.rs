//! The command line as a user meets it: exit codes, one-line reasons, awkward names.

use std::path::Path;
use std::process::{Command, Output};

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Cli {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), "").unwrap();
        Cli { dir }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_flowdeck"))
            .env("FLOWDECK_DB", self.dir.path().join("db.redb"))
            .env("FLOWDECK_CONFIG", self.dir.path().join("config.toml"))
            .env("FLOWDECK_DAGS_FOLDER", self.dir.path().join("dags"))
            // Nothing listens here: commands that need Airflow say so.
            .env("FLOWDECK_AIRFLOW_URL", "http://127.0.0.1:9")
            .args(args)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs a command that must fail; returns its one-line reason.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "{args:?} should fail");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(err.starts_with("flowdeck: "), "{err}");
        err
    }

    fn file(&self, name: &str, text: &[u8]) -> String {
        let p = self.dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }
}

const ETL: &str = "def extract(day, limit=100):\n    return {'rows': [], 'total': 0}\n\ndef load(rows, total=0):\n    return len(rows)\n";

#[test]
fn registration_errors_are_one_line_and_actionable() {
    let cli = Cli::new();
    assert!(cli
        .fails(&["function", "add", "/nope/etl.py", "--function", "x"])
        .contains("no such file"));
    let bad_utf8 = cli.file("latin.py", b"def f():\n    return '\xe9'\n");
    assert!(cli
        .fails(&["function", "add", &bad_utf8, "--function", "f"])
        .contains("not UTF-8"));
    let broken = cli.file("broken.py", b"def f(:\n    pass\n");
    assert!(cli
        .fails(&["function", "add", &broken, "--function", "f"])
        .contains("line 1"));
    let etl = cli.file("etl.py", ETL.as_bytes());
    let err = cli.fails(&["function", "add", &etl, "--function", "transform"]);
    assert!(
        err.contains("defines no top-level function `transform`; it defines: extract, load"),
        "{err}"
    );
    let dashed = cli.file("my-etl.py", ETL.as_bytes());
    assert!(cli
        .fails(&["function", "add", &dashed, "--function", "load"])
        .contains("cannot be imported"));
    let shadow = cli.file("json.py", ETL.as_bytes());
    assert!(cli
        .fails(&["function", "add", &shadow, "--function", "load"])
        .contains("cannot be imported"));
}

#[test]
fn two_files_with_the_same_name_never_overwrite_each_other() {
    let cli = Cli::new();
    let a = cli.file("a/etl.py", ETL.as_bytes());
    let b = cli.file("b/etl.py", b"def other(x):\n    return x\n");
    cli.ok(&["function", "add", &a, "--function", "load"]);
    cli.ok(&["function", "add", &b, "--function", "other"]);
    let lib = cli.dir.path().join("dags/flowdeck_functions");
    // Each module is the source byte for byte, then the trailer naming its database.
    let stored = std::fs::read_to_string(lib.join("etl.py")).unwrap();
    assert!(stored.starts_with(ETL), "{stored}");
    assert!(stored.contains("# flowdeck-library-module; flowdeck-database: "));
    assert!(std::fs::read_to_string(lib.join("etl_2.py"))
        .unwrap()
        .starts_with("def other(x):\n    return x\n"));
    let listed: serde_json::Value =
        serde_json::from_str(&cli.ok(&["function", "list", "--json"])).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    // The package is importable and Airflow's DAG discovery skips it.
    assert!(lib.join("__init__.py").exists());
    assert!(
        std::fs::read_to_string(cli.dir.path().join("dags/.airflowignore"))
            .unwrap()
            .contains("flowdeck_functions")
    );
}

#[test]
fn awkward_names_import_and_export_exactly() {
    let cli = Cli::new();
    let etl = cli.file("etl.py", ETL.as_bytes());
    cli.ok(&["function", "add", &etl, "--function", "load"]);
    let name = "Q3 \"sales\" — 'ünïcode' 한국어\nsecond line \"\"\" \\ {{ ds }} {% x %}";
    let doc = format!(
        "[flow]\nname = {}\ndescription = {}\n[[tasks]]\nid = \"load\"\nfunction = \"load\"\n[tasks.inputs]\nrows = [1, 2]\n",
        toml::Value::String(name.into()),
        toml::Value::String(name.into())
    );
    let path = cli.file("flow.toml", doc.as_bytes());
    let out = cli.ok(&["flow", "import", &path]);
    assert!(out.starts_with("created flow"), "{out}");
    // Output shows the name on one line, control characters escaped.
    assert!(out.contains("\\n"), "{out}");
    let id = flowdeck::model::ids::flow_id_for(name);
    let shown: serde_json::Value =
        serde_json::from_str(&cli.ok(&["flow", "show", &id, "--json"])).unwrap();
    assert_eq!(shown["flow"]["name"], name);
    assert_eq!(shown["flow"]["description"], name);
    let exported = cli.ok(&["flow", "export", &id]);
    let again = cli.file("again.toml", exported.as_bytes());
    assert!(cli
        .ok(&["flow", "import", &again])
        .starts_with("unchanged flow"));
    // The DAG file keeps the name inside string literals only.
    let source = cli.ok(&["flow", "render", &id]);
    assert!(
        source.contains(r#"dag_display_name="Q3 \"sales\""#),
        "{source}"
    );
}

#[test]
fn a_second_process_shares_the_database() {
    let cli = Cli::new();
    let held = flowdeck::store::Store::open(&cli.dir.path().join("db.redb")).unwrap();
    let etl = cli.file("etl.py", ETL.as_bytes());
    cli.ok(&["function", "add", &etl, "--function", "load"]);
    // The other process's commit is visible to the handle held here at once.
    assert!(held.function_by_name("load").unwrap().is_some());
    assert!(cli.ok(&["function", "list"]).contains("load"));
}

#[test]
fn airflow_commands_say_when_airflow_is_unreachable() {
    let cli = Cli::new();
    let etl = cli.file("etl.py", ETL.as_bytes());
    cli.ok(&["function", "add", &etl, "--function", "load"]);
    let path = cli.file("f.toml", b"[flow]\nname = \"offline\"\n[[tasks]]\nid = \"load\"\nfunction = \"load\"\ninputs = { rows = [1] }\n");
    cli.ok(&["flow", "import", &path]);
    let err = cli.fails(&["run", "list", "offline"]);
    assert!(err.contains("not reachable"), "{err}");
    // Deploying without Airflow still writes the file and says what it waits for.
    let out = cli.run(&["flow", "deploy", "offline", "--wait", "--timeout", "5"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        text.contains("will be confirmed when Airflow is back"),
        "{text}"
    );
    let dag = cli.dir.path().join("dags").join(format!(
        "{}.py",
        flowdeck::model::ids::flow_id_for("offline")
    ));
    assert!(Path::new(&dag).exists());
    cli.ok(&["flow", "rm", "offline"]);
    assert!(!dag.exists());
}

#[test]
fn reconcile_reports_and_repairs_the_dags_folder() {
    let cli = Cli::new();
    let etl = cli.file("etl.py", ETL.as_bytes());
    cli.ok(&["function", "add", &etl, "--function", "load"]);
    let path = cli.file("f.toml", b"[flow]\nname = \"rec\"\n[[tasks]]\nid = \"load\"\nfunction = \"load\"\ninputs = { rows = [1] }\n");
    cli.ok(&["flow", "import", &path]);
    let dags = cli.dir.path().join("dags");
    let id = flowdeck::model::ids::flow_id_for("rec");
    // Never deployed: not missing (a repair would deploy someone's flow behind their
    // back). Deployed, then its file lost: missing. An old flowdeck file of a flow that
    // is gone: orphaned.
    assert!(cli.ok(&["flow", "reconcile"]).contains("nothing to repair"));
    cli.run(&["flow", "deploy", "rec"]);
    std::fs::remove_file(dags.join(format!("{id}.py"))).unwrap();
    let orphan = cli.run(&["flow", "render", "rec"]).stdout;
    let orphan = String::from_utf8_lossy(&orphan).replace(&id, "dag_0123456789abcdef");
    std::fs::write(dags.join("dag_0123456789abcdef.py"), orphan).unwrap();
    // A file of someone else is never touched.
    std::fs::write(dags.join("their_dag.py"), "# not flowdeck's\n").unwrap();
    let out = cli.run(&["flow", "reconcile"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("missing") && text.contains("orphan"),
        "{text}"
    );
    // Without a terminal to ask on, a repair needs --yes, and changes nothing without.
    let refused = cli.fails(&["flow", "reconcile", "--repair"]);
    assert!(refused.contains("pass --yes"), "{refused}");
    assert!(dags.join("dag_0123456789abcdef.py").exists());
    let fixed = cli.ok(&["flow", "reconcile", "--repair", "--yes"]);
    assert!(
        fixed.contains("flowdeck will make these changes:"),
        "{fixed}"
    );
    assert!(
        fixed.contains("wrote") && fixed.contains("removed"),
        "{fixed}"
    );
    assert!(dags.join(format!("{id}.py")).exists());
    assert!(!dags.join("dag_0123456789abcdef.py").exists());
    assert!(dags.join("their_dag.py").exists());
    assert!(cli
        .ok(&["flow", "reconcile"])
        .contains("matches every saved flow"));
}

/// A refusal's suggestion is one that registration accepts: the file renamed as the
/// message says, the functions it lists, the wrapper it gives for an `async def`.
#[test]
fn every_registration_suggestion_is_accepted() {
    let cli = Cli::new();
    let between = |text: &str, before: &str, after: &str| -> String {
        let start = text
            .find(before)
            .unwrap_or_else(|| panic!("no `{before}` in {text}"))
            + before.len();
        let end = text[start..]
            .find(after)
            .unwrap_or_else(|| panic!("no `{after}` in {text}"));
        text[start..start + end].to_string()
    };
    for (i, stem) in [
        "my-etl",
        "my-etl_udf",
        "2024-sales",
        "json",
        "JSON",
        "class",
        "os",
        "my etl",
        "grüße",
        "a.b",
        "__init__",
    ]
    .iter()
    .enumerate()
    {
        let file = cli.file(&format!("bad{i}/{stem}.py"), ETL.as_bytes());
        let err = cli.fails(&["function", "add", &file, "--function", "load"]);
        assert!(err.contains("cannot be imported"), "{stem}: {err}");
        let suggested = between(&err, "rename the file to `", "`");
        let renamed = cli.file(&format!("good{i}/{suggested}"), ETL.as_bytes());
        let name = format!("load{i}");
        cli.ok(&[
            "function",
            "add",
            &renamed,
            "--function",
            "load",
            "--name",
            &name,
        ]);
    }

    let mixed = cli.file(
        "mixed.py",
        b"async def fetch(url, retries=3, *, timeout=None, **extra):\n    return url\n\ndef parse(text):\n    return text\n\ndef keep(x, /, y=1, *rest):\n    return x\n",
    );
    let err = cli.fails(&["function", "add", &mixed, "--function", "transform"]);
    let listed = between(&err, "it defines: ", "\n");
    assert_eq!(listed, "parse, keep", "{err}");
    for f in listed.split(", ") {
        cli.ok(&["function", "add", &mixed, "--function", f]);
    }

    let err = cli.fails(&["function", "add", &mixed, "--function", "fetch"]);
    assert!(err.contains("`fetch` is `async def`"), "{err}");
    let sync_name = between(&err, "then register `", "`");
    let wrapper = err
        .split_once(&format!("then register `{sync_name}`: "))
        .map(|(_, w)| w.trim().to_string())
        .unwrap_or_default();
    let mut source = std::fs::read_to_string(&mixed).unwrap();
    source.push_str(&format!("\nimport asyncio\n{wrapper}\n"));
    std::fs::write(&mixed, source).unwrap();
    cli.ok(&["function", "add", &mixed, "--function", &sync_name]);
    let shown = cli.ok(&["function", "show", &sync_name]);
    assert!(
        shown.contains("fetch_sync(url, retries=3, *, timeout=None, **extra)"),
        "{shown}"
    );
}

/// A flow document as people write it: an unquoted TOML date, a cron schedule Airflow
/// accepts (`1#1`), shown in words with its timezone and next runs; a schedule that
/// can never fire is refused before anything is saved.
#[test]
fn dates_and_schedules_as_airflow_reads_them() {
    let cli = Cli::new();
    let etl = cli.file("etl.py", ETL.as_bytes());
    cli.ok(&["function", "add", &etl, "--function", "load"]);
    let doc = |schedule: &str, start: &str| {
        format!(
            "[flow]\nname = \"monthly\"\nschedule = \"{schedule}\"\nstart_date = {start}\n[[tasks]]\nid = \"load\"\nfunction = \"load\"\n[tasks.inputs]\nrows = [1]\n"
        )
    };
    let never = cli.file("never.toml", doc("0 0 30 2 *", "2099-01-01").as_bytes());
    let err = cli.fails(&["flow", "import", &never]);
    assert!(err.contains("`0 0 30 2 *` never fires"), "{err}");
    assert!(cli.ok(&["flow", "list"]).trim().lines().count() <= 1);

    // Midnight in Tokyo is 15:00 UTC the day before: not the start of a UTC day.
    let tokyo_midnight = cli.file(
        "offset.toml",
        doc("0 9 * * 1#1", "2099-01-01T00:00:00+09:00").as_bytes(),
    );
    let err = cli.fails(&["flow", "import", &tokyo_midnight]);
    assert!(
        err.contains("is 2098-12-31 15:00 UTC: write 2098-12-31 (or 2099-01-01)"),
        "{err}"
    );

    // 09:00 in Tokyo is midnight UTC: the day 2099-01-01. (2099, so the next runs do
    // not depend on when the test runs.)
    let good = cli.file(
        "good.toml",
        doc("0 9 * * 1#1", "2099-01-01T09:00:00+09:00").as_bytes(),
    );
    cli.ok(&["flow", "import", &good]);
    let shown = cli.ok(&["flow", "show", "monthly"]);
    assert!(
        shown.contains("schedule:    the first Monday of each month at 09:00 UTC\n"),
        "{shown}"
    );
    assert!(
        shown.contains("next runs 2099-01-05 09:00, 2099-02-02 09:00, 2099-03-02 09:00 UTC"),
        "{shown}"
    );
    let listed = cli.ok(&["flow", "list"]);
    assert!(listed.contains("SCHEDULE (UTC)"), "{listed}");
    let exported = cli.ok(&["flow", "export", "monthly"]);
    assert!(
        exported.contains("start_date = \"2099-01-01\""),
        "{exported}"
    );
}

#[test]
fn the_first_run_says_where_the_database_and_the_dags_folder_are() {
    let cli = Cli::new();
    let out = cli.run(&["function", "list"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let db = cli.dir.path().join("db.redb");
    let dags = cli.dir.path().join("dags");
    assert!(
        err.starts_with("flowdeck: first run: created the database "),
        "{err}"
    );
    assert!(err.contains(&db.display().to_string()), "{err}");
    assert!(err.contains(&dags.display().to_string()), "{err}");
    assert!(err.contains("FLOWDECK_AIRFLOW_URL"), "{err}");
    assert!(err.contains("scripts/dev-airflow.sh env"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // Said once: the next run finds the database.
    let out = cli.run(&["function", "list"]);
    assert!(String::from_utf8_lossy(&out.stderr).is_empty());
}
