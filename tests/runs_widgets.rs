//! The Run monitor widgets drawn from recorded Airflow 3.3.2 responses
//! (`tests/fixtures/airflow3/`), pinned as insta snapshots of a ratatui `TestBackend`;
//! plus a property test that nothing a task prints can put a control character into the
//! terminal buffer.
//!
//! The recorded DAG has one run and two tasks. Snapshots that need more (many runs,
//! scrolling, every state) build them from the recorded objects, changing only ids,
//! dates and states, so the JSON keeps Airflow's exact shape.

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use flowdeck::state::view::runs::format::parse_time;
use flowdeck::state::view::runs::{
    task_order_from_dag_tasks, GridState, GridView, LogDocument, LogViewer, OutputView, RunView,
    RunsListState, TaskCellView, TaskDetailState, TaskInstanceView, TaskState,
};
use flowdeck::ui::widgets::runs::style::state_color;
use flowdeck::ui::widgets::runs::{Grid, LogView, RunsList, TaskDetail};
use proptest::prelude::*;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::widgets::{Block, Borders};
use ratatui::{Frame, Terminal};
use serde_json::{json, Value};

fn fixture(name: &str) -> Value {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        "airflow3",
        name,
    ]
    .iter()
    .collect();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {} is missing: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// A fixed "now": 15 s after the recorded run ended.
fn now() -> DateTime<Utc> {
    let run = &fixture("dag_runs_list.json")["dag_runs"][0];
    let end = run["end_date"]
        .as_str()
        .and_then(parse_time)
        .expect("recorded end_date");
    end + Duration::seconds(15)
}

fn draw(w: u16, h: u16, f: impl FnOnce(&mut Frame)) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    terminal.draw(f).expect("draw");
    terminal
}

fn block(title: &str) -> Block<'_> {
    Block::default().borders(Borders::ALL).title(title)
}

/// Position of the first cell whose symbol is `symbol` and whose foreground is `fg`.
fn find_cell(buf: &Buffer, symbol: &str, fg: Color) -> Option<(u16, u16)> {
    let area = buf.area;
    (area.top()..area.bottom())
        .flat_map(|y| (area.left()..area.right()).map(move |x| (x, y)))
        .find(|&(x, y)| buf[(x, y)].symbol() == symbol && buf[(x, y)].fg == fg)
}

// ----- realistic data derived from the recordings ------------------------------------

/// `n` runs of the recorded DAG, newest first (the API's order), one a day before the
/// recorded run, in a realistic mix of states; the newest is the recorded (failed) run.
fn many_runs(n: usize) -> Vec<Value> {
    let base = fixture("dag_runs_list.json")["dag_runs"][0].clone();
    let t0 = base["run_after"]
        .as_str()
        .and_then(parse_time)
        .expect("recorded run_after");
    (0..n)
        .map(|k| {
            if k == 0 {
                return base.clone();
            }
            let mut run = base.clone();
            let after = t0 - Duration::days(k as i64);
            let start = after + Duration::seconds(2);
            let secs = 20 + (k * 37 % 140) as i64;
            let id = format!("scheduled__{}", after.format("%Y-%m-%dT%H:%M:%S%.6f+00:00"));
            let state = match k {
                1 => "running",
                2 => "queued",
                _ if k % 7 == 3 => "failed",
                _ => "success",
            };
            run["dag_run_id"] = json!(id);
            run["run_type"] = json!(if k % 5 == 4 { "manual" } else { "scheduled" });
            run["state"] = json!(state);
            run["run_after"] = json!(after.to_rfc3339());
            run["logical_date"] = json!(after.to_rfc3339());
            run["queued_at"] = json!((after + Duration::milliseconds(15)).to_rfc3339());
            match state {
                "queued" => {
                    run["start_date"] = Value::Null;
                    run["end_date"] = Value::Null;
                    run["duration"] = Value::Null;
                }
                "running" => {
                    // Started 41 s before `now()`, by construction below.
                    run["start_date"] = json!((now() - Duration::seconds(41)).to_rfc3339());
                    run["end_date"] = Value::Null;
                    run["duration"] = Value::Null;
                }
                _ => {
                    run["start_date"] = json!(start.to_rfc3339());
                    run["end_date"] = json!((start + Duration::seconds(secs)).to_rfc3339());
                    run["duration"] = json!(secs as f64 + 0.25);
                }
            }
            run
        })
        .collect()
}

