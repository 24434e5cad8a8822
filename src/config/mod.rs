//! Settings: the config file (created with commented defaults on first run), overridden
//! by environment variables and command-line options. Secrets come from the environment
//! only and are never written anywhere.

pub mod environments;

pub use environments::{AuthSetting, Environment};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const DEFAULT_CONFIG: &str = include_str!("../../assets/config.toml");

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The environment used without --env / FLOWDECK_ENV (default: the first one).
    pub default_environment: Option<String>,
    /// `[environments.NAME]` tables (see [`environments`]).
    #[serde(default)]
    pub environments: toml::Table,
    /// Their names in file order (the first is the default environment).
    #[serde(skip)]
    pub environment_order: Vec<String>,
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
    /// Extra CA certificates (PEM) for the implicit environment.
    pub ca_file: Option<PathBuf>,
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
    /// A value is out of its range or unusable; `setting` names where it was given.
    #[error("{setting} {reason}")]
    Setting { setting: String, reason: String },
    /// An environment that is not in the config; the line lists the known ones.
    #[error("{0}")]
    Environment(String),
}

/// Accepted `timeout_secs` (seconds a command waits for Airflow's answers in all).
pub const TIMEOUT_SECS: std::ops::RangeInclusive<u64> = 1..=600;
/// Accepted `poll_interval_secs` (seconds between the TUI's polls).
pub const POLL_INTERVAL_SECS: std::ops::RangeInclusive<u64> = 1..=3600;
/// Accepted `deploy_timeout_secs` (seconds a deploy waits for Airflow to load a flow).
pub const DEPLOY_TIMEOUT_SECS: std::ops::RangeInclusive<u64> = 1..=86_400;

/// Checks a number of the config file against its range; the error names the key, the
/// file and the range.
fn in_range(
    value: Option<u64>,
    key: &str,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
    path: &Path,
) -> Result<u64, Error> {
    match value {
        None => Ok(default),
        Some(v) if range.contains(&v) => Ok(v),
        Some(v) => Err(Error::Setting {
            setting: format!("`{key}` in [airflow] of {}", path.display()),
            reason: format!(
                "is {v}; it must be from {} to {} seconds",
                range.start(),
                range.end()
            ),
        }),
    }
}

/// Checks an Airflow base URL: http or https, a host, and nothing that belongs
/// elsewhere. Credentials in the URL would be printed in `status`, the status bar and
/// the log, so they are refused (they come from the environment); a query or fragment
/// would be silently dropped from every request. The error never repeats a password.
pub fn check_airflow_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| format!("is not a URL ({e}); use one like http://127.0.0.1:8080",))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("contains a user name or password; remove it from the URL and give them as the environment's `username` and `password_env` (or, without [environments], FLOWDECK_AIRFLOW_USERNAME and FLOWDECK_AIRFLOW_PASSWORD)".into());
    }
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "must start with http:// or https://, not {}://",
            crate::model::text::one_line(parsed.scheme())
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("has no host; use one like http://127.0.0.1:8080".into());
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err("must not contain `?` or `#`: give only the base URL, like http://airflow.example.com:8080/airflow".into());
    }
    Ok(())
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
    /// `--env` / FLOWDECK_ENV.
    pub env: Option<String>,
}

/// Everything resolved.
#[derive(Clone)]
pub struct Settings {
    /// Every environment of the config, in file order (one implicit `default` when the
    /// config has no `[environments]`).
    pub environments: Vec<Environment>,
    /// The one this process works with; `dags_folder`, `airflow_*` and `insecure_tls`
    /// below are its values.
    pub environment: Environment,
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
            .field("environment", &self.environment.name)
            .finish_non_exhaustive()
    }
}

impl Settings {
    pub fn library_folder(&self) -> PathBuf {
        self.dags_folder.join(&self.library_package)
    }

    /// The same settings working with environment `name` instead. Err: the one line of
    /// [`environments::select`].
    pub fn with_environment(&self, name: &str) -> Result<Settings, Error> {
        let env = environments::select(&self.environments, Some(name), None)
            .map_err(Error::Environment)?
            .clone();
        let mut s = self.clone();
        s.apply_environment(env);
        Ok(s)
    }

