//! Task logs as readable terminal lines. Airflow 3 answers with structured events
//! (`{timestamp, event, level, logger, …, error_detail}`) or plain strings; Airflow 2
//! answers with one string, which older releases fill with the Python `repr` of a list of
//! `(host, text)` tuples. Everything here comes from task code, so every line is sanitised.

use serde::Serialize;
use serde_json::Value;

use super::log_line::{event_lines, text_lines, Level};

/// One line of a task log, ready to print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// Lower-case level when Airflow gave one (`info`, `warning`, `error`…), for colour.
    pub level: Option<String>,
    /// Sanitised text: no control characters except `\t`.
    pub text: String,
}

impl std::fmt::Display for LogLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// A piece of a task log plus where to continue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LogChunk {
    pub lines: Vec<LogLine>,
    /// Pass back to read what was written since; `None` when Airflow gave none.
    pub continuation_token: Option<String>,
}

pub use super::log_line::QUIET_KEYS;

/// Turns a log response's `content` (either API) into lines, formatted by the same
/// [`log_line`](super::log_line) parser the TUI's log viewer draws: `HH:MM:SS.mmm LEVEL
/// message  source=logger key=value…`, tracebacks as Python prints them.
#[must_use]
pub fn content_to_lines(content: &Value) -> Vec<LogLine> {
    let mut carry = Level::None;
    let mut parsed = Vec::new();
    match content {
        Value::Array(items) => {
            for item in items {
                if !item.is_null() {
                    event_lines(item, &mut carry, &mut parsed);
                }
            }
        }
        Value::String(s) => text_lines(s, &mut carry, &mut parsed),
        Value::Null => {}
        other => text_lines(&other.to_string(), &mut carry, &mut parsed),
    }
    parsed
        .iter()
        .map(|l| LogLine {
            level: l.level().name().map(str::to_string),
            text: l.display().trim_end().to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn structured_event_line() {
        let lines = content_to_lines(&json!([
            {"timestamp": "2026-11-27T07:20:51.851358Z", "event": "hello \u{1b}[31m", "level": "info",
             "logger": "task.stdout", "dag_id": "d", "ti_id": "x"},
            {"event": "::endgroup::"},
            "plain\nstring"
        ]));
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "07:20:51.851 INFO  hello ^[[31m  source=task.stdout",
                "plain",
                "string"
            ]
        );
    }

    #[test]
    fn exception_becomes_traceback() {
        let lines = content_to_lines(&json!([{
            "timestamp": "2026-11-27T07:20:53.053217Z", "event": "Task failed with exception",
            "level": "error", "logger": "task",
            "error_detail": [{"exc_type": "ValueError", "exc_value": "boom", "exc_notes": [],
                "frames": [{"filename": "/dags/x.py", "lineno": 20, "name": "_load"}]}]
        }]));
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "07:20:53.053 ERROR Task failed with exception  source=task",
                "                   Traceback (most recent call last):",
                "                     File \"/dags/x.py\", line 20, in _load",
                "                   ValueError: boom",
            ]
        );
        assert!(lines.iter().all(|l| l.level.as_deref() == Some("error")));
    }

    #[test]
    fn airflow2_tuple_repr() {
        let lines = content_to_lines(&json!(
            "[('host1', '*** Found local files:\\n[2024] {x.py:1} INFO - it\\'s \\x1b ok\\n')]"
        ));
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "*** Found local files:",
                "[2024] {x.py:1} INFO - it's ^[ ok"
            ]
        );
        let raw = content_to_lines(&json!("[2024] plain log\nsecond"));
        assert_eq!(raw.len(), 2);
    }
}
