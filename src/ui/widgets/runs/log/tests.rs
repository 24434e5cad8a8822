//! Behaviour of the log viewer: search n/N, follow, wrap, traceback jumps, tries, keys.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::widgets::StatefulWidget;
use serde_json::json;

use super::*;
use crate::state::view::runs::log::*;

/// A viewer with one try holding `lines`, drawn once at `w`×`h` (text area `w-1` × `h-2`).
fn viewer(lines: &[String], w: u16, h: u16) -> (LogViewer, Buffer) {
    let mut doc = LogDocument::new();
    doc.push_text(&lines.join("\n"));
    let mut v = LogViewer::new();
    v.set_try_count(1);
    v.set_try(1, doc);
    let buf = draw(&mut v, w, h);
    (v, buf)
}

fn draw(v: &mut LogViewer, w: u16, h: u16) -> Buffer {
    let area = Rect::new(0, 0, w, h);
    let mut buf = Buffer::empty(area);
    LogView::new().render(area, &mut buf, v);
    buf
}

fn row_text(buf: &Buffer, y: u16) -> String {
    (0..buf.area.width)
        .map(|x| buf[(x, y)].symbol())
        .collect::<String>()
}

fn numbered(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("line {i}")).collect()
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

#[test]
fn opens_at_the_end_following() {
    let (v, buf) = viewer(&numbered(100), 40, 12);
    assert!(v.follow());
    // 10 text rows: lines 90..=99.
    assert_eq!(v.position(), Pos { line: 90, row: 0 });
    assert!(row_text(&buf, 1).starts_with("line 90"));
    assert!(row_text(&buf, 10).starts_with("line 99"));
    assert!(row_text(&buf, 11).starts_with("91–100/100 end"));
}

#[test]
fn follow_keeps_new_lines_in_view_until_scrolled_up() {
    let (mut v, _) = viewer(&numbered(100), 40, 12);
    v.append(1, &json!({"content": "line 100\nline 101"}));
    assert_eq!(v.position().line, 92);

    v.scroll_up(5);
    assert!(!v.follow());
    assert_eq!(v.position().line, 87);
    v.append(1, &json!({"content": "line 102"}));
    assert_eq!(
        v.position().line,
        87,
        "a reader who scrolled up is not moved"
    );

    // Scrolling down stops at the end without turning follow back on.
    v.scroll_down(1000);
    assert_eq!(v.position().line, 93);
    assert!(!v.follow());
    v.append(1, &json!({"content": "line 103"}));
    assert_eq!(v.position().line, 93);

    // G follows again.
    v.bottom();
    assert!(v.follow());
    assert_eq!(v.position().line, 94);
    v.toggle_follow();
    assert!(!v.follow());
    assert_eq!(v.position().line, 94);
}

#[test]
fn top_and_pages() {
    let (mut v, _) = viewer(&numbered(100), 40, 12);
    v.top();
    assert_eq!(v.position().line, 0);
    v.page_down();
    assert_eq!(v.position().line, 9, "a page keeps one line of context");
    v.half_page_down();
    assert_eq!(v.position().line, 14);
    v.page_up();
    assert_eq!(v.position().line, 5);
    v.scroll_up(99);
    assert_eq!(v.position().line, 0);
}

#[test]
fn wrap_splits_long_lines_into_rows_and_scrolls_by_row() {
    // Text area 10 columns wide: "0123456789abcdefghij" is 2 rows, "x" one.
    let lines = vec![
        "0123456789abcdefghij".to_string(),
        "x".to_string(),
        "0123456789ABCDEFGHIJklm".to_string(),
    ];
    let (mut v, buf) = viewer(&lines, 11, 8);
    // Without wrap a line is cut at the edge.
    assert_eq!(row_text(&buf, 1), "0123456789│");
    v.toggle_wrap();
    v.top();
    let buf = draw(&mut v, 11, 8);
    let rows: Vec<String> = (1..7).map(|y| row_text(&buf, y)).collect();
    assert_eq!(
        rows,
        [
            "0123456789│",
            "abcdefghij│",
            "x         │",
            "0123456789│",
            "ABCDEFGHIJ│",
            "klm       │"
        ]
    );

    // All 6 rows fit: nothing to scroll.
    v.scroll_down(1);
    assert_eq!(v.position(), Pos { line: 0, row: 0 });

    // 4 visible rows: scrolling moves a row at a time, through the rows of a line.
    draw(&mut v, 11, 6);
    v.scroll_down(1);
    assert_eq!(v.position(), Pos { line: 0, row: 1 });
    v.scroll_down(1);
    assert_eq!(v.position(), Pos { line: 1, row: 0 });
    v.scroll_down(1);
    assert_eq!(
        v.position(),
        Pos { line: 1, row: 0 },
        "the end: x, then 3 rows of the last line"
    );
    let buf = draw(&mut v, 11, 6);
    let rows: Vec<String> = (1..5)
        .map(|y| row_text(&buf, y)[..10].to_string())
        .collect();
    assert_eq!(
        rows,
        ["x         ", "0123456789", "ABCDEFGHIJ", "klm       "]
    );
    v.scroll_up(1);
    assert_eq!(v.position(), Pos { line: 0, row: 1 });
    v.top();
    v.bottom();
    assert_eq!(v.position(), Pos { line: 1, row: 0 });
}

