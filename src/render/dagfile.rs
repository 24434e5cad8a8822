//! A flow → the template context → the DAG file: header, body, content hash, line map.
//!
//! Choices that shape the file (see also the templates):
//! - Tasks are written in dependency order (ties by position), so an input
//!   `extract.output` always names a variable that already exists.
//! - Python inputs: literals as Python literals (strings as they are, so Airflow renders
//!   `{{ ds }}`), upstream outputs as XComArgs (`extract.output`, `extract.output["k"]`),
//!   run parameters as `_fd_dag.param("name")`. A DagParam is resolved by Airflow when it
//!   renders `op_kwargs` (from the run's conf, else the DAG's `params`), in both 2.x and
//!   3.x, and keeps the value's type; a `"{{ params.x }}"` string would turn every value
//!   into text, and a generated wrapper would hide the library function from tracebacks.
//! - `extract.output["total"]` pulls the XCom *key* "total", so an upstream python task
//!   whose keys are read gets `multiple_outputs=True` (it pushes each key of the dict it
//!   returns, plus the whole value as usual).
//! - Docker inputs become templated environment variables: text stays text, anything
//!   else is JSON.

use super::header::{make_header, HEADER_LINES};
use super::pyexpr::{
    docker_str_or_list, docker_templated, env_text_of_literal, has_mounts, jinja_param,
    jinja_text_of, jinja_xcom, needs_template_guard, option_value,
};
use super::templates::{TASK_DOCKER, TASK_PYTHON};
use super::traceback::code_filename;
use super::{is_valid_flow_id, Error, Rendered, Renderer, Result, TaskLines};
use crate::model::graph::graph_of;
use crate::model::ident::is_identifier;
use crate::model::ids::sha256_hex;
use crate::model::literal::{python_str, Literal};
use crate::model::options::parse_options;
use crate::model::text::one_line;
use crate::model::validate::{describe, validate};
use crate::model::{Flow, FlowSpec, Function, Input, Mode, Task};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Serialize)]
struct DagCtx {
    dag: DagArgs,
    default_args: Vec<Entry>,
    params: Vec<Entry>,
    has_python: bool,
    has_docker: bool,
    has_mounts: bool,
    has_overrides: bool,
    imports: Vec<ImportCtx>,
    tasks: Vec<TaskBlock>,
    edges: Vec<EdgeCtx>,
}

/// What the main template gets per task: the block its task template rendered (the
/// full task context went to that template; not repeating it here halves the copying).
#[derive(Serialize)]
struct TaskBlock {
    var: String,
    task_id: String,
    mode: &'static str,
    block: String,
}

#[derive(Serialize)]
struct DagArgs {
    dag_id: String,
    display_name: String,
    description: String,
    schedule: String,
    start_date: String,
    catchup: String,
    tags: String,
    max_active_runs: String,
    is_paused_upon_creation: String,
}

/// A dict entry; both sides are Python source.
#[derive(Serialize)]
struct Entry {
    key: String,
    value: String,
}

/// A keyword argument: `name` is an identifier, `value` Python source, `comment` fixed
/// flowdeck text (or empty).
#[derive(Serialize)]
struct Arg {
    name: String,
    value: String,
    comment: String,
}

#[derive(Serialize)]
struct ImportCtx {
    module: String,
    function: String,
    alias: String,
}

#[derive(Serialize)]
struct OverrideCtx {
    code: String,
    filename: String,
    preferred: String,
}

#[derive(Serialize)]
struct TaskCtx {
    var: String,
    task_id: String,
    mode: &'static str,
    callable: String,
    #[serde(rename = "override")]
    override_code: Option<OverrideCtx>,
    op_kwargs: Vec<Entry>,
    environment: Vec<Entry>,
    args: Vec<Arg>,
}

#[derive(Serialize)]
struct EdgeCtx {
    upstream: String,
    downstream: String,
}

const TEMPLATE_GUARD_COMMENT: &str =
    "a trailing {# #} keeps Airflow from reading a value ending in .sh/.bash/.env as a template file";

