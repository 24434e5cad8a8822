use super::tables::*;
use super::*;
use crate::model::document::{apply_document, parse_document};
use crate::model::sample::{daily_sales, epoch, etl_functions, large_flow};
use crate::model::{Actor, Input};

fn store_with_functions() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.redb")).unwrap();
    for f in etl_functions() {
        store.save_function(&f, None).unwrap();
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

    let outcome = store.save_flow(&daily_sales(), Base::Any).unwrap();
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
    let first = store.save_flow(&daily_sales(), Base::Any).unwrap().spec;
    // Saving the same content again changes nothing.
    let again = store.save_flow(&first, Base::Any).unwrap();
    assert!(!again.changed);
    assert_eq!(again.spec.flow.version, 1);
    assert_eq!(again.spec.flow.updated_at, first.flow.updated_at);
    // A comment in the options text is not a change of meaning.
    let mut commented = first.clone();
    commented.tasks[0].options = format!("# tuned\n{}", commented.tasks[0].options);
    assert!(!store.save_flow(&commented, Base::Any).unwrap().changed);
    // A real change bumps by exactly one, keeps created_at and touches only that task.
    let mut edited = first.clone();
    edited.tasks[1].options = "retries = 5\n".into();
    let saved = store.save_flow(&edited, Base::Any).unwrap().spec;
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
    let first = store.save_flow(&daily_sales(), Base::Any).unwrap().spec;
    let mut renamed = first.clone();
    renamed.flow.name = "sales, daily".into();
    let saved = store.save_flow(&renamed, Base::Any).unwrap().spec;
    assert_eq!(saved.flow.id, first.flow.id);
    assert!(store.flow_by_name("daily sales").unwrap().is_none());
    assert!(store.flow_by_name("sales, daily").unwrap().is_some());
}

#[test]
fn names_are_unique() {
    let (_dir, store) = store_with_functions();
    store.save_flow(&daily_sales(), Base::Any).unwrap();
    let mut other = daily_sales();
    other.flow.id = "dag_0000000000000000".into();
    for t in &mut other.tasks {
        t.flow_id = other.flow.id.clone();
    }
    for e in &mut other.edges {
        e.flow_id = other.flow.id.clone();
    }
    let err = store.save_flow(&other, Base::Any).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a flow named `daily sales` already exists; choose another name"
    );
    let mut f = etl_functions()[0].clone();
    f.id = "fn_other".into();
    assert!(matches!(
        store.save_function(&f, None),
        Err(Error::NameTaken { .. })
    ));
}

#[test]
fn invalid_flows_are_not_saved() {
    let (_dir, store) = store_with_functions();
    let mut spec = daily_sales();
    spec.tasks[0].variable_id = "for".into();
    let err = store.save_flow(&spec, Base::Any).unwrap_err().to_string();
    assert!(err.contains("Python keyword"), "{err}");
    assert!(store.flows().unwrap().is_empty());
}

#[test]
fn functions_in_use_cannot_be_deleted() {
    let (_dir, store) = store_with_functions();
    store.save_flow(&daily_sales(), Base::Any).unwrap();
    let err = store.delete_function("extract").unwrap_err().to_string();
    assert_eq!(err, "function `extract` is used by task `extract` of flow `daily sales`; remove those tasks first");
    let id = store.flow_by_name("daily sales").unwrap().unwrap().flow.id;
    store.delete_flow(&id, Base::Any).unwrap();
    assert!(store.revisions(&id).unwrap().is_empty());
    store.delete_function("extract").unwrap();
    assert_eq!(store.functions().unwrap().len(), 1);
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
    let saved = store.save_flow(&spec, Base::Any).unwrap().spec;
    let loaded = store.flow(&saved.flow.id).unwrap().unwrap();
    assert_eq!(loaded.tasks.len(), 1000);
    assert_eq!(loaded, saved);
}

#[test]
fn import_updates_the_flow_with_the_same_name() {
    let (_dir, store) = store_with_functions();
    let first = store.save_flow(&daily_sales(), Base::Any).unwrap().spec;
    let functions = store.functions().unwrap();
    let text = crate::model::sample::DAILY_SALES.replace("limit = 100", "limit = 200");
    let doc = parse_document(&text).unwrap();
    let spec = apply_document(&doc, Some(&first), &functions, chrono::Utc::now()).unwrap();
    let saved = store.save_flow(&spec, Base::Any).unwrap();
    assert!(saved.changed);
    assert_eq!(saved.spec.flow.version, 2);
    assert_eq!(saved.spec.tasks[0].id, first.tasks[0].id);
}

