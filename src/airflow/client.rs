//! The HTTP client: finds out which API the server speaks, authenticates (a user name
//! and password: a JWT from `/auth/token` on Airflow 3, basic auth on Airflow 2; a
//! bearer token from a variable or a token command: sent as is to both), maps every
//! failure to an [`Error`] sentence and every answer to the shared types. It counts the
//! requests it sends so the poller's cost can be measured.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::{header, Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tracing::{debug, warn};

use super::config::{AirflowConfig, Auth, DEFAULT_PASSWORD_VAR};
use super::error::{detail_from_body, Error};
use super::logs::{content_to_lines, LogChunk};
use super::types::{
    ApiVersion, Changes, Dag, DagRun, Health, ImportError, ManualState, RunKey, TaskInfo,
    TaskInstance, Version, WireDag, WireDagRun, WireDagRuns, WireDags, WireHealth,
    WireImportErrors, WireLog, WireTaskInstance, WireTaskInstances, WireTasks, WireToken,
    WireVersion, WireXcom,
};

/// Airflow's `[api] maximum_page_limit` default; asking for more is silently capped.
pub const PAGE_LIMIT: usize = 100;

/// A server that keeps returning full pages would otherwise be paged forever.
const MAX_PAGES: usize = 1_000;

/// Airflow REST client. Cheap to clone (shared connection pool, token and counters).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    config: AirflowConfig,
    /// `config.url` without a trailing slash.
    base: String,
    /// Result of probing `/version`; cleared by [`Client::forget_api`].
    version: RwLock<Option<Version>>,
    /// Serialises probing so concurrent first calls probe once.
    probe_lock: tokio::sync::Mutex<()>,
    /// The bearer token in use: Airflow 3's JWT (basic auth) or the token command's.
    /// Memory only. Behind an async mutex so that concurrent 401s fetch one new token.
    token: tokio::sync::Mutex<Option<String>>,
    requests: AtomicU64,
    /// Microseconds from sending each request to its response headers, summed.
    waited_us: AtomicU64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// A successful answer: body plus the server's clock.
struct Answer {
    body: Vec<u8>,
    server_time: Option<DateTime<Utc>>,
}

/// Percent-encodes one path segment. Run ids carry `:` and `+`
/// (`manual__2026-11-27T07:20:46.495261+00:00`); everything but unreserved characters is
/// encoded so no proxy or router can reinterpret them. `~` stays literal: Airflow reads
/// it as "all".
fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// What one request carries to authenticate.
#[derive(Clone)]
enum Credential {
    None,
    /// The configured user name and password.
    Basic,
    Bearer(String),
}

/// Finds the most telling cause of a transport error, with what to check: "connection
/// refused — is it running?" rather than reqwest's generic "error sending request". A
/// server that answered (reset or closed the connection) is not asked whether it runs;
/// for an http:// URL that usually means the server speaks HTTPS.
fn transport_reason(err: &reqwest::Error, base: &str) -> String {
    let closed = |what: &str| {
        if base.starts_with("http://") {
            format!(
                "the server {what} without an HTTP answer; if it serves HTTPS, use an https:// URL"
            )
        } else {
            format!("the server {what} without an answer")
        }
    };
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    let mut innermost = err.to_string();
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    return "connection refused — is it running?".into()
                }
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                    return closed("reset the connection")
                }
                _ => {}
            }
        }
        innermost = e.to_string();
        source = e.source();
    }
    let lower = innermost.to_ascii_lowercase();
    if lower.contains("dns")
        || lower.contains("failed to lookup")
        || lower.contains("name or service")
    {
        "the host name could not be resolved — check the URL".into()
    } else if lower.contains("connection closed before message completed") {
        closed("closed the connection")
    } else {
        innermost
    }
}

