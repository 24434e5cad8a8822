//! The worker: one thread that runs jobs (database, files, python3) one after another
//! and sends each answer back as an event.
//!
//! One thread rather than a `spawn_blocking` per job because order matters: a reload
//! asked after a registration must see it. Jobs that a newer one of the same kind makes
//! pointless (previews while scrolling, completions while typing, reloads) are
//! answered `Superseded` without running, so a burst of keys never builds a queue.

use crate::library::{self, Registration};
use crate::python::{ModuleInfo, Python};
use crate::state::airflow::AirflowAnswer;
use crate::state::{Event, FlowsData, Job, JobId, JobResult, LibraryData};
use crate::store::Store;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use tokio::sync::mpsc::UnboundedSender;

pub const THREAD_NAME: &str = "flowdeck-worker";

/// Largest file shown in a preview; the rest is cut (a UDF file this big is unusual).
const PREVIEW_LIMIT: usize = 1 << 20;

pub use super::context::Context;

pub struct Worker {
    jobs: mpsc::Sender<Message>,
}

/// What the worker is sent: a job, or the tools for the jobs after it (another
/// environment's dags folder and deployer).
enum Message {
    Job(JobId, Job),
    Context(Box<Context>),
}

impl Worker {
    pub fn spawn(ctx: Context, events: UnboundedSender<Event>) -> std::io::Result<Worker> {
        let (tx, rx) = mpsc::channel::<Message>();
        std::thread::Builder::new()
            .name(THREAD_NAME.into())
            .spawn(move || run(ctx, &rx, &events))?;
        Ok(Worker { jobs: tx })
    }

    /// Queues a job. False when the worker is gone (it only stops when the app does).
    pub fn send(&self, id: JobId, job: Job) -> bool {
        self.jobs.send(Message::Job(id, job)).is_ok()
    }

    /// Jobs queued after this run with `ctx` (jobs queued before keep the old one: they
    /// were asked of the environment shown then).
    pub fn set_context(&self, ctx: Context) -> bool {
        self.jobs.send(Message::Context(Box::new(ctx))).is_ok()
    }
}

fn run(mut ctx: Context, rx: &mpsc::Receiver<Message>, events: &UnboundedSender<Event>) {
    while let Ok(first) = rx.recv() {
        let mut messages = vec![first];
        while let Ok(more) = rx.try_recv() {
            messages.push(more);
        }
        // Runs of jobs between context changes, in order.
        let mut batch: Vec<(JobId, Job)> = Vec::new();
        for m in messages {
            match m {
                Message::Job(id, job) => batch.push((id, job)),
                Message::Context(next) => {
                    if !run_batch(&ctx, std::mem::take(&mut batch), events) {
                        return;
                    }
                    ctx = *next;
                }
            }
        }
        if !run_batch(&ctx, batch, events) {
            return;
        }
    }
}

/// Runs a batch of jobs (a newer job of the same kind supersedes an older one). False
/// when the app is gone.
fn run_batch(ctx: &Context, batch: Vec<(JobId, Job)>, events: &UnboundedSender<Event>) -> bool {
    {
        for i in 0..batch.len() {
            let (id, job) = &batch[i];
            let superseded = batch[i + 1..]
                .iter()
                .any(|(_, newer)| job.coalesces_with(newer));
            let result = if superseded {
                JobResult::Superseded
            } else {
                let started = std::time::Instant::now();
                // A bug in one job must not take the whole UI down with it.
                let r =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| execute(ctx, job)))
                        .unwrap_or_else(|_| {
                            failed(job, "internal error (see the log); please report it".into())
                        });
                tracing::debug!(job = ?id, elapsed_ms = started.elapsed().as_millis() as u64, "job done");
                r
            };
            if events.send(Event::Job(*id, Box::new(result))).is_err() {
                return false;
            }
        }
    }
    true
}

