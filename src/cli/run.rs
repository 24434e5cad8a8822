//! `flowdeck run …`: trigger a flow, list its runs, read a task's log.

use super::output::{json, table};
use super::output::{out, outln};
use crate::airflow::{DagRun, DagRunState, TaskInstance};
use crate::core::Core;
use crate::model::text::one_line;
use clap::Subcommand;
use std::time::{Duration, Instant};

#[derive(Subcommand, Debug)]
pub enum RunCommand {
    /// Start a run now (exit status 0 with --wait only when the run succeeded)
    Trigger {
        #[arg(value_parser = super::flow_name)]
        name: String,
        /// Run parameters as a JSON object, e.g. '{"region": "eu"}'
        #[arg(long)]
        conf: Option<String>,
        /// One run parameter of the flow, checked against its type as the TUI's trigger
        /// form checks it (`limit=25` for an integer); repeatable, over --conf
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Wait until the run finishes and report each task
        #[arg(long)]
        wait: bool,
        /// Seconds to wait with --wait
        #[arg(long, value_name = "SECONDS", default_value_t = 600, allow_negative_numbers = true, value_parser = super::seconds)]
        timeout: u64,
    },
    /// Recent runs of a flow, newest first
    List {
        #[arg(value_parser = super::flow_name)]
        name: String,
        #[arg(long, default_value_t = 25, allow_negative_numbers = true, value_parser = super::run_limit)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Clear a task instance (and with --downstream the tasks after it) so it runs again
    Clear {
        #[arg(value_parser = super::flow_name)]
        name: String,
        #[arg(value_parser = super::run_id)]
        run_id: String,
        #[arg(value_parser = super::task_id)]
        task: String,
        #[arg(long)]
        downstream: bool,
        /// Wait until the run finishes again
        #[arg(long)]
        wait: bool,
        #[arg(long, value_name = "SECONDS", default_value_t = 600, allow_negative_numbers = true, value_parser = super::seconds)]
        timeout: u64,
    },
    /// Print what a task returned (its XCom return_value), written as Python writes it
    Output {
        name: String,
        run_id: String,
        task: String,
        /// Airflow's JSON as it is (serializer wrappers included)
        #[arg(long)]
        json: bool,
    },
    /// Print a task's log
    Logs {
        #[arg(value_parser = super::flow_name)]
        name: String,
        #[arg(value_parser = super::run_id)]
        run_id: String,
        #[arg(value_parser = super::task_id)]
        task: String,
        /// Try number [default: the latest]
        #[arg(long = "try", allow_negative_numbers = true, value_parser = super::try_number)]
        try_number: Option<u32>,
    },
}

pub async fn run(command: RunCommand, core: &Core) -> anyhow::Result<i32> {
    let client = &core.client;
    match command {
        RunCommand::Trigger {
            name,
            conf,
            params,
            wait,
            timeout,
        } => {
            let spec = core.store.find_flow(&name)?;
            let conf = match conf {
                Some(text) => {
                    let value: serde_json::Value = serde_json::from_str(&text)
                        .map_err(|e| anyhow::anyhow!("--conf is not valid JSON: {e}"))?;
                    if !value.is_object() {
                        anyhow::bail!(
                            "--conf must be a JSON object, e.g. '{{\"region\": \"eu\"}}'"
                        );
                    }
                    Some(value)
                }
                None => None,
            };
            let conf = with_params(core, &spec, conf, &params)?;
            let dag = super::within(core, "read the flow's DAG", client.get_dag(&spec.flow.id)).await.map_err(|e| {
                if e.is_not_found() {
                    anyhow::anyhow!("Airflow does not know flow `{}` yet: run `flowdeck flow deploy {} --wait` first", one_line(&spec.flow.name), one_line(&name))
                } else {
                    e.into()
                }
            })?;
            if dag.is_paused {
                note(format_args!("note: the DAG is paused in Airflow, so the run waits in `queued` until it is unpaused"));
            }
            let run = super::within(
                core,
                "trigger a run",
                client.trigger_run(&spec.flow.id, conf, Some(chrono::Utc::now())),
            )
            .await?;
            outln!("triggered {}", run.run_id);
            if !wait {
                return Ok(0);
            }
            let finished = wait_for(core, &run, Duration::from_secs(timeout)).await?;
            let tis = client
                .task_instances(&spec.flow.id, &finished.run_id)
                .await?;
            out!("{}", task_table(&tis));
            outln!("run {}: {}", finished.run_id, finished.state.as_str());
            Ok(if finished.state == DagRunState::Success {
                0
            } else {
                1
            })
        }
        RunCommand::List {
            name,
            limit,
            json: as_json,
        } => {
            let spec = core.store.find_flow(&name)?;
            let runs =
                super::within(core, "list runs", client.dag_runs(&spec.flow.id, limit)).await?;
            if as_json {
                outln!("{}", json(&runs)?);
            } else {
                let rows: Vec<Vec<String>> = runs
                    .iter()
                    .map(|r| {
                        vec![
                            r.run_id.clone(),
                            r.run_type.clone(),
                            r.state.as_str().to_string(),
                            r.start_date
                                .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
                                .unwrap_or_default(),
                            duration(r.start_date, r.end_date),
                        ]
                    })
                    .collect();
                out!(
                    "{}",
                    table(&["RUN ID", "TYPE", "STATE", "STARTED", "DURATION"], &rows)
                );
            }
            Ok(0)
        }
        RunCommand::Clear {
            name,
            run_id,
            task,
            downstream,
            wait,
            timeout,
        } => {
            let spec = core.store.find_flow(&name)?;
            let tasks = vec![task];
            // Airflow's dry run says exactly what a clear would touch.
            let planned = super::within(
                core,
                "list what a clear would touch",
                client.clear_task_instances(&spec.flow.id, &run_id, &tasks, downstream, true),
            )
            .await?;
            if planned.is_empty() {
                anyhow::bail!("Airflow would clear nothing: check the run id and task id (`flowdeck run list {}`)", one_line(&name));
            }
            super::within(
                core,
                "clear the task",
                client.clear_task_instances(&spec.flow.id, &run_id, &tasks, downstream, false),
            )
            .await?;
            for ti in &planned {
                outln!(
                    "cleared {} (was {})",
                    ti.task_id,
                    ti.state.as_ref().map_or("none", |s| s.as_str())
                );
            }
            if !wait {
                return Ok(0);
            }
            // The run keeps its old final state until the scheduler picks the clear up, so
            // wait for the task's next try to finish before waiting for the run.
            let before = planned
                .iter()
                .find(|t| t.task_id == tasks[0])
                .map_or(0, |t| t.try_number);
            // One budget for both waits: the task's next try, then the run.
            let deadline = Instant::now() + Duration::from_secs(timeout);
            let next_try = async {
                loop {
                    let ti = client
                        .task_instance(&spec.flow.id, &run_id, &tasks[0])
                        .await?;
                    if ti.try_number > before && ti.state.as_ref().is_some_and(|s| s.is_finished())
                    {
                        return Ok::<(), crate::airflow::Error>(());
                    }
                    tokio::time::sleep(Duration::from_millis(1000)).await;
                }
            };
            match tokio::time::timeout(Duration::from_secs(timeout), next_try).await {
                Ok(result) => result?,
                Err(_) => anyhow::bail!(
                    "task {} has not finished its next try after {} s",
                    one_line(&tasks[0]),
                    timeout
                ),
            }
            let run = super::within(
                core,
                "read the run",
                client.get_dag_run(&spec.flow.id, &run_id),
            )
            .await?;
            let left = deadline.saturating_duration_since(Instant::now());
            let finished = wait_for(core, &run, left.max(Duration::from_secs(1))).await?;
            let tis = client
                .task_instances(&spec.flow.id, &finished.run_id)
                .await?;
            out!("{}", task_table(&tis));
            outln!("run {}: {}", finished.run_id, finished.state.as_str());
            Ok(if finished.state == DagRunState::Success {
                0
            } else {
                1
            })
        }
        RunCommand::Output {
            name,
            run_id,
            task,
            json: as_json,
        } => {
            let spec = core.store.find_flow(&name)?;
            let ti = client.task_instance(&spec.flow.id, &run_id, &task).await?;
            if let Some(reason) = ti.no_log_reason(None) {
                anyhow::bail!("{reason}");
            }
            match client
                .xcom_return_value(&spec.flow.id, &run_id, &task)
                .await?
            {
                Some(value) if as_json => println!("{}", json(&value)?),
                Some(value) => {
                    let text = crate::airflow::xcom::format_value(&value);
                    println!("{}", crate::airflow::sanitize_multiline(&text));
                }
                None => match &ti.state {
                    Some(s) if !s.is_finished() => anyhow::bail!(
                        "{} is {} in this run: its output is there once it finishes",
                        one_line(&task),
                        s.as_str()
                    ),
                    _ => anyhow::bail!(
                        "{} returned nothing (None) in this run; a task's output is what its function returns",
                        one_line(&task)
                    ),
                },
            }
            Ok(0)
        }
        RunCommand::Logs {
            name,
            run_id,
            task,
            try_number,
        } => {
            let spec = core.store.find_flow(&name)?;
            // Asked first: Airflow's answer for a log that does not exist is a bare
            // "TaskInstance not found" even when the task instance does.
            let ti = client.task_instance(&spec.flow.id, &run_id, &task).await?;
            if let Some(reason) = ti.no_log_reason(try_number) {
                anyhow::bail!("{reason}");
            }
            let try_number = try_number.unwrap_or(ti.try_number.max(1));
            let mut token: Option<String> = None;
            // Follow continuation tokens until Airflow has nothing more to give.
            for _ in 0..100 {
                let chunk = client
                    .logs(&spec.flow.id, &run_id, &task, try_number, token.as_deref())
                    .await?;
                for line in &chunk.lines {
                    outln!("{line}");
                }
                if chunk.lines.is_empty()
                    || chunk.continuation_token.is_none()
                    || chunk.continuation_token == token
                {
                    break;
                }
                token = chunk.continuation_token;
            }
            Ok(0)
        }
    }
}

/// Waits until the run finishes, at most `timeout` in all (a request that hangs counts
/// against it too).
async fn wait_for(core: &Core, run: &DagRun, timeout: Duration) -> anyhow::Result<DagRun> {
    let last_state = std::sync::Mutex::new(String::from("queued"));
    match tokio::time::timeout(timeout, follow(core, run, timeout, &last_state)).await {
        Ok(result) => result,
        Err(_) => anyhow::bail!(
            "run {} is still {} after {} s; `flowdeck run list` shows it later",
            one_line(&run.run_id),
            last_state.lock().map(|s| s.clone()).unwrap_or_default(),
            timeout.as_secs()
        ),
    }
}

async fn follow(
    core: &Core,
    run: &DagRun,
    timeout: Duration,
    shared_state: &std::sync::Mutex<String>,
) -> anyhow::Result<DagRun> {
    let start = Instant::now();
    let mut last_state = String::new();
    loop {
        let current = core.client.get_dag_run(&run.dag_id, &run.run_id).await?;
        if current.state.as_str() != last_state {
            last_state = current.state.as_str().to_string();
            if let Ok(mut shared) = shared_state.lock() {
                shared.clone_from(&last_state);
            }
            note(format_args!(
                "[{:5.1} s] {}",
                start.elapsed().as_secs_f64(),
                one_line(&last_state)
            ));
        }
        if current.state.is_finished() {
            return Ok(current);
        }
        if start.elapsed() > timeout {
            anyhow::bail!(
                "run {} is still {} after {} s",
                run.run_id,
                last_state,
                timeout.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
}

/// A progress line on stderr; a closed stderr must not stop the command.
fn note(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{args}");
}

fn task_table(tis: &[TaskInstance]) -> String {
    let rows: Vec<Vec<String>> = tis
        .iter()
        .map(|t| {
            vec![
                t.task_id.clone(),
                t.state.as_ref().map_or("none", |s| s.as_str()).to_string(),
                t.try_number.to_string(),
                t.duration.map(|d| format!("{d:.1} s")).unwrap_or_default(),
            ]
        })
        .collect();
    table(&["TASK", "STATE", "TRY", "DURATION"], &rows)
}

fn duration(
    start: Option<chrono::DateTime<chrono::Utc>>,
    end: Option<chrono::DateTime<chrono::Utc>>,
) -> String {
    match (start, end) {
        (Some(s), Some(e)) => format!("{:.1} s", (e - s).num_milliseconds() as f64 / 1000.0),
        (Some(s), None) => format!("{:.0} s…", (chrono::Utc::now() - s).num_seconds()),
        _ => String::new(),
    }
}

/// `--param NAME=VALUE` over `--conf`: each name must be a run parameter of the flow and
/// each value fit its type (`model::run_param`); an empty value removes the key.
fn with_params(
    core: &Core,
    spec: &crate::model::FlowSpec,
    conf: Option<serde_json::Value>,
    params: &[String],
) -> anyhow::Result<Option<serde_json::Value>> {
    use crate::model::run_param::run_params;
    if params.is_empty() {
        return Ok(conf);
    }
    let known = run_params(spec, &core.store.functions()?);
    let mut map = match conf {
        Some(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    for p in params {
        let Some((name, value)) = p.split_once('=') else {
            anyhow::bail!(
                "--param `{}` needs NAME=VALUE, e.g. --param region=eu",
                one_line(p)
            );
        };
        let Some(rp) = known.iter().find(|r| r.name == name) else {
            let names: Vec<String> = known.iter().map(|r| one_line(&r.name)).collect();
            anyhow::bail!(
                "flow `{}` has no run parameter `{}`; {}",
                one_line(&spec.flow.name),
                one_line(name),
                if names.is_empty() {
                    "it reads none (give values with --conf)".to_string()
                } else {
                    format!("its run parameters: {}", names.join(", "))
                }
            );
        };
        match rp
            .kind
            .parse(name, value)
            .map_err(|e| anyhow::anyhow!("--param: {e}"))?
        {
            Some(v) => {
                map.insert(name.to_string(), v);
            }
            None => {
                map.remove(name);
            }
        }
    }
    Ok((!map.is_empty()).then_some(serde_json::Value::Object(map)))
}
