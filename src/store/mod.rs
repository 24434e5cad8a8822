//! The embedded database (redb): functions, flows with their tasks and edges, every saved
//! revision of a flow, and each flow's deploy record. One write transaction per user
//! action, so a crash leaves either the old or the new state, never a mix.

mod error;
mod flows;
mod functions;
mod migrate;
mod tables;

pub use error::{Error, Result};
pub use flows::{Revision, SaveOutcome};
pub use migrate::SCHEMA_VERSION;

use error::Context;
use redb::{Database, DatabaseError};
use std::path::{Path, PathBuf};

pub struct Store {
    db: Database,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, migrating older schemas.
    /// A database held by another process is reported with that process's pid.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::Open {
                path: path.to_path_buf(),
                reason: format!("cannot create folder {}: {e}", parent.display()),
            })?;
        }
        let db = match Database::create(path) {
            Ok(db) => db,
            Err(DatabaseError::DatabaseAlreadyOpen) => {
                return Err(Error::AlreadyOpen {
                    path: path.to_path_buf(),
                    pid: read_owner(path),
                })
            }
            Err(e) => {
                return Err(Error::Open {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                })
            }
        };
        // Only the process holding redb's lock gets here, so this file names the owner.
        let _ = std::fs::write(owner_file(path), std::process::id().to_string());
        let store = Store {
            db,
            path: path.to_path_buf(),
        };
        migrate::migrate(&store.db, path)?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn read(&self) -> Result<redb::ReadTransaction> {
        self.db.begin_read().ctx("starting a read")
    }

    pub(crate) fn write(&self) -> Result<redb::WriteTransaction> {
        self.db.begin_write().ctx("starting a write")
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(owner_file(&self.path));
    }
}

fn owner_file(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".pid");
    PathBuf::from(name)
}

fn read_owner(path: &Path) -> Option<u32> {
    std::fs::read_to_string(owner_file(path))
        .ok()?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests;
