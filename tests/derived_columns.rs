//! Derived columns stay true: the Functions pane's "used by" count (and the delete
//! dialog that quotes it) follows flows saved and deleted in the database, through the
//! same watcher report (`app::store_watch::read_update`) the running TUI applies.

mod tui_common;

use flowdeck::app::store_watch::read_update;
use flowdeck::app::worker::{load_flows, load_library};
use flowdeck::model::document::{apply_document, parse_document};
use flowdeck::model::sample::{epoch, function};
use flowdeck::state::dialog::Dialog;
use flowdeck::state::{self, Event, State};
use flowdeck::store::{Base, Store};
use tui_common::*;

const FLOW: &str =
    "[flow]\nname = \"used by test\"\nschedule = \"@daily\"\nstart_date = \"2024-01-01\"\n\n\
[[tasks]]\nid = \"a\"\nfunction = \"extract\"\n[tasks.inputs]\nday = \"{{ ds }}\"\n\n\
[[tasks]]\nid = \"b\"\nfunction = \"extract\"\n[tasks.inputs]\nday = \"{{ ds }}\"\n";

/// What the watcher would report since `seen`, applied to the state.
fn watch(store: &Store, s: &mut State, seen: &mut u64) {
    let (update, generation) = read_update(store, *seen).expect("read changes");
    *seen = generation;
    state::on_event(s, &keymap(), Event::Store(Box::new(update)));
}

fn used_by(s: &State, name: &str) -> usize {
    s.functions
        .rows
        .iter()
        .find(|r| r.function.name == name)
        .map(|r| r.used)
        .expect("the function is listed")
}

fn delete_dialog_body(s: &mut State) -> String {
    s.functions.nav.selected = s
        .functions
        .rows
        .iter()
        .position(|r| r.function.name == "extract")
        .expect("listed");
    press(s, &keymap(), "1");
    press(s, &keymap(), "d");
    let body = match s.dialogs.last() {
        Some(Dialog::Confirm(c)) => c.body.clone(),
        other => panic!("expected the delete dialog, got {other:?}"),
    };
    press(s, &keymap(), "<Esc>");
    body
}

#[test]
fn used_by_follows_flows_saved_and_deleted_without_a_reload() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("t.redb")).expect("open");
    let mut extract = function("extract", &[("day", None)]);
    extract.id = "fn_extract".into();
    store.save_function(&extract, None).expect("function");

    let mut s = empty_state();
    s.functions.apply(load_library(&store).expect("library"));
    s.flows.apply(load_flows(&store).expect("flows"));
    let mut seen = store.generation().expect("generation");
    assert_eq!(used_by(&s, "extract"), 0);
    assert!(delete_dialog_body(&mut s).contains("No task uses it."));

    // A flow with two tasks of it is saved (by this process or any other).
    let fns = store.functions().expect("functions");
    let spec =
        apply_document(&parse_document(FLOW).expect("doc"), None, &fns, epoch()).expect("flow");
    store.save_flow(&spec, Base::Any).expect("save");
    watch(&store, &mut s, &mut seen);
    assert_eq!(used_by(&s, "extract"), 2);
    assert!(
        delete_dialog_body(&mut s).contains("2 tasks use it"),
        "the delete dialog quotes the fresh count"
    );

    // The flow is deleted: the count drops at once.
    store.delete_flow(&spec.flow.id, Base::Any).expect("delete");
    watch(&store, &mut s, &mut seen);
    assert_eq!(used_by(&s, "extract"), 0);
    assert!(delete_dialog_body(&mut s).contains("No task uses it."));
}
