//! The python module against a real python3: what it reports about functions, how it
//! reports bad source, and how it fails when the interpreter is missing or misbehaves.

use std::time::Duration;

use flowdeck::model::{Param, ParamKind};
use flowdeck::python::{module_name_ok, source_text, Error, FunctionInfo, ModuleInfo, Python};

fn inspect(source: &str) -> ModuleInfo {
    match Python::default().inspect(source, "etl.py") {
        Ok(info) => info,
        Err(e) => panic!("inspect failed: {e}"),
    }
}

fn only_function(source: &str) -> FunctionInfo {
    let info = inspect(source);
    assert_eq!(info.functions.len(), 1, "{info:#?}");
    info.functions.into_iter().next().expect("one function")
}

fn syntax_error(source: &str) -> (usize, usize, String, String, String) {
    match Python::default().inspect(source, "etl.py") {
        Err(e) => {
            let shown = e.to_string();
            match e {
                Error::Syntax {
                    line,
                    col,
                    message,
                    text,
                } => (line, col, message, text, shown),
                other => panic!("expected a syntax error, got {other:?}"),
            }
        }
        Ok(info) => panic!("expected a syntax error, got {info:?}"),
    }
}

fn p(name: &str, kind: ParamKind, default: Option<&str>) -> Param {
    Param {
        name: name.into(),
        kind,
        default: default.map(Into::into),
        annotation: None,
    }
}

#[test]
fn reports_parameters_defaults_docstring_and_exact_source() {
    let source = "import os\n\n\ndef extract(day, limit=100, region='eu', ratio=1/3):\n    \"\"\"\n    Fetch one day of sales.\n\n    More words.\n    \"\"\"\n    return [day] * limit\n\nX = 1\n";
    let f = only_function(source);
    assert_eq!(f.name, "extract");
    assert_eq!((f.lineno, f.end_lineno), (4, 10));
    assert!(!f.is_async);
    assert_eq!(f.doc.as_deref(), Some("Fetch one day of sales."));
    assert_eq!(
        f.params,
        vec![
            p("day", ParamKind::PositionalOrKeyword, None),
            p("limit", ParamKind::PositionalOrKeyword, Some("100")),
            p("region", ParamKind::PositionalOrKeyword, Some("'eu'")),
            // As written, not normalised to `1 / 3`.
            p("ratio", ParamKind::PositionalOrKeyword, Some("1/3")),
        ]
    );
    let lines: Vec<&str> = source.lines().collect();
    assert_eq!(f.source, lines[3..10].join("\n"));
}

/// Annotations as written: the trigger form reads a run parameter's type from them.
#[test]
fn reports_annotations_as_written() {
    let f = only_function(
        "def f(day: str, limit: int = 100, ids: 'list[int]' = None, *, opt: Optional[dict] = None, plain=1):\n    pass\n",
    );
    let annotations: Vec<Option<&str>> = f.params.iter().map(|p| p.annotation.as_deref()).collect();
    assert_eq!(
        annotations,
        [
            Some("str"),
            Some("int"),
            Some("'list[int]'"),
            Some("Optional[dict]"),
            None
        ]
    );
}

#[test]
fn every_parameter_kind() {
    let f = only_function("def f(a, b=2, /, c=3, *args, d, e=None, **kwargs):\n    pass\n");
    assert_eq!(
        f.params,
        vec![
            p("a", ParamKind::PositionalOnly, None),
            p("b", ParamKind::PositionalOnly, Some("2")),
            p("c", ParamKind::PositionalOrKeyword, Some("3")),
            p("args", ParamKind::VarPositional, None),
            p("d", ParamKind::KeywordOnly, None),
            p("e", ParamKind::KeywordOnly, Some("None")),
            p("kwargs", ParamKind::VarKeyword, None),
        ]
    );
    assert_eq!(f.doc, None);

    let bare_star = only_function("def g(x, *, limit=10, region):\n    pass\n");
    assert_eq!(
        bare_star.params,
        vec![
            p("x", ParamKind::PositionalOrKeyword, None),
            p("limit", ParamKind::KeywordOnly, Some("10")),
            p("region", ParamKind::KeywordOnly, None),
        ]
    );
}

#[test]
fn a_multi_line_default_becomes_one_line() {
    let f = only_function("def f(opts={\n    'a': 1,  # why\n    'b': [2, 3],\n}):\n    pass\n");
    assert_eq!(
        f.params[0].default.as_deref(),
        Some("{'a': 1, 'b': [2, 3]}")
    );
}

