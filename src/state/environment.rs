//! Environments in the TUI: which Airflow the screen is about, `:env NAME` and the
//! picker that switch to another one, and the read-only guard every key that would
//! change an Airflow or its DAG files passes through.
//!
//! A switch is asked for with [`Effect::SwitchEnvironment`]; the app replaces the
//! Airflow client, the poller and the deploy target, then calls [`switched`], which
//! forgets everything the old Airflow said. Answers still on their way from the old
//! Airflow carry the old environment's number ([`Event::FromEnvironment`]) and are
//! dropped. Unsaved edits (the flow editor, drafts) are the database's and stay.

use super::dialog::{Dialog, OnYes};
use super::flow_editor::{FlowDialog, FlowYes, PickItem, PickPurpose, Picker};
use super::{Effect, Job, Pane, State};
use crate::config::environments::{self, Environment};
use crate::keymap::Action;
use crate::model::text::one_line;

/// The environments of the config and the one shown.
#[derive(Debug, Clone)]
pub struct Environments {
    /// Every environment, in the config's order.
    pub all: Vec<Environment>,
    /// The one the screen is about.
    pub current: Environment,
    /// Goes up with every switch; events of an older Airflow carry an older number.
    pub epoch: u64,
}

impl Environments {
    /// One implicit environment at `url` (what a state starts with before the app sets
    /// the config's list).
    pub fn implicit(url: &str) -> Environments {
        let current = Environment {
            name: environments::IMPLICIT.into(),
            url: url.to_string(),
            auth: environments::AuthSetting::None,
            dags_folder: std::path::PathBuf::new(),
            ca_file: None,
            insecure_tls: false,
            read_only: false,
            color: None,
            git: None,
            implicit: true,
        };
        Environments {
            all: vec![current.clone()],
            current,
            epoch: 0,
        }
    }

    /// Whether the screen names the environment: always when the config names its
    /// environments, and for the implicit one only to warn that TLS is not verified.
    pub fn shown(&self) -> bool {
        !self.current.implicit || self.current.insecure_tls
    }

    /// Err: the one line to show when the current environment is read-only.
    pub fn check_writable(&self) -> Result<(), String> {
        self.current.check_writable()
    }
}

/// One line about an environment for the picker: URL, auth, and its marks.
/// The marks come first: a narrow picker cuts the end.
pub fn describe(env: &Environment) -> String {
    let mut parts = Vec::new();
    if env.read_only {
        parts.push("read-only".to_string());
    }
    if env.insecure_tls {
        parts.push("TLS not verified".into());
    }
    parts.push(one_line(&env.url));
    parts.push(env.auth.describe());
    parts.join(" · ")
}

/// The picker of environments (the key, or `:env` without a name); the current one is
/// selected and marked.
pub fn open_picker(state: &mut State) {
    let items: Vec<PickItem> = state
        .env
        .all
        .iter()
        .map(|e| {
            let mut detail = describe(e);
            if e.name == state.env.current.name {
                detail.push_str(" · current");
            }
            PickItem {
                label: e.name.clone(),
                detail,
                value: e.name.clone(),
            }
        })
        .collect();
    let current = state
        .env
        .all
        .iter()
        .position(|e| e.name == state.env.current.name)
        .unwrap_or(0);
    let mut picker = Picker::new(
        "Switch to environment (Enter)",
        items,
        PickPurpose::Environment,
    );
    picker.nav.select_row(current);
    state.help = None;
    state
        .dialogs
        .push(Dialog::Flow(Box::new(FlowDialog::Pick(picker))));
}

/// `:env NAME` or the picker's choice: asks the app to switch. An unknown name lists the
/// known ones in one line.
pub fn switch(state: &mut State, name: &str, fx: &mut Vec<Effect>) {
    if name == state.env.current.name {
        state.info(format!("already on {}", one_line(name)));
        return;
    }
    if !state.env.all.iter().any(|e| e.name == name) {
        let known: Vec<String> = state.env.all.iter().map(|e| one_line(&e.name)).collect();
        state.error(format!(
            "there is no environment `{}`; the config defines: {}",
            one_line(name),
            known.join(", ")
        ));
        return;
    }
    fx.push(Effect::SwitchEnvironment {
        name: name.to_string(),
    });
}

