//! The Flows pane by keys alone: PRODUCT.md's "daily sales" flow is built from an empty
//! database (two functions registered first), saved through the diff, stored and its
//! DAG file written. Jobs run through the real worker code (`app::worker::execute`) on a
//! temporary database, so what the keys build is what the database holds.

mod tui_common;

use flowdeck::app::worker::{self, Context};
use flowdeck::deploy::Deployer;
use flowdeck::keymap::Keymap;
use flowdeck::library::{self, Registration};
use flowdeck::model::deploy::DeployState;
use flowdeck::model::ids::flow_id_for;
use flowdeck::model::options::parse_options;
use flowdeck::model::{Input, Literal, StrKind};
use flowdeck::python::Python;
use flowdeck::render::{RenderConfig, Renderer, DEFAULT_LIBRARY_PACKAGE};
use flowdeck::state::dialog::Dialog;
use flowdeck::state::flow_editor::{FlowDialog, Section};
use flowdeck::state::{Effect, Job, JobResult, Pane, State};
use flowdeck::store::Store;
use std::sync::Arc;
use tui_common::*;

struct Harness {
    _dir: tempfile::TempDir,
    ctx: Context,
    state: State,
    km: Keymap,
}

const ETL: &str = "def extract(day, limit=100):\n    \"\"\"Read one day of sales.\"\"\"\n    return [{\"day\": day}]\n\n\ndef load(rows, total=0):\n    return len(rows)\n";

