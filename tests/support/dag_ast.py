"""Read flowdeck DAG files with Python's ast module, without importing Airflow, and print
what they define as one JSON line prefixed with FLOWDECK_JSON: {path: {...}}.

Usage: python3 dag_ast.py FILE...

Each file is compiled first (a syntax error fails the run). For each file: whether it is
ASCII, the DAG's keyword arguments that are literals, its tasks (task_id, variable,
operator, inputs classified as literal / upstream output / run parameter), the
dependencies written as `a >> b`, and the code of overridden callables.
"""

import ast
import json
import sys

MARK = "FLOWDECK_JSON "
DAG_LITERALS = (
    "dag_id",
    "dag_display_name",
    "description",
    "schedule",
    "tags",
    "doc_md",
    "catchup",
    "is_paused_upon_creation",
    "max_active_runs",
)


def exact(value):
    """JSON for a literal value; floats as their repr, since a JSON reader may round."""
    if isinstance(value, float):
        return {"$float": repr(value)}
    if isinstance(value, list):
        return [exact(v) for v in value]
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    return value


def literal(node):
    try:
        return {"literal": exact(ast.literal_eval(node))}
    except ValueError:
        return None


def is_text(node):
    """True for `_fd_text(...)`, the wrapper that hands text to Airflow unrendered."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_fd_text"
        and len(node.args) == 1
    )


def env_value(node):
    """An environment value: a string literal, or `_fd_text(s)` as {"text": s}."""
    if is_text(node):
        return {"text": ast.literal_eval(node.args[0])}
    return ast.literal_eval(node)


def classify(node):
    """A python input: a literal, `_fd_text(literal)`, `x.output`, `x.output[KEY]` or
    `_fd_dag.param(NAME)`."""
    found = literal(node)
    if found is not None:
        return found
    if is_text(node):
        return {"text": exact(ast.literal_eval(node.args[0]))}
    if isinstance(node, ast.Attribute) and node.attr == "output" and isinstance(node.value, ast.Name):
        return {"upstream": node.value.id, "key": None}
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "output"
        and isinstance(node.value.value, ast.Name)
    ):
        return {"upstream": node.value.value.id, "key": ast.literal_eval(node.slice)}
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "param"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "_fd_dag"
    ):
        return {"param": ast.literal_eval(node.args[0])}
    return {"unknown": ast.unparse(node)}


def dict_entries(node, value_of):
    if not isinstance(node, ast.Dict):
        return {}
    return {ast.literal_eval(k): value_of(v) for k, v in zip(node.keys, node.values)}


def visit(stmt, result):
    if (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
        and isinstance(stmt.value, ast.Call)
        and isinstance(stmt.value.func, ast.Name)
    ):
        var = stmt.targets[0].id
        call = stmt.value
        kw = {k.arg: k.value for k in call.keywords}
        if call.func.id in ("_fd_PythonOperator", "_fd_DockerOperator"):
            task = {
                "var": var,
                "operator": call.func.id[len("_fd_") :],
                "inputs": dict_entries(kw.get("op_kwargs"), classify),
                "environment": dict_entries(kw.get("environment"), env_value),
                "callable": ast.unparse(kw["python_callable"]) if "python_callable" in kw else None,
            }
            result["tasks"][ast.literal_eval(kw["task_id"])] = task
        elif call.func.id == "_fd_load_callable":
            result["overrides"][var] = {
                "code": ast.literal_eval(call.args[0]),
                "filename": ast.literal_eval(call.args[1]),
                "preferred": ast.literal_eval(call.args[2]),
            }
    elif (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.BinOp)
        and isinstance(stmt.value.op, ast.RShift)
    ):
        result["deps"].append([stmt.value.left.id, stmt.value.right.id])


def read(path):
    with open(path, "rb") as f:
        source = f.read()
    compile(source, path, "exec")
    tree = ast.parse(source, path)
    result = {
        "ascii": all(b < 128 for b in source),
        "dag": None,
        "tasks": {},
        "deps": [],
        "overrides": {},
    }
    for node in tree.body:
        if not isinstance(node, ast.With):
            continue
        call = node.items[0].context_expr
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "_fd_DAG"):
            continue
        kw = {k.arg: k.value for k in call.keywords}
        dag = {key: ast.literal_eval(kw[key]) for key in DAG_LITERALS if key in kw}
        dag["params"] = sorted(dict_entries(kw.get("params"), ast.literal_eval))
        result["dag"] = dag
        for stmt in node.body:
            visit(stmt, result)
    return result


def main():
    print(MARK + json.dumps({path: read(path) for path in sys.argv[1:]}, sort_keys=True))


if __name__ == "__main__":
    main()
