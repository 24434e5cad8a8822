//! The embedded database (redb 4.6, shared by every flowdeck process on a host):
//! functions, flows with their tasks and edges, every saved revision of a flow, each
//! flow's deploy record, the change log other processes follow, and unsaved drafts.
//!
//! One write transaction per user action, so a crash leaves either the old or the new
//! state, never a mix. Every write transaction appends to the change log and bumps the
//! generation counter in the same commit, so another process learns of it by reading one
//! key (see `changes.rs`). Writers wait for each other (a bounded wait, see
//! [`WRITE_WAIT`]) instead of failing.

mod changes;
pub mod conflict;
mod drafts;
mod error;
mod flows;
mod functions;
mod migrate;
mod open;
mod tables;

pub use changes::{Change, Changed, ChangesSince};
pub use conflict::{Base, Conflict};
pub use drafts::{Draft, DraftOptions};
pub use error::{Error, Result};
pub use flows::{DeployEvent, Revision, SaveOutcome};
pub use migrate::SCHEMA_VERSION;
pub use open::backup_path;

use crate::model::Actor;
use error::Context;
use redb::{Database, ReadableDatabase, TransactionError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Longest a write waits for another process's write transaction before giving up with
/// [`Error::Busy`]. Transactions are milliseconds long (REDB-MULTIPROCESS.md: p95 ≤ 8 ms
/// with 4 processes writing flat out); only a stopped process holds one this long.
pub const WRITE_WAIT: Duration = Duration::from_secs(15);

pub struct Store {
    db: Handle,
    path: PathBuf,
    /// Who this process writes as (OS user and host).
    actor: Actor,
    /// Random id made when the database was created; written into every file this
    /// database's flowdeck writes, so reconcile can tell its files from another's.
    database_id: String,
}

impl Store {
    /// Opens (creating if needed) the database at `path` for sharing with other
    /// processes, upgrading a file of an older flowdeck and migrating older schemas.
    ///
    /// Errors: one line for each way it can fail — not a flowdeck database, damaged,
    /// written by a newer flowdeck, no permission, no file locks on the filesystem.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_as(path, current_actor())
    }

    /// [`Store::open`] writing as `actor` (tests and benchmarks simulate operators).
    pub fn open_as(path: &Path, actor: Actor) -> Result<Store> {
        let db = open::open_database(path)?;
        let database_id = migrate::migrate(&db, path)?;
        Ok(Store {
            db: Handle::Writable(db),
            path: path.to_path_buf(),
            actor,
            database_id,
        })
    }

    /// Opens the database for reading only: what a command that only reads uses. A
    /// read-only open writes nothing to the file (a writable one updates redb's header
    /// and syncs it several times), so it is cheaper and cannot change the database. A
    /// file that does not exist yet, or needs an upgrade or a migration, is opened
    /// writable instead (once).
    pub fn open_read_only(path: &Path) -> Result<Store> {
        // Missing, or empty (created by an administrator with the team's permissions,
        // `install -m 660 /dev/null …`): made a database by the writable open.
        if std::fs::metadata(path).map_or(true, |m| m.is_file() && m.len() == 0) {
            return Store::open(path);
        }
        match open::open_read_only(path)? {
            Some(db) => {
                let tx = db.begin_read().ctx("starting the schema check")?;
                let id = migrate::current(&tx, path)?;
                drop(tx);
                match id {
                    Some(database_id) => Ok(Store {
                        db: Handle::ReadOnly(db),
                        path: path.to_path_buf(),
                        actor: current_actor(),
                        database_id,
                    }),
                    None => Store::open(path),
                }
            }
            None => Store::open(path),
        }
    }

    /// True when this handle cannot write (see [`Store::open_read_only`]).
    pub fn is_read_only(&self) -> bool {
        matches!(self.db, Handle::ReadOnly(_))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Who this process writes as.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The database's random id (32 hex digits), fixed at creation.
    pub fn database_id(&self) -> &str {
        &self.database_id
    }

    pub(crate) fn read(&self) -> Result<redb::ReadTransaction> {
        match &self.db {
            Handle::Writable(db) => db.begin_read(),
            Handle::ReadOnly(db) => db.begin_read(),
        }
        .ctx("starting a read")
    }

    fn writable(&self) -> Result<&Database> {
        match &self.db {
            Handle::Writable(db) => Ok(db),
            Handle::ReadOnly(_) => Err(read_only_handle()),
        }
    }

    /// A write transaction, waiting (polling, up to [`WRITE_WAIT`]) while another one —
    /// of this process or another — is in progress. Polling instead of redb's blocking
    /// `begin_write` so that a stopped process cannot hang every other flowdeck.
    pub(crate) fn write(&self) -> Result<redb::WriteTransaction> {
        let db = self.writable()?;
        let started = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            match db.try_begin_write() {
                Ok(tx) => return Ok(tx),
                Err(TransactionError::WouldBlock) if started.elapsed() < WRITE_WAIT => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Err(TransactionError::WouldBlock) => {
                    return Err(Error::Busy {
                        waited: started.elapsed(),
                    })
                }
                Err(e) => return Err(e).ctx("starting a write"),
            }
        }
    }

    /// Gives unused pages back to the filesystem. `Ok(false)` when nothing could be
    /// compacted. Refused (one line) while another process holds a transaction.
    pub fn compact(&mut self) -> Result<bool> {
        let Handle::Writable(db) = &mut self.db else {
            return Err(read_only_handle());
        };
        db.compact().map_err(|e| Error::Database {
            action: "compacting (another flowdeck may be busy with it; try again when it is idle)",
            reason: e.to_string(),
        })
    }

    /// Runs redb's full integrity check (every page and checksum). Needs this handle to be
    /// the only user of the `Store` in this process; other processes may keep writing.
    pub fn check_integrity(&mut self) -> Result<bool> {
        match &mut self.db {
            Handle::Writable(db) => db.check_integrity().ctx("checking integrity"),
            Handle::ReadOnly(_) => Err(read_only_handle()),
        }
    }
}

/// A write asked of a handle opened for reading: a wiring mistake, said as one.
fn read_only_handle() -> Error {
    Error::Database {
        action: "writing",
        reason: "internal error: this command opened the database read-only".into(),
    }
}

/// A writable handle, or a read-only one for commands that only read.
enum Handle {
    Writable(Database),
    ReadOnly(redb::ReadOnlyDatabase),
}

/// The OS account and host name this process runs as. `FLOWDECK_USER` overrides the
/// account name (a shared service account whose operators want their own names).
pub fn current_actor() -> Actor {
    let user = std::env::var("FLOWDECK_USER")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .or_else(|| whoami::username().ok())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_default();
    let host = whoami::hostname().unwrap_or_default();
    Actor::new(user, host)
}

#[cfg(test)]
mod tests;
