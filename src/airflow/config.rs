//! How to reach one Airflow: URL, credentials, TLS and timeout.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The variable the implicit environment (no `[environments]` in the config) reads the
/// password from.
pub const DEFAULT_PASSWORD_VAR: &str = "FLOWDECK_AIRFLOW_PASSWORD";

/// How requests authenticate. Secrets held here are never logged and never shown by
/// `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// No credentials sent (an open Airflow, or one behind an authenticating proxy).
    None,
    /// User name + password: basic auth on Airflow 2, a JWT from `POST /auth/token` on
    /// Airflow 3. `password_env` names the variable the password came from, for
    /// messages.
    Basic {
        username: String,
        password: String,
        password_env: String,
    },
    /// A static bearer token, read from the environment variable `variable`.
    Token { token: String, variable: String },
    /// A shell command (`sh -c`) printing a bearer token on stdout: run when a token is
    /// first needed, kept in memory only, and run once more after Airflow refuses it.
    TokenCommand(String),
    /// The environment variable that should hold the secret is unset or empty: every
    /// request that needs credentials fails with [`super::Error::MissingSecret`] naming
    /// it (commands that never reach Airflow keep working).
    Missing {
        variable: String,
        /// What the variable holds and where it is configured, e.g. "the password of
        /// user admin" / "the API token (`token_env` in [environments.prod])".
        holds: String,
    },
}

impl Auth {
    /// Basic auth whose password comes from FLOWDECK_AIRFLOW_PASSWORD.
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Auth {
        Auth::Basic {
            username: username.into(),
            password: password.into(),
            password_env: DEFAULT_PASSWORD_VAR.into(),
        }
    }

    /// The user name, for basic auth.
    pub fn username(&self) -> Option<&str> {
        match self {
            Auth::Basic { username, .. } => Some(username),
            _ => None,
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Basic {
                username,
                password_env,
                ..
            } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"<redacted>")
                .field("password_env", password_env)
                .finish(),
            Auth::Token { variable, .. } => f
                .debug_struct("Token")
                .field("token", &"<redacted>")
                .field("variable", variable)
                .finish(),
            // The command may carry a secret of its own (a key file path, a client id).
            Auth::TokenCommand(_) => f.write_str("TokenCommand(<redacted>)"),
            Auth::Missing { variable, .. } => f
                .debug_struct("Missing")
                .field("variable", variable)
                .finish(),
        }
    }
}

/// Connection settings for [`super::Client`].
#[derive(Clone, PartialEq, Eq)]
pub struct AirflowConfig {
    /// Base URL of the api-server (Airflow 3) or webserver (Airflow 2), e.g.
    /// `http://127.0.0.1:8080`. A path prefix (reverse proxy) is kept.
    pub url: String,
    /// How requests authenticate.
    pub auth: Auth,
    /// Accept any TLS certificate. Off by default; only for a self-signed dev server.
    pub insecure_tls: bool,
    /// A PEM file of CA certificates trusted beside the built-in and system roots (a
    /// company CA). Read when the client is built.
    pub ca_file: Option<PathBuf>,
    /// Per-request timeout (connect + answer). A hung server costs at most this much;
    /// a token command gets the same time to print its token.
    pub timeout: Duration,
    /// Where these settings are written in the config, for messages that name a key:
    /// `[airflow]` for the implicit environment, `[environments.NAME]` otherwise.
    pub section: String,
}

impl AirflowConfig {
    /// Settings with basic auth (password from FLOWDECK_AIRFLOW_PASSWORD), verified TLS
    /// and a 10 s timeout.
    pub fn new(
        url: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self::with_auth(url, Auth::basic(username, password))
    }

    /// Settings with the given auth, verified TLS and a 10 s timeout.
    pub fn with_auth(url: impl Into<String>, auth: Auth) -> Self {
        Self {
            url: url.into(),
            auth,
            insecure_tls: false,
            ca_file: None,
            timeout: Duration::from_secs(10),
            section: "[airflow]".into(),
        }
    }

    /// The user name sent with basic auth (empty for token auth).
    pub fn username(&self) -> &str {
        self.auth.username().unwrap_or_default()
    }
}

impl Default for AirflowConfig {
    fn default() -> Self {
        Self::new("http://127.0.0.1:8080", "admin", "")
    }
}

impl fmt::Debug for AirflowConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AirflowConfig")
            .field("url", &self.url)
            .field("auth", &self.auth)
            .field("insecure_tls", &self.insecure_tls)
            .field("ca_file", &self.ca_file)
            .field("timeout", &self.timeout)
            .field("section", &self.section)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secrets() {
        let c = AirflowConfig::new("http://x", "admin", "s3cret-pass");
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret-pass"), "{shown}");
        assert!(shown.contains("admin"));
        assert!(!c.insecure_tls);
        for auth in [
            Auth::Token {
                token: "s3cret-tok".into(),
                variable: "T".into(),
            },
            Auth::TokenCommand("vault read s3cret-path".into()),
        ] {
            let shown = format!("{:?}", AirflowConfig::with_auth("http://x", auth));
            assert!(!shown.contains("s3cret"), "{shown}");
        }
    }
}
