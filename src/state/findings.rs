//! What start-up found — keymap and config warnings, DAG files a repair would change,
//! functions whose source file changed — said as one line that counts them, with the
//! key that lists them (`!`). Each check reports when it ends; the line is said again
//! with the new counts, so the newest says everything found so far.

use super::dialog::{Dialog, MessageBox};
use super::State;

/// Most findings of one check listed; the rest are counted.
const LISTED: usize = 15;

/// Which start-up check found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The config and keymap (unknown keys, a log file that cannot be written).
    Config,
    /// The dags folder against the saved flows (missing, stale, orphaned files).
    DagsFolder,
    /// Registered functions whose source file changed since.
    Sources,
}

impl Source {
    fn heading(self) -> &'static str {
        match self {
            Source::Config => "Config and keys",
            Source::DagsFolder => "Dags folder (:reconcile lists the repair and asks first)",
            Source::Sources => "Source files changed since registration (i re-imports)",
        }
    }

    /// `2 warnings`, `1 DAG file to repair`, `3 changed sources`.
    fn count(self, n: usize) -> String {
        let s = if n == 1 { "" } else { "s" };
        match self {
            Source::Config => format!("{n} warning{s}"),
            Source::DagsFolder => format!("{n} dags folder finding{s}"),
            Source::Sources => format!("{n} changed source{s}"),
        }
    }
}

/// The findings of start-up, in the order they came.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    pub items: Vec<(Source, String)>,
}

impl Findings {
    /// `start-up: 2 warnings, 1 dags folder finding — ! lists them`; `None` when
    /// nothing was found.
    pub fn summary(&self) -> Option<String> {
        if self.items.is_empty() {
            return None;
        }
        let parts: Vec<String> = [Source::Config, Source::DagsFolder, Source::Sources]
            .into_iter()
            .filter_map(|src| {
                let n = self.items.iter().filter(|(s, _)| *s == src).count();
                (n > 0).then(|| src.count(n))
            })
            .collect();
        Some(format!("start-up: {} — ! lists them", parts.join(", ")))
    }
}

/// A start-up check found `items` (replacing what the same check found before): say
/// the summary line again.
pub fn report(state: &mut State, source: Source, items: Vec<String>) {
    let before: Vec<&String> = state
        .findings
        .items
        .iter()
        .filter(|(s, _)| *s == source)
        .map(|(_, t)| t)
        .collect();
    if before.len() == items.len() && before.iter().zip(&items).all(|(a, b)| *a == b) {
        // The same again (a reload checked the sources): nothing new to say.
        return;
    }
    state.findings.items.retain(|(s, _)| *s != source);
    if items.is_empty() {
        return;
    }
    state
        .findings
        .items
        .extend(items.into_iter().map(|i| (source, i)));
    if let Some(line) = state.findings.summary() {
        state.warn(line);
    }
}

/// The summary line once more (another start-up message was said after it).
pub fn say_again(state: &mut State) {
    if let Some(line) = state.findings.summary() {
        state.warn(line);
    }
}

/// `!`: the list of what start-up found, by check.
pub fn show(state: &mut State) {
    if state.findings.items.is_empty() {
        state.info("start-up found nothing to report");
        return;
    }
    let mut body = Vec::new();
    for src in [Source::Config, Source::DagsFolder, Source::Sources] {
        let items: Vec<&String> = state
            .findings
            .items
            .iter()
            .filter(|(s, _)| *s == src)
            .map(|(_, t)| t)
            .collect();
        if items.is_empty() {
            continue;
        }
        if !body.is_empty() {
            body.push(String::new());
        }
        body.push(src.heading().to_string());
        let more = items.len().saturating_sub(LISTED);
        body.extend(items.into_iter().take(LISTED).map(|t| format!("• {t}")));
        if more > 0 {
            body.push(format!("• … and {more} more"));
        }
    }
    state.dialogs.push(Dialog::Message(MessageBox {
        title: format!("Start-up findings ({})", state.findings.items.len()),
        body: body.join("\n"),
        error: false,
    }));
}
