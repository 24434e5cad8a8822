//! Small helpers for showing untrusted text inside one-line messages.

/// Shows `s` on one line: control characters (newlines, escapes) become visible escapes,
/// so a name can never break a message or reach the terminal as a control sequence.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
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

/// Characters that are invisible yet change how a terminal shows the rest of a line.
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
    fn nearest_finds_typos() {
        assert_eq!(
            nearest("retrys", ["retries", "pool", "queue"]),
            Some("retries")
        );
        assert_eq!(nearest("zzzzzz", ["retries", "pool"]), None);
    }
}
