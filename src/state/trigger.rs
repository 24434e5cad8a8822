//! The trigger form (`t` / `T` in the Runs pane): the flow's run parameters as fields
//! with their type and default, or the whole conf as JSON (`F2` switches), checked
//! before it is sent as the run's `conf`, as Airflow's own trigger form does.
//!
//! The parameters and their types are [`crate::model::run_param`]'s. A field starts with
//! the function's default, so a trigger without edits gives each task what calling the
//! function without that input would; an empty field is not sent, and the task gets the
//! DAG's default for it (`None`).

use super::input::Field;
pub use crate::model::run_param::{python_literal, run_params, ParamType, RunParam};
use serde_json::{Map, Value};

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
    use crate::model::{FlowSpec, Function, Input};

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
