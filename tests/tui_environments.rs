//! Environments in the TUI, through `state` with scripted keys and drawn with
//! TestBackend: the top row names the environment in its colour (and says when TLS is
//! not verified), the picker lists them, `:env NAME` and the picker switch (the old
//! Airflow's answers are dropped, unsaved edits stay), and a read-only environment
//! refuses every key that would change its Airflow or DAG files while runs and logs
//! can still be watched.

mod tui_common;

use flowdeck::config::environments::{parse_color, AuthSetting, Environment};
use flowdeck::keymap::Keymap;
use flowdeck::model::sample::daily_sales;
use flowdeck::state::dialog::Dialog;
use flowdeck::state::event::{Prepared, ReconcileJob, Reconciled};
use flowdeck::state::flow_editor::{Editor, FlowDialog};
use flowdeck::state::{
    self, environment, AirflowHealth, Effect, Event, Job, JobResult, Level, State, ThemeKind,
};
use flowdeck::store::SaveOutcome;
use ratatui::style::{Color, Modifier};
use std::path::PathBuf;
use tui_common::*;

fn env(name: &str, url: &str) -> Environment {
    Environment {
        name: name.into(),
        url: url.into(),
        auth: AuthSetting::None,
        dags_folder: PathBuf::from(format!("/srv/{name}/dags")),
        ca_file: None,
        insecure_tls: false,
        read_only: false,
        color: None,
        git: None,
        implicit: false,
    }
}

fn dev() -> Environment {
    Environment {
        color: Some("green".into()),
        auth: AuthSetting::Basic {
            username: "admin".into(),
            password_env: Some("AIRFLOW_DEV_PASSWORD".into()),
        },
        ..env("dev", "http://127.0.0.1:28080")
    }
}

fn prod() -> Environment {
    Environment {
        color: Some("#d70000".into()),
        auth: AuthSetting::TokenCommand("gcloud auth print-access-token".into()),
        read_only: true,
        insecure_tls: true,
        ..env("prod", "https://airflow.example.com/airflow")
    }
}

fn staging() -> Environment {
    Environment {
        color: Some("yellow".into()),
        auth: AuthSetting::TokenEnv("AIRFLOW_STAGING_TOKEN".into()),
        ..env("staging", "https://staging.example.com")
    }
}

/// The sample library and flows, with dev, staging and prod configured and `current`
/// shown.
fn with_environments(current: Environment) -> (State, Keymap) {
    let km = keymap();
    let mut s = state_with(6);
    s.env = environment::Environments {
        all: vec![dev(), staging(), prod()],
        current: current.clone(),
        epoch: 0,
    };
    s.status.airflow_url = current.url.clone();
    (s, km)
}

fn row(t: &ratatui::Terminal<ratatui::backend::TestBackend>, y: u16) -> String {
    text(t)
        .lines()
        .nth(usize::from(y))
        .unwrap_or_default()
        .to_string()
}

/// The style of the first cell of `needle` in row `y`.
fn style_at(
    t: &ratatui::Terminal<ratatui::backend::TestBackend>,
    y: u16,
    needle: &str,
) -> ratatui::buffer::Cell {
    let line = row(t, y);
    let at = line
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} in {line:?}"));
    let x = u16::try_from(line[..at].chars().count()).unwrap_or(0);
    t.backend().buffer()[(x, y)].clone()
}

fn last_message(s: &State) -> (Level, String) {
    let m = s.status.messages.last().expect("a message");
    (m.level, m.text.clone())
}

fn changing_jobs(fx: &[Effect]) -> Vec<Job> {
    jobs(fx)
        .into_iter()
        .map(|(_, j)| j)
        .filter(Job::changes_airflow)
        .collect()
}

