//! Cross-cutting model tests: the flow document round trip and whole-flow validation.

use super::document::*;
use super::ids::flow_id_for;
use super::sample::{daily_sales, epoch, etl_functions, DAILY_SALES};
use super::*;
use proptest::prelude::*;

#[test]
fn daily_sales_document_is_understood() {
    let spec = daily_sales();
    assert_eq!(spec.flow.id, flow_id_for("daily sales"));
    assert_eq!(spec.tasks.len(), 3);
    let load = spec.task_by_var("load").unwrap();
    let extract = spec.task_by_var("extract").unwrap();
    assert_eq!(
        load.inputs["rows"],
        Input::Task {
            task: extract.id.clone(),
            key: None
        }
    );
    assert_eq!(
        load.inputs["total"],
        Input::Task {
            task: extract.id.clone(),
            key: Some("total".into())
        }
    );
    // The implied edge extract → load plus the explicit load → report.
    assert_eq!(spec.edges.len(), 2);
    assert!(
        validate(&spec, &etl_functions()).is_ok(),
        "{:?}",
        validate(&spec, &etl_functions())
    );
}

#[test]
fn export_then_import_changes_nothing() {
    let functions = etl_functions();
    let spec = daily_sales();
    let text = render_document(&to_document(&spec, &functions));
    let again = apply_document(
        &parse_document(&text).unwrap(),
        Some(&spec),
        &functions,
        epoch(),
    )
    .unwrap();
    assert_eq!(again, spec, "exported:\n{text}");
    assert!(!spec.content_differs(&again));
    // And the text is stable too.
    assert_eq!(render_document(&to_document(&again, &functions)), text);
}

#[test]
fn every_kind_of_string_survives_the_round_trip_in_its_shortest_form() {
    let functions = etl_functions();
    let mut spec = daily_sales();
    let extract = spec
        .tasks
        .iter_mut()
        .find(|t| t.variable_id == "extract")
        .unwrap();
    let cases = [
        ("a", "{{ ds }}", StrKind::Template, "a = \"{{ ds }}\""),
        (
            "b",
            "{{ ds }}",
            StrKind::Text,
            "b = { text = \"{{ ds }}\" }",
        ),
        ("c", "plain", StrKind::Text, "c = \"plain\""),
        (
            "d",
            "plain",
            StrKind::Template,
            "d = { template = \"plain\" }",
        ),
        (
            "e",
            "n=${#f[@]}",
            StrKind::Text,
            "e = { text = \"n=${#f[@]}\" }",
        ),
    ];
    for (name, value, strings, _) in &cases {
        extract.inputs.insert(
            name.to_string(),
            Input::Value {
                value: Literal::Str(value.to_string()),
                strings: *strings,
            },
        );
    }
    let text = render_document(&to_document(&spec, &functions));
    for (_, _, _, line) in &cases {
        assert!(text.contains(line), "{line} in:\n{text}");
    }
    // Import does not check parameters against the function (validation does).
    let again = apply_document(
        &parse_document(&text).unwrap(),
        Some(&spec),
        &functions,
        epoch(),
    )
    .unwrap_or_else(|p| panic!("{p:?}"));
    let inputs = |s: &FlowSpec| {
        s.tasks
            .iter()
            .find(|t| t.variable_id == "extract")
            .unwrap()
            .inputs
            .clone()
    };
    assert_eq!(inputs(&again), inputs(&spec));
}

#[test]
fn unknown_document_keys_name_key_and_line() {
    let text = DAILY_SALES.replace("catchup = false", "catchup = false\ncatchupp = true");
    let err = parse_document(&text).unwrap_err();
    assert!(err.starts_with("line 7:"), "{err}");
    assert!(err.contains("catchupp"), "{err}");
}

