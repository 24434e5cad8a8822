#!/usr/bin/env bash
# The whole test suite, from a clean machine: installs and starts the pinned Airflow
# (scripts/dev-airflow.sh), runs every Rust test against it, and stops Airflow again if
# this script started it. Extra arguments go to `cargo test` (e.g. a test name).
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

started_here=0
if ! scripts/dev-airflow.sh status >/dev/null 2>&1; then
  started_here=1
fi
if [ "$started_here" = 1 ]; then
  echo "test: starting the pinned Airflow (the first time this installs it into .airflow/, about five minutes)"
fi
scripts/dev-airflow.sh start
stop_airflow() {
  if [ "$started_here" = 1 ]; then
    scripts/dev-airflow.sh stop || true
  fi
}
trap stop_airflow EXIT

eval "$(scripts/dev-airflow.sh env)"
export FLOWDECK_REQUIRE_AIRFLOW=1
export FLOWDECK_AIRFLOW_VENV="${FLOWDECK_AIRFLOW_VENV:-$repo/.airflow/venv}"

echo "test: building the tests and benches (the first build takes a few minutes)"
cargo build --tests --benches --quiet
binaries=$(find tests -maxdepth 1 -name '*.rs' | wc -l)
echo "test: running the unit tests and $binaries test binaries against Airflow at $FLOWDECK_AIRFLOW_URL"
cargo test --quiet "$@"
echo "test: all passed"
