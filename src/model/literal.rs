//! Literal values: what a task input or an option holds. A closed set of types that each
//! have one exact Python spelling, so nothing a user types can become code.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Literal {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Literal>),
    Table(BTreeMap<String, Literal>),
}

impl Literal {
    /// Converts a TOML value; dates and non-finite floats have no portable Python literal.
    pub fn from_toml(value: &toml::Value) -> Result<Literal, String> {
        Ok(match value {
            toml::Value::String(s) => Literal::Str(s.clone()),
            toml::Value::Integer(i) => Literal::Int(*i),
            toml::Value::Float(f) if f.is_finite() => Literal::Float(*f),
            toml::Value::Float(f) => {
                return Err(format!(
                    "{f} is not a finite number; write a string instead"
                ))
            }
            toml::Value::Boolean(b) => Literal::Bool(*b),
            toml::Value::Datetime(d) => {
                return Err(format!(
                    "TOML date `{d}` is not supported here; quote it as a string (\"{d}\")"
                ))
            }
            toml::Value::Array(items) => Literal::List(
                items
                    .iter()
                    .map(Literal::from_toml)
                    .collect::<Result<_, _>>()?,
            ),
            toml::Value::Table(t) => Literal::Table(
                t.iter()
                    .map(|(k, v)| Ok((k.clone(), Literal::from_toml(v)?)))
                    .collect::<Result<_, String>>()?,
            ),
        })
    }

    pub fn to_toml(&self) -> toml::Value {
        match self {
            Literal::Bool(b) => toml::Value::Boolean(*b),
            Literal::Int(i) => toml::Value::Integer(*i),
            Literal::Float(f) => toml::Value::Float(*f),
            Literal::Str(s) => toml::Value::String(s.clone()),
            Literal::List(items) => {
                toml::Value::Array(items.iter().map(Literal::to_toml).collect())
            }
            Literal::Table(t) => {
                toml::Value::Table(t.iter().map(|(k, v)| (k.clone(), v.to_toml())).collect())
            }
        }
    }

    /// The exact Python literal for this value. Strings are escaped so that no content
    /// (quotes, backslashes, newlines, non-ASCII) can end the string early.
    pub fn to_python(&self) -> String {
        let mut out = String::new();
        self.write_python(&mut out);
        out
    }

    fn write_python(&self, out: &mut String) {
        match self {
            Literal::Bool(true) => out.push_str("True"),
            Literal::Bool(false) => out.push_str("False"),
            Literal::Int(i) => out.push_str(&i.to_string()),
            Literal::Float(f) => out.push_str(&python_float(*f)),
            Literal::Str(s) => out.push_str(&python_str(s)),
            Literal::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write_python(out);
                }
                out.push(']');
            }
            Literal::Table(t) => {
                out.push('{');
                for (i, (k, v)) in t.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&python_str(k));
                    out.push_str(": ");
                    v.write_python(out);
                }
                out.push('}');
            }
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Literal::Bool(_) => "a boolean",
            Literal::Int(_) => "an integer",
            Literal::Float(_) => "a number",
            Literal::Str(_) => "a string",
            Literal::List(_) => "an array",
            Literal::Table(_) => "a table",
        }
    }
}

/// Rust's shortest round-trip form (`0.1`, `1.0`, `1e20`) is also valid Python.
fn python_float(f: f64) -> String {
    format!("{f:?}")
}

/// A double-quoted Python string literal holding exactly `s`. Only printable ASCII is
/// written as is; everything else becomes an escape, so the file stays ASCII and no
/// character can close the string, start a new line, or hide in the terminal.
pub fn python_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xff => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_for_python() {
        assert_eq!(python_str("a\"b'c\\d\ne"), r#""a\"b'c\\d\ne""#);
        assert_eq!(python_str("é☃😀"), r#""\xe9\u2603\U0001f600""#);
        assert_eq!(python_str("\u{1b}[31m"), r#""\x1b[31m""#);
        assert_eq!(python_str("{{ ds }}"), r#""{{ ds }}""#);
    }

    #[test]
    fn literals_render_as_python() {
        let v = Literal::from_toml(&toml::Value::Table(
            toml::from_str("a = [1, 2.5, true, \"x\"]\nb = { c = false }").unwrap(),
        ))
        .unwrap();
        assert_eq!(
            v.to_python(),
            r#"{"a": [1, 2.5, True, "x"], "b": {"c": False}}"#
        );
    }

    #[test]
    fn dates_are_refused_with_advice() {
        let v: toml::Table = toml::from_str("d = 2024-01-01").unwrap();
        let err = Literal::from_toml(&v["d"]).unwrap_err();
        assert!(err.contains("quote it"), "{err}");
    }
}
