//! Log lines and their parsing from Airflow's log responses: the one formatter behind
//! both `flowdeck run log` and the TUI's log viewer.
//!
//! Airflow 3 returns structured events (`{timestamp, event, level, logger, …}`, built by
//! structlog); Airflow 2 returns text in its classic `[ts] {file.py:12} INFO - msg`
//! format. Both end up as [`LogLine`]s: one terminal line of sanitized text plus the
//! byte ranges that get their own colour, so that drawing is slicing, not parsing.

use ratatui::style::Style;
use ratatui::text::Span;
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use super::sanitize::{is_plain_ascii, sanitize_into, split_lines};
use super::types::parse_time;

/// A part of a [`LogLine`] that is drawn in its own colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinePart {
    /// The timestamp prefix.
    Timestamp,
    /// Space between parts.
    Gap,
    /// The five-column level tag.
    LevelTag(Level),
    /// The message text; `group` for a log-group header.
    Message { level: Level, group: bool },
    /// The structured fields after the message.
    Meta,
}

/// Severity of a log line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// No level known (plain text, or a structured event without one).
    #[default]
    None,
    Debug,
    Info,
    Warning,
    Error,
    Critical,
}

impl Level {
    /// Parses structlog's and Python logging's level names, in any case.
    pub fn parse(s: &str) -> Level {
        match s.to_ascii_lowercase().as_str() {
            "debug" | "trace" => Level::Debug,
            "info" | "notice" => Level::Info,
            "warning" | "warn" => Level::Warning,
            "error" | "exception" => Level::Error,
            "critical" | "fatal" => Level::Critical,
            _ => Level::None,
        }
    }

    /// Lower-case name (`info`, `warning`…), `None` when no level is known.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Level::None => None,
            Level::Debug => Some("debug"),
            Level::Info => Some("info"),
            Level::Warning => Some("warning"),
            Level::Error => Some("error"),
            Level::Critical => Some("critical"),
        }
    }

    /// Five-column tag shown after the timestamp.
    pub fn tag(self) -> &'static str {
        match self {
            Level::None => "     ",
            Level::Debug => "DEBUG",
            Level::Info => "INFO ",
            Level::Warning => "WARN ",
            Level::Error => "ERROR",
            Level::Critical => "CRIT ",
        }
    }
}

/// Longest message kept per line. A task that prints a multi-megabyte line would
/// otherwise make every frame that shows it walk megabytes; the cut is marked.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Longest value of an extra field shown in a line's meta part.
const MAX_META_CHARS: usize = 160;

/// Width of `HH:MM:SS.mmm`.
const TS_W: usize = 12;
/// Columns before the message of a line with a timestamp and level: `HH:MM:SS.mmm LEVEL `.
pub const PREFIX_W: usize = TS_W + 1 + 5 + 1;

const F_ASCII: u8 = 1;
const F_TRACEBACK: u8 = 2;
const F_GROUP: u8 = 4;

/// One line of a log, ready to draw: its sanitized text and where its parts are.
///
/// `display()` is what is drawn: `[timestamp level ]message[  meta]`. The meta part holds
/// the logger (`source=`), the call site (`loc=`) and any other fields of a structured
/// event, drawn dim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    display: String,
    ts_end: u32,
    level_range: (u32, u32),
    msg_start: u32,
    msg_end: u32,
    logger: Option<(u32, u32)>,
    level: Level,
    flags: u8,
    width: u32,
}

impl LogLine {
    /// A readable line from its parts: `timestamp` as Airflow sends it (RFC 3339; shown as
    /// `HH:MM:SS.mmm` UTC), the level, the logger name, and the message. All of it is
    /// sanitized; a message with newlines is kept on one line (`^J`): use
    /// `LogDocument::push_event` to split it.
    pub fn new(timestamp: Option<&str>, level: Level, logger: Option<&str>, text: &str) -> LogLine {
        let mut b = Builder::header(timestamp, level);
        b.message(text);
        if let Some(l) = logger {
            b.meta_logger(l);
        }
        b.finish()
    }

    /// A line of plain text (Airflow 2, or a string item of an Airflow 3 response), with
    /// the level that text was found to have (coloured accordingly, no prefix added).
    pub fn plain(level: Level, text: &str) -> LogLine {
        let mut b = Builder::bare(level);
        b.message(text);
        b.finish()
    }

