//! Task variable ids: they are Python variables in the DAG file and Airflow task ids.

/// Python keywords (3.11); a variable may not be named after one.
const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Builtins that an override's code may call: shadowing them in the DAG module would
/// silently break that code, so they are refused too.
const BUILTINS: &[&str] = &[
    "abs",
    "all",
    "any",
    "bool",
    "bytes",
    "callable",
    "dict",
    "dir",
    "enumerate",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "hasattr",
    "hash",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "list",
    "map",
    "max",
    "min",
    "next",
    "object",
    "open",
    "print",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
];

/// Names the generated DAG file itself binds.
pub const RESERVED_PREFIX: &str = "_fd";

/// Airflow's limit on task ids.
pub const MAX_TASK_ID_LEN: usize = 250;

/// Checks a task variable id; the error is a sentence the operator can act on.
pub fn check_variable_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("the task id is empty: type a name such as `extract`".into());
    }
    if id.len() > MAX_TASK_ID_LEN {
        return Err(format!(
            "the task id is {} characters long; Airflow allows at most {MAX_TASK_ID_LEN}",
            id.len()
        ));
    }
    let mut chars = id.chars();
    let first = chars.next().unwrap_or('_');
    if !(first.is_ascii_alphabetic() || first == '_') {
        return Err(format!(
            "task id `{}` must start with a letter or `_` (it is a Python variable), e.g. `{}`",
            crate::model::text::one_line(id),
            suggest_variable_id(id)
        ));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(format!(
            "task id `{}` contains {:?}: use only ASCII letters, digits and `_`, e.g. `{}`",
            crate::model::text::one_line(id),
            bad,
            suggest_variable_id(id)
        ));
    }
    if KEYWORDS.contains(&id) {
        return Err(format!(
            "task id `{id}` is a Python keyword: choose another name, e.g. `{}`",
            suggest_variable_id(id)
        ));
    }
    if BUILTINS.contains(&id) {
        return Err(format!(
            "task id `{id}` would hide Python's builtin `{id}`: choose another name, e.g. `{}`",
            suggest_variable_id(id)
        ));
    }
    if id.starts_with(RESERVED_PREFIX) {
        return Err(format!(
            "task id `{id}` starts with `{RESERVED_PREFIX}`, which flowdeck reserves for its own names; e.g. `{}`",
            suggest_variable_id(id)
        ));
    }
    Ok(())
}

/// A task id close to `id` that [`check_variable_id`] accepts: other characters become
/// `_`, a leading digit or flowdeck's prefix gets `task_` before it, a keyword or builtin
/// gets `_task` after it (`load-data` → `load_data`, `2nd` → `task_2nd`, `print` →
/// `print_task`).
pub fn suggest_variable_id(id: &str) -> String {
    let mut name: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if name.is_empty() {
        name = "task".into();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) || name.starts_with(RESERVED_PREFIX) {
        name = format!("task_{name}");
    }
    name.truncate(MAX_TASK_ID_LEN - "_task".len());
    while !variable_id_ok(&name) {
        name.push_str("_task");
    }
    name
}

/// [`check_variable_id`] without the message (which would suggest, and so recurse).
fn variable_id_ok(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_TASK_ID_LEN
        && id.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&id)
        && !BUILTINS.contains(&id)
        && !id.starts_with(RESERVED_PREFIX)
}

/// True when `name` is a plain ASCII Python identifier (used for parameters and modules).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && !KEYWORDS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refused task id's suggestion is accepted as given.
    #[test]
    fn suggested_task_ids_are_accepted() {
        for bad in [
            "load-data",
            "2nd",
            "class",
            "print",
            "_fd_x",
            "my task",
            "grüße",
            "a.b",
            "None",
        ] {
            let err = check_variable_id(bad).unwrap_err();
            let suggested = err
                .rsplit("e.g. `")
                .next()
                .and_then(|s| s.strip_suffix('`'))
                .unwrap_or_else(|| panic!("{bad}: no suggestion in {err}"));
            assert_eq!(check_variable_id(suggested), Ok(()), "{bad} → {suggested}");
        }
        let long = "x-".repeat(200);
        assert!(check_variable_id(&suggest_variable_id(&long)).is_ok());
    }

    #[test]
    fn accepts_plain_identifiers() {
        for ok in ["extract", "_x", "load2", "a_b_c", "match", "case"] {
            assert!(check_variable_id(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_bad_ids_with_a_reason() {
        let cases = [
            ("", "empty"),
            ("2fast", "must start"),
            ("my-task", "'-'"),
            ("class", "keyword"),
            ("print", "builtin"),
            ("_fd_dag", "reserves"),
            ("héllo", "'é'"),
        ];
        for (id, needle) in cases {
            let err = check_variable_id(id).unwrap_err();
            assert!(err.contains(needle), "{id}: {err}");
        }
        let long = "a".repeat(251);
        assert!(check_variable_id(&long)
            .unwrap_err()
            .contains("at most 250"));
        assert!(check_variable_id(&"a".repeat(250)).is_ok());
    }
}