/// The app switched to `env` (its Airflow client, poller and deploy target are
/// replaced; events of the old one carry an older `epoch`). Everything the old Airflow
/// said goes: health, DAGs, import errors, runs, task instances, logs, deploys being
/// followed; what the database holds (flows, the editor's edits) stays.
pub fn switched(state: &mut State, env: Environment, epoch: u64) -> Vec<Effect> {
    let mut fx = Vec::new();
    let old = std::mem::replace(&mut state.env.current, env);
    state.env.epoch = epoch;
    state.airflow = super::airflow::AirflowView::default();
    state.status.airflow_url = one_line(&state.env.current.url);
    state.status.health = None;
    state.runs.forget_airflow();
    state.flows.latest_run.clear();
    state.flows.deploying.clear();
    // The Flows list's deploy state is the new environment's: read the rows again.
    state.flows.environments.current = state.env.current.name.clone();
    let (_, e) = state.start_job("loading flows", true, Job::LoadFlows);
    fx.push(e);
    // Requests to the old Airflow: their answers will be dropped, so their spinners go.
    state.jobs.retain(|_, j| !j.airflow);
    let cur = &state.env.current;
    let mut note = format!(
        "switched from {} to {} ({})",
        one_line(&old.name),
        one_line(&cur.name),
        one_line(&cur.url)
    );
    if cur.read_only {
        note.push_str("; read-only: runs and logs can be watched, nothing changed");
    }
    if cur.insecure_tls {
        note.push_str("; TLS not verified");
    }
    state.info(note);
    // The new dags folder, checked like at start-up (a summary line at most).
    let (_, e) = state.start_job(
        "checking the dags folder",
        true,
        Job::Reconcile(super::event::ReconcileJob::Startup),
    );
    fx.push(e);
    super::after_change(state, &mut fx);
    fx
}

/// The key guard: `Some(line)` when `action`, where it is pressed now, would change a
/// read-only environment's Airflow or DAG files. Checked before every action is
/// dispatched; the app checks every job again before running it.
pub(super) fn refusal(state: &State, action: Action) -> Option<String> {
    let err = state.env.check_writable().err()?;
    if state.help.is_some() {
        return None;
    }
    let changes = if let Some(top) = state.dialogs.last() {
        match top {
            Dialog::Confirm(c) => {
                action == Action::Confirm
                    && matches!(
                        c.on_yes,
                        OnYes::RepairDagsFolder { .. }
                            | OnYes::ClearTasks { .. }
                            | OnYes::MarkTask { .. }
                            | OnYes::Flow(FlowYes::DeleteFlow { .. })
                    )
            }
            Dialog::TriggerConf(_) => action == Action::Save,
            Dialog::Flow(f) => {
                // Rollback deploys an older version: refused as a whole.
                matches!(**f, FlowDialog::Revisions(_))
                    && matches!(action, Action::Submit | Action::Confirm)
            }
            Dialog::Register(_) | Dialog::Edit(_) | Dialog::Message(_) => false,
        }
    } else if state.prompt.is_some() {
        false
    } else {
        match state.focus {
            Pane::Runs => matches!(
                action,
                Action::Trigger
                    | Action::TriggerWithConf
                    | Action::TogglePause
                    | Action::ClearTask
                    | Action::ClearDownstream
                    | Action::MarkSuccess
                    | Action::MarkFailed
            ),
            // Registering copies the file into the dags folder's library package.
            Pane::Functions => matches!(action, Action::Register | Action::Reimport),
            // Deleting a flow removes its DAG file; in the editor `d` removes a task.
            Pane::Flows => state.flows.editor.is_none() && action == Action::Delete,
        }
    };
    changes.then_some(err)
}
