//! Task logs as readable terminal lines. Airflow 3 answers with structured events
//! (`{timestamp, event, level, logger, …, error_detail}`) or plain strings; Airflow 2
//! answers with one string, which older releases fill with the Python `repr` of a list of
//! `(host, text)` tuples. Everything here comes from task code, so every line is sanitised.

use serde::Serialize;
use serde_json::{Map, Value};

use super::text::{sanitize_for_terminal, sanitize_lines};
use super::types::parse_time;

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

/// Keys every Airflow 3 event repeats (the task's identity, the emitting source line):
/// shown once in the UI's header, noise on every line.
pub const QUIET_KEYS: &[&str] = &[
    "timestamp",
    "event",
    "level",
    "logger",
    "filename",
    "lineno",
    "dag_id",
    "run_id",
    "task_id",
    "ti_id",
    "map_index",
    "try_number",
    "error_detail",
    "exc_info",
    "exception",
    "chan",
    // `Pushing xcom ti=RuntimeTaskInstance(…)`: Airflow's internal repr, a kilobyte long.
    "ti",
];

/// Longest value shown for an extra field; `ti=RuntimeTaskInstance(…)` reprs run to a
/// kilobyte and say nothing a user needs.
const MAX_EXTRA: usize = 160;

/// Turns a log response's `content` (either API) into lines.
#[must_use]
pub fn content_to_lines(content: &Value) -> Vec<LogLine> {
    match content {
        Value::Array(items) => items.iter().flat_map(item_to_lines).collect(),
        Value::String(s) => text_to_lines(s),
        Value::Null => Vec::new(),
        other => plain_lines(&other.to_string(), None),
    }
}

fn item_to_lines(item: &Value) -> Vec<LogLine> {
    match item {
        Value::String(s) => plain_lines(s, None),
        Value::Object(map) => event_to_lines(map),
        Value::Null => Vec::new(),
        other => plain_lines(&other.to_string(), None),
    }
}

/// Formats one structured event as `HH:MM:SS LEVEL logger: event key=value…`, followed by
/// a Python-style traceback when the event carries exception details.
#[must_use]
pub fn event_to_lines(map: &Map<String, Value>) -> Vec<LogLine> {
    let level = map
        .get("level")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase);
    let event = match map.get("event") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };

    // Airflow's UI folds `::group::` sections; here a group title is a header and the
    // closing marker is dropped.
    if event.trim() == "::endgroup::" {
        return Vec::new();
    }
    let event = match event.strip_prefix("::group::") {
        Some(title) => format!("▸ {title}"),
        None => event,
    };

    let mut head = String::new();
    if let Some(time) = map
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(parse_time)
    {
        head.push_str(&time.format("%H:%M:%S ").to_string());
    }
    if let Some(level) = &level {
        head.push_str(&level.to_ascii_uppercase());
        head.push(' ');
    }
    if let Some(logger) = map.get("logger").and_then(Value::as_str) {
        head.push_str(logger);
        head.push_str(": ");
    }

    let extras: Vec<String> = map
        .iter()
        .filter(|(k, v)| !QUIET_KEYS.contains(&k.as_str()) && !v.is_null())
        .map(|(k, v)| {
            let shown = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!("{k}={}", shorten(&shown))
        })
        .collect();

    let mut text = head;
    text.push_str(&event);
    if !extras.is_empty() {
        text.push(' ');
        text.push_str(&extras.join(" "));
    }

    let mut lines = plain_lines(&text, level.clone());
    if let Some(Value::Array(excs)) = map.get("error_detail") {
        lines.extend(
            traceback_lines(excs)
                .iter()
                .flat_map(|l| plain_lines(l, level.clone())),
        );
    }
    // Other handlers put a preformatted traceback in `exception`/`exc_info`.
    for key in ["exception", "exc_info"] {
        if let Some(Value::String(tb)) = map.get(key) {
            lines.extend(
                tb.lines()
                    .map(|l| format!("  {l}"))
                    .flat_map(|l| plain_lines(&l, level.clone())),
            );
        }
    }
    lines
}

