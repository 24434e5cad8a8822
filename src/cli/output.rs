//! Printing for the CLI: aligned tables for people, JSON for scripts. Text that came
//! from users goes through one rule ([`crate::model::text::shown`]): on one line, control,
//! bidi and zero-width characters made visible, long values cut with `…`.
//!
//! Everything goes to stdout through [`write_out`], which never panics: a reader that
//! went away (`| head`) or a full disk come back as an [`OutputError`], which the binary
//! turns into a quiet exit 0 or one line.

use crate::model::text::{needs_unicode_escape, shown};
use std::io::Write;
use unicode_width::UnicodeWidthStr;

/// Writing the command's output failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the output: {0}")]
pub struct OutputError(#[source] pub std::io::Error);

impl OutputError {
    /// The reader closed the pipe: like other Unix tools, stop quietly with status 0.
    pub fn is_closed_pipe(&self) -> bool {
        self.0.kind() == std::io::ErrorKind::BrokenPipe
    }
}

/// Writes to stdout and flushes, so a failure is reported here and not lost at exit.
pub fn write_out(args: std::fmt::Arguments<'_>) -> Result<(), OutputError> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args).map_err(OutputError)?;
    out.flush().map_err(OutputError)
}

/// `print!` that returns an [`OutputError`] instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::write_out(format_args!($($arg)*))?
    };
}

/// `println!` that returns an [`OutputError`] instead of panicking.
macro_rules! outln {
    () => {
        $crate::cli::output::write_out(format_args!("\n"))?
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write_out(format_args!("{}\n", format_args!($($arg)*)))?
    };
}

pub(crate) use {out, outln};

pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| shown(c)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.width());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            l.push_str(c);
            if i + 1 < cells.len() {
                l.push_str(&" ".repeat(widths[i] - c.width() + 2));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(headers.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

/// Pretty JSON in which no character can act on a terminal: serde_json escapes C0
/// controls; C1 controls, bidi and zero-width characters are escaped here as `\uXXXX`
/// (still the same JSON value). Values are never cut: scripts get them whole.
pub fn json(value: &impl serde::Serialize) -> anyhow::Result<String> {
    let text = serde_json::to_string_pretty(value)?;
    Ok(escape_hidden(&text))
}

/// Replaces every hidden character of JSON text with its `\uXXXX` escape. Outside
/// strings JSON has only ASCII, so this changes string contents only.
fn escape_hidden(text: &str) -> String {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' || needs_unicode_escape(c))
    {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if (c.is_control() && c != '\n') || needs_unicode_escape(c) {
            // All such characters are in the Basic Multilingual Plane.
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_c1_bidi_and_zero_width_and_stays_the_same_value() {
        let value = serde_json::json!({ "name": "a\u{9b}b\u{202e}c\u{200b}d\u{1b}e" });
        let text = json(&value).unwrap();
        assert!(text.is_ascii(), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn table_cells_are_one_line_and_cut() {
        let t = table(
            &["NAME"],
            &[vec![format!("x\u{1b}]0;t\u{7}{}", "n".repeat(500))]],
        );
        let row = t.lines().nth(1).unwrap();
        assert!(row.starts_with("x\\u{1b}]0;t\\u{7}n"), "{row}");
        assert!(row.ends_with('…') && row.width() <= crate::model::text::MAX_SHOWN);
    }
}
