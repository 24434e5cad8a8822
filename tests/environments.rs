//! Several environments in one config, through the real binary: choosing one, deploy
//! state kept per environment, promote and its refusals, read-only environments, and
//! `status` over all of them. Airflow is unreachable here (port 9); the real two-Airflow
//! run is tests/e2e_airflow2.rs.

mod cli_common;
use cli_common::*;
use flowdeck::model::deploy::DeployState;

/// dev and prod, each with its own dags folder; prod read-only unless `prod_writable`.
fn two_environments(fx: &Fx, prod_writable: bool) {
    for d in ["dev-dags", "prod-dags"] {
        std::fs::create_dir_all(fx.dir.join(d)).unwrap();
    }
    let config = format!(
        "default_environment = \"dev\"\n\n\
         [environments.dev]\nurl = \"http://127.0.0.1:9\"\nusername = \"admin\"\npassword_env = \"DEV_PW\"\ndags_folder = \"{}\"\ncolor = \"green\"\n\n\
         [environments.prod]\nurl = \"http://127.0.0.1:9/airflow\"\ntoken_env = \"PROD_TOKEN\"\ndags_folder = \"{}\"\nread_only = {}\n",
        fx.dir.join("dev-dags").display(),
        fx.dir.join("prod-dags").display(),
        !prod_writable
    );
    std::fs::write(fx.config(), config).unwrap();
}

fn fixture(prod_writable: bool) -> (tempfile::TempDir, Fx) {
    let dir = tempfile::tempdir().unwrap();
    let mut fx = Fx::new(dir.path());
    // With environments, the single-Airflow overrides would mix one environment's
    // state with another Airflow: they are refused, so they are unset here.
    fx.env.push(("FLOWDECK_AIRFLOW_URL".into(), UNSET.into()));
    fx.env.push(("FLOWDECK_DAGS_FOLDER".into(), UNSET.into()));
    fx.env.push(("DEV_PW".into(), "admin".into()));
    fx.env.push(("PROD_TOKEN".into(), "t0ken".into()));
    two_environments(&fx, prod_writable);
    let etl = fx.file("inputs/etl.py", etl_source().as_bytes());
    fx.ok(&["function", "add", &etl, "--function", "extract"]);
    fx.ok(&["function", "add", &etl, "--function", "load"]);
    let doc = fx.file("inputs/daily_sales.toml", daily_sales().as_bytes());
    fx.ok(&["flow", "import", &doc]);
    (dir, fx)
}

/// Marks the flow's current version ready in `env`, as a deploy that Airflow confirmed
/// would (the Airflow here is unreachable).
fn mark_ready(fx: &Fx, env: &str) {
    let store = flowdeck::store::Store::open(&fx.db()).unwrap();
    let id = flowdeck::model::ids::flow_id_for("daily sales");
    let mut record = store.deploy_in(&id, env).unwrap().expect("a record");
    record.state = DeployState::Ready;
    record.deployed_version = Some(record.version);
    store.set_deploy(&record).unwrap();
}

#[test]
fn an_unknown_environment_or_a_single_airflow_override_is_one_line() {
    let (_dir, fx) = fixture(false);
    let err = fx.fails(1, &["--env", "stage", "flow", "list"]);
    assert!(err.contains("stage") && err.contains("dev, prod"), "{err}");
    let mut fx2 = Fx::new(&fx.dir.join("other"));
    std::fs::copy(fx.config(), fx2.config()).unwrap();
    fx2.env.push(("FLOWDECK_DAGS_FOLDER".into(), UNSET.into()));
    let err = fx2.fails(1, &["flow", "list"]);
    assert!(
        err.contains("FLOWDECK_AIRFLOW_URL") && err.contains("--env"),
        "{err}"
    );
}

