//! Keys as data. The default table is `assets/keymap.toml` (embedded); the config file's
//! `[keybindings]` overrides it. The same table dispatches keys, fills the `?` help and
//! the status-bar hints, so what the help says is what the keys do.
//!
//! A user table that names an unknown action or a key that does not parse yields a
//! warning (shown in the status bar and logged); the rest of the table still applies.

mod action;
mod key;

pub use action::Action;
pub use key::Key;

use serde::Deserialize;
use std::collections::BTreeMap;

pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// Where a key is pressed. The focused pane's context is asked first, then `Global`;
/// inside a form or a text field only `Editor` applies (other keys are typed), inside
/// a dialog or the help only `Dialog`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Context {
    Global,
    Functions,
    Flows,
    Runs,
    /// The log viewer inside the Runs pane (asked before `Runs`).
    Log,
    Editor,
    Dialog,
}

impl Context {
    pub const ALL: [Context; 7] = [
        Context::Global,
        Context::Functions,
        Context::Flows,
        Context::Runs,
        Context::Log,
        Context::Editor,
        Context::Dialog,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Functions => "functions",
            Context::Flows => "flows",
            Context::Runs => "runs",
            Context::Log => "log",
            Context::Editor => "editor",
            Context::Dialog => "dialog",
        }
    }

    pub fn from_name(name: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub key: Key,
    pub action: Action,
    /// What the help says.
    pub desc: String,
    /// Short label for the status bar; bindings without one are only in the help.
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Keymap {
    /// In file order, which is the order of the help.
    contexts: BTreeMap<Context, Vec<Binding>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileContext {
    #[serde(default)]
    keymap: Vec<FileBinding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBinding {
    on: String,
    run: String,
    #[serde(default)]
    desc: String,
    hint: Option<String>,
}

impl Keymap {
    /// The built-in table. It is part of the program (a test parses it), so a failure
    /// here is a bug in flowdeck, not in the user's files.
    pub fn builtin() -> Keymap {
        let (keymap, warnings) =
            Keymap::parse(DEFAULT_KEYMAP).unwrap_or_else(|e| panic!("assets/keymap.toml: {e}"));
        assert!(warnings.is_empty(), "assets/keymap.toml: {warnings:?}");
        keymap
    }

    /// The built-in table with the config file's overrides applied, plus warnings about
    /// the overrides that could not be used.
    pub fn with_overrides(overrides: &BTreeMap<String, toml::Value>) -> (Keymap, Vec<String>) {
        let mut keymap = Keymap::builtin();
        let warnings = keymap.apply_overrides(overrides);
        (keymap, warnings)
    }

    /// Parses a keymap file: `[context] keymap = [ { on, run, desc, hint }, … ]`.
    /// Entries that cannot be used are skipped with a warning.
    pub fn parse(text: &str) -> Result<(Keymap, Vec<String>), String> {
        let file: BTreeMap<String, FileContext> =
            toml::from_str(text).map_err(|e| e.message().to_string())?;
        let mut keymap = Keymap::default();
        let mut warnings = Vec::new();
        for (ctx_name, ctx) in file {
            let Some(context) = Context::from_name(&ctx_name) else {
                warnings.push(format!(
                    "keymap: unknown context [{ctx_name}]; contexts are {}",
                    context_names()
                ));
                continue;
            };
            let list = keymap.contexts.entry(context).or_default();
            for b in ctx.keymap {
                let Some(action) = Action::from_name(&b.run) else {
                    warnings.push(unknown_action(&b.run));
                    continue;
                };
                match Key::parse(&b.on) {
                    Ok(key) => list.push(Binding {
                        key,
                        action,
                        desc: b.desc,
                        hint: b.hint,
                    }),
                    Err(e) => warnings.push(format!("keymap [{ctx_name}] {}: {e}", b.run)),
                }
            }
        }
        Ok((keymap, warnings))
    }

    /// Applies `action = "key"` / `action = ["key", …]` (every context that binds the
    /// action; global when none does) and `"context.action" = …` (that context only).
    /// The new keys replace the action's old keys there, and take the key away from
    /// any other action of the same context so one key never means two things.
    pub fn apply_overrides(&mut self, overrides: &BTreeMap<String, toml::Value>) -> Vec<String> {
        let mut warnings = Vec::new();
        for (name, value) in overrides {
            let (context, action_name) = match name.split_once('.') {
                Some((c, a)) => match Context::from_name(c) {
                    Some(c) => (Some(c), a),
                    None => {
                        warnings.push(format!(
                            "[keybindings] {}: unknown context `{}`; contexts are {}",
                            one_line(name),
                            one_line(c),
                            context_names()
                        ));
                        continue;
                    }
                },
                None => (None, name.as_str()),
            };
            let Some(action) = Action::from_name(action_name) else {
                warnings.push(format!("[keybindings] {}", unknown_action(action_name)));
                continue;
            };
            let texts: Vec<&str> = match value {
                toml::Value::String(s) => vec![s.as_str()],
                toml::Value::Array(items) => {
                    match items.iter().map(|v| v.as_str()).collect::<Option<Vec<_>>>() {
                        Some(v) => v,
                        None => {
                            warnings.push(format!("[keybindings] {name}: write a key as a string, or a list of strings"));
                            continue;
                        }
                    }
                }
                _ => {
                    warnings.push(format!(
                        "[keybindings] {name}: write a key as a string, or a list of strings"
                    ));
                    continue;
                }
            };
            let mut keys = Vec::new();
            for text in texts {
                match Key::parse(text) {
                    Ok(k) if !keys.contains(&k) => keys.push(k),
                    Ok(_) => {}
                    Err(e) => warnings.push(format!("[keybindings] {name}: {e}")),
                }
            }
            if keys.is_empty() {
                continue;
            }
            let targets: Vec<Context> = match context {
                Some(c) => vec![c],
                None => {
                    let bound: Vec<Context> = Context::ALL
                        .into_iter()
                        .filter(|c| self.bindings(*c).iter().any(|b| b.action == action))
                        .collect();
                    if bound.is_empty() {
                        vec![Context::Global]
                    } else {
                        bound
                    }
                }
            };
            for ctx in targets {
                self.rebind(ctx, action, &keys);
            }
            tracing::info!(binding = %name, "key binding overridden");
        }
        for w in &warnings {
            tracing::warn!("{w}");
        }
        warnings
    }

    fn rebind(&mut self, ctx: Context, action: Action, keys: &[Key]) {
        let list = self.contexts.entry(ctx).or_default();
        let template = list.iter().find(|b| b.action == action).cloned();
        let at = list
            .iter()
            .position(|b| b.action == action)
            .unwrap_or(list.len());
        let (desc, hint) = match template {
            Some(t) => (t.desc, t.hint),
            None => (default_desc(action), None),
        };
        let mut rest: Vec<Binding> = Vec::with_capacity(list.len());
        let mut inserted = false;
        for (i, b) in list.drain(..).enumerate() {
            if i == at && !inserted {
                inserted = true;
                // Only the first new binding keeps the hint: the status bar shows one key.
                for (n, key) in keys.iter().enumerate() {
                    rest.push(Binding {
                        key: *key,
                        action,
                        desc: desc.clone(),
                        hint: if n == 0 { hint.clone() } else { None },
                    });
                }
            }
            if b.action == action || keys.contains(&b.key) {
                continue;
            }
            rest.push(b);
        }
        if !inserted {
            for (n, key) in keys.iter().enumerate() {
                rest.push(Binding {
                    key: *key,
                    action,
                    desc: desc.clone(),
                    hint: if n == 0 { hint.clone() } else { None },
                });
            }
        }
        *list = rest;
    }

    /// The action `key` means in `ctx` alone.
    pub fn action(&self, ctx: Context, key: Key) -> Option<Action> {
        self.bindings(ctx)
            .iter()
            .find(|b| b.key == key)
            .map(|b| b.action)
    }

    /// The action `key` means, asking the contexts in order.
    pub fn lookup(&self, contexts: &[Context], key: Key) -> Option<Action> {
        contexts.iter().find_map(|c| self.action(*c, key))
    }

    pub fn bindings(&self, ctx: Context) -> &[Binding] {
        self.contexts.get(&ctx).map_or(&[], Vec::as_slice)
    }

    /// The first key bound to `action` in the contexts, for messages like "press a".
    pub fn key_for(&self, contexts: &[Context], action: Action) -> Option<Key> {
        contexts.iter().find_map(|c| {
            self.bindings(*c)
                .iter()
                .find(|b| b.action == action)
                .map(|b| b.key)
        })
    }

    /// Status-bar hints for the contexts, in order, one per action.
    pub fn hints(&self, contexts: &[Context]) -> Vec<(Key, &str)> {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for c in contexts {
            for b in self.bindings(*c) {
                if let Some(h) = &b.hint {
                    if !seen.contains(&b.action) && self.lookup(contexts, b.key) == Some(b.action) {
                        seen.push(b.action);
                        out.push((b.key, h.as_str()));
                    }
                }
            }
        }
        out
    }
}

fn one_line(s: &str) -> String {
    crate::model::text::one_line(s)
}

fn context_names() -> String {
    Context::ALL
        .iter()
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown_action(name: &str) -> String {
    let names: Vec<String> = Action::ALL.iter().map(|a| a.name()).collect();
    let hint = crate::model::text::nearest(name, names.iter().map(String::as_str))
        .map(|n| format!("; did you mean `{n}`?"))
        .unwrap_or_else(|| "; `?` in flowdeck lists the actions".into());
    format!("unknown action `{}`{hint}", one_line(name))
}

fn default_desc(action: Action) -> String {
    action.name().replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overrides(text: &str) -> BTreeMap<String, toml::Value> {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn the_builtin_table_parses_and_binds_every_action() {
        let (keymap, warnings) = Keymap::parse(DEFAULT_KEYMAP).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        for action in Action::ALL {
            assert!(
                Context::ALL
                    .iter()
                    .any(|c| keymap.bindings(*c).iter().any(|b| b.action == *action)),
                "{action:?} has no default key"
            );
        }
        for c in Context::ALL {
            for b in keymap.bindings(c) {
                assert!(!b.desc.is_empty(), "{} {} has no desc", c.name(), b.key);
                let dupes = keymap.bindings(c).iter().filter(|o| o.key == b.key).count();
                assert_eq!(dupes, 1, "{} binds {} twice", c.name(), b.key);
            }
        }
    }

    #[test]
    fn action_names_round_trip() {
        for action in Action::ALL {
            assert_eq!(Action::from_name(&action.name()), Some(*action));
        }
        assert_eq!(Action::Quit.name(), "quit");
        assert_eq!(Action::ScrollPreviewDown.name(), "scroll_preview_down");
    }

    #[test]
    fn overrides_replace_keys_everywhere_the_action_is_bound() {
        let (km, warnings) =
            Keymap::with_overrides(&overrides("quit = \"x\"\nregister = [\"n\", \"<C-n>\"]"));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            km.action(Context::Global, Key::char('x')),
            Some(Action::Quit)
        );
        assert_eq!(km.action(Context::Global, Key::char('q')), None);
        assert_eq!(
            km.action(Context::Functions, Key::char('n')),
            Some(Action::Register)
        );
        assert_eq!(
            km.action(Context::Functions, Key::ctrl('n')),
            Some(Action::Register)
        );
        assert_eq!(km.action(Context::Functions, Key::char('a')), None);
        // The dialog's own `q` (close) is another action and stays.
        assert_eq!(
            km.action(Context::Dialog, Key::char('q')),
            Some(Action::Cancel)
        );
    }

    #[test]
    fn a_context_override_takes_the_key_from_other_actions() {
        let (km, warnings) = Keymap::with_overrides(&overrides("\"functions.delete\" = \"e\""));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            km.action(Context::Functions, Key::char('e')),
            Some(Action::Delete)
        );
        assert!(km
            .bindings(Context::Functions)
            .iter()
            .all(|b| b.action != Action::Edit || b.key != Key::char('e')));
    }

    #[test]
    fn bad_overrides_warn_and_the_rest_applies() {
        let (km, warnings) = Keymap::with_overrides(&overrides(
            "qiut = \"x\"\nhelp = \"ctrl+h\"\n\"nowhere.quit\" = \"z\"\nfilter = 3\nrefresh = \"<F5>\"",
        ));
        assert_eq!(warnings.len(), 4, "{warnings:?}");
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("unknown action `qiut`; did you mean `quit`?")),
            "{warnings:?}"
        );
        assert!(
            warnings.iter().any(|w| w.contains("`ctrl+h` is not a key")),
            "{warnings:?}"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("unknown context `nowhere`")),
            "{warnings:?}"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("filter: write a key as a string")),
            "{warnings:?}"
        );
        assert_eq!(
            km.action(Context::Global, Key::plain(crossterm::event::KeyCode::F(5))),
            Some(Action::Refresh)
        );
        assert_eq!(
            km.action(Context::Global, Key::char('?')),
            Some(Action::Help)
        );
    }

    #[test]
    fn hints_follow_the_table() {
        let (km, _) = Keymap::with_overrides(&overrides("register = \"n\""));
        let hints = km.hints(&[Context::Functions, Context::Global]);
        assert_eq!(
            hints.first().map(|(k, h)| (k.to_string(), *h)),
            Some(("n".to_string(), "add"))
        );
    }
}
