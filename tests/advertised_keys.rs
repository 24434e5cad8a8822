//! Every key the UI advertises works. The test walks every keymap context in a state
//! where that context has the keys, and checks that each key the help and the status
//! bar name there reaches its action (nothing earlier in the lookup shadows it) and
//! does something (an effect, or a change of state); and that every key named in a
//! placeholder, a help line or a message is bound, with F1 in the options editor
//! listing the options.

mod tui_common;

use chrono::Utc;
use flowdeck::airflow::{Dag, DagRun, PollEvent, RunKey, TaskInfo, TaskInstance};
use flowdeck::keymap::{Action, Context, Key, Keymap};
use flowdeck::model::sample::{daily_sales, etl_functions};
use flowdeck::state::airflow::{AirflowAnswer, AirflowJob};
use flowdeck::state::dialog::Dialog;
use flowdeck::state::flow_editor::{DiffDialog, Editor, FlowDialog, Section};
use flowdeck::state::view::diff::{DiffSummary, FlowDiff};
use flowdeck::state::{self, Effect, Event, FlowsData, Job, JobResult, State};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use tui_common::*;

const DAG: &str = "dag_fixture0000000001";

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
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn poll(s: &mut State, km: &Keymap, event: PollEvent) {
    state::on_event(s, km, Event::Airflow(Box::new(event)));
}

fn airflow_job(fx: &[Effect]) -> Option<(flowdeck::state::JobId, AirflowJob)> {
    jobs(fx).into_iter().find_map(|(id, j)| match j {
        Job::Airflow(a) => Some((id, a)),
        _ => None,
    })
}

/// The Runs pane on the recorded DAG: its runs, tasks and task instances reported.
fn runs_pane(km: &Keymap) -> State {
    let mut s = state_with(3);
    let mut data: FlowsData = flows();
    data.flows[0].id = DAG.into();
    let mut deploys = HashMap::new();
    for (_, mut records) in data.deploys.drain() {
        for d in &mut records {
            d.flow_id = DAG.into();
        }
        deploys.insert(DAG.to_string(), records);
    }
    data.deploys = deploys;
    s.flows.apply(data);
    let runs = DagRun::list_from_json(&fixture("dag_runs_list.json"));
    s.runs.clock = runs[0].end_date;
    let fx = press(&mut s, km, "3");
    if let Some((id, _)) = airflow_job(&fx) {
        let tasks = fixture("dag_tasks.json")["tasks"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| TaskInfo {
                task_id: t["task_id"].as_str().unwrap_or_default().into(),
                downstream_task_ids: Vec::new(),
                operator: None,
            })
            .collect();
        answer(
            &mut s,
            km,
            id,
            JobResult::Airflow(AirflowAnswer::DagTasks {
                dag_id: DAG.into(),
                result: Ok(tasks),
            }),
        );
    }
    poll(
        &mut s,
        km,
        PollEvent::Dags {
            at: Utc::now(),
            dags: Dag::list_from_json(&fixture("dags_list.json")),
            scope: flowdeck::airflow::DagScope::All,
        },
    );
    let mut map = BTreeMap::new();
    map.insert(DAG.to_string(), runs.clone());
    poll(
        &mut s,
        km,
        PollEvent::Runs {
            at: Utc::now(),
            runs: map,
        },
    );
    poll(
        &mut s,
        km,
        PollEvent::TaskInstances {
            at: Utc::now(),
            run: RunKey::new(DAG, runs[0].run_id.clone()),
            tasks: TaskInstance::list_from_json(&fixture("task_instances.json")),
        },
    );
    s
}

/// The log of the failed task, read.
fn log_view(km: &Keymap) -> State {
    let mut s = runs_pane(km);
    press(&mut s, km, "<Enter> j");
    let fx = press(&mut s, km, "L");
    let (id, job) = airflow_job(&fx).expect("a log request");
    let AirflowJob::Log {
        run_id,
        task_id,
        try_number,
        ..
    } = job
    else {
        panic!("{job:?}")
    };
    answer(
        &mut s,
        km,
        id,
        JobResult::Airflow(AirflowAnswer::Log {
            dag_id: DAG.into(),
            run_id,
            task_id,
            try_number,
            continued: false,
            result: Ok(fixture("task_log_load_try1.json")),
        }),
    );
    draw(&mut s, km, 100, 30);
    s
}