/// The answer a job gives when it could not run at all.
pub fn failed(job: &Job, e: String) -> JobResult {
    if let Some(r) = super::flow_jobs::failed(job, e.clone()) {
        return r;
    }
    match job {
        Job::LoadLibrary => JobResult::Library(Err(e)),
        Job::LoadFlows => JobResult::Flows(Err(e)),
        Job::CheckSources => JobResult::SourcesChanged(Err(e)),
        Job::ReadSource { function } => JobResult::Source {
            function_id: function.id.clone(),
            text: Err(e),
            changed: false,
        },
        Job::CompletePath { input } => JobResult::Completions {
            input: input.clone(),
            candidates: Err(e),
        },
        Job::Inspect { path } => JobResult::Inspected {
            path: path.clone(),
            file: PathBuf::from(path),
            functions: Err(e),
        },
        Job::Register { reimport, .. } => JobResult::Registered {
            result: Err(e),
            reimport: *reimport,
        },
        Job::UpdateFunction { .. } => JobResult::Updated(Err(e)),
        Job::SaveDraft { .. } | Job::DropDraft { .. } | Job::DiscardDraft { .. } => {
            JobResult::DraftKept(Err(e))
        }
        Job::DeleteFunction { name } => JobResult::Deleted {
            name: name.clone(),
            result: Err(e),
        },
        Job::Airflow(job) => JobResult::Airflow(AirflowAnswer::failed(job, e)),
        Job::Reconcile(job) => JobResult::Reconciled {
            job: job.clone(),
            result: Err(e),
        },
        _ => JobResult::Superseded,
    }
}

pub fn execute(ctx: &Context, job: &Job) -> JobResult {
    if let Some(r) = super::flow_jobs::execute(ctx, job) {
        return r;
    }
    let store = &ctx.store;
    match job {
        Job::LoadLibrary => JobResult::Library(load_library(store).map_err(|e| e.to_string())),
        Job::LoadFlows => JobResult::Flows(load_flows(store).map_err(|e| e.to_string())),
        Job::Reconcile(job) => JobResult::Reconciled {
            job: job.clone(),
            result: reconcile(&ctx.deployer, job).map_err(|e| e.to_string()),
        },
        Job::CheckSources => JobResult::SourcesChanged(
            store
                .functions()
                .map(|fs| {
                    fs.into_iter()
                        .filter(library::source_changed)
                        .map(|f| f.id)
                        .collect()
                })
                .map_err(|e| e.to_string()),
        ),
        Job::ReadSource { function } => {
            let text = read_preview(Path::new(&function.path));
            JobResult::Source {
                function_id: function.id.clone(),
                text,
                changed: library::source_changed(function),
            }
        }
        Job::CompletePath { input } => JobResult::Completions {
            input: input.clone(),
            candidates: Ok(complete_path(input)),
        },
        Job::Inspect { path } => {
            let file = expand(path);
            let functions = inspect_file(&ctx.python, &file)
                .map(|m| m.functions)
                .map_err(|e| e.to_string());
            JobResult::Inspected {
                path: path.clone(),
                file,
                functions,
            }
        }
        Job::Register {
            file,
            function,
            name,
            description,
            reimport,
        } => {
            let result = library::register(
                store,
                &ctx.python,
                &ctx.library,
                &Registration {
                    file,
                    function,
                    name: name.as_deref(),
                    description: description.as_deref(),
                },
            )
            .map_err(|e| e.to_string());
            JobResult::Registered {
                result,
                reimport: *reimport,
            }
        }
        Job::UpdateFunction {
            id,
            name,
            description,
            updated_at,
            base_name,
            base_description,
        } => update_function(
            store,
            id,
            (name, description),
            *updated_at,
            (base_name, base_description),
        ),
        Job::DeleteFunction { name } => JobResult::Deleted {
            name: name.clone(),
            result: store.delete_function(name).map_err(|e| e.to_string()),
        },
        Job::SaveDraft { draft } => {
            JobResult::DraftKept(store.put_draft(draft).map_err(|e| e.to_string()))
        }
        Job::DropDraft { flow_id } => {
            JobResult::DraftKept(store.remove_draft(flow_id).map_err(|e| e.to_string()))
        }
        Job::DiscardDraft { draft } => {
            JobResult::DraftKept(store.discard_draft(draft).map_err(|e| e.to_string()))
        }
        // The app runs Airflow requests as async tasks; one that reaches the worker is a
        // wiring mistake, answered rather than left hanging.
        Job::Airflow(job) => JobResult::Airflow(AirflowAnswer::failed(
            job,
            "internal error: an Airflow request reached the worker".into(),
        )),
        other => super::flow_jobs::failed(other, "this job does not run on the worker".into())
            .unwrap_or(JobResult::Superseded),
    }
}

