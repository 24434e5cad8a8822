//! The command line: clap definitions and dispatch. Every subcommand calls the same
//! store / render / deploy / airflow code as the TUI; errors end as one line on stderr
//! and a non-zero exit status.

mod flow;
mod function;
mod output;

use crate::config::{self, Overrides, Settings};
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
pub fn run(command: Command, settings: &Settings) -> anyhow::Result<i32> {
    match command {
        Command::Function(c) => function::run(c, settings),
        Command::Flow(c) => flow::run(c, settings),
    }
}
