//! A task try's log: the lines, and the index of where tracebacks start.

use serde_json::Value;

use super::line::{event_lines, text_lines, Level, LogLine};

/// The log of one try of a task instance, as lines ready to draw. Built once from
/// Airflow's response (and appended to while the task runs); drawing never re-parses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogDocument {
    lines: Vec<LogLine>,
    tracebacks: Vec<usize>,
    /// Widest line, in columns: how far horizontal scrolling may go.
    max_width: usize,
    /// Level of the last line, inherited by following plain-text lines that have none.
    carry: Level,
}

impl LogDocument {
    pub fn new() -> LogDocument {
        LogDocument::default()
    }

    /// Reads a `GET …/logs/{try_number}` response (Airflow 3 `{content: [events…]}` or
    /// Airflow 2 `{content: "text"}`).
    pub fn from_response(v: &Value) -> LogDocument {
        let mut doc = LogDocument::new();
        doc.push_response(v);
        doc
    }

    /// Appends a log response or a continuation chunk. Accepts `{content: …}`, a bare
    /// array of events, or a bare string.
    pub fn push_response(&mut self, v: &Value) {
        match v.get("content").unwrap_or(v) {
            Value::Array(events) => {
                for ev in events {
                    self.push_event(ev);
                }
            }
            Value::String(text) => self.push_text(text),
            Value::Null => {}
            other => self.push_event(other),
        }
    }

    /// Appends one structured event (Airflow 3) — or a string item, taken as text.
    pub fn push_event(&mut self, ev: &Value) {
        let start = self.lines.len();
        event_lines(ev, &mut self.carry, &mut self.lines);
        self.index_from(start);
    }

    /// Appends plain text (Airflow 2), split into lines.
    pub fn push_text(&mut self, text: &str) {
        let start = self.lines.len();
        text_lines(text, &mut self.carry, &mut self.lines);
        self.index_from(start);
    }

    /// Appends raw bytes as text; invalid UTF-8 is shown as U+FFFD.
    pub fn push_bytes(&mut self, bytes: &[u8]) {
        self.push_text(&String::from_utf8_lossy(bytes));
    }

    /// Appends a line built by the caller.
    pub fn push_line(&mut self, line: LogLine) {
        self.carry = line.level();
        self.lines.push(line);
        self.index_from(self.lines.len() - 1);
    }

    fn index_from(&mut self, start: usize) {
        for (i, l) in self.lines.iter().enumerate().skip(start) {
            if l.is_traceback_start() {
                self.tracebacks.push(i);
            }
            self.max_width = self.max_width.max(l.width());
        }
    }

    pub fn lines(&self) -> &[LogLine] {
        &self.lines
    }

    pub fn line(&self, i: usize) -> Option<&LogLine> {
        self.lines.get(i)
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Width of the widest line, in columns.
    pub fn max_width(&self) -> usize {
        self.max_width
    }

    /// Indexes of the lines that start a traceback, in order.
    pub fn tracebacks(&self) -> &[usize] {
        &self.tracebacks
    }
}

/// The `continuation_token` of a log response: pass it back as `token=` to get what
/// the task has logged since.
pub fn continuation_token(v: &Value) -> Option<&str> {
    v.get("continuation_token").and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn response_with_events_and_strings() {
        let doc = LogDocument::from_response(&json!({
            "content": [
                {"event": "::group::Pre Execute", "timestamp": "2026-11-27T07:20:48Z", "level": "info"},
                {"event": "::endgroup::"},
                "plain line one\nTraceback (most recent call last):\nKeyError: 1",
                {"event": "oops", "level": "error", "error_detail": [{"exc_type": "E", "frames": []}]}
            ],
            "continuation_token": "abc"
        }));
        assert_eq!(doc.len(), 7);
        assert_eq!(doc.tracebacks(), [2, 4]);
    }

    #[test]
    fn airflow2_string_content_is_text() {
        let doc =
            LogDocument::from_response(&json!({"content": "a\nb\n", "continuation_token": null}));
        assert_eq!(doc.len(), 2);
        assert_eq!(
            continuation_token(&json!({"continuation_token": "t"})),
            Some("t")
        );
    }

    #[test]
    fn bytes_are_decoded_lossily() {
        let mut doc = LogDocument::new();
        doc.push_bytes(b"ok \xff\x1b[31m");
        assert_eq!(doc.lines()[0].display(), "ok \u{fffd}^[[31m");
    }
}
