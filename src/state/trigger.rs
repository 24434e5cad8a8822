//! The trigger form (`t` / `T` in the Runs pane): the flow's run parameters as fields
//! with their type and default, or the whole conf as JSON (`F2` switches), checked
//! before it is sent as the run's `conf`, as Airflow's own trigger form does.
//!
//! A flow's run parameters are the `{ param = "…" }` inputs of its tasks. Their type
//! comes from the function parameter each one feeds: its annotation (`int`,
//! `list[str]`, `Optional[int]`) when the function has one, else its default (`100` is
//! an integer), else it is text, which is what Airflow's form makes of a parameter
//! without a schema. The field starts with the function's default, so a trigger without
//! edits gives each task what calling the function without that input would; an empty
//! field is not sent, and the task gets the DAG's default for it (`None`).

use super::input::Field;
use crate::model::{FlowSpec, Function, Input};
use serde_json::{Map, Value};
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
                crate::model::text::one_line(name),
                crate::model::text::one_line(t)
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

/// The form before a trigger.
#[derive(Debug, Clone)]
pub struct TriggerForm {
    pub dag_id: String,
    pub flow_name: String,
    pub params: Vec<RunParam>,
    /// One field per parameter, in `params` order.
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Showing the whole conf as JSON instead of the fields.
    pub json: bool,
    pub conf: Field,
    /// Keys of the conf that are no run parameter of the flow (typed in the JSON view);
    /// sent with the fields.
    pub extra: Map<String, Value>,
    pub error: Option<String>,
}

