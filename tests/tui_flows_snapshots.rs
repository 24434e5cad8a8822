//! What the Flows pane looks like: insta snapshots (TestBackend) of the list, the
//! editor's settings, tasks and inputs, the options editor with an error, the input
//! pickers, the graph of small and 50-task flows, and the diff shown before saving.

mod tui_common;

use flowdeck::keymap::Keymap;
use flowdeck::model::deploy::{DeployRecord, DeployState};
use flowdeck::model::sample::{daily_sales, epoch, etl_functions, large_flow};
use flowdeck::model::FlowSpec;
use flowdeck::state::dialog::Dialog;
use flowdeck::state::flow_editor::{DiffDialog, Editor, FlowDialog};
use flowdeck::state::view::diff::{DiffSummary, FlowDiff};
use flowdeck::state::{FlowsData, Job, JobResult, LibraryData, State};
use std::collections::HashMap;
use tui_common::*;

fn record(spec: &FlowSpec, state: DeployState, message: &str) -> DeployRecord {
    DeployRecord {
        flow_id: spec.flow.id.clone(),
        state,
        version: spec.flow.version,
        rendered_hash: None,
        rendered_at: None,
        since: epoch(),
        message: message.into(),
        error_task: (state == DeployState::ImportError).then(|| "load".to_string()),
        deployed_version: Some(spec.flow.version),
        by: None,
        environment: String::new(),
        commit: None,
    }
}

/// The etl library and flows in every deploy state.
fn base() -> (State, Keymap) {
    let km = keymap();
    let mut s = empty_state();
    s.functions.apply(LibraryData {
        functions: etl_functions(),
        usage: HashMap::new(),
    });
    let daily = daily_sales();
    let mut flows = vec![daily.flow.clone()];
    let mut deploys = HashMap::new();
    deploys.insert(
        daily.flow.id.clone(),
        vec![record(
            &daily,
            DeployState::Ready,
            "Airflow loaded version 1 in 1.4 s",
        )],
    );
    for (i, (name, schedule, st)) in [
        ("hourly stock", "@hourly", Some(DeployState::ImportError)),
        ("weekly report", "30 6 * * 1", Some(DeployState::Parsing)),
        ("ad hoc export", "", None),
    ]
    .into_iter()
    .enumerate()
    {
        let mut f = daily.flow.clone();
        f.id = format!("dag_00000000000000a{i}");
        f.name = name.into();
        f.schedule = schedule.into();
        let spec = FlowSpec {
            flow: f.clone(),
            tasks: vec![],
            edges: vec![],
        };
        if let Some(st) = st {
            deploys.insert(f.id.clone(), vec![record(&spec, st, "waiting for Airflow")]);
        }
        flows.push(f);
    }
    s.flows.apply(FlowsData { flows, deploys });
    let mut runs = HashMap::new();
    runs.insert(daily.flow.id.clone(), "success".to_string());
    runs.insert("dag_00000000000000a0".to_string(), "failed".to_string());
    s.flows.set_last_runs(runs);
    press(&mut s, &km, "2");
    (s, km)
}

fn open(s: &mut State, spec: FlowSpec) {
    let lib = s.functions.rows.clone();
    let mut ed = Editor::open(spec, false);
    ed.refresh_inputs(&lib);
    s.flows.editor = Some(ed);
}

fn snap(name: &str, s: &mut State, km: &Keymap, w: u16, h: u16) {
    s.status.messages.clear();
    let t = draw(s, km, w, h);
    insta::assert_snapshot!(name, text(&t));
}

#[test]
fn flows_list() {
    let (mut s, km) = base();
    snap("flows_list_120x30", &mut s, &km, 120, 30);
    snap("flows_list_80x24", &mut s, &km, 80, 24);
}

#[test]
fn new_flow_prompt_shows_the_id() {
    let (mut s, km) = base();
    press(&mut s, &km, "a");
    type_text(&mut s, &km, "daily sales");
    snap("new_flow_prompt_taken_name", &mut s, &km, 100, 24);
    type_text(&mut s, &km, " eu");
    snap("new_flow_prompt", &mut s, &km, 100, 24);
}

