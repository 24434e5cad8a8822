//! The Git deploy target: an environment whose Airflow reads DAGs from a Git repository
//! (Airflow 3's `GitDagBundle`, or the Helm chart's git-sync) instead of a local folder.
//!
//! flowdeck writes into a local clone (the operator's own), makes one commit per deploy
//! with only its own files, and pushes. It drives the `git` command, so the operator's
//! credential helpers, `~/.ssh/config`, a forwarded ssh-agent, `insteadOf` rules and
//! hooks all apply exactly as when they push by hand.
//!
//! Rules kept here: never force-push (a rejected push is fetched, flowdeck's commits are
//! replayed on top with `git merge-tree`, and pushed again); a conflict on a flowdeck file
//! is reported with the other commit's author and nothing is pushed; files without
//! flowdeck's header are never touched (the render step refuses them); a clone with
//! uncommitted changes in flowdeck's folder is refused, naming the files.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// `git = { … }` of an `[environments.NAME]` table.
///
/// ```toml
/// [environments.prod]
/// url = "https://airflow.example.com"
/// git = { path = "/srv/flowdeck/dags-repo", branch = "main", dags_subdir = "dags", bundle = "flows" }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GitSection {
    /// The local clone flowdeck writes and commits in (the operator's working copy).
    pub path: PathBuf,
    /// The remote pushed to; the branch's upstream must be on it. Default `origin`.
    #[serde(default = "default_remote")]
    pub remote: String,
    /// The branch Airflow tracks (the bundle's `tracking_ref`). Default: the branch the
    /// clone has checked out; when given, the clone must be on it.
    pub branch: Option<String>,
    /// The folder of the repository holding DAG files (the bundle's `subdir`). Default
    /// `dags`; `""` or `.` for the repository's root. The function library goes into
    /// its `flowdeck_functions/` (importable: Airflow puts this folder on `sys.path`).
    #[serde(default = "default_dags_subdir")]
    pub dags_subdir: String,
    /// The Airflow bundle name (`[dag_processor] dag_bundle_config_list`). When given,
    /// a DAG of this bundle is asked to re-parse after a push, which makes Airflow 3
    /// fetch the bundle at once instead of after its `refresh_interval`.
    pub bundle: Option<String>,
    /// The repository reaches Airflow through git-sync (or anything that cannot be
    /// nudged) pulling every this many seconds: flowdeck then waits, saying so.
    pub sync_wait_secs: Option<u64>,
}

fn default_remote() -> String {
    "origin".into()
}

fn default_dags_subdir() -> String {
    "dags".into()
}

impl GitSection {
    /// Reads and checks the `git` table. Err: the sentence after the environment's name.
    pub fn from_value(value: &toml::Value) -> std::result::Result<GitSection, String> {
        let section: GitSection = value
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| format!("has an invalid `git` table: {}", e.message()))?;
        if section.path.as_os_str().is_empty() {
            return Err("has an empty `git.path`; give the local clone's folder".into());
        }
        let sub = Path::new(&section.dags_subdir);
        if sub.is_absolute()
            || sub.components().any(|c| {
                !matches!(
                    c,
                    std::path::Component::Normal(_) | std::path::Component::CurDir
                )
            })
        {
            return Err(format!(
                "has `git.dags_subdir` = \"{}\"; it must be a folder inside the repository, like \"dags\"",
                crate::model::text::one_line(&section.dags_subdir)
            ));
        }
        let name_ok = |s: &str| {
            !s.is_empty()
                && !s.starts_with('-')
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        };
        if !name_ok(&section.remote) {
            return Err(
                "has an invalid `git.remote`; give a remote's name, like \"origin\"".into(),
            );
        }
        if section.branch.as_deref().is_some_and(|b| !name_ok(b)) {
            return Err("has an invalid `git.branch`; give a branch name, like \"main\"".into());
        }
        Ok(section)
    }

    /// Where DAG files go: `<path>/<dags_subdir>`.
    pub fn dags_folder(&self) -> PathBuf {
        match self.dags_subdir.as_str() {
            "" | "." => self.path.clone(),
            sub => self.path.join(sub),
        }
    }
}

