//! The status bar's facts: Airflow's health as last reported, the database, messages.

use std::time::{Duration, Instant};

/// What the Airflow poller last learned. The app receives it as
/// `Event::AirflowHealth`; the state stamps it with the time it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AirflowHealth {
    /// Airflow answered; `version` when it said which.
    Online { version: Option<String> },
    /// No answer (refused, timed out, DNS, TLS…); `reason` is one readable line;
    /// `retry_in` when the poller said when it tries again.
    Offline {
        reason: String,
        retry_in: Option<Duration>,
    },
    /// Airflow answered but refused the credentials.
    AuthError { reason: String },
    /// Something answered, but not a usable health report (a 5xx, malformed JSON);
    /// `reason` says what came back.
    Failing { reason: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub text: String,
    pub level: Level,
    pub at: Instant,
    pub ttl: Duration,
    /// How many dialogs were open when it was said: a message about a dialog's content
    /// ("python3 refused the code") goes when that dialog closes.
    pub dialogs: usize,
}

/// Most messages kept for `:messages`.
pub const LOG_LEN: usize = 200;

#[derive(Debug, Clone)]
pub struct Status {
    pub airflow_url: String,
    pub health: Option<(AirflowHealth, Instant)>,
    pub db_path: String,
    /// Newest last. Only the newest unexpired one is shown.
    pub messages: Vec<Message>,
    /// Every message said, newest last, at most [`LOG_LEN`]: the `:messages` log.
    pub log: Vec<Message>,
    /// Dialogs open now (set by the state before each message), stamped on new messages.
    pub dialogs: usize,
}

impl Status {
    pub fn new(airflow_url: &str, db_path: &str) -> Status {
        Status {
            airflow_url: super::text::one_line(airflow_url),
            health: None,
            db_path: super::text::one_line(db_path),
            messages: Vec::new(),
            log: Vec::new(),
            dialogs: 0,
        }
    }

    pub fn push(&mut self, level: Level, text: impl Into<String>, now: Instant) {
        // Errors stay long enough to be read; info is a confirmation and goes quickly.
        let ttl = match level {
            Level::Info => Duration::from_secs(5),
            Level::Warning => Duration::from_secs(12),
            Level::Error => Duration::from_secs(15),
        };
        let text = super::text::one_line(&text.into());
        match level {
            Level::Error => tracing::warn!(message = %text, "shown to the user"),
            _ => tracing::info!(message = %text, "shown to the user"),
        }
        let m = Message {
            text,
            level,
            at: now,
            ttl,
            dialogs: self.dialogs,
        };
        self.log.push(m.clone());
        if self.log.len() > LOG_LEN {
            self.log.remove(0);
        }
        self.messages.push(m);
        if self.messages.len() > 20 {
            self.messages.remove(0);
        }
    }

    /// `open` dialogs are open now: messages said inside a dialog that has closed since
    /// go (what they were about is gone).
    pub fn dialogs_open(&mut self, open: usize) {
        self.messages.retain(|m| m.dialogs <= open);
        self.dialogs = open;
    }

    pub fn current(&self, now: Instant) -> Option<&Message> {
        self.messages
            .last()
            .filter(|m| now.saturating_duration_since(m.at) < m.ttl)
    }

    pub fn expire(&mut self, now: Instant) {
        self.messages
            .retain(|m| now.saturating_duration_since(m.at) < m.ttl);
    }
}

/// "4s", "3m", "2h", "5d": the age of an answer.
pub fn age(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// "0.4s", "12s", "3m05s": how long a wait has lasted.
pub fn elapsed(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 10_000 {
        format!("{:.1}s", d.as_secs_f64())
    } else if ms < 60_000 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}
