//! The database watcher: a thread that notices what any flowdeck process committed to
//! the shared database and sends it to the UI, already read.
//!
//! Every [`INTERVAL`] it reads the generation counter (one key in one read transaction,
//! ~50 µs: REDB-MULTIPROCESS.md); only when it moved does it read the change log since
//! the last generation seen and the records those changes name. Other processes' drafts
//! are read every [`DRAFTS_EVERY`] ticks (a small table) and sent when they differ.

use crate::state::team::DraftElsewhere;
use crate::state::{Event, StoreUpdate};
use crate::store::{Changed, ChangesSince, Store};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// How often the generation is read: a commit shows in other TUIs within this plus a
/// frame (target ≤ 1 s).
pub const INTERVAL: Duration = Duration::from_millis(200);
/// Drafts are read every this many ticks (1 s).
pub const DRAFTS_EVERY: u32 = 5;

pub const THREAD_NAME: &str = "flowdeck-store-watch";

/// Starts watching from generation `seen` (read before the UI loaded its data, so no
/// change between the load and the first tick is missed; applying one twice is harmless).
pub fn spawn(store: Arc<Store>, seen: u64, events: UnboundedSender<Event>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name(THREAD_NAME.into())
        .spawn(move || watch(&store, seen, &events))?;
    Ok(())
}

fn watch(store: &Store, mut seen: u64, events: &UnboundedSender<Event>) {
    let mut tick = 0u32;
    let mut drafts_sent: Option<HashMap<String, Vec<DraftElsewhere>>> = None;
    loop {
        std::thread::sleep(INTERVAL);
        if events.is_closed() {
            return;
        }
        tick = tick.wrapping_add(1);
        if tick.is_multiple_of(DRAFTS_EVERY) {
            if let Ok(drafts) = other_drafts(store) {
                if drafts_sent.as_ref() != Some(&drafts) {
                    drafts_sent = Some(drafts.clone());
                    if events.send(Event::Drafts(drafts)).is_err() {
                        return;
                    }
                }
            }
        }
        match store.generation() {
            Ok(g) if g == seen => continue,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!("reading the database generation: {e}");
                continue;
            }
        }
        match read_update(store, seen) {
            Ok((update, generation)) => {
                seen = generation;
                if events.send(Event::Store(Box::new(update))).is_err() {
                    return;
                }
            }
            Err(e) => tracing::warn!("reading changes from the database: {e}"),
        }
    }
}

/// What changed after `seen`, and the generation it brings the reader to.
pub fn read_update(store: &Store, seen: u64) -> crate::store::Result<(StoreUpdate, u64)> {
    let changes = match store.changes_since(seen)? {
        ChangesSince::Changes(c) => c,
        ChangesSince::Reload { generation } => {
            let library = super::worker::load_library(store)?;
            let flows = super::worker::load_flows(store)?;
            let update = StoreUpdate {
                reload: Some((library, flows)),
                ..StoreUpdate::default()
            };
            return Ok((update, generation));
        }
    };
    let generation = changes.last().map_or(seen, |c| c.seq);
    let mut flow_ids = BTreeSet::new();
    let (mut tasks_changed, mut functions_changed) = (false, false);
    for c in &changes {
        match &c.what {
            Changed::FlowSaved { id, .. } | Changed::FlowDeleted { id, .. } => {
                flow_ids.insert(id.clone());
                tasks_changed = true;
            }
            Changed::Deploy { flow_id, .. } => {
                flow_ids.insert(flow_id.clone());
            }
            Changed::FunctionSaved { .. } | Changed::FunctionDeleted { .. } => {
                functions_changed = true;
            }
        }
    }
    let mut flows = Vec::with_capacity(flow_ids.len());
    for id in flow_ids {
        let row = store.flow_row(&id)?;
        let deploy = if row.is_some() {
            store.deploys_of(&id)?
        } else {
            Vec::new()
        };
        flows.push((id, row, deploy));
    }
    Ok((
        StoreUpdate {
            flows,
            usage: if tasks_changed || functions_changed {
                Some(store.function_usage()?)
            } else {
                None
            },
            functions: if functions_changed {
                Some(store.functions()?)
            } else {
                None
            },
            changes,
            reload: None,
        },
        generation,
    ))
}

fn other_drafts(store: &Store) -> crate::store::Result<HashMap<String, Vec<DraftElsewhere>>> {
    let me = std::process::id();
    let mut out: HashMap<String, Vec<DraftElsewhere>> = HashMap::new();
    for d in store.all_drafts()? {
        if d.pid == me && &d.by == store.actor() {
            continue;
        }
        out.entry(d.flow_id.clone())
            .or_default()
            .push(DraftElsewhere {
                flow_id: d.flow_id,
                by: d.by,
                saved_at: d.saved_at,
                changes: d.changes,
            });
    }
    for v in out.values_mut() {
        v.sort_by_key(|d| std::cmp::Reverse(d.saved_at));
    }
    Ok(out)
}
