//! A flow (the seed's Flow table; an Airflow DAG) plus what Airflow needs beyond the seed.

use super::edge::Edge;
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
    /// `""` (manual runs only), a preset like `@daily`, or a cron expression as Airflow's
    /// croniter reads it (5 to 7 fields; see `model::schedule`), in UTC.
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

/// The earliest `start_date` accepted: Airflow's scheduler and its timetables work on
/// Unix timestamps.
pub const START_DATE_MIN: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// The latest `start_date` accepted: a flow starting later would, in practice, never run.
pub const START_DATE_MAX: NaiveDate = match NaiveDate::from_ymd_opt(2099, 12, 31) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// Checks that a start date lies in `START_DATE_MIN..=START_DATE_MAX`; the error names
/// the range.
pub fn check_start_date(date: NaiveDate) -> Result<NaiveDate, String> {
    if (START_DATE_MIN..=START_DATE_MAX).contains(&date) {
        Ok(date)
    } else {
        Err(format!(
            "start_date {date} is out of range: use a date from {START_DATE_MIN} to {START_DATE_MAX}"
        ))
    }
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

    /// True when the saved content differs: what the flow document would show, so
    /// timestamps, positions and option comments are not changes. Drives the version bump.
    /// Compared field by field (not through the document) because it runs on every save.
    pub fn content_differs(&self, other: &FlowSpec) -> bool {
        let (a, b) = (&self.flow, &other.flow);
        if (
            &a.id,
            &a.name,
            &a.description,
            &a.schedule,
            a.start_date,
            a.catchup,
            &a.tags,
            a.unpause_on_deploy,
        ) != (
            &b.id,
            &b.name,
            &b.description,
            &b.schedule,
            b.start_date,
            b.catchup,
            &b.tags,
            b.unpause_on_deploy,
        ) || !same_options(&a.defaults, &b.defaults)
            || self.tasks.len() != other.tasks.len()
        {
            return true;
        }
        let task_differs = |x: &Task, y: &Task| {
            (
                &x.id,
                &x.variable_id,
                &x.function_id,
                &x.python_callable,
                x.mode,
                &x.inputs,
            ) != (
                &y.id,
                &y.variable_id,
                &y.function_id,
                &y.python_callable,
                y.mode,
                &y.inputs,
            ) || !same_options(&x.options, &y.options)
        };
        if self
            .tasks
            .iter()
            .zip(&other.tasks)
            .any(|(x, y)| task_differs(x, y))
        {
            return true;
        }
        let pairs = |s: &FlowSpec| -> std::collections::BTreeSet<(String, String)> {
            s.edges
                .iter()
                .map(|e| (e.from_task_id.clone(), e.to_task_id.clone()))
                .collect()
        };
        pairs(self) != pairs(other)
    }
}

/// Tasks by record id, for code that looks many of them up (validation, export):
/// `FlowSpec::task` is a linear scan, quadratic over a 1,000-task flow.
pub struct TaskIndex<'a>(std::collections::HashMap<&'a str, &'a Task>);

impl<'a> TaskIndex<'a> {
    pub fn get(&self, id: &str) -> Option<&'a Task> {
        self.0.get(id).copied()
    }

    /// The variable id of a task record id, or the id itself when it is not in the flow.
    pub fn var<'b>(&self, id: &'b str) -> &'b str
    where
        'a: 'b,
    {
        self.get(id).map_or(id, |t| t.variable_id.as_str())
    }
}

impl FlowSpec {
    pub fn index(&self) -> TaskIndex<'_> {
        TaskIndex(self.tasks.iter().map(|t| (t.id.as_str(), t)).collect())
    }
}

/// Options texts mean the same: equal text, or equal once parsed (comments, spacing and
/// key order do not count).
pub fn same_options(a: &str, b: &str) -> bool {
    a == b
        || matches!((toml::from_str::<toml::Table>(a), toml::from_str::<toml::Table>(b)), (Ok(x), Ok(y)) if x == y)
}
