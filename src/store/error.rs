//! Store errors, each a sentence that says what to do.

use crate::model::Problem;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the database {} is already in use by another flowdeck{}; close it first, or pass --db to use another database", path.display(), pid.map(|p| format!(" (pid {p})")).unwrap_or_default())]
    AlreadyOpen { path: PathBuf, pid: Option<u32> },
    #[error("cannot open the database {}: {reason}", path.display())]
    Open { path: PathBuf, reason: String },
    #[error("the database {} was written by a newer flowdeck (schema {found}, this one knows up to {known}); upgrade flowdeck", path.display())]
    SchemaTooNew {
        path: PathBuf,
        found: u64,
        known: u64,
    },
    #[error("database error while {action}: {reason}")]
    Database {
        action: &'static str,
        reason: String,
    },
    #[error("a stored {kind} record is unreadable ({reason}); the database may be from an incompatible flowdeck")]
    Corrupt { kind: &'static str, reason: String },
    #[error("a {kind} named `{name}` already exists; choose another name")]
    NameTaken { kind: &'static str, name: String },
    #[error("there is no {kind} `{name}`")]
    NotFound { kind: &'static str, name: String },
    #[error(
        "function `{function}` is used by {}; remove those tasks first",
        describe_users(users)
    )]
    InUse {
        function: String,
        users: Vec<(String, String)>,
    },
    #[error("{}", crate::model::validate::describe(.0))]
    Invalid(Vec<Problem>),
}

fn describe_users(users: &[(String, String)]) -> String {
    let shown: Vec<String> = users
        .iter()
        .take(5)
        .map(|(flow, task)| {
            format!(
                "task `{task}` of flow `{}`",
                crate::model::text::one_line(flow)
            )
        })
        .collect();
    let more = users.len().saturating_sub(5);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Wraps redb's several error types with what the store was doing.
pub(crate) trait Context<T> {
    fn ctx(self, action: &'static str) -> Result<T>;
}

impl<T, E: std::fmt::Display> Context<T> for std::result::Result<T, E> {
    fn ctx(self, action: &'static str) -> Result<T> {
        self.map_err(|e| Error::Database {
            action,
            reason: e.to_string(),
        })
    }
}
