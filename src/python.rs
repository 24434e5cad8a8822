//! Asks python3 about Python source: syntax, top-level functions and their parameters.
//!
//! The answer comes from the interpreter's own `ast` module (script in
//! `assets/pyinspect.py`, passed with `-c`, never written to disk) rather than a Rust
//! parser crate: it is the same grammar Airflow will import the file with, so the two can
//! never disagree about what is valid Python. The source is only parsed, never imported
//! or executed.
//!
//! Calls are synchronous and take tens of milliseconds; async callers wrap them in
//! `tokio::task::spawn_blocking`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::model::ident::is_identifier;
use crate::model::text::one_line;
use crate::model::Param;

const SCRIPT: &str = include_str!("../assets/pyinspect.py");

/// The interpreter used when the config names none.
pub const DEFAULT_PROGRAM: &str = "python3";

/// Parsing even a large file takes well under a second; ten seconds only trips on a hung
/// or wrong program, and keeps a registration from waiting forever.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A Python interpreter to ask about source code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Python {
    program: PathBuf,
    timeout: Duration,
}

impl Default for Python {
    fn default() -> Self {
        Self::new(DEFAULT_PROGRAM)
    }
}

/// What a module defines at its top level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleInfo {
    /// Top-level `def` and `async def`, in source order; nested functions and methods are
    /// not callable from a DAG, so they are not listed.
    pub functions: Vec<FunctionInfo>,
    /// Modules imported when the module is imported (`a.b` as written, relative ones
    /// with their dots), in first-seen order; imports inside functions are left out
    /// because they run only when the task runs.
    pub imports: Vec<String>,
}

impl ModuleInfo {
    pub fn function(&self, name: &str) -> Option<&FunctionInfo> {
        self.functions.iter().find(|f| f.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionInfo {
    pub name: String,
    /// Line of the `def` (1-based, after any decorators), as Python reports it.
    pub lineno: usize,
    pub end_lineno: usize,
    /// `async def`: a `PythonOperator` would get a coroutine back, so callers may warn.
    pub is_async: bool,
    /// Decorator expressions as written, e.g. `task(retries=2)`; a `TaskFlow` `@task`
    /// changes what calling the function does.
    pub decorators: Vec<String>,
    pub params: Vec<Param>,
    /// First line of the docstring.
    pub doc: Option<String>,
    /// The exact text from `def` to the end of the body (decorators not included).
    pub source: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The source is not valid Python (or not text at all). `line` and `col` are 1-based;
    /// `col` counts characters.
    #[error("line {line}, column {col}: {}{}", one_line(.message), quoted(.text))]
    Syntax {
        line: usize,
        col: usize,
        message: String,
        text: String,
    },
    #[error("{} was not found; install Python 3, or set `program = \"/path/to/python3\"` under [python] in the config", .program.display())]
    NotFound { program: PathBuf },
    #[error("could not run {}: {source}; set `program = \"/path/to/python3\"` under [python] in the config", .program.display())]
    Spawn {
        program: PathBuf,
        source: std::io::Error,
    },
    #[error("{} did not answer within {} s and was stopped; check that it is Python 3.9 or newer (`program` under [python] in the config)", .program.display(), .after.as_secs_f32())]
    Timeout { program: PathBuf, after: Duration },
    /// The interpreter exited non-zero: too old, broken, or not Python at all.
    #[error("{} failed ({status}): {}", .program.display(), last_line(.stderr))]
    Failed {
        program: PathBuf,
        status: ExitStatus,
        stderr: String,
    },
    #[error("the Python interpreter gave an answer flowdeck cannot read ({0}); check that `program` under [python] in the config is Python 3.9 or newer")]
    Garbled(String),
}

/// The offending line, when Python quoted one.
fn quoted(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(": `{}`", one_line(text))
    }
}

/// The last line of a traceback is the one that says what went wrong.
fn last_line(stderr: &str) -> String {
    let line = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no message");
    one_line(line.trim())
}

#[derive(Serialize)]
struct Request<'a> {
    op: &'a str,
    source: &'a str,
    filename: &'a str,
}

#[derive(Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    functions: Vec<FunctionInfo>,
    #[serde(default)]
    imports: Vec<String>,
    error: Option<SourceError>,
}

#[derive(Deserialize)]
struct SourceError {
    line: usize,
    col: usize,
    message: String,
    text: String,
}

