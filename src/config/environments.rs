//! `[environments.NAME]`: several Airflows (dev, staging, prod) in one config, each with
//! its URL, auth, TLS, deploy target, colour and read-only switch. Without the section,
//! `[airflow]` and `[paths]` make one implicit environment named `default`, so configs
//! written before environments existed keep working unchanged.

use serde::Deserialize;
use std::path::PathBuf;

/// The name of the environment made of `[airflow]` and `[paths]` when the config has no
/// `[environments]`.
pub const IMPLICIT: &str = "default";

/// One `[environments.NAME]` table as written.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSection {
    /// Base URL of the api-server (Airflow 3) or webserver (Airflow 2).
    pub url: Option<String>,
    /// Basic auth: the user name; the password comes from the variable `password_env`.
    pub username: Option<String>,
    /// Basic auth: the name of the environment variable holding the password.
    pub password_env: Option<String>,
    /// Bearer token: the name of the environment variable holding it.
    pub token_env: Option<String>,
    /// Bearer token: a shell command printing it (run when needed and after a 401).
    pub token_command: Option<String>,
    /// The dags folder this environment's Airflow parses (the local deploy target).
    pub dags_folder: Option<PathBuf>,
    /// A PEM file of extra CA certificates trusted beside the system's.
    pub ca_file: Option<PathBuf>,
    /// Accept any certificate (explicit opt-out; shown on every screen).
    pub insecure_tls: Option<bool>,
    /// Nothing that would change this Airflow or its DAG files is allowed.
    pub read_only: Option<bool>,
    /// The colour its name is shown in: a ratatui colour name or `#rrggbb`.
    pub color: Option<String>,
    /// The Git deploy target (a table; see `deploy::git`), instead of `dags_folder`.
    pub git: Option<toml::Value>,
}

/// How an environment authenticates, resolved from its keys. Secrets are never held
/// here: only the names of the variables and the command that yield them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthSetting {
    /// No credentials sent (an Airflow behind an authenticating proxy, or open).
    None,
    /// User name + password; `password_env` names the variable (`None`: the implicit
    /// environment's FLOWDECK_AIRFLOW_PASSWORD, resolved by the caller).
    Basic {
        username: String,
        password_env: Option<String>,
    },
    /// A static bearer token from this environment variable.
    TokenEnv(String),
    /// A shell command printing a bearer token on stdout.
    TokenCommand(String),
}

impl AuthSetting {
    /// From one section's keys: at most one of `password_env`, `token_env`,
    /// `token_command`; `username` only with a password. Err: the sentence after the
    /// section's name.
    pub fn from_section(s: &EnvironmentSection) -> Result<AuthSetting, String> {
        let given: Vec<&str> = [
            ("password_env", s.password_env.is_some()),
            ("token_env", s.token_env.is_some()),
            ("token_command", s.token_command.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, set)| set.then_some(k))
        .collect();
        if given.len() > 1 {
            return Err(format!(
                "sets {}; choose one way to authenticate",
                given.join(" and ")
            ));
        }
        let check_var = |key: &str, v: &str| {
            if v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                Err(format!(
                    "`{key}` must be the name of an environment variable (letters, digits, `_`), like AIRFLOW_PROD_TOKEN, not the secret itself"
                ))
            } else {
                Ok(v.to_string())
            }
        };
        if let Some(v) = &s.token_env {
            if s.username.is_some() {
                return Err("sets `username` with `token_env`; a token needs no user name".into());
            }
            return Ok(AuthSetting::TokenEnv(check_var("token_env", v)?));
        }
        if let Some(c) = &s.token_command {
            if s.username.is_some() {
                return Err(
                    "sets `username` with `token_command`; a token needs no user name".into(),
                );
            }
            if c.trim().is_empty() {
                return Err("has an empty `token_command`; give the command that prints a token, like \"gcloud auth print-access-token\"".into());
            }
            return Ok(AuthSetting::TokenCommand(c.clone()));
        }
        if let Some(v) = &s.password_env {
            return Ok(AuthSetting::Basic {
                username: s.username.clone().unwrap_or_else(|| "admin".into()),
                password_env: Some(check_var("password_env", v)?),
            });
        }
        if s.username.is_some() {
            return Err("sets `username` but not `password_env`; name the variable holding the password, like password_env = \"AIRFLOW_DEV_PASSWORD\"".into());
        }
        Ok(AuthSetting::None)
    }

    /// A few words for `status` and the TUI: "basic (admin)", "token from $X", ….
    pub fn describe(&self) -> String {
        match self {
            AuthSetting::None => "no auth".into(),
            AuthSetting::Basic { username, .. } => {
                format!("basic ({})", crate::model::text::one_line(username))
            }
            AuthSetting::TokenEnv(v) => format!("token from ${v}"),
            AuthSetting::TokenCommand(_) => "token command".into(),
        }
    }
}

