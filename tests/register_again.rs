//! Registering several functions of one file: the file read last is offered again
//! (Enter on the empty path), and the picker marks the functions already registered.

mod tui_common;

use flowdeck::python::FunctionInfo;
use flowdeck::state::dialog::{Dialog, RegisterStep};
use flowdeck::state::{Job, JobResult, State};
use std::path::PathBuf;
use tui_common::*;

fn info(name: &str, line: usize) -> FunctionInfo {
    FunctionInfo {
        name: name.into(),
        lineno: line,
        end_lineno: line + 2,
        is_async: false,
        decorators: Vec::new(),
        params: Vec::new(),
        doc: None,
        source: format!("def {name}():\n    pass\n"),
    }
}

/// Answers the inspect job of `fx` with the functions of the file.
fn answer_inspect(s: &mut State, fx: &[flowdeck::state::Effect], file: &str) {
    let km = keymap();
    let (id, job) = job_of(fx, |j| matches!(j, Job::Inspect { .. }));
    let Job::Inspect { path } = job else {
        unreachable!()
    };
    answer(
        s,
        &km,
        id,
        JobResult::Inspected {
            path,
            file: PathBuf::from(file),
            functions: Ok(vec![info("extract", 4), info("load", 11)]),
        },
    );
}

#[test]
fn the_last_file_is_offered_again_and_registered_functions_are_marked() {
    let km = keymap();
    // sample_function(0) is `extract`, from /home/ops/udf/etl.py.
    let mut s = state_with(3);
    let file = s
        .functions
        .rows
        .iter()
        .find(|r| r.function.name == "extract")
        .map(|r| r.function.source_path.clone())
        .expect("extract is registered");
    press(&mut s, &km, "1 a");
    type_text(&mut s, &km, &file);
    let fx = press(&mut s, &km, "<Enter>");
    answer_inspect(&mut s, &fx, &file);
    let Some(Dialog::Register(form)) = s.dialogs.last() else {
        panic!("no form")
    };
    assert_eq!(form.step, RegisterStep::Pick);
    let marks: Vec<(String, Option<String>)> = form
        .functions
        .iter()
        .map(|f| (f.name.clone(), f.registered_as.clone()))
        .collect();
    assert_eq!(
        marks,
        [
            ("extract".to_string(), Some("extract".to_string())),
            ("load".to_string(), None)
        ]
    );
    for (w, h) in [(80, 24), (160, 48)] {
        s.status.messages.clear();
        let t = draw(&mut s, &km, w, h);
        let screen = text(&t);
        assert!(screen.contains("registered as `extract`"), "{screen}");
        insta::assert_snapshot!(format!("register_marks_registered_{w}x{h}"), screen);
    }
    press(&mut s, &km, "<Esc> <Esc>");
    assert!(s.dialogs.is_empty(), "{:?}", s.dialogs);
    // The next `a`: Enter on the empty path reads the same file again.
    press(&mut s, &km, "a");
    let Some(Dialog::Register(form)) = s.dialogs.last() else {
        panic!("no form")
    };
    assert_eq!(form.path.text(), "");
    assert!(
        form.path.area.placeholder_text().contains(&file),
        "{}",
        form.path.area.placeholder_text()
    );
    let fx = press(&mut s, &km, "<Enter>");
    let (_, job) = job_of(&fx, |j| matches!(j, Job::Inspect { .. }));
    assert_eq!(job, Job::Inspect { path: file.clone() });
}

#[test]
fn space_marks_several_functions_and_enter_registers_them_all() {
    let km = keymap();
    let mut s = state_with(0);
    press(&mut s, &km, "1 a");
    type_text(&mut s, &km, "/srv/udf/etl.py");
    let fx = press(&mut s, &km, "<Enter>");
    answer_inspect(&mut s, &fx, "/srv/udf/etl.py");
    press(&mut s, &km, "<Space> <Space>");
    let Some(Dialog::Register(form)) = s.dialogs.last() else {
        panic!("no form")
    };
    assert_eq!(form.marked.len(), 2);
    for (w, h) in [(80, 24), (160, 48)] {
        s.status.messages.clear();
        let t = draw(&mut s, &km, w, h);
        let screen = text(&t);
        assert!(screen.contains("[x] extract()"), "{screen}");
        insta::assert_snapshot!(format!("register_marked_{w}x{h}"), screen);
    }
    let fx = press(&mut s, &km, "<Enter>");
    let registered: Vec<String> = jobs(&fx)
        .into_iter()
        .filter_map(|(_, j)| match j {
            Job::Register { function, .. } => Some(function),
            _ => None,
        })
        .collect();
    assert_eq!(registered, ["extract", "load"]);
    assert!(s.dialogs.is_empty());
}
