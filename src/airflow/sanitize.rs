//! Make untrusted text safe to place in a terminal cell.
//!
//! Everything the run monitor shows comes from Airflow: run ids, task ids, host names,
//! XCom values and above all log lines, which are whatever the task's code printed. A
//! task that prints `ESC ] 52 ; …` could rewrite the operator's clipboard, one that prints
//! `ESC [ 2 J` could wipe the screen, and a stray `\r` or bidi override can make a line
//! read differently from what it is. So every such string goes through [`sanitize`]
//! before it reaches a widget: control characters become visible, inert text (`^[`,
//! `^M`, `\u{9b}`), and tabs become spaces so that column arithmetic stays exact.

use crate::model::text::needs_unicode_escape;
use unicode_width::UnicodeWidthChar;

/// Tab stops every 8 columns, like a terminal and like `less`.
pub const TAB_WIDTH: usize = 8;

/// Returns `s` with every character that could act on a terminal replaced by a visible,
/// harmless spelling, and tabs expanded to spaces (tab stops every [`TAB_WIDTH`] columns,
/// counted from the start of `s`).
///
/// - ESC and the other C0 controls use caret notation: ESC → `^[`, NUL → `^@`, CR → `^M`,
///   LF → `^J` (callers that want lines split on `\n` split first).
/// - DEL → `^?`.
/// - C1 controls (U+0080–U+009F, e.g. the 8-bit CSI U+009B) and the Unicode characters
///   that reorder or break text (bidi embeddings, overrides, isolates and marks, line and
///   paragraph separators) → `\u{9b}`-style escapes.
///
/// Printable text, including wide and combining characters, is kept as is.
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    sanitize_into(&mut out, s);
    out
}

/// Like [`sanitize`], appending to `out`. Tab stops are counted from the start of `s`, not
/// of `out`, so a message keeps the alignment its program gave it whatever prefix the
/// caller put before it.
pub fn sanitize_into(out: &mut String, s: &str) {
    // Almost every log line is printable ASCII: copy it in one go.
    if is_plain_ascii(s) {
        out.push_str(s);
        return;
    }
    let mut col = 0usize;
    for c in s.chars() {
        match c {
            '\t' => {
                let n = TAB_WIDTH - col % TAB_WIDTH;
                out.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            c if c.is_control() || needs_unicode_escape(c) => {
                let before = out.len();
                crate::model::text::push_visible(out, c);
                // Escapes are ASCII: one column per byte.
                col += out.len() - before;
            }
            c => {
                out.push(c);
                col += c.width().unwrap_or(0);
            }
        }
    }
}

/// True when `s` is only printable ASCII (space to `~`): such text needs no escaping, and
/// each byte is one terminal column, which the log viewer uses for fast slicing.
pub fn is_plain_ascii(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// Splits text into lines on `\n`, dropping the `\r` of a CRLF ending. A trailing newline
/// does not produce an empty last line (it ends the last line, as in a file).
pub fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    text.split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(sanitize("hello from extract"), "hello from extract");
        assert_eq!(sanitize("naïve café 漢字"), "naïve café 漢字");
    }

    #[test]
    fn escape_sequences_become_visible() {
        assert_eq!(sanitize("\x1b[31mred\x1b[0m"), "^[[31mred^[[0m");
        assert_eq!(sanitize("\x1b]52;c;aGk=\x07"), "^[]52;c;aGk=^G");
        assert_eq!(sanitize("a\rb\0c\x7f"), "a^Mb^@c^?");
        assert_eq!(sanitize("line\nnext"), "line^Jnext");
    }

    #[test]
    fn c1_and_bidi_are_escaped() {
        assert_eq!(sanitize("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(sanitize("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(sanitize("a\u{2028}b"), "a\\u{2028}b");
    }

    #[test]
    fn tabs_expand_to_the_next_stop() {
        assert_eq!(sanitize("\tx"), "        x");
        assert_eq!(sanitize("ab\tx"), "ab      x");
        assert_eq!(sanitize("abcdefgh\tx"), "abcdefgh        x");
        // A caret escape is two columns wide and counts towards the tab stop.
        assert_eq!(sanitize("\x1b\tx"), "^[      x");
        // Wide characters count as two columns.
        assert_eq!(sanitize("漢\tx"), "漢      x");
    }

    #[test]
    fn output_has_no_control_characters() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let out = sanitize(&all);
        assert!(!out.chars().any(|c| c.is_control()), "{out:?}");
        assert!(!out.chars().any(needs_unicode_escape));
    }

    #[test]
    fn split_lines_handles_crlf_and_trailing_newline() {
        let lines: Vec<&str> = split_lines("a\r\nb\n\nc\n").collect();
        assert_eq!(lines, ["a", "b", "", "c"]);
        assert_eq!(split_lines("").collect::<Vec<_>>(), [""]);
        // A lone CR inside a line is kept (and later shown as ^M).
        assert_eq!(split_lines("50%\r100%").collect::<Vec<_>>(), ["50%\r100%"]);
    }
}