/// Name and schedule in one form: the schedule is read in words as it is typed, and
/// Enter on it opens the editor with both.
#[test]
fn new_flow_form_reads_the_schedule_as_it_is_typed() {
    let (mut s, km) = base();
    s.runs.clock = Some(
        chrono::DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
            .unwrap_or_else(|e| panic!("{e}"))
            .with_timezone(&chrono::Utc),
    );
    press(&mut s, &km, "a");
    type_text(&mut s, &km, "nightly load");
    press(&mut s, &km, "<Enter>");
    type_text(&mut s, &km, "0 2 * * 1-5");
    snap("new_flow_form_80x24", &mut s, &km, 80, 24);
    snap("new_flow_form_160x48", &mut s, &km, 160, 48);
    // A schedule that cannot fire keeps the form open, on the schedule, saying why.
    press(&mut s, &km, "<C-u>");
    type_text(&mut s, &km, "0 0 30 2 *");
    press(&mut s, &km, "<Enter>");
    assert!(s.flows.editor.is_none());
    snap("new_flow_form_error_80x24", &mut s, &km, 80, 24);
    press(&mut s, &km, "<C-u>");
    type_text(&mut s, &km, "@daily");
    press(&mut s, &km, "<Enter>");
    let ed = s
        .flows
        .editor
        .as_ref()
        .unwrap_or_else(|| panic!("the editor opens"));
    assert_eq!(ed.spec.flow.name, "nightly load");
    assert_eq!(ed.spec.flow.schedule, "@daily");
    assert!(s.dialogs.is_empty());
}

#[test]
fn editor_settings_and_schedule_prompt() {
    let (mut s, km) = base();
    open(&mut s, daily_sales());
    snap("editor_settings", &mut s, &km, 120, 30);
    press(&mut s, &km, "j j <Enter> <C-u>");
    type_text(&mut s, &km, "0 25 * * *");
    snap("schedule_prompt_error", &mut s, &km, 100, 24);
    // A fixed wall clock: the prompt shows the next runs after it.
    s.runs.clock = Some(
        chrono::DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc),
    );
    press(&mut s, &km, "<C-u>");
    type_text(&mut s, &km, "*/15 * * * *");
    snap("schedule_prompt_reading", &mut s, &km, 100, 24);
    // What Airflow accepts beyond plain cron, in words with the timezone.
    press(&mut s, &km, "<C-u>");
    type_text(&mut s, &km, "0 9 * * 1#1");
    snap("schedule_prompt_first_monday", &mut s, &km, 100, 24);
    // Accepted by Airflow, yet it would never run: refused as typed.
    press(&mut s, &km, "<C-u>");
    type_text(&mut s, &km, "0 0 30 2 *");
    snap("schedule_prompt_never_fires", &mut s, &km, 100, 24);
}

#[test]
fn editor_tasks_inputs_and_pickers() {
    let (mut s, km) = base();
    open(&mut s, daily_sales());
    press(&mut s, &km, "<Tab> j");
    snap("editor_tasks", &mut s, &km, 120, 30);
    press(&mut s, &km, "<Enter>");
    snap("editor_inputs", &mut s, &km, 120, 30);
    press(&mut s, &km, "<Enter>");
    snap("input_kind_picker", &mut s, &km, 100, 24);
    press(&mut s, &km, "<Down> <Enter>");
    snap("input_task_picker", &mut s, &km, 100, 24);
    press(&mut s, &km, "<Enter>");
    snap("input_key_prompt", &mut s, &km, 100, 24);
}

#[test]
fn add_task_picker_filters() {
    let (mut s, km) = base();
    open(&mut s, daily_sales());
    press(&mut s, &km, "<Tab> a");
    snap("add_task_picker", &mut s, &km, 100, 24);
    type_text(&mut s, &km, "loa");
    snap("add_task_picker_filtered", &mut s, &km, 100, 24);
}

#[test]
fn options_editor_with_an_error() {
    let (mut s, km) = base();
    open(&mut s, daily_sales());
    // `load` has no options of its own yet.
    press(&mut s, &km, "<Tab> j o");
    type_text(&mut s, &km, "retries = \"two\"");
    press(&mut s, &km, "<Enter>");
    type_text(&mut s, &km, "colour = 1");
    snap("options_editor_error", &mut s, &km, 100, 30);
    // The smallest and a large terminal: the dialog stays inside the pane's frame.
    snap("options_editor_error_80x24", &mut s, &km, 80, 24);
    snap("options_editor_error_160x48", &mut s, &km, 160, 48);
}

