//! Store errors, each a sentence that says what to do.

use crate::model::Problem;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the database {} is held alone by another program (an older flowdeck?); close it, then start again: flowdeck shares the file with every flowdeck of this version", path.display())]
    AlreadyOpen { path: PathBuf },
    #[error("{} is not a flowdeck database; pass --db (or FLOWDECK_DB) the path of a flowdeck database, or a new path to create one", path.display())]
    NotFlowdeck { path: PathBuf },
    #[error("the database {} is damaged: restore it from a backup (or move it away to start a new one)", path.display())]
    Damaged { path: PathBuf },
    #[error("no permission to write the database {}: a team database needs group write access to the file and its folder (chgrp TEAM; chmod 660 the file, 2770 the folder; umask 002)", path.display())]
    Permission { path: PathBuf },
    #[error("the filesystem of {} does not support file locks, which several flowdeck processes need to share a database; put it on a local filesystem", path.display())]
    NoLocks { path: PathBuf },
    #[error("the database is busy: another flowdeck process has held its write lock for {} s (stopped with Ctrl-Z?); try again, or resume or end that process", waited.as_secs())]
    Busy { waited: std::time::Duration },
    #[error("{0}")]
    Conflict(Box<super::conflict::Conflict>),
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