#[test]
fn wrap_follow_starts_inside_a_long_last_line() {
    let lines = vec!["a".to_string(), "b".repeat(50)];
    let (mut v, _) = viewer(&lines, 11, 6);
    v.toggle_wrap();
    let buf = draw(&mut v, 11, 6);
    // 50 columns at width 10 = 5 rows; 4 visible: rows 1..=4 of the last line.
    assert_eq!(v.position(), Pos { line: 1, row: 1 });
    assert_eq!(&row_text(&buf, 4)[..10], "bbbbbbbbbb");
}

#[test]
fn search_next_and_previous_with_wraparound() {
    let mut lines = numbered(200);
    lines[20] = "needle one and needle two".into();
    lines[150] = "a NEEDLE in caps".into();
    lines[199] = "last needle".into();
    let (mut v, _) = viewer(&lines, 60, 12);
    v.top();
    assert!(v.set_search("needle"));
    assert_eq!(v.current_match(), Some((20, 0)));
    assert_eq!(v.match_status(), Some((Some(1), 4)));
    assert_eq!(v.matching_lines(), 3);

    assert!(v.search_next());
    assert_eq!(
        v.current_match(),
        Some((20, 15)),
        "second match on the same line"
    );
    assert!(v.search_next());
    assert_eq!(
        v.current_match(),
        Some((150, 2)),
        "smart case: lower-case query ignores case"
    );
    assert_eq!(v.match_status(), Some((Some(3), 4)));
    // The match is brought into view with two lines of context above.
    assert_eq!(v.position().line, 148);
    assert!(!v.follow());
    assert!(v.search_next());
    assert_eq!(v.current_match(), Some((199, 5)));
    assert!(v.search_next());
    assert_eq!(v.current_match(), Some((20, 0)));
    assert!(v
        .message()
        .is_some_and(|m| m.contains("continued from the start")));

    assert!(v.search_prev());
    assert_eq!(v.current_match(), Some((199, 5)));
    assert!(v
        .message()
        .is_some_and(|m| m.contains("continued from the end")));
    assert!(v.search_prev());
    assert_eq!(v.current_match(), Some((150, 2)));
    assert!(v.search_prev());
    assert_eq!(v.current_match(), Some((20, 15)));
    assert!(v.search_prev());
    assert_eq!(v.current_match(), Some((20, 0)));

    // Upper case in the query: case-sensitive.
    assert!(v.set_search("NEEDLE"));
    assert_eq!(v.match_status(), Some((Some(1), 1)));
    assert!(!v.set_search("haystack"));
    assert_eq!(v.message(), Some("/haystack: not found"));
    v.clear_search();
    assert!(!v.search_next());
}

#[test]
fn search_starts_from_the_top_of_the_view() {
    let mut lines = numbered(100);
    lines[5] = "needle".into();
    lines[60] = "needle".into();
    let (mut v, _) = viewer(&lines, 40, 12);
    v.top();
    v.scroll_down(50);
    assert!(v.set_search("needle"));
    assert_eq!(v.current_match(), Some((60, 0)));
}

#[test]
fn search_highlights_matches_and_reveals_them_sideways() {
    let mut lines = numbered(5);
    lines[2] = format!("{}needle", "-".repeat(100));
    let (mut v, _) = viewer(&lines, 41, 8);
    v.top();
    assert!(v.set_search("needle"));
    assert!(
        v.hscroll() > 60,
        "the match is scrolled into view: {}",
        v.hscroll()
    );
    let buf = draw(&mut v, 41, 8);
    let y = 3;
    let row = row_text(&buf, y);
    let x = row
        .find("needle")
        .map(|b| row[..b].chars().count())
        .unwrap_or(usize::MAX);
    assert!(x < 40, "{row}");
    assert_eq!(buf[(x as u16, y)].bg, ratatui::style::Color::Indexed(208));
}

#[test]
fn search_index_grows_with_appended_lines() {
    let (mut v, _) = viewer(&numbered(10), 40, 12);
    v.set_search("needle");
    assert_eq!(v.match_status(), Some((None, 0)));
    v.append(1, &json!({"content": "a needle\nanother needle"}));
    assert_eq!(v.match_status(), Some((None, 2)));
    assert!(v.search_next());
    assert_eq!(v.current_match(), Some((10, 2)));
}

