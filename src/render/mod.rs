//! Airflow DAG files from flows: tera templates (embedded, overridable from a user
//! folder), escaping, the header that marks a file as flowdeck's, atomic writes into the
//! dags folder, the function library package, and the start-up reconcile.
//!
//! Safety rule: templates only ever receive Python source that Rust built from escaped
//! literals (`python_str`, `Literal::to_python`) or checked identifiers, so no name,
//! description, input or option can change the program, and the file stays ASCII.

mod dagfile;
mod header;
pub mod pyexpr;
pub mod reconcile;
mod templates;
mod traceback;
pub mod write;

pub use dagfile::{LEGACY_REVISION_TAG_PREFIX, REVISION_PREFIX};
pub use header::{library_owner, library_trailer, parse_header, FileHeader, HEADER_MARK};
pub use reconcile::{
    reconcile, repair, FlowProblem, Orphan, OrphanReason, ReconcileReport, RepairOutcome, TempFile,
};
pub use traceback::task_of_traceback;
pub use write::{
    ensure_library_package, remove_dag_file, write_if_changed, write_library_module, LibrarySetup,
    WriteOutcome,
};

use crate::model::{FlowSpec, Function};
use std::path::PathBuf;

/// Where templates come from and how the library package is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderConfig {
    /// A folder whose `dag.py.tera`, `task_python.py.tera` or `task_docker.py.tera`
    /// replace the built-in templates of the same name.
    pub templates_dir: Option<PathBuf>,
    /// Package in the dags folder that holds the library functions' modules.
    pub library_package: String,
}

/// The library package's default name: `<dags folder>/flowdeck_functions/`.
pub const DEFAULT_LIBRARY_PACKAGE: &str = "flowdeck_functions";

impl Default for RenderConfig {
    fn default() -> Self {
        RenderConfig {
            templates_dir: None,
            library_package: DEFAULT_LIBRARY_PACKAGE.to_string(),
        }
    }
}

/// Lines of the rendered file that belong to one task (1-based, inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskLines {
    pub task: String,
    pub first: u32,
    pub last: u32,
}

/// A rendered DAG file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub flow_id: String,
    /// `<flow_id>.py`
    pub file_name: String,
    /// The whole file: flowdeck's header, then the body.
    pub source: String,
    /// SHA-256 (hex) of the body, as written in the header.
    pub content_hash: String,
    /// The marker naming this render (`flowdeck render <12 hex>`), a line of the DAG's
    /// `doc_md`; when Airflow serves it, Airflow serves this file.
    pub revision: String,
    /// Which lines hold which task (its operator and, for overrides, its code).
    pub line_map: Vec<TaskLines>,
    /// The database that owns the file (written into its header).
    pub owner: Option<String>,
}

impl Rendered {
    /// The task whose block holds `line` (1-based) of this file.
    pub fn task_at_line(&self, line: u32) -> Option<&str> {
        self.line_map
            .iter()
            .find(|t| t.first <= line && line <= t.last)
            .map(|t| t.task.as_str())
    }

    /// The task an Airflow import error or task traceback came from: a frame in a
    /// task's override code (`<flowdeck task VAR>`) first, else the innermost frame in
    /// this file whose line belongs to a task.
    pub fn task_of_traceback(&self, stack_trace: &str) -> Option<String> {
        task_of_traceback(stack_trace).or_else(|| {
            traceback::lines_in_file(stack_trace, &self.file_name)
                .into_iter()
                .rev()
                .find_map(|line| self.task_at_line(line).map(str::to_string))
        })
    }
}