fn functions_pane(km: &Keymap) -> State {
    let mut s = state_with(6);
    press(&mut s, km, "1 j j");
    draw(&mut s, km, 120, 40);
    s
}

fn flows_pane(km: &Keymap) -> State {
    let mut s = state_with(6);
    press(&mut s, km, "2");
    draw(&mut s, km, 120, 40);
    s
}

/// The trigger form of the recorded DAG: `t` read its flow, which has a run parameter.
fn trigger_form(km: &Keymap) -> State {
    let mut s = runs_pane(km);
    s.functions.apply(flowdeck::state::LibraryData {
        functions: etl_functions(),
        usage: HashMap::new(),
    });
    let fx = press(&mut s, km, "t");
    let (id, _) = job_of(&fx, |j| matches!(j, Job::LoadFlow { .. }));
    let mut spec = daily_sales();
    spec.flow.id = DAG.into();
    answer(
        &mut s,
        km,
        id,
        JobResult::FlowLoaded {
            flow_id: DAG.into(),
            result: Ok(spec),
        },
    );
    assert!(
        matches!(s.dialogs.last(), Some(Dialog::TriggerConf(_))),
        "{:?}",
        s.dialogs
    );
    s
}

/// A one-line text prompt (the new flow's name).
fn text_prompt(km: &Keymap) -> State {
    let mut s = flows_pane(km);
    press(&mut s, km, "a");
    type_text(&mut s, km, "x");
    s
}

/// A yes/no dialog (delete a function).
fn confirm_dialog(km: &Keymap) -> State {
    let mut s = functions_pane(km);
    press(&mut s, km, "d");
    assert!(matches!(s.dialogs.last(), Some(Dialog::Confirm(_))));
    s
}

/// The Functions pane with the selected function's file shown in the preview, scrolled
/// into its middle.
fn functions_with_preview(km: &Keymap) -> State {
    let mut s = functions_pane(km);
    let row = s.functions.selected().expect("a function").function.clone();
    let file: String = (0..200)
        .map(|i| {
            if i == 100 {
                format!("def {}(day):\n", row.function)
            } else {
                format!("# line {i}\n")
            }
        })
        .collect();
    s.functions.apply_source(&row.id, Ok(file), false);
    draw(&mut s, km, 120, 40);
    s
}

/// The log with wrap off, at the top, scrolled one step right.
fn log_unwrapped(km: &Keymap) -> State {
    let mut s = log_view(km);
    if let Some(log) = s.runs.log.as_ref() {
        let mut v = log.viewer.borrow_mut();
        v.set_wrap(false);
        v.top();
    }
    // Short enough that the log is longer than a page.
    draw(&mut s, km, 100, 12);
    press(&mut s, km, "l");
    s
}

/// The Runs pane with the grid open (`Esc` and `h` have somewhere to go back from).
fn runs_grid(km: &Keymap) -> State {
    let mut s = runs_pane(km);
    press(&mut s, km, "<Enter>");
    s
}

/// The flow editor on PRODUCT.md's daily sales flow, the first task selected.
fn flow_editor(km: &Keymap) -> State {
    let mut s = empty_state();
    s.functions.apply(flowdeck::state::LibraryData {
        functions: etl_functions(),
        usage: HashMap::new(),
    });
    let spec = daily_sales();
    s.flows.apply(FlowsData {
        flows: vec![spec.flow.clone()],
        deploys: HashMap::new(),
    });
    press(&mut s, km, "2");
    let lib = s.functions.rows.clone();
    let mut ed = Editor::open(spec, false);
    ed.refresh_inputs(&lib);
    ed.section = Section::Tasks;
    s.flows.editor = Some(ed);
    draw(&mut s, km, 120, 40);
    s
}

/// The options editor of the first task.
fn options_editor(km: &Keymap) -> State {
    let mut s = flow_editor(km);
    press(&mut s, km, "o");
    assert!(
        matches!(s.dialogs.last(), Some(Dialog::Flow(d)) if matches!(**d, FlowDialog::Options(_)))
    );
    s
}