    fn apply_environment(&mut self, env: Environment) {
        self.dags_folder = env.dags_folder.clone();
        self.airflow_url = env.url.clone();
        self.insecure_tls = env.insecure_tls;
        if let AuthSetting::Basic {
            username,
            password_env: Some(var),
        } = &env.auth
        {
            self.airflow_username = username.clone();
            self.airflow_password = std::env::var(var).unwrap_or_default();
        }
        self.environment = env;
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
    let mut file: ConfigFile = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        match line {
            Some(l) => format!("line {l}: {}", e.message()),
            None => e.message().to_string(),
        }
    })?;
    // toml's tables are sorted; the file's order comes from toml_edit.
    if let Ok(doc) = text.parse::<toml_edit::DocumentMut>() {
        if let Some(envs) = doc.get("environments").and_then(|e| e.as_table_like()) {
            file.environment_order = envs.iter().map(|(k, _)| k.to_string()).collect();
        }
    }
    Ok(file)
}

pub fn resolve(o: Overrides) -> Result<Settings, Error> {
    let explicit = o.config.is_some();
    let config_path = o.config.unwrap_or_else(|| config_dir().join("config.toml"));
    let file = load_file(&config_path, !explicit)?;
    let data = data_dir();
    let url_overridden = o.airflow_url.is_some();
    let (url, url_setting) = match o.airflow_url {
        Some(u) => (
            u,
            "the Airflow URL (--airflow-url / FLOWDECK_AIRFLOW_URL)".to_string(),
        ),
        None => match file.airflow.url.clone() {
            Some(u) => (
                u,
                format!("`url` in [airflow] of {}", config_path.display()),
            ),
            None => ("http://127.0.0.1:8080".into(), String::new()),
        },
    };
    let explicit_envs = !file.environments.is_empty();
    if explicit_envs {
        let given = [
            (url_overridden, "--airflow-url / FLOWDECK_AIRFLOW_URL"),
            (
                o.dags_folder.is_some(),
                "--dags-folder / FLOWDECK_DAGS_FOLDER",
            ),
        ];
        if let Some((_, what)) = given.iter().find(|(set, _)| *set) {
            return Err(Error::Setting {
                setting: what.to_string(),
                reason: format!(
                    "cannot be used with the environments of {}: choose one with --env / FLOWDECK_ENV, or unset it",
                    config_path.display()
                ),
            });
        }
    }
    let url = url.trim().trim_end_matches('/').to_string();
    if !explicit_envs {
        check_airflow_url(&url).map_err(|reason| Error::Setting {
            setting: url_setting,
            reason,
        })?;
    }
    let timeout_secs = in_range(
        file.airflow.timeout_secs,
        "timeout_secs",
        TIMEOUT_SECS,
        10,
        &config_path,
    )?;
    let poll_interval_secs = in_range(
        file.airflow.poll_interval_secs,
        "poll_interval_secs",
        POLL_INTERVAL_SECS,
        2,
        &config_path,
    )?;
    let deploy_timeout_secs = in_range(
        file.airflow.deploy_timeout_secs,
        "deploy_timeout_secs",
        DEPLOY_TIMEOUT_SECS,
        120,
        &config_path,
    )?;
    let dags_folder = o
        .dags_folder
        .or(file.paths.dags_folder.clone())
        .unwrap_or_else(default_dags_folder);
    let airflow_username = o
        .airflow_username
        .or(file.airflow.username.clone())
        .unwrap_or_else(|| "admin".into());
    let environments = if explicit_envs {
        environment_list(&file, &config_path)?
    } else {
        vec![Environment {
            name: environments::IMPLICIT.into(),
            url: url.clone(),
            auth: AuthSetting::Basic {
                username: airflow_username.clone(),
                password_env: None,
            },
            dags_folder: dags_folder.clone(),
            ca_file: file.airflow.ca_file.clone(),
            insecure_tls: file.airflow.insecure_tls.unwrap_or(false),
            read_only: false,
            color: None,
            git: None,
            implicit: true,
        }]
    };
    let environment = environments::select(
        &environments,
        o.env.as_deref(),
        file.default_environment.as_deref(),
    )
    .map_err(Error::Environment)?
    .clone();
    let mut settings = Settings {
        environments,
        environment: environment.clone(),
        db: o
            .db
            .or(file.paths.db)
            .unwrap_or_else(|| data.join("flowdeck.redb")),
        config_path,
        dags_folder,
        library_package: "flowdeck_functions".into(),
        templates_dir: file.paths.templates_dir,
        airflow_url: url,
        airflow_username,
        airflow_password: o.airflow_password.unwrap_or_default(),
        insecure_tls: file.airflow.insecure_tls.unwrap_or(false),
        timeout_secs,
        poll_interval_secs,
        deploy_timeout_secs,
        python: file
            .python
            .program
            .unwrap_or_else(|| PathBuf::from("python3")),
        theme: file.ui.theme.unwrap_or_else(|| "dark".into()),
        bell: file.ui.bell.unwrap_or(false),
        keybindings: file.keybindings,
        log_dir: data,
    };
    settings.apply_environment(environment);
    Ok(settings)
}

