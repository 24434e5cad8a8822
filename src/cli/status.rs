//! `flowdeck status`: is Airflow there, and where is each flow in its deploy lifecycle.
//!
//! Only what was observed is reported: "healthy" needs an authenticated answer (Airflow
//! answers `/version` and `/monitor/health` to anyone, so they alone would call a wrong
//! password healthy), and the whole command ends within the configured `timeout_secs`
//! however many requests it takes. Credentials that are missing (the variable named) or
//! refused (401, or Airflow 2's 403) make it fail like an unreachable Airflow: exit 1.

use super::output::table;
use super::output::{out, outln};
use crate::airflow::{Client, Dag, Health, ImportError, Version};
use crate::core::Core;
use crate::deploy::judge::error_is_for;
use crate::model::deploy::DeployRecord;
use crate::model::schedule::describe_schedule;
use crate::model::Flow;
use std::sync::Arc;
use std::time::Duration;

/// What Airflow said, all of it or nothing.
struct Observed {
    version: Version,
    health: Health,
    dags: Vec<Dag>,
    errors: Vec<ImportError>,
}

async fn observe(client: &Client) -> Result<Observed, crate::airflow::Error> {
    // A password or token variable that is not set fails here, naming it, before any
    // request: nothing Airflow could answer would make the status true.
    if let Some(missing) = client.missing_secret() {
        return Err(missing);
    }
    let version = client.version().await?;
    let health = client.health().await?;
    // The DAG listing is the authenticated request: it proves the credentials.
    let dags = client.list_dags("dag_").await?;
    let errors = client.import_errors().await?;
    Ok(Observed {
        version,
        health,
        dags,
        errors,
    })
}

/// One environment as observed now: its line and whether it is healthy.
struct EnvironmentStatus {
    name: String,
    current: bool,
    observed: Result<Observed, crate::airflow::Error>,
    url: String,
}

impl EnvironmentStatus {
    fn line(&self) -> (String, bool) {
        match &self.observed {
            Ok(o) if o.health.is_healthy() => (
                format!("Airflow {} at {}: healthy", o.version.version, self.url),
                true,
            ),
            Ok(o) => (
                format!(
                    "Airflow {} at {}: unhealthy ({})",
                    o.version.version,
                    self.url,
                    o.health.unhealthy_components().join(", ")
                ),
                false,
            ),
            Err(e) => (e.to_string(), false),
        }
    }
}

/// Asks every environment's Airflow at once, each within `timeout_secs`, so the
/// command's whole wait is that long however many environments there are.
async fn observe_all(core: &Core) -> Vec<EnvironmentStatus> {
    let seconds = core.settings.timeout_secs;
    let asks = core.settings.environments.iter().map(|env| async move {
        let current = env.name == core.settings.environment.name;
        let client = if current {
            Ok(core.client.clone())
        } else {
            core.settings
                .with_environment(&env.name)
                .map_err(|e| crate::airflow::Error::Config(e.to_string()))
                .and_then(|s| Client::new(crate::core::airflow_config(&s)).map(Arc::new))
        };
        let observed = match client {
            Ok(client) => {
                match tokio::time::timeout(Duration::from_secs(seconds), observe(&client)).await {
                    Ok(r) => r,
                    Err(_) => Err(crate::airflow::Error::Timeout {
                        url: env.url.clone(),
                        action: "report its status".into(),
                        seconds,
                    }),
                }
            }
            Err(e) => Err(e),
        };
        EnvironmentStatus {
            name: env.name.clone(),
            current,
            observed,
            url: env.url.clone(),
        }
    });
    futures::future::join_all(asks).await
}

/// A flow's state in one environment: the stored record, checked against what that
/// Airflow said; "as of <time>" when it was not heard from.
fn state_in(f: &Flow, record: Option<&DeployRecord>, env: &EnvironmentStatus) -> serde_json::Value {
    let file = crate::render::dag_file_name(&f.id);
    let seen = env.observed.as_ref().ok();
    let dag = seen.and_then(|o| o.dags.iter().find(|d| d.dag_id == f.id));
    let import_error = seen.map(|o| o.errors.iter().any(|e| error_is_for(e, &file)));
    serde_json::json!({
        "environment": env.name,
        "state": crate::model::deploy::state_label(record, f.version),
        "deployed_version": record.and_then(|r| r.deployed_version),
        "since": record.map(|r| r.since),
        // null: Airflow was not heard from, so nothing is claimed.
        "in_airflow": seen.map(|_| dag.is_some()),
        "paused": dag.map(|d| d.is_paused),
        "import_error": import_error,
    })
}

