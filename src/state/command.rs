//! The `:` command line: parsing what was typed into a command, with readable errors.

use super::Pane;
use crate::model::text::{nearest, one_line};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Quit {
        force: bool,
    },
    Help,
    /// The log of messages said since start.
    Messages,
    Focus(Pane),
    Refresh,
    /// Write missing and stale DAG files, remove orphaned flowdeck files.
    Reconcile,
    Filter(String),
    FunctionAdd {
        path: String,
        function: Option<String>,
    },
    FunctionEdit {
        name: String,
    },
    FunctionRm {
        name: String,
    },
    /// `:env NAME` switches to that environment; `:env` alone opens the picker.
    Environment(Option<String>),
}

/// Usage and description of each command, for the help overlay and `:help`.
pub const COMMANDS: &[(&str, &str)] = &[
    (
        "function add PATH [FUNCTION]",
        "Register FUNCTION of a Python file (or choose it from a list)",
    ),
    (
        "function edit NAME",
        "Edit a function's name and description",
    ),
    ("function rm NAME", "Delete a function (asks first)"),
    ("functions | flows | runs", "Show a pane (also 1 2 3)"),
    ("filter TEXT", "Filter the focused list"),
    ("refresh", "Reload everything from the database"),
    ("reconcile", "Make the dags folder match the saved flows"),
    (
        "env [NAME]",
        "Switch to environment NAME (without it: pick from a list)",
    ),
    ("help", "Show the keys and commands"),
    ("messages", "Every message said since start, newest last"),
    (
        "quit | q",
        "Quit (asks first when something is unsaved; quit! does not)",
    ),
];

const WORDS: &[&str] = &[
    "function",
    "functions",
    "flows",
    "runs",
    "filter",
    "refresh",
    "reconcile",
    "env",
    "help",
    "messages",
    "quit",
];

pub fn parse(line: &str) -> Result<Option<Command>, String> {
    let words = split(line)?;
    let Some((first, rest)) = words.split_first() else {
        return Ok(None);
    };
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let cmd = match (first.as_str(), rest.as_slice()) {
        ("q" | "quit" | "exit", []) => Command::Quit { force: false },
        ("q!" | "quit!", []) => Command::Quit { force: true },
        ("h" | "help", _) => Command::Help,
        ("messages" | "mes", []) => Command::Messages,
        ("1" | "functions", []) => Command::Focus(Pane::Functions),
        ("2" | "flows", []) => Command::Focus(Pane::Flows),
        ("3" | "runs", []) => Command::Focus(Pane::Runs),
        ("refresh", []) => Command::Refresh,
        ("reconcile", []) => Command::Reconcile,
        ("env" | "environment", []) => Command::Environment(None),
        ("env" | "environment", [name]) => Command::Environment(Some(name.to_string())),
        ("env" | "environment", _) => {
            return Err("usage: :env NAME (or :env alone to pick one)".into())
        }
        ("filter", words) => Command::Filter(words.join(" ")),
        ("function" | "fn" | "f", [sub, args @ ..]) => match (*sub, args) {
            ("add", [path]) => Command::FunctionAdd {
                path: path.to_string(),
                function: None,
            },
            ("add", [path, function]) => Command::FunctionAdd {
                path: path.to_string(),
                function: Some(function.to_string()),
            },
            ("add", _) => return Err("usage: :function add PATH [FUNCTION]".into()),
            ("edit", [name]) => Command::FunctionEdit {
                name: name.to_string(),
            },
            ("rm" | "delete", [name]) => Command::FunctionRm {
                name: name.to_string(),
            },
            ("edit" | "rm" | "delete", _) => {
                return Err(format!(
                    "usage: :function {sub} NAME (quote a name with spaces)"
                ))
            }
            (other, _) => {
                let hint = nearest(other, ["add", "edit", "rm"])
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                return Err(format!(
                    "unknown subcommand `function {}`{hint} (function add / edit / rm)",
                    one_line(other)
                ));
            }
        },
        ("function" | "fn" | "f", []) => {
            return Err("usage: :function add PATH [FUNCTION] | edit NAME | rm NAME".into())
        }
        (word, _)
            if WORDS.contains(&word)
                || ["q", "q!", "quit!", "exit", "1", "2", "3"].contains(&word) =>
        {
            return Err(format!("`{}` takes no arguments", one_line(word)));
        }
        (other, _) => {
            let hint = nearest(other, WORDS.iter().copied())
                .map(|n| format!("did you mean `{n}`? "))
                .unwrap_or_default();
            return Err(format!(
                "unknown command `{}`; {hint}(:help lists the commands)",
                one_line(other)
            ));
        }
    };
    Ok(Some(cmd))
}

/// Splits on whitespace; "double" or 'single' quotes keep spaces, a backslash escapes
/// the next character (paths with spaces).
pub fn split(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"') | None, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                    in_word = true;
                }
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err("a quote is not closed".into());
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse() {
        assert_eq!(parse("  ").unwrap(), None);
        assert_eq!(parse("q").unwrap(), Some(Command::Quit { force: false }));
        assert_eq!(parse("quit!").unwrap(), Some(Command::Quit { force: true }));
        assert_eq!(
            parse("function add '/tmp/my dir/etl.py' extract").unwrap(),
            Some(Command::FunctionAdd {
                path: "/tmp/my dir/etl.py".into(),
                function: Some("extract".into())
            })
        );
        assert_eq!(
            parse("f rm \"daily load\"").unwrap(),
            Some(Command::FunctionRm {
                name: "daily load".into()
            })
        );
        assert_eq!(parse("2").unwrap(), Some(Command::Focus(Pane::Flows)));
    }

    #[test]
    fn mistakes_are_explained() {
        assert_eq!(
            parse("fucntion add x").unwrap_err(),
            "unknown command `fucntion`; did you mean `function`? (:help lists the commands)"
        );
        assert!(parse("function ad x")
            .unwrap_err()
            .contains("did you mean `add`?"));
        assert!(parse("function add").unwrap_err().starts_with("usage:"));
        assert!(parse("quit now")
            .unwrap_err()
            .contains("takes no arguments"));
        assert!(parse("filter 'x").unwrap_err().contains("quote"));
        assert!(parse("\u{1b}[2J").unwrap_err().contains("\\u{1b}"));
    }
}