/// A bigger DAG in the shape of `dag_tasks.json`: extract → (clean, validate) → load →
/// (report, notify, audit_orders_and_customers_with_a_long_task_id).
fn big_dag_tasks() -> Value {
    let edges: &[(&str, &[&str])] = &[
        ("extract", &["clean", "validate"]),
        ("clean", &["load"]),
        ("validate", &["load"]),
        (
            "load",
            &[
                "report",
                "notify",
                "audit_orders_and_customers_with_a_long_task_id",
            ],
        ),
        ("report", &[]),
        ("notify", &[]),
        ("audit_orders_and_customers_with_a_long_task_id", &[]),
    ];
    let template = fixture("dag_tasks.json")["tasks"][0].clone();
    // Listed out of order on purpose: the grid's order comes from the edges.
    let listed = [6, 4, 0, 3, 1, 5, 2];
    let tasks: Vec<Value> = listed
        .iter()
        .map(|&i| {
            let (id, down) = edges[i];
            let mut t = template.clone();
            t["task_id"] = json!(id);
            t["task_display_name"] = json!(id);
            t["downstream_task_ids"] = json!(down);
            t
        })
        .collect();
    json!({"tasks": tasks, "total_entries": tasks.len()})
}

/// Task instances for `runs` × `tasks`, in the shape of `task_instances.json`, with
/// states consistent with each run's state.
fn instances(runs: &[Value], tasks: &[String]) -> Value {
    let template = fixture("task_instances.json")["task_instances"][0].clone();
    let mut out = Vec::new();
    for (k, run) in runs.iter().enumerate() {
        let run_state = run["state"].as_str().unwrap_or("");
        for (j, task) in tasks.iter().enumerate() {
            let state: Value = match run_state {
                "success" if j == 5 && k % 3 == 0 => json!("skipped"),
                "success" => json!("success"),
                "queued" => Value::Null,
                "running" => match j {
                    0 => json!("success"),
                    1 => json!("running"),
                    2 => json!("up_for_retry"),
                    3 => json!("scheduled"),
                    _ => Value::Null,
                },
                "failed" => match j {
                    0 | 1 => json!("success"),
                    2 => json!("failed"),
                    _ => json!("upstream_failed"),
                },
                _ => json!("success"),
            };
            let mut ti = template.clone();
            ti["task_id"] = json!(task);
            ti["dag_run_id"] = run["dag_run_id"].clone();
            ti["state"] = state;
            ti["try_number"] = json!(if run_state == "running" && j == 2 {
                2
            } else {
                1
            });
            out.push(ti);
        }
    }
    json!({"task_instances": out, "total_entries": out.len()})
}

// ----- runs list ---------------------------------------------------------------------

#[test]
fn runs_list_recorded() {
    let runs = RunView::list_from_json(&fixture("dag_runs_list.json"));
    assert_eq!(runs.len(), 1);
    let mut state = RunsListState::default();
    let t = draw(100, 5, |f| {
        let list = RunsList::new(&runs)
            .block(block("Runs · dag_fixture0000000001"))
            .now(now());
        f.render_stateful_widget(list, f.area(), &mut state);
    });
    insta::assert_snapshot!(t.backend());
    // Failed is red, like Airflow.
    assert!(find_cell(t.backend().buffer(), "■", state_color(TaskState::Failed)).is_some());
}

#[test]
fn runs_list_many_scrolled() {
    let json = json!({"dag_runs": many_runs(40)});
    let runs = RunView::list_from_json(&json);
    let mut state = RunsListState::default();
    for _ in 0..12 {
        state.next(runs.len());
    }
    let t = draw(110, 10, |f| {
        let list = RunsList::new(&runs).block(block("Runs")).now(now());
        f.render_stateful_widget(list, f.area(), &mut state);
    });
    insta::assert_snapshot!(t.backend());
    assert_eq!(
        state.selected(&runs).map(|r| r.run_id.as_str()),
        Some(runs[12].run_id.as_str())
    );
    assert_eq!(
        state.offset(),
        6,
        "the window moved just enough to show the selection"
    );
    let buf = t.backend().buffer();
    assert!(find_cell(buf, "■", state_color(TaskState::Success)).is_some());
    assert!(find_cell(buf, "■", state_color(TaskState::Failed)).is_some());
}

