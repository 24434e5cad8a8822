//! Key handling on the state alone: scripted key sequences, no terminal, no threads.
//! Jobs the state asks for are answered by hand, as the worker would.

mod tui_common;

use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use flowdeck::keymap::Keymap;
use flowdeck::model::{Param, ParamKind};
use flowdeck::python::FunctionInfo;
use flowdeck::state::dialog::{Dialog, RegisterStep};
use flowdeck::state::{self, AirflowHealth, Effect, Event, Job, JobResult, Pane, PromptKind};
use std::path::PathBuf;
use tui_common::*;

fn info(name: &str, params: &[&str], doc: Option<&str>) -> FunctionInfo {
    FunctionInfo {
        name: name.into(),
        lineno: 3,
        end_lineno: 5,
        is_async: false,
        decorators: vec![],
        params: params
            .iter()
            .map(|p| Param {
                name: p.to_string(),
                kind: ParamKind::PositionalOrKeyword,
                default: None,
                annotation: None,
            })
            .collect(),
        doc: doc.map(str::to_string),
        source: String::new(),
    }
}

fn selected_name(s: &state::State) -> String {
    s.functions
        .selected()
        .map(|r| r.function.name.clone())
        .unwrap_or_default()
}

#[test]
fn number_keys_and_tab_switch_panes() {
    let km = keymap();
    let mut s = state_with(3);
    assert_eq!(s.focus, Pane::Functions);
    press(&mut s, &km, "2");
    assert_eq!(s.focus, Pane::Flows);
    press(&mut s, &km, "3");
    assert_eq!(s.focus, Pane::Runs);
    press(&mut s, &km, "<Tab>");
    assert_eq!(s.focus, Pane::Functions);
    press(&mut s, &km, "<BackTab>");
    assert_eq!(s.focus, Pane::Runs);
    press(&mut s, &km, "1");
    assert_eq!(s.focus, Pane::Functions);
}

#[test]
fn vim_keys_arrows_and_paging_move_the_selection() {
    let km = keymap();
    let mut s = state_with(50);
    press(&mut s, &km, "j j <Down>");
    assert_eq!(s.functions.nav.selected, 3);
    press(&mut s, &km, "k");
    assert_eq!(s.functions.nav.selected, 2);
    press(&mut s, &km, "G");
    assert_eq!(s.functions.nav.selected, 49);
    press(&mut s, &km, "j");
    assert_eq!(s.functions.nav.selected, 49, "stops at the end");
    press(&mut s, &km, "g <PageDown>");
    // Without a drawn frame the page is 10 rows; after drawing it is the list's height.
    assert_eq!(s.functions.nav.selected, 10);
    draw(&mut s, &km, 80, 24);
    let rows = s
        .screen
        .list
        .map(|l| l.rows.height as usize)
        .unwrap_or_default();
    assert!(rows > 10, "{rows}");
    press(&mut s, &km, "<Home> <PageDown>");
    assert_eq!(s.functions.nav.selected, rows);
    press(&mut s, &km, "<End> <PageUp>");
    assert_eq!(s.functions.nav.selected, 49 - rows);
}

#[test]
fn slash_filters_the_focused_list_and_esc_clears_it() {
    let km = keymap();
    let mut s = state_with(60);
    press(&mut s, &km, "/");
    assert!(matches!(
        s.prompt.as_ref().map(|p| p.kind),
        Some(PromptKind::Filter)
    ));
    // While typing, letters are text: `q` does not quit, `j` does not move.
    type_text(&mut s, &km, "notify q");
    assert!(!s.quit);
    assert_eq!(s.functions.nav.filter, "notify q");
    assert_eq!(s.functions.nav.len(), 0);
    press(&mut s, &km, "<Backspace> <Backspace>");
    assert_eq!(s.functions.nav.len(), 10, "notify is every sixth of 60");
    assert_eq!(
        (s.functions.nav.selected, selected_name(&s)),
        (0, "notify".to_string()),
        "the first match is selected"
    );
    press(&mut s, &km, "<Enter>");
    assert!(s.prompt.is_none());
    assert_eq!(s.functions.nav.len(), 10, "Enter keeps the filter");
    press(&mut s, &km, "j");
    assert!(selected_name(&s).starts_with("notify"));
    press(&mut s, &km, "<Esc>");
    assert_eq!(s.functions.nav.len(), 60, "Esc clears it");
    // The flows list filters on its own.
    press(&mut s, &km, "2 / h o u r <Enter>");
    assert_eq!(s.flows.nav.len(), 1);
    assert_eq!(s.functions.nav.len(), 60);
}