/// The registration form (path, then function).
fn register_form(km: &Keymap) -> State {
    let mut s = functions_pane(km);
    press(&mut s, km, "a");
    type_text(&mut s, km, "/tmp/");
    s
}

/// The help over the Functions pane (scrolled by the dialog keys).
fn help(km: &Keymap) -> State {
    let mut s = functions_pane(km);
    press(&mut s, km, "?");
    draw(&mut s, km, 100, 20);
    press(&mut s, km, "j j");
    s
}

/// The registration form's function list (a file read).
fn register_pick(km: &Keymap) -> State {
    let mut s = functions_pane(km);
    press(&mut s, km, "a");
    type_text(&mut s, km, "/srv/udf/etl.py");
    let fx = press(&mut s, km, "<Enter>");
    let (id, _) = job_of(&fx, |j| matches!(j, Job::Inspect { .. }));
    let info = |name: &str| flowdeck::python::FunctionInfo {
        name: name.into(),
        lineno: 1,
        end_lineno: 2,
        is_async: false,
        decorators: Vec::new(),
        params: Vec::new(),
        doc: None,
        source: String::new(),
    };
    answer(
        &mut s,
        km,
        id,
        JobResult::Inspected {
            path: "/srv/udf/etl.py".into(),
            file: PathBuf::from("/srv/udf/etl.py"),
            functions: Ok(vec![info("extract"), info("load")]),
        },
    );
    s
}

/// The save dialog of a scheduled flow whose deploy would start a run.
fn save_dialog(km: &Keymap) -> State {
    let mut s = flow_editor(km);
    let spec = s.flows.editor.as_ref().expect("editor").spec.clone();
    s.dialogs
        .push(Dialog::Flow(Box::new(FlowDialog::Diff(DiffDialog {
            diff: FlowDiff::new("", "[flow]\n"),
            summary: DiffSummary::between(&spec, &spec),
            spec,
            against: "nothing deployed yet".into(),
            scroll: 0,
            starts_run: Some("Airflow will start the latest run right away.".into()),
        }))));
    s
}

/// States in which each context has the keys; a key passes when it does something in
/// one of its context's states.
fn states(km: &Keymap) -> Vec<(Context, &'static str, State)> {
    vec![
        (Context::Functions, "functions pane", functions_pane(km)),
        (
            Context::Functions,
            "functions preview",
            functions_with_preview(km),
        ),
        (Context::Global, "functions pane", functions_pane(km)),
        (Context::Global, "flows pane", flows_pane(km)),
        (Context::Flows, "flows pane", flows_pane(km)),
        (Context::Flows, "flow editor", flow_editor(km)),
        (Context::Runs, "runs pane", runs_pane(km)),
        (Context::Runs, "runs grid", runs_grid(km)),
        (Context::Log, "log viewer", log_view(km)),
        (Context::Log, "log viewer, wrap off", log_unwrapped(km)),
        (Context::Editor, "text prompt", text_prompt(km)),
        (Context::Editor, "options editor", options_editor(km)),
        (Context::Editor, "register form", register_form(km)),
        (Context::Editor, "trigger form", trigger_form(km)),
        (Context::Dialog, "confirm dialog", confirm_dialog(km)),
        (Context::Dialog, "help", help(km)),
        (Context::Dialog, "save dialog", save_dialog(km)),
        (
            Context::Dialog,
            "register: the file's functions",
            register_pick(km),
        ),
    ]
}

/// Keys that, in every state chosen for their context, rightly change nothing: each
/// with the reason.
const QUIET: &[(Context, &str, &str)] = &[
    (
        Context::Functions,
        "1",
        "focuses the Functions pane, which has the focus",
    ),
    (
        Context::Global,
        "1",
        "focuses the Functions pane, which has the focus",
    ),
    (
        Context::Log,
        "]",
        "the recorded task ran once: no other try",
    ),
    (
        Context::Global,
        "<Esc>",
        "a top-level list: nothing to go back to",
    ),
    (
        Context::Global,
        "h",
        "a top-level list: nothing to go back to",
    ),
    (
        Context::Global,
        "<Left>",
        "a top-level list: nothing to go back to",
    ),
    (
        Context::Editor,
        "<BackTab>",
        "the first field: nothing before it",
    ),
    (
        Context::Log,
        "[",
        "the recorded task ran once: no other try",
    ),
];

