//! What the screen looks like: insta snapshots of the panes, the help and the dialogs at
//! the smallest supported size (80×24) and a large one (160×48), drawn into a
//! TestBackend. Also: the help lists every binding, and NO_COLOR draws no colour.

mod tui_common;

use flowdeck::keymap::{Context, Keymap};
use flowdeck::python::FunctionInfo;
use flowdeck::state::{self, AirflowHealth, Event, Job, JobResult, State, ThemeKind};
use flowdeck::ui::help::{lines, HelpLine};
use ratatui::style::Color;
use std::time::Duration;
use tui_common::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

const SOURCE: &str = "\"\"\"ETL steps for the nightly sales load.\"\"\"\nimport datetime\n\n\ndef extract(day, limit=100, region=None):\n    \"\"\"Read one day of sales.\"\"\"\n\trows = query(day, limit)\n    return rows\n\n\ndef load(rows, total=0):\n    return len(rows)\n";

/// The library with the selected function's source read, like a moment after start.
fn loaded(n: usize) -> (State, Keymap) {
    let km = keymap();
    let mut s = state_with(n);
    let fx = state::start(&mut s);
    for (id, job) in jobs(&fx) {
        if let Job::ReadSource { function } = &job {
            answer(
                &mut s,
                &km,
                id,
                JobResult::Source {
                    function_id: function.id.clone(),
                    text: Ok(SOURCE.into()),
                    changed: false,
                },
            );
        }
        if let Job::CheckSources = job {
            answer(
                &mut s,
                &km,
                id,
                JobResult::SourcesChanged(Ok(vec!["fn_00003".into()])),
            );
        }
    }
    s.status.messages.clear();
    (s, km)
}

fn snap(name: &str, s: &mut State, km: &Keymap) {
    for (w, h) in SIZES {
        let t = draw(s, km, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text(&t));
    }
}

#[test]
fn functions_pane() {
    let (mut s, km) = loaded(40);
    snap("functions", &mut s, &km);
}

#[test]
fn functions_pane_empty_library() {
    let km = keymap();
    let mut s = empty_state();
    s.functions.apply(Default::default());
    s.flows.apply(Default::default());
    snap("functions_empty", &mut s, &km);
}

#[test]
fn functions_detail_with_source_preview() {
    let (mut s, km) = loaded(40);
    press(&mut s, &km, "<Enter>");
    snap("functions_detail", &mut s, &km);
}

#[test]
fn functions_filtered_with_airflow_online_and_a_wait() {
    let (mut s, km) = loaded(40);
    press(&mut s, &km, "/");
    type_text(&mut s, &km, "load");
    press(&mut s, &km, "<Enter>");
    state::on_event(
        &mut s,
        &km,
        Event::AirflowHealth(AirflowHealth::Online {
            version: Some("3.0.2".into()),
        }),
    );
    // A job in flight for 1.5 s, Airflow's answer 12 s old.
    let t0 = s.now;
    press(&mut s, &km, "i");
    s.set_now(t0 + Duration::from_millis(1500));
    if let Some((h, at)) = s.status.health.take() {
        s.status.health = Some((
            h,
            at.checked_sub(Duration::from_millis(10_500)).unwrap_or(at),
        ));
    }
    snap("functions_filtered_busy", &mut s, &km);
}

#[test]
fn help_overlay() {
    let (mut s, km) = loaded(40);
    press(&mut s, &km, "?");
    snap("help", &mut s, &km);
}

#[test]
fn delete_confirmation_dialog() {
    let (mut s, km) = loaded(40);
    press(&mut s, &km, "j d");
    snap("dialog_delete", &mut s, &km);
}

#[test]
fn delete_refused_dialog_names_the_flows() {
    let (mut s, km) = loaded(40);
    let fx = press(&mut s, &km, "d y");
    let (id, job) = job_of(&fx, |j| matches!(j, Job::DeleteFunction { .. }));
    let Job::DeleteFunction { name } = job else {
        unreachable!()
    };
    let refused = format!("function `{name}` is used by task `extract` of flow `daily sales`, task `pull` of flow `hourly stock`; remove those tasks first");
    answer(
        &mut s,
        &km,
        id,
        JobResult::Deleted {
            name,
            result: Err(refused),
        },
    );
    snap("dialog_delete_refused", &mut s, &km);
}