#[test]
fn q_quits_at_once_when_nothing_is_unsaved() {
    let km = keymap();
    let mut s = state_with(3);
    let fx = press(&mut s, &km, "q");
    assert!(s.quit);
    assert!(fx.contains(&Effect::Quit));
}

#[test]
fn quitting_asks_when_a_form_has_text_and_no_keeps_the_form() {
    let km = keymap();
    let mut s = state_with(3);
    press(&mut s, &km, "a");
    type_text(&mut s, &km, "/tmp/etl.py");
    press(&mut s, &km, "<C-c>");
    assert!(!s.quit);
    assert!(matches!(s.dialogs.last(), Some(Dialog::Confirm(_))));
    press(&mut s, &km, "n");
    match s.dialogs.last() {
        Some(Dialog::Register(f)) => assert_eq!(f.path.text(), "/tmp/etl.py"),
        other => panic!("the form should still be there: {other:?}"),
    }
    // A pane can report unsaved work too.
    press(&mut s, &km, "<Esc>");
    s.set_dirty("flows", Some("flow `daily sales`".into()));
    press(&mut s, &km, "q");
    assert!(!s.quit);
    let fx = press(&mut s, &km, "y");
    assert!(s.quit && fx.contains(&Effect::Quit));
}

#[test]
fn registering_by_keys_asks_the_worker_step_by_step() {
    let km = keymap();
    let mut s = state_with(3);
    press(&mut s, &km, "a");
    type_text(&mut s, &km, "~/udf/et");
    let fx = press(&mut s, &km, "<Tab>");
    let (id, job) = job_of(&fx, |j| matches!(j, Job::CompletePath { .. }));
    assert_eq!(
        job,
        Job::CompletePath {
            input: "~/udf/et".into()
        }
    );
    answer(
        &mut s,
        &km,
        id,
        JobResult::Completions {
            input: "~/udf/et".into(),
            candidates: Ok(vec!["~/udf/etl.py".into()]),
        },
    );
    let fx = press(&mut s, &km, "<Enter>");
    let (id, job) = job_of(&fx, |j| matches!(j, Job::Inspect { .. }));
    assert_eq!(
        job,
        Job::Inspect {
            path: "~/udf/etl.py".into()
        }
    );
    // A spinner shows while python3 reads the file.
    assert_eq!(
        s.shown_job().map(|(j, _)| j.label.clone()),
        Some("reading the functions of ~/udf/etl.py".into())
    );
    answer(
        &mut s,
        &km,
        id,
        JobResult::Inspected {
            path: "~/udf/etl.py".into(),
            file: PathBuf::from("/home/ops/udf/etl.py"),
            functions: Ok(vec![
                info("extract", &["day"], Some("Read a day.")),
                info("load", &["rows"], None),
            ]),
        },
    );
    assert!(!s.jobs.contains_key(&id), "the wait is over");
    press(&mut s, &km, "j <Enter>");
    let Some(Dialog::Register(form)) = s.dialogs.last() else {
        panic!("no form")
    };
    assert_eq!(form.step, RegisterStep::Details);
    assert_eq!(form.name.text(), "load");
    // Name, then description; Ctrl-s registers.
    press(&mut s, &km, "<C-u>");
    type_text(&mut s, &km, "load_rows");
    press(&mut s, &km, "<Tab>");
    type_text(&mut s, &km, "Writes rows");
    let fx = press(&mut s, &km, "<C-s>");
    let (id, job) = job_of(&fx, |j| matches!(j, Job::Register { .. }));
    assert_eq!(
        job,
        Job::Register {
            file: PathBuf::from("/home/ops/udf/etl.py"),
            function: "load".into(),
            name: Some("load_rows".into()),
            description: Some("Writes rows".into()),
            reimport: false,
        }
    );
    let mut f = sample_function(1);
    f.id = "fn_new".into();
    f.name = "load_rows".into();
    let fx = answer(
        &mut s,
        &km,
        id,
        JobResult::Registered {
            result: Ok(f.clone()),
            reimport: false,
        },
    );
    assert!(s.dialogs.is_empty());
    assert!(s
        .status
        .current(s.now)
        .is_some_and(|m| m.text.contains("registered") && m.text.contains("`load_rows`")));
    let (id, _) = job_of(&fx, |j| matches!(j, Job::LoadLibrary));
    let mut lib = library(3);
    lib.functions.push(f);
    answer(&mut s, &km, id, JobResult::Library(Ok(lib)));
    assert_eq!(
        selected_name(&s),
        "load_rows",
        "the new function is selected"
    );
}