/// One environment, resolved: everything needed to reach its Airflow and deploy there.
#[derive(Debug, Clone, PartialEq)]
pub struct Environment {
    pub name: String,
    pub url: String,
    pub auth: AuthSetting,
    pub dags_folder: PathBuf,
    pub ca_file: Option<PathBuf>,
    pub insecure_tls: bool,
    pub read_only: bool,
    pub color: Option<String>,
    /// The `git` table as written, for the Git deploy target.
    pub git: Option<toml::Value>,
    /// Made from `[airflow]` / `[paths]` (no `[environments]` in the config).
    pub implicit: bool,
}

impl Environment {
    /// `Err` with the one line to show when this environment is `read_only`: every
    /// command and key that would change its Airflow or its DAG files asks this first.
    pub fn check_writable(&self) -> Result<(), String> {
        if self.read_only {
            Err(format!(
                "{} is read-only in this configuration (read_only = true in [environments.{}]); watching runs and logs works, changes go through another environment",
                self.name, self.name
            ))
        } else {
            Ok(())
        }
    }

    /// The colour its name is shown in (`None`: not set). The config is checked when
    /// read (see [`parse_color`]), so a colour that does not parse is treated as unset.
    pub fn display_color(&self) -> Option<ratatui::style::Color> {
        self.color.as_deref().and_then(|c| parse_color(c).ok())
    }
}

/// Reads an environment's `color`: a colour name as ratatui spells them (`red`,
/// `light blue`, `dark gray`, …, case and `-`/`_`/space separators free), `#rrggbb`, or
/// an ANSI index 0–255. Err: the sentence after the key's name.
pub fn parse_color(text: &str) -> Result<ratatui::style::Color, String> {
    text.trim().parse::<ratatui::style::Color>().map_err(|_| {
        format!(
            "`color` is \"{}\", which is not a colour; use a name (red, green, yellow, blue, magenta, cyan, gray, white, light red, …) or #rrggbb",
            crate::model::text::one_line(text)
        )
    })
}

/// A name usable on the command line, in `:env NAME` and in the database.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "environment name `{}` must be 1 to 32 letters, digits, `_` or `-`",
            crate::model::text::one_line(name)
        ))
    }
}

/// Picks the environment asked for (`--env` / FLOWDECK_ENV), else the config's
/// `default_environment`, else the first one in the file. Err: one line listing the
/// known names.
pub fn select<'a>(
    environments: &'a [Environment],
    wanted: Option<&str>,
    default: Option<&str>,
) -> Result<&'a Environment, String> {
    let known = || {
        environments
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (name, from) = match (wanted, default) {
        (Some(w), _) => (w, "--env / FLOWDECK_ENV"),
        (None, Some(d)) => (d, "`default_environment` in the config"),
        (None, None) => {
            return environments
                .first()
                .ok_or_else(|| "the config defines no environment".to_string())
        }
    };
    environments.iter().find(|e| e.name == name).ok_or_else(|| {
        format!(
            "there is no environment `{}` ({from}); the config defines: {}",
            crate::model::text::one_line(name),
            known()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(toml_text: &str) -> EnvironmentSection {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn auth_comes_from_exactly_one_key() {
        assert_eq!(
            AuthSetting::from_section(&section("")).unwrap(),
            AuthSetting::None
        );
        assert_eq!(
            AuthSetting::from_section(&section("username = \"ops\"\npassword_env = \"P\""))
                .unwrap(),
            AuthSetting::Basic {
                username: "ops".into(),
                password_env: Some("P".into())
            }
        );
        assert_eq!(
            AuthSetting::from_section(&section("token_env = \"T\"")).unwrap(),
            AuthSetting::TokenEnv("T".into())
        );
        assert_eq!(
            AuthSetting::from_section(&section("token_command = \"gcloud auth x\"")).unwrap(),
            AuthSetting::TokenCommand("gcloud auth x".into())
        );
        for bad in [
            "token_env = \"T\"\ntoken_command = \"x\"",
            "password_env = \"P\"\ntoken_env = \"T\"",
            "token_env = \"abc def\"",
            "password_env = \"hunter2!\"",
            "username = \"ops\"",
            "token_command = \"  \"",
        ] {
            let err = AuthSetting::from_section(&section(bad)).unwrap_err();
            assert!(!err.contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn selection_names_the_known_environments() {
        let env = |name: &str| Environment {
            name: name.into(),
            url: "http://x".into(),
            auth: AuthSetting::None,
            dags_folder: PathBuf::from("/d"),
            ca_file: None,
            insecure_tls: false,
            read_only: false,
            color: None,
            git: None,
            implicit: false,
        };
        let all = [env("dev"), env("prod")];
        assert_eq!(select(&all, None, None).unwrap().name, "dev");
        assert_eq!(select(&all, None, Some("prod")).unwrap().name, "prod");
        assert_eq!(
            select(&all, Some("prod"), Some("dev")).unwrap().name,
            "prod"
        );
        let err = select(&all, Some("stage"), None).unwrap_err();
        assert!(err.contains("dev, prod") && err.contains("stage"), "{err}");
        assert!(check_name("prod-eu_1").is_ok());
        assert!(check_name("pr od").is_err() && check_name("").is_err());
    }
}
