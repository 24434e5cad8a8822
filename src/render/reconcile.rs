//! Start-up reconcile: compares the saved flows with the dags folder and reports DAG
//! files that are missing, stale (different from what the flow renders to) or orphaned
//! (flowdeck's header, but no such flow), plus temp files left by an interrupted write.
//! `repair` then writes and removes accordingly. Only files that carry flowdeck's header
//! are ever removed, and the header is checked again just before removing.

use super::header::parse_header;
use super::write::{
    is_temp_file_name, remove_and_sync, starts_with_header, write_if_changed, WriteOutcome,
};
use super::{dag_file_name, Error, Rendered, Renderer, Result};
use crate::model::text::one_line;
use crate::model::{FlowSpec, Function};
use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Temp files younger than this may belong to a write still in progress (another
/// flowdeck process), so `repair` leaves them alone.
pub const TEMP_FILE_GRACE: Duration = Duration::from_mins(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OrphanReason {
    /// No saved flow has the id in the header.
    UnknownFlow,
    /// The flow exists but its file has another name (a copy): Airflow would see the
    /// same dag_id twice.
    WrongFileName,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    pub path: PathBuf,
    pub flow_id: String,
    pub reason: OrphanReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TempFile {
    pub path: PathBuf,
    /// Time since it was last modified, when the filesystem says.
    pub age: Option<Duration>,
}

/// A flow whose file cannot be brought up to date automatically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowProblem {
    pub flow_id: String,
    pub flow_name: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    /// Flow ids whose files match their render.
    pub up_to_date: Vec<String>,
    pub missing: Vec<Rendered>,
    pub stale: Vec<Rendered>,
    pub orphaned: Vec<Orphan>,
    pub temp_files: Vec<TempFile>,
    pub problems: Vec<FlowProblem>,
}

impl ReconcileReport {
    /// Nothing to write, remove or report.
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty()
            && self.stale.is_empty()
            && self.orphaned.is_empty()
            && self.temp_files.is_empty()
            && self.problems.is_empty()
    }

    /// One line per finding, for the status view or a CLI.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for r in &self.missing {
            out.push(format!("missing: {} (flow {})", r.file_name, r.flow_id));
        }
        for r in &self.stale {
            out.push(format!(
                "stale: {} differs from what flow {} renders to",
                r.file_name, r.flow_id
            ));
        }
        for o in &self.orphaned {
            let why = match o.reason {
                OrphanReason::UnknownFlow => "no saved flow has this id",
                OrphanReason::WrongFileName => {
                    "a copy under another name; Airflow would load the flow twice"
                }
            };
            out.push(format!(
                "orphaned: {} (flow id {}): {why}",
                o.path.display(),
                o.flow_id
            ));
        }
        for t in &self.temp_files {
            out.push(format!("leftover temp file: {}", t.path.display()));
        }
        for p in &self.problems {
            out.push(format!(
                "flow `{}` ({}): {}",
                p.flow_name, p.flow_id, p.message
            ));
        }
        out
    }
}

