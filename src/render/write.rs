//! Files in the dags folder: DAG files written atomically (Airflow never sees half a
//! file), unchanged renders left alone (no mtime change, so Airflow does not re-parse),
//! removal of flowdeck's own files only, and the function library package.

use super::header::HEADER_MARK;
use super::{dag_file_name, is_valid_flow_id, Error, Rendered, Result};
use crate::model::ident::is_identifier;
use crate::model::text::one_line;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Temp files end with this (and start with `.`): Airflow lists only `*.py` files (and
/// zips) and skips hidden ones, so it never parses a file that is still being written.
pub const TEMP_SUFFIX: &str = ".flowdeck-tmp";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    Written,
    Unchanged,
}

/// True for the names of flowdeck's temporary files.
pub fn is_temp_file_name(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(TEMP_SUFFIX)
}

/// Writes a rendered DAG file unless the file already holds exactly that text. Refuses
/// to replace a file of the same name that flowdeck did not write.
pub fn write_if_changed(dags_folder: &Path, rendered: &Rendered) -> Result<WriteOutcome> {
    check_folder(dags_folder)?;
    if !is_valid_flow_id(&rendered.flow_id)
        || rendered.file_name != dag_file_name(&rendered.flow_id)
    {
        return Err(Error::BadFlowId(one_line(&rendered.flow_id)));
    }
    let path = dags_folder.join(&rendered.file_name);
    match fs::read(&path) {
        Ok(existing) if existing == rendered.source.as_bytes() => {
            return Ok(WriteOutcome::Unchanged)
        }
        Ok(existing) if !existing.starts_with(HEADER_MARK.as_bytes()) => {
            return Err(Error::NotOurs {
                path,
                flow_id: rendered.flow_id.clone(),
            })
        }
        Ok(existing) => check_owner(&path, &existing, rendered.owner.as_deref())?,
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io("read", path, e)),
    }
    atomic_write(dags_folder, &rendered.file_name, rendered.source.as_bytes())?;
    Ok(WriteOutcome::Written)
}

/// Refuses a flowdeck file that another database wrote (its header names another
/// database id). Files without an id (written before owners were recorded) are taken
/// as the writer's own, so existing deployments keep working.
pub(crate) fn check_owner(path: &Path, existing: &[u8], owner: Option<&str>) -> Result<()> {
    let start = &existing[..existing.len().min(4096)];
    let header = super::header::parse_header(&String::from_utf8_lossy(start));
    match (header.and_then(|h| h.database), owner) {
        (Some(theirs), Some(mine)) if theirs != mine => Err(Error::Foreign {
            path: path.to_path_buf(),
            owner: theirs,
        }),
        _ => Ok(()),
    }
}

/// Removes a flow's DAG file. `Ok(false)` when there was none; refuses (`NotOurs`) when
/// the file does not carry flowdeck's header, and (`Foreign`) when another database
/// (not `owner`) wrote it.
pub fn remove_dag_file(dags_folder: &Path, flow_id: &str, owner: Option<&str>) -> Result<bool> {
    if !is_valid_flow_id(flow_id) {
        return Err(Error::BadFlowId(one_line(flow_id)));
    }
    let path = dags_folder.join(dag_file_name(flow_id));
    if let Ok(existing) = fs::read(&path) {
        check_owner(&path, &existing, owner)?;
    }
    if !starts_with_header(&path)? {
        return match fs::symlink_metadata(&path) {
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            _ => Err(Error::NotOurs {
                path,
                flow_id: flow_id.to_string(),
            }),
        };
    }
    remove_and_sync(dags_folder, &path)?;
    Ok(true)
}

/// Removes a file and makes the removal durable.
pub(crate) fn remove_and_sync(dir: &Path, path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => sync_dir(dir),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("remove", path, e)),
    }
}

/// True when the file exists and starts with flowdeck's header.
pub(crate) fn starts_with_header(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Error::io("read", path, e)),
    };
    let mut start = vec![0; HEADER_MARK.len()];
    match file.read_exact(&mut start) {
        Ok(()) => Ok(start == HEADER_MARK.as_bytes()),
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(Error::io("read", path, e)),
    }
}

/// What [`ensure_library_package`] found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibrarySetup {
    /// `<dags folder>/<package>`
    pub package_dir: PathBuf,
    pub created_init: bool,
    pub updated_airflowignore: bool,
}

const INIT_TEXT: &str =
    "# flowdeck's function library: each module here is a Python file registered\n\
# in flowdeck. The dags folder is on sys.path, so DAG files import them as\n\
# `from <package>.<module> import <function>`.\n";

/// Makes `<dags folder>/<package>/` an importable package and lists it in the dags
/// folder's `.airflowignore`, so Airflow does not parse library files as DAG files.
///
/// The entry is `<package>/`, which means "that folder" in both `.airflowignore`
/// syntaxes: glob (Airflow 3's default `[core] dag_ignore_file_syntax`) matches the
/// folder itself, and regexp (Airflow 2's default) matches every path inside it.
/// Existing lines are kept byte for byte; the entry is appended only when missing.
pub fn ensure_library_package(dags_folder: &Path, package: &str) -> Result<LibrarySetup> {
    if !is_identifier(package) {
        return Err(Error::BadPackage(one_line(package)));
    }
    check_folder(dags_folder)?;
    let package_dir = dags_folder.join(package);
    fs::create_dir_all(&package_dir)
        .map_err(|e| Error::io("create the library folder", &package_dir, e))?;
    let init = package_dir.join("__init__.py");
    let created_init = match fs::symlink_metadata(&init) {
        Ok(_) => false,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            atomic_write(&package_dir, "__init__.py", INIT_TEXT.as_bytes())?;
            true
        }
        Err(e) => return Err(Error::io("read", init, e)),
    };

    let ignore = dags_folder.join(".airflowignore");
    let existing = match fs::read(&ignore) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io("read", ignore, e)),
    };
    let entry = format!("{package}/");
    let listed = existing.split(|b| *b == b'\n').any(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = String::from_utf8_lossy(line);
        let line = line.trim();
        line == entry || line == package
    });
    let updated_airflowignore = !listed;
    if !listed {
        let mut text = existing;
        if !text.is_empty() && !text.ends_with(b"\n") {
            text.push(b'\n');
        }
        text.extend_from_slice(
            format!("# flowdeck: library functions, not DAG files\n{entry}\n").as_bytes(),
        );
        atomic_write(dags_folder, ".airflowignore", &text)?;
    }
    Ok(LibrarySetup {
        package_dir,
        created_init,
        updated_airflowignore,
    })
}

