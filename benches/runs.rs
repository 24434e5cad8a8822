//! Run monitor drawing speed, into a 160×48 `TestBackend` frame (a full terminal draw:
//! widget render plus ratatui's buffer diff). Target: under 5 ms a frame.
//!
//! - the grid with 200 runs × 100 tasks;
//! - the log viewer on a 100,000-line log: plain scrolling, wrapped, following the end,
//!   and with an active search highlighting matches;
//! - and, for scale, the one-off costs behind them: building the grid's view-model,
//!   turning 100,000 Airflow 3 log events into lines, indexing a search.
//!
//! Test data is in the shape of the recorded Airflow 3.3.2 responses
//! (`tests/fixtures/airflow3/`): the log events are the recorded ones, repeated with
//! varied text.

use std::hint::black_box;
use std::path::PathBuf;

use chrono::{Duration, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use flowdeck::state::view::runs::{
    GridState, GridView, LogDocument, LogViewer, RunView, TaskCellView, TaskState,
};
use flowdeck::ui::widgets::runs::{Grid, LogView};
use ratatui::backend::TestBackend;
use ratatui::widgets::{Block, Borders};
use ratatui::Terminal;
use serde_json::{json, Value};

const W: u16 = 160;
const H: u16 = 48;

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
    std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| panic!("fixture {} is missing or invalid", path.display()))
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(W, H)).expect("test backend")
}

// ----- grid --------------------------------------------------------------------------

fn grid_data(runs: usize, tasks: usize) -> (Vec<RunView>, Vec<String>, Vec<TaskCellView>) {
    let t0 = Utc::now();
    let states = [
        TaskState::Success,
        TaskState::Success,
        TaskState::Success,
        TaskState::Failed,
        TaskState::UpstreamFailed,
        TaskState::Skipped,
        TaskState::Running,
        TaskState::UpForRetry,
        TaskState::Queued,
        TaskState::NoStatus,
    ];
    // Newest first, as the API returns them.
    let run_views: Vec<RunView> = (0..runs)
        .map(|k| RunView {
            run_id: format!(
                "scheduled__{}",
                (t0 - Duration::hours(k as i64)).to_rfc3339()
            ),
            run_type: "scheduled".into(),
            state: if k % 9 == 4 {
                TaskState::Failed
            } else {
                TaskState::Success
            },
            run_after: Some(t0 - Duration::hours(k as i64)),
            duration: Some(30.0 + (k * 37 % 300) as f64),
            ..RunView::default()
        })
        .collect();
    let task_ids: Vec<String> = (0..tasks)
        .map(|j| format!("task_{j:03}_transform"))
        .collect();
    let mut cells = Vec::with_capacity(runs * tasks);
    for (k, run) in run_views.iter().enumerate() {
        for (j, task) in task_ids.iter().enumerate() {
            cells.push(TaskCellView {
                run_id: run.run_id.clone(),
                task_id: task.clone(),
                map_index: -1,
                state: states[(k * 7 + j * 3) % states.len()],
                try_number: 1,
            });
        }
    }
    (run_views, task_ids, cells)
}

fn bench_grid(c: &mut Criterion) {
    let (runs, tasks, cells) = grid_data(200, 100);
    let view = GridView::new(&runs, &tasks, &cells, Some(Utc::now()));
    let mut state = GridState::default();
    let mut term = terminal();
    let mut k = 0usize;
    c.bench_function("grid 200 runs x 100 tasks: draw 160x48", |b| {
        b.iter(|| {
            // Move the cursor about so that each frame differs, as it does when used.
            k += 1;
            match k % 4 {
                0 => state.left(&view),
                1 => state.down(&view),
                2 => state.page_left(&view),
                _ => state.page_down(&view),
            }
            if k.is_multiple_of(64) {
                state.newest(&view);
                state.first_task(&view);
            }
            term.draw(|f| {
                let grid =
                    Grid::new(&view).block(Block::default().borders(Borders::ALL).title("Grid"));
                f.render_stateful_widget(grid, f.area(), &mut state);
            })
            .expect("draw");
        })
    });
    c.bench_function("grid 200 runs x 100 tasks: build view-model", |b| {
        b.iter(|| black_box(GridView::new(&runs, &tasks, &cells, None)))
    });
}

// ----- log ---------------------------------------------------------------------------