    /// What is drawn.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// The message part of [`display`](Self::display).
    pub fn text(&self) -> &str {
        self.slice(self.msg_start, self.msg_end)
    }

    /// The timestamp as shown (`HH:MM:SS.mmm`), if the line has one.
    pub fn timestamp(&self) -> Option<&str> {
        (self.ts_end > 0).then(|| self.slice(0, self.ts_end))
    }

    pub fn level(&self) -> Level {
        self.level
    }

    pub fn logger(&self) -> Option<&str> {
        self.logger.map(|(s, e)| self.slice(s, e))
    }

    /// Whether this line starts a traceback (an exception event, or a
    /// `Traceback (most recent call last):` line).
    pub fn is_traceback_start(&self) -> bool {
        self.flags & F_TRACEBACK != 0
    }

    /// Whether this line opens a group (`::group::` in Airflow 3 logs).
    pub fn is_group(&self) -> bool {
        self.flags & F_GROUP != 0
    }

    /// Whether every character is printable ASCII (one byte = one column).
    pub fn is_ascii(&self) -> bool {
        self.flags & F_ASCII != 0
    }

    /// Width in terminal columns.
    pub fn width(&self) -> usize {
        self.width as usize
    }

    fn slice(&self, s: u32, e: u32) -> &str {
        self.display.get(s as usize..e as usize).unwrap_or("")
    }

    /// The part of the line the byte at `at` belongs to, and the next byte where the
    /// part may change (the TUI colours each part).
    pub fn part_at(&self, at: usize) -> (LinePart, usize) {
        // The parts are in this order, each possibly empty:
        // timestamp | gap | level tag | gap | message | meta.
        let len = self.display.len();
        let ts_end = self.ts_end as usize;
        let (ls, le) = (self.level_range.0 as usize, self.level_range.1 as usize);
        let (ms, me) = (self.msg_start as usize, self.msg_end as usize);
        if at < ts_end {
            (LinePart::Timestamp, ts_end)
        } else if at < ls {
            (LinePart::Gap, ls)
        } else if at < le {
            (LinePart::LevelTag(self.level), le)
        } else if at < ms {
            (LinePart::Gap, ms)
        } else if at < me {
            (
                LinePart::Message {
                    level: self.level,
                    group: self.is_group(),
                },
                me,
            )
        } else {
            (LinePart::Meta, len)
        }
    }

    pub(crate) fn set_traceback_start(&mut self) {
        self.flags |= F_TRACEBACK;
    }
}

/// Builds a [`LogLine`], recording where each part starts.
struct Builder {
    out: String,
    ts_end: u32,
    level_range: (u32, u32),
    msg_start: u32,
    msg_end: u32,
    logger: Option<(u32, u32)>,
    level: Level,
    flags: u8,
}

impl Builder {
    fn bare(level: Level) -> Builder {
        Builder {
            out: String::new(),
            ts_end: 0,
            level_range: (0, 0),
            msg_start: 0,
            msg_end: 0,
            logger: None,
            level,
            flags: 0,
        }
    }

    /// `HH:MM:SS.mmm LEVEL ` (the timestamp part blank when there is none, so columns
    /// line up).
    fn header(timestamp: Option<&str>, level: Level) -> Builder {
        let mut b = Builder::bare(level);
        match timestamp {
            Some(ts) => {
                match parse_time(ts) {
                    Some(t) => b.out.push_str(&t.format("%H:%M:%S%.3f").to_string()),
                    None => sanitize_into(&mut b.out, ts),
                }
                b.ts_end = b.out.len() as u32;
            }
            None => b.out.push_str(&" ".repeat(TS_W)),
        }
        b.out.push(' ');
        let ls = b.out.len() as u32;
        b.out.push_str(level.tag());
        b.level_range = (ls, b.out.len() as u32);
        b.out.push(' ');
        b
    }

    /// Blank prefix as wide as a header: continuation lines of an event line up with it.
    fn indent(level: Level) -> Builder {
        let mut b = Builder::bare(level);
        b.out.push_str(&" ".repeat(PREFIX_W));
        b
    }

