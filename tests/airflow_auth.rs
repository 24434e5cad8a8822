//! Authentication and TLS of the Airflow client, through the real binary where a user
//! would meet them: a token command (run once, cached, run again after a 401, its
//! failure shown with the first line of its stderr), a static token from a variable, a
//! missing variable named, a private CA trusted through `ca_file` (Python's `ssl` module
//! serving HTTPS on loopback), the words for a refused certificate, and `status` failing
//! with a wrong password against the real Airflow. Fake servers stage the faults; the
//! real Airflow is the reference for the happy path.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use flowdeck::airflow::{AirflowConfig, Auth, Client, Connection, Error, PollEvent, Poller, Watch};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const BIN: &str = env!("CARGO_BIN_EXE_flowdeck");

/// A scratch folder with a config of environments and the database.
struct Scratch {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("dags")).unwrap();
        Scratch {
            dir,
            env: Vec::new(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes the config: one environment `name` with these extra keys.
    fn config(&self, name: &str, url: &str, keys: &str) {
        let text = format!(
            "[environments.{name}]\nurl = {}\ndags_folder = {}\n{keys}\n",
            toml_str(url),
            toml_str(&self.path("dags").display().to_string()),
        );
        std::fs::write(self.path("config.toml"), text).unwrap();
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.env("FLOWDECK_DB", self.path("db.redb"))
            .env("FLOWDECK_CONFIG", self.path("config.toml"))
            .env("XDG_DATA_HOME", self.path("xdg-data"))
            .env("XDG_CONFIG_HOME", self.path("xdg-config"))
            .env("RUST_LOG", "debug")
            .env_remove("FLOWDECK_AIRFLOW_URL")
            .env_remove("FLOWDECK_DAGS_FOLDER")
            .env_remove("FLOWDECK_AIRFLOW_USERNAME")
            .env_remove("FLOWDECK_AIRFLOW_PASSWORD")
            .env_remove("FLOWDECK_ENV")
            .env_remove("SSL_CERT_FILE")
            .env_remove("SSL_CERT_DIR")
            .env_remove("AIRFLOW_HOME")
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .args(args);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    /// Every byte flowdeck may have written in the scratch folder (database, logs,
    /// config), for checking that no secret is at rest.
    fn written(&self) -> Vec<u8> {
        fn walk(dir: &Path, skip: &[PathBuf], out: &mut Vec<u8>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let p = entry.path();
                if skip.contains(&p) {
                    continue;
                }
                if p.is_dir() {
                    walk(&p, skip, out);
                } else if let Ok(bytes) = std::fs::read(&p) {
                    out.extend(bytes);
                }
            }
        }
        let mut out = Vec::new();
        let skip = [self.path("token"), self.path("count")];
        walk(self.dir.path(), &skip, &mut out);
        out
    }
}

fn toml_str(s: &str) -> String {
    toml_edit::Value::from(s).to_string()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The first line `status` prints: what it says about Airflow.
fn status_line(out: &Output) -> String {
    text(out).0.lines().next().unwrap_or_default().to_string()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

async fn run_blocking(command: Command) -> Output {
    let mut command = command;
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

// ----- a fake Airflow 3 that accepts one bearer token --------------------------------

/// Answers the authenticated API paths `status` reads when the request carries
/// `Bearer <accepted>`, and 401 otherwise. Records the Authorization header of each.
struct Authenticated {
    accepted: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Respond for Authenticated {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        self.seen.lock().unwrap().push(auth.clone());
        if auth != format!("Bearer {}", self.accepted) {
            return ResponseTemplate::new(401).set_body_json(json!({"detail": "Token Expired"}));
        }
        match request.url.path() {
            "/api/v2/dags" | "/api/v1/dags" => {
                ResponseTemplate::new(200).set_body_json(json!({"dags": [], "total_entries": 0}))
            }
            "/api/v2/importErrors" | "/api/v1/importErrors" => ResponseTemplate::new(200)
                .set_body_json(json!({"import_errors": [], "total_entries": 0})),
            _ => ResponseTemplate::new(404).set_body_json(json!({"detail": "Not Found"})),
        }
    }
}

const HEALTHY: &str = r#"{
    "metadatabase": {"status": "healthy"},
    "scheduler": {"status": "healthy", "latest_scheduler_heartbeat": "2026-11-27T07:21:31+00:00"},
    "triggerer": {"status": "healthy"},
    "dag_processor": {"status": "healthy"}
}"#;

/// A fake Airflow (`api` "v2": 3.3.2, "v1": 2.11.0) accepting only `Bearer accepted`;
/// the Authorization headers its authenticated paths saw.
async fn fake_airflow(api: &str, accepted: &str) -> (MockServer, Arc<Mutex<Vec<String>>>) {
    let server = MockServer::start().await;
    let version = if api == "v2" { "3.3.2" } else { "2.11.0" };
    if api == "v1" {
        Mock::given(method("GET"))
            .and(path("/api/v2/version"))
            .respond_with(ResponseTemplate::new(404))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(format!("/api/{api}/version")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"version": version, "git_version": null})),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    let health = if api == "v2" {
        "/api/v2/monitor/health"
    } else {
        "/api/v1/health"
    };
    Mock::given(method("GET"))
        .and(path(health))
        .respond_with(ResponseTemplate::new(200).set_body_raw(HEALTHY, "application/json"))
        .with_priority(1)
        .mount(&server)
        .await;
    // Nothing may ask Airflow 3 for a JWT when a token is configured.
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .with_priority(1)
        .mount(&server)
        .await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("GET"))
        .respond_with(Authenticated {
            accepted: accepted.to_string(),
            seen: seen.clone(),
        })
        .mount(&server)
        .await;
    (server, seen)
}

/// A token command that counts its runs in `count` and prints `tok-<run>`.
fn counting_token_command(s: &Scratch) -> String {
    let script = s.path("print-token.sh");
    std::fs::write(
        &script,
        format!(
            "n=$(( $(cat {count} 2>/dev/null || echo 0) + 1 ))\necho $n > {count}\necho \"tok-$n\"\n",
            count = s.path("count").display()
        ),
    )
    .unwrap();
    format!("sh {}", script.display())
}

fn runs(s: &Scratch) -> u32 {
    std::fs::read_to_string(s.path("count"))
        .map(|t| t.trim().parse().unwrap())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_command_runs_once_and_again_after_a_401() {
    // The server accepts only the second token: the first is "expired".
    let (server, seen) = fake_airflow("v2", "tok-2").await;
    let s = Scratch::new();
    let command = counting_token_command(&s);
    s.config(
        "composer",
        &server.uri(),
        &format!("token_command = {}", toml_str(&command)),
    );
    let out = run_blocking(s.command(&["status"])).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(status_line(&out).ends_with("healthy"), "{stdout}");
    assert_eq!(runs(&s), 2, "run when first needed, and once after the 401");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.first().map(String::as_str), Some("Bearer tok-1"));
    assert!(seen[1..].iter().all(|h| h == "Bearer tok-2"), "{seen:?}");
    // The token is kept in memory only: not printed, not logged, not stored.
    assert!(!stdout.contains("tok-") && !stderr.contains("tok-"));
    assert!(!contains(&s.written(), "tok-2"), "a token is at rest");

    // The cached token serves every later request of the same client.
    std::fs::remove_file(s.path("count")).unwrap();
    let client = Client::new(AirflowConfig::with_auth(
        server.uri(),
        Auth::TokenCommand(command),
    ))
    .unwrap();
    client.list_dags("dag_").await.unwrap();
    client.list_dags("dag_").await.unwrap();
    client.import_errors().await.unwrap();
    assert_eq!(runs(&s), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_refused_again_after_the_rerun_is_one_line_and_no_loop() {
    let (server, seen) = fake_airflow("v2", "never-this-one").await;
    let s = Scratch::new();
    let command = counting_token_command(&s);
    s.config(
        "composer",
        &server.uri(),
        &format!("token_command = {}", toml_str(&command)),
    );
    let out = run_blocking(s.command(&["status"])).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        status_line(&out),
        "Airflow rejected the token printed by the token command, also after running it again; check that `token_command` in [environments.composer] prints a token for this Airflow"
    );
    assert_eq!(runs(&s), 2);
    assert_eq!(seen.lock().unwrap().len(), 2, "one request, one retry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_token_command_shows_the_first_line_of_its_stderr() {
    let (server, seen) = fake_airflow("v2", "tok").await;
    let s = Scratch::new();
    for (command, expected) in [
        (
            "echo 'ERROR: (gcloud.auth.print-access-token) You do not currently have an active account selected.' >&2; echo 'Please run: gcloud auth login' >&2; exit 1",
            "exited with status 1: ERROR: (gcloud.auth.print-access-token) You do not currently have an active account selected.",
        ),
        (
            "printf '\\033]0;owned\\007bad\\n' >&2; exit 2",
            "exited with status 2: \\u{1b}]0;owned\\u{7}bad",
        ),
        ("true", "printed no token on stdout (nothing on stderr)"),
        ("sh -c 'exit 127'", "exited with status 127 (nothing on stderr)"),
    ] {
        s.config(
            "mwaa",
            &server.uri(),
            &format!("token_command = {}", toml_str(command)),
        );
        let out = run_blocking(s.command(&["status"])).await;
        assert_eq!(out.status.code(), Some(1));
        let line = status_line(&out);
        assert_eq!(
            line,
            format!("the token command (`token_command` in [environments.mwaa]) {expected}")
        );
        assert!(!text(&out).0.contains("Please run"));
        assert!(!text(&out).0.contains('\u{1b}'));
    }
    assert!(
        seen.lock().unwrap().is_empty(),
        "no request without a token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_static_token_from_a_variable_is_sent_as_bearer_to_both_apis() {
    for api in ["v2", "v1"] {
        let (server, seen) = fake_airflow(api, "static-tok").await;
        let s = Scratch::new();
        s.config("astro", &server.uri(), "token_env = \"ASTRO_TOKEN\"");
        let mut command = s.command(&["status"]);
        command.env("ASTRO_TOKEN", "static-tok\n");
        let out = run_blocking(command).await;
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(0), "{api}: {stdout}{stderr}");
        let sent = seen.lock().unwrap().clone();
        assert!(!sent.is_empty() && sent.iter().all(|h| h == "Bearer static-tok"));
        assert!(!contains(&s.written(), "static-tok"), "a token is at rest");

        // A token Airflow refuses: said so, naming the variable, without a retry.
        seen.lock().unwrap().clear();
        let mut command = s.command(&["status"]);
        command.env("ASTRO_TOKEN", "stale-tok");
        let out = run_blocking(command).await;
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            status_line(&out),
            "Airflow rejected the token in $ASTRO_TOKEN; set it to a token this Airflow accepts (`token_env` in [environments.astro])"
        );
        assert!(!text(&out).0.contains("stale-tok"));
        assert_eq!(
            seen.lock().unwrap().len(),
            1,
            "a static token is not retried"
        );

        // A value that cannot be a token is refused before it is sent.
        let mut command = s.command(&["status"]);
        command.env("ASTRO_TOKEN", "Bearer s3cret tok");
        let out = run_blocking(command).await;
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            status_line(&out),
            "the Airflow connection settings are unusable: $ASTRO_TOKEN (`token_env` in [environments.astro]) does not hold a token: it has spaces or characters a token never has; set it to the token alone"
        );
        assert_eq!(seen.lock().unwrap().len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_variable_is_named_and_nothing_is_sent() {
    let (server, seen) = fake_airflow("v2", "x").await;
    let s = Scratch::new();
    for (keys, variable, holds) in [
        (
            "token_env = \"PROD_TOKEN_UNSET_HERE\"",
            "PROD_TOKEN_UNSET_HERE",
            "the Airflow API token (`token_env` in [environments.prod])",
        ),
        (
            "username = \"ops\"\npassword_env = \"PROD_PASSWORD_UNSET_HERE\"",
            "PROD_PASSWORD_UNSET_HERE",
            "the password of Airflow user ops (`password_env` in [environments.prod])",
        ),
    ] {
        s.config("prod", &server.uri(), keys);
        for value in [None, Some("")] {
            let mut command = s.command(&["status"]);
            if let Some(v) = value {
                command.env(variable, v);
            }
            let out = run_blocking(command).await;
            assert_eq!(out.status.code(), Some(1));
            assert_eq!(
                status_line(&out),
                format!(
                    "the environment variable {variable} is empty or not set; it must hold {holds}"
                )
            );
            assert!(!text(&out).0.contains("healthy"));
        }
    }
    assert!(seen.lock().unwrap().is_empty());
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "status asked Airflow although it could not authenticate"
    );

    // The implicit environment names FLOWDECK_AIRFLOW_PASSWORD.
    let s = Scratch::new();
    std::fs::write(s.path("config.toml"), "").unwrap();
    let mut command = s.command(&["status"]);
    command
        .env("FLOWDECK_AIRFLOW_URL", server.uri())
        .env("FLOWDECK_DAGS_FOLDER", s.path("dags"));
    let out = run_blocking(command).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        status_line(&out),
        "the environment variable FLOWDECK_AIRFLOW_PASSWORD is empty or not set; it must hold the password of Airflow user admin"
    );
}

#[tokio::test]
async fn a_request_without_its_secret_fails_with_one_line_naming_the_variable() {
    let (server, _) = fake_airflow("v2", "x").await;
    let client = Client::new(AirflowConfig::with_auth(
        server.uri(),
        Auth::Missing {
            variable: "DEV_TOKEN".into(),
            holds: "the Airflow API token (`token_env` in [environments.dev])".into(),
        },
    ))
    .unwrap();
    let err = client.list_dags("dag_").await.unwrap_err();
    assert!(matches!(err, Error::MissingSecret { .. }), "{err:?}");
    assert!(err.is_auth());
    assert_eq!(
        err.to_string(),
        "the environment variable DEV_TOKEN is empty or not set; it must hold the Airflow API token (`token_env` in [environments.dev])"
    );
    // Reading Airflow's version needs no credentials and still works.
    assert_eq!(client.version().await.unwrap().version, "3.3.2");

    // The terminal interface's poller reports it as an authentication failure, with the
    // same sentence.
    let mut poller = Poller::new(client, Watch::default());
    let events = poller.poll_once().await;
    assert!(
        events.iter().any(|e| matches!(
            e,
            PollEvent::Health {
                connection: Connection::AuthFailed { reason },
                ..
            } if reason.contains("DEV_TOKEN is empty or not set")
        )),
        "{events:?}"
    );
}

// ----- TLS with a private CA ---------------------------------------------------------

/// A private CA and server certificates made with the `openssl` command.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let pki = Pki { dir };
        pki.openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "3",
            "-subj",
            "/CN=flowdeck test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ]);
        pki.leaf(
            "localhost",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "2",
        );
        pki.leaf("other", "subjectAltName=DNS:other.example", "2");
        // Valid until a day ago (notAfter before notBefore, which openssl allows).
        pki.leaf("expired", "subjectAltName=DNS:localhost", "-1");
        pki
    }

    fn openssl(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("the openssl command (Debian package openssl) makes the test certificates");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `NAME.pem` / `NAME.key`: a server certificate signed by the CA, valid for `days`.
    fn leaf(&self, name: &str, san: &str, days: &str) {
        let ext = format!("{name}.ext");
        std::fs::write(
            self.path(&ext),
            format!("{san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"),
        )
        .unwrap();
        self.openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            &format!("/CN={name}"),
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.csr"),
        ]);
        self.openssl(&[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            days,
            "-extfile",
            &ext,
            "-out",
            &format!("{name}.pem"),
        ]);
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// A fake Airflow 3 served over HTTPS by Python's `ssl` module on loopback: version and
/// health to anyone, the DAG and import-error listings to `Bearer secret-tok`.
const HTTPS_SERVER: &str = r#"
import http.server, json, ssl, sys
cert, key = sys.argv[1], sys.argv[2]
HEALTH = {"metadatabase": {"status": "healthy"},
          "scheduler": {"status": "healthy", "latest_scheduler_heartbeat": "2026-11-27T07:21:31+00:00"},
          "triggerer": {"status": "healthy"}, "dag_processor": {"status": "healthy"}}
class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/api/v2/version":
            return self.answer(200, {"version": "3.3.2", "git_version": None})
        if path == "/api/v2/monitor/health":
            return self.answer(200, HEALTH)
        if self.headers.get("Authorization") != "Bearer secret-tok":
            return self.answer(401, {"detail": "Not authenticated"})
        if path == "/api/v2/dags":
            return self.answer(200, {"dags": [], "total_entries": 0})
        if path == "/api/v2/importErrors":
            return self.answer(200, {"import_errors": [], "total_entries": 0})
        self.answer(404, {"detail": "Not Found"})
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

/// The HTTPS server above with certificate `cert`; killed when dropped.
struct HttpsServer {
    child: std::process::Child,
    port: u16,
}

impl HttpsServer {
    fn start(cert: &Path, key: &Path) -> HttpsServer {
        let mut child = Command::new("python3")
            .arg("-c")
            .arg(HTTPS_SERVER)
            .arg(cert)
            .arg(key)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let port = line.trim().parse().expect("the server prints its port");
        HttpsServer { child, port }
    }
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tls_status(s: &Scratch, url: &str, keys: &str, extra_env: &[(&str, &Path)]) -> Output {
    s.config("corp", url, &format!("token_env = \"CORP_TOKEN\"\n{keys}"));
    let mut command = s.command(&["status"]);
    command.env("CORP_TOKEN", "secret-tok");
    for (k, v) in extra_env {
        command.env(k, v);
    }
    command.output().unwrap()
}

#[test]
fn tls_with_a_private_ca_via_ca_file_and_the_words_for_each_refusal() {
    let pki = Pki::new();
    let server = HttpsServer::start(&pki.path("localhost.pem"), &pki.path("localhost.key"));
    let s = Scratch::new();
    let ca = format!(
        "ca_file = {}",
        toml_str(&pki.path("ca.pem").display().to_string())
    );
    for host in ["localhost", "127.0.0.1"] {
        let url = format!("https://{host}:{}", server.port);
        let out = tls_status(&s, &url, &ca, &[]);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
        assert_eq!(
            status_line(&out),
            format!("Airflow 3.3.2 at {url}: healthy")
        );
    }
    let url = format!("https://localhost:{}", server.port);

    // Without ca_file: not trusted, said in words with the key to set.
    let out = tls_status(&s, &url, "", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        status_line(&out),
        format!("TLS with {url} failed: the server's certificate is not signed by a trusted authority; if your organisation's CA signed it, set `ca_file` in [environments.corp] to that CA's PEM file (or SSL_CERT_FILE for all programs)")
    );

    // The system's trust store is used: SSL_CERT_FILE is honoured.
    let out = tls_status(&s, &url, "", &[("SSL_CERT_FILE", &pki.path("ca.pem"))]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).0);

    // A certificate for another host name.
    let other = HttpsServer::start(&pki.path("other.pem"), &pki.path("other.key"));
    let url = format!("https://localhost:{}", other.port);
    let out = tls_status(&s, &url, &ca, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        status_line(&out),
        format!("TLS with {url} failed: the server's certificate is not valid for the host name localhost (it is for other.example); use a host name the certificate is for in `url` of [environments.corp]")
    );

    // An expired certificate: trusting more cannot help.
    let expired = HttpsServer::start(&pki.path("expired.pem"), &pki.path("expired.key"));
    let url = format!("https://localhost:{}", expired.port);
    let out = tls_status(&s, &url, &ca, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        status_line(&out),
        format!("TLS with {url} failed: the server's certificate has expired; have the server's certificate renewed or fixed (`insecure_tls = true` in [environments.corp] skips every check, for a dev server only)")
    );

    // A self-signed CA certificate served as the server's own.
    let selfsigned = HttpsServer::start(&pki.path("ca.pem"), &pki.path("ca.key"));
    let url = format!("https://localhost:{}", selfsigned.port);
    let out = tls_status(&s, &url, &ca, &[]);
    assert_eq!(out.status.code(), Some(1));
    let line = status_line(&out);
    assert!(
        line.contains("presents a CA certificate as its own"),
        "{line}"
    );

    // An http:// URL for a server that speaks HTTPS: it answered, so it runs.
    let url = format!("http://localhost:{}", server.port);
    let out = tls_status(&s, &url, "", &[]);
    assert_eq!(out.status.code(), Some(1));
    let line = status_line(&out);
    assert!(
        line.contains("without an HTTP answer; if it serves HTTPS, use an https:// URL")
            && !line.contains("is it running"),
        "{line}"
    );

    // An https:// URL for a server that speaks plain HTTP.
    let plain = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = plain.local_addr().unwrap().port();
    let answering = std::thread::spawn(move || {
        use std::io::{Read, Write};
        if let Ok((mut conn, _)) = plain.accept() {
            let mut buf = [0u8; 1024];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let url = format!("https://localhost:{port}");
    let out = tls_status(&s, &url, "", &[]);
    answering.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        status_line(&out),
        format!("TLS with {url} failed: the server does not speak TLS at this address; if it serves plain HTTP, use an http:// URL in `url` of [environments.corp]")
    );

    // The explicit opt-out works and says so.
    let url = format!("https://localhost:{}", selfsigned.port);
    let out = tls_status(&s, &url, "insecure_tls = true", &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stderr.contains("are not checked (`insecure_tls = true` in [environments.corp])"),
        "{stderr}"
    );
}

#[test]
fn no_refused_certificate_reads_like_a_debug_dump_or_asks_whether_airflow_runs() {
    let pki = Pki::new();
    let s = Scratch::new();
    let ca = format!(
        "ca_file = {}",
        toml_str(&pki.path("ca.pem").display().to_string())
    );
    for (cert, keys) in [
        ("localhost", ""),
        ("other", ca.as_str()),
        ("ca", ca.as_str()),
    ] {
        let server = HttpsServer::start(
            &pki.path(&format!("{cert}.pem")),
            &pki.path(&format!("{cert}.key")),
        );
        let out = tls_status(&s, &format!("https://localhost:{}", server.port), keys, &[]);
        assert_eq!(out.status.code(), Some(1));
        let line = status_line(&out);
        for bad in [
            "is it running",
            "Other(",
            "OtherError",
            "InvalidCertificate",
            "error sending request",
        ] {
            assert!(!line.contains(bad), "{cert}: {line}");
        }
        assert!(line.contains("[environments.corp]"), "{line}");
    }
    // A ca_file that is not one is refused with its key, before any request.
    std::fs::write(s.path("not-a-ca.pem"), "hello\n").unwrap();
    let out = tls_status(
        &s,
        "https://localhost:9",
        &format!(
            "ca_file = {}",
            toml_str(&s.path("not-a-ca.pem").display().to_string())
        ),
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out).1;
    assert!(
        err.contains("`ca_file` in [environments.corp]") && err.contains("not-a-ca.pem"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

// ----- the real Airflow --------------------------------------------------------------

/// The dev Airflow (scripts/test.sh), or `None` when it is not configured (which
/// FLOWDECK_REQUIRE_AIRFLOW turns into a failure).
fn real_airflow() -> Option<String> {
    match std::env::var("FLOWDECK_AIRFLOW_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            assert!(
                std::env::var("FLOWDECK_REQUIRE_AIRFLOW").is_err(),
                "FLOWDECK_REQUIRE_AIRFLOW is set but FLOWDECK_AIRFLOW_URL is not"
            );
            eprintln!("skipped: no Airflow (run scripts/test.sh)");
            None
        }
    }
}

fn real_credentials() -> (String, String) {
    (
        std::env::var("FLOWDECK_AIRFLOW_USERNAME").unwrap_or_else(|_| "admin".into()),
        std::env::var("FLOWDECK_AIRFLOW_PASSWORD").unwrap_or_else(|_| "admin".into()),
    )
}

#[test]
fn status_against_the_real_airflow_is_healthy_only_with_credentials_it_accepts() {
    let Some(url) = real_airflow() else { return };
    let (user, password) = real_credentials();
    let s = Scratch::new();
    s.config(
        "dev",
        &url,
        &format!(
            "username = {}\npassword_env = \"DEV_AIRFLOW_PASSWORD\"",
            toml_str(&user)
        ),
    );
    let status = |password: &str| {
        let mut command = s.command(&["status"]);
        command.env("DEV_AIRFLOW_PASSWORD", password);
        command.output().unwrap()
    };
    let out = status(&password);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(status_line(&out).ends_with(": healthy"), "{stdout}");

    let out = status("definitely-not-the-password");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        status_line(&out),
        format!("Airflow rejected the credentials for user {user}; check `username` in [environments.dev] and the password in $DEV_AIRFLOW_PASSWORD")
    );
    assert!(!text(&out).0.contains("definitely-not-the-password"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_airflow_accepts_a_bearer_token_from_a_variable_and_a_command() {
    let Some(url) = real_airflow() else { return };
    let (user, password) = real_credentials();
    // Airflow 3 hands out a JWT; Airflow 2 has no token endpoint and is covered by
    // the fake v1 server above.
    let answer = reqwest::Client::new()
        .post(format!("{url}/auth/token"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap();
    if answer.status() == reqwest::StatusCode::NOT_FOUND {
        eprintln!("skipped: this Airflow has no /auth/token");
        return;
    }
    let jwt = answer.json::<serde_json::Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let s = Scratch::new();
    std::fs::write(s.path("token"), &jwt).unwrap();
    for keys in [
        "token_env = \"DEV_TOKEN\"".to_string(),
        format!(
            "token_command = {}",
            toml_str(&format!("cat {}", s.path("token").display()))
        ),
    ] {
        s.config("dev", &url, &keys);
        let mut command = s.command(&["status"]);
        command.env("DEV_TOKEN", &jwt);
        let out = run_blocking(command).await;
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(0), "{keys}: {stdout}{stderr}");
        assert!(status_line(&out).ends_with(": healthy"), "{stdout}");
        assert!(!stdout.contains(&jwt) && !stderr.contains(&jwt));
    }
    assert!(!contains(&s.written(), &jwt), "a token is at rest");
    // A token Airflow did not issue is refused, and status says so.
    s.config("dev", &url, "token_env = \"DEV_TOKEN\"");
    let mut command = s.command(&["status"]);
    command.env("DEV_TOKEN", "not-a-jwt");
    let out = run_blocking(command).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        status_line(&out).starts_with("Airflow rejected the token in $DEV_TOKEN"),
        "{}",
        status_line(&out)
    );
}
