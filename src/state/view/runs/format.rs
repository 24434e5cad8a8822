//! Small text helpers shared by the run monitor widgets: timestamps, durations, and
//! fitting text into a number of terminal columns.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use ratatui::text::Span;
use unicode_width::UnicodeWidthStr;

/// Placeholder for a missing value, so that an empty cell reads as "nothing" rather than
/// as a rendering glitch.
pub const NONE: &str = "—";

/// Parses an Airflow timestamp (RFC 3339, e.g. `2026-11-27T07:20:46.510790Z`).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// `2026-11-27 07:20:46` (UTC; Airflow's API speaks UTC and so does the operator's
/// terminal on a server).
pub fn time_long(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || NONE.to_string(),
        |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

/// `11-27 07:20:46`: fits a list column; the year is rarely in doubt for a run list.
pub fn time_short(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || NONE.to_string(),
        |t| t.format("%m-%d %H:%M:%S").to_string(),
    )
}

/// A duration in seconds the way an operator reads it: `0.1s`, `5.8s`, `3m 12s`,
/// `1h 02m`, `2d 03h`.
pub fn duration(seconds: Option<f64>) -> String {
    let Some(s) = seconds.filter(|s| s.is_finite() && *s >= 0.0) else {
        return NONE.to_string();
    };
    if s < 60.0 {
        return format!("{s:.1}s");
    }
    let total = s as u64;
    let (d, h, m, sec) = (
        total / 86_400,
        total / 3600 % 24,
        total / 60 % 60,
        total % 60,
    );
    if d > 0 {
        format!("{d}d {h:02}h")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else {
        format!("{m}m {sec:02}s")
    }
}

/// Cuts `s` to at most `width` columns, ending with `…` when something was cut.
pub fn fit(s: &str, width: usize) -> Cow<'_, str> {
    if s.len() <= width && s.is_ascii() {
        return Cow::Borrowed(s);
    }
    if s.width() <= width {
        return Cow::Borrowed(s);
    }
    if width == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    for g in Span::raw(s).styled_graphemes(ratatui::style::Style::default()) {
        let w = g.symbol.width();
        if used + w > width - 1 {
            break;
        }
        out.push_str(g.symbol);
        used += w;
    }
    out.push('…');
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_an_operator_says_them() {
        assert_eq!(duration(Some(0.103)), "0.1s");
        assert_eq!(duration(Some(5.825237)), "5.8s");
        assert_eq!(duration(Some(192.0)), "3m 12s");
        assert_eq!(duration(Some(3720.0)), "1h 02m");
        assert_eq!(duration(Some(183_600.0)), "2d 03h");
        assert_eq!(duration(None), "—");
        assert_eq!(duration(Some(-1.0)), "—");
        assert_eq!(duration(Some(f64::NAN)), "—");
    }

    #[test]
    fn times_parse_and_format_in_utc() {
        let t = parse_time("2026-11-27T07:20:46.510790Z");
        assert_eq!(time_long(t), "2026-11-27 07:20:46");
        assert_eq!(time_short(t), "11-27 07:20:46");
        let t = parse_time("2026-11-27T09:20:46+02:00");
        assert_eq!(time_long(t), "2026-11-27 07:20:46");
        assert_eq!(time_long(parse_time("yesterday")), "—");
    }

    #[test]
    fn fit_cuts_with_an_ellipsis() {
        assert_eq!(fit("extract", 10), "extract");
        assert_eq!(fit("extract_orders", 8), "extract…");
        assert_eq!(fit("漢字漢字", 5), "漢字…");
        assert_eq!(fit("abc", 0), "");
    }
}