#[test]
fn runs_list_narrow_drops_columns() {
    let json = json!({"dag_runs": many_runs(4)});
    let runs = RunView::list_from_json(&json);
    let mut state = RunsListState::default();
    let t = draw(60, 7, |f| {
        f.render_stateful_widget(RunsList::new(&runs).now(now()), f.area(), &mut state);
    });
    insta::assert_snapshot!(t.backend());
}

#[test]
fn runs_list_empty() {
    let mut state = RunsListState::default();
    let t = draw(60, 4, |f| {
        f.render_stateful_widget(
            RunsList::new(&[]).block(block("Runs")),
            f.area(),
            &mut state,
        );
    });
    insta::assert_snapshot!(t.backend());
    assert_eq!(state.selected(&[]), None);
}

// ----- grid --------------------------------------------------------------------------

#[test]
fn grid_recorded() {
    let runs = RunView::list_from_json(&fixture("dag_runs_list.json"));
    let tasks = task_order_from_dag_tasks(&fixture("dag_tasks.json"));
    let cells = TaskCellView::list_from_json(&fixture("task_instances.json"));
    let view = GridView::new(&runs, &tasks, &cells, Some(now()));
    let mut state = GridState::default();
    state.down(&view);
    let t = draw(70, 12, |f| {
        f.render_stateful_widget(Grid::new(&view).block(block("Grid")), f.area(), &mut state);
    });
    insta::assert_snapshot!(t.backend());
    assert_eq!(
        state.selected(&view),
        Some((runs[0].run_id.as_str(), "load"))
    );
    let buf = t.backend().buffer();
    assert!(
        find_cell(buf, "■", state_color(TaskState::Success)).is_some(),
        "extract is green"
    );
    assert!(
        find_cell(buf, "■", state_color(TaskState::Failed)).is_some(),
        "load is red"
    );
}

#[test]
fn grid_many_runs_scrolled() {
    let runs_json = many_runs(60);
    let tasks = task_order_from_dag_tasks(&big_dag_tasks());
    assert_eq!(
        tasks,
        [
            "extract",
            "clean",
            "validate",
            "load",
            "audit_orders_and_customers_with_a_long_task_id",
            "report",
            "notify"
        ]
    );
    let runs = RunView::list_from_json(&json!({"dag_runs": runs_json}));
    let cells = TaskCellView::list_from_json(&instances(&runs_json, &tasks));
    let view = GridView::new(&runs, &tasks, &cells, Some(now()));
    let mut state = GridState::default();
    // The newest run is on the right; go one run back (the running one) and to `validate`.
    state.left(&view);
    state.down(&view);
    state.down(&view);
    let t = draw(90, 20, |f| {
        f.render_stateful_widget(Grid::new(&view).block(block("Grid")), f.area(), &mut state);
    });
    insta::assert_snapshot!(t.backend());
    let (run, task) = state.selected(&view).expect("a selection");
    assert_eq!(task, "validate");
    assert_eq!(run, runs[1].run_id, "one to the left of the newest");

    // Far to the left: the window scrolls to the oldest runs.
    state.oldest(&view);
    let t = draw(90, 20, |f| {
        f.render_stateful_widget(Grid::new(&view), f.area(), &mut state);
    });
    assert_eq!(state.offsets().0, 0);
    insta::assert_snapshot!("grid_many_runs_oldest", t.backend());
}

#[test]
fn grid_small_terminal_hides_legend_and_bars() {
    let runs_json = many_runs(10);
    let tasks = task_order_from_dag_tasks(&big_dag_tasks());
    let runs = RunView::list_from_json(&json!({"dag_runs": runs_json}));
    let cells = TaskCellView::list_from_json(&instances(&runs_json, &tasks));
    let view = GridView::new(&runs, &tasks, &cells, Some(now()));
    let mut state = GridState::default();
    state.last_task(&view);
    let t = draw(40, 6, |f| {
        f.render_stateful_widget(Grid::new(&view), f.area(), &mut state);
    });
    insta::assert_snapshot!(t.backend());
    assert_eq!(state.selected(&view).map(|s| s.1), Some("notify"));
}

// ----- task detail -------------------------------------------------------------------

