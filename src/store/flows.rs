//! Flows with their tasks and edges, saved together; revisions; deploy records.

use super::changes::Changed;
use super::conflict::{Base, Conflict};
use super::error::{Context, Error, Result};
use super::tables::*;
use super::Store;
use crate::model::deploy::DeployState;
use crate::model::deploy::{environment_of, DeployRecord};
use crate::model::document::{render_document, to_document_named, FlowDocument};
use crate::model::{validate, Actor, Edge, Flow, FlowSpec, Function, Task};
use chrono::{DateTime, Utc};
use redb::{ReadableTable, ReadableTableMetadata, Table};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One saved version of a flow. The flow itself is kept (cheap to write on every save);
/// its flow document is made when a revision is read, with the names its functions had
/// when it was saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    pub flow_id: String,
    pub version: u32,
    pub saved_at: DateTime<Utc>,
    pub spec: FlowSpec,
    /// Function id → name, for the functions this version's tasks call.
    pub function_names: std::collections::BTreeMap<String, String>,
    /// Who saved it (unknown for versions saved before flowdeck recorded it).
    #[serde(default)]
    pub saved_by: Actor,
}

/// A deploy of one version of a flow that reached an end (ready or import error).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployEvent {
    pub version: u32,
    pub state: DeployState,
    pub at: DateTime<Utc>,
    pub by: Actor,
    /// The environment whose Airflow it was (empty: the implicit one; see
    /// [`crate::model::deploy::environment_of`]).
    #[serde(default)]
    pub environment: String,
    /// With a Git deploy target: the commit holding the deployed render.
    #[serde(default)]
    pub commit: Option<String>,
}

impl Revision {
    /// The flow document of this version (what `flow export` wrote then).
    pub fn document(&self) -> FlowDocument {
        to_document_named(&self.spec, |id| {
            self.function_names.get(id).map(String::as_str)
        })
    }

    /// The document as TOML text.
    pub fn text(&self) -> String {
        render_document(&self.document())
    }
}

/// The shape of [`Revision`], borrowed, for writing.
#[derive(Serialize)]
struct RevisionOut<'a> {
    flow_id: &'a str,
    version: u32,
    saved_at: DateTime<Utc>,
    spec: &'a FlowSpec,
    function_names: std::collections::BTreeMap<&'a str, &'a str>,
    saved_by: &'a Actor,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SaveOutcome {
    /// The flow as stored (timestamps and version set).
    pub spec: FlowSpec,
    /// False when the save changed nothing (and so bumped nothing).
    pub changed: bool,
    pub created: bool,
}

