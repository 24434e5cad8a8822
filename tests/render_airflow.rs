//! The pinned real Airflow loads every rendered fixture: zero import errors, and the same
//! DAG id, display name, tasks, dependencies and params as the model. Docker tasks are
//! included (the docker provider parses them; no container is run). Import errors in
//! override code map back to their task.
//!
//! Needs the venv at `${FLOWDECK_AIRFLOW_VENV:-<repo>/.airflow/venv}`; without it the
//! tests print why and pass, unless FLOWDECK_REQUIRE_AIRFLOW=1.

mod support;

use flowdeck::model::FlowSpec;
use flowdeck::render::{
    ensure_library_package, write_if_changed, write_library_module, RenderConfig, Rendered,
    Renderer, DEFAULT_LIBRARY_PACKAGE, REVISION_PREFIX,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn airflow_python() -> Option<PathBuf> {
    let python = support::airflow_python();
    if python.exists() {
        return Some(python);
    }
    let why = format!(
        "no Airflow venv at {} (set FLOWDECK_AIRFLOW_VENV or run scripts/dev-airflow.sh to install it)",
        python.display()
    );
    if std::env::var("FLOWDECK_REQUIRE_AIRFLOW").as_deref() == Ok("1") {
        panic!("FLOWDECK_REQUIRE_AIRFLOW=1 but {why}");
    }
    eprintln!("SKIPPED: {why}");
    None
}

/// A dags folder holding the library package, and an AIRFLOW_HOME beside it.
fn dags_folder(root: &Path) -> PathBuf {
    let dags = root.join("dags");
    std::fs::create_dir_all(&dags).unwrap();
    ensure_library_package(&dags, DEFAULT_LIBRARY_PACKAGE).unwrap();
    write_library_module(
        &dags,
        DEFAULT_LIBRARY_PACKAGE,
        "etl",
        &support::etl_source(),
    )
    .unwrap();
    // Would be an import error if Airflow parsed library files as DAG files: proves the
    // .airflowignore entry works with this Airflow's default ignore syntax.
    write_library_module(
        &dags,
        DEFAULT_LIBRARY_PACKAGE,
        "not_a_dag",
        b"# airflow dag\nraise RuntimeError('library files must not be parsed as DAG files')\n",
    )
    .unwrap();
    dags
}

/// Runs tests/support/dagbag.py on a folder with a fresh AIRFLOW_HOME.
fn load_with_airflow(python: &Path, root: &Path, dags: &Path) -> Value {
    let home = root.join("airflow_home");
    std::fs::create_dir_all(&home).unwrap();
    let mut cmd = Command::new(python);
    cmd.arg(support::support_file("dagbag.py")).arg(dags);
    // The developer's own Airflow settings must not leak into the test.
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AIRFLOW") {
            cmd.env_remove(key);
        }
    }
    cmd.env("AIRFLOW_HOME", &home)
        .env("AIRFLOW__CORE__DAGS_FOLDER", dags)
        .env("AIRFLOW__CORE__LOAD_EXAMPLES", "False");
    let out = cmd.output().expect("run the Airflow venv's python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "dagbag.py failed:\n{stderr}");
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("FLOWDECK_JSON "))
        .unwrap_or_else(|| panic!("no result from dagbag.py:\n{stdout}\n{stderr}"));
    serde_json::from_str(line).unwrap()
}

/// Every fixture rendered into one dags folder and loaded by Airflow once (loading takes
/// seconds), shared by the tests that read the result.
fn fixtures_as_airflow_sees_them(python: &Path) -> &'static Value {
    static SEEN: OnceLock<Value> = OnceLock::new();
    SEEN.get_or_init(|| {
        let root = tempfile::tempdir().unwrap();
        let dags = dags_folder(root.path());
        let renderer = Renderer::new(&RenderConfig::default()).unwrap();
        for (_, spec) in support::fixtures() {
            let rendered = renderer.render(&spec, &support::functions()).unwrap();
            write_if_changed(&dags, &rendered).unwrap();
        }
        let seen = load_with_airflow(python, root.path(), &dags);
        if let Some(path) = std::env::var_os("FLOWDECK_DUMP_AIRFLOW_JSON") {
            std::fs::write(path, serde_json::to_string_pretty(&seen).unwrap()).unwrap();
        }
        seen
    })
}

fn model_upstreams(spec: &FlowSpec) -> BTreeMap<String, BTreeSet<String>> {
    let mut up: BTreeMap<String, BTreeSet<String>> = spec
        .tasks
        .iter()
        .map(|t| (t.variable_id.clone(), BTreeSet::new()))
        .collect();
    for e in &spec.edges {
        up.get_mut(spec.var_of(&e.to_task_id))
            .unwrap()
            .insert(spec.var_of(&e.from_task_id).to_string());
    }
    up
}

