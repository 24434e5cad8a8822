//! Airflow DAG files from flows: tera templates, escaping, atomic writes, reconcile.
