//! Ready-made flows and functions for tests, benchmarks and the demo: PRODUCT.md's
//! "daily sales" flow and large generated flows.

use super::document::{apply_document, parse_document};
use super::flow::FlowSpec;
use super::function::{Function, Param, ParamKind};
use chrono::{DateTime, TimeZone, Utc};

/// A fixed instant so samples are reproducible.
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// A library function record as registration would make it (no file is touched).
pub fn function(name: &str, params: &[(&str, Option<&str>)]) -> Function {
    Function {
        id: format!("fn_{name}"),
        name: name.to_string(),
        filename: "etl.py".into(),
        path: "/tmp/flowdeck_functions/etl.py".into(),
        function: name.to_string(),
        description: format!("{name} step"),
        created_at: epoch(),
        updated_at: epoch(),
        params: params
            .iter()
            .map(|(n, d)| Param {
                name: n.to_string(),
                kind: ParamKind::PositionalOrKeyword,
                default: d.map(str::to_string),
                annotation: None,
            })
            .collect(),
        content_hash: "0".repeat(64),
        source_path: "/tmp/etl.py".into(),
        module: "etl".into(),
    }
}

/// `extract(day, limit=100, region=None)` and `load(rows, total=0, options=None)`.
pub fn etl_functions() -> Vec<Function> {
    vec![
        function(
            "extract",
            &[
                ("day", None),
                ("limit", Some("100")),
                ("region", Some("None")),
            ],
        ),
        function(
            "load",
            &[
                ("rows", None),
                ("total", Some("0")),
                ("options", Some("None")),
            ],
        ),
    ]
}

/// PRODUCT.md's example document.
pub const DAILY_SALES: &str = r#"[flow]
name = "daily sales"
description = "Load yesterday's sales into the warehouse"
schedule = "0 2 * * *"
start_date = "2024-01-01"
catchup = false
tags = ["sales"]

[defaults]
retries = 1

[[tasks]]
id = "extract"
function = "extract"
mode = "python"
[tasks.options]
retries = 2
retry_delay = "5m"
[tasks.inputs]
day = "{{ ds }}"
limit = 100
region = { param = "region" }

[[tasks]]
id = "load"
function = "load"
python_callable = ""
[tasks.inputs]
rows = { task = "extract" }
total = { task = "extract", key = "total" }
options = { value = { mode = "append" } }

[[tasks]]
id = "report"
mode = "docker"
[tasks.options]
image = "python:3.12-slim"
command = "python -c 'print(42)'"

[[edges]]
from = "load"
to = "report"
"#;

pub fn daily_sales() -> FlowSpec {
    let doc = parse_document(DAILY_SALES).unwrap_or_else(|e| panic!("sample document: {e}"));
    apply_document(&doc, None, &etl_functions(), epoch())
        .unwrap_or_else(|e| panic!("sample document: {e:?}"))
}

/// A flow of `n` tasks calling `extract`, each reading the previous one's output
/// (a chain) plus a fan-in every 10 tasks, for benchmarks.
pub fn large_flow(name: &str, n: usize) -> FlowSpec {
    let mut doc = format!(
        "[flow]\nname = {}\nschedule = \"@daily\"\nstart_date = \"2024-01-01\"\n",
        super::literal::python_str(name)
    );
    for i in 0..n {
        doc.push_str(&format!("\n[[tasks]]\nid = \"t{i}\"\nfunction = \"load\"\n[tasks.options]\nretries = {}\n[tasks.inputs]\n", i % 3));
        if i == 0 {
            doc.push_str("rows = [1, 2, 3]\n");
        } else {
            doc.push_str(&format!("rows = {{ task = \"t{}\" }}\n", i - 1));
        }
        if i >= 10 && i % 10 == 0 {
            doc.push_str(&format!(
                "total = {{ task = \"t{}\", key = \"total\" }}\n",
                i - 10
            ));
        }
    }
    let parsed = parse_document(&doc).unwrap_or_else(|e| panic!("large flow: {e}"));
    apply_document(&parsed, None, &etl_functions(), epoch())
        .unwrap_or_else(|e| panic!("large flow: {e:?}"))
}