impl Store {
    /// Validates and saves a whole flow in one transaction: flow row, tasks, edges, the
    /// revision, the change log. The version goes up by one only when the content really
    /// changed.
    ///
    /// `base` is what the caller started from: a save over a version saved meanwhile by
    /// someone else (or over a flow deleted meanwhile, or a "new" flow whose id exists
    /// now) is refused with [`Error::Conflict`] naming who and when.
    pub fn save_flow(&self, spec: &FlowSpec, base: Base) -> Result<SaveOutcome> {
        let now = Utc::now();
        let tx = self.write()?;
        let outcome = {
            let functions = read_functions(&tx.open_table(FUNCTIONS).ctx("opening functions")?)?;
            validate(spec, &functions).map_err(Error::Invalid)?;
            let mut flows = tx.open_table(FLOWS).ctx("opening flows")?;
            let mut names = tx.open_table(FLOW_NAMES).ctx("opening flow names")?;
            let mut tasks = tx.open_table(TASKS).ctx("opening tasks")?;
            let mut edges = tx.open_table(EDGES).ctx("opening edges")?;
            if let Some(owner) = names
                .get(spec.flow.name.as_str())
                .ctx("reading flow names")?
            {
                if owner.value() != spec.flow.id {
                    return Err(Error::NameTaken {
                        kind: "flow",
                        name: spec.flow.name.clone(),
                    });
                }
            }
            let old = load_spec(&flows, &tasks, &edges, &spec.flow.id)?;
            self.check_base(&tx, spec, old.as_ref().map(|o| &o.flow), base)?;
            let mut new = spec.clone();
            let created = old.is_none();
            let changed = match &old {
                None => true,
                Some(old) => old.content_differs(&new),
            };
            if !changed {
                return Ok(SaveOutcome {
                    spec: old.unwrap_or(new),
                    changed: false,
                    created: false,
                });
            }
            stamp(&mut new, old.as_ref(), now);
            if let Some(old) = &old {
                if old.flow.name != new.flow.name {
                    names
                        .remove(old.flow.name.as_str())
                        .ctx("renaming a flow")?;
                }
            }
            flows
                .insert(new.flow.id.as_str(), encode(&new.flow)?.as_slice())
                .ctx("writing a flow")?;
            names
                .insert(new.flow.name.as_str(), new.flow.id.as_str())
                .ctx("writing flow names")?;
            // Only records that changed are written: a one-option edit of a 1,000-task
            // flow rewrites one task, not all of them.
            let old_tasks: HashMap<&str, &Task> = old
                .iter()
                .flat_map(|o| o.tasks.iter().map(|t| (t.id.as_str(), t)))
                .collect();
            let old_edges: HashMap<&str, &Edge> = old
                .iter()
                .flat_map(|o| o.edges.iter().map(|e| (e.id.as_str(), e)))
                .collect();
            for t in &new.tasks {
                if old_tasks.get(t.id.as_str()) != Some(&t) {
                    tasks
                        .insert(child_key(&t.flow_id, &t.id).as_str(), encode(t)?.as_slice())
                        .ctx("writing tasks")?;
                }
            }
            for e in &new.edges {
                if old_edges.get(e.id.as_str()) != Some(&e) {
                    edges
                        .insert(child_key(&e.flow_id, &e.id).as_str(), encode(e)?.as_slice())
                        .ctx("writing edges")?;
                }
            }
            let kept_tasks: std::collections::HashSet<&str> =
                new.tasks.iter().map(|t| t.id.as_str()).collect();
            let kept_edges: std::collections::HashSet<&str> =
                new.edges.iter().map(|e| e.id.as_str()).collect();
            for id in old_tasks.keys().filter(|id| !kept_tasks.contains(*id)) {
                tasks
                    .remove(child_key(&new.flow.id, id).as_str())
                    .ctx("removing tasks")?;
            }
            for id in old_edges.keys().filter(|id| !kept_edges.contains(*id)) {
                edges
                    .remove(child_key(&new.flow.id, id).as_str())
                    .ctx("removing edges")?;
            }
            let names: HashMap<&str, &str> = functions
                .iter()
                .map(|f| (f.id.as_str(), f.name.as_str()))
                .collect();
            // Serialized from borrows: cloning a 1,000-task flow just to encode it costs
            // more than the encoding.
            let revision = RevisionOut {
                flow_id: &new.flow.id,
                version: new.flow.version,
                saved_at: now,
                spec: &new,
                function_names: new
                    .tasks
                    .iter()
                    .filter_map(|t| t.function_id.as_deref())
                    .filter_map(|id| names.get(id).map(|name| (id, *name)))
                    .collect(),
                saved_by: &self.actor,
            };
            tx.open_table(REVISIONS)
                .ctx("opening revisions")?
                .insert(
                    revision_key(revision.flow_id, revision.version).as_str(),
                    encode(&revision)?.as_slice(),
                )
                .ctx("writing a revision")?;
            self.log(
                &tx,
                vec![Changed::FlowSaved {
                    id: new.flow.id.clone(),
                    name: new.flow.name.clone(),
                    version: new.flow.version,
                }],
            )?;
            SaveOutcome {
                spec: new,
                changed: true,
                created,
            }
        };
        tx.commit().ctx("saving a flow")?;
        Ok(outcome)
    }

    pub fn flow(&self, id: &str) -> Result<Option<FlowSpec>> {
        let tx = self.read()?;
        let flows = tx.open_table(FLOWS).ctx("opening flows")?;
        let tasks = tx.open_table(TASKS).ctx("opening tasks")?;
        let edges = tx.open_table(EDGES).ctx("opening edges")?;
        load_spec(&flows, &tasks, &edges, id)
    }

    pub fn flow_by_name(&self, name: &str) -> Result<Option<FlowSpec>> {
        let id = {
            let tx = self.read()?;
            let names = tx.open_table(FLOW_NAMES).ctx("opening flow names")?;
            match names.get(name).ctx("reading flow names")? {
                Some(id) => id.value().to_string(),
                None => return Ok(None),
            }
        };
        self.flow(&id)
    }