pub fn load_library(store: &Store) -> crate::store::Result<LibraryData> {
    Ok(LibraryData {
        functions: store.functions()?,
        usage: store.function_usage()?,
    })
}

pub fn load_flows(store: &Store) -> crate::store::Result<FlowsData> {
    Ok(FlowsData {
        flows: store.flows()?,
        deploys: store.all_deploys()?,
    })
}

/// Saves a function's name and description edited from `base`, checked against the
/// version the dialog opened (`updated_at`). When someone changed it meanwhile, their
/// change to a field this edit left alone is kept (a merge by field); when both changed
/// the same field, the answer shows theirs and the dialog's next save goes over it.
fn update_function(
    store: &Store,
    id: &str,
    (name, description): (&str, &str),
    updated_at: chrono::DateTime<chrono::Utc>,
    (base_name, base_description): (&str, &str),
) -> JobResult {
    let current = match store.functions() {
        Ok(fs) => fs.into_iter().find(|f| f.id == id),
        Err(e) => return JobResult::Updated(Err(e.to_string())),
    };
    let Some(theirs) = current else {
        return JobResult::Updated(Err(
            "the function is no longer in the library: someone deleted it while you edited it; Esc to close".into(),
        ));
    };
    let mut f = theirs.clone();
    f.name = name.to_string();
    f.description = description.to_string();
    let expected = if theirs.updated_at == updated_at {
        updated_at
    } else {
        // Changed meanwhile: merge by field where only one side changed it.
        let clash =
            |mine: &str, base: &str, theirs: &str| mine != base && theirs != base && mine != theirs;
        let name_clash = clash(name, base_name, &theirs.name);
        let description_clash = clash(description, base_description, &theirs.description);
        if name_clash || description_clash {
            let who = store
                .latest_changes()
                .ok()
                .and_then(|l| l.get(&format!("function/{id}")).cloned());
            let by = who.map_or("someone".to_string(), |c| {
                format!(
                    "{} at {}",
                    crate::model::text::shown(&c.by.label()),
                    c.at.with_timezone(&chrono::Local).format("%H:%M")
                )
            });
            let field = if name_clash { "name" } else { "description" };
            let theirs_value = if name_clash {
                &theirs.name
            } else {
                &theirs.description
            };
            return JobResult::UpdateConflict {
                message: format!(
                    "{by} changed this function's {field} while you edited it, to `{}`; Ctrl-s saves yours over theirs, Esc keeps theirs",
                    crate::model::text::shown(theirs_value)
                ),
                updated_at: theirs.updated_at,
            };
        }
        if name == base_name {
            f.name = theirs.name.clone();
        }
        if description == base_description {
            f.description = theirs.description.clone();
        }
        theirs.updated_at
    };
    JobResult::Updated(
        store
            .save_function(&f, Some(expected))
            .map_err(|e| e.to_string()),
    )
}

fn read_preview(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(PREVIEW_LIMIT as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let cut = bytes.len() > PREVIEW_LIMIT;
    bytes.truncate(PREVIEW_LIMIT);
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if cut {
        text.push_str("\n… (cut: the file is larger than 1 MiB)");
    }
    Ok(text)
}

/// The same checks `library::register` makes before it asks python3, so the picker
/// reports a bad file with the very message registration would give.
pub fn inspect_file(python: &Python, path: &Path) -> Result<ModuleInfo, library::Error> {
    library::inspect_file(python, path).map(|inspected| inspected.info)
}

/// `~` and `~/…` mean the home folder, as in a shell.
pub fn expand(path: &str) -> PathBuf {
    let home = || directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
    if path == "~" {
        return home().unwrap_or_else(|| PathBuf::from(path));
    }
    if let Some(rest) = path.strip_prefix("~/") {
        if let Some(h) = home() {
            return h.join(rest);
        }
    }
    PathBuf::from(path)
}

/// Folders and `.py` files whose path starts with `input`, written the way the user
/// started (`~/` kept, relative stays relative); folders end with `/`. Hidden entries
/// only when the typed name starts with a dot.
pub fn complete_path(input: &str) -> Vec<String> {
    let (typed_dir, prefix) = match input.rfind('/') {
        Some(i) => (&input[..=i], &input[i + 1..]),
        None if input == "~" => ("~/", ""),
        None => ("", input),
    };
    let dir = if typed_dir.is_empty() {
        PathBuf::from(".")
    } else {
        expand(typed_dir)
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            // Follows symlinks, so a linked folder completes like a folder.
            let is_dir = std::fs::metadata(e.path())
                .map(|m| m.is_dir())
                .unwrap_or(false);
            if is_dir {
                Some(format!("{typed_dir}{name}/"))
            } else if name.ends_with(".py") {
                Some(format!("{typed_dir}{name}"))
            } else {
                None
            }
        })
        .collect();
    out.sort();
    out.truncate(500);
    out
}

