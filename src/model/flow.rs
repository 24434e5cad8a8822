//! A flow (the seed's Flow table; an Airflow DAG) plus what Airflow needs beyond the seed.

use super::edge::Edge;
use super::function::Function;
use super::task::Task;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flow {
    /// `dag_<16 hex digits>`, from the name at creation; never changes.
    pub id: String,
    pub name: String,
    pub description: String,
    /// Starts at 1; +1 on every saved change.
    pub version: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// `""` (manual runs only), a preset like `@daily`, or a 5-field cron expression.
    pub schedule: String,
    /// First logical date, UTC.
    pub start_date: NaiveDate,
    pub catchup: bool,
    pub tags: Vec<String>,
    /// TOML text of task options applied to every task unless it overrides them.
    pub defaults: String,
    /// Unpause the DAG in Airflow when it is deployed.
    pub unpause_on_deploy: bool,
}

/// A whole flow as it is saved: the flow row with its tasks and edges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowSpec {
    pub flow: Flow,
    /// In `position` order.
    pub tasks: Vec<Task>,
    pub edges: Vec<Edge>,
}

impl FlowSpec {
    pub fn task(&self, id: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == id)
    }

    pub fn task_by_var(&self, variable_id: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.variable_id == variable_id)
    }

    /// The variable id of a task record id, or the id itself when it is not in the flow.
    pub fn var_of<'a>(&'a self, id: &'a str) -> &'a str {
        self.task(id).map_or(id, |t| t.variable_id.as_str())
    }

    /// True when the saved content differs (ignoring timestamps, version and record ids
    /// that do not change meaning). Drives the version bump.
    pub fn content_differs(&self, other: &FlowSpec, functions: &[Function]) -> bool {
        super::document::to_document(self, functions)
            != super::document::to_document(other, functions)
    }
}
