//! The tera templates: built into the binary, each replaceable by a file of the same name
//! in the user's templates folder.

use super::{Error, Result};
use std::path::{Path, PathBuf};
use tera::Tera;

pub const DAG: &str = "dag.py.tera";
pub const TASK_PYTHON: &str = "task_python.py.tera";
pub const TASK_DOCKER: &str = "task_docker.py.tera";

const BUILT_IN: [(&str, &str); 3] = [
    (DAG, include_str!("../../templates/dag.py.tera")),
    (
        TASK_PYTHON,
        include_str!("../../templates/task_python.py.tera"),
    ),
    (
        TASK_DOCKER,
        include_str!("../../templates/task_docker.py.tera"),
    ),
];

pub struct Templates {
    tera: Tera,
    /// Where each template came from, for error messages.
    origins: Vec<(&'static str, Option<PathBuf>)>,
}

impl Templates {
    pub fn load(dir: Option<&Path>) -> Result<Templates> {
        let mut sources = Vec::with_capacity(BUILT_IN.len());
        let mut origins = Vec::with_capacity(BUILT_IN.len());
        if let Some(dir) = dir {
            // A configured folder that is missing is most likely a typo in the config;
            // silently using the built-in templates would hide it.
            match std::fs::metadata(dir) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => {
                    return Err(Error::TemplatesDir {
                        path: dir.to_path_buf(),
                        source: std::io::Error::other("not a folder"),
                    })
                }
                Err(source) => {
                    return Err(Error::TemplatesDir {
                        path: dir.to_path_buf(),
                        source,
                    })
                }
            }
        }
        for (name, built_in) in BUILT_IN {
            let user = dir.map(|d| d.join(name));
            match user.as_ref().map(std::fs::read_to_string) {
                Some(Ok(text)) => {
                    sources.push((name, text));
                    origins.push((name, user));
                }
                Some(Err(e)) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(Error::io("read the template", user.unwrap_or_default(), e))
                }
                _ => {
                    sources.push((name, built_in.to_string()));
                    origins.push((name, None));
                }
            }
        }
        let mut tera = Tera::default();
        // Values are Python source already escaped by flowdeck; HTML escaping would
        // corrupt them (and tera only escapes by file extension anyway).
        tera.autoescape_on(vec![]);
        for (name, text) in &sources {
            tera.add_raw_template(name, text)
                .map_err(|e| Error::Template {
                    name: name.to_string(),
                    origin: origin_text(
                        origins
                            .iter()
                            .find(|(n, _)| n == name)
                            .and_then(|(_, p)| p.as_deref()),
                    ),
                    message: error_chain(&e),
                })?;
        }
        Ok(Templates { tera, origins })
    }

    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String> {
        self.tera
            .render(name, context)
            .map_err(|e| Error::Template {
                name: name.to_string(),
                origin: origin_text(
                    self.origins
                        .iter()
                        .find(|(n, _)| *n == name)
                        .and_then(|(_, p)| p.as_deref()),
                ),
                message: error_chain(&e),
            })
    }
}

fn origin_text(path: Option<&Path>) -> String {
    match path {
        Some(p) => format!(
            "from {}; fix it or delete it to use the built-in one",
            p.display()
        ),
        None => "built in".to_string(),
    }
}

/// tera's errors nest the useful part (the variable or line) in their sources.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}
