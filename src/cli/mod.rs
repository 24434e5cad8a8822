//! The command line: clap definitions and dispatch. Every subcommand calls the same
//! store / render / deploy / airflow code as the TUI; errors end as one line on stderr
//! and a non-zero exit status.

mod db;
mod flow;
mod function;
mod guard;
mod output;
mod run;
mod status;

use crate::config::{self, Overrides, Settings};
use crate::core::Core;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "flowdeck",
    version,
    about = "Build Apache Airflow workflows from a library of Python functions, deploy them and watch them run."
)]
pub struct Cli {
    /// Database file [default: $XDG_DATA_HOME/flowdeck/flowdeck.redb]
    #[arg(long, env = "FLOWDECK_DB", global = true)]
    pub db: Option<PathBuf>,
    /// Config file [default: $XDG_CONFIG_HOME/flowdeck/config.toml]
    #[arg(long, env = "FLOWDECK_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Airflow's dags folder
    #[arg(long, env = "FLOWDECK_DAGS_FOLDER", global = true)]
    pub dags_folder: Option<PathBuf>,
    /// Airflow base URL, e.g. http://127.0.0.1:8080
    #[arg(long, env = "FLOWDECK_AIRFLOW_URL", global = true)]
    pub airflow_url: Option<String>,
    /// The environment (an `[environments.NAME]` of the config) to work with
    #[arg(long = "env", env = "FLOWDECK_ENV", global = true, value_name = "NAME")]
    pub env: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// The function library
    #[command(subcommand)]
    Function(function::FunctionCommand),
    /// Flows: import, export, render, deploy
    #[command(subcommand)]
    Flow(flow::FlowCommand),
    /// Runs: trigger, list, logs
    #[command(subcommand)]
    Run(run::RunCommand),
    /// The database: info, integrity check, compaction
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Airflow's health and each flow's deploy state
    Status {
        #[arg(long)]
        json: bool,
    },
}

impl Cli {
    pub fn settings(&self) -> Result<Settings, config::Error> {
        config::resolve(Overrides {
            db: self.db.clone(),
            config: self.config.clone(),
            dags_folder: self.dags_folder.clone(),
            airflow_url: self.airflow_url.clone(),
            airflow_username: std::env::var("FLOWDECK_AIRFLOW_USERNAME")
                .ok()
                .filter(|s| !s.is_empty()),
            airflow_password: std::env::var("FLOWDECK_AIRFLOW_PASSWORD").ok(),
            env: self.env.clone().filter(|s| !s.is_empty()),
        })
    }
}

/// Runs a subcommand. Returns the process exit code.
pub fn run(command: Command, settings: Settings) -> anyhow::Result<i32> {
    let core = if command.only_reads_the_database() {
        Core::open_read_only(settings)?
    } else {
        Core::open(settings)?
    };
    if let Some(note) = core.first_run_note() {
        eprintln!("flowdeck: {note}");
    }
    if command.changes_airflow() {
        core.settings
            .environment
            .check_writable()
            .map_err(|e| anyhow::anyhow!(e))?;
    }
    match command {
        Command::Function(c) => function::run(c, &core),
        Command::Flow(c) => flow::run(c, &core),
        Command::Run(c) => block_on(run::run(c, &core)),
        Command::Status { json } => block_on(status::run(&core, json)),
        Command::Db(c) => db::run(c, core),
    }
}

impl Command {
    /// Commands that change the selected environment's Airflow or its DAG files (refused
    /// in a `read_only` environment). `flow promote` checks its target itself.
    fn changes_airflow(&self) -> bool {
        use flow::FlowCommand as F;
        use function::FunctionCommand as Fn;
        match self {
            // Registering copies the module into the dags folder (removing a function
            // only forgets it: its module file stays).
            Command::Function(c) => matches!(c, Fn::Add { .. }),
            Command::Flow(c) => matches!(
                c,
                F::Deploy { .. } | F::Rm { .. } | F::Reconcile { repair: true, .. }
            ),
            Command::Run(c) => matches!(
                c,
                run::RunCommand::Trigger { .. } | run::RunCommand::Clear { .. }
            ),
            Command::Db(_) | Command::Status { .. } => false,
        }
    }

    /// Commands that never write to the database open it read-only: cheaper (no header
    /// update and syncs) and unable to change it.
    fn only_reads_the_database(&self) -> bool {
        use flow::FlowCommand as F;
        use function::FunctionCommand as Fn;
        match self {
            Command::Function(c) => matches!(c, Fn::List { .. } | Fn::Show { .. }),
            Command::Flow(c) => matches!(
                c,
                F::List { .. }
                    | F::Show { .. }
                    | F::Export { .. }
                    | F::Revisions { .. }
                    | F::Render { .. }
                    | F::Reconcile { repair: false, .. }
            ),
            Command::Run(c) => matches!(
                c,
                run::RunCommand::List { .. } | run::RunCommand::Logs { .. }
            ),
            Command::Db(c) => matches!(c, db::DbCommand::Info),
            Command::Status { .. } => false,
        }
    }
}

