//! Writing into the dags folder: atomic writes, unchanged renders left alone, flowdeck's
//! own files only ever replaced or removed, the library package and .airflowignore, and
//! the start-up reconcile.

mod support;

use flowdeck::model::FlowSpec;
use flowdeck::render::reconcile::TEMP_FILE_GRACE;
use flowdeck::render::write::{is_temp_file_name, TEMP_SUFFIX};
use flowdeck::render::{
    ensure_library_package, reconcile, remove_dag_file, repair, write_if_changed,
    write_library_module, Error, OrphanReason, RenderConfig, Rendered, Renderer, WriteOutcome,
};
use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

fn renderer() -> Renderer {
    Renderer::new(&RenderConfig::default()).unwrap()
}

fn rendered(spec: &FlowSpec) -> Rendered {
    renderer().render(spec, &support::functions()).unwrap()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn age(path: &Path, by: Duration) {
    let file = fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - by).unwrap();
}

#[test]
fn unchanged_render_does_not_touch_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let r = rendered(&support::flow(support::PYTHON_ONLY));
    assert_eq!(
        write_if_changed(dir.path(), &r).unwrap(),
        WriteOutcome::Written
    );
    let path = dir.path().join(&r.file_name);
    assert_eq!(fs::read_to_string(&path).unwrap(), r.source);
    // Back-date the file: an unchanged write must keep this mtime (Airflow re-parses on
    // mtime changes).
    age(&path, Duration::from_secs(3600));
    let before = fs::metadata(&path).unwrap().modified().unwrap();
    assert_eq!(
        write_if_changed(dir.path(), &r).unwrap(),
        WriteOutcome::Unchanged
    );
    assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), before);
    assert_eq!(
        names_in(dir.path()),
        vec![r.file_name.clone()],
        "no temp files left"
    );
}

#[test]
fn a_changed_render_replaces_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = support::flow(support::PYTHON_ONLY);
    let v1 = rendered(&spec);
    write_if_changed(dir.path(), &v1).unwrap();
    spec.flow.version += 1;
    spec.flow.description = "changed".into();
    let v2 = rendered(&spec);
    assert_ne!(v1.source, v2.source);
    assert_eq!(
        write_if_changed(dir.path(), &v2).unwrap(),
        WriteOutcome::Written
    );
    assert_eq!(
        fs::read_to_string(dir.path().join(&v2.file_name)).unwrap(),
        v2.source
    );
    assert_eq!(names_in(dir.path()), vec![v2.file_name.clone()]);
}

#[test]
fn readers_only_ever_see_whole_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = flowdeck::model::sample::large_flow("big", 200);
    let v1 = rendered(&spec);
    spec.flow.version += 1;
    let v2 = rendered(&spec);
    let path = dir.path().join(&v1.file_name);
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..200 {
                let r = if i % 2 == 0 { &v1 } else { &v2 };
                write_if_changed(dir.path(), r).unwrap();
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        let mut reads = 0;
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            if let Ok(text) = fs::read_to_string(&path) {
                assert!(
                    text == v1.source || text == v2.source,
                    "a reader saw a partial file"
                );
                reads += 1;
            }
        }
        assert!(reads > 0);
    });
    assert!(names_in(dir.path()).iter().all(|n| !is_temp_file_name(n)));
}

#[test]
fn files_flowdeck_did_not_write_are_never_replaced_or_removed() {
    let dir = tempfile::tempdir().unwrap();
    let r = rendered(&support::flow(support::PYTHON_ONLY));
    let path = dir.path().join(&r.file_name);
    fs::write(&path, "# my own DAG\nimport airflow\n").unwrap();
    let err = write_if_changed(dir.path(), &r).unwrap_err();
    assert!(matches!(err, Error::NotOurs { .. }), "{err}");
    assert!(err.to_string().contains(&r.file_name), "{err}");
    let err = remove_dag_file(dir.path(), &r.flow_id, None).unwrap_err();
    assert!(matches!(err, Error::NotOurs { .. }), "{err}");
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "# my own DAG\nimport airflow\n"
    );
}

#[test]
fn removing_a_flow_removes_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let r = rendered(&support::flow(support::PYTHON_ONLY));
    write_if_changed(dir.path(), &r).unwrap();
    assert!(remove_dag_file(dir.path(), &r.flow_id, None).unwrap());
    assert!(!dir.path().join(&r.file_name).exists());
    assert!(
        !remove_dag_file(dir.path(), &r.flow_id, None).unwrap(),
        "already gone"
    );
    assert!(matches!(
        remove_dag_file(dir.path(), "../etc/passwd", None),
        Err(Error::BadFlowId(_))
    ));
}

#[test]
fn a_missing_dags_folder_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let r = rendered(&support::flow(support::PYTHON_ONLY));
    let err = write_if_changed(&missing, &r).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("nope") && text.contains("FLOWDECK_DAGS_FOLDER"),
        "{text}"
    );
}

