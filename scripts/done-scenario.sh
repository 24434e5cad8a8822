#!/usr/bin/env bash
# The "done" scenario by keys, timed: in tmux, on a fresh database, register
# assets/examples/etl.py's extract and load, create flow "daily sales <n>", add the two
# tasks, give extract's `day` the template {{ ds }}, wire load's `rows` from extract's
# output, set `retries = 2` in the options editor, save (Ctrl-s, y), wait for "ready",
# trigger (t), wait for the run's success and open load's log. Prints the keystrokes
# (a typed character counts as one) and the seconds it took; fails when a step does
# not show what it should within its time, or when it took 200 keystrokes or more.
#
# Needs tmux and a running Airflow: with FLOWDECK_AIRFLOW_URL unset it uses the dev
# Airflow (`eval "$(scripts/dev-airflow.sh env)"`). FLOWDECK_BIN picks the binary
# (default: target/release/flowdeck, built when missing). The flow is deleted at the end.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

command -v tmux >/dev/null || { echo "done-scenario: tmux is missing; install it" >&2; exit 1; }
if [ -z "${FLOWDECK_AIRFLOW_URL:-}" ]; then
  eval "$(scripts/dev-airflow.sh env)"
fi
bin=${FLOWDECK_BIN:-$repo/target/release/flowdeck}
if [ ! -x "$bin" ]; then
  echo "done-scenario: building flowdeck (cargo build --release; the first build takes minutes)"
  cargo build --release --quiet
fi

work=$(mktemp -d)
session="flowdeck-done-$$"
flow="daily sales $((RANDOM % 9000 + 1000))"
export FLOWDECK_DB="$work/db.redb" FLOWDECK_CONFIG="$work/config.toml"
: >"$FLOWDECK_CONFIG"
cleanup() {
  tmux kill-session -t "$session" 2>/dev/null || true
  "$bin" flow rm "$flow" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

keys=0
pause=${DONE_PAUSE:-0.25}
# Named keys (Enter, C-s, a…): one keystroke each.
press() {
  for k in "$@"; do
    tmux send-keys -t "$session" "$k"
    keys=$((keys + 1))
    sleep "$pause"
  done
}
# Typed text: one keystroke per character.
type_text() {
  tmux send-keys -t "$session" -l "$1"
  keys=$((keys + ${#1}))
  sleep "$pause"
}
screen() { tmux capture-pane -p -t "$session"; }
# Waits up to $2 seconds (default 15) for $1 on the screen.
wait_for() {
  local deadline=$((SECONDS + ${2:-15}))
  until screen | grep -qF -- "$1"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "done-scenario: \"$1\" did not show; the screen was:" >&2
      screen >&2
      exit 1
    fi
    sleep 0.1
  done
}
now() { date +%s.%N; }

# A tmux server already running keeps its own environment: hand flowdeck this script's
# database, config and Airflow through a file only this user can read (not the command
# line, where `ps` would show the password), or it would use the operator's own.
envfile="$work/env"
(
  umask 077
  for v in FLOWDECK_DB FLOWDECK_CONFIG FLOWDECK_AIRFLOW_URL FLOWDECK_AIRFLOW_USERNAME \
    FLOWDECK_AIRFLOW_PASSWORD FLOWDECK_DAGS_FOLDER; do
    if [ -n "${!v:-}" ]; then printf 'export %s=%q\n' "$v" "${!v}"; fi
  done >"$envfile"
)
tmux new-session -d -s "$session" -x 160 -y 48 bash -c '. "$1" && exec "$2"' done-scenario "$envfile" "$bin"
start=$(now)
wait_for "No functions in the library yet"

echo "done-scenario: registering extract and load from assets/examples/etl.py"
press a
type_text "assets/examples/etl.py"
press Enter
wait_for "Step 2 of 3"
press Enter
wait_for "Step 3 of 3"
press C-s
wait_for "as \`extract\`"
press a          # the file read last is offered: Enter reads it again
press Enter
wait_for "Step 2 of 3"
press j Enter
wait_for "Step 3 of 3"
press C-s
wait_for "as \`load\`"

echo "done-scenario: creating flow \"$flow\" with two tasks"
press 2 a
type_text "$flow"
press Enter      # on to the schedule: empty, runs only when triggered
wait_for "runs only when triggered"
press Enter
wait_for "No tasks yet"
press a
type_text "ext"
press Enter
wait_for "Task id for"
press Enter
wait_for "added task \`extract\`"
press a
type_text "load"
press Enter
wait_for "Task id for"
press Enter
wait_for "added task \`load\`"

echo "done-scenario: wiring load.rows from extract's output, extract.day = {{ ds }}"
press Enter Enter
wait_for "Value of \`rows\`"
type_text "up"
press Enter
wait_for "Upstream task for \`rows\`"
press Enter
wait_for "Key in \`extract\`'s output"
press Enter Escape k Enter Enter
wait_for "Value of \`day\`"
type_text "tem"
press Enter
wait_for "Airflow template for \`day\`"
press Enter

echo "done-scenario: retries = 2 in the options editor, then save"
press o
wait_for "Options of task \`extract\`"
type_text "retries = 2"
press C-s
sleep 0.5
press C-s
wait_for "y save and deploy"
press y
saved=$(now)
wait_for "ready — Airflow loaded version 1" 60
ready=$(now)

echo "done-scenario: trigger, watch the run, read load's log"
press 3
wait_for "active in Airflow" 30
press t
wait_for "triggered run"
wait_for "finished: success" 120
press Enter j L
wait_for "Log · load" 30
wait_for "Done. Returned value was" 30
end=$(now)

secs=$(echo "$end - $start" | bc)
ready_after=$(echo "$ready - $saved" | bc)
printf 'done-scenario: %d keystrokes, %.0f s in all, ready %.1f s after saving\n' "$keys" "$secs" "$ready_after"
if [ "$keys" -ge 200 ]; then
  echo "done-scenario: the scenario took $keys keystrokes; the target is under 200" >&2
  exit 1
fi
