//! Runs the Runs pane's requests to Airflow. Each is its own tokio task (see
//! `Session::run_effects`), bounded by the client's timeout, so a slow or hung Airflow
//! delays only its own answer: never the UI, never the database worker.

use crate::airflow::Client;
use crate::state::airflow::{AirflowAnswer, AirflowJob};
use chrono::Utc;

pub async fn run(client: &Client, job: AirflowJob) -> AirflowAnswer {
    let text = |e: crate::airflow::Error| e.to_string();
    match job {
        AirflowJob::DagTasks { dag_id } => {
            let result = client.dag_tasks(&dag_id).await.map_err(text);
            AirflowAnswer::DagTasks { dag_id, result }
        }
        AirflowJob::TaskDetail {
            dag_id,
            run_id,
            task_id,
        } => {
            let (ti, xcom) = tokio::join!(
                client.task_instance(&dag_id, &run_id, &task_id),
                client.xcom_return_value(&dag_id, &run_id, &task_id)
            );
            AirflowAnswer::TaskDetail {
                dag_id,
                run_id,
                task_id,
                ti: ti.map_err(text),
                xcom: xcom.map_err(text),
            }
        }
        AirflowJob::Log {
            dag_id,
            run_id,
            task_id,
            try_number,
            token,
        } => {
            let result = client
                .log_json(&dag_id, &run_id, &task_id, try_number, token.as_deref())
                .await
                .map_err(text);
            AirflowAnswer::Log {
                dag_id,
                run_id,
                task_id,
                try_number,
                continued: token.is_some(),
                result,
            }
        }
        AirflowJob::Trigger { dag_id, conf } => {
            // "now" as the logical date, like Airflow's own trigger form: a null one
            // leaves `{{ ds }}` undefined (see AIRFLOW.md).
            let result = client
                .trigger_run(&dag_id, conf, Some(Utc::now()))
                .await
                .map_err(text);
            AirflowAnswer::Triggered { dag_id, result }
        }
        AirflowJob::SetPaused { dag_id, paused } => {
            let result = client.set_paused(&dag_id, paused).await.map_err(text);
            AirflowAnswer::Paused {
                dag_id,
                paused,
                result,
            }
        }
        AirflowJob::Clear {
            dag_id,
            run_id,
            task_ids,
            downstream,
            dry_run,
        } => {
            let result = client
                .clear_task_instances(&dag_id, &run_id, &task_ids, downstream, dry_run)
                .await
                .map_err(text);
            AirflowAnswer::Cleared {
                dag_id,
                run_id,
                task_ids,
                downstream,
                dry_run,
                result,
            }
        }
        AirflowJob::Mark {
            dag_id,
            run_id,
            task_id,
            state,
        } => {
            let result = client
                .set_task_state(&dag_id, &run_id, &task_id, state)
                .await
                .map_err(text);
            AirflowAnswer::Marked {
                dag_id,
                run_id,
                task_id,
                state,
                result,
            }
        }
    }
}
