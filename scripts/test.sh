#!/usr/bin/env bash
# The whole test suite, from a clean machine: installs and starts the pinned Airflows
# (scripts/dev-airflow.sh: 3.3.2, and 2.11.2 with --airflow2) while the tests build, runs
# every Rust test against them, and stops each Airflow again if this script started it.
# Extra arguments go to `cargo test` (e.g. a test name).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

if ! command -v tmux >/dev/null 2>&1; then
  echo "test: installing tmux (the terminal end-to-end tests drive flowdeck in it)"
  if command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && apt-get install -y -qq tmux) >/dev/null
  else
    echo "test: tmux is missing; install it and run again" >&2
    exit 1
  fi
fi

logs=$(mktemp -d "${TMPDIR:-/tmp}/flowdeck-test.XXXXXX")
# label, then the arguments that select the Airflow in scripts/dev-airflow.sh
airflows=("airflow3" "airflow2 --airflow2")
declare -A started_here=() start_pid=()

stop_airflows() {
  local entry label
  # A start still under way would leave its Airflow running after a stop: let it end.
  wait "${start_pid[@]}" 2>/dev/null || true
  for entry in "${airflows[@]}"; do
    read -r label args <<<"$entry"
    if [ "${started_here[$label]:-0}" = 1 ]; then
      # shellcheck disable=SC2086 # $args is one optional flag
      scripts/dev-airflow.sh $args stop || true
    fi
  done
  rm -rf "$logs"
}
trap stop_airflows EXIT

# Both Airflows install and start side by side, and beside the build below.
for entry in "${airflows[@]}"; do
  read -r label args <<<"$entry"
  # shellcheck disable=SC2086
  if ! scripts/dev-airflow.sh $args status >/dev/null 2>&1; then
    started_here[$label]=1
    echo "test: starting $label (the first time this installs it, a few minutes; log: $logs/$label.log)"
  fi
  # shellcheck disable=SC2086
  (
    begin=$SECONDS
    scripts/dev-airflow.sh $args start >"$logs/$label.log" 2>&1
    echo "$label up after $((SECONDS - begin)) s" >>"$logs/$label.log"
  ) &
  start_pid[$label]=$!
done

echo "test: building the tests and benches (the first build takes a few minutes)"
cargo build --tests --benches --quiet

failed=0
for entry in "${airflows[@]}"; do
  read -r label args <<<"$entry"
  if wait "${start_pid[$label]}"; then
    echo "test: $(tail -n 1 "$logs/$label.log")"
  else
    echo "test: $label did not start:" >&2
    tail -n 40 "$logs/$label.log" >&2
    failed=1
  fi
done
[ "$failed" = 0 ] || exit 1

eval "$(scripts/dev-airflow.sh env)"
eval "$(scripts/dev-airflow.sh --airflow2 env)"
export FLOWDECK_REQUIRE_AIRFLOW=1
export FLOWDECK_AIRFLOW_VENV="${FLOWDECK_AIRFLOW_VENV:-$repo/.airflow/venv}"

binaries=$(find tests -maxdepth 1 -name '*.rs' | wc -l)
echo "test: running the unit tests and $binaries test binaries against Airflow at $FLOWDECK_AIRFLOW_URL and $FLOWDECK_AIRFLOW2_URL"
cargo test --quiet "$@"
echo "test: all passed"
