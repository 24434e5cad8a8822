//! Output paths the CLI writes to: never the database, the config, a file in the dags
//! folder, the templates or the log folder (files flowdeck or Airflow own), and never
//! an existing file unless the operator said `--force`. The file is replaced atomically,
//! so a full disk leaves the old content in place.

use crate::config::Settings;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{} is {what}; write the flow document to another file", .path.display())]
    Owned { path: PathBuf, what: String },
    #[error("{} already exists; add --force to replace it, or choose another file", .path.display())]
    Exists { path: PathBuf },
    #[error("{} is a folder; give a file name, e.g. {}", .path.display(), .path.join("flow.toml").display())]
    Folder { path: PathBuf },
    #[error("cannot write {}: {reason}", .path.display())]
    Write { path: PathBuf, reason: String },
}

/// The absolute form of `path` with symbolic links resolved as far as it exists (the
/// file itself may not exist yet).
fn resolved(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => std::fs::canonicalize(parent)
            .map(|p| p.join(name))
            .unwrap_or(absolute),
        _ => absolute,
    }
}

/// Whether two paths name the same file (also through hard links).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => resolved(a) == resolved(b),
    }
}

/// Refuses an output path that would destroy data. `force` allows replacing an
/// existing file that nobody else owns.
pub fn check_output(settings: &Settings, path: &Path, force: bool) -> Result<(), Error> {
    let owned = |what: String| Error::Owned {
        path: path.to_path_buf(),
        what,
    };
    if same_file(path, &settings.db) {
        return Err(owned("flowdeck's database".into()));
    }
    // The database's companions: the copy kept before an upgrade, its temp file.
    let backup = crate::store::backup_path(&settings.db);
    let mut backup_tmp = backup.clone().into_os_string();
    backup_tmp.push(".tmp");
    if same_file(path, &backup) || same_file(path, Path::new(&backup_tmp)) {
        return Err(owned("the backup of flowdeck's database".into()));
    }
    if same_file(path, &settings.config_path) {
        return Err(owned("flowdeck's config file".into()));
    }
    let target = resolved(path);
    let folders = [
        (Some(&settings.dags_folder), "the dags folder"),
        (settings.templates_dir.as_ref(), "the DAG templates folder"),
        (Some(&settings.log_dir), "flowdeck's data folder"),
    ];
    for (folder, what) in folders {
        let Some(folder) = folder else { continue };
        let folder = resolved(folder);
        if target.starts_with(&folder) {
            return Err(owned(format!(
                "inside {what} {} (files there belong to flowdeck or Airflow)",
                folder.display()
            )));
        }
    }
    if target.is_dir() {
        return Err(Error::Folder {
            path: path.to_path_buf(),
        });
    }
    if !force && std::fs::symlink_metadata(path).is_ok() {
        return Err(Error::Exists {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename,
/// so a failure (a full disk) leaves whatever was there before.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let fail = |reason: String| Error::Write {
        path: path.to_path_buf(),
        reason,
    };
    let target = resolved(path);
    // A device or a pipe (`-o /dev/stdout --force`) is written in place: renaming a file
    // over it would replace the device node.
    if std::fs::metadata(&target).is_ok_and(|m| !m.is_file()) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(&target)
            .and_then(|mut f| f.write_all(bytes))
            .map_err(|e| fail(e.to_string()));
    }
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "flow".into());
    let tmp = dir.join(format!(".{name}.flowdeck-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &target)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(dir: &Path) -> Settings {
        let mut s = crate::config::resolve(crate::config::Overrides {
            db: Some(dir.join("db.redb")),
            config: Some(dir.join("config.toml")),
            dags_folder: Some(dir.join("dags")),
            ..Default::default()
        })
        .expect("settings");
        s.log_dir = dir.join("data");
        s
    }

    #[test]
    fn the_database_is_refused_under_any_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), "").unwrap();
        std::fs::write(dir.path().join("db.redb"), "db").unwrap();
        let s = settings(dir.path());
        std::fs::hard_link(dir.path().join("db.redb"), dir.path().join("hard")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("db.redb"), dir.path().join("soft")).unwrap();
        std::fs::write(
            crate::store::backup_path(&dir.path().join("db.redb")),
            "old",
        )
        .unwrap();
        for name in [
            "db.redb",
            "hard",
            "soft",
            "./db.redb",
            "db.redb.redb2-backup",
        ] {
            let err = check_output(&s, &dir.path().join(name), true).unwrap_err();
            assert!(matches!(err, Error::Owned { .. }), "{name}: {err}");
        }
        let err = check_output(&s, &dir.path().join("dags/sub/x.toml"), true).unwrap_err();
        assert!(err.to_string().contains("inside the dags folder"), "{err}");
        check_output(&s, &dir.path().join("new.toml"), false).unwrap();
    }

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flow.toml");
        std::fs::write(&path, "old").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