// ----- argument checks: where a value is entered, with the range in the message ------

/// The longest wait a `--timeout` accepts: a day.
pub const MAX_WAIT_SECS: u64 = 86_400;

fn non_empty(s: &str, what: &str, hint: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        Err(format!("the {what} is empty; {hint}"))
    } else {
        Ok(s.to_string())
    }
}

/// A flow name argument: not empty.
pub(crate) fn flow_name(s: &str) -> Result<String, String> {
    non_empty(s, "flow name", "`flowdeck flow list` shows the flows")
}

/// A function name argument: not empty.
pub(crate) fn function_name(s: &str) -> Result<String, String> {
    non_empty(
        s,
        "function name",
        "`flowdeck function list` shows the library",
    )
}

/// A run id argument: not empty.
pub(crate) fn run_id(s: &str) -> Result<String, String> {
    non_empty(s, "run id", "`flowdeck run list FLOW` shows the runs")
}

/// A task id argument: not empty.
pub(crate) fn task_id(s: &str) -> Result<String, String> {
    non_empty(s, "task id", "`flowdeck flow show FLOW` lists the tasks")
}

/// A file argument: not empty.
pub(crate) fn file_arg(s: &str) -> Result<PathBuf, String> {
    non_empty(s, "file name", "give the path of a file").map(PathBuf::from)
}

fn whole_number(s: &str, min: u64, max: u64, unit: &str) -> Result<u64, String> {
    let range = || format!("use a whole number from {min} to {max}{unit}");
    match s.trim().parse::<i128>() {
        Ok(n) if (i128::from(min)..=i128::from(max)).contains(&n) => Ok(n as u64),
        Ok(_) => Err(format!("out of range; {}", range())),
        Err(_) => Err(format!("not a whole number; {}", range())),
    }
}

/// A `--timeout` in seconds: 1 to a day.
pub(crate) fn seconds(s: &str) -> Result<u64, String> {
    whole_number(s, 1, MAX_WAIT_SECS, " seconds")
}

/// A `--try` number: Airflow counts tries from 1.
pub(crate) fn try_number(s: &str) -> Result<u32, String> {
    whole_number(s, 1, 10_000, "").map(|n| n as u32)
}

/// A `--limit` of listed runs.
pub(crate) fn run_limit(s: &str) -> Result<usize, String> {
    whole_number(s, 1, 1_000, "").map(|n| n as usize)
}

/// The exit code for an error that is not reported as a line: a closed stdout pipe
/// (`flowdeck flow list | head -1`) ends quietly with 0, like other Unix tools.
pub fn error_exit(e: &anyhow::Error) -> Option<i32> {
    e.chain()
        .filter_map(|c| c.downcast_ref::<output::OutputError>())
        .any(output::OutputError::is_closed_pipe)
        .then_some(0)
}

/// Prints an error as the one line a user can act on: the chain joined with ": " (a
/// cause already contained in the message before it is not repeated), several problems
/// joined with "; ", untrusted text made visible and long quoted values cut.
pub fn print_error(e: &anyhow::Error) {
    use std::io::Write;
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if parts.last().is_some_and(|p| p.contains(text.trim())) {
            continue;
        }
        parts.push(text);
    }
    let line = tidy_message(&parts.join(": "));
    // stderr may be closed too; there is nowhere left to say so.
    let _ = writeln!(std::io::stderr(), "flowdeck: {line}");
}

/// The longest error line, in columns; longer ones are cut with `…`.
const MAX_MESSAGE: usize = 1_000;

/// A message on one line: lines joined with "; ", every character visible (see
/// [`crate::model::text::one_line`]), values quoted in backticks cut to
/// [`crate::model::text::MAX_SHOWN`] columns, the whole cut to [`MAX_MESSAGE`].
pub fn tidy_message(message: &str) -> String {
    use crate::model::text::{cut, one_line, MAX_SHOWN};
    let joined = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    let visible = one_line(&joined);
    let quoted_cut: Vec<String> = visible
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                cut(part, MAX_SHOWN)
            } else {
                part.to_string()
            }
        })
        .collect();
    cut(&quoted_cut.join("`"), MAX_MESSAGE)
}

