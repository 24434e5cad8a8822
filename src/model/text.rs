//! Small helpers for showing untrusted text inside one-line messages.

/// Shows `s` on one line: control characters (newlines, escapes, C1 controls) become
/// visible escapes (`\n`, `\u{1b}`), and so do the invisible characters that change how
/// a terminal shows the rest of a line (bidi overrides and isolates, zero-width
/// characters; see [`needs_unicode_escape`]). A name can never break a message, reach
/// the terminal as a control sequence, display reversed or shift a column. This is the
/// one rule for untrusted text in the TUI, CLI tables and error messages.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else if needs_unicode_escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// The widest an untrusted value is shown in a CLI table cell or a message, in columns.
pub const MAX_SHOWN: usize = 64;

/// `s` cut to at most `max` display columns, ending with `…` when something was cut.
pub fn cut(s: &str, max: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if s.width() <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// An untrusted value as it appears in a table cell or a message: [`one_line`], then
/// [`cut`] to [`MAX_SHOWN`] columns.
pub fn shown(s: &str) -> String {
    cut(&one_line(s), MAX_SHOWN)
}

/// Appends `ch` so that a terminal shows it and never obeys it. C0 controls and DEL in
/// caret notation (`ESC` → `^[`, as `cat -v` shows them); C1 controls (e.g. the 8-bit
/// CSI), bidi marks, embeddings, overrides and isolates ("Trojan Source"), line and
/// paragraph separators and the zero-width no-break space as `\u{..}`. Tabs are the
/// caller's choice (kept, or expanded to columns), so they are not handled here.
pub fn push_visible(out: &mut String, ch: char) {
    match ch {
        '\u{0}'..='\u{1f}' => {
            out.push('^');
            out.push(char::from(b'@' + ch as u8));
        }
        '\u{7f}' => out.push_str("^?"),
        c if needs_unicode_escape(c) => {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
        c => out.push(c),
    }
}

/// Characters that are invisible yet change how a terminal shows the rest of a line
/// (bidi controls), or take no column at all so that names look alike or columns shift
/// (zero-width characters), and C1 controls.
pub fn needs_unicode_escape(c: char) -> bool {
    matches!(
        c,
        '\u{80}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{feff}'
            // Invisible, zero-width: soft hyphen, Mongolian vowel separator, zero-width
            // space / non-joiner / joiner, word joiner and invisible operators,
            // deprecated format characters, interlinear annotation marks.
            | '\u{ad}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200d}'
            | '\u{2060}'..='\u{2064}'
            | '\u{206a}'..='\u{206f}'
            | '\u{fff9}'..='\u{fffb}'
    )
}

/// Edit distance, for "did you mean" hints.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a plausible typo.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (levenshtein(word, c), c))
        .filter(|(d, c)| *d <= (c.len() / 2).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_made_visible() {
        assert_eq!(one_line("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
    }

    #[test]
    fn bidi_and_zero_width_characters_are_made_visible() {
        assert_eq!(one_line("ab\u{202e}cd"), "ab\\u{202e}cd");
        assert_eq!(one_line("a\u{200b}b\u{2066}c"), "a\\u{200b}b\\u{2066}c");
        assert_eq!(one_line("x\u{9b}31m"), "x\\u{9b}31m");
        assert_eq!(one_line("x\u{7}"), "x\\u{7}");
    }

    #[test]
    fn long_values_are_cut_with_an_ellipsis() {
        let long = "n".repeat(10_000);
        let s = shown(&long);
        assert_eq!(s.chars().count(), MAX_SHOWN);
        assert!(s.ends_with('…'));
        assert_eq!(cut("short", 10), "short");
        // Wide characters count two columns.
        assert_eq!(cut("한국어한국어", 5), "한국…");
    }

    #[test]
    fn nearest_finds_typos() {
        assert_eq!(
            nearest("retrys", ["retries", "pool", "queue"]),
            Some("retries")
        );
        assert_eq!(nearest("zzzzzz", ["retries", "pool"]), None);
    }
}