#[test]
fn register_dialog_steps() {
    let (mut s, km) = loaded(40);
    press(&mut s, &km, "a");
    type_text(&mut s, &km, "~/udf/e");
    let fx = press(&mut s, &km, "<Tab>");
    let (id, _) = job_of(&fx, |j| matches!(j, Job::CompletePath { .. }));
    answer(
        &mut s,
        &km,
        id,
        JobResult::Completions {
            input: "~/udf/e".into(),
            candidates: Ok(vec![
                "~/udf/etl.py".into(),
                "~/udf/etl_old.py".into(),
                "~/udf/export/".into(),
            ]),
        },
    );
    snap("dialog_register_path", &mut s, &km);
    type_text(&mut s, &km, "tl.py");
    let fx = press(&mut s, &km, "<Enter>");
    let (id, _) = job_of(&fx, |j| matches!(j, Job::Inspect { .. }));
    let info = |name: &str, line, doc: Option<&str>, is_async| FunctionInfo {
        name: name.into(),
        lineno: line,
        end_lineno: line + 3,
        is_async,
        decorators: vec![],
        params: vec![],
        doc: doc.map(str::to_string),
        source: String::new(),
    };
    answer(
        &mut s,
        &km,
        id,
        JobResult::Inspected {
            path: "~/udf/etl.py".into(),
            file: "/home/ops/udf/etl.py".into(),
            functions: Ok(vec![
                info("extract", 5, Some("Read one day of sales."), false),
                info("load", 11, None, false),
                info("notify", 20, Some("Tell the channel\u{1b}[31m"), true),
            ]),
        },
    );
    snap("dialog_register_pick", &mut s, &km);
    press(&mut s, &km, "<Enter>");
    snap("dialog_register_details", &mut s, &km);
}

#[test]
fn flows_and_runs_panes() {
    let (mut s, km) = loaded(40);
    press(&mut s, &km, "2");
    snap("flows", &mut s, &km);
    // The Runs pane follows the flow selected in the Flows pane (Enter opens the editor).
    press(&mut s, &km, "3");
    snap("runs", &mut s, &km);
}

#[test]
fn quit_confirmation_over_a_form() {
    let (mut s, km) = loaded(3);
    press(&mut s, &km, "e");
    type_text(&mut s, &km, "_v2");
    press(&mut s, &km, "q q q <C-c>");
    snap("dialog_quit", &mut s, &km);
}

#[test]
fn hostile_names_are_drawn_harmlessly() {
    let km = keymap();
    let mut s = empty_state();
    let mut lib = library(2);
    lib.functions[0].name = "evil\u{1b}[2J\u{7}name".into();
    lib.functions[0].description = "line one\n\u{1b}]0;pwned\u{7}".into();
    s.functions.apply(lib);
    s.flows.apply(Default::default());
    press(&mut s, &km, "<Enter>");
    for (w, h) in SIZES {
        let t = draw(&mut s, &km, w, h);
        let buf = t.backend().buffer();
        assert!(
            buf.content
                .iter()
                .all(|c| !c.symbol().chars().any(char::is_control)),
            "a control character reached the buffer"
        );
        assert!(text(&t).contains("evil\\u{1b}[2J\\u{7}name"));
    }
}

#[test]
fn the_help_lists_every_binding_of_the_keymap() {
    let km = keymap();
    let mut s = state_with(3);
    let mut listed: Vec<(String, String)> = Vec::new();
    for pane in ["1", "2", "3"] {
        press(&mut s, &km, pane);
        for line in lines(&s, &km) {
            if let HelpLine::Keys(keys, desc) = line {
                for k in keys.split(", ") {
                    listed.push((k.to_string(), desc.clone()));
                }
            }
        }
        // And the drawn overlay shows them (tall enough to need no scrolling).
        press(&mut s, &km, "?");
        let t = draw(&mut s, &km, 160, 200);
        let screen = text(&t);
        press(&mut s, &km, "?");
        for line in lines(&s, &km) {
            if let HelpLine::Keys(keys, desc) = line {
                assert!(
                    screen.contains(&keys) && screen.contains(&desc),
                    "help overlay misses `{keys}  {desc}`"
                );
            }
        }
    }
    for ctx in Context::ALL {
        for b in km.bindings(ctx) {
            let entry = (b.key.to_string(), b.desc.clone());
            assert!(
                listed.contains(&entry),
                "help misses {} {} ({})",
                ctx.name(),
                b.key,
                b.desc
            );
        }
    }
}

#[test]
fn no_color_draws_no_colour() {
    let (mut s, km) = loaded(40);
    s.theme = ThemeKind::NoColor;
    for keys in ["", "<Enter>", "?", "<Esc> d"] {
        press(&mut s, &km, keys);
        let t = draw(&mut s, &km, 120, 30);
        for cell in &t.backend().buffer().content {
            assert!(
                cell.fg == Color::Reset && cell.bg == Color::Reset,
                "coloured cell `{}` after `{keys}`",
                cell.symbol()
            );
        }
    }
}

