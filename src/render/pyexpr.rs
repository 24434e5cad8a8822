//! Python and Jinja source fragments built from model values. Everything a template
//! receives is made here (or by `Literal::to_python` / `python_str`), so user text only
//! ever reaches a DAG file as an escaped literal.

use crate::model::literal::{python_str, Literal};
use crate::model::options::{spec_for, templated_leaf, OptionType};
use crate::model::template::StrKind;
use std::fmt::Write as _;

/// Module alias of `datetime` in the DAG file (aliased so a task named `datetime`
/// cannot shadow it).
pub const DATETIME: &str = "_fd_datetime";

/// Extensions that DockerOperator (apache-airflow-providers-docker 4.x) treats as
/// template *files*: a templated string ending in one of them is loaded from disk instead
/// of rendered, and fails with `TemplateNotFound` at run time.
const DOCKER_TEMPLATE_EXT: &[&str] = &[".sh", ".bash", ".env"];

/// An empty Jinja comment: renders to nothing, but stops a string from ending in a
/// template-file extension, so `bash run.sh` stays a command.
const TEMPLATE_FILE_GUARD: &str = "{# #}";

/// `value` for a templated Docker field, guarded against being read as a template file.
pub fn docker_templated(value: &str) -> String {
    if DOCKER_TEMPLATE_EXT.iter().any(|ext| value.ends_with(ext)) {
        format!("{value}{TEMPLATE_FILE_GUARD}")
    } else {
        value.to_string()
    }
}

/// True when [`docker_templated`] changes `value`.
pub fn needs_template_guard(value: &str) -> bool {
    DOCKER_TEMPLATE_EXT.iter().any(|ext| value.ends_with(ext))
}

/// Name of Airflow's "render as is" wrapper in the DAG file: `airflow.sdk.literal` in
/// Airflow 3, `airflow.template.templater.LiteralValue` in Airflow 2.8+. Rendering a
/// template field returns a wrapped value unchanged, without Jinja (and a wrapped string
/// is not a `str`, so it is never read as a template file either).
pub const TEXT: &str = "_fd_text";

/// Python source handing the value `python` to a templated field as text.
pub fn text_value(python: &str) -> String {
    format!("{TEXT}({python})")
}

/// Python source for one string of a templated field: a template as a plain string
/// (guarded against being read as a template file), text wrapped so Jinja never sees it.
pub fn templated_str(s: &str, kind: StrKind) -> String {
    match kind {
        StrKind::Template => python_str(&docker_templated(s)),
        StrKind::Text => text_value(&python_str(s)),
    }
}

/// Python source for a parsed templated option value (see
/// `model::options::TEMPLATED_OPTIONS`): each string leaf by its kind, lists as lists.
pub fn templated_option(value: &Literal) -> String {
    if let Some((s, kind)) = templated_leaf(value) {
        return templated_str(s, kind);
    }
    match value {
        // A list of text only is wrapped once: `_fd_text(["sh", "-c", "…"])`.
        Literal::List(items)
            if !items.is_empty()
                && items
                    .iter()
                    .all(|i| matches!(templated_leaf(i), Some((_, StrKind::Text)))) =>
        {
            let strings: Vec<Literal> = items
                .iter()
                .filter_map(templated_leaf)
                .map(|(s, _)| Literal::Str(s.to_string()))
                .collect();
            text_value(&Literal::List(strings).to_python())
        }
        Literal::List(items) => {
            let parts: Vec<String> = items.iter().map(templated_option).collect();
            format!("[{}]", parts.join(", "))
        }
        other => other.to_python(),
    }
}

/// True when a parsed templated option holds a template string that
/// [`docker_templated`] guards.
pub fn templated_needs_guard(value: &Literal) -> bool {
    match templated_leaf(value) {
        Some((s, StrKind::Template)) => needs_template_guard(s),
        Some((_, StrKind::Text)) => false,
        None => match value {
            Literal::List(items) => items.iter().any(templated_needs_guard),
            Literal::Table(t) => t.values().any(templated_needs_guard),
            _ => false,
        },
    }
}

