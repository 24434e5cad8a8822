//! The Flows pane (for now the list of flows with their schedule and deploy state; the
//! flow editor will live here).

use super::event::FlowsData;
use super::functions::Loading;
use super::list::{matches, ListNav};
use super::text::one_line;
use crate::model::deploy::DeployRecord;
use crate::model::schedule::describe_schedule;
use crate::model::Flow;

#[derive(Debug, Clone)]
pub struct FlowRow {
    pub flow: Flow,
    pub name: String,
    pub schedule: String,
    pub deploy: Option<DeployRecord>,
    /// "ready", "parsing", "not deployed", …
    pub deploy_label: String,
    haystack: String,
}

impl FlowRow {
    pub fn new(flow: Flow, deploy: Option<DeployRecord>) -> FlowRow {
        let name = one_line(&flow.name);
        let schedule = one_line(&describe_schedule(&flow.schedule));
        let deploy_label = match &deploy {
            Some(d) if d.version == flow.version => d.state.label().to_string(),
            Some(d) => format!("{} (v{})", d.state.label(), d.version),
            None => "not deployed".to_string(),
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
            deploy_label,
            haystack,
        }
    }
}

#[derive(Debug, Clone)]
pub struct FlowsState {
    pub rows: Vec<FlowRow>,
    pub nav: ListNav,
    pub loading: Loading,
}

impl Default for FlowsState {
    fn default() -> Self {
        FlowsState {
            rows: Vec::new(),
            nav: ListNav::default(),
            loading: Loading::Loading,
        }
    }
}

impl FlowsState {
    pub fn apply(&mut self, mut data: FlowsData) {
        let keep = self.selected().map(|r| r.flow.id.clone());
        self.rows = data
            .flows
            .into_iter()
            .map(|f| {
                let deploy = data.deploys.remove(&f.id);
                FlowRow::new(f, deploy)
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
}
