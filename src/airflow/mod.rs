//! Talking to Apache Airflow: a REST client for Airflow 3 (`/api/v2`, JWT or a bearer
//! token) and Airflow 2 (`/api/v1`, basic auth or a bearer token) chosen by probing,
//! TLS with the system's roots plus a `ca_file`, the shared response types, user-facing
//! errors, log formatting, terminal sanitising, and the poller task that feeds the UI.
//! This module knows nothing of the UI or the store: it takes settings and a watch list
//! and hands back typed values and events.

mod client;
mod config;
mod error;
#[cfg(test)]
mod fixture_tests;
pub mod log_line;
pub mod logs;
pub mod poller;
pub mod sanitize;
pub mod text;
mod tls;
mod token_command;
mod types;
pub mod xcom;

pub use client::{Client, PAGE_LIMIT};
pub use config::{AirflowConfig, Auth, DEFAULT_PASSWORD_VAR};
pub use error::Error;
pub use logs::{LogChunk, LogLine};

pub use poller::{spawn, Connection, DagScope, PollEvent, PollKind, Poller, PollerHandle, Watch};
pub use text::{sanitize_for_terminal, sanitize_lines, sanitize_multiline};
pub use types::{
    ApiVersion, Changes, ComponentHealth, Dag, DagRun, DagRunState, Health, ImportError,
    ManualState, RunKey, TaskInfo, TaskInstance, TaskState, Version,
};