#[test]
fn every_advertised_key_reaches_its_action_and_does_something() {
    let km = keymap();
    let mut problems = Vec::new();
    let mut did: Vec<(Context, String)> = Vec::new();
    let mut tried: Vec<(Context, String, String)> = Vec::new();
    for (ctx, what, base) in states(&km) {
        let contexts = base.contexts();
        assert!(
            contexts.contains(&ctx),
            "{what}: context {ctx:?} not active ({contexts:?})"
        );
        let shown: Vec<Key> = km.hints(&contexts).into_iter().map(|(k, _)| k).collect();
        for b in km.bindings(ctx) {
            // An earlier context may take the key (the flow editor's Tab walks its
            // sections, in the list it still moves to the next pane): what is checked
            // is that the key does something where its help is shown.
            if km.lookup(&contexts, b.key).is_none() {
                problems.push(format!("{what}: {} reaches no action", b.key));
                continue;
            }
            if b.action == Action::Quit {
                continue;
            }
            let mut s = base.clone();
            let before = format!("{s:?}");
            let fx = state::on_key(&mut s, &km, key(&b.key.to_string()));
            let after = format!("{s:?}");
            if !fx.is_empty() || before != after {
                did.push((ctx, b.key.to_string()));
            } else {
                tried.push((
                    ctx,
                    b.key.to_string(),
                    format!("{what}: `{}`", b.action.name()),
                ));
            }
        }
        for k in shown {
            if km.lookup(&contexts, k).is_none() {
                problems.push(format!("{what}: the hint names {k}, which is not bound"));
            }
        }
    }
    for (ctx, k, what) in tried {
        let quiet = QUIET.iter().any(|(c, q, _)| *c == ctx && *q == k);
        if !quiet && !did.contains(&(ctx, k.clone())) {
            problems.push(format!("{what} ({k}) does nothing"));
        }
    }
    problems.dedup();
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Keys named in a text: `F1`, `Ctrl-s` / `C-s`, `Esc`, `Enter`, `Tab`, as keymap keys.
fn named_keys(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || "()[],;:·\"'`".contains(c))
        .filter(|w| !w.is_empty())
        .collect();
    for w in words {
        let w = w.trim_end_matches(['.', '…']);
        if let Some(n) = w.strip_prefix('F') {
            if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) {
                out.push(format!("<F{n}>"));
            }
        } else if let Some(c) = w.strip_prefix("Ctrl-").or_else(|| w.strip_prefix("C-")) {
            if c.chars().count() == 1 {
                out.push(format!("<C-{}>", c.to_lowercase()));
            }
        } else if ["Esc", "Enter", "Tab"].contains(&w) {
            out.push(format!("<{w}>"));
        }
    }
    out
}

#[test]
fn every_key_named_in_help_placeholders_and_messages_is_bound() {
    let km = keymap();
    let mut texts: Vec<(String, String)> = Vec::new();
    for ctx in Context::ALL {
        for b in km.bindings(ctx) {
            texts.push((format!("help of {ctx:?}"), b.desc.clone()));
        }
    }
    let ed = flowdeck::state::view::options_editor::OptionsEditor::new(
        "",
        flowdeck::model::Mode::Python,
    );
    texts.push((
        "options editor placeholder".into(),
        ed.textarea().placeholder_text().to_string(),
    ));
    let problems = flowdeck::model::options::parse_options("retrys = 2\n", None)
        .expect_err("an unknown option");
    for p in problems {
        texts.push(("options problem".into(), p.message));
    }
    let mut seen_f1 = false;
    let mut unbound = Vec::new();
    for (where_, text) in &texts {
        for k in named_keys(text) {
            seen_f1 |= k == "<F1>";
            let key = Key::parse(&k).unwrap_or_else(|e| panic!("{where_}: {e}"));
            if !Context::ALL.iter().any(|c| km.action(*c, key).is_some()) {
                unbound.push(format!("{where_}: {k} in {text:?}"));
            }
        }
    }
    assert!(
        seen_f1,
        "the placeholder and the message name F1: {texts:#?}"
    );
    assert!(unbound.is_empty(), "{unbound:#?}");
}

