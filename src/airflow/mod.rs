//! Airflow REST client (v2 token auth / v1 basic auth) and the poller that feeds the UI.