#[test]
fn library_package_and_airflowignore_are_merged_not_clobbered() {
    let dir = tempfile::tempdir().unwrap();
    let dags = dir.path();
    let user_lines = "# my ignores\nscratch/.*\nno_trailing_newline";
    fs::write(dags.join(".airflowignore"), user_lines).unwrap();
    let setup = ensure_library_package(dags, "flowdeck_functions").unwrap();
    assert!(setup.created_init && setup.updated_airflowignore);
    assert!(dags.join("flowdeck_functions/__init__.py").is_file());
    let ignore = fs::read_to_string(dags.join(".airflowignore")).unwrap();
    assert!(ignore.starts_with(&format!("{user_lines}\n")), "{ignore:?}");
    assert!(
        ignore.lines().any(|l| l == "flowdeck_functions/"),
        "{ignore:?}"
    );

    // Idempotent, and an operator's own __init__.py is kept.
    fs::write(dags.join("flowdeck_functions/__init__.py"), "X = 1\n").unwrap();
    let again = ensure_library_package(dags, "flowdeck_functions").unwrap();
    assert!(!again.created_init && !again.updated_airflowignore);
    assert_eq!(
        fs::read_to_string(dags.join(".airflowignore")).unwrap(),
        ignore
    );
    assert_eq!(
        fs::read_to_string(dags.join("flowdeck_functions/__init__.py")).unwrap(),
        "X = 1\n"
    );

    assert_eq!(
        write_library_module(dags, "flowdeck_functions", "etl", b"def f():\n    pass\n").unwrap(),
        WriteOutcome::Written
    );
    assert_eq!(
        write_library_module(dags, "flowdeck_functions", "etl", b"def f():\n    pass\n").unwrap(),
        WriteOutcome::Unchanged
    );
    assert!(write_library_module(dags, "flowdeck_functions", "../evil", b"").is_err());
    assert!(matches!(
        ensure_library_package(dags, "not-a-package"),
        Err(Error::BadPackage(_))
    ));
    assert!(names_in(dags).iter().all(|n| !n.ends_with(TEMP_SUFFIX)));
}

#[test]
fn reconcile_reports_and_repair_fixes() {
    let dir = tempfile::tempdir().unwrap();
    let dags = dir.path();
    let renderer = renderer();
    let functions = support::functions();
    ensure_library_package(dags, "flowdeck_functions").unwrap();

    let up_to_date = support::flow(support::PYTHON_ONLY);
    let missing = support::flow(support::DOCKER_ONLY);
    let mut stale = support::flow(support::XCOM_KEYS);
    let gone = support::flow(support::PARAMS); // deleted from flowdeck, file left behind
    let mut broken = support::flow(support::TEMPLATES); // cannot render any more
    for spec in [&up_to_date, &stale, &gone, &broken] {
        write_if_changed(dags, &renderer.render(spec, &functions).unwrap()).unwrap();
    }
    stale.flow.version += 1;
    broken.tasks[0].function_id = Some("fn_deleted".into());
    let broken_file = dags.join(format!("{}.py", broken.flow.id));
    let broken_before = fs::read(&broken_file).unwrap();

    // A copy of a flowdeck file under another name, an operator's own DAG, and temp files.
    let copy = dags.join("copy_of_python_only.py");
    fs::copy(dags.join(format!("{}.py", up_to_date.flow.id)), &copy).unwrap();
    fs::write(dags.join("mine.py"), "# airflow dag\n").unwrap();
    let old_temp = dags.join(format!(".x.py.1-1{TEMP_SUFFIX}"));
    let young_temp = dags.join(format!(".y.py.1-2{TEMP_SUFFIX}"));
    let lib_temp = dags.join(format!("flowdeck_functions/.etl.py.1-3{TEMP_SUFFIX}"));
    for t in [&old_temp, &young_temp, &lib_temp] {
        fs::write(t, "half").unwrap();
    }
    age(&old_temp, TEMP_FILE_GRACE * 2);
    age(&lib_temp, TEMP_FILE_GRACE * 2);

    let flows = vec![
        up_to_date.clone(),
        missing.clone(),
        stale.clone(),
        broken.clone(),
    ];
    let report = reconcile(dags, &flows, &functions, &renderer).unwrap();
    assert_eq!(report.up_to_date, vec![up_to_date.flow.id.clone()]);
    assert_eq!(
        report
            .missing
            .iter()
            .map(|r| r.flow_id.as_str())
            .collect::<Vec<_>>(),
        vec![missing.flow.id.as_str()]
    );
    assert_eq!(
        report
            .stale
            .iter()
            .map(|r| r.flow_id.as_str())
            .collect::<Vec<_>>(),
        vec![stale.flow.id.as_str()]
    );
    let mut orphans: Vec<(String, OrphanReason)> = report
        .orphaned
        .iter()
        .map(|o| {
            (
                o.path.file_name().unwrap().to_string_lossy().into_owned(),
                o.reason,
            )
        })
        .collect();
    orphans.sort();
    let mut want = vec![
        (
            "copy_of_python_only.py".to_string(),
            OrphanReason::WrongFileName,
        ),
        (format!("{}.py", gone.flow.id), OrphanReason::UnknownFlow),
    ];
    want.sort();
    assert_eq!(orphans, want);
    assert_eq!(report.temp_files.len(), 3);
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert_eq!(report.problems[0].flow_id, broken.flow.id);
    assert!(!report.is_clean());
    assert!(report.lines().len() >= 8, "{:#?}", report.lines());

    let outcome = repair(dags, &report);
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
    assert_eq!(outcome.written.len(), 2);
    assert_eq!(outcome.removed.len(), 4, "2 orphans + 2 old temp files");
    assert_eq!(outcome.kept_temp_files, vec![young_temp.clone()]);
    assert!(
        dags.join("mine.py").exists(),
        "never remove a file without the header"
    );
    assert_eq!(
        fs::read(&broken_file).unwrap(),
        broken_before,
        "unrenderable flow's file is kept"
    );

    let after = reconcile(dags, &flows, &functions, &renderer).unwrap();
    assert!(after.missing.is_empty() && after.stale.is_empty() && after.orphaned.is_empty());
    assert_eq!(after.up_to_date.len(), 3);
    assert_eq!(after.temp_files.len(), 1, "only the young temp file");
}
