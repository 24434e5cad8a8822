use super::tables::*;
use super::*;
use crate::model::document::{apply_document, parse_document};
use crate::model::sample::{daily_sales, epoch, etl_functions, large_flow};
use crate::model::Input;

fn store_with_functions() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.redb")).unwrap();
    for f in etl_functions() {
        store.save_function(&f).unwrap();
    }
    (dir, store)
}

#[test]
fn every_field_round_trips() {
    let (_dir, store) = store_with_functions();
    let functions = store.functions().unwrap();
    assert_eq!(functions.len(), 2);
    let f = &functions[0];
    let sample = &etl_functions()[0];
    // Everything but the timestamps, which the store sets itself.
    assert_eq!(
        (
            f.id.as_str(),
            f.name.as_str(),
            f.filename.as_str(),
            f.path.as_str(),
            f.function.as_str(),
            f.description.as_str()
        ),
        (
            sample.id.as_str(),
            sample.name.as_str(),
            sample.filename.as_str(),
            sample.path.as_str(),
            sample.function.as_str(),
            sample.description.as_str()
        )
    );
    assert_eq!(
        (&f.params, &f.content_hash, &f.source_path, &f.module),
        (
            &sample.params,
            &sample.content_hash,
            &sample.source_path,
            &sample.module
        )
    );
    assert_eq!(f.created_at, f.updated_at);

    let outcome = store.save_flow(&daily_sales()).unwrap();
    assert!(outcome.created && outcome.changed);
    let loaded = store.flow(&outcome.spec.flow.id).unwrap().unwrap();
    assert_eq!(loaded, outcome.spec);
    assert_eq!(loaded.flow.version, 1);
    assert_eq!(loaded.flow.schedule, "0 2 * * *");
    assert_eq!(loaded.flow.tags, vec!["sales".to_string()]);
    assert_eq!(loaded.flow.defaults, "retries = 1\n");
    let load = loaded.task_by_var("load").unwrap();
    assert!(matches!(load.inputs["total"], Input::Task { key: Some(ref k), .. } if k == "total"));
    assert_eq!(
        loaded
            .tasks
            .iter()
            .map(|t| t.variable_id.as_str())
            .collect::<Vec<_>>(),
        ["extract", "load", "report"]
    );
    assert_eq!(store.flow_by_name("daily sales").unwrap().unwrap(), loaded);
}

#[test]
fn version_goes_up_only_on_real_changes() {
    let (_dir, store) = store_with_functions();
    let first = store.save_flow(&daily_sales()).unwrap().spec;
    // Saving the same content again changes nothing.
    let again = store.save_flow(&first).unwrap();
    assert!(!again.changed);
    assert_eq!(again.spec.flow.version, 1);
    assert_eq!(again.spec.flow.updated_at, first.flow.updated_at);
    // A comment in the options text is not a change of meaning.
    let mut commented = first.clone();
    commented.tasks[0].options = format!("# tuned\n{}", commented.tasks[0].options);
    assert!(!store.save_flow(&commented).unwrap().changed);
    // A real change bumps by exactly one, keeps created_at and touches only that task.
    let mut edited = first.clone();
    edited.tasks[1].options = "retries = 5\n".into();
    let saved = store.save_flow(&edited).unwrap().spec;
    assert_eq!(saved.flow.version, 2);
    assert_eq!(saved.flow.created_at, first.flow.created_at);
    assert!(saved.flow.updated_at >= first.flow.updated_at);
    assert_eq!(saved.tasks[0].updated_at, first.tasks[0].updated_at);
    assert!(saved.tasks[1].updated_at > first.tasks[1].updated_at);
    // Both versions are kept, newest first.
    let revs = store.revisions(&saved.flow.id).unwrap();
    assert_eq!(revs.iter().map(|r| r.version).collect::<Vec<_>>(), [2, 1]);
    assert!(revs[0].text().contains("retries = 5"));
    assert!(!revs[1].text().contains("retries = 5"));
}

#[test]
fn rename_keeps_the_id_and_frees_the_old_name() {
    let (_dir, store) = store_with_functions();
    let first = store.save_flow(&daily_sales()).unwrap().spec;
    let mut renamed = first.clone();
    renamed.flow.name = "sales, daily".into();
    let saved = store.save_flow(&renamed).unwrap().spec;
    assert_eq!(saved.flow.id, first.flow.id);
    assert!(store.flow_by_name("daily sales").unwrap().is_none());
    assert!(store.flow_by_name("sales, daily").unwrap().is_some());
}

#[test]
fn names_are_unique() {
    let (_dir, store) = store_with_functions();
    store.save_flow(&daily_sales()).unwrap();
    let mut other = daily_sales();
    other.flow.id = "dag_0000000000000000".into();
    for t in &mut other.tasks {
        t.flow_id = other.flow.id.clone();
    }
    for e in &mut other.edges {
        e.flow_id = other.flow.id.clone();
    }
    let err = store.save_flow(&other).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a flow named `daily sales` already exists; choose another name"
    );
    let mut f = etl_functions()[0].clone();
    f.id = "fn_other".into();
    assert!(matches!(
        store.save_function(&f),
        Err(Error::NameTaken { .. })
    ));
}