#[test]
fn every_size_from_80x24_up_draws_and_tiny_ones_explain() {
    let (mut s, km) = loaded(200);
    for (w, h) in [
        (80, 24),
        (81, 25),
        (100, 30),
        (119, 40),
        (120, 40),
        (200, 60),
        (300, 100),
    ] {
        for keys in ["1", "<Enter>", "<Esc> ?", "? 2", "3", "1 a"] {
            press(&mut s, &km, keys);
            let t = draw(&mut s, &km, w, h);
            let shown = text(&t);
            assert!(shown.contains("flowdeck"), "{w}x{h} after {keys}:\n{shown}");
        }
        press(&mut s, &km, "<Esc> <Esc>");
    }
    let t = draw(&mut s, &km, 30, 8);
    assert!(text(&t).contains("needs at least"));
}

#[test]
fn the_status_bar_says_how_airflow_is_and_how_old_that_news_is() {
    let (mut s, km) = loaded(3);
    let cases = [
        (None, "○ not checked yet"),
        (
            Some(AirflowHealth::Online {
                version: Some("3.0.2".into()),
            }),
            "● online 3.0.2 · 42s ago",
        ),
        (
            Some(AirflowHealth::Offline {
                reason: "connection refused".into(),
                retry_in: Some(Duration::from_secs(8)),
            }),
            "× offline: connection refused · 42s ago · retry in 8s",
        ),
        (
            Some(AirflowHealth::AuthError {
                reason: "401 Unauthorized: check FLOWDECK_AIRFLOW_PASSWORD".into(),
            }),
            "! auth error: 401 Unauthorized",
        ),
    ];
    for (health, expected) in cases {
        let t0 = s.now;
        if let Some(h) = health {
            state::on_event(&mut s, &km, Event::AirflowHealth(h));
        }
        s.set_now(t0 + Duration::from_secs(42));
        let t = draw(&mut s, &km, 160, 30);
        let shown = text(&t);
        let status = shown.lines().last().unwrap_or_default();
        assert!(
            status.contains("Airflow http://127.0.0.1:8080") && status.contains(expected),
            "{status}"
        );
        s.set_now(t0);
    }
}

/// Start-up's findings (config warnings, the dags folder, changed sources) are one line
/// that counts them and names `!`, which lists them by check.
#[test]
fn startup_findings_are_one_line_and_bang_lists_them() {
    use flowdeck::state::dialog::Dialog;
    use flowdeck::state::event::{ReconcileJob, Reconciled};
    let km = keymap();
    let mut s = state_with(5);
    state::startup_warnings(
        &mut s,
        &[
            "config line 12: unknown action `frobnicate` for key `x`; ignored".into(),
            "keybindings: `<C-q>` is bound twice in `flows`; the first wins".into(),
        ],
    );
    let fx = state::start(&mut s);
    for (id, job) in jobs(&fx) {
        match job {
            Job::CheckSources => {
                answer(
                    &mut s,
                    &km,
                    id,
                    JobResult::SourcesChanged(Ok(vec!["fn_00003".into()])),
                );
            }
            Job::Reconcile(ReconcileJob::Startup) => {
                answer(
                    &mut s,
                    &km,
                    id,
                    JobResult::Reconciled {
                        job: ReconcileJob::Startup,
                        result: Ok(Reconciled {
                            findings: vec![
                                "missing: dag_00000000000000aa.py (flow dag_00000000000000aa)"
                                    .into(),
                                "foreign: /dags/x.py (flow id dag_1) belongs to another flowdeck database (12345678…); left alone".into(),
                            ],
                            planned: vec!["write dag_00000000000000aa.py".into()],
                            foreign: 1,
                            done: vec![],
                        }),
                    },
                );
            }
            _ => {}
        }
    }
    let shown = s.status.current(s.now).map(|m| m.text.clone());
    assert_eq!(
        shown.as_deref(),
        Some("start-up: 2 warnings, 1 dags folder finding, 1 changed source — ! lists them")
    );
    press(&mut s, &km, "!");
    let Some(Dialog::Message(m)) = s.dialogs.last() else {
        panic!("! lists the findings")
    };
    assert_eq!(m.title, "Start-up findings (4)");
    assert!(!m.body.contains("foreign"), "{}", m.body);
    s.status.messages.clear();
    snap("startup_findings", &mut s, &km);
    press(&mut s, &km, "<Enter>");
    assert!(s.dialogs.is_empty());
}
