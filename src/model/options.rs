//! Task options: TOML text checked by key and type against the operator arguments
//! flowdeck supports, with line numbers so an editor can point at the problem.

use super::literal::Literal;
use super::mode::Mode;
use super::template::{check_template, has_jinja_delimiter, StrKind};
use super::text::{nearest, one_line};
use std::collections::BTreeMap;

/// The type an option's value must have; it also decides its Python spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionType {
    /// Integer from `min` to `max` (Airflow keeps these in 32-bit database columns, so
    /// `max` is at most `i32::MAX`).
    Int {
        min: i64,
        max: i64,
    },
    Float,
    Bool,
    Str,
    /// `"5m"`, `"1h30m"`, `"2d"`, `"45s"` or a number of seconds → `timedelta`.
    Duration,
    /// One of a fixed set of strings.
    Choice(&'static [&'static str]),
    /// A string or an array of strings.
    StrOrList,
    /// A table of string values (environment variables).
    StrTable,
    /// An array of mount tables `{ source, target, type, read_only }`.
    Mounts,
}

impl OptionType {
    /// A short name for lists: `int`, `bool`, `duration`, `string`…
    pub fn short(self) -> &'static str {
        match self {
            OptionType::Int { .. } => "int",
            OptionType::Float => "number",
            OptionType::Bool => "bool",
            OptionType::Str => "string",
            OptionType::Duration => "duration",
            OptionType::Choice(_) => "choice",
            OptionType::StrOrList => "string or list",
            OptionType::StrTable => "table",
            OptionType::Mounts => "mounts",
        }
    }

    /// A value of this type as TOML text, to start from when nothing better is known.
    pub fn example(self) -> String {
        match self {
            OptionType::Int { min, .. } => min.max(0).to_string(),
            OptionType::Float => "1.0".into(),
            OptionType::Bool => "false".into(),
            OptionType::Str | OptionType::StrOrList => "\"\"".into(),
            OptionType::Duration => "\"5m\"".into(),
            OptionType::Choice(c) => format!("\"{}\"", c.first().copied().unwrap_or("")),
            OptionType::StrTable => "{}".into(),
            OptionType::Mounts => "[]".into(),
        }
    }

    /// Describes the values this type accepts, for messages.
    pub fn describe(self) -> String {
        match self {
            OptionType::Int { min, max } => format!("an integer from {min} to {max}"),
            OptionType::Float => "a number".into(),
            OptionType::Bool => "true or false".into(),
            OptionType::Str => "a string".into(),
            OptionType::Duration => format!("a duration like \"30s\", \"5m\", \"1h30m\" or seconds, at most {MAX_DURATION_SECS} s"),
            OptionType::Choice(c) => format!("one of {}", c.join(", ")),
            OptionType::StrOrList => "a string or an array of strings".into(),
            OptionType::StrTable => "a table of strings, e.g. { KEY = \"value\" }".into(),
            OptionType::Mounts => {
                "an array of { source = \"…\", target = \"…\", type = \"bind\"|\"volume\"|\"tmpfs\", read_only = bool }".into()
            }
        }
    }
}

/// Which task modes accept an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    All,
    Python,
    Docker,
}

pub struct OptionSpec {
    pub key: &'static str,
    pub ty: OptionType,
    pub applies: Applies,
    pub help: &'static str,
}

impl OptionSpec {
    /// Airflow's own default for the option (BaseOperator / DockerOperator, Airflow 3),
    /// as TOML text; `None` when Airflow has none (unset).
    pub fn airflow_default(&self) -> Option<&'static str> {
        Some(match self.key {
            "owner" => "\"airflow\"",
            "retries" => "0",
            "retry_delay" => "\"5m\"",
            "retry_exponential_backoff" => "false",
            "trigger_rule" => "\"all_success\"",
            "depends_on_past" | "wait_for_downstream" => "false",
            "pool" => "\"default_pool\"",
            "pool_slots" | "priority_weight" => "1",
            "queue" => "\"default\"",
            "weight_rule" => "\"downstream\"",
            "email_on_failure" | "email_on_retry" => "true",
            "do_xcom_push" | "show_return_value_in_logs" => "true",
            "docker_url" => "\"unix://var/run/docker.sock\"",
            "auto_remove" => "\"never\"",
            "mount_tmp_dir" => "true",
            "force_pull" | "tty" | "xcom_all" | "retrieve_output" => "false",
            _ => return None,
        })
    }

    /// Whether the option may be set on a task of `mode` (`None`: the flow's defaults,
    /// which apply to every task).
    pub fn applies_to(&self, mode: Option<Mode>) -> bool {
        matches!(
            (self.applies, mode),
            (Applies::All, _)
                | (Applies::Python, Some(Mode::Python))
                | (Applies::Docker, Some(Mode::Docker))
        )
    }

    /// The line the option list inserts: `key = value`, the value Airflow's default or
    /// an example of the type.
    pub fn insert_line(&self) -> String {
        let value = self
            .airflow_default()
            .map_or_else(|| self.ty.example(), str::to_string);
        format!("{} = {value}", self.key)
    }
}

