//! What can go wrong talking to Airflow, phrased so that the message alone tells the user
//! what failed and what to try. Every variant holds plain strings so errors can travel in
//! poller events and be compared in tests.

use super::text::sanitize_for_terminal;

/// An error from the Airflow client. `Display` is a sentence meant for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// No HTTP answer: connection refused, DNS failure, reset. `reason` says which and
    /// what to check ("connection refused — is it running?").
    #[error("Airflow is not reachable at {url}: {reason}")]
    Unreachable { url: String, reason: String },

    /// The server accepted the connection but did not answer in time.
    #[error("Airflow at {url} did not answer within {seconds} s while trying to {action}")]
    Timeout {
        url: String,
        action: String,
        seconds: u64,
    },

    /// The credentials were refused (401, or Airflow 2's 403 to a wrong password):
    /// `what` says which ("the credentials for user admin", "the token in $PROD_TOKEN"),
    /// `fix` which setting or variable to check.
    #[error("Airflow rejected {what}; {fix}")]
    Credentials { what: String, fix: String },

    /// Authenticated, but this user (`who`: "user viewer", "this token") may not do that.
    #[error("Airflow does not allow {who} to {action}: {detail}")]
    Forbidden {
        who: String,
        action: String,
        detail: String,
    },

    /// The environment variable that should hold the password or token is unset or
    /// empty. Nothing was sent.
    #[error("the environment variable {variable} is empty or not set; it must hold {holds}")]
    MissingSecret { variable: String, holds: String },

    /// The token command failed: it could not start, exited non-zero (the first line of
    /// its stderr, made visible, is in `problem`), printed no token, or ran too long.
    #[error("the token command (`token_command` in {section}) {problem}")]
    TokenCommand { section: String, problem: String },

    /// The server answered, but the TLS handshake failed: `problem` names it in words
    /// (untrusted, expired, wrong host name, not TLS), `fix` the setting that helps.
    #[error("TLS with {url} failed: {problem}; {fix}")]
    Tls {
        url: String,
        problem: String,
        fix: String,
    },

    /// 404: the DAG, run or task is unknown to Airflow (not parsed yet, or deleted).
    #[error("Airflow could not {action}: {detail}")]
    NotFound { action: String, detail: String },

    /// Any other 4xx: Airflow's own `detail` says why.
    #[error("Airflow refused to {action} ({status}): {detail}")]
    Rejected {
        action: String,
        status: u16,
        detail: String,
    },

    /// 5xx.
    #[error(
        "Airflow answered {status} while trying to {action}: {detail} — check the api-server log"
    )]
    Server {
        action: String,
        status: u16,
        detail: String,
    },

    /// A 2xx answer that is not what the API describes (malformed JSON, missing fields).
    #[error("Airflow sent a response flowdeck cannot read ({reason}) while trying to {action}")]
    Decode { action: String, reason: String },

    /// Neither `/api/v2/version` nor `/api/v1/version` answered like Airflow does.
    #[error("{url} does not look like the Airflow API: {reason} — check the URL")]
    NotAirflow { url: String, reason: String },

    /// The server's API version has no such endpoint.
    #[error("{what} is not available on Airflow {version}")]
    Unsupported { what: String, version: String },

    /// The configuration cannot work (bad URL, TLS setup).
    #[error("the Airflow connection settings are unusable: {0}")]
    Config(String),
}

impl Error {
    /// True when Airflow could not be talked to at all; the poller backs off on these.
    #[must_use]
    pub fn is_offline(&self) -> bool {
        matches!(self, Error::Unreachable { .. } | Error::Timeout { .. })
    }

    /// True for a 404: the DAG/run/task does not exist (yet, or any more).
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    /// True when the credentials were refused or could not be had (a variable unset, the
    /// token command failing): retrying without a change in the setup cannot help.
    #[must_use]
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            Error::Credentials { .. } | Error::MissingSecret { .. } | Error::TokenCommand { .. }
        )
    }
}