fn python_ok() -> bool {
    std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

impl Harness {
    fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store =
            Arc::new(Store::open(&dir.path().join("db.redb")).unwrap_or_else(|e| panic!("{e}")));
        let dags = dir.path().join("dags");
        let library = dags.join(DEFAULT_LIBRARY_PACKAGE);
        let python = Python::new("python3");
        let renderer = Renderer::new(&RenderConfig {
            templates_dir: None,
            library_package: DEFAULT_LIBRARY_PACKAGE.into(),
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let deployer = Arc::new(Deployer::new(
            store.clone(),
            renderer,
            dags.clone(),
            DEFAULT_LIBRARY_PACKAGE.into(),
            None,
            "default".into(),
        ));
        let ctx = Context {
            store,
            python,
            library,
            deployer,
            environments: Vec::new(),
        };
        let mut h = Harness {
            _dir: dir,
            ctx,
            state: empty_state(),
            km: keymap(),
        };
        let fx = flowdeck::state::start(&mut h.state);
        h.run(fx);
        let fx = press(&mut h.state, &h.km, "<C-r>");
        h.run(fx);
        h
    }

    fn register_etl(&mut self) {
        let file = self._dir.path().join("etl.py");
        std::fs::write(&file, ETL).unwrap_or_else(|e| panic!("{e}"));
        for f in ["extract", "load"] {
            library::register(
                &self.ctx.store,
                &self.ctx.python,
                &self.ctx.library,
                &Registration {
                    file: &file,
                    function: f,
                    name: None,
                    description: None,
                },
            )
            .unwrap_or_else(|e| panic!("{e}"));
        }
        let fx = press(&mut self.state, &self.km, "<C-r>");
        self.run(fx);
    }

    /// Answers every job the effects ask for (and the jobs those answers ask for), as
    /// the app would. Deploys write the DAG file (no Airflow here).
    fn run(&mut self, mut fx: Vec<Effect>) {
        for _ in 0..50 {
            let pending = jobs(&fx);
            if pending.is_empty() {
                return;
            }
            fx = Vec::new();
            for (id, job) in pending {
                let result = match &job {
                    Job::Deploy { flow_id } => JobResult::Deployed {
                        flow_id: flow_id.clone(),
                        result: self
                            .ctx
                            .deployer
                            .write(flow_id)
                            .map(|w| w.record)
                            .map_err(|e| e.to_string()),
                    },
                    Job::DeployPending => JobResult::DeployedPending(Ok(vec![])),
                    // The app deploys a promotion with the target environment's
                    // deployer: here a second dags folder named after it.
                    Job::Promote {
                        to,
                        flow_id,
                        version,
                    } => {
                        let renderer = Renderer::new(&RenderConfig {
                            templates_dir: None,
                            library_package: DEFAULT_LIBRARY_PACKAGE.into(),
                        })
                        .unwrap_or_else(|e| panic!("{e}"))
                        .owned_by(self.ctx.store.database_id());
                        let target = Deployer::new(
                            self.ctx.store.clone(),
                            renderer,
                            self._dir.path().join(format!("{to}-dags")),
                            DEFAULT_LIBRARY_PACKAGE.into(),
                            None,
                            to.clone(),
                        );
                        let spec = self
                            .ctx
                            .store
                            .revision(flow_id, *version)
                            .ok()
                            .flatten()
                            .unwrap_or_else(|| unreachable!())
                            .spec;
                        JobResult::Promoted {
                            to: to.clone(),
                            result: target
                                .write_spec(&spec)
                                .map(|w| w.record)
                                .map_err(|e| e.to_string()),
                        }
                    }
                    other => worker::execute(&self.ctx, other),
                };
                fx.extend(answer(&mut self.state, &self.km, id, result));
            }
        }
        panic!("jobs kept asking for more jobs");
    }

    /// Presses keys one at a time, answering the jobs each asks for before the next
    /// key (as a user waits for the screen).
    fn keys(&mut self, keys: &str) {
        for k in keys.split_whitespace() {
            let fx = press(&mut self.state, &self.km, k);
            self.run(fx);
        }
    }

    /// A new flow "nightly" with one extract task (day from a template), saved and
    /// its DAG file written, by keys from the Functions pane.
    fn save_nightly(&mut self) {
        self.keys("2 a");
        self.typed("nightly");
        self.keys("<Enter> <Enter> a");
        self.typed("extract");
        self.keys("<Enter> <Enter> <Enter> <Enter>");
        self.typed("templ");
        self.keys("<Enter> <Enter> <Esc> <C-s> y <Esc>");
    }

    fn typed(&mut self, text: &str) {
        let fx = type_text(&mut self.state, &self.km, text);
        self.run(fx);
    }

    fn top(&self) -> Option<&FlowDialog> {
        match self.state.dialogs.last() {
            Some(Dialog::Flow(d)) => Some(d),
            _ => None,
        }
    }

    fn screen(&mut self) -> String {
        text(&draw(&mut self.state, &self.km, 120, 36))
    }
}

#[test]
fn daily_sales_is_built_saved_and_rendered_by_keys_alone() {
    if !python_ok() {
        eprintln!("skipped: python3 is needed to register functions");
        return;
    }
    let mut h = Harness::new();
    h.register_etl();
    assert_eq!(h.state.functions.rows.len(), 2);

    // A new flow: the id from the name is shown while typing.
    h.keys("2 a");
    h.typed("daily sales");
    let screen = h.screen();
    assert!(screen.contains(&flow_id_for("daily sales")), "{screen}");
    // Enter goes on to the schedule, read in words as it is typed; Enter opens the editor.
    h.keys("<Enter>");
    assert!(h.state.flows.editor.is_none());
    h.typed("0 2 * * *");
    let screen = h.screen();
    assert!(screen.contains("every day at 02:00 UTC"), "{screen}");
    h.keys("<Enter>");
    assert!(h.state.flows.editor.is_some());
    assert!(h.state.unsaved().iter().any(|u| u.contains("daily sales")));

    // Two tasks from the library, picked by filtering.
    h.keys("a");
    h.typed("extract");
    h.keys("<Enter>");
    match h.top() {
        Some(FlowDialog::Text(p)) => assert_eq!(p.field.text(), "extract"),
        other => panic!("expected the task id prompt, got {other:?}"),
    }
    h.keys("<Enter> a");
    h.typed("load");
    h.keys("<Enter> <Enter>");
    let ed = h
        .state
        .flows
        .editor
        .as_ref()
        .unwrap_or_else(|| unreachable!());
    let vars: Vec<&str> = ed
        .spec
        .tasks
        .iter()
        .map(|t| t.variable_id.as_str())
        .collect();
    assert_eq!(vars, ["extract", "load"]);
    assert_eq!(
        ed.selected_task().map(|t| t.variable_id.as_str()),
        Some("load")
    );

    // load.rows ← extract's output: Enter (inputs), Enter (rows), "upstream output",
    // the only other task, no key.
    h.keys("<Enter>");
    assert_eq!(
        h.state.flows.editor.as_ref().map(|e| e.section),
        Some(Section::Inputs)
    );
    h.keys("<Enter> <Down> <Enter> <Enter> <Enter>");
    let ed = h
        .state
        .flows
        .editor
        .as_ref()
        .unwrap_or_else(|| unreachable!());
    let load = ed
        .spec
        .task_by_var("load")
        .unwrap_or_else(|| unreachable!());
    let extract_id = ed.spec.task_by_var("extract").map(|t| t.id.clone());
    assert_eq!(
        load.inputs.get("rows"),
        Some(&Input::Task {
            task: extract_id.clone().unwrap_or_default(),
            key: None
        })
    );
    assert_eq!(ed.spec.edges.len(), 1, "wiring added the edge");

    // extract.day ← {{ ds }} (a template), then retries = 2 in its options editor.
    h.keys("<Esc> k <Enter> <Enter>");
    h.typed("templ");
    h.keys("<Enter> <Enter>");
    // `t` switches the input between template and text; the editor labels it.
    let day_kind = |h: &Harness| {
        h.state
            .flows
            .editor
            .as_ref()
            .and_then(|e| e.spec.task_by_var("extract"))
            .and_then(|t| t.inputs.get("day").cloned())
    };
    let day = |strings| {
        Some(Input::Value {
            value: Literal::Str("{{ ds }}".into()),
            strings,
        })
    };
    assert_eq!(day_kind(&h), day(StrKind::Template));
    h.keys("t");
    assert_eq!(day_kind(&h), day(StrKind::Text));
    let screen = h.screen();
    assert!(screen.contains("text {{ ds }}"), "{screen}");
    h.keys("t");
    assert_eq!(day_kind(&h), day(StrKind::Template));
    assert!(h.screen().contains("template {{ ds }}"));
    h.keys("<Esc> o");
    assert!(matches!(h.top(), Some(FlowDialog::Options(_))));
    h.typed("retries = two");
    let screen = h.screen();
    assert!(
        screen.contains("line 1"),
        "the error is shown inline:\n{screen}"
    );
    h.keys("<C-s>");
    assert!(
        matches!(h.top(), Some(FlowDialog::Options(_))),
        "an error keeps the editor open"
    );
    for _ in 0.."two".len() {
        h.keys("<Backspace>");
    }
    h.typed("2");
    h.keys("<C-s>");
    assert!(h.top().is_none());

    // The schedule, checked and read as typed.
    h.keys("<BackTab> j j <Enter> <C-u>");
    h.typed("0 2 * * *");
    let screen = h.screen();
    assert!(screen.contains("02:00"), "{screen}");
    h.keys("<Enter>");

    // Ctrl-s: the diff against nothing deployed, y to save, then the DAG file.
    h.keys("<C-s>");
    match h.top() {
        Some(FlowDialog::Diff(d)) => {
            assert!(d.diff.added > 0);
            assert_eq!(d.against, "nothing deployed yet");
        }
        other => panic!("expected the diff, got {other:?}"),
    }
    h.keys("y");
    assert!(h.top().is_none(), "{:?}", h.state.dialogs);

    let id = flow_id_for("daily sales");
    let spec = h
        .ctx
        .store
        .flow(&id)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("the flow was not stored"));
    assert_eq!(spec.flow.version, 1);
    assert_eq!(spec.flow.schedule, "0 2 * * *");
    let extract = spec
        .task_by_var("extract")
        .unwrap_or_else(|| unreachable!());
    let load = spec.task_by_var("load").unwrap_or_else(|| unreachable!());
    assert_eq!(
        extract.inputs.get("day"),
        Some(&Input::Value {
            value: Literal::Str("{{ ds }}".into()),
            strings: StrKind::Template,
        })
    );
    let opts =
        parse_options(&extract.options, Some(extract.mode)).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(format!("{opts:?}").contains("retries"), "{opts:?}");
    assert!(
        matches!(load.inputs.get("rows"), Some(Input::Task { task, .. }) if *task == extract.id)
    );
    assert_eq!(spec.edges.len(), 1);
    assert_eq!(spec.edges[0].from_task_id, extract.id);
    let deploy = h
        .ctx
        .store
        .deploy_in(&id, "default")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(deploy.map(|d| d.state), Some(DeployState::Rendered));
    assert!(h.state.unsaved().is_empty(), "{:?}", h.state.unsaved());
    assert_eq!(h.state.focus, Pane::Flows);

    // Saving again without a change keeps the version.
    h.keys("<C-s> y");
    let spec = h
        .ctx
        .store
        .flow(&id)
        .ok()
        .flatten()
        .unwrap_or_else(|| unreachable!());
    assert_eq!(spec.flow.version, 1);
}

#[test]
fn a_cycle_is_refused_and_named() {
    if !python_ok() {
        eprintln!("skipped: python3 is needed to register functions");
        return;
    }
    let mut h = Harness::new();
    h.register_etl();
    h.keys("2 a");
    h.typed("cyclic");
    h.keys("<Enter> <Enter> a");
    h.typed("extract");
    h.keys("<Enter> <Enter> a");
    h.typed("load");
    h.keys("<Enter> <Enter>");
    // Edges: extract → load, then load → extract.
    h.keys("<Tab> a <Enter> <Enter>");
    h.keys("a <Down> <Enter> <Enter>");
    match h.state.dialogs.last() {
        Some(Dialog::Message(m)) => assert!(
            m.body.contains("extract → load → extract") || m.body.contains("load → extract → load"),
            "{}",
            m.body
        ),
        other => panic!("expected the refusal, got {other:?}"),
    }
    let ed = h
        .state
        .flows
        .editor
        .as_ref()
        .unwrap_or_else(|| unreachable!());
    assert_eq!(ed.spec.edges.len(), 1, "the refused edge is not kept");
}

#[test]
fn a_failed_save_keeps_the_edits_and_leaving_asks_first() {
    if !python_ok() {
        eprintln!("skipped: python3 is needed to register functions");
        return;
    }
    let mut h = Harness::new();
    h.register_etl();
    h.keys("2 a");
    h.typed("half done");
    h.keys("<Enter> <Enter> a");
    h.typed("load");
    h.keys("<Enter> <Enter>");
    // load.rows has no value: the save is refused with the reason, edits kept.
    h.keys("<C-s>");
    match h.state.dialogs.last() {
        Some(Dialog::Message(m)) => assert!(m.body.contains("rows"), "{}", m.body),
        other => panic!("expected the problems, got {other:?}"),
    }
    h.keys("<Esc>");
    assert_eq!(
        h.state.flows.editor.as_ref().map(|e| e.spec.tasks.len()),
        Some(1)
    );
    // Esc asks before discarding; n keeps editing.
    h.keys("<Esc>");
    assert!(matches!(h.state.dialogs.last(), Some(Dialog::Confirm(_))));
    h.keys("n");
    assert!(h.state.flows.editor.is_some());
    // q asks too, naming the flow.
    h.keys("q");
    match h.state.dialogs.last() {
        Some(Dialog::Confirm(c)) => assert!(c.body.contains("half done"), "{}", c.body),
        other => panic!("expected the quit question, got {other:?}"),
    }
}

#[test]
fn create_rename_duplicate_and_delete_from_the_list() {
    if !python_ok() {
        eprintln!("skipped: python3 is needed to register functions");
        return;
    }
    let mut h = Harness::new();
    h.register_etl();
    h.save_nightly();
    assert!(
        h.state.flows.editor.is_none(),
        "{:?} {:?}",
        h.state.dialogs,
        h.state.status.messages
    );
    let id = flow_id_for("nightly");
    assert_eq!(
        h.state.flows.selected().map(|r| r.flow.id.clone()),
        Some(id.clone())
    );

    h.keys("r");
    for _ in 0.."nightly".len() {
        h.keys("<Backspace>");
    }
    h.typed("nightly sales");
    h.keys("<Enter>");
    let spec = h
        .ctx
        .store
        .flow(&id)
        .ok()
        .flatten()
        .unwrap_or_else(|| unreachable!());
    assert_eq!(spec.flow.name, "nightly sales", "renamed, id kept");
    assert_eq!(spec.flow.version, 2);

    h.keys("D <Enter>");
    let copy = flow_id_for("nightly sales copy");
    assert!(h.ctx.store.flow(&copy).ok().flatten().is_some());
    assert_eq!(h.state.flows.rows.len(), 2);

    // Delete asks; only y deletes; the DAG file goes too.
    let dag = h._dir.path().join("dags").join(format!("{id}.py"));
    assert!(dag.exists(), "{dag:?}");
    let row = h
        .state
        .flows
        .rows
        .iter()
        .position(|r| r.flow.id == id)
        .unwrap_or(0);
    h.state.flows.nav.select_row(row);
    h.keys("d <Enter>");
    assert!(
        h.ctx.store.flow(&id).ok().flatten().is_some(),
        "Enter does not delete"
    );
    h.keys("d y");
    assert!(h.ctx.store.flow(&id).ok().flatten().is_none());
    assert!(!dag.exists());
}

/// An environment of a test config: only the name and the dags folder matter here.
fn environment(name: &str, dags: &std::path::Path) -> flowdeck::config::Environment {
    flowdeck::config::Environment {
        name: name.into(),
        url: "http://127.0.0.1:9".into(),
        auth: flowdeck::config::AuthSetting::None,
        dags_folder: dags.to_path_buf(),
        ca_file: None,
        insecure_tls: false,
        read_only: false,
        color: None,
        git: None,
        implicit: false,
    }
}

#[test]
fn promote_deploys_the_ready_version_to_the_next_environment_after_asking() {
    if !python_ok() {
        eprintln!("skipped: python3 is needed to register functions");
        return;
    }
    let mut h = Harness::new();
    h.register_etl();
    h.save_nightly();
    let id = flow_id_for("nightly");

    // One environment: P says what promote needs.
    h.keys("P");
    let said = h.state.status.messages.last().map(|m| m.text.clone());
    assert!(
        said.as_deref().is_some_and(|t| t.contains("only one")),
        "{said:?}"
    );

    // "default" then "prod": the DAG file was only written (not ready) here yet.
    let dags = h._dir.path().join("dags");
    h.ctx.environments = vec![
        environment("default", &dags),
        environment("prod", &h._dir.path().join("prod-dags")),
    ];
    h.state.flows.environments = flowdeck::state::flows::EnvironmentView {
        current: "default".into(),
        all: vec!["default".into(), "prod".into()],
    };
    h.keys("<C-r> P");
    let said = h.state.status.messages.last().map(|m| m.text.clone());
    assert!(
        said.as_deref().is_some_and(|t| t.contains("not ready")),
        "{said:?}"
    );
    assert!(h.state.dialogs.is_empty());

    // Ready here: P asks, showing what prod runs and the document; n keeps prod as is.
    let mut record = h
        .ctx
        .store
        .deploy_in(&id, "default")
        .ok()
        .flatten()
        .unwrap_or_else(|| unreachable!());
    record.state = DeployState::Ready;
    record.deployed_version = Some(record.version);
    h.ctx
        .store
        .set_deploy(&record)
        .unwrap_or_else(|e| panic!("{e}"));
    h.keys("<C-r> P");
    let screen = h.screen();
    assert!(
        screen.contains("Promote `nightly` v1 from default to prod?"),
        "{screen}"
    );
    assert!(screen.contains("to prod: not deployed"), "{screen}");
    assert!(screen.contains("+ name = \"nightly\""), "{screen}");
    h.keys("n");
    assert!(!h._dir.path().join(format!("prod-dags/{id}.py")).exists());

    // y deploys v1 to prod; the row shows both environments.
    h.keys("P y");
    assert!(h._dir.path().join(format!("prod-dags/{id}.py")).exists());
    assert!(h
        ._dir
        .path()
        .join("prod-dags/flowdeck_functions/etl.py")
        .exists());
    let row = h.state.flows.row(&id).unwrap_or_else(|| unreachable!());
    assert_eq!(row.deploy_label, "default v1 ready · prod v1 rendered");

    // prod is the last environment: promote goes from an earlier one.
    h.state.flows.environments.current = "prod".into();
    h.keys("P");
    let said = h.state.status.messages.last().map(|m| m.text.clone());
    assert!(
        said.as_deref()
            .is_some_and(|t| t.contains("last environment")),
        "{said:?}"
    );
}
