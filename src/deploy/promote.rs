//! Promoting a flow: deploying to one environment exactly the version that is ready in
//! another (issue "environments", point 3). The plan is made from the database alone:
//! the source environment's deploy record says which version its Airflow was seen
//! serving, and the revisions hold that version's flow.

use crate::config::Environment;
use crate::model::deploy::DeployState;
use crate::model::text::one_line;
use crate::model::FlowSpec;
use crate::store::{self, Store};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// What a promotion will deploy, and what the target runs now.
#[derive(Debug, Clone)]
pub struct Promotion {
    /// The version ready in the source environment.
    pub version: u32,
    /// That version's flow, to render for the target.
    pub spec: FlowSpec,
    /// "prod runs v3", "not deployed to prod yet", …
    pub target_now: String,
    /// The flow document's changed lines against what the target runs ("- old",
    /// "+ new"); empty when they are the same.
    pub diff: Vec<String>,
}

/// Plans promoting flow `flow_id` from environment `from` to `to`. Refused (one line
/// saying why and what to do) when either name is unknown, they are the same, `to` is
/// read-only, or no version is ready in `from`.
pub fn plan(
    store: &Store,
    environments: &[Environment],
    flow_id: &str,
    from: &str,
    to: &str,
) -> Result<Promotion, Error> {
    let known = || {
        environments
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let find = |name: &str| {
        environments.iter().find(|e| e.name == name).ok_or_else(|| {
            Error::Refused(format!(
                "there is no environment `{}`; the config defines: {}",
                one_line(name),
                known()
            ))
        })
    };
    let (source, target) = (find(from)?, find(to)?);
    if source.name == target.name {
        return Err(Error::Refused(format!(
            "--from and --to are both {}; promote from one environment to another",
            source.name
        )));
    }
    target.check_writable().map_err(Error::Refused)?;
    let flow = store
        .flow_row(flow_id)?
        .ok_or_else(|| store::Error::NotFound {
            kind: "flow",
            name: flow_id.to_string(),
        })?;
    let name = one_line(&flow.name);
    let ready = match store.deploy_in(flow_id, &source.name)? {
        Some(r) if r.state == DeployState::Ready => r.version,
        Some(r) => {
            return Err(Error::Refused(format!(
                "`{name}` v{} is {} in {}, not ready{}; deploy it there and wait until it is ready (flowdeck --env {} flow deploy … --wait)",
                r.version,
                r.state.label(),
                source.name,
                r.deployed_version
                    .map(|v| format!(" (v{v} was the last ready one)"))
                    .unwrap_or_default(),
                source.name
            )))
        }
        None => {
            return Err(Error::Refused(format!(
                "`{name}` was never deployed to {}; deploy it there first (flowdeck --env {} flow deploy … --wait)",
                source.name, source.name
            )))
        }
    };
    let revision = store.revision(flow_id, ready)?.ok_or_else(|| {
        Error::Refused(format!(
            "v{ready} of `{name}` is no longer in the database; deploy the current version to {} first",
            source.name
        ))
    })?;
    let target_record = store.deploy_in(flow_id, &target.name)?;
    let running = target_record.as_ref().and_then(|r| r.deployed_version);
    let target_now = match (&target_record, running) {
        (_, Some(v)) => format!("{} runs v{v}", target.name),
        (Some(r), None) => format!("{}: v{} {}", target.name, r.version, r.state.label()),
        (None, None) => format!("not deployed to {} yet", target.name),
    };
    // Compared with what the target runs, else with what its DAG file holds (a version
    // written there but not confirmed), else with nothing.
    let target_has = running.or(target_record.as_ref().map(|r| r.version));
    let before = match target_has {
        Some(v) => store.revision(flow_id, v)?.map(|r| r.text()),
        None => None,
    }
    .unwrap_or_default();
    let after = revision.text();
    let diff = similar::TextDiff::from_lines(&before, &after)
        .iter_all_changes()
        .filter_map(|c| match c.tag() {
            similar::ChangeTag::Delete => Some(format!("- {}", c.value().trim_end())),
            similar::ChangeTag::Insert => Some(format!("+ {}", c.value().trim_end())),
            similar::ChangeTag::Equal => None,
        })
        .collect();
    Ok(Promotion {
        version: ready,
        spec: revision.spec,
        target_now,
        diff,
    })
}
