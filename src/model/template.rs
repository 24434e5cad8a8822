//! Template or text: how Airflow treats a string flowdeck hands to it.
//!
//! Airflow renders every string of an operator's templated fields (PythonOperator's
//! `op_kwargs`, DockerOperator's `image`, `command`, `environment`, `mounts`) with Jinja.
//! A *template* (`{{ ds }}`) is meant for that; *text* must reach the task exactly as
//! typed, so the DAG file hands it to Airflow in a form Jinja never sees (see
//! `render::pyexpr::text_value`).
//!
//! The rule of the flow document: a string containing `{{`, `{%` or `{#` (Jinja's
//! delimiters) is a template, any other string is text; `{ text = … }` and
//! `{ template = … }` say it explicitly. Templates are parsed when a flow is saved with
//! minijinja, configured like Airflow's Jinja (the `do` statement on, loop controls off),
//! so a syntax error is refused with its line and column instead of failing the task run.

use super::literal::Literal;
use super::text::one_line;
use serde::{Deserialize, Serialize};

/// Whether Airflow renders a value's strings (template) or passes them on unchanged (text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StrKind {
    /// Rendered by Airflow's Jinja when the task runs (`{{ ds }}` → `2024-01-02`).
    Template,
    /// Reaches the task exactly as typed.
    Text,
}

impl StrKind {
    /// The word the flow document and the TUI use: "template" or "text".
    pub fn as_str(self) -> &'static str {
        match self {
            StrKind::Template => "template",
            StrKind::Text => "text",
        }
    }

    /// The other kind.
    pub fn toggled(self) -> StrKind {
        match self {
            StrKind::Template => StrKind::Text,
            StrKind::Text => StrKind::Template,
        }
    }

    /// The kind a bare string (or a value holding strings) has in the flow document:
    /// a template when any of its strings contains a Jinja delimiter, text otherwise.
    pub fn implied_by(value: &Literal) -> StrKind {
        if any_string(value, &mut has_jinja_delimiter) {
            StrKind::Template
        } else {
            StrKind::Text
        }
    }
}

/// True when `s` contains `{{`, `{%` or `{#`, the delimiters that start Jinja syntax.
pub fn has_jinja_delimiter(s: &str) -> bool {
    s.contains("{{") || s.contains("{%") || s.contains("{#")
}

/// True when any string inside `value` satisfies `pred`.
pub fn any_string(value: &Literal, pred: &mut dyn FnMut(&str) -> bool) -> bool {
    match value {
        Literal::Str(s) => pred(s),
        Literal::List(items) => items.iter().any(|i| any_string(i, pred)),
        Literal::Table(t) => t.values().any(|i| any_string(i, pred)),
        Literal::Bool(_) | Literal::Int(_) | Literal::Float(_) => false,
    }
}

/// True when `value` holds at least one string (only then does its kind matter).
pub fn has_strings(value: &Literal) -> bool {
    any_string(value, &mut |_| true)
}

/// A template that does not parse: where, and what the parser says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// 1-based line in the template.
    pub line: usize,
    /// 1-based column (in characters) on that line.
    pub column: usize,
    /// The parser's message, e.g. "unexpected end of input, expected end of comment".
    pub message: String,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// Parses `source` as a Jinja template (syntax only; nothing is rendered).
pub fn check_template(source: &str) -> Result<(), TemplateError> {
    let mut env = minijinja::Environment::new();
    env.set_debug(true);
    match env.template_from_str(source) {
        Ok(_) => Ok(()),
        Err(e) => {
            // The parser's words may quote the template: keep them to one safe line.
            let message = one_line(
                &e.detail()
                    .map(str::to_string)
                    .unwrap_or_else(|| e.kind().to_string()),
            );
            // A comment or raw block that is never closed is found where the input ends;
            // the useful position is where it was opened.
            if let Some((at, why)) = unclosed_opener(source, &message) {
                let (line, column) = line_column(source, at);
                return Err(TemplateError {
                    line,
                    column,
                    message: why.into(),
                });
            }
            let offset = e
                .range()
                .map(|r| r.start.min(source.len()))
                .unwrap_or(source.len());
            let (line, column) = line_column(source, offset);
            Err(TemplateError {
                line,
                column,
                message,
            })
        }
    }
}