#[test]
fn graph_small_and_large() {
    let (mut s, km) = base();
    open(&mut s, daily_sales());
    press(&mut s, &km, "<Tab> <Tab> <Tab>");
    snap("graph_daily_sales", &mut s, &km, 120, 24);
    press(&mut s, &km, "<Right>");
    snap("graph_daily_sales_moved", &mut s, &km, 120, 24);
    open(&mut s, large_flow("fifty", 50));
    press(&mut s, &km, "<Tab> <Tab> <Tab>");
    snap("graph_50_tasks", &mut s, &km, 120, 30);
    for _ in 0..20 {
        press(&mut s, &km, "<Right>");
    }
    snap("graph_50_tasks_scrolled", &mut s, &km, 120, 30);
}

#[test]
fn import_error_highlights_the_task() {
    let (mut s, km) = base();
    let mut spec = daily_sales();
    spec.flow.id = "dag_00000000000000a0".into();
    spec.flow.name = "hourly stock".into();
    open(&mut s, spec);
    press(&mut s, &km, "<Tab>");
    snap("editor_import_error", &mut s, &km, 120, 30);
}

#[test]
fn diff_before_saving() {
    let (mut s, km) = base();
    let old = daily_sales();
    let mut new = old.clone();
    new.flow.schedule = "0 3 * * *".into();
    if let Some(t) = new.tasks.first_mut() {
        t.options = "retries = 3\nretry_delay = \"5m\"\n".into();
    }
    new.tasks.pop();
    new.edges.clear();
    let functions = etl_functions();
    let text = |spec: &FlowSpec| {
        flowdeck::model::document::render_document(&flowdeck::model::document::to_document(
            spec, &functions,
        ))
    };
    open(&mut s, new.clone());
    s.dialogs
        .push(Dialog::Flow(Box::new(FlowDialog::Diff(DiffDialog {
            diff: FlowDiff::new(&text(&old), &text(&new)),
            summary: DiffSummary::between(&old, &new),
            spec: new,
            against: "v1 (deployed)".into(),
            scroll: 0,
            starts_run: None,
        }))));
    snap("diff_before_saving", &mut s, &km, 120, 36);
}

#[test]
fn pickers_find_what_you_type() {
    let (mut s, km) = base();
    let mut functions = etl_functions();
    let mut transform = flowdeck::model::sample::function("transform", &[("rows", None)]);
    transform.id = "fn_transform".into();
    functions.push(transform);
    s.functions.apply(LibraryData {
        functions,
        usage: HashMap::new(),
    });
    open(&mut s, daily_sales());
    press(&mut s, &km, "<Tab> a");
    type_text(&mut s, &km, "tr");
    let Some(Dialog::Flow(d)) = s.dialogs.last() else {
        panic!("no picker")
    };
    let FlowDialog::Pick(p) = &**d else {
        panic!("{d:?}")
    };
    // `transform` starts with what was typed: first, and selected; `extract` only holds
    // it, so it comes after.
    let order: Vec<&str> = p
        .nav
        .visible
        .iter()
        .map(|&i| p.items[i].label.as_str())
        .collect();
    let t = order
        .iter()
        .position(|l| *l == "transform")
        .expect("listed");
    let e = order.iter().position(|l| *l == "extract").expect("listed");
    assert_eq!(t, 0, "{order:?}");
    assert!(t < e, "{order:?}");
    assert_eq!(p.chosen().map(|i| i.label.as_str()), Some("transform"));
    // The matched characters are highlighted (bold).
    let term = draw(&mut s, &km, 80, 24);
    let buf = term.backend().buffer();
    let row = (0..buf.area.height)
        .find(|&y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .contains("› transform")
        })
        .expect("the row of transform");
    let x = (0..buf.area.width)
        .find(|&x| buf[(x, row)].symbol() == "t" && buf[(x + 1, row)].symbol() == "r")
        .expect("its label");
    assert!(buf[(x, row)]
        .modifier
        .contains(ratatui::style::Modifier::BOLD));
    assert!(!buf[(x + 2, row)]
        .modifier
        .contains(ratatui::style::Modifier::BOLD));
    for (w, h) in [(80, 24), (160, 48)] {
        snap(&format!("picker_ranked_tr_{w}x{h}"), &mut s, &km, w, h);
    }
    // Enter takes it: the new task is a transform, not `extract_2`.
    press(&mut s, &km, "<Enter>");
    let Some(Dialog::Flow(d)) = s.dialogs.last() else {
        panic!("no prompt")
    };
    let FlowDialog::Text(p) = &**d else {
        panic!("{d:?}")
    };
    assert!(
        p.field.text().starts_with("transform"),
        "{}",
        p.field.text()
    );
}

