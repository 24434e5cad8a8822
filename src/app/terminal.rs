//! Entering and leaving the terminal: raw mode, the alternate screen and mouse capture,
//! and a panic hook that gives the terminal back before the panic message is printed.

use super::worker::THREAD_NAME;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use ratatui::DefaultTerminal;
use std::io;

pub fn init() -> io::Result<DefaultTerminal> {
    // ratatui installs a hook that restores raw mode and the alternate screen.
    let terminal = ratatui::try_init()?;
    if let Err(e) = execute!(io::stdout(), EnableMouseCapture) {
        // Works without a mouse; only clicks and the wheel are lost.
        tracing::warn!("mouse capture unavailable: {e}");
    }
    let restore_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // The worker catches its panics and reports them as a failed job; restoring
        // the terminal under a UI that keeps running would leave it garbled.
        if std::thread::current().name() == Some(THREAD_NAME) {
            tracing::error!("panic in a job: {info}");
            return;
        }
        tracing::error!("panic: {info}");
        let _ = execute!(io::stdout(), DisableMouseCapture);
        restore_hook(info);
        let log = super::logging::log_dir()
            .map(|d| format!(" with the log from {}", d.display()))
            .unwrap_or_default();
        eprintln!("flowdeck stopped on an internal error (above); please report it{log}. Your saved work is in the database.");
    }));
    Ok(terminal)
}

/// Gives the terminal back: mouse off, cooked mode, main screen, cursor shown.
pub fn restore() {
    let _ = execute!(io::stdout(), DisableMouseCapture);
    ratatui::restore();
}