/// 1-based line and column (in characters) of byte `offset` in `source`.
fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let mut at = offset.min(source.len());
    // The offset may fall inside a character when a parser points at one.
    while !source.is_char_boundary(at) {
        at -= 1;
    }
    let before = &source[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Where an unclosed comment or raw block starts, with a sentence for it, when the
/// parser's `message` says the input ended inside one.
fn unclosed_opener(source: &str, message: &str) -> Option<(usize, &'static str)> {
    match message {
        "unexpected end of comment" => source
            .rfind("{#")
            .map(|at| (at, "`{#` starts a comment that is never closed with `#}`")),
        "unexpected end of raw block" => source
            .match_indices("{%")
            .filter(|(at, _)| {
                source[at + 2..]
                    .trim_start_matches(['-', '+'])
                    .trim_start()
                    .starts_with("raw")
            })
            .last()
            .map(|(at, _)| {
                (
                    at,
                    "`{% raw %}` starts a block that is never closed with `{% endraw %}`",
                )
            }),
        _ => None,
    }
}

/// Checks every string of a template value; the error names the first string that fails.
pub fn check_template_value(value: &Literal) -> Result<(), TemplateError> {
    let mut first = None;
    any_string(value, &mut |s| match check_template(s) {
        Ok(()) => false,
        Err(e) => {
            first = Some(e);
            true
        }
    });
    first.map_or(Ok(()), Err)
}

/// The kind a value stored before kinds existed gets when it is read. Airflow rendered
/// every such string, so a value that parses as a template stays one (it behaves as
/// before); a value with no Jinja delimiter becomes text (the same value, now without
/// Jinja's trailing-newline trimming); a value with delimiters that does not parse
/// becomes text, because as a template it could only ever fail when the task ran.
pub fn legacy_kind(value: &Literal) -> StrKind {
    match StrKind::implied_by(value) {
        StrKind::Template if check_template_value(value).is_ok() => StrKind::Template,
        _ => StrKind::Text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_decide_the_implied_kind() {
        let s = |v: &str| StrKind::implied_by(&Literal::Str(v.into()));
        assert_eq!(s("{{ ds }}"), StrKind::Template);
        assert_eq!(s("{% if x %}a{% endif %}"), StrKind::Template);
        assert_eq!(s("a {# note #}"), StrKind::Template);
        assert_eq!(s("rate {d} per day"), StrKind::Text);
        assert_eq!(s("100%"), StrKind::Text);
        assert_eq!(s("{ }"), StrKind::Text);
        assert_eq!(
            StrKind::implied_by(&Literal::List(vec![
                Literal::Str("a".into()),
                Literal::Str("{{ ds }}".into())
            ])),
            StrKind::Template
        );
        assert_eq!(StrKind::implied_by(&Literal::Int(3)), StrKind::Text);
    }

    #[test]
    fn syntax_errors_have_a_position() {
        assert!(check_template("{{ ds }}").is_ok());
        assert!(check_template("{% raw %}{{ x }}{% endraw %}").is_ok());
        assert!(check_template("{% do x.append(1) %}").is_ok());
        // An unclosed comment or raw block is shown where it starts.
        let e = check_template("n=${#files[@]}").unwrap_err();
        assert_eq!((e.line, e.column), (1, 4), "{e}");
        assert!(e.message.contains("never closed with `#}`"), "{e}");
        let e = check_template("a\nb {%- raw %} x").unwrap_err();
        assert_eq!((e.line, e.column), (2, 3), "{e}");
        assert!(e.message.contains("{% endraw %}"), "{e}");
        let e = check_template("x {%d} y").unwrap_err();
        assert_eq!((e.line, e.column), (1, 5), "{e}");
        let e = check_template("ok\nrate {%d} per day").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.to_string().starts_with("line 2, column "), "{e}");
        let e = check_template("keep {% raw %} this").unwrap_err();
        assert_eq!((e.line, e.column), (1, 6), "{e}");
        // Whatever the parser quotes reaches the terminal as one safe line.
        let e = check_template("{% \u{1b}[2J\nx %}").unwrap_err();
        assert!(!e.message.chars().any(char::is_control), "{e:?}");
        // Loop controls are an extension Airflow does not enable.
        assert!(check_template("{% for x in y %}{% break %}{% endfor %}").is_err());
    }

    #[test]
    fn legacy_values_keep_working_templates_and_fix_broken_ones() {
        let k = |v: &str| legacy_kind(&Literal::Str(v.into()));
        assert_eq!(k("{{ ds }}"), StrKind::Template);
        assert_eq!(k("eu"), StrKind::Text);
        assert_eq!(k("n=${#files[@]}"), StrKind::Text);
        assert_eq!(k("keep {% raw %} this"), StrKind::Text);
    }
}
