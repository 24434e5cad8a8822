//! Function library records (the seed's FunctionLibrary table).

use super::changes::Changed;
use super::conflict::Conflict;
use super::error::{Context, Error, Result};
use super::tables::*;
use super::Store;
use crate::model::{Flow, Function, Task};
use redb::{ReadableTable, ReadableTableMetadata};
use std::collections::HashMap;

impl Store {
    /// Inserts or updates a function; names are unique. Sets `created_at` on insert and
    /// `updated_at` whenever the record changes.
    ///
    /// `expected` is the `updated_at` the caller's copy had (an edit dialog): when the
    /// stored record changed since, or was deleted, the save is refused with
    /// [`Error::Conflict`]. `None` saves regardless (registration, re-import).
    pub fn save_function(
        &self,
        function: &Function,
        expected: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Function> {
        let now = chrono::Utc::now();
        let tx = self.write()?;
        let saved = {
            let mut records = tx.open_table(FUNCTIONS).ctx("opening functions")?;
            let mut names = tx
                .open_table(FUNCTION_NAMES)
                .ctx("opening function names")?;
            if let Some(owner) = names
                .get(function.name.as_str())
                .ctx("reading function names")?
            {
                if owner.value() != function.id {
                    return Err(Error::NameTaken {
                        kind: "function",
                        name: function.name.clone(),
                    });
                }
            }
            let old: Option<Function> =
                match records.get(function.id.as_str()).ctx("reading functions")? {
                    Some(v) => Some(decode("function", v.value())?),
                    None => None,
                };
            if let Some(expected) = expected {
                if old.as_ref().map(|o| o.updated_at) != Some(expected) {
                    let latest = tx.open_table(LATEST).ctx("opening the change log")?;
                    let change = Store::latest_in(&latest, &format!("function/{}", function.id))?;
                    return Err(Error::Conflict(Box::new(Conflict {
                        kind: "function",
                        id: function.id.clone(),
                        name: old
                            .as_ref()
                            .map_or(function.name.clone(), |o| o.name.clone()),
                        base: Some(0),
                        theirs: old.as_ref().map(|_| 0),
                        by: change.as_ref().map(|c| c.by.clone()).unwrap_or_default(),
                        at: change.map(|c| c.at),
                    })));
                }
            }
            let mut record = function.clone();
            match &old {
                Some(old) => {
                    record.created_at = old.created_at;
                    let mut same = record.clone();
                    same.updated_at = old.updated_at;
                    record.updated_at = if &same == old { old.updated_at } else { now };
                    if old.name != record.name {
                        names.remove(old.name.as_str()).ctx("renaming a function")?;
                    }
                }
                None => {
                    record.created_at = now;
                    record.updated_at = now;
                }
            }
            records
                .insert(record.id.as_str(), encode(&record)?.as_slice())
                .ctx("writing a function")?;
            names
                .insert(record.name.as_str(), record.id.as_str())
                .ctx("writing function names")?;
            if old.as_ref() != Some(&record) {
                self.log(
                    &tx,
                    vec![Changed::FunctionSaved {
                        id: record.id.clone(),
                        name: record.name.clone(),
                    }],
                )?;
            }
            record
        };
        tx.commit().ctx("saving a function")?;
        Ok(saved)
    }

    pub fn functions(&self) -> Result<Vec<Function>> {
        let tx = self.read()?;
        let table = tx.open_table(FUNCTIONS).ctx("opening functions")?;
        let mut out = Vec::with_capacity(table.len().ctx("counting functions")? as usize);
        for row in table.iter().ctx("reading functions")? {
            let (_, v) = row.ctx("reading functions")?;
            out.push(decode("function", v.value())?);
        }
        out.sort_by(|a: &Function, b| a.name.cmp(&b.name));
        Ok(out)
    }

    pub fn function_by_name(&self, name: &str) -> Result<Option<Function>> {
        let tx = self.read()?;
        let names = tx
            .open_table(FUNCTION_NAMES)
            .ctx("opening function names")?;
        let Some(id) = names.get(name).ctx("reading function names")? else {
            return Ok(None);
        };
        let records = tx.open_table(FUNCTIONS).ctx("opening functions")?;
        let record = records.get(id.value()).ctx("reading functions")?;
        record.map(|v| decode("function", v.value())).transpose()
    }

    /// How many tasks use each function id (for the library list).
    pub fn function_usage(&self) -> Result<HashMap<String, usize>> {
        let tx = self.read()?;
        let tasks = tx.open_table(TASKS).ctx("opening tasks")?;
        let mut usage = HashMap::new();
        for row in tasks.iter().ctx("reading tasks")? {
            let (_, v) = row.ctx("reading tasks")?;
            let task: Task = decode("task", v.value())?;
            if let Some(f) = task.function_id {
                *usage.entry(f).or_insert(0) += 1;
            }
        }
        Ok(usage)
    }

    /// Deletes a function that no task uses; otherwise names the tasks that use it.
    pub fn delete_function(&self, name: &str) -> Result<Function> {
        let tx = self.write()?;
        let removed = {
            let mut names = tx
                .open_table(FUNCTION_NAMES)
                .ctx("opening function names")?;
            let id = match names.get(name).ctx("reading function names")? {
                Some(id) => id.value().to_string(),
                None => {
                    return Err(Error::NotFound {
                        kind: "function",
                        name: name.to_string(),
                    })
                }
            };
            let tasks = tx.open_table(TASKS).ctx("opening tasks")?;
            let flows = tx.open_table(FLOWS).ctx("opening flows")?;
            let mut users = Vec::new();
            for row in tasks.iter().ctx("reading tasks")? {
                let (_, v) = row.ctx("reading tasks")?;
                let task: Task = decode("task", v.value())?;
                if task.function_id.as_deref() == Some(id.as_str()) {
                    let flow_name = match flows.get(task.flow_id.as_str()).ctx("reading flows")? {
                        Some(f) => decode::<Flow>("flow", f.value())?.name,
                        None => task.flow_id.clone(),
                    };
                    users.push((flow_name, task.variable_id));
                }
            }
            if !users.is_empty() {
                return Err(Error::InUse {
                    function: name.to_string(),
                    users,
                });
            }
            let mut records = tx.open_table(FUNCTIONS).ctx("opening functions")?;
            let removed = records.remove(id.as_str()).ctx("removing a function")?;
            names.remove(name).ctx("removing a function name")?;
            let removed = match removed {
                Some(v) => decode::<Function>("function", v.value())?,
                None => {
                    return Err(Error::NotFound {
                        kind: "function",
                        name: name.to_string(),
                    })
                }
            };
            self.log(
                &tx,
                vec![Changed::FunctionDeleted {
                    id: removed.id.clone(),
                    name: removed.name.clone(),
                }],
            )?;
            removed
        };
        tx.commit().ctx("removing a function")?;
        Ok(removed)
    }
}
