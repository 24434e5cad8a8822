//! The Flows pane: the list of flows with their schedule and deploy state, the flow
//! being edited (`editor`, see `flow_editor.rs`) and the deploys in flight.

use super::event::FlowsData;
use super::flow_editor::Editor;
use super::functions::Loading;
use super::list::{matches, ListNav};
use super::text::one_line;
use crate::model::deploy::DeployRecord;
use crate::model::schedule::describe_schedule_short;
use crate::model::Flow;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct FlowRow {
    pub flow: Flow,
    pub name: String,
    pub schedule: String,
    /// The deploy record in the environment this TUI works with.
    pub deploy: Option<DeployRecord>,
    /// Records in the other environments of the config (config order).
    pub elsewhere: Vec<DeployRecord>,
    /// "ready", "parsing", "not deployed", …; with several environments each one's,
    /// e.g. "dev v5 ready · prod v3 ready".
    pub deploy_label: String,
    /// State of the latest run (Airflow's name, e.g. "success"), when known.
    pub last_run: Option<String>,
    haystack: String,
}

/// Which environment's records a row shows first, and which others are shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvironmentView {
    /// The environment this TUI works with (its records are `FlowRow::deploy`).
    pub current: String,
    /// Every environment of the config in order; names are shown when there are two
    /// or more.
    pub all: Vec<String>,
}

impl EnvironmentView {
    /// One implicit environment (a config without `[environments]`).
    pub fn single(name: &str) -> EnvironmentView {
        EnvironmentView {
            current: name.to_string(),
            all: vec![name.to_string()],
        }
    }
}

impl FlowRow {
    /// A row from the flow and its records in any environments (as stored).
    pub fn new(flow: Flow, records: Vec<DeployRecord>, envs: &EnvironmentView) -> FlowRow {
        let name = one_line(&flow.name);
        let schedule = one_line(&describe_schedule_short(&flow.schedule));
        let environment_of =
            |r: &DeployRecord| crate::model::deploy::environment_of(&r.environment).to_string();
        let mut deploy = None;
        let mut elsewhere = Vec::new();
        for r in records {
            if environment_of(&r) == envs.current {
                deploy = Some(r);
            } else if envs.all.contains(&environment_of(&r)) {
                elsewhere.push(r);
            }
        }
        elsewhere.sort_by_key(|r| envs.all.iter().position(|e| *e == environment_of(r)));
        let label_of = |d: &DeployRecord| {
            if d.version == flow.version {
                d.state.label().to_string()
            } else {
                format!("{} (v{})", d.state.label(), d.version)
            }
        };
        let deploy_label = if envs.all.len() > 1 {
            let records: Vec<DeployRecord> = deploy.iter().chain(&elsewhere).cloned().collect();
            one_line(&crate::model::deploy::environments_label(
                flow.version,
                &records,
                &envs.current,
                &envs.all,
            ))
        } else {
            deploy
                .as_ref()
                .map_or_else(|| "not deployed".to_string(), label_of)
        };
        let haystack = format!(
            "{} {} {} {}",
            flow.name,
            flow.id,
            flow.description,
            flow.tags.join(" ")
        )
        .to_lowercase();
        FlowRow {
            flow,
            name,
            schedule,
            deploy,
            elsewhere,
            deploy_label,
            last_run: None,
            haystack,
        }
    }

    /// Every record this row shows (current environment first).
    fn records(&self) -> Vec<DeployRecord> {
        self.deploy.iter().chain(&self.elsewhere).cloned().collect()
    }
}

/// A deploy in flight: when it started (for "parsing… 1.4 s") and its last progress.
#[derive(Debug, Clone)]
pub struct Deploying {
    pub started: Instant,
    pub record: Option<DeployRecord>,
}

#[derive(Debug, Clone)]
pub struct FlowsState {
    pub rows: Vec<FlowRow>,
    pub nav: ListNav,
    pub loading: Loading,
    /// The flow open in the editor; kept while other panes are shown.
    pub editor: Option<Editor>,
    pub deploying: BTreeMap<String, Deploying>,
    /// Hook for the Runs pane (issue 7): flow id → state of its latest run
    /// ("success", "failed", "running", …). Shown in the list's LAST RUN column.
    pub last_runs: HashMap<String, String>,
    /// Hook for the Runs pane (issue 7): flow id → task_id → state of that task in the
    /// latest run, to colour the editor's graph.
    pub task_states: HashMap<String, HashMap<String, String>>,
    /// flow id → run id of its newest run (whose task states colour the graph).
    pub latest_run: HashMap<String, String>,
    /// Select this flow id once the next load arrives (after creating it).
    pub select_after_load: Option<String>,
    /// Which environment's deploy state the rows show first.
    pub environments: EnvironmentView,
    /// "Save and quit" was chosen for this flow: flowdeck quits once its DAG file is
    /// written (the deploy goes on at the next start if Airflow has not loaded it yet).
    pub quit_after_save: Option<String>,
}