    fn message(&mut self, text: &str) {
        self.msg_start = self.out.len() as u32;
        if text.len() > MAX_LINE_BYTES {
            let mut cut = MAX_LINE_BYTES;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            sanitize_into(&mut self.out, &text[..cut]);
            self.out
                .push_str(&format!(" … [{} more bytes not shown]", text.len() - cut));
        } else {
            sanitize_into(&mut self.out, text);
        }
        self.msg_end = self.out.len() as u32;
    }

    fn meta_sep(&mut self) {
        self.out.push_str("  ");
    }

    fn meta_logger(&mut self, logger: &str) {
        self.meta_sep();
        self.out.push_str("source=");
        let s = self.out.len() as u32;
        sanitize_into(&mut self.out, logger);
        self.logger = Some((s, self.out.len() as u32));
    }

    fn meta_field(&mut self, key: &str, value: &str) {
        self.meta_sep();
        sanitize_into(&mut self.out, key);
        self.out.push('=');
        // Meta values are short by nature; a long one (`ti=RuntimeTaskInstance(…)` runs to
        // a kilobyte) says nothing an operator needs past its start.
        match value.char_indices().nth(MAX_META_CHARS) {
            Some((cut, _)) => {
                sanitize_into(&mut self.out, &value[..cut]);
                self.out.push('…');
            }
            None => sanitize_into(&mut self.out, value),
        }
    }