#[test]
fn registration_errors_stay_readable_in_the_form() {
    let km = keymap();
    let mut s = state_with(1);
    let fx = press(&mut s, &km, "<Enter>");
    assert!(jobs(&fx)
        .iter()
        .all(|(_, j)| !matches!(j, Job::Inspect { .. })));
    press(&mut s, &km, "a <Enter>");
    let Some(Dialog::Register(form)) = s.dialogs.last() else {
        panic!()
    };
    assert!(
        form.error
            .as_deref()
            .is_some_and(|e| e.contains("type the path")),
        "{:?}",
        form.error
    );
    type_text(&mut s, &km, "/nope.py");
    let fx = press(&mut s, &km, "<Enter>");
    let (id, _) = job_of(&fx, |j| matches!(j, Job::Inspect { .. }));
    let msg = "/nope.py: no such file; check the path".to_string();
    answer(
        &mut s,
        &km,
        id,
        JobResult::Inspected {
            path: "/nope.py".into(),
            file: "/nope.py".into(),
            functions: Err(msg.clone()),
        },
    );
    let Some(Dialog::Register(form)) = s.dialogs.last() else {
        panic!()
    };
    assert_eq!(form.step, RegisterStep::Path);
    assert_eq!(form.error.as_deref(), Some(msg.as_str()));
    // Typing clears the error.
    type_text(&mut s, &km, "x");
    let Some(Dialog::Register(form)) = s.dialogs.last() else {
        panic!()
    };
    assert!(form.error.is_none());
}

#[test]
fn delete_asks_first_enter_does_not_confirm_and_the_guard_names_the_flows() {
    let km = keymap();
    let mut s = state_with(3);
    press(&mut s, &km, "d");
    assert!(matches!(s.dialogs.last(), Some(Dialog::Confirm(_))));
    let fx = press(&mut s, &km, "<Enter>");
    assert!(jobs(&fx).is_empty(), "Enter must not delete");
    assert!(matches!(s.dialogs.last(), Some(Dialog::Confirm(_))));
    let name = selected_name(&s);
    let fx = press(&mut s, &km, "y");
    let (id, job) = job_of(&fx, |j| matches!(j, Job::DeleteFunction { .. }));
    assert_eq!(job, Job::DeleteFunction { name: name.clone() });
    let refused = format!("function `{name}` is used by task `extract` of flow `daily sales`; remove those tasks first");
    answer(
        &mut s,
        &km,
        id,
        JobResult::Deleted {
            name,
            result: Err(refused.clone()),
        },
    );
    match s.dialogs.last() {
        Some(Dialog::Message(m)) => {
            assert!(m.error);
            assert_eq!(m.body, refused);
        }
        other => panic!("{other:?}"),
    }
    press(&mut s, &km, "<Enter>");
    assert!(s.dialogs.is_empty());
}

