//! End-to-end against the real Airflow (scripts/test.sh, or the FLOWDECK_* variables of
//! scripts/dev-airflow.sh): strings full of `{`, `}`, `%`, `#` and `{% raw %}` reach the
//! function exactly as typed when they are text, templates are rendered by Airflow, and a
//! template that cannot parse is refused when saved. Also: the deploy proof lives in the
//! DAG's doc_md, and a per-deploy tag left by an older flowdeck disappears on the next
//! deploy. Drives the real `flowdeck` binary; reads the XCom through flowdeck's client.

use flowdeck::airflow::Client;
use flowdeck::model::ids::flow_id_for;
use flowdeck::render::{LEGACY_REVISION_TAG_PREFIX, REVISION_PREFIX};
use serde_json::Value;
use std::time::{Duration, Instant};

mod e2e_common;
use e2e_common::{airflow_env, unique};

/// A UDF that returns exactly what it was given (its XCom is the inputs). `**values` also
/// receives Airflow's context, which is left out.
const ECHO: &str = "def echo(**values):\n    return {k: v for k, v in values.items() if k.startswith((\"text_\", \"template_\"))}\n";

/// Strings as an operator types them; each must reach the function unchanged. The ones
/// without a Jinja delimiter are written bare in the flow document (text by the rule),
/// the others as `{ text = "…" }`.
const TEXT: &[&str] = &[
    "n=${#files[@]}",
    "rate {%d} per day",
    "keep {% raw %} this",
    "{% raw %}{{ x }}{% endraw %}",
    "{{ ds }}",
    "{#",
    "#}",
    "{{",
    "}}",
    "{%",
    "%}",
    "100% {done}",
    "{\"json\": {\"a\": [1, 2]}}",
    "printf '%s\\n' \"${arr[@]}\"",
    "{% endraw %}",
    "a {# not a comment",
    "{{{{}}}}",
    "#!/bin/sh\n# {comment} %}\n",
    "line with a trailing newline\n",
    "%(name)s {0} {} %%",
    "{%- raw -%} x {%- endraw -%}",
    "{{ ds }",
    "}{",
    "cr\r\nlf {#}",
    "{% if %}{% endif %}",
    "#",
    "{ }",
    "",
];

/// Templates and what Airflow renders them to.
const TEMPLATES: &[(&str, &str)] = &[
    ("{% raw %}{{ x }}{% endraw %}", "{{ x }}"),
    ("{{ '{%' }} and {{ '#}' }}", "{% and #}"),
    ("{{ 40 + 2 }}%", "42%"),
    ("{# a comment #}kept", "kept"),
];

fn toml_str(s: &str) -> String {
    toml_edit::Value::from(s).to_string().trim().to_string()
}

