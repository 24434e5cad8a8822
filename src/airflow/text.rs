//! Making untrusted text (task logs, stack traces, Airflow's own messages) safe to print
//! in a terminal. Task code controls what ends up in its log, so a log line can carry
//! escape sequences that move the cursor, rewrite the title or hide text; every such
//! string goes through here before it reaches the screen.

/// Turns every control character except `\t` into a visible escape, so that the result
/// can be written to a terminal without being interpreted.
///
/// C0 controls and DEL use caret notation (`ESC` → `^[`, `\n` → `^J`, DEL → `^?`); C1
/// controls (U+0080–U+009F, e.g. the single-character CSI U+009B) and the Unicode
/// bidirectional overrides that can reorder what a line appears to say become
/// `\u{9b}`-style escapes.
#[must_use]
pub fn sanitize_for_terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        push_visible(&mut out, ch);
    }
    out
}

/// Like [`sanitize_for_terminal`] but keeps line breaks: `\r\n`, `\r` and `\n` all end a
/// line. For stack traces and other multi-line text.
#[must_use]
pub fn sanitize_lines(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n")
        .split(['\n', '\r'])
        .map(sanitize_for_terminal)
        .collect()
}

/// [`sanitize_lines`] joined with `\n`: multi-line text where only the line breaks
/// remain as control characters.
#[must_use]
pub fn sanitize_multiline(text: &str) -> String {
    sanitize_lines(text).join("\n")
}

fn push_visible(out: &mut String, ch: char) {
    match ch {
        '\t' => out.push('\t'),
        c => crate::model::text::push_visible(out, c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_made_visible() {
        assert_eq!(
            sanitize_for_terminal("\x1b[31mred\x1b[0m"),
            "^[[31mred^[[0m"
        );
        assert_eq!(sanitize_for_terminal("a\tb"), "a\tb");
        assert_eq!(sanitize_for_terminal("a\nb\r"), "a^Jb^M");
        assert_eq!(sanitize_for_terminal("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(sanitize_for_terminal("\u{7f}"), "^?");
        assert_eq!(sanitize_for_terminal("\u{202e}abc"), "\\u{202e}abc");
        assert_eq!(sanitize_for_terminal("héllo ✓"), "héllo ✓");
    }

    #[test]
    fn lines_keep_their_breaks() {
        assert_eq!(sanitize_lines("a\r\nb\x07\nc"), vec!["a", "b^G", "c"]);
        assert_eq!(sanitize_multiline("x\n\x1b"), "x\n^[");
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// Strings rich in the characters that matter: C0, DEL, C1, bidi controls.
    fn nasty() -> impl Strategy<Value = String> {
        let ch = prop_oneof![
            any::<char>(),
            (0u32..0x20).prop_filter_map("char", char::from_u32),
            (0x7fu32..0xa0).prop_filter_map("char", char::from_u32),
            (0x2000u32..0x2070).prop_filter_map("char", char::from_u32),
        ];
        prop::collection::vec(ch, 0..80).prop_map(|v| v.into_iter().collect())
    }

    fn is_forbidden(c: char) -> bool {
        (c.is_control() && c != '\t') || ('\u{80}'..='\u{9f}').contains(&c)
    }

    proptest! {
        #[test]
        fn never_emits_control_characters(s in nasty()) {
            let out = sanitize_for_terminal(&s);
            prop_assert!(!out.chars().any(is_forbidden), "{out:?}");
            prop_assert!(!out.contains(char::from(0x1b_u8)), "ESC in output");
        }

        #[test]
        fn arbitrary_strings_too(s in any::<String>()) {
            prop_assert!(!sanitize_for_terminal(&s).chars().any(is_forbidden));
            for line in sanitize_lines(&s) {
                prop_assert!(!line.chars().any(is_forbidden));
            }
        }

        #[test]
        fn printable_text_is_unchanged(s in "[a-zA-Z0-9 .,:;!?()\\[\\]{}é✓\t-]{0,60}") {
            prop_assert_eq!(sanitize_for_terminal(&s), s);
        }
    }
}