/// The `[environments.NAME]` tables, checked: a name, a URL, one way to authenticate,
/// a deploy target. Each error names the table and the key.
fn environment_list(file: &ConfigFile, path: &Path) -> Result<Vec<Environment>, Error> {
    let mut list = Vec::new();
    let mut names: Vec<&String> = file
        .environment_order
        .iter()
        .filter(|n| file.environments.contains_key(*n))
        .collect();
    let rest: Vec<&String> = file
        .environments
        .keys()
        .filter(|k| !names.contains(k))
        .collect();
    names.extend(rest);
    for name in names {
        let value = &file.environments[name];
        let setting = format!("[environments.{name}] of {}", path.display());
        let fail = |reason: String| Error::Setting {
            setting: setting.clone(),
            reason,
        };
        environments::check_name(name).map_err(fail)?;
        let section: environments::EnvironmentSection = value
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| fail(format!("is not valid: {}", e.message())))?;
        let url = section
            .url
            .clone()
            .ok_or_else(|| fail("has no `url`; add the Airflow's base URL, like url = \"https://airflow.example.com\"".into()))?;
        let url = url.trim().trim_end_matches('/').to_string();
        check_airflow_url(&url).map_err(|r| fail(format!("`url` {r}")))?;
        let auth = environments::AuthSetting::from_section(&section).map_err(fail)?;
        if section.dags_folder.is_some() && section.git.is_some() {
            return Err(fail(
                "sets both `dags_folder` and `git`; an environment has one deploy target".into(),
            ));
        }
        if let Some(c) = &section.color {
            environments::parse_color(c).map_err(&fail)?;
        }
        // A Git target's DAG folder is inside its clone (see deploy::git).
        let git_folder = match &section.git {
            Some(v) => Some(
                crate::deploy::git::GitSection::from_value(v)
                    .map_err(&fail)?
                    .dags_folder(),
            ),
            None => None,
        };
        let dags_folder = git_folder
            .or(section.dags_folder.clone())
            .or(file.paths.dags_folder.clone())
            .unwrap_or_else(default_dags_folder);
        list.push(Environment {
            name: name.clone(),
            url,
            auth,
            dags_folder,
            ca_file: section.ca_file.clone(),
            insecure_tls: section.insecure_tls.unwrap_or(false),
            read_only: section.read_only.unwrap_or(false),
            color: section.color.clone(),
            git: section.git.clone(),
            implicit: false,
        });
    }
    Ok(list)
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
    fn urls_with_credentials_queries_or_odd_schemes_are_refused_without_echoing_secrets() {
        check_airflow_url("http://127.0.0.1:8080").unwrap();
        check_airflow_url("https://airflow.example.com/sub/path").unwrap();
        for bad in [
            "http://admin:hunter2@127.0.0.1:8080",
            "http://admin@127.0.0.1:8080",
            "http://127.0.0.1:8080/?token=hunter2",
            "http://127.0.0.1:8080/#hunter2",
            "ftp://127.0.0.1",
            "127.0.0.1:8080",
            "not a url",
        ] {
            let err = check_airflow_url(bad).unwrap_err();
            assert!(!err.contains("hunter2"), "{bad}: {err}");
        }
    }

    #[test]
    fn numbers_out_of_range_name_key_and_range() {
        let p = Path::new("/c.toml");
        let err = in_range(Some(0), "timeout_secs", TIMEOUT_SECS, 10, p).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`timeout_secs` in [airflow] of /c.toml is 0; it must be from 1 to 600 seconds"
        );
        assert_eq!(in_range(None, "x", TIMEOUT_SECS, 10, p).unwrap(), 10);
        assert_eq!(in_range(Some(600), "x", TIMEOUT_SECS, 10, p).unwrap(), 600);
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
    fn environments_are_read_in_file_order_and_chosen_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[environments.prod]\nurl = \"https://airflow.example.com/airflow/\"\ntoken_env = \"PROD_TOKEN\"\nread_only = true\ncolor = \"red\"\ndags_folder = \"/srv/prod/dags\"\n\n[environments.dev]\nurl = \"http://127.0.0.1:8080\"\nusername = \"ops\"\npassword_env = \"FLOWDECK_TEST_UNSET_DEV_PW\"\n",
        )
        .unwrap();
        let resolve_env = |env: Option<&str>| {
            resolve(Overrides {
                config: Some(path.clone()),
                env: env.map(str::to_string),
                ..Overrides::default()
            })
        };
        let first = resolve_env(None).unwrap();
        let names: Vec<&str> = first.environments.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["prod", "dev"]);
        assert_eq!(first.environment.name, "prod");
        assert_eq!(first.airflow_url, "https://airflow.example.com/airflow");
        assert_eq!(first.dags_folder, PathBuf::from("/srv/prod/dags"));
        assert!(first.environment.read_only);
        let dev = resolve_env(Some("dev")).unwrap();
        assert_eq!(dev.airflow_username, "ops");
        assert_eq!(dev.airflow_url, "http://127.0.0.1:8080");
        assert_eq!(
            first.with_environment("dev").unwrap().airflow_url,
            dev.airflow_url
        );
        let err = resolve_env(Some("stage")).err().unwrap().to_string();
        assert!(err.contains("prod, dev"), "{err}");
        // An override of the URL would deploy one environment's state to another Airflow.
        let err = resolve(Overrides {
            config: Some(path.clone()),
            airflow_url: Some("http://x".into()),
            ..Overrides::default()
        })
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("--env"), "{err}");
        std::fs::write(&path, "[environments.x]\nurl = \"http://u:secret@h\"\n").unwrap();
        let err = resolve_env(None).err().unwrap().to_string();
        assert!(
            err.contains("[environments.x]") && !err.contains("secret"),
            "{err}"
        );
    }

    #[test]
    fn an_environment_colour_that_does_not_parse_is_a_config_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let write = |color: &str| {
            std::fs::write(
                &path,
                format!("[environments.prod]\nurl = \"http://h\"\ncolor = \"{color}\"\n"),
            )
            .unwrap();
            resolve(Overrides {
                config: Some(path.clone()),
                ..Overrides::default()
            })
        };
        for ok in ["red", "Light Blue", "#d70000"] {
            let s = write(ok).unwrap();
            assert!(s.environment.display_color().is_some(), "{ok}");
        }
        let err = write("prod-red").err().unwrap().to_string();
        assert!(
            err.contains("[environments.prod]")
                && err.contains("`color` is \"prod-red\"")
                && err.contains("#rrggbb"),
            "{err}"
        );
    }

    #[test]
    fn without_environments_the_old_settings_are_one_implicit_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[airflow]\nurl = \"http://127.0.0.1:9999\"\n").unwrap();
        let s = resolve(Overrides {
            config: Some(path),
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(s.environments.len(), 1);
        assert!(s.environment.implicit);
        assert_eq!(s.environment.name, "default");
        assert_eq!(s.environment.url, "http://127.0.0.1:9999");
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
