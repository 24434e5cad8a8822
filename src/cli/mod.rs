//! The command line: clap definitions and dispatch. Every subcommand calls the same
//! store / render / deploy / airflow code as the TUI; errors end as one line on stderr
//! and a non-zero exit status.

mod flow;
mod function;
mod output;
mod run;
mod status;

use crate::config::{self, Overrides, Settings};
use crate::core::Core;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "flowdeck",
    version,
    about = "Build Apache Airflow workflows from a library of Python functions, deploy them and watch them run."
)]
pub struct Cli {
    /// Database file [default: $XDG_DATA_HOME/flowdeck/flowdeck.redb]
    #[arg(long, env = "FLOWDECK_DB", global = true)]
    pub db: Option<PathBuf>,
    /// Config file [default: $XDG_CONFIG_HOME/flowdeck/config.toml]
    #[arg(long, env = "FLOWDECK_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Airflow's dags folder
    #[arg(long, env = "FLOWDECK_DAGS_FOLDER", global = true)]
    pub dags_folder: Option<PathBuf>,
    /// Airflow base URL, e.g. http://127.0.0.1:8080
    #[arg(long, env = "FLOWDECK_AIRFLOW_URL", global = true)]
    pub airflow_url: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// The function library
    #[command(subcommand)]
    Function(function::FunctionCommand),
    /// Flows: import, export, render, deploy
    #[command(subcommand)]
    Flow(flow::FlowCommand),
    /// Runs: trigger, list, logs
    #[command(subcommand)]
    Run(run::RunCommand),
    /// Airflow's health and each flow's deploy state
    Status {
        #[arg(long)]
        json: bool,
    },
}

impl Cli {
    pub fn settings(&self) -> Result<Settings, config::Error> {
        config::resolve(Overrides {
            db: self.db.clone(),
            config: self.config.clone(),
            dags_folder: self.dags_folder.clone(),
            airflow_url: self.airflow_url.clone(),
            airflow_username: std::env::var("FLOWDECK_AIRFLOW_USERNAME")
                .ok()
                .filter(|s| !s.is_empty()),
            airflow_password: std::env::var("FLOWDECK_AIRFLOW_PASSWORD").ok(),
        })
    }
}

/// Runs a subcommand. Returns the process exit code.
pub fn run(command: Command, settings: Settings) -> anyhow::Result<i32> {
    let core = Core::open(settings)?;
    if let Some(note) = core.first_run_note() {
        eprintln!("flowdeck: {note}");
    }
    match command {
        Command::Function(c) => function::run(c, &core),
        Command::Flow(c) => flow::run(c, &core),
        Command::Run(c) => block_on(run::run(c, &core)),
        Command::Status { json } => block_on(status::run(&core, json)),
    }
}

/// The CLI is synchronous except where it talks to Airflow.
pub(crate) fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(future),
        Err(e) => panic!("cannot start the async runtime: {e}"),
    }
}
