//! What the open Flows pane costs a real Airflow: requests and the time Airflow spent
//! answering them over 30 s of 2 s polls, watching every flowdeck DAG the Airflow serves
//! (as the Flows pane does). Not run in CI. Needs an Airflow named by the FLOWDECK_*
//! variables; serve 1,000 DAGs there for the figure the README asks for.
//! Run: eval "$(scripts/dev-airflow.sh env)"; cargo bench --bench poll_cost

use flowdeck::airflow::{AirflowConfig, Client, DagScope, Poller, Watch};
use std::time::{Duration, Instant};

fn main() {
    let Ok(url) = std::env::var("FLOWDECK_AIRFLOW_URL") else {
        eprintln!("poll_cost: set FLOWDECK_AIRFLOW_URL (eval \"$(scripts/dev-airflow.sh env)\")");
        return;
    };
    let user = std::env::var("FLOWDECK_AIRFLOW_USERNAME").unwrap_or_else(|_| "admin".into());
    let password = std::env::var("FLOWDECK_AIRFLOW_PASSWORD").unwrap_or_default();
    let seconds: u64 = std::env::var("POLL_COST_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut config = AirflowConfig::new(&url, &user, &password);
        config.timeout = Duration::from_secs(30);
        let client = Client::new(config).expect("client");
        let dags = client.list_dags("dag_").await.expect("list DAGs");
        let all = client.list_dags("").await.expect("list DAGs");
        // As the TUI's open Flows pane asks: every flow's runs (the LAST RUN column),
        // no DAG rows (none is on screen; the Runs pane and the editor ask for theirs).
        let watch = Watch {
            flows: dags.iter().map(|d| d.dag_id.clone()).collect(),
            dags: DagScope::Only(Vec::new()),
            ..Watch::default()
        };
        let interval = watch.interval;
        let mut poller = Poller::new(client.clone(), watch);
        let (requests, waited) = (client.request_count(), client.waited());
        let started = Instant::now();
        let mut polls = 0u64;
        while started.elapsed() < Duration::from_secs(seconds) {
            let tick = Instant::now();
            poller.poll_once().await;
            polls += 1;
            tokio::time::sleep(interval.saturating_sub(tick.elapsed())).await;
        }
        let requests = client.request_count() - requests;
        let waited = client.waited() - waited;
        println!(
            "Airflow at {url}: {} DAGs ({} of flowdeck), {seconds} s of polls every {} s",
            all.len(),
            dags.len(),
            interval.as_secs()
        );
        println!(
            "flowdeck: {polls} polls, {requests} requests ({:.2} a poll), Airflow busy answering {:.2} s",
            requests as f64 / polls.max(1) as f64,
            waited.as_secs_f64()
        );
        // The same window, same machine, polled the way a client that re-reads
        // everything does (every DAG page, import errors and the runs of every DAG each
        // poll), so the ratio holds however loaded the machine is.
        let (r0, w0) = (client.request_count(), client.waited());
        let started = Instant::now();
        let mut naive_polls = 0u64;
        let ids: Vec<String> = dags.iter().map(|d| d.dag_id.clone()).collect();
        while started.elapsed() < Duration::from_secs(seconds) {
            let tick = Instant::now();
            let _ = client.list_dags("dag_").await;
            let _ = client.import_errors().await;
            let _ = client.dag_runs_batch(&ids, 100).await;
            naive_polls += 1;
            tokio::time::sleep(interval.saturating_sub(tick.elapsed())).await;
        }
        let (naive_requests, naive_waited) = (client.request_count() - r0, client.waited() - w0);
        println!(
            "re-read everything: {naive_polls} polls, {naive_requests} requests, Airflow busy answering {:.2} s",
            naive_waited.as_secs_f64()
        );
        println!(
            "flowdeck / re-read everything: {:.1} % of the requests, {:.1} % of Airflow's time",
            100.0 * requests as f64 / naive_requests.max(1) as f64,
            100.0 * waited.as_secs_f64() / naive_waited.as_secs_f64().max(1e-9)
        );
    });
}
