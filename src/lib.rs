//! flowdeck: build Apache Airflow workflows from a library of Python functions.