#[test]
fn edit_saves_name_and_description() {
    let km = keymap();
    let mut s = state_with(3);
    let id = s
        .functions
        .selected()
        .map(|r| r.function.id.clone())
        .unwrap_or_default();
    press(&mut s, &km, "e <C-u>");
    type_text(&mut s, &km, "pull");
    press(&mut s, &km, "<Tab> <Enter>");
    type_text(&mut s, &km, "second line");
    let fx = press(&mut s, &km, "<C-s>");
    let (jid, job) = job_of(&fx, |j| matches!(j, Job::UpdateFunction { .. }));
    match job {
        Job::UpdateFunction {
            id: got,
            name,
            description,
            ..
        } => {
            assert_eq!(got, id);
            assert_eq!(name, "pull");
            assert!(description.ends_with("\nsecond line"), "{description:?}");
        }
        other => panic!("{other:?}"),
    }
    answer(
        &mut s,
        &km,
        jid,
        JobResult::Updated(Err(
            "a function named `pull` already exists; choose another name".into(),
        )),
    );
    let Some(Dialog::Edit(form)) = s.dialogs.last() else {
        panic!()
    };
    assert!(form
        .error
        .as_deref()
        .is_some_and(|e| e.contains("already exists")));
    // An empty name is refused before asking the database.
    press(&mut s, &km, "<BackTab> <C-u>");
    let fx = press(&mut s, &km, "<C-s>");
    assert!(jobs(&fx).is_empty());
}

#[test]
fn reimport_registers_again_from_the_source_file() {
    let km = keymap();
    let mut s = state_with(3);
    let f = s
        .functions
        .selected()
        .map(|r| r.function.clone())
        .unwrap_or_else(|| panic!());
    let fx = press(&mut s, &km, "i");
    let (_, job) = job_of(&fx, |j| matches!(j, Job::Register { .. }));
    assert_eq!(
        job,
        Job::Register {
            file: f.source_path.clone().into(),
            function: f.function.clone(),
            name: Some(f.name.clone()),
            description: None,
            reimport: true
        }
    );
}

#[test]
fn the_command_line_runs_commands_and_explains_mistakes() {
    let km = keymap();
    let mut s = state_with(3);
    press(&mut s, &km, ":");
    type_text(&mut s, &km, "flows");
    press(&mut s, &km, "<Enter>");
    assert_eq!(s.focus, Pane::Flows);
    press(&mut s, &km, ":");
    type_text(&mut s, &km, "functoin add x.py");
    press(&mut s, &km, "<Enter>");
    let err = s
        .prompt
        .as_ref()
        .and_then(|p| p.error.clone())
        .unwrap_or_default();
    assert!(err.contains("did you mean `function`?"), "{err}");
    press(&mut s, &km, "<Esc> :");
    type_text(&mut s, &km, "function add '/home/ops/udf/etl.py' load");
    let fx = press(&mut s, &km, "<Enter>");
    assert_eq!(s.focus, Pane::Functions);
    let (id, job) = job_of(&fx, |j| matches!(j, Job::Inspect { .. }));
    assert_eq!(
        job,
        Job::Inspect {
            path: "/home/ops/udf/etl.py".into()
        }
    );
    answer(
        &mut s,
        &km,
        id,
        JobResult::Inspected {
            path: "/home/ops/udf/etl.py".into(),
            file: "/home/ops/udf/etl.py".into(),
            functions: Ok(vec![
                info("extract", &[], None),
                info("load", &["rows"], None),
            ]),
        },
    );
    let Some(Dialog::Register(form)) = s.dialogs.last() else {
        panic!()
    };
    assert_eq!(
        form.step,
        RegisterStep::Details,
        "the named function is picked"
    );
    assert_eq!(form.name.text(), "load");
    press(&mut s, &km, "<Esc> <Esc> <Esc>");
    assert!(s.dialogs.is_empty());
    press(&mut s, &km, ":");
    type_text(&mut s, &km, "q");
    let fx = press(&mut s, &km, "<Enter>");
    assert!(fx.contains(&Effect::Quit));
}

