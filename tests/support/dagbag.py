"""Load a dags folder with the installed Apache Airflow, the way its dag processor does,
and print what Airflow sees as one JSON line prefixed with FLOWDECK_JSON:
{"import_errors": {path: traceback}, "dags": {dag_id: {...tasks and upstream ids...}}}.
Each task also carries its templated fields rendered with a fake run context
(`rendered_fields`), showing what the task would receive at run time.

Usage: python dagbag.py DAGS_FOLDER

Needs no database and no running Airflow. Works with Airflow 3 (BundleDagBag, which puts
the folder on sys.path like the dag processor) and Airflow 2 (DagBag).
"""

import contextlib
import json
import os
import sys
import traceback
from pathlib import Path

MARK = "FLOWDECK_JSON "


class _Output(dict):
    """A fake upstream return value: any key reads as "xcom:<task>:[<key>]"."""

    def __missing__(self, key):
        return "xcom:%s:[%s]" % (self["task"], key)


class _FakeTI:
    """Answers xcom_pull like a task instance would, with recognisable values: the
    return value is {"task": <id>}, any other XCom key k is "xcom:<id>:<k>"."""

    def __init__(self, dag_id):
        self.dag_id = dag_id

    def get_relevant_upstream_map_indexes(self, *args, **kwargs):
        return None  # nothing is mapped (Airflow 2 asks before pulling)

    def xcom_pull(self, task_ids=None, key="return_value", **kwargs):
        if key == "return_value":
            return _Output(task=task_ids)
        return "xcom:%s:%s" % (task_ids, key)


class _FakeRun:
    conf = {}


def rendered_fields(dag, task):
    """The task's templated fields as a worker would render them: run parameters read as
    "param:<name>", ds = 2024-01-02, upstream outputs as _FakeTI answers."""
    try:
        from airflow.sdk.execution_time import macros
    except ImportError:
        from airflow import macros
    ti = _FakeTI(dag.dag_id)
    context = {
        "ti": ti,
        "task_instance": ti,
        "dag": dag,
        "task": task,
        "dag_run": _FakeRun(),
        "params": {name: "param:" + name for name in dag.params.keys()},
        "ds": "2024-01-02",
        "ds_nodash": "20240102",
        "expanded_ti_count": None,  # Airflow 2 reads it when resolving XComArgs
        "macros": macros,
    }
    try:
        task.render_template_fields(context)
    except Exception:
        return {"error": traceback.format_exc()}
    fields = {}
    for name in task.template_fields:
        value = getattr(task, name, None)
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            value = repr(value)
        fields[name] = value
    return fields


def load(folder):
    try:
        from airflow.dag_processing.dagbag import BundleDagBag  # Airflow 3

        bag = BundleDagBag(
            dag_folder=str(folder),
            bundle_path=folder,
            bundle_name="dags-folder",
            load_op_links=False,
        )
    except ImportError:
        from airflow.models.dagbag import DagBag  # Airflow 2

        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
        bag = DagBag(dag_folder=str(folder), include_examples=False)
    errors = {str(k): v for k, v in bag.import_errors.items()}
    try:
        from airflow.serialization.serialized_objects import DagSerialization as serializer
    except ImportError:
        from airflow.serialization.serialized_objects import SerializedDAG as serializer
    dags = {}
    for dag_id, dag in sorted(bag.dags.items()):
        # The dag processor serializes every DAG it loads; a failure there is reported
        # as an import error of the file, so it is one here too.
        try:
            serializer.to_dict(dag)
        except Exception:
            errors[os.path.basename(dag.fileloc)] = traceback.format_exc()
        dags[dag_id] = {
            "file": os.path.basename(dag.fileloc),
            "display_name": getattr(dag, "dag_display_name", None),
            "description": dag.description,
            "doc_md": dag.doc_md,
            "tags": sorted(dag.tags),
            "params": sorted(dag.params.keys()),
            "is_paused_upon_creation": dag.is_paused_upon_creation,
            "tasks": {
                t.task_id: {
                    "operator": type(t).__name__,
                    "upstream": sorted(t.upstream_task_ids),
                }
                for t in dag.tasks
            },
        }
    # After serialization: rendering changes the tasks' fields in place.
    for dag_id, dag in sorted(bag.dags.items()):
        for task in dag.tasks:
            dags[dag_id]["tasks"][task.task_id]["rendered"] = rendered_fields(dag, task)
    return {"import_errors": errors, "dags": dags}


def main():
    folder = Path(sys.argv[1]).resolve()
    # Airflow logs to stdout while loading; keep stdout for the result.
    with contextlib.redirect_stdout(sys.stderr):
        result = load(folder)
    print(MARK + json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
