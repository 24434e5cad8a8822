//! Shared by the render tests: the library functions and representative flows
//! (fixtures), plus helpers to find python3 and the pinned Airflow.
#![allow(dead_code)]

use flowdeck::model::document::{apply_document, parse_document};
use flowdeck::model::sample::{epoch, etl_functions, function};
use flowdeck::model::{FlowSpec, Function, Param, ParamKind};
use std::path::{Path, PathBuf};

/// `extract`, `load` (model::sample) and `anything(**kwargs)`, all in module `etl`.
pub fn functions() -> Vec<Function> {
    let mut fns = etl_functions();
    let mut any = function("anything", &[]);
    any.params = vec![Param {
        name: "kwargs".into(),
        kind: ParamKind::VarKeyword,
        default: None,
        annotation: None,
    }];
    fns.push(any);
    fns
}

/// `tests/support/<name>`
pub fn support_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(name)
}

/// The library module the fixtures call (`flowdeck_functions/etl.py`).
pub fn etl_source() -> Vec<u8> {
    std::fs::read(support_file("flowdeck_functions/etl.py")).expect("tests/support etl.py")
}

pub fn flow(doc: &str) -> FlowSpec {
    let parsed = parse_document(doc).unwrap_or_else(|e| panic!("fixture document: {e}\n{doc}"));
    apply_document(&parsed, None, &functions(), epoch())
        .unwrap_or_else(|e| panic!("fixture document: {e:?}\n{doc}"))
}

pub const PYTHON_ONLY: &str = r#"
[flow]
name = "python only"
description = "extract then load"
schedule = "@daily"
start_date = "2024-03-01"
unpause_on_deploy = false

[[tasks]]
id = "extract"
function = "extract"
[tasks.inputs]
day = "{{ ds }}"

[[tasks]]
id = "load"
function = "load"
[tasks.inputs]
rows = { task = "extract" }
"#;

pub const DOCKER_ONLY: &str = r#"
[flow]
name = "docker only"
description = "two containers"
schedule = "0 6 * * 1-5"
start_date = "2024-01-01"

[[tasks]]
id = "fetch"
mode = "docker"
[tasks.options]
image = "alpine:3.20"
command = ["sh", "-c", "echo $DAY; echo 42"]
docker_url = "unix://var/run/docker.sock"
auto_remove = "success"
mount_tmp_dir = false
environment = { LOG_LEVEL = "info", RUN_SCRIPT = "/opt/run.sh" }
mounts = [{ source = "/srv/data", target = "/data", type = "bind", read_only = true }, { target = "/scratch", type = "tmpfs" }]
network_mode = "bridge"
retries = 2
retry_delay = "30s"
[tasks.inputs]
DAY = "{{ ds }}"
LIMIT = 10
FLAGS = { value = { dry_run = true } }

[[tasks]]
id = "publish"
mode = "docker"
[tasks.options]
image = "alpine:3.20"
command = "bash /opt/publish.sh"
entrypoint = ["/bin/sh", "-c"]
xcom_all = false
retrieve_output = false
force_pull = true
cpus = 0.5
mem_limit = "512m"
shm_size = 67108864
user = "nobody"
working_dir = "/work"
tty = false
api_version = "auto"
[tasks.inputs]
VALUE = { task = "fetch" }
"#;

pub const XCOM_KEYS: &str = r#"
[flow]
name = "xcom keys"
start_date = "2024-01-01"

[[tasks]]
id = "extract"
function = "extract"
[tasks.inputs]
day = "2024-01-01"
limit = 4

[[tasks]]
id = "load"
function = "load"
[tasks.inputs]
rows = { task = "extract", key = "rows" }
total = { task = "extract", key = "total" }

[[tasks]]
id = "notify"
mode = "docker"
[tasks.options]
image = "alpine:3.20"
command = "sh -c 'echo $TOTAL'"
[tasks.inputs]
TOTAL = { task = "extract", key = "total" }
WHOLE = { task = "load" }
"#;

pub const PARAMS: &str = r#"
[flow]
name = "params"
start_date = "2024-01-01"

[[tasks]]
id = "extract"
function = "extract"
[tasks.inputs]
day = { param = "day" }
region = { param = "region" }
limit = { param = "row limit \"max\" {{ x }}" }

[[tasks]]
id = "shell"
mode = "docker"
[tasks.options]
image = "alpine:3.20"
[tasks.inputs]
REGION = { param = "region" }
ODD = { param = "région'}}" }
"#;

pub const TEMPLATES: &str = r#"
[flow]
name = "templates"
schedule = "@hourly"
start_date = "2024-01-01"

[[tasks]]
id = "extract"
function = "extract"
[tasks.inputs]
day = "{{ ds }}"
region = "{{ dag_run.conf.get('region', 'eu') if dag_run and dag_run.conf else 'eu' }}"
limit = 5

[[tasks]]
id = "load"
function = "load"
[tasks.inputs]
rows = ["{{ ds_nodash }}", "{{ macros.ds_add(ds, -1) }}", "{% raw %}{{ kept }}{% endraw %}"]
options = { value = { path = "s3://bucket/{{ ds }}/part.csv", plain = "no template" } }

[[edges]]
from = "extract"
to = "load"
"#;

pub const DEFAULTS_OVERRIDES: &str = r#"
[flow]
name = "defaults and overrides"
schedule = "@weekly"
start_date = "2023-12-31"
catchup = true