    fn finish(self) -> LogLine {
        let ascii = is_plain_ascii(&self.out);
        let width = if ascii {
            self.out.len()
        } else {
            // The same measure ratatui uses when it draws: graphemes, each its own width.
            Span::raw(self.out.as_str())
                .styled_graphemes(Style::default())
                .map(|g| g.symbol.width())
                .sum()
        };
        LogLine {
            width: u32::try_from(width).unwrap_or(u32::MAX),
            ts_end: self.ts_end,
            level_range: self.level_range,
            msg_start: self.msg_start,
            msg_end: self.msg_end,
            logger: self.logger,
            level: self.level,
            flags: self.flags | if ascii { F_ASCII } else { 0 },
            display: self.out,
        }
    }
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

/// Fields of a structured event that are shown in the line's own parts, repeat on every
/// line of a task's log, or are Airflow internals.
const HIDDEN_FIELDS: &[&str] = QUIET_KEYS;

/// Turns one structured event (one element of `content`) into lines, appended to `out`.
/// `carry` is the level of the previous line, for plain-text items that have none.
pub(crate) fn event_lines(ev: &Value, carry: &mut Level, out: &mut Vec<LogLine>) {
    let map = match ev {
        Value::String(s) => return text_lines(s, carry, out),
        Value::Object(map) => map,
        other => return text_lines(&other.to_string(), carry, out),
    };
    let event_owned;
    let event: &str = match map.get("event") {
        Some(Value::String(s)) => s,
        Some(Value::Null) | None => "",
        Some(other) => {
            event_owned = other.to_string();
            &event_owned
        }
    };
    // Airflow wraps setup and teardown in GitHub-Actions-style group markers. A group's
    // title is shown as a heading; its end marker carries nothing to read.
    if event.trim() == "::endgroup::" {
        return;
    }
    let (event, group) = match event.strip_prefix("::group::") {
        Some(title) => (title, true),
        None => (event, false),
    };
    let level = map
        .get("level")
        .and_then(Value::as_str)
        .map_or(Level::None, Level::parse);
    *carry = level;
    let timestamp = map.get("timestamp").and_then(Value::as_str);
    let has_exception = map.get("error_detail").is_some_and(|d| !d.is_null())
        || map.get("exception").is_some_and(|d| !d.is_null());

    let mut message_lines = split_lines(event);
    let first = message_lines.next().unwrap_or("");
    let mut b = if timestamp.is_some() || level != Level::None {
        Builder::header(timestamp, level)
    } else {
        Builder::indent(level)
    };
    if group {
        b.flags |= F_GROUP;
        b.out.push_str("▸ ");
    }
    b.message(first);
    if let Some(logger) = map.get("logger").and_then(Value::as_str) {
        b.meta_logger(logger);
    }
    if let (Some(file), Some(line)) = (
        map.get("filename").and_then(Value::as_str),
        map.get("lineno").and_then(Value::as_u64),
    ) {
        b.meta_field("loc", &format!("{file}:{line}"));
    }
    for (k, v) in map {
        if HIDDEN_FIELDS.contains(&k.as_str()) {
            continue;
        }
        match v {
            // An unset field (`bundle_version=None`) is noise.
            Value::Null => {}
            Value::String(s) => b.meta_field(k, s),
            other => b.meta_field(k, &other.to_string()),
        }
    }
    if has_exception {
        b.flags |= F_TRACEBACK;
    }
    out.push(b.finish());
    for rest in message_lines {
        let mut b = Builder::indent(level);
        b.message(rest);
        out.push(b.finish());
    }

    if let Some(detail) = map.get("error_detail").and_then(Value::as_array) {
        let mut text = String::new();
        format_error_detail(detail, 0, &mut text);
        for l in split_lines(&text) {
            let mut b = Builder::indent(Level::Error);
            b.message(l);
            out.push(b.finish());
        }
    } else if let Some(exc) = map.get("exception").and_then(Value::as_str) {
        // Older structlog setups send the formatted traceback as one string.
        for l in split_lines(exc) {
            let mut b = Builder::indent(Level::Error);
            b.message(l);
            out.push(b.finish());
        }
    }
}

/// Writes structlog's `error_detail` (a list of exceptions, the outermost first, each
/// with its stack frames) the way Python prints a traceback: the root cause first.
fn format_error_detail(detail: &[Value], depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    for (i, exc) in detail.iter().enumerate().rev() {
        out.push_str(&pad);
        out.push_str("Traceback (most recent call last):\n");
        for frame in exc
            .get("frames")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let file = frame.get("filename").and_then(Value::as_str).unwrap_or("?");
            let line = frame.get("lineno").and_then(Value::as_u64).unwrap_or(0);
            let name = frame.get("name").and_then(Value::as_str).unwrap_or("?");
            out.push_str(&format!("{pad}  File \"{file}\", line {line}, in {name}\n"));
        }
        if let Some(se) = exc.get("syntax_error").filter(|v| v.is_object()) {
            let file = se.get("filename").and_then(Value::as_str).unwrap_or("?");
            let line = se.get("lineno").and_then(Value::as_u64).unwrap_or(0);
            out.push_str(&format!("{pad}  File \"{file}\", line {line}\n"));
            if let Some(code) = se.get("line").and_then(Value::as_str) {
                out.push_str(&format!("{pad}    {}\n", code.trim_end()));
            }
        }
        let exc_type = exc
            .get("exc_type")
            .and_then(Value::as_str)
            .unwrap_or("Exception");
        let exc_value = exc.get("exc_value").and_then(Value::as_str).unwrap_or("");
        if exc_value.is_empty() {
            out.push_str(&format!("{pad}{exc_type}\n"));
        } else {
            out.push_str(&format!("{pad}{exc_type}: {exc_value}\n"));
        }
        for note in exc
            .get("exc_notes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(n) = note.as_str() {
                out.push_str(&format!("{pad}{n}\n"));
            }
        }
        if let Some(group) = exc
            .get("exceptions")
            .and_then(Value::as_array)
            .filter(|g| !g.is_empty())
        {
            format_error_detail(group, depth + 1, out);
        }
        if i > 0 {
            // detail[i] is the cause (or context) of detail[i - 1], printed next.
            let is_cause = exc
                .get("is_cause")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            out.push('\n');
            out.push_str(&pad);
            out.push_str(if is_cause {
                "The above exception was the direct cause of the following exception:"
            } else {
                "During handling of the above exception, another exception occurred:"
            });
            out.push_str("\n\n");
        }
    }
}

/// Plain text (Airflow 2 `[ts] {file.py:1} LEVEL - msg`, or any text) into lines. Lines
/// without a recognisable level — traceback frames, printed output spanning lines —
/// take the level of the line before them.
///
/// Some Airflow 2 releases send the Python `repr` of a list of `(host, text)` tuples
/// instead of the text; that is unpacked first.
pub(crate) fn text_lines(text: &str, carry: &mut Level, out: &mut Vec<LogLine>) {
    if text.trim_start().starts_with("[(") {
        if let Some(parts) = parse_tuple_list(text.trim()) {
            for (_host, part) in parts {
                plain_text_lines(&part, carry, out);
            }
            return;
        }
    }
    plain_text_lines(text, carry, out);
}