impl Client {
    /// Builds a client. No request is sent: the API version is probed on first use, so
    /// creating a client for an Airflow that is still starting works.
    pub fn new(config: AirflowConfig) -> Result<Self, Error> {
        let base = config.url.trim().trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base)
            .map_err(|e| Error::Config(format!("invalid URL {base:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "URL {base:?} must start with http:// or https://"
            )));
        }
        // Trusted: the built-in roots, the system's store and `ca_file` (see `tls`).
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .danger_accept_invalid_certs(config.insecure_tls)
            .user_agent(concat!("flowdeck/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &config.ca_file {
            let certs = super::tls::read_ca_file(path)
                .map_err(|r| Error::Config(format!("`ca_file` in {}: {r}", config.section)))?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder.build().map_err(|e| Error::Config(e.to_string()))?;
        if config.insecure_tls {
            warn!(url = %base, "TLS certificate verification is disabled for Airflow");
        }
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                config,
                base,
                version: RwLock::new(None),
                probe_lock: tokio::sync::Mutex::new(()),
                token: tokio::sync::Mutex::new(None),
                requests: AtomicU64::new(0),
                waited_us: AtomicU64::new(0),
            }),
        })
    }

    #[must_use]
    pub fn config(&self) -> &AirflowConfig {
        &self.inner.config
    }

    /// The base URL requests go to (no trailing slash).
    #[must_use]
    pub fn url(&self) -> &str {
        &self.inner.base
    }

    /// HTTP requests sent so far by this client and its clones (probes and token
    /// requests included).
    #[must_use]
    pub fn request_count(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// Time spent waiting for Airflow's answers (from sending a request to its response
    /// headers), summed over every request of this client and its clones: close to the
    /// api-server time flowdeck costs.
    #[must_use]
    pub fn waited(&self) -> std::time::Duration {
        std::time::Duration::from_micros(self.inner.waited_us.load(Ordering::Relaxed))
    }

    /// Forgets the probed API version and token, so the next call probes again. Call it
    /// when Airflow comes back after being unreachable: it may have been upgraded.
    ///
    /// Never waits: if a token request is under way, that token is kept (a stale one is
    /// replaced on its first 401 anyway).
    pub fn forget_api(&self) {
        if let Ok(mut v) = self.inner.version.write() {
            *v = None;
        }
        // A JWT belongs to the Airflow that issued it; a token command's token belongs to
        // its issuer and stays until Airflow refuses it.
        if matches!(self.inner.config.auth, Auth::Basic { .. }) {
            if let Ok(mut token) = self.inner.token.try_lock() {
                *token = None;
            }
        }
    }

    /// The credentials cannot be had without asking Airflow: the variable that should
    /// hold the password or token is unset or empty. `status` checks this first.
    pub fn missing_secret(&self) -> Option<Error> {
        match &self.inner.config.auth {
            Auth::Missing { variable, holds } => Some(Error::MissingSecret {
                variable: variable.clone(),
                holds: holds.clone(),
            }),
            _ => None,
        }
    }

    // -----------------------------------------------------------------------------------
    // Probing and auth

    fn cached_version(&self) -> Option<Version> {
        self.inner.version.read().ok().and_then(|v| v.clone())
    }

    /// The API the server speaks, probing `/api/v2/version` then `/api/v1/version` once.
    pub async fn api_version(&self) -> Result<ApiVersion, Error> {
        Ok(self.version().await?.api)
    }

    /// Airflow's version (from the probe; cached until [`Client::forget_api`]).
    pub async fn version(&self) -> Result<Version, Error> {
        if let Some(v) = self.cached_version() {
            return Ok(v);
        }
        let _guard = self.inner.probe_lock.lock().await;
        if let Some(v) = self.cached_version() {
            return Ok(v);
        }
        let v = self.probe().await?;
        debug!(version = %v.version, api = ?v.api, "probed Airflow");
        if let Ok(mut slot) = self.inner.version.write() {
            *slot = Some(v.clone());
        }
        Ok(v)
    }

    async fn probe(&self) -> Result<Version, Error> {
        let mut tried = Vec::new();
        for api in [ApiVersion::V2, ApiVersion::V1] {
            let url = format!("{}{}/version", self.inner.base, api.prefix());
            let resp = self.get_public(&url, "read Airflow's version").await?;
            let status = resp.status();
            if status == StatusCode::NOT_FOUND || status == StatusCode::METHOD_NOT_ALLOWED {
                tried.push(format!(
                    "GET {}/version answered {}",
                    api.prefix(),
                    status.as_u16()
                ));
                continue;
            }
            let answer = self.finish(resp, "read Airflow's version").await?;
            return match serde_json::from_slice::<WireVersion>(&answer.body) {
                Ok(w) if !w.version.is_empty() => Ok(Version {
                    version: w.version,
                    git_version: w.git_version,
                    api,
                }),
                _ => Err(Error::NotAirflow {
                    url: self.inner.base.clone(),
                    reason: format!("GET {}/version did not return a version", api.prefix()),
                }),
            };
        }
        Err(Error::NotAirflow {
            url: self.inner.base.clone(),
            reason: tried.join(", "),
        })
    }

    /// The bearer token in use, got (a JWT, or the token command run) if there is none.
    async fn token(&self) -> Result<String, Error> {
        let mut slot = self.inner.token.lock().await;
        if let Some(t) = slot.as_ref() {
            return Ok(t.clone());
        }
        let t = self.new_token().await?;
        *slot = Some(t.clone());
        Ok(t)
    }

    /// Replaces `stale` with a new token, unless another task already did.
    async fn refresh_token(&self, stale: &str) -> Result<String, Error> {
        let mut slot = self.inner.token.lock().await;
        if let Some(t) = slot.as_ref() {
            if t != stale {
                return Ok(t.clone());
            }
        }
        *slot = None;
        let t = self.new_token().await?;
        *slot = Some(t.clone());
        Ok(t)
    }

    async fn new_token(&self) -> Result<String, Error> {
        match &self.inner.config.auth {
            Auth::TokenCommand(command) => {
                let token = super::token_command::run(command, self.inner.config.timeout)
                    .await
                    .map_err(|problem| Error::TokenCommand {
                        section: self.inner.config.section.clone(),
                        problem,
                    })?;
                debug!("the token command printed a new token");
                Ok(token)
            }
            _ => self.fetch_token().await,
        }
    }

    /// What the next request carries: nothing, basic auth, or a bearer token (Airflow
    /// 3's JWT for a user name and password; a static or command token as is, on both
    /// APIs, as managed Airflows expect). Err: the variable is missing, or getting the
    /// token failed.
    async fn credential(&self, api: ApiVersion) -> Result<Credential, Error> {
        Ok(match &self.inner.config.auth {
            Auth::None => Credential::None,
            Auth::Basic { .. } if api == ApiVersion::V1 => Credential::Basic,
            Auth::Basic { .. } | Auth::TokenCommand(_) => Credential::Bearer(self.token().await?),
            Auth::Token { .. } => Credential::Bearer(self.static_token()?),
            Auth::Missing { variable, holds } => {
                return Err(Error::MissingSecret {
                    variable: variable.clone(),
                    holds: holds.clone(),
                })
            }
        })
    }

    /// What goes to the endpoints every client may read (`/version`, the health check):
    /// nothing, except a bearer token, which a proxy in front of a managed Airflow may
    /// require for every path.
    async fn public_credential(&self) -> Result<Credential, Error> {
        Ok(match &self.inner.config.auth {
            Auth::Token { .. } => Credential::Bearer(self.static_token()?),
            Auth::TokenCommand(_) => Credential::Bearer(self.token().await?),
            _ => Credential::None,
        })
    }

    /// The token of `token_env`, if it can be one: a value with spaces or control
    /// characters (a pasted "Bearer …" line, two lines) is refused before it is sent,
    /// naming the variable and not repeating the value.
    fn static_token(&self) -> Result<String, Error> {
        match &self.inner.config.auth {
            Auth::Token { token, .. } if token.bytes().all(|b| b.is_ascii_graphic()) => {
                Ok(token.clone())
            }
            Auth::Token { variable, .. } => Err(Error::Config(format!(
                "${variable} (`token_env` in {}) does not hold a token: it has spaces or characters a token never has; set it to the token alone",
                self.inner.config.section
            ))),
            _ => Err(self.credentials_error()),
        }
    }

    /// A new credential after Airflow refused `used`, if getting one can help: a new
    /// JWT, or the token command run again. `None` for a static token, basic auth or
    /// none: sending the same again would be refused again.
    async fn renew(&self, used: &Credential) -> Result<Option<Credential>, Error> {
        match (used, &self.inner.config.auth) {
            (Credential::Bearer(stale), Auth::Basic { .. } | Auth::TokenCommand(_)) => {
                Ok(Some(Credential::Bearer(self.refresh_token(stale).await?)))
            }
            _ => Ok(None),
        }
    }

    fn authorize(
        &self,
        req: reqwest::RequestBuilder,
        credential: &Credential,
    ) -> reqwest::RequestBuilder {
        match (credential, &self.inner.config.auth) {
            (Credential::Bearer(t), _) => req.bearer_auth(t),
            (
                Credential::Basic,
                Auth::Basic {
                    username, password, ..
                },
            ) => req.basic_auth(username, Some(password)),
            _ => req,
        }
    }

    /// GET of a path every client may read, with [`Client::public_credential`]; a
    /// command token refused with a 401 is renewed once.
    async fn get_public(&self, url: &str, action: &str) -> Result<reqwest::Response, Error> {
        let credential = self.public_credential().await?;
        let send = |credential: &Credential| {
            let req = self
                .inner
                .http
                .get(url)
                .header(header::ACCEPT, "application/json");
            self.authorize(req, credential)
        };
        let resp = self
            .execute(send(&credential), &Method::GET, url, action)
            .await?;
        if resp.status() == StatusCode::UNAUTHORIZED {
            if let Some(fresh) = self.renew(&credential).await? {
                return self.execute(send(&fresh), &Method::GET, url, action).await;
            }
        }
        Ok(resp)
    }

    /// Airflow 3's JWT for the configured user name and password.
    async fn fetch_token(&self) -> Result<String, Error> {
        let Auth::Basic {
            username, password, ..
        } = &self.inner.config.auth
        else {
            return Err(self.credentials_error());
        };
        let url = format!("{}/auth/token", self.inner.base);
        let body = json!({
            "username": username,
            "password": password,
        });
        // The body holds the password: it goes to reqwest only, never to a log line.
        let resp = self
            .send_raw(Method::POST, &url, Some(&body), "sign in")
            .await?;
        // Airflow 3 answers 400 "Username and password must be provided" to an empty
        // password: the same mistake as a wrong one, with the same fix.
        if matches!(
            resp.status(),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        ) || (resp.status() == StatusCode::BAD_REQUEST
            && (password.is_empty() || username.is_empty()))
        {
            return Err(self.credentials_error());
        }
        let answer = self.finish(resp, "sign in").await?;
        let token: WireToken = decode(&answer.body, "sign in")?;
        debug!("obtained a new Airflow API token");
        token
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::Decode {
                action: "sign in".into(),
                reason: "no access_token in the answer of POST /auth/token".into(),
            })
    }

    /// Whether Airflow 2 refuses the credentials themselves, asked after a 403: listing
    /// one DAG is what every user who can use flowdeck at all may do, so a 401 or 403
    /// there means the credentials (or a user without any DAG access).
    async fn v1_credentials_refused(&self, credential: &Credential) -> bool {
        let url = format!("{}{}/dags", self.inner.base, ApiVersion::V1.prefix());
        let req = self
            .inner
            .http
            .get(&url)
            .header(header::ACCEPT, "application/json")
            .query(&[("limit", "1")]);
        let req = self.authorize(req, credential);
        match self
            .execute(req, &Method::GET, &url, "check the credentials")
            .await
        {
            Ok(resp) => matches!(
                resp.status(),
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
            ),
            Err(_) => false,
        }
    }

    /// Airflow refused the credentials: which ones, and what to check.
    fn credentials_error(&self) -> Error {
        let section = &self.inner.config.section;
        let (what, fix) = match &self.inner.config.auth {
            Auth::Basic {
                username,
                password_env,
                ..
            } => (
                format!("the credentials for user {}", shown(username)),
                if password_env == DEFAULT_PASSWORD_VAR {
                    format!("check FLOWDECK_AIRFLOW_USERNAME and {DEFAULT_PASSWORD_VAR}")
                } else {
                    format!("check `username` in {section} and the password in ${password_env}")
                },
            ),
            Auth::Token { variable, .. } => (
                format!("the token in ${variable}"),
                format!("set it to a token this Airflow accepts (`token_env` in {section})"),
            ),
            Auth::TokenCommand(_) => (
                "the token printed by the token command, also after running it again".into(),
                format!("check that `token_command` in {section} prints a token for this Airflow"),
            ),
            Auth::None | Auth::Missing { .. } => (
                "requests without credentials".into(),
                format!(
                    "set `username` + `password_env`, `token_env` or `token_command` in {section}"
                ),
            ),
        };
        Error::Credentials { what, fix }
    }

    /// Who a 403 refers to: "user viewer", or the token's user.
    fn who(&self) -> String {
        match &self.inner.config.auth {
            Auth::Basic { username, .. } => format!("user {}", shown(username)),
            Auth::Token { .. } | Auth::TokenCommand(_) => "the user of this token".into(),
            Auth::None | Auth::Missing { .. } => "requests without credentials".into(),
        }
    }

    // -----------------------------------------------------------------------------------
    // Transport

    async fn send_raw(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        action: &str,
    ) -> Result<reqwest::Response, Error> {
        let mut req = self
            .inner
            .http
            .request(method.clone(), url)
            .header(header::ACCEPT, "application/json");
        if let Some(body) = body {
            req = req.json(body);
        }
        self.execute(req, &method, url, action).await
    }

    async fn execute(
        &self,
        req: reqwest::RequestBuilder,
        method: &Method,
        url: &str,
        action: &str,
    ) -> Result<reqwest::Response, Error> {
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        // Only method, URL (no credentials in it) and timing are logged.
        let result = req.send().await;
        self.inner
            .waited_us
            .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        match result {
            Ok(resp) => {
                debug!(%method, url, status = resp.status().as_u16(), ms = started.elapsed().as_millis() as u64, "airflow request");
                Ok(resp)
            }
            Err(e) => {
                debug!(%method, url, error = %e, "airflow request failed");
                Err(self.transport_error(&e, action))
            }
        }
    }

    fn transport_error(&self, e: &reqwest::Error, action: &str) -> Error {
        if let Some(tls) = super::tls::find_tls_error(e) {
            let host = reqwest::Url::parse(&self.inner.base)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_default();
            let (problem, fix) = super::tls::describe(tls, &host, &self.inner.config.section);
            return Error::Tls {
                url: self.inner.base.clone(),
                problem,
                fix,
            };
        }
        if e.is_timeout() {
            Error::Timeout {
                url: self.inner.base.clone(),
                action: action.to_owned(),
                seconds: self.inner.config.timeout.as_secs().max(1),
            }
        } else if e.is_builder() {
            Error::Config(e.to_string())
        } else if e.is_decode() || e.is_body() {
            Error::Decode {
                action: action.to_owned(),
                reason: e.to_string(),
            }
        } else {
            Error::Unreachable {
                url: self.inner.base.clone(),
                reason: transport_reason(e, &self.inner.base),
            }
        }
    }

    /// Reads the body and turns a non-2xx status into an error.
    async fn finish(&self, resp: reqwest::Response, action: &str) -> Result<Answer, Error> {
        let status = resp.status();
        let server_time = resp
            .headers()
            .get(header::DATE)
            .and_then(|d| d.to_str().ok())
            .and_then(|d| DateTime::parse_from_rfc2822(d).ok())
            .map(|d| d.with_timezone(&Utc));
        let body = resp
            .bytes()
            .await
            .map_err(|e| self.transport_error(&e, action))?
            .to_vec();
        if status.is_success() {
            return Ok(Answer { body, server_time });
        }
        let detail = detail_from_body(&String::from_utf8_lossy(&body));
        let action = action.to_owned();
        Err(match status.as_u16() {
            401 => self.credentials_error(),
            403 => Error::Forbidden {
                who: self.who(),
                action,
                detail,
            },
            404 => Error::NotFound { action, detail },
            status @ 400..=499 => Error::Rejected {
                action,
                status,
                detail,
            },
            status => Error::Server {
                action,
                status,
                detail,
            },
        })
    }

    /// One authenticated API call. `path` is below the API prefix and already encoded.
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        action: &str,
    ) -> Result<Answer, Error> {
        // Reads are sent again after a 5xx: Airflow on SQLite answers "Database error"
        // when it is busy, and a read changes nothing. So is a re-parse request: asking
        // twice queues one parse. Other writes are not (see trigger_run).
        let idempotent = method == Method::GET || path.starts_with("/parseDagFile/");
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .call_once(method.clone(), path, query, body, action)
                .await
            {
                Err(Error::Server { .. }) if idempotent && attempt < 3 => {
                    tokio::time::sleep(std::time::Duration::from_millis(300 * attempt)).await;
                }
                other => return other,
            }
        }
    }

    async fn call_once(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        action: &str,
    ) -> Result<Answer, Error> {
        let version = self.version().await?;
        let api = version.api;
        let url = format!("{}{}{}", self.inner.base, api.prefix(), path);
        let build = |credential: &Credential| {
            let mut req = self
                .inner
                .http
                .request(method.clone(), &url)
                .header(header::ACCEPT, "application/json")
                .query(query);
            if let Some(body) = body {
                req = req.json(body);
            }
            self.authorize(req, credential)
        };
        let credential = self.credential(api).await?;
        let resp = self
            .execute(build(&credential), &method, &url, action)
            .await?;
        match self.answer(resp, api, &credential, action).await {
            // 401 "Token Expired", or 403 "Invalid JWT token" after the api-server
            // restarted with a new secret, or a command token that expired: one new
            // token, one retry.
            Err(e) if token_rejected(&e) => {
                // A static token or a password: sending it again cannot help. A bearer
                // token answered 403 "Invalid JWT token" is refused like a 401.
                let Some(fresh) = self.renew(&credential).await? else {
                    return Err(match credential {
                        Credential::Bearer(_) => self.credentials_error(),
                        _ => e,
                    });
                };
                debug!("Airflow refused the API token; sending the request with a new one");
                // Refused again: a 401 is a credentials error; a 403 "Invalid JWT
                // token" for a token just issued by this Airflow is its own problem
                // (api-servers with different secrets) and is shown as Airflow says it.
                let resp = self.execute(build(&fresh), &method, &url, action).await?;
                self.answer(resp, api, &fresh, action).await
            }
            other => other,
        }
    }

    /// [`Client::finish`], telling Airflow 2's 403 to a wrong password apart from a
    /// missing permission.
    async fn answer(
        &self,
        resp: reqwest::Response,
        api: ApiVersion,
        credential: &Credential,
        action: &str,
    ) -> Result<Answer, Error> {
        match self.finish(resp, action).await {
            // Airflow 2.11 answers a wrong password with the same 403 `Forbidden`
            // (detail null) as a missing permission, never a 401.
            Err(Error::Forbidden { .. })
                if api == ApiVersion::V1 && self.v1_credentials_refused(credential).await =>
            {
                Err(self.credentials_error())
            }
            other => other,
        }
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        action: &str,
    ) -> Result<T, Error> {
        let answer = self.call(Method::GET, path, query, None, action).await?;
        decode(&answer.body, action)
    }

    /// Follows `limit`/`offset` pages until `total_entries` (or a short page) says done.
    async fn get_paged<W, T>(
        &self,
        path: &str,
        query: &[(&str, String)],
        action: &str,
        split: impl Fn(W) -> (Vec<T>, Option<u64>),
    ) -> Result<(Vec<T>, Option<DateTime<Utc>>), Error>
    where
        W: DeserializeOwned,
    {
        let mut items = Vec::new();
        let mut first_time = None;
        for page in 0..MAX_PAGES {
            let mut q = query.to_vec();
            q.push(("limit", PAGE_LIMIT.to_string()));
            q.push(("offset", items.len().to_string()));
            let answer = self.call(Method::GET, path, &q, None, action).await?;
            if page == 0 {
                first_time = answer.server_time;
            }
            let (batch, total) = split(decode(&answer.body, action)?);
            let got = batch.len();
            items.extend(batch);
            let more = match total {
                Some(total) => (items.len() as u64) < total && got > 0,
                None => got >= PAGE_LIMIT,
            };
            if !more {
                break;
            }
        }
        Ok((items, first_time))
    }

    // -----------------------------------------------------------------------------------
    // Endpoints

    /// Component health (no authentication needed).
    pub async fn health(&self) -> Result<Health, Error> {
        let version = self.version().await?;
        let path = match version.api {
            ApiVersion::V2 => "/api/v2/monitor/health",
            ApiVersion::V1 => "/api/v1/health",
        };
        let url = format!("{}{}", self.inner.base, path);
        let resp = self.get_public(&url, "check Airflow's health").await?;
        let answer = self.finish(resp, "check Airflow's health").await?;
        let w: WireHealth = decode(&answer.body, "check Airflow's health")?;
        Ok(w.into())
    }

    /// One DAG. `Error::NotFound` until Airflow has parsed it.
    pub async fn get_dag(&self, dag_id: &str) -> Result<Dag, Error> {
        let action = format!("read DAG {dag_id}");
        let w: WireDag = self
            .get(&format!("/dags/{}", seg(dag_id)), &[], &action)
            .await?;
        Ok(w.into())
    }

    /// One DAG with its details (`/dags/{id}/details`, on both APIs): besides what
    /// [`Client::get_dag`] returns, the served DAG's `doc_md`, which is read from the
    /// DAG Airflow serialized, i.e. the version Airflow serves. `Error::NotFound` until
    /// Airflow has parsed it.
    pub async fn get_dag_details(&self, dag_id: &str) -> Result<Dag, Error> {
        let action = format!("read DAG {dag_id}");
        let w: WireDag = self
            .get(&format!("/dags/{}/details", seg(dag_id)), &[], &action)
            .await?;
        Ok(w.into())
    }

    /// All (non-stale) DAGs whose id starts with `prefix`, every page.
    pub async fn list_dags(&self, prefix: &str) -> Result<Vec<Dag>, Error> {
        let api = self.api_version().await?;
        // `dag_id_pattern` is a contains-LIKE on both APIs (`_` is a wildcard there), and
        // 3.3 adds a prefix filter; the exact prefix is enforced here.
        let mut query = vec![("dag_id_pattern", prefix.to_owned())];
        match api {
            ApiVersion::V2 => {
                query.push(("dag_id_prefix_pattern", prefix.to_owned()));
                query.push(("order_by", "dag_id".to_owned()));
            }
            ApiVersion::V1 => query.push(("order_by", "dag_id".to_owned())),
        }
        let (dags, _) = self
            .get_paged("/dags", &query, "list DAGs", |w: WireDags| {
                (w.dags, w.total_entries)
            })
            .await?;
        Ok(dags
            .into_iter()
            .map(Dag::from)
            .filter(|d| d.dag_id.starts_with(prefix))
            .collect())
    }

    /// All import errors (every page).
    pub async fn import_errors(&self) -> Result<Vec<ImportError>, Error> {
        let (errors, _) = self
            .get_paged(
                "/importErrors",
                &[("order_by", "import_error_id".to_owned())],
                "list import errors",
                |w: WireImportErrors| (w.import_errors, w.total_entries),
            )
            .await?;
        Ok(errors.into_iter().map(ImportError::from).collect())
    }

    /// Pauses or unpauses a DAG.
    pub async fn set_paused(&self, dag_id: &str, paused: bool) -> Result<Dag, Error> {
        let action = format!("{} DAG {dag_id}", if paused { "pause" } else { "unpause" });
        let answer = self
            .call(
                Method::PATCH,
                &format!("/dags/{}", seg(dag_id)),
                &[("update_mask", "is_paused".to_owned())],
                Some(&json!({ "is_paused": paused })),
                &action,
            )
            .await?;
        let w: WireDag = decode(&answer.body, &action)?;
        Ok(w.into())
    }

    /// Triggers a run. Without `logical_date`, Airflow 3 gets the current UTC time (a
    /// null logical date leaves `{{ ds }}` undefined and such tasks fail); Airflow 2
    /// rejects a null one and picks "now" itself when the key is absent.
    pub async fn trigger_run(
        &self,
        dag_id: &str,
        conf: Option<Value>,
        logical_date: Option<DateTime<Utc>>,
    ) -> Result<DagRun, Error> {
        let action = format!("trigger a run of {dag_id}");
        let api = self.api_version().await?;
        let mut body = serde_json::Map::new();
        match (api, logical_date) {
            (ApiVersion::V2, date) => {
                body.insert(
                    "logical_date".into(),
                    Value::String(rfc3339(date.unwrap_or_else(Utc::now))),
                );
            }
            (ApiVersion::V1, Some(date)) => {
                body.insert("logical_date".into(), Value::String(rfc3339(date)));
            }
            (ApiVersion::V1, None) => {}
        }
        match conf {
            Some(conf) => {
                body.insert("conf".into(), conf);
            }
            None if api == ApiVersion::V1 => {
                body.insert("conf".into(), json!({}));
            }
            None => {}
        }
        // The run id is chosen here (Airflow's own `manual__<date>` form) so a trigger
        // that failed with a 5xx can be sent again safely: Airflow's SQLite setups answer
        // "Database error" under load, and a retry that meets 409 means the first try
        // had in fact created the run.
        let run_id = format!("manual__{}", rfc3339(Utc::now()));
        body.insert("dag_run_id".into(), Value::String(run_id.clone()));
        let body = Value::Object(body);
        let path = format!("/dags/{}/dagRuns", seg(dag_id));
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .call(Method::POST, &path, &[], Some(&body), &action)
                .await
            {
                Ok(answer) => {
                    let w: WireDagRun = decode(&answer.body, &action)?;
                    return Ok(w.into());
                }
                Err(Error::Server { .. }) if attempt < 3 => {
                    tracing::warn!(dag_id, attempt, "trigger answered 5xx; sending it again");
                    tokio::time::sleep(std::time::Duration::from_millis(500 * attempt)).await;
                }
                Err(Error::Rejected { status: 409, .. }) if attempt > 1 => {
                    return self.get_dag_run(dag_id, &run_id).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One run.
    pub async fn get_dag_run(&self, dag_id: &str, run_id: &str) -> Result<DagRun, Error> {
        let action = format!("read run {run_id} of {dag_id}");
        let w: WireDagRun = self
            .get(
                &format!("/dags/{}/dagRuns/{}", seg(dag_id), seg(run_id)),
                &[],
                &action,
            )
            .await?;
        Ok(w.into())
    }

    /// The newest `limit` runs of one DAG, newest first.
    pub async fn dag_runs(&self, dag_id: &str, limit: usize) -> Result<Vec<DagRun>, Error> {
        let action = format!("list runs of {dag_id}");
        let order = self.newest_first().await?;
        let w: WireDagRuns = self
            .get(
                &format!("/dags/{}/dagRuns", seg(dag_id)),
                &[
                    ("order_by", order.to_owned()),
                    ("limit", limit.clamp(1, PAGE_LIMIT).to_string()),
                ],
                &action,
            )
            .await?;
        Ok(w.dag_runs.into_iter().map(DagRun::from).collect())
    }

    async fn newest_first(&self) -> Result<&'static str, Error> {
        Ok(match self.api_version().await? {
            ApiVersion::V2 => "-run_after",
            ApiVersion::V1 => "-execution_date",
        })
    }

    /// The newest `limit` runs across several DAGs, newest first, in as few requests as
    /// the page cap allows (one for `limit` ≤ 100) whatever the number of DAGs.
    pub async fn dag_runs_batch(
        &self,
        dag_ids: &[String],
        limit: usize,
    ) -> Result<Vec<DagRun>, Error> {
        Ok(self.dag_runs_batch_timed(dag_ids, limit).await?.items)
    }

    /// [`Client::dag_runs_batch`] plus the server's clock, where deltas start from.
    pub(crate) async fn dag_runs_batch_timed(
        &self,
        dag_ids: &[String],
        limit: usize,
    ) -> Result<Changes<DagRun>, Error> {
        if dag_ids.is_empty() || limit == 0 {
            return Ok(Changes {
                items: Vec::new(),
                server_time: None,
            });
        }
        let order = self.newest_first().await?;
        let mut server_time = None;
        let mut runs = Vec::new();
        while runs.len() < limit {
            let page_limit = (limit - runs.len()).min(PAGE_LIMIT);
            let body = json!({
                "dag_ids": dag_ids,
                "order_by": order,
                "page_limit": page_limit,
                "page_offset": runs.len(),
            });
            let answer = self
                .call(
                    Method::POST,
                    "/dags/~/dagRuns/list",
                    &[],
                    Some(&body),
                    "list runs",
                )
                .await?;
            server_time = server_time.or(answer.server_time);
            let w: WireDagRuns = decode(&answer.body, "list runs")?;
            let got = w.dag_runs.len();
            runs.extend(w.dag_runs.into_iter().map(DagRun::from));
            let total_left = w.total_entries.is_none_or(|t| (runs.len() as u64) < t);
            if got < page_limit || !total_left {
                break;
            }
        }
        Ok(Changes {
            items: runs,
            server_time,
        })
    }

    /// Runs of DAGs starting with `prefix` created or changed at or after `since`
    /// (server clock). One request unless more than 100 runs changed.
    pub async fn runs_changed_since(
        &self,
        since: DateTime<Utc>,
        prefix: &str,
    ) -> Result<Changes<DagRun>, Error> {
        let query = changed_since_query(self.api_version().await?, since, prefix);
        let (runs, server_time) = self
            .get_paged(
                "/dags/~/dagRuns",
                &query,
                "list changed runs",
                |w: WireDagRuns| (w.dag_runs, w.total_entries),
            )
            .await?;
        Ok(Changes {
            items: runs
                .into_iter()
                .map(DagRun::from)
                .filter(|r| r.dag_id.starts_with(prefix))
                .collect(),
            server_time,
        })
    }

    /// Task instances of DAGs starting with `prefix` changed at or after `since`.
    pub async fn task_instances_changed_since(
        &self,
        since: DateTime<Utc>,
        prefix: &str,
    ) -> Result<Changes<TaskInstance>, Error> {
        let query = changed_since_query(self.api_version().await?, since, prefix);
        let (tis, server_time) = self
            .get_paged(
                "/dags/~/dagRuns/~/taskInstances",
                &query,
                "list changed task instances",
                |w: WireTaskInstances| (w.task_instances, w.total_entries),
            )
            .await?;
        Ok(Changes {
            items: tis
                .into_iter()
                .map(TaskInstance::from)
                .filter(|t| t.dag_id.starts_with(prefix))
                .collect(),
            server_time,
        })
    }

    /// Task instances of one run (every page; mapped tasks can exceed 100).
    pub async fn task_instances(
        &self,
        dag_id: &str,
        run_id: &str,
    ) -> Result<Vec<TaskInstance>, Error> {
        let action = format!("list the tasks of run {run_id}");
        let (tis, _) = self
            .get_paged(
                &format!(
                    "/dags/{}/dagRuns/{}/taskInstances",
                    seg(dag_id),
                    seg(run_id)
                ),
                &[],
                &action,
                |w: WireTaskInstances| (w.task_instances, w.total_entries),
            )
            .await?;
        Ok(tis.into_iter().map(TaskInstance::from).collect())
    }

    /// Task instances of several runs in one request per 100 task instances.
    pub async fn task_instances_batch(&self, runs: &[RunKey]) -> Result<Vec<TaskInstance>, Error> {
        Ok(self.task_instances_batch_timed(runs).await?.items)
    }

    /// [`Client::task_instances_batch`] plus the server's clock.
    pub(crate) async fn task_instances_batch_timed(
        &self,
        runs: &[RunKey],
    ) -> Result<Changes<TaskInstance>, Error> {
        let mut server_time = None;
        if runs.is_empty() {
            return Ok(Changes {
                items: Vec::new(),
                server_time,
            });
        }
        let mut dag_ids: Vec<&str> = runs.iter().map(|r| r.dag_id.as_str()).collect();
        dag_ids.sort_unstable();
        dag_ids.dedup();
        let run_ids: Vec<&str> = runs.iter().map(|r| r.run_id.as_str()).collect();
        let mut out: Vec<TaskInstance> = Vec::new();
        let mut offset = 0;
        for _ in 0..MAX_PAGES {
            let body = json!({
                "dag_ids": dag_ids,
                "dag_run_ids": run_ids,
                "page_limit": PAGE_LIMIT,
                "page_offset": offset,
            });
            let answer = self
                .call(
                    Method::POST,
                    "/dags/~/dagRuns/~/taskInstances/list",
                    &[],
                    Some(&body),
                    "list task instances",
                )
                .await?;
            server_time = server_time.or(answer.server_time);
            let w: WireTaskInstances = decode(&answer.body, "list task instances")?;
            let got = w.task_instances.len();
            offset += got;
            out.extend(w.task_instances.into_iter().map(TaskInstance::from));
            let more = match w.total_entries {
                Some(t) => (offset as u64) < t && got > 0,
                None => got >= PAGE_LIMIT,
            };
            if !more {
                break;
            }
        }
        // The filter is a cross product of DAG ids and run ids; keep the exact pairs.
        out.retain(|t| {
            runs.iter()
                .any(|r| r.dag_id == t.dag_id && r.run_id == t.run_id)
        });
        Ok(Changes {
            items: out,
            server_time,
        })
    }

    /// Earlier tries of one task (each a [`TaskInstance`] with its `try_number`).
    pub async fn task_tries(
        &self,
        dag_id: &str,
        run_id: &str,
        task_id: &str,
    ) -> Result<Vec<TaskInstance>, Error> {
        let action = format!("list the tries of task {task_id}");
        let w: WireTaskInstances = self
            .get(
                &format!(
                    "/dags/{}/dagRuns/{}/taskInstances/{}/tries",
                    seg(dag_id),
                    seg(run_id),
                    seg(task_id)
                ),
                &[],
                &action,
            )
            .await?;
        Ok(w.task_instances
            .into_iter()
            .map(TaskInstance::from)
            .collect())
    }

    /// A piece of a task's log as sanitised lines. Pass the previous chunk's
    /// `continuation_token` to read on.
    pub async fn logs(
        &self,
        dag_id: &str,
        run_id: &str,
        task_id: &str,
        try_number: u32,
        continuation_token: Option<&str>,
    ) -> Result<LogChunk, Error> {
        let action = format!("read the log of task {task_id} (try {try_number})");
        let mut query = vec![("full_content", "false".to_owned())];
        if let Some(t) = continuation_token {
            query.push(("token", t.to_owned()));
        }
        let w: WireLog = self
            .get(
                &format!(
                    "/dags/{}/dagRuns/{}/taskInstances/{}/logs/{}",
                    seg(dag_id),
                    seg(run_id),
                    seg(task_id),
                    try_number
                ),
                &query,
                &action,
            )
            .await?;
        Ok(LogChunk {
            lines: content_to_lines(&w.content),
            continuation_token: w.continuation_token.filter(|t| !t.is_empty()),
        })
    }

    /// A piece of a task's log as Airflow sent it (`{content, continuation_token}`), for
    /// viewers that keep the structure of Airflow 3's log events (level, timestamp,
    /// logger). Log text is untrusted: sanitise it before printing.
    pub async fn log_json(
        &self,
        dag_id: &str,
        run_id: &str,
        task_id: &str,
        try_number: u32,
        continuation_token: Option<&str>,
    ) -> Result<Value, Error> {
        let action = format!("read the log of task {task_id} (try {try_number})");
        let mut query = vec![("full_content", "false".to_owned())];
        if let Some(t) = continuation_token {
            query.push(("token", t.to_owned()));
        }
        self.get(
            &format!(
                "/dags/{}/dagRuns/{}/taskInstances/{}/logs/{}",
                seg(dag_id),
                seg(run_id),
                seg(task_id),
                try_number
            ),
            &query,
            &action,
        )
        .await
    }

    /// The value a task returned (XCom `return_value`), `None` if it returned nothing.
    pub async fn xcom_return_value(
        &self,
        dag_id: &str,
        run_id: &str,
        task_id: &str,
    ) -> Result<Option<Value>, Error> {
        let action = format!("read what task {task_id} returned");
        // Airflow 2 gives the value as a string (Python's `str()` of it, e.g.
        // `{'total': 3}`); `deserialize=true` would be a 400 "XCom deserialization is
        // disabled in configuration" unless `[api] enable_xcom_deserialize_support` is on,
        // which is off by default and discouraged, so it is not asked for.
        let result: Result<WireXcom, Error> = self
            .get(
                &format!(
                    "/dags/{}/dagRuns/{}/taskInstances/{}/xcomEntries/return_value",
                    seg(dag_id),
                    seg(run_id),
                    seg(task_id)
                ),
                &[],
                &action,
            )
            .await;
        match result {
            Ok(w) => Ok(Some(w.value)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Clears task instances of one run so they run again. `dry_run` only reports what
    /// would be cleared. `only_failed` is sent as false: Airflow's default (true) would
    /// silently skip a successful task the user asked to rerun.
    pub async fn clear_task_instances(
        &self,
        dag_id: &str,
        run_id: &str,
        task_ids: &[String],
        include_downstream: bool,
        dry_run: bool,
    ) -> Result<Vec<TaskInstance>, Error> {
        let action = format!("clear tasks of run {run_id}");
        let body = json!({
            "dry_run": dry_run,
            "only_failed": false,
            "dag_run_id": run_id,
            "task_ids": task_ids,
            "include_downstream": include_downstream,
            "reset_dag_runs": true,
        });
        let answer = self
            .call(
                Method::POST,
                &format!("/dags/{}/clearTaskInstances", seg(dag_id)),
                &[],
                Some(&body),
                &action,
            )
            .await?;
        let w: WireTaskInstances = decode(&answer.body, &action)?;
        Ok(w.task_instances
            .into_iter()
            .map(TaskInstance::from)
            .collect())
    }

    /// Marks one task instance success or failed.
    pub async fn set_task_state(
        &self,
        dag_id: &str,
        run_id: &str,
        task_id: &str,
        state: ManualState,
    ) -> Result<(), Error> {
        let action = format!("mark task {task_id} {}", state.as_str());
        let api = self.api_version().await?;
        let path = format!(
            "/dags/{}/dagRuns/{}/taskInstances/{}",
            seg(dag_id),
            seg(run_id),
            seg(task_id)
        );
        let (query, body) = match api {
            ApiVersion::V2 => (
                vec![("update_mask", "new_state".to_owned())],
                json!({ "new_state": state.as_str() }),
            ),
            ApiVersion::V1 => (
                Vec::new(),
                json!({ "dry_run": false, "new_state": state.as_str() }),
            ),
        };
        self.call(Method::PATCH, &path, &query, Some(&body), &action)
            .await?;
        Ok(())
    }

    /// Asks the dag-processor to parse the file behind `file_token` now. On Airflow 3 this
    /// also rescans the file's bundle, so new files in it are found (see AIRFLOW.md).
    pub async fn reparse_dag_file(&self, file_token: &str) -> Result<(), Error> {
        self.call(
            Method::PUT,
            &format!("/parseDagFile/{}", seg(file_token)),
            &[],
            None,
            "request a re-parse of a DAG file",
        )
        .await?;
        Ok(())
    }

    /// The tasks Airflow serves for a DAG, with their downstream ids.
    pub async fn dag_tasks(&self, dag_id: &str) -> Result<Vec<TaskInfo>, Error> {
        let action = format!("list the tasks of DAG {dag_id}");
        let w: WireTasks = self
            .get(&format!("/dags/{}/tasks", seg(dag_id)), &[], &action)
            .await?;
        Ok(w.tasks.into_iter().map(TaskInfo::from).collect())
    }

    /// One task instance.
    pub async fn task_instance(
        &self,
        dag_id: &str,
        run_id: &str,
        task_id: &str,
    ) -> Result<TaskInstance, Error> {
        let action = format!("read task {task_id} of run {run_id}");
        let w: WireTaskInstance = self
            .get(
                &format!(
                    "/dags/{}/dagRuns/{}/taskInstances/{}",
                    seg(dag_id),
                    seg(run_id),
                    seg(task_id)
                ),
                &[],
                &action,
            )
            .await?;
        Ok(w.into())
    }
}

fn shown(s: &str) -> String {
    crate::model::text::shown(s)
}

/// Whether Airflow refused the bearer token itself (as opposed to the user's rights).
/// Checked on 3.3.2: an expired token is a 401 "Token Expired", while a malformed or
/// foreign-signed one is a 403 "Invalid JWT token".
fn token_rejected(e: &Error) -> bool {
    match e {
        Error::Credentials { .. } => true,
        Error::Forbidden { detail, .. } => {
            let d = detail.to_ascii_lowercase();
            d.contains("jwt") || d.contains("token")
        }
        _ => false,
    }
}

fn decode<T: DeserializeOwned>(body: &[u8], action: &str) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        action: action.to_owned(),
        reason: e.to_string(),
    })
}

/// The query of a "changed since" listing. Airflow 3 filters by DAG id prefix itself;
/// Airflow 2 has no DAG filter on these listings, so the caller filters.
fn changed_since_query(
    api: ApiVersion,
    since: DateTime<Utc>,
    prefix: &str,
) -> Vec<(&'static str, String)> {
    let mut query = vec![("updated_at_gte", rfc3339(since))];
    if api == ApiVersion::V2 {
        query.push(("dag_id_prefix_pattern", prefix.to_owned()));
        query.push(("order_by", "id".to_owned()));
    }
    query
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded() {
        assert_eq!(
            seg("manual__2026-11-27T07:20:46.495261+00:00"),
            "manual__2026-11-27T07%3A20%3A46.495261%2B00%3A00"
        );
        assert_eq!(seg("~"), "~");
        assert_eq!(seg("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn bad_urls_are_config_errors() {
        assert!(matches!(
            Client::new(AirflowConfig::new("not a url", "u", "p")),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            Client::new(AirflowConfig::new("ftp://x", "u", "p")),
            Err(Error::Config(_))
        ));
    }
}
