//! Driving the real `flowdeck` binary in tmux: send keys, read the screen, wait for text.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A tmux server of its own (socket `-L name`), killed when dropped.
pub struct Tmux {
    socket: String,
    /// How long `wait_for` waits (Airflow runs take longer than key handling).
    patience: Duration,
}

impl Tmux {
    pub fn new(socket: impl Into<String>) -> Tmux {
        Tmux {
            socket: socket.into(),
            patience: Duration::from_secs(20),
        }
    }

    pub fn with_patience(mut self, seconds: u64) -> Tmux {
        self.patience = Duration::from_secs(seconds);
        self
    }

    pub fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("tmux {args:?}: {e}"))
    }

    pub fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        let out = self.cmd(&args);
        assert!(
            out.status.success(),
            "send-keys {keys:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Separate keys in time: an Esc followed at once by a key reads as Alt-key.
        std::thread::sleep(Duration::from_millis(150));
    }

    pub fn type_text(&self, text: &str) {
        self.send(&["-l", text]);
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    /// A tmux format of the pane, e.g. `#{alternate_on}`.
    pub fn format(&self, f: &str) -> String {
        String::from_utf8_lossy(&self.cmd(&["display-message", "-p", "-t", "e2e", f]).stdout)
            .trim()
            .to_string()
    }

    /// Waits until the screen shows every one of `texts`.
    pub fn wait_for(&self, texts: &[&str]) -> String {
        self.wait_for_within(texts, self.patience)
    }

    pub fn wait_for_within(&self, texts: &[&str], limit: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if texts.iter().all(|t| screen.contains(t)) {
                return screen;
            }
            if start.elapsed() > limit {
                panic!("waited {limit:?} for {texts:?}; the screen shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until `text` is no longer on screen.
    pub fn wait_gone(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if !screen.contains(text) {
                return screen;
            }
            if start.elapsed() > self.patience {
                panic!(
                    "waited {:?} for {text:?} to go; the screen shows:\n{screen}",
                    self.patience
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}