#[test]
fn the_top_row_names_the_environment_in_its_colour_and_warns_about_tls() {
    let (mut s, km) = with_environments(prod());
    for (w, h) in [(80, 24), (160, 48)] {
        let t = draw(&mut s, &km, w, h);
        let top = row(&t, 0);
        assert!(
            top.contains(" prod · read-only · TLS not verified"),
            "{top}"
        );
        let name = style_at(&t, 0, "prod");
        assert_eq!(name.fg, Color::Rgb(0xd7, 0, 0));
        assert!(name.modifier.contains(Modifier::BOLD));
        insta::assert_snapshot!(format!("env_header_prod_{w}x{h}"), text(&t));
    }
    // The smallest width still names it (the tabs give way).
    let t = draw(&mut s, &km, 40, 10);
    assert!(row(&t, 0).contains("prod"), "{}", row(&t, 0));
    // dev: its name in green, nothing else.
    let (mut s, km) = with_environments(dev());
    let t = draw(&mut s, &km, 80, 24);
    let top = row(&t, 0);
    assert!(top.contains(" dev ") && !top.contains("TLS"), "{top}");
    assert_eq!(style_at(&t, 0, "dev").fg, Color::Green);
    insta::assert_snapshot!("env_header_dev_80x24", text(&t));
    // The help leaves the top row visible.
    press(&mut s, &km, "?");
    let t = draw(&mut s, &km, 80, 24);
    assert!(row(&t, 0).contains(" dev "), "{}", text(&t));
    // NO_COLOR: reverse video instead of a colour.
    let (mut s, km) = with_environments(prod());
    s.theme = ThemeKind::NoColor;
    let t = draw(&mut s, &km, 80, 24);
    let name = style_at(&t, 0, "prod");
    assert_eq!(name.fg, Color::Reset);
    assert!(name.modifier.contains(Modifier::REVERSED));
}

#[test]
fn an_implicit_environment_is_named_only_when_tls_is_not_verified() {
    let km = keymap();
    let mut s = state_with(6);
    let t = draw(&mut s, &km, 80, 24);
    assert!(!row(&t, 0).contains("default"), "{}", row(&t, 0));
    s.env.current.insecure_tls = true;
    let t = draw(&mut s, &km, 80, 24);
    let top = row(&t, 0);
    assert!(top.contains(" default · TLS not verified"), "{top}");
    insta::assert_snapshot!("env_header_implicit_insecure_80x24", text(&t));
}

#[test]
fn the_picker_lists_url_auth_and_marks_and_enter_switches() {
    let (mut s, km) = with_environments(dev());
    press(&mut s, &km, "<C-e>");
    let Some(Dialog::Flow(d)) = s.dialogs.last() else {
        panic!("no picker: {:?}", s.dialogs.last())
    };
    let FlowDialog::Pick(p) = &**d else {
        panic!("{d:?}")
    };
    let details: Vec<(&str, &str)> = p
        .items
        .iter()
        .map(|i| (i.label.as_str(), i.detail.as_str()))
        .collect();
    assert_eq!(
        details,
        [
            ("dev", "http://127.0.0.1:28080 · basic (admin) · current"),
            (
                "staging",
                "https://staging.example.com · token from $AIRFLOW_STAGING_TOKEN"
            ),
            (
                "prod",
                "read-only · TLS not verified · https://airflow.example.com/airflow · token command"
            ),
        ]
    );
    for (w, h) in [(80, 24), (160, 48)] {
        let t = draw(&mut s, &km, w, h);
        insta::assert_snapshot!(format!("env_picker_{w}x{h}"), text(&t));
    }
    // Typing filters; Enter takes the best match.
    type_text(&mut s, &km, "pro");
    let fx = press(&mut s, &km, "<Enter>");
    assert!(s.dialogs.is_empty(), "{:?}", s.dialogs);
    assert_eq!(
        fx.iter()
            .filter(|e| matches!(e, Effect::SwitchEnvironment { .. }))
            .collect::<Vec<_>>(),
        [&Effect::SwitchEnvironment {
            name: "prod".into()
        }]
    );
    // The current one again: nothing to do.
    press(&mut s, &km, "<C-e>");
    let fx = press(&mut s, &km, "<Enter>");
    assert!(
        !fx.iter()
            .any(|e| matches!(e, Effect::SwitchEnvironment { .. })),
        "{fx:?}"
    );
    assert_eq!(last_message(&s).1, "already on dev");
}

#[test]
fn env_command_switches_and_an_unknown_name_lists_the_known_ones() {
    let (mut s, km) = with_environments(dev());
    press(&mut s, &km, ":");
    type_text(&mut s, &km, "env staging");
    let fx = press(&mut s, &km, "<Enter>");
    assert!(fx.contains(&Effect::SwitchEnvironment {
        name: "staging".into()
    }));
    press(&mut s, &km, ":");
    type_text(&mut s, &km, "env stage");
    let fx = press(&mut s, &km, "<Enter>");
    assert!(
        !fx.iter()
            .any(|e| matches!(e, Effect::SwitchEnvironment { .. })),
        "{fx:?}"
    );
    assert_eq!(
        last_message(&s),
        (
            Level::Error,
            "there is no environment `stage`; the config defines: dev, staging, prod".into()
        )
    );
    // `:env` alone opens the picker.
    press(&mut s, &km, ":");
    type_text(&mut s, &km, "env");
    press(&mut s, &km, "<Enter>");
    assert!(matches!(s.dialogs.last(), Some(Dialog::Flow(_))));
}

