//! `flowdeck flow …`

use super::output::{json, table};
use super::output::{out, outln};
use crate::core::Core;
use crate::model::schedule::{describe_schedule, describe_schedule_short, next_runs_line};
use crate::ops;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum FlowCommand {
    /// Create or update a flow from a TOML flow document
    Import {
        #[arg(value_parser = super::file_arg)]
        file: PathBuf,
    },
    /// Print a flow's TOML document (or write it to --output)
    Export {
        #[arg(value_parser = super::flow_name)]
        name: String,
        /// Write the document to this file (never the database, the config, or a file in
        /// the dags folder)
        #[arg(long, short, value_parser = super::file_arg)]
        output: Option<PathBuf>,
        /// Replace --output when it already exists
        #[arg(long)]
        force: bool,
    },
    /// List flows
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show a flow with its tasks and edges
    Show {
        #[arg(value_parser = super::flow_name)]
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete a flow (and its DAG file)
    Rm {
        #[arg(value_parser = super::flow_name)]
        name: String,
    },
    /// List a flow's saved versions: when, who saved each, who deployed it
    Revisions {
        #[arg(value_parser = super::flow_name)]
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Print the Airflow DAG file a flow renders to
    Render {
        #[arg(value_parser = super::flow_name)]
        name: String,
    },
    /// Compare the dags folder with the saved flows: missing, stale and orphaned DAG files
    Reconcile {
        /// Write missing and stale files, remove orphaned files of this database and old
        /// temp files (lists the changes and asks first). Other databases' files are
        /// never touched.
        #[arg(long)]
        repair: bool,
        /// With --repair: do not ask (for scripts)
        #[arg(long, requires = "repair")]
        yes: bool,
    },
    /// Deploy to one environment exactly the version that is ready in another (shows the
    /// difference from what the target runs now and asks first)
    Promote {
        #[arg(value_parser = super::flow_name)]
        name: String,
        /// The environment whose ready version is deployed
        #[arg(long, value_name = "ENV")]
        from: String,
        /// The environment to deploy it to
        #[arg(long, value_name = "ENV")]
        to: String,
        /// Wait until the target's Airflow has loaded it
        #[arg(long)]
        wait: bool,
        /// Seconds to wait [default: deploy_timeout_secs of the config, 120]
        #[arg(long, value_name = "SECONDS", allow_negative_numbers = true, value_parser = super::seconds)]
        timeout: Option<u64>,
        /// Do not ask (for scripts)
        #[arg(long)]
        yes: bool,
    },
    /// Write the flow's DAG file into the dags folder (and wait for Airflow with --wait)
    Deploy {
        #[arg(value_parser = super::flow_name)]
        name: String,
        /// Wait until Airflow has loaded this version (or reports an import error)
        #[arg(long)]
        wait: bool,
        /// Seconds to wait [default: deploy_timeout_secs of the config, 120]
        #[arg(long, value_name = "SECONDS", allow_negative_numbers = true, value_parser = super::seconds)]
        timeout: Option<u64>,
    },
}

/// Asks a yes/no question on the terminal; without a terminal, refuses with the flag
/// that skips it (`what` says what was not done).
fn confirm(question: &str, what: &str) -> anyhow::Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "{what} without confirmation: stdin is not a terminal; review the above and pass --yes"
        );
    }
    out!("{question} [y/N] ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// Asks on the terminal whether to make `n` changes; without a terminal, refuses with
/// the flag that skips the question.
fn ask_yes(n: usize) -> anyhow::Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("not repairing without confirmation: stdin is not a terminal; review the changes above and pass --yes to make them");
    }
    out!(
        "Make these {n} change{}? [y/N] ",
        if n == 1 { "" } else { "s" }
    );
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