#[test]
fn task_detail_recorded_extract_with_output() {
    let ti = TaskInstanceView::from(&fixture("task_instances.json")["task_instances"][0]);
    let output = OutputView::from_xcom_json(&fixture("xcom_extract_return_value.json"));
    let mut state = TaskDetailState::default();
    let t = draw(64, 20, |f| {
        let w = TaskDetail::new(&ti, &output)
            .block(block("Task instance"))
            .now(now());
        f.render_stateful_widget(w, f.area(), &mut state);
    });
    insta::assert_snapshot!(t.backend());
}

#[test]
fn task_detail_recorded_failed_load_scrolls_output() {
    let ti = TaskInstanceView::from(&fixture("task_instance_get_load.json"));
    assert_eq!(ti.state, TaskState::Failed);
    // `load` returned nothing; show a long output anyway to scroll it (extract's value
    // with more rows).
    let mut xcom = fixture("xcom_extract_return_value.json");
    xcom["value"]["rows"] = json!((1..=30).collect::<Vec<i32>>());
    let output = OutputView::from_xcom_json(&xcom);
    let mut state = TaskDetailState::default();
    state.scroll_down(5);
    let t = draw(64, 18, |f| {
        let w = TaskDetail::new(&ti, &output).block(block("Task instance"));
        f.render_stateful_widget(w, f.area(), &mut state);
    });
    insta::assert_snapshot!(t.backend());
    state.bottom();
    draw(64, 18, |f| {
        f.render_stateful_widget(TaskDetail::new(&ti, &output), f.area(), &mut state);
    });
    assert!(
        state.scroll() > 5,
        "clamped to the last screenful, not past it"
    );
}

#[test]
fn task_detail_missing_output() {
    let ti = TaskInstanceView::from(&fixture("task_instance_get_load.json"));
    let mut state = TaskDetailState::default();
    let t = draw(64, 15, |f| {
        f.render_stateful_widget(
            TaskDetail::new(&ti, &OutputView::Missing),
            f.area(),
            &mut state,
        );
    });
    insta::assert_snapshot!(t.backend());
}

// ----- log viewer --------------------------------------------------------------------

fn viewer_with(try_number: u32, doc: LogDocument) -> LogViewer {
    let mut v = LogViewer::new();
    v.set_try_count(try_number);
    v.set_try(try_number, doc);
    v
}

#[test]
fn log_recorded_load_failure_follows_to_the_traceback() {
    let doc = LogDocument::from_response(&fixture("task_log_load_try1.json"));
    let mut v = viewer_with(1, doc);
    let t = draw(120, 24, |f| {
        f.render_stateful_widget(LogView::new().block(block("Log · load")), f.area(), &mut v);
    });
    insta::assert_snapshot!(t.backend());
    // Error lines are red.
    let buf = t.backend().buffer();
    assert!(
        find_cell(buf, "V", Color::Indexed(196)).is_some(),
        "ValueError line is red"
    );
}

#[test]
fn log_recorded_extract_with_search() {
    let doc = LogDocument::from_response(&fixture("task_log_extract_try1.json"));
    let mut v = viewer_with(1, doc);
    v.top();
    assert!(v.set_search("from"));
    assert!(v.search_next());
    assert_eq!(v.match_status(), Some((Some(2), 2)));
    let t = draw(120, 20, |f| {
        f.render_stateful_widget(
            LogView::new().block(block("Log · extract")),
            f.area(),
            &mut v,
        );
    });
    insta::assert_snapshot!(t.backend());
    let buf = t.backend().buffer();
    // The current match is orange, the others pale yellow.
    let area = buf.area;
    let bgs: Vec<Color> = (area.top()..area.bottom())
        .flat_map(|y| (area.left()..area.right()).map(move |x| (x, y)))
        .map(|p| buf[p].bg)
        .collect();
    assert!(bgs.contains(&Color::Indexed(208)));
    assert!(bgs.contains(&Color::Indexed(222)));
}

#[test]
fn log_recorded_extract_wrapped() {
    let doc = LogDocument::from_response(&fixture("task_log_extract_try1.json"));
    let mut v = viewer_with(1, doc);
    v.set_wrap(true);
    v.top();
    let t = draw(80, 30, |f| {
        f.render_stateful_widget(
            LogView::new().block(block("Log · extract (wrap)")),
            f.area(),
            &mut v,
        );
    });
    insta::assert_snapshot!(t.backend());
}

