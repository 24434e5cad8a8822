//! The Flows pane's jobs: loading, saving (with the python3 checks and the diff against
//! the deployed version), renaming, duplicating and deleting flows on the worker
//! thread, and deploying on the async runtime with progress sent as events.

use super::context::Context;
use crate::deploy::Deployer;
use crate::model::document::{apply_document, render_document, to_document};
use crate::model::options::OptionProblem;
use crate::model::FlowSpec;
use crate::ops;
use crate::state::event::{ConflictDetails, Prepared, SaveFailure};
use crate::state::{Event, Job, JobId, JobResult};
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// Runs a Flows job on the worker; `None` when the job is not one of them.
pub fn execute(ctx: &Context, job: &Job) -> Option<JobResult> {
    let store = &ctx.store;
    Some(match job {
        Job::LoadFlow { flow_id } => JobResult::FlowLoaded {
            flow_id: flow_id.clone(),
            result: match store.flow(flow_id) {
                Ok(Some(spec)) => Ok(spec),
                Ok(None) => {
                    Err("the flow is no longer in the database (deleted meanwhile?)".into())
                }
                Err(e) => Err(e.to_string()),
            },
        },
        Job::PrepareSave { spec } => JobResult::SavePrepared(prepare(ctx, spec).map(Box::new)),
        Job::SaveFlow {
            spec,
            base,
            started_from,
        } => JobResult::FlowSaved(
            ops::save_flow(store, &ctx.python, spec, *base)
                .map(Box::new)
                .map_err(|e| save_failure(store, spec, *started_from, e)),
        ),
        Job::DeleteFlow {
            flow_id,
            name,
            base,
        } => JobResult::FlowDeleted {
            name: name.clone(),
            result: ctx
                .deployer
                .remove(flow_id, *base)
                .map(|_| ())
                .map_err(|e| e.to_string()),
        },
        Job::RenameFlow {
            flow_id,
            name,
            version,
        } => JobResult::FlowStored {
            duplicate: false,
            result: rename(ctx, flow_id, name, *version).map(Box::new),
        },
        Job::DuplicateFlow { flow_id, name } => JobResult::FlowStored {
            duplicate: true,
            result: duplicate(ctx, flow_id, name).map(Box::new),
        },
        Job::CheckCode { code } => JobResult::CodeChecked {
            code: code.clone(),
            result: Ok(check_code(ctx, code)),
        },
        Job::LoadRevisions { flow_id } => JobResult::Revisions {
            flow_id: flow_id.clone(),
            result: store.revisions(flow_id).map_err(|e| e.to_string()),
        },
        Job::PlanPromotion { flow_id, from, to } => JobResult::PromotionPlanned {
            from: from.clone(),
            to: to.clone(),
            result: crate::deploy::promote::plan(store, &ctx.environments, flow_id, from, to)
                .map(Box::new)
                .map_err(|e| e.to_string()),
        },
        _ => return None,
    })
}

/// The answer of a Flows job that could not run; `None` for other jobs.
pub fn failed(job: &Job, e: String) -> Option<JobResult> {
    Some(match job {
        Job::LoadFlow { flow_id } => JobResult::FlowLoaded {
            flow_id: flow_id.clone(),
            result: Err(e),
        },
        Job::PrepareSave { .. } => JobResult::SavePrepared(Err(e)),
        Job::SaveFlow { .. } => JobResult::FlowSaved(Err(SaveFailure::Other(e))),
        Job::Deploy { flow_id } => JobResult::Deployed {
            flow_id: flow_id.clone(),
            result: Err(e),
        },
        Job::DeployPending => JobResult::DeployedPending(Err(e)),
        Job::PlanPromotion { from, to, .. } => JobResult::PromotionPlanned {
            from: from.clone(),
            to: to.clone(),
            result: Err(e),
        },
        Job::Promote { to, .. } => JobResult::Promoted {
            to: to.clone(),
            result: Err(e),
        },
        Job::DeleteFlow { name, .. } => JobResult::FlowDeleted {
            name: name.clone(),
            result: Err(e),
        },
        Job::RenameFlow { .. } => JobResult::FlowStored {
            duplicate: false,
            result: Err(e),
        },
        Job::DuplicateFlow { .. } => JobResult::FlowStored {
            duplicate: true,
            result: Err(e),
        },
        Job::CheckCode { code } => JobResult::CodeChecked {
            code: code.clone(),
            result: Err(e),
        },
        Job::LoadRevisions { flow_id } => JobResult::Revisions {
            flow_id: flow_id.clone(),
            result: Err(e),
        },
        _ => return None,
    })
}

