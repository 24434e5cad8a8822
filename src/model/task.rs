//! A task of a flow (the seed's Task table) with the seed's section 5 additions:
//! execution mode and inputs.

use super::literal::Literal;
use super::template::{legacy_kind, StrKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use super::mode::Mode;

/// Where a function parameter gets its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", from = "InputRecord")]
pub enum Input {
    /// A literal. `strings` says whether Airflow renders its strings as Jinja templates
    /// (`{{ ds }}`) or the task receives them exactly as typed (text).
    Value { value: Literal, strings: StrKind },
    /// The output (XCom return value) of an upstream task, optionally one key of it.
    /// `task` is the upstream task's record id, so renames keep the wiring.
    Task { task: String, key: Option<String> },
    /// A flow run parameter (`params` / the run's conf).
    Param { name: String },
}

impl Input {
    /// A literal input whose kind follows the flow document's rule for bare values
    /// ([`StrKind::implied_by`]).
    pub fn value(value: Literal) -> Input {
        let strings = StrKind::implied_by(&value);
        Input::Value { value, strings }
    }
}

/// An input as stored. Records written before inputs had a kind have no `strings`; they
/// get [`legacy_kind`] when read, so stored flows upgrade themselves.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum InputRecord {
    Value {
        value: Literal,
        #[serde(default)]
        strings: Option<StrKind>,
    },
    Task {
        task: String,
        key: Option<String>,
    },
    Param {
        name: String,
    },
}

impl From<InputRecord> for Input {
    fn from(r: InputRecord) -> Input {
        match r {
            InputRecord::Value { value, strings } => {
                let strings = strings.unwrap_or_else(|| legacy_kind(&value));
                Input::Value { value, strings }
            }
            InputRecord::Task { task, key } => Input::Task { task, key },
            InputRecord::Param { name } => Input::Param { name },
        }
    }
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
    /// TOML text of operator arguments. Texts stored before strings had kinds are
    /// upgraded when read (`options::upgrade_legacy_options`).
    #[serde(deserialize_with = "super::options::deserialize_upgraded")]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_inputs_without_a_kind_are_upgraded_when_read() {
        let read = |json: &str| serde_json::from_str::<Input>(json).unwrap();
        assert_eq!(
            read(r#"{"kind":"value","value":"{{ ds }}"}"#),
            Input::Value {
                value: Literal::Str("{{ ds }}".into()),
                strings: StrKind::Template
            }
        );
        assert_eq!(
            read(r#"{"kind":"value","value":"n=${#files[@]}"}"#),
            Input::Value {
                value: Literal::Str("n=${#files[@]}".into()),
                strings: StrKind::Text
            }
        );
        assert_eq!(
            read(r#"{"kind":"value","value":"{{ ds }}","strings":"text"}"#),
            Input::Value {
                value: Literal::Str("{{ ds }}".into()),
                strings: StrKind::Text
            }
        );
        assert_eq!(
            read(r#"{"kind":"param","name":"p"}"#),
            Input::Param { name: "p".into() }
        );
        let input = Input::Value {
            value: Literal::List(vec![Literal::Str("a".into())]),
            strings: StrKind::Template,
        };
        assert_eq!(read(&serde_json::to_string(&input).unwrap()), input);
    }
}