pub const TRIGGER_RULES: &[&str] = &[
    "all_success",
    "all_failed",
    "all_done",
    "all_done_min_one_success",
    "all_skipped",
    "one_success",
    "one_failed",
    "one_done",
    "none_failed",
    "none_failed_min_one_success",
    "none_skipped",
    "always",
];

const fn spec(
    key: &'static str,
    ty: OptionType,
    applies: Applies,
    help: &'static str,
) -> OptionSpec {
    OptionSpec {
        key,
        ty,
        applies,
        help,
    }
}

use Applies::{All, Docker, Python};

/// The largest integer Airflow's database (32-bit `INTEGER` columns) can hold.
const I32: i64 = i32::MAX as i64;

/// The longest duration accepted: 68 years in seconds, so that every duration fits the
/// same 32-bit range as the integers.
pub const MAX_DURATION_SECS: i64 = I32;
use OptionType::*;

/// Every supported option. Names are Airflow's own operator arguments.
pub const OPTION_SPECS: &[OptionSpec] = &[
    spec("owner", Str, All, "who owns the task"),
    spec(
        "retries",
        Int { min: 0, max: I32 },
        All,
        "how many times a failed try is retried",
    ),
    spec("retry_delay", Duration, All, "wait between retries"),
    spec(
        "retry_exponential_backoff",
        Bool,
        All,
        "double the delay after each retry",
    ),
    spec(
        "max_retry_delay",
        Duration,
        All,
        "cap for exponential backoff",
    ),
    spec(
        "execution_timeout",
        Duration,
        All,
        "fail a try that runs longer",
    ),
    spec(
        "trigger_rule",
        Choice(TRIGGER_RULES),
        All,
        "when the task may start",
    ),
    spec(
        "depends_on_past",
        Bool,
        All,
        "wait for the previous run's try to succeed",
    ),
    spec(
        "wait_for_downstream",
        Bool,
        All,
        "wait for the previous run's downstream tasks",
    ),
    spec("pool", Str, All, "Airflow pool to run in"),
    spec(
        "pool_slots",
        Int { min: 1, max: I32 },
        All,
        "slots taken in the pool",
    ),
    spec("queue", Str, All, "executor queue"),
    spec(
        "priority_weight",
        Int {
            min: -I32 - 1,
            max: I32,
        },
        All,
        "scheduling priority",
    ),
    spec(
        "weight_rule",
        Choice(&["downstream", "upstream", "absolute"]),
        All,
        "how priority adds up",
    ),
    spec(
        "max_active_tis_per_dag",
        Int { min: 1, max: I32 },
        All,
        "concurrent tries of this task",
    ),
    spec("email", StrOrList, All, "addresses to notify"),
    spec("email_on_failure", Bool, All, "mail when a try fails"),
    spec("email_on_retry", Bool, All, "mail when a try is retried"),
    spec(
        "do_xcom_push",
        Bool,
        All,
        "store the return value as the task's output",
    ),
    spec("doc_md", Str, All, "documentation shown in Airflow"),
    spec(
        "show_return_value_in_logs",
        Bool,
        Python,
        "print the return value in the log",
    ),
    spec(
        "image",
        Str,
        Docker,
        "container image (required for docker tasks)",
    ),
    spec("command", StrOrList, Docker, "command run in the container"),
    spec("entrypoint", StrOrList, Docker, "entrypoint override"),
    spec("environment", StrTable, Docker, "environment variables"),
    spec("docker_url", Str, Docker, "Docker daemon address"),
    spec("api_version", Str, Docker, "Docker API version"),
    spec("network_mode", Str, Docker, "container network"),
    spec("mounts", Mounts, Docker, "volumes and bind mounts"),
    spec(
        "auto_remove",
        Choice(&["never", "success", "force"]),
        Docker,
        "remove the container after the run",
    ),
    spec(
        "mount_tmp_dir",
        Bool,
        Docker,
        "bind a temporary host directory",
    ),
    spec("user", Str, Docker, "user inside the container"),
    spec(
        "working_dir",
        Str,
        Docker,
        "working directory in the container",
    ),
    spec(
        "force_pull",
        Bool,
        Docker,
        "pull the image before every run",
    ),
    spec("cpus", Float, Docker, "CPU share"),
    spec("mem_limit", Str, Docker, "memory limit, e.g. \"512m\""),
    spec(
        "shm_size",
        Int { min: 0, max: I32 },
        Docker,
        "size of /dev/shm in bytes",
    ),
    spec("tty", Bool, Docker, "allocate a pseudo-TTY"),
    spec(
        "xcom_all",
        Bool,
        Docker,
        "push every stdout line, not only the last",
    ),
    spec(
        "retrieve_output",
        Bool,
        Docker,
        "read the output from a file in the container",
    ),
    spec("retrieve_output_path", Str, Docker, "path of that file"),
];

