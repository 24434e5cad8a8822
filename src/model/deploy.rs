//! Where a flow is in its deploy lifecycle (PRODUCT.md): saved → rendered → parsing →
//! ready / import error. Persisted per flow so a restart knows what is pending.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeployState {
    /// In the database, not yet written as a DAG file.
    Saved,
    /// DAG file written; Airflow has not been asked yet (or is unreachable).
    Rendered,
    /// Waiting for Airflow to parse this render.
    Parsing,
    /// Airflow serves this render with no import error.
    Ready,
    /// Airflow failed to import this render.
    ImportError,
}

impl DeployState {
    pub fn label(self) -> &'static str {
        match self {
            DeployState::Saved => "saved",
            DeployState::Rendered => "rendered",
            DeployState::Parsing => "parsing",
            DeployState::Ready => "ready",
            DeployState::ImportError => "import error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployRecord {
    pub flow_id: String,
    pub state: DeployState,
    /// Flow version this record is about.
    pub version: u32,
    /// SHA-256 of the DAG file written for that version.
    pub rendered_hash: Option<String>,
    pub rendered_at: Option<DateTime<Utc>>,
    /// When the state last changed.
    pub since: DateTime<Utc>,
    /// Import error text, or what flowdeck is waiting for.
    pub message: String,
    /// Task the import error points at, if it could be told.
    pub error_task: Option<String>,
    /// Last version that reached `ready` (the diff before deploying compares with it).
    pub deployed_version: Option<u32>,
    /// Who ran the deploy this record is about (set by the store when it is written).
    #[serde(default)]
    pub by: Option<super::Actor>,
    /// With a Git deploy target: the commit (full SHA) holding this version's render.
    #[serde(default)]
    pub commit: Option<String>,
    /// The environment (config `[environments.NAME]`) whose Airflow this record is
    /// about; empty in records written before environments existed, which were about
    /// the one Airflow of the implicit environment (see [`environment_of`]).
    #[serde(default)]
    pub environment: String,
}

/// The environment a stored record or event is about: an empty name (written before
/// environments existed) is the implicit environment's.
pub fn environment_of(stored: &str) -> &str {
    if stored.is_empty() {
        crate::config::environments::IMPLICIT
    } else {
        stored
    }
}

/// The deploy state of a flow at `version`, for lists: a record about an older version
/// means this version is saved but not deployed yet.
pub fn state_label(record: Option<&DeployRecord>, version: u32) -> String {
    match record {
        Some(r) if r.version == version => r.state.label().to_string(),
        Some(DeployRecord {
            deployed_version: Some(v),
            ..
        }) => format!("saved (v{v} deployed)"),
        Some(r) => format!("saved (v{} {})", r.version, r.state.label()),
        None => "saved".to_string(),
    }
}

/// A flow's deploy state in every environment of the config, for lists: the plain
/// [`state_label`] with one environment; "dev v5 ready · prod v3 ready" with several
/// (`current` first, then the others in config order; an environment without a record
/// is "not deployed" only when it is the current one).
pub fn environments_label(
    version: u32,
    records: &[DeployRecord],
    current: &str,
    all: &[String],
) -> String {
    let of = |env: &str| {
        records
            .iter()
            .find(|r| environment_of(&r.environment) == env)
    };
    if all.len() <= 1 {
        return state_label(of(current), version);
    }
    let mut parts = vec![match of(current) {
        Some(d) => format!("{current} v{} {}", d.version, d.state.label()),
        None => format!("{current} not deployed"),
    }];
    for env in all.iter().filter(|e| *e != current) {
        if let Some(d) = of(env) {
            parts.push(format!("{env} v{} {}", d.version, d.state.label()));
        }
    }
    parts.join(" · ")
}
