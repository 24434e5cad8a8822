//! Operations a user performs, shared by the CLI and the TUI so both behave the same:
//! importing and exporting flow documents, saving with every check, deleting.

use crate::model::document::{apply_document, parse_document, render_document, to_document};
use crate::model::{FlowSpec, Mode, Problem};
use crate::python::Python;
use crate::store::{self, SaveOutcome, Store};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Document(String),
    #[error("{}", crate::model::validate::describe(.0))]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// Saves a flow after the checks that need python3 (override code must parse and
/// define a function); the store adds the model checks in the same transaction.
///
/// `base` is what the caller started from (see [`store::Base`]): a save over someone
/// else's newer version fails with `Error::Store(store::Error::Conflict(_))`.
pub fn save_flow(
    store: &Store,
    python: &Python,
    spec: &FlowSpec,
    base: store::Base,
) -> Result<SaveOutcome, Error> {
    let problems = check_overrides(python, spec);
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    store.save_flow(spec, base).map_err(|e| match e {
        store::Error::Invalid(p) => Error::Invalid(p),
        other => Error::Store(other),
    })
}

/// Problems with python_callable overrides: each must be valid Python defining a
/// top-level function.
pub fn check_overrides(python: &Python, spec: &FlowSpec) -> Vec<Problem> {
    let mut problems = Vec::new();
    for task in spec
        .tasks
        .iter()
        .filter(|t| t.mode == Mode::Python && !t.python_callable.is_empty())
    {
        let here = |message: String| Problem {
            task: Some(task.variable_id.clone()),
            message,
        };
        match python.check(
            &task.python_callable,
            &format!("<flowdeck task {}>", task.variable_id),
        ) {
            Ok(info) if info.functions.is_empty() => problems.push(here(
                "python_callable must define a function (def …)".into(),
            )),
            Ok(_) => {}
            Err(e) => problems.push(here(format!("python_callable: {e}"))),
        }
    }
    problems
}

/// Imports a flow document: creates the flow, or updates the flow with the same name.
pub fn import_flow(store: &Store, python: &Python, text: &str) -> Result<SaveOutcome, Error> {
    let doc = parse_document(text).map_err(Error::Document)?;
    let functions = store.functions()?;
    let existing = store.flow_by_name(&doc.flow.name)?;
    let spec = apply_document(&doc, existing.as_ref(), &functions, chrono::Utc::now())
        .map_err(Error::Invalid)?;
    // A document replaces the flow of that name, whatever version it is at: the
    // operator chose the file. (The TUI's editor, which starts from a version, checks.)
    save_flow(store, python, &spec, store::Base::Any)
}

pub fn export_flow(store: &Store, spec: &FlowSpec) -> Result<String, Error> {
    let functions = store.functions()?;
    Ok(render_document(&to_document(spec, &functions)))
}
