//! Whole-flow validation: everything that can be checked without I/O, each problem a
//! sentence naming the task it belongs to.

use super::edge::Edge;
use super::flow::FlowSpec;
use super::function::Function;
use super::graph::graph_of;
use super::ident::{check_variable_id, is_identifier};
use super::literal::Literal;
use super::options::{parse_options, template_advice};
use super::schedule::check_schedule;
use super::task::{Input, Mode};
use super::template::{any_string, check_template, check_template_value, StrKind};
use super::text::one_line;
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Variable id of the task the problem is in, if it is in one.
    pub task: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.task {
            Some(t) => write!(f, "task `{t}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// All problems joined into one message, one per line.
pub fn describe(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn flow_problem(message: String) -> Problem {
    Problem {
        task: None,
        message,
    }
}

/// Adds the edges implied by inputs wired from upstream tasks (an input from a task means
/// the task runs after it). Returns how many edges were added.
pub fn add_implied_edges(spec: &mut FlowSpec) -> usize {
    let mut added = 0;
    let mut wanted = Vec::new();
    let index = spec.index();
    for task in &spec.tasks {
        for up in task.upstream_inputs() {
            if up != task.id && index.get(up).is_some() {
                wanted.push((up.to_string(), task.id.clone()));
            }
        }
    }
    for (from, to) in wanted {
        if !spec
            .edges
            .iter()
            .any(|e| e.from_task_id == from && e.to_task_id == to)
        {
            spec.edges.push(Edge {
                id: super::ids::new_id("edge"),
                flow_id: spec.flow.id.clone(),
                from_task_id: from,
                to_task_id: to,
            });
            added += 1;
        }
    }
    added
}

/// Checks a flow; `functions` is the library (to resolve `function_id`).
pub fn validate(spec: &FlowSpec, functions: &[Function]) -> Result<(), Vec<Problem>> {
    let index = spec.index();
    let by_id: std::collections::HashMap<&str, &Function> =
        functions.iter().map(|f| (f.id.as_str(), f)).collect();
    let mut problems = Vec::new();
    let flow = &spec.flow;
    if flow.name.trim().is_empty() {
        problems.push(flow_problem(
            "the flow has no name: give it one, e.g. `daily sales`".into(),
        ));
    }
    if let Err(e) = super::flow::check_start_date(flow.start_date) {
        problems.push(flow_problem(e));
    }
    if let Err(e) = check_schedule(&flow.schedule) {
        problems.push(flow_problem(format!("schedule: {e}")));
    }
    for tag in &flow.tags {
        if tag.trim().is_empty() || tag.chars().count() > 100 {
            problems.push(flow_problem(format!(
                "tag `{}` must be 1 to 100 characters",
                one_line(tag)
            )));
        }
    }
    if let Err(errs) = parse_options(&flow.defaults, None) {
        for e in errs {
            problems.push(flow_problem(format!("defaults, {e}")));
        }
    }

    let mut seen = HashSet::new();
    for task in &spec.tasks {
        let here = |message: String| Problem {
            task: Some(one_line(&task.variable_id)),
            message,
        };
        if let Err(e) = check_variable_id(&task.variable_id) {
            problems.push(here(e));
        }
        if !seen.insert(task.variable_id.as_str()) {
            problems.push(here(
                "another task in this flow has the same id; task ids must be unique".into(),
            ));
        }
        if task.flow_id != flow.id {
            problems.push(here(format!(
                "belongs to flow {}, not {}",
                task.flow_id, flow.id
            )));
        }
        if let Err(errs) = parse_options(&task.options, Some(task.mode)) {
            for e in errs {
                problems.push(here(format!("options {e}")));
            }
        }
        let function = match (task.mode, &task.function_id) {
            (Mode::Python, Some(fid)) => match by_id.get(fid.as_str()).copied() {
                Some(f) => Some(f),
                None => {
                    problems.push(here(format!(
                        "its function ({fid}) is no longer in the library"
                    )));
                    None
                }
            },
            (Mode::Python, None) => {
                problems.push(here("a python task needs a library function".into()));
                None
            }
            (Mode::Docker, Some(_)) => {
                problems.push(here(
                    "a docker task runs an image, not a library function".into(),
                ));
                None
            }
            (Mode::Docker, None) => None,
        };
        if task.mode == Mode::Docker && !task.python_callable.is_empty() {
            problems.push(here("python_callable applies to python tasks only".into()));
        }
        for (name, input) in &task.inputs {
            let shown = one_line(name);
            match (task.mode, function) {
                (Mode::Python, Some(f)) => match f.param(name) {
                    Some(p) if p.takes_input() => {}
                    Some(_) => problems.push(here(format!(
                        "input `{shown}`: `*args`-style and positional-only parameters cannot be given by name"
                    ))),
                    None if f.accepts_any_keyword() && is_identifier(name) => {}
                    None => {
                        let names: Vec<&str> = f.params.iter().filter(|p| p.takes_input()).map(|p| p.name.as_str()).collect();
                        problems.push(here(format!(
                            "input `{shown}` is not a parameter of {}; its parameters are: {}",
                            f.signature(),
                            if names.is_empty() { "(none)".to_string() } else { names.join(", ") }
                        )));
                    }
                },
                (Mode::Docker, _) if !is_identifier(name) => problems.push(here(format!(
                    "input `{shown}` becomes an environment variable: use letters, digits and `_`"
                ))),
                _ => {}
            }
            match input {
                Input::Task { task: up, key } => {
                    if up == &task.id {
                        problems.push(here(format!("input `{shown}` reads the task's own output")));
                    } else if index.get(up).is_none() {
                        problems.push(here(format!(
                            "input `{shown}` reads from a task that is not in this flow"
                        )));
                    }
                    if key.as_deref() == Some("") {
                        problems.push(here(format!("input `{shown}`: the output key is empty")));
                    }
                }
                Input::Value {
                    value,
                    strings: StrKind::Template,
                } => {
                    if let Err(e) = check_template_value(value) {
                        let source = first_failing(value).unwrap_or_default();
                        problems.push(here(format!(
                            "input `{shown}`: {} (in the flow editor: select the input, switch it to text)",
                            template_advice(&source, &e)
                        )));
                    }
                }
                Input::Param { name: p } if p.trim().is_empty() => {
                    problems.push(here(format!(
                        "input `{shown}`: the run parameter has no name"
                    )));
                }
                _ => {}
            }
        }
        if let (Mode::Python, Some(f)) = (task.mode, function) {
            if task.python_callable.is_empty() {
                for p in f.params.iter().filter(|p| p.required()) {
                    if !task.inputs.contains_key(&p.name) {
                        problems.push(here(format!(
                            "parameter `{}` of {} has no value: give it a literal, an upstream output, a run parameter or a template",
                            p.name,
                            f.signature()
                        )));
                    }
                }
            }
        }
    }

    let mut edge_pairs = HashSet::new();
    for edge in &spec.edges {
        let (from, to) = (index.var(&edge.from_task_id), index.var(&edge.to_task_id));
        if index.get(&edge.from_task_id).is_none() || index.get(&edge.to_task_id).is_none() {
            problems.push(flow_problem(format!(
                "edge {} → {} names a task that is not in this flow",
                one_line(from),
                one_line(to)
            )));
            continue;
        }
        if edge.flow_id != flow.id {
            problems.push(flow_problem(format!(
                "edge {from} → {to} belongs to another flow"
            )));
        }
        if edge.from_task_id == edge.to_task_id {
            problems.push(flow_problem(format!(
                "edge {from} → {to} connects a task to itself"
            )));
        }
        if !edge_pairs.insert((edge.from_task_id.as_str(), edge.to_task_id.as_str())) {
            problems.push(flow_problem(format!("edge {from} → {to} is listed twice")));
        }
    }
    for task in &spec.tasks {
        for up in task.upstream_inputs() {
            if up != task.id
                && index.get(up).is_some()
                && !edge_pairs.contains(&(up, task.id.as_str()))
            {
                problems.push(Problem {
                    task: Some(task.variable_id.clone()),
                    message: format!(
                        "reads the output of `{}` but has no edge from it",
                        index.var(up)
                    ),
                });
            }
        }
    }
    if let Some(cycle) = find_cycle(spec) {
        problems.push(flow_problem(format!(
            "the tasks form a cycle: {}; remove one of these edges",
            cycle.join(" → ")
        )));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The variable ids along a cycle (first repeated at the end), if the edges have one.
pub fn find_cycle(spec: &FlowSpec) -> Option<Vec<String>> {
    let index = spec.index();
    let (graph, _) = graph_of(
        spec.tasks.iter().map(|t| t.id.as_str()),
        spec.edges
            .iter()
            .map(|e| (e.from_task_id.as_str(), e.to_task_id.as_str())),
    );
    let cycle = graph.find_cycle()?;
    let names: Vec<&str> = spec.tasks.iter().map(|t| t.id.as_str()).collect();
    Some(
        cycle
            .into_iter()
            .map(|i| index.var(names[i]).to_string())
            .collect(),
    )
}

/// The first string of `value` that does not parse as a template.
fn first_failing(value: &Literal) -> Option<String> {
    let mut found = None;
    any_string(value, &mut |s| {
        let bad = check_template(s).is_err();
        if bad {
            found = Some(s.to_string());
        }
        bad
    });
    found
}