/// The save of a new scheduled flow, as far as the diff dialog (the worker's answer to
/// the prepare job given by hand).
fn save_new_scheduled_flow(s: &mut State, km: &Keymap) {
    let mut spec = daily_sales();
    spec.flow.name = "nightly load".into();
    spec.flow.id = flowdeck::model::ids::flow_id_for("nightly load");
    for t in &mut spec.tasks {
        t.flow_id = spec.flow.id.clone();
    }
    for e in &mut spec.edges {
        e.flow_id = spec.flow.id.clone();
    }
    spec.flow.schedule = "0 2 * * *".into();
    spec.flow.unpause_on_deploy = true;
    open(s, spec.clone());
    if let Some(ed) = s.flows.editor.as_mut() {
        ed.is_new = true;
    }
    let fx = press(s, km, "<C-s>");
    assert!(
        fx.iter()
            .any(|e| matches!(e, flowdeck::state::Effect::Run(..))),
        "{:?} {:?}",
        s.dialogs.last(),
        s.status.messages.last()
    );
    let (id, _) = job_of(&fx, |j| matches!(j, Job::PrepareSave { .. }));
    answer(
        s,
        km,
        id,
        JobResult::SavePrepared(Ok(Box::new(flowdeck::state::event::Prepared {
            old_text: String::new(),
            new_text: "[flow]\n".into(),
            old_spec: spec.clone(),
            spec,
            against: "nothing deployed yet".into(),
            problems: Vec::new(),
        }))),
    );
}

#[test]
fn saving_a_scheduled_flow_says_a_run_will_start_and_offers_to_deploy_paused() {
    let (mut s, km) = base();
    save_new_scheduled_flow(&mut s, &km);
    let Some(Dialog::Flow(d)) = s.dialogs.last() else {
        panic!("no save dialog: {:?}", s.dialogs.last())
    };
    let FlowDialog::Diff(dd) = &**d else {
        panic!("{d:?}")
    };
    let sentence = dd.starts_run.clone().expect("the run it starts is named");
    assert!(
        sentence.contains("Airflow will start the latest `0 2 * * *` run right away"),
        "{sentence}"
    );
    for (w, h) in [(80, 24), (160, 48)] {
        s.status.messages.clear();
        let t = draw(&mut s, &km, w, h);
        let screen = text(&t);
        assert!(screen.contains("deploy paused"), "{screen}");
        insta::assert_snapshot!(format!("save_starts_a_run_{w}x{h}"), screen);
    }
    // p deploys it paused: the stored flow does not unpause.
    let fx = press(&mut s, &km, "p");
    let (_, job) = job_of(&fx, |j| matches!(j, Job::SaveFlow { .. }));
    let Job::SaveFlow { spec, .. } = job else {
        unreachable!()
    };
    assert!(!spec.flow.unpause_on_deploy);
    // y deploys as set (unpaused).
    let (mut s, km) = base();
    save_new_scheduled_flow(&mut s, &km);
    let fx = press(&mut s, &km, "y");
    let (_, job) = job_of(&fx, |j| matches!(j, Job::SaveFlow { .. }));
    let Job::SaveFlow { spec, .. } = job else {
        unreachable!()
    };
    assert!(spec.flow.unpause_on_deploy);
}

