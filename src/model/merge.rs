//! Three-way merge of flow versions: "apply my edits on top of theirs" when someone saved
//! a flow while an operator was editing it. The base is the version both started from.
//! Edits are combined by flow setting, by task (and within a task by field, by input and
//! by option key) and by edge; where both sides changed the same thing differently,
//! theirs is kept and the conflict is reported, so nothing the other operator saved is
//! lost silently.

use super::{Edge, FlowSpec, Task};
use std::collections::{BTreeMap, BTreeSet};

/// The merged flow and what could not be combined.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// Theirs with my non-conflicting edits applied (their id, version and timestamps).
    pub spec: FlowSpec,
    /// One line per conflict, e.g. "task `load`: option `retries`: you set 3, they set 5
    /// (kept theirs)".
    pub conflicts: Vec<String>,
}

/// Merges `mine` into `theirs`, both edited from `base`.
pub fn merge(base: &FlowSpec, theirs: &FlowSpec, mine: &FlowSpec) -> Merged {
    let mut out = theirs.clone();
    let mut conflicts = Vec::new();
    merge_settings(base, theirs, mine, &mut out, &mut conflicts);
    merge_tasks(base, theirs, mine, &mut out, &mut conflicts);
    merge_edges(base, theirs, mine, &mut out);
    Merged {
        spec: out,
        conflicts,
    }
}

/// One value edited on both sides: mine when only I changed it, theirs otherwise;
/// `Some(conflict)` when both changed it differently.
fn pick<T: PartialEq + Clone>(base: &T, theirs: &T, mine: &T) -> (T, bool) {
    if mine == base || mine == theirs {
        (theirs.clone(), false)
    } else if theirs == base {
        (mine.clone(), false)
    } else {
        (theirs.clone(), true)
    }
}

fn merge_settings(
    base: &FlowSpec,
    theirs: &FlowSpec,
    mine: &FlowSpec,
    out: &mut FlowSpec,
    conflicts: &mut Vec<String>,
) {
    let (b, t, m) = (&base.flow, &theirs.flow, &mine.flow);
    let f = &mut out.flow;
    let mut note = |what: &str, c: bool| {
        if c {
            conflicts.push(format!("setting `{what}`: both changed it (kept theirs)"));
        }
    };
    let (v, c) = pick(&b.name, &t.name, &m.name);
    f.name = v;
    note("name", c);
    let (v, c) = pick(&b.description, &t.description, &m.description);
    f.description = v;
    note("description", c);
    let (v, c) = pick(&b.schedule, &t.schedule, &m.schedule);
    f.schedule = v;
    note("schedule", c);
    let (v, c) = pick(&b.start_date, &t.start_date, &m.start_date);
    f.start_date = v;
    note("start date", c);
    let (v, c) = pick(&b.catchup, &t.catchup, &m.catchup);
    f.catchup = v;
    note("catchup", c);
    let (v, c) = pick(&b.tags, &t.tags, &m.tags);
    f.tags = v;
    note("tags", c);
    let (v, c) = pick(
        &b.unpause_on_deploy,
        &t.unpause_on_deploy,
        &m.unpause_on_deploy,
    );
    f.unpause_on_deploy = v;
    note("unpause on deploy", c);
    let (v, c) = merge_options_text(&b.defaults, &t.defaults, &m.defaults);
    f.defaults = v;
    for key in c {
        conflicts.push(format!(
            "task defaults: option `{key}`: both changed it (kept theirs)"
        ));
    }
}

/// What a task is, without its bookkeeping (timestamps, position, flow id).
fn same_task(a: &Task, b: &Task) -> bool {
    a.variable_id == b.variable_id
        && a.function_id == b.function_id
        && a.python_callable == b.python_callable
        && a.mode == b.mode
        && a.inputs == b.inputs
        && super::flow::same_options(&a.options, &b.options)
}

fn merge_tasks(
    base: &FlowSpec,
    theirs: &FlowSpec,
    mine: &FlowSpec,
    out: &mut FlowSpec,
    conflicts: &mut Vec<String>,
) {
    let mut tasks: Vec<Task> = Vec::new();
    for t in &theirs.tasks {
        let name = &t.variable_id;
        match (base.task(&t.id), mine.task(&t.id)) {
            (None, None) => tasks.push(t.clone()),
            (None, Some(m)) => {
                if !same_task(t, m) {
                    conflicts.push(format!("task `{name}`: both added it (kept theirs)"));
                }
                tasks.push(t.clone());
            }
            (Some(b), None) => {
                if same_task(b, t) {
                    continue; // I removed it; they left it alone.
                }
                conflicts.push(format!(
                    "task `{name}`: you removed it, they changed it (kept theirs)"
                ));
                tasks.push(t.clone());
            }
            (Some(b), Some(m)) => tasks.push(merge_task(b, t, m, conflicts)),
        }
    }
    for m in &mine.tasks {
        if theirs.task(&m.id).is_some() {
            continue;
        }
        match base.task(&m.id) {
            None => tasks.push(m.clone()),   // I added it.
            Some(b) if same_task(b, m) => {} // They removed it; I left it alone.
            Some(_) => conflicts.push(format!(
                "task `{}`: they removed it, you changed it (kept it removed)",
                m.variable_id
            )),
        }
    }
    // Two tasks may now claim one variable id (each side added or renamed one).
    let mut seen = BTreeSet::new();
    for t in &tasks {
        if !seen.insert(t.variable_id.clone()) {
            conflicts.push(format!(
                "task `{}`: two tasks now have this id; rename one before saving",
                t.variable_id
            ));
        }
    }
    out.tasks = tasks;
}