[defaults]
owner = "data-team"
retries = 3
retry_delay = "2m"
retry_exponential_backoff = true
max_retry_delay = "1h"
execution_timeout = "30m"
pool = "default_pool"
queue = "default"
priority_weight = 5
weight_rule = "downstream"
depends_on_past = false
email = ["ops@example.com"]
email_on_failure = false
email_on_retry = false

[[tasks]]
id = "extract"
function = "extract"
[tasks.options]
retries = 0
execution_timeout = "1h30m"
trigger_rule = "all_success"
pool_slots = 1
max_active_tis_per_dag = 2
doc_md = "Reads *yesterday's* rows.\n\"quoted\" '''triple''' \\ backslash"
show_return_value_in_logs = false
wait_for_downstream = false
do_xcom_push = true
[tasks.inputs]
day = "{{ ds }}"

[[tasks]]
id = "load"
function = "load"
[tasks.options]
trigger_rule = "all_done"
retry_delay = 45
[tasks.inputs]
rows = { task = "extract" }
"#;

pub const OVERRIDE: &str = r#"
[flow]
name = "override callable"
start_date = "2024-01-01"

[[tasks]]
id = "extract"
function = "extract"
[tasks.inputs]
day = "{{ ds }}"
limit = 2

[[tasks]]
id = "load"
function = "load"
[tasks.inputs]
rows = { task = "extract" }
"#;

/// Replaces `extract` (named like the library function, with a helper beside it).
pub const OVERRIDE_EXTRACT: &str = "import json\n\n\ndef helper(x):\n    return x * 2\n\n\ndef extract(day, limit=100, region=None):\n    \"\"\"Replaces the library function; \\\"\"\" and ''' and {{ ds }} are just text.\"\"\"\n    rows = [helper(i) for i in range(limit)]\n    return {\"rows\": rows, \"total\": len(rows), \"day\": day, \"as_json\": json.dumps(rows)}\n";

/// Replaces `load` with the only function it defines (another name).
pub const OVERRIDE_LOAD: &str = "def run(rows, **kwargs):\n    return len(rows[\"rows\"])\n";

pub fn override_flow() -> FlowSpec {
    let mut spec = flow(OVERRIDE);
    for task in &mut spec.tasks {
        task.python_callable = match task.variable_id.as_str() {
            "extract" => OVERRIDE_EXTRACT.into(),
            _ => OVERRIDE_LOAD.into(),
        };
    }
    spec
}

pub const HOSTILE: &str = r##"
[flow]
name = "hostile"
start_date = "2024-01-01"
tags = ["ünïcode ☃", "{{ x }}", "a\"b'c", "#hash"]

[[tasks]]
id = "extract"
function = "extract"
[tasks.options]
pool = "p'\"\\{{ x }}"
doc_md = "\"\"\"\n''' \\ {% if %}\n# not a comment"
[tasks.inputs]
day = "'''\"\"\" \\ \n\r\t {{ ds }} {# c #} é 😀"
region = { param = "re\"gion\n'''{{ }}" }

[[tasks]]
id = "load"
function = "load"
[tasks.inputs]
rows = { task = "extract", key = "ke'y\"}}\n{%" }
options = { text = { "k\"}}'" = ["v\n", "{% endraw %}"] } }

[[tasks]]
id = "shell"
mode = "docker"
[tasks.options]
image = "alpine:3.20"
command = ["sh", "-c", "echo \"$A\" '}}' \\n"]
environment = { E = "x\"y'z\\\n{{ ds }}" }
[tasks.inputs]
A = { task = "extract", key = "k'}}\"é" }
B = { param = "re\"gion\n'''{{ }}" }
C = "\"\"\"\\"
"##;

/// Name and description that try every trick: quotes, triple quotes, backslashes,
/// newlines, template syntax, comment markers and non-ASCII text.
pub const HOSTILE_NAME: &str =
    "evil \"name\" ''' \"\"\" \\ {{ ds }} {% if x %} {# c #} # é ☃ 😀\n\r\t\u{2028}\u{1b}[31m end";
pub const HOSTILE_DESCRIPTION: &str =
    "line one\n\"\"\"\nimport os; os.system('rm -rf /')\n'''\n}} {% endif %} \\";

pub fn hostile_flow() -> FlowSpec {
    let mut spec = flow(HOSTILE);
    spec.flow.name = HOSTILE_NAME.into();
    spec.flow.description = HOSTILE_DESCRIPTION.into();
    spec
}

pub const EMPTY: &str = r#"
[flow]
name = "empty continuous"
schedule = "@continuous"
start_date = "2024-01-01"
unpause_on_deploy = false
"#;

/// Every representative flow, by a short name used for snapshots and file names.
pub fn fixtures() -> Vec<(&'static str, FlowSpec)> {
    vec![
        ("python_only", flow(PYTHON_ONLY)),
        ("docker_only", flow(DOCKER_ONLY)),
        ("mixed", flowdeck::model::sample::daily_sales()),
        ("xcom_keys", flow(XCOM_KEYS)),
        ("params", flow(PARAMS)),
        ("templates", flow(TEMPLATES)),
        ("defaults_overrides", flow(DEFAULTS_OVERRIDES)),
        ("override_callable", override_flow()),
        ("hostile", hostile_flow()),
        ("empty", flow(EMPTY)),
    ]
}

/// The python interpreter of the pinned Airflow, if installed:
/// `${FLOWDECK_AIRFLOW_VENV:-<repo>/.airflow/venv}/bin/python`.
pub fn airflow_python() -> PathBuf {
    let venv = std::env::var_os("FLOWDECK_AIRFLOW_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".airflow/venv"));
    venv.join("bin/python")
}