#[test]
fn f1_in_the_options_editor_lists_the_options_and_enter_inserts_one() {
    let km = keymap();
    let mut s = options_editor(&km);
    press(&mut s, &km, "<F1>");
    let Some(Dialog::Flow(d)) = s.dialogs.last() else {
        panic!("no picker: {:?}", s.dialogs.last())
    };
    let FlowDialog::Pick(p) = &**d else {
        panic!("no picker: {d:?}")
    };
    // Name, type, Airflow's default and a line of doc.
    let retries = p
        .items
        .iter()
        .find(|i| i.label == "retries")
        .expect("retries is listed");
    assert_eq!(
        retries.detail,
        "int · default 0 — how many times a failed try is retried"
    );
    // A python task's list has no docker options.
    assert!(!p.items.iter().any(|i| i.label == "image"));
    for (w, h) in [(80, 24), (160, 48)] {
        let t = draw(&mut s, &km, w, h);
        insta::assert_snapshot!(format!("options_f1_list_{w}x{h}"), text(&t));
    }
    type_text(&mut s, &km, "pool_slots");
    press(&mut s, &km, "<Enter>");
    let Some(Dialog::Flow(d)) = s.dialogs.last() else {
        panic!("the options editor is gone")
    };
    let FlowDialog::Options(o) = &**d else {
        panic!("back in the options editor: {d:?}")
    };
    let text_after = o.editor.text();
    assert!(
        text_after.lines().any(|l| l == "pool_slots = 1"),
        "{text_after:?}"
    );
    assert!(o.editor.problems().is_empty(), "{:?}", o.editor.problems());
    // The task sets `retries` already: choosing it goes to that line, adds none.
    assert!(o.editor.text().contains("retries = 2"));
    press(&mut s, &km, "<F1>");
    type_text(&mut s, &km, "retries");
    press(&mut s, &km, "<Enter>");
    let Some(Dialog::Flow(d)) = s.dialogs.last() else {
        panic!("the options editor is gone")
    };
    let FlowDialog::Options(o) = &**d else {
        panic!("{d:?}")
    };
    assert_eq!(
        o.editor
            .text()
            .lines()
            .filter(|l| l.starts_with("retries"))
            .count(),
        1
    );
}

fn options_text(s: &State) -> String {
    match s.dialogs.last() {
        Some(Dialog::Flow(d)) => match &**d {
            FlowDialog::Options(o) => o.editor.text(),
            other => panic!("not the options editor: {other:?}"),
        },
        other => panic!("not the options editor: {other:?}"),
    }
}

#[test]
fn one_key_set_for_every_text_input() {
    let km = keymap();
    // The options editor: C-u deletes to the line's start, as in a one-line field (it
    // was undo there, and typing after it gave `retrys = retries = "two"`).
    let mut s = options_editor(&km);
    press(&mut s, &km, "<C-End>");
    press(&mut s, &km, "<Enter>");
    type_text(&mut s, &km, "retrys = 3");
    press(&mut s, &km, "<C-u>");
    type_text(&mut s, &km, "pool_slots = 2");
    let text = options_text(&s);
    assert!(text.lines().any(|l| l == "pool_slots = 2"), "{text:?}");
    assert!(!text.contains("retrys"), "{text:?}");
    // C-z undoes in both.
    press(&mut s, &km, "<C-z>");
    assert!(!options_text(&s).contains("pool_slots = 2"));

    // A one-line field: the same keys.
    let mut s = flows_pane(&km);
    press(&mut s, &km, "a");
    type_text(&mut s, &km, "daily sales");
    press(&mut s, &km, "<C-u>");
    type_text(&mut s, &km, "weekly");
    let Some(Dialog::Flow(d)) = s.dialogs.last() else {
        panic!("no prompt")
    };
    let FlowDialog::Text(p) = &**d else {
        panic!("{d:?}")
    };
    assert_eq!(p.field.text(), "weekly");
    press(&mut s, &km, "<C-z>");
    let Some(Dialog::Flow(d)) = s.dialogs.last() else {
        panic!("no prompt")
    };
    let FlowDialog::Text(p) = &**d else {
        panic!("{d:?}")
    };
    assert_ne!(p.field.text(), "weekly");
}

