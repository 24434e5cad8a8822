//! Registering library functions (the seed's data flow 4.1): check the file, copy it into
//! the library package in the dags folder, store the metadata.

use crate::model::ids::{new_id, sha256_hex};
use crate::model::Function;
use crate::python::{self, ModuleInfo, Python};
use crate::store::{self, Store};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: no such file; check the path", path.display())]
    Missing { path: PathBuf },
    #[error("cannot read {}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    #[error("{} is not a Python file (.py)", path.display())]
    NotPython { path: PathBuf },
    #[error("{} is not UTF-8 text (byte {offset}); save it as UTF-8", path.display())]
    NotUtf8 { path: PathBuf, offset: usize },
    #[error("{} is not valid Python: {error}", path.display())]
    Syntax { path: PathBuf, error: python::Error },
    /// python3 could not be asked (missing, hung, broken): nothing is known about the
    /// file yet.
    #[error("cannot check {}: {error}", path.display())]
    Python { path: PathBuf, error: python::Error },
    /// Larger than [`MAX_FILE_BYTES`]: refused before python3 is asked.
    #[error("{} is {} MB; a library file may be at most {} MB (a file this large usually holds data: read data when the task runs instead)", path.display(), mb(*.bytes), MAX_FILE_BYTES / 1_000_000)]
    TooLarge { path: PathBuf, bytes: u64 },
    #[error("{} defines no top-level function `{function}`{}", path.display(), suggest(available))]
    NoSuchFunction {
        path: PathBuf,
        function: String,
        available: Vec<String>,
    },
    #[error("`{}.py` cannot be imported as a Python module ({problem}); rename the file to `{suggestion}.py`", crate::model::text::one_line(stem))]
    BadModuleName {
        stem: String,
        problem: String,
        suggestion: String,
    },
    // The wrapper ends the message unquoted: quoted values are cut in one-line messages,
    // and this one must stay whole to be pasted.
    #[error("`{function}` is `async def`: Airflow's PythonOperator would call it and get back a coroutine that never runs; add `import asyncio` and this line to the file, then register `{function}_sync`: {wrapper}")]
    Async {
        function: String,
        /// A one-line plain function that runs it, ready to paste.
        wrapper: String,
    },
    #[error(
        "the function name is empty; give a name, or leave --name out to use the function's own"
    )]
    BadName(String),
    #[error("cannot write the library file {}: {reason}", path.display())]
    Write { path: PathBuf, reason: String },
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error(transparent)]
    Render(#[from] crate::render::Error),
}

/// The largest library file accepted: Python source of real functions is far smaller,
/// and python3 must parse the file within its time limit.
pub const MAX_FILE_BYTES: u64 = 5_000_000;

fn mb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1_000_000.0)
}

fn suggest(available: &[String]) -> String {
    if available.is_empty() {
        "; it defines no functions that can be registered (plain top-level `def`)".into()
    } else {
        format!("; it defines: {}", available.join(", "))
    }
}

/// What the operator asks to register.
pub struct Registration<'a> {
    pub file: &'a Path,
    pub function: &'a str,
    pub name: Option<&'a str>,
    pub description: Option<&'a str>,
}

/// A checked UDF file: readable UTF-8 Python with an importable module name.
pub struct Inspected {
    pub bytes: Vec<u8>,
    pub stem: String,
    pub info: ModuleInfo,
}

/// Checks a file the way registration does and lists its top-level functions (the TUI's
/// function picker uses this before the operator has chosen one).
pub fn inspect_file(python: &Python, path: &Path) -> Result<Inspected, Error> {
    if !path.exists() {
        return Err(Error::Missing {
            path: path.to_path_buf(),
        });
    }
    if path.is_dir() || path.extension().and_then(|e| e.to_str()) != Some("py") {
        return Err(Error::NotPython {
            path: path.to_path_buf(),
        });
    }
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.len() > MAX_FILE_BYTES {
            return Err(Error::TooLarge {
                path: path.to_path_buf(),
                bytes: meta.len(),
            });
        }
    }
    let bytes = std::fs::read(path).map_err(|e| Error::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let source = std::str::from_utf8(&bytes).map_err(|e| Error::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.valid_up_to(),
    })?;
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    if let Some(problem) = python::module_name_problem(&stem) {
        let suggestion = python::suggest_module_name(&stem);
        return Err(Error::BadModuleName {
            stem,
            problem,
            suggestion,
        });
    }
    let filename = path
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let info = python
        .inspect(source, filename)
        .map_err(|error| match error {
            python::Error::Syntax { .. } => Error::Syntax {
                path: path.to_path_buf(),
                error,
            },
            error => Error::Python {
                path: path.to_path_buf(),
                error,
            },
        })?;
    Ok(Inspected { bytes, stem, info })
}

