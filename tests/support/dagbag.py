"""Load a dags folder with the installed Apache Airflow, the way its dag processor does,
and print what Airflow sees as one JSON line prefixed with FLOWDECK_JSON:
{"import_errors": {path: traceback}, "dags": {dag_id: {...tasks and upstream ids...}}}.

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
    return {"import_errors": errors, "dags": dags}


def main():
    folder = Path(sys.argv[1]).resolve()
    # Airflow logs to stdout while loading; keep stdout for the result.
    with contextlib.redirect_stdout(sys.stderr):
        result = load(folder)
    print(MARK + json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