fn plain_text_lines(text: &str, carry: &mut Level, out: &mut Vec<LogLine>) {
    for line in split_lines(text) {
        if let Some(level) = airflow2_level(line) {
            *carry = level;
        }
        // Airflow 2 writes the same group markers as Airflow 3, after its log prefix: a
        // heading for a group, nothing for its end.
        if marker_at(line, "::endgroup::").is_some_and(|at| line[at..].trim_end() == "::endgroup::")
        {
            continue;
        }
        if let Some(at) = marker_at(line, "::group::") {
            let heading = format!("{}▸ {}", &line[..at], &line[at + "::group::".len()..]);
            let mut l = LogLine::plain(*carry, &heading);
            l.flags |= F_GROUP;
            out.push(l);
            continue;
        }
        let mut l = LogLine::plain(*carry, line);
        if line
            .trim_start()
            .starts_with("Traceback (most recent call last)")
        {
            l.set_traceback_start();
        }
        out.push(l);
    }
}

/// Parses `[('host', 'text'), …]` — a Python list of 2-tuples of string literals — or
/// returns `None` when the text is anything else.
fn parse_tuple_list(s: &str) -> Option<Vec<(String, String)>> {
    let mut p = PyParser {
        s: s.as_bytes(),
        i: 0,
    };
    p.expect(b'[')?;
    let mut out = Vec::new();
    loop {
        p.ws();
        if p.eat(b']') {
            break;
        }
        p.expect(b'(')?;
        let host = p.string()?;
        p.expect(b',')?;
        let text = p.string()?;
        p.ws();
        p.eat(b',');
        p.expect(b')')?;
        out.push((host, text));
        p.ws();
        if !p.eat(b',') {
            p.expect(b']')?;
            break;
        }
    }
    p.ws();
    (p.i == s.len()).then_some(out)
}