/// Compares every flow's render with the dags folder. Nothing is changed.
pub fn reconcile(
    dags_folder: &Path,
    flows: &[FlowSpec],
    functions: &[Function],
    renderer: &Renderer,
) -> Result<ReconcileReport> {
    let Ok(entries) = fs::read_dir(dags_folder) else {
        return Err(Error::NoDagsFolder {
            path: dags_folder.to_path_buf(),
        });
    };
    let mut report = ReconcileReport::default();
    let known: HashSet<&str> = flows.iter().map(|f| f.flow.id.as_str()).collect();

    for spec in flows {
        let problem = |message: String| FlowProblem {
            flow_id: spec.flow.id.clone(),
            flow_name: one_line(&spec.flow.name),
            message,
        };
        let rendered = match renderer.render(spec, functions) {
            Ok(r) => r,
            Err(e) => {
                report.problems.push(problem(e.to_string()));
                continue;
            }
        };
        let path = dags_folder.join(&rendered.file_name);
        match fs::read(&path) {
            Ok(bytes) if bytes == rendered.source.as_bytes() => {
                report.up_to_date.push(rendered.flow_id)
            }
            Ok(bytes) if !bytes.starts_with(super::HEADER_MARK.as_bytes()) => {
                report.problems.push(problem(
                    Error::NotOurs {
                        path,
                        flow_id: spec.flow.id.clone(),
                    }
                    .to_string(),
                ));
            }
            Ok(_) => report.stale.push(rendered),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => report.missing.push(rendered),
            Err(e) => report
                .problems
                .push(problem(Error::io("read", path, e).to_string())),
        }
    }

    let mut names = Vec::new();
    for entry in entries.flatten() {
        names.push(entry.path());
    }
    let library = dags_folder.join(&renderer.config().library_package);
    if let Ok(lib_entries) = fs::read_dir(&library) {
        names.extend(lib_entries.flatten().map(|e| e.path()));
    }
    names.sort();
    for path in names {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if is_temp_file_name(name) {
            let age = fs::symlink_metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok());
            report.temp_files.push(TempFile { path, age });
            continue;
        }
        if !name.ends_with(".py") || path.parent() != Some(dags_folder) {
            continue;
        }
        let Some(flow_id) = header_flow_id(&path) else {
            continue;
        };
        let reason = if !known.contains(flow_id.as_str()) {
            OrphanReason::UnknownFlow
        } else if name != dag_file_name(&flow_id) {
            OrphanReason::WrongFileName
        } else {
            continue;
        };
        report.orphaned.push(Orphan {
            path,
            flow_id,
            reason,
        });
    }
    Ok(report)
}

/// The flow id in a file's flowdeck header, reading only its first few lines.
fn header_flow_id(path: &Path) -> Option<String> {
    let mut start = Vec::with_capacity(2048);
    fs::File::open(path)
        .ok()?
        .take(2048)
        .read_to_end(&mut start)
        .ok()?;
    parse_header(&String::from_utf8_lossy(&start)).map(|h| h.flow_id)
}

/// What `repair` did; a failure on one file does not stop the others.
#[derive(Debug, Default)]
pub struct RepairOutcome {
    /// Files written (missing or stale before).
    pub written: Vec<PathBuf>,
    pub removed: Vec<PathBuf>,
    /// Young temp files left alone (see [`TEMP_FILE_GRACE`]).
    pub kept_temp_files: Vec<PathBuf>,
    pub failed: Vec<(PathBuf, Error)>,
}

/// Writes missing and stale files, removes orphans and old temp files.
pub fn repair(dags_folder: &Path, report: &ReconcileReport) -> RepairOutcome {
    let mut outcome = RepairOutcome::default();
    for rendered in report.missing.iter().chain(&report.stale) {
        let path = dags_folder.join(&rendered.file_name);
        match write_if_changed(dags_folder, rendered) {
            Ok(WriteOutcome::Written) => outcome.written.push(path),
            Ok(WriteOutcome::Unchanged) => {}
            Err(e) => outcome.failed.push((path, e)),
        }
    }
    for orphan in &report.orphaned {
        // Checked again: the file may have been replaced since the report was made.
        let still_ours = header_flow_id(&orphan.path).as_deref() == Some(orphan.flow_id.as_str());
        match starts_with_header(&orphan.path) {
            Ok(true) if still_ours => match remove_and_sync(dags_folder, &orphan.path) {
                Ok(()) => outcome.removed.push(orphan.path.clone()),
                Err(e) => outcome.failed.push((orphan.path.clone(), e)),
            },
            Ok(_) => {}
            Err(e) => outcome.failed.push((orphan.path.clone(), e)),
        }
    }
    for temp in &report.temp_files {
        if temp.age.is_some_and(|age| age >= TEMP_FILE_GRACE) {
            let dir = temp.path.parent().unwrap_or(dags_folder);
            match remove_and_sync(dir, &temp.path) {
                Ok(()) => outcome.removed.push(temp.path.clone()),
                Err(e) => outcome.failed.push((temp.path.clone(), e)),
            }
        } else {
            outcome.kept_temp_files.push(temp.path.clone());
        }
    }
    outcome
}