#[test]
fn hints_say_how_to_finish_a_text_of_several_lines() {
    let km = keymap();
    // One line: Enter is "ok".
    let s = text_prompt(&km);
    let hints = state::hints(&s, &km);
    assert!(
        hints
            .iter()
            .any(|(k, h)| k.to_string() == "<Enter>" && *h == "ok"),
        "{hints:?}"
    );
    // Several lines (the options editor): Enter breaks the line, C-s finishes.
    let s = options_editor(&km);
    let hints: Vec<(String, String)> = state::hints(&s, &km)
        .into_iter()
        .map(|(k, h)| (k.to_string(), h.to_string()))
        .collect();
    assert!(
        hints.contains(&("<Enter>".into(), "new line".into())),
        "{hints:?}"
    );
    assert!(
        hints.contains(&("<C-s>".into(), "done".into())),
        "{hints:?}"
    );
    // A function's description in the edit form is several lines too.
    let mut s = functions_pane(&km);
    press(&mut s, &km, "e");
    assert!(matches!(s.dialogs.last(), Some(Dialog::Edit(_))));
    press(&mut s, &km, "<Tab>");
    let hints: Vec<String> = state::hints(&s, &km)
        .into_iter()
        .map(|(k, h)| format!("{k} {h}"))
        .collect();
    assert!(hints.contains(&"<Enter> new line".to_string()), "{hints:?}");
    for (w, h) in [(80, 24), (160, 48)] {
        let t = draw(&mut s, &km, w, h);
        insta::assert_snapshot!(format!("edit_description_hints_{w}x{h}"), text(&t));
    }
}