#[test]
fn a_switch_forgets_the_old_airflow_and_keeps_unsaved_edits() {
    let (mut s, km) = with_environments(dev());
    // dev's Airflow said things; a request to it is in flight; a flow has unsaved edits.
    state::on_event(
        &mut s,
        &km,
        Event::FromEnvironment(
            0,
            Box::new(Event::AirflowHealth(AirflowHealth::Online {
                version: Some("3.3.2".into()),
            })),
        ),
    );
    assert!(s.status.health.is_some());
    press(&mut s, &km, "2");
    let mut spec = daily_sales();
    let lib = s.functions.rows.clone();
    let mut ed = Editor::open(spec.clone(), false);
    ed.refresh_inputs(&lib);
    spec.flow.description = "edited, not saved".into();
    ed.spec = spec;
    ed.dirty = true;
    s.flows.editor = Some(ed);
    s.flows
        .latest_run
        .insert("dag_x".into(), "manual__1".into());
    press(&mut s, &km, "3");
    let in_flight: Vec<_> = s
        .jobs
        .iter()
        .filter(|(_, j)| j.airflow)
        .map(|(id, _)| *id)
        .collect();
    assert!(!in_flight.is_empty(), "the Runs pane asked dev's Airflow");

    let fx = environment::switched(&mut s, prod(), 1);
    assert_eq!(s.env.current.name, "prod");
    assert!(s.status.health.is_none());
    assert_eq!(s.status.airflow_url, "https://airflow.example.com/airflow");
    assert!(s.airflow.dags.is_empty() && s.airflow.runs.is_empty());
    assert!(s.flows.latest_run.is_empty());
    assert!(
        in_flight.iter().all(|id| !s.jobs.contains_key(id)),
        "{:?}",
        s.jobs
    );
    // The new Airflow is asked at once: the poller's watch, the shown flow's tasks,
    // and the new dags folder is checked.
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Watch { .. })),
        "{fx:?}"
    );
    assert!(
        jobs(&fx)
            .iter()
            .any(|(_, j)| matches!(j, Job::Reconcile(ReconcileJob::Startup))),
        "{fx:?}"
    );
    // The Flows list's deploy states are read again for prod.
    assert_eq!(s.flows.environments.current, "prod");
    assert!(
        jobs(&fx).iter().any(|(_, j)| matches!(j, Job::LoadFlows)),
        "{fx:?}"
    );
    let (_, said) = last_message(&s);
    assert!(said.starts_with("switched from dev to prod"), "{said}");
    // The edits are still there.
    let ed = s.flows.editor.as_ref().expect("the editor stays open");
    assert!(ed.dirty);
    assert_eq!(ed.spec.flow.description, "edited, not saved");
    // dev's answers still on their way are dropped; prod's are shown.
    let old = Event::FromEnvironment(
        0,
        Box::new(Event::AirflowHealth(AirflowHealth::Online {
            version: Some("3.3.2".into()),
        })),
    );
    state::on_event(&mut s, &km, old);
    assert!(s.status.health.is_none());
    let old_answer = Event::FromEnvironment(
        0,
        Box::new(Event::Job(
            in_flight[0],
            Box::new(JobResult::Airflow(
                flowdeck::state::airflow::AirflowAnswer::DagTasks {
                    dag_id: "dag_x".into(),
                    result: Ok(Vec::new()),
                },
            )),
        )),
    );
    state::on_event(&mut s, &km, old_answer);
    assert!(s.runs.task_order.is_empty());
    let new = Event::FromEnvironment(
        1,
        Box::new(Event::AirflowHealth(AirflowHealth::Offline {
            reason: "connection refused".into(),
            retry_in: None,
        })),
    );
    state::on_event(&mut s, &km, new);
    assert!(matches!(
        s.status.health,
        Some((AirflowHealth::Offline { .. }, _))
    ));
    let t = draw(&mut s, &km, 120, 30);
    let screen = text(&t);
    assert!(
        screen.contains("prod · read-only · TLS not verified"),
        "{screen}"
    );
    assert!(screen.contains("offline: connection refused"), "{screen}");
}