#[test]
fn invalid_flows_are_not_saved() {
    let (_dir, store) = store_with_functions();
    let mut spec = daily_sales();
    spec.tasks[0].variable_id = "for".into();
    let err = store.save_flow(&spec).unwrap_err().to_string();
    assert!(err.contains("Python keyword"), "{err}");
    assert!(store.flows().unwrap().is_empty());
}

#[test]
fn functions_in_use_cannot_be_deleted() {
    let (_dir, store) = store_with_functions();
    store.save_flow(&daily_sales()).unwrap();
    let err = store.delete_function("extract").unwrap_err().to_string();
    assert_eq!(err, "function `extract` is used by task `extract` of flow `daily sales`; remove those tasks first");
    let id = store.flow_by_name("daily sales").unwrap().unwrap().flow.id;
    store.delete_flow(&id).unwrap();
    assert!(store.revisions(&id).unwrap().is_empty());
    store.delete_function("extract").unwrap();
    assert_eq!(store.functions().unwrap().len(), 1);
}

#[test]
fn a_second_open_names_the_owner() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.redb");
    let _first = Store::open(&path).unwrap();
    let err = Store::open(&path).err().unwrap();
    let text = err.to_string();
    assert!(
        text.contains("already in use by another flowdeck"),
        "{text}"
    );
    assert!(
        text.contains(&format!("pid {}", std::process::id())),
        "{text}"
    );
}

#[test]
fn schema_1_databases_are_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.redb");
    // Write a database the way schema 1 did: no `position` in task records.
    let spec = daily_sales();
    {
        let db = redb::Database::create(&path).unwrap();
        let tx = db.begin_write().unwrap();
        {
            tx.open_table(META).unwrap().insert(SCHEMA_KEY, 1).unwrap();
            tx.open_table(FLOWS)
                .unwrap()
                .insert(
                    spec.flow.id.as_str(),
                    encode(&spec.flow).unwrap().as_slice(),
                )
                .unwrap();
            tx.open_table(FLOW_NAMES)
                .unwrap()
                .insert(spec.flow.name.as_str(), spec.flow.id.as_str())
                .unwrap();
            let mut tasks = tx.open_table(TASKS).unwrap();
            for (i, t) in spec.tasks.iter().enumerate() {
                let mut v = serde_json::to_value(t).unwrap();
                v.as_object_mut().unwrap().remove("position");
                // Creation order is the order to recover.
                v["created_at"] =
                    serde_json::to_value(epoch() + chrono::Duration::seconds(i as i64)).unwrap();
                tasks
                    .insert(
                        child_key(&t.flow_id, &t.id).as_str(),
                        serde_json::to_vec(&v).unwrap().as_slice(),
                    )
                    .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    let store = Store::open(&path).unwrap();
    let loaded = store.flow(&spec.flow.id).unwrap().unwrap();
    assert_eq!(
        loaded
            .tasks
            .iter()
            .map(|t| (t.variable_id.as_str(), t.position))
            .collect::<Vec<_>>(),
        [("extract", 0), ("load", 1), ("report", 2)]
    );
    drop(store);
    // Reopening finds the current schema.
    let db = redb::Database::create(&path).unwrap();
    let tx = db.begin_read().unwrap();
    assert_eq!(
        tx.open_table(META)
            .unwrap()
            .get(SCHEMA_KEY)
            .unwrap()
            .unwrap()
            .value(),
        SCHEMA_VERSION
    );
}

#[test]
fn newer_schemas_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.redb");
    {
        let db = redb::Database::create(&path).unwrap();
        let tx = db.begin_write().unwrap();
        tx.open_table(META).unwrap().insert(SCHEMA_KEY, 99).unwrap();
        tx.commit().unwrap();
    }
    let err = Store::open(&path).err().unwrap().to_string();
    assert!(err.contains("newer flowdeck (schema 99"), "{err}");
}

#[test]
fn large_flows_save_and_load() {
    let (_dir, store) = store_with_functions();
    let spec = large_flow("big", 1000);
    let saved = store.save_flow(&spec).unwrap().spec;
    let loaded = store.flow(&saved.flow.id).unwrap().unwrap();
    assert_eq!(loaded.tasks.len(), 1000);
    assert_eq!(loaded, saved);
}

#[test]
fn import_updates_the_flow_with_the_same_name() {
    let (_dir, store) = store_with_functions();
    let first = store.save_flow(&daily_sales()).unwrap().spec;
    let functions = store.functions().unwrap();
    let text = crate::model::sample::DAILY_SALES.replace("limit = 100", "limit = 200");
    let doc = parse_document(&text).unwrap();
    let spec = apply_document(&doc, Some(&first), &functions, chrono::Utc::now()).unwrap();
    let saved = store.save_flow(&spec).unwrap();
    assert!(saved.changed);
    assert_eq!(saved.spec.flow.version, 2);
    assert_eq!(saved.spec.tasks[0].id, first.tasks[0].id);
}
