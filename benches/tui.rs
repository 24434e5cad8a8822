//! TUI speed. Targets (issue 5): drawing the Functions pane with 10,000 functions under
//! 2 ms a frame; start-up to the first frame (open the database, load 10,000 functions
//! and 1,000 flows, build the state, draw) under 100 ms.

use criterion::{criterion_group, criterion_main, Criterion};
use flowdeck::app;
use flowdeck::config::Settings;
use flowdeck::keymap::Keymap;
use flowdeck::model::document::{apply_document, parse_document};
use flowdeck::model::sample::{epoch, function};
use flowdeck::model::Function;
use flowdeck::state::{Init, LibraryData, State, ThemeKind};
use flowdeck::store::Store;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

const FUNCTIONS: usize = 10_000;
const FLOWS: usize = 1_000;

fn functions(n: usize) -> Vec<Function> {
    (0..n)
        .map(|i| {
            let params: &[(&str, Option<&str>)] = match i % 3 {
                0 => &[
                    ("day", None),
                    ("limit", Some("100")),
                    ("region", Some("None")),
                ],
                1 => &[("rows", None), ("total", Some("0"))],
                _ => &[("event", None)],
            };
            let mut f = function(&format!("step_{i:05}"), params);
            f.id = format!("fn_{i:05}");
            f.filename = format!("module_{}.py", i % 97);
            f.description = format!("Step {i} of the nightly load");
            f
        })
        .collect()
}

fn state_with(n: usize) -> State {
    let mut s = State::new(Init {
        airflow_url: "http://127.0.0.1:8080".into(),
        db_path: "/srv/flowdeck/flowdeck.redb".into(),
        theme: ThemeKind::Dark,
        now: Instant::now(),
    });
    let usage: HashMap<String, usize> = (0..n)
        .step_by(7)
        .map(|i| (format!("fn_{i:05}"), i % 5))
        .collect();
    s.functions.apply(LibraryData {
        functions: functions(n),
        usage,
    });
    s
}

fn draw(s: &mut State, km: &Keymap, terminal: &mut Terminal<TestBackend>) {
    let mut screen = None;
    terminal
        .draw(|f| screen = Some(flowdeck::ui::draw(s, km, f)))
        .expect("draw");
    if let Some(screen) = screen {
        s.set_screen(screen);
    }
}

/// A database with `FUNCTIONS` functions and `FLOWS` flows of three tasks each.
fn populate(path: &Path) {
    let store = Store::open(path).expect("open");
    let fns = functions(FUNCTIONS);
    for f in &fns {
        store.save_function(f, None).expect("function");
    }
    for n in 0..FLOWS {
        let (a, b, c) = (
            n * 3 % FUNCTIONS,
            (n * 3 + 1) % FUNCTIONS,
            (n * 3 + 2) % FUNCTIONS,
        );
        let doc = format!(
            "[flow]\nname = \"flow {n:04}\"\nschedule = \"0 {} * * *\"\nstart_date = \"2024-01-01\"\n\n\
             [[tasks]]\nid = \"a\"\nfunction = \"step_{a:05}\"\n[tasks.inputs]\nday = \"{{{{ ds }}}}\"\n\n\
             [[tasks]]\nid = \"b\"\nfunction = \"step_{b:05}\"\n[tasks.inputs]\nrows = {{ task = \"a\" }}\n\n\
             [[tasks]]\nid = \"c\"\nfunction = \"step_{c:05}\"\n[tasks.inputs]\nevent = {{ task = \"b\" }}\n",
            n % 24
        );
        let parsed = parse_document(&doc).expect("document");
        let spec = apply_document(&parsed, None, &fns, epoch()).expect("flow");
        store
            .save_flow(&spec, flowdeck::store::Base::Any)
            .expect("save flow");
    }
}

fn settings(dir: &Path) -> Settings {
    std::fs::write(dir.join("config.toml"), "").expect("config");
    let mut s = flowdeck::config::resolve(flowdeck::config::Overrides {
        db: Some(dir.join("bench.redb")),
        config: Some(dir.join("config.toml")),
        dags_folder: Some(dir.join("dags")),
        airflow_url: Some("http://127.0.0.1:9".into()),
        ..Default::default()
    })
    .expect("settings");
    s.log_dir = dir.join("log");
    s
}

fn bench(c: &mut Criterion) {
    let km = Keymap::builtin();
    for (w, h) in [(80, 24), (160, 48)] {
        let mut s = state_with(FUNCTIONS);
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        // In the middle of the list, moving every frame so each frame differs.
        s.functions.nav.selected = FUNCTIONS / 2;
        let mut down = true;
        c.bench_function(
            &format!("draw Functions pane, 10000 functions, {w}x{h}"),
            |b| {
                b.iter(|| {
                    s.functions.nav.selected = if down {
                        FUNCTIONS / 2 + 1
                    } else {
                        FUNCTIONS / 2
                    };
                    down = !down;
                    draw(&mut s, &km, &mut terminal);
                })
            },
        );
    }

    // Writing the database takes a minute (one transaction per record, as the UI does),
    // so it is kept between runs; the name changes with what is in it.
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("tui-bench-{FUNCTIONS}-{FLOWS}-v1"));
    if !dir.join("complete").exists() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("bench dir");
        let started = Instant::now();
        populate(&dir.join("bench.redb"));
        std::fs::write(dir.join("complete"), "").expect("marker");
        eprintln!(
            "(database with {FUNCTIONS} functions and {FLOWS} flows written in {:.1?})",
            started.elapsed()
        );
    }
    let settings = settings(&dir);
    // Where the start-up time goes.
    c.bench_function("start-up part: Core::open (store, renderer, client)", |b| {
        b.iter(|| flowdeck::core::Core::open(settings.clone()).expect("core"))
    });
    c.bench_function("start-up part: Store::open", |b| {
        b.iter(|| Store::open(&settings.db).expect("open"))
    });
    {
        let store = Store::open(&settings.db).expect("open");
        c.bench_function("start-up part: store.functions() (10000 records)", |b| {
            b.iter(|| store.functions().expect("functions"))
        });
        c.bench_function(
            "start-up part: store.function_usage() + flows() + deploys()",
            |b| {
                b.iter(|| {
                    (
                        store.function_usage().expect("usage"),
                        store.flows().expect("flows"),
                        store.all_deploys().expect("deploys"),
                    )
                })
            },
        );
        let fns = store.functions().expect("functions");
        let usage = store.function_usage().expect("usage");
        c.bench_function("start-up part: build the state from 10000 functions", |b| {
            b.iter(|| {
                let mut s = state_with(0);
                s.functions.apply(LibraryData {
                    functions: fns.clone(),
                    usage: usage.clone(),
                });
                s
            })
        });
    }
    c.bench_function(
        "start-up to first frame, 10000 functions + 1000 flows, 160x48",
        |b| {
            b.iter(|| {
                let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
                let session =
                    app::first_frame(settings.clone(), &mut terminal).expect("first frame");
                assert_eq!(session.state.functions.rows.len(), FUNCTIONS);
                assert_eq!(session.state.flows.rows.len(), FLOWS);
                session
            })
        },
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