fn as_user(dir: &tempfile::TempDir, user: &str) -> Store {
    Store::open_as(&dir.path().join("t.redb"), Actor::new(user, "bastion")).unwrap()
}

#[test]
fn two_handles_share_one_file_and_see_each_others_commits() {
    let (dir, setup) = store_with_functions();
    let alice = as_user(&dir, "alice");
    let bob = as_user(&dir, "bob");
    assert_eq!(setup.database_id(), bob.database_id());
    assert_eq!(alice.database_id().len(), 32);
    let g = bob.generation().unwrap();
    let saved = alice.save_flow(&daily_sales(), Base::New).unwrap().spec;
    assert!(bob.generation().unwrap() > g);
    let ChangesSince::Changes(changes) = bob.changes_since(g).unwrap() else {
        panic!("expected changes");
    };
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].by.user, "alice");
    assert!(
        matches!(&changes[0].what, Changed::FlowSaved { id, version: 1, .. } if *id == saved.flow.id)
    );
    // A quiet reader sees nothing new.
    let now = bob.generation().unwrap();
    assert_eq!(
        bob.changes_since(now).unwrap(),
        ChangesSince::Changes(Vec::new())
    );
}

#[test]
fn a_save_over_a_newer_version_is_refused_with_who_and_when() {
    let dir = tempfile::tempdir().unwrap();
    let alice = as_user(&dir, "alice");
    for f in etl_functions() {
        alice.save_function(&f, None).unwrap();
    }
    let bob = as_user(&dir, "bob");
    let v1 = alice.save_flow(&daily_sales(), Base::New).unwrap().spec;
    // Both start from v1; alice saves v2 first.
    let mut hers = v1.clone();
    hers.flow.description = "hers".into();
    alice.save_flow(&hers, Base::Version(1)).unwrap();
    let mut his = v1.clone();
    his.flow.schedule = "@hourly".into();
    let err = bob.save_flow(&his, Base::Version(1)).unwrap_err();
    let Error::Conflict(c) = &err else {
        panic!("expected a conflict, got {err}");
    };
    assert_eq!((c.base, c.theirs), (Some(1), Some(2)));
    assert_eq!(c.by.user, "alice");
    let line = err.to_string();
    assert!(
        line.starts_with("alice@bastion saved v2 of flow `daily sales` at "),
        "{line}"
    );
    assert!(line.ends_with("while you edited v1"), "{line}");
    // Nothing of bob's reached the database.
    assert_eq!(
        bob.flow(&v1.flow.id).unwrap().unwrap().flow.schedule,
        "0 2 * * *"
    );
    // "Save mine anyway" names the version it overrides.
    let saved = bob.save_flow(&his, Base::Version(2)).unwrap().spec;
    assert_eq!(saved.flow.version, 3);
    let revs = bob.revisions(&v1.flow.id).unwrap();
    assert_eq!(
        revs.iter()
            .map(|r| r.saved_by.user.as_str())
            .collect::<Vec<_>>(),
        ["bob", "alice", "alice"]
    );
}

#[test]
fn creating_a_flow_someone_created_meanwhile_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let alice = as_user(&dir, "alice");
    for f in etl_functions() {
        alice.save_function(&f, None).unwrap();
    }
    let bob = as_user(&dir, "bob");
    alice.save_flow(&daily_sales(), Base::New).unwrap();
    let err = bob.save_flow(&daily_sales(), Base::New).unwrap_err();
    assert!(
        err.to_string().contains("while you were creating it"),
        "{err}"
    );
}

#[test]
fn deleting_checks_the_version_and_a_save_after_a_delete_says_who() {
    let dir = tempfile::tempdir().unwrap();
    let alice = as_user(&dir, "alice");
    for f in etl_functions() {
        alice.save_function(&f, None).unwrap();
    }
    let bob = as_user(&dir, "bob");
    let v1 = alice.save_flow(&daily_sales(), Base::New).unwrap().spec;
    let mut v2 = v1.clone();
    v2.flow.description = "newer".into();
    alice.save_flow(&v2, Base::Version(1)).unwrap();
    let err = bob.delete_flow(&v1.flow.id, Base::Version(1)).unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err}");
    assert!(bob.flow(&v1.flow.id).unwrap().is_some());
    bob.delete_flow(&v1.flow.id, Base::Version(2)).unwrap();
    let err = alice.save_flow(&v2, Base::Version(2)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("bob@bastion deleted flow `daily sales` at "),
        "{err}"
    );
}