/// Options whose strings Airflow renders with Jinja: DockerOperator's `template_fields`
/// (apache-airflow-providers-docker 4.x: image, command, environment, env_file,
/// container_name, mounts, docker_conn_id) that flowdeck offers. No option of a python
/// task is templated (PythonOperator templates only op_args, op_kwargs, templates_dict).
///
/// Each string in them is a template or text by the flow document's rule (Jinja
/// delimiters make a template) or written `{ text = "…" }` / `{ template = "…" }`. After
/// [`parse_options`], a text string is held as the table `{ text = "…" }` and a template
/// as a plain string; [`templated_leaf`] reads either.
pub const TEMPLATED_OPTIONS: &[&str] = &["image", "command", "environment", "mounts"];

/// A string of a parsed templated option with its kind (see [`TEMPLATED_OPTIONS`]).
pub fn templated_leaf(value: &Literal) -> Option<(&str, StrKind)> {
    match value {
        Literal::Str(s) => Some((s, StrKind::Template)),
        Literal::Table(t) if t.len() == 1 => match t.get("text") {
            Some(Literal::Str(s)) => Some((s, StrKind::Text)),
            _ => None,
        },
        _ => None,
    }
}

/// Why a templated option's value is refused.
enum Why {
    /// The suffix of "`key` must be …".
    Type(String),
    /// A template that does not parse: a whole sentence.
    Template(String),
}

/// A templated string as written in the options text: a string, `{ text = "…" }` or
/// `{ template = "…" }`. `None` when `value` is none of these. A template that does not
/// parse is an error (the suffix of "`key` must be …").
fn templated_from_toml(value: &toml::Value) -> Option<Result<Literal, Why>> {
    let (s, kind) = match value {
        toml::Value::String(s) if has_jinja_delimiter(s) => (s, StrKind::Template),
        toml::Value::String(s) => (s, StrKind::Text),
        toml::Value::Table(t) if t.len() == 1 => match t.iter().next() {
            Some((k, toml::Value::String(s))) if k == "text" => (s, StrKind::Text),
            Some((k, toml::Value::String(s))) if k == "template" => (s, StrKind::Template),
            _ => return None,
        },
        _ => return None,
    };
    Some(match kind {
        StrKind::Text => Ok(Literal::Table(
            [("text".to_string(), Literal::Str(s.clone()))].into(),
        )),
        StrKind::Template => match check_template(s) {
            Ok(()) => Ok(Literal::Str(s.clone())),
            Err(e) => Err(Why::Template(template_advice(s, &e))),
        },
    })
}

pub fn spec_for(key: &str) -> Option<&'static OptionSpec> {
    OPTION_SPECS.iter().find(|s| s.key == key)
}

/// One problem in an options text, with the 1-based line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionProblem {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for OptionProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Options that passed validation, keyed by option name.
pub type ParsedOptions = BTreeMap<String, Literal>;

