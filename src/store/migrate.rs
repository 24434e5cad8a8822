//! Schema versions and the steps between them. Each step runs in one write transaction
//! together with the version bump, so an interrupted migration is simply redone.
//!
//! - 1: first layout; tasks had no `position` (their order was creation time).
//! - 2: tasks carry `position`, so a flow keeps the order the operator gave.
//! - 3: shared by several processes — the database id, the change log with its
//!   generation, who saved each revision and deployed each version, drafts. New fields of
//!   old records read as "unknown" (serde defaults); nothing is rewritten.

use super::error::{Context, Error, Result};
use super::tables::*;
use crate::model::Task;
use redb::{Database, ReadableTable, ReadableTableMetadata, WriteTransaction};
use std::path::Path;

pub const SCHEMA_VERSION: u64 = 3;

/// Brings the schema up to date and returns the database id. A database already at this
/// schema is only read (every CLI command opens the database: opening must not write).
pub(super) fn migrate(db: &Database, path: &Path) -> Result<String> {
    if let Some(id) = current(db, path)? {
        return Ok(id);
    }
    let tx = db.begin_write().ctx("starting the schema check")?;
    let found = {
        let mut meta = tx.open_table(META).ctx("opening the meta table")?;
        let found = meta
            .get(SCHEMA_KEY)
            .ctx("reading the schema version")?
            .map(|v| v.value());
        match found {
            Some(v) => v,
            None => {
                // A brand-new database starts at the current schema.
                let empty = is_empty(&tx)?;
                let v = if empty { SCHEMA_VERSION } else { 1 };
                meta.insert(SCHEMA_KEY, v)
                    .ctx("writing the schema version")?;
                v
            }
        }
    };
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            path: path.to_path_buf(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    create_tables(&tx)?;
    if found < 2 {
        add_task_positions(&tx)?;
    }
    let id = database_id(&tx)?;
    tx.open_table(META)
        .ctx("opening the meta table")?
        .insert(SCHEMA_KEY, SCHEMA_VERSION)
        .ctx("writing the schema version")?;
    tx.commit().ctx("committing the schema")?;
    Ok(id)
}

/// The database id when the schema is current; `None` when a migration must run. A redb
/// file without flowdeck's tables (another program's database) is refused here, before
/// anything is written into it.
fn current(db: &Database, path: &Path) -> Result<Option<String>> {
    use redb::{ReadableDatabase, TableError, TableHandle};
    let tx = db.begin_read().ctx("starting the schema check")?;
    let meta = match tx.open_table(META) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => {
            // Empty (new), or a first-schema flowdeck file (which had no meta table).
            let names: Vec<String> = tx
                .list_tables()
                .ctx("listing tables")?
                .map(|t| t.name().to_string())
                .collect();
            let ours = names.is_empty() || names.iter().any(|n| n == "flows" || n == "functions");
            return if ours {
                Ok(None)
            } else {
                Err(Error::NotFlowdeck {
                    path: path.to_path_buf(),
                })
            };
        }
        Err(TableError::TableTypeMismatch { .. }) => {
            return Err(Error::NotFlowdeck {
                path: path.to_path_buf(),
            })
        }
        Err(e) => return Err(e).ctx("opening the meta table"),
    };
    let found = meta
        .get(SCHEMA_KEY)
        .ctx("reading the schema version")?
        .map(|v| v.value());
    match found {
        Some(v) if v > SCHEMA_VERSION => Err(Error::SchemaTooNew {
            path: path.to_path_buf(),
            found: v,
            known: SCHEMA_VERSION,
        }),
        Some(v) if v == SCHEMA_VERSION => {
            let text = match tx.open_table(META_TEXT) {
                Ok(t) => t,
                Err(TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(e) => return Err(e).ctx("opening the meta table"),
            };
            let id = text
                .get(DATABASE_ID_KEY)
                .ctx("reading the database id")?
                .map(|v| v.value().to_string());
            Ok(id)
        }
        _ => Ok(None),
    }
}

/// The database id, made (random, 32 hex digits) when missing.
fn database_id(tx: &WriteTransaction) -> Result<String> {
    let mut text = tx.open_table(META_TEXT).ctx("opening the meta table")?;
    if let Some(id) = text.get(DATABASE_ID_KEY).ctx("reading the database id")? {
        return Ok(id.value().to_string());
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    text.insert(DATABASE_ID_KEY, id.as_str())
        .ctx("writing the database id")?;
    Ok(id)
}

fn is_empty(tx: &WriteTransaction) -> Result<bool> {
    let flows = tx.open_table(FLOWS).ctx("opening flows")?;
    flows.is_empty().ctx("reading flows")
}

/// Opening each table once creates it, so readers never meet a missing table.
fn create_tables(tx: &WriteTransaction) -> Result<()> {
    tx.open_table(FUNCTIONS).ctx("creating tables")?;
    tx.open_table(FUNCTION_NAMES).ctx("creating tables")?;
    tx.open_table(FLOWS).ctx("creating tables")?;
    tx.open_table(FLOW_NAMES).ctx("creating tables")?;
    tx.open_table(TASKS).ctx("creating tables")?;
    tx.open_table(EDGES).ctx("creating tables")?;
    tx.open_table(REVISIONS).ctx("creating tables")?;
    tx.open_table(DEPLOYS).ctx("creating tables")?;
    tx.open_table(META_TEXT).ctx("creating tables")?;
    tx.open_table(CHANGES).ctx("creating tables")?;
    tx.open_table(LATEST).ctx("creating tables")?;
    tx.open_table(DRAFTS).ctx("creating tables")?;
    tx.open_table(DEPLOY_HISTORY).ctx("creating tables")?;
    Ok(())
}

/// 1 → 2: number each flow's tasks in creation order.
fn add_task_positions(tx: &WriteTransaction) -> Result<()> {
    let mut table = tx.open_table(TASKS).ctx("opening tasks")?;
    let mut tasks: Vec<(String, Task)> = Vec::new();
    for row in table.iter().ctx("reading tasks")? {
        let (k, v) = row.ctx("reading tasks")?;
        tasks.push((k.value().to_string(), decode("task", v.value())?));
    }
    tasks.sort_by(|(_, a), (_, b)| {
        (&a.flow_id, a.created_at, &a.id).cmp(&(&b.flow_id, b.created_at, &b.id))
    });
    let mut position = 0;
    let mut current_flow = String::new();
    for (key, mut task) in tasks {
        if task.flow_id != current_flow {
            current_flow = task.flow_id.clone();
            position = 0;
        }
        task.position = position;
        position += 1;
        table
            .insert(key.as_str(), encode(&task)?.as_slice())
            .ctx("writing tasks")?;
    }
    Ok(())
}