#[test]
fn function_edits_are_checked_against_the_version_they_started_from() {
    let dir = tempfile::tempdir().unwrap();
    let alice = as_user(&dir, "alice");
    for f in etl_functions() {
        alice.save_function(&f, None).unwrap();
    }
    let bob = as_user(&dir, "bob");
    let seen = bob.function_by_name("extract").unwrap().unwrap();
    let mut hers = seen.clone();
    hers.description = "hers".into();
    alice.save_function(&hers, Some(seen.updated_at)).unwrap();
    let mut his = seen.clone();
    his.description = "his".into();
    let err = bob.save_function(&his, Some(seen.updated_at)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("alice@bastion changed function `extract` at "),
        "{err}"
    );
}

#[test]
fn deploys_record_who_and_reach_the_history() {
    let (dir, alice) = store_with_functions();
    let saved = alice.save_flow(&daily_sales(), Base::New).unwrap().spec;
    let bob = as_user(&dir, "bob");
    let mut record = crate::model::deploy::DeployRecord {
        flow_id: saved.flow.id.clone(),
        state: crate::model::deploy::DeployState::Parsing,
        version: 1,
        rendered_hash: None,
        rendered_at: None,
        since: chrono::Utc::now(),
        message: String::new(),
        error_task: None,
        deployed_version: None,
        by: None,
        environment: String::new(),
        commit: None,
    };
    bob.set_deploy(&record).unwrap();
    assert!(bob.deploy_history(&saved.flow.id).unwrap().is_empty());
    record.state = crate::model::deploy::DeployState::Ready;
    bob.set_deploy(&record).unwrap();
    let history = alice.deploy_history(&saved.flow.id).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].version, history[0].by.user.as_str()),
        (1, "bob")
    );
    assert_eq!(
        alice
            .deploy_in(&saved.flow.id, "default")
            .unwrap()
            .unwrap()
            .by
            .unwrap()
            .user,
        "bob"
    );
}

#[test]
fn deploy_records_are_kept_per_environment() {
    use crate::model::deploy::{DeployRecord, DeployState};
    let (_dir, store) = store_with_functions();
    let saved = store.save_flow(&daily_sales(), Base::New).unwrap().spec;
    let id = saved.flow.id.clone();
    let record = |env: &str, state: DeployState| DeployRecord {
        flow_id: id.clone(),
        state,
        version: 1,
        rendered_hash: None,
        rendered_at: None,
        since: chrono::Utc::now(),
        message: String::new(),
        error_task: None,
        deployed_version: Some(1),
        by: None,
        environment: env.into(),
        commit: None,
    };
    // A record of the implicit environment as written before environments existed.
    store.set_deploy(&record("", DeployState::Ready)).unwrap();
    store
        .set_deploy(&record("prod", DeployState::Parsing))
        .unwrap();
    store
        .set_deploy(&record("prod", DeployState::Ready))
        .unwrap();
    store
        .set_deploy(&record("dev", DeployState::ImportError))
        .unwrap();
    let state = |env: &str| store.deploy_in(&id, env).unwrap().map(|r| r.state);
    assert_eq!(state("default"), Some(DeployState::Ready));
    assert_eq!(state("prod"), Some(DeployState::Ready));
    assert_eq!(state("dev"), Some(DeployState::ImportError));
    assert_eq!(state("stage"), None);
    let mut envs: Vec<String> = store
        .deploys_of(&id)
        .unwrap()
        .into_iter()
        .map(|r| r.environment)
        .collect();
    envs.sort();
    assert_eq!(envs, ["default", "dev", "prod"]);
    assert_eq!(store.deploys_in("prod").unwrap().len(), 1);
    assert_eq!(store.all_deploys().unwrap()[&id].len(), 3);
    let history = store.deploy_history(&id).unwrap();
    let mut ended: Vec<(String, DeployState)> = history
        .iter()
        .map(|e| {
            (
                crate::model::deploy::environment_of(&e.environment).to_string(),
                e.state,
            )
        })
        .collect();
    ended.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        ended,
        [
            ("default".to_string(), DeployState::Ready),
            ("dev".to_string(), DeployState::ImportError),
            ("prod".to_string(), DeployState::Ready)
        ]
    );
    // Removing the flow removes its records everywhere.
    store.delete_flow(&id, Base::Any).unwrap();
    assert!(store.all_deploys().unwrap().is_empty());
    assert!(store.deploy_history(&id).unwrap().is_empty());
}

