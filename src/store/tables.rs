//! Table definitions and record encoding. Records are JSON so a migration can read an
//! older shape with serde defaults; keys of child tables are `parent/child` so one
//! prefix range lists a flow's tasks or edges.

use super::error::{Error, Result};
use redb::TableDefinition;
use serde::{de::DeserializeOwned, Serialize};

pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
pub const FUNCTIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("functions");
pub const FUNCTION_NAMES: TableDefinition<&str, &str> = TableDefinition::new("function_names");
pub const FLOWS: TableDefinition<&str, &[u8]> = TableDefinition::new("flows");
pub const FLOW_NAMES: TableDefinition<&str, &str> = TableDefinition::new("flow_names");
/// Key `flow_id/task_id`.
pub const TASKS: TableDefinition<&str, &[u8]> = TableDefinition::new("tasks");
/// Key `flow_id/edge_id`.
pub const EDGES: TableDefinition<&str, &[u8]> = TableDefinition::new("edges");
/// Key `flow_id/0000000042` (zero-padded so versions sort).
pub const REVISIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("revisions");
pub const DEPLOYS: TableDefinition<&str, &[u8]> = TableDefinition::new("deploys");
/// Text settings of the database itself (its id).
pub const META_TEXT: TableDefinition<&str, &str> = TableDefinition::new("meta_text");
/// The change log: sequence number → [`super::Change`]. The newest [`CHANGES_KEPT`] are
/// kept; a reader that fell further behind reloads everything.
pub const CHANGES: TableDefinition<u64, &[u8]> = TableDefinition::new("changes");
/// Entity key (`flow/<id>`, `function/<id>`) → its latest [`super::Change`]: who changed
/// it last, for lists.
pub const LATEST: TableDefinition<&str, &[u8]> = TableDefinition::new("latest_change");
/// Key `user/draft_key` → an unsaved editor draft.
pub const DRAFTS: TableDefinition<&str, &[u8]> = TableDefinition::new("drafts");
/// Key `flow_id/0000000042` → who deployed that version, when, and how it ended.
pub const DEPLOY_HISTORY: TableDefinition<&str, &[u8]> = TableDefinition::new("deploy_history");

/// Change log entries kept (about a day of a busy team's work).
pub const CHANGES_KEPT: u64 = 10_000;

pub const SCHEMA_KEY: &str = "schema_version";
/// Sequence number of the newest change; bumped in every write transaction that changes
/// shared data.
pub const GENERATION_KEY: &str = "generation";
pub const DATABASE_ID_KEY: &str = "database_id";

pub fn child_key(parent: &str, child: &str) -> String {
    format!("{parent}/{child}")
}

/// Bounds of every child key of `parent`: `/` sorts right before `0`.
pub fn child_range(parent: &str) -> (String, String) {
    (format!("{parent}/"), format!("{parent}0"))
}

pub fn revision_key(flow_id: &str, version: u32) -> String {
    format!("{flow_id}/{version:010}")
}

/// The `DEPLOYS` key of a flow's record in an environment: the flow id alone for the
/// implicit environment (so records written before environments existed are its
/// records, with no migration), `flow_id@env` for the others. Neither flow ids nor
/// environment names contain `@`.
pub fn deploy_key(flow_id: &str, environment: &str) -> String {
    let env = crate::model::deploy::environment_of(environment);
    if env == crate::config::environments::IMPLICIT {
        flow_id.to_string()
    } else {
        format!("{flow_id}@{env}")
    }
}

/// Splits a `DEPLOYS` key into flow id and environment name.
pub fn split_deploy_key(key: &str) -> (&str, &str) {
    key.split_once('@')
        .unwrap_or((key, crate::config::environments::IMPLICIT))
}

/// The `DEPLOY_HISTORY` key of a version's end in an environment (inside the flow's
/// [`child_range`], so removing a flow removes its history everywhere).
pub fn deploy_history_key(flow_id: &str, version: u32, environment: &str) -> String {
    let env = crate::model::deploy::environment_of(environment);
    if env == crate::config::environments::IMPLICIT {
        revision_key(flow_id, version)
    } else {
        format!("{}@{env}", revision_key(flow_id, version))
    }
}

pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| Error::Corrupt {
        kind: "new",
        reason: e.to_string(),
    })
}

pub fn decode<T: DeserializeOwned>(kind: &'static str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::Corrupt {
        kind,
        reason: e.to_string(),
    })
}
