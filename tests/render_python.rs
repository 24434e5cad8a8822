//! Random valid flows (arbitrary unicode names, descriptions, tags, inputs and options;
//! random DAG shapes) render to files that python3 compiles, and in which an AST reader
//! (tests/support/dag_ast.py, no Airflow needed) finds exactly the model's dag id,
//! display name, tasks, inputs, overrides and dependencies.

mod support;

use chrono::NaiveDate;
use flowdeck::model::ids::flow_id_for;
use flowdeck::model::literal::Literal;
use flowdeck::model::options::TRIGGER_RULES;
use flowdeck::model::sample::epoch;
use flowdeck::model::template::{has_jinja_delimiter, has_strings, legacy_kind};
use flowdeck::model::StrKind;
use flowdeck::model::{validate, Edge, Flow, FlowSpec, Function, Input, Mode, Task};
use flowdeck::render::pyexpr::{docker_templated, env_text_of_literal};
use flowdeck::render::{RenderConfig, Rendered, Renderer, REVISION_PREFIX};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// Runs dag_ast.py on files; returns its JSON keyed by path.
fn read_with_ast(paths: &[&Path]) -> Value {
    let out = Command::new("python3")
        .arg(support::support_file("dag_ast.py"))
        .args(paths)
        .output()
        .expect("python3 must be installed to run this test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "python3 rejected a rendered file:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("FLOWDECK_JSON "))
        .expect("dag_ast.py result");
    serde_json::from_str(line).expect("dag_ast.py JSON")
}

/// A literal as dag_ast.py writes it: floats as `{"$float": repr}`, compared by value
/// after parsing with Rust (serde_json's float parsing may be off by one ulp).
fn exact(value: &Literal) -> Value {
    match value {
        Literal::Float(f) => json!({ "$float": f }),
        Literal::List(items) => Value::Array(items.iter().map(exact).collect()),
        Literal::Table(t) => Value::Object(t.iter().map(|(k, v)| (k.clone(), exact(v))).collect()),
        other => json!(other),
    }
}

/// Turns `{"$float": "1e+20"}` (file side) into the float's bits, so both sides compare
/// exactly.
fn floats_as_bits(v: &Value) -> Value {
    match v {
        Value::Object(m) if m.len() == 1 && m.contains_key("$float") => {
            let bits = match &m["$float"] {
                Value::String(s) => s.parse::<f64>().map(f64::to_bits).ok(),
                Value::Number(n) => n.as_f64().map(f64::to_bits),
                _ => None,
            };
            json!({ "$float": bits })
        }
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), floats_as_bits(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(floats_as_bits).collect()),
        other => other.clone(),
    }
}

