//! `flowdeck db …`: the shared database itself — where it is, whether it is whole, and
//! giving back space (REDB-MULTIPROCESS.md: a long read transaction elsewhere can grow
//! the file; compaction shrinks it again).

use crate::core::Core;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Where the database is, its id, schema, size and change counter
    Info,
    /// Run redb's full integrity check (every page and checksum)
    Check,
    /// Give unused space back to the filesystem (run when no other flowdeck is busy)
    Compact,
}

pub fn run(command: DbCommand, core: Core) -> anyhow::Result<i32> {
    let path = core.store.path().to_path_buf();
    let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    match command {
        DbCommand::Info => {
            println!("database   {}", path.display());
            println!("id         {}", core.store.database_id());
            println!("schema     {}", crate::store::SCHEMA_VERSION);
            println!("changes    {}", core.store.generation()?);
            println!("size       {} KiB", size(&path) / 1024);
            println!(
                "you        {}",
                crate::model::text::one_line(&core.store.actor().label())
            );
            Ok(0)
        }
        DbCommand::Check | DbCommand::Compact => {
            let mut store = exclusive(core)?;
            if matches!(command, DbCommand::Check) {
                if store.check_integrity()? {
                    println!("{}: intact", path.display());
                    return Ok(0);
                }
                println!("{}: damaged; restore it from a backup", path.display());
                return Ok(1);
            }
            let before = size(&path);
            let compacted = store.compact()?;
            let after = size(&path);
            if compacted {
                println!(
                    "{}: {} KiB → {} KiB",
                    path.display(),
                    before / 1024,
                    after / 1024
                );
            } else {
                println!(
                    "{}: nothing to compact ({} KiB)",
                    path.display(),
                    after / 1024
                );
            }
            Ok(0)
        }
    }
}

/// The store without the other handles this process holds (the deployer shares it).
fn exclusive(core: Core) -> anyhow::Result<crate::store::Store> {
    let Core {
        store, deployer, ..
    } = core;
    drop(deployer);
    std::sync::Arc::try_unwrap(store).map_err(|_| {
        anyhow::anyhow!("internal error: the database is still in use in this process")
    })
}
