//! Deploying through Git with the real binary and real `git`: a bare repository on the
//! local disk as the remote, the operator's clone, and a second clone standing for a
//! colleague. No Airflow is needed: `flow deploy` without `--wait` renders, commits and
//! pushes (tests/e2e_git.rs adds the real Airflow reading the repository as a bundle).

mod cli_common;

use cli_common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

struct Repo {
    fx: Fx,
    remote: PathBuf,
    clone: PathBuf,
}

impl Repo {
    /// A bare remote with a first commit (a README and someone's own DAG file), the
    /// operator's clone of it, and flowdeck configured with one environment deploying
    /// there.
    fn new(dir: &Path) -> Repo {
        let fx = Fx::new(dir);
        let remote = dir.join("remote.git");
        let seed = dir.join("seed");
        let clone = dir.join("clone");
        git(
            dir,
            &[
                "init",
                "-q",
                "--bare",
                "-b",
                "main",
                remote.to_str().unwrap(),
            ],
        );
        git(dir, &["init", "-q", "-b", "main", seed.to_str().unwrap()]);
        std::fs::create_dir_all(seed.join("dags")).unwrap();
        std::fs::write(seed.join("README.md"), "the team's DAGs\n").unwrap();
        std::fs::write(seed.join("dags/hand_made.py"), "# someone's own DAG\n").unwrap();
        git(&seed, &["add", "."]);
        git(
            &seed,
            &[
                "-c",
                "user.name=Seed",
                "-c",
                "user.email=seed@x",
                "commit",
                "-qm",
                "first",
            ],
        );
        git(&seed, &["push", "-q", remote.to_str().unwrap(), "main"]);
        git(
            dir,
            &[
                "clone",
                "-q",
                remote.to_str().unwrap(),
                clone.to_str().unwrap(),
            ],
        );
        git(&clone, &["config", "user.name", "Ada Ops"]);
        git(&clone, &["config", "user.email", "ada@example.com"]);
        std::fs::write(
            fx.config(),
            format!(
                "[environments.prod]\nurl = \"http://127.0.0.1:9\"\ngit = {{ path = \"{}\", branch = \"main\", dags_subdir = \"dags\" }}\n",
                clone.display()
            ),
        )
        .unwrap();
        let mut fx = fx;
        fx.env.push(("FLOWDECK_DAGS_FOLDER".into(), UNSET.into()));
        fx.env.push(("FLOWDECK_AIRFLOW_URL".into(), UNSET.into()));
        Repo { fx, remote, clone }
    }

    fn seed(&self) {
        let etl = self.fx.file("inputs/etl.py", etl_source().as_bytes());
        self.fx
            .ok(&["function", "add", &etl, "--function", "extract"]);
        self.fx.ok(&["function", "add", &etl, "--function", "load"]);
        let doc = self
            .fx
            .file("inputs/daily_sales.toml", daily_sales().as_bytes());
        self.fx.ok(&["flow", "import", &doc]);
    }

    /// Saves the flow again with another description (a new version).
    fn edit(&self, description: &str) {
        let doc = daily_sales().replace(
            "description = \"Load yesterday's sales into the warehouse\"",
            &format!("description = \"{description}\""),
        );
        let doc = self.fx.file("inputs/edited.toml", doc.as_bytes());
        self.fx.ok(&["flow", "import", &doc]);
    }