fn merge_task(b: &Task, t: &Task, m: &Task, conflicts: &mut Vec<String>) -> Task {
    if same_task(b, m) {
        return t.clone();
    }
    if same_task(b, t) || same_task(t, m) {
        let mut merged = m.clone();
        merged.created_at = t.created_at;
        merged.updated_at = t.updated_at;
        merged.position = t.position;
        return merged;
    }
    let name = t.variable_id.clone();
    let mut note = |what: &str, c: bool| {
        if c {
            conflicts.push(format!(
                "task `{name}`: {what}: both changed it (kept theirs)"
            ));
        }
    };
    let mut out = t.clone();
    let (v, c) = pick(&b.variable_id, &t.variable_id, &m.variable_id);
    out.variable_id = v;
    note("id", c);
    let (v, c) = pick(&b.function_id, &t.function_id, &m.function_id);
    out.function_id = v;
    note("function", c);
    let (v, c) = pick(&b.mode, &t.mode, &m.mode);
    out.mode = v;
    note("mode", c);
    let (v, c) = pick(&b.python_callable, &t.python_callable, &m.python_callable);
    out.python_callable = v;
    note("python_callable", c);
    let keys: BTreeSet<&String> = b
        .inputs
        .keys()
        .chain(t.inputs.keys())
        .chain(m.inputs.keys())
        .collect();
    let mut inputs = BTreeMap::new();
    for k in keys {
        let (v, c) = pick(&b.inputs.get(k), &t.inputs.get(k), &m.inputs.get(k));
        if let Some(v) = v {
            inputs.insert(k.clone(), v.clone());
        }
        note(&format!("input `{k}`"), c);
    }
    out.inputs = inputs;
    let (v, keys) = merge_options_text(&b.options, &t.options, &m.options);
    out.options = v;
    for key in keys {
        note(&format!("option `{key}`"), true);
    }
    out
}

/// Options text merged by top-level key (TOML). Text that does not parse on every side
/// is merged as a whole. Returns the text and the keys both sides changed differently.
fn merge_options_text(base: &str, theirs: &str, mine: &str) -> (String, Vec<String>) {
    if super::flow::same_options(base, mine) || super::flow::same_options(theirs, mine) {
        return (theirs.to_string(), Vec::new());
    }
    if super::flow::same_options(base, theirs) {
        return (mine.to_string(), Vec::new());
    }
    let parse = |s: &str| s.parse::<toml_edit::DocumentMut>().ok();
    let (Some(b), Some(t), Some(m)) = (parse(base), parse(theirs), parse(mine)) else {
        return (theirs.to_string(), vec!["(all options)".to_string()]);
    };
    let value =
        |d: &toml_edit::DocumentMut, k: &str| d.get(k).map(|i| i.to_string().trim().to_string());
    let keys: BTreeSet<String> = b
        .iter()
        .chain(t.iter())
        .chain(m.iter())
        .map(|(k, _)| k.to_string())
        .collect();
    let mut out = t.clone();
    let mut conflicts = Vec::new();
    for k in keys {
        let (bv, tv, mv) = (value(&b, &k), value(&t, &k), value(&m, &k));
        if mv == bv || mv == tv {
            continue;
        }
        if tv == bv {
            match m.get(&k) {
                Some(item) => {
                    out.insert(&k, item.clone());
                }
                None => {
                    out.remove(&k);
                }
            }
        } else {
            conflicts.push(k);
        }
    }
    (out.to_string(), conflicts)
}

