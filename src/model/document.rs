//! The flow document: one TOML file describing one flow (PRODUCT.md's import/export
//! format). `to_document` + `render_document` export; `parse_document` + `apply_document`
//! import. Exporting and importing again yields an equal document, so nothing changes.

use super::edge::Edge;
use super::flow::{Flow, FlowSpec, TaskIndex};
use super::function::Function;
use super::ids::{flow_id_for, new_id};
use super::literal::Literal;
use super::task::{Input, Mode, Task};
use super::template::{has_strings, StrKind};
use super::text::one_line;
use super::validate::Problem;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowDocument {
    pub flow: DocFlow,
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub defaults: toml::Table,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<DocTask>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edges: Vec<DocEdge>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocFlow {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub schedule: String,
    #[serde(default)]
    pub start_date: Option<DocDate>,
    #[serde(default)]
    pub catchup: bool,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default = "yes")]
    pub unpause_on_deploy: bool,
}

fn yes() -> bool {
    true
}

/// A day (UTC) as the flow document holds it. Read from a TOML date (`2024-11-11`), a
/// string (`"2024-11-11"`), or a date-time at the start of a UTC day
/// (`2024-11-11T00:00:00Z`, `2024-11-11T09:00:00+09:00`, `2024-11-11T00:00:00`);
/// written as a string. Anything else is refused naming what is expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocDate(pub NaiveDate);

impl Serialize for DocDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.format("%Y-%m-%d").to_string())
    }
}

impl<'de> Deserialize<'de> for DocDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = toml::Value::deserialize(d)?;
        date_from_toml(&value)
            .map(DocDate)
            .map_err(serde::de::Error::custom)
    }
}

/// The name of a TOML value's type as a user knows it.
pub fn toml_type_name(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "a whole number",
        toml::Value::Float(_) => "a number",
        toml::Value::Boolean(_) => "true/false",
        toml::Value::Datetime(_) => "a date-time",
        toml::Value::Array(_) => "a list",
        toml::Value::Table(_) => "a table",
    }
}

/// A UTC day from a TOML value (see [`DocDate`]); the error says what is expected.
pub fn date_from_toml(value: &toml::Value) -> Result<NaiveDate, String> {
    const EXPECTED: &str = "a date like 2024-11-11 (quoted or not)";
    match value {
        toml::Value::String(s) => {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").or_else(|_| {
                // A date-time written as a string is read like an unquoted one.
                match s.trim().parse::<toml::value::Datetime>() {
                    Ok(dt) => date_from_datetime(&dt),
                    Err(_) => Err(format!("`{}` is not {EXPECTED}", one_line(s))),
                }
            })
        }
        toml::Value::Datetime(dt) => date_from_datetime(dt),
        other => Err(format!(
            "expected {EXPECTED}, found {} `{}`",
            toml_type_name(other),
            one_line(&other.to_string())
        )),
    }
}

