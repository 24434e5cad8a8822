//! Shared by the TUI tests: a state with sample data, scripted keys, drawing into a
//! TestBackend, and answering jobs without threads.
#![allow(dead_code)]

use crossterm::event::{KeyEvent, KeyEventKind, KeyEventState};
use flowdeck::keymap::{Key, Keymap};
use flowdeck::model::deploy::{DeployRecord, DeployState};
use flowdeck::model::sample::{daily_sales, epoch, function};
use flowdeck::model::Function;
use flowdeck::state::{
    self, Effect, Event, FlowsData, Init, Job, JobId, JobResult, LibraryData, State, ThemeKind,
};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::collections::HashMap;
use std::time::Instant;

pub fn keymap() -> Keymap {
    Keymap::builtin()
}

pub fn empty_state() -> State {
    State::new(Init {
        airflow_url: "http://127.0.0.1:8080".into(),
        db_path: "/home/ops/.local/share/flowdeck/flowdeck.redb".into(),
        theme: ThemeKind::Dark,
        now: Instant::now(),
    })
}

/// A state with `n` functions (and a flow using two of them) loaded.
pub fn state_with(n: usize) -> State {
    let mut s = empty_state();
    s.functions.apply(library(n));
    s.flows.apply(flows());
    s
}

pub fn sample_function(i: usize) -> Function {
    let names = ["extract", "load", "transform", "notify", "report", "clean"];
    let base = names[i % names.len()];
    let name = if i < names.len() {
        base.to_string()
    } else {
        format!("{base}_{i:05}")
    };
    let params: &[(&str, Option<&str>)] = match i % 3 {
        0 => &[
            ("day", None),
            ("limit", Some("100")),
            ("region", Some("None")),
        ],
        1 => &[("rows", None), ("total", Some("0"))],
        _ => &[],
    };
    let mut f = function(&name, params);
    f.id = format!("fn_{i:05}");
    f.filename = format!("{}.py", ["etl", "sales", "ops"][i % 3]);
    f.path = format!("/srv/airflow/dags/flowdeck_functions/{}", f.filename);
    f.source_path = format!("/home/ops/udf/{}", f.filename);
    f.description = format!("The {base} step");
    f.updated_at = epoch();
    f.created_at = epoch();
    f
}

pub fn library(n: usize) -> LibraryData {
    let functions: Vec<Function> = (0..n).map(sample_function).collect();
    let mut usage = HashMap::new();
    if n > 1 {
        usage.insert("fn_00000".to_string(), 1);
        usage.insert("fn_00001".to_string(), 2);
    }
    let mut functions = functions;
    functions.sort_by(|a, b| a.name.cmp(&b.name));
    LibraryData { functions, usage }
}

pub fn flows() -> FlowsData {
    let spec = daily_sales();
    let mut deploys = HashMap::new();
    deploys.insert(
        spec.flow.id.clone(),
        vec![DeployRecord {
            flow_id: spec.flow.id.clone(),
            state: DeployState::Ready,
            version: spec.flow.version,
            rendered_hash: None,
            rendered_at: None,
            since: epoch(),
            message: String::new(),
            error_task: None,
            deployed_version: Some(spec.flow.version),
            by: None,
            environment: String::new(),
            commit: None,
        }],
    );
    let mut other = spec.flow.clone();
    other.id = "dag_00000000000000aa".into();
    other.name = "hourly stock".into();
    other.schedule = "@hourly".into();
    FlowsData {
        flows: vec![spec.flow, other],
        deploys,
    }
}

pub fn key(text: &str) -> KeyEvent {
    let k = Key::parse(text).unwrap_or_else(|e| panic!("{e}"));
    KeyEvent {
        code: k.code,
        modifiers: k.mods,
        kind: KeyEventKind::Press,
        state: KeyEventState::NONE,
    }
}

/// Presses keys written as in the keymap, separated by spaces: `"a <Tab> <C-s>"`.
pub fn press(s: &mut State, km: &Keymap, keys: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for k in keys.split_whitespace() {
        fx.extend(state::on_key(s, km, key(k)));
    }
    fx
}

/// Types text character by character (spaces included).
pub fn type_text(s: &mut State, km: &Keymap, text: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for c in text.chars() {
        fx.extend(state::on_key(
            s,
            km,
            key(&if c == ' ' {
                "<Space>".to_string()
            } else {
                c.to_string()
            }),
        ));
    }
    fx
}

pub fn jobs(fx: &[Effect]) -> Vec<(JobId, Job)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Run(id, job) => Some((*id, job.clone())),
            _ => None,
        })
        .collect()
}

/// The one job of a kind among the effects.
pub fn job_of(fx: &[Effect], kind: fn(&Job) -> bool) -> (JobId, Job) {
    let found: Vec<_> = jobs(fx).into_iter().filter(|(_, j)| kind(j)).collect();
    assert_eq!(found.len(), 1, "expected one such job in {fx:?}");
    found.into_iter().next().unwrap_or_else(|| unreachable!())
}

pub fn answer(s: &mut State, km: &Keymap, id: JobId, result: JobResult) -> Vec<Effect> {
    state::on_event(s, km, Event::Job(id, Box::new(result)))
}

/// Draws the state into a TestBackend of the given size and hands the screen back to
/// the state, as the app does after every frame.
pub fn draw(s: &mut State, km: &Keymap, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap_or_else(|e| panic!("{e}"));
    let mut screen = None;
    terminal
        .draw(|f| screen = Some(flowdeck::ui::draw(s, km, f)))
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(screen) = screen {
        s.set_screen(screen);
    }
    terminal
}

/// The buffer as text, one line per row.
pub fn text(terminal: &Terminal<TestBackend>) -> String {
    let buf = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}
