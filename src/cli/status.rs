//! `flowdeck status`: is Airflow there, and where is each flow in its deploy lifecycle.
//!
//! Only what was observed is reported: "healthy" needs an authenticated answer (Airflow
//! answers `/version` and `/monitor/health` to anyone, so they alone would call a wrong
//! password healthy), and the whole command ends within the configured `timeout_secs`
//! however many requests it takes. Credentials that are missing (the variable named) or
//! refused (401, or Airflow 2's 403) make it fail like an unreachable Airflow: exit 1.

use super::output::table;
use super::output::{out, outln};
use crate::airflow::{Dag, Health, ImportError, Version};
use crate::core::Core;
use crate::deploy::judge::error_is_for;
use crate::model::schedule::describe_schedule;

/// What Airflow said, all of it or nothing.
struct Observed {
    version: Version,
    health: Health,
    dags: Vec<Dag>,
    errors: Vec<ImportError>,
}

async fn observe(core: &Core) -> Result<Observed, crate::airflow::Error> {
    let client = &core.client;
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

pub async fn run(core: &Core, as_json: bool) -> anyhow::Result<i32> {
    let client = &core.client;
    if client.config().insecure_tls {
        eprintln!(
            "flowdeck: warning: TLS certificates of {} are not checked (`insecure_tls = true` in {})",
            client.url(),
            client.config().section
        );
    }
    let observed = super::within(core, "report its status", observe(core)).await;
    let flows = core.store.flows()?;
    let deploys = core.store.deploys()?;
    let rows: Vec<serde_json::Value> = flows
        .iter()
        .map(|f| {
            let record = deploys.get(&f.id);
            let file = crate::render::dag_file_name(&f.id);
            let seen = observed.as_ref().ok();
            let dag = seen.and_then(|o| o.dags.iter().find(|d| d.dag_id == f.id));
            serde_json::json!({
                "name": f.name,
                "id": f.id,
                "version": f.version,
                "schedule": describe_schedule(&f.schedule),
                "state": crate::model::deploy::state_label(record, f.version),
                "deployed_version": record.and_then(|r| r.deployed_version),
                // null: Airflow was not heard from, so nothing is claimed.
                "in_airflow": seen.map(|_| dag.is_some()),
                "paused": dag.map(|d| d.is_paused),
                "import_error": seen.map(|o| o.errors.iter().any(|e| error_is_for(e, &file))),
            })
        })
        .collect();
    let (airflow, ok) = match &observed {
        Ok(o) if o.health.is_healthy() => (
            format!("Airflow {} at {}: healthy", o.version.version, client.url()),
            true,
        ),
        Ok(o) => (
            format!(
                "Airflow {} at {}: unhealthy ({})",
                o.version.version,
                client.url(),
                o.health.unhealthy_components().join(", ")
            ),
            false,
        ),
        Err(e) => (e.to_string(), false),
    };
    if as_json {
        outln!(
            "{}",
            super::output::json(
                &serde_json::json!({ "airflow": airflow, "healthy": ok, "flows": rows })
            )?
        );
    } else {
        outln!("{}", crate::model::text::one_line(&airflow));
        let table_rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
                let paused = match (r["in_airflow"].as_bool(), r["paused"].as_bool()) {
                    (None, _) => "unknown",
                    (Some(false), _) => "not loaded",
                    (_, Some(true)) => "paused",
                    (_, _) => "active",
                };
                let state = if r["import_error"].as_bool() == Some(true) {
                    "import error".to_string()
                } else {
                    s("state")
                };
                vec![
                    s("name"),
                    s("id"),
                    r["version"].to_string(),
                    state,
                    paused.to_string(),
                ]
            })
            .collect();
        out!(
            "{}",
            table(&["FLOW", "ID", "VERSION", "STATE", "AIRFLOW"], &table_rows)
        );
    }
    Ok(if ok { 0 } else { 1 })
}
