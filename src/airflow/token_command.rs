//! Running `token_command`: the shell command that prints a bearer token (for example
//! `gcloud auth print-access-token`). The token is returned to the client, which keeps it
//! in memory only; it is never logged, and neither is the command's output.

use std::process::Stdio;
use std::time::Duration;

use crate::model::text::{cut, one_line};

/// The widest a line of the command's stderr is shown in a message, in columns.
const STDERR_SHOWN: usize = 200;

/// Kills a process group when dropped (unless emptied first).
struct GroupGuard(Option<libc::pid_t>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            // SAFETY: killpg only sends a signal; the group is the one `run` created
            // (process_group(0) makes its id the child's pid).
            unsafe {
                libc::killpg(pid, libc::SIGKILL);
            }
        }
    }
}

/// Runs `command` with `sh -c` (stdin closed, in its own process group) and returns the
/// token it printed on stdout, trimmed. The command gets at most `limit` (the request
/// timeout, `timeout_secs`); then it and everything it started are killed.
///
/// Err: what went wrong, as the end of a sentence starting "the token command …": it
/// could not start, exited non-zero (with the first line of its stderr, made visible and
/// cut), printed nothing, printed more than a token, or ran too long. The output itself
/// is never repeated: it may be a secret.
pub(crate) async fn run(command: &str, limit: Duration) -> Result<String, String> {
    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        // Its own group, so that on timeout the programs it started die with it, and a
        // command that tries to read the terminal is stopped instead of taking it.
        .process_group(0);
    let child = cmd
        .spawn()
        .map_err(|e| format!("could not be started with sh: {e}"))?;
    // Until it has ended by itself, its whole group is killed however this function
    // ends: on timeout, and when a caller's own time limit drops this future.
    let mut group = GroupGuard(child.id().and_then(|p| libc::pid_t::try_from(p).ok()));
    let output = match tokio::time::timeout(limit, child.wait_with_output()).await {
        Ok(Ok(output)) => {
            group.0 = None;
            output
        }
        Ok(Err(e)) => return Err(format!("failed while its output was read: {e}")),
        Err(_) => {
            return Err(format!(
                "printed no token within {} s (timeout_secs); it must finish by itself, without asking anything",
                limit.as_secs().max(1)
            ));
        }
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    let first_line = stderr
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| cut(&one_line(l), STDERR_SHOWN));
    let said = |what: String| match &first_line {
        Some(line) => format!("{what}: {line}"),
        None => format!("{what} (nothing on stderr)"),
    };
    if !output.status.success() {
        return Err(said(match output.status.code() {
            Some(code) => format!("exited with status {code}"),
            None => "was ended by a signal".to_string(),
        }));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let token = stdout.trim();
    if token.is_empty() {
        return Err(said("printed no token on stdout".to_string()));
    }
    if token.lines().count() > 1 {
        return Err("printed more than one line; it must print only the token".into());
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(
            "printed something that is not a token (spaces or characters a token never has); it must print only the token"
                .into(),
        );
    }
    Ok(token.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_now(command: &str, limit: Duration) -> Result<String, String> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(run(command, limit))
    }

    #[test]
    fn prints_a_token_or_says_what_went_wrong() {
        let limit = Duration::from_secs(20);
        assert_eq!(run_now("echo '  tok-1 '", limit).unwrap(), "tok-1");
        let err = run_now(
            "echo 'tok' ; printf '\\n  no active account\\033[2J\\nsecond line\\n' >&2; exit 3",
            limit,
        )
        .unwrap_err();
        assert_eq!(err, "exited with status 3: no active account\\u{1b}[2J");
        let err = run_now("true", limit).unwrap_err();
        assert_eq!(err, "printed no token on stdout (nothing on stderr)");
        let err = run_now("printf 'a\\nb\\n'", limit).unwrap_err();
        assert!(err.contains("more than one line"), "{err}");
        let err = run_now("echo 'Bearer s3cret'", limit).unwrap_err();
        assert!(!err.contains("s3cret"), "{err}");
        let err = run_now("printf 'x%.0s' $(seq 1 300) >&2; exit 1", limit).unwrap_err();
        assert!(err.chars().count() < 260 && err.ends_with('…'), "{err}");
    }

    #[test]
    fn a_command_that_hangs_is_ended_with_what_it_started() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let command = format!("sleep 60 & echo $! > {}; sleep 60", pid_file.display());
        let err = run_now(&command, Duration::from_secs(1)).unwrap_err();
        assert!(err.contains("within 1 s"), "{err}");
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        let stat = format!("/proc/{}/stat", pid.trim());
        // Gone, or a zombie waiting for init to reap it: not running any more.
        let ended = || {
            std::fs::read_to_string(&stat)
                .map(|s| {
                    s.rsplit(')')
                        .next()
                        .is_some_and(|r| r.trim_start().starts_with('Z'))
                })
                .unwrap_or(true)
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !ended() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(ended(), "a program the command started outlived it");
    }
}
