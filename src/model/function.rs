//! A library function (the seed's FunctionLibrary table): a Python UDF that tasks call.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Function {
    pub id: String,
    /// Unique display name (defaults to the function name).
    pub name: String,
    /// Name of the stored file in the library folder, e.g. `etl.py`.
    pub filename: String,
    /// Where the stored file is, absolute.
    pub path: String,
    /// The Python function's name inside the file.
    pub function: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The function's parameters, offered as task inputs.
    pub params: Vec<Param>,
    /// SHA-256 of the file as registered; a different hash means the source changed.
    pub content_hash: String,
    /// The file the operator registered from, to notice later edits.
    pub source_path: String,
    /// Module name inside the library package (the stored file name without `.py`).
    pub module: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamKind {
    PositionalOnly,
    PositionalOrKeyword,
    KeywordOnly,
    /// `*args`
    VarPositional,
    /// `**kwargs`
    VarKeyword,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    pub kind: ParamKind,
    /// The default's Python source text, when it has one.
    pub default: Option<String>,
    /// The annotation's Python source text (`int`, `list[str]`), when it has one; the
    /// trigger form reads a run parameter's type from it. Functions registered before
    /// annotations were recorded have none until they are re-imported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation: Option<String>,
}

impl Param {
    /// A parameter that a task input may name (op_kwargs are keywords).
    pub fn takes_input(&self) -> bool {
        matches!(
            self.kind,
            ParamKind::PositionalOrKeyword | ParamKind::KeywordOnly
        )
    }

    pub fn required(&self) -> bool {
        self.takes_input() && self.default.is_none()
    }
}

impl Function {
    /// `extract(day, limit=100, *, region='eu')`
    pub fn signature(&self) -> String {
        let mut parts = Vec::new();
        let mut star_written = false;
        for (i, p) in self.params.iter().enumerate() {
            match p.kind {
                ParamKind::VarPositional => {
                    parts.push(format!("*{}", p.name));
                    star_written = true;
                }
                ParamKind::VarKeyword => parts.push(format!("**{}", p.name)),
                ParamKind::KeywordOnly if !star_written => {
                    parts.push("*".into());
                    star_written = true;
                    parts.push(with_default(p));
                }
                _ => parts.push(with_default(p)),
            }
            let next_is_not_po = self
                .params
                .get(i + 1)
                .is_none_or(|n| n.kind != ParamKind::PositionalOnly);
            if p.kind == ParamKind::PositionalOnly && next_is_not_po {
                parts.push("/".into());
            }
        }
        format!("{}({})", self.function, parts.join(", "))
    }

    pub fn accepts_any_keyword(&self) -> bool {
        self.params.iter().any(|p| p.kind == ParamKind::VarKeyword)
    }

    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

fn with_default(p: &Param) -> String {
    match &p.default {
        Some(d) => format!("{}={d}", p.name),
        None => p.name.clone(),
    }
}
