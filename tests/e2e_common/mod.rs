//! Shared by the end-to-end tests against the real Airflow (scripts/test.sh): a scratch
//! database and config beside the test Airflow's dags folder, and the real `flowdeck`
//! binary run in it.
#![allow(dead_code)]

use flowdeck::airflow::{AirflowConfig, Client};
use std::path::PathBuf;
use std::process::{Command, Output};

pub struct Env {
    pub dir: tempfile::TempDir,
    pub dags: PathBuf,
    pub url: String,
    /// The config names its Airflows in `[environments]`: the single-Airflow variables
    /// (FLOWDECK_AIRFLOW_URL, FLOWDECK_DAGS_FOLDER) would be refused, so children run
    /// without them.
    pub environments: bool,
}

/// The test Airflow named by the FLOWDECK_* variables; `None` (the test is skipped) when
/// they are unset, which FLOWDECK_REQUIRE_AIRFLOW turns into a failure.
pub fn airflow_env() -> Option<Env> {
    let url = std::env::var("FLOWDECK_AIRFLOW_URL").ok();
    let dags = std::env::var("FLOWDECK_DAGS_FOLDER").ok();
    match (url, dags) {
        (Some(url), Some(dags)) => Some(Env {
            dir: tempfile::tempdir().unwrap(),
            dags: PathBuf::from(dags),
            url,
            environments: false,
        }),
        _ => {
            assert!(
                std::env::var("FLOWDECK_REQUIRE_AIRFLOW").is_err(),
                "FLOWDECK_REQUIRE_AIRFLOW is set but FLOWDECK_AIRFLOW_URL / FLOWDECK_DAGS_FOLDER are not: run through scripts/test.sh"
            );
            eprintln!("skipped: no Airflow (run scripts/test.sh)");
            None
        }
    }
}

impl Env {
    /// Runs `flowdeck ARGS` on this test's database, echoing what it printed.
    pub fn flowdeck(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_flowdeck"));
        command
            .env("FLOWDECK_DB", self.dir.path().join("db.redb"))
            .env("FLOWDECK_CONFIG", self.dir.path().join("config.toml"));
        if self.environments {
            command
                .env_remove("FLOWDECK_AIRFLOW_URL")
                .env_remove("FLOWDECK_DAGS_FOLDER")
                .env_remove("FLOWDECK_ENV");
        } else {
            command.env("FLOWDECK_DAGS_FOLDER", &self.dags);
        }
        let out = command.args(args).output().unwrap();
        eprintln!(
            "$ flowdeck {}\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// A command that must succeed; its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.flowdeck(args);
        assert!(out.status.success(), "flowdeck {args:?} failed");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A command that must fail with one line on stderr; that line.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.flowdeck(args);
        assert!(!out.status.success(), "flowdeck {args:?} should fail");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        err
    }

    /// Writes a scratch file; its path.
    pub fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    /// flowdeck's client for the test Airflow.
    pub fn client(&self) -> Client {
        Client::new(AirflowConfig::new(
            self.url.clone(),
            std::env::var("FLOWDECK_AIRFLOW_USERNAME").unwrap_or_else(|_| "admin".into()),
            std::env::var("FLOWDECK_AIRFLOW_PASSWORD").unwrap_or_else(|_| "admin".into()),
        ))
        .unwrap()
    }
}

/// A name no other test run uses (the dags folder and Airflow are shared).
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix} {}-{}", std::process::id(), nanos % 1_000_000_000)
}