#[test]
fn deploy_state_is_kept_per_environment_and_promote_deploys_the_ready_version() {
    let (_dir, fx) = fixture(true);
    let id = flowdeck::model::ids::flow_id_for("daily sales");
    // Deploying to dev writes only dev's folder, with the library modules.
    fx.ok(&["flow", "deploy", "daily sales"]);
    assert!(fx.dir.join(format!("dev-dags/{id}.py")).exists());
    assert!(!fx.dir.join(format!("prod-dags/{id}.py")).exists());

    // Nothing is ready in dev yet: promote is refused with the reason, nothing written.
    let err = fx.fails(
        1,
        &[
            "flow",
            "promote",
            "daily sales",
            "--from",
            "dev",
            "--to",
            "prod",
            "--yes",
        ],
    );
    assert!(err.contains("rendered in dev, not ready"), "{err}");
    assert!(!fx.dir.join(format!("prod-dags/{id}.py")).exists());
    let err = fx.fails(
        1,
        &[
            "flow",
            "promote",
            "daily sales",
            "--from",
            "prod",
            "--to",
            "dev",
            "--yes",
        ],
    );
    assert!(err.contains("never deployed to prod"), "{err}");

    mark_ready(&fx, "dev");
    // A newer version saved in dev's editor is not what dev runs: promote takes v1.
    let doc = daily_sales().replace("description = \"", "description = \"v2: ");
    let doc = fx.file("inputs/v2.toml", doc.as_bytes());
    fx.ok(&["flow", "import", &doc]);
    let out = fx.ok(&[
        "flow",
        "promote",
        "daily sales",
        "--from",
        "dev",
        "--to",
        "prod",
        "--yes",
    ]);
    assert!(
        out.contains("v1 from dev to prod (not deployed to prod yet)"),
        "{out}"
    );
    assert!(out.contains("+ name = \"daily sales\""), "{out}");
    let prod_file = std::fs::read_to_string(fx.dir.join(format!("prod-dags/{id}.py"))).unwrap();
    assert!(
        prod_file.contains("# flowdeck-flow-version: 1"),
        "{prod_file}"
    );
    assert!(!prod_file.contains("v2: "));
    // The target gets the library modules its DAG imports.
    assert!(fx.dir.join("prod-dags/flowdeck_functions/etl.py").exists());

    let list = fx.ok(&["flow", "list"]);
    assert!(list.contains("dev v1 ready · prod v1 rendered"), "{list}");
    let list = fx.ok(&["--env", "prod", "flow", "list"]);
    assert!(list.contains("prod v1 rendered · dev v1 ready"), "{list}");

    // status: both Airflows unreachable, each named; stored states "as of"; exit 1.
    let out = fx.run(&["status"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("dev (current): "), "{text}");
    assert!(text.contains("prod: "), "{text}");
    // dev runs v1 while v2 is saved; prod has v1 written, unconfirmed.
    assert!(text.contains("saved (v1 deployed) as of "), "{text}");
    assert!(text.contains("saved (v1 rendered) as of "), "{text}");
    let json: serde_json::Value =
        serde_json::from_slice(&fx.run(&["status", "--json"]).stdout).unwrap();
    assert_eq!(json["environments"].as_array().unwrap().len(), 2);
    assert_eq!(json["healthy"], false);

    // v2 saved since is not "stale" in prod: a repair never deploys it there.
    let report = fx.ok(&["--env", "prod", "flow", "reconcile"]);
    assert!(report.contains("nothing to repair"), "{report}");
    fx.ok(&["--env", "prod", "flow", "reconcile", "--repair", "--yes"]);
    let prod_file = std::fs::read_to_string(fx.dir.join(format!("prod-dags/{id}.py"))).unwrap();
    assert!(
        prod_file.contains("# flowdeck-flow-version: 1"),
        "{prod_file}"
    );

    // Revisions say which environment ran which version.
    let revisions = fx.ok(&["flow", "revisions", "daily sales"]);
    assert!(revisions.contains("ready in dev"), "{revisions}");
}

#[test]
fn a_read_only_environment_refuses_every_change_to_its_airflow() {
    let (_dir, fx) = fixture(false);
    fx.ok(&["flow", "deploy", "daily sales"]);
    mark_ready(&fx, "dev");
    let before = std::fs::read_dir(fx.dir.join("prod-dags")).unwrap().count();
    let etl = fx.file("inputs/etl2.py", etl_source().as_bytes());
    for args in [
        vec!["--env", "prod", "flow", "deploy", "daily sales"],
        vec!["--env", "prod", "flow", "rm", "daily sales"],
        vec!["--env", "prod", "flow", "reconcile", "--repair", "--yes"],
        vec!["--env", "prod", "run", "trigger", "daily sales"],
        vec![
            "--env",
            "prod",
            "function",
            "add",
            &etl,
            "--function",
            "extract",
        ],
        vec![
            "flow",
            "promote",
            "daily sales",
            "--from",
            "dev",
            "--to",
            "prod",
            "--yes",
        ],
    ] {
        let err = fx.fails(1, &args);
        assert!(
            err.contains("prod is read-only in this configuration"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(
        std::fs::read_dir(fx.dir.join("prod-dags")).unwrap().count(),
        before
    );
    // Reading works.
    fx.ok(&["--env", "prod", "flow", "list"]);
    fx.ok(&["--env", "prod", "flow", "revisions", "daily sales"]);
}

#[test]
fn removing_a_flow_removes_its_dag_file_in_every_environment_it_was_deployed_to() {
    let (_dir, fx) = fixture(true);
    let id = flowdeck::model::ids::flow_id_for("daily sales");
    fx.ok(&["flow", "deploy", "daily sales"]);
    fx.ok(&["--env", "prod", "flow", "deploy", "daily sales"]);
    let (dev_file, prod_file) = (
        fx.dir.join(format!("dev-dags/{id}.py")),
        fx.dir.join(format!("prod-dags/{id}.py")),
    );
    assert!(dev_file.exists() && prod_file.exists());
    let out = fx.ok(&["flow", "rm", "daily sales"]);
    assert!(out.contains("removed its DAG file in prod"), "{out}");
    assert!(!dev_file.exists() && !prod_file.exists());
}

#[test]
fn a_flow_deployed_to_a_read_only_environment_is_not_removed() {
    let (_dir, fx) = fixture(true);
    let id = flowdeck::model::ids::flow_id_for("daily sales");
    fx.ok(&["--env", "prod", "flow", "deploy", "daily sales"]);
    fx.ok(&["flow", "deploy", "daily sales"]);
    two_environments(&fx, false);
    let err = fx.fails(1, &["flow", "rm", "daily sales"]);
    assert!(
        err.contains("deployed in prod") && err.contains("read-only"),
        "{err}"
    );
    // Nothing removed anywhere, the flow kept.
    assert!(fx.dir.join(format!("dev-dags/{id}.py")).exists());
    assert!(fx.dir.join(format!("prod-dags/{id}.py")).exists());
    fx.ok(&["flow", "show", "daily sales"]);
}