#[test]
fn log_two_tries_with_prompt_open() {
    // Try 1 is the recorded failure; try 2 (same shape) is still running.
    let mut v = LogViewer::new();
    v.set_try_count(2);
    v.set_try(
        1,
        LogDocument::from_response(&fixture("task_log_load_try1.json")),
    );
    let mut try2 = fixture("task_log_extract_try1.json");
    if let Some(content) = try2["content"].as_array_mut() {
        content.truncate(8);
    }
    v.set_try(2, LogDocument::from_response(&try2));
    v.start_search();
    for c in "dag".chars() {
        v.search_push(c);
    }
    let t = draw(100, 14, |f| {
        f.render_stateful_widget(LogView::new(), f.area(), &mut v);
    });
    insta::assert_snapshot!(t.backend());
}

#[test]
fn log_airflow2_text_and_hostile_output() {
    // Airflow 2 answers with text; this task printed colour codes, a clipboard-setting
    // OSC 52, a carriage-return progress bar, tabs and a bidi override.
    let text = "[2024-05-01T00:00:01.123+0000] {taskinstance.py:1157} INFO - Dependencies all met for <TaskInstance: etl.load manual__2024-05-01 [queued]>\n\
                [2024-05-01T00:00:01.456+0000] {logging_mixin.py:188} INFO - \u{1b}[31mred text\u{1b}[0m and \u{1b}]52;c;cm0gLXJmIH4=\u{7}\n\
                [2024-05-01T00:00:01.500+0000] {logging_mixin.py:188} INFO - progress 10%\r50%\r100%\n\
                [2024-05-01T00:00:01.600+0000] {logging_mixin.py:188} INFO - col1\tcol2\tcol3\n\
                [2024-05-01T00:00:01.700+0000] {logging_mixin.py:188} WARNING - file: evil\u{202e}txt.exe\n\
                [2024-05-01T00:00:02.000+0000] {taskinstance.py:2698} ERROR - Task failed with exception\n\
                Traceback (most recent call last):\n  File \"/opt/airflow/dags/etl.py\", line 12, in load\n    raise ValueError(\"bad row\")\n\
                ValueError: bad row\n\
                [2024-05-01T00:00:02.100+0000] {taskinstance.py:1138} DEBUG - Marking task as FAILED.\n";
    let mut doc = LogDocument::new();
    doc.push_response(&json!({"content": text, "continuation_token": null}));
    let mut v = viewer_with(1, doc);
    v.top();
    let t = draw(110, 16, |f| {
        f.render_stateful_widget(
            LogView::new().block(block("Log (Airflow 2)")),
            f.area(),
            &mut v,
        );
    });
    insta::assert_snapshot!(t.backend());
    let buf = t.backend().buffer();
    assert_no_control(buf);
    // In a smaller view, `e` puts the traceback (line 6) near the top, 2 lines of context.
    draw(110, 8, |f| {
        f.render_stateful_widget(LogView::new(), f.area(), &mut v)
    });
    assert!(v.jump_to_first_traceback());
    assert_eq!(v.position().line, 4);
}

// ----- untrusted text never reaches the terminal as control characters ---------------

fn assert_no_control(buf: &Buffer) {
    let area = buf.area;
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let symbol = buf[(x, y)].symbol();
            assert!(
                !symbol.chars().any(|c| c.is_control()
                    || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')),
                "cell ({x}, {y}) holds {symbol:?}"
            );
        }
    }
}

/// Characters most likely to cause trouble, mixed with ordinary text.
fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        2 => (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap_or('?')),
        2 => Just('\u{1b}'),
        1 => (0x7fu32..0xa0).prop_map(|c| char::from_u32(c).unwrap_or('?')),
        1 => prop::sample::select(vec!['\u{202e}', '\u{2066}', '\u{2028}', '\u{200f}', '\u{61c}', '\u{feff}', '\u{301}', '漢', '👍', '\t', '[', ']', ';']),
        3 => prop::char::range('a', 'z'),
    ]
}

fn nasty_string() -> impl Strategy<Value = String> {
    prop::collection::vec(nasty_char(), 0..60).prop_map(|v| v.into_iter().collect())
}