/// What Airflow says of the DAG: "active", "paused", "not loaded"; `None` when that
/// Airflow was not heard from.
fn airflow_words(state: &serde_json::Value) -> Option<&'static str> {
    match (state["in_airflow"].as_bool(), state["paused"].as_bool()) {
        (None, _) => None,
        (Some(false), _) => Some("not loaded"),
        (_, Some(true)) => Some("paused"),
        (_, _) => Some("active"),
    }
}

/// The deploy state; a stored one that Airflow did not just confirm says "as of" when.
fn state_words(state: &serde_json::Value) -> String {
    let label = if state["import_error"].as_bool() == Some(true) {
        "import error".to_string()
    } else {
        state["state"].as_str().unwrap_or_default().to_string()
    };
    let since = state["since"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
    match (airflow_words(state), since) {
        (None, Some(t)) => format!(
            "{label} as of {}",
            t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M")
        ),
        _ => label,
    }
}

/// One environment's cell when several are shown: "ready, active".
fn cell(state: &serde_json::Value) -> String {
    match airflow_words(state) {
        Some(a) => format!("{}, {a}", state_words(state)),
        None => state_words(state),
    }
}

pub async fn run(core: &Core, as_json: bool) -> anyhow::Result<i32> {
    // Every environment that does not check certificates says so.
    for env in core.settings.environments.iter().filter(|e| e.insecure_tls) {
        let section = if env.implicit {
            "[airflow]".to_string()
        } else {
            format!("[environments.{}]", env.name)
        };
        eprintln!(
            "flowdeck: warning: TLS certificates of {} are not checked (`insecure_tls = true` in {section})",
            env.url
        );
    }
    let environments = observe_all(core).await;
    let flows = core.store.flows()?;
    let deploys = core.store.all_deploys()?;
    let record = |f: &Flow, env: &str| {
        deploys
            .get(&f.id)
            .and_then(|rs| rs.iter().find(|r| r.environment == env))
    };
    let rows: Vec<serde_json::Value> = flows
        .iter()
        .map(|f| {
            let states: Vec<serde_json::Value> = environments
                .iter()
                .map(|env| state_in(f, record(f, &env.name), env))
                .collect();
            serde_json::json!({
                "name": f.name,
                "id": f.id,
                "version": f.version,
                "schedule": describe_schedule(&f.schedule),
                "environments": states,
            })
        })
        .collect();
    let lines: Vec<(String, bool)> = environments.iter().map(EnvironmentStatus::line).collect();
    let ok = lines.iter().all(|(_, ok)| *ok);
    let several = environments.len() > 1;
    if as_json {
        let envs: Vec<serde_json::Value> = environments
            .iter()
            .zip(&lines)
            .map(|(e, (line, ok))| {
                serde_json::json!({
                    "name": e.name,
                    "current": e.current,
                    "url": e.url,
                    "airflow": line,
                    "healthy": ok,
                })
            })
            .collect();
        outln!(
            "{}",
            super::output::json(
                &serde_json::json!({ "healthy": ok, "environments": envs, "flows": rows })
            )?
        );
        return Ok(if ok { 0 } else { 1 });
    }
    for (env, (line, _)) in environments.iter().zip(&lines) {
        let line = crate::model::text::one_line(line);
        if several {
            let mark = if env.current { " (current)" } else { "" };
            outln!("{}{mark}: {line}", env.name);
        } else {
            outln!("{line}");
        }
    }
    let mut header = vec!["FLOW".to_string(), "ID".into(), "VERSION".into()];
    if several {
        header.extend(environments.iter().map(|e| e.name.to_uppercase()));
    } else {
        header.extend(["STATE".to_string(), "AIRFLOW".into()]);
    }
    let table_rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            let mut row = vec![s("name"), s("id"), r["version"].to_string()];
            let states = r["environments"].as_array().cloned().unwrap_or_default();
            if several {
                row.extend(states.iter().map(cell));
            } else if let Some(state) = states.first() {
                let (state_word, airflow) = split_cell(state);
                row.extend([state_word, airflow]);
            }
            row
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    out!("{}", table(&header, &table_rows));
    Ok(if ok { 0 } else { 1 })
}

/// The single-environment table's two columns: the state, and what Airflow says of
/// the DAG ("unknown" when it was not heard from).
fn split_cell(state: &serde_json::Value) -> (String, String) {
    (
        state_words(state),
        airflow_words(state).unwrap_or("unknown").to_string(),
    )
}
