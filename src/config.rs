//! Settings: the config file (created with commented defaults on first run), overridden
//! by environment variables and command-line options. Secrets come from the environment
//! only and are never written anywhere.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const DEFAULT_CONFIG: &str = include_str!("../assets/config.toml");

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub paths: PathsSection,
    #[serde(default)]
    pub airflow: AirflowSection,
    #[serde(default)]
    pub python: PythonSection,
    #[serde(default)]
    pub ui: UiSection,
    /// action → key or keys; checked by the keymap, which warns about unknown entries.
    #[serde(default)]
    pub keybindings: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathsSection {
    /// The database; a team shares one (README, "A team on one host").
    pub db: Option<PathBuf>,
    pub dags_folder: Option<PathBuf>,
    pub templates_dir: Option<PathBuf>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AirflowSection {
    pub url: Option<String>,
    pub username: Option<String>,
    pub insecure_tls: Option<bool>,
    pub timeout_secs: Option<u64>,
    pub poll_interval_secs: Option<u64>,
    pub deploy_timeout_secs: Option<u64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PythonSection {
    pub program: Option<PathBuf>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiSection {
    pub theme: Option<String>,
    pub bell: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read the config file {}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    #[error("the config file {} is not valid: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
    #[error("cannot create the config file {}: {reason}", path.display())]
    Create { path: PathBuf, reason: String },
}

/// Values given on the command line or in the environment (clap reads both).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub db: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub dags_folder: Option<PathBuf>,
    pub airflow_url: Option<String>,
    pub airflow_username: Option<String>,
    pub airflow_password: Option<String>,
}

/// Everything resolved.
#[derive(Clone)]
pub struct Settings {
    pub db: PathBuf,
    pub config_path: PathBuf,
    pub dags_folder: PathBuf,
    pub library_package: String,
    pub templates_dir: Option<PathBuf>,
    pub airflow_url: String,
    pub airflow_username: String,
    pub airflow_password: String,
    pub insecure_tls: bool,
    pub timeout_secs: u64,
    pub poll_interval_secs: u64,
    pub deploy_timeout_secs: u64,
    pub python: PathBuf,
    pub theme: String,
    pub bell: bool,
    pub keybindings: BTreeMap<String, toml::Value>,
    pub log_dir: PathBuf,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The password is left out on purpose: settings get logged.
        f.debug_struct("Settings")
            .field("db", &self.db)
            .field("dags_folder", &self.dags_folder)
            .field("airflow_url", &self.airflow_url)
            .field("airflow_username", &self.airflow_username)
            .finish_non_exhaustive()
    }
}

impl Settings {
    pub fn library_folder(&self) -> PathBuf {
        self.dags_folder.join(&self.library_package)
    }
}

fn data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "flowdeck")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".flowdeck"))
}

fn config_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "flowdeck")
        .map(|d| d.config_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".flowdeck"))
}

fn default_dags_folder() -> PathBuf {
    if let Some(home) = std::env::var_os("AIRFLOW_HOME") {
        return PathBuf::from(home).join("dags");
    }
    directories::BaseDirs::new()
        .map(|b| b.home_dir().join("airflow").join("dags"))
        .unwrap_or_else(|| PathBuf::from("dags"))
}

/// Reads the config file at `path`, writing the commented defaults there first if it
/// does not exist yet (only for the default location: an explicit path must exist).
pub fn load_file(path: &Path, create: bool) -> Result<ConfigFile, Error> {
    if !path.exists() {
        if !create {
            return Err(Error::Read {
                path: path.to_path_buf(),
                reason: "no such file".into(),
            });
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::Create {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        }
        std::fs::write(path, DEFAULT_CONFIG).map_err(|e| Error::Create {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    parse(&text).map_err(|reason| Error::Invalid {
        path: path.to_path_buf(),
        reason,
    })
}

pub fn parse(text: &str) -> Result<ConfigFile, String> {
    toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        match line {
            Some(l) => format!("line {l}: {}", e.message()),
            None => e.message().to_string(),
        }
    })
}

pub fn resolve(o: Overrides) -> Result<Settings, Error> {
    let explicit = o.config.is_some();
    let config_path = o.config.unwrap_or_else(|| config_dir().join("config.toml"));
    let file = load_file(&config_path, !explicit)?;
    let data = data_dir();
    Ok(Settings {
        db: o
            .db
            .or(file.paths.db)
            .unwrap_or_else(|| data.join("flowdeck.redb")),
        config_path,
        dags_folder: o
            .dags_folder
            .or(file.paths.dags_folder)
            .unwrap_or_else(default_dags_folder),
        library_package: "flowdeck_functions".into(),
        templates_dir: file.paths.templates_dir,
        airflow_url: o
            .airflow_url
            .or(file.airflow.url)
            .unwrap_or_else(|| "http://127.0.0.1:8080".into())
            .trim_end_matches('/')
            .to_string(),
        airflow_username: o
            .airflow_username
            .or(file.airflow.username)
            .unwrap_or_else(|| "admin".into()),
        airflow_password: o.airflow_password.unwrap_or_default(),
        insecure_tls: file.airflow.insecure_tls.unwrap_or(false),
        timeout_secs: file.airflow.timeout_secs.unwrap_or(10),
        poll_interval_secs: file.airflow.poll_interval_secs.unwrap_or(2).max(1),
        deploy_timeout_secs: file.airflow.deploy_timeout_secs.unwrap_or(120),
        python: file
            .python
            .program
            .unwrap_or_else(|| PathBuf::from("python3")),
        theme: file.ui.theme.unwrap_or_else(|| "dark".into()),
        bell: file.ui.bell.unwrap_or(false),
        keybindings: file.keybindings,
        log_dir: data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_parses() {
        parse(DEFAULT_CONFIG).unwrap();
    }

    #[test]
    fn unknown_keys_name_the_line() {
        let err = parse("[airflow]\nurl = \"x\"\nuser = \"a\"\n").unwrap_err();
        assert!(err.starts_with("line 3:") && err.contains("user"), "{err}");
    }

    #[test]
    fn the_database_comes_from_the_option_then_the_config() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[paths]\ndb = \"/srv/flowdeck/team.redb\"\n").unwrap();
        let from_file = resolve(Overrides {
            config: Some(path.clone()),
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(from_file.db, PathBuf::from("/srv/flowdeck/team.redb"));
        let from_option = resolve(Overrides {
            config: Some(path),
            db: Some(PathBuf::from("/tmp/mine.redb")),
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(from_option.db, PathBuf::from("/tmp/mine.redb"));
    }

    #[test]
    fn first_run_writes_commented_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg/config.toml");
        load_file(&path, true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), DEFAULT_CONFIG);
        assert!(load_file(&dir.path().join("missing.toml"), false).is_err());
    }
}
