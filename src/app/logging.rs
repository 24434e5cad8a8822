//! Logging to a file under the data directory (never to the terminal, which belongs to
//! the UI). `FLOWDECK_LOG` takes an env-filter (`debug`, `flowdeck=trace`, …).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;

/// Where the log goes, for the crash message.
static LOG_DIR: OnceLock<PathBuf> = OnceLock::new();

pub fn log_dir() -> Option<&'static Path> {
    LOG_DIR.get().map(PathBuf::as_path)
}

/// Starts logging to `dir/flowdeck.log.<date>` (a week of files kept). The guard
/// flushes on drop, so keep it until the end. An error is a sentence for the status bar.
pub fn init(dir: &Path) -> Result<WorkerGuard, String> {
    let fail = |e: &dyn std::fmt::Display| {
        format!(
            "cannot write the log in {}: {e}; running without a log",
            dir.display()
        )
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("flowdeck.log")
        .max_log_files(7)
        .build(dir)
        .map_err(|e| fail(&e))?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("FLOWDECK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .map_err(|e| fail(&e))?;
    let _ = LOG_DIR.set(dir.to_path_buf());
    Ok(guard)
}
