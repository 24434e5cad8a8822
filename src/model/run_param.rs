//! A flow's run parameters: the `{ param = "…" }` inputs of its tasks, read as the
//! trigger form (TUI) and `run trigger --param` (CLI) offer them. A parameter's type
//! comes from the function parameter it feeds: its annotation (`int`, `list[str]`,
//! `Optional[int]`) when the function has one, else its default (`100` is an integer),
//! else it is text, which is what Airflow's own trigger form makes of a parameter
//! without a schema. Values are checked against that type before they are sent as the
//! run's `conf`.

use super::{FlowSpec, Function, Input};
use serde_json::Value;
use std::collections::BTreeMap;

/// What a run parameter holds, as the form checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Text,
    Integer,
    Number,
    Boolean,
    /// A JSON array.
    List,
    /// A JSON object.
    Object,
}

impl ParamType {
    /// The word the form shows.
    pub fn label(self) -> &'static str {
        match self {
            ParamType::Text => "text",
            ParamType::Integer => "integer",
            ParamType::Number => "number",
            ParamType::Boolean => "boolean",
            ParamType::List => "list (JSON)",
            ParamType::Object => "object (JSON)",
        }
    }

    /// The type a Python annotation names (`int`, `Optional[int]`, `int | None`,
    /// `list[str]`, `typing.Dict[str, int]`); `None` for anything else.
    pub fn of_annotation(annotation: &str) -> Option<ParamType> {
        let a = annotation.trim().trim_matches(|c| c == '"' || c == '\'');
        // `X | None`, `None | X`, `Optional[X]`: the X.
        if let Some(inner) = a
            .strip_prefix("Optional[")
            .or_else(|| a.strip_prefix("typing.Optional["))
            .and_then(|r| r.strip_suffix(']'))
        {
            return ParamType::of_annotation(inner);
        }
        let parts: Vec<&str> = a
            .split('|')
            .map(str::trim)
            .filter(|p| *p != "None")
            .collect();
        if parts.len() == 1 && parts[0] != a {
            return ParamType::of_annotation(parts[0]);
        }
        let head = a.split('[').next().unwrap_or(a).trim();
        let head = head.strip_prefix("typing.").unwrap_or(head);
        Some(match head {
            "int" => ParamType::Integer,
            "float" => ParamType::Number,
            "bool" => ParamType::Boolean,
            "str" => ParamType::Text,
            "list" | "List" | "tuple" | "Tuple" | "Sequence" | "set" | "Set" => ParamType::List,
            "dict" | "Dict" | "Mapping" => ParamType::Object,
            _ => return None,
        })
    }

    /// The type of a default's Python source text (`100`, `1.5`, `True`, `'eu'`,
    /// `[1, 2]`, `{}`); `None` for `None` and expressions.
    pub fn of_default(default: &str) -> Option<ParamType> {
        match python_literal(default)? {
            Value::Null => None,
            Value::Bool(_) => Some(ParamType::Boolean),
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(ParamType::Integer),
            Value::Number(_) => Some(ParamType::Number),
            Value::String(_) => Some(ParamType::Text),
            Value::Array(_) => Some(ParamType::List),
            Value::Object(_) => Some(ParamType::Object),
        }
    }

    /// Reads a field: `Ok(None)` for an empty field (not sent), else the JSON value, or
    /// one line saying what is wrong.
    pub fn parse(self, name: &str, text: &str) -> Result<Option<Value>, String> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        let wrong = |what: &str, example: &str| {
            format!(
                "`{}` must be {what} (e.g. {example}), not `{}`",
                super::text::one_line(name),
                super::text::one_line(t)
            )
        };
        Ok(Some(match self {
            // Text is sent as typed (spaces included): a region " eu" is the operator's.
            ParamType::Text => Value::String(text.to_string()),
            ParamType::Integer => t
                .replace('_', "")
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| wrong("an integer", "100"))?,
            ParamType::Number => t
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| wrong("a number", "2.5"))?,
            ParamType::Boolean => match t.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => Value::Bool(true),
                "false" | "no" | "off" | "0" => Value::Bool(false),
                _ => return Err(wrong("true or false", "true")),
            },
            ParamType::List => match serde_json::from_str::<Value>(t) {
                Ok(v @ Value::Array(_)) => v,
                _ => return Err(wrong("a JSON list", "[1, 2]")),
            },
            ParamType::Object => match serde_json::from_str::<Value>(t) {
                Ok(v @ Value::Object(_)) => v,
                _ => return Err(wrong("a JSON object", "{\"k\": 1}")),
            },
        }))
    }

    /// A value as the field shows it (text without quotes, the rest as JSON).
    pub fn text_of(self, value: &Value) -> String {
        match (self, value) {
            (_, Value::Null) => String::new(),
            (ParamType::Text, Value::String(s)) => s.clone(),
            (_, v) => v.to_string(),
        }
    }
}