    fn remote_log(&self) -> Vec<String> {
        git(&self.remote, &["log", "--format=%an <%ae>|%s", "main"])
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn dag_rel(&self) -> String {
        format!(
            "dags/{}.py",
            flowdeck::model::ids::flow_id_for("daily sales")
        )
    }

    /// A colleague's clone that pushes a commit.
    fn colleague_pushes(&self, name: &str, change: impl FnOnce(&Path)) {
        let other = self.fx.dir.join(name);
        if !other.exists() {
            git(
                &self.fx.dir,
                &[
                    "clone",
                    "-q",
                    self.remote.to_str().unwrap(),
                    other.to_str().unwrap(),
                ],
            );
            git(&other, &["config", "user.name", "Bob Colleague"]);
            git(&other, &["config", "user.email", "bob@example.com"]);
        }
        git(&other, &["pull", "-q"]);
        change(&other);
        git(&other, &["add", "-A"]);
        git(&other, &["commit", "-qm", "bob's change"]);
        git(&other, &["push", "-q"]);
    }
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn each_deploy_is_one_commit_by_the_operator_pushed_with_only_flowdeck_files() {
    let tmp = tempfile::tempdir().unwrap();
    let r = Repo::new(tmp.path());
    r.seed();
    let out = r.fx.ok(&["flow", "deploy", "daily sales"]);
    assert!(out.contains("and pushed to origin/main"), "{out}");
    let id = flowdeck::model::ids::flow_id_for("daily sales");
    let log = r.remote_log();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(
        log[0],
        format!("Ada Ops <ada@example.com>|flowdeck: deploy daily sales ({id}) v1")
    );
    // The DAG file and the library it imports, nothing else.
    let files = git(&r.remote, &["show", "--name-only", "--format=", "main"]);
    let mut files: Vec<&str> = files.lines().collect();
    files.sort();
    assert_eq!(
        files,
        [
            "dags/.airflowignore",
            &r.dag_rel(),
            "dags/flowdeck_functions/__init__.py",
            "dags/flowdeck_functions/etl.py"
        ]
    );
    let body = git(&r.remote, &["log", "-1", "--format=%B", "main"]);
    assert!(body.contains(&format!("Flowdeck-Flow: {id}")), "{body}");
    // The same render again: no commit.
    r.fx.ok(&["flow", "deploy", "daily sales"]);
    assert_eq!(r.remote_log().len(), 2);
    // An edit: one more commit, v2.
    r.edit("v2 of it");
    r.fx.ok(&["flow", "deploy", "daily sales"]);
    let log = r.remote_log();
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(log[0].ends_with(&format!("({id}) v2")), "{log:?}");
    // Someone's own file is never touched.
    assert_eq!(
        std::fs::read_to_string(r.clone.join("dags/hand_made.py")).unwrap(),
        "# someone's own DAG\n"
    );
    assert_eq!(git(&r.clone, &["status", "--porcelain"]), "");
}

#[test]
fn a_rejected_push_is_replayed_on_the_colleagues_commit_and_a_conflict_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let r = Repo::new(tmp.path());
    r.seed();
    r.fx.ok(&["flow", "deploy", "daily sales"]);
    // Meanwhile a colleague pushes an unrelated change.
    r.colleague_pushes("bob", |dir| {
        std::fs::write(dir.join("README.md"), "the team's DAGs, by bob\n").unwrap();
    });
    r.edit("v2 after bob");
    let out = r.fx.ok(&["flow", "deploy", "daily sales"]);
    assert!(
        out.contains("pushed to origin/main (after others' commits)"),
        "{out}"
    );
    let log = r.remote_log();
    assert!(
        log[0].ends_with(" v2") && log[1].contains("bob's change"),
        "{log:?}"
    );
    // Never a force-push: bob's commit is an ancestor of what the remote holds.
    assert_eq!(
        std::fs::read_to_string(r.clone.join("README.md")).unwrap(),
        "the team's DAGs, by bob\n"
    );
    // Bob edits flowdeck's DAG file by hand and pushes; the next deploy conflicts.
    let dag_rel = r.dag_rel();
    r.colleague_pushes("bob", |dir| {
        let path = dir.join(&dag_rel);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("v2 after bob", "bob was here")).unwrap();
    });
    let remote_before = git(&r.remote, &["rev-parse", "main"]);
    let clone_before = git(&r.clone, &["rev-parse", "HEAD"]);
    let file_before = std::fs::read(r.clone.join(&dag_rel)).unwrap();
    r.edit("v3 of ada");
    let line = r.fx.fails(1, &["flow", "deploy", "daily sales"]);
    assert!(
        line.contains(&dag_rel)
            && line.contains("Bob Colleague <bob@example.com>")
            && line.contains("nothing was pushed"),
        "{line}"
    );
    assert_eq!(git(&r.remote, &["rev-parse", "main"]), remote_before);
    assert_eq!(git(&r.clone, &["rev-parse", "HEAD"]), clone_before);
    assert_eq!(std::fs::read(r.clone.join(&dag_rel)).unwrap(), file_before);
    assert_eq!(git(&r.clone, &["status", "--porcelain"]), "");
    // The flow is still saved as v3.
    assert!(r.fx.ok(&["flow", "show", "daily sales"]).contains("3"));
    // After a pull, flowdeck's render replaces bob's hand edit (it keeps the header).
    git(&r.clone, &["pull", "-q"]);
    let out = r.fx.ok(&["flow", "deploy", "daily sales"]);
    assert!(out.contains("pushed"), "{out}");
    assert!(r.remote_log()[0].ends_with(" v3"));
}