/// Parses and checks an options text for a task of `mode` (`None` for flow defaults,
/// which apply to every task). Returns every problem found, not just the first.
pub fn parse_options(text: &str, mode: Option<Mode>) -> Result<ParsedOptions, Vec<OptionProblem>> {
    // One parse on the happy path; spans (for line numbers) only when reporting problems.
    let plain: toml::Table = match toml::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
            return Err(vec![OptionProblem {
                line,
                message: format!("not valid TOML: {}", e.message().trim()),
            }]);
        }
    };
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut parsed = ParsedOptions::new();
    for (key, value) in &plain {
        let shown = one_line(key);
        let Some(spec) = spec_for(key) else {
            let hint = nearest(key, OPTION_SPECS.iter().map(|s| s.key))
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_else(|| "; press F1 in the editor for the list of options".into());
            problems.push((key.clone(), format!("unknown option `{shown}`{hint}")));
            continue;
        };
        let allowed = matches!(
            (spec.applies, mode),
            (Applies::All, _)
                | (Applies::Python, Some(Mode::Python))
                | (Applies::Docker, Some(Mode::Docker))
        );
        if !allowed {
            let where_ = match mode {
                None => "flow defaults (set it on the task instead)".to_string(),
                Some(m) => format!("{} tasks", m.as_str()),
            };
            problems.push((
                key.clone(),
                format!("option `{shown}` does not apply to {where_}"),
            ));
            continue;
        }
        let checked = if TEMPLATED_OPTIONS.contains(&key.as_str()) {
            check_templated(spec.ty, value)
        } else {
            check_value(spec.ty, value).map_err(Why::Type)
        };
        match checked {
            Ok(lit) => {
                parsed.insert(key.clone(), lit);
            }
            Err(Why::Type(why)) => problems.push((
                key.clone(),
                format!("`{shown}` must be {}{why}", spec.ty.describe()),
            )),
            Err(Why::Template(why)) => problems.push((key.clone(), format!("`{shown}`: {why}"))),
        }
    }
    if mode == Some(Mode::Docker) && !parsed.contains_key("image") && problems.is_empty() {
        return Err(vec![OptionProblem {
            line: 1,
            message: "a docker task needs `image`, e.g. image = \"python:3.12-slim\"".into(),
        }]);
    }
    if problems.is_empty() {
        return Ok(parsed);
    }
    let lines = key_lines(text);
    let mut out: Vec<OptionProblem> = problems
        .into_iter()
        .map(|(key, message)| OptionProblem {
            line: lines.get(&key).copied().unwrap_or(1),
            message,
        })
        .collect();
    out.sort_by_key(|p| p.line);
    Err(out)
}