#[test]
fn a_manual_flow_starts_no_run_so_the_save_dialog_says_nothing() {
    let (mut s, km) = base();
    let mut spec = daily_sales();
    spec.flow.schedule = String::new();
    open(&mut s, spec.clone());
    let fx = press(&mut s, &km, "<C-s>");
    let (id, _) = job_of(&fx, |j| matches!(j, Job::PrepareSave { .. }));
    answer(
        &mut s,
        &km,
        id,
        JobResult::SavePrepared(Ok(Box::new(flowdeck::state::event::Prepared {
            old_text: String::new(),
            new_text: String::new(),
            old_spec: spec.clone(),
            spec,
            against: "nothing deployed yet".into(),
            problems: Vec::new(),
        }))),
    );
    let Some(Dialog::Flow(d)) = s.dialogs.last() else {
        panic!("no save dialog")
    };
    let FlowDialog::Diff(dd) = &**d else {
        panic!("{d:?}")
    };
    assert_eq!(dd.starts_run, None);
}

#[test]
fn the_name_column_is_sized_to_the_names_when_schedules_are_short() {
    let (mut s, km) = base();
    let mut f = daily_sales().flow;
    f.id = "dag_00000000000000b1".into();
    f.name = "quarterly revenue reconciliation for the EMEA region".into();
    f.schedule = String::new();
    let mut flows: Vec<_> = s.flows.rows.iter().map(|r| r.flow.clone()).collect();
    flows.push(f.clone());
    s.flows.apply(FlowsData {
        flows,
        deploys: HashMap::new(),
    });
    for (w, h) in [(160, 48), (80, 24)] {
        s.status.messages.clear();
        let t = draw(&mut s, &km, w, h);
        let screen = text(&t);
        if w == 160 {
            assert!(screen.contains(&f.name), "{screen}");
        }
        insta::assert_snapshot!(format!("flows_long_name_{w}x{h}"), screen);
    }
}

/// An empty literal is no value: for `limit=100` the input goes and the function's
/// default applies; for `day`, which has no default, it is refused with one line.
#[test]
fn an_empty_literal_is_unset_not_an_empty_string() {
    let (mut s, km) = base();
    open(&mut s, daily_sales());
    let limit = |s: &State| {
        s.flows
            .editor
            .as_ref()
            .and_then(|e| e.spec.task_by_var("extract"))
            .and_then(|t| t.inputs.get("limit").cloned())
    };
    assert!(limit(&s).is_some());
    // extract's inputs: day, limit, region.
    press(&mut s, &km, "<Tab> <Enter> j <Enter>");
    type_text(&mut s, &km, "literal");
    press(&mut s, &km, "<Enter> <C-u>");
    let Some(Dialog::Flow(d)) = s.dialogs.last() else {
        panic!("the literal prompt")
    };
    let FlowDialog::Text(p) = &**d else {
        panic!("the literal prompt, not {d:?}")
    };
    assert_eq!(
        p.check.as_deref(),
        Ok("empty: no value, the function's default 100 applies (\"\" for an empty string)")
    );
    snap("empty_literal_80x24", &mut s, &km, 80, 24);
    snap("empty_literal_160x48", &mut s, &km, 160, 48);
    press(&mut s, &km, "<Enter>");
    assert!(s.dialogs.is_empty(), "{:?}", s.dialogs);
    assert_eq!(limit(&s), None, "the input is gone, not \"\"");

    // `day` has no default: refused, the prompt stays.
    press(&mut s, &km, "k <Enter>");
    type_text(&mut s, &km, "literal");
    press(&mut s, &km, "<Enter> <C-u> <Enter>");
    let Some(Dialog::Flow(d)) = s.dialogs.last() else {
        panic!("the literal prompt stays")
    };
    let FlowDialog::Text(p) = &**d else {
        panic!("the literal prompt, not {d:?}")
    };
    assert_eq!(
        p.check.as_ref().map_err(String::as_str),
        Err("`day` has no default: type a value (\"\" for an empty string)")
    );
}

