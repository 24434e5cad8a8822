//! Promote from the Flows pane (`P`): deploy to the next environment of the config
//! (dev → staging → prod) exactly the version that is ready in this one, after a
//! question that shows what the target runs now and the flow document's difference.
//! The plan and its refusals are `deploy::promote`'s, shared with `flow promote`.

use super::dialog::{Confirm, Dialog, OnYes};
use super::text::one_line;
use super::{Effect, Job, State};
use crate::deploy::promote::Promotion;
use crate::model::deploy::DeployRecord;

/// Most changed lines listed in the question; the rest are counted.
const LISTED: usize = 16;

/// `P` on a flow: plan its promotion from this environment to the next.
pub(super) fn start(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(row) = state.flows.selected() else {
        state.info("no flow selected");
        return;
    };
    let flow_id = row.flow.id.clone();
    let envs = &state.flows.environments;
    if envs.all.len() < 2 {
        state.info("promote deploys what is ready in one environment to another: the config defines only one (add [environments.NAME] tables, see the README)");
        return;
    }
    let from = envs.current.clone();
    let at = envs.all.iter().position(|e| *e == from);
    let Some(to) = at.and_then(|i| envs.all.get(i + 1)).cloned() else {
        state.info(format!(
            "{from} is the last environment in the config: promote from an earlier one (:env NAME), or use flow promote --from {from} --to NAME"
        ));
        return;
    };
    let (_, e) = state.start_job(
        format!("planning the promotion to {to}"),
        false,
        Job::PlanPromotion { flow_id, from, to },
    );
    fx.push(e);
}

/// The plan is ready (or refused): ask, showing the difference.
pub(super) fn on_planned(
    state: &mut State,
    from: String,
    to: String,
    result: Result<Box<Promotion>, String>,
) {
    let plan = match result {
        Ok(p) => p,
        Err(e) => {
            state.warn(format!("not promoted: {e}"));
            return;
        }
    };
    let name = one_line(&plan.spec.flow.name);
    let mut body = vec![format!(
        "Deploys v{} of `{name}` (ready in {from}) to {to}: {}.",
        plan.version, plan.target_now
    )];
    if plan.diff.is_empty() {
        body.push(format!("{to} already runs this version's flow document."));
    } else {
        body.push(String::new());
        body.extend(plan.diff.iter().take(LISTED).map(|l| one_line(l)));
        if plan.diff.len() > LISTED {
            body.push(format!(
                "… and {} more changed lines",
                plan.diff.len() - LISTED
            ));
        }
    }
    state.dialogs.push(Dialog::Confirm(Confirm {
        title: format!("Promote `{name}` v{} from {from} to {to}?", plan.version),
        body: body.join("\n"),
        yes: "promote".into(),
        on_yes: OnYes::Promote {
            to,
            flow_id: plan.spec.flow.id.clone(),
            name: plan.spec.flow.name.clone(),
            version: plan.version,
        },
    }));
}

/// The operator said yes: deploy the planned version to the target.
pub(super) fn confirmed(
    state: &mut State,
    to: String,
    flow_id: String,
    name: &str,
    version: u32,
    fx: &mut Vec<Effect>,
) {
    let (_, e) = state.start_job(
        format!("promoting `{}` v{version} to {to}", one_line(name)),
        false,
        Job::Promote {
            to,
            flow_id,
            version,
        },
    );
    fx.push(e);
}

/// The target's Airflow loaded it, refused it, or was not reached.
pub(super) fn on_promoted(state: &mut State, to: String, result: Result<DeployRecord, String>) {
    match result {
        Ok(record) => {
            let text = format!(
                "{to}: v{} {} — {}",
                record.version,
                record.state.label(),
                one_line(record.message.lines().next().unwrap_or(""))
            );
            state.flows.apply_deploy(record.clone());
            match record.state {
                crate::model::deploy::DeployState::Ready => state.info(text),
                _ => state.warn(text),
            }
        }
        Err(e) => state.error(format!("promoting to {to} failed: {e}")),
    }
}
