//! The deploy lifecycle of PRODUCT.md: saved → rendered → parsing → ready / import error,
//! persisted per flow. Writing the DAG file never depends on Airflow being up; confirming
//! that Airflow loaded it does, and is retried when Airflow comes back.

pub mod git;
pub mod judge;
pub mod promote;

pub use judge::{judge, Expected, Verdict};

use crate::airflow::{self, ApiVersion, Client};
use crate::model::deploy::{DeployRecord, DeployState};
use crate::model::FlowSpec;
use crate::render::{self, Rendered, Renderer, WriteOutcome};
use crate::store::{self, Store};
use chrono::Utc;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Why a deploy to Airflow 2 waits for a new DAG file: only the scheduler's periodic
/// folder scan finds it (`parseDagFile` re-parses known files only).
pub const AIRFLOW2_NEW_FILE: &str = "Airflow 2 finds a new DAG file only with its folder scan ([scheduler] dag_dir_list_interval, 5 min by default); waiting for it";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error(transparent)]
    Render(#[from] render::Error),
    #[error(transparent)]
    Airflow(#[from] airflow::Error),
    #[error(transparent)]
    Promote(#[from] promote::Error),
    /// An action refused before anything changed; the sentence says why and what to do.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Git(#[from] git::Error),
    #[error("Airflow has not loaded flow `{flow}` after {waited} s: {reason}")]
    Timeout {
        flow: String,
        waited: u64,
        reason: String,
    },
}

/// What the DAG file step did.
#[derive(Debug, Clone)]
pub struct Written {
    pub rendered: Rendered,
    pub outcome: WriteOutcome,
    pub record: DeployRecord,
    /// With a Git target: the commit holding this render and whether it is pushed.
    pub git: Option<git::Landed>,
}

pub struct Deployer {
    pub store: Arc<Store>,
    pub renderer: Renderer,
    pub dags_folder: PathBuf,
    pub library_package: String,
    pub client: Option<Arc<Client>>,
    /// The environment (config name) whose Airflow and dags folder this deploys to: the
    /// deploy records it reads and writes are this environment's.
    pub environment: String,
    /// The environment's Git target (`git = {…}`): deploys commit and push there.
    pub git: Option<git::GitSection>,
    /// file_token of some DAG Airflow already knows: asking Airflow 3 to re-parse it
    /// rescans the whole bundle, which is how a brand-new file is found in seconds.
    nudge_token: Mutex<Option<String>>,
}

impl Deployer {
    pub fn new(
        store: Arc<Store>,
        renderer: Renderer,
        dags_folder: PathBuf,
        library_package: String,
        client: Option<Arc<Client>>,
        environment: String,
    ) -> Deployer {
        Deployer {
            store,
            renderer,
            dags_folder,
            library_package,
            client,
            environment,
            git: None,
            nudge_token: Mutex::new(None),
        }
    }

    /// Deploys through Git: `dags_folder` must be the target's DAG folder.
    pub fn with_git(mut self, target: git::GitSection) -> Deployer {
        self.git = Some(target);
        self
    }

    pub fn render(&self, spec: &FlowSpec) -> Result<Rendered, Error> {
        let functions = self.store.functions()?;
        Ok(self.renderer.render(spec, &functions)?)
    }

    /// Renders the saved flow and writes its DAG file atomically (untouched when the
    /// content is the same), recording `rendered`.
    pub fn write(&self, flow_id: &str) -> Result<Written, Error> {
        let spec = self.saved(flow_id)?;
        self.write_spec(&spec)
    }

    fn saved(&self, flow_id: &str) -> Result<FlowSpec, Error> {
        Ok(self
            .store
            .flow(flow_id)?
            .ok_or_else(|| store::Error::NotFound {
                kind: "flow",
                name: flow_id.to_string(),
            })?)
    }

    /// The version of a flow this environment's record is about (its revision), or the
    /// saved flow when there is no record or no such revision.
    fn as_deployed_here(
        &self,
        saved: FlowSpec,
        record: Option<&DeployRecord>,
    ) -> Result<FlowSpec, Error> {
        match record {
            Some(r) if r.version != saved.flow.version => Ok(self
                .store
                .revision(&saved.flow.id, r.version)?
                .map_or(saved, |rev| rev.spec)),
            _ => Ok(saved),
        }
    }

    /// [`Deployer::write`] for a given version of a flow (the saved one, or a
    /// revision when promoting exactly what another environment runs).
    pub fn write_spec(&self, spec: &FlowSpec) -> Result<Written, Error> {
        let flow_id = spec.flow.id.as_str();
        let rendered = self.render(spec)?;
        // A Git target is checked before anything is written into the clone.
        let repo = match &self.git {
            Some(target) => Some(git::Repo::open(target, self.renderer.owner())?),
            None => None,
        };
        let dag_path = self.dags_folder.join(&rendered.file_name);
        let before = repo.as_ref().and_then(|_| std::fs::read(&dag_path).ok());
        render::create_dags_folder(&self.dags_folder)?;
        render::ensure_library_package(&self.dags_folder, &self.library_package)?;
        self.copy_library_modules(spec)?;
        // Taken before the write, so no parse of the new file can look older than it.
        let now = Utc::now();
        let outcome = render::write_if_changed(&self.dags_folder, &rendered)?;
        let landed = match &repo {
            Some(repo) => Some(repo.commit_and_push(
                &dag_path,
                before.as_deref(),
                &git::deploy_message(
                    &spec.flow.name,
                    &spec.flow.id,
                    spec.flow.version,
                    self.renderer.owner(),
                ),
                self.store.actor(),
                self.renderer.owner(),
            )?),
            None => None,
        };
        let previous = self.store.deploy_in(flow_id, &self.environment)?;
        let same_file = previous
            .as_ref()
            .is_some_and(|p| p.rendered_hash.as_deref() == Some(rendered.content_hash.as_str()));
        let mut record = match previous {
            // Same bytes already in place and confirmed: nothing to wait for.
            Some(p)
                if outcome == WriteOutcome::Unchanged
                    && same_file
                    && p.state == DeployState::Ready
                    && landed.as_ref().is_none_or(|l| {
                        l.pushed && p.commit.as_deref() == Some(l.commit.as_str())
                    }) =>
            {
                p
            }
            p => DeployRecord {
                flow_id: flow_id.to_string(),
                state: DeployState::Rendered,
                version: spec.flow.version,
                rendered_hash: Some(rendered.content_hash.clone()),
                rendered_at: Some(match (&p, outcome) {
                    (Some(p), WriteOutcome::Unchanged) if same_file => p.rendered_at.unwrap_or(now),
                    _ => now,
                }),
                since: now,
                message: "DAG file written".into(),
                error_task: None,
                deployed_version: p.and_then(|p| p.deployed_version),
                by: None,
                environment: self.environment.clone(),
                commit: None,
            },
        };
        if let Some(landed) = &landed {
            record.commit = Some(landed.commit.clone());
            if record.state != DeployState::Ready {
                record.message = landed.describe();
            }
        }
        self.store.set_deploy(&record)?;
        Ok(Written {
            rendered,
            outcome,
            record,
            git: landed,
        })
    }

    /// The library modules a flow imports, copied into this dags folder when they are
    /// not there yet or differ (an environment other than the one the functions were
    /// registered in has its own dags folder). Another database's module of the same
    /// name is never replaced.
    fn copy_library_modules(&self, spec: &FlowSpec) -> Result<(), Error> {
        let functions = self.store.functions()?;
        let used: std::collections::BTreeSet<&str> = spec
            .tasks
            .iter()
            .filter_map(|t| t.function_id.as_deref())
            .collect();
        let package_dir = self.dags_folder.join(&self.library_package);
        for f in functions.iter().filter(|f| used.contains(f.id.as_str())) {
            let registered = std::path::Path::new(&f.path);
            let target = package_dir.join(format!("{}.py", f.module));
            let same_file = match (registered.canonicalize(), target.canonicalize()) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            };
            if same_file {
                continue;
            }
            let bytes = std::fs::read(registered).map_err(|e| {
                render::Error::io("read the library module of a function from", registered, e)
            })?;
            render::write_library_module(
                &self.dags_folder,
                &self.library_package,
                &f.module,
                &bytes,
            )?;
        }
        Ok(())
    }

    /// Compares the dags folder with every saved flow (changes nothing). A flow that was
    /// saved but never deployed is not "missing" its file: writing it would deploy (and
    /// maybe unpause) someone's flow behind their back.
    pub fn reconcile(&self) -> Result<render::ReconcileReport, Error> {
        render::create_dags_folder(&self.dags_folder)?;
        let deploys = self.store.deploys_in(&self.environment)?;
        // Each flow as deployed here: a version saved since (not deployed, or deployed
        // only to another environment) does not make this folder's file "stale", and a
        // repair never deploys it behind a promote.
        let flows = self
            .store
            .flow_specs()?
            .into_iter()
            .map(|spec| {
                let record = deploys.get(&spec.flow.id);
                self.as_deployed_here(spec, record)
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let functions = self.store.functions()?;
        let mut report = render::reconcile(&self.dags_folder, &flows, &functions, &self.renderer)?;
        report.missing.retain(|r| {
            deploys
                .get(&r.flow_id)
                .is_some_and(|d| d.rendered_hash.is_some())
        });
        Ok(report)
    }

    /// Fixes what `reconcile` found: missing and stale files are written through the
    /// normal write step (so deploy records follow), orphans and old temp files removed.
    /// Foreign files are never touched. Returns one line per action.
    pub fn repair(&self, report: &render::ReconcileReport) -> Result<Vec<String>, Error> {
        let planned = report.planned();
        self.repair_confirmed(report, &planned)
    }

    /// [`Deployer::repair`] limited to the changes an operator confirmed: the lines of
    /// [`render::ReconcileReport::planned`] they were shown. A finding that appeared
    /// after they looked is left for the next reconcile.
    pub fn repair_confirmed(
        &self,
        report: &render::ReconcileReport,
        confirmed: &[String],
    ) -> Result<Vec<String>, Error> {
        let report = &report.only(confirmed);
        let mut lines = Vec::new();
        for rendered in report.missing.iter().chain(&report.stale) {
            let saved = self.saved(&rendered.flow_id)?;
            let record = self.store.deploy_in(&rendered.flow_id, &self.environment)?;
            let spec = self.as_deployed_here(saved, record.as_ref())?;
            let written = self.write_spec(&spec)?;
            lines.push(format!(
                "wrote {}",
                self.dags_folder.join(&written.rendered.file_name).display()
            ));
        }
        let rest = render::ReconcileReport {
            orphaned: report.orphaned.clone(),
            temp_files: report.temp_files.clone(),
            ..render::ReconcileReport::default()
        };
        // With a Git target each orphan's removal is committed (kept to restore it when
        // the commit is refused).
        let repo = match &self.git {
            Some(target) if !rest.orphaned.is_empty() => {
                Some(git::Repo::open(target, self.renderer.owner())?)
            }
            _ => None,
        };
        let kept: Vec<(PathBuf, String, Option<Vec<u8>>)> = rest
            .orphaned
            .iter()
            .map(|o| {
                (
                    o.path.clone(),
                    o.flow_id.clone(),
                    std::fs::read(&o.path).ok(),
                )
            })
            .collect();
        let outcome = render::repair(&self.dags_folder, &rest);
        if let Some(repo) = &repo {
            for (path, flow_id, before) in &kept {
                if outcome.removed.contains(path) {
                    let landed = repo.commit_and_push(
                        path,
                        before.as_deref(),
                        &git::remove_message("orphaned DAG file", flow_id, self.renderer.owner()),
                        self.store.actor(),
                        self.renderer.owner(),
                    )?;
                    lines.push(landed.describe());
                }
            }
        }
        lines.extend(
            outcome
                .removed
                .iter()
                .map(|p| format!("removed {}", p.display())),
        );
        lines.extend(
            outcome
                .failed
                .iter()
                .map(|(p, e)| format!("could not fix {}: {e}", p.display())),
        );
        Ok(lines)
    }

    /// Flows whose saved version is not yet confirmed in Airflow: what to deploy when
    /// Airflow is back.
    pub fn pending(&self) -> Result<Vec<String>, Error> {
        let deploys = self.store.deploys_in(&self.environment)?;
        Ok(self
            .store
            .flows()?
            .into_iter()
            .filter(|f| match deploys.get(&f.id) {
                None => false,
                Some(d) => {
                    d.version != f.version
                        || matches!(
                            d.state,
                            DeployState::Saved | DeployState::Rendered | DeployState::Parsing
                        )
                }
            })
            .map(|f| f.id)
            .collect())
    }

    /// Removes a flow: its DAG file first (so Airflow stops scheduling it), then the
    /// records. With `Base::Version(v)` nothing is removed when someone saved a newer
    /// version meanwhile (checked before the file goes, and again in the transaction).
    /// Returns whether a DAG file of this database was removed.
    pub fn remove(&self, flow_id: &str, base: crate::store::Base) -> Result<bool, Error> {
        Ok(self.remove_landed(flow_id, base)?.0)
    }

    /// [`Deployer::remove`], also saying where the removal's commit went with a Git
    /// target. The removal is committed before the records go: a refused commit leaves
    /// the file and the flow as they were.
    pub fn remove_landed(
        &self,
        flow_id: &str,
        base: crate::store::Base,
    ) -> Result<(bool, Option<git::Landed>), Error> {
        if let crate::store::Base::Version(v) = base {
            if let Some(spec) = self.store.flow(flow_id)? {
                if spec.flow.version != v {
                    // The store names who saved it and when.
                    self.store.delete_flow(flow_id, base)?;
                }
            }
        }
        let repo = match &self.git {
            Some(target) => Some(git::Repo::open(target, self.renderer.owner())?),
            None => None,
        };
        let dag_path = self.dags_folder.join(render::dag_file_name(flow_id));
        let before = repo.as_ref().and_then(|_| std::fs::read(&dag_path).ok());
        let removed =
            match render::remove_dag_file(&self.dags_folder, flow_id, self.renderer.owner()) {
                Ok(removed) => removed,
                // The file of that name is another database's flow: it stays.
                Err(render::Error::Foreign { .. }) => false,
                Err(e) => return Err(e.into()),
            };
        let landed = match &repo {
            Some(repo) if removed => {
                let name = self
                    .store
                    .flow(flow_id)?
                    .map_or_else(|| flow_id.to_string(), |s| s.flow.name);
                Some(repo.commit_and_push(
                    &dag_path,
                    before.as_deref(),
                    &git::remove_message(&name, flow_id, self.renderer.owner()),
                    self.store.actor(),
                    self.renderer.owner(),
                )?)
            }
            _ => None,
        };
        self.store.delete_flow(flow_id, base)?;
        Ok((removed, landed))
    }

    /// Before a flow is removed: its DAG files in the other environments it was
    /// deployed to (those with a deploy record there), so it does not keep running
    /// there with no flow left to own it. Refused, with nothing removed, when one of
    /// them is read-only or deploys through Git (its removal is a commit made from
    /// that environment). Returns one line per file removed.
    pub fn remove_elsewhere(
        &self,
        flow_id: &str,
        environments: &[crate::config::Environment],
    ) -> Result<Vec<String>, Error> {
        let others: Vec<&crate::config::Environment> = environments
            .iter()
            .filter(|e| e.name != self.environment)
            .collect();
        let mut deployed = Vec::new();
        for env in others {
            if self.store.deploy_in(flow_id, &env.name)?.is_none() {
                continue;
            }
            env.check_writable().map_err(|e| {
                Error::Refused(format!(
                    "not removed: the flow is deployed in {}, and {e}",
                    env.name
                ))
            })?;
            if env.git.is_some() {
                return Err(Error::Refused(format!(
                    "not removed: the flow is deployed through Git in {0}; remove it from there (flowdeck --env {0} flow rm …), which also removes it everywhere else",
                    env.name
                )));
            }
            deployed.push(env);
        }
        let mut lines = Vec::new();
        for env in deployed {
            match render::remove_dag_file(&env.dags_folder, flow_id, self.renderer.owner()) {
                Ok(true) => lines.push(format!(
                    "removed its DAG file in {} ({})",
                    env.name,
                    env.dags_folder
                        .join(render::dag_file_name(flow_id))
                        .display()
                )),
                Ok(false) | Err(render::Error::Foreign { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(lines)
    }

    /// Writes the file, then (with a client) waits until Airflow serves this render or
    /// reports its import error. `progress` sees every state change.
    pub async fn deploy(
        &self,
        flow_id: &str,
        timeout: Duration,
        progress: impl FnMut(&DeployRecord),
    ) -> Result<DeployRecord, Error> {
        let spec = self.saved(flow_id)?;
        self.deploy_spec(&spec, timeout, progress).await
    }

    /// [`Deployer::deploy`] of a given version (see [`Deployer::write_spec`]).
    pub async fn deploy_spec(
        &self,
        spec: &FlowSpec,
        timeout: Duration,
        mut progress: impl FnMut(&DeployRecord),
    ) -> Result<DeployRecord, Error> {
        let written = self.write_spec(spec)?;
        progress(&written.record);
        let Some(client) = self.client.clone() else {
            return Ok(written.record);
        };
        // Committed but not on the remote: Airflow cannot see it yet; the next deploy
        // (or the retry of pending flows) pushes it.
        if written.git.as_ref().is_some_and(|l| !l.pushed) {
            return Ok(written.record);
        }
        // Even an unchanged file whose record says `ready` is confirmed again: "ready"
        // is only ever reported after Airflow was seen serving this render.
        self.confirm(&client, spec, written, timeout, progress)
            .await
    }

    async fn confirm(
        &self,
        client: &Client,
        spec: &FlowSpec,
        written: Written,
        timeout: Duration,
        mut progress: impl FnMut(&DeployRecord),
    ) -> Result<DeployRecord, Error> {
        let expected = expected_of(spec, &written);
        let flow_id = spec.flow.id.clone();
        let mut record = written.record.clone();
        let set = |record: &mut DeployRecord,
                   state: DeployState,
                   message: String,
                   progress: &mut dyn FnMut(&DeployRecord)|
         -> Result<(), Error> {
            if record.state != state || record.message != message {
                record.state = state;
                record.message = message;
                record.since = Utc::now();
                self.store.set_deploy(record)?;
                progress(record);
            }
            Ok(())
        };
        let start = Instant::now();
        let mut last_nudge: Option<Instant> = None;
        let mut reason = String::from("waiting for Airflow");
        // Why a nudge could not help, shown instead of the generic waiting reason.
        let mut blocked: Option<String> = None;
        loop {
            // Re-nudge now and then: the first request can land before Airflow noticed
            // anything, and a rescan request is cheap. While Airflow holds back storing
            // the new version (30 s after the previous one), a parse soon after that
            // window is what stores it, so nudge more often then.
            let every = if reason == judge::WAITING_FOR_STORE {
                Duration::from_secs(3)
            } else {
                Duration::from_secs(10)
            };
            if last_nudge.is_none_or(|t| t.elapsed() > every) {
                match self.nudge(client, &flow_id, start.elapsed()).await {
                    Ok(Some(why)) => {
                        reason = why.clone();
                        blocked = Some(why);
                    }
                    Ok(None) => blocked = None,
                    Err(e) if e.is_offline() => {
                        set(&mut record, DeployState::Rendered, format!("{e}; the DAG file is written and will be confirmed when Airflow is back"), &mut progress)?;
                        return Ok(record);
                    }
                    Err(e) => return Err(e.into()),
                }
                last_nudge = Some(Instant::now());
                set(
                    &mut record,
                    DeployState::Parsing,
                    reason.clone(),
                    &mut progress,
                )?;
            }
            let mut verdict = self.look(client, &expected, &flow_id).await?;
            if let (Verdict::Ready, Some(landed)) = (&verdict, &written.git) {
                if let Some(why) = self.other_commit(client, &flow_id, &landed.commit).await? {
                    verdict = Verdict::Waiting(why);
                }
            }
            match verdict {
                Verdict::Ready => {
                    if spec.flow.unpause_on_deploy {
                        if let Ok(dag) = client.get_dag(&flow_id).await {
                            if dag.is_paused {
                                client.set_paused(&flow_id, false).await?;
                            }
                        }
                    }
                    record.deployed_version = Some(spec.flow.version);
                    record.error_task = None;
                    let took = start.elapsed().as_secs_f64();
                    let from = written.git.as_ref().map_or(String::new(), |l| {
                        format!(" from commit {}", &l.commit[..l.commit.len().min(10)])
                    });
                    set(
                        &mut record,
                        DeployState::Ready,
                        format!(
                            "Airflow loaded version {}{from} in {took:.1} s",
                            spec.flow.version
                        ),
                        &mut progress,
                    )?;
                    return Ok(record);
                }
                Verdict::ImportError { stack_trace } => {
                    record.error_task = written.rendered.task_of_traceback(&stack_trace);
                    set(
                        &mut record,
                        DeployState::ImportError,
                        stack_trace,
                        &mut progress,
                    )?;
                    return Ok(record);
                }
                Verdict::Waiting(why) => {
                    let why = blocked.clone().unwrap_or(why);
                    if why != reason {
                        reason = why;
                        set(
                            &mut record,
                            DeployState::Parsing,
                            reason.clone(),
                            &mut progress,
                        )?;
                    }
                }
            }
            if start.elapsed() >= timeout {
                return Err(Error::Timeout {
                    flow: spec.flow.name.clone(),
                    waited: timeout.as_secs(),
                    reason,
                });
            }
            tokio::time::sleep(poll_delay(start.elapsed())).await;
        }
    }

    /// With a Git target: why Airflow's DAG is not yet known to come from `pushed` —
    /// it reports another bundle version that does not contain the pushed commit.
    /// `None` when it reports the pushed commit (or a later one), or no version at all.
    async fn other_commit(
        &self,
        client: &Client,
        flow_id: &str,
        pushed: &str,
    ) -> Result<Option<String>, Error> {
        let (Some(target), Ok(dag)) = (&self.git, client.get_dag_details(flow_id).await) else {
            return Ok(None);
        };
        let Some(served) = dag.bundle_version.filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        let contains = served == pushed
            || git::Repo::open_unchecked(target)
                .is_some_and(|r| r.contains_fetching(&served, pushed));
        Ok((!contains).then(|| {
            format!(
                "Airflow serves this render from commit {}; waiting for it to report the pushed commit {}",
                &served[..served.len().min(10)],
                &pushed[..pushed.len().min(10)]
            )
        }))
    }

    /// Asks Airflow to re-parse. Returns what we are waiting for when it cannot help.
    async fn nudge(
        &self,
        client: &Client,
        flow_id: &str,
        waited: Duration,
    ) -> Result<Option<String>, airflow::Error> {
        let bundle = self.git.as_ref().and_then(|g| g.bundle.clone());
        if let Some(secs) = self.git.as_ref().and_then(|g| g.sync_wait_secs) {
            return Ok(Some(format!(
                "pushed; waiting for git-sync to pull it (every {secs} s) and for Airflow to parse it, {} s so far",
                waited.as_secs()
            )));
        }
        let token = match client.get_dag(flow_id).await {
            // A DAG of another bundle (deployed there before) would refresh the wrong one.
            Ok(dag) if bundle.is_some() && dag.bundle_name != bundle => {
                self.known_token(client).await?
            }
            Ok(dag) => Some(dag.file_token),
            // Airflow 2 re-parses only the file asked for: nothing makes it look for new
            // files before its next folder scan (see AIRFLOW.md), so say so while waiting.
            Err(e) if e.is_not_found() && client.api_version().await? == ApiVersion::V1 => {
                return Ok(Some(AIRFLOW2_NEW_FILE.into()));
            }
            Err(e) if e.is_not_found() => self.known_token(client).await?,
            Err(e) => return Err(e),
        };
        let Some(token) = token else {
            return Ok(Some("Airflow knows no DAG yet to trigger a folder rescan with; waiting for its periodic scan ([dag_processor] refresh_interval, 5 min by default)".into()));
        };
        match client.reparse_dag_file(&token).await {
            Ok(()) => Ok(None),
            Err(e) if e.is_not_found() => {
                // The DAG we used to nudge is gone: forget it and pick another next time.
                *self.nudge_token.lock().unwrap_or_else(|p| p.into_inner()) = None;
                Ok(None)
            }
            // A parse of that file is already queued (another deploy asked first): the
            // rescan we wanted will happen anyway.
            Err(airflow::Error::Rejected { status: 409, .. }) => Ok(None),
            // Still failing after the client's retries: the nudge only saves time, so the
            // deploy goes on waiting for Airflow's own scan rather than failing.
            Err(e @ airflow::Error::Server { .. }) => Ok(Some(format!(
                "Airflow could not queue a re-parse ({}); waiting for its own scan of the dags folder",
                crate::model::text::one_line(&e.to_string())
            ))),
            Err(airflow::Error::Unsupported { .. }) => Ok(Some(
                "this Airflow cannot be asked to re-parse; waiting for its next scan of the dags folder (dag_dir_list_interval, 5 min by default)".into(),
            )),
            Err(e) => Err(e),
        }
    }

    async fn known_token(&self, client: &Client) -> Result<Option<String>, airflow::Error> {
        if let Some(t) = self
            .nudge_token
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        {
            return Ok(Some(t));
        }
        // flowdeck's own DAGs first; any DAG of the folder's bundle serves as well. Only
        // a DAG of the same bundle makes Airflow rescan ours: with a Git target naming
        // its bundle, a DAG of that bundle; with a dags folder, a DAG whose file is in
        // it (an Airflow may serve other bundles beside it), else any DAG as before.
        let bundle = self.git.as_ref().and_then(|g| g.bundle.clone());
        let folder = self.dags_folder.to_string_lossy().to_string();
        let real = std::fs::canonicalize(&self.dags_folder)
            .map(|p| p.to_string_lossy().to_string())
            .unwrap_or_else(|_| folder.clone());
        let in_folder = |d: &airflow::Dag| {
            [&folder, &real].iter().any(|f| {
                d.fileloc
                    .strip_prefix(f.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
            })
        };
        let pick = |dags: Vec<airflow::Dag>| -> Option<airflow::Dag> {
            match (&bundle, &self.git) {
                (Some(b), _) => dags
                    .into_iter()
                    .find(|d| d.bundle_name.as_deref() == Some(b.as_str())),
                (None, Some(_)) => dags.into_iter().next(),
                (None, None) => {
                    let ours = dags.iter().position(&in_folder);
                    ours.map_or_else(|| None, |i| dags.into_iter().nth(i))
                }
            }
        };
        let mut found = pick(client.list_dags("dag_").await?);
        if found.is_none() {
            found = pick(client.list_dags("").await?);
        }
        if found.is_none() && self.git.is_none() {
            // No DAG's file is seen in the folder (Airflow may see it under another
            // path): any DAG, as before.
            found = client.list_dags("dag_").await?.into_iter().next();
            if found.is_none() {
                found = client.list_dags("").await?.into_iter().next();
            }
        }
        let token = found.map(|d| d.file_token);
        *self.nudge_token.lock().unwrap_or_else(|p| p.into_inner()) = token.clone();
        Ok(token)
    }

    async fn look(
        &self,
        client: &Client,
        expected: &Expected,
        flow_id: &str,
    ) -> Result<Verdict, Error> {
        let errors = client.import_errors().await?;
        // Details, not the DAG's row: only they carry the served doc_md with the marker.
        let dag = match client.get_dag_details(flow_id).await {
            Ok(d) => Some(d),
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(e.into()),
        };
        // The task list is only worth a request once Airflow serves this revision.
        let this_revision = dag
            .as_ref()
            .is_some_and(|d| judge::serves_marker(d, &expected.revision));
        let served = if this_revision {
            Some(client.dag_tasks(flow_id).await?)
        } else {
            None
        };
        Ok(judge(expected, dag.as_ref(), served.as_deref(), &errors))
    }
}

fn expected_of(spec: &FlowSpec, written: &Written) -> Expected {
    Expected {
        file_name: written.rendered.file_name.clone(),
        tasks: spec.tasks.iter().map(|t| t.variable_id.clone()).collect(),
        edges: spec
            .edges
            .iter()
            .map(|e| {
                (
                    spec.var_of(&e.from_task_id).to_string(),
                    spec.var_of(&e.to_task_id).to_string(),
                )
            })
            .collect(),
        written_at: written.record.rendered_at.unwrap_or_else(Utc::now),
        revision: written.rendered.revision.clone(),
    }
}

/// Quick at first (Airflow usually answers within a second once nudged), then calmer.
fn poll_delay(elapsed: Duration) -> Duration {
    if elapsed < Duration::from_secs(5) {
        Duration::from_millis(200)
    } else if elapsed < Duration::from_secs(30) {
        Duration::from_millis(1000)
    } else {
        Duration::from_secs(3)
    }
}