#[test]
fn help_opens_scrolls_and_closes() {
    let km = keymap();
    let mut s = state_with(3);
    press(&mut s, &km, "?");
    assert!(s.help.is_some());
    draw(&mut s, &km, 80, 24);
    press(&mut s, &km, "j j j");
    draw(&mut s, &km, 80, 24);
    assert_eq!(s.help.as_ref().map(|h| h.scroll), Some(3));
    // Keys of the panes do nothing under the help.
    press(&mut s, &km, "2 a");
    assert_eq!(s.focus, Pane::Functions);
    assert!(s.dialogs.is_empty());
    press(&mut s, &km, "?");
    assert!(s.help.is_none());
    press(&mut s, &km, "? <Esc>");
    assert!(s.help.is_none());
}

#[test]
fn mouse_clicks_select_rows_and_switch_tabs_and_the_wheel_scrolls() {
    let km = keymap();
    let mut s = state_with(40);
    draw(&mut s, &km, 80, 24);
    let list = s.screen.list.unwrap_or_else(|| panic!("no list drawn"));
    let click = |x: u16, y: u16| {
        Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: x,
            row: y,
            modifiers: KeyModifiers::NONE,
        })
    };
    state::on_event(&mut s, &km, click(list.rows.x + 3, list.rows.y + 4));
    assert_eq!(s.functions.nav.selected, 4);
    // A second click on the selected row opens it.
    state::on_event(&mut s, &km, click(list.rows.x + 3, list.rows.y + 4));
    assert!(s.functions.detail);
    press(&mut s, &km, "<Esc>");
    let wheel = |kind| {
        Event::Mouse(MouseEvent {
            kind,
            column: list.rows.x + 3,
            row: list.rows.y + 1,
            modifiers: KeyModifiers::NONE,
        })
    };
    state::on_event(&mut s, &km, wheel(MouseEventKind::ScrollDown));
    assert_eq!(s.functions.nav.selected, 5);
    state::on_event(&mut s, &km, wheel(MouseEventKind::ScrollUp));
    assert_eq!(s.functions.nav.selected, 4);
    let (runs_tab, _) = s
        .screen
        .tabs
        .iter()
        .copied()
        .find(|(_, p)| *p == Pane::Runs)
        .unwrap_or_else(|| panic!());
    state::on_event(&mut s, &km, click(runs_tab.x + 1, runs_tab.y));
    assert_eq!(s.focus, Pane::Runs);
}

#[test]
fn user_keys_replace_the_defaults() {
    let overrides =
        toml::from_str("register = \"n\"\nquit = \"<C-q>\"").unwrap_or_else(|e| panic!("{e}"));
    let (km, warnings) = Keymap::with_overrides(&overrides);
    assert!(warnings.is_empty());
    let mut s = state_with(3);
    press(&mut s, &km, "q a");
    assert!(!s.quit && s.dialogs.is_empty());
    press(&mut s, &km, "n");
    assert!(matches!(s.dialogs.last(), Some(Dialog::Register(_))));
    press(&mut s, &km, "<Esc> <C-q>");
    assert!(s.quit);
}