/// A Git step that cannot go on. Each message is one line: what is wrong and what to do.
/// Nothing is half-committed when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot run git ({0}); install git 2.40 or newer and put it on PATH")]
    NoGit(String),
    #[error("{} is not a Git repository; clone the DAG repository there (git clone URL {}) or fix `git.path` in the config", path.display(), path.display())]
    NotARepository { path: PathBuf },
    #[error("{} has a detached HEAD; check out the deploy branch (git -C {} switch {want})", path.display(), path.display())]
    DetachedHead { path: PathBuf, want: String },
    #[error("{} is on branch `{on}`, the config deploys to `{want}`; switch it (git -C {} switch {want})", path.display(), path.display())]
    WrongBranch {
        path: PathBuf,
        on: String,
        want: String,
    },
    #[error("branch `{branch}` of {} has no upstream on `{remote}`; set one (git -C {} branch --set-upstream-to={remote}/{branch})", path.display(), path.display())]
    NoUpstream {
        path: PathBuf,
        branch: String,
        remote: String,
    },
    #[error("{} has uncommitted changes in flowdeck's folder: {}; commit, stash or discard them first (flowdeck commits only its own files)", path.display(), files.join(", "))]
    Dirty { path: PathBuf, files: Vec<String> },
    #[error("branch `{branch}` of {} has {count} unpushed commit(s) flowdeck did not make ({first}); push or drop them first, flowdeck pushes only its own", path.display())]
    ForeignCommits {
        path: PathBuf,
        branch: String,
        count: usize,
        first: String,
    },
    #[error("git commit was refused: {reason}; nothing was committed and the flow is saved (fix what the hook says and deploy again)")]
    CommitRefused { reason: String },
    #[error("{}", .0)]
    Conflict(Box<Conflict>),
    #[error("cannot bring {} up to date with {upstream}: {reason}; nothing was pushed (pull by hand, then deploy again)", path.display())]
    Update {
        path: PathBuf,
        upstream: String,
        reason: String,
    },
    #[error("git {action} failed in {}: {reason}", path.display())]
    Git {
        path: PathBuf,
        action: String,
        reason: String,
    },
}

type Result<T> = std::result::Result<T, Error>;

/// A flowdeck file changed on the remote by someone else since the clone's last pull.
#[derive(Debug, thiserror::Error)]
#[error("{file} was changed on {upstream} by {author} ({commit} \"{subject}\"); nothing was pushed and the flow is saved: look at it (git -C {} log -p HEAD..{upstream} -- {file}), pull, and deploy again", path.display())]
pub struct Conflict {
    pub path: PathBuf,
    pub upstream: String,
    pub file: String,
    /// `Name <email>` of the other commit's author.
    pub author: String,
    /// The other commit, abbreviated.
    pub commit: String,
    pub subject: String,
}

/// Where a deploy's commit ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landed {
    /// The commit holding this render (full SHA): the last commit that changed the DAG
    /// file (made by this deploy, or an earlier one when the render was already
    /// committed). Airflow's `bundle_version` must contain it.
    pub commit: String,
    /// This call made a commit (false: the render was committed already).
    pub made: bool,
    /// Commits this call pushed (earlier deploys' waiting ones included).
    pub sent: usize,
    /// `<remote>/<branch>` now holds `commit`.
    pub pushed: bool,
    /// flowdeck's commits in the clone not on the remote yet.
    pub unpushed: usize,
    /// Why the push did not happen (unreachable, refused), one line.
    pub push_problem: Option<String>,
    /// Commits of others replayed under flowdeck's before the push.
    pub rebased: bool,
    /// Where pushes go: `origin/main`.
    pub upstream: String,
}

impl Landed {
    /// One line for the deploy record and the CLI.
    pub fn describe(&self) -> String {
        let short = &self.commit[..self.commit.len().min(10)];
        match (&self.push_problem, self.pushed) {
            (_, true) if !self.made && self.sent > 0 => format!(
                "pushed {} waiting commit(s) to {}; the render is in {short}",
                self.sent, self.upstream
            ),
            (_, true) if !self.made => format!("unchanged, in {short} on {}", self.upstream),
            (_, true) => format!(
                "committed {short} and pushed to {}{}",
                self.upstream,
                if self.rebased {
                    " (after others' commits)"
                } else {
                    ""
                }
            ),
            (Some(why), false) => {
                format!("committed {short}, not pushed ({}): {why}", self.unpushed)
            }
            (None, false) => format!("committed {short}, not pushed ({})", self.unpushed),
        }
    }
}