/// The 1-based line of each top-level key.
fn key_lines(text: &str) -> BTreeMap<String, usize> {
    let Ok(doc) = toml_edit::ImDocument::parse(text) else {
        return BTreeMap::new();
    };
    doc.as_table()
        .iter()
        .filter_map(|(key, item)| {
            let span = doc
                .as_table()
                .key(key)
                .and_then(|k| k.span())
                .or_else(|| item.span())?;
            Some((key.to_string(), line_of(text, span.start)))
        })
        .collect()
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Checks one value; the error is a suffix for "`key` must be …".
fn check_value(ty: OptionType, value: &toml::Value) -> Result<Literal, String> {
    let got = |v: &toml::Value| format!(", not {}", v.type_str());
    match (ty, value) {
        (Int { min, max }, toml::Value::Integer(i)) if (min..=max).contains(i) => {
            Ok(Literal::Int(*i))
        }
        (Int { .. }, toml::Value::Integer(i)) => Err(format!(", not {i}")),
        (Float, toml::Value::Float(f)) if f.is_finite() => Ok(Literal::Float(*f)),
        (Float, toml::Value::Integer(i)) => Ok(Literal::Float(*i as f64)),
        (Bool, toml::Value::Boolean(b)) => Ok(Literal::Bool(*b)),
        (Str, toml::Value::String(s)) => Ok(Literal::Str(s.clone())),
        (Duration, toml::Value::String(s)) => match parse_duration(s) {
            Ok(secs) if secs <= MAX_DURATION_SECS as u64 => Ok(Literal::Int(secs as i64)),
            Ok(secs) => Err(format!(", not {secs} s")),
            Err(e) => Err(format!(" ({e})")),
        },
        (Duration, toml::Value::Integer(i)) if (0..=MAX_DURATION_SECS).contains(i) => {
            Ok(Literal::Int(*i))
        }
        (Choice(choices), toml::Value::String(s)) if choices.contains(&s.as_str()) => {
            Ok(Literal::Str(s.clone()))
        }
        (Choice(choices), toml::Value::String(s)) => {
            Err(match nearest(s, choices.iter().copied()) {
                Some(n) => format!(", not `{}` (did you mean `{n}`?)", one_line(s)),
                None => format!(", not `{}`", one_line(s)),
            })
        }
        (StrOrList, toml::Value::String(s)) => Ok(Literal::Str(s.clone())),
        (StrOrList, toml::Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                toml::Value::String(s) => Ok(Literal::Str(s.clone())),
                other => Err(format!(", but an item is {}", other.type_str())),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Literal::List),
        (StrTable, toml::Value::Table(t)) => t
            .iter()
            .map(|(k, v)| match v {
                toml::Value::String(s) => Ok((k.clone(), Literal::Str(s.clone()))),
                toml::Value::Integer(i) => Ok((k.clone(), Literal::Str(i.to_string()))),
                toml::Value::Boolean(b) => Ok((k.clone(), Literal::Str(b.to_string()))),
                other => Err(format!(", but `{}` is {}", one_line(k), other.type_str())),
            })
            .collect::<Result<BTreeMap<_, _>, _>>()
            .map(Literal::Table),
        // Mounts are a templated option: see `check_templated`.
        (_, v) => Err(got(v)),
    }
}

/// `check_value` for a templated option: each string may also be `{ text = "…" }` or
/// `{ template = "…" }`, and templates must parse.
fn check_templated(ty: OptionType, value: &toml::Value) -> Result<Literal, Why> {
    match (ty, value) {
        (Str | StrOrList, v) if templated_from_toml(v).is_some() => {
            templated_from_toml(v).unwrap_or_else(|| Err(Why::Type(String::new())))
        }
        (StrOrList, toml::Value::Array(items)) => items
            .iter()
            .map(|i| {
                templated_from_toml(i)
                    .unwrap_or_else(|| Err(Why::Type(format!(", but an item is {}", i.type_str()))))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Literal::List),
        (StrTable, toml::Value::Table(t)) => t
            .iter()
            .map(|(k, v)| {
                let leaf = match v {
                    toml::Value::Integer(i) => {
                        templated_from_toml(&toml::Value::String(i.to_string()))
                    }
                    toml::Value::Boolean(b) => {
                        templated_from_toml(&toml::Value::String(b.to_string()))
                    }
                    other => templated_from_toml(other),
                };
                match leaf {
                    Some(r) => r.map(|l| (k.clone(), l)),
                    None => Err(Why::Type(format!(
                        ", but `{}` is {}",
                        one_line(k),
                        v.type_str()
                    ))),
                }
            })
            .collect::<Result<BTreeMap<_, _>, _>>()
            .map(Literal::Table),
        (Mounts, toml::Value::Array(items)) => items
            .iter()
            .map(check_mount)
            .collect::<Result<Vec<_>, _>>()
            .map(Literal::List),
        (ty, v) => check_value(ty, v).map_err(Why::Type),
    }
}

/// Upgrades an options text stored before strings had kinds. Airflow rendered every
/// string of a templated option; one with Jinja delimiters that does not parse could only
/// ever fail at run time, so it becomes `{ text = "…" }` (what its author meant). Every
/// other string keeps its meaning under the document's rule. Returns `None` when nothing
/// changes (also for text that is not TOML: validation reports that as before).
pub fn upgrade_legacy_options(text: &str) -> Option<String> {
    // Reading a flow reads every task's options: most hold no delimiter at all.
    if !has_jinja_delimiter(text) {
        return None;
    }
    let mut doc: toml_edit::DocumentMut = text.parse().ok()?;
    let mut changed = false;
    fn fix(v: &mut toml_edit::Value, changed: &mut bool) {
        match v {
            toml_edit::Value::String(s)
                if has_jinja_delimiter(s.value()) && check_template(s.value()).is_err() =>
            {
                let mut t = toml_edit::InlineTable::new();
                t.insert("text", s.value().as_str().into());
                *v = toml_edit::Value::InlineTable(t);
                *changed = true;
            }
            toml_edit::Value::Array(items) => items.iter_mut().for_each(|i| fix(i, changed)),
            // An explicit wrapper is already upgraded.
            toml_edit::Value::InlineTable(t)
                if !(t.len() == 1 && (t.contains_key("text") || t.contains_key("template"))) =>
            {
                t.iter_mut().for_each(|(_, i)| fix(i, changed));
            }
            _ => {}
        }
    }
    for key in TEMPLATED_OPTIONS {
        match doc.get_mut(key) {
            Some(toml_edit::Item::Value(v)) => fix(v, &mut changed),
            Some(toml_edit::Item::Table(t)) => {
                for (_, item) in t.iter_mut() {
                    if let toml_edit::Item::Value(v) = item {
                        fix(v, &mut changed);
                    }
                }
            }
            _ => {}
        }
    }
    changed.then(|| doc.to_string())
}

/// Serde reader for a task's stored options text, upgraded by [`upgrade_legacy_options`].
pub fn deserialize_upgraded<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text = <String as serde::Deserialize>::deserialize(d)?;
    Ok(upgrade_legacy_options(&text).unwrap_or(text))
}

/// The sentence for a template that does not parse: where, why, and how to pass the
/// string as text instead.
pub fn template_advice(source: &str, e: &super::template::TemplateError) -> String {
    format!(
        "`{}` is a template that does not parse ({e}); to pass it exactly as typed, write it as text: {{ text = {} }}",
        one_line(source),
        toml_edit::Value::from(source)
    )
}

fn check_mount(item: &toml::Value) -> Result<Literal, Why> {
    let toml::Value::Table(t) = item else {
        return Err(Why::Type(format!(", but an item is {}", item.type_str())));
    };
    let mut out = BTreeMap::new();
    for (k, v) in t {
        let lit = match (k.as_str(), v) {
            ("source" | "target", v) if templated_from_toml(v).is_some() => {
                templated_from_toml(v).unwrap_or_else(|| Err(Why::Type(String::new())))?
            }
            ("type", toml::Value::String(s))
                if ["bind", "volume", "tmpfs"].contains(&s.as_str()) =>
            {
                Literal::Str(s.clone())
            }
            ("read_only", toml::Value::Boolean(b)) => Literal::Bool(*b),
            (key, _) => {
                return Err(Why::Type(format!(
                    ", but mount key `{}` is unknown or has the wrong type",
                    one_line(key)
                )))
            }
        };
        out.insert(k.clone(), lit);
    }
    if !out.contains_key("target") {
        return Err(Why::Type(", but a mount has no `target`".into()));
    }
    Ok(Literal::Table(out))
}

/// Seconds in a duration like `"90s"`, `"5m"`, `"1h30m"`, `"2d"`, `"1w"` or `"300"`.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    if let Ok(n) = s.parse::<u64>() {
        return Ok(n);
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        if c.is_whitespace() {
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            other => {
                return Err(format!(
                    "unknown unit {other:?} in `{}`; use s, m, h, d or w",
                    one_line(s)
                ))
            }
        };
        let n: u64 = number
            .parse()
            .map_err(|_| format!("a number must come before {c:?} in `{}`", one_line(s)))?;
        total = total
            .checked_add(n.checked_mul(unit).ok_or("duration too long")?)
            .ok_or("duration too long")?;
        number.clear();
    }
    if !number.is_empty() {
        return Err(format!(
            "`{}` ends with a number without a unit",
            one_line(s)
        ));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5m"), Ok(300));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("2d"), Ok(172_800));
        assert_eq!(parse_duration("45"), Ok(45));
        assert!(parse_duration("5x").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("5m3")
            .unwrap_err()
            .contains("without a unit"));
    }

    #[test]
    fn valid_options_parse_to_typed_values() {
        let parsed = parse_options(
            "retries = 2\nretry_delay = \"5m\"\npool = \"etl\"\n",
            Some(Mode::Python),
        )
        .unwrap();
        assert_eq!(parsed["retries"], Literal::Int(2));
        assert_eq!(parsed["retry_delay"], Literal::Int(300));
    }

    #[test]
    fn unknown_keys_name_the_nearest_and_the_line() {
        let err = parse_options("retries = 1\nretrys = 2\n", Some(Mode::Python)).unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].line, 2);
        assert!(
            err[0]
                .message
                .contains("unknown option `retrys`; did you mean `retries`?"),
            "{}",
            err[0]
        );
    }

    #[test]
    fn wrong_types_and_modes_are_reported_together() {
        let err = parse_options(
            "retries = \"two\"\nimage = \"x\"\ntrigger_rule = \"all_sucess\"\n",
            Some(Mode::Python),
        )
        .unwrap_err();
        let text: Vec<String> = err.iter().map(|p| p.to_string()).collect();
        assert_eq!(text.len(), 3, "{text:?}");
        assert!(
            text[0].starts_with(
                "line 1: `retries` must be an integer from 0 to 2147483647, not string"
            ),
            "{text:?}"
        );
        assert!(
            text[1].contains("does not apply to python tasks"),
            "{text:?}"
        );
        assert!(text[2].contains("did you mean `all_success`"), "{text:?}");
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let err = parse_options("retries = 1\nretries = = 2\n", None).unwrap_err();
        assert_eq!(err[0].line, 2, "{err:?}");
        assert!(err[0].message.starts_with("not valid TOML"));
    }

    #[test]
    fn templated_docker_options_know_template_from_text() {
        let text = |s: &str| Literal::Table([("text".to_string(), Literal::Str(s.into()))].into());
        let parsed = parse_options(
            "image = \"alpine:3.20\"\ncommand = [\"sh\", \"-c\", { text = \"echo {{ not jinja }}\" }, \"{{ ds }}\"]\nenvironment = { DAY = \"{{ ds }}\", FMT = { text = \"%Y{#}\" }, N = 3 }\nmounts = [{ source = { template = \"/d/{{ ds }}\" }, target = \"/data\" }]\n",
            Some(Mode::Docker),
        )
        .unwrap();
        assert_eq!(parsed["image"], text("alpine:3.20"));
        assert_eq!(
            parsed["command"],
            Literal::List(vec![
                text("sh"),
                text("-c"),
                text("echo {{ not jinja }}"),
                Literal::Str("{{ ds }}".into())
            ])
        );
        let Literal::Table(env) = &parsed["environment"] else {
            panic!("{parsed:?}")
        };
        assert_eq!(env["DAY"], Literal::Str("{{ ds }}".into()));
        assert_eq!(env["FMT"], text("%Y{#}"));
        assert_eq!(env["N"], text("3"));
        assert_eq!(templated_leaf(&env["FMT"]), Some(("%Y{#}", StrKind::Text)));
        let Literal::List(mounts) = &parsed["mounts"] else {
            panic!("{parsed:?}")
        };
        let Literal::Table(m) = &mounts[0] else {
            panic!("{mounts:?}")
        };
        assert_eq!(m["source"], Literal::Str("/d/{{ ds }}".into()));
        assert_eq!(m["target"], text("/data"));
    }

    #[test]
    fn a_broken_template_in_an_option_is_refused_with_its_position() {
        let err = parse_options(
            "image = \"alpine\"\ncommand = \"echo ${#x[@]}\"\n",
            Some(Mode::Docker),
        )
        .unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert_eq!(err[0].line, 2);
        let m = &err[0].message;
        assert!(
            m.starts_with(
                "`command`: `echo ${#x[@]}` is a template that does not parse (line 1, column "
            ),
            "{m}"
        );
        assert!(
            m.ends_with("write it as text: { text = \"echo ${#x[@]}\" }"),
            "{m}"
        );
        // Options of python tasks are not templated: braces are just characters.
        assert!(parse_options("pool = \"p{#\"\n", Some(Mode::Python)).is_ok());
    }

    #[test]
    fn stored_options_with_broken_templates_become_text() {
        let old = "image = \"alpine\" # the image\ncommand = [\"sh\", \"-c\", \"n=${#f[@]}\", \"{{ ds }}\"]\n[environment]\nA = \"{%d}\"\nB = \"{{ ds }}\"\n";
        let new = upgrade_legacy_options(old).unwrap();
        assert!(new.contains("# the image"), "{new}");
        assert!(
            new.contains(r#"{ text = "n=${#f[@]}" }, "{{ ds }}"]"#),
            "{new}"
        );
        assert!(new.contains(r#"A = { text = "{%d}" }"#), "{new}");
        assert!(parse_options(&new, Some(Mode::Docker)).is_ok(), "{new}");
        assert_eq!(upgrade_legacy_options(&new), None);
        assert_eq!(upgrade_legacy_options("retries = 1\n"), None);
    }

    #[test]
    fn docker_tasks_need_an_image() {
        let err = parse_options("command = \"echo hi\"", Some(Mode::Docker)).unwrap_err();
        assert!(err[0].message.contains("needs `image`"));
        let ok = parse_options(
            "image = \"python:3.12\"\nenvironment = { A = \"1\" }\nmounts = [{ source = \"/d\", target = \"/data\", type = \"bind\" }]",
            Some(Mode::Docker),
        );
        assert!(ok.is_ok(), "{ok:?}");
    }
}