#[test]
fn a_read_only_environment_refuses_every_change_and_lets_runs_be_watched() {
    let (mut s, km) = with_environments(prod());
    let said = "prod is read-only in this configuration";
    let refused = |s: &mut State, keys: &str| {
        s.status.messages.clear();
        let fx = press(s, &km, keys);
        assert!(changing_jobs(&fx).is_empty(), "{keys}: {fx:?}");
        let (level, text) = last_message(s);
        assert_eq!(level, Level::Error, "{keys}");
        assert!(text.starts_with(said), "{keys}: {text}");
        assert!(s.dialogs.is_empty(), "{keys}: {:?}", s.dialogs);
    };
    // Functions: registering copies into the dags folder.
    press(&mut s, &km, "1");
    refused(&mut s, "a");
    refused(&mut s, "i");
    // The library itself is the database's: editing a description is allowed.
    press(&mut s, &km, "e");
    assert!(matches!(s.dialogs.last(), Some(Dialog::Edit(_))));
    press(&mut s, &km, "<Esc>");
    // Flows: deleting removes the DAG file.
    press(&mut s, &km, "2");
    refused(&mut s, "d");
    // Runs: trigger, pause, clear, mark.
    press(&mut s, &km, "3");
    for k in ["t", "T", "p", "c", "C", "s", "x"] {
        refused(&mut s, k);
    }
    // Watching is not refused: the pane asked Airflow for the flow's tasks.
    assert!(s.jobs.values().any(|j| j.airflow));
    press(&mut s, &km, "i");
    assert!(matches!(s.dialogs.last(), Some(Dialog::Message(_))));
    press(&mut s, &km, "<Esc>");
    // Commands.
    press(&mut s, &km, ":");
    type_text(&mut s, &km, "function add /tmp/etl.py");
    refused(&mut s, "<Enter>");
    // :reconcile lists what differs, but a repair is refused.
    press(&mut s, &km, ":");
    type_text(&mut s, &km, "reconcile");
    let fx = press(&mut s, &km, "<Enter>");
    let (id, _) = job_of(&fx, |j| matches!(j, Job::Reconcile(ReconcileJob::Check)));
    answer(
        &mut s,
        &km,
        id,
        JobResult::Reconciled {
            job: ReconcileJob::Check,
            result: Ok(Reconciled {
                findings: vec!["missing: daily sales".into()],
                planned: vec!["write daily sales".into()],
                foreign: 0,
                done: Vec::new(),
            }),
        },
    );
    assert!(matches!(s.dialogs.last(), Some(Dialog::Confirm(_))));
    refused(&mut s, "y");
}

#[test]
fn airflow_coming_back_deploys_pending_flows_only_where_writable() {
    for (env, deploys) in [(dev(), true), (prod(), false)] {
        let (mut s, km) = with_environments(env);
        let offline = AirflowHealth::Offline {
            reason: "refused".into(),
            retry_in: None,
        };
        state::on_event(&mut s, &km, Event::AirflowHealth(offline));
        let fx = state::on_event(
            &mut s,
            &km,
            Event::AirflowHealth(AirflowHealth::Online { version: None }),
        );
        let pending = jobs(&fx)
            .iter()
            .any(|(_, j)| matches!(j, Job::DeployPending));
        assert_eq!(pending, deploys, "{}: {fx:?}", s.env.current.name);
    }
}

