//! Opening the database file so that every flowdeck process on a host can share it:
//! redb's `ConcurrencyMode::MultiWriter` (redb 4.5+; one write transaction at a time,
//! any number of processes). Also the one-way upgrade of files written by flowdeck
//! releases built on redb 2, and the translation of every way an open can fail into one
//! line that says what to do (measured facts: shared/docs/REDB-MULTIPROCESS.md).

use super::error::{Error, Result};
use redb::{Builder, ConcurrencyMode, Database, DatabaseError, StorageError};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// redb's file magic (`tree_store/page_store/header.rs`, `MAGICNUMBER`), the same in the
/// redb 2 and redb 4 file formats: a file that does not start with it is not a database.
const REDB_MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];

/// How long an open waits for another process that is upgrading the same redb 2 file.
const UPGRADE_WAIT: Duration = Duration::from_secs(10);

/// Opens or creates the file in multi-writer mode, upgrading a redb 2 file first.
pub(super) fn open_database(path: &Path) -> Result<Database> {
    prepare_folder(path)?;
    check_magic(path)?;
    check_foreign(path)?;
    let started = Instant::now();
    loop {
        match catch_panic(path, || builder().create(path)) {
            Ok(db) => return Ok(db),
            Err(DatabaseError::UpgradeRequired(format)) => {
                upgrade_from_redb2(path, format, started)?;
            }
            // Another process of this version is upgrading the file (redb 2 holds it
            // alone meanwhile): wait for it.
            Err(DatabaseError::DatabaseAlreadyOpen)
                if upgrade_lock_path(path).exists() && started.elapsed() < UPGRADE_WAIT =>
            {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => return Err(translate(path, e)),
        }
    }
}

fn builder() -> Builder {
    let mut b = Builder::new();
    b.set_concurrency_mode(ConcurrencyMode::MultiWriter);
    b
}

fn refuse_folder(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(Error::Open {
            path: path.to_path_buf(),
            reason: "it is a folder; pass the path of a database file (e.g. …/flowdeck.redb)"
                .into(),
        });
    }
    // A pipe would block the open for ever, a device is no place for a database.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Err(Error::Open {
            path: path.to_path_buf(),
            reason:
                "it is not a regular file (a device or a pipe); pass the path of a database file"
                    .into(),
        });
    }
    Ok(())
}

fn prepare_folder(path: &Path) -> Result<()> {
    refuse_folder(path)?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::Open {
            path: path.to_path_buf(),
            reason: format!("cannot create folder {}: {e}", parent.display()),
        })?;
    }
    Ok(())
}

/// A non-empty file that is not a redb file at all (a text file given as `--db`, say)
/// is refused before redb sees it, so it is never "repaired" into an empty database.
fn check_magic(path: &Path) -> Result<()> {
    let mut start = Vec::with_capacity(REDB_MAGIC.len());
    match std::fs::File::open(path) {
        Ok(f) => {
            f.take(REDB_MAGIC.len() as u64)
                .read_to_end(&mut start)
                .map_err(|e| io_error(path, &e))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(path, &e)),
    }
    if start.is_empty() || start == REDB_MAGIC {
        return Ok(());
    }
    Err(Error::NotFlowdeck {
        path: path.to_path_buf(),
    })
}

