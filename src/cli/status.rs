//! `flowdeck status`: is Airflow there, and where is each flow in its deploy lifecycle.

use super::output::table;
use crate::core::Core;
use crate::deploy::judge::error_is_for;
use crate::model::schedule::describe_schedule;

pub async fn run(core: &Core, as_json: bool) -> anyhow::Result<i32> {
    let client = &core.client;
    let version = client.version().await;
    let health = client.health().await;
    let flows = core.store.flows()?;
    let deploys = core.store.deploys()?;
    let (dags, errors) = match &version {
        Ok(_) => (
            client.list_dags("dag_").await.unwrap_or_default(),
            client.import_errors().await.unwrap_or_default(),
        ),
        Err(_) => (Vec::new(), Vec::new()),
    };
    let rows: Vec<serde_json::Value> = flows
        .iter()
        .map(|f| {
            let record = deploys.get(&f.id);
            let dag = dags.iter().find(|d| d.dag_id == f.id);
            let file = crate::render::dag_file_name(&f.id);
            serde_json::json!({
                "name": f.name,
                "id": f.id,
                "version": f.version,
                "schedule": describe_schedule(&f.schedule),
                "state": crate::model::deploy::state_label(record, f.version),
                "deployed_version": record.and_then(|r| r.deployed_version),
                "in_airflow": dag.is_some(),
                "paused": dag.map(|d| d.is_paused),
                "import_error": errors.iter().any(|e| error_is_for(e, &file)),
            })
        })
        .collect();
    let (airflow, ok) = match (&version, &health) {
        (Ok(v), Ok(h)) if h.is_healthy() => (
            format!("Airflow {} at {}: healthy", v.version, client.url()),
            true,
        ),
        (Ok(v), Ok(h)) => (
            format!(
                "Airflow {} at {}: unhealthy ({})",
                v.version,
                client.url(),
                h.unhealthy_components().join(", ")
            ),
            false,
        ),
        (Err(e), _) | (_, Err(e)) => (e.to_string(), false),
    };
    if as_json {
        println!(
            "{}",
            super::output::json(
                &serde_json::json!({ "airflow": airflow, "healthy": ok, "flows": rows })
            )?
        );
    } else {
        println!("{airflow}");
        let table_rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
                let paused = match r["paused"].as_bool() {
                    Some(true) => "paused",
                    Some(false) => "active",
                    None => "-",
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
        print!(
            "{}",
            table(&["FLOW", "ID", "VERSION", "STATE", "AIRFLOW"], &table_rows)
        );
    }
    Ok(if ok { 0 } else { 1 })
}