    /// A flow by name, or its id (`dag_…`), as the CLI accepts either.
    pub fn find_flow(&self, name_or_id: &str) -> Result<FlowSpec> {
        if let Some(spec) = self.flow_by_name(name_or_id)? {
            return Ok(spec);
        }
        if name_or_id.starts_with("dag_") {
            if let Some(spec) = self.flow(name_or_id)? {
                return Ok(spec);
            }
        }
        Err(Error::NotFound {
            kind: "flow",
            name: name_or_id.to_string(),
        })
    }

    /// One flow row (no tasks or edges): what a list row needs.
    pub fn flow_row(&self, id: &str) -> Result<Option<Flow>> {
        let tx = self.read()?;
        let flows = tx.open_table(FLOWS).ctx("opening flows")?;
        let row = flows.get(id).ctx("reading flows")?;
        row.map(|v| decode("flow", v.value())).transpose()
    }

    /// Flow rows only (no tasks), sorted by name: what a list needs.
    pub fn flows(&self) -> Result<Vec<Flow>> {
        let tx = self.read()?;
        let table = tx.open_table(FLOWS).ctx("opening flows")?;
        let mut out = Vec::with_capacity(table.len().ctx("counting flows")? as usize);
        for row in table.iter().ctx("reading flows")? {
            let (_, v) = row.ctx("reading flows")?;
            out.push(decode::<Flow>("flow", v.value())?);
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Every flow with its tasks and edges (for reconcile and the poller).
    pub fn flow_specs(&self) -> Result<Vec<FlowSpec>> {
        let tx = self.read()?;
        let flows = tx.open_table(FLOWS).ctx("opening flows")?;
        let tasks = tx.open_table(TASKS).ctx("opening tasks")?;
        let edges = tx.open_table(EDGES).ctx("opening edges")?;
        let mut out = Vec::new();
        for row in flows.iter().ctx("reading flows")? {
            let (k, _) = row.ctx("reading flows")?;
            if let Some(spec) = load_spec(&flows, &tasks, &edges, k.value())? {
                out.push(spec);
            }
        }
        out.sort_by(|a, b| a.flow.name.cmp(&b.flow.name));
        Ok(out)
    }

    /// Removes a flow with its tasks, edges, revisions and deploy record. With
    /// `Base::Version(v)`, refused with [`Error::Conflict`] when someone saved a newer
    /// version meanwhile (the operator confirmed deleting what they saw).
    pub fn delete_flow(&self, id: &str, base: Base) -> Result<Flow> {
        let tx = self.write()?;
        let flow = {
            let mut flows = tx.open_table(FLOWS).ctx("opening flows")?;
            let current: Option<Flow> = match flows.get(id).ctx("reading flows")? {
                Some(v) => Some(decode("flow", v.value())?),
                None => None,
            };
            let Some(current) = current else {
                if let Base::Version(v) = base {
                    return Err(deleted_meanwhile(&tx, id, id, v)?);
                }
                return Err(Error::NotFound {
                    kind: "flow",
                    name: id.to_string(),
                });
            };
            if let Base::Version(v) = base {
                if current.version != v {
                    return Err(self.newer_version(&tx, &current, Some(v))?);
                }
            }
            flows.remove(id).ctx("removing a flow")?;
            let flow = current;
            tx.open_table(FLOW_NAMES)
                .ctx("opening flow names")?
                .remove(flow.name.as_str())
                .ctx("removing a flow name")?;
            remove_children(&mut tx.open_table(TASKS).ctx("opening tasks")?, id)?;
            remove_children(&mut tx.open_table(EDGES).ctx("opening edges")?, id)?;
            remove_children(&mut tx.open_table(REVISIONS).ctx("opening revisions")?, id)?;
            {
                let mut deploys = tx.open_table(DEPLOYS).ctx("opening deploys")?;
                deploys.remove(id).ctx("removing a deploy record")?;
                // Records of named environments: `id@env` (`@` sorts before `A`).
                let (lo, hi) = (format!("{id}@"), format!("{id}A"));
                deploys
                    .retain_in(lo.as_str()..hi.as_str(), |_, _| false)
                    .ctx("removing deploy records")?;
            }
            remove_children(
                &mut tx
                    .open_table(DEPLOY_HISTORY)
                    .ctx("opening deploy history")?,
                id,
            )?;
            self.log(
                &tx,
                vec![Changed::FlowDeleted {
                    id: flow.id.clone(),
                    name: flow.name.clone(),
                }],
            )?;
            flow
        };
        tx.commit().ctx("removing a flow")?;
        Ok(flow)
    }

    /// Saved versions of a flow, newest first.
    pub fn revisions(&self, flow_id: &str) -> Result<Vec<Revision>> {
        let tx = self.read()?;
        let table = tx.open_table(REVISIONS).ctx("opening revisions")?;
        let (lo, hi) = child_range(flow_id);
        let mut out = Vec::new();
        for row in table
            .range(lo.as_str()..hi.as_str())
            .ctx("reading revisions")?
        {
            let (_, v) = row.ctx("reading revisions")?;
            out.push(decode::<Revision>("revision", v.value())?);
        }
        out.reverse();
        Ok(out)
    }

    pub fn revision(&self, flow_id: &str, version: u32) -> Result<Option<Revision>> {
        let tx = self.read()?;
        let table = tx.open_table(REVISIONS).ctx("opening revisions")?;
        let row = table
            .get(revision_key(flow_id, version).as_str())
            .ctx("reading revisions")?;
        row.map(|v| decode("revision", v.value())).transpose()
    }

    /// Stores a flow's deploy record (stamped with this process's actor), logs the
    /// change, and keeps the end of each deploy (ready / import error) in the history.
    pub fn set_deploy(&self, record: &DeployRecord) -> Result<()> {
        let mut record = record.clone();
        record.by = Some(self.actor.clone());
        let tx = self.write()?;
        {
            let mut deploys = tx.open_table(DEPLOYS).ctx("opening deploys")?;
            // Progress a deploy repeats (the same state again) is not news to others.
            let key = deploy_key(&record.flow_id, &record.environment);
            let previous: Option<DeployRecord> = deploys
                .get(key.as_str())
                .ctx("reading deploys")?
                .map(|v| decode("deploy record", v.value()))
                .transpose()?;
            let news = previous
                .as_ref()
                .is_none_or(|p| (p.state, p.version) != (record.state, record.version));
            deploys
                .insert(key.as_str(), encode(&record)?.as_slice())
                .ctx("writing a deploy record")?;
            if news && matches!(record.state, DeployState::Ready | DeployState::ImportError) {
                let event = DeployEvent {
                    version: record.version,
                    state: record.state,
                    at: Utc::now(),
                    by: self.actor.clone(),
                    environment: record.environment.clone(),
                    commit: record.commit.clone(),
                };
                tx.open_table(DEPLOY_HISTORY)
                    .ctx("opening deploy history")?
                    .insert(
                        deploy_history_key(&record.flow_id, record.version, &record.environment)
                            .as_str(),
                        encode(&event)?.as_slice(),
                    )
                    .ctx("writing deploy history")?;
            }
            if news {
                self.log(
                    &tx,
                    vec![Changed::Deploy {
                        flow_id: record.flow_id.clone(),
                        version: record.version,
                        state: record.state,
                        environment: record.environment.clone(),
                    }],
                )?;
            }
        }
        tx.commit().ctx("saving a deploy record")
    }

    /// How each deployed version of a flow ended, in every environment, oldest version
    /// first.
    pub fn deploy_history(&self, flow_id: &str) -> Result<Vec<DeployEvent>> {
        let tx = self.read()?;
        let table = tx
            .open_table(DEPLOY_HISTORY)
            .ctx("opening deploy history")?;
        let (lo, hi) = child_range(flow_id);
        let mut out = Vec::new();
        for row in table
            .range(lo.as_str()..hi.as_str())
            .ctx("reading deploy history")?
        {
            let (_, v) = row.ctx("reading deploy history")?;
            out.push(decode::<DeployEvent>("deploy event", v.value())?);
        }
        Ok(out)
    }

    /// Refuses a save whose base is not what is stored.
    fn check_base(
        &self,
        tx: &redb::WriteTransaction,
        spec: &FlowSpec,
        stored: Option<&Flow>,
        base: Base,
    ) -> Result<()> {
        match (base, stored) {
            (Base::Any, _) | (Base::New, None) => Ok(()),
            (Base::Version(v), Some(s)) if v == s.version => Ok(()),
            (Base::New | Base::Version(_), Some(current)) => {
                let base = match base {
                    Base::Version(v) => Some(v),
                    _ => None,
                };
                Err(self.newer_version(tx, current, base)?)
            }
            (Base::Version(v), None) => {
                Err(deleted_meanwhile(tx, &spec.flow.id, &spec.flow.name, v)?)
            }
        }
    }

    /// The conflict for a flow stored at a version other than `base`: who saved it (from
    /// that version's revision) and when.
    fn newer_version(
        &self,
        tx: &redb::WriteTransaction,
        current: &Flow,
        base: Option<u32>,
    ) -> Result<Error> {
        let revisions = tx.open_table(REVISIONS).ctx("opening revisions")?;
        let revision: Option<Revision> = revisions
            .get(revision_key(&current.id, current.version).as_str())
            .ctx("reading revisions")?
            .map(|v| decode("revision", v.value()))
            .transpose()?;
        Ok(Error::Conflict(Box::new(Conflict {
            kind: "flow",
            id: current.id.clone(),
            name: current.name.clone(),
            base,
            theirs: Some(current.version),
            by: revision
                .as_ref()
                .map(|r| r.saved_by.clone())
                .unwrap_or_default(),
            at: Some(revision.map_or(current.updated_at, |r| r.saved_at)),
        })))
    }

    /// A flow's deploy record in one environment (by name; the implicit environment's
    /// records include those written before environments existed).
    pub fn deploy_in(&self, flow_id: &str, environment: &str) -> Result<Option<DeployRecord>> {
        let tx = self.read()?;
        let table = tx.open_table(DEPLOYS).ctx("opening deploys")?;
        let row = table
            .get(deploy_key(flow_id, environment).as_str())
            .ctx("reading deploys")?;
        let record: Option<DeployRecord> = row
            .map(|v| decode("deploy record", v.value()))
            .transpose()?;
        Ok(record.map(|mut r| {
            r.environment = environment_of(environment).to_string();
            r
        }))
    }

    /// One flow's records in every environment.
    pub fn deploys_of(&self, flow_id: &str) -> Result<Vec<DeployRecord>> {
        let tx = self.read()?;
        let table = tx.open_table(DEPLOYS).ctx("opening deploys")?;
        let mut out = Vec::new();
        let implicit = table.get(flow_id).ctx("reading deploys")?;
        let (lo, hi) = (format!("{flow_id}@"), format!("{flow_id}A"));
        let named = table
            .range(lo.as_str()..hi.as_str())
            .ctx("reading deploys")?;
        for row in implicit
            .map(|v| Ok((flow_id.to_string(), v)))
            .into_iter()
            .chain(named.map(|r| r.map(|(k, v)| (k.value().to_string(), v))))
        {
            let (key, v) = row.ctx("reading deploys")?;
            let mut record: DeployRecord = decode("deploy record", v.value())?;
            record.environment = split_deploy_key(&key).1.to_string();
            out.push(record);
        }
        Ok(out)
    }

    /// Every flow's record in one environment, by flow id.
    pub fn deploys_in(&self, environment: &str) -> Result<HashMap<String, DeployRecord>> {
        let env = environment_of(environment);
        Ok(self
            .all_deploys()?
            .into_iter()
            .filter_map(|(flow, records)| {
                records
                    .into_iter()
                    .find(|r| r.environment == env)
                    .map(|r| (flow, r))
            })
            .collect())
    }

    /// Every record of every environment, by flow id (each record's `environment`
    /// filled in, the implicit environment's for old records).
    pub fn all_deploys(&self) -> Result<HashMap<String, Vec<DeployRecord>>> {
        let tx = self.read()?;
        let table = tx.open_table(DEPLOYS).ctx("opening deploys")?;
        let mut out: HashMap<String, Vec<DeployRecord>> = HashMap::new();
        for row in table.iter().ctx("reading deploys")? {
            let (k, v) = row.ctx("reading deploys")?;
            let (flow, env) = split_deploy_key(k.value());
            let mut record: DeployRecord = decode("deploy record", v.value())?;
            record.environment = env.to_string();
            out.entry(flow.to_string()).or_default().push(record);
        }
        Ok(out)
    }
}

/// The conflict for a flow deleted after the caller loaded version `base`: who deleted
/// it and when, from the change log (`name` when the log has no name for it).
fn deleted_meanwhile(
    tx: &redb::WriteTransaction,
    id: &str,
    name: &str,
    base: u32,
) -> Result<Error> {
    let latest = tx.open_table(LATEST).ctx("opening the change log")?;
    let change = Store::latest_in(&latest, &format!("flow/{id}"))?;
    let name = match &change {
        Some(super::Change {
            what: Changed::FlowDeleted { name, .. },
            ..
        }) => name.clone(),
        _ => name.to_string(),
    };
    Ok(Error::Conflict(Box::new(Conflict {
        kind: "flow",
        id: id.to_string(),
        name,
        base: Some(base),
        theirs: None,
        by: change.as_ref().map(|c| c.by.clone()).unwrap_or_default(),
        at: change.map(|c| c.at),
    })))
}

fn read_functions(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<Vec<Function>> {
    let mut out = Vec::new();
    for row in table.iter().ctx("reading functions")? {
        let (_, v) = row.ctx("reading functions")?;
        out.push(decode("function", v.value())?);
    }
    Ok(out)
}

fn load_spec(
    flows: &impl ReadableTable<&'static str, &'static [u8]>,
    tasks: &impl ReadableTable<&'static str, &'static [u8]>,
    edges: &impl ReadableTable<&'static str, &'static [u8]>,
    id: &str,
) -> Result<Option<FlowSpec>> {
    let Some(row) = flows.get(id).ctx("reading flows")? else {
        return Ok(None);
    };
    let flow: Flow = decode("flow", row.value())?;
    let (lo, hi) = child_range(id);
    let mut task_list: Vec<Task> = Vec::new();
    for row in tasks.range(lo.as_str()..hi.as_str()).ctx("reading tasks")? {
        let (_, v) = row.ctx("reading tasks")?;
        task_list.push(decode("task", v.value())?);
    }
    task_list.sort_by_key(|t| t.position);
    let mut edge_list: Vec<Edge> = Vec::new();
    for row in edges.range(lo.as_str()..hi.as_str()).ctx("reading edges")? {
        let (_, v) = row.ctx("reading edges")?;
        edge_list.push(decode("edge", v.value())?);
    }
    // Edges in task order, so a loaded flow compares equal to the one that was saved.
    let pos: HashMap<&str, u32> = task_list
        .iter()
        .map(|t| (t.id.as_str(), t.position))
        .collect();
    // Cached keys: a plain sort_by_key would look positions up (and clone the id) on every
    // comparison.
    edge_list.sort_by_cached_key(|e| {
        (
            pos.get(e.from_task_id.as_str()).copied(),
            pos.get(e.to_task_id.as_str()).copied(),
            e.id.clone(),
        )
    });
    Ok(Some(FlowSpec {
        flow,
        tasks: task_list,
        edges: edge_list,
    }))
}

/// Sets versions and timestamps: created_at kept from the saved record, updated_at now
/// for what changed, positions renumbered in list order.
fn stamp(new: &mut FlowSpec, old: Option<&FlowSpec>, now: DateTime<Utc>) {
    match old {
        Some(old) => {
            new.flow.created_at = old.flow.created_at;
            new.flow.version = old.flow.version + 1;
        }
        None => {
            new.flow.created_at = now;
            new.flow.version = 1;
        }
    }
    new.flow.updated_at = now;
    let old_tasks: HashMap<&str, &Task> = old
        .map(|o| o.tasks.iter().map(|t| (t.id.as_str(), t)).collect())
        .unwrap_or_default();
    for (i, task) in new.tasks.iter_mut().enumerate() {
        task.position = i as u32;
        task.flow_id = new.flow.id.clone();
        match old_tasks.get(task.id.as_str()) {
            Some(o) => {
                task.created_at = o.created_at;
                let mut probe = task.clone();
                probe.updated_at = o.updated_at;
                task.updated_at = if &&probe == o { o.updated_at } else { now };
            }
            None => {
                task.created_at = now;
                task.updated_at = now;
            }
        }
    }
    for edge in &mut new.edges {
        edge.flow_id = new.flow.id.clone();
    }
    // Keep edges in the same order load_spec returns them.
    let pos: HashMap<String, u32> = new
        .tasks
        .iter()
        .map(|t| (t.id.clone(), t.position))
        .collect();
    new.edges.sort_by_cached_key(|e| {
        (
            pos.get(&e.from_task_id).copied(),
            pos.get(&e.to_task_id).copied(),
            e.id.clone(),
        )
    });
}

fn remove_children(table: &mut Table<&'static str, &'static [u8]>, parent: &str) -> Result<()> {
    let (lo, hi) = child_range(parent);
    let keys: Vec<String> = table
        .range(lo.as_str()..hi.as_str())
        .ctx("listing records")?
        .map(|row| row.map(|(k, _)| k.value().to_string()))
        .collect::<std::result::Result<_, _>>()
        .ctx("listing records")?;
    for k in keys {
        table.remove(k.as_str()).ctx("removing a record")?;
    }
    Ok(())
}