/// Pulls a readable message out of an error body: Airflow 3 sends `{"detail": "…"}` or
/// `{"detail": {…}}` (422 validation lists, structured reasons), Airflow 2 sends RFC 7807
/// `{"title", "detail"}`. Anything else is shown raw, shortened.
pub(crate) fn detail_from_body(body: &str) -> String {
    let text = match serde_json::from_str::<serde_json::Value>(body) {
        Ok(value) => detail_from_value(&value).unwrap_or_else(|| shorten(body)),
        Err(_) => shorten(body),
    };
    let text = sanitize_for_terminal(text.trim());
    if text.is_empty() {
        "no details given".to_owned()
    } else {
        text
    }
}

fn detail_from_value(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    // Airflow 2 sends `"detail": null` on a 403 (and other problems); its `title` says it.
    let detail = value
        .get("detail")
        .filter(|d| !d.is_null())
        .or_else(|| value.get("title"))?;
    Some(match detail {
        Value::String(s) => s.clone(),
        // FastAPI validation errors: [{"loc": [...], "msg": "...", "type": "..."}]
        Value::Array(items) => items
            .iter()
            .map(|item| {
                let msg = item.get("msg").and_then(Value::as_str);
                let loc = item.get("loc").and_then(Value::as_array).map(|loc| {
                    loc.iter()
                        .map(|p| match p {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(".")
                });
                match (loc, msg) {
                    (Some(loc), Some(msg)) => format!("{loc}: {msg}"),
                    (None, Some(msg)) => msg.to_owned(),
                    _ => item.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(map) => match map.get("reason").or_else(|| map.get("message")) {
            Some(Value::String(reason)) => {
                let rest: Vec<String> = map
                    .iter()
                    .filter(|(k, _)| *k != "reason" && *k != "message")
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                if rest.is_empty() {
                    reason.clone()
                } else {
                    format!("{reason} ({})", rest.join(", "))
                }
            }
            _ => detail.to_string(),
        },
        other => other.to_string(),
    })
}

pub(crate) fn shorten(text: &str) -> String {
    const MAX: usize = 300;
    let text = text.trim();
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(MAX).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_string_object_and_list() {
        assert_eq!(
            detail_from_body(r#"{"detail":"The Dag with ID: `x` was not found"}"#),
            "The Dag with ID: `x` was not found"
        );
        assert_eq!(
            detail_from_body(
                r#"{"detail":{"reason":"Unique constraint violation","statement":"INSERT"}}"#
            ),
            r#"Unique constraint violation (statement="INSERT")"#
        );
        assert_eq!(
            detail_from_body(
                r#"{"detail":[{"loc":["body","logical_date"],"msg":"Field required","type":"missing"}]}"#
            ),
            "body.logical_date: Field required"
        );
        assert_eq!(
            detail_from_body(r#"{"type":"x","title":"DAG not found","status":404}"#),
            "DAG not found"
        );
        assert_eq!(
            detail_from_body("<html>\x1b[2J</html>"),
            "<html>^[[2J</html>"
        );
        assert_eq!(detail_from_body(""), "no details given");
        // Airflow 2.11's 403 (tests/fixtures/airflow2/error_403_bad_password.json).
        assert_eq!(
            detail_from_body(r#"{"detail":null,"status":403,"title":"Forbidden","type":"x"}"#),
            "Forbidden"
        );
    }

    #[test]
    fn sentences() {
        let e = Error::Unreachable {
            url: "http://127.0.0.1:1".into(),
            reason: "connection refused — is it running?".into(),
        };
        assert_eq!(
            e.to_string(),
            "Airflow is not reachable at http://127.0.0.1:1: connection refused — is it running?"
        );
        assert!(e.is_offline());
        let e = Error::Credentials {
            what: "the credentials for user admin".into(),
            fix: "check FLOWDECK_AIRFLOW_USERNAME and FLOWDECK_AIRFLOW_PASSWORD".into(),
        };
        assert_eq!(
            e.to_string(),
            "Airflow rejected the credentials for user admin; check FLOWDECK_AIRFLOW_USERNAME and FLOWDECK_AIRFLOW_PASSWORD"
        );
    }
}