/// Another program's redb file, or one written by a newer flowdeck, is refused before a
/// writable open touches it (opening for writing updates redb's header). Only a
/// read-only open looks at it here; a file this check cannot read is left to the normal
/// open and its errors.
fn check_foreign(path: &Path) -> Result<()> {
    use redb::{ReadableDatabase, TableHandle};
    if std::fs::metadata(path).map_or(true, |m| m.len() == 0) {
        return Ok(());
    }
    let Ok(db) = catch_panic(path, || builder().open_read_only(path)) else {
        return Ok(());
    };
    let Ok(tx) = db.begin_read() else {
        return Ok(());
    };
    let Ok(tables) = tx.list_tables() else {
        return Ok(());
    };
    let names: Vec<String> = tables.map(|t| t.name().to_string()).collect();
    if let Ok(meta) = tx.open_table(super::tables::META) {
        if let Ok(Some(v)) = meta.get(super::tables::SCHEMA_KEY) {
            if v.value() > super::migrate::SCHEMA_VERSION {
                return Err(Error::SchemaTooNew {
                    path: path.to_path_buf(),
                    found: v.value(),
                    known: super::migrate::SCHEMA_VERSION,
                });
            }
        }
    }
    let ours = names.is_empty()
        || names
            .iter()
            .any(|n| n == "meta" || n == "flows" || n == "functions");
    if ours {
        Ok(())
    } else {
        Err(Error::NotFlowdeck {
            path: path.to_path_buf(),
        })
    }
}

/// A read-only handle in multi-writer mode (it follows other processes' commits and
/// writes nothing). `None` when the file needs what only a writable open does (an upgrade
/// from the redb 2 format, a repair after a crash): the caller opens it writable.
pub(super) fn open_read_only(path: &Path) -> Result<Option<redb::ReadOnlyDatabase>> {
    refuse_folder(path)?;
    check_magic(path)?;
    match catch_panic(path, || builder().open_read_only(path)) {
        Ok(db) => Ok(Some(db)),
        Err(
            DatabaseError::UpgradeRequired(_)
            | DatabaseError::RepairAborted
            | DatabaseError::DatabaseAlreadyOpen,
        ) => Ok(None),
        Err(e) => Err(translate(path, e)),
    }
}

/// A damaged file must give a line, not a panic from inside redb.
fn catch_panic<T>(
    path: &Path,
    f: impl FnOnce() -> std::result::Result<T, DatabaseError>,
) -> std::result::Result<T, DatabaseError> {
    // redb's debug builds assert on some damage (release builds return `Corrupted`).
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        tracing::error!(path = %path.display(), "redb panicked while opening the database");
        Err(DatabaseError::Storage(StorageError::Corrupted(
            "redb could not read the file".into(),
        )))
    })
}

/// One way only, as redb's changelog says: redb 4.6 refuses files of the redb 2 format
/// (`UpgradeRequired(2)`) and has no upgrade of its own; redb 2.6's `Database::upgrade()`
/// rewrites the file in the newer format, keeping every row. A copy of the old file is
/// kept beside it first (`<db>.redb2-backup`), since older flowdeck releases cannot open
/// the upgraded file. Several processes may meet the old file at once: the one that gets
/// redb 2's exclusive lock upgrades, the others wait for it.
fn upgrade_from_redb2(path: &Path, format: u8, started: Instant) -> Result<()> {
    if format != 2 {
        return Err(Error::Open {
            path: path.to_path_buf(),
            reason: format!(
                "it is in redb file format {format}, which no flowdeck release wrote; restore it from a backup"
            ),
        });
    }
    // One upgrader at a time among the processes of this version (several may meet the
    // old file at once): the others wait here, then find it upgraded.
    let lock_path = upgrade_lock_path(path);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| io_error(path, &e))?;
    lock.lock().map_err(|e| io_error(path, &e))?;
    let result = upgrade_locked(path, started);
    drop(lock);
    let _ = std::fs::remove_file(&lock_path);
    result
}

