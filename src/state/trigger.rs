//! The trigger form (`T` in the Runs pane): the run's conf, checked before it is sent.

use super::input::Field;
use serde_json::Value;

/// The conf typed before a trigger (`T`).
#[derive(Debug, Clone)]
pub struct ConfForm {
    pub dag_id: String,
    pub flow_name: String,
    pub field: Field,
    pub error: Option<String>,
}

impl ConfForm {
    /// What the field holds, if it is a JSON object (`None` for an empty field).
    pub fn parse(&self) -> Result<Option<Value>, String> {
        let text = self.field.text();
        if text.trim().is_empty() {
            return Ok(None);
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(v @ Value::Object(_)) => Ok(Some(v)),
            Ok(other) => Err(format!(
                "the conf must be a JSON object ({{\"key\": value, …}}), not {}",
                json_kind(&other)
            )),
            Err(e) => Err(format!("not valid JSON: {e}")),
        }
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
