//! Who made a change: the OS account and the host it ran on. Revisions, deploys and the
//! change log carry one, so a team sees who saved or deployed what (PRODUCT.md, "Teams").

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    /// OS account name (`alice`); empty when it could not be told (records written
    /// before flowdeck recorded it).
    pub user: String,
    /// Host name (`bastion-1`); empty when unknown.
    pub host: String,
}

impl Actor {
    pub fn new(user: impl Into<String>, host: impl Into<String>) -> Actor {
        Actor {
            user: user.into(),
            host: host.into(),
        }
    }

    /// True for records from before flowdeck recorded who made them.
    pub fn is_unknown(&self) -> bool {
        self.user.is_empty() && self.host.is_empty()
    }

    /// `alice@bastion-1`, `alice`, or `someone` when unknown. Not sanitized: callers
    /// showing it on a terminal pass it through `text::one_line` like any stored text.
    pub fn label(&self) -> String {
        match (self.user.is_empty(), self.host.is_empty()) {
            (true, true) => "someone".to_string(),
            (false, true) => self.user.clone(),
            (true, false) => format!("someone@{}", self.host),
            (false, false) => format!("{}@{}", self.user, self.host),
        }
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}