/// What the AST reader must find for a flow.
fn check(spec: &FlowSpec, rendered: &Rendered, seen: &Value) -> Result<(), String> {
    let flow = &spec.flow;
    let fail = |what: &str, got: &Value, want: &Value| {
        Err(format!("{what}: file has {got}, model has {want}"))
    };
    if seen["ascii"] != json!(true) {
        return Err("file is not ASCII".into());
    }
    let dag = &seen["dag"];
    let mut tags: Vec<&str> = flow.tags.iter().map(String::as_str).collect();
    if !tags.contains(&"flowdeck") {
        tags.push("flowdeck");
    }
    // The render is named in doc_md's last line, not in a tag.
    let doc_md = dag["doc_md"].as_str().unwrap_or_default();
    if doc_md.lines().last() != Some(rendered.revision.as_str())
        || !rendered.revision.starts_with(REVISION_PREFIX)
    {
        return Err(format!(
            "doc_md {doc_md:?} does not end with {:?}",
            rendered.revision
        ));
    }
    let description = if flow.description.is_empty() {
        Value::Null
    } else {
        json!(flow.description)
    };
    let schedule = if flow.schedule.is_empty() {
        Value::Null
    } else {
        json!(flow.schedule)
    };
    let params: BTreeSet<&str> = spec
        .tasks
        .iter()
        .flat_map(|t| t.inputs.values())
        .filter_map(|i| match i {
            Input::Param { name } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    for (key, want) in [
        ("dag_id", json!(flow.id)),
        ("dag_display_name", json!(flow.name)),
        ("description", description),
        ("schedule", schedule),
        ("tags", json!(tags)),
        ("catchup", json!(flow.catchup)),
        ("params", json!(params)),
    ] {
        let got = dag.get(key).unwrap_or(&Value::Null);
        if *got != want {
            return fail(key, got, &want);
        }
    }

    let tasks = seen["tasks"].as_object().ok_or("no tasks object")?;
    let want_ids: BTreeSet<&str> = spec.tasks.iter().map(|t| t.variable_id.as_str()).collect();
    let got_ids: BTreeSet<&str> = tasks.keys().map(String::as_str).collect();
    if want_ids != got_ids {
        return Err(format!("task ids: file {got_ids:?}, model {want_ids:?}"));
    }
    for task in &spec.tasks {
        let t = &tasks[&task.variable_id];
        if t["var"] != json!(task.variable_id) {
            return Err(format!("{}: variable {}", task.variable_id, t["var"]));
        }
        match task.mode {
            Mode::Python => {
                let mut want = serde_json::Map::new();
                for (name, input) in &task.inputs {
                    let v = match input {
                        Input::Value {
                            value,
                            strings: StrKind::Text,
                        } if has_strings(value) => json!({ "text": exact(value) }),
                        Input::Value { value, .. } => json!({ "literal": exact(value) }),
                        Input::Task { task: up, key } => {
                            json!({ "upstream": spec.var_of(up), "key": key })
                        }
                        Input::Param { name } => json!({ "param": name }),
                    };
                    want.insert(name.clone(), v);
                }
                // The model side holds the f64 itself (json! keeps it exactly).
                let want = floats_as_bits(&Value::Object(want));
                let got = floats_as_bits(&t["inputs"]);
                if got != want {
                    return fail(&format!("{} inputs", task.variable_id), &got, &want);
                }
                let overrides = &seen["overrides"][format!("_fd_cb_{}", task.variable_id)];
                if task.python_callable.is_empty() {
                    if !overrides.is_null() {
                        return Err(format!("{}: unexpected override", task.variable_id));
                    }
                } else if overrides["code"] != json!(task.python_callable)
                    || overrides["filename"]
                        != json!(format!("<flowdeck task {}>", task.variable_id))
                {
                    return fail(
                        &format!("{} override", task.variable_id),
                        overrides,
                        &json!(task.python_callable),
                    );
                }
            }
            Mode::Docker => {
                let env = t["environment"].as_object().ok_or("no environment")?;
                for (name, input) in &task.inputs {
                    let got = env.get(name).ok_or(format!("env {name} missing"))?;
                    if let Input::Value { value, strings } = input {
                        let text = env_text_of_literal(value);
                        // A value without strings is text only when its JSON looks
                        // like Jinja (a table key such as `{{ x }}`).
                        let text_kind = if has_strings(value) {
                            *strings == StrKind::Text
                        } else {
                            has_jinja_delimiter(&text)
                        };
                        let want = if text_kind {
                            json!({ "text": text })
                        } else {
                            json!(docker_templated(&text))
                        };
                        if *got != want {
                            return fail(&format!("env {name}"), got, &want);
                        }
                    }
                }
            }
        }
    }

    let mut want_deps: BTreeSet<(String, String)> = BTreeSet::new();
    for e in &spec.edges {
        want_deps.insert((
            spec.var_of(&e.from_task_id).to_string(),
            spec.var_of(&e.to_task_id).to_string(),
        ));
    }
    let got_deps: BTreeSet<(String, String)> = seen["deps"]
        .as_array()
        .ok_or("no deps")?
        .iter()
        .map(|d| {
            (
                d[0].as_str().unwrap_or_default().to_string(),
                d[1].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    if got_deps != want_deps {
        return Err(format!(
            "dependencies: file {got_deps:?}, model {want_deps:?}"
        ));
    }
    if rendered.line_map.len() != spec.tasks.len() {
        return Err(format!("line map has {} tasks", rendered.line_map.len()));
    }
    Ok(())
}

#[test]
fn fixtures_read_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let renderer = Renderer::new(&RenderConfig::default()).unwrap();
    let mut files = Vec::new();
    for (name, spec) in support::fixtures() {
        let rendered = renderer.render(&spec, &support::functions()).unwrap();
        let path = dir.path().join(&rendered.file_name);
        std::fs::write(&path, &rendered.source).unwrap();
        files.push((name, spec, rendered, path));
    }
    let paths: Vec<&Path> = files.iter().map(|f| f.3.as_path()).collect();
    let seen = read_with_ast(&paths);
    for (name, spec, rendered, path) in &files {
        let key = path.to_string_lossy();
        if let Err(e) = check(spec, rendered, &seen[key.as_ref()]) {
            panic!("{name}: {e}");
        }
    }
}

// ---- random valid flows ----

/// Text built to break naive escaping, or any unicode at all.
fn nasty() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "\"",
        "'",
        "'''",
        "\"\"\"",
        "\\",
        "\\n",
        "\n",
        "\r",
        "\r\n",
        "\t",
        "{{ ds }}",
        "{{",
        "}}",
        "{%",
        "%}",
        "{% if x %}",
        "{#",
        "#}",
        "#",
        " ",
        "é",
        "☃",
        "😀",
        "\u{2028}",
        "\u{0}",
        "\u{1b}[31m",
        "\u{7f}",
        "\u{feff}",
        "\u{85}",
        "x",
        "a b",
        ".sh",
        ".env",
    ]);
    prop_oneof![
        any::<String>(),
        prop::collection::vec(pieces, 0..8).prop_map(|v| v.concat()),
    ]
}

fn non_blank(s: String) -> String {
    if s.trim().is_empty() {
        format!("{s}x")
    } else {
        s
    }
}

fn literal() -> impl Strategy<Value = Literal> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(Literal::Bool),
        any::<i64>().prop_map(Literal::Int),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Literal::Float),
        nasty().prop_map(Literal::Str),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Literal::List),
            prop::collection::btree_map(nasty(), inner, 0..3).prop_map(Literal::Table),
        ]
    })
}

