//! The layering rules of the source tree, read from the files themselves: `state` never
//! imports from `ui` (ui only draws), and no two modules import each other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src`, by module path (`state::view::runs::grid`).
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read src") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(&src).expect("under src");
            let mut name = rel.with_extension("").to_string_lossy().replace('/', "::");
            if let Some(parent) = name.strip_suffix("::mod") {
                name = parent.to_string();
            }
            let text = std::fs::read_to_string(&path).expect("read source");
            (name, text)
        })
        .collect()
}

/// The text of a file without its comments (doc comments may name other modules).
fn code(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules `name` refers to through `crate::a::b` or `super::a` paths.
fn imports(name: &str, text: &str, all: &BTreeMap<String, String>) -> BTreeSet<String> {
    let parent = name.rsplit_once("::").map_or("", |(p, _)| p);
    let mut out = BTreeSet::new();
    let code = code(text);
    for (prefix, is_crate) in [("crate::", true), ("super::", false)] {
        for (at, _) in code.match_indices(prefix) {
            let rest = &code[at + prefix.len()..];
            let segs: Vec<&str> = rest
                .split("::")
                .take(2)
                .map(|s| {
                    s.split(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                        .next()
                        .unwrap_or("")
                })
                .collect();
            let Some(first) = segs.first().filter(|s| !s.is_empty()) else {
                continue;
            };
            let candidates: Vec<String> = if is_crate {
                let mut c = Vec::new();
                if let Some(second) = segs.get(1).filter(|s| !s.is_empty()) {
                    c.push(format!("{first}::{second}"));
                }
                c.push(first.to_string());
                c
            } else if parent.is_empty() {
                vec![first.to_string()]
            } else {
                vec![format!("{parent}::{first}")]
            };
            if let Some(found) = candidates
                .into_iter()
                .find(|c| all.contains_key(c) && c != name)
            {
                out.insert(found);
            }
        }
    }
    out
}

#[test]
fn state_never_imports_from_ui() {
    let all = modules();
    let offenders: Vec<String> = all
        .iter()
        .filter(|(name, _)| name.as_str() == "state" || name.starts_with("state::"))
        .filter(|(_, text)| code(text).contains("crate::ui"))
        .map(|(name, _)| name.clone())
        .collect();
    assert!(
        offenders.is_empty(),
        "state modules that import ui: {offenders:?}"
    );
    // The check sees the modules it must: the moved view state is among them.
    assert!(all.contains_key("state::view::options_editor"));
    assert!(all.contains_key("state::view::runs::grid"));
}

#[test]
fn no_two_modules_import_each_other() {
    let all = modules();
    let graph: BTreeMap<&String, BTreeSet<String>> = all
        .iter()
        .map(|(name, text)| (name, imports(name, text, &all)))
        .collect();
    let mut cycles = Vec::new();
    for (a, deps) in &graph {
        for b in deps {
            if a.as_str() < b.as_str() && graph.get(b).is_some_and(|d| d.contains(a.as_str())) {
                cycles.push(format!("{a} <-> {b}"));
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles: {cycles:#?}");
    // The reader finds real imports (guards against a parser that sees nothing).
    assert!(graph[&"app::worker".to_string()].contains("app::flow_jobs"));
    assert!(graph[&"state::runs".to_string()].contains("state::dialog"));
}
