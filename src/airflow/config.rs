//! How to reach one Airflow: URL, credentials, TLS and timeout.

use std::fmt;
use std::time::Duration;

/// Connection settings for [`super::Client`].
#[derive(Clone, PartialEq, Eq)]
pub struct AirflowConfig {
    /// Base URL of the api-server (Airflow 3) or webserver (Airflow 2), e.g.
    /// `http://127.0.0.1:8080`. A path prefix (reverse proxy) is kept.
    pub url: String,
    pub username: String,
    /// Never logged and never shown by `Debug`.
    pub password: String,
    /// Accept any TLS certificate. Off by default; only for a self-signed dev server.
    pub insecure_tls: bool,
    /// Per-request timeout (connect + answer). A hung server costs at most this much.
    pub timeout: Duration,
}

impl AirflowConfig {
    /// Settings with verified TLS and a 10 s timeout.
    pub fn new(
        url: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self {
            url: url.into(),
            username: username.into(),
            password: password.into(),
            insecure_tls: false,
            timeout: Duration::from_secs(10),
        }
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
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("insecure_tls", &self.insecure_tls)
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_password() {
        let c = AirflowConfig::new("http://x", "admin", "s3cret-pass");
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret-pass"), "{shown}");
        assert!(shown.contains("admin"));
        assert!(!c.insecure_tls);
    }
}
