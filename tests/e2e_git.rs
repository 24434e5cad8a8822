//! End-to-end through Git against the real Airflow of scripts/dev-airflow.sh, which reads
//! the bare repository FLOWDECK_GIT_REPO as the GitDagBundle `flows` (stock
//! refresh_interval): the real `flowdeck` binary deploys a three-task flow with XCom
//! inputs from a clone of it until ready, a run succeeds, an edit is ready, a colleague's
//! unrelated push meanwhile is replayed under the next deploy, a colleague's change to
//! flowdeck's file is refused, and a rollback is ready on the older render.

use flowdeck::airflow::{AirflowConfig, Client};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod e2e_common;
use e2e_common::unique;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

struct GitEnv {
    dir: tempfile::TempDir,
    url: String,
    repo: PathBuf,
    clone: PathBuf,
}

/// The test Airflow and its Git bundle's repository; `None` (skipped) without them,
/// which FLOWDECK_REQUIRE_AIRFLOW turns into a failure.
fn git_env() -> Option<GitEnv> {
    let url = std::env::var("FLOWDECK_AIRFLOW_URL").ok();
    let repo = std::env::var("FLOWDECK_GIT_REPO")
        .ok()
        .map(PathBuf::from)
        .filter(|r| r.join("HEAD").exists());
    let (Some(url), Some(repo)) = (url, repo) else {
        assert!(
            std::env::var("FLOWDECK_REQUIRE_AIRFLOW").is_err(),
            "FLOWDECK_REQUIRE_AIRFLOW is set but FLOWDECK_AIRFLOW_URL / FLOWDECK_GIT_REPO (an existing bare repository) are not: start Airflow with scripts/dev-airflow.sh"
        );
        eprintln!("skipped: no Airflow with a Git bundle (scripts/dev-airflow.sh start)");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let clone = dir.path().join("clone");
    git(
        dir.path(),
        &[
            "clone",
            "-q",
            repo.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    git(&clone, &["config", "user.name", "Ada Ops"]);
    git(&clone, &["config", "user.email", "ada@example.com"]);
    std::fs::write(
        dir.path().join("config.toml"),
        format!(
            "[airflow]\ntimeout_secs = 60\n\n[environments.git]\nurl = \"{url}\"\nusername = \"admin\"\npassword_env = \"FLOWDECK_AIRFLOW_PASSWORD\"\ngit = {{ path = \"{}\", branch = \"main\", dags_subdir = \"dags\", bundle = \"{}\" }}\n",
            clone.display(),
            std::env::var("FLOWDECK_GIT_BUNDLE").unwrap_or_else(|_| "flows".into())
        ),
    )
    .unwrap();
    Some(GitEnv {
        dir,
        url,
        repo,
        clone,
    })
}

impl GitEnv {
    fn flowdeck(&self, args: &[&str]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_flowdeck"))
            .env("FLOWDECK_DB", self.dir.path().join("db.redb"))
            .env("FLOWDECK_CONFIG", self.dir.path().join("config.toml"))
            // The environment names its URL and DAG target: no overrides beside it.
            .env_remove("FLOWDECK_DAGS_FOLDER")
            .env_remove("FLOWDECK_AIRFLOW_URL")
            .env(
                "FLOWDECK_AIRFLOW_PASSWORD",
                std::env::var("FLOWDECK_AIRFLOW_PASSWORD").unwrap_or_else(|_| "admin".into()),
            )
            .args(args)
            .output()
            .unwrap();
        eprintln!(
            "$ flowdeck {}\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.flowdeck(args);
        assert!(out.status.success(), "flowdeck {args:?} failed");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    fn client(&self) -> Client {
        Client::new(AirflowConfig::new(
            self.url.clone(),
            std::env::var("FLOWDECK_AIRFLOW_USERNAME").unwrap_or_else(|_| "admin".into()),
            std::env::var("FLOWDECK_AIRFLOW_PASSWORD").unwrap_or_else(|_| "admin".into()),
        ))
        .unwrap()
    }

    /// A colleague's clone that makes a commit and pushes it.
    fn colleague_pushes(&self, change: impl FnOnce(&Path)) {
        let other = self.dir.path().join("bob");
        if !other.exists() {
            git(
                self.dir.path(),
                &[
                    "clone",
                    "-q",
                    self.repo.to_str().unwrap(),
                    other.to_str().unwrap(),
                ],
            );
            git(&other, &["config", "user.name", "Bob Colleague"]);
            git(&other, &["config", "user.email", "bob@example.com"]);
        }
        git(&other, &["pull", "-q", "--rebase"]);
        change(&other);
        git(&other, &["add", "-A"]);
        git(&other, &["commit", "-qm", "bob's change"]);
        git(&other, &["push", "-q"]);
    }
}

impl GitEnv {
    /// Takes this run's library module out of the shared repository again (its flows
    /// are removed by then).
    fn forget_module(&self, module: &str) {
        let file = format!("dags/flowdeck_functions/{module}.py");
        self.colleague_pushes(|dir| std::fs::remove_file(dir.join(&file)).unwrap());
    }
}

fn flow_doc(name: &str, extra_task: bool) -> String {
    let mut doc = format!(
        r#"[flow]
name = "{name}"
description = "three tasks, outputs wired into inputs, deployed through Git"
tags = ["e2e", "git"]

[[tasks]]
id = "extract"
function = "extract"
[tasks.inputs]
day = "{{{{ ds }}}}"
region = {{ param = "region" }}

[[tasks]]
id = "load_all"
function = "load"
[tasks.inputs]
rows = {{ task = "extract", key = "rows" }}
total = {{ task = "extract", key = "total" }}
region = {{ param = "region" }}

[[tasks]]
id = "load_again"
function = "load"
[tasks.options]
retries = 0
[tasks.inputs]
rows = {{ task = "extract", key = "rows" }}
total = 60
region = "eu"
"#
    );
    if extra_task {
        doc.push_str(
            r#"
[[tasks]]
id = "load_more"
function = "load"
[tasks.inputs]
rows = { task = "extract", key = "rows" }
total = { task = "extract", key = "total" }
region = "eu"
"#,
        );
    }
    doc
}

#[test]
fn a_flow_deployed_through_git_is_ready_runs_survives_others_pushes_and_rolls_back() {
    let Some(env) = git_env() else { return };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = env.client();
    // A module name of its own: the repository is shared by every run of this test.
    let module = format!("sales_{}", std::process::id());
    let udf = env.write(
        &format!("{module}.py"),
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/sales.py"),
        )
        .unwrap(),
    );
    for f in ["extract", "load"] {
        env.ok(&["function", "add", &udf, "--function", f]);
    }
    let name = unique("git sales");
    let id = flowdeck::model::ids::flow_id_for(&name);
    let doc = env.write("flow.toml", &flow_doc(&name, false));
    env.ok(&["flow", "import", &doc]);

    // v1: committed, pushed, ready; Airflow reports the pushed commit.
    let out = env.ok(&["flow", "deploy", &name, "--wait", "--timeout", "120"]);
    assert!(
        out.contains("ready") && out.contains("from commit"),
        "{out}"
    );
    let v1_commit = git(&env.clone, &["rev-parse", "HEAD"]);
    assert_eq!(git(&env.repo, &["rev-parse", "main"]), v1_commit);
    let dag = rt.block_on(client.get_dag_details(&id)).unwrap();
    assert_eq!(dag.bundle_name.as_deref(), Some("flows"));
    assert_eq!(dag.bundle_version.as_deref(), Some(v1_commit.as_str()));
    let subject = git(&env.clone, &["log", "-1", "--format=%an|%s"]);
    assert_eq!(
        subject,
        format!("Ada Ops|flowdeck: deploy {name} ({id}) v1")
    );

    // A run succeeds (outputs wired through XCom).
    let run = env.ok(&[
        "run",
        "trigger",
        &name,
        "--conf",
        r#"{"region": "eu"}"#,
        "--wait",
        "--timeout",
        "300",
    ]);
    assert!(run.contains(": success"), "{run}");

    // v2 (a fourth task) → ready.
    let doc = env.write("flow.toml", &flow_doc(&name, true));
    env.ok(&["flow", "import", &doc]);
    let out = env.ok(&["flow", "deploy", &name, "--wait", "--timeout", "120"]);
    assert!(out.contains("ready"), "{out}");
    let tasks = rt.block_on(client.dag_tasks(&id)).unwrap();
    assert_eq!(tasks.len(), 4);

    // A colleague pushes an unrelated commit; the next deploy still lands on top.
    let note = format!("notes/{}.md", id);
    env.colleague_pushes(|dir| {
        std::fs::create_dir_all(dir.join("notes")).unwrap();
        std::fs::write(dir.join(&note), "unrelated\n").unwrap();
    });
    let bob_commit = git(&env.repo, &["rev-parse", "main"]);
    let doc = env.write(
        "flow.toml",
        &flow_doc(&name, true).replace("deployed through Git", "deployed through Git, v3"),
    );
    env.ok(&["flow", "import", &doc]);
    let out = env.ok(&["flow", "deploy", &name, "--wait", "--timeout", "120"]);
    assert!(out.contains("ready"), "{out}");
    let v3_commit = git(&env.clone, &["rev-parse", "HEAD"]);
    assert_eq!(git(&env.clone, &["rev-parse", "HEAD~1"]), bob_commit);
    assert!(env.clone.join(&note).exists());

    // A colleague changes flowdeck's DAG file: the next deploy is refused, naming them.
    let dag_rel = format!("dags/{id}.py");
    env.colleague_pushes(|dir| {
        let path = dir.join(&dag_rel);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("v3", "edited by bob")).unwrap();
    });
    let remote_before = git(&env.repo, &["rev-parse", "main"]);
    let doc = env.write(
        "flow.toml",
        &flow_doc(&name, true).replace("deployed through Git", "deployed through Git, v4"),
    );
    env.ok(&["flow", "import", &doc]);
    let out = env.flowdeck(&["flow", "deploy", &name, "--wait", "--timeout", "120"]);
    assert!(!out.status.success());
    let line = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(line.trim_end().lines().count(), 1, "{line}");
    assert!(
        line.contains(&dag_rel) && line.contains("Bob Colleague <bob@example.com>"),
        "{line}"
    );
    assert_eq!(git(&env.repo, &["rev-parse", "main"]), remote_before);
    assert_eq!(git(&env.clone, &["rev-parse", "HEAD"]), v3_commit);
    // Pulled, the deploy replaces the hand edit (flowdeck's header kept) and is ready.
    git(&env.clone, &["pull", "-q", "--rebase"]);
    let out = env.ok(&["flow", "deploy", &name, "--wait", "--timeout", "120"]);
    assert!(out.contains("ready"), "{out}");

    // Rollback to v1: a new version, a new commit restoring v1's render (only the
    // header's version line differs), ready with v1's three tasks.
    let store = flowdeck::store::Store::open(&env.dir.path().join("db.redb")).unwrap();
    let v1 = store.revision(&id, 1).unwrap().unwrap();
    drop(store);
    let doc = env.write("rollback.toml", &v1.text());
    env.ok(&["flow", "import", &doc]);
    let out = env.ok(&["flow", "deploy", &name, "--wait", "--timeout", "120"]);
    assert!(out.contains("ready"), "{out}");
    let rollback_commit = git(&env.clone, &["rev-parse", "HEAD"]);
    assert_ne!(rollback_commit, v1_commit);
    let diff = git(
        &env.clone,
        &["diff", "-U0", &v1_commit, &rollback_commit, "--", &dag_rel],
    );
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert!(
        changed
            .iter()
            .all(|l| l.contains("flowdeck-flow-version") || l.contains("flowdeck render")),
        "{changed:?}"
    );
    let tasks = rt.block_on(client.dag_tasks(&id)).unwrap();
    assert_eq!(tasks.len(), 3);
    let dag = rt.block_on(client.get_dag_details(&id)).unwrap();
    assert_eq!(
        dag.bundle_version.as_deref(),
        Some(rollback_commit.as_str())
    );
    let revisions = env.ok(&["flow", "revisions", &name]);
    assert!(
        revisions.contains(&format!("(commit {})", &rollback_commit[..10]))
            && revisions.contains(&format!("(commit {})", &v1_commit[..10])),
        "{revisions}"
    );

    // flow rm commits the removal.
    let out = env.ok(&["flow", "rm", &name]);
    assert!(out.contains("pushed"), "{out}");
    let files = git(&env.repo, &["ls-tree", "-r", "--name-only", "main"]);
    assert!(!files.contains(&dag_rel), "{files}");
    // The colleague's note goes too (the repository is shared by every run).
    env.colleague_pushes(|dir| std::fs::remove_file(dir.join(&note)).unwrap());
    env.forget_module(&module);
}

#[test]
fn with_git_sync_flowdeck_waits_for_the_sync_period_and_says_so() {
    let Some(env) = git_env() else { return };
    // git-sync (or an Airflow that cannot be asked): no nudge, a wait that says why.
    let config = std::fs::read_to_string(env.dir.path().join("config.toml")).unwrap();
    std::fs::write(
        env.dir.path().join("config.toml"),
        config.replace(", bundle = \"", ", sync_wait_secs = 60, bundle = \""),
    )
    .unwrap();
    let module = format!("sync_{}", std::process::id());
    let udf = env.write(
        &format!("{module}.py"),
        "def step(n=0):\n    return n + 1\n",
    );
    env.ok(&["function", "add", &udf, "--function", "step"]);
    let name = unique("git sync");
    let doc = env.write(
        "flow.toml",
        &format!("[flow]\nname = \"{name}\"\n[[tasks]]\nid = \"a\"\nfunction = \"step\"\n"),
    );
    env.ok(&["flow", "import", &doc]);
    let out = env.flowdeck(&["flow", "deploy", &name, "--wait", "--timeout", "12"]);
    let err = String::from_utf8_lossy(&out.stderr);
    // Airflow may still load it meanwhile (another deploy to the same bundle asked it
    // to fetch); what matters is that flowdeck did not ask and said what it waits for.
    assert!(
        err.contains(
            "waiting for git-sync to pull it (every 60 s) and for Airflow to parse it, 0 s so far"
        ),
        "{err}"
    );
    // The commit was pushed all the same.
    let id = flowdeck::model::ids::flow_id_for(&name);
    let files = git(&env.repo, &["ls-tree", "-r", "--name-only", "main"]);
    assert!(files.contains(&format!("dags/{id}.py")), "{files}");
    env.ok(&["flow", "rm", &name]);
    env.forget_module(&module);
}

#[test]
fn an_import_error_from_the_git_bundle_is_mapped_to_the_task() {
    let Some(env) = git_env() else { return };
    let module = format!("broken_{}", std::process::id());
    let udf = env.write(
        &format!("{module}.py"),
        "def extract(day):\n    return day\n",
    );
    env.ok(&["function", "add", &udf, "--function", "extract"]);
    let name = unique("git broken");
    let doc = |code: &str| {
        format!(
            "[flow]\nname = \"{name}\"\n\n[[tasks]]\nid = \"extract\"\nfunction = \"extract\"\npython_callable = {}\n[tasks.inputs]\nday = \"{{{{ ds }}}}\"\n",
            flowdeck::model::literal::python_str(code)
        )
    };
    let broken = env.write(
        "broken.toml",
        &doc("raise RuntimeError('boom at import')\ndef extract(day):\n    return day\n"),
    );
    env.ok(&["flow", "import", &broken]);
    let out = env.flowdeck(&["flow", "deploy", &name, "--wait", "--timeout", "120"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(text.contains("import error (in task `extract`)"), "{text}");
    assert!(text.contains("boom at import"), "{text}");
    let fixed = env.write(
        "fixed.toml",
        &doc("def extract(day):\n    print('fixed', day)\n    return day\n"),
    );
    env.ok(&["flow", "import", &fixed]);
    let deployed = env.ok(&["flow", "deploy", &name, "--wait", "--timeout", "120"]);
    assert!(deployed.contains("ready"), "{deployed}");
    env.ok(&["flow", "rm", &name]);
    env.forget_module(&module);
}