/// A Python literal's source text as JSON (`True` → `true`, `'eu'` → `"eu"`, `None` →
/// `null`, `[1, 2]`); `None` when it is not a literal JSON can hold (an expression).
pub fn python_literal(text: &str) -> Option<Value> {
    let t = text.trim();
    match t {
        "None" => return Some(Value::Null),
        "True" => return Some(Value::Bool(true)),
        "False" => return Some(Value::Bool(false)),
        _ => {}
    }
    if let Ok(v) = serde_json::from_str::<Value>(t) {
        return Some(v);
    }
    // 'eu': Python's other quotes, without escapes inside.
    let inner = t.strip_prefix('\'')?.strip_suffix('\'')?;
    (!inner.contains(['\'', '\\'])).then(|| Value::String(inner.to_string()))
}

/// One run parameter of a flow.
#[derive(Debug, Clone, PartialEq)]
pub struct RunParam {
    pub name: String,
    pub kind: ParamType,
    /// The function's default where the parameter feeds one (its Python source text).
    pub default: Option<String>,
    /// `task.parameter` for each input that reads it.
    pub used_by: Vec<String>,
}

/// The run parameters of a flow, by name, with the type and default of the function
/// parameters they feed (the first that says one).
pub fn run_params(spec: &FlowSpec, library: &[Function]) -> Vec<RunParam> {
    let mut out: BTreeMap<String, RunParam> = BTreeMap::new();
    for task in &spec.tasks {
        let function = task
            .function_id
            .as_ref()
            .and_then(|id| library.iter().find(|f| &f.id == id));
        for (input, value) in &task.inputs {
            let Input::Param { name } = value else {
                continue;
            };
            let fp = function.and_then(|f| f.param(input));
            let kind = fp.and_then(|p| {
                p.annotation
                    .as_deref()
                    .and_then(ParamType::of_annotation)
                    .or_else(|| p.default.as_deref().and_then(ParamType::of_default))
            });
            let p = out.entry(name.clone()).or_insert_with(|| RunParam {
                name: name.clone(),
                kind: ParamType::Text,
                default: None,
                used_by: Vec::new(),
            });
            if p.used_by.is_empty() {
                p.kind = kind.unwrap_or(ParamType::Text);
                p.default = fp.and_then(|p| p.default.clone());
            } else if p.default.is_none() {
                p.default = fp.and_then(|p| p.default.clone());
            }
            p.used_by.push(format!("{}.{input}", task.variable_id));
        }
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_annotations_then_defaults() {
        assert_eq!(ParamType::of_annotation("int"), Some(ParamType::Integer));
        assert_eq!(
            ParamType::of_annotation("Optional[int]"),
            Some(ParamType::Integer)
        );
        assert_eq!(
            ParamType::of_annotation("int | None"),
            Some(ParamType::Integer)
        );
        assert_eq!(ParamType::of_annotation("list[str]"), Some(ParamType::List));
        assert_eq!(
            ParamType::of_annotation("typing.Dict[str, int]"),
            Some(ParamType::Object)
        );
        assert_eq!(ParamType::of_annotation("pd.DataFrame"), None);
        assert_eq!(ParamType::of_default("100"), Some(ParamType::Integer));
        assert_eq!(ParamType::of_default("2.5"), Some(ParamType::Number));
        assert_eq!(ParamType::of_default("True"), Some(ParamType::Boolean));
        assert_eq!(ParamType::of_default("'eu'"), Some(ParamType::Text));
        assert_eq!(ParamType::of_default("[1, 2]"), Some(ParamType::List));
        assert_eq!(ParamType::of_default("None"), None);
        assert_eq!(ParamType::of_default("os.getcwd()"), None);
    }

    #[test]
    fn fields_are_checked_with_one_line() {
        assert_eq!(
            ParamType::Integer.parse("limit", "abc"),
            Err("`limit` must be an integer (e.g. 100), not `abc`".into())
        );
        assert_eq!(
            ParamType::Integer.parse("limit", " 25 "),
            Ok(Some(Value::from(25)))
        );
        assert_eq!(ParamType::Integer.parse("limit", ""), Ok(None));
        assert_eq!(
            ParamType::Boolean.parse("dry", "yes"),
            Ok(Some(Value::Bool(true)))
        );
        assert!(ParamType::Number.parse("r", "inf").is_err());
        assert_eq!(
            ParamType::Text.parse("region", "eu"),
            Ok(Some(Value::from("eu")))
        );
        assert!(ParamType::List.parse("ids", "{}").is_err());
    }
}