#[derive(Debug, Clone)]
enum InputPlan {
    Lit(Literal),
    /// An earlier task (index taken modulo the task's own index), maybe one key of it.
    Up(usize, Option<String>),
    Param(String),
}

#[derive(Debug, Clone)]
struct TaskPlan {
    suffix: String,
    docker: bool,
    inputs: BTreeMap<String, InputPlan>,
    code: Option<String>,
    retries: Option<i64>,
    retry_minutes: Option<u32>,
    trigger_rule: Option<usize>,
    text_option: Option<String>,
    command: Option<Vec<String>>,
    env: BTreeMap<String, String>,
}

fn input_plan() -> impl Strategy<Value = InputPlan> {
    prop_oneof![
        literal().prop_map(InputPlan::Lit),
        (
            any::<usize>(),
            prop::option::of(nasty().prop_map(non_blank))
        )
            .prop_map(|(i, k)| InputPlan::Up(i, k)),
        nasty().prop_map(|s| InputPlan::Param(non_blank(s))),
    ]
}

fn task_plan() -> impl Strategy<Value = TaskPlan> {
    (
        "[a-z0-9_]{0,6}",
        any::<bool>(),
        prop::collection::btree_map("i_[a-z0-9_]{0,5}", input_plan(), 0..4),
        prop::option::of(nasty()),
        (
            prop::option::of(0i64..5),
            prop::option::of(0u32..90),
            prop::option::of(0..TRIGGER_RULES.len()),
            prop::option::of(nasty()),
        ),
        prop::option::of(prop::collection::vec(nasty(), 1..3)),
        prop::collection::btree_map("E_[A-Z0-9_]{0,4}", nasty(), 0..3),
    )
        .prop_map(
            |(
                suffix,
                docker,
                inputs,
                code,
                (retries, retry_minutes, trigger_rule, text_option),
                command,
                env,
            )| TaskPlan {
                suffix,
                docker,
                inputs,
                code,
                retries,
                retry_minutes,
                trigger_rule,
                text_option,
                command,
                env,
            },
        )
}

