//! `flowdeck run …`: trigger a flow, list its runs, read a task's log.

use super::output::{json, table};
use crate::airflow::{DagRun, DagRunState, TaskInstance};
use crate::core::Core;
use crate::model::text::one_line;
use clap::Subcommand;
use std::time::{Duration, Instant};

#[derive(Subcommand, Debug)]
pub enum RunCommand {
    /// Start a run now (exit status 0 with --wait only when the run succeeded)
    Trigger {
        name: String,
        /// Run parameters as a JSON object, e.g. '{"region": "eu"}'
        #[arg(long)]
        conf: Option<String>,
        /// Wait until the run finishes and report each task
        #[arg(long)]
        wait: bool,
        /// Seconds to wait with --wait
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
    /// Recent runs of a flow, newest first
    List {
        name: String,
        #[arg(long, default_value_t = 25)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Clear a task instance (and with --downstream the tasks after it) so it runs again
    Clear {
        name: String,
        run_id: String,
        task: String,
        #[arg(long)]
        downstream: bool,
        /// Wait until the run finishes again
        #[arg(long)]
        wait: bool,
        #[arg(long, default_value_t = 600)]
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
        name: String,
        run_id: String,
        task: String,
        /// Try number [default: the latest]
        #[arg(long = "try")]
        try_number: Option<u32>,
    },
}

pub async fn run(command: RunCommand, core: &Core) -> anyhow::Result<i32> {
    let client = &core.client;
    match command {
        RunCommand::Trigger {
            name,
            conf,
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
            let dag = client.get_dag(&spec.flow.id).await.map_err(|e| {
                if e.is_not_found() {
                    anyhow::anyhow!("Airflow does not know flow `{}` yet: run `flowdeck flow deploy {} --wait` first", one_line(&spec.flow.name), one_line(&name))
                } else {
                    e.into()
                }
            })?;
            if dag.is_paused {
                eprintln!("note: the DAG is paused in Airflow, so the run waits in `queued` until it is unpaused");
            }
            let run = client
                .trigger_run(&spec.flow.id, conf, Some(chrono::Utc::now()))
                .await?;
            println!("triggered {}", run.run_id);
            if !wait {
                return Ok(0);
            }
            let finished = wait_for(core, &run, Duration::from_secs(timeout)).await?;
            let tis = client
                .task_instances(&spec.flow.id, &finished.run_id)
                .await?;
            print!("{}", task_table(&tis));
            println!("run {}: {}", finished.run_id, finished.state.as_str());
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
            let runs = client.dag_runs(&spec.flow.id, limit).await?;
            if as_json {
                println!("{}", json(&runs)?);
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
                print!(
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
            let planned = client
                .clear_task_instances(&spec.flow.id, &run_id, &tasks, downstream, true)
                .await?;
            if planned.is_empty() {
                anyhow::bail!("Airflow would clear nothing: check the run id and task id (`flowdeck run list {}`)", one_line(&name));
            }
            client
                .clear_task_instances(&spec.flow.id, &run_id, &tasks, downstream, false)
                .await?;
            for ti in &planned {
                println!(
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
            let start = Instant::now();
            loop {
                let ti = client
                    .task_instance(&spec.flow.id, &run_id, &tasks[0])
                    .await?;
                if ti.try_number > before && ti.state.as_ref().is_some_and(|s| s.is_finished()) {
                    break;
                }
                if start.elapsed() > Duration::from_secs(timeout) {
                    anyhow::bail!(
                        "task {} has not finished its next try after {} s",
                        tasks[0],
                        timeout
                    );
                }
                tokio::time::sleep(Duration::from_millis(1000)).await;
            }
            let run = client.get_dag_run(&spec.flow.id, &run_id).await?;
            let finished = wait_for(core, &run, Duration::from_secs(timeout)).await?;
            let tis = client
                .task_instances(&spec.flow.id, &finished.run_id)
                .await?;
            print!("{}", task_table(&tis));
            println!("run {}: {}", finished.run_id, finished.state.as_str());
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
                    println!("{line}");
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

async fn wait_for(core: &Core, run: &DagRun, timeout: Duration) -> anyhow::Result<DagRun> {
    let start = Instant::now();
    let mut last_state = String::new();
    loop {
        let current = core.client.get_dag_run(&run.dag_id, &run.run_id).await?;
        if current.state.as_str() != last_state {
            last_state = current.state.as_str().to_string();
            eprintln!("[{:5.1} s] {}", start.elapsed().as_secs_f64(), last_state);
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