fn prepare(ctx: &Context, spec: &FlowSpec) -> Result<Prepared, String> {
    let store = &ctx.store;
    let problems = ops::check_overrides(&ctx.python, spec);
    let functions = store.functions().map_err(|e| e.to_string())?;
    let new_text = render_document(&to_document(spec, &functions));
    let deployed = store
        .deploy_in(&spec.flow.id, &ctx.deployer.environment)
        .map_err(|e| e.to_string())?
        .and_then(|d| d.deployed_version);
    let revision = match deployed {
        Some(v) => store
            .revision(&spec.flow.id, v)
            .map_err(|e| e.to_string())?,
        None => None,
    };
    let empty = FlowSpec {
        flow: spec.flow.clone(),
        tasks: Vec::new(),
        edges: Vec::new(),
    };
    let (old_text, old_spec, against) = match revision {
        // The stored version keeps its task record ids, so the summary matches tasks
        // to the draft's by id (a rename is a change, not a remove and an add).
        Some(rev) => (rev.text(), rev.spec, format!("v{} (deployed)", rev.version)),
        None => (String::new(), empty, "nothing deployed yet".to_string()),
    };
    Ok(Prepared {
        spec: spec.clone(),
        old_text,
        new_text,
        old_spec,
        against,
        problems,
    })
}

/// A refused save as the editor needs it: a conflict comes with the version the editor
/// started from and the one stored now, for the diff and the merge.
fn save_failure(
    store: &Store,
    mine: &FlowSpec,
    started_from: Option<u32>,
    e: ops::Error,
) -> SaveFailure {
    let ops::Error::Store(crate::store::Error::Conflict(mut conflict)) = e else {
        return SaveFailure::Other(e.to_string());
    };
    // The version the edits date from, not the one a "save mine anyway" aimed at.
    if started_from.is_some() {
        conflict.base = started_from;
    }
    let base = conflict
        .base
        .and_then(|v| store.revision(&conflict.id, v).ok().flatten())
        .map(|r| r.spec);
    let theirs = store.flow(&conflict.id).ok().flatten();
    SaveFailure::Conflict(Box::new(ConflictDetails {
        conflict: *conflict,
        base,
        theirs,
        mine: mine.clone(),
    }))
}

/// Renames the flow at the version the operator saw; someone else's newer version saved
/// meanwhile makes it a conflict (said with who and when), not a silent overwrite.
fn rename(
    ctx: &Context,
    flow_id: &str,
    name: &str,
    version: u32,
) -> Result<crate::store::SaveOutcome, String> {
    let mut spec = load(&ctx.store, flow_id)?;
    let base = crate::store::Base::Version(version);
    spec.flow.name = name.to_string();
    ops::save_flow(&ctx.store, &ctx.python, &spec, base).map_err(|e| e.to_string())
}

/// A copy under a new name: through the flow document, so every record gets a fresh id
/// (and the flow the id of its new name) exactly as an import would.
fn duplicate(
    ctx: &Context,
    flow_id: &str,
    name: &str,
) -> Result<crate::store::SaveOutcome, String> {
    let spec = load(&ctx.store, flow_id)?;
    let functions = ctx.store.functions().map_err(|e| e.to_string())?;
    let mut doc = to_document(&spec, &functions);
    doc.flow.name = name.to_string();
    let copy = apply_document(&doc, None, &functions, chrono::Utc::now())
        .map_err(|p| crate::model::validate::describe(&p))?;
    ops::save_flow(&ctx.store, &ctx.python, &copy, crate::store::Base::New)
        .map_err(|e| e.to_string())
}

fn load(store: &Store, flow_id: &str) -> Result<FlowSpec, String> {
    store
        .flow(flow_id)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "the flow is no longer in the database (deleted meanwhile?)".to_string())
}