fn upgrade_locked(path: &Path, started: Instant) -> Result<()> {
    match catch_panic(path, || builder().create(path)) {
        Ok(_) => return Ok(()), // upgraded by the process that held the lock before us
        Err(DatabaseError::UpgradeRequired(_)) => {}
        Err(e) => return Err(translate(path, e)),
    }
    let backup = backup_path(path);
    if !backup.exists() {
        // Before redb 2 opens it: even that open writes to the file.
        copy_synced(path, &backup)?;
    }
    loop {
        match redb2::Database::open(path) {
            Ok(mut old) => {
                old.upgrade().map_err(|e| Error::Open {
                    path: path.to_path_buf(),
                    reason: format!(
                        "upgrading it from the format of flowdeck 0.1 failed ({e}); the original is kept as {}",
                        backup.display()
                    ),
                })?;
                tracing::info!(path = %path.display(), backup = %backup.display(), "database upgraded from the redb 2 format");
                return Ok(());
            }
            Err(redb2::DatabaseError::DatabaseAlreadyOpen) if started.elapsed() < UPGRADE_WAIT => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(redb2::DatabaseError::DatabaseAlreadyOpen) => {
                return Err(Error::Open {
                    path: path.to_path_buf(),
                    reason: "an older flowdeck has it open; close that flowdeck (it holds the file alone), then start this one, which upgrades the file for sharing".into(),
                })
            }
            // Another process finished the upgrade between our two opens.
            Err(redb2::DatabaseError::UpgradeRequired(_)) => return Ok(()),
            Err(e) => {
                return Err(Error::Open {
                    path: path.to_path_buf(),
                    reason: format!("reading it as a flowdeck 0.1 database failed ({e}); restore it from a backup"),
                })
            }
        }
    }
}

/// The lock file the upgrading process holds (it exists only during an upgrade).
fn upgrade_lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".upgrade-lock");
    PathBuf::from(name)
}

/// Where the pre-upgrade copy of a database goes.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".redb2-backup");
    PathBuf::from(name)
}

fn copy_synced(from: &Path, to: &Path) -> Result<()> {
    let tmp = {
        let mut name = to.as_os_str().to_owned();
        name.push(".tmp");
        PathBuf::from(name)
    };
    let result = (|| {
        std::fs::copy(from, &tmp)?;
        std::fs::File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, to)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::Open {
            path: from.to_path_buf(),
            reason: format!(
                "cannot keep a copy as {} before upgrading it: {e}",
                to.display()
            ),
        }
    })
}

fn io_error(path: &Path, e: &std::io::Error) -> Error {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => Error::Permission {
            path: path.to_path_buf(),
        },
        ErrorKind::Unsupported => Error::NoLocks {
            path: path.to_path_buf(),
        },
        _ if e.raw_os_error() == Some(37) => Error::NoLocks {
            // ENOLCK: the filesystem has no byte-range locks (some NFS mounts).
            path: path.to_path_buf(),
        },
        _ => Error::Open {
            path: path.to_path_buf(),
            reason: e.to_string(),
        },
    }
}

/// Every open failure as one line naming the fix.
fn translate(path: &Path, e: DatabaseError) -> Error {
    let path_buf = path.to_path_buf();
    match e {
        // Only a process in redb's default (exclusive) mode refuses a multi-writer open:
        // an older flowdeck, or another program.
        DatabaseError::DatabaseAlreadyOpen => Error::AlreadyOpen { path: path_buf },
        DatabaseError::LockProtocolMismatch => Error::Open {
            path: path_buf,
            reason: "a flowdeck of an incompatible version has it open; upgrade every flowdeck on this host to the same version".into(),
        },
        DatabaseError::RepairAborted => Error::Damaged { path: path_buf },
        DatabaseError::Storage(StorageError::Corrupted(_)) => Error::Damaged { path: path_buf },
        DatabaseError::Storage(StorageError::Io(io)) => {
            if matches!(
                io.kind(),
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof
            ) {
                Error::Damaged { path: path_buf }
            } else {
                io_error(path, &io)
            }
        }
        DatabaseError::Storage(StorageError::ValueTooLarge(_)) => Error::Damaged { path: path_buf },
        DatabaseError::Storage(StorageError::Unsupported) => Error::NoLocks { path: path_buf },
        other => Error::Open {
            path: path_buf,
            reason: other.to_string(),
        },
    }
}
