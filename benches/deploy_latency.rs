//! Save-to-ready latency against a real Airflow on STOCK parse settings: how long after
//! saving a flow Airflow serves it (new flow) or serves the edit (existing flow). Needs the
//! Airflow of `scripts/dev-airflow.sh` (or any Airflow named by the FLOWDECK_* variables);
//! prints medians of 5. Run: eval "$(scripts/dev-airflow.sh env)"; cargo bench --bench deploy_latency
//!
//! With FLOWDECK_GIT_REPO (the bare repository the dev Airflow reads as its GitDagBundle
//! `flows`) the same is measured through Git: save → commit → push → bundle refresh →
//! ready, from a fresh clone of it.

use flowdeck::config::{resolve, Overrides};
use flowdeck::core::Core;
use flowdeck::model::deploy::DeployState;
use std::time::{Duration, Instant};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() -> anyhow::Result<()> {
    if std::env::var("FLOWDECK_AIRFLOW_URL").is_err()
        || std::env::var("FLOWDECK_DAGS_FOLDER").is_err()
    {
        eprintln!("deploy_latency: set FLOWDECK_AIRFLOW_URL and FLOWDECK_DAGS_FOLDER (eval \"$(scripts/dev-airflow.sh env)\")");
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("config.toml"), "")?;
    let settings = resolve(Overrides {
        db: Some(dir.path().join("bench.redb")),
        config: Some(dir.path().join("config.toml")),
        dags_folder: std::env::var_os("FLOWDECK_DAGS_FOLDER").map(Into::into),
        airflow_url: std::env::var("FLOWDECK_AIRFLOW_URL").ok(),
        airflow_username: std::env::var("FLOWDECK_AIRFLOW_USERNAME").ok(),
        airflow_password: std::env::var("FLOWDECK_AIRFLOW_PASSWORD").ok(),
        env: None,
    })?;
    let only_git = std::env::var_os("FLOWDECK_BENCH_ONLY_GIT").is_some();
    if !only_git {
        measure(Core::open(settings)?, dir.path(), "")?;
    }
    let Some(repo) = std::env::var_os("FLOWDECK_GIT_REPO") else {
        return Ok(());
    };
    // Through Git: a clone of the bundle's repository, an environment deploying there.
    let dir = tempfile::tempdir()?;
    let clone = dir.path().join("clone");
    let ok = std::process::Command::new("git")
        .arg("clone")
        .arg("-q")
        .arg(&repo)
        .arg(&clone)
        .status()?
        .success();
    anyhow::ensure!(ok, "cannot clone {}", std::path::Path::new(&repo).display());
    for (k, v) in [
        ("user.name", "latency bench"),
        ("user.email", "bench@localhost"),
    ] {
        std::process::Command::new("git")
            .arg("-C")
            .arg(&clone)
            .args(["config", k, v])
            .status()?;
    }
    std::fs::write(
        dir.path().join("config.toml"),
        format!(
            "[environments.git]\nurl = \"{}\"\nusername = \"{}\"\npassword_env = \"FLOWDECK_AIRFLOW_PASSWORD\"\ngit = {{ path = \"{}\", branch = \"main\", dags_subdir = \"dags\", bundle = \"{}\" }}\n",
            std::env::var("FLOWDECK_AIRFLOW_URL")?,
            std::env::var("FLOWDECK_AIRFLOW_USERNAME").unwrap_or_else(|_| "admin".into()),
            clone.display(),
            std::env::var("FLOWDECK_GIT_BUNDLE").unwrap_or_else(|_| "flows".into()),
        ),
    )?;
    let settings = resolve(Overrides {
        db: Some(dir.path().join("bench.redb")),
        config: Some(dir.path().join("config.toml")),
        dags_folder: None,
        airflow_url: None,
        airflow_username: None,
        airflow_password: None,
        env: None,
    })?;
    measure(Core::open(settings)?, dir.path(), " through Git")
}

/// Five new flows, then an edit of each: save → ready, printed as medians.
fn measure(core: Core, dir: &std::path::Path, how: &str) -> anyhow::Result<()> {
    let udf = dir.join("bench_udfs.py");
    std::fs::write(&udf, "def step(n=0):\n    return n + 1\n")?;
    flowdeck::library::register(
        &core.store,
        &core.python,
        &core.settings.library_folder(),
        &flowdeck::library::Registration {
            file: &udf,
            function: "step",
            name: None,
            description: None,
        },
    )?;
    let rt = tokio::runtime::Runtime::new()?;
    let tag = std::process::id();
    let doc = |i: usize, retries: usize| {
        format!("[flow]\nname = \"latency {tag} {i}\"\n[[tasks]]\nid = \"a\"\nfunction = \"step\"\n[tasks.options]\nretries = {retries}\n[[tasks]]\nid = \"b\"\nfunction = \"step\"\n[tasks.inputs]\nn = {{ task = \"a\" }}\n")
    };
    let mut new_flow = Vec::new();
    let mut edit = Vec::new();
    let mut ids = Vec::new();
    for i in 0..5 {
        let start = Instant::now();
        let saved = flowdeck::ops::import_flow(&core.store, &core.python, &doc(i, 0))?;
        let record = rt.block_on(core.deployer.deploy(
            &saved.spec.flow.id,
            Duration::from_secs(600),
            |_| {},
        ))?;
        anyhow::ensure!(
            record.state == DeployState::Ready,
            "not ready: {}",
            record.message
        );
        new_flow.push(start.elapsed().as_secs_f64());
        ids.push(saved.spec.flow.id);
    }
    for (i, id) in ids.iter().enumerate() {
        let start = Instant::now();
        flowdeck::ops::import_flow(&core.store, &core.python, &doc(i, 3))?;
        let record = rt.block_on(core.deployer.deploy(id, Duration::from_secs(600), |_| {}))?;
        anyhow::ensure!(
            record.state == DeployState::Ready,
            "not ready: {}",
            record.message
        );
        edit.push(start.elapsed().as_secs_f64());
    }
    for id in &ids {
        core.deployer.remove(id, flowdeck::store::Base::Any)?;
    }
    println!(
        "save-to-ready{how}, new flow: median {:.2} s of {:?}",
        median(new_flow.clone()),
        new_flow
            .iter()
            .map(|s| format!("{s:.2}"))
            .collect::<Vec<_>>()
    );
    println!(
        "save-to-ready{how}, edit:     median {:.2} s of {:?}",
        median(edit.clone()),
        edit.iter().map(|s| format!("{s:.2}")).collect::<Vec<_>>()
    );
    Ok(())
}