/// Problems of override code, by line, for the editor's gutter.
fn check_code(ctx: &Context, code: &str) -> Vec<OptionProblem> {
    match ctx.python.check(code, "<flowdeck python_callable>") {
        Ok(info) if info.functions.is_empty() => vec![OptionProblem {
            line: 1,
            message: "python_callable must define a function (def …)".into(),
        }],
        Ok(_) => Vec::new(),
        Err(e) => {
            let message = e.to_string();
            let line = line_of(&message).unwrap_or(1);
            vec![OptionProblem {
                line,
                message: without_line(&message, line),
            }]
        }
    }
}

/// The line number python3 names in a syntax error (`line 3`), if any.
fn line_of(message: &str) -> Option<usize> {
    let at = message.find("line ")?;
    message[at + 5..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// The message without the line number the editor already shows in front of it
/// (`line 2: line 2: invalid syntax` read twice), and without literal `\n` escapes.
fn without_line(message: &str, line: usize) -> String {
    let mut m = message.replace("\\n", " ");
    for pattern in [
        format!("line {line}: "),
        format!(" (line {line})"),
        format!(", line {line}"),
        format!("line {line}, "),
    ] {
        if let Some(at) = m.find(&pattern) {
            m.replace_range(at..at + pattern.len(), "");
            break;
        }
    }
    let m = m.trim().trim_end_matches(':').trim().to_string();
    if m.is_empty() {
        message.to_string()
    } else {
        m
    }
}

#[cfg(test)]
mod line_tests {
    use super::*;

    #[test]
    fn the_line_number_is_said_once() {
        assert_eq!(without_line("line 2: invalid syntax", 2), "invalid syntax");
        assert_eq!(without_line("invalid syntax (line 2)", 2), "invalid syntax");
        assert_eq!(
            without_line("python3: expected ':'\\n  File x, line 3", 3),
            "python3: expected ':'   File x"
        );
        assert_eq!(without_line("line 2", 2), "line 2");
    }
}

/// Runs a deploy job on the async runtime. Progress records go out as
/// `Event::Deploy`; the final answer as the job's result.
pub async fn run_async(
    deployer: Arc<Deployer>,
    timeout: Duration,
    id: JobId,
    job: Job,
    events: UnboundedSender<Event>,
) {
    let progress = |tx: UnboundedSender<Event>| {
        move |r: &crate::model::deploy::DeployRecord| {
            let _ = tx.send(Event::Deploy(Box::new(r.clone())));
        }
    };
    let result = match job {
        Job::Deploy { flow_id } => {
            let r = deployer
                .deploy(&flow_id, timeout, progress(events.clone()))
                .await
                .map_err(|e| e.to_string());
            JobResult::Deployed { flow_id, result: r }
        }
        Job::DeployPending => {
            let pending = match deployer.pending() {
                Ok(p) => p,
                Err(e) => {
                    let _ = events.send(Event::Job(
                        id,
                        Box::new(JobResult::DeployedPending(Err(e.to_string()))),
                    ));
                    return;
                }
            };
            let mut done = Vec::new();
            let mut failures = Vec::new();
            for flow_id in pending {
                match deployer
                    .deploy(&flow_id, timeout, progress(events.clone()))
                    .await
                {
                    Ok(_) => done.push(flow_id),
                    Err(e) => failures.push(format!("{flow_id}: {e}")),
                }
            }
            JobResult::DeployedPending(if failures.is_empty() {
                Ok(done)
            } else {
                Err(failures.join("; "))
            })
        }
        Job::Promote {
            to,
            flow_id,
            version,
        } => JobResult::Promoted {
            to,
            result: match deployer.store.revision(&flow_id, version) {
                Ok(Some(revision)) => deployer
                    .deploy_spec(&revision.spec, timeout, progress(events.clone()))
                    .await
                    .map_err(|e| e.to_string()),
                Ok(None) => Err(format!("v{version} is no longer in the database")),
                Err(e) => Err(e.to_string()),
            },
        },
        other => failed(&other, "not an async job".into()).unwrap_or(JobResult::Superseded),
    };
    let _ = events.send(Event::Job(id, Box::new(result)));
}

#[cfg(test)]
mod tests {
    #[test]
    fn python_error_lines_are_read() {
        assert_eq!(super::line_of("invalid syntax (line 3)"), Some(3));
        assert_eq!(super::line_of("no line here"), None);
    }
}
