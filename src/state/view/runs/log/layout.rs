//! Where a log line's rows and columns fall: wrapping at a width, and horizontal
//! scrolling. Printable-ASCII lines (nearly all of them) are one byte per column, so this
//! is arithmetic; other lines are walked grapheme by grapheme with the same width rule
//! ratatui applies when it draws, so what is computed is what appears.

use ratatui::style::Style;
use ratatui::text::Span;
use unicode_width::UnicodeWidthStr;

use super::line::LogLine;

/// Calls `f(byte_offset, width)` for each grapheme of `s` that takes up space.
fn graphemes(s: &str, mut f: impl FnMut(usize, usize) -> bool) {
    let base = s.as_ptr() as usize;
    for g in Span::raw(s).styled_graphemes(Style::default()) {
        let w = g.symbol.width();
        if w == 0 {
            // ratatui drops zero-width graphemes when drawing.
            continue;
        }
        // `symbol` is a sub-slice of `s`: its address gives its offset.
        if !f(g.symbol.as_ptr() as usize - base, w) {
            return;
        }
    }
}

/// Byte offsets at which the rows of `line` start when wrapped at `width` columns
/// (always at least one row, starting at 0).
pub(crate) fn row_starts(line: &LogLine, width: usize) -> Vec<usize> {
    let width = width.max(1);
    let s = line.display();
    if line.is_ascii() {
        return (0..s.len().max(1)).step_by(width).collect();
    }
    let mut starts = vec![0];
    let mut used = 0;
    graphemes(s, |at, w| {
        if used > 0 && used + w > width {
            starts.push(at);
            used = 0;
        }
        used += w;
        true
    });
    starts
}

/// Number of rows `line` takes when wrapped at `width`.
pub(crate) fn row_count(line: &LogLine, width: usize) -> usize {
    let width = width.max(1);
    if line.is_ascii() {
        return line.display().len().div_ceil(width).max(1);
    }
    if line.width() <= width {
        return 1;
    }
    row_starts(line, width).len()
}

/// The row (0-based) of the wrapped `line` that holds byte `at`.
pub(crate) fn row_of_byte(line: &LogLine, width: usize, at: usize) -> usize {
    let width = width.max(1);
    if line.is_ascii() {
        return at / width;
    }
    row_starts(line, width)
        .iter()
        .rposition(|&s| s <= at)
        .unwrap_or(0)
}

/// Column at which byte `at` of the line is drawn (unwrapped).
pub(crate) fn column_of_byte(line: &LogLine, at: usize) -> usize {
    if line.is_ascii() {
        return at;
    }
    let mut col = 0;
    graphemes(line.display(), |b, w| {
        if b >= at {
            return false;
        }
        col += w;
        true
    });
    col
}

/// Where to start drawing the line scrolled `col` columns to the left: the byte offset,
/// and how many blank columns to leave first (when a wide character straddles `col`,
/// it is skipped and its visible half left blank).
pub(crate) fn start_at_column(line: &LogLine, col: usize) -> (usize, usize) {
    let s = line.display();
    if line.is_ascii() {
        return (col.min(s.len()), 0);
    }
    if col == 0 {
        return (0, 0);
    }
    let mut used = 0;
    let mut found = (s.len(), 0);
    graphemes(s, |b, w| {
        if used >= col {
            found = (b, used - col);
            return false;
        }
        used += w;
        true
    });
    if found.0 == s.len() && used > col {
        // The last grapheme straddles `col`.
        found.1 = used - col;
    }
    found
}

/// The byte offset after at most `cols` columns of the line starting at byte `from`
/// (which must be a grapheme boundary): the end of what fits on screen.
pub(crate) fn end_after_columns(line: &LogLine, from: usize, cols: usize) -> usize {
    let s = line.display();
    if line.is_ascii() {
        return from.saturating_add(cols).min(s.len());
    }
    let Some(rest) = s.get(from..) else {
        return s.len();
    };
    let mut used = 0;
    let mut end = s.len();
    graphemes(rest, |b, w| {
        if used + w > cols {
            end = from + b;
            return false;
        }
        used += w;
        true
    });
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::view::runs::log::line::Level;

    fn line(s: &str) -> LogLine {
        LogLine::plain(Level::None, s)
    }

    #[test]
    fn ascii_rows() {
        let l = line("abcdefghij");
        assert_eq!(row_starts(&l, 4), [0, 4, 8]);
        assert_eq!(row_count(&l, 4), 3);
        assert_eq!(row_count(&l, 10), 1);
        assert_eq!(row_count(&line(""), 10), 1);
        assert_eq!(row_of_byte(&l, 4, 9), 2);
    }

    #[test]
    fn wide_characters_move_to_the_next_row_whole() {
        // "a漢字b": widths 1,2,2,1. At width 4: "a漢" (3) then "字b" (3).
        let l = line("a漢字b");
        assert_eq!(row_starts(&l, 4), [0, 4]);
        assert_eq!(row_count(&l, 4), 2);
        assert_eq!(row_of_byte(&l, 4, 4), 1);
        assert_eq!(column_of_byte(&l, 4), 3);
    }

    #[test]
    fn horizontal_start_skips_straddling_wide_chars() {
        let l = line("a漢字b");
        assert_eq!(start_at_column(&l, 1), (1, 0));
        // Column 2 is the right half of 漢: start at 字 with one blank column.
        assert_eq!(start_at_column(&l, 2), (4, 1));
        assert_eq!(start_at_column(&l, 99), (8, 0));
        assert_eq!(start_at_column(&line("abc"), 2), (2, 0));
    }

    #[test]
    fn end_after_columns_stops_before_what_does_not_fit() {
        let l = line("a漢字b");
        assert_eq!(end_after_columns(&l, 0, 2), 1);
        assert_eq!(end_after_columns(&l, 0, 3), 4);
        assert_eq!(end_after_columns(&l, 1, 99), 8);
        assert_eq!(end_after_columns(&line("abcdef"), 2, 3), 5);
    }
}