#[derive(Debug, Clone)]
struct FlowPlan {
    name: String,
    description: String,
    tags: Vec<String>,
    schedule: usize,
    date: (i32, u32, u32),
    catchup: bool,
    unpause: bool,
    version: u32,
    owner: Option<String>,
    tasks: Vec<TaskPlan>,
    extra_edges: Vec<(usize, usize)>,
}

const SCHEDULES: &[&str] = &["", "@daily", "@continuous", "0 2 * * *", "*/5 * * * 1-5"];

fn flow_plan() -> impl Strategy<Value = FlowPlan> {
    (
        nasty().prop_map(non_blank),
        nasty(),
        prop::collection::vec(nasty(), 0..3),
        0..SCHEDULES.len(),
        (1990i32..2040, 1u32..13, 1u32..29),
        any::<bool>(),
        any::<bool>(),
        1u32..1000,
        prop::option::of(nasty()),
        prop::collection::vec(task_plan(), 0..7),
        prop::collection::vec((any::<usize>(), any::<usize>()), 0..6),
    )
        .prop_map(
            |(
                name,
                description,
                tags,
                schedule,
                date,
                catchup,
                unpause,
                version,
                owner,
                tasks,
                extra_edges,
            )| FlowPlan {
                name,
                description,
                tags,
                schedule,
                date,
                catchup,
                unpause,
                version,
                owner,
                tasks,
                extra_edges,
            },
        )
}

/// A string of a templated docker option as the editor could have saved it: as is when
/// it is text or a template that parses, else spelled out as text.
fn templated(s: &str) -> toml::Value {
    if flowdeck::model::template::check_template(s).is_ok() {
        toml::Value::String(s.to_string())
    } else {
        let mut t = toml::Table::new();
        t.insert("text".into(), toml::Value::String(s.to_string()));
        toml::Value::Table(t)
    }
}

fn toml_text(table: toml::Table) -> String {
    toml::to_string(&table).expect("options as TOML")
}