#[test]
fn cycles_are_named() {
    let functions = etl_functions();
    let text = "[flow]\nname = \"c\"\n[[tasks]]\nid = \"a\"\nfunction = \"load\"\ninputs = { rows = 1 }\n[[tasks]]\nid = \"b\"\nfunction = \"load\"\ninputs = { rows = { task = \"a\" } }\n[[tasks]]\nid = \"c\"\nfunction = \"load\"\ninputs = { rows = { task = \"b\" } }\n[[edges]]\nfrom = \"c\"\nto = \"a\"\n";
    let spec = apply_document(&parse_document(text).unwrap(), None, &functions, epoch()).unwrap();
    let problems = validate(&spec, &functions).unwrap_err();
    let msg = validate::describe(&problems);
    assert!(msg.contains("a → b → c → a"), "{msg}");
}

#[test]
fn bad_tasks_get_actionable_messages() {
    let functions = etl_functions();
    let text = "[flow]\nname = \"x\"\n[[tasks]]\nid = \"class\"\nfunction = \"load\"\n[tasks.inputs]\nrowz = 1\n[[tasks]]\nid = \"ok\"\nfunction = \"load\"\n[tasks.inputs]\nrows = 1\n[[tasks]]\nid = \"ok\"\nfunction = \"load\"\n[tasks.inputs]\nrows = 2\n";
    let spec = apply_document(&parse_document(text).unwrap(), None, &functions, epoch());
    // Duplicate ids collapse onto one record id, so validation sees them as duplicates.
    let msg = match spec {
        Ok(spec) => validate::describe(&validate(&spec, &functions).unwrap_err()),
        Err(p) => validate::describe(&p),
    };
    assert!(
        msg.contains("task `class`: task id `class` is a Python keyword"),
        "{msg}"
    );
    assert!(
        msg.contains("input `rowz` is not a parameter of load(rows, total=0, options=None)"),
        "{msg}"
    );
    assert!(
        msg.contains("parameter `rows` of load(rows, total=0, options=None) has no value"),
        "{msg}"
    );
    assert!(msg.contains("same id"), "{msg}");
}

#[test]
fn missing_functions_and_tasks_are_reported_on_import() {
    let text = "[flow]\nname = \"x\"\n[[tasks]]\nid = \"a\"\nfunction = \"nope\"\n[tasks.inputs]\nrows = { task = \"ghost\" }\n";
    let err = apply_document(
        &parse_document(text).unwrap(),
        None,
        &etl_functions(),
        epoch(),
    )
    .unwrap_err();
    let msg = validate::describe(&err);
    assert!(
        msg.contains(
            "function `nope` is not in the library; register it with `flowdeck function add"
        ),
        "{msg}"
    );
    assert!(msg.contains("there is no task `ghost`"), "{msg}");
}

#[test]
fn awkward_names_survive_the_round_trip() {
    let functions = etl_functions();
    let name = "q\"uo'te \"\"\" \\ back\nnew line {{ x }} {% y %} 한국어 😀";
    let text = format!(
        "[flow]\nname = {}\ndescription = {}\n",
        literal::python_str(name),
        literal::python_str(name)
    );
    let spec = apply_document(&parse_document(&text).unwrap(), None, &functions, epoch()).unwrap();
    assert_eq!(spec.flow.name, name);
    let exported = render_document(&to_document(&spec, &functions));
    let back = apply_document(
        &parse_document(&exported).unwrap(),
        None,
        &functions,
        epoch(),
    )
    .unwrap();
    assert_eq!(back.flow.name, name);
    assert_eq!(back.flow.description, name);
}

proptest! {
    #[test]
    fn flow_ids_are_stable_and_well_formed(name in "\\PC{0,40}") {
        let id = flow_id_for(&name);
        prop_assert_eq!(id.len(), 20);
        prop_assert!(id.starts_with("dag_"));
        prop_assert!(id[4..].chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        prop_assert_eq!(id.clone(), flow_id_for(&name));
        // The id is a valid Airflow dag_id: ^[\w.-]+$ and ≤ 250 chars.
        prop_assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    }

    #[test]
    fn different_names_get_different_ids(a in "\\PC{1,20}", b in "\\PC{1,20}") {
        prop_assume!(a != b);
        prop_assert_ne!(flow_id_for(&a), flow_id_for(&b));
    }
}