#[test]
fn pickers_filter_letters_and_move_with_arrows_or_ctrl_n_p() {
    let km = keymap();
    let mut s = flow_editor(&km);
    press(&mut s, &km, "a");
    let picker = |s: &State| match s.dialogs.last() {
        Some(Dialog::Flow(d)) => match &**d {
            FlowDialog::Pick(p) => (p.filter.text(), p.nav.selected),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    };
    let (filter, start) = picker(&s);
    assert_eq!(filter, "");
    press(&mut s, &km, "<C-n>");
    assert_eq!(picker(&s).1, start + 1);
    press(&mut s, &km, "<C-p>");
    assert_eq!(picker(&s).1, start);
    // j and k are text here: they filter.
    press(&mut s, &km, "j");
    assert_eq!(picker(&s).0, "j");
}

fn screen(s: &mut State, km: &Keymap, w: u16, h: u16) -> String {
    text(&draw(s, km, w, h))
}

#[test]
fn messages_keep_the_hints_and_the_status_line_and_go_with_their_dialog() {
    let km = keymap();
    let mut s = options_editor(&km);
    // A message said inside the options editor…
    s.error("python3 refused the code: line 2: invalid syntax");
    for (w, h) in [(80, 24), (160, 48)] {
        let shown = screen(&mut s, &km, w, h);
        let rows: Vec<&str> = shown.lines().collect();
        // …shows on a row of its own: the hints and the Airflow/database line stay.
        assert!(shown.contains("python3 refused the code"), "{shown}");
        assert!(rows[rows.len() - 2].contains("<Esc>"), "{shown}");
        assert!(rows[rows.len() - 1].starts_with("Airflow "), "{shown}");
        insta::assert_snapshot!(format!("message_with_hints_{w}x{h}"), shown);
    }
    // …and goes when the editor closes without keeping the text.
    press(&mut s, &km, "<Esc>");
    if matches!(s.dialogs.last(), Some(Dialog::Confirm(_))) {
        press(&mut s, &km, "y");
    }
    assert!(s.dialogs.is_empty(), "{:?}", s.dialogs);
    let shown = screen(&mut s, &km, 80, 24);
    assert!(!shown.contains("python3 refused"), "{shown}");
    // A message said with no dialog open stays (until it expires).
    s.info("saved daily sales");
    press(&mut s, &km, "j");
    assert!(screen(&mut s, &km, 80, 24).contains("saved daily sales"));
    // Expired messages go.
    s.now += std::time::Duration::from_secs(60);
    assert!(s.status.current(s.now).is_none());
    // `:messages` lists them all, the expired and the dismissed ones too.
    press(&mut s, &km, ":");
    type_text(&mut s, &km, "messages");
    press(&mut s, &km, "<Enter>");
    let Some(Dialog::Message(m)) = s.dialogs.last() else {
        panic!("no message log: {:?}", s.dialogs.last())
    };
    assert!(m.title.starts_with("Messages"), "{}", m.title);
    assert!(m.body.contains("python3 refused the code"), "{}", m.body);
    assert!(m.body.contains("saved daily sales"), "{}", m.body);
}

fn top_flow_dialog(s: &State) -> &FlowDialog {
    match s.dialogs.last() {
        Some(Dialog::Flow(d)) => d,
        other => panic!("no flow dialog: {other:?}"),
    }
}

#[test]
fn esc_in_the_task_id_step_goes_back_to_the_function_picker() {
    let km = keymap();
    let mut s = flow_editor(&km);
    press(&mut s, &km, "a");
    type_text(&mut s, &km, "load");
    press(&mut s, &km, "<Enter>");
    assert!(matches!(top_flow_dialog(&s), FlowDialog::Text(_)));
    press(&mut s, &km, "<Esc>");
    assert!(
        matches!(top_flow_dialog(&s), FlowDialog::Pick(_)),
        "back one step"
    );
    press(&mut s, &km, "<Esc>");
    assert!(s.dialogs.is_empty());
}

#[test]
fn the_edge_picker_offers_only_edges_that_do_not_exist() {
    let km = keymap();
    let mut s = flow_editor(&km);
    // daily sales: extract → load and load → report exist.
    let spec = s.flows.editor.as_ref().expect("editor").spec.clone();
    let var = |id: &str| spec.var_of(id).to_string();
    let existing: Vec<(String, String)> = spec
        .edges
        .iter()
        .map(|e| (var(&e.from_task_id), var(&e.to_task_id)))
        .collect();
    assert!(!existing.is_empty());
    press(&mut s, &km, "<Tab>");
    assert_eq!(
        s.flows.editor.as_ref().map(|e| e.section),
        Some(Section::Edges)
    );
    press(&mut s, &km, "a");
    let FlowDialog::Pick(p) = top_flow_dialog(&s) else {
        panic!("no picker")
    };
    let from = existing[0].0.clone();
    let i = p
        .nav
        .visible
        .iter()
        .position(|&i| p.items[i].label == from)
        .expect("the first edge's source is offered");
    if let Some(Dialog::Flow(f)) = s.dialogs.last_mut() {
        if let FlowDialog::Pick(p) = &mut **f {
            p.nav.selected = i;
        }
    }
    press(&mut s, &km, "<Enter>");
    let FlowDialog::Pick(p) = top_flow_dialog(&s) else {
        panic!("no second picker")
    };
    let offered: Vec<&str> = p.items.iter().map(|i| i.label.as_str()).collect();
    for (f, t) in &existing {
        if *f == from {
            assert!(
                !offered.contains(&t.as_str()),
                "{f} → {t} exists: {offered:?}"
            );
        }
    }
    assert!(!offered.contains(&from.as_str()));
}

#[test]
fn the_help_lists_the_commands_aligned() {
    let km = keymap();
    let mut s = functions_pane(&km);
    press(&mut s, &km, "?");
    draw(&mut s, &km, 160, 48);
    press(&mut s, &km, "<End>");
    let shown = screen(&mut s, &km, 160, 48);
    // The column where each command's description starts.
    let starts: Vec<usize> = shown
        .lines()
        .filter_map(|l| {
            let at = l.find("  :")?;
            let rest = &l[at + 2..];
            let end = rest.find("  ")?;
            let after = &rest[end..];
            let desc = after.len() - after.trim_start().len();
            Some(rest[..end + desc].chars().count())
        })
        .collect();
    assert!(starts.len() >= 8, "{shown}");
    assert!(
        starts.windows(2).all(|w| w[0] == w[1]),
        "{starts:?}\n{shown}"
    );
    insta::assert_snapshot!("help_commands_160x48", shown);
}