/// Marks flowdeck's commits (a trailer line), so the replay and the "not pushed" count
/// never take an operator's own commit for flowdeck's.
pub const TRAILER: &str = "Flowdeck-Flow: ";

/// A checked clone, ready for one deploy or removal.
pub struct Repo {
    /// The repository's top folder.
    pub root: PathBuf,
    /// The DAG folder inside it.
    pub dags_folder: PathBuf,
    pub branch: String,
    pub remote: String,
    /// The upstream branch's name on the remote (`main` for `refs/heads/main`).
    pub remote_branch: String,
    sync_wait_secs: Option<u64>,
}

fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(dir)
        // Messages parsed below are English; a credential prompt would hang the TUI (a
        // credential helper or ssh-agent still answers).
        .env("LC_ALL", "C")
        .env("LANGUAGE", "C")
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null());
    c
}

fn run(c: &mut Command) -> Result<Output> {
    c.output().map_err(|e| Error::NoGit(e.to_string()))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_string()
}

/// The most telling line of git's complaint, for a one-line message.
fn reason_of(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("hint:"))
        .collect();
    let pick = lines
        .iter()
        .find(|l| l.starts_with("fatal:") || l.starts_with("error:"))
        .or_else(|| lines.first())
        .copied()
        .unwrap_or("no output");
    let pick = pick
        .trim_start_matches("fatal: ")
        .trim_start_matches("error: ");
    crate::model::text::one_line(pick)
}

impl Repo {
    /// Checks the clone: a repository, on the configured branch, with an upstream on
    /// the configured remote, no one else's unpushed commits, and no uncommitted change
    /// in the DAG folder except library modules `owner` registered (they go with the
    /// next deploy's commit).
    pub fn open(section: &GitSection, owner: Option<&str>) -> Result<Repo> {
        let path = &section.path;
        let out = run(git(path).args(["rev-parse", "--show-toplevel"]))?;
        if !out.status.success() || !path.is_dir() {
            return Err(Error::NotARepository { path: path.clone() });
        }
        let root = PathBuf::from(text(&out.stdout));
        let want = section.branch.clone();
        let out = run(git(path).args(["symbolic-ref", "-q", "--short", "HEAD"]))?;
        if !out.status.success() {
            return Err(Error::DetachedHead {
                path: path.clone(),
                want: want.unwrap_or_else(|| "main".into()),
            });
        }
        let branch = text(&out.stdout);
        if let Some(want) = want {
            if want != branch {
                return Err(Error::WrongBranch {
                    path: path.clone(),
                    on: branch,
                    want,
                });
            }
        }
        let config = |key: String| -> Result<Option<String>> {
            let out = run(git(path).args(["config", "--get", &key]))?;
            Ok(out.status.success().then(|| text(&out.stdout)))
        };
        let no_upstream = || Error::NoUpstream {
            path: path.clone(),
            branch: branch.clone(),
            remote: section.remote.clone(),
        };
        let remote = config(format!("branch.{branch}.remote"))?.ok_or_else(no_upstream)?;
        let merge = config(format!("branch.{branch}.merge"))?.ok_or_else(no_upstream)?;
        if remote != section.remote {
            return Err(no_upstream());
        }
        let remote_branch = merge
            .strip_prefix("refs/heads/")
            .unwrap_or(&merge)
            .to_string();
        let clone = Repo {
            root,
            dags_folder: section.dags_folder(),
            branch,
            remote,
            remote_branch,
            sync_wait_secs: section.sync_wait_secs,
        };
        clone.check_commits()?;
        clone.check_clean(owner)?;
        Ok(clone)
    }

    /// The repository at `section.path` without the checks of [`Repo::open`], for
    /// read-only questions (`None` when it is not one).
    pub fn open_unchecked(section: &GitSection) -> Option<Repo> {
        let out = run(git(&section.path).args(["rev-parse", "--show-toplevel"])).ok()?;
        out.status.success().then(|| Repo {
            root: PathBuf::from(text(&out.stdout)),
            dags_folder: section.dags_folder(),
            branch: String::new(),
            remote: section.remote.clone(),
            remote_branch: String::new(),
            sync_wait_secs: section.sync_wait_secs,
        })
    }

    /// `origin/main`: where pushes go.
    pub fn upstream(&self) -> String {
        format!("{}/{}", self.remote, self.remote_branch)
    }

