//! Making untrusted text safe to draw. Names, descriptions and file contents come from
//! users; a control character or an escape sequence must show as text, never reach the
//! terminal, and never break a line.

pub use crate::model::text::one_line;

/// Spaces a tab expands to in previews.
const TAB: &str = "    ";

/// One line of a file for a preview: tabs expanded, other control characters (an
/// escape, a stray `\r`) shown as visible escapes.
pub fn preview_line(line: &str) -> String {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if !line.chars().any(char::is_control) {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        if c == '\t' {
            out.push_str(TAB);
        } else if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Multi-line text (a description) as safe lines.
pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(preview_line).collect()
}

/// Text for a one-line field that may hold multi-line or hostile text: newlines become
/// spaces so nothing is lost, other control characters are escaped.
pub fn field_text(text: &str) -> String {
    one_line(&text.replace("\r\n", " ").replace(['\n', '\r'], " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_expand_tabs_and_escape_the_rest() {
        assert_eq!(preview_line("\tx = 1\r"), "    x = 1");
        assert_eq!(preview_line("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(
            lines("a\nb\u{7}"),
            vec!["a".to_string(), "b\\u{7}".to_string()]
        );
        assert_eq!(field_text("two\nlines\u{1b}"), "two lines\\u{1b}");
    }
}