/// Reports a command-line mistake found by clap as one line (help and `--version` are
/// printed as usual). Returns the exit code.
pub fn usage_error(e: &clap::Error) -> i32 {
    use clap::error::ErrorKind;
    use std::io::Write;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        // Help on a closed pipe is not worth a panic either.
        let _ = e.print();
        return e.exit_code();
    }
    let rendered = e.render().to_string();
    // The first paragraph: "error: …" and any indented lines under it (the missing
    // arguments); tips and usage follow after a blank line.
    let first: Vec<&str> = rendered
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let first = if first.is_empty() {
        "invalid arguments".to_string()
    } else {
        first.join(" ")
    };
    let first = first.strip_prefix("error: ").unwrap_or(&first);
    let command = subcommand_path(std::env::args().skip(1));
    let _ = writeln!(
        std::io::stderr(),
        "flowdeck: {}; see `{command} --help`",
        tidy_message(first)
    );
    e.exit_code()
}

/// The subcommand the arguments name, e.g. `flowdeck flow deploy`: whose `--help` lists
/// the arguments that were wrong.
fn subcommand_path(args: impl Iterator<Item = String>) -> String {
    use clap::CommandFactory;
    let mut command = Cli::command();
    let mut path = vec!["flowdeck".to_string()];
    for arg in args {
        let Some(sub) = command.find_subcommand(&arg).cloned() else {
            continue;
        };
        path.push(arg);
        command = sub;
        if !command.has_subcommands() {
            break;
        }
    }
    path.join(" ")
}

/// For subcommands: a panic (a bug, or an I/O failure deep in a library) becomes one
/// line instead of a backtrace, a closed stdout pipe a quiet exit 0.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        use std::io::Write;
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        if payload.starts_with("failed printing to std") {
            if payload.contains("Broken pipe") {
                std::process::exit(0);
            }
            let _ = writeln!(
                std::io::stderr(),
                "flowdeck: cannot write the output: {}",
                tidy_message(
                    payload
                        .split(": ")
                        .skip(1)
                        .collect::<Vec<_>>()
                        .join(": ")
                        .as_str()
                )
            );
            std::process::exit(1);
        }
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            std::io::stderr(),
            "flowdeck: internal error{place}: {}; this is a bug, please report it with the command you ran",
            tidy_message(&payload)
        );
        std::process::exit(101);
    }));
}

/// Runs a conversation with Airflow within the configured `timeout_secs` as a whole,
/// however many requests it takes, so a server that accepts connections and never
/// answers costs what the message promises, not a multiple of it.
pub(crate) async fn within<T>(
    core: &Core,
    action: &str,
    work: impl std::future::Future<Output = Result<T, crate::airflow::Error>>,
) -> Result<T, crate::airflow::Error> {
    let seconds = core.settings.timeout_secs;
    match tokio::time::timeout(std::time::Duration::from_secs(seconds), work).await {
        Ok(result) => result,
        Err(_) => Err(crate::airflow::Error::Timeout {
            url: core.client.url().to_string(),
            action: action.to_string(),
            seconds,
        }),
    }
}

/// The CLI is synchronous except where it talks to Airflow.
pub(crate) fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(future),
        Err(e) => {
            // Only when the system is out of threads or file descriptors.
            print_error(&anyhow::anyhow!("cannot start the async runtime: {e}"));
            std::process::exit(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_hint_names_the_subcommand() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        assert_eq!(
            subcommand_path(
                args(&["--db", "x", "flow", "deploy", "a", "--timeout", "-5"]).into_iter()
            ),
            "flowdeck flow deploy"
        );
        assert_eq!(
            subcommand_path(args(&["status"]).into_iter()),
            "flowdeck status"
        );
        assert_eq!(subcommand_path(args(&["nope"]).into_iter()), "flowdeck");
    }

    #[test]
    fn messages_become_one_visible_line_with_long_values_cut() {
        let long = "n".repeat(5_000);
        let m = tidy_message(&format!(
            "there is no flow `{long}`\nsecond problem \u{1b}[31m"
        ));
        assert!(!m.contains('\n') && !m.contains('\u{1b}'), "{m}");
        assert!(m.contains("…`; second problem \\u{1b}[31m"), "{m}");
        assert!(m.chars().count() < 200, "{m}");
    }

    #[test]
    fn numbers_are_checked_with_their_range_in_the_message() {
        assert_eq!(seconds("5"), Ok(5));
        assert!(seconds("-5")
            .unwrap_err()
            .contains("from 1 to 86400 seconds"));
        assert!(seconds("0").is_err() && seconds("86401").is_err());
        assert!(try_number("0").unwrap_err().contains("from 1 to 10000"));
        assert!(run_limit("x")
            .unwrap_err()
            .starts_with("not a whole number"));
        assert!(flow_name(" ").unwrap_err().contains("empty"));
    }
}