#[test]
fn drafts_are_per_user_and_process() {
    let (dir, _setup) = store_with_functions();
    let alice = as_user(&dir, "alice");
    let spec = daily_sales();
    let draft = Draft {
        flow_id: spec.flow.id.clone(),
        base_version: None,
        spec: spec.clone(),
        options: None,
        changes: 3,
        saved_at: chrono::Utc::now(),
        by: Actor::default(),
        pid: 0,
    };
    // put_draft stamps the writer (user and process).
    alice.put_draft(&draft).unwrap();
    let bob = as_user(&dir, "bob");
    assert!(bob.my_drafts().unwrap().is_empty());
    let elsewhere = bob.drafts_elsewhere(&spec.flow.id).unwrap();
    assert_eq!(elsewhere.len(), 1);
    assert_eq!(elsewhere[0].by.user, "alice");
    // Drafts do not move the generation other processes poll.
    let g = bob.generation().unwrap();
    alice.put_draft(&draft).unwrap();
    assert_eq!(bob.generation().unwrap(), g);
    alice.remove_draft(&spec.flow.id).unwrap();
    assert!(bob.drafts_elsewhere(&spec.flow.id).unwrap().is_empty());
}

#[test]
fn files_that_are_not_flowdeck_databases_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello\n").unwrap();
    let err = Store::open(&text).err().unwrap().to_string();
    assert!(err.ends_with("is not a flowdeck database; pass --db (or FLOWDECK_DB) the path of a flowdeck database, or a new path to create one"), "{err}");
    assert_eq!(std::fs::read(&text).unwrap(), b"hello\n");

    // A redb file of another program.
    let other = dir.path().join("other.redb");
    {
        let db = redb::Database::create(&other).unwrap();
        let tx = db.begin_write().unwrap();
        tx.open_table(redb::TableDefinition::<&str, u64>::new("stuff"))
            .unwrap()
            .insert("a", 1)
            .unwrap();
        tx.commit().unwrap();
    }
    let before = std::fs::read(&other).unwrap();
    let err = Store::open(&other).err().unwrap().to_string();
    assert!(err.contains("is not a flowdeck database"), "{err}");
    assert!(
        std::fs::read(&other).unwrap() == before,
        "the file was changed"
    );
}

#[test]
fn a_truncated_database_is_one_line_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.redb");
    {
        let store = Store::open(&path).unwrap();
        for f in etl_functions() {
            store.save_function(&f, None).unwrap();
        }
        store.save_flow(&daily_sales(), Base::New).unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    for cut in [bytes.len() / 2, 4096, 600, 64] {
        std::fs::write(&path, &bytes[..cut.min(bytes.len())]).unwrap();
        let err = Store::open(&path).err().map(|e| e.to_string());
        // Either the damage is caught at open, or every read says so: never a panic.
        if let Some(e) = err {
            assert!(
                e.contains("is damaged") || e.contains("not a flowdeck database"),
                "{cut}: {e}"
            );
        }
    }
}

#[test]
fn the_change_log_keeps_its_newest_entries_and_readers_behind_it_reload() {
    let (_dir, store) = store_with_functions();
    let g0 = store.generation().unwrap();
    let mut spec = store.save_flow(&daily_sales(), Base::New).unwrap().spec;
    for i in 0..5 {
        spec.flow.description = format!("edit {i}");
        spec = store
            .save_flow(&spec, Base::Version(spec.flow.version))
            .unwrap()
            .spec;
    }
    let ChangesSince::Changes(c) = store.changes_since(g0).unwrap() else {
        panic!("log should still hold these");
    };
    assert_eq!(c.len(), 6);
    assert!(c.windows(2).all(|w| w[0].seq + 1 == w[1].seq));
    // A reader that claims to be ahead of the database (replaced file) reloads.
    assert!(matches!(
        store.changes_since(u64::MAX).unwrap(),
        ChangesSince::Reload { .. }
    ));
}
