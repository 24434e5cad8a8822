//! Two operators' TUIs on one database, in tmux: a CLI import shows up in both, a save
//! over the other's newer version asks what to do (their diff, merge, mine anyway, keep
//! editing), and an unsaved edit survives `kill -9` of the TUI. No Airflow is needed:
//! the URL points at a closed port and deploys wait for it.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

mod common;
use common::tmux::Tmux;

const ETL: &str = "def extract(day, limit=100):\n    return {'rows': [], 'total': 0}\n\ndef load(rows, total=0):\n    return len(rows)\n";

const SHARED: &str = "[flow]\nname = \"shared\"\n\n[[tasks]]\nid = \"extract\"\nfunction = \"extract\"\n[tasks.inputs]\nday = \"{{ ds }}\"\n\n[[tasks]]\nid = \"load\"\nfunction = \"load\"\n[tasks.inputs]\nrows = { task = \"extract\", key = \"rows\" }\n";

fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

fn tools_present() -> bool {
    let ok = |p: &str, a: &str| {
        Command::new(p)
            .arg(a)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if ok("tmux", "-V") && ok("python3", "--version") {
        return true;
    }
    eprintln!("skipped: tmux and python3 are needed for this test");
    false
}

struct Team {
    dir: tempfile::TempDir,
}

impl Team {
    fn new() -> Team {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), "").unwrap();
        std::fs::create_dir_all(dir.path().join("dags")).unwrap();
        let team = Team { dir };
        let etl = team.file("etl.py", ETL);
        team.cli("setup", &["function", "add", &etl, "--function", "extract"]);
        team.cli("setup", &["function", "add", &etl, "--function", "load"]);
        let shared = team.file("shared.toml", SHARED);
        team.cli("setup", &["flow", "import", &shared]);
        team
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.root().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    fn env(&self, user: &str) -> String {
        format!(
            "FLOWDECK_USER={user} FLOWDECK_DB={} FLOWDECK_CONFIG={} FLOWDECK_DAGS_FOLDER={} FLOWDECK_AIRFLOW_URL=http://127.0.0.1:9 XDG_DATA_HOME={} TERM=xterm-256color",
            quote(&self.root().join("team.redb")),
            quote(&self.root().join("config.toml")),
            quote(&self.root().join("dags")),
            quote(&self.root().join(format!("data-{user}"))),
        )
    }

    fn cli(&self, user: &str, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_flowdeck"))
            .env("FLOWDECK_USER", user)
            .env("FLOWDECK_DB", self.root().join("team.redb"))
            .env("FLOWDECK_CONFIG", self.root().join("config.toml"))
            .env("FLOWDECK_DAGS_FOLDER", self.root().join("dags"))
            .env("FLOWDECK_AIRFLOW_URL", "http://127.0.0.1:9")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A TUI of `user` in its own tmux server, 160×40.
    fn tui(&self, user: &str) -> Tmux {
        // One tmux server per TUI; tests of this file run at once in one process.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmux = Tmux::new(format!("flowdeck-team-{user}-{}-{n}", std::process::id()));
        let shell = format!("env PS1='e2e$ ' HOME={} sh", quote(self.root()));
        let out = tmux.cmd(&[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            "160",
            "-y",
            "40",
            &shell,
        ]);
        assert!(out.status.success());
        tmux.wait_for(&["e2e$"]);
        self.start(&tmux, user);
        tmux
    }

    fn start(&self, tmux: &Tmux, user: &str) {
        tmux.type_text(&format!(
            "env {} {}; echo \"EXIT=$?\"",
            self.env(user),
            quote(Path::new(env!("CARGO_BIN_EXE_flowdeck")))
        ));
        tmux.send(&["Enter"]);
        tmux.wait_for(&["2 functions"]);
    }

    fn shared(&self) -> serde_json::Value {
        serde_json::from_str(&self.cli("check", &["flow", "show", "shared", "--json"])).unwrap()
    }
}

/// Opens flow `name` from the Flows list (filter, then Enter).
fn open_flow(tmux: &Tmux, name: &str) {
    tmux.send(&["2"]);
    tmux.wait_for(&["DEPLOY"]);
    tmux.send(&["/"]);
    tmux.type_text(name);
    tmux.send(&["Enter"]);
    tmux.send(&["Enter"]);
    tmux.wait_for(&[&format!("Flow {name}")]);
}

/// In the editor's settings: move to row `down` and type `text` into its prompt.
fn set_setting(tmux: &Tmux, down: usize, text: &str) {
    tmux.send(&["g"]);
    for _ in 0..down {
        tmux.send(&["j"]);
    }
    tmux.send(&["Enter"]);
    tmux.type_text(text);
    tmux.send(&["Enter"]);
}

const SCHEDULE_ROW: usize = 2;
const TAGS_ROW: usize = 5;

fn save(tmux: &Tmux) {
    tmux.send(&["C-s"]);
    tmux.wait_for(&["save and deploy"]);
    tmux.send(&["y"]);
}

#[test]
fn two_operators_see_each_others_changes_and_choose_on_a_conflict() {
    if !tools_present() {
        return;
    }
    let team = Team::new();
    let alice = team.tui("alice");
    let bob = team.tui("bob");
    alice.send(&["2"]);
    bob.send(&["2"]);
    alice.wait_for(&["shared"]);

    // A CLI import by a third operator appears in both open TUIs, with who did it.
    let doc = team.file(
        "carol.toml",
        &SHARED.replace("\"shared\"", "\"from carol\""),
    );
    team.cli("carol", &["flow", "import", &doc]);
    for tui in [&alice, &bob] {
        let screen = tui.wait_for_within(
            &["from carol", "saved v1 by carol@"],
            Duration::from_secs(5),
        );
        assert!(screen.contains("CHANGED"), "{screen}");
    }

    // Different flows: alice edits `shared` while bob edits and saves carol's flow; no
    // question for anyone.
    open_flow(&alice, "shared");
    open_flow(&bob, "from carol");
    set_setting(&bob, SCHEDULE_ROW, "@daily");
    save(&bob);
    let carols = flowdeck::model::ids::flow_id_for("from carol");
    bob.wait_for(&[&format!("Flow from carol · {carols} · v2 ")]);
    bob.send(&["Escape"]);
    bob.wait_for(&["DEPLOY"]);
    bob.send(&["Escape"]);
    let listed = team.cli("check", &["flow", "list", "--json"]);
    assert!(listed.contains("@daily"), "{listed}");

    // Both edit the same flow, different settings; bob saves first.
    open_flow(&bob, "shared");
    set_setting(&alice, TAGS_ROW, "team");
    set_setting(&bob, SCHEDULE_ROW, "@hourly");
    save(&bob);
    bob.wait_for(&["Flow shared · dag_a4d26868017c0ccf · v2 "]);
    alice.wait_for(&["bob@", "saved v2", "while you edit v1"]);

    // Alice's save is refused with who and when, and she chooses.
    save(&alice);
    let screen = alice.wait_for(&["Someone else saved this flow", "while you edited v1"]);
    assert!(screen.contains("see their change (diff)"), "{screen}");
    assert!(
        screen.contains("save mine anyway as a new version (over v2)"),
        "{screen}"
    );
    alice.send(&["Enter"]);
    alice.wait_for(&["Their change: v1 → v2", "@hourly"]);
    alice.send(&["Escape"]);
    alice.wait_for(&["Someone else saved this flow"]);
    alice.send(&["j"]);
    alice.send(&["Enter"]);
    alice.wait_for(&["applied on top of v2 with no conflicts"]);
    save(&alice);
    alice.wait_for(&["Flow shared · dag_a4d26868017c0ccf · v3 "]);
    let shown = team.shared();
    assert_eq!(shown["flow"]["schedule"], "@hourly");
    assert_eq!(shown["flow"]["tags"], serde_json::json!(["team"]));

    // Bob's editor had no edits left: it follows alice's save on its own.
    bob.wait_for(&["alice@", "the editor shows their version"]);

    // Both change the tags, alice first: keep editing, then "save mine anyway".
    set_setting(&alice, TAGS_ROW, ", alicetag");
    set_setting(&bob, TAGS_ROW, ", bobtag");
    save(&bob);
    bob.wait_for(&["Flow shared · dag_a4d26868017c0ccf · v4 "]);
    alice.wait_for(&["saved v4", "while you edit v3"]);
    save(&alice);
    alice.wait_for(&["Someone else saved this flow", "while you edited v3"]);
    alice.send(&["Escape"]);
    let screen = alice.wait_gone("Someone else saved this flow");
    assert!(
        screen.contains("· draft"),
        "the edit is still there:\n{screen}"
    );
    save(&alice);
    alice.wait_for(&["Someone else saved this flow"]);
    alice.send(&["j"]);
    alice.send(&["j"]);
    alice.send(&["Enter"]);
    alice.wait_for(&["Flow shared · dag_a4d26868017c0ccf · v5 "]);
    let shown = team.shared();
    assert_eq!(
        shown["flow"]["tags"],
        serde_json::json!(["team", "alicetag"])
    );
    let revisions = team.cli("check", &["flow", "revisions", "shared"]);
    let by: Vec<&str> = revisions
        .lines()
        .skip(1)
        .map(|l| {
            if l.contains("alice@") {
                "alice"
            } else if l.contains("bob@") {
                "bob"
            } else {
                "setup"
            }
        })
        .collect();
    assert_eq!(by, ["alice", "bob", "alice", "bob", "setup"], "{revisions}");

    for tui in [&alice, &bob] {
        tui.send(&["Escape"]);
        tui.send(&["q"]);
        tui.wait_for(&["EXIT=0"]);
    }
}

fn flowdeck_pid(tmux: &Tmux) -> Option<u32> {
    let shell = tmux.format("#{pane_pid}");
    let out = Command::new("pgrep")
        .args(["-P", &shell, "-f", "flowdeck"])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

#[test]
fn an_unsaved_edit_survives_kill_9_of_the_tui() {
    if !tools_present() {
        return;
    }
    let team = Team::new();
    let alice = team.tui("alice");
    open_flow(&alice, "shared");
    set_setting(&alice, TAGS_ROW, "unsaved");
    alice.wait_for(&["· draft"]);
    // The draft is kept within a second of the last key.
    std::thread::sleep(Duration::from_millis(1800));
    let pid = flowdeck_pid(&alice).expect("flowdeck's pid");
    let killed = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    alice.wait_for(&["EXIT=137"]);
    // What an operator types after a crashed full-screen program: the terminal back to
    // normal (raw mode off, main screen), then flowdeck again.
    alice.send(&["C-j"]);
    alice.type_text("stty sane; printf '\\033[?1049l'; clear");
    alice.send(&["C-j"]);
    alice.wait_for(&["e2e$"]);

    team.start(&alice, "alice");
    let screen = alice.wait_for(&["Restore your draft of `shared`?", "edits of v1"]);
    assert!(screen.contains("restore it in the editor"), "{screen}");
    alice.send(&["Enter"]);
    let screen = alice.wait_for(&["restored your draft", "Flow shared"]);
    assert!(screen.contains("unsaved"), "{screen}");
    save(&alice);
    alice.wait_for(&["Flow shared · dag_a4d26868017c0ccf · v2 "]);
    assert_eq!(
        team.shared()["flow"]["tags"],
        serde_json::json!(["unsaved"])
    );
    alice.send(&["Escape"]);
    alice.send(&["q"]);
    alice.wait_for(&["EXIT=0"]);
    // Nothing is offered again.
    team.start(&alice, "alice");
    let screen = alice.screen();
    assert!(!screen.contains("Restore your draft"), "{screen}");
    alice.send(&["q"]);
    alice.wait_for(&["EXIT=0"]);
}

#[test]
fn a_dropped_connection_keeps_the_newest_edit_and_a_chosen_quit_keeps_nothing() {
    if !tools_present() {
        return;
    }
    let team = Team::new();
    let alice = team.tui("alice");
    open_flow(&alice, "shared");
    set_setting(&alice, TAGS_ROW, "hup");
    alice.wait_for(&["· draft"]);
    // SIGHUP at once, before the second a draft waits for: the edit is still kept.
    let pid = flowdeck_pid(&alice).expect("flowdeck's pid");
    assert!(Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap()
        .success());
    alice.wait_for(&["EXIT=0"]);
    team.start(&alice, "alice");
    alice.wait_for(&["Restore your draft of `shared`?"]);
    alice.send(&["Enter"]);
    alice.wait_for(&["restored your draft"]);
    assert!(alice.screen().contains("hup"));

    // Quitting on purpose ("quit" in the question) forgets the draft.
    std::thread::sleep(Duration::from_millis(1500));
    alice.send(&["q"]);
    alice.wait_for(&["Quit flowdeck?"]);
    alice.send(&["y"]);
    alice.wait_for(&["EXIT=0"]);
    team.start(&alice, "alice");
    std::thread::sleep(Duration::from_millis(500));
    let screen = alice.screen();
    assert!(!screen.contains("Restore your draft"), "{screen}");
    alice.send(&["q"]);
}