#[test]
fn selecting_a_function_reads_its_source_once() {
    let km = keymap();
    let mut s = state_with(5);
    let fx = state::start(&mut s);
    let (id, job) = job_of(&fx, |j| matches!(j, Job::ReadSource { .. }));
    let Job::ReadSource { function } = job else {
        unreachable!()
    };
    // Asked once, not again while the answer is on its way.
    let fx = press(&mut s, &km, "?");
    assert!(jobs(&fx).is_empty());
    press(&mut s, &km, "<Esc>");
    answer(
        &mut s,
        &km,
        id,
        JobResult::Source {
            function_id: function.id.clone(),
            text: Ok("def x():\n\tpass\u{1b}[2J\n".into()),
            changed: true,
        },
    );
    let p = s.functions.preview.as_ref().unwrap_or_else(|| panic!());
    assert_eq!(
        p.lines.as_ref().ok().map(|l| l[1].clone()),
        Some("    pass\\u{1b}[2J".to_string()),
        "tabs expand, escapes show"
    );
    assert!(s.functions.is_changed(&function.id));
    let fx = press(&mut s, &km, "j");
    assert!(matches!(
        job_of(&fx, |j| matches!(j, Job::ReadSource { .. })).1,
        Job::ReadSource { .. }
    ));
}

#[test]
fn airflow_health_reaches_the_status_bar_state() {
    let km = keymap();
    let mut s = state_with(1);
    assert!(s.status.health.is_none());
    state::on_event(
        &mut s,
        &km,
        Event::AirflowHealth(AirflowHealth::Offline {
            reason: "connection refused".into(),
            retry_in: None,
        }),
    );
    assert!(matches!(
        s.status.health,
        Some((AirflowHealth::Offline { .. }, _))
    ));
}

/// Thousands of keys from the keymap and the keyboard, pseudo-random but repeatable,
/// with frames of several sizes in between: nothing may panic, and the selection
/// always stays inside the list.
#[test]
fn random_keys_never_break_the_state() {
    let km = keymap();
    let mut s = state_with(120);
    let mut keys: Vec<String> = flowdeck::keymap::Context::ALL
        .iter()
        .flat_map(|c| km.bindings(*c).iter().map(|b| b.key.to_string()))
        .filter(|k| k != "q" && k != "<C-c>")
        .collect();
    keys.extend(["x", "7", "<Backspace>", "<Delete>", "<Space>", "~", "/"].map(String::from));
    let mut seed: u64 = 0x5eed;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n
    };
    let sizes = [(80, 24), (160, 48), (100, 30), (40, 10)];
    for step in 0..4000 {
        let k = keys[next(keys.len())].clone();
        let fx = press(&mut s, &km, &k);
        // Answer some jobs as the worker would when a newer one replaced them.
        for (id, _) in jobs(&fx) {
            if next(2) == 0 {
                answer(&mut s, &km, id, JobResult::Superseded);
            }
        }
        if step % 7 == 0 {
            let (w, h) = sizes[next(sizes.len())];
            draw(&mut s, &km, w, h);
        }
        assert!(!s.quit, "quit without q at step {step} ({k})");
        for nav in [&s.functions.nav, &s.flows.nav] {
            assert!(
                nav.is_empty() || nav.selected < nav.len(),
                "selection out of the list at step {step} ({k})"
            );
        }
    }
}

/// The one rule for untrusted text holds in the TUI too: a name with a right-to-left
/// override, a zero-width space or a C1 control shows them as escapes, so it neither
/// displays reversed nor shifts the columns after it.
#[test]
fn bidi_zero_width_and_c1_characters_in_names_are_shown_as_escapes() {
    let km = keymap();
    let mut s = state_with(3);
    let mut data = flows();
    data.flows[1].name = "stock\u{202e}kcots \u{200b}x\u{9b}1m".into();
    s.flows.apply(data);
    press(&mut s, &km, "2");
    let t = text(&draw(&mut s, &km, 160, 24));
    assert!(t.contains("stock\\u{202e}kcots \\u{200b}"), "{t}");
    assert!(
        !t.chars().any(
            |c| flowdeck::model::text::needs_unicode_escape(c) || (c.is_control() && c != '\n')
        ),
        "{t}"
    );
}
