//! Optimistic concurrency: an editor remembers the version it started from and a save
//! over a newer version is refused with who saved it and when, never silently overwritten.

use crate::model::Actor;
use chrono::{DateTime, Local, Utc};

/// What a save expects to find in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// No expectation: replace whatever is there (`flow import`, "save mine anyway").
    Any,
    /// A new flow: refused if one with this id exists meanwhile.
    New,
    /// The flow at this version (what the editor loaded).
    Version(u32),
}

/// A save refused because someone changed (or deleted) the record meanwhile.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// `flow` or `function`.
    pub kind: &'static str,
    pub id: String,
    /// The name as stored now (or when deleted).
    pub name: String,
    /// The version the editor started from (`None`: it was creating the record).
    pub base: Option<u32>,
    /// The version in the database now (`None` when it was deleted).
    pub theirs: Option<u32>,
    /// Who made the change and when, from the change log (unknown for old records).
    pub by: Actor,
    pub at: Option<DateTime<Utc>>,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = crate::model::text::shown(&self.name);
        let who = crate::model::text::shown(&self.by.label());
        let when = self
            .at
            .map(|t| format!(" at {}", t.with_timezone(&Local).format("%H:%M")))
            .unwrap_or_default();
        let yours = match self.base {
            Some(v) => format!("while you edited v{v}"),
            None => "while you were creating it".to_string(),
        };
        match (self.kind, self.theirs) {
            (_, None) => write!(f, "{who} deleted {} `{name}`{when} {yours}", self.kind),
            ("flow", Some(v)) => write!(f, "{who} saved v{v} of flow `{name}`{when} {yours}"),
            (kind, Some(_)) => write!(f, "{who} changed {kind} `{name}`{when} while you edited it"),
        }
    }
}