/// Checks and registers a function. Registering the same name from the same source
/// again updates it (re-import after an edit); another source under a taken name fails.
pub fn register(
    store: &Store,
    python: &Python,
    library: &Path,
    req: &Registration,
) -> Result<Function, Error> {
    let path = req.file;
    let Inspected { bytes, stem, info } = inspect_file(python, path)?;
    let Some(found) = info.functions.iter().find(|f| f.name == req.function) else {
        return Err(Error::NoSuchFunction {
            path: path.to_path_buf(),
            function: req.function.to_string(),
            // Only names that registering would accept.
            available: info
                .functions
                .iter()
                .filter(|f| !f.is_async)
                .map(|f| f.name.clone())
                .collect(),
        });
    };
    if found.is_async {
        return Err(Error::Async {
            function: found.name.clone(),
            wrapper: sync_wrapper(&found.name, &found.params),
        });
    }
    let name = req.name.unwrap_or(req.function).trim().to_string();
    if name.is_empty() {
        return Err(Error::BadName(name));
    }
    let source_path = std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string();
    let existing = store.function_by_name(&name)?;
    // Every refusal comes before the first write: a refused registration leaves the
    // disk as it was.
    if existing
        .as_ref()
        .is_some_and(|e| e.source_path != source_path)
    {
        return Err(Error::Store(store::Error::NameTaken {
            kind: "function",
            name,
        }));
    }
    let hash = sha256_hex(&bytes);
    // The module as stored: the source byte for byte, then a trailer naming this
    // database, so another database sharing the dags folder never takes it for its own.
    let mut stored_bytes = bytes.clone();
    stored_bytes.extend_from_slice(crate::render::library_trailer(store.database_id()).as_bytes());
    let dags = library.parent().map(Path::to_path_buf);
    let folders_existed = [
        (dags.clone(), dags.as_ref().is_some_and(|d| d.exists())),
        (Some(library.to_path_buf()), library.exists()),
    ];
    // Another database may take the chosen module name between the choice and the
    // write (the write never replaces its module): then choose again, a few times.
    let mut attempts = 0;
    let (module, stored, created) = loop {
        let module = choose_module(
            store,
            library,
            &stem,
            &source_path,
            &sha256_hex(&stored_bytes),
        )?;
        let stored = library.join(format!("{module}.py"));
        let mut created = folders_existed.to_vec();
        created.push((Some(stored.clone()), stored.exists()));
        match write_module(library, &module, &stored_bytes) {
            Ok(()) => break (module, stored, created),
            Err(Error::Render(crate::render::Error::ForeignModule { .. })) if attempts < 3 => {
                attempts += 1;
            }
            Err(e) => return Err(e),
        }
    };
    let stored_name = format!("{module}.py");
    let now = chrono::Utc::now();
    let function = Function {
        id: existing
            .as_ref()
            .filter(|e| e.source_path == source_path)
            .map_or_else(|| new_id("fn"), |e| e.id.clone()),
        name,
        filename: stored_name,
        path: stored.display().to_string(),
        function: req.function.to_string(),
        description: req
            .description
            .map(str::to_string)
            .or_else(|| existing.as_ref().map(|e| e.description.clone()))
            .or_else(|| found.doc.clone())
            .unwrap_or_default(),
        created_at: now,
        updated_at: now,
        params: found.params.clone(),
        content_hash: hash,
        source_path,
        module,
    };
    match store.save_function(&function, None) {
        Ok(f) => Ok(f),
        Err(e) => {
            // The database refused after all: take back what this call created.
            undo_created(&created);
            Err(e.into())
        }
    }
}