#[test]
fn prompt_keys_and_smart_keys() {
    let mut lines = numbered(50);
    lines[30] = "Traceback (most recent call last):".into();
    lines[40] = "found it".into();
    let (mut v, _) = viewer(&lines, 40, 12);
    v.top();
    assert!(v.handle_key(&key('/')));
    assert!(v.is_prompting());
    for c in "found".chars() {
        assert!(v.handle_key(&key(c)), "keys go to the prompt");
    }
    assert!(v.handle_key(&KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)));
    assert_eq!(v.prompt(), Some("foun"));
    assert!(v.handle_key(&KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    assert!(!v.is_prompting());
    assert_eq!(v.search_query(), Some("foun"));
    assert_eq!(v.current_match(), Some((40, 0)));
    // Esc clears the search first, then is left to the pane.
    let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
    assert!(v.handle_key(&esc));
    assert_eq!(v.search_query(), None);
    assert!(!v.handle_key(&esc));
    assert!(!v.handle_key(&key('q')));
    // e: first traceback.
    assert!(v.handle_key(&key('e')));
    assert_eq!(v.position().line, 28);
    // w toggles wrap, G follows.
    assert!(v.handle_key(&key('w')));
    assert!(v.wrap());
    assert!(v.handle_key(&key('G')));
    assert!(v.follow());
}

#[test]
fn traceback_jumps() {
    let doc_json = json!({"content": [
        {"timestamp": "2026-11-27T07:20:52Z", "event": "starting", "level": "info"},
        "plain 1\nplain 2\nplain 3\nplain 4",
        {"timestamp": "2026-11-27T07:20:53Z", "event": "Task failed with exception", "level": "error",
         "error_detail": [{"exc_type": "ValueError", "exc_value": "x", "frames": []}]},
        "more 1\nmore 2\nTraceback (most recent call last):\n  File \"a.py\", line 1\nKeyError: 'k'",
    ]});
    let mut v = LogViewer::new();
    v.set_try_count(1);
    v.set_try(1, LogDocument::from_response(&doc_json));
    draw(&mut v, 60, 6);
    let tracebacks = v
        .document()
        .map(|d| d.tracebacks().to_vec())
        .unwrap_or_default();
    assert_eq!(tracebacks, [5, 10]);

    assert!(v.jump_to_first_traceback());
    assert_eq!(v.position().line, 3, "two lines of context above");
    assert!(!v.follow());
    assert!(v.next_traceback());
    assert_eq!(v.position().line, 8);
    assert!(v.next_traceback());
    assert_eq!(v.position().line, 3, "wraps to the first");

    let (mut plain, _) = viewer(&numbered(10), 40, 8);
    assert!(!plain.jump_to_first_traceback());
    assert_eq!(plain.message(), Some("no traceback in this try"));
}

#[test]
fn tries_tabs_and_loading() {
    let mut v = LogViewer::new();
    v.set_try_count(2);
    assert_eq!(v.current_try(), Some(2), "the latest try is shown first");
    assert_eq!(v.needs_load(), Some(2));
    v.set_try(
        2,
        LogDocument::from_response(&json!({"content": "second try"})),
    );
    assert_eq!(v.needs_load(), None);
    v.prev_try();
    assert_eq!(v.needs_load(), Some(1));
    let buf = draw(&mut v, 40, 6);
    assert!(row_text(&buf, 0).starts_with(" try 1  try 2 "));
    assert!(row_text(&buf, 1).starts_with("loading try 1…"));
    // A retry starts: a new tab, but the operator stays on try 1.
    v.set_try_count(3);
    assert_eq!(v.current_try(), Some(1));
    v.next_try();
    v.next_try();
    assert_eq!(v.current_try(), Some(3));
    // While on the latest try, the next retry is followed.
    v.set_try_count(4);
    assert_eq!(v.current_try(), Some(4));
    assert!(v.select_try(2));
    assert!(!v.select_try(9));
    assert_eq!(v.try_numbers(), [1, 2, 3, 4]);
}

#[test]
fn horizontal_scroll_is_bounded_and_ignored_when_wrapping() {
    let (mut v, _) = viewer(&["x".repeat(100)], 41, 6);
    v.scroll_right(1000);
    assert_eq!(
        v.hscroll(),
        80,
        "stops when half a screen of the widest line is left"
    );
    v.line_start();
    assert_eq!(v.hscroll(), 0);
    v.toggle_wrap();
    v.scroll_right(8);
    assert_eq!(v.hscroll(), 0);
}

#[test]
fn tiny_areas_do_not_panic() {
    let (mut v, _) = viewer(&numbered(10), 40, 12);
    v.toggle_wrap();
    for (w, h) in [(0, 0), (1, 1), (2, 1), (2, 2), (3, 3), (1, 10), (10, 1)] {
        draw(&mut v, w, h);
        v.scroll_down(3);
        v.set_search("line");
        v.search_next();
        v.jump_to_first_traceback();
    }
}