impl Default for FlowsState {
    fn default() -> Self {
        FlowsState {
            rows: Vec::new(),
            nav: ListNav::default(),
            loading: Loading::Loading,
            editor: None,
            deploying: BTreeMap::new(),
            last_runs: HashMap::new(),
            task_states: HashMap::new(),
            latest_run: HashMap::new(),
            select_after_load: None,
            environments: EnvironmentView::single(crate::config::environments::IMPLICIT),
            quit_after_save: None,
        }
    }
}

impl FlowsState {
    /// The editor holds edits not saved yet.
    pub fn editor_dirty(&self) -> bool {
        self.editor.as_ref().is_some_and(|e| e.dirty)
    }

    pub fn apply(&mut self, mut data: FlowsData) {
        let keep = self
            .select_after_load
            .take()
            .or_else(|| self.selected().map(|r| r.flow.id.clone()));
        let last_runs = &self.last_runs;
        let envs = &self.environments;
        self.rows = data
            .flows
            .into_iter()
            .map(|f| {
                let records = data.deploys.remove(&f.id).unwrap_or_default();
                let mut row = FlowRow::new(f, records, envs);
                row.last_run = last_runs.get(&row.flow.id).cloned();
                row
            })
            .collect();
        self.loading = Loading::Loaded;
        self.refilter();
        if let Some(id) = keep {
            if let Some(i) = self.rows.iter().position(|r| r.flow.id == id) {
                self.nav.select_row(i);
            }
        }
    }

    pub fn refilter(&mut self) {
        let filter = self.nav.filter.to_lowercase();
        let rows = &self.rows;
        self.nav
            .refilter(rows.len(), |i| matches(&rows[i].haystack, &filter));
    }

    pub fn selected(&self) -> Option<&FlowRow> {
        self.nav.selected_row().and_then(|i| self.rows.get(i))
    }

    pub fn row(&self, flow_id: &str) -> Option<&FlowRow> {
        self.rows.iter().find(|r| r.flow.id == flow_id)
    }

    /// The latest deploy record of a flow: from a deploy in flight, else as loaded.
    pub fn deploy_of(&self, flow_id: &str) -> Option<&DeployRecord> {
        self.deploying
            .get(flow_id)
            .and_then(|d| d.record.as_ref())
            .or_else(|| self.row(flow_id).and_then(|r| r.deploy.as_ref()))
    }

    /// A deploy reported progress or ended: the row shows it at once (the list is
    /// reloaded after the deploy anyway).
    pub fn apply_deploy(&mut self, record: DeployRecord) {
        if let Some(d) = self.deploying.get_mut(&record.flow_id) {
            d.record = Some(record.clone());
        }
        let envs = &self.environments;
        if let Some(row) = self.rows.iter_mut().find(|r| r.flow.id == record.flow_id) {
            let flow = row.flow.clone();
            let last_run = row.last_run.take();
            let mut records = row.records();
            records.retain(|r| r.environment != record.environment);
            records.push(record);
            *row = FlowRow::new(flow, records, envs);
            row.last_run = last_run;
        }
    }

    /// A flow saved (or deployed) by any process: its row is replaced, or added in name
    /// order; the selection stays on the same flow.
    pub fn upsert(&mut self, flow: Flow, records: Vec<DeployRecord>) {
        let keep = self.selected().map(|r| r.flow.id.clone());
        let mut row = FlowRow::new(flow, records, &self.environments);
        row.last_run = self.last_runs.get(&row.flow.id).cloned();
        if let Some(d) = self
            .deploying
            .get(&row.flow.id)
            .and_then(|d| d.record.clone())
        {
            // A deploy this process follows reports fresher progress than the database.
            if d.version >= row.flow.version {
                let last_run = row.last_run.take();
                let mut records = row.records();
                records.retain(|r| r.environment != d.environment);
                records.push(d);
                row = FlowRow::new(row.flow, records, &self.environments);
                row.last_run = last_run;
            }
        }
        match self.rows.iter().position(|r| r.flow.id == row.flow.id) {
            Some(i) if self.rows[i].flow.name == row.flow.name => self.rows[i] = row,
            found => {
                if let Some(i) = found {
                    self.rows.remove(i);
                }
                let at = self.rows.partition_point(|r| r.flow.name < row.flow.name);
                self.rows.insert(at, row);
            }
        }
        self.reselect(keep);
    }

    /// A flow deleted by any process.
    pub fn remove(&mut self, flow_id: &str) {
        let keep = self.selected().map(|r| r.flow.id.clone());
        self.rows.retain(|r| r.flow.id != flow_id);
        self.reselect(keep);
    }

    fn reselect(&mut self, keep: Option<String>) {
        self.refilter();
        if let Some(id) = keep {
            if let Some(i) = self.rows.iter().position(|r| r.flow.id == id) {
                self.nav.select_row(i);
            }
        }
    }

    /// Hook for the Runs pane (issue 7): the latest run's state of each flow.
    pub fn set_last_runs(&mut self, last_runs: HashMap<String, String>) {
        for row in &mut self.rows {
            row.last_run = last_runs.get(&row.flow.id).cloned();
        }
        self.last_runs = last_runs;
    }
}