    /// The git-sync period when the target cannot be nudged.
    pub fn sync_wait_secs(&self) -> Option<u64> {
        self.sync_wait_secs
    }

    fn fail(&self, action: &str, out: &Output) -> Error {
        Error::Git {
            path: self.root.clone(),
            action: action.into(),
            reason: reason_of(out),
        }
    }

    fn git(&self) -> Command {
        git(&self.root)
    }

    /// git for talking to the remote: over SSH without prompts (`BatchMode`: keys from
    /// the ssh-agent, forwarded or not, and `~/.ssh/config` still apply; a passphrase or
    /// host-key question would hang the TUI, it fails instead), unless the operator
    /// chose an SSH command themselves (GIT_SSH_COMMAND, GIT_SSH, core.sshCommand).
    fn remote_git(&self) -> Command {
        let mut c = self.git();
        let chosen = std::env::var_os("GIT_SSH_COMMAND").is_some()
            || std::env::var_os("GIT_SSH").is_some()
            || run(self.git().args(["config", "--get", "core.sshCommand"]))
                .is_ok_and(|o| o.status.success());
        if !chosen {
            c.env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
        }
        c
    }

    /// Runs git; Err with its complaint unless it succeeds. Returns stdout.
    fn ok(&self, action: &str, args: &[&str]) -> Result<String> {
        let out = run(self.git().args(args))?;
        if !out.status.success() {
            return Err(self.fail(action, &out));
        }
        Ok(String::from_utf8_lossy(&out.stdout).to_string())
    }

    /// The commits of the branch not on the upstream (oldest first), as SHAs; only
    /// counted against what the clone last fetched.
    fn unpushed(&self) -> Result<Vec<String>> {
        let range = format!("{}..HEAD", self.upstream_ref());
        let out = self.ok("rev-list", &["rev-list", "--reverse", &range])?;
        Ok(out.lines().map(str::to_string).collect())
    }

    fn upstream_ref(&self) -> String {
        format!("refs/remotes/{}/{}", self.remote, self.remote_branch)
    }

    fn is_flowdeck_commit(&self, sha: &str) -> Result<bool> {
        let body = self.ok("log", &["log", "-1", "--format=%B", sha])?;
        Ok(body.lines().any(|l| l.starts_with(TRAILER)))
    }

    fn check_commits(&self) -> Result<()> {
        // A clone that never fetched its upstream has no remote-tracking ref yet: then
        // every local commit is "unpushed", which the first push settles.
        let has_upstream =
            run(self
                .git()
                .args(["rev-parse", "-q", "--verify", &self.upstream_ref()]))?
            .status
            .success();
        if !has_upstream {
            return Ok(());
        }
        let mut foreign = Vec::new();
        for sha in self.unpushed()? {
            if !self.is_flowdeck_commit(&sha)? {
                foreign.push(sha);
            }
        }
        if let Some(first) = foreign.first() {
            let line = self.ok("log", &["log", "-1", "--format=%h %s", first])?;
            return Err(Error::ForeignCommits {
                path: self.root.clone(),
                branch: self.branch.clone(),
                count: foreign.len(),
                first: crate::model::text::one_line(line.trim()),
            });
        }
        Ok(())
    }