/// Writes a library module `<dags folder>/<package>/<module>.py` atomically, unless it
/// already holds exactly `source`. Refuses (`Foreign`) to replace a module whose trailer
/// names another database than `source`'s.
pub fn write_library_module(
    dags_folder: &Path,
    package: &str,
    module: &str,
    source: &[u8],
) -> Result<WriteOutcome> {
    if !is_identifier(module) {
        return Err(Error::BadFunctionName {
            function: one_line(module),
            what: "module",
            value: one_line(module),
        });
    }
    let setup = ensure_library_package(dags_folder, package)?;
    let name = format!("{module}.py");
    let path = setup.package_dir.join(&name);
    match fs::read(&path) {
        Ok(existing) if existing == source => return Ok(WriteOutcome::Unchanged),
        Ok(existing) => {
            // Another database's module (its trailer names another id) is never replaced.
            if let (Some(theirs), Some(mine)) = (
                super::header::library_owner(&existing),
                super::header::library_owner(source),
            ) {
                if theirs != mine {
                    return Err(Error::ForeignModule {
                        path,
                        owner: theirs,
                    });
                }
            }
            atomic_write(&setup.package_dir, &name, source)?;
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {
            // A new module is created without replacing: another database registering a
            // file of the same name at the same moment cannot have its module overwritten.
            if !create_new_atomically(&setup.package_dir, &name, source)? {
                return match fs::read(&path) {
                    Ok(existing) if existing == source => Ok(WriteOutcome::Unchanged),
                    Ok(existing) => Err(Error::ForeignModule {
                        path,
                        owner: super::header::library_owner(&existing).unwrap_or_default(),
                    }),
                    Err(e) => Err(Error::io("read", path, e)),
                };
            }
        }
        Err(e) => return Err(Error::io("read", path, e)),
    }
    Ok(WriteOutcome::Written)
}

/// Like [`atomic_write`] for a file that must not exist yet: the complete temp file is
/// hard-linked into place, which fails instead of replacing a file created meanwhile.
/// `Ok(false)` when the name was taken by then.
fn create_new_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<bool> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let target = dir.join(name);
    let temp = dir.join(format!(
        ".{name}.{}-new{}{TEMP_SUFFIX}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| Error::io("create a temporary file", &temp, e))?;
        file.write_all(bytes)
            .map_err(|e| Error::io("write", &temp, e))?;
        file.sync_all()
            .map_err(|e| Error::io("flush to disk", &temp, e))
    })();
    let linked = written.and_then(|()| match fs::hard_link(&temp, &target) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
        // A filesystem without hard links: a plain rename, which only a registration
        // in the same instant could race.
        Err(_) => fs::rename(&temp, &target)
            .map(|()| true)
            .map_err(|e| Error::io("move into place", &target, e)),
    });
    let _ = fs::remove_file(&temp);
    let created = linked?;
    if created {
        sync_dir(dir)?;
    }
    Ok(created)
}

fn check_folder(dags_folder: &Path) -> Result<()> {
    match fs::metadata(dags_folder) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(Error::DagsFolderIsFile {
            path: dags_folder.to_path_buf(),
        }),
        _ => Err(Error::NoDagsFolder {
            path: dags_folder.to_path_buf(),
        }),
    }
}

/// Temp file in the same folder (so the rename cannot cross filesystems), written and
/// flushed to disk, renamed over the target (atomic on POSIX), then the folder flushed so
/// the rename itself survives a crash. The temp file is removed on any failure.
pub(crate) fn atomic_write(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let target = dir.join(name);
    let temp = dir.join(format!(
        ".{name}.{}-{}{TEMP_SUFFIX}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = write_temp_then_rename(&temp, &target, bytes);
    if result.is_err() {
        let _ = fs::remove_file(&temp);
        return result;
    }
    sync_dir(dir)
}

fn write_temp_then_rename(temp: &Path, target: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temp)
        .map_err(|e| Error::io("create a temporary file", temp, e))?;
    // Keep the permissions an operator gave the old file (e.g. group-readable for the
    // Airflow user); a new file gets the process's umask as usual.
    if let Ok(meta) = fs::metadata(target) {
        let _ = file.set_permissions(meta.permissions());
    }
    file.write_all(bytes)
        .map_err(|e| Error::io("write", temp, e))?;
    file.sync_all()
        .map_err(|e| Error::io("flush to disk", temp, e))?;
    drop(file);
    fs::rename(temp, target).map_err(|e| Error::io("move into place", target, e))
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("flush the folder", dir, e))
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<()> {
    // Directories cannot be opened for syncing on this platform; the rename is still
    // atomic.
    Ok(())
}