/// Removes the paths (file, library folder, dags folder; innermost first) that did not
/// exist before a registration wrote them.
fn undo_created(created: &[(Option<PathBuf>, bool)]) {
    for (path, existed) in created.iter().rev() {
        let Some(path) = path else { continue };
        if *existed {
            continue;
        }
        let _ = if path.is_dir() {
            std::fs::remove_dir_all(path)
        } else {
            std::fs::remove_file(path)
        };
    }
}

/// `def f_sync(a, b=1, *, c=None): return asyncio.run(f(a, b, c=c))`: a plain function
/// with `f`'s signature that runs the coroutine function `f`.
pub fn sync_wrapper(function: &str, params: &[crate::model::function::Param]) -> String {
    use crate::model::function::ParamKind;
    let signature = Function {
        id: String::new(),
        name: String::new(),
        filename: String::new(),
        path: String::new(),
        function: format!("{function}_sync"),
        description: String::new(),
        created_at: chrono::DateTime::default(),
        updated_at: chrono::DateTime::default(),
        params: params.to_vec(),
        content_hash: String::new(),
        source_path: String::new(),
        module: String::new(),
    }
    .signature();
    let args: Vec<String> = params
        .iter()
        .map(|p| match p.kind {
            ParamKind::PositionalOnly | ParamKind::PositionalOrKeyword => p.name.clone(),
            ParamKind::KeywordOnly => format!("{0}={0}", p.name),
            ParamKind::VarPositional => format!("*{}", p.name),
            ParamKind::VarKeyword => format!("**{}", p.name),
        })
        .collect();
    // Defaults are source text from the user's file: kept on one line, shown safely.
    crate::model::text::one_line(&format!(
        "def {signature}: return asyncio.run({function}({}))",
        args.join(", ")
    ))
}

/// The module name for a file: its stem, unless a different file already owns that
/// name in the library, then `stem_2`, `stem_3`, … so files never overwrite each other.
fn choose_module(
    store: &Store,
    library: &Path,
    stem: &str,
    source_path: &str,
    hash: &str,
) -> Result<String, Error> {
    let functions = store.functions()?;
    for n in 1.. {
        let candidate = if n == 1 {
            stem.to_string()
        } else {
            format!("{stem}_{n}")
        };
        let owners: Vec<&Function> = functions.iter().filter(|f| f.module == candidate).collect();
        let file = library.join(format!("{candidate}.py"));
        // A module another database (sharing the dags folder) wrote is never ours.
        let theirs = std::fs::read(&file).ok().is_some_and(|b| {
            crate::render::library_owner(&b).is_some_and(|owner| owner != store.database_id())
        });
        let free = if theirs {
            false
        } else if owners.is_empty() {
            // A file nobody registered: only reuse it when it is the same content.
            !file.exists()
                || std::fs::read(&file)
                    .map(|b| sha256_hex(&b) == hash)
                    .unwrap_or(false)
        } else {
            owners.iter().all(|f| f.source_path == source_path)
        };
        if free {
            return Ok(candidate);
        }
    }
    unreachable!("the loop above returns")
}

/// Writes a module into the library package (created with its `.airflowignore` entry
/// on first use) atomically; identical content is left untouched.
fn write_module(library: &Path, module: &str, bytes: &[u8]) -> Result<(), Error> {
    let fail = |reason: String| Error::Write {
        path: library.join(format!("{module}.py")),
        reason,
    };
    let (Some(dags), Some(package)) = (
        library.parent(),
        library.file_name().and_then(|n| n.to_str()),
    ) else {
        return Err(fail(
            "the library folder must be inside the dags folder".into(),
        ));
    };
    crate::render::create_dags_folder(dags)?;
    match crate::render::write_library_module(dags, package, module, bytes) {
        Ok(_) => Ok(()),
        Err(e @ crate::render::Error::ForeignModule { .. }) => Err(Error::Render(e)),
        Err(e) => Err(fail(e.to_string())),
    }
}

/// True when the registered source file changed since registration (offer a re-import).
pub fn source_changed(function: &Function) -> bool {
    match std::fs::read(&function.source_path) {
        Ok(bytes) => sha256_hex(&bytes) != function.content_hash,
        Err(_) => false,
    }
}
