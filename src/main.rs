//! The `flowdeck` binary: parse the command line and hand over to the library.

use clap::Parser;
use flowdeck::cli::{self, Cli};

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => std::process::exit(cli::usage_error(&e)),
    };
    if cli.command.is_some() {
        // The TUI installs its own hook (it must restore the terminal first).
        cli::install_panic_hook();
    }
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => match cli::error_exit(&e) {
            Some(code) => code,
            None => {
                cli::print_error(&e);
                1
            }
        },
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