    /// The DAG folder relative to the repository root, as a pathspec (`.` for the
    /// root). `root` comes from git, resolved; the configured path may hold symlinks.
    fn folder_spec(&self) -> String {
        let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        // The DAG folder may not exist yet: resolve its nearest existing ancestor.
        let mut existing = self.dags_folder.clone();
        let mut rest = Vec::new();
        while !existing.exists() {
            match (
                existing.file_name().map(|n| n.to_os_string()),
                existing.parent(),
            ) {
                (Some(name), Some(parent)) => {
                    rest.push(name);
                    existing = parent.to_path_buf();
                }
                _ => break,
            }
        }
        let mut full = canon(&existing);
        full.extend(rest.into_iter().rev());
        full.strip_prefix(canon(&self.root))
            .map(|p| p.to_string_lossy().to_string())
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| ".".into())
    }

    /// Changed or untracked paths under the DAG folder (relative to the root).
    fn changes(&self) -> Result<Vec<String>> {
        let spec = self.folder_spec();
        let out = self.ok(
            "status",
            &[
                "status",
                "--porcelain=v1",
                "-z",
                "--untracked-files=all",
                "--",
                &spec,
            ],
        )?;
        let mut paths = Vec::new();
        let mut fields = out.split('\0').filter(|s| !s.is_empty());
        while let Some(entry) = fields.next() {
            if entry.len() < 4 {
                continue;
            }
            let (xy, path) = entry.split_at(3);
            // A rename names its source in the next field.
            if xy.starts_with('R') || xy.starts_with('C') {
                fields.next();
            }
            paths.push(path.to_string());
        }
        Ok(paths)
    }

    /// True for a change flowdeck made itself outside a deploy: a library module this
    /// database registered, the library package's `__init__.py`, and `.airflowignore`
    /// grown only by flowdeck's library entry. Those are committed with the next deploy.
    fn is_own_pending(&self, rel: &str, owner: Option<&str>) -> bool {
        let path = self.root.join(rel);
        let name = Path::new(rel)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if crate::render::write::is_temp_file_name(name) {
            return true;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            return false;
        };
        if name == ".airflowignore" {
            let committed = self.head_blob(rel).unwrap_or_default();
            return bytes.starts_with(&committed) && {
                let added = String::from_utf8_lossy(&bytes[committed.len()..]).to_string();
                added.lines().all(|l| {
                    let l = l.trim();
                    l.is_empty()
                        || l == "# flowdeck: library functions, not DAG files"
                        || l.ends_with('/')
                            && crate::model::ident::is_identifier(l.trim_end_matches('/'))
                })
            };
        }
        if name == "__init__.py" {
            return bytes.starts_with(b"# flowdeck's function library");
        }
        match (crate::render::library_owner(&bytes), owner) {
            (Some(theirs), Some(mine)) => theirs == mine,
            _ => false,
        }
    }

    fn head_blob(&self, rel: &str) -> Option<Vec<u8>> {
        let out = run(self.git().args(["show", &format!("HEAD:{rel}")])).ok()?;
        out.status.success().then_some(out.stdout)
    }

    fn check_clean(&self, owner: Option<&str>) -> Result<()> {
        let files: Vec<String> = self
            .changes()?
            .into_iter()
            .filter(|p| !self.is_own_pending(p, owner))
            .collect();
        if files.is_empty() {
            Ok(())
        } else {
            Err(Error::Dirty {
                path: self.root.clone(),
                files,
            })
        }
    }

    /// The author of flowdeck's commits: the operator's Git identity when configured,
    /// else `user <user@host>` of the flowdeck actor.
    fn identity_args(&self, actor: &crate::model::Actor) -> Result<Vec<String>> {
        let out = run(self.git().args(["var", "GIT_AUTHOR_IDENT"]))?;
        if out.status.success() {
            return Ok(Vec::new());
        }
        let user = if actor.user.is_empty() {
            "flowdeck"
        } else {
            &actor.user
        };
        let host = if actor.host.is_empty() {
            "localhost"
        } else {
            &actor.host
        };
        Ok(vec![
            "-c".into(),
            format!("user.name={user}"),
            "-c".into(),
            format!("user.email={user}@{host}"),
        ])
    }

    /// Commits `dag_file` (written or removed by the caller) with the pending library
    /// files, then pushes. `previous` is the DAG file's content before the caller
    /// changed it (`None`: it did not exist), restored when the commit is refused.
    /// With nothing to commit, only pushes what is pending.
    pub fn commit_and_push(
        &self,
        dag_file: &Path,
        previous: Option<&[u8]>,
        message: &str,
        actor: &crate::model::Actor,
        owner: Option<&str>,
    ) -> Result<Landed> {
        let rel_dag = dag_file
            .strip_prefix(&self.root)
            .map(|p| p.to_string_lossy().to_string())
            .unwrap_or_else(|_| {
                format!(
                    "{}/{}",
                    self.folder_spec(),
                    dag_file.file_name().unwrap_or_default().to_string_lossy()
                )
            });
        let mut paths: Vec<String> = self
            .changes()?
            .into_iter()
            .filter(|p| *p == rel_dag || self.is_own_pending(p, owner))
            .filter(|p| {
                let name = Path::new(p)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default();
                !crate::render::write::is_temp_file_name(name)
            })
            .collect();
        paths.sort();
        paths.dedup();
        if !paths.is_empty() {
            let restore = |this: &Repo| {
                let mut reset = vec!["reset", "-q", "--"];
                reset.extend(paths.iter().map(String::as_str));
                let _ = run(this.git().args(&reset));
                match previous {
                    Some(bytes) => {
                        let _ = std::fs::write(dag_file, bytes);
                    }
                    None => {
                        let _ = std::fs::remove_file(dag_file);
                    }
                }
            };
            let mut add = vec!["add", "-A", "--"];
            add.extend(paths.iter().map(String::as_str));
            if let Err(e) = self.ok("add", &add) {
                restore(self);
                return Err(e);
            }
            let mut args: Vec<String> = self.identity_args(actor)?;
            args.extend(["commit", "-q", "--only", "-m", message, "--"].map(String::from));
            args.extend(paths.iter().cloned());
            let out = run(self.git().args(&args))?;
            if !out.status.success() {
                restore(self);
                return Err(Error::CommitRefused {
                    reason: reason_of(&out),
                });
            }
        }
        let head = self
            .ok("rev-parse", &["rev-parse", "HEAD"])?
            .trim()
            .to_string();
        let made = !paths.is_empty();
        let mut landed = self.push(head, made)?;
        landed.made = made;
        // After a replay the SHAs are new: ask for the file's last commit now.
        if let Ok(last) = self.ok("log", &["log", "-1", "--format=%H", "HEAD", "--", &rel_dag]) {
            if !last.trim().is_empty() {
                landed.commit = last.trim().to_string();
            }
        }
        Ok(landed)
    }

    /// Pushes the branch; a rejection because the remote moved on is fetched, replayed
    /// and pushed again (a few times). `made` says this call made the newest commit
    /// (dropped again when it conflicts).
    fn push(&self, mut head: String, made: bool) -> Result<Landed> {
        let mut rebased = false;
        for _ in 0..4 {
            let unpushed = self.unpushed().map(|v| v.len()).unwrap_or(1);
            if unpushed == 0 {
                // Everything is on the remote branch already (as last fetched).
                return Ok(Landed {
                    commit: head,
                    made,
                    sent: 0,
                    pushed: true,
                    unpushed: 0,
                    push_problem: None,
                    rebased,
                    upstream: self.upstream(),
                });
            }
            let target = format!("HEAD:refs/heads/{}", self.remote_branch);
            let out = run(self
                .remote_git()
                .args(["push", "--porcelain", &self.remote, &target]))?;
            let stdout = String::from_utf8_lossy(&out.stdout).to_string();
            let status_line = stdout
                .lines()
                .find(|l| l.contains(&format!("refs/heads/{}", self.remote_branch)))
                .unwrap_or("")
                .to_string();
            if out.status.success() {
                // Keep the remote-tracking ref in step (a push to a URL remote without
                // a fetch refspec would not).
                let _ = run(self.git().args(["update-ref", &self.upstream_ref(), &head]));
                return Ok(Landed {
                    commit: head,
                    made,
                    sent: unpushed,
                    pushed: true,
                    unpushed: 0,
                    push_problem: None,
                    rebased,
                    upstream: self.upstream(),
                });
            }
            let not_pushed = |why: String| Landed {
                commit: head.clone(),
                made,
                sent: 0,
                pushed: false,
                unpushed: unpushed.max(1),
                push_problem: Some(why),
                rebased,
                upstream: self.upstream(),
            };
            // Another push updated the branch between the remote's advertisement and
            // our update (its ref lock): the same as a moved-on remote.
            let raced = status_line.contains("[remote rejected]")
                && (status_line.contains("failed to update ref")
                    || String::from_utf8_lossy(&out.stderr).contains("cannot lock ref"));
            if status_line.starts_with('!') && (status_line.contains("[rejected]") || raced) {
                // The remote has commits this clone lacks: fetch and replay ours.
                match self.fetch() {
                    Ok(()) => {}
                    Err(why) => return Ok(not_pushed(why)),
                }
                head = self.replay(made)?;
                rebased = true;
                continue;
            }
            if status_line.starts_with('!') {
                // `[remote rejected] (pre-receive hook declined)`, permissions, …
                let why = status_line
                    .split('\t')
                    .nth(2)
                    .unwrap_or(&status_line)
                    .to_string();
                let remote_says: Vec<String> = String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .filter_map(|l| l.strip_prefix("remote: "))
                    .map(|l| l.trim().to_string())
                    .filter(|l| !l.is_empty())
                    .collect();
                let detail = remote_says
                    .first()
                    .map(|l| format!(": {l}"))
                    .unwrap_or_default();
                return Ok(not_pushed(crate::model::text::one_line(&format!(
                    "{} refused the push {why}{detail}; fix your access or what the server says, then deploy again",
                    self.remote
                ))));
            }
            return Ok(not_pushed(format!(
                "cannot reach {} ({}); flowdeck pushes them in order on the next deploy",
                self.remote,
                reason_of(&out)
            )));
        }
        Ok(Landed {
            unpushed: self.unpushed().map(|v| v.len()).unwrap_or(1),
            commit: head,
            made,
            sent: 0,
            pushed: false,
            push_problem: Some(format!(
                "{} kept moving on while flowdeck retried; deploy again",
                self.upstream()
            )),
            rebased,
            upstream: self.upstream(),
        })
    }

    fn fetch(&self) -> std::result::Result<(), String> {
        let refspec = format!("+refs/heads/{}:{}", self.remote_branch, self.upstream_ref());
        let out = run(self
            .remote_git()
            .args(["fetch", "-q", &self.remote, &refspec]))
        .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "cannot fetch from {} ({}); flowdeck pushes them in order on the next deploy",
                self.remote,
                reason_of(&out)
            ))
        }
    }

    /// Replays flowdeck's unpushed commits onto the fetched upstream without touching
    /// the operator's other work (`git merge-tree`, then `git reset --keep`). Returns
    /// the new HEAD. On a conflict the commit `made` by this deploy is dropped again.
    fn replay(&self, made: bool) -> Result<String> {
        let upstream = self.upstream_ref();
        let ours = self.unpushed()?;
        let mut base = self
            .ok("rev-parse", &["rev-parse", &upstream])?
            .trim()
            .to_string();
        for sha in &ours {
            if !self.is_flowdeck_commit(sha)? {
                let line = self.ok("log", &["log", "-1", "--format=%h %s", sha])?;
                return Err(Error::ForeignCommits {
                    path: self.root.clone(),
                    branch: self.branch.clone(),
                    count: 1,
                    first: crate::model::text::one_line(line.trim()),
                });
            }
            let parent = format!("{sha}^");
            let out = run(self.git().args([
                "merge-tree",
                "--write-tree",
                "--name-only",
                "--no-messages",
                &format!("--merge-base={parent}"),
                &base,
                sha,
            ]))?;
            let stdout = String::from_utf8_lossy(&out.stdout).to_string();
            match out.status.code() {
                Some(0) => {}
                Some(1) => {
                    let file = stdout.lines().nth(1).unwrap_or("").to_string();
                    let who = self
                        .ok(
                            "log",
                            &[
                                "log",
                                "-1",
                                "--format=%an <%ae>%x00%h%x00%s",
                                &format!("{sha}..{upstream}"),
                                "--",
                                &file,
                            ],
                        )
                        .unwrap_or_default();
                    let mut parts = who.trim().split('\0');
                    let err = Error::Conflict(Box::new(Conflict {
                        path: self.root.clone(),
                        upstream: self.upstream(),
                        author: crate::model::text::one_line(parts.next().unwrap_or("someone")),
                        commit: parts.next().unwrap_or("?").to_string(),
                        subject: crate::model::text::one_line(parts.next().unwrap_or("")),
                        file,
                    }));
                    if made {
                        // This deploy's commit goes again; earlier ones stay for the
                        // operator to look at.
                        let _ = run(self.git().args(["reset", "-q", "--keep", "HEAD~1"]));
                    }
                    return Err(err);
                }
                _ => {
                    return Err(Error::Git {
                        path: self.root.clone(),
                        action: "merge-tree".into(),
                        reason: reason_of(&out),
                    })
                }
            }
            let tree = stdout.lines().next().unwrap_or("").trim().to_string();
            let meta = self.ok(
                "log",
                &[
                    "log",
                    "-1",
                    "--format=%an%x00%ae%x00%ad%x00%B",
                    "--date=raw",
                    sha,
                ],
            )?;
            let mut parts = meta.splitn(4, '\0');
            let (name, email, date, body) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            let out = run(self
                .git()
                .env("GIT_AUTHOR_NAME", name)
                .env("GIT_AUTHOR_EMAIL", email)
                .env("GIT_AUTHOR_DATE", date)
                .args(["commit-tree", &tree, "-p", &base, "-m", body.trim_end()]))?;
            if !out.status.success() {
                return Err(self.fail("commit-tree", &out));
            }
            base = text(&out.stdout);
        }
        // Move the branch and the files that differ; local changes elsewhere are kept
        // (and a local change in a file the others changed stops here, nothing lost).
        let out = run(self.git().args(["reset", "-q", "--keep", &base]))?;
        if !out.status.success() {
            return Err(Error::Update {
                path: self.root.clone(),
                upstream: self.upstream(),
                reason: reason_of(&out),
            });
        }
        Ok(base)
    }

    /// True when `ancestor` is `descendant` or one of its ancestors. A `descendant` the
    /// clone has not seen (others pushed after it) is fetched from the remote first.
    pub fn contains_fetching(&self, descendant: &str, ancestor: &str) -> bool {
        if descendant == ancestor {
            return true;
        }
        let known = |r: &Repo| {
            run(r
                .git()
                .args(["cat-file", "-e", &format!("{descendant}^{{commit}}")]))
            .is_ok_and(|o| o.status.success())
        };
        if !known(self) {
            let _ = run(self.remote_git().args(["fetch", "-q", &self.remote]));
        }
        self.contains(descendant, ancestor)
    }

    /// True when `ancestor` is `descendant` or one of its ancestors in this clone.
    pub fn contains(&self, descendant: &str, ancestor: &str) -> bool {
        descendant == ancestor
            || run(self
                .git()
                .args(["merge-base", "--is-ancestor", ancestor, descendant]))
            .is_ok_and(|o| o.status.success())
    }
}

