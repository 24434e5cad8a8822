//! `flowdeck function …`

use super::output::{json, table};
use super::output::{out, outln};
use crate::core::Core;
use crate::library::{register, source_changed, Registration};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum FunctionCommand {
    /// Register a Python function from FILE (copied into the library folder)
    Add {
        #[arg(value_parser = super::file_arg)]
        file: PathBuf,
        /// The function's name in the file
        #[arg(long, value_parser = super::function_name)]
        function: String,
        /// Library name [default: the function name]
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// List the library
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one function
    Show {
        #[arg(value_parser = super::function_name)]
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove a function no task uses
    Rm {
        #[arg(value_parser = super::function_name)]
        name: String,
    },
}

pub fn run(command: FunctionCommand, core: &Core) -> anyhow::Result<i32> {
    let store = &core.store;
    match command {
        FunctionCommand::Add {
            file,
            function,
            name,
            description,
        } => {
            let f = register(
                store,
                &core.python,
                &core.settings.library_folder(),
                &Registration {
                    file: &file,
                    function: &function,
                    name: name.as_deref(),
                    description: description.as_deref(),
                },
            )?;
            outln!("registered {} as `{}` ({})", f.signature(), f.name, f.path);
        }
        FunctionCommand::List { json: as_json } => {
            let functions = store.functions()?;
            if as_json {
                outln!("{}", json(&functions)?);
            } else {
                let usage = store.function_usage()?;
                let rows: Vec<Vec<String>> = functions
                    .iter()
                    .map(|f| {
                        vec![
                            f.name.clone(),
                            f.signature(),
                            f.filename.clone(),
                            usage.get(&f.id).copied().unwrap_or(0).to_string(),
                            f.updated_at.format("%Y-%m-%d %H:%M").to_string(),
                        ]
                    })
                    .collect();
                out!(
                    "{}",
                    table(&["NAME", "SIGNATURE", "FILE", "TASKS", "UPDATED"], &rows)
                );
            }
        }
        FunctionCommand::Show {
            name,
            json: as_json,
        } => {
            let Some(f) = store.function_by_name(&name)? else {
                anyhow::bail!(
                    "there is no function `{name}`; `flowdeck function list` shows the library"
                );
            };
            if as_json {
                outln!("{}", json(&f)?);
            } else {
                let changed = if source_changed(&f) {
                    " (changed since registration: run `function add` again to re-import)"
                } else {
                    ""
                };
                outln!("name:        {}", crate::model::text::one_line(&f.name));
                outln!("signature:   {}", f.signature());
                outln!("file:        {}", f.path);
                outln!("source:      {}{changed}", f.source_path);
                outln!(
                    "description: {}",
                    crate::model::text::one_line(&f.description)
                );
                outln!("id:          {}", f.id);
                outln!("created:     {}", f.created_at.to_rfc3339());
                outln!("updated:     {}", f.updated_at.to_rfc3339());
            }
        }
        FunctionCommand::Rm { name } => {
            let f = store.delete_function(&name)?;
            outln!(
                "removed function `{}` (its library file {} is kept for flows already deployed)",
                f.name,
                f.path
            );
        }
    }
    Ok(0)
}