/// True when a parsed templated option holds a text string (the file then imports
/// [`TEXT`]).
pub fn templated_has_text(value: &Literal) -> bool {
    match templated_leaf(value) {
        Some((_, kind)) => kind == StrKind::Text,
        None => match value {
            Literal::List(items) => items.iter().any(templated_has_text),
            Literal::Table(t) => t.values().any(templated_has_text),
            _ => false,
        },
    }
}

/// A `datetime.timedelta` of whole seconds.
pub fn timedelta(seconds: i64) -> String {
    format!("{DATETIME}.timedelta(seconds={seconds})")
}

/// Python source for a validated option value, spelled by the option's declared type
/// (durations are stored as seconds and become `timedelta`s).
pub fn option_value(key: &str, value: &Literal) -> String {
    match (spec_for(key).map(|s| s.ty), value) {
        (Some(OptionType::Duration), Literal::Int(seconds)) => timedelta(*seconds),
        (Some(OptionType::Mounts), Literal::List(items)) => mounts(items),
        _ => value.to_python(),
    }
}

/// `[_fd_Mount(target=…, source=…, type=…, read_only=…)]` from validated mount tables.
fn mounts(items: &[Literal]) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|item| {
            let Literal::Table(t) = item else {
                return item.to_python();
            };
            let string = |k: &str| {
                t.get(k)
                    .and_then(templated_leaf)
                    .map(|(s, kind)| templated_str(s, kind))
            };
            // docker.types.Mount takes `source` positionally-required; tmpfs mounts
            // have none, which docker-py spells as None.
            let mut args = vec![
                format!(
                    "target={}",
                    string("target").unwrap_or_else(|| "None".into())
                ),
                format!(
                    "source={}",
                    string("source").unwrap_or_else(|| "None".into())
                ),
            ];
            if let Some(Literal::Str(ty)) = t.get("type") {
                args.push(format!("type={}", python_str(ty)));
            }
            if let Some(Literal::Bool(ro)) = t.get("read_only") {
                args.push(format!("read_only={}", if *ro { "True" } else { "False" }));
            }
            format!("_fd_Mount({})", args.join(", "))
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

/// True when a validated option value holds mounts (so the file imports `Mount`).
pub fn has_mounts(key: &str, value: &Literal) -> bool {
    matches!(spec_for(key).map(|s| s.ty), Some(OptionType::Mounts))
        && matches!(value, Literal::List(items) if !items.is_empty())
}

/// A Jinja string literal holding exactly `s`. Only ASCII letters, digits and `_` are
/// written as is; everything else becomes a `\x`/`\u`/`\U` escape, which Jinja's lexer
/// decodes (`unicode-escape`), so no quote, brace or `}}` can end the expression.
pub fn jinja_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        let code = c as u32;
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if code <= 0xff {
            let _ = write!(out, "\\x{code:02x}");
        } else if code <= 0xffff {
            let _ = write!(out, "\\u{code:04x}");
        } else {
            let _ = write!(out, "\\U{code:08x}");
        }
    }
    out.push('\'');
    out
}

/// A Jinja template that renders `expression` as text: strings as they are, anything else
/// (numbers, lists, dicts, None) as JSON, so a container can parse structured values.
pub fn jinja_text_of(expression: &str) -> String {
    format!("{{% set fd_v = {expression} %}}{{{{ fd_v if fd_v is string else (fd_v | tojson) }}}}")
}

/// Jinja expression for an upstream task's output, or one key of it.
pub fn jinja_xcom(task_id: &str, key: Option<&str>) -> String {
    let mut expr = format!("ti.xcom_pull(task_ids={})", jinja_str(task_id));
    if let Some(k) = key {
        expr.push('[');
        expr.push_str(&jinja_str(k));
        expr.push(']');
    }
    expr
}

