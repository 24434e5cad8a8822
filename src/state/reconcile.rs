//! The dags folder against the saved flows, in the TUI: start-up findings (counted in
//! one line, listed by `!`, see [`super::findings`]), and `:reconcile`, which lists exactly what a repair would change and asks first.
//! Files of other flowdeck databases are only ever counted, never offered for repair.

use super::dialog::{Confirm, Dialog, OnYes};
use super::event::{ReconcileJob, Reconciled};
use super::{Effect, Job, State};

/// Most planned changes listed in the question; the rest are counted.
const LISTED: usize = 12;

pub(super) fn on_reconciled(
    state: &mut State,
    job: ReconcileJob,
    result: Result<Reconciled, String>,
    fx: &mut Vec<Effect>,
) {
    let r = match result {
        Ok(r) => r,
        Err(e) => {
            state.error(format!("cannot check the dags folder: {e}"));
            return;
        }
    };
    let foreign = if r.foreign > 0 {
        format!(
            "; {} file{} of other flowdeck databases left alone",
            r.foreign,
            if r.foreign == 1 { "" } else { "s" }
        )
    } else {
        String::new()
    };
    match job {
        ReconcileJob::Startup => {
            // Other databases' files are only counted: nothing to do about them here.
            let items: Vec<String> = r
                .findings
                .iter()
                .filter(|l| !l.starts_with("foreign:"))
                .cloned()
                .collect();
            if items.is_empty() && r.foreign > 0 {
                state.info(format!("dags folder matches every flow{foreign}"));
                // Said after the summary line: say that again, it is what to act on.
                super::findings::say_again(state);
            }
            super::findings::report(state, super::findings::Source::DagsFolder, items);
        }
        ReconcileJob::Check if r.planned.is_empty() => state.info(format!(
            "nothing to repair: the dags folder matches every flow{foreign}"
        )),
        ReconcileJob::Check => {
            let mut body: Vec<String> = r
                .planned
                .iter()
                .take(LISTED)
                .map(|l| format!("• {l}"))
                .collect();
            if r.planned.len() > LISTED {
                body.push(format!("• … and {} more", r.planned.len() - LISTED));
            }
            if r.foreign > 0 {
                body.push(format!(
                    "\n{} file{} of other flowdeck databases will not be touched.",
                    r.foreign,
                    if r.foreign == 1 { "" } else { "s" }
                ));
            }
            state.dialogs.push(Dialog::Confirm(Confirm {
                title: format!(
                    "Repair the dags folder: {} change{}?",
                    r.planned.len(),
                    if r.planned.len() == 1 { "" } else { "s" }
                ),
                body: body.join("\n"),
                yes: "repair".into(),
                on_yes: OnYes::RepairDagsFolder {
                    confirmed: r.planned,
                },
            }));
        }
        ReconcileJob::Repair { .. } => {
            if r.done.is_empty() {
                state.info("nothing was changed: the dags folder already matched");
            } else {
                state.info(format!("dags folder repaired: {}", r.done.join("; ")));
            }
            let (_, e) = state.start_job("loading flows", false, Job::LoadFlows);
            fx.push(e);
        }
    }
}

/// Yes to the repair question.
pub(super) fn repair(state: &mut State, confirmed: Vec<String>, fx: &mut Vec<Effect>) {
    let (_, e) = state.start_job(
        "repairing the dags folder",
        false,
        Job::Reconcile(ReconcileJob::Repair { confirmed }),
    );
    fx.push(e);
}