#[test]
fn uncommitted_changes_in_the_dag_folder_are_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let r = Repo::new(tmp.path());
    r.seed();
    std::fs::write(
        r.clone.join("dags/hand_made.py"),
        "# edited, not committed\n",
    )
    .unwrap();
    std::fs::write(r.clone.join("dags/notes.txt"), "draft\n").unwrap();
    // Outside the DAG folder is the operator's business.
    std::fs::write(r.clone.join("README.md"), "local edit\n").unwrap();
    let line = r.fx.fails(1, &["flow", "deploy", "daily sales"]);
    assert!(
        line.contains("dags/hand_made.py")
            && line.contains("dags/notes.txt")
            && !line.contains("README"),
        "{line}"
    );
    assert_eq!(r.remote_log().len(), 1);
    assert_eq!(git(&r.clone, &["rev-list", "--count", "HEAD"]), "1");
    assert!(!r.clone.join(r.dag_rel()).exists());
}

#[test]
fn offline_commits_stay_local_and_are_pushed_in_order_later() {
    let tmp = tempfile::tempdir().unwrap();
    let r = Repo::new(tmp.path());
    r.seed();
    let url = r.remote.to_str().unwrap().to_string();
    let gone = tmp.path().join("unreachable.git");
    git(
        &r.clone,
        &["remote", "set-url", "origin", gone.to_str().unwrap()],
    );
    let out = r.fx.run(&["flow", "deploy", "daily sales"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("not pushed (1): cannot reach origin"),
        "{}",
        stdout(&out)
    );
    r.edit("v2 offline");
    let out = r.fx.run(&["flow", "deploy", "daily sales"]);
    assert!(stdout(&out).contains("not pushed (2)"), "{}", stdout(&out));
    assert_eq!(r.remote_log().len(), 1);
    git(&r.clone, &["remote", "set-url", "origin", &url]);
    let out = r.fx.ok(&["flow", "deploy", "daily sales"]);
    assert!(
        out.contains("pushed 2 waiting commit(s) to origin/main"),
        "{out}"
    );
    let log = r.remote_log();
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(
        log[0].ends_with(" v2") && log[1].ends_with(" v1"),
        "{log:?}"
    );
}

#[test]
fn removal_is_a_commit_and_revisions_name_the_commit_of_each_version() {
    let tmp = tempfile::tempdir().unwrap();
    let r = Repo::new(tmp.path());
    r.seed();
    r.fx.ok(&["flow", "deploy", "daily sales"]);
    // A deploy record reaches the history when it ends; without Airflow the revisions
    // still show the commit through the record of the latest deploy.
    let head = git(&r.clone, &["rev-parse", "HEAD"]);
    let store = flowdeck::store::Store::open(&r.fx.db()).unwrap();
    let id = flowdeck::model::ids::flow_id_for("daily sales");
    assert_eq!(
        store
            .deploy_in(&id, "prod")
            .unwrap()
            .unwrap()
            .commit
            .as_deref(),
        Some(head.as_str())
    );
    drop(store);
    let out = r.fx.ok(&["flow", "rm", "daily sales"]);
    assert!(out.contains("pushed to origin/main"), "{out}");
    let log = r.remote_log();
    assert_eq!(
        log[0],
        format!("Ada Ops <ada@example.com>|flowdeck: remove daily sales ({id})")
    );
    assert!(!r.clone.join(r.dag_rel()).exists());
    let files = git(&r.remote, &["ls-tree", "-r", "--name-only", "main"]);
    assert!(!files.contains(&r.dag_rel()), "{files}");
}

#[test]
fn bad_git_setups_are_one_line_each_with_nothing_half_committed() {
    let tmp = tempfile::tempdir().unwrap();
    let r = Repo::new(tmp.path());
    r.seed();
    type Step = Box<dyn Fn(&Repo)>;
    let cases: Vec<(&str, Step, Step, &str)> = vec![
        (
            "not a repository",
            Box::new(|r| std::fs::rename(r.clone.join(".git"), r.clone.join("git.moved")).unwrap()),
            Box::new(|r| std::fs::rename(r.clone.join("git.moved"), r.clone.join(".git")).unwrap()),
            "is not a Git repository",
        ),
        (
            "detached HEAD",
            Box::new(|r| {
                git(&r.clone, &["checkout", "-q", "--detach"]);
            }),
            Box::new(|r| {
                git(&r.clone, &["checkout", "-q", "main"]);
            }),
            "has a detached HEAD",
        ),
        (
            "no upstream",
            Box::new(|r| {
                git(&r.clone, &["branch", "--unset-upstream"]);
            }),
            Box::new(|r| {
                git(&r.clone, &["branch", "--set-upstream-to=origin/main"]);
            }),
            "has no upstream on `origin`",
        ),
        (
            "another branch",
            Box::new(|r| {
                git(&r.clone, &["checkout", "-q", "-b", "feature"]);
            }),
            Box::new(|r| {
                git(&r.clone, &["checkout", "-q", "main"]);
            }),
            "is on branch `feature`, the config deploys to `main`",
        ),
        (
            "an unpushed commit of the operator",
            Box::new(|r| {
                std::fs::write(r.clone.join("README.md"), "mine\n").unwrap();
                git(&r.clone, &["commit", "-qam", "my own work"]);
            }),
            Box::new(|r| {
                git(&r.clone, &["reset", "-q", "--hard", "origin/main"]);
            }),
            "1 unpushed commit(s) flowdeck did not make",
        ),
        (
            "a commit hook refuses",
            Box::new(|r| {
                let hook = r.clone.join(".git/hooks/pre-commit");
                std::fs::write(&hook, "#!/bin/sh\necho 'no DAGs on Fridays' >&2\nexit 1\n")
                    .unwrap();
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
            }),
            Box::new(|r| std::fs::remove_file(r.clone.join(".git/hooks/pre-commit")).unwrap()),
            "git commit was refused: no DAGs on Fridays",
        ),
    ];
    for (what, break_it, fix_it, expected) in cases {
        break_it(&r);
        let line = r.fx.fails(1, &["flow", "deploy", "daily sales"]);
        assert!(line.contains(expected), "{what}: {line}");
        fix_it(&r);
        // Nothing committed, nothing staged, no DAG file left behind; the flow is saved.
        assert_eq!(
            git(&r.clone, &["rev-list", "--count", "HEAD"]),
            "1",
            "{what}"
        );
        assert_eq!(
            git(&r.clone, &["diff", "--cached", "--name-only"]),
            "",
            "{what}"
        );
        assert!(!r.clone.join(r.dag_rel()).exists(), "{what}");
        assert!(r.fx.ok(&["flow", "list"]).contains("daily sales"), "{what}");
    }
    // The server refuses the push (a pre-receive hook standing for permissions).
    let hook = r.remote.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'ada may not push to main' >&2\nexit 1\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = r.fx.run(&["flow", "deploy", "daily sales"]);
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out);
    assert!(
        said.contains("not pushed (1): origin refused the push")
            && said.contains("ada may not push to main"),
        "{said}"
    );
    assert_eq!(r.remote_log().len(), 1);
    // Access fixed: the next deploy pushes the waiting commit.
    std::fs::remove_file(&hook).unwrap();
    assert!(r
        .fx
        .ok(&["flow", "deploy", "daily sales"])
        .contains("pushed"));
    assert_eq!(r.remote_log().len(), 2);
}

