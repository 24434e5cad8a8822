//! Finding text in a log: the matcher (smart case, like vim's `smartcase` and less's
//! `-i`), and an index of the lines that match so that `n`/`N` and the "3/57" counter
//! cost a binary search rather than a scan.

use super::doc::LogDocument;

/// What is searched for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Matcher {
    query: String,
    needle: String,
    /// Case-insensitive (ASCII letters) when the query has no upper-case letter.
    insensitive: bool,
}

impl Matcher {
    /// `None` for an empty query.
    pub(crate) fn new(query: &str) -> Option<Matcher> {
        if query.is_empty() {
            return None;
        }
        let insensitive = !query.chars().any(char::is_uppercase);
        Some(Matcher {
            query: query.to_string(),
            needle: if insensitive {
                query.to_ascii_lowercase()
            } else {
                query.to_string()
            },
            insensitive,
        })
    }

    pub(crate) fn query(&self) -> &str {
        &self.query
    }

    /// Calls `f(start, end)` for each non-overlapping match in `hay[lo..hi]`, with offsets
    /// into `hay`. `lo`/`hi` are widened to char boundaries. `scratch` is reused between
    /// calls to avoid an allocation per line.
    pub(crate) fn for_each(
        &self,
        hay: &str,
        lo: usize,
        hi: usize,
        scratch: &mut String,
        mut f: impl FnMut(usize, usize),
    ) {
        let lo = floor_boundary(hay, lo);
        let hi = ceil_boundary(hay, hi);
        let Some(window) = hay.get(lo..hi) else {
            return;
        };
        let text: &str = if self.insensitive {
            // ASCII lower-casing keeps every byte offset where it was.
            scratch.clear();
            scratch.push_str(window);
            scratch.make_ascii_lowercase();
            scratch
        } else {
            window
        };
        for (at, m) in text.match_indices(self.needle.as_str()) {
            f(lo + at, lo + at + m.len());
        }
    }

    /// Number of matches in `hay`.
    pub(crate) fn count(&self, hay: &str, scratch: &mut String) -> usize {
        let mut n = 0;
        self.for_each(hay, 0, hay.len(), scratch, |_, _| n += 1);
        n
    }

    /// Matches overlapping `hay[lo..hi]` (the part of a line on screen), found in a
    /// window just wide enough to catch matches that cross its edges.
    pub(crate) fn visible(
        &self,
        hay: &str,
        lo: usize,
        hi: usize,
        scratch: &mut String,
    ) -> Vec<(usize, usize)> {
        let reach = self.needle.len().saturating_sub(1);
        let mut out = Vec::new();
        self.for_each(
            hay,
            lo.saturating_sub(reach),
            hi.saturating_add(reach).min(hay.len()),
            scratch,
            |s, e| {
                if e > lo && s < hi {
                    out.push((s, e));
                }
            },
        );
        out
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The lines of one document that match, built once per query and extended as lines
/// are appended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SearchIndex {
    /// Matching line numbers, ascending.
    lines: Vec<usize>,
    /// `before[k]` = number of matches in `lines[..k]`: the ordinal of a line's first match.
    before: Vec<usize>,
    total: usize,
    /// Lines scanned so far.
    scanned: usize,
}

impl SearchIndex {
    /// Scans the lines added to `doc` since the last call.
    pub(crate) fn extend(&mut self, m: &Matcher, doc: &LogDocument, scratch: &mut String) {
        for (i, line) in doc.lines().iter().enumerate().skip(self.scanned) {
            let n = m.count(line.display(), scratch);
            if n > 0 {
                self.lines.push(i);
                self.before.push(self.total);
                self.total += n;
            }
        }
        self.scanned = doc.len();
    }

    pub(crate) fn total(&self) -> usize {
        self.total
    }

    pub(crate) fn line_count(&self) -> usize {
        self.lines.len()
    }

    pub(crate) fn lines(&self) -> &[usize] {
        &self.lines
    }

    /// Ordinal (0-based) of the first match on `line`, if the line matches.
    pub(crate) fn first_ordinal(&self, line: usize) -> Option<usize> {
        self.lines.binary_search(&line).ok().map(|k| self.before[k])
    }

    /// First matching line at or after `line`.
    pub(crate) fn line_at_or_after(&self, line: usize) -> Option<usize> {
        let k = self.lines.partition_point(|&l| l < line);
        self.lines.get(k).copied()
    }

    /// Last matching line at or before `line`.
    pub(crate) fn line_at_or_before(&self, line: usize) -> Option<usize> {
        let k = self.lines.partition_point(|&l| l <= line);
        k.checked_sub(1).and_then(|k| self.lines.get(k)).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(m: &Matcher, hay: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        m.for_each(hay, 0, hay.len(), &mut String::new(), |s, e| {
            out.push((s, e))
        });
        out
    }

    #[test]
    fn smart_case() {
        let m = Matcher::new("error").unwrap_or_else(|| unreachable!());
        assert_eq!(
            all(&m, "ERROR and Error and error"),
            [(0, 5), (10, 15), (20, 25)]
        );
        let m = Matcher::new("Error").unwrap_or_else(|| unreachable!());
        assert_eq!(all(&m, "ERROR and Error and error"), [(10, 15)]);
        assert!(Matcher::new("").is_none());
    }

    #[test]
    fn offsets_stay_right_after_non_ascii() {
        let m = Matcher::new("x").unwrap_or_else(|| unreachable!());
        assert_eq!(all(&m, "É漢x"), [(5, 6)]);
    }

    #[test]
    fn visible_matches_include_those_crossing_the_edges() {
        let m = Matcher::new("abcd").unwrap_or_else(|| unreachable!());
        let hay = "..abcd....abcd..";
        assert_eq!(
            m.visible(hay, 4, 12, &mut String::new()),
            [(2, 6), (10, 14)]
        );
        assert_eq!(m.visible(hay, 6, 10, &mut String::new()), []);
        // Window edges inside a multi-byte character are widened, not a panic.
        assert_eq!(m.visible("漢abcd", 1, 5, &mut String::new()), [(3, 7)]);
    }
}