/// Quitting with unsaved flow edits: the question lists them and offers to save first;
/// `s` runs the usual save (its diff, `y`) and flowdeck quits once the DAG file is
/// written. Esc on the diff keeps flowdeck open with the edits.
#[test]
fn quit_offers_save_and_quit_for_flow_edits() {
    let (mut s, km) = base();
    let spec = daily_sales();
    open(&mut s, spec.clone());
    if let Some(ed) = s.flows.editor.as_mut() {
        ed.spec.flow.description = "changed".into();
        ed.touch();
    }
    // (After any event the state knows the editor holds edits.)
    flowdeck::state::on_event(&mut s, &km, flowdeck::state::Event::Tick);
    press(&mut s, &km, "q");
    let Some(Dialog::Confirm(c)) = s.dialogs.last() else {
        panic!("the quit question: {:?}", s.dialogs.last())
    };
    assert_eq!(
        c.body,
        "Not saved: edits to flow `daily sales`.\nQuitting now throws that away."
    );
    snap("quit_save_first_80x24", &mut s, &km, 80, 24);
    snap("quit_save_first_160x48", &mut s, &km, 160, 48);

    let prepared = |spec: &FlowSpec| {
        JobResult::SavePrepared(Ok(Box::new(flowdeck::state::event::Prepared {
            old_text: "[flow]\n".into(),
            new_text: "[flow]\ndescription = \"changed\"\n".into(),
            old_spec: spec.clone(),
            spec: spec.clone(),
            against: "v1 (deployed)".into(),
            problems: Vec::new(),
        })))
    };
    // Esc on the diff: nothing saved, still running, and a later save does not quit.
    let fx = press(&mut s, &km, "s");
    let (id, _) = job_of(&fx, |j| matches!(j, Job::PrepareSave { .. }));
    answer(&mut s, &km, id, prepared(&spec));
    press(&mut s, &km, "<Esc>");
    assert!(!s.quit && s.flows.quit_after_save.is_none());

    // s, then y on the diff: saved, deployed, and flowdeck quits when the file is written.
    press(&mut s, &km, "q");
    let fx = press(&mut s, &km, "s");
    let (id, _) = job_of(&fx, |j| matches!(j, Job::PrepareSave { .. }));
    answer(&mut s, &km, id, prepared(&spec));
    let fx = press(&mut s, &km, "y");
    let (id, _) = job_of(&fx, |j| matches!(j, Job::SaveFlow { .. }));
    assert!(!s.quit);
    let mut stored = spec.clone();
    stored.flow.version = 2;
    let fx = answer(
        &mut s,
        &km,
        id,
        JobResult::FlowSaved(Ok(Box::new(flowdeck::store::SaveOutcome {
            spec: stored.clone(),
            changed: true,
            created: false,
        }))),
    );
    job_of(&fx, |j| matches!(j, Job::Deploy { .. }));
    assert!(!s.quit, "not before the file is written");
    let written = record(&stored, DeployState::Rendered, "");
    let fx = flowdeck::state::on_event(
        &mut s,
        &km,
        flowdeck::state::Event::Deploy(Box::new(written)),
    );
    assert!(s.quit);
    assert!(fx.contains(&flowdeck::state::Effect::Quit));
}

#[test]
fn several_environments_show_each_state_and_when_it_was_seen() {
    let (mut s, km) = base();
    // The daily flow is ready in dev (this TUI's environment) and prod.
    let daily = daily_sales();
    let mut prod = record(
        &daily,
        DeployState::Ready,
        "Airflow loaded version 1 in 2.0 s",
    );
    prod.environment = "prod".into();
    let mut dev = record(
        &daily,
        DeployState::Ready,
        "Airflow loaded version 1 in 1.4 s",
    );
    dev.environment = "dev".into();
    s.flows.environments = flowdeck::state::flows::EnvironmentView {
        current: "dev".into(),
        all: vec!["dev".into(), "staging".into(), "prod".into()],
    };
    let mut flows = vec![daily.flow.clone()];
    let mut other = daily.flow.clone();
    other.id = "dag_00000000000000b1".into();
    other.name = "hourly stock".into();
    flows.push(other);
    let mut deploys = HashMap::new();
    deploys.insert(daily.flow.id.clone(), vec![dev, prod]);
    s.flows.apply(FlowsData { flows, deploys });
    snap("environments_flows_list_160x48", &mut s, &km, 160, 48);

    // Airflow does not answer: the stored states say when they were seen.
    let fx = flowdeck::state::on_event(
        &mut s,
        &km,
        flowdeck::state::Event::AirflowHealth(flowdeck::state::AirflowHealth::Offline {
            reason: "connection refused".into(),
            retry_in: Some(std::time::Duration::from_secs(4)),
        }),
    );
    drop(fx);
    let t = text(&draw(&mut s, &km, 160, 48));
    assert!(t.contains("dev v1 ready · prod v1 ready (as of "), "{t}");
}