#[test]
fn saving_in_a_read_only_environment_stores_the_flow_without_deploying_it() {
    let (mut s, km) = with_environments(prod());
    s.functions.apply(flowdeck::state::LibraryData {
        functions: flowdeck::model::sample::etl_functions(),
        usage: std::collections::HashMap::new(),
    });
    press(&mut s, &km, "2");
    let spec = daily_sales();
    let lib = s.functions.rows.clone();
    let mut ed = Editor::open(spec.clone(), false);
    ed.refresh_inputs(&lib);
    s.flows.editor = Some(ed);
    let fx = press(&mut s, &km, "<C-s>");
    let (id, _) = job_of(&fx, |j| matches!(j, Job::PrepareSave { .. }));
    answer(
        &mut s,
        &km,
        id,
        JobResult::SavePrepared(Ok(Box::new(Prepared {
            old_text: String::new(),
            new_text: "[flow]\n".into(),
            old_spec: spec.clone(),
            spec: spec.clone(),
            against: "nothing deployed yet".into(),
            problems: Vec::new(),
        }))),
    );
    // The save dialog says nothing will be deployed.
    for (w, h) in [(80, 24), (160, 48)] {
        s.status.messages.clear();
        let t = draw(&mut s, &km, w, h);
        let screen = text(&t);
        assert!(screen.contains("save (database only)"), "{screen}");
        insta::assert_snapshot!(format!("env_read_only_save_dialog_{w}x{h}"), screen);
    }
    let fx = press(&mut s, &km, "y");
    let (id, _) = job_of(&fx, |j| matches!(j, Job::SaveFlow { .. }));
    let mut stored = spec.clone();
    stored.flow.version += 1;
    let fx = answer(
        &mut s,
        &km,
        id,
        JobResult::FlowSaved(Ok(Box::new(SaveOutcome {
            spec: stored,
            changed: true,
            created: false,
        }))),
    );
    assert!(
        !jobs(&fx)
            .iter()
            .any(|(_, j)| matches!(j, Job::Deploy { .. })),
        "{fx:?}"
    );
    let (level, text) = last_message(&s);
    assert_eq!(level, Level::Warning);
    assert!(
        text.contains(
            "in the database only, not deployed: prod is read-only in this configuration"
        ),
        "{text}"
    );
    // A rename is stored; its DAG file is not rewritten.
    let mut renamed = spec.clone();
    renamed.flow.name = "daily sales eu".into();
    renamed.flow.version += 2;
    let (id, _) = s.start_job("renaming", false, Job::LoadFlows);
    let fx = answer(
        &mut s,
        &km,
        id,
        JobResult::FlowStored {
            duplicate: false,
            result: Ok(Box::new(SaveOutcome {
                spec: renamed,
                changed: true,
                created: false,
            })),
        },
    );
    assert!(
        !jobs(&fx)
            .iter()
            .any(|(_, j)| matches!(j, Job::Deploy { .. })),
        "{fx:?}"
    );
    assert!(
        s.status
            .messages
            .iter()
            .any(|m| m.text.starts_with("renamed in the database only")),
        "{:?}",
        s.status.messages
    );
    // Rollback deploys an older version: refused.
    let fx = press(&mut s, &km, "v");
    let (id, job) = job_of(&fx, |j| matches!(j, Job::LoadRevisions { .. }));
    let Job::LoadRevisions { flow_id } = job else {
        unreachable!()
    };
    let revision = flowdeck::store::Revision {
        flow_id: spec.flow.id.clone(),
        version: 1,
        saved_at: chrono::Utc::now(),
        spec: spec.clone(),
        function_names: std::collections::BTreeMap::new(),
        saved_by: flowdeck::model::Actor::new("ops", "bastion"),
    };
    answer(
        &mut s,
        &km,
        id,
        JobResult::Revisions {
            flow_id,
            result: Ok(vec![revision]),
        },
    );
    assert!(matches!(s.dialogs.last(), Some(Dialog::Flow(_))));
    s.status.messages.clear();
    let fx = press(&mut s, &km, "<Enter>");
    assert!(jobs(&fx).is_empty(), "{fx:?}");
    assert!(last_message(&s)
        .1
        .starts_with("prod is read-only in this configuration"));
}

#[test]
fn the_guard_is_one_function_and_every_job_is_classed() {
    assert!(prod()
        .check_writable()
        .unwrap_err()
        .starts_with("prod is read-only in this configuration"));
    assert!(dev().check_writable().is_ok());
    assert!(Job::Deploy {
        flow_id: "x".into()
    }
    .changes_airflow());
    assert!(Job::Reconcile(ReconcileJob::Repair {
        confirmed: Vec::new()
    })
    .changes_airflow());
    assert!(!Job::Reconcile(ReconcileJob::Check).changes_airflow());
    // A promotion changes its target, not the environment shown.
    let promote = Job::Promote {
        to: "prod".into(),
        flow_id: "x".into(),
        version: 3,
    };
    assert!(promote.changes_airflow());
    assert_eq!(promote.changes_environment(), Some("prod"));
    assert!(!Job::PlanPromotion {
        flow_id: "x".into(),
        from: "dev".into(),
        to: "prod".into()
    }
    .changes_airflow());
    use flowdeck::state::airflow::AirflowJob;
    let clear = |dry_run| {
        Job::Airflow(AirflowJob::Clear {
            dag_id: "d".into(),
            run_id: "r".into(),
            task_ids: Vec::new(),
            downstream: false,
            dry_run,
        })
    };
    assert!(clear(false).changes_airflow());
    assert!(!clear(true).changes_airflow());
    assert!(!Job::Airflow(AirflowJob::Log {
        dag_id: "d".into(),
        run_id: "r".into(),
        task_id: "t".into(),
        try_number: 1,
        token: None,
    })
    .changes_airflow());
    // Colours: names and #rrggbb; anything else is named in the error.
    assert_eq!(parse_color("light blue").unwrap(), Color::LightBlue);
    assert_eq!(parse_color("#00af5f").unwrap(), Color::Rgb(0, 0xaf, 0x5f));
    let err = parse_color("prod-red").unwrap_err();
    assert!(
        err.contains("\"prod-red\"") && err.contains("#rrggbb"),
        "{err}"
    );
}