pub fn run(command: FlowCommand, core: &Core) -> anyhow::Result<i32> {
    let store = &core.store;
    let python = &core.python;
    match command {
        FlowCommand::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let outcome = ops::import_flow(store, python, &text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let f = &outcome.spec.flow;
            let what = match (outcome.created, outcome.changed) {
                (true, _) => "created",
                (false, true) => "updated",
                (false, false) => "unchanged",
            };
            outln!(
                "{what} flow `{}` ({}, version {})",
                crate::model::text::one_line(&f.name),
                f.id,
                f.version
            );
        }
        FlowCommand::Export {
            name,
            output,
            force,
        } => {
            // Checked before anything is read, so a refused path costs nothing.
            if let Some(path) = &output {
                super::guard::check_output(&core.settings, path, force)?;
            }
            let spec = store.find_flow(&name)?;
            let text = ops::export_flow(store, &spec)?;
            match output {
                Some(path) => super::guard::write_atomically(&path, text.as_bytes())?,
                None => out!("{text}"),
            }
        }
        FlowCommand::List { json: as_json } => {
            let flows = store.flows()?;
            let deploys = store.all_deploys()?;
            let environments: Vec<String> = core
                .settings
                .environments
                .iter()
                .map(|e| e.name.clone())
                .collect();
            let current = &core.settings.environment.name;
            if as_json {
                outln!("{}", json(&flows)?);
            } else {
                let rows: Vec<Vec<String>> = flows
                    .iter()
                    .map(|f| {
                        vec![
                            f.name.clone(),
                            f.id.clone(),
                            f.version.to_string(),
                            describe_schedule_short(&f.schedule),
                            crate::model::deploy::environments_label(
                                f.version,
                                deploys.get(&f.id).map_or(&[][..], Vec::as_slice),
                                current,
                                &environments,
                            ),
                        ]
                    })
                    .collect();
                out!(
                    "{}",
                    table(&["NAME", "ID", "VERSION", "SCHEDULE (UTC)", "STATE"], &rows)
                );
            }
        }
        FlowCommand::Show {
            name,
            json: as_json,
        } => {
            let spec = store.find_flow(&name)?;
            if as_json {
                outln!("{}", json(&spec)?);
            } else {
                let f = &spec.flow;
                outln!("name:        {}", crate::model::text::one_line(&f.name));
                outln!("id:          {}", f.id);
                outln!("version:     {}", f.version);
                outln!("schedule:    {}", describe_schedule(&f.schedule));
                if let Some(runs) = next_runs_line(&f.schedule, f.start_date, chrono::Utc::now()) {
                    outln!("             {runs}");
                }
                outln!(
                    "description: {}",
                    crate::model::text::one_line(&f.description)
                );
                let rows: Vec<Vec<String>> = spec
                    .tasks
                    .iter()
                    .map(|t| {
                        let upstream: Vec<&str> = spec
                            .edges
                            .iter()
                            .filter(|e| e.to_task_id == t.id)
                            .map(|e| spec.var_of(&e.from_task_id))
                            .collect();
                        vec![
                            t.variable_id.clone(),
                            t.mode.as_str().to_string(),
                            upstream.join(", "),
                        ]
                    })
                    .collect();
                out!("{}", table(&["TASK", "MODE", "AFTER"], &rows));
            }
        }
        FlowCommand::Rm { name } => {
            let spec = store.find_flow(&name)?;
            // Someone's unsaved edits of it are said before they lose their flow.
            for d in store.drafts_elsewhere(&spec.flow.id)? {
                use std::io::Write;
                // A courtesy like progress notes: a closed stderr must not stop the rm.
                let _ = writeln!(
                    std::io::stderr(),
                    "flowdeck: {}",
                    format_args!(
                        "warning: {} has unsaved edits of this flow (draft from {}, {} changes); they are left without a flow to save to",
                        crate::model::text::shown(&d.by.label()),
                        d.saved_at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M"),
                        d.changes
                    )
                );
            }
            let elsewhere = core
                .deployer
                .remove_elsewhere(&spec.flow.id, &core.settings.environments)?;
            for line in &elsewhere {
                outln!("{line}");
            }
            let (removed, landed) = core.deployer.remove_landed(
                &spec.flow.id,
                crate::store::Base::Version(spec.flow.version),
            )?;
            outln!(
                "removed flow `{}` ({}){}",
                crate::model::text::one_line(&spec.flow.name),
                spec.flow.id,
                if removed { " and its DAG file" } else { "" }
            );
            if let Some(landed) = landed {
                outln!("{}", landed.describe());
            }
        }
        FlowCommand::Revisions {
            name,
            json: as_json,
        } => {
            let spec = store.find_flow(&name)?;
            let revisions = store.revisions(&spec.flow.id)?;
            let deploys = store.deploy_history(&spec.flow.id)?;
            let current = core.settings.environment.name.as_str();
            let several = core.settings.environments.len() > 1
                || deploys
                    .iter()
                    .any(|d| environment_of(&d.environment) != current);
            use crate::model::deploy::environment_of;
            if as_json {
                let out: Vec<serde_json::Value> = revisions
                    .iter()
                    .map(|r| {
                        let event = |d: &crate::store::DeployEvent| {
                            serde_json::json!({
                                "environment": environment_of(&d.environment),
                                "state": d.state.label(),
                                "at": d.at,
                                "by": { "user": d.by.user, "host": d.by.host },
                                "commit": d.commit,
                            })
                        };
                        let all: Vec<_> =
                            deploys.iter().filter(|d| d.version == r.version).collect();
                        let here = all
                            .iter()
                            .find(|d| environment_of(&d.environment) == current);
                        serde_json::json!({
                            "version": r.version,
                            "saved_at": r.saved_at,
                            "saved_by": { "user": r.saved_by.user, "host": r.saved_by.host },
                            // In the environment this command works with.
                            "deployed": here.map(|d| event(d)),
                            // In every environment.
                            "deploys": all.iter().map(|d| event(d)).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                outln!("{}", json(&out)?);
                return Ok(0);
            }
            let rows: Vec<Vec<String>> = revisions
                .iter()
                .map(|r| {
                    let deployed: Vec<String> = deploys
                        .iter()
                        .filter(|d| d.version == r.version)
                        .map(|d| {
                            let env = environment_of(&d.environment);
                            format!(
                                "{}{} {} by {}{}",
                                d.state.label(),
                                if several {
                                    format!(" in {env}")
                                } else {
                                    String::new()
                                },
                                d.at.format("%Y-%m-%d %H:%M:%S"),
                                d.by.label(),
                                // With a Git target: the commit holding that render.
                                d.commit.as_deref().map_or(String::new(), |c| format!(
                                    " (commit {})",
                                    &c[..c.len().min(10)]
                                ))
                            )
                        })
                        .collect();
                    let deployed = deployed.join("; ");
                    vec![
                        r.version.to_string(),
                        r.saved_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                        r.saved_by.label(),
                        deployed,
                    ]
                })
                .collect();
            out!(
                "{}",
                table(&["VERSION", "SAVED", "SAVED BY", "DEPLOYED"], &rows)
            );
        }
        FlowCommand::Render { name } => {
            let spec = store.find_flow(&name)?;
            out!("{}", core.deployer.render(&spec)?.source);
        }
        FlowCommand::Reconcile { repair, yes } => {
            let report = core.deployer.reconcile()?;
            for line in report.lines() {
                outln!("{line}");
            }
            let planned = report.planned();
            if planned.is_empty() {
                outln!("nothing to repair: the dags folder matches every saved flow");
                return Ok(if report.problems.is_empty() { 0 } else { 1 });
            }
            if !repair {
                outln!("run `flowdeck flow reconcile --repair` to fix this");
                return Ok(1);
            }
            outln!("flowdeck will make these changes:");
            for line in &planned {
                outln!("  {line}");
            }
            if !yes && !ask_yes(planned.len())? {
                outln!("nothing changed");
                return Ok(1);
            }
            for line in core.deployer.repair_confirmed(&report, &planned)? {
                outln!("{line}");
            }
        }
        FlowCommand::Deploy {
            name,
            wait,
            timeout,
        } => {
            let spec = store.find_flow(&name)?;
            return super::block_on(deploy(core, &spec.flow.id, wait, timeout));
        }
        FlowCommand::Promote {
            name,
            from,
            to,
            wait,
            timeout,
            yes,
        } => {
            let spec = store.find_flow(&name)?;
            let plan = crate::deploy::promote::plan(
                store,
                &core.settings.environments,
                &spec.flow.id,
                &from,
                &to,
            )?;
            outln!(
                "promote `{}` v{} from {from} to {to} ({})",
                crate::model::text::one_line(&spec.flow.name),
                plan.version,
                plan.target_now
            );
            for line in &plan.diff {
                outln!("{}", crate::model::text::one_line(line));
            }
            if plan.diff.is_empty() {
                outln!("{to} already runs this version's flow document");
            }
            if !yes
                && !confirm(
                    &format!("Deploy v{} to {to}?", plan.version),
                    "not promoting",
                )?
            {
                outln!("nothing changed");
                return Ok(1);
            }
            let target = core.with_environment(&to)?;
            return super::block_on(deploy_version(&target, &plan.spec, wait, timeout));
        }
    }
    Ok(0)
}

async fn deploy(
    core: &Core,
    flow_id: &str,
    wait: bool,
    timeout: Option<u64>,
) -> anyhow::Result<i32> {
    let spec = core.store.find_flow(flow_id)?;
    deploy_version(core, &spec, wait, timeout).await
}

/// Deploys `spec` (the saved flow, or a revision being promoted) to `core`'s
/// environment, waiting for its Airflow with `wait`.
async fn deploy_version(
    core: &Core,
    spec: &crate::model::FlowSpec,
    wait: bool,
    timeout: Option<u64>,
) -> anyhow::Result<i32> {
    use crate::model::deploy::DeployState;
    if !wait {
        let written = core.deployer.write_spec(spec)?;
        let what = match written.outcome {
            crate::render::WriteOutcome::Written => "wrote",
            crate::render::WriteOutcome::Unchanged => "unchanged",
        };
        outln!(
            "{what} {}",
            core.settings
                .dags_folder
                .join(&written.rendered.file_name)
                .display()
        );
        if let Some(landed) = &written.git {
            outln!("{}", landed.describe());
            return Ok(if landed.pushed { 0 } else { 1 });
        }
        return Ok(0);
    }
    let timeout = timeout.map_or_else(|| core.deploy_timeout(), std::time::Duration::from_secs);
    let started = std::time::Instant::now();
    let deploy = core.deployer.deploy_spec(spec, timeout, |r| {
        use std::io::Write;
        // Progress is a courtesy: a closed stderr must not stop the deploy.
        let _ = writeln!(
            std::io::stderr(),
            "[{:5.1} s] {}: {}",
            started.elapsed().as_secs_f64(),
            r.state.label(),
            crate::model::text::one_line(r.message.lines().next().unwrap_or(""))
        );
    });
    // The whole wait, requests that hang included, is bounded by the promised timeout.
    let Ok(record) = tokio::time::timeout(timeout, deploy).await else {
        anyhow::bail!(
            "Airflow has not loaded the flow after {} s; the DAG file is written, `flowdeck status` shows when it is",
            timeout.as_secs()
        );
    };
    let record = record?;
    match record.state {
        DeployState::Ready => {
            outln!("ready: {}", record.message);
            Ok(0)
        }
        DeployState::ImportError => {
            let task = record
                .error_task
                .as_deref()
                .map(|t| format!(" (in task `{t}`)"))
                .unwrap_or_default();
            outln!("import error{task}:\n{}", record.message);
            Ok(1)
        }
        _ => {
            outln!("{}", record.message);
            Ok(1)
        }
    }
}