/// Jinja expression for a run parameter. Subscript, not `params.name`: attribute lookup
/// would find dict methods for names like `items` or `keys`.
pub fn jinja_param(name: &str) -> String {
    format!("params[{}]", jinja_str(name))
}

/// The text a literal input becomes in a container's environment: strings as they are
/// (so Airflow renders `{{ ds }}`), anything else as JSON.
pub fn env_text_of_literal(value: &Literal) -> String {
    match value {
        Literal::Str(s) => s.clone(),
        other => serde_json::to_string(other).unwrap_or_else(|_| other.to_python()),
    }
}

/// Makes `s` safe inside a one-line `#` comment: the escaped Python string form, which is
/// ASCII and holds no line break.
pub fn comment_safe(s: &str) -> String {
    python_str(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn durations_become_timedeltas() {
        assert_eq!(
            option_value("retry_delay", &Literal::Int(300)),
            "_fd_datetime.timedelta(seconds=300)"
        );
        assert_eq!(option_value("retries", &Literal::Int(3)), "3");
        assert_eq!(
            option_value("trigger_rule", &Literal::Str("all_done".into())),
            "\"all_done\""
        );
    }

    #[test]
    fn mounts_become_docker_mounts() {
        let mut t = BTreeMap::new();
        t.insert("source".into(), Literal::Str("/etc/{{ ds }}.env".into()));
        t.insert(
            "target".into(),
            Literal::Table([("text".to_string(), Literal::Str("/data".into()))].into()),
        );
        t.insert("type".into(), Literal::Str("bind".into()));
        t.insert("read_only".into(), Literal::Bool(true));
        let v = Literal::List(vec![Literal::Table(t)]);
        assert_eq!(
            option_value("mounts", &v),
            r#"[_fd_Mount(target=_fd_text("/data"), source="/etc/{{ ds }}.env{# #}", type="bind", read_only=True)]"#
        );
        assert!(has_mounts("mounts", &v));
    }

    #[test]
    fn template_file_extensions_are_guarded() {
        assert_eq!(docker_templated("bash run.sh"), "bash run.sh{# #}");
        assert_eq!(docker_templated("echo hi"), "echo hi");
        let text = |s: &str| Literal::Table([("text".to_string(), Literal::Str(s.into()))].into());
        let command = Literal::List(vec![
            Literal::Str("{{ params.shell }}".into()),
            Literal::Str("x{{ ds }}.bash".into()),
            text("run.sh"),
        ]);
        assert_eq!(
            templated_option(&command),
            r#"["{{ params.shell }}", "x{{ ds }}.bash{# #}", _fd_text("run.sh")]"#
        );
        assert_eq!(
            templated_option(&Literal::List(vec![text("sh"), text("-c")])),
            r#"_fd_text(["sh", "-c"])"#
        );
        assert!(templated_needs_guard(&command));
        assert!(templated_has_text(&command));
        assert!(!templated_needs_guard(&text("a.sh")));
    }

    #[test]
    fn jinja_strings_escape_everything_but_word_characters() {
        assert_eq!(jinja_str("extract"), "'extract'");
        assert_eq!(
            jinja_str("a'}}é☃😀"),
            r"'a\x27\x7d\x7d\xe9\u2603\U0001f600'"
        );
        assert_eq!(
            jinja_xcom("extract", Some("total")),
            "ti.xcom_pull(task_ids='extract')['total']"
        );
        assert_eq!(jinja_param("items"), "params['items']");
    }

    #[test]
    fn literal_env_values_are_text_or_json() {
        assert_eq!(
            env_text_of_literal(&Literal::Str("{{ ds }}".into())),
            "{{ ds }}"
        );
        assert_eq!(
            env_text_of_literal(&Literal::List(vec![Literal::Int(1), Literal::Bool(true)])),
            "[1,true]"
        );
    }
}