/// Renders structlog's `error_detail` (a list of exceptions, each with frames) the way
/// Python prints a traceback, so users recognise it.
fn traceback_lines(excs: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, exc) in excs.iter().enumerate() {
        if i > 0 {
            let cause = exc
                .get("is_cause")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            out.push(String::new());
            out.push(if cause {
                "  The above exception was the direct cause of the following exception:".into()
            } else {
                "  During handling of the above exception, another exception occurred:".into()
            });
            out.push(String::new());
        }
        out.push("  Traceback (most recent call last):".into());
        if let Some(Value::Array(frames)) = exc.get("frames") {
            for frame in frames {
                let file = frame.get("filename").and_then(Value::as_str).unwrap_or("?");
                let line = frame
                    .get("lineno")
                    .map(|l| l.to_string())
                    .unwrap_or_else(|| "?".into());
                let name = frame.get("name").and_then(Value::as_str).unwrap_or("?");
                out.push(format!("    File \"{file}\", line {line}, in {name}"));
            }
        }
        let exc_type = exc
            .get("exc_type")
            .and_then(Value::as_str)
            .unwrap_or("Exception");
        match exc.get("exc_value").and_then(Value::as_str) {
            Some(value) if !value.is_empty() => {
                let mut value_lines = value.lines();
                out.push(format!(
                    "  {exc_type}: {}",
                    value_lines.next().unwrap_or("")
                ));
                out.extend(value_lines.map(|l| format!("  {l}")));
            }
            _ => out.push(format!("  {exc_type}")),
        }
        if let Some(Value::Array(notes)) = exc.get("exc_notes") {
            out.extend(
                notes
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|n| format!("  {n}")),
            );
        }
        // Exception groups nest their members.
        if let Some(Value::Array(nested)) = exc.get("exceptions") {
            out.extend(
                traceback_lines(nested)
                    .into_iter()
                    .map(|l| format!("  {l}")),
            );
        }
    }
    out
}

/// Airflow 2's string content: either the log text itself or `[('host', 'text'), …]`.
fn text_to_lines(s: &str) -> Vec<LogLine> {
    let trimmed = s.trim_start();
    if trimmed.starts_with("[(") {
        if let Some(parts) = parse_python_tuple_list(trimmed) {
            return parts
                .iter()
                .flat_map(|(_host, text)| plain_lines(text, None))
                .collect();
        }
    }
    plain_lines(s, None)
}

fn plain_lines(text: &str, level: Option<String>) -> Vec<LogLine> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    sanitize_lines(text)
        .into_iter()
        .map(|text| LogLine {
            level: level.clone(),
            text,
        })
        .collect()
}

fn shorten(s: &str) -> String {
    let s = sanitize_for_terminal(s);
    if s.chars().count() <= MAX_EXTRA {
        s
    } else {
        let mut out: String = s.chars().take(MAX_EXTRA).collect();
        out.push('…');
        out
    }
}

/// Parses the Python `repr` of a list of 2-tuples of strings, e.g.
/// `[('host', 'line 1\nline 2')]`. Returns `None` for anything else, and the caller
/// shows the raw string instead.
fn parse_python_tuple_list(s: &str) -> Option<Vec<(String, String)>> {
    let mut chars = s.chars().peekable();
    let mut out = Vec::new();
    let skip_ws = |it: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while it.peek().is_some_and(|c| c.is_whitespace()) {
            it.next();
        }
    };
    if chars.next()? != '[' {
        return None;
    }
    loop {
        skip_ws(&mut chars);
        match chars.next()? {
            ']' => break,
            ',' => continue,
            '(' => {
                skip_ws(&mut chars);
                let host = python_string(&mut chars)?;
                skip_ws(&mut chars);
                if chars.next()? != ',' {
                    return None;
                }
                skip_ws(&mut chars);
                let text = python_string(&mut chars)?;
                skip_ws(&mut chars);
                if chars.next_if_eq(&',').is_some() {
                    skip_ws(&mut chars);
                }
                if chars.next()? != ')' {
                    return None;
                }
                out.push((host, text));
            }
            _ => return None,
        }
    }
    Some(out)
}

fn python_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<String> {
    let quote = chars.next()?;
    if quote != '\'' && quote != '"' {
        return None;
    }
    let mut out = String::new();
    loop {
        match chars.next()? {
            c if c == quote => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '0' => out.push('\0'),
                'x' => out.push(hex_char(chars, 2)?),
                'u' => out.push(hex_char(chars, 4)?),
                'U' => out.push(hex_char(chars, 8)?),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
}

fn hex_char(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, n: usize) -> Option<char> {
    let digits: String = (0..n).map(|_| chars.next()).collect::<Option<String>>()?;
    char::from_u32(u32::from_str_radix(&digits, 16).ok()?)
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
            vec!["07:20:51 INFO task.stdout: hello ^[[31m", "plain", "string"]
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
                "07:20:53 ERROR task: Task failed with exception",
                "  Traceback (most recent call last):",
                "    File \"/dags/x.py\", line 20, in _load",
                "  ValueError: boom",
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
