//! The `flowdeck` binary: parse the command line and hand over to the library.

use clap::Parser;
use flowdeck::cli::{self, Cli};

fn main() {
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // One line a user can act on; the chain is joined, never a debug dump.
            let msg = e
                .chain()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(": ");
            eprintln!("flowdeck: {}", msg.replace('\n', "\n  "));
            1
        }
    };
    std::process::exit(code);
}

fn run(cli: Cli) -> anyhow::Result<i32> {
    let settings = cli.settings()?;
    match cli.command {
        Some(command) => cli::run(command, settings),
        None => flowdeck::app::run(settings),
    }
}