pub fn render(renderer: &Renderer, spec: &FlowSpec, functions: &[Function]) -> Result<Rendered> {
    let flow = &spec.flow;
    if !is_valid_flow_id(&flow.id) {
        return Err(Error::BadFlowId(one_line(&flow.id)));
    }
    let invalid = |problems: String| Error::InvalidFlow {
        flow: one_line(&flow.name),
        problems,
    };
    validate(spec, functions).map_err(|p| invalid(describe(&p)))?;

    let order = task_order(spec).ok_or_else(|| invalid("the tasks form a cycle".into()))?;
    let by_id: HashMap<&str, &Task> = spec.tasks.iter().map(|t| (t.id.as_str(), t)).collect();
    let function_of = |task: &Task| -> Option<&Function> {
        let fid = task.function_id.as_deref()?;
        functions.iter().find(|f| f.id == fid)
    };

    // Library imports: one alias per (module, function), numbered in sorted order so the
    // file does not depend on task order. Override tasks do not import their function:
    // an override may exist precisely because the library file is broken.
    let mut wanted = BTreeSet::new();
    for task in &order {
        if task.mode == Mode::Python && task.python_callable.is_empty() {
            if let Some(f) = function_of(task) {
                check_function_names(f)?;
                wanted.insert((f.module.as_str(), f.function.as_str()));
            }
        }
    }
    let package = &renderer.config().library_package;
    let imports: Vec<ImportCtx> = wanted
        .iter()
        .enumerate()
        .map(|(n, (module, function))| ImportCtx {
            module: format!("{package}.{module}"),
            function: function.to_string(),
            alias: format!("_fd_fn_{n}"),
        })
        .collect();
    let alias_of: HashMap<(&str, &str), &str> = wanted
        .iter()
        .zip(&imports)
        .map(|(key, import)| (*key, import.alias.as_str()))
        .collect();

    // Upstream python tasks whose output keys are read by python tasks.
    let mut multiple_outputs = BTreeSet::new();
    let mut params = BTreeSet::new();
    for task in &order {
        for (input, value) in &task.inputs {
            match value {
                Input::Task {
                    task: up,
                    key: Some(key),
                } => {
                    let Some(upstream) = by_id.get(up.as_str()) else {
                        continue;
                    };
                    if upstream.mode == Mode::Docker {
                        return Err(Error::KeyOfDockerOutput {
                            task: task.variable_id.clone(),
                            input: one_line(input),
                            key: python_str(key),
                            upstream: upstream.variable_id.clone(),
                        });
                    }
                    if task.mode == Mode::Python {
                        multiple_outputs.insert(upstream.id.as_str());
                    }
                }
                Input::Param { name } => {
                    params.insert(name.as_str());
                }
                _ => {}
            }
        }
    }

    let var_of = |id: &str| {
        by_id
            .get(id)
            .map_or(id, |t| t.variable_id.as_str())
            .to_string()
    };
    let mut tasks = Vec::with_capacity(order.len());
    let mut any_mounts = false;
    for task in &order {
        let ctx = match task.mode {
            Mode::Python => {
                let function = function_of(task).ok_or_else(|| {
                    invalid(format!(
                        "task `{}`: its library function is missing",
                        task.variable_id
                    ))
                })?;
                python_task(
                    task,
                    function,
                    &alias_of,
                    multiple_outputs.contains(task.id.as_str()),
                    &var_of,
                )
            }
            Mode::Docker => docker_task(task, &var_of).map(|(ctx, mounts)| {
                any_mounts |= mounts;
                ctx
            }),
        };
        let ctx = ctx.map_err(|e| invalid(format!("task `{}`: {e}", task.variable_id)))?;
        tasks.push(ctx);
    }
    let mut blocks = Vec::with_capacity(tasks.len());
    for ctx in tasks {
        let name = if ctx.mode == "docker" {
            TASK_DOCKER
        } else {
            TASK_PYTHON
        };
        let mut context = tera::Context::new();
        context.insert("task", &ctx);
        let block = renderer.templates.render(name, &context)?;
        blocks.push(TaskBlock {
            block: block
                .trim_start_matches(['\n', '\r'])
                .trim_end()
                .to_string(),
            var: ctx.var,
            task_id: ctx.task_id,
            mode: ctx.mode,
        });
    }

    let edges = edge_list(spec, &order);

    let defaults = parse_options(&flow.defaults, None).map_err(|problems| {
        invalid(
            problems
                .iter()
                .map(|p| format!("defaults, {p}"))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    let dag = dag_args(flow).map_err(invalid)?;
    let context = DagCtx {
        dag,
        default_args: defaults
            .iter()
            .map(|(k, v)| Entry {
                key: python_str(k),
                value: option_value(k, v),
            })
            .collect(),
        params: params
            .iter()
            .map(|name| Entry {
                key: python_str(name),
                value: "None".into(),
            })
            .collect(),
        has_python: order.iter().any(|t| t.mode == Mode::Python),
        has_docker: order.iter().any(|t| t.mode == Mode::Docker),
        has_mounts: any_mounts,
        has_overrides: order
            .iter()
            .any(|t| t.mode == Mode::Python && !t.python_callable.is_empty()),
        imports,
        tasks: blocks,
        edges,
    };
    let tera_context = tera::Context::from_serialize(&context).map_err(|e| Error::Template {
        name: super::templates::DAG.into(),
        origin: "context".into(),
        message: e.to_string(),
    })?;
    let text = renderer
        .templates
        .render(super::templates::DAG, &tera_context)?;
    // Exactly one newline at the end and none at the start, whatever the template's
    // whitespace handling: the file's bytes should not depend on it.
    let mut body = text.trim_start_matches(['\n', '\r']).trim_end().to_string();
    body.push('\n');

    // The revision is the hash of the body holding the placeholder; swapping it in
    // afterwards keeps the file deterministic without a hash that includes itself.
    let revision = format!(
        "{REVISION_TAG_PREFIX}{}",
        &sha256_hex(body.as_bytes())[..12]
    );
    let body = body.replacen(REVISION_PLACEHOLDER, &revision, 1);
    let content_hash = sha256_hex(body.as_bytes());
    let line_map = line_map(&body, &context.tasks);
    let source = make_header(
        &flow.id,
        &flow.name,
        flow.version,
        &content_hash,
        renderer.owner(),
    ) + &body;
    Ok(Rendered {
        flow_id: flow.id.clone(),
        file_name: super::dag_file_name(&flow.id),
        source,
        content_hash,
        revision,
        line_map,
        owner: renderer.owner().map(str::to_string),
    })
}

/// Tag prefix of the per-render revision tag, e.g. `flowdeck-rev:3f9a0c1d2b4e`.
pub const REVISION_TAG_PREFIX: &str = "flowdeck-rev:";

/// Stands for the revision tag while the body is hashed. Control characters never reach
/// the body from user text (every user string is an escaped literal), so this cannot
/// collide with anything a user typed.
const REVISION_PLACEHOLDER: &str = "\u{1}flowdeck-revision\u{1}";

/// The DAG's own arguments as Python source.
fn dag_args(flow: &Flow) -> std::result::Result<DagArgs, String> {
    use chrono::Datelike;
    let start = flow.start_date;
    // Python's datetime stops at year 9999.
    if !(1..=9999).contains(&start.year()) {
        return Err(format!(
            "start_date {start} is outside the years 1 to 9999 that Python supports"
        ));
    }
    let mut tags: Vec<&str> = flow.tags.iter().map(String::as_str).collect();
    if !tags.contains(&"flowdeck") {
        tags.push("flowdeck");
    }
    Ok(DagArgs {
        dag_id: python_str(&flow.id),
        display_name: python_str(&flow.name),
        description: if flow.description.is_empty() {
            "None".into()
        } else {
            python_str(&flow.description)
        },
        schedule: if flow.schedule.trim().is_empty() {
            "None".into()
        } else {
            python_str(flow.schedule.trim())
        },
        start_date: {
            format!(
                "_fd_datetime.datetime({}, {}, {}, tzinfo=_fd_datetime.timezone.utc)",
                start.year(),
                start.month(),
                start.day()
            )
        },
        catchup: py_bool(flow.catchup).into(),
        // The last tag names this render (see REVISION_PLACEHOLDER): Airflow serving it
        // is the proof that it parsed this very file.
        tags: format!(
            "[{}, \"{REVISION_PLACEHOLDER}\"]",
            tags.iter()
                .map(|t| python_str(t))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        max_active_runs: if flow.schedule.trim() == "@continuous" {
            "1".into()
        } else {
            String::new()
        },
        // flowdeck unpauses through the API after deploying; saying so in the file as
        // well means the DAG is not left paused when Airflow parses the file while
        // flowdeck cannot reach it. Otherwise Airflow's own setting
        // (`dags_are_paused_at_creation`) decides, as for any other DAG.
        is_paused_upon_creation: if flow.unpause_on_deploy {
            "False".into()
        } else {
            String::new()
        },
    })
}

/// Dependencies as `upstream >> downstream` pairs in file order (by the upstream's place,
/// then the downstream's), without duplicates.
fn edge_list(spec: &FlowSpec, order: &[&Task]) -> Vec<EdgeCtx> {
    let position: HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    let mut pairs: Vec<(usize, usize)> = spec
        .edges
        .iter()
        .filter_map(|e| {
            Some((
                *position.get(e.from_task_id.as_str())?,
                *position.get(e.to_task_id.as_str())?,
            ))
        })
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
        .into_iter()
        .map(|(a, b)| EdgeCtx {
            upstream: order[a].variable_id.clone(),
            downstream: order[b].variable_id.clone(),
        })
        .collect()
}

/// Tasks in dependency order, ties broken by position. `None` when the edges form a cycle.
fn task_order(spec: &FlowSpec) -> Option<Vec<&Task>> {
    let mut by_position: Vec<&Task> = spec.tasks.iter().collect();
    by_position.sort_by(|a, b| (a.position, &a.variable_id).cmp(&(b.position, &b.variable_id)));
    let (graph, _) = graph_of(
        by_position.iter().map(|t| t.id.as_str()),
        spec.edges
            .iter()
            .map(|e| (e.from_task_id.as_str(), e.to_task_id.as_str())),
    );
    let order = graph.topological_order()?;
    Some(order.into_iter().map(|i| by_position[i]).collect())
}

fn check_function_names(f: &Function) -> Result<()> {
    for (what, value) in [("module", &f.module), ("function name", &f.function)] {
        if !is_identifier(value) {
            return Err(Error::BadFunctionName {
                function: one_line(&f.name),
                what,
                value: one_line(value),
            });
        }
    }
    Ok(())
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

fn python_task(
    task: &Task,
    function: &Function,
    alias_of: &HashMap<(&str, &str), &str>,
    multiple_outputs: bool,
    var_of: &dyn Fn(&str) -> String,
) -> std::result::Result<TaskCtx, String> {
    let options = parse_options(&task.options, Some(Mode::Python)).map_err(|p| {
        format!(
            "options: {}",
            p.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    let var = &task.variable_id;
    let (callable, override_code) = if task.python_callable.is_empty() {
        check_function_names(function).map_err(|e| e.to_string())?;
        let alias = alias_of
            .get(&(function.module.as_str(), function.function.as_str()))
            .ok_or("its library function was not imported")?;
        (alias.to_string(), None)
    } else {
        (
            format!("_fd_cb_{var}"),
            Some(OverrideCtx {
                code: python_str(&task.python_callable),
                filename: python_str(&code_filename(var)),
                preferred: python_str(&function.function),
            }),
        )
    };
    let op_kwargs = task
        .inputs
        .iter()
        .map(|(name, input)| Entry {
            key: python_str(name),
            value: match input {
                Input::Value { value } => value.to_python(),
                Input::Task {
                    task: up,
                    key: None,
                } => format!("{}.output", var_of(up)),
                Input::Task {
                    task: up,
                    key: Some(k),
                } => format!("{}.output[{}]", var_of(up), python_str(k)),
                Input::Param { name } => format!("_fd_dag.param({})", python_str(name)),
            },
        })
        .collect();
    let mut args: Vec<Arg> = options
        .iter()
        .map(|(k, v)| Arg {
            name: k.clone(),
            value: option_value(k, v),
            comment: String::new(),
        })
        .collect();
    if multiple_outputs {
        args.push(Arg {
            name: "multiple_outputs".into(),
            value: "True".into(),
            comment: "downstream tasks read keys of this task's output (it must return a dict)"
                .into(),
        });
    }
    Ok(TaskCtx {
        var: var.clone(),
        task_id: python_str(var),
        mode: "python",
        callable,
        override_code,
        op_kwargs,
        environment: Vec::new(),
        args,
    })
}

/// A docker task's context, and whether it mounts volumes.
fn docker_task(
    task: &Task,
    var_of: &dyn Fn(&str) -> String,
) -> std::result::Result<(TaskCtx, bool), String> {
    let options = parse_options(&task.options, Some(Mode::Docker)).map_err(|p| {
        format!(
            "options: {}",
            p.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    let mut args = Vec::new();
    let mut mounts = false;
    // The image first: it is what a reader looks for.
    if let Some(Literal::Str(image)) = options.get("image") {
        args.push(Arg {
            name: "image".into(),
            value: python_str(&docker_templated(image)),
            comment: guard_comment(needs_template_guard(image)),
        });
    }
    let mut environment: BTreeMap<String, String> = BTreeMap::new();
    for (key, value) in &options {
        match key.as_str() {
            "image" => {}
            "environment" => {
                if let Literal::Table(t) = value {
                    for (k, v) in t {
                        let text = match v {
                            Literal::Str(s) => s.clone(),
                            other => env_text_of_literal(other),
                        };
                        environment.insert(k.clone(), python_str(&docker_templated(&text)));
                    }
                }
            }
            "command" => args.push(Arg {
                name: key.clone(),
                value: docker_str_or_list(value),
                comment: guard_comment(any_str(value, needs_template_guard)),
            }),
            "mounts" => {
                mounts |= has_mounts(key, value);
                args.push(Arg {
                    name: key.clone(),
                    value: option_value(key, value),
                    comment: guard_comment(any_mount_guarded(value)),
                });
            }
            _ => args.push(Arg {
                name: key.clone(),
                value: option_value(key, value),
                comment: String::new(),
            }),
        }
    }
    // Inputs win over an `environment` option of the same name: they are the more
    // specific wiring.
    for (name, input) in &task.inputs {
        let text = match input {
            Input::Value { value } => docker_templated(&env_text_of_literal(value)),
            Input::Task { task: up, key } => {
                jinja_text_of(&jinja_xcom(&var_of(up), key.as_deref()))
            }
            Input::Param { name } => jinja_text_of(&jinja_param(name)),
        };
        environment.insert(name.clone(), python_str(&text));
    }
    let ctx = TaskCtx {
        var: task.variable_id.clone(),
        task_id: python_str(&task.variable_id),
        mode: "docker",
        callable: String::new(),
        override_code: None,
        op_kwargs: Vec::new(),
        environment: environment
            .into_iter()
            .map(|(k, v)| Entry {
                key: python_str(&k),
                value: v,
            })
            .collect(),
        args,
    };
    Ok((ctx, mounts))
}

fn guard_comment(guarded: bool) -> String {
    if guarded {
        TEMPLATE_GUARD_COMMENT.into()
    } else {
        String::new()
    }
}

fn any_str(value: &Literal, pred: fn(&str) -> bool) -> bool {
    match value {
        Literal::Str(s) => pred(s),
        Literal::List(items) => items.iter().any(|i| any_str(i, pred)),
        Literal::Table(t) => t.values().any(|i| any_str(i, pred)),
        _ => false,
    }
}

fn any_mount_guarded(value: &Literal) -> bool {
    any_str(value, needs_template_guard)
}

/// Where each task's block landed in the body, as file lines (after the header). A user
/// template that reshapes the blocks simply leaves those tasks out of the map.
fn line_map(body: &str, tasks: &[TaskBlock]) -> Vec<TaskLines> {
    let mut map = Vec::with_capacity(tasks.len());
    let mut cursor = 0;
    // 1-based line number of `cursor`, counted incrementally.
    let mut line = 1 + HEADER_LINES;
    for task in tasks {
        let (var, block) = (&task.var, &task.block);
        if block.is_empty() {
            continue;
        }
        let Some(found) = body
            .get(cursor..)
            .and_then(|rest| rest.find(block.as_str()))
        else {
            continue;
        };
        let start = cursor + found;
        let first = line + count_lines(&body[cursor..start]);
        let last = first + count_lines(block);
        map.push(TaskLines {
            task: var.clone(),
            first,
            last,
        });
        cursor = start + block.len();
        line = last;
    }
    map
}

/// Newlines in `text`, saturating (a file of 4 billion lines is not a DAG file).
fn count_lines(text: &str) -> u32 {
    u32::try_from(text.bytes().filter(|b| *b == b'\n').count()).unwrap_or(u32::MAX)
}