/// Compares the dags folder with the flows; a repair makes only the confirmed changes.
fn reconcile(
    deployer: &crate::deploy::Deployer,
    job: &crate::state::event::ReconcileJob,
) -> Result<crate::state::event::Reconciled, crate::deploy::Error> {
    use crate::state::event::{ReconcileJob, Reconciled};
    let report = deployer.reconcile()?;
    let done = match job {
        ReconcileJob::Repair { confirmed } => deployer.repair_confirmed(&report, confirmed)?,
        _ => Vec::new(),
    };
    Ok(Reconciled {
        findings: report.lines(),
        planned: report.planned(),
        foreign: report.foreign.len(),
        done,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_lists_folders_and_python_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("etl")).unwrap();
        std::fs::write(dir.path().join("etl.py"), "").unwrap();
        std::fs::write(dir.path().join("etl.txt"), "").unwrap();
        std::fs::write(dir.path().join(".etl_hidden.py"), "").unwrap();
        let base = format!("{}/", dir.path().display());
        assert_eq!(
            complete_path(&format!("{base}et")),
            vec![format!("{base}etl.py"), format!("{base}etl/")]
        );
        assert_eq!(
            complete_path(&format!("{base}.e")),
            vec![format!("{base}.etl_hidden.py")]
        );
        assert!(complete_path(&format!("{base}zz")).is_empty());
        assert!(complete_path("/no/such/dir/x").is_empty());
    }
}

#[cfg(test)]
mod update_tests {
    use super::*;
    use crate::model::Actor;

    #[test]
    fn a_function_edit_merges_by_field_and_asks_on_the_same_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.redb");
        let alice = Store::open_as(&path, Actor::new("alice", "h")).unwrap();
        let bob = Store::open_as(&path, Actor::new("bob", "h")).unwrap();
        let f = crate::model::sample::etl_functions().remove(0);
        let seen = alice.save_function(&f, None).unwrap();
        // bob changes the description while alice renames it.
        let mut his = seen.clone();
        his.description = "bob's words".into();
        bob.save_function(&his, Some(seen.updated_at)).unwrap();
        let merged = update_function(
            &alice,
            &seen.id,
            ("extract_v2", &seen.description),
            seen.updated_at,
            (&seen.name, &seen.description),
        );
        let JobResult::Updated(Ok(saved)) = merged else {
            panic!("expected a merge, got {merged:?}");
        };
        assert_eq!(
            (saved.name.as_str(), saved.description.as_str()),
            ("extract_v2", "bob's words")
        );
        // Both change the description: shown, and the next save goes over theirs.
        let mut his = saved.clone();
        his.description = "bob again".into();
        bob.save_function(&his, Some(saved.updated_at)).unwrap();
        let asked = update_function(
            &alice,
            &saved.id,
            (&saved.name, "alice's words"),
            saved.updated_at,
            (&saved.name, &saved.description),
        );
        let JobResult::UpdateConflict {
            message,
            updated_at,
        } = asked
        else {
            panic!("expected a conflict, got {asked:?}");
        };
        assert!(message.starts_with("bob@h at "), "{message}");
        assert!(
            message.contains("`bob again`") && message.contains("Ctrl-s saves yours"),
            "{message}"
        );
        let anyway = update_function(
            &alice,
            &saved.id,
            (&saved.name, "alice's words"),
            updated_at,
            (&saved.name, &saved.description),
        );
        let JobResult::Updated(Ok(last)) = anyway else {
            panic!("expected a save, got {anyway:?}");
        };
        assert_eq!(last.description, "alice's words");
    }
}