#[test]
fn airflow_loads_every_rendered_fixture() {
    let Some(python) = airflow_python() else {
        return;
    };
    let seen = fixtures_as_airflow_sees_them(&python);
    let fixtures = support::fixtures();
    let errors = seen["import_errors"].as_object().unwrap();
    assert!(
        errors.is_empty(),
        "Airflow reported import errors:\n{}",
        errors
            .iter()
            .map(|(k, v)| format!("{k}:\n{}", v.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let dags_seen = seen["dags"].as_object().unwrap();
    assert_eq!(dags_seen.len(), fixtures.len(), "{seen:#}");
    for (name, spec) in &fixtures {
        let dag = &dags_seen
            .get(&spec.flow.id)
            .unwrap_or_else(|| panic!("{name}: Airflow has no DAG {}", spec.flow.id));
        assert_eq!(dag["display_name"], spec.flow.name.as_str(), "{name}");
        let description =
            (!spec.flow.description.is_empty()).then(|| spec.flow.description.clone());
        assert_eq!(
            dag["description"].as_str().map(str::to_string),
            description,
            "{name}"
        );
        let tasks: BTreeMap<String, BTreeSet<String>> = dag["tasks"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(id, t)| {
                let up = t["upstream"].as_array().unwrap();
                (
                    id.clone(),
                    up.iter().map(|u| u.as_str().unwrap().to_string()).collect(),
                )
            })
            .collect();
        assert_eq!(
            tasks,
            model_upstreams(spec),
            "{name}: tasks and dependencies"
        );
        for task in &spec.tasks {
            let operator = dag["tasks"][&task.variable_id]["operator"]
                .as_str()
                .unwrap();
            let expected = match task.mode {
                flowdeck::model::Mode::Python => "PythonOperator",
                flowdeck::model::Mode::Docker => "DockerOperator",
            };
            assert_eq!(operator, expected, "{name}: {}", task.variable_id);
        }
        let params: BTreeSet<&str> = spec
            .tasks
            .iter()
            .flat_map(|t| t.inputs.values())
            .filter_map(|i| match i {
                flowdeck::model::Input::Param { name } => Some(name.as_str()),
                _ => None,
            })
            .collect();
        let seen_params: BTreeSet<&str> = dag["params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert_eq!(seen_params, params, "{name}: params");
        // Only the flow's own tags and `flowdeck`: the render is named in doc_md.
        let mut tags: BTreeSet<&str> = spec.flow.tags.iter().map(String::as_str).collect();
        tags.insert("flowdeck");
        let doc_md = dag["doc_md"].as_str().unwrap_or_default();
        assert!(
            doc_md
                .lines()
                .last()
                .is_some_and(|l| l.starts_with(REVISION_PREFIX)),
            "{name}: doc_md {doc_md:?}"
        );
        let seen_tags: BTreeSet<&str> = dag["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(seen_tags, tags, "{name}: tags");
        assert_eq!(
            dag["is_paused_upon_creation"].as_bool(),
            spec.flow.unpause_on_deploy.then_some(false),
            "{name}"
        );
    }
}

/// What tasks receive at run time: Airflow renders each task's templated fields with a
/// fake run context (tests/support/dagbag.py: ds = 2024-01-02, run parameter `p` reads
/// "param:p", an upstream's return value is {"task": id}, XCom key `k` is "xcom:id:k").
/// This checks the wiring end to end with Airflow's own Jinja environment: DagParam
/// resolution, XCom keys, the docker environment templates built from hostile names,
/// and the template-file guard.
#[test]
fn airflow_renders_inputs_as_the_flow_says() {
    let Some(python) = airflow_python() else {
        return;
    };
    let seen = fixtures_as_airflow_sees_them(&python);
    let fixtures = support::fixtures();
    let id = |name: &str| {
        fixtures
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s.flow.id.clone())
            .unwrap()
    };
    let field = |fixture: &str, task: &str, path: &str| -> Value {
        let rendered = &seen["dags"][id(fixture)]["tasks"][task]["rendered"];
        assert!(
            rendered.get("error").is_none() || path == "error",
            "{fixture}.{task}: {}",
            rendered["error"].as_str().unwrap_or_default()
        );
        let mut v = rendered;
        for part in path.split('/') {
            v = &v[part];
        }
        v.clone()
    };
    let hostile_param = "param:re\"gion\n'''{{ }}";
    let cases: Vec<(&str, &str, &str, Value)> = vec![
        ("mixed", "extract", "op_kwargs/day", json!("2024-01-02")),
        ("mixed", "extract", "op_kwargs/limit", json!(100)),
        (
            "mixed",
            "extract",
            "op_kwargs/region",
            json!("param:region"),
        ),
        (
            "mixed",
            "load",
            "op_kwargs/rows",
            json!({ "task": "extract" }),
        ),
        // A key of an output is the XCom key that multiple_outputs pushes.
        (
            "mixed",
            "load",
            "op_kwargs/total",
            json!("xcom:extract:total"),
        ),
        (
            "mixed",
            "load",
            "op_kwargs/options",
            json!({ "mode": "append" }),
        ),
        (
            "xcom_keys",
            "load",
            "op_kwargs/rows",
            json!("xcom:extract:rows"),
        ),
        (
            "xcom_keys",
            "notify",
            "environment/TOTAL",
            json!("xcom:extract:[total]"),
        ),
        (
            "xcom_keys",
            "notify",
            "environment/WHOLE",
            json!(r#"{"task": "load"}"#),
        ),
        (
            "params",
            "extract",
            "op_kwargs/limit",
            json!(r#"param:row limit "max" {{ x }}"#),
        ),
        (
            "params",
            "shell",
            "environment/ODD",
            json!("param:région'}}"),
        ),
        (
            "templates",
            "load",
            "op_kwargs/rows",
            json!(["20240102", "2024-01-01", "{{ kept }}"]),
        ),
        ("templates", "extract", "op_kwargs/region", json!("eu")),
        (
            "docker_only",
            "fetch",
            "environment/RUN_SCRIPT",
            json!("/opt/run.sh"),
        ),
        (
            "docker_only",
            "fetch",
            "environment/FLAGS",
            json!(r#"{"dry_run":true}"#),
        ),
        ("docker_only", "fetch", "environment/LIMIT", json!("10")),
        (
            "docker_only",
            "publish",
            "command",
            json!("bash /opt/publish.sh"),
        ),
        (
            "docker_only",
            "publish",
            "environment/VALUE",
            json!(r#"{"task": "fetch"}"#),
        ),
        (
            "hostile",
            "shell",
            "environment/A",
            json!("xcom:extract:[k'}}\"é]"),
        ),
        ("hostile", "shell", "environment/B", json!(hostile_param)),
        ("hostile", "shell", "environment/C", json!("\"\"\"\\")),
        (
            "hostile",
            "shell",
            "environment/E",
            json!("x\"y'z\\\n2024-01-02"),
        ),
        (
            "hostile",
            "extract",
            "op_kwargs/region",
            json!(hostile_param),
        ),
    ];
    for (fixture, task, path, want) in cases {
        assert_eq!(field(fixture, task, path), want, "{fixture}.{task}.{path}");
    }
    // Text is handed over unrendered: what would be a broken template arrives as typed.
    assert_eq!(
        field("hostile", "load", "op_kwargs/options"),
        json!({ "k\"}}'": ["v\n", "{% endraw %}"] })
    );
    assert_eq!(
        field("hostile", "shell", "command"),
        json!(["sh", "-c", "echo \"$A\" '}}' \\n"])
    );
}

/// Override code that fails at import time: Airflow's import error must lead back to
/// the task, both through the `<flowdeck task VAR>` frame and through the DAG file's
/// line map.
#[test]
fn airflow_import_errors_map_back_to_their_task() {
    let Some(python) = airflow_python() else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let dags = dags_folder(root.path());
    let renderer = Renderer::new(&RenderConfig::default()).unwrap();

    let cases: Vec<(FlowSpec, &str)> = {
        // A syntax error in `load`'s code.
        let mut syntax =
            support::flow(&support::OVERRIDE.replace("override callable", "broken syntax"));
        syntax.tasks[1].python_callable = "def load(rows:\n    return 1\n".into();
        // Code that runs but raises while the file is imported.
        let mut raises =
            support::flow(&support::OVERRIDE.replace("override callable", "raises at import"));
        raises.tasks[0].python_callable = "import no_such_module_for_flowdeck\n".into();
        // Code without a usable function: the helper's ValueError comes from a frame of
        // the DAG file that belongs to the task.
        let mut no_function =
            support::flow(&support::OVERRIDE.replace("override callable", "no function"));
        no_function.tasks[1].python_callable = "def a():\n    pass\n\ndef b():\n    pass\n".into();
        vec![(syntax, "load"), (raises, "extract"), (no_function, "load")]
    };
    let mut rendered: Vec<(Rendered, &str)> = Vec::new();
    for (spec, task) in &cases {
        let r = renderer.render(spec, &support::functions()).unwrap();
        write_if_changed(&dags, &r).unwrap();
        rendered.push((r, task));
    }
    let seen = load_with_airflow(&python, root.path(), &dags);
    let errors = seen["import_errors"].as_object().unwrap();
    assert_eq!(errors.len(), cases.len(), "{seen:#}");
    for (r, task) in &rendered {
        let (_, trace) = errors
            .iter()
            .find(|(path, _)| path.ends_with(&r.file_name))
            .unwrap_or_else(|| panic!("no import error for {}: {seen:#}", r.file_name));
        let trace = trace.as_str().unwrap();
        eprintln!("{}:\n{trace}", r.file_name);
        assert_eq!(
            r.task_of_traceback(trace).as_deref(),
            Some(*task),
            "{}:\n{trace}",
            r.file_name
        );
    }
}