/// 100,000 log events in Airflow 3's shape: the recorded events of both tasks, repeated
/// with varied messages, plus what real logs have: long lines, non-ASCII text, escape
/// sequences, tracebacks.
fn log_events(n: usize) -> Value {
    let mut templates: Vec<Value> = Vec::new();
    for name in ["task_log_extract_try1.json", "task_log_load_try1.json"] {
        if let Some(events) = fixture(name)["content"].as_array() {
            templates.extend(
                events
                    .iter()
                    .filter(|e| e.get("timestamp").is_some())
                    .cloned(),
            );
        }
    }
    let stdout = json!({"timestamp": "2026-11-27T07:20:51.851358Z", "event": "", "level": "info", "logger": "task.stdout"});
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let ev = match i % 10 {
            0..=5 => {
                let mut e = stdout.clone();
                e["event"] = json!(format!(
                    "processed batch {i}: {} rows written to warehouse.sales_{}",
                    i * 17 % 5000,
                    i % 31
                ));
                e
            }
            6 => {
                let mut e = stdout.clone();
                e["event"] = json!(format!(
                    "row {i}: {}",
                    "lorem ipsum dolor sit amet ".repeat(12)
                ));
                e
            }
            7 => {
                let mut e = stdout.clone();
                e["event"] = json!(format!("客户 {i} – naïve café \u{1b}[32mok\u{1b}[0m"));
                e["level"] = json!("warning");
                e
            }
            _ => templates[i % templates.len()].clone(),
        };
        out.push(ev);
    }
    json!({"content": out, "continuation_token": null})
}

fn viewer(doc: LogDocument) -> LogViewer {
    let mut v = LogViewer::new();
    v.set_try_count(1);
    v.set_try(1, doc);
    v
}

fn draw_log(term: &mut Terminal<TestBackend>, v: &mut LogViewer) {
    term.draw(|f| {
        let view = LogView::new().block(Block::default().borders(Borders::ALL).title("Log"));
        f.render_stateful_widget(view, f.area(), v);
    })
    .expect("draw");
}

fn bench_log(c: &mut Criterion) {
    let events = log_events(100_000);
    let doc = LogDocument::from_response(&events);
    eprintln!("log: {} lines from {} events", doc.len(), 100_000);
    let mut term = terminal();

    // The same on a 1,000-line log: drawing should cost the same whatever the length.
    let small = LogDocument::from_response(&log_events(1_000));
    let mut v = viewer(small);
    draw_log(&mut term, &mut v);
    v.top();
    v.scroll_down(400);
    let mut k = 0usize;
    c.bench_function("log 1k lines (for comparison): scroll + draw 160x48", |b| {
        b.iter(|| {
            k += 1;
            if k % 20 < 10 {
                v.page_down()
            } else {
                v.page_up()
            }
            draw_log(&mut term, &mut v);
        })
    });

    // Plain scrolling: a page at a time through the middle of the log, then back.
    let mut v = viewer(doc.clone());
    draw_log(&mut term, &mut v);
    v.top();
    v.scroll_down(40_000);
    c.bench_function("log 100k lines: scroll + draw 160x48", |b| {
        b.iter(|| {
            k += 1;
            if k % 200 < 100 {
                v.page_down()
            } else {
                v.page_up()
            }
            draw_log(&mut term, &mut v);
        })
    });

    let mut v = viewer(doc.clone());
    v.set_wrap(true);
    draw_log(&mut term, &mut v);
    v.top();
    v.scroll_down(40_000);
    c.bench_function("log 100k lines: wrapped, scroll + draw 160x48", |b| {
        b.iter(|| {
            k += 1;
            if k % 200 < 100 {
                v.page_down()
            } else {
                v.page_up()
            }
            draw_log(&mut term, &mut v);
        })
    });

    let mut v = viewer(doc.clone());
    v.set_wrap(true);
    c.bench_function(
        "log 100k lines: wrapped, following the end, draw 160x48",
        |b| b.iter(|| draw_log(&mut term, &mut v)),
    );

    // Active search: "batch" is on 60% of lines, so most visible lines have highlights;
    // each frame also moves to the next match (n).
    let mut v = viewer(doc.clone());
    draw_log(&mut term, &mut v);
    v.top();
    v.set_search("batch");
    c.bench_function("log 100k lines: search active, n + draw 160x48", |b| {
        b.iter(|| {
            v.search_next();
            draw_log(&mut term, &mut v);
        })
    });
    let mut v = viewer(doc.clone());
    v.set_wrap(true);
    draw_log(&mut term, &mut v);
    v.top();
    v.set_search("ipsum");
    c.bench_function(
        "log 100k lines: wrapped, search active, n + draw 160x48",
        |b| {
            b.iter(|| {
                v.search_next();
                draw_log(&mut term, &mut v);
            })
        },
    );

    // One-off costs (not per frame).
    let mut group = c.benchmark_group("log 100k lines: one-off");
    group.sample_size(10);
    group.bench_function("index a search (/batch)", |b| {
        b.iter_batched(
            || viewer(doc.clone()),
            |mut v| {
                v.set_search("batch");
                v
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("parse 100k Airflow 3 events into lines", |b| {
        b.iter(|| black_box(LogDocument::from_response(&events)))
    });
    group.finish();
}

criterion_group!(benches, bench_grid, bench_log);
criterion_main!(benches);