fn nasty_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![4 => any::<u8>(), 2 => Just(0x1bu8), 1 => Just(b'\n'), 1 => Just(b'['), 1 => Just(0x9b), 1 => Just(0xc2)],
        0..300,
    )
}

fn nasty_event() -> impl Strategy<Value = Value> {
    (
        nasty_string(),
        nasty_string(),
        nasty_string(),
        nasty_string(),
        nasty_string(),
        any::<bool>(),
    )
        .prop_map(|(event, level, logger, key, value, exc)| {
            let mut ev = json!({
                "timestamp": "2026-11-27T07:20:51.851358Z",
                "event": event,
                "level": level,
                "logger": logger,
            });
            ev[key] = json!(value.clone());
            if exc {
                ev["error_detail"] = json!([{
                    "exc_type": value, "exc_value": event, "exc_notes": [logger],
                    "frames": [{"filename": level, "lineno": 1, "name": "f"}]
                }]);
            }
            ev
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn log_bytes_and_events_never_put_control_characters_in_the_buffer(
        chunks in prop::collection::vec(nasty_bytes(), 1..6),
        events in prop::collection::vec(nasty_event(), 0..6),
        plain in prop::collection::vec(nasty_string(), 0..4),
        query in nasty_string(),
        wrap in any::<bool>(),
        hscroll in 0usize..40,
        w in 2u16..90,
        h in 1u16..20,
    ) {
        let mut doc = LogDocument::new();
        for c in &chunks {
            doc.push_bytes(c);
        }
        doc.push_response(&json!({"content": events}));
        doc.push_response(&json!({"content": plain}));
        let mut v = viewer_with(1, doc);
        v.set_wrap(wrap);
        v.top();
        v.scroll_right(hscroll);
        v.set_search(&query);
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("backend");
        terminal
            .draw(|f| f.render_stateful_widget(LogView::new().block(block("log")), f.area(), &mut v))
            .expect("draw");
        assert_no_control(terminal.backend().buffer());
        // And with the prompt open, showing what was typed.
        v.start_search();
        for c in query.chars() {
            v.search_push(c);
        }
        terminal
            .draw(|f| f.render_stateful_widget(LogView::new(), f.area(), &mut v))
            .expect("draw");
        assert_no_control(terminal.backend().buffer());
    }

    #[test]
    fn server_strings_never_put_control_characters_in_the_buffer(
        run_id in nasty_string(),
        run_type in nasty_string(),
        task_id in nasty_string(),
        operator in nasty_string(),
        host in nasty_string(),
        xcom in nasty_string(),
        w in 12u16..120,
        h in 3u16..24,
    ) {
        let run = json!({"dag_run_id": run_id, "run_type": run_type, "state": "failed",
                         "run_after": "2026-11-27T07:20:46Z"});
        let ti = json!({"dag_run_id": run_id, "task_id": task_id, "state": "running",
                        "operator_name": operator, "hostname": host, "try_number": 1,
                        "rendered_map_index": xcom, "map_index": 2});
        let runs = RunView::list_from_json(&json!({"dag_runs": [run]}));
        let cells = TaskCellView::list_from_json(&json!({"task_instances": [ti.clone()]}));
        let view = GridView::new(&runs, &[], &cells, Some(now()));
        let detail = TaskInstanceView::from(&ti);
        let output = OutputView::from_xcom_json(&json!({"value": xcom}));
        let error = OutputView::error(&xcom);
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("backend");
        let (mut ls, mut gs, mut ds) = (RunsListState::default(), GridState::default(), TaskDetailState::default());
        for out in [&output, &error] {
            terminal
                .draw(|f| {
                    let a = f.area();
                    let third = Rect::new(a.x, a.y, a.width, a.height / 3);
                    let second = Rect::new(a.x, a.y + a.height / 3, a.width, a.height / 3);
                    let rest = Rect::new(a.x, a.y + 2 * (a.height / 3), a.width, a.height - 2 * (a.height / 3));
                    f.render_stateful_widget(RunsList::new(&runs).now(now()), third, &mut ls);
                    f.render_stateful_widget(Grid::new(&view), second, &mut gs);
                    f.render_stateful_widget(TaskDetail::new(&detail, out), rest, &mut ds);
                })
                .expect("draw");
            assert_no_control(terminal.backend().buffer());
        }
    }
}

#[test]
fn escape_sequences_are_shown_as_text() {
    let mut doc = LogDocument::new();
    doc.push_bytes(b"\x1b[2J\x1b]0;pwned\x07\xc2\x9b31m");
    let mut v = viewer_with(1, doc);
    let t = draw(60, 4, |f| {
        f.render_stateful_widget(LogView::new(), f.area(), &mut v)
    });
    let row: String = (0..60)
        .map(|x| t.backend().buffer()[(x, 1)].symbol().to_string())
        .collect();
    assert!(row.starts_with("^[[2J^[]0;pwned^G\\u{9b}31m"), "{row}");
}

#[test]
fn every_widget_survives_tiny_areas() {
    let runs_json = many_runs(5);
    let tasks = task_order_from_dag_tasks(&big_dag_tasks());
    let runs = RunView::list_from_json(&json!({"dag_runs": runs_json}));
    let cells = TaskCellView::list_from_json(&instances(&runs_json, &tasks));
    let view = GridView::new(&runs, &tasks, &cells, Some(now()));
    let ti = TaskInstanceView::from(&fixture("task_instance_get_load.json"));
    let output = OutputView::from_xcom_json(&fixture("xcom_extract_return_value.json"));
    let mut log = viewer_with(
        1,
        LogDocument::from_response(&fixture("task_log_load_try1.json")),
    );
    for w in 0..14u16 {
        for h in 0..6u16 {
            let (mut ls, mut gs, mut ds) = (
                RunsListState::default(),
                GridState::default(),
                TaskDetailState::default(),
            );
            let mut terminal =
                Terminal::new(TestBackend::new(w.max(1), h.max(1))).expect("backend");
            terminal
                .draw(|f| {
                    let area = Rect::new(0, 0, w, h).intersection(f.area());
                    f.render_stateful_widget(RunsList::new(&runs).block(block("r")), area, &mut ls);
                    f.render_stateful_widget(Grid::new(&view), area, &mut gs);
                    f.render_stateful_widget(TaskDetail::new(&ti, &output), area, &mut ds);
                    log.set_wrap(w % 2 == 0);
                    f.render_stateful_widget(LogView::new().block(block("l")), area, &mut log);
                })
                .expect("draw");
        }
    }
}

// ----- Airflow 2.11.2 (`/api/v1`) recordings ------------------------------------------

fn fixture2(name: &str) -> Value {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        "airflow2",
        name,
    ]
    .iter()
    .collect();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {} is missing: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

#[test]
fn airflow2_recorded_runs_grid_and_detail() {
    let runs = RunView::list_from_json(&fixture2("dag_runs_list.json"));
    // No `duration` and no `run_after` in Airflow 2: computed and taken from
    // `logical_date`.
    assert!(runs[0].duration.is_some_and(|d| d > 0.0));
    assert!(runs[0].run_after.is_some());
    let tasks = task_order_from_dag_tasks(&fixture2("dag_tasks.json"));
    let tis = fixture2("task_instances.json");
    let cells = TaskCellView::list_from_json(&tis);
    let view = GridView::new(&runs, &tasks, &cells, None);
    let ti = TaskInstanceView::from(&tis["task_instances"][0]);
    // Airflow 2 returns the XCom as a Python repr string: shown as is.
    let output = OutputView::from_xcom_json(&fixture2("xcom_extract_return_value.json"));
    let (mut ls, mut gs, mut ds) = (
        RunsListState::default(),
        GridState::default(),
        TaskDetailState::default(),
    );
    let t = draw(100, 30, |f| {
        let a = f.area();
        f.render_stateful_widget(
            RunsList::new(&runs).block(block("Runs (Airflow 2)")),
            Rect::new(a.x, a.y, a.width, 4),
            &mut ls,
        );
        f.render_stateful_widget(
            Grid::new(&view).legend(false).block(block("Grid")),
            Rect::new(a.x, a.y + 4, a.width, 8),
            &mut gs,
        );
        f.render_stateful_widget(
            TaskDetail::new(&ti, &output).block(block("Task instance")),
            Rect::new(a.x, a.y + 12, a.width, 18),
            &mut ds,
        );
    });
    insta::assert_snapshot!(t.backend());
}

#[test]
fn airflow2_recorded_load_log() {
    // Airflow 2.11 answers JSON with the Python repr of [(host, text)] as `content`.
    let doc = LogDocument::from_response(&fixture2("task_log_load_try1.json"));
    // The task's exception, then the runner's report of the failed job.
    assert_eq!(doc.tracebacks().len(), 2);
    let mut v = viewer_with(1, doc);
    draw(140, 24, |f| {
        f.render_stateful_widget(LogView::new(), f.area(), &mut v)
    });
    assert!(v.jump_to_first_traceback());
    let t = draw(140, 24, |f| {
        f.render_stateful_widget(
            LogView::new().block(block("Log · load (Airflow 2)")),
            f.area(),
            &mut v,
        )
    });
    insta::assert_snapshot!(t.backend());
}

#[test]
fn airflow2_recorded_text_plain_log() {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        "airflow2",
        "task_log_extract_try1_text_plain.txt",
    ]
    .iter()
    .collect();
    let text = std::fs::read(&path).expect("text/plain log fixture");
    let mut doc = LogDocument::new();
    doc.push_bytes(&text);
    let mut v = viewer_with(1, doc);
    v.top();
    let t = draw(140, 28, |f| {
        f.render_stateful_widget(LogView::new(), f.area(), &mut v)
    });
    insta::assert_snapshot!(t.backend());
}

// ----- returned values as the task returned them ---------------------------------------

/// What Airflow 3.3.2's REST API answered for tasks returning each kind of value the XCom
/// serializer wraps (tests/fixtures/airflow3/dags/xcom_wrapped_types.py), and how the task
/// detail shows it.
#[test]
fn task_detail_shows_values_as_python_wrote_them() {
    let recorded = fixture("xcom_wrapped_types.json");
    let cases = [
        ("tuple", r#"(1, "two", 3.0)"#),
        ("set", "{1, 2, 3}"),
        ("frozenset", r#"frozenset({"a"})"#),
        ("datetime_utc", "2024-11-11T06:30:00+00:00"),
        ("datetime_naive", "2024-11-11T06:30:00"),
        ("datetime_zone", "2024-11-11T06:30:00+01:00 (Europe/Paris)"),
        ("pendulum", "2024-11-11T06:30:00+09:00 (Asia/Tokyo)"),
        ("date", "2024-11-11"),
        ("timedelta", "1:00:30"),
        ("decimal", r#"Decimal("1.5")"#),
        ("decimal_int", r#"Decimal("10")"#),
        ("uuid", r#"UUID("12345678-1234-5678-1234-567812345678")"#),
        ("namedtuple", "(1, 2)"),
        (
            "nested",
            r#"{"pair": (1, (2, 3)), "tags": {"x"}, "when": 2024-01-02}"#,
        ),
        ("dataclass", r#"Box(label="big", w=3)"#),
        ("zone", r#"ZoneInfo("Europe/Paris")"#),
        ("plain", r#"{"a": [1, 2]}"#),
        ("str", "hello"),
    ];
    for (task, want) in cases {
        let out = OutputView::from_xcom_json(&recorded[task]);
        assert_eq!(out, OutputView::Value(vec![want.to_string()]), "{task}");
        assert!(!want.contains("__classname__"));
    }
    let ti = TaskInstanceView::from(&fixture("task_instances.json")["task_instances"][0]);
    let output = OutputView::from_xcom_json(&recorded["nested"]);
    let mut state = TaskDetailState::default();
    let t = draw(64, 20, |f| {
        let w = TaskDetail::new(&ti, &output)
            .block(block("Task instance"))
            .now(now());
        f.render_stateful_widget(w, f.area(), &mut state);
    });
    insta::assert_snapshot!(t.backend());
}

/// A task that never ran has no output because it never ran, not because it returned
/// None (Airflow answers both with a 404).
#[test]
fn task_detail_of_a_task_that_never_ran() {
    let mut v = fixture("task_instance_get_load.json");
    v["state"] = json!("upstream_failed");
    v["try_number"] = json!(0);
    v["start_date"] = Value::Null;
    v["end_date"] = Value::Null;
    v["duration"] = Value::Null;
    let ti = TaskInstanceView::from(&v);
    let mut state = TaskDetailState::default();
    let t = draw(64, 15, |f| {
        f.render_stateful_widget(
            TaskDetail::new(&ti, &OutputView::Missing),
            f.area(),
            &mut state,
        );
    });
    insta::assert_snapshot!(t.backend());
}
