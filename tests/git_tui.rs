//! The TUI and a Git deploy target: commits a deploy left unpushed (the remote was
//! unreachable) are pushed again by the pending-deploy job while Airflow answers, at
//! most every 30 s, and the Flows list shows "committed …, not pushed (N)".

mod tui_common;

use flowdeck::model::deploy::DeployState;
use flowdeck::state::{self, AirflowHealth, Event, Job};
use tui_common::*;

fn online() -> Event {
    Event::AirflowHealth(AirflowHealth::Online {
        version: Some("3.3.2".into()),
    })
}

fn with_record(message: &str, age_secs: i64) -> flowdeck::state::State {
    let mut data = flows();
    for d in data.deploys.values_mut().flatten() {
        d.state = DeployState::Rendered;
        d.commit = Some("0123456789abcdef0123456789abcdef01234567".into());
        d.message = message.into();
        d.since = chrono::Utc::now() - chrono::TimeDelta::seconds(age_secs);
    }
    let mut s = empty_state();
    s.flows.apply(data);
    s
}

fn pending_jobs(fx: &[flowdeck::state::Effect]) -> usize {
    jobs(fx)
        .iter()
        .filter(|(_, j)| matches!(j, Job::DeployPending))
        .count()
}

#[test]
fn unpushed_commits_are_pushed_again_while_airflow_answers_at_most_every_30_s() {
    let km = keymap();
    let not_pushed = "committed 0123456789, not pushed (2): cannot reach origin (x)";
    // Old enough: the next health answer starts the pending deploy (which pushes).
    let mut s = with_record(not_pushed, 60);
    assert_eq!(pending_jobs(&state::on_event(&mut s, &km, online())), 0);
    assert_eq!(pending_jobs(&state::on_event(&mut s, &km, online())), 1);
    // While it runs, no second one.
    assert_eq!(pending_jobs(&state::on_event(&mut s, &km, online())), 0);
    // Just tried: not again yet.
    let mut s = with_record(not_pushed, 5);
    state::on_event(&mut s, &km, online());
    assert_eq!(pending_jobs(&state::on_event(&mut s, &km, online())), 0);
    // Pushed already: nothing to do.
    let mut s = with_record("committed 0123456789 and pushed to origin/main", 60);
    state::on_event(&mut s, &km, online());
    assert_eq!(pending_jobs(&state::on_event(&mut s, &km, online())), 0);
}