impl Python {
    pub fn new(program: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn program(&self) -> &Path {
        &self.program
    }

    /// Parses a library file: its top-level functions and module-level imports, or where
    /// its syntax is wrong. `filename` only labels Python's messages.
    pub fn inspect(&self, source: &str, filename: &str) -> Result<ModuleInfo, Error> {
        self.ask("inspect", source, filename)
    }

    /// Parses a task's override code; same answer as [`Python::inspect`], so the caller
    /// can check that the code defines the function it names.
    pub fn check(&self, source: &str, filename: &str) -> Result<ModuleInfo, Error> {
        self.ask("check", source, filename)
    }

    fn ask(&self, op: &str, source: &str, filename: &str) -> Result<ModuleInfo, Error> {
        let request = serde_json::to_vec(&Request {
            op,
            source,
            filename,
        })
        .map_err(|e| Error::Garbled(format!("could not encode the request: {e}")))?;
        let (status, stdout, stderr) = self.run(request)?;
        if !status.success() {
            return Err(Error::Failed {
                program: self.program.clone(),
                status,
                stderr: String::from_utf8_lossy(&stderr).trim().to_string(),
            });
        }
        let answer: Answer = serde_json::from_slice(&stdout).map_err(|e| {
            let shown = String::from_utf8_lossy(&stdout);
            let shown: String = shown.trim().chars().take(80).collect();
            Error::Garbled(format!("{e}; it printed `{}`", one_line(&shown)))
        })?;
        match (answer.ok, answer.error) {
            (true, _) => Ok(ModuleInfo {
                functions: answer.functions,
                imports: answer.imports,
            }),
            (false, Some(e)) => Err(Error::Syntax {
                line: e.line,
                col: e.col,
                message: e.message,
                text: e.text,
            }),
            (false, None) => Err(Error::Garbled("`ok` is false but no error is given".into())),
        }
    }

    /// Runs the script with `request` on stdin, killing it after the timeout.
    fn run(&self, request: Vec<u8>) -> Result<(ExitStatus, Vec<u8>, Vec<u8>), Error> {
        // -I: ignore PYTHON* variables and keep the current directory off sys.path, so a
        // user's `json.py` or `ast.py` next to us cannot run in place of the stdlib.
        // -S: skip `site`, whose `.pth` files may run code; the script needs only stdlib.
        let mut child = Command::new(&self.program)
            .args(["-I", "-S", "-c", SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::NotFound => Error::NotFound {
                    program: self.program.clone(),
                },
                _ => Error::Spawn {
                    program: self.program.clone(),
                    source,
                },
            })?;

        // Every pipe gets its own thread: a program that never reads its input, or
        // writes more than a pipe holds, must not stall us past the deadline.
        if let Some(mut stdin) = child.stdin.take() {
            thread::spawn(move || {
                // A program that exits early closes the pipe; its exit status tells why.
                let _ = stdin.write_all(&request);
            });
        }
        let stdout = child.stdout.take().map(collect);
        let stderr = child.stderr.take().map(collect);

        let deadline = Instant::now() + self.timeout;
        let timeout = || Error::Timeout {
            program: self.program.clone(),
            after: self.timeout,
        };
        let mut pause = Duration::from_millis(1);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => {
                    thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(timeout());
                }
                Err(source) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(Error::Spawn {
                        program: self.program.clone(),
                        source,
                    });
                }
            }
        };
        // The pipes close when the program exits, unless it left a child holding them;
        // then the rest of the deadline (at least a moment) is all they get.
        let grace = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(200));
        let take = |rx: Option<mpsc::Receiver<Vec<u8>>>| match rx {
            Some(rx) => rx.recv_timeout(grace).map_err(|_| timeout()),
            None => Ok(Vec::new()),
        };
        let stdout = take(stdout)?;
        let stderr = take(stderr)?;
        Ok((status, stdout, stderr))
    }
}

/// Reads a pipe to its end on a thread of its own.
fn collect(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = Vec::new();
        // A read error leaves a partial answer, which then fails to parse as Garbled.
        let _ = pipe.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}

/// A file's bytes as source text: UTF-8 (PEP 3120's default), without a byte-order mark
/// (Python accepts one in a file but not in a string it is handed). Anything else is a
/// `Syntax` error pointing at the first bad byte, so the operator learns where to look.
/// Files declaring another encoding in a coding cookie are refused too: flowdeck stores
/// and renders UTF-8.
pub fn source_text(bytes: &[u8]) -> Result<&str, Error> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        // Everything before the bad byte is valid UTF-8 by definition.
        let good = std::str::from_utf8(good).unwrap_or_default();
        let line_start = good.rfind('\n').map_or(0, |i| i + 1);
        let bad = bytes.get(e.valid_up_to()).copied().unwrap_or_default();
        Error::Syntax {
            line: good.matches('\n').count() + 1,
            col: good[line_start..].chars().count() + 1,
            message: format!("the file is not UTF-8 text (byte 0x{bad:02x}); save it as UTF-8"),
            text: good[line_start..].trim().to_string(),
        }
    })
}