#[test]
fn a_repair_commits_the_removal_of_an_orphaned_dag_file() {
    let tmp = tempfile::tempdir().unwrap();
    let r = Repo::new(tmp.path());
    r.seed();
    r.fx.ok(&["flow", "deploy", "daily sales"]);
    // The flow goes from the database only: its DAG file in the clone is an orphan.
    let id = flowdeck::model::ids::flow_id_for("daily sales");
    let store = flowdeck::store::Store::open(&r.fx.db()).unwrap();
    store.delete_flow(&id, flowdeck::store::Base::Any).unwrap();
    drop(store);
    let out = r.fx.ok(&["flow", "reconcile", "--repair", "--yes"]);
    assert!(out.contains("pushed to origin/main"), "{out}");
    assert_eq!(
        r.remote_log()[0],
        format!("Ada Ops <ada@example.com>|flowdeck: remove orphaned DAG file ({id})")
    );
    assert_eq!(git(&r.clone, &["status", "--porcelain"]), "");
}

#[test]
fn a_bad_git_table_is_one_line_naming_the_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let r = Repo::new(tmp.path());
    for (table, expected) in [
        (
            "{ path = \"/srv/x\", dags_subdir = \"../up\" }",
            "`git.dags_subdir`",
        ),
        ("{ path = \"/srv/x\", colour = 1 }", "invalid `git` table"),
        ("{ branch = \"main\" }", "invalid `git` table"),
    ] {
        std::fs::write(
            r.fx.config(),
            format!("[environments.prod]\nurl = \"http://127.0.0.1:9\"\ngit = {table}\n"),
        )
        .unwrap();
        let out = r.fx.run(&["flow", "list"]);
        assert_one_line_failure(&out, out.status.code().unwrap_or(-1), table);
        assert_ne!(out.status.code(), Some(0));
        let line = String::from_utf8_lossy(&out.stderr);
        assert!(
            line.contains("[environments.prod]") && line.contains(expected),
            "{line}"
        );
    }
}