fn date_from_datetime(dt: &toml::value::Datetime) -> Result<NaiveDate, String> {
    let Some(d) = dt.date else {
        return Err(format!(
            "`{dt}` is a time of day; expected a date like 2024-11-11"
        ));
    };
    let date = NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        .ok_or_else(|| format!("`{dt}` is not a calendar date"))?;
    let Some(t) = dt.time else {
        return Ok(date);
    };
    let local = date
        .and_hms_nano_opt(
            u32::from(t.hour),
            u32::from(t.minute),
            u32::from(t.second),
            t.nanosecond,
        )
        .ok_or_else(|| format!("`{dt}` is not a valid time"))?;
    let offset_minutes = match dt.offset {
        None | Some(toml::value::Offset::Z) => 0,
        Some(toml::value::Offset::Custom { minutes }) => i64::from(minutes),
    };
    let utc = local - chrono::Duration::minutes(offset_minutes);
    if utc.time() == chrono::NaiveTime::MIN {
        return Ok(utc.date());
    }
    Err(format!(
        "flows start at the beginning of a UTC day, and `{dt}` is {} UTC: write {} (or {})",
        utc.format("%Y-%m-%d %H:%M"),
        utc.date().format("%Y-%m-%d"),
        (utc.date() + chrono::Duration::days(1)).format("%Y-%m-%d")
    ))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocTask {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub python_callable: String,
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub options: toml::Table,
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub inputs: toml::Table,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocEdge {
    pub from: String,
    pub to: String,
}

/// The document of a saved flow. Options texts become tables (comments are not part of a
/// flow's meaning); edges implied by inputs are left out, as import adds them back.
pub fn to_document(spec: &FlowSpec, functions: &[Function]) -> FlowDocument {
    let names: HashMap<&str, &str> = functions
        .iter()
        .map(|f| (f.id.as_str(), f.name.as_str()))
        .collect();
    to_document_named(spec, |id| names.get(id).copied())
}

/// `to_document` with function names looked up by `name_of(function_id)`.
pub fn to_document_named<'a>(
    spec: &FlowSpec,
    name_of: impl Fn(&str) -> Option<&'a str>,
) -> FlowDocument {
    let flow = &spec.flow;
    let index = spec.index();
    let tasks = spec
        .tasks
        .iter()
        .map(|t| DocTask {
            id: t.variable_id.clone(),
            function: t
                .function_id
                .as_ref()
                .map(|fid| name_of(fid).map_or_else(|| fid.clone(), str::to_string)),
            mode: (t.mode != Mode::Python).then(|| t.mode.as_str().to_string()),
            python_callable: t.python_callable.clone(),
            options: toml::from_str(&t.options).unwrap_or_default(),
            inputs: t
                .inputs
                .iter()
                .map(|(name, input)| (name.clone(), input_to_toml(input, &index)))
                .collect(),
        })
        .collect();
    let implied: Vec<(&str, &str)> = spec
        .tasks
        .iter()
        .flat_map(|t| t.upstream_inputs().map(move |up| (up, t.id.as_str())))
        .collect();
    let edges = spec
        .edges
        .iter()
        .filter(|e| !implied.contains(&(e.from_task_id.as_str(), e.to_task_id.as_str())))
        .map(|e| DocEdge {
            from: index.var(&e.from_task_id).to_string(),
            to: index.var(&e.to_task_id).to_string(),
        })
        .collect();
    FlowDocument {
        flow: DocFlow {
            name: flow.name.clone(),
            description: flow.description.clone(),
            schedule: flow.schedule.clone(),
            start_date: Some(DocDate(flow.start_date)),
            catchup: flow.catchup,
            tags: flow.tags.clone(),
            unpause_on_deploy: flow.unpause_on_deploy,
        },
        defaults: toml::from_str(&flow.defaults).unwrap_or_default(),
        tasks,
        edges,
    }
}

fn input_to_toml(input: &Input, index: &TaskIndex) -> toml::Value {
    let mut t = toml::Table::new();
    match input {
        // A kind the document's rule would not give the value is spelled out.
        Input::Value { value, strings }
            if has_strings(value) && *strings != StrKind::implied_by(value) =>
        {
            t.insert(strings.as_str().into(), value.to_toml());
        }
        // A literal table is wrapped so it cannot be mistaken for `{ task = … }`.
        Input::Value { value, .. } if matches!(value, Literal::Table(_)) => {
            t.insert("value".into(), value.to_toml());
        }
        Input::Value { value, .. } => return value.to_toml(),
        Input::Task { task, key } => {
            t.insert(
                "task".into(),
                toml::Value::String(index.var(task).to_string()),
            );
            if let Some(k) = key {
                t.insert("key".into(), toml::Value::String(k.clone()));
            }
        }
        Input::Param { name } => {
            t.insert("param".into(), toml::Value::String(name.clone()));
        }
    }
    toml::Value::Table(t)
}

/// The document as TOML text, laid out like PRODUCT.md's example.
pub fn render_document(doc: &FlowDocument) -> String {
    let mut out = toml_edit::DocumentMut::new();
    let mut flow = toml_edit::Table::new();
    flow["name"] = toml_edit::value(doc.flow.name.clone());
    flow["description"] = toml_edit::value(doc.flow.description.clone());
    if !doc.flow.schedule.is_empty() {
        flow["schedule"] = toml_edit::value(doc.flow.schedule.clone());
    }
    if let Some(d) = &doc.flow.start_date {
        flow["start_date"] = toml_edit::value(d.0.format("%Y-%m-%d").to_string());
    }
    flow["catchup"] = toml_edit::value(doc.flow.catchup);
    let mut tags = toml_edit::Array::new();
    for t in &doc.flow.tags {
        tags.push(t.clone());
    }
    flow["tags"] = toml_edit::value(tags);
    flow["unpause_on_deploy"] = toml_edit::value(doc.flow.unpause_on_deploy);
    out["flow"] = toml_edit::Item::Table(flow);
    if !doc.defaults.is_empty() {
        out["defaults"] = toml_edit::Item::Table(plain_table(&doc.defaults));
    }
    if !doc.tasks.is_empty() {
        let mut tasks = toml_edit::ArrayOfTables::new();
        for t in &doc.tasks {
            let mut tt = toml_edit::Table::new();
            tt["id"] = toml_edit::value(t.id.clone());
            if let Some(f) = &t.function {
                tt["function"] = toml_edit::value(f.clone());
            }
            if let Some(m) = &t.mode {
                tt["mode"] = toml_edit::value(m.clone());
            }
            if !t.python_callable.is_empty() {
                tt["python_callable"] = toml_edit::value(t.python_callable.clone());
            }
            if !t.options.is_empty() {
                tt["options"] = toml_edit::Item::Table(plain_table(&t.options));
            }
            if !t.inputs.is_empty() {
                // Inputs are written inline (`rows = { task = "extract" }`) as in the spec.
                let mut inputs = toml_edit::Table::new();
                for (k, v) in &t.inputs {
                    inputs[k.as_str()] = toml_edit::Item::Value(edit_value(v));
                }
                tt["inputs"] = toml_edit::Item::Table(inputs);
            }
            tasks.push(tt);
        }
        out["tasks"] = toml_edit::Item::ArrayOfTables(tasks);
    }
    if !doc.edges.is_empty() {
        let mut edges = toml_edit::ArrayOfTables::new();
        for e in &doc.edges {
            let mut et = toml_edit::Table::new();
            et["from"] = toml_edit::value(e.from.clone());
            et["to"] = toml_edit::value(e.to.clone());
            edges.push(et);
        }
        out["edges"] = toml_edit::Item::ArrayOfTables(edges);
    }
    out.to_string()
}

fn plain_table(t: &toml::Table) -> toml_edit::Table {
    let mut out = toml_edit::Table::new();
    for (k, v) in t {
        out[k.as_str()] = toml_edit::Item::Value(edit_value(v));
    }
    out
}

fn edit_value(v: &toml::Value) -> toml_edit::Value {
    match v {
        toml::Value::String(s) => s.clone().into(),
        toml::Value::Integer(i) => (*i).into(),
        toml::Value::Float(f) => (*f).into(),
        toml::Value::Boolean(b) => (*b).into(),
        toml::Value::Datetime(d) => d.to_string().into(),
        toml::Value::Array(items) => {
            let mut a = toml_edit::Array::new();
            for i in items {
                a.push(edit_value(i));
            }
            toml_edit::Value::Array(a)
        }
        toml::Value::Table(t) => {
            let mut it = toml_edit::InlineTable::new();
            for (k, v) in t {
                it.insert(k, edit_value(v));
            }
            toml_edit::Value::InlineTable(it)
        }
    }
}

/// Parses a flow document; unknown keys and type errors name the key and the line, and
/// a wrong type says which type is expected in the terms of a person writing TOML.
pub fn parse_document(text: &str) -> Result<FlowDocument, String> {
    toml::from_str(text).map_err(|e| {
        let start = e.span().map(|s| s.start.min(text.len()));
        let line = start.map(|s| text[..s].matches('\n').count() + 1);
        // The key the value belongs to: the start of the line the error points into.
        let key = start.and_then(|s| {
            let line_start = text[..s].rfind('\n').map_or(0, |i| i + 1);
            let line_text = &text[line_start..];
            let line_text = line_text.split('\n').next().unwrap_or("");
            line_text
                .split_once('=')
                .map(|(k, _)| k.trim().to_string())
                .filter(|k| !k.is_empty() && !k.starts_with('['))
        });
        // toml's messages may span lines ("invalid date-time\nvalue is out of range").
        let message = e
            .message()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(": ");
        let message = user_terms(&message, key.as_deref());
        match line {
            Some(l) => format!("line {l}: {message}"),
            None => message,
        }
    })
}

/// serde's "invalid type: integer `5`, expected a string" as "`name` must be text in
/// quotes, not a whole number `5`"; other messages are kept.
fn user_terms(message: &str, key: Option<&str>) -> String {
    let Some(rest) = message.strip_prefix("invalid type: ") else {
        return message.to_string();
    };
    let Some((found, expected)) = rest.rsplit_once(", expected ") else {
        return message.to_string();
    };
    let found = if let Some(v) = found.strip_prefix("integer ") {
        format!("a whole number {v}")
    } else if let Some(v) = found.strip_prefix("floating point ") {
        format!("a number {v}")
    } else if let Some(v) = found.strip_prefix("boolean ") {
        format!("true/false ({v})")
    } else if let Some(v) = found.strip_prefix("string ") {
        format!("text {v}")
    } else {
        match found {
            "sequence" => "a list".to_string(),
            "map" => "a table (or a date-time)".to_string(),
            other => other.to_string(),
        }
    };
    let expected = match expected {
        "a string" => "text in quotes, e.g. \"daily sales\"",
        "a boolean" => "true or false (unquoted)",
        "a sequence" => "a list, e.g. [\"a\", \"b\"]",
        "a map" => "a table, e.g. { retries = 2 } or a [section]",
        "u32" | "i64" | "u64" | "an integer" => "a whole number",
        other => other,
    };
    match key {
        Some(k) => format!("`{}` must be {expected}, not {found}", one_line(k)),
        None => format!("expected {expected}, found {found}"),
    }
}

/// Turns a document into the flow to save. `existing` is the saved flow of the same
/// name, whose record ids and timestamps are kept for tasks and edges that still exist.
pub fn apply_document(
    doc: &FlowDocument,
    existing: Option<&FlowSpec>,
    functions: &[Function],
    now: DateTime<Utc>,
) -> Result<FlowSpec, Vec<Problem>> {
    let mut problems = Vec::new();
    let flow_problem = |m: String| Problem {
        task: None,
        message: m,
    };
    let start_date = match &doc.flow.start_date {
        Some(d) => super::flow::check_start_date(d.0).unwrap_or_else(|e| {
            problems.push(flow_problem(e));
            now.date_naive()
        }),
        None => existing.map_or(now.date_naive(), |e| e.flow.start_date),
    };
    let flow_id = existing.map_or_else(|| flow_id_for(&doc.flow.name), |e| e.flow.id.clone());
    let defaults = table_text(&doc.defaults, existing.map(|e| e.flow.defaults.as_str()));
    let flow = Flow {
        id: flow_id.clone(),
        name: doc.flow.name.clone(),
        description: doc.flow.description.clone(),
        version: existing.map_or(1, |e| e.flow.version),
        created_at: existing.map_or(now, |e| e.flow.created_at),
        updated_at: existing.map_or(now, |e| e.flow.updated_at),
        schedule: doc.flow.schedule.trim().to_string(),
        start_date,
        catchup: doc.flow.catchup,
        tags: doc.flow.tags.clone(),
        defaults,
        unpause_on_deploy: doc.flow.unpause_on_deploy,
    };

    // Record ids: reuse the saved task's id when the variable id matches.
    let old_tasks: HashMap<&str, &Task> = existing
        .map(|e| {
            e.tasks
                .iter()
                .map(|t| (t.variable_id.as_str(), t))
                .collect()
        })
        .unwrap_or_default();
    let ids: HashMap<&str, String> = doc
        .tasks
        .iter()
        .map(|t| {
            let id = old_tasks
                .get(t.id.as_str())
                .map_or_else(|| new_id("task"), |o| o.id.clone());
            (t.id.as_str(), id)
        })
        .collect();

    let by_name: HashMap<&str, &Function> =
        functions.iter().map(|f| (f.name.as_str(), f)).collect();
    let mut tasks = Vec::new();
    for (position, dt) in doc.tasks.iter().enumerate() {
        let here = |m: String| Problem {
            task: Some(one_line(&dt.id)),
            message: m,
        };
        let mode = match dt.mode.as_deref() {
            None => Mode::Python,
            Some(m) => Mode::parse(m).unwrap_or_else(|| {
                problems.push(here(format!(
                    "mode `{}` is unknown: use \"python\" or \"docker\"",
                    one_line(m)
                )));
                Mode::Python
            }),
        };
        let function_id = match (&dt.function, mode) {
            (Some(name), _) => match by_name.get(name.as_str()).copied() {
                Some(f) => Some(f.id.clone()),
                None => {
                    problems.push(here(format!(
                        "function `{}` is not in the library; register it with `flowdeck function add FILE --function NAME --name {}`",
                        one_line(name), one_line(name)
                    )));
                    None
                }
            },
            (None, Mode::Python) => {
                problems.push(here(
                    "a python task needs `function = \"<library function name>\"`".into(),
                ));
                None
            }
            (None, Mode::Docker) => None,
        };
        let mut inputs = BTreeMap::new();
        for (name, value) in &dt.inputs {
            match input_from_toml(value, &ids) {
                Ok(input) => {
                    inputs.insert(name.clone(), input);
                }
                Err(e) => problems.push(here(format!("input `{}`: {e}", one_line(name)))),
            }
        }
        let old = old_tasks.get(dt.id.as_str());
        let options = table_text(&dt.options, old.map(|o| o.options.as_str()));
        tasks.push(Task {
            id: ids[dt.id.as_str()].clone(),
            flow_id: flow_id.clone(),
            function_id,
            variable_id: dt.id.clone(),
            python_callable: dt.python_callable.clone(),
            options,
            mode,
            inputs,
            position: position as u32,
            created_at: old.map_or(now, |o| o.created_at),
            updated_at: old.map_or(now, |o| o.updated_at),
        });
    }

    let old_edges: HashMap<(&str, &str), &Edge> = existing
        .map(|e| {
            e.edges
                .iter()
                .map(|x| ((x.from_task_id.as_str(), x.to_task_id.as_str()), x))
                .collect()
        })
        .unwrap_or_default();
    let mut edges = Vec::new();
    for de in &doc.edges {
        let (Some(from), Some(to)) = (ids.get(de.from.as_str()), ids.get(de.to.as_str())) else {
            let missing = if ids.contains_key(de.from.as_str()) {
                &de.to
            } else {
                &de.from
            };
            problems.push(flow_problem(format!(
                "edge {} → {}: there is no task `{}`",
                one_line(&de.from),
                one_line(&de.to),
                one_line(missing)
            )));
            continue;
        };
        let id = old_edges
            .get(&(from.as_str(), to.as_str()))
            .map_or_else(|| new_id("edge"), |e| e.id.clone());
        edges.push(Edge {
            id,
            flow_id: flow_id.clone(),
            from_task_id: from.clone(),
            to_task_id: to.clone(),
        });
    }
    let mut spec = FlowSpec { flow, tasks, edges };
    // Implied edges keep their saved ids too.
    for task in &spec.tasks {
        for up in task.upstream_inputs() {
            let key = (up, task.id.as_str());
            if !spec
                .edges
                .iter()
                .any(|e| (e.from_task_id.as_str(), e.to_task_id.as_str()) == key)
            {
                if let Some(old) = old_edges.get(&key) {
                    let mut e = (*old).clone();
                    e.flow_id = spec.flow.id.clone();
                    spec.edges.push(e);
                }
            }
        }
    }
    super::validate::add_implied_edges(&mut spec);
    if problems.is_empty() {
        Ok(spec)
    } else {
        Err(problems)
    }
}

fn input_from_toml(value: &toml::Value, ids: &HashMap<&str, String>) -> Result<Input, String> {
    let toml::Value::Table(t) = value else {
        return Literal::from_toml(value).map(Input::value);
    };
    let keys: Vec<&str> = t.keys().map(String::as_str).collect();
    let string = |k: &str| match t.get(k) {
        Some(toml::Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!("`{k}` must be a string, not {}", other.type_str())),
        None => Err(format!("`{k}` is missing")),
    };
    match keys.as_slice() {
        ["value"] => Literal::from_toml(&t["value"]).map(Input::value),
        ["text"] => Literal::from_toml(&t["text"]).map(|value| Input::Value {
            value,
            strings: StrKind::Text,
        }),
        ["template"] => Literal::from_toml(&t["template"]).map(|value| Input::Value {
            value,
            strings: StrKind::Template,
        }),
        ["param"] => Ok(Input::Param { name: string("param")? }),
        ["task"] | ["key", "task"] => {
            let var = string("task")?;
            let task = ids
                .get(var.as_str())
                .cloned()
                .ok_or_else(|| format!("there is no task `{}` in this flow", one_line(&var)))?;
            let key = if t.contains_key("key") { Some(string("key")?) } else { None };
            Ok(Input::Task { task, key })
        }
        _ => Err(format!(
            "a table input must be {{ task = \"…\" }}, {{ task = \"…\", key = \"…\" }}, {{ param = \"…\" }}, {{ text = … }}, {{ template = … }} or {{ value = … }}, not {{ {} }}",
            keys.iter().map(|k| one_line(k)).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Options text for a table; the saved text is kept (with its comments) when it means
/// the same, so importing an exported flow changes nothing.
fn table_text(table: &toml::Table, saved: Option<&str>) -> String {
    if let Some(saved) = saved {
        if toml::from_str::<toml::Table>(saved).ok().as_ref() == Some(table) {
            return saved.to_string();
        }
    }
    if table.is_empty() {
        return String::new();
    }
    plain_table(table).to_string()
}

#[cfg(test)]
mod doc_value_tests {
    use super::*;

    fn start_date(value: &str) -> Result<NaiveDate, String> {
        parse_document(&format!("[flow]\nname = \"x\"\nstart_date = {value}\n"))
            .map(|d| d.flow.start_date.expect("start_date given").0)
    }

    #[test]
    fn dates_as_people_write_them() {
        let day = NaiveDate::from_ymd_opt(2024, 11, 11).unwrap();
        for written in [
            "2024-11-11",
            "\"2024-11-11\"",
            "2024-11-11T00:00:00Z",
            "2024-11-11T00:00:00+00:00",
            "2024-11-11T09:00:00+09:00",
            "2024-11-10T19:00:00-05:00",
            "2024-11-11 00:00:00Z",
            "2024-11-11T00:00:00",
            "\"2024-11-11T00:00:00Z\"",
        ] {
            assert_eq!(start_date(written), Ok(day), "{written}");
        }
    }

    #[test]
    fn wrong_dates_and_types_say_what_is_expected() {
        let cases = [
            ("5", "line 3: expected a date like 2024-11-11 (quoted or not), found a whole number `5`"),
            ("\"next monday\"", "`next monday` is not a date like 2024-11-11"),
            ("09:00:00", "is a time of day; expected a date like 2024-11-11"),
            ("2024-11-11T00:00:00+09:00", "`2024-11-11T00:00:00+09:00` is 2024-11-10 15:00 UTC: write 2024-11-10 (or 2024-11-11)"),
            ("2024-02-30", "line 3: invalid date-time: value is out of range"),
        ];
        for (written, want) in cases {
            let err = start_date(written).unwrap_err();
            assert!(err.contains(want), "{written}: {err}");
            assert!(!err.contains('\n'), "{err}");
        }
        let doc = |body: &str| parse_document(&format!("[flow]\n{body}\n")).unwrap_err();
        assert_eq!(
            doc("name = 5"),
            "line 2: `name` must be text in quotes, e.g. \"daily sales\", not a whole number `5`"
        );
        assert_eq!(
            doc("name = \"x\"\ncatchup = \"yes\""),
            "line 3: `catchup` must be true or false (unquoted), not text \"yes\""
        );
        assert_eq!(
            doc("name = \"x\"\ntags = \"a\""),
            "line 3: `tags` must be a list, e.g. [\"a\", \"b\"], not text \"a\""
        );
        assert!(
            !doc("name = \"x\"\nschedule = 5").contains("invalid type"),
            "serde's wording is translated"
        );
    }

    #[test]
    fn an_exported_date_imports_unchanged() {
        let doc = parse_document("[flow]\nname = \"x\"\nstart_date = 2024-11-11\n").unwrap();
        let text = render_document(&doc);
        assert!(text.contains("start_date = \"2024-11-11\""), "{text}");
        assert_eq!(parse_document(&text).unwrap(), doc);
    }
}
