//! The team's screens, driven through `state` with scripted keys and drawn with
//! TestBackend: another process's change arriving (list column, editor banner, a clean
//! editor following), the question after a refused save and each of its answers, the
//! draft offered after a crash, and a draft being kept while typing.

mod tui_common;

use chrono::Utc;
use flowdeck::keymap::Keymap;
use flowdeck::model::sample::{daily_sales, etl_functions};
use flowdeck::model::{Actor, FlowSpec};
use flowdeck::state::event::{ConflictDetails, JobResult, SaveFailure};
use flowdeck::state::flow_editor::{Editor, OfferedDraft};
use flowdeck::state::{Event, FlowsData, Job, LibraryData, State, StoreUpdate};
use flowdeck::store::{Base, Change, Changed, Conflict, Draft};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tui_common::*;

fn base() -> (State, Keymap) {
    let km = keymap();
    let mut s = empty_state();
    s.team = flowdeck::state::team::TeamState::new(Actor::new("me", "bastion"), HashMap::new());
    s.functions.apply(LibraryData {
        functions: etl_functions(),
        usage: HashMap::new(),
    });
    s.flows.apply(FlowsData {
        flows: vec![daily_sales().flow],
        deploys: HashMap::new(),
    });
    press(&mut s, &km, "2");
    (s, km)
}

fn bob_saved(spec: &FlowSpec, seq: u64) -> Change {
    Change {
        seq,
        // A fixed wall-clock time keeps the snapshots stable.
        at: chrono::DateTime::parse_from_rfc3339("2026-11-30T10:02:00Z")
            .unwrap()
            .with_timezone(&Utc),
        by: Actor::new("bob", "bastion"),
        pid: 4242,
        what: Changed::FlowSaved {
            id: spec.flow.id.clone(),
            name: spec.flow.name.clone(),
            version: spec.flow.version,
        },
    }
}

fn store_event(
    s: &mut State,
    km: &Keymap,
    theirs: &FlowSpec,
    seq: u64,
) -> Vec<flowdeck::state::Effect> {
    let update = StoreUpdate {
        changes: vec![bob_saved(theirs, seq)],
        flows: vec![(
            theirs.flow.id.clone(),
            Some(theirs.flow.clone()),
            Vec::new(),
        )],
        ..StoreUpdate::default()
    };
    flowdeck::state::on_event(s, km, Event::Store(Box::new(update)))
}

fn snap(name: &str, s: &mut State, km: &Keymap, w: u16, h: u16) {
    let t = draw(s, km, w, h);
    insta::assert_snapshot!(name, text(&t));
}

fn open(s: &mut State, spec: FlowSpec) {
    let lib = s.functions.rows.clone();
    let mut ed = Editor::open(spec, false);
    ed.refresh_inputs(&lib);
    s.flows.editor = Some(ed);
}

/// v1 as both started from it, theirs (v2: a new schedule), mine (new tags).
fn versions() -> (FlowSpec, FlowSpec, FlowSpec) {
    let base = daily_sales();
    let mut theirs = base.clone();
    theirs.flow.version = 2;
    theirs.flow.schedule = "@hourly".into();
    let mut mine = base.clone();
    mine.flow.tags = vec!["team".into()];
    (base, theirs, mine)
}

fn conflict(base: &FlowSpec, theirs: &FlowSpec, mine: &FlowSpec) -> JobResult {
    let c = Conflict {
        kind: "flow",
        id: base.flow.id.clone(),
        name: base.flow.name.clone(),
        base: Some(1),
        theirs: Some(2),
        by: Actor::new("bob", "bastion"),
        at: bob_saved(theirs, 1).at.into(),
    };
    JobResult::FlowSaved(Err(SaveFailure::Conflict(Box::new(ConflictDetails {
        conflict: c,
        base: Some(base.clone()),
        theirs: Some(theirs.clone()),
        mine: mine.clone(),
    }))))
}

#[test]
fn another_process_s_save_shows_in_the_list_with_who_did_it() {
    let (mut s, km) = base();
    let mut theirs = daily_sales();
    theirs.flow.version = 2;
    theirs.flow.description = "changed by bob".into();
    store_event(&mut s, &km, &theirs, 1);
    assert_eq!(s.flows.rows[0].flow.version, 2);
    let wide = text(&draw(&mut s, &km, 160, 48));
    assert!(
        wide.contains("CHANGED") && wide.contains("saved v2 by bob@bastion"),
        "{wide}"
    );
    // Narrow: no column, a line under the list for the selected flow.
    let narrow = text(&draw(&mut s, &km, 80, 24));
    assert!(!narrow.contains("CHANGED"), "{narrow}");
    assert!(narrow.contains("saved v2 by bob@bastion"), "{narrow}");
}

#[test]
fn a_clean_editor_follows_and_a_dirty_one_is_warned() {
    let (mut s, km) = base();
    let (v1, theirs, _) = versions();
    open(&mut s, v1.clone());
    // No edits: the editor reloads their version.
    let fx = store_event(&mut s, &km, &theirs, 1);
    assert!(jobs(&fx)
        .iter()
        .any(|(_, j)| matches!(j, Job::LoadFlow { .. })));
    // With edits: a banner, nothing reloaded.
    open(&mut s, v1);
    press(&mut s, &km, "g j j j j j <Enter>");
    type_text(&mut s, &km, "team");
    press(&mut s, &km, "<Enter>");
    assert!(s.flows.editor.as_ref().unwrap().dirty);
    let fx = store_event(&mut s, &km, &theirs, 2);
    assert!(!jobs(&fx)
        .iter()
        .any(|(_, j)| matches!(j, Job::LoadFlow { .. })));
    let ed = s.flows.editor.as_ref().unwrap();
    assert!(ed
        .newer
        .as_deref()
        .unwrap()
        .contains("bob@bastion saved v2 at "));
    assert!(ed.newer.as_deref().unwrap().contains("while you edit v1"));
    s.status.messages.clear();
    snap("editor_newer_version_banner_160x48", &mut s, &km, 160, 48);
}