struct PyParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl PyParser<'_> {
    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        self.ws();
        self.eat(c).then_some(())
    }

    /// A Python `repr` of a str: quoted with ' or ", backslash escapes.
    fn string(&mut self) -> Option<String> {
        self.ws();
        let quote = *self.s.get(self.i).filter(|q| matches!(q, b'\'' | b'"'))?;
        self.i += 1;
        let mut bytes = Vec::new();
        loop {
            let c = *self.s.get(self.i)?;
            self.i += 1;
            if c == quote {
                break;
            }
            if c != b'\\' {
                bytes.push(c);
                continue;
            }
            let e = *self.s.get(self.i)?;
            self.i += 1;
            let mut push_char = |ch: char| {
                let mut buf = [0u8; 4];
                bytes.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            };
            match e {
                b'n' => push_char('\n'),
                b't' => push_char('\t'),
                b'r' => push_char('\r'),
                b'0' => push_char('\0'),
                b'a' => push_char('\u{7}'),
                b'b' => push_char('\u{8}'),
                b'f' => push_char('\u{c}'),
                b'v' => push_char('\u{b}'),
                b'x' | b'u' | b'U' => {
                    let n = match e {
                        b'x' => 2,
                        b'u' => 4,
                        _ => 8,
                    };
                    let hex = std::str::from_utf8(self.s.get(self.i..self.i + n)?).ok()?;
                    self.i += n;
                    // An unpaired surrogate cannot be a char: show the replacement.
                    let ch =
                        char::from_u32(u32::from_str_radix(hex, 16).ok()?).unwrap_or('\u{fffd}');
                    push_char(ch);
                }
                other => bytes.push(other),
            }
        }
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// Where `marker` starts in `line`, if it starts the line or follows a log prefix
/// (`… INFO - ::group::title`) near its start.
fn marker_at(line: &str, marker: &str) -> Option<usize> {
    let at = line.find(marker)?;
    let before = &line[..at];
    (at < 200 && (before.trim().is_empty() || before.ends_with("- "))).then_some(at)
}

/// Finds the level of an Airflow 2 log line (`… {taskinstance.py:1157} INFO - …`, or
/// `… INFO - …` with a custom format). Only the start of the line is searched: the
/// message itself may well contain " ERROR - ".
fn airflow2_level(line: &str) -> Option<Level> {
    let head = match line.char_indices().nth(160) {
        Some((i, _)) => &line[..i],
        None => line,
    };
    if !head.starts_with('[') {
        return None;
    }
    for (needle, level) in [
        (" INFO - ", Level::Info),
        (" WARNING - ", Level::Warning),
        (" ERROR - ", Level::Error),
        (" DEBUG - ", Level::Debug),
        (" CRITICAL - ", Level::Critical),
    ] {
        if head.contains(needle) {
            return Some(level);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines_of(ev: Value) -> Vec<LogLine> {
        let mut out = Vec::new();
        event_lines(&ev, &mut Level::None, &mut out);
        out
    }

    #[test]
    fn structured_event_reads_like_a_log_line() {
        let lines = lines_of(json!({
            "timestamp": "2026-11-27T07:20:51.851358Z",
            "event": "hello from extract", "level": "info", "logger": "task.stdout"
        }));
        assert_eq!(lines.len(), 1);
        assert_eq!(
            lines[0].display(),
            "07:20:51.851 INFO  hello from extract  source=task.stdout"
        );
        assert_eq!(lines[0].text(), "hello from extract");
        assert_eq!(lines[0].timestamp(), Some("07:20:51.851"));
        assert_eq!(lines[0].logger(), Some("task.stdout"));
        assert_eq!(lines[0].level(), Level::Info);
    }

    #[test]
    fn extra_fields_are_shown_but_context_fields_are_not() {
        let lines = lines_of(json!({
            "timestamp": "2026-11-27T07:20:51.816452Z", "event": "Worker startup parse complete",
            "level": "info", "logger": "task", "filename": "task_runner.py", "lineno": 1073,
            "dag_id": "d", "task_id": "t", "bundle_prepare_ms": 3, "bundle_version": null
        }));
        assert_eq!(
            lines[0].display(),
            "07:20:51.816 INFO  Worker startup parse complete  source=task  loc=task_runner.py:1073  bundle_prepare_ms=3"
        );
    }

    #[test]
    fn groups_become_headings_and_end_markers_vanish() {
        let lines = lines_of(json!({"event": "::group::Log message source details"}));
        assert_eq!(lines[0].text(), "Log message source details");
        assert!(lines[0].is_group());
        assert!(lines[0].display().contains("▸ Log message source details"));
        assert!(lines_of(json!({"event": "::endgroup::"})).is_empty());
    }

    #[test]
    fn error_detail_becomes_a_python_traceback() {
        let lines = lines_of(json!({
            "timestamp": "2026-11-27T07:20:53.053217Z", "event": "Task failed with exception",
            "level": "error", "logger": "task",
            "error_detail": [{
                "exc_type": "ValueError", "exc_value": "boom", "is_cause": false,
                "frames": [{"filename": "/dags/x.py", "lineno": 20, "name": "_load"}],
                "exceptions": []
            }]
        }));
        let texts: Vec<&str> = lines.iter().map(|l| l.text()).collect();
        assert_eq!(
            texts,
            [
                "Task failed with exception",
                "Traceback (most recent call last):",
                "  File \"/dags/x.py\", line 20, in _load",
                "ValueError: boom",
            ]
        );
        assert!(lines[0].is_traceback_start());
        assert!(lines.iter().all(|l| l.level() == Level::Error));
    }

    #[test]
    fn chained_exceptions_print_root_cause_first() {
        let lines = lines_of(json!({
            "event": "failed", "level": "error",
            "error_detail": [
                {"exc_type": "RuntimeError", "exc_value": "outer", "is_cause": false, "frames": []},
                {"exc_type": "KeyError", "exc_value": "'k'", "is_cause": true, "frames": []}
            ]
        }));
        let texts: Vec<&str> = lines.iter().map(|l| l.text()).collect();
        let key = texts
            .iter()
            .position(|t| t.starts_with("KeyError"))
            .unwrap_or(99);
        let cause = texts
            .iter()
            .position(|t| t.contains("direct cause"))
            .unwrap_or(0);
        let outer = texts
            .iter()
            .position(|t| t.starts_with("RuntimeError"))
            .unwrap_or(0);
        assert!(key < cause && cause < outer, "{texts:?}");
    }

    #[test]
    fn multi_line_events_are_split_and_indented() {
        let lines = lines_of(
            json!({"timestamp": "2026-11-27T07:20:51Z", "event": "a\nb", "level": "warning"}),
        );
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].display(), format!("{}b", " ".repeat(PREFIX_W)));
        assert_eq!(lines[1].level(), Level::Warning);
    }

    #[test]
    fn airflow2_text_gets_levels_and_tracebacks() {
        let text = "[2024-01-01T00:00:00.000+0000] {taskinstance.py:1157} INFO - Dependencies all met\n\
                    [2024-01-01T00:00:01.000+0000] {taskinstance.py:1937} ERROR - Task failed with exception\n\
                    Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\n\
                    ValueError: nope\n";
        let mut out = Vec::new();
        text_lines(text, &mut Level::None, &mut out);
        let levels: Vec<Level> = out.iter().map(|l| l.level()).collect();
        assert_eq!(
            levels,
            [
                Level::Info,
                Level::Error,
                Level::Error,
                Level::Error,
                Level::Error
            ]
        );
        assert!(out[2].is_traceback_start());
        assert_eq!(out[0].timestamp(), None);
    }

    #[test]
    fn airflow2_group_markers() {
        let text = " INFO - ::group::Log message source details\n*** Found local files:\n INFO - ::endgroup::\n\
                    [2026-11-27T07:46:49.413+0000] {local_task_job_runner.py:123} INFO - ::group::Pre task execution logs\n\
                    [2026-11-27T07:46:49.677+0000] {taskinstance.py:740} INFO - ::endgroup::\n\
                    printed ::group:: in the middle";
        let mut out = Vec::new();
        text_lines(text, &mut Level::None, &mut out);
        let texts: Vec<&str> = out.iter().map(|l| l.text()).collect();
        assert_eq!(texts, [
            " INFO - ▸ Log message source details",
            "*** Found local files:",
            "[2026-11-27T07:46:49.413+0000] {local_task_job_runner.py:123} INFO - ▸ Pre task execution logs",
            "printed ::group:: in the middle",
        ]);
        assert!(out[0].is_group() && out[2].is_group() && !out[3].is_group());
    }

    #[test]
    fn airflow2_tuple_list_repr_is_unpacked() {
        let text = "[('worker-1', '*** Found local files:\\n[2024-01-01T00:00:00.000+0000] {taskinstance.py:1} WARNING - it\\'s \\x1b[31mred\\n')]";
        let mut out = Vec::new();
        text_lines(text, &mut Level::None, &mut out);
        let texts: Vec<&str> = out.iter().map(|l| l.text()).collect();
        assert_eq!(
            texts,
            [
                "*** Found local files:",
                "[2024-01-01T00:00:00.000+0000] {taskinstance.py:1} WARNING - it's ^[[31mred"
            ]
        );
        assert_eq!(out[1].level(), Level::Warning);
        // Text that merely starts like a list is left alone.
        let mut out = Vec::new();
        text_lines("[(not a repr", &mut Level::None, &mut out);
        assert_eq!(out[0].text(), "[(not a repr");
    }

    #[test]
    fn escapes_in_every_field_are_sanitized() {
        let lines = lines_of(json!({
            "timestamp": "\u{1b}[2J", "event": "\u{1b}]52;c;x\u{7}", "level": "info",
            "logger": "\u{9b}31m", "k\u{1b}": "v\u{1b}"
        }));
        assert!(
            !lines[0].display().chars().any(char::is_control),
            "{:?}",
            lines[0].display()
        );
    }

    #[test]
    fn huge_lines_are_cut_and_marked() {
        let big = "x".repeat(MAX_LINE_BYTES + 10);
        let l = LogLine::plain(Level::None, &big);
        assert!(l.display().ends_with("… [10 more bytes not shown]"));
    }

    #[test]
    fn width_counts_wide_characters() {
        let l = LogLine::plain(Level::None, "漢字 ok");
        assert_eq!(l.width(), 7);
        assert!(!l.is_ascii());
    }
}