/// Edges as a set of (from, to): theirs, plus the ones I added, minus the ones I
/// removed; edges whose tasks are gone are dropped.
fn merge_edges(base: &FlowSpec, theirs: &FlowSpec, mine: &FlowSpec, out: &mut FlowSpec) {
    let pairs = |s: &FlowSpec| -> BTreeSet<(String, String)> {
        s.edges
            .iter()
            .map(|e| (e.from_task_id.clone(), e.to_task_id.clone()))
            .collect()
    };
    let (b, m) = (pairs(base), pairs(mine));
    let task_ids: BTreeSet<&str> = out.tasks.iter().map(|t| t.id.as_str()).collect();
    let mut edges: Vec<Edge> = theirs
        .edges
        .iter()
        .filter(|e| {
            let key = (e.from_task_id.clone(), e.to_task_id.clone());
            !b.contains(&key) || m.contains(&key)
        })
        .cloned()
        .collect();
    let have: BTreeSet<(String, String)> = edges
        .iter()
        .map(|e| (e.from_task_id.clone(), e.to_task_id.clone()))
        .collect();
    for e in &mine.edges {
        let key = (e.from_task_id.clone(), e.to_task_id.clone());
        if !b.contains(&key) && !have.contains(&key) {
            edges.push(e.clone());
        }
    }
    edges.retain(|e| {
        task_ids.contains(e.from_task_id.as_str()) && task_ids.contains(e.to_task_id.as_str())
    });
    out.edges = edges;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::sample::daily_sales;
    use crate::model::Input;

    fn three() -> (FlowSpec, FlowSpec, FlowSpec) {
        let base = daily_sales();
        (base.clone(), base.clone(), base)
    }

    #[test]
    fn edits_to_different_things_combine() {
        let (base, mut theirs, mut mine) = three();
        theirs.flow.schedule = "@hourly".into();
        theirs.tasks[0].options = "retries = 2\nretry_delay = \"5m\"\npool = \"etl\"\n".into();
        mine.flow.tags = vec!["team".into()];
        mine.tasks[0].inputs.insert(
            "limit".into(),
            Input::Value {
                value: crate::model::Literal::Int(5),
            },
        );
        mine.tasks[1].options = "retries = 4\n".into();
        let m = merge(&base, &theirs, &mine);
        assert!(m.conflicts.is_empty(), "{:?}", m.conflicts);
        assert_eq!(m.spec.flow.schedule, "@hourly");
        assert_eq!(m.spec.flow.tags, vec!["team".to_string()]);
        assert!(m.spec.tasks[0].options.contains("pool = \"etl\""));
        assert_eq!(
            m.spec.tasks[0].inputs.get("limit"),
            Some(&Input::Value {
                value: crate::model::Literal::Int(5)
            })
        );
        assert_eq!(m.spec.tasks[1].options, "retries = 4\n");
    }

    #[test]
    fn options_merge_by_key_and_report_the_same_key() {
        let (mut base, mut theirs, mut mine) = three();
        base.tasks[0].options = "retries = 1\npool = \"a\"\n".into();
        theirs.tasks[0].options = "retries = 5\npool = \"a\"\n".into();
        mine.tasks[0].options = "retries = 3\npool = \"b\"\n".into();
        let m = merge(&base, &theirs, &mine);
        assert_eq!(
            m.conflicts,
            vec![format!(
                "task `{}`: option `retries`: both changed it (kept theirs)",
                base.tasks[0].variable_id
            )]
        );
        let opts: toml::Table = toml::from_str(&m.spec.tasks[0].options).unwrap();
        assert_eq!(opts["retries"].as_integer(), Some(5));
        assert_eq!(opts["pool"].as_str(), Some("b"));
    }

    #[test]
    fn removed_on_one_side_changed_on_the_other_is_a_conflict() {
        let (base, mut theirs, mut mine) = three();
        let last = base.tasks.last().unwrap().clone();
        theirs.tasks.retain(|t| t.id != last.id);
        theirs
            .edges
            .retain(|e| e.from_task_id != last.id && e.to_task_id != last.id);
        mine.tasks.last_mut().unwrap().options = "retries = 9\n".into();
        let m = merge(&base, &theirs, &mine);
        assert_eq!(m.conflicts.len(), 1, "{:?}", m.conflicts);
        assert!(m.conflicts[0].contains("they removed it, you changed it"));
        assert!(m.spec.task(&last.id).is_none());
        assert!(m.spec.edges.iter().all(|e| e.to_task_id != last.id));
    }

    #[test]
    fn both_setting_the_same_value_is_no_conflict() {
        let (base, mut theirs, mut mine) = three();
        theirs.flow.description = "same".into();
        mine.flow.description = "same".into();
        let m = merge(&base, &theirs, &mine);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.spec.flow.description, "same");
    }

    #[test]
    fn edges_added_and_removed_on_my_side_apply_to_theirs() {
        let (base, theirs, mut mine) = three();
        let removed = mine.edges.remove(0);
        let m = merge(&base, &theirs, &mine);
        assert!(!m.spec.edges.iter().any(|e| e.id == removed.id));
        assert_eq!(m.spec.edges.len(), base.edges.len() - 1);
    }
}
