//! A task of a flow (the seed's Task table) with the seed's section 5 additions:
//! execution mode and inputs.

use super::literal::Literal;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// PythonOperator calling the library function.
    #[default]
    Python,
    /// DockerOperator running an image.
    Docker,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Python => "python",
            Mode::Docker => "docker",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "python" => Some(Mode::Python),
            "docker" => Some(Mode::Docker),
            _ => None,
        }
    }
}

/// Where a function parameter gets its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Input {
    /// A literal; strings go to Airflow as is, so `{{ ds }}` is rendered by Airflow.
    Value { value: Literal },
    /// The output (XCom return value) of an upstream task, optionally one key of it.
    /// `task` is the upstream task's record id, so renames keep the wiring.
    Task { task: String, key: Option<String> },
    /// A flow run parameter (`params` / the run's conf).
    Param { name: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub id: String,
    pub flow_id: String,
    /// The library function (python tasks); `None` for docker tasks.
    pub function_id: Option<String>,
    /// Python variable in the DAG file and Airflow task_id.
    pub variable_id: String,
    /// Override code for the callable; empty means "call the library function".
    pub python_callable: String,
    /// TOML text of operator arguments.
    pub options: String,
    pub mode: Mode,
    /// One entry per function parameter that is given a value.
    pub inputs: BTreeMap<String, Input>,
    /// Order of the task in its flow (the order the operator added them).
    #[serde(default)]
    pub position: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Task {
    /// Record ids of the tasks this one reads outputs from.
    pub fn upstream_inputs(&self) -> impl Iterator<Item = &str> {
        self.inputs.values().filter_map(|i| match i {
            Input::Task { task, .. } => Some(task.as_str()),
            _ => None,
        })
    }
}