#[test]
fn a_refused_save_asks_and_each_answer_does_what_it_says() {
    let (mut s, km) = base();
    let (v1, theirs, mine) = versions();
    open(&mut s, v1);
    s.flows.editor.as_mut().unwrap().spec = mine.clone();
    s.flows.editor.as_mut().unwrap().touch();
    let id = flowdeck::state::JobId(999);
    answer(&mut s, &km, id, conflict(&daily_sales(), &theirs, &mine));
    s.status.messages.clear();
    snap("conflict_question_80x24", &mut s, &km, 80, 24);
    snap("conflict_question_160x48", &mut s, &km, 160, 48);

    // Their change: a diff of v1 → v2, and back to the question.
    press(&mut s, &km, "<Enter>");
    let screen = text(&draw(&mut s, &km, 120, 40));
    assert!(screen.contains("Their change: v1 → v2"), "{screen}");
    assert!(screen.contains("+ schedule = \"@hourly\""), "{screen}");
    press(&mut s, &km, "<Esc>");
    assert!(text(&draw(&mut s, &km, 120, 40)).contains("Someone else saved this flow"));

    // Merge: theirs plus my tags, in the editor, not saved.
    press(&mut s, &km, "j <Enter>");
    let ed = s.flows.editor.as_ref().unwrap();
    assert_eq!(ed.spec.flow.schedule, "@hourly");
    assert_eq!(ed.spec.flow.tags, vec!["team".to_string()]);
    assert_eq!(ed.original.flow.version, 2);
    assert_eq!(ed.base(), Base::Version(2));

    // Save mine anyway: a save over v2.
    answer(&mut s, &km, id, conflict(&daily_sales(), &theirs, &mine));
    let fx = press(&mut s, &km, "j j <Enter>");
    let saves: Vec<_> = jobs(&fx)
        .into_iter()
        .filter_map(|(_, j)| match j {
            Job::SaveFlow { spec, base, .. } => Some((spec, base)),
            _ => None,
        })
        .collect();
    assert_eq!(saves.len(), 1);
    assert_eq!(saves[0].1, Base::Version(2));
    assert_eq!(saves[0].0.flow.tags, vec!["team".to_string()]);

    // Keep editing: the question goes, the edits stay.
    answer(&mut s, &km, id, conflict(&daily_sales(), &theirs, &mine));
    let fx = press(&mut s, &km, "<Esc>");
    assert!(jobs(&fx).is_empty());
    assert!(s.dialogs.is_empty());
    assert!(s.flows.editor.as_ref().unwrap().dirty);
}

#[test]
fn a_draft_left_by_a_crash_is_offered_and_restored() {
    let (mut s, km) = base();
    let v1 = daily_sales();
    let mut edited = v1.clone();
    edited.flow.tags = vec!["unsaved".into()];
    let draft = Draft {
        flow_id: v1.flow.id.clone(),
        base_version: Some(1),
        spec: edited,
        options: None,
        changes: 3,
        saved_at: bob_saved(&v1, 1).at,
        by: Actor::new("me", "bastion"),
        pid: 1,
    };
    flowdeck::state::offer_drafts(
        &mut s,
        vec![OfferedDraft {
            draft,
            base: Some(v1),
        }],
    );
    snap("restore_draft_80x24", &mut s, &km, 80, 24);
    snap("restore_draft_160x48", &mut s, &km, 160, 48);
    let fx = press(&mut s, &km, "<Enter>");
    assert!(jobs(&fx)
        .iter()
        .any(|(_, j)| matches!(j, Job::DiscardDraft { .. })));
    let ed = s.flows.editor.as_ref().unwrap();
    assert!(ed.dirty);
    assert_eq!(ed.spec.flow.tags, vec!["unsaved".to_string()]);
    assert_eq!(ed.base(), Base::Version(1));
}

#[test]
fn edits_are_kept_as_a_draft_a_second_after_the_last_key() {
    let (mut s, km) = base();
    open(&mut s, daily_sales());
    press(&mut s, &km, "g j j j j j <Enter>");
    type_text(&mut s, &km, "team");
    press(&mut s, &km, "<Enter>");
    let t0 = Instant::now();
    s.set_now(t0);
    let tick = |s: &mut State, at: Instant| {
        s.set_now(at);
        jobs(&flowdeck::state::on_event(s, &km, Event::Tick))
            .into_iter()
            .filter(|(_, j)| matches!(j, Job::SaveDraft { .. }))
            .count()
    };
    assert_eq!(tick(&mut s, t0), 1, "the first change is kept at once");
    assert_eq!(
        tick(&mut s, t0 + Duration::from_millis(500)),
        0,
        "nothing new"
    );
    press(&mut s, &km, "<Enter> <C-u>");
    type_text(&mut s, &km, "ops");
    press(&mut s, &km, "<Enter>");
    assert_eq!(
        tick(&mut s, t0 + Duration::from_millis(600)),
        0,
        "debounced"
    );
    assert_eq!(tick(&mut s, t0 + Duration::from_millis(1100)), 1);
}