#[test]
fn a_bundle_version_pushed_by_someone_else_later_is_fetched_and_counts_as_containing_ours() {
    let tmp = tempfile::tempdir().unwrap();
    let r = Repo::new(tmp.path());
    r.seed();
    r.fx.ok(&["flow", "deploy", "daily sales"]);
    let ours = git(&r.clone, &["rev-parse", "HEAD"]);
    // Bob pushes after us: Airflow then reports his commit, which the clone never saw.
    r.colleague_pushes("bob", |dir| {
        std::fs::write(dir.join("README.md"), "later\n").unwrap();
    });
    let theirs = git(&r.remote, &["rev-parse", "main"]);
    let value: toml::Value = toml::from_str(&format!("path = \"{}\"", r.clone.display())).unwrap();
    let section = flowdeck::deploy::git::GitSection::from_value(&value).unwrap();
    let repo = flowdeck::deploy::git::Repo::open_unchecked(&section).unwrap();
    assert!(!repo.contains(&theirs, &ours));
    assert!(repo.contains_fetching(&theirs, &ours));
    // An older commit does not contain ours.
    let first = git(&r.remote, &["rev-list", "--max-parents=0", "main"]);
    assert!(!repo.contains_fetching(&first, &ours));
}

#[test]
fn operators_pushing_to_one_remote_at_the_same_moment_all_land() {
    // Several operators (own clone, own database, own flow) deploy at once: the server
    // takes one push at a time, and a push that loses the race for the branch's ref
    // lock ("failed to update ref") is fetched, replayed and pushed again like any
    // push rejected because the remote moved on.
    let dir = tempfile::tempdir().unwrap();
    let first = Repo::new(dir.path());
    let operators: Vec<(Fx, String)> = (0..4)
        .map(|i| {
            let home = dir.path().join(format!("op{i}"));
            let mut fx = Fx::new(&home);
            let clone = home.join("clone");
            git(
                dir.path(),
                &[
                    "clone",
                    "-q",
                    first.remote.to_str().unwrap(),
                    clone.to_str().unwrap(),
                ],
            );
            git(&clone, &["config", "user.name", &format!("Op {i}")]);
            git(&clone, &["config", "user.email", &format!("op{i}@example.com")]);
            std::fs::write(
                fx.config(),
                format!(
                    "[environments.prod]\nurl = \"http://127.0.0.1:9\"\ngit = {{ path = \"{}\", branch = \"main\", dags_subdir = \"dags\" }}\n",
                    clone.display()
                ),
            )
            .unwrap();
            fx.env.push(("FLOWDECK_DAGS_FOLDER".into(), UNSET.into()));
            fx.env.push(("FLOWDECK_AIRFLOW_URL".into(), UNSET.into()));
            let etl = fx.file(&format!("inputs/etl{i}.py"), etl_source().as_bytes());
            fx.ok(&["function", "add", &etl, "--function", "extract"]);
            fx.ok(&["function", "add", &etl, "--function", "load"]);
            let name = format!("sales {i}");
            let doc = daily_sales().replace("name = \"daily sales\"", &format!("name = \"{name}\""));
            let doc = fx.file("inputs/flow.toml", doc.as_bytes());
            fx.ok(&["flow", "import", &doc]);
            (fx, name)
        })
        .collect();
    let children: Vec<_> = operators
        .iter()
        .map(|(fx, name)| {
            fx.command(&["flow", "deploy", name])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{text}");
        assert!(!text.contains("not pushed"), "{text}");
    }
    // Every operator's deploy is on the remote branch, none lost.
    let log = git(&first.remote, &["log", "--format=%an", "main"]);
    for i in 0..4 {
        assert!(log.contains(&format!("Op {i}")), "{log}");
    }
}