#[test]
fn async_def_is_a_function_marked_async() {
    let f = only_function("async def fetch(url):\n    return url\n");
    assert_eq!(f.name, "fetch");
    assert!(f.is_async);
    assert_eq!(
        f.params,
        vec![p("url", ParamKind::PositionalOrKeyword, None)]
    );
}

#[test]
fn only_top_level_functions_are_listed() {
    let info = inspect(
        "def outer():\n    def inner():\n        pass\n    return inner\n\nclass K:\n    def method(self):\n        pass\n\nif True:\n    def conditional():\n        pass\n\nlam = lambda x: x\n\ndef last():\n    pass\n",
    );
    let names: Vec<&str> = info.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["outer", "last"]);
    assert!(info.function("inner").is_none());
    assert_eq!(info.function("last").map(|f| f.lineno), Some(16));
}

#[test]
fn decorators_are_listed_and_the_def_line_is_reported() {
    let f = only_function(
        "import functools\n\n@functools.lru_cache(maxsize=None)\n@other\ndef cached(n):\n    return n\n",
    );
    assert_eq!(f.decorators, ["functools.lru_cache(maxsize=None)", "other"]);
    assert_eq!((f.lineno, f.end_lineno), (5, 6));
    assert_eq!(f.source, "def cached(n):\n    return n");
}

#[test]
fn module_level_imports_are_reported_once_in_order() {
    let info = inspect(
        "import os, a.b as ab\nfrom pandas import DataFrame\nfrom . import sibling\nfrom ..pkg import thing\ntry:\n    import ujson as json\nexcept ImportError:\n    import json\nimport os\n\ndef f():\n    import only_at_run_time\n",
    );
    assert_eq!(
        info.imports,
        ["os", "a.b", "pandas", ".", "..pkg", "ujson", "json"]
    );
}

#[test]
fn the_source_is_parsed_never_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let marker = dir.path().join("ran");
    let source = format!(
        "open({:?}, 'w').write('x')\nraise SystemExit(7)\n\ndef f():\n    pass\n",
        marker.display().to_string()
    );
    assert_eq!(inspect(&source).functions.len(), 1);
    assert!(!marker.exists(), "the module body was executed");
}

#[test]
fn syntax_errors_say_where() {
    let (line, col, message, text, shown) = syntax_error("x = 1\n\ndef f(:\n    pass\n");
    assert_eq!((line, col), (3, 7));
    assert_eq!(message, "invalid syntax");
    assert_eq!(text, "def f(:");
    assert_eq!(shown, "line 3, column 7: invalid syntax: `def f(:`");

    let (line, _, message, text, _) = syntax_error("def f():\nreturn 1\n");
    assert_eq!(line, 2);
    assert!(message.contains("expected an indented block"), "{message}");
    assert_eq!(text, "return 1");

    // Where and how an unclosed bracket is reported varies across Python versions
    // (3.9 points past the end, later ones at the bracket); the line does not.
    let (line, _, message, _, _) = syntax_error("rows = (1,\n");
    assert_eq!(line, 1);
    assert!(!message.is_empty());
}

#[test]
fn non_ascii_identifiers_strings_and_columns() {
    let f = only_function(
        "def grüße(naïve='héllo ☃', *, größe=\"😀\"):\n    \"\"\"Sagt Grüß Gott 👋\"\"\"\n    return naïve\n",
    );
    assert_eq!(f.name, "grüße");
    assert_eq!(
        f.params,
        vec![
            p("naïve", ParamKind::PositionalOrKeyword, Some("'héllo ☃'")),
            p("größe", ParamKind::KeywordOnly, Some("\"😀\"")),
        ]
    );
    assert_eq!(f.doc.as_deref(), Some("Sagt Grüß Gott 👋"));
    assert!(f.source.starts_with("def grüße(naïve='héllo ☃'"));

    // Columns count characters, not UTF-8 bytes: `def` starts at column 11.
    let (line, col, _, text, _) = syntax_error("s = 'é☃'; def\n");
    assert_eq!((line, col), (1, 11));
    assert_eq!(text, "s = 'é☃'; def");
}

#[test]
fn a_null_byte_is_pointed_at() {
    let (line, col, message, text, _) = syntax_error("x = 1\ny = 2\0\n");
    assert_eq!((line, col), (2, 6));
    assert!(message.contains("null byte"), "{message}");
    assert_eq!(text, "y = 2\\0");
}

