//! Start-up reconcile: compares the saved flows with the dags folder and reports DAG
//! files that are missing, stale (different from what the flow renders to) or orphaned
//! (flowdeck's header, but no such flow), plus temp files left by an interrupted write.
//! `repair` then writes and removes accordingly. Only files that carry flowdeck's header
//! are ever removed, and the header is checked again just before removing.
//!
//! Several databases may share one dags folder: files whose header names another
//! database, and files of unknown flows written before owners were recorded, are
//! reported as foreign and never rewritten or removed.

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

impl OrphanReason {
    pub fn describe(self) -> &'static str {
        match self {
            OrphanReason::UnknownFlow => "no saved flow has this id",
            OrphanReason::WrongFileName => {
                "a copy under another name; Airflow would load the flow twice"
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    pub path: PathBuf,
    pub flow_id: String,
    pub reason: OrphanReason,
    /// The database named in its header when it was found (this one, or none).
    pub owner: Option<String>,
}

/// A flowdeck file this database does not own: listed, never touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foreign {
    pub path: PathBuf,
    pub flow_id: String,
    /// The owning database's id; `None` when the file predates recorded owners.
    pub owner: Option<String>,
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
    /// Other databases' files (and unowned files of unknown flows): left alone.
    pub foreign: Vec<Foreign>,
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

    /// True when `repair` would write or remove something (foreign files and
    /// problems are only reported).
    pub fn has_repairs(&self) -> bool {
        !self.planned().is_empty()
    }

    /// Exactly what `repair` will change, one line per file: what an operator confirms.
    pub fn planned(&self) -> Vec<String> {
        let mut out: Vec<String> = self.missing.iter().map(missing_line).collect();
        out.extend(self.stale.iter().map(stale_line));
        out.extend(self.orphaned.iter().map(orphan_line));
        out.extend(
            self.temp_files
                .iter()
                .filter(|t| t.age.is_some_and(|age| age >= TEMP_FILE_GRACE))
                .map(temp_line),
        );
        out
    }

    /// The part of this report whose planned lines are in `confirmed`.
    pub fn only(&self, confirmed: &[String]) -> ReconcileReport {
        let keep: HashSet<&str> = confirmed.iter().map(String::as_str).collect();
        let mut out = ReconcileReport {
            up_to_date: self.up_to_date.clone(),
            problems: self.problems.clone(),
            foreign: self.foreign.clone(),
            ..ReconcileReport::default()
        };
        let kept = |line: String| keep.contains(line.as_str());
        out.missing = self
            .missing
            .iter()
            .filter(|r| kept(missing_line(r)))
            .cloned()
            .collect();
        out.stale = self
            .stale
            .iter()
            .filter(|r| kept(stale_line(r)))
            .cloned()
            .collect();
        out.orphaned = self
            .orphaned
            .iter()
            .filter(|o| kept(orphan_line(o)))
            .cloned()
            .collect();
        out.temp_files = self
            .temp_files
            .iter()
            .filter(|t| kept(temp_line(t)))
            .cloned()
            .collect();
        out
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
            out.push(format!(
                "orphaned: {} (flow id {}): {}",
                o.path.display(),
                o.flow_id,
                o.reason.describe()
            ));
        }
        for f in &self.foreign {
            out.push(match &f.owner {
                Some(owner) => format!(
                    "foreign: {} (flow id {}) belongs to another flowdeck database ({}…); left alone",
                    f.path.display(),
                    f.flow_id,
                    owner.get(..8).unwrap_or(owner)
                ),
                None => format!(
                    "foreign: {} (flow id {}) was written before flowdeck recorded owners and no flow here has its id; left alone (remove it by hand if no database has this flow)",
                    f.path.display(),
                    f.flow_id
                ),
            });
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

fn missing_line(r: &Rendered) -> String {
    format!("write {} (missing; flow {})", r.file_name, r.flow_id)
}

fn stale_line(r: &Rendered) -> String {
    format!(
        "rewrite {} (differs from what flow {} renders to)",
        r.file_name, r.flow_id
    )
}

fn orphan_line(o: &Orphan) -> String {
    format!(
        "remove {} (orphaned: {})",
        o.path.display(),
        o.reason.describe()
    )
}

fn temp_line(t: &TempFile) -> String {
    format!("remove {} (leftover temp file)", t.path.display())
}

/// Compares every flow's render with the dags folder. Nothing is changed.
/// Flows whose files another database owns are reported in `foreign`, not as stale.
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
            Ok(bytes) if super::write::check_owner(&path, &bytes, renderer.owner()).is_err() => {
                report.foreign.push(Foreign {
                    owner: header_of(&path).and_then(|h| h.database),
                    path,
                    flow_id: spec.flow.id.clone(),
                })
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
        let Some(header) = header_of(&path) else {
            continue;
        };
        let flow_id = header.flow_id.clone();
        let ours = match (renderer.owner(), &header.database) {
            (Some(mine), Some(theirs)) => mine == theirs,
            // A file from before owners were recorded is this database's only when it
            // names one of its flows; one outside a database (tests) owns everything.
            (Some(_), None) => known.contains(flow_id.as_str()),
            (None, _) => true,
        };
        if !ours {
            if report.foreign.iter().any(|f| f.path == path) {
                continue; // already found as the file of one of this database's flows
            }
            report.foreign.push(Foreign {
                path,
                flow_id,
                owner: header.database,
            });
            continue;
        }
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
            owner: header.database,
        });
    }
    Ok(report)
}

/// A file's flowdeck header, reading only its first few lines.
fn header_of(path: &Path) -> Option<super::FileHeader> {
    let mut start = Vec::with_capacity(2048);
    fs::File::open(path)
        .ok()?
        .take(2048)
        .read_to_end(&mut start)
        .ok()?;
    parse_header(&String::from_utf8_lossy(&start))
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
        // Checked again: the file may have been replaced since the report was made
        // (by another database's deploy, say).
        let header = header_of(&orphan.path);
        let still_ours = header.as_ref().map(|h| h.flow_id.as_str())
            == Some(orphan.flow_id.as_str())
            && header.as_ref().and_then(|h| h.database.as_deref()) == orphan.owner.as_deref();
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