/// Turns a plan into a valid flow (what the editor could have saved).
fn build(plan: &FlowPlan) -> FlowSpec {
    let id = flow_id_for(&plan.name);
    let tags = plan
        .tags
        .iter()
        .map(|t| {
            let t: String = t.chars().take(100).collect();
            if t.trim().is_empty() {
                "tag".to_string()
            } else {
                t
            }
        })
        .collect();
    let mut defaults = toml::Table::new();
    defaults.insert("retries".into(), toml::Value::Integer(1));
    if let Some(owner) = &plan.owner {
        defaults.insert("owner".into(), toml::Value::String(owner.clone()));
    }
    let flow = Flow {
        id: id.clone(),
        name: plan.name.clone(),
        description: plan.description.clone(),
        version: plan.version,
        created_at: epoch(),
        updated_at: epoch(),
        schedule: SCHEDULES[plan.schedule].to_string(),
        start_date: NaiveDate::from_ymd_opt(plan.date.0, plan.date.1, plan.date.2).unwrap(),
        catchup: plan.catchup,
        tags,
        defaults: toml_text(defaults),
        unpause_on_deploy: plan.unpause,
    };
    let mut tasks: Vec<Task> = Vec::new();
    for (i, tp) in plan.tasks.iter().enumerate() {
        let mode = if tp.docker {
            Mode::Docker
        } else {
            Mode::Python
        };
        let mut inputs = BTreeMap::new();
        for (name, ip) in &tp.inputs {
            let input = match ip {
                // Both kinds: a string that parses as a template is one, any other is text.
                InputPlan::Lit(value) => Input::Value {
                    value: value.clone(),
                    strings: legacy_kind(value),
                },
                InputPlan::Up(j, key) if i > 0 => {
                    let up: &Task = &tasks[j % i];
                    Input::Task {
                        task: up.id.clone(),
                        // A docker task's output is text without keys.
                        key: if up.mode == Mode::Python {
                            key.clone()
                        } else {
                            None
                        },
                    }
                }
                InputPlan::Up(..) => Input::value(Literal::Int(0)),
                InputPlan::Param(p) => Input::Param { name: p.clone() },
            };
            inputs.insert(name.clone(), input);
        }
        let mut options = toml::Table::new();
        if let Some(r) = tp.retries {
            options.insert("retries".into(), toml::Value::Integer(r));
        }
        if let Some(m) = tp.retry_minutes {
            options.insert("retry_delay".into(), toml::Value::String(format!("{m}m")));
        }
        if let Some(t) = tp.trigger_rule {
            options.insert(
                "trigger_rule".into(),
                toml::Value::String(TRIGGER_RULES[t].into()),
            );
        }
        if let Some(text) = &tp.text_option {
            options.insert("doc_md".into(), toml::Value::String(text.clone()));
        }
        if tp.docker {
            options.insert(
                "image".into(),
                templated(&tp.text_option.clone().unwrap_or_else(|| "alpine".into())),
            );
            if let Some(cmd) = &tp.command {
                options.insert(
                    "command".into(),
                    toml::Value::Array(cmd.iter().map(|c| templated(c)).collect()),
                );
            }
            if !tp.env.is_empty() {
                options.insert(
                    "environment".into(),
                    toml::Value::Table(
                        tp.env
                            .iter()
                            .filter(|(k, _)| !tp.inputs.contains_key(*k))
                            .map(|(k, v)| (k.clone(), templated(v)))
                            .collect(),
                    ),
                );
            }
        }
        tasks.push(Task {
            id: format!("task_{i}"),
            flow_id: id.clone(),
            function_id: (!tp.docker).then(|| "fn_anything".to_string()),
            variable_id: format!("t{i}_{}", tp.suffix),
            python_callable: if tp.docker {
                String::new()
            } else {
                tp.code.clone().unwrap_or_default()
            },
            options: toml_text(options),
            mode,
            inputs,
            position: i as u32,
            created_at: epoch(),
            updated_at: epoch(),
        });
    }
    let n = tasks.len();
    let mut pairs = BTreeSet::new();
    if n > 1 {
        for (a, b) in &plan.extra_edges {
            let (a, b) = (a % n, b % n);
            if a != b {
                pairs.insert((a.min(b), a.max(b)));
            }
        }
    }
    for (i, t) in tasks.iter().enumerate() {
        for up in t.upstream_inputs() {
            let j: usize = up.trim_start_matches("task_").parse().unwrap();
            pairs.insert((j, i));
        }
    }
    // Reverse so that edge order in the model is not the order in the file.
    let edges = pairs
        .into_iter()
        .rev()
        .enumerate()
        .map(|(k, (a, b))| Edge {
            id: format!("edge_{k}"),
            flow_id: id.clone(),
            from_task_id: format!("task_{a}"),
            to_task_id: format!("task_{b}"),
        })
        .collect();
    // Positions shuffled against dependency order: the file must still define an
    // upstream task before using its output.
    let mut spec = FlowSpec { flow, tasks, edges };
    spec.tasks.reverse();
    for (p, t) in spec.tasks.iter_mut().enumerate() {
        t.position = p as u32;
    }
    spec
}

fn functions() -> Vec<Function> {
    support::functions()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_valid_flows_compile_and_read_back(plan in flow_plan()) {
        let spec = build(&plan);
        let functions = functions();
        if let Err(problems) = validate(&spec, &functions) {
            return Err(TestCaseError::fail(format!("generated flow is invalid: {problems:?}")));
        }
        let renderer = Renderer::new(&RenderConfig::default()).unwrap();
        let rendered = renderer.render(&spec, &functions).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&rendered, &renderer.render(&spec, &functions).unwrap());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(&rendered.file_name);
        std::fs::write(&path, &rendered.source).unwrap();
        let seen = read_with_ast(&[&path]);
        let key = path.to_string_lossy();
        if let Err(e) = check(&spec, &rendered, &seen[key.as_ref()]) {
            return Err(TestCaseError::fail(format!("{e}\n--- file ---\n{}", rendered.source)));
        }
    }
}
