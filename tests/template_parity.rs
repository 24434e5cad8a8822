//! flowdeck parses templates with minijinja when a flow is saved; Airflow renders them
//! with Jinja2 when the task runs. For a table of templates, the save-time verdict
//! (parses / refused) is written down here and, when the pinned Airflow's venv is there,
//! compared with Jinja2 set up as Airflow sets it up (`create_template_env`: the `do`
//! extension, a sandbox). A template flowdeck accepts must not fail to parse in Airflow,
//! and one it refuses must really be broken.
//!
//! Needs the venv at `${FLOWDECK_AIRFLOW_VENV:-<repo>/.airflow/venv}` for the comparison;
//! without it only the written verdicts are checked, unless FLOWDECK_REQUIRE_AIRFLOW=1.

mod support;

use flowdeck::model::template::check_template;
use std::process::Command;

/// (template, parses). Every entry's verdict was checked against Jinja2 in the Airflow
/// 3.3.2 venv.
const CASES: &[(&str, bool)] = &[
    ("{{ ds }}", true),
    ("{{ ds_nodash }}/{{ params.region }}", true),
    ("{{ macros.ds_add(ds, -1) }}", true),
    ("{{ dag_run.conf.get('x', 'y') if dag_run else 'z' }}", true),
    ("{% raw %}{{ kept }}{% endraw %}", true),
    ("{%- raw -%} x {%- endraw -%}", true),
    ("{# a comment #}text", true),
    ("{% if x %}a{% elif y %}b{% else %}c{% endif %}", true),
    ("{% for i in range(3) %}{{ i }}{% endfor %}", true),
    (
        "{% for i in xs if i %}{{ loop.index }}{% else %}none{% endfor %}",
        true,
    ),
    ("{% set x = 1 %}{{ x }}", true),
    ("{% do xs.append(1) %}", true),
    ("{{ xs | join(',') }}", true),
    ("{{ x is defined }}", true),
    ("{{ '{%' }} and {{ '#}' }}", true),
    ("{{ {'a': 1}['a'] }}", true),
    ("{{ [1, 2][0:1] }}", true),
    ("{{ 'a' ~ 'b' }}", true),
    ("{% macro m(x) %}{{ x }}{% endmacro %}{{ m(1) }}", true),
    ("{% filter upper %}a{% endfilter %}", true),
    ("{% with a = 1 %}{{ a }}{% endwith %}", true),
    ("100% {done} }} %} #}", true),
    ("{{ x.1 }}", true),
    ("{{ 'a\\x7b' }}", true),
    ("{% set x, y = 1, 2 %}", true),
    ("{{ x if y }}", true),
    ("{% include 'f.sql' %}", true),
    ("{% extends 'b' %}", true),
    ("{{ -1 }}{{ 1e3 }}{{ 0x10 }}{{ 1_000 }}", true),
    ("{{ x[::2] }}{{ x[1:] }}{{ (1, 2) }}", true),
    ("{% set ns = namespace(a=1) %}{% set ns.a = 2 %}", true),
    ("{{ x|default('a') }}{{ 'a' in 'abc' }}{{ not x }}", true),
    ("{{ x // 2 ** 3 }}{{ \"a\" % 1 }}", true),
    (
        "{% macro m() %}{{ caller() }}{% endmacro %}{% call m() %}x{% endcall %}",
        true,
    ),
    ("{% autoescape true %}{% endautoescape %}", true),
    ("{{ x is divisibleby 3 }}{{ x is not none }}", true),
    ("{{ 'a' 'b' }}", true),
    ("{{ x | map(attribute=\"a\") | list }}", true),
    ("{{ None }}{{ none }}{{ true }}", true),
    ("{% set x %}block{% endset %}{{ x }}", true),
    ("{{ x.items() }}{{ x.y() }}", true),
    ("{% trans %}x{% endtrans %}", false),
    ("{% continue %}", false),
    ("{% do x %}", false),
    ("n=${#files[@]}", false),
    ("rate {%d} per day", false),
    ("keep {% raw %} this", false),
    ("{{ ds }", false),
    ("{{", false),
    ("{%", false),
    ("{#", false),
    ("{{ }}", false),
    ("{% endraw %}", false),
    ("{% if x %}no end", false),
    ("{% endif %}", false),
    ("{% for x in y %}{% break %}{% endfor %}", false),
    ("{{ x | }}", false),
    ("{{ 'unclosed }}", false),
    ("{% set %}", false),
    ("{{ a b }}", false),
    ("{% unknown %}", false),
    ("a {# not closed", false),
];

/// Templates flowdeck refuses although Jinja2 parses them. Only this direction is
/// allowed: the refusal says how to pass the string as text, which is what it means.
/// `{#` at the very end of a template is an unclosed comment to minijinja; Jinja2's lexer
/// reads it as an empty comment and renders nothing, silently dropping it. `{% do %}`
/// takes any expression in Jinja2, only a call in minijinja (a bare expression does
/// nothing there anyway).
const REFUSED_THOUGH_JINJA_ACCEPTS: &[&str] = &["{#", "{% do x %}"];

const JINJA_CHECK: &str = r#"
import json, sys
from airflow.sdk.definitions._internal.templater import create_template_env
env = create_template_env()
out = []
for source in json.load(sys.stdin):
    try:
        env.parse(source)
        out.append(True)
    except Exception:
        out.append(False)
print(json.dumps(out))
"#;

#[test]
fn save_time_parsing_agrees_with_airflows_jinja() {
    for (source, parses) in CASES {
        assert_eq!(
            check_template(source).is_ok(),
            *parses,
            "flowdeck's verdict on {source:?}: {:?}",
            check_template(source)
        );
    }
    let python = support::airflow_python();
    if !python.exists() {
        assert!(
            std::env::var("FLOWDECK_REQUIRE_AIRFLOW").as_deref() != Ok("1"),
            "FLOWDECK_REQUIRE_AIRFLOW=1 but no Airflow venv at {}",
            python.display()
        );
        eprintln!(
            "SKIPPED the comparison: no Airflow venv at {}",
            python.display()
        );
        return;
    }
    let input: Vec<&str> = CASES.iter().map(|(s, _)| *s).collect();
    let mut child = Command::new(&python)
        .args(["-c", JINJA_CHECK])
        .env("AIRFLOW_HOME", tempfile::tempdir().unwrap().path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    serde_json::to_writer(child.stdin.take().unwrap(), &input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let jinja: Vec<bool> = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let disagree: Vec<String> = CASES
        .iter()
        .zip(jinja)
        .filter(|((source, parses), airflow)| {
            *parses != *airflow && !REFUSED_THOUGH_JINJA_ACCEPTS.contains(source)
        })
        .map(|((source, parses), airflow)| {
            format!("{source:?}: flowdeck {parses}, Airflow's Jinja {airflow}")
        })
        .collect();
    assert!(disagree.is_empty(), "{disagree:#?}");
    // The known exceptions go one way only: flowdeck refuses what Jinja would accept.
    for source in REFUSED_THOUGH_JINJA_ACCEPTS {
        assert!(check_template(source).is_err(), "{source:?}");
    }
}
