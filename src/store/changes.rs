//! The change log: every write transaction that changes shared data appends what it
//! changed (and who) and bumps the generation in the same commit. Another process polls
//! the generation (one key, ~50 µs) and, when it moved, reads just the new entries — so a
//! quiet tick reads one number, and a busy one reloads only what changed.

use super::error::{Context, Result};
use super::tables::*;
use super::Store;
use crate::model::deploy::DeployState;
use crate::model::Actor;
use chrono::{DateTime, Utc};
use redb::{ReadableTable, ReadableTableMetadata, WriteTransaction};
use serde::{Deserialize, Serialize};

/// One committed change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Position in the log, from 1; equal to the generation after the commit.
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub by: Actor,
    /// OS process id of the writer, to tell this process's own changes from others'.
    pub pid: u32,
    pub what: Changed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Changed {
    FlowSaved {
        id: String,
        name: String,
        version: u32,
    },
    FlowDeleted {
        id: String,
        name: String,
    },
    FunctionSaved {
        id: String,
        name: String,
    },
    FunctionDeleted {
        id: String,
        name: String,
    },
    Deploy {
        flow_id: String,
        version: u32,
        state: DeployState,
        /// Which environment's Airflow (empty: the implicit one).
        #[serde(default)]
        environment: String,
    },
}

impl Changed {
    /// The `LATEST` key of the entity this change is about.
    fn entity_key(&self) -> String {
        match self {
            Changed::FlowSaved { id, .. }
            | Changed::FlowDeleted { id, .. }
            | Changed::Deploy { flow_id: id, .. } => format!("flow/{id}"),
            Changed::FunctionSaved { id, .. } | Changed::FunctionDeleted { id, .. } => {
                format!("function/{id}")
            }
        }
    }

    /// A few words for a list or a message: "saved v4", "deleted", "deployed v3 (ready)".
    pub fn verb(&self) -> String {
        match self {
            Changed::FlowSaved { version, .. } => format!("saved v{version}"),
            Changed::FlowDeleted { .. } | Changed::FunctionDeleted { .. } => "deleted".into(),
            Changed::FunctionSaved { .. } => "changed".into(),
            Changed::Deploy {
                version,
                state,
                environment,
                ..
            } if !environment.is_empty() => {
                format!("deployed v{version} to {environment} ({})", state.label())
            }
            Changed::Deploy { version, state, .. } => {
                format!("deployed v{version} ({})", state.label())
            }
        }
    }
}

/// What a reader gets for "what changed after sequence number N".
#[derive(Debug, Clone, PartialEq)]
pub enum ChangesSince {
    /// In order, oldest first (empty when nothing changed).
    Changes(Vec<Change>),
    /// The reader fell behind the kept log (or the database was replaced): reload all.
    Reload { generation: u64 },
}

impl Store {
    /// The sequence number of the newest change: what a tick compares.
    pub fn generation(&self) -> Result<u64> {
        let tx = self.read()?;
        let meta = tx.open_table(META).ctx("opening the meta table")?;
        let value = meta.get(GENERATION_KEY).ctx("reading the generation")?;
        Ok(value.map_or(0, |v| v.value()))
    }

    /// Changes committed after `seq`, oldest first.
    pub fn changes_since(&self, seq: u64) -> Result<ChangesSince> {
        let tx = self.read()?;
        let meta = tx.open_table(META).ctx("opening the meta table")?;
        let generation = meta
            .get(GENERATION_KEY)
            .ctx("reading the generation")?
            .map_or(0, |v| v.value());
        if generation == seq {
            return Ok(ChangesSince::Changes(Vec::new()));
        }
        if generation < seq {
            return Ok(ChangesSince::Reload { generation });
        }
        let table = tx.open_table(CHANGES).ctx("opening the change log")?;
        let first = table
            .first()
            .ctx("reading the change log")?
            .map(|(k, _)| k.value());
        if first.is_none_or(|first| first > seq + 1) {
            return Ok(ChangesSince::Reload { generation });
        }
        let mut out = Vec::new();
        for row in table.range(seq + 1..).ctx("reading the change log")? {
            let (_, v) = row.ctx("reading the change log")?;
            out.push(decode("change", v.value())?);
        }
        Ok(ChangesSince::Changes(out))
    }

    /// The latest change of one flow or function (`flow/<id>`, `function/<id>`).
    pub(super) fn latest_in(
        table: &impl ReadableTable<&'static str, &'static [u8]>,
        key: &str,
    ) -> Result<Option<Change>> {
        let row = table.get(key).ctx("reading the change log")?;
        row.map(|v| decode("change", v.value())).transpose()
    }

    /// The latest change of every flow and function (key `flow/<id>` or
    /// `function/<id>`): who changed each last, for lists at start-up.
    pub fn latest_changes(&self) -> Result<std::collections::HashMap<String, Change>> {
        let tx = self.read()?;
        let table = tx.open_table(LATEST).ctx("opening the change log")?;
        let mut out = std::collections::HashMap::new();
        for row in table.iter().ctx("reading the change log")? {
            let (k, v) = row.ctx("reading the change log")?;
            out.insert(k.value().to_string(), decode("change", v.value())?);
        }
        Ok(out)
    }

    /// Appends `what` to the log in `tx` (to be committed with the change itself).
    pub(super) fn log(&self, tx: &WriteTransaction, what: Vec<Changed>) -> Result<()> {
        if what.is_empty() {
            return Ok(());
        }
        let mut meta = tx.open_table(META).ctx("opening the meta table")?;
        let mut generation = meta
            .get(GENERATION_KEY)
            .ctx("reading the generation")?
            .map_or(0, |v| v.value());
        let mut log = tx.open_table(CHANGES).ctx("opening the change log")?;
        let mut latest = tx.open_table(LATEST).ctx("opening the change log")?;
        let at = Utc::now();
        for what in what {
            generation += 1;
            let change = Change {
                seq: generation,
                at,
                by: self.actor.clone(),
                pid: std::process::id(),
                what,
            };
            let bytes = encode(&change)?;
            log.insert(generation, bytes.as_slice())
                .ctx("writing the change log")?;
            // Deletions stay here too: a save refused because the flow was deleted
            // meanwhile can say who deleted it.
            latest
                .insert(change.what.entity_key().as_str(), bytes.as_slice())
                .ctx("writing the change log")?;
        }
        while log.len().ctx("reading the change log")? > CHANGES_KEPT {
            log.pop_first().ctx("trimming the change log")?;
        }
        meta.insert(GENERATION_KEY, generation)
            .ctx("writing the generation")?;
        Ok(())
    }
}
