//! Ranking a picker's items against what was typed, as an editor's picker does: an exact
//! name first, then names that start with it, then names with a word that starts with
//! it, then names that hold it elsewhere, then fuzzy matches (scored by nucleo-matcher, the matcher helix uses), then items
//! whose description alone matches. Within a tier the better score comes first, then the
//! original order. The matched characters of each name are kept for highlighting.

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// How an item matched, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// The name is what was typed (case aside).
    Exact,
    /// The name starts with it.
    Prefix,
    /// A word of the name (after `_`, `-`, `.`, a space, or a lower→upper change)
    /// starts with it.
    WordStart,
    /// The name holds it as typed, elsewhere.
    Substring,
    /// The name holds its characters in order.
    Fuzzy,
    /// Only the description matches.
    Detail,
}

/// One item that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    /// Position of the item in the list given.
    pub index: usize,
    pub tier: Tier,
    /// The characters of the name that matched (char positions, ascending).
    pub positions: Vec<u32>,
}

/// Ranks `items` (name, description) against `query`. An empty query keeps every item
/// in its order, nothing highlighted.
pub fn rank(query: &str, items: &[(&str, &str)]) -> Vec<Ranked> {
    let query = query.trim();
    if query.is_empty() {
        return (0..items.len())
            .map(|index| Ranked {
                index,
                tier: Tier::Exact,
                positions: Vec::new(),
            })
            .collect();
    }
    let mut matcher = Matcher::new(Config::DEFAULT);
    let pattern = Pattern::new(
        query,
        CaseMatching::Ignore,
        Normalization::Smart,
        AtomKind::Fuzzy,
    );
    let lower = query.to_lowercase();
    let mut buf = Vec::new();
    let mut out: Vec<(Tier, u32, Ranked)> = Vec::new();
    for (index, (name, detail)) in items.iter().enumerate() {
        let mut positions = Vec::new();
        let score = pattern.indices(Utf32Str::new(name, &mut buf), &mut matcher, &mut positions);
        let (tier, score, positions) = match score {
            Some(score) => {
                let (tier, exact_positions) = literal_tier(name, &lower);
                let positions = exact_positions.unwrap_or_else(|| {
                    positions.sort_unstable();
                    positions.dedup();
                    positions
                });
                (tier, score, positions)
            }
            None => {
                let hay = detail.to_lowercase();
                if lower.split_whitespace().all(|w| hay.contains(w)) {
                    (Tier::Detail, 0, Vec::new())
                } else {
                    continue;
                }
            }
        };
        out.push((
            tier,
            score,
            Ranked {
                index,
                tier,
                positions,
            },
        ));
    }
    out.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(b.1.cmp(&a.1))
            .then(a.2.index.cmp(&b.2.index))
    });
    out.into_iter().map(|(_, _, r)| r).collect()
}

/// The tier of a name that matched fuzzily, and the characters to highlight when the
/// query appears in it as typed.
fn literal_tier(name: &str, lower_query: &str) -> (Tier, Option<Vec<u32>>) {
    let lower_name = name.to_lowercase();
    let span = |start_byte: usize| -> Vec<u32> {
        let start = lower_name[..start_byte].chars().count() as u32;
        let len = lower_query.chars().count() as u32;
        (start..start + len).collect()
    };
    if lower_name == lower_query {
        return (Tier::Exact, Some(span(0)));
    }
    if lower_name.starts_with(lower_query) {
        return (Tier::Prefix, Some(span(0)));
    }
    let chars: Vec<(usize, char)> = name.char_indices().collect();
    for (i, &(byte, c)) in chars.iter().enumerate().skip(1) {
        let prev = chars[i - 1].1;
        let word_start = matches!(prev, '_' | '-' | '.' | ' ' | '/')
            || (prev.is_lowercase() && c.is_uppercase());
        if word_start
            && lower_name
                .get(byte..)
                .is_some_and(|r| r.starts_with(lower_query))
        {
            return (Tier::WordStart, Some(span(byte)));
        }
    }
    match lower_name.find(lower_query) {
        Some(byte) => (Tier::Substring, Some(span(byte))),
        None => (Tier::Fuzzy, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(query: &str, items: &[&str]) -> Vec<String> {
        let pairs: Vec<(&str, &str)> = items.iter().map(|n| (*n, "")).collect();
        rank(query, &pairs)
            .into_iter()
            .map(|r| items[r.index].to_string())
            .collect()
    }

    #[test]
    fn exact_then_prefix_then_word_start_then_fuzzy() {
        let items = ["extract", "load_transform", "transform", "tr", "t_r_x"];
        assert_eq!(
            names("tr", &items),
            ["tr", "transform", "load_transform", "extract", "t_r_x"]
        );
    }

    #[test]
    fn typing_tr_puts_transform_before_extract() {
        assert_eq!(
            names("tr", &["extract", "load", "transform"]),
            ["transform", "extract"]
        );
    }

    #[test]
    fn a_description_match_comes_last_and_nothing_else_is_kept() {
        let items = [
            ("load", "writes the rows"),
            ("rowcount", ""),
            ("extract", ""),
        ];
        let ranked: Vec<usize> = rank("row", &items).into_iter().map(|r| r.index).collect();
        assert_eq!(ranked, [1, 0]);
    }

    #[test]
    fn positions_mark_the_matched_characters() {
        let r = rank("tr", &[("load_transform", "")]);
        assert_eq!(r[0].tier, Tier::WordStart);
        assert_eq!(r[0].positions, [5, 6]);
        let r = rank("xtc", &[("extract", "")]);
        assert_eq!(r[0].tier, Tier::Fuzzy);
        assert_eq!(r[0].positions.len(), 3);
        assert!(r[0].positions.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn an_empty_query_keeps_the_order() {
        let r = rank("  ", &[("b", ""), ("a", "")]);
        assert_eq!(r.iter().map(|r| r.index).collect::<Vec<_>>(), [0, 1]);
    }
}