impl TriggerForm {
    /// A form for `params`, the fields filled from `last` (the conf last sent or typed
    /// for this flow) or else from the functions' defaults.
    pub fn new(
        dag_id: String,
        flow_name: String,
        params: Vec<RunParam>,
        last: Option<&Map<String, Value>>,
    ) -> TriggerForm {
        let fields = params
            .iter()
            .map(|p| {
                let text = match last {
                    Some(conf) => conf.get(&p.name).map(|v| p.kind.text_of(v)),
                    None => p
                        .default
                        .as_deref()
                        .and_then(python_literal)
                        .map(|v| p.kind.text_of(&v)),
                };
                Field::single("value", &text.unwrap_or_default())
            })
            .collect();
        let extra = last
            .map(|conf| {
                conf.iter()
                    .filter(|(k, _)| !params.iter().any(|p| &p.name == *k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        TriggerForm {
            dag_id,
            flow_name,
            params,
            fields,
            focus: 0,
            json: false,
            conf: Field::multi("conf (a JSON object)", ""),
            extra,
            error: None,
        }
    }

    /// The conf the fields make (extra keys included): `Err` names the first field that
    /// does not hold its type, and focuses it.
    pub fn conf_of_fields(&mut self) -> Result<Map<String, Value>, String> {
        let mut conf = self.extra.clone();
        for (i, (p, f)) in self.params.iter().zip(&self.fields).enumerate() {
            match p.kind.parse(&p.name, &f.text()) {
                Ok(Some(v)) => {
                    conf.insert(p.name.clone(), v);
                }
                Ok(None) => {
                    conf.remove(&p.name);
                }
                Err(e) => {
                    self.focus = i;
                    return Err(e);
                }
            }
        }
        Ok(conf)
    }

    /// What the JSON view holds, if it is a JSON object (`None` for an empty text).
    pub fn parse_json(&self) -> Result<Option<Map<String, Value>>, String> {
        let text = self.conf.text();
        if text.trim().is_empty() {
            return Ok(None);
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(m)) => Ok(Some(m)),
            Ok(other) => Err(format!(
                "the conf must be a JSON object ({{\"key\": value, …}}), not {}",
                json_kind(&other)
            )),
            Err(e) => Err(format!("not valid JSON: {e}")),
        }
    }

    /// The conf to send: from the JSON view or the fields. `Ok(None)`: nothing to send.
    pub fn conf(&mut self) -> Result<Option<Value>, String> {
        let conf = if self.json {
            self.parse_json()?
        } else {
            Some(self.conf_of_fields()?)
        };
        Ok(conf.filter(|m| !m.is_empty()).map(Value::Object))
    }

    /// `F2`: fields → JSON (refused while a field is wrong), JSON → fields (refused while
    /// the JSON is not an object; its keys fill the fields, other keys are kept).
    pub fn toggle_json(&mut self) -> Result<(), String> {
        if self.json {
            let conf = self.parse_json()?.unwrap_or_default();
            for (p, f) in self.params.iter().zip(self.fields.iter_mut()) {
                let text = conf.get(&p.name).map(|v| p.kind.text_of(v));
                f.set_text(&text.unwrap_or_default());
            }
            self.extra = conf
                .into_iter()
                .filter(|(k, _)| !self.params.iter().any(|p| &p.name == k))
                .collect();
            self.json = false;
        } else {
            let conf = self.conf_of_fields()?;
            let text =
                serde_json::to_string_pretty(&Value::Object(conf)).unwrap_or_else(|_| "{}".into());
            self.conf.set_text(&text);
            if self.conf.text() == "{}" {
                // Inside the braces, ready to type.
                self.conf.set_text("{\n  \n}");
                self.conf
                    .area
                    .move_cursor(tui_textarea::CursorMove::Jump(1, 2));
            }
            self.json = true;
        }
        self.error = None;
        Ok(())
    }

    /// The field keys go to.
    pub fn field_mut(&mut self) -> Option<&mut Field> {
        if self.json {
            Some(&mut self.conf)
        } else {
            self.fields.get_mut(self.focus)
        }
    }

    pub fn next_field(&mut self) {
        if !self.fields.is_empty() {
            self.focus = (self.focus + 1) % self.fields.len();
        }
    }

    pub fn prev_field(&mut self) {
        if !self.fields.is_empty() {
            self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
        }
    }

    /// The text to keep for the next form of this flow (the JSON of what was typed).
    pub fn draft(&mut self) -> Option<String> {
        if self.json {
            return Some(self.conf.text());
        }
        let keep = self.focus;
        let conf = self.conf_of_fields().ok();
        self.focus = keep;
        conf.map(|c| Value::Object(c).to_string())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::function::{Param, ParamKind};

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

    fn spec_with(annotation: Option<&str>, default: Option<&str>) -> (FlowSpec, Vec<Function>) {
        let mut spec = crate::model::sample::daily_sales();
        let mut lib = crate::model::sample::etl_functions();
        let extract = spec.tasks.iter_mut().find(|t| t.variable_id == "extract");
        let extract = extract.expect("the sample has extract");
        extract.inputs.insert(
            "limit".into(),
            Input::Param {
                name: "limit".into(),
            },
        );
        let f = lib
            .iter_mut()
            .find(|f| f.name == "extract")
            .expect("extract");
        f.params.retain(|p| p.name != "limit");
        f.params.push(Param {
            name: "limit".into(),
            kind: ParamKind::PositionalOrKeyword,
            default: default.map(Into::into),
            annotation: annotation.map(Into::into),
        });
        (spec, lib)
    }

    #[test]
    fn a_flow_lists_its_run_parameters_with_type_and_default() {
        let (spec, lib) = spec_with(None, Some("100"));
        let params = run_params(&spec, &lib);
        let limit = params.iter().find(|p| p.name == "limit").expect("limit");
        assert_eq!(limit.kind, ParamType::Integer);
        assert_eq!(limit.default.as_deref(), Some("100"));
        assert_eq!(limit.used_by, vec!["extract.limit".to_string()]);
        let (spec, lib) = spec_with(Some("float"), None);
        let params = run_params(&spec, &lib);
        let limit = params.iter().find(|p| p.name == "limit").expect("limit");
        assert_eq!(limit.kind, ParamType::Number);
    }

    #[test]
    fn the_form_sends_typed_values_and_switches_to_json_and_back() {
        let (spec, lib) = spec_with(None, Some("100"));
        let params = run_params(&spec, &lib);
        let mut form = TriggerForm::new("d".into(), "d".into(), params, None);
        let i = form.params.iter().position(|p| p.name == "limit").unwrap();
        assert_eq!(form.fields[i].text(), "100");
        form.fields[i].set_text("abc");
        assert!(form.conf().unwrap_err().contains("integer"));
        assert_eq!(form.focus, i);
        form.fields[i].set_text("7");
        let conf = form.conf().unwrap().unwrap();
        assert_eq!(conf["limit"], Value::from(7));
        form.toggle_json().unwrap();
        assert!(form.conf.text().contains("\"limit\": 7"));
        form.conf.set_text("{\"limit\": 9, \"other\": \"x\"}");
        form.toggle_json().unwrap();
        assert_eq!(form.fields[i].text(), "9");
        let conf = form.conf().unwrap().unwrap();
        assert_eq!(conf["other"], Value::from("x"));
        form.toggle_json().unwrap();
        form.conf.set_text("[1]");
        assert!(form.toggle_json().unwrap_err().contains("JSON object"));
    }
}