/// The commit message of a deploy: the flow's name, id and version, and the trailers
/// that mark it as flowdeck's.
pub fn deploy_message(name: &str, flow_id: &str, version: u32, database: Option<&str>) -> String {
    let name = crate::model::text::one_line(name);
    format!(
        "flowdeck: deploy {name} ({flow_id}) v{version}\n\n{TRAILER}{flow_id}\nFlowdeck-Version: {version}\n{}",
        database
            .map(|d| format!("Flowdeck-Database: {d}\n"))
            .unwrap_or_default()
    )
}

/// The commit message of a removal.
pub fn remove_message(name: &str, flow_id: &str, database: Option<&str>) -> String {
    let name = crate::model::text::one_line(name);
    format!(
        "flowdeck: remove {name} ({flow_id})\n\n{TRAILER}{flow_id}\n{}",
        database
            .map(|d| format!("Flowdeck-Database: {d}\n"))
            .unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> std::result::Result<GitSection, String> {
        let v: toml::Value = toml::from_str(text).unwrap();
        GitSection::from_value(&v)
    }

    #[test]
    fn the_table_has_defaults_and_refuses_bad_values() {
        let s = parse("path = \"/srv/repo\"").unwrap();
        assert_eq!(s.remote, "origin");
        assert_eq!(s.dags_subdir, "dags");
        assert_eq!(s.dags_folder(), PathBuf::from("/srv/repo/dags"));
        let s = parse("path = \"/srv/repo\"\ndags_subdir = \".\"").unwrap();
        assert_eq!(s.dags_folder(), PathBuf::from("/srv/repo"));
        for bad in [
            "path = \"/r\"\ndags_subdir = \"../x\"",
            "path = \"/r\"\ndags_subdir = \"/abs\"",
            "path = \"/r\"\nremote = \"--upload-pack=x\"",
            "path = \"/r\"\nbranch = \"a b\"",
            "path = \"/r\"\nunknown = 1",
            "remote = \"origin\"",
            "path = \"\"",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn messages_name_flow_id_and_version() {
        let m = deploy_message("daily sales", "dag_1", 3, Some("db"));
        assert!(
            m.starts_with("flowdeck: deploy daily sales (dag_1) v3\n"),
            "{m}"
        );
        // A name cannot add lines (trailers) to the message.
        let m = deploy_message("x\nFlowdeck-Flow: other", "dag_1", 3, None);
        assert_eq!(
            m.lines().filter(|l| l.starts_with("Flowdeck-Flow")).count(),
            1,
            "{m}"
        );
        assert!(m.contains("\nFlowdeck-Flow: dag_1\n"), "{m}");
    }
}
