//! The shared database under a team's load, with real processes (this bench binary
//! starts copies of itself as the other operators' writers):
//!
//! 1. open + one read (what every CLI command pays), alone and beside two writers;
//! 2. a save (a 20-task flow) here while two other processes save flat out, against
//!    the same save with the database to itself;
//! 3. commit → redraw: another process commits; this one's database watcher notices,
//!    the state applies the change and a frame is drawn (TestBackend). Distribution over
//!    200 commits at random moments (target: p95 ≤ 1 s).
//!
//! `cargo bench --bench team`; the README quotes the figures. Times are wall-clock on
//! a shared machine: compare the ratios within one run.

use flowdeck::keymap::Keymap;
use flowdeck::model::sample::{etl_functions, large_flow};
use flowdeck::model::Actor;
use flowdeck::state::{self, Event, Init, State};
use flowdeck::store::{Base, Store};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const ROLE: &str = "FLOWDECK_BENCH_ROLE";
const DB: &str = "FLOWDECK_BENCH_DB";

fn main() {
    match std::env::var(ROLE).as_deref() {
        Ok("writer") => writer(Path::new(&std::env::var(DB).expect("db"))),
        Ok("committer") => committer(Path::new(&std::env::var(DB).expect("db"))),
        _ => lead(),
    }
}

/// Another operator saving as fast as it can until killed.
fn writer(db: &Path) {
    let pid = std::process::id();
    let store = Store::open_as(db, Actor::new(format!("writer{pid}"), "bench")).expect("open");
    let mut spec = large_flow(&format!("writer {pid}"), 20);
    loop {
        spec.flow.description = format!("{}", spec.flow.version);
        spec = store.save_flow(&spec, Base::Any).expect("save").spec;
    }
}

/// Commits at random moments; the change log records when each was made, so the
/// reader can tell how long each took to show.
fn committer(db: &Path) {
    let store = Store::open_as(db, Actor::new("committer", "bench")).expect("open");
    let mut spec = large_flow("watched", 20);
    let mut seed = std::process::id() as u64;
    for _ in 0..COMMITS {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        std::thread::sleep(Duration::from_millis(150 + (seed >> 33) % 450));
        spec.flow.description = micros_now().to_string(); // a change each time // a change each time
        spec = store.save_flow(&spec, Base::Any).expect("save").spec;
    }
}

const COMMITS: usize = 200;

fn micros_now() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or_default()
}

fn spawn(role: &str, db: &Path) -> Child {
    Command::new(std::env::current_exe().expect("exe"))
        .env(ROLE, role)
        .env(DB, db)
        .spawn()
        .expect("spawn")
}

struct Writers(Vec<Child>);

impl Drop for Writers {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn fresh(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let store = Store::open(&path).expect("open");
    for f in etl_functions() {
        store.save_function(&f, None).expect("function");
    }
    path
}

fn percentiles(mut v: Vec<Duration>) -> String {
    v.sort();
    let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    format!(
        "p50 {:.2} ms · p95 {:.2} ms · max {:.2} ms ({} samples)",
        at(0.50).as_secs_f64() * 1e3,
        at(0.95).as_secs_f64() * 1e3,
        v[v.len() - 1].as_secs_f64() * 1e3,
        v.len()
    )
}

fn open_and_read(db: &Path, n: usize, read_only: bool) -> Vec<Duration> {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            let store = if read_only {
                Store::open_read_only(db)
            } else {
                Store::open(db)
            }
            .expect("open");
            let flows = store.flows().expect("read");
            std::hint::black_box(flows);
            drop(store);
            t.elapsed()
        })
        .collect()
}

fn saves(db: &Path, n: usize) -> Vec<Duration> {
    let store = Store::open(db).expect("open");
    let mut spec = large_flow("measured", 20);
    (0..n)
        .map(|i| {
            spec.flow.description = i.to_string();
            let t = Instant::now();
            spec = store.save_flow(&spec, Base::Any).expect("save").spec;
            t.elapsed()
        })
        .collect()
}

fn lead() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = fresh(dir.path(), "team.redb");

    println!("open + one read (list flows)");
    println!(
        "  alone, writable:    {}",
        percentiles(open_and_read(&db, 300, false))
    );
    println!(
        "  alone, read-only:   {}",
        percentiles(open_and_read(&db, 300, true))
    );
    println!("save of a 20-task flow");
    println!("  alone:              {}", percentiles(saves(&db, 300)));
    {
        let _writers = Writers(vec![spawn("writer", &db), spawn("writer", &db)]);
        std::thread::sleep(Duration::from_millis(500));
        println!("  beside 2 writers:   {}", percentiles(saves(&db, 300)));
        println!("open + one read beside 2 writers");
        println!(
            "  writable:           {}",
            percentiles(open_and_read(&db, 300, false))
        );
        println!(
            "  read-only:          {}",
            percentiles(open_and_read(&db, 300, true))
        );
    }
    {
        let store = Store::open(&db).expect("open");
        let mut s = store;
        println!(
            "integrity after the writers: {}",
            s.check_integrity().expect("check")
        );
    }

    println!(
        "commit in another process → this TUI's redraw ({COMMITS} commits, watcher every {} ms)",
        flowdeck::app::store_watch::INTERVAL.as_millis()
    );
    let watched = fresh(dir.path(), "watched.redb");
    println!("  {}", percentiles(commit_to_redraw(&watched)));
}

/// The TUI's own path: the watcher thread, `state::on_event`, `ui::draw`.
fn commit_to_redraw(db: &Path) -> Vec<Duration> {
    let store = std::sync::Arc::new(Store::open(db).expect("open"));
    let keymap = Keymap::builtin();
    let mut st = State::new(Init {
        airflow_url: "http://127.0.0.1:9".into(),
        db_path: db.display().to_string(),
        theme: flowdeck::state::ThemeKind::Dark,
        now: Instant::now(),
    });
    st.flows
        .apply(flowdeck::app::worker::load_flows(&store).expect("flows"));
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let generation = store.generation().expect("generation");
    flowdeck::app::store_watch::spawn(store.clone(), generation, tx).expect("watcher");
    let mut committer = spawn("committer", db);
    let mut delays = Vec::new();
    let mut finished = false;
    while delays.len() < COMMITS {
        let event = match rx.try_recv() {
            Ok(e) => e,
            Err(_) if finished => break,
            Err(_) => {
                // The committer's last commit still needs a tick to show.
                if committer.try_wait().ok().flatten().is_some() {
                    std::thread::sleep(flowdeck::app::store_watch::INTERVAL * 3);
                    finished = true;
                } else {
                    std::thread::sleep(Duration::from_millis(1));
                }
                continue;
            }
        };
        let Event::Store(update) = event else {
            continue;
        };
        // Several commits can land in one watcher tick: each counts from its own time.
        let stamps: Vec<u128> = update
            .changes
            .iter()
            .filter_map(|c| c.at.timestamp_micros().try_into().ok())
            .collect();
        st.set_now(Instant::now());
        state::on_event(&mut st, &keymap, Event::Store(update));
        terminal
            .draw(|f| {
                flowdeck::ui::draw(&st, &keymap, f);
            })
            .expect("draw");
        let now = micros_now();
        for s in stamps {
            delays.push(Duration::from_micros(now.saturating_sub(s) as u64));
        }
    }
    let _ = committer.wait();
    delays
}
