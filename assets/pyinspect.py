"""flowdeck's Python inspector: reads one JSON request on stdin, prints one JSON answer.

Request:  {"op": "inspect" | "check", "source": "...", "filename": "etl.py"}
Answer:   {"ok": true, "functions": [...], "imports": [...]}
          {"ok": false, "error": {"line", "col", "message", "text"}}   (the source is bad)
Anything else (a bug here, an unusable interpreter) goes to stderr with a non-zero exit.

The source is only parsed with `ast.parse`; it is never imported or executed, so
registering a file cannot run its code on the operator's machine. flowdeck runs this with
`-I -S` so that nothing from the current directory, PYTHON* variables or site-packages
`.pth` files can shadow the stdlib modules used here.
"""

import sys

# ast.unparse arrived in 3.9; Airflow 3 needs 3.9+ anyway. Checked before anything else
# so an old interpreter gets a sentence instead of a traceback.
if sys.version_info < (3, 9):
    sys.stderr.write(
        "Python 3.9 or newer is needed, this is %d.%d\n" % sys.version_info[:2]
    )
    sys.exit(3)

import ast
import json
import warnings

# SyntaxWarnings (e.g. invalid escape sequences) are not ours to print; stderr is
# reserved for real failures.
warnings.simplefilter("ignore")

# A deeply nested expression makes the compiler recurse past its limit; the source is
# still "bad" from the operator's point of view, so it is answered like a syntax error.
TOO_DEEP = (RecursionError, MemoryError)


def source_error(line, col, message, text):
    return {
        "ok": False,
        "error": {
            "line": max(int(line or 1), 1),
            "col": max(int(col or 1), 1),
            "message": message,
            "text": (text or "").strip(),
        },
    }


def null_byte_error(source):
    """Points at the first NUL: Python versions disagree on how (or whether) they say where."""
    at = source.index("\0")
    line_start = source.rfind("\n", 0, at) + 1
    line_end = source.find("\n", at)
    text = source[line_start : line_end if line_end >= 0 else len(source)]
    return source_error(
        source.count("\n", 0, at) + 1,
        at - line_start + 1,
        "the source contains a null byte (is this a binary file?)",
        text.replace("\0", "\\0"),
    )


def default_text(source, node):
    # The default as the operator wrote it, unless it spans lines (comments, layout):
    # a signature needs one line, which ast.unparse gives.
    segment = ast.get_source_segment(source, node)
    if segment is not None and "\n" not in segment and "\r" not in segment:
        return segment
    try:
        return ast.unparse(node)
    except TOO_DEEP:
        return " ".join((segment or "").split())


def params_of(source, args):
    out = []
    positional = args.posonlyargs + args.args
    # Defaults belong to the last len(defaults) positional parameters.
    first_default = len(positional) - len(args.defaults)
    for i, arg in enumerate(positional):
        default = args.defaults[i - first_default] if i >= first_default else None
        kind = "positional_only" if i < len(args.posonlyargs) else "positional_or_keyword"
        out.append(param(source, arg, kind, default))
    if args.vararg is not None:
        out.append(param(source, args.vararg, "var_positional", None))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        out.append(param(source, arg, "keyword_only", default))
    if args.kwarg is not None:
        out.append(param(source, args.kwarg, "var_keyword", None))
    return out


def param(source, arg, kind, default):
    return {
        "name": arg.arg,
        "kind": kind,
        "default": None if default is None else default_text(source, default),
        # The trigger form reads a run parameter's type from it (`int`, `list[str]`).
        "annotation": None if arg.annotation is None else default_text(source, arg.annotation),
    }


def first_doc_line(node):
    doc = ast.get_docstring(node)
    if not doc:
        return None
    first = doc.strip().splitlines()[0].strip()
    return first or None


def function_info(source, node):
    return {
        "name": node.name,
        "lineno": node.lineno,
        "end_lineno": node.end_lineno,
        "is_async": isinstance(node, ast.AsyncFunctionDef),
        "decorators": [
            ast.get_source_segment(source, d) or "" for d in node.decorator_list
        ],
        "params": params_of(source, node.args),
        "doc": first_doc_line(node),
        "source": ast.get_source_segment(source, node) or "",
    }


def module_imports(tree):
    """Modules imported while the module itself is imported: Airflow imports the library
    file when it parses a DAG, so these are what must be installed there. Imports inside
    function bodies only run when the task runs, so they are left out."""
    seen = []
    stack = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = ["." * node.level + (node.module or "")]
        for name in names:
            if name not in seen:
                seen.append(name)
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return seen


def inspect(source, filename):
    if "\0" in source:
        return null_byte_error(source)
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as e:
        return source_error(e.lineno, e.offset, e.msg, e.text)
    except TOO_DEEP:
        return source_error(1, 1, "the code is nested too deeply for Python to parse", "")
    except UnicodeError as e:
        # Only reachable with lone surrogates in the JSON string; flowdeck never sends
        # those, but a hand-made request might.
        return source_error(1, 1, "the source is not valid UTF-8 text: %s" % e, "")
    functions = [
        function_info(source, node)
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    return {"ok": True, "functions": functions, "imports": module_imports(tree)}


def main():
    raw = sys.stdin.buffer.read()
    try:
        request = json.loads(raw.decode("utf-8"))
        op = request["op"]
        source = request["source"]
        filename = request.get("filename") or "<flowdeck>"
    except (UnicodeError, ValueError, KeyError, TypeError) as e:
        sys.stderr.write("unreadable request: %s\n" % e)
        return 2
    if op not in ("inspect", "check"):
        sys.stderr.write("unknown op %r\n" % (op,))
        return 2
    # Both ops answer the same today: "check" is for task overrides, which must define a
    # function just like a library file. Kept apart so they can diverge without a
    # protocol change.
    answer = inspect(source, filename)
    # ensure_ascii keeps stdout independent of the interpreter's locale and encoding.
    sys.stdout.write(json.dumps(answer, ensure_ascii=True))
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
