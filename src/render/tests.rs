//! Render unit tests: template overrides, escaping guarantees and error messages.

use super::*;
use crate::model::sample::{daily_sales, etl_functions};
use crate::model::{Input, Mode};

#[test]
fn template_syntax_in_values_is_not_evaluated() {
    let mut spec = daily_sales();
    spec.flow.name = "{{ dag.dag_id }} {% for x in tasks %}X{% endfor %} {# c #}".into();
    let r = render(&spec, &etl_functions(), &RenderConfig::default()).unwrap();
    assert!(
        r.source.contains(
            "dag_display_name=\"{{ dag.dag_id }} {% for x in tasks %}X{% endfor %} {# c #}\","
        ),
        "{}",
        r.source
    );
}

#[test]
fn a_user_template_replaces_the_built_in_one_of_the_same_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("task_docker.py.tera"),
        "    {{ task.var }} = _fd_DockerOperator(task_id={{ task.task_id }}, image=\"custom\")\n",
    )
    .unwrap();
    let config = RenderConfig {
        templates_dir: Some(dir.path().to_path_buf()),
        ..RenderConfig::default()
    };
    let r = render(&daily_sales(), &etl_functions(), &config).unwrap();
    assert!(r
        .source
        .contains("    report = _fd_DockerOperator(task_id=\"report\", image=\"custom\")\n"));
    // The other templates are still the built-in ones.
    assert!(r.source.contains("extract = _fd_PythonOperator("));
    assert_eq!(r.task_at_line(r.line_map[2].first), Some("report"));
}

#[test]
fn template_problems_name_the_file_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dag.py.tera"), "{% if %}").unwrap();
    let config = RenderConfig {
        templates_dir: Some(dir.path().to_path_buf()),
        ..RenderConfig::default()
    };
    let err = Renderer::new(&config).err().unwrap().to_string();
    assert!(
        err.contains("dag.py.tera") && err.contains("delete it"),
        "{err}"
    );

    std::fs::write(dir.path().join("dag.py.tera"), "{{ no_such_variable }}").unwrap();
    let err = render(&daily_sales(), &etl_functions(), &config)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no_such_variable"), "{err}");

    let missing = RenderConfig {
        templates_dir: Some(dir.path().join("missing")),
        ..RenderConfig::default()
    };
    let err = Renderer::new(&missing).err().unwrap().to_string();
    assert!(err.contains("templates_dir"), "{err}");
}

#[test]
fn library_package_is_configurable_and_checked() {
    let config = RenderConfig {
        library_package: "team_udfs".into(),
        ..RenderConfig::default()
    };
    let r = render(&daily_sales(), &etl_functions(), &config).unwrap();
    assert!(r
        .source
        .contains("from team_udfs.etl import extract as _fd_fn_0\n"));
    let bad = RenderConfig {
        library_package: "x; import os".into(),
        ..RenderConfig::default()
    };
    assert!(matches!(Renderer::new(&bad), Err(Error::BadPackage(_))));
}

#[test]
fn invalid_flows_are_refused_with_the_problems() {
    let mut spec = daily_sales();
    spec.tasks[0].options = "retrys = 2".into();
    let err = render(&spec, &etl_functions(), &RenderConfig::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("did you mean `retries`"), "{err}");

    let mut spec = daily_sales();
    spec.flow.id = "../../etc/x".into();
    assert!(matches!(
        render(&spec, &etl_functions(), &RenderConfig::default()),
        Err(Error::BadFlowId(_))
    ));
}

#[test]
fn a_key_of_a_docker_output_is_refused() {
    let mut spec = daily_sales();
    let report = spec.task_by_var("report").unwrap().id.clone();
    let load = spec
        .tasks
        .iter_mut()
        .find(|t| t.variable_id == "load")
        .unwrap();
    load.inputs.insert(
        "total".into(),
        Input::Task {
            task: report.clone(),
            key: Some("n".into()),
        },
    );
    // Keep the flow acyclic: report now feeds load.
    spec.edges
        .retain(|e| !(e.to_task_id == report || e.from_task_id == report));
    crate::model::validate::add_implied_edges(&mut spec);
    assert_eq!(spec.task_by_var("report").unwrap().mode, Mode::Docker);
    let err = render(&spec, &etl_functions(), &RenderConfig::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("docker task") && err.contains("remove the key"),
        "{err}"
    );
}

#[test]
fn library_functions_with_unimportable_names_are_refused() {
    let mut functions = etl_functions();
    functions[0].module = "my-etl".into();
    let err = render(&daily_sales(), &functions, &RenderConfig::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("my-etl") && err.contains("not a Python identifier"),
        "{err}"
    );
}

#[test]
fn a_failed_write_leaves_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    // A non-empty folder where the file should go: the rename fails.
    std::fs::create_dir_all(dir.path().join("x.py/inner")).unwrap();
    let err = write::atomic_write(dir.path(), "x.py", b"data").unwrap_err();
    assert!(err.to_string().contains("x.py"), "{err}");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("x.py")]);
}

#[test]
fn line_map_and_tracebacks_point_at_tasks() {
    let r = render(&daily_sales(), &etl_functions(), &RenderConfig::default()).unwrap();
    let lines: Vec<&str> = r.source.lines().collect();
    let extract = r.line_map.iter().find(|t| t.task == "extract").unwrap();
    assert!(lines[extract.first as usize - 1].starts_with("    extract = "));
    let trace = format!(
        "Traceback (most recent call last):\n  File \"/opt/airflow/dags/{}\", line {}, in <module>\nTypeError: bad",
        r.file_name,
        extract.first + 2
    );
    assert_eq!(r.task_of_traceback(&trace).as_deref(), Some("extract"));
    assert_eq!(r.task_at_line(1), None);
}