#[test]
fn file_bytes_must_be_utf8() {
    assert_eq!(source_text(b"x = 1\n").ok(), Some("x = 1\n"));
    // Python accepts a byte-order mark in a file but not inside a string.
    assert_eq!(source_text(b"\xef\xbb\xbfx = 1\n").ok(), Some("x = 1\n"));
    match source_text(b"x = 1\ns = '\xc3\xa9\xe9'\n") {
        Err(e @ Error::Syntax { line, col, .. }) => {
            assert_eq!((line, col), (2, 7));
            let shown = e.to_string();
            assert!(shown.contains("not UTF-8"), "{shown}");
            assert!(shown.contains("0xe9"), "{shown}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn check_answers_like_inspect() {
    let info = Python::default()
        .check(
            "def load(rows, total=0):\n    return len(rows) + total\n",
            "<flowdeck task load>",
        )
        .expect("valid override");
    assert!(info.function("load").is_some());
    assert!(Python::default()
        .check("def load(:\n", "<flowdeck task load>")
        .is_err());
    assert!(inspect("").functions.is_empty());
}

#[test]
fn a_missing_interpreter_is_not_found() {
    let err = Python::new("/nonexistent/bin/python3")
        .inspect("x = 1\n", "etl.py")
        .expect_err("no such program");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "/nonexistent/bin/python3 was not found; install Python 3, or set `program = \"/path/to/python3\"` under [python] in the config"
    );
}

#[cfg(unix)]
mod misbehaving_interpreters {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::path::PathBuf;

    /// A fake interpreter: a shell script that ignores its arguments.
    fn fake(dir: &tempfile::TempDir, body: &str) -> PathBuf {
        let path = dir.path().join("python3");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    #[test]
    fn a_failing_interpreter_shows_its_last_stderr_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let program = fake(
            &dir,
            "echo 'Traceback...' >&2\necho 'Boom: broken' >&2\nexit 3",
        );
        let err = Python::new(&program)
            .inspect("x = 1\n", "etl.py")
            .expect_err("fails");
        match &err {
            Error::Failed { status, stderr, .. } => {
                assert_eq!(status.code(), Some(3));
                assert_eq!(stderr, "Traceback...\nBoom: broken");
            }
            other => panic!("expected Failed, got {other:?}"),
        }
        assert!(
            err.to_string().ends_with("(exit status: 3): Boom: broken"),
            "{err}"
        );
    }

    #[test]
    fn an_answer_that_is_not_json_is_garbled() {
        let dir = tempfile::tempdir().expect("temp dir");
        let program = fake(&dir, "echo 'Python 2.7.18'");
        let err = Python::new(&program)
            .inspect("x = 1\n", "etl.py")
            .expect_err("garbled");
        assert!(matches!(err, Error::Garbled(_)), "{err:?}");
        assert!(err.to_string().contains("Python 2.7.18"), "{err}");
    }

    #[test]
    fn a_hung_interpreter_is_stopped() {
        let dir = tempfile::tempdir().expect("temp dir");
        // Never reads stdin, so a large request would also block a naive writer.
        let program = fake(&dir, "exec sleep 30");
        let started = std::time::Instant::now();
        let err = Python::new(&program)
            .with_timeout(Duration::from_millis(300))
            .inspect(&"x = 1\n".repeat(100_000), "etl.py")
            .expect_err("times out");
        assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_program_that_cannot_run_is_explained() {
        let dir = tempfile::tempdir().expect("temp dir");
        let err = Python::new(dir.path())
            .inspect("x = 1\n", "etl.py")
            .expect_err("a directory is not a program");
        assert!(matches!(err, Error::Spawn { .. }), "{err:?}");
        assert!(err.to_string().contains("could not run"), "{err}");
    }
}

#[test]
fn module_names() {
    for ok in ["etl", "sales_2024", "_private", "Extract"] {
        assert!(module_name_ok(ok), "{ok}");
    }
    for bad in [
        "",
        "2fast",
        "my-etl",
        "class",
        "grüße",
        "airflow",
        "os",
        "sys",
        "json",
        "JSON",
        "datetime",
        "typing",
        "logging",
        "collections",
        "__init__",
    ] {
        assert!(!module_name_ok(bad), "{bad}");
    }
}