/// Errors of rendering and of writing into the dags folder; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("flow `{flow}` cannot be rendered until these problems are fixed:\n{problems}")]
    InvalidFlow { flow: String, problems: String },
    #[error(
        "flow id `{0}` cannot name a DAG file (allowed: letters, digits, `_`, `.`, `-`, at most 250, not starting with `.`); recreate the flow to get a new id"
    )]
    BadFlowId(String),
    #[error(
        "task `{task}`: input `{input}` reads key {key} of `{upstream}`, a docker task whose output is one line of text without keys; remove the key, or make `{upstream}` a python task that returns a dict"
    )]
    KeyOfDockerOutput {
        task: String,
        input: String,
        key: String,
        upstream: String,
    },
    #[error(
        "library function `{function}`: its {what} `{value}` is not a Python identifier, so it cannot be imported; register it again from a file and function with plain names (letters, digits, `_`)"
    )]
    BadFunctionName {
        function: String,
        what: &'static str,
        value: String,
    },
    #[error(
        "library package `{0}` is not a Python identifier; set `library_package` in the config to a name like `flowdeck_functions`"
    )]
    BadPackage(String),
    #[error("templates folder {}: {source}; fix `templates_dir` in the config or create the folder", path.display())]
    TemplatesDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("template `{name}` ({origin}): {message}")]
    Template {
        name: String,
        origin: String,
        message: String,
    },
    #[error("cannot {action} {}: {source}{hint}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
        hint: &'static str,
    },
    #[error(
        "dags folder {} does not exist or is not a folder; create it, or point --dags-folder / FLOWDECK_DAGS_FOLDER at Airflow's dags folder", path.display()
    )]
    NoDagsFolder { path: PathBuf },
    #[error(
        "the dags folder {} is a file, not a folder; point --dags-folder / FLOWDECK_DAGS_FOLDER (or `dags_folder` under [paths] in the config) at Airflow's dags folder", path.display()
    )]
    DagsFolderIsFile { path: PathBuf },
    #[error(
        "{} was not written by flowdeck (it does not start with flowdeck's header), so flowdeck will not replace or delete it; move it away if flow `{flow_id}` should own that file", path.display()
    )]
    NotOurs { path: PathBuf, flow_id: String },
    #[error(
        "{} belongs to another flowdeck database ({}…), which has a flow with the same id; flowdeck leaves it alone. Rename this flow, or remove the other database's flow there", path.display(), owner.get(..8).unwrap_or(owner)
    )]
    Foreign { path: PathBuf, owner: String },
    /// A library module of the same name that another database (sharing the dags
    /// folder) wrote; registration picks another module name when it meets one.
    #[error(
        "{} is another flowdeck database's library module ({}…); flowdeck leaves it alone. Register again: a free module name is chosen", path.display(), owner.get(..8).unwrap_or(owner)
    )]
    ForeignModule { path: PathBuf, owner: String },
}

impl Error {
    /// An I/O error with a hint chosen from its kind.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Error {
        use std::io::ErrorKind;
        let hint = match source.kind() {
            ErrorKind::PermissionDenied => {
                " (check that the user running flowdeck may write to that folder)"
            }
            ErrorKind::ReadOnlyFilesystem => " (the filesystem is read-only)",
            ErrorKind::StorageFull | ErrorKind::QuotaExceeded => " (free some disk space)",
            ErrorKind::NotFound => " (check that the folder exists)",
            _ => "",
        };
        Error::Io {
            action,
            path: path.into(),
            source,
            hint,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Creates the dags folder (and its parents) when it is missing; a file in its place is
/// refused with one sentence naming the settings that point there.
pub fn create_dags_folder(path: &std::path::Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(Error::DagsFolderIsFile {
            path: path.to_path_buf(),
        }),
        Err(_) => {
            std::fs::create_dir_all(path).map_err(|e| {
                // A file somewhere along the path: the same mistake one level up.
                if e.kind() == std::io::ErrorKind::AlreadyExists
                    || e.kind() == std::io::ErrorKind::NotADirectory
                {
                    Error::DagsFolderIsFile {
                        path: path.to_path_buf(),
                    }
                } else {
                    Error::io("create the dags folder", path.to_path_buf(), e)
                }
            })
        }
    }
}

/// Renders flows with compiled templates; build one and reuse it (compiling the
/// templates costs more than rendering a flow).
pub struct Renderer {
    templates: templates::Templates,
    config: RenderConfig,
    /// The id of the database whose files this renderer writes (see `header.rs`).
    owner: Option<String>,
}

impl Renderer {
    /// Loads the built-in templates and any overrides from `config.templates_dir`.
    pub fn new(config: &RenderConfig) -> Result<Renderer> {
        if !crate::model::ident::is_identifier(&config.library_package) {
            return Err(Error::BadPackage(crate::model::text::one_line(
                &config.library_package,
            )));
        }
        Ok(Renderer {
            templates: templates::Templates::load(config.templates_dir.as_deref())?,
            config: config.clone(),
            owner: None,
        })
    }

    /// Files rendered from now on name `database_id` as their owner.
    pub fn owned_by(mut self, database_id: &str) -> Renderer {
        self.owner = Some(database_id.to_string());
        self
    }

    /// The owning database's id, when set.
    pub fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }

    pub fn config(&self) -> &RenderConfig {
        &self.config
    }

    /// The DAG file of a flow. The flow is validated first; `functions` is the library.
    pub fn render(&self, spec: &FlowSpec, functions: &[Function]) -> Result<Rendered> {
        dagfile::render(self, spec, functions)
    }
}

/// One-off render with a fresh [`Renderer`] (tests, `flow render`).
pub fn render(spec: &FlowSpec, functions: &[Function], config: &RenderConfig) -> Result<Rendered> {
    Renderer::new(config)?.render(spec, functions)
}

/// The DAG file name of a flow id.
pub fn dag_file_name(flow_id: &str) -> String {
    format!("{flow_id}.py")
}

/// Whether a flow id can safely name a file in the dags folder (and is an Airflow dag id:
/// `^[\w.-]+$`, at most 250 characters).
pub fn is_valid_flow_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 250
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests;
