//! Bad input as a new user types it: flow documents, library files, command-line
//! arguments, the config and the environment. Every case must end with the expected
//! exit status and one line on stderr saying what is wrong, never a panic, never a
//! character the terminal would act on, and nothing changed on disk (the database, the
//! dags folder, the config and the input files are compared byte for byte).
//!
//! The second half is the property that no subcommand, given arguments pointing at the
//! database or the dags folder, changes either.

mod cli_common;

use cli_common::*;
use std::path::Path;

/// A scratch folder seeded once with the quick start (library, flow, DAG file) plus the
/// input files the cases refer to; each case runs on a copy of it.
struct Seeded {
    _tmp: tempfile::TempDir,
    seed: std::path::PathBuf,
    /// Large inputs shared by all cases (not copied; still checked for changes).
    shared: std::path::PathBuf,
}

const NOT_UTF8: &[u8] = b"def f():\n    return '\xe9'\n";

fn seeded() -> Seeded {
    let tmp = tempfile::tempdir().unwrap();
    let seed = tmp.path().join("seed");
    let shared = tmp.path().join("shared");
    std::fs::create_dir_all(&shared).unwrap();
    let fx = Fx::new(&seed);
    fx.seed();
    let i = |name: &str, text: &[u8]| {
        fx.file(&format!("inputs/{name}"), text);
    };
    // Library files.
    i("broken.py", b"def f(:\n    pass\n");
    i("latin.py", NOT_UTF8);
    i("nul.py", b"def f():\n    return 1\x00\n");
    i("my-etl.py", etl_source().as_bytes());
    i("json.py", etl_source().as_bytes());
    i("empty.py", b"");
    i("notes.txt", b"def f():\n    return 1\n");
    i("other.py", b"def extract(day):\n    return day\n");
    std::fs::create_dir_all(seed.join("inputs/folder.py")).unwrap();
    // A valid but enormous library file: refused by size before python3 is asked.
    let mut big = String::from("def f():\n    return 1\n");
    while big.len() < 6_000_000 {
        big.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(shared.join("big.py"), big).unwrap();
    // Flow documents.
    let flow = |extra_flow: &str, task_options: &str| {
        format!(
            "[flow]\nname = \"bad\"\n{extra_flow}\n[[tasks]]\nid = \"extract\"\nfunction = \"extract\"\n[tasks.options]\n{task_options}\n[tasks.inputs]\nday = \"{{{{ ds }}}}\"\n"
        )
    };
    i("not_toml.toml", b"this is not [toml");
    i("empty.toml", b"");
    i(
        "date_9999.toml",
        flow("start_date = \"9999-12-31\"", "").as_bytes(),
    );
    i(
        "date_0000.toml",
        flow("start_date = \"0000-01-01\"", "").as_bytes(),
    );
    i(
        "date_13.toml",
        flow("start_date = \"2024-13-01\"", "").as_bytes(),
    );
    i(
        "retries_i64.toml",
        flow("", "retries = 9223372036854775807").as_bytes(),
    );
    i(
        "retries_2_31.toml",
        flow("", "retries = 2147483648").as_bytes(),
    );
    i("retries_neg.toml", flow("", "retries = -1").as_bytes());
    i(
        "delay_huge.toml",
        flow("", "retry_delay = \"100000w\"").as_bytes(),
    );
    i("pool_slots_0.toml", flow("", "pool_slots = 0").as_bytes());
    i("unknown_option.toml", flow("", "retrys = 2").as_bytes());
    i(
        "bad_schedule.toml",
        flow("schedule = \"every day\"", "").as_bytes(),
    );
    i(
        "empty_name.toml",
        b"[flow]\nname = \"\"\n[[tasks]]\nid = \"extract\"\nfunction = \"extract\"\n",
    );
    i(
        "unknown_function.toml",
        b"[flow]\nname = \"bad\"\n[[tasks]]\nid = \"t\"\nfunction = \"nope\"\n",
    );
    i(
        "unknown_key.toml",
        b"[flow]\nname = \"bad\"\ncolour = \"red\"\n",
    );
    i("dup_tasks.toml", b"[flow]\nname = \"bad\"\n[[tasks]]\nid = \"a\"\nfunction = \"load\"\ninputs = { rows = [1] }\n[[tasks]]\nid = \"a\"\nfunction = \"load\"\ninputs = { rows = [1] }\n");
    i("cycle.toml", b"[flow]\nname = \"bad\"\n[[tasks]]\nid = \"a\"\nfunction = \"load\"\ninputs = { rows = [1] }\n[[tasks]]\nid = \"b\"\nfunction = \"load\"\ninputs = { rows = [1] }\n[[edges]]\nfrom = \"a\"\nto = \"b\"\n[[edges]]\nfrom = \"b\"\nto = \"a\"\n");
    i("bad_task_id.toml", b"[flow]\nname = \"bad\"\n[[tasks]]\nid = \"class\"\nfunction = \"load\"\ninputs = { rows = [1] }\n");
    i(
        "long_tag.toml",
        format!("[flow]\nname = \"bad\"\ntags = [\"{}\"]\n", "t".repeat(101)).as_bytes(),
    );
    i(
        "defaults_huge.toml",
        b"[flow]\nname = \"bad\"\n[defaults]\nretries = 99999999999\n",
    );
    i(
        "missing_input.toml",
        b"[flow]\nname = \"bad\"\n[[tasks]]\nid = \"load\"\nfunction = \"load\"\n",
    );
    // Config files.
    i("cfg_timeout_0.toml", b"[airflow]\ntimeout_secs = 0\n");
    i(
        "cfg_timeout_huge.toml",
        b"[airflow]\ntimeout_secs = 100000\n",
    );
    i("cfg_poll_0.toml", b"[airflow]\npoll_interval_secs = 0\n");
    i("cfg_deploy_0.toml", b"[airflow]\ndeploy_timeout_secs = 0\n");
    i("cfg_unknown.toml", b"[airflow]\nuser = \"admin\"\n");
    i("cfg_not_toml.toml", b"[airflow\n");
    i(
        "cfg_url_password.toml",
        b"[airflow]\nurl = \"http://admin:hunter2@127.0.0.1:9\"\n",
    );
    i(
        "cfg_no_python.toml",
        b"[python]\nprogram = \"/nonexistent/python3\"\n",
    );
    i(
        "cfg_false_python.toml",
        b"[python]\nprogram = \"/bin/false\"\n",
    );
    i("dags_is_a_file", b"not a folder\n");
    Seeded {
        _tmp: tmp,
        seed,
        shared,
    }
}

/// One bad input: arguments (with `{dir}`, `{db}`, `{dags}`, `{dagfile}`, `{config}`,
/// `{in}` for the inputs folder and `{shared}` replaced), extra environment, the exit
/// status and words the one line must contain.
struct Case {
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
    code: i32,
    says: &'static str,
}

fn case(args: &[&str], code: i32, says: &'static str) -> Case {
    Case {
        args: args.iter().map(|s| (*s).to_string()).collect(),
        env: Vec::new(),
        code,
        says,
    }
}

fn with_env(mut c: Case, key: &'static str, value: &str) -> Case {
    c.env.push((key, value.to_string()));
    c
}

fn cases() -> Vec<Case> {
    let long = "n".repeat(10_000);
    let esc_name = "x\u{1b}]0;X\u{7}";
    let mut v = vec![
        // ----- command-line arguments -----
        case(&["flow", "show", ""], 2, "the flow name is empty"),
        case(&["flow", "show", esc_name], 1, "there is no flow"),
        case(&["flow", "show", &long], 1, "…"),
        case(&["flow", "show", "ab\u{202e}cd"], 1, "\\u{202e}"),
        case(&["flow", "show", "a\u{200b}b"], 1, "\\u{200b}"),
        case(&["flow", "show", "a\u{9b}31m"], 1, "\\u{9b}"),
        case(&["flow", "rm", ""], 2, "the flow name is empty"),
        case(&["flow", "rm", "no such flow"], 1, "no such flow"),
        case(&["flow", "render", "nope"], 1, "nope"),
        case(&["flow", "revisions", ""], 2, "the flow name is empty"),
        case(
            &["flow", "deploy", "daily sales", "--timeout", "-5"],
            2,
            "from 1 to 86400 seconds",
        ),
        case(
            &["flow", "deploy", "daily sales", "--timeout", "0"],
            2,
            "from 1 to 86400 seconds",
        ),
        case(
            &["flow", "deploy", "daily sales", "--timeout", "soon"],
            2,
            "not a whole number; use a whole number from 1 to 86400 seconds; see `flowdeck flow deploy --help`",
        ),
        case(
            &[
                "flow",
                "deploy",
                "daily sales",
                "--timeout",
                "99999999999999999999999",
            ],
            2,
            "from 1 to 86400",
        ),
        case(
            &[
                "run",
                "logs",
                "daily sales",
                "manual__x",
                "extract",
                "--try",
                "0",
            ],
            2,
            "from 1 to 10000",
        ),
        case(
            &[
                "run",
                "logs",
                "daily sales",
                "manual__x",
                "extract",
                "--try",
                "-1",
            ],
            2,
            "from 1 to 10000",
        ),
        case(
            &["run", "logs", "daily sales", "", "extract"],
            2,
            "the run id is empty",
        ),
        case(
            &["run", "logs", "daily sales", "r", ""],
            2,
            "the task id is empty",
        ),
        case(
            &["run", "list", "daily sales", "--limit", "0"],
            2,
            "from 1 to 1000",
        ),
        case(
            &["run", "trigger", "daily sales", "--conf", "{bad"],
            1,
            "--conf is not valid JSON",
        ),
        case(
            &["run", "trigger", "daily sales", "--conf", "[1]"],
            1,
            "must be a JSON object",
        ),
        case(
            &["run", "trigger", "daily sales", "--param", "region"],
            1,
            "--param `region` needs NAME=VALUE",
        ),
        case(
            &["run", "trigger", "daily sales", "--param", "limit=5"],
            1,
            "flow `daily sales` has no run parameter `limit`; its run parameters: region",
        ),
        case(
            &["run", "trigger", "daily sales", "--wait", "--timeout", "-1"],
            2,
            "from 1 to 86400",
        ),
        case(&["run", "trigger", ""], 2, "the flow name is empty"),
        case(&["function", "show", ""], 2, "the function name is empty"),
        case(&["function", "rm", ""], 2, "the function name is empty"),
        case(&["function", "rm", "nope"], 1, "nope"),
        case(
            &["function", "add", "", "--function", "f"],
            2,
            "the file name is empty",
        ),
        case(
            &["function", "add", "{in}/etl.py", "--function", ""],
            2,
            "the function name is empty",
        ),
        case(&["flow", "frobnicate"], 2, "frobnicate"),
        case(&["flow", "list", "--jsn"], 2, "--jsn"),
        case(&["flow", "show"], 2, "<NAME>"),
        case(&["flow", "import", ""], 2, "the file name is empty"),
        // ----- output paths that would destroy data -----
        case(
            &["flow", "export", "daily sales", "-o", "{db}"],
            1,
            "flowdeck's database",
        ),
        case(
            &["flow", "export", "daily sales", "-o", "{db}", "--force"],
            1,
            "flowdeck's database",
        ),
        case(
            &["flow", "export", "daily sales", "-o", "{config}", "--force"],
            1,
            "config file",
        ),
        case(
            &[
                "flow",
                "export",
                "daily sales",
                "-o",
                "{dagfile}",
                "--force",
            ],
            1,
            "inside the dags folder",
        ),
        case(
            &["flow", "export", "daily sales", "-o", "{dags}/new.toml"],
            1,
            "inside the dags folder",
        ),
        case(
            &[
                "flow",
                "export",
                "daily sales",
                "-o",
                "{dags}/flowdeck_functions/etl.py",
                "--force",
            ],
            1,
            "inside the dags folder",
        ),
        case(
            &["flow", "export", "daily sales", "-o", "{in}/etl.py"],
            1,
            "add --force",
        ),
        case(
            &["flow", "export", "daily sales", "-o", "{in}"],
            1,
            "is a folder",
        ),
        case(
            &["flow", "export", "daily sales", "-o", "{in}", "--force"],
            1,
            "is a folder",
        ),
        case(
            &[
                "flow",
                "export",
                "daily sales",
                "-o",
                "{dir}/db-link",
                "--force",
            ],
            1,
            "flowdeck's database",
        ),
        // ----- library files -----
        case(
            &["function", "add", "{in}/broken.py", "--function", "f"],
            1,
            "not valid Python: line 1",
        ),
        case(
            &["function", "add", "{in}/latin.py", "--function", "f"],
            1,
            "not UTF-8",
        ),
        case(
            &["function", "add", "{in}/nul.py", "--function", "f"],
            1,
            "null byte",
        ),
        case(
            &["function", "add", "{in}/my-etl.py", "--function", "load"],
            1,
            "cannot be imported",
        ),
        case(
            &["function", "add", "{in}/json.py", "--function", "load"],
            1,
            "cannot be imported",
        ),
        case(
            &["function", "add", "{in}/empty.py", "--function", "f"],
            1,
            "defines no functions that can be registered",
        ),
        case(
            &["function", "add", "{in}/etl.py", "--function", "transform"],
            1,
            "it defines: extract, load",
        ),
        case(
            &["function", "add", "{shared}/big.py", "--function", "f"],
            1,
            "at most 5 MB",
        ),
        case(
            &["function", "add", "{in}/folder.py", "--function", "f"],
            1,
            "not a Python file",
        ),
        case(
            &["function", "add", "{in}/notes.txt", "--function", "f"],
            1,
            "not a Python file",
        ),
        case(
            &["function", "add", "{in}/missing.py", "--function", "f"],
            1,
            "no such file",
        ),
        case(
            &["function", "add", "{in}/other.py", "--function", "extract"],
            1,
            "already exists",
        ),
        case(
            &[
                "function",
                "add",
                "{in}/etl.py",
                "--function",
                "extract",
                "--name",
                " ",
            ],
            1,
            "the function name is empty",
        ),
        case(
            &["function", "add", "{db}", "--function", "f"],
            1,
            "not a Python file",
        ),
        case(
            &["function", "add", "{dagfile}", "--function", "f"],
            1,
            "no top-level function `f`",
        ),
        case(
            &[
                "--config",
                "{in}/cfg_no_python.toml",
                "function",
                "add",
                "{in}/other.py",
                "--function",
                "extract",
                "--name",
                "other",
            ],
            1,
            "`program = \"/path/to/python3\"` under [python]",
        ),
        case(
            &[
                "--config",
                "{in}/cfg_false_python.toml",
                "function",
                "add",
                "{in}/other.py",
                "--function",
                "extract",
                "--name",
                "other",
            ],
            1,
            "cannot check",
        ),
        // ----- flow documents -----
        case(
            &["flow", "import", "{in}/not_toml.toml"],
            1,
            "not_toml.toml",
        ),
        case(&["flow", "import", "{in}/empty.toml"], 1, "empty.toml"),
        case(
            &["flow", "import", "{in}/date_9999.toml"],
            1,
            "from 1970-01-01 to 2099-12-31",
        ),
        case(
            &["flow", "import", "{in}/date_0000.toml"],
            1,
            "from 1970-01-01 to 2099-12-31",
        ),
        case(
            &["flow", "import", "{in}/date_13.toml"],
            1,
            "is not a date like 2024-11-11",
        ),
        case(
            &["flow", "import", "{in}/retries_i64.toml"],
            1,
            "from 0 to 2147483647",
        ),
        case(
            &["flow", "import", "{in}/retries_2_31.toml"],
            1,
            "from 0 to 2147483647",
        ),
        case(
            &["flow", "import", "{in}/retries_neg.toml"],
            1,
            "from 0 to 2147483647",
        ),
        case(
            &["flow", "import", "{in}/delay_huge.toml"],
            1,
            "at most 2147483647 s",
        ),
        case(
            &["flow", "import", "{in}/pool_slots_0.toml"],
            1,
            "from 1 to 2147483647",
        ),
        case(
            &["flow", "import", "{in}/unknown_option.toml"],
            1,
            "did you mean `retries`",
        ),
        case(&["flow", "import", "{in}/bad_schedule.toml"], 1, "schedule"),
        case(&["flow", "import", "{in}/empty_name.toml"], 1, "name"),
        case(&["flow", "import", "{in}/unknown_function.toml"], 1, "nope"),
        case(&["flow", "import", "{in}/unknown_key.toml"], 1, "colour"),
        case(&["flow", "import", "{in}/dup_tasks.toml"], 1, "`a`"),
        case(&["flow", "import", "{in}/cycle.toml"], 1, "cycle"),
        case(&["flow", "import", "{in}/bad_task_id.toml"], 1, "class"),
        case(
            &["flow", "import", "{in}/long_tag.toml"],
            1,
            "1 to 100 characters",
        ),
        case(
            &["flow", "import", "{in}/defaults_huge.toml"],
            1,
            "from 0 to 2147483647",
        ),
        case(&["flow", "import", "{in}/missing_input.toml"], 1, "rows"),
        case(
            &["flow", "import", "{in}/nothing-here.toml"],
            1,
            "cannot read",
        ),
        case(&["flow", "import", "{db}"], 1, "db.redb"),
        case(&["flow", "import", "{dags}"], 1, "cannot read"),
        // ----- config -----
        case(
            &["--config", "{in}/cfg_timeout_0.toml", "flow", "list"],
            1,
            "`timeout_secs` in [airflow]",
        ),
        case(
            &["--config", "{in}/cfg_timeout_huge.toml", "flow", "list"],
            1,
            "from 1 to 600 seconds",
        ),
        case(
            &["--config", "{in}/cfg_poll_0.toml", "flow", "list"],
            1,
            "`poll_interval_secs`",
        ),
        case(
            &["--config", "{in}/cfg_deploy_0.toml", "flow", "list"],
            1,
            "`deploy_timeout_secs`",
        ),
        case(
            &["--config", "{in}/cfg_unknown.toml", "flow", "list"],
            1,
            "line 2",
        ),
        case(
            &["--config", "{in}/cfg_not_toml.toml", "flow", "list"],
            1,
            "is not valid",
        ),
        case(
            &["--config", "{in}/nowhere.toml", "flow", "list"],
            1,
            "no such file",
        ),
        case(&["--config", "{db}", "flow", "list"], 1, "config file"),
    ];
    v.push(with_env(
        case(
            &["--config", "{in}/cfg_url_password.toml", "status"],
            1,
            "`url` in [airflow]",
        ),
        "FLOWDECK_AIRFLOW_URL",
        UNSET,
    ));
    // ----- environment -----
    v.push(with_env(
        case(&["status"], 1, "FLOWDECK_AIRFLOW_USERNAME"),
        "FLOWDECK_AIRFLOW_URL",
        "http://admin:hunter2@127.0.0.1:9",
    ));
    v.push(with_env(
        case(&["run", "list", "daily sales"], 1, "must not contain `?`"),
        "FLOWDECK_AIRFLOW_URL",
        "http://127.0.0.1:9/?token=hunter2",
    ));
    v.push(with_env(
        case(&["status"], 1, "http:// or https://"),
        "FLOWDECK_AIRFLOW_URL",
        "ftp://127.0.0.1:9",
    ));
    v.push(with_env(
        case(&["status"], 1, "is not a URL"),
        "FLOWDECK_AIRFLOW_URL",
        "127.0.0.1 8080",
    ));
    v.push(with_env(
        case(
            &["flow", "deploy", "daily sales"],
            1,
            "is a file, not a folder",
        ),
        "FLOWDECK_DAGS_FOLDER",
        "{in}/dags_is_a_file",
    ));
    v.push(with_env(
        case(
            &[
                "function",
                "add",
                "{in}/other.py",
                "--function",
                "extract",
                "--name",
                "x",
            ],
            1,
            "is a file, not a folder",
        ),
        "FLOWDECK_DAGS_FOLDER",
        "{in}/dags_is_a_file",
    ));
    v.push(with_env(
        case(&["flow", "reconcile"], 1, "is a file, not a folder"),
        "FLOWDECK_DAGS_FOLDER",
        "{in}/dags_is_a_file",
    ));
    v.push(with_env(
        case(&["run", "list", "daily sales"], 1, "not reachable"),
        "FLOWDECK_AIRFLOW_URL",
        "http://127.0.0.1:9",
    ));
    v
}

fn fill(text: &str, dir: &Path, shared: &Path) -> String {
    let fx = Fx::new_unseeded_paths(dir);
    text.replace("{dir}", &dir.display().to_string())
        .replace("{db}", &fx.db().display().to_string())
        .replace("{dagfile}", &fx.dag_file().display().to_string())
        .replace("{dags}", &fx.dags().display().to_string())
        .replace("{config}", &fx.config().display().to_string())
        .replace("{in}", &dir.join("inputs").display().to_string())
        .replace("{shared}", &shared.display().to_string())
}

trait Paths {
    fn new_unseeded_paths(dir: &Path) -> Fx;
}

impl Paths for Fx {
    /// The paths of a scratch folder that already exists (nothing is created).
    fn new_unseeded_paths(dir: &Path) -> Fx {
        Fx {
            dir: dir.to_path_buf(),
            airflow_url: "http://127.0.0.1:9".into(),
            env: Vec::new(),
        }
    }
}

#[test]
fn every_bad_input_gets_one_line_and_changes_nothing() {
    let s = seeded();
    let all = cases();
    assert!(all.len() >= 60, "{} cases", all.len());
    let shared_before = tree(&s.shared);
    let mut failures = Vec::new();
    for (n, c) in all.iter().enumerate() {
        let dir = s._tmp.path().join(format!("case{n}"));
        copy_tree(&s.seed, &dir);
        std::os::unix::fs::symlink(dir.join("db.redb"), dir.join("db-link")).unwrap();
        let mut fx = Fx::new_unseeded_paths(&dir);
        for (k, v) in &c.env {
            fx.env.push(((*k).to_string(), fill(v, &dir, &s.shared)));
        }
        let args: Vec<String> = c.args.iter().map(|a| fill(a, &dir, &s.shared)).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let before = disk(&dir);
        let out = fx.run(&args);
        let what = format!(
            "case {n} {:?}",
            c.args
                .iter()
                .map(|a| a.chars().take(60).collect::<String>())
                .collect::<Vec<_>>()
        );
        let result = std::panic::catch_unwind(|| {
            assert_one_line_failure(&out, c.code, &what);
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains(c.says),
                "{what}: expected {:?} in {err}",
                c.says
            );
            assert!(
                !err.contains("hunter2"),
                "{what}: a secret was shown: {err}"
            );
            assert!(
                err.chars().count() < 1_200,
                "{what}: {} characters",
                err.chars().count()
            );
        });
        if let Err(e) = result {
            failures.push(
                e.downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| format!("{what}: failed")),
            );
        }
        let after = disk(&dir);
        let diff = changed(&before.0, &after.0);
        if !diff.is_empty() {
            failures.push(format!("{what}: the disk changed: {diff:?}"));
        }
        if before.1 != after.1 {
            failures.push(format!("{what}: the database changed"));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
    assert_eq!(tree(&s.shared), shared_before, "the shared inputs changed");
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

/// Every subcommand with each of its arguments in turn pointing at the database, the
/// dags folder, the DAG file and the library file: none of them changes the database or
/// the dags folder (none of these calls is one whose job is to change them).
#[test]
fn no_subcommand_pointed_at_the_database_or_the_dags_folder_changes_them() {
    let s = seeded();
    // `@` marks the argument that takes each target in turn.
    let commands: &[&[&str]] = &[
        &["function", "add", "@", "--function", "extract"],
        &["function", "add", "{in}/etl.py", "--function", "@"],
        &["function", "show", "@"],
        &["function", "rm", "@"],
        &["flow", "import", "@"],
        &["flow", "export", "@"],
        &["flow", "export", "daily sales", "-o", "@"],
        &["flow", "export", "daily sales", "-o", "@", "--force"],
        &["flow", "show", "@"],
        &["flow", "rm", "@"],
        &["flow", "revisions", "@"],
        &["flow", "render", "@"],
        &["flow", "deploy", "@"],
        &["flow", "deploy", "@", "--wait", "--timeout", "1"],
        &["run", "trigger", "@"],
        &["run", "list", "@"],
        &["run", "logs", "daily sales", "@", "extract"],
        &["run", "logs", "daily sales", "r", "@"],
        &["run", "clear", "daily sales", "r", "@"],
        &["--config", "@", "flow", "list"],
        &["--config", "@", "flow", "deploy", "daily sales"],
        &["--dags-folder", "@", "flow", "deploy", "daily sales"],
        &["--dags-folder", "@", "flow", "reconcile", "--repair"],
        &[
            "--dags-folder",
            "@",
            "function",
            "add",
            "{in}/other.py",
            "--function",
            "extract",
            "--name",
            "x",
        ],
        &["--db", "@", "flow", "list"],
    ];
    let targets = [
        "{db}",
        "{dags}",
        "{dagfile}",
        "{dags}/flowdeck_functions/etl.py",
    ];
    let dir = s._tmp.path().join("property");
    let mut failures = Vec::new();
    let mut runs = 0;
    for command in commands {
        for target in targets {
            // `--dags-folder {dags}` is the configured folder: deploying there is the job.
            if command[0] == "--dags-folder" && target == "{dags}" {
                continue;
            }
            copy_tree(&s.seed, &dir);
            let fx = Fx::new_unseeded_paths(&dir);
            let args: Vec<String> = command
                .iter()
                .map(|a| fill(&a.replace('@', target), &dir, &s.shared))
                .collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let db_before = db_dump(&fx.db());
            let dags_before = tree(&fx.dags());
            let out = fx.run(&args);
            runs += 1;
            let err = String::from_utf8_lossy(&out.stderr);
            if err.contains("panicked") || out.status.code() == Some(101) {
                failures.push(format!("{command:?} with {target}: panic: {err}"));
            }
            if db_dump(&fx.db()) != db_before {
                failures.push(format!(
                    "{command:?} with {target}: the database changed ({err})"
                ));
            }
            let diff = changed(&dags_before, &tree(&fx.dags()));
            if !diff.is_empty() {
                failures.push(format!(
                    "{command:?} with {target}: the dags folder changed: {diff:?} ({err})"
                ));
            }
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
    assert!(runs > 90, "{runs}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