/// Top-level names a library module must not take. The library folder can end up on
/// `sys.path` of the Airflow scheduler and workers (Airflow adds the dags folder; operators
/// add folders to PYTHONPATH), where `json.py` would replace the stdlib `json` for every
/// DAG and task there, and `airflow.py` would replace Airflow itself.
///
/// A static list rather than `sys.stdlib_module_names` from the local python3: the check
/// must not depend on which interpreter the authoring machine has (the workers' may
/// differ, and that attribute only exists from 3.10), and it runs as the operator types,
/// where spawning a process per keystroke is too slow. It holds the stdlib modules a
/// UDF file is plausibly named after, plus what Airflow imports while parsing a DAG.
const TAKEN_MODULE_NAMES: &[&str] = &[
    // Python's own machinery.
    "__future__",
    "__init__",
    "__main__",
    "builtins",
    "site",
    // Standard library.
    "abc",
    "argparse",
    "array",
    "ast",
    "asyncio",
    "base64",
    "bisect",
    "calendar",
    "code",
    "codecs",
    "collections",
    "concurrent",
    "configparser",
    "contextlib",
    "copy",
    "csv",
    "ctypes",
    "dataclasses",
    "datetime",
    "decimal",
    "difflib",
    "email",
    "enum",
    "fnmatch",
    "fractions",
    "ftplib",
    "functools",
    "gc",
    "glob",
    "gzip",
    "hashlib",
    "heapq",
    "hmac",
    "html",
    "http",
    "importlib",
    "inspect",
    "io",
    "ipaddress",
    "itertools",
    "json",
    "locale",
    "logging",
    "lzma",
    "math",
    "multiprocessing",
    "numbers",
    "operator",
    "os",
    "pathlib",
    "pickle",
    "platform",
    "pprint",
    "queue",
    "random",
    "re",
    "secrets",
    "select",
    "selectors",
    "shlex",
    "shutil",
    "signal",
    "smtplib",
    "socket",
    "sqlite3",
    "ssl",
    "stat",
    "statistics",
    "string",
    "struct",
    "subprocess",
    "sys",
    "tarfile",
    "tempfile",
    "textwrap",
    "threading",
    "time",
    "timeit",
    "token",
    "tokenize",
    "traceback",
    "types",
    "typing",
    "unittest",
    "urllib",
    "uuid",
    "warnings",
    "weakref",
    "xml",
    "zipfile",
    "zlib",
    "zoneinfo",
    // Airflow and the packages it imports while parsing a DAG.
    "airflow",
    "attr",
    "attrs",
    "dateutil",
    "jinja2",
    "pendulum",
    "pydantic",
    "sqlalchemy",
];

/// True when `stem` (a file name without `.py`) can be imported as a library module:
/// an ASCII identifier (non-ASCII names depend on every machine's filesystem encoding),
/// not a keyword, and not a name the stdlib or Airflow takes (list above). Compared without case because
/// macOS and Windows filesystems would find `JSON.py` for `import json`.
pub fn module_name_ok(stem: &str) -> bool {
    module_name_problem(stem).is_none()
}

/// Why `stem` cannot be a library module, in words, or `None` when it can.
pub fn module_name_problem(stem: &str) -> Option<String> {
    if stem.is_empty() {
        return Some("the name is empty".into());
    }
    if let Some(c) = stem
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Some(match c {
            '-' => "a module name cannot have a hyphen".into(),
            ' ' => "a module name cannot have a space".into(),
            '.' => "a module name cannot have a dot".into(),
            c if !c.is_ascii() => "a module name must be ASCII".into(),
            c => format!("a module name cannot have `{}`", c.escape_default()),
        });
    }
    if stem.starts_with(|c: char| c.is_ascii_digit()) {
        return Some("a module name cannot start with a digit".into());
    }
    if !is_identifier(stem) {
        return Some(format!("`{stem}` is a Python keyword"));
    }
    if TAKEN_MODULE_NAMES.contains(&stem.to_ascii_lowercase().as_str()) {
        return Some(format!(
            "it would hide the module `{}` that Python or Airflow imports",
            stem.to_ascii_lowercase()
        ));
    }
    None
}

/// A module name close to `stem` that [`module_name_ok`] accepts: other characters
/// become `_`, a leading digit gets `udf_` before it, a keyword or a taken name gets
/// `_udf` after it (`my-etl` → `my_etl`, `2024-sales` → `udf_2024_sales`, `json` →
/// `json_udf`).
pub fn suggest_module_name(stem: &str) -> String {
    let mut name: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if name.is_empty() {
        name = "udf".into();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name = format!("udf_{name}");
    }
    while !module_name_ok(&name) {
        name.push_str("_udf");
    }
    name
}