#[test]
fn text_reaches_the_function_exactly_and_templates_are_rendered_or_refused() {
    let Some(env) = airflow_env() else { return };
    std::fs::write(env.dir.path().join("config.toml"), "").unwrap();
    let udf = env.write("echo_udf.py", ECHO);
    env.ok(&["function", "add", &udf, "--function", "echo"]);
    let name = unique("e2e text");

    // A template that cannot parse is refused at save, with its position and the fix.
    let refused = env.write(
        "refused.toml",
        &format!(
            "[flow]\nname = \"{name}\"\n\n[[tasks]]\nid = \"echo\"\nfunction = \"echo\"\n[tasks.inputs]\nbad = \"ok {{{{ ds }}}} then {{%d}}\"\n"
        ),
    );
    let out = env.flowdeck(&["flow", "import", &refused]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a broken template must be refused");
    assert!(err.contains("input `bad`"), "{err}");
    assert!(err.contains("line 1, column "), "{err}");
    assert!(err.contains("{ text = "), "{err}");
    assert!(
        !env.ok(&["flow", "list"]).contains(&name),
        "nothing is saved"
    );

    let mut inputs = String::new();
    for (i, s) in TEXT.iter().enumerate() {
        let bare = !["{{", "{%", "{#"].iter().any(|d| s.contains(d));
        if bare {
            inputs.push_str(&format!("text_{i:02} = {}\n", toml_str(s)));
        } else {
            inputs.push_str(&format!("text_{i:02} = {{ text = {} }}\n", toml_str(s)));
        }
    }
    for (i, (t, _)) in TEMPLATES.iter().enumerate() {
        inputs.push_str(&format!("template_{i:02} = {}\n", toml_str(t)));
    }
    // A template without delimiters, and a list of text.
    inputs.push_str("template_plain = { template = \"plain\" }\n");
    inputs.push_str("text_list = { text = [\"{{ a }}\", \"%}\", \"#\"] }\n");
    let doc = format!(
        "[flow]\nname = \"{name}\"\n\n[[tasks]]\nid = \"echo\"\nfunction = \"echo\"\n[tasks.options]\nretries = 0\n[tasks.inputs]\n{inputs}"
    );
    let file = env.write("flow.toml", &doc);
    env.ok(&["flow", "import", &file]);
    // The document says the same after a round trip through the store.
    let exported = env.ok(&["flow", "export", &name]);
    assert!(
        exported.contains("text_03 = { text = \"{% raw %}{{ x }}{% endraw %}\" }"),
        "{exported}"
    );
    assert!(
        exported.contains("template_plain = { template = \"plain\" }"),
        "{exported}"
    );
    let deployed = env.ok(&["flow", "deploy", &name, "--wait", "--timeout", "180"]);
    assert!(deployed.contains("ready"), "{deployed}");

    let run = env.ok(&["run", "trigger", &name, "--wait", "--timeout", "300"]);
    assert!(run.contains(": success"), "{run}");
    let run_id = run
        .lines()
        .find_map(|l| l.strip_prefix("triggered "))
        .unwrap()
        .trim()
        .to_string();

    let dag_id = flow_id_for(&name);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = env.client();
    let got = rt
        .block_on(client.xcom_return_value(&dag_id, &run_id, "echo"))
        .unwrap()
        .expect("the echo task returned its inputs");
    let got = match got {
        Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
        v => v,
    };
    for (i, s) in TEXT.iter().enumerate() {
        assert_eq!(
            got[format!("text_{i:02}")],
            Value::String(s.to_string()),
            "text_{i:02} ({s:?}) in {got:#}"
        );
    }
    for (i, (t, want)) in TEMPLATES.iter().enumerate() {
        assert_eq!(
            got[format!("template_{i:02}")],
            Value::String(want.to_string()),
            "template_{i:02} ({t:?})"
        );
    }
    assert_eq!(got["template_plain"], "plain");
    assert_eq!(got["text_list"], serde_json::json!(["{{ a }}", "%}", "#"]));
    env.ok(&["flow", "rm", &name]);
}

/// Reads the DAG until `done` holds for it (Airflow updates tags on each parse).
fn wait_for_dag(
    rt: &tokio::runtime::Runtime,
    client: &Client,
    dag_id: &str,
    what: &str,
    done: impl Fn(&flowdeck::airflow::Dag) -> bool,
) -> flowdeck::airflow::Dag {
    let start = Instant::now();
    loop {
        if let Ok(dag) = rt.block_on(client.get_dag_details(dag_id)) {
            if done(&dag) {
                return dag;
            }
            if start.elapsed() > Duration::from_secs(150) {
                panic!("{what}: Airflow still serves tags {:?}", dag.tags);
            }
            let _ = rt.block_on(client.reparse_dag_file(&dag.file_token));
        }
        assert!(
            start.elapsed() < Duration::from_secs(150),
            "{what}: no answer from Airflow"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[test]
fn the_deploy_proof_is_in_doc_md_and_old_revision_tags_go_away() {
    let Some(env) = airflow_env() else { return };
    std::fs::write(env.dir.path().join("config.toml"), "").unwrap();
    let udf = env.write("echo_udf.py", ECHO);
    env.ok(&["function", "add", &udf, "--function", "echo"]);
    let name = unique("e2e marker");
    let file = env.write(
        "flow.toml",
        &format!("[flow]\nname = \"{name}\"\ntags = [\"e2e\"]\n\n[[tasks]]\nid = \"echo\"\nfunction = \"echo\"\n"),
    );
    env.ok(&["flow", "import", &file]);
    env.ok(&["flow", "deploy", &name, "--wait", "--timeout", "180"]);
    let dag_id = flow_id_for(&name);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = env.client();
    let dag = rt.block_on(client.get_dag_details(&dag_id)).unwrap();
    let doc_md = dag.doc_md.clone().unwrap_or_default();
    assert!(
        doc_md
            .lines()
            .last()
            .is_some_and(|l| l.starts_with(REVISION_PREFIX)),
        "{doc_md:?}"
    );
    let mut tags = dag.tags.clone();
    tags.sort();
    assert_eq!(tags, ["e2e", "flowdeck"]);

    // The file as an older flowdeck wrote it: with a per-deploy tag.
    let path = env.dags.join(format!("{dag_id}.py"));
    let source = std::fs::read_to_string(&path).unwrap();
    let legacy_tag = format!("{LEGACY_REVISION_TAG_PREFIX}0123456789ab");
    let old = source.replace(
        "tags=[\"e2e\", \"flowdeck\"]",
        &format!("tags=[\"e2e\", \"flowdeck\", \"{legacy_tag}\"]"),
    );
    assert_ne!(old, source, "the file has the tags line");
    std::fs::write(&path, old).unwrap();
    wait_for_dag(&rt, &client, &dag_id, "the old tag appears", |d| {
        d.tags.contains(&legacy_tag)
    });

    // The next deploy writes the file without it, and Airflow drops the tag.
    let deployed = env.ok(&["flow", "deploy", &name, "--wait", "--timeout", "180"]);
    assert!(deployed.contains("ready"), "{deployed}");
    let dag = wait_for_dag(&rt, &client, &dag_id, "the old tag goes away", |d| {
        !d.tags.contains(&legacy_tag)
    });
    assert!(
        dag.tags
            .iter()
            .all(|t| !t.starts_with(LEGACY_REVISION_TAG_PREFIX)),
        "{:?}",
        dag.tags
    );
    env.ok(&["flow", "rm", &name]);
}
