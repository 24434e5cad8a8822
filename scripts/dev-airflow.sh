#!/usr/bin/env bash
# Run a real, local Apache Airflow 3.3.2 (or, with --airflow2, 2.11.2) for flowdeck
# development and tests.
#
#   scripts/dev-airflow.sh [--airflow2] install   create/refresh the venv only
#   scripts/dev-airflow.sh [--airflow2] start     install if needed, start Airflow, wait healthy
#   scripts/dev-airflow.sh [--airflow2] stop      stop it (TERM to the process group, KILL after a timeout)
#   scripts/dev-airflow.sh [--airflow2] status    running / not running, and component health
#   scripts/dev-airflow.sh [--airflow2] env       `export ...` lines for: eval "$(scripts/dev-airflow.sh env)"
#
# status exits 0 when running and healthy, 1 when running but not healthy, 3 when stopped.
# Files: $FLOWDECK_AIRFLOW_DIR/{venv,home,dags,flows.git,install.log}; home/standalone.log
# is the server's output, home/standalone.pgid its process group.
#
# Two DAG bundles: `dags-folder` (a LocalDagBundle over the dags folder) and `flows`, a
# GitDagBundle (apache-airflow-providers-git, stock refresh_interval) tracking branch
# `main`, subfolder `dags`, of the bare repository flows.git on the local disk, created
# here with a first commit (Airflow cannot start a Git bundle on an empty repository).
#
# Environment (all optional):
#   FLOWDECK_AIRFLOW_DIR       state directory               (default <repo>/.airflow)
#   FLOWDECK_DAGS_FOLDER       DAGs folder Airflow parses    (default $FLOWDECK_AIRFLOW_DIR/dags)
#   FLOWDECK_AIRFLOW_PORT      api-server port on 127.0.0.1  (default 28080; +1 and +2 are
#                              used for the worker and triggerer log servers)
#   FLOWDECK_AIRFLOW_PASSWORD  password of user "admin"      (default admin)
#   FLOWDECK_AIRFLOW_START_TIMEOUT  seconds to wait for health (default 180)
#   FLOWDECK_PYTHON            python used to create the venv (default python3)
#   FLOWDECK_GIT_REPO          bare repository of the `flows` bundle
#                              (default $FLOWDECK_AIRFLOW_DIR/flows.git)
#
# With --airflow2 the same commands run Airflow 2.11.2 (REST API v1, basic auth) beside
# it, from scripts/airflow2-requirements.txt, as a scheduler plus a one-worker webserver
# (no triggerer, no log server: the webserver reads the task logs from the shared home).
# Its variables are FLOWDECK_AIRFLOW2_DIR (default <repo>/.airflow2),
# FLOWDECK_AIRFLOW2_DAGS_FOLDER, FLOWDECK_AIRFLOW2_PORT (default 28090, the webserver;
# +1 and +2 are given to the log servers so the stock 8793/8794 stay free) and
# FLOWDECK_AIRFLOW2_PASSWORD; `env` prints FLOWDECK_AIRFLOW2_{URL,USERNAME,PASSWORD,DAGS_FOLDER}.
# The timeout and python variables are shared.
#
# Parse intervals are left at Airflow's stock values on purpose: flowdeck measures its
# save-to-loaded latency against a stock Airflow.
set -euo pipefail

MAJOR=3
if [[ "${1:-}" == "--airflow2" ]]; then
  MAJOR=2
  shift
fi

readonly PIP_VERSION="26.3"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "${SCRIPT_DIR}/.." && pwd)"

if [[ "$MAJOR" == 3 ]]; then
  readonly AIRFLOW_VERSION="3.3.2"
  REQUIREMENTS="${SCRIPT_DIR}/airflow-requirements.txt"
  AF_DIR="${FLOWDECK_AIRFLOW_DIR:-${REPO_DIR}/.airflow}"
  DAGS_FOLDER="${FLOWDECK_DAGS_FOLDER:-${AF_DIR}/dags}"
  PORT="${FLOWDECK_AIRFLOW_PORT:-28080}"
  PORT_VAR=FLOWDECK_AIRFLOW_PORT
  PASSWORD_IN="${FLOWDECK_AIRFLOW_PASSWORD:-admin}"
  ENV_PREFIX=FLOWDECK_AIRFLOW
  HEALTH_PATH=/api/v2/monitor/health
  REQUIRED_COMPONENTS="metadatabase scheduler triggerer dag_processor"
else
  readonly AIRFLOW_VERSION="2.11.2"
  REQUIREMENTS="${SCRIPT_DIR}/airflow2-requirements.txt"
  AF_DIR="${FLOWDECK_AIRFLOW2_DIR:-${REPO_DIR}/.airflow2}"
  DAGS_FOLDER="${FLOWDECK_AIRFLOW2_DAGS_FOLDER:-${AF_DIR}/dags}"
  PORT="${FLOWDECK_AIRFLOW2_PORT:-28090}"
  PORT_VAR=FLOWDECK_AIRFLOW2_PORT
  PASSWORD_IN="${FLOWDECK_AIRFLOW2_PASSWORD:-admin}"
  ENV_PREFIX=FLOWDECK_AIRFLOW2
  # The lean start runs no triggerer and no standalone dag processor: their entries
  # report a null status, so only these two must be healthy.
  HEALTH_PATH=/api/v1/health
  REQUIRED_COMPONENTS="metadatabase scheduler"
fi
VENV="${AF_DIR}/venv"
HOME_DIR="${AF_DIR}/home"
USERNAME="admin"
START_TIMEOUT="${FLOWDECK_AIRFLOW_START_TIMEOUT:-180}"
STOP_TIMEOUT=30
PYTHON="${FLOWDECK_PYTHON:-python3}"
GIT_REPO="${FLOWDECK_GIT_REPO:-${AF_DIR}/flows.git}"
GIT_BUNDLE="flows"

URL="http://127.0.0.1:${PORT}"
PIDFILE="${HOME_DIR}/standalone.pgid"
LOGFILE="${HOME_DIR}/standalone.log"
INSTALL_LOG="${AF_DIR}/install.log"
MARKER="${VENV}/.flowdeck-requirements.sha256"
PASSWORDS_FILE="${HOME_DIR}/simple_auth_manager_passwords.json.generated"
# Airflow 2: the password `start` last gave user admin (Airflow keeps only its hash).
PASSWORD_FILE2="${HOME_DIR}/flowdeck_admin_password"

log() { printf '%s\n' "dev-airflow: $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# Make paths absolute so the values handed to Airflow do not depend on the caller's cwd.
abspath() {
  local p="$1"
  case "$p" in
    /*) printf '%s' "$p" ;;
    *) printf '%s/%s' "$(pwd)" "$p" ;;
  esac
}
AF_DIR="$(abspath "$AF_DIR")"
VENV="$(abspath "$VENV")"
HOME_DIR="$(abspath "$HOME_DIR")"
DAGS_FOLDER="$(abspath "$DAGS_FOLDER")"
GIT_REPO="$(abspath "$GIT_REPO")"

if ! [[ "$PORT" =~ ^[0-9]+$ ]] || ((PORT < 1 || PORT > 65533)); then
  die "${PORT_VAR} must be a port number (got '${PORT}')"
fi

requirements_hash() {
  sha256sum "$REQUIREMENTS" | cut -d' ' -f1
}

venv_is_current() {
  [[ -x "${VENV}/bin/airflow" && -x "${VENV}/bin/python" && -f "$MARKER" ]] \
    && [[ "$(cat "$MARKER")" == "$(requirements_hash)" ]]
}

do_install() {
  [[ -f "$REQUIREMENTS" ]] || die "missing ${REQUIREMENTS}"
  if venv_is_current; then
    return 0
  fi
  command -v "$PYTHON" >/dev/null 2>&1 || die "${PYTHON} not found (set FLOWDECK_PYTHON)"
  if [[ "$MAJOR" == 3 ]]; then
    "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
      || die "apache-airflow ${AIRFLOW_VERSION} needs Python >= 3.10 (${PYTHON} is older)"
  else
    "$PYTHON" -c 'import sys; sys.exit(0 if (3, 9) <= sys.version_info[:2] <= (3, 12) else 1)' \
      || die "apache-airflow ${AIRFLOW_VERSION} needs Python 3.9 to 3.12 (set FLOWDECK_PYTHON to one)"
  fi
  mkdir -p "$AF_DIR"
  log "installing apache-airflow ${AIRFLOW_VERSION} into ${VENV} (1-3 min; log: ${INSTALL_LOG})"
  : >"$INSTALL_LOG"
  if [[ ! -x "${VENV}/bin/python" ]]; then
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" >>"$INSTALL_LOG" 2>&1 || {
      tail -n 20 "$INSTALL_LOG" >&2
      die "python -m venv failed (on Debian: apt-get install python3-venv)"
    }
  fi
  rm -f "$MARKER"
  if ! {
    "${VENV}/bin/python" -m pip install --disable-pip-version-check "pip==${PIP_VERSION}" \
      && "${VENV}/bin/python" -m pip install --disable-pip-version-check -r "$REQUIREMENTS"
  } >>"$INSTALL_LOG" 2>&1; then
    tail -n 30 "$INSTALL_LOG" >&2
    die "pip install failed; full log in ${INSTALL_LOG}"
  fi
  requirements_hash >"$MARKER"
  log "installed $("${VENV}/bin/airflow" version 2>/dev/null | tail -n 1 || echo "apache-airflow")"
}

# The process-group id of our running standalone, or nothing.
running_pgid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pgid
  pgid="$(tr -dc '0-9' <"$PIDFILE")"
  [[ -n "$pgid" ]] || return 1
  kill -0 -- "-${pgid}" 2>/dev/null || return 1
  # Guard against a recycled id: some member of the group must be an Airflow process.
  ps -e -o pgid=,args= 2>/dev/null \
    | awk -v g="$pgid" '$1 == g && /airflow/ { found = 1 } END { exit !found }' || return 1
  printf '%s' "$pgid"
}

# Prints the health JSON; exit 0 only when every required component reports "healthy"
# and no other one reports anything else (a component this start does not run reports null).
check_health() {
  local body
  body="$(curl -fsS --max-time 5 "${URL}${HEALTH_PATH}" 2>/dev/null)" || return 1
  printf '%s\n' "$body"
  printf '%s' "$body" | "$(health_python)" -c '
import json, sys
h = json.load(sys.stdin)
comps = {k: v for k, v in h.items() if isinstance(v, dict) and "status" in v}
required = set(sys.argv[1].split())
ok = all(comps.get(k, {}).get("status") == "healthy" for k in required)
ok = ok and all(v["status"] in ("healthy", None) for v in comps.values())
sys.exit(0 if ok else 1)
' "$REQUIRED_COMPONENTS" 2>/dev/null
}

health_python() {
  if [[ -x "${VENV}/bin/python" ]]; then printf '%s' "${VENV}/bin/python"; else printf '%s' "$PYTHON"; fi
}

health_summary() {
  "$(health_python)" -c '
import json, sys
try:
    h = json.load(sys.stdin)
except ValueError:
    print("unreachable"); sys.exit(0)
print(", ".join("%s=%s" % (k, v.get("status")) for k, v in h.items() if isinstance(v, dict)))
'
}

current_password() {
  if [[ "$MAJOR" == 2 ]]; then
    if [[ -f "$PASSWORD_FILE2" ]]; then
      cat "$PASSWORD_FILE2"
    else
      printf '%s\n' "$PASSWORD_IN"
    fi
    return 0
  fi
  if [[ -f "$PASSWORDS_FILE" ]]; then
    "$(health_python)" -c '
import json, sys
print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))
' "$PASSWORDS_FILE" "$USERNAME" 2>/dev/null && return 0
  fi
  printf '%s\n' "$PASSWORD_IN"
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

print_access() {
  printf 'Airflow %s is running\n' "$AIRFLOW_VERSION"
  printf '  url:         %s\n' "$URL"
  printf '  user:        %s\n' "$USERNAME"
  printf '  password:    %s\n' "$(current_password)"
  printf '  dags folder: %s\n' "$DAGS_FOLDER"
  if [[ "$MAJOR" == 3 ]]; then
    printf '  git bundle:  %s (branch main, subdir dags) of %s\n' "$GIT_BUNDLE" "$GIT_REPO"
  fi
  printf '  log:         %s\n' "$LOGFILE"
}

# Airflow 3 finds a new DAG file only when it rescans the folder (every 300 s), and the
# only way to ask for a rescan is to re-parse a DAG it already knows. On a brand-new
# Airflow there is none, so the first flow would wait minutes: this small DAG, parsed at
# start-up, gives flowdeck one to ask with. It never runs (no schedule) and is left
# alone once written.
write_anchor_dag() {
  local anchor="${DAGS_FOLDER}/flowdeck_dev_anchor.py"
  [ -e "$anchor" ] && return 0
  cat >"$anchor" <<'PY'
# An Airflow dag for flowdeck's development Airflow (scripts/dev-airflow.sh): a DAG that
# Airflow knows from start-up, so flowdeck can ask it to rescan the folder for new files.
import datetime

try:
    from airflow.sdk import DAG
except ImportError:
    from airflow import DAG

with DAG(
    dag_id="flowdeck_dev_anchor",
    schedule=None,
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    tags=["flowdeck-dev"],
):
    pass
PY
}

# The bare repository of the `flows` bundle, with a first commit holding an anchor DAG
# (the bundle's own DAG to ask for a rescan with, like write_anchor_dag for the folder).
# Left alone once it exists.
create_git_repo() {
  [ -e "${GIT_REPO}/HEAD" ] && return 0
  command -v git >/dev/null 2>&1 || die "git not found (needed for the flows bundle)"
  local seed
  seed="$(mktemp -d)"
  git init -q --bare -b main "$GIT_REPO" || die "cannot create ${GIT_REPO}"
  git init -q -b main "${seed}/w"
  mkdir -p "${seed}/w/dags"
  cat >"${seed}/w/dags/flowdeck_git_anchor.py" <<'PY'
# An Airflow dag for flowdeck's development Airflow (scripts/dev-airflow.sh): a DAG of
# the Git bundle that Airflow knows from start-up, so flowdeck can ask it to fetch the
# bundle's new commits.
import datetime

try:
    from airflow.sdk import DAG
except ImportError:
    from airflow import DAG

with DAG(
    dag_id="flowdeck_git_anchor",
    schedule=None,
    start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    tags=["flowdeck-dev"],
):
    pass
PY
  git -C "${seed}/w" add dags
  git -C "${seed}/w" -c user.name=dev-airflow -c user.email=dev-airflow@localhost \
    commit -q -m "the flows bundle's anchor DAG"
  git -C "${seed}/w" push -q "$GIT_REPO" main || die "cannot push the first commit to ${GIT_REPO}"
  rm -rf "$seed"
}

do_start() {
  local pgid
  if pgid="$(running_pgid)"; then
    log "already running (process group ${pgid})"
    if ! check_health >/dev/null; then
      log "not healthy yet: $(check_health | health_summary)"
    fi
    print_access
    return 0
  fi
  rm -f "$PIDFILE"

  do_install

  local p ports=("$PORT" $((PORT + 1)) $((PORT + 2)))
  # The lean Airflow 2 listens on its webserver port only.
  [[ "$MAJOR" == 2 ]] && ports=("$PORT")
  for p in "${ports[@]}"; do
    if port_in_use "$p"; then
      die "port ${p} on 127.0.0.1 is already in use (another Airflow? set ${PORT_VAR})"
    fi
  done

  mkdir -p "$HOME_DIR" "$DAGS_FOLDER"
  write_anchor_dag
  local pid
  if [[ "$MAJOR" == 3 ]]; then
    launch_airflow3
  else
    launch_airflow2
  fi
  pid=$!
  # The subshell execs setsid, which (not being a group leader) execs airflow: same pid.
  sleep 0.5
  pgid="$(ps -o pgid= -p "$pid" 2>/dev/null | tr -dc '0-9' || true)"
  [[ -n "$pgid" ]] || pgid="$pid"
  printf '%s\n' "$pgid" >"$PIDFILE"

  local deadline=$((SECONDS + START_TIMEOUT))
  until check_health >/dev/null; do
    if ! kill -0 -- "-${pgid}" 2>/dev/null; then
      tail -n 40 "$LOGFILE" >&2 || true
      rm -f "$PIDFILE"
      die "airflow exited during start-up (log: ${LOGFILE})"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 40 "$LOGFILE" >&2 || true
      log "last health: $(check_health | health_summary)"
      die "not healthy after ${START_TIMEOUT}s; still running as process group ${pgid} (stop it with: $0 stop)"
    fi
    sleep 1
  done
  print_access
}

# Starts `airflow standalone` (3.x) in the background, in a new process group.
launch_airflow3() {
  create_git_repo
  # A known password for user admin; the simple auth manager keeps entries it finds here.
  "${VENV}/bin/python" -c '
import json, sys
with open(sys.argv[1], "w") as f:
    json.dump({sys.argv[2]: sys.argv[3]}, f)
' "$PASSWORDS_FILE" "$USERNAME" "$PASSWORD_IN"

  log "starting airflow standalone on ${URL} (log: ${LOGFILE})"
  (
    cd "$HOME_DIR"
    export PATH="${VENV}/bin:${PATH}"
    export AIRFLOW_HOME="$HOME_DIR"
    export AIRFLOW__CORE__DAGS_FOLDER="$DAGS_FOLDER"
    export AIRFLOW__CORE__LOAD_EXAMPLES=False
    export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="${USERNAME}:admin"
    export AIRFLOW__API__HOST=127.0.0.1
    export AIRFLOW__API__PORT="$PORT"
    export AIRFLOW__API__BASE_URL="$URL"
    export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="${URL}/execution/"
    export AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=$((PORT + 1))
    export AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=$((PORT + 2))
    # The local folder and the Git repository side by side (stock refresh intervals).
    export AIRFLOW_CONN_FLOWS_GIT="{\"conn_type\":\"git\",\"host\":\"${GIT_REPO}\"}"
    export AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST="[{\"name\":\"dags-folder\",\"classpath\":\"airflow.dag_processing.bundles.local.LocalDagBundle\",\"kwargs\":{}},{\"name\":\"${GIT_BUNDLE}\",\"classpath\":\"airflow.providers.git.bundles.git.GitDagBundle\",\"kwargs\":{\"git_conn_id\":\"flows_git\",\"tracking_ref\":\"main\",\"subdir\":\"dags\"}}]"
    export AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH="${HOME_DIR}/dag_bundles"
    # setsid makes the standalone the leader of a new process group: `stop` signals it whole.
    exec setsid "${VENV}/bin/airflow" standalone </dev/null >"$LOGFILE" 2>&1
  ) &
}

# The environment every Airflow 2 command of this instance runs with.
airflow2_env() {
  export PATH="${VENV}/bin:${PATH}"
  export AIRFLOW_HOME="$HOME_DIR"
  export AIRFLOW__CORE__DAGS_FOLDER="$DAGS_FOLDER"
  export AIRFLOW__CORE__LOAD_EXAMPLES=False
  export AIRFLOW__WEBSERVER__WEB_SERVER_HOST=127.0.0.1
  export AIRFLOW__WEBSERVER__WEB_SERVER_PORT="$PORT"
  export AIRFLOW__WEBSERVER__BASE_URL="$URL"
  export AIRFLOW__WEBSERVER__WORKERS=1
  # HTTP basic auth for the REST API (what flowdeck sends to an Airflow 2), plus the
  # session backend the web UI itself uses.
  export AIRFLOW__API__AUTH_BACKENDS=airflow.providers.fab.auth_manager.api.auth.backend.basic_auth,airflow.providers.fab.auth_manager.api.auth.backend.session
  export AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=$((PORT + 1))
  export AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=$((PORT + 2))
  # gunicorn keeps a control socket under $XDG_RUNTIME_DIR (else ~/.gunicorn), which
  # another Airflow 2 of the same user would share.
  export XDG_RUNTIME_DIR="${HOME_DIR}/run"
}

# Starts Airflow 2's scheduler (it also parses the DAG files) and a one-worker webserver
# in the background, in one new process group that ends when either of them does.
launch_airflow2() {
  log "preparing the database and user ${USERNAME} (log: ${LOGFILE})"
  if ! (
    cd "$HOME_DIR"
    airflow2_env
    mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
    airflow db migrate
    # `users create` leaves an existing user (and its password) alone, and
    # `users reset-password` fails in this fab provider (it needs the web app's session
    # store): a different password means a new user.
    if [[ -f "$PASSWORD_FILE2" && "$(cat "$PASSWORD_FILE2")" != "$PASSWORD_IN" ]]; then
      airflow users delete --username "$USERNAME" || true
    fi
    airflow users create --username "$USERNAME" --password "$PASSWORD_IN" --role Admin \
      --firstname flowdeck --lastname dev --email admin@example.invalid
  ) </dev/null >"$LOGFILE" 2>&1; then
    tail -n 30 "$LOGFILE" >&2
    die "airflow db migrate / users failed (log: ${LOGFILE})"
  fi
  printf '%s\n' "$PASSWORD_IN" >"$PASSWORD_FILE2"
  chmod 600 "$PASSWORD_FILE2"

  log "starting airflow scheduler and webserver on ${URL} (log: ${LOGFILE})"
  (
    cd "$HOME_DIR"
    airflow2_env
    # setsid makes the shell the leader of a new process group: `stop` signals it whole,
    # and when one of the two exits the shell takes the other down with it.
    exec setsid bash -c '
      airflow scheduler --skip-serve-logs &
      airflow webserver &
      wait -n
      kill -TERM 0
    ' </dev/null >>"$LOGFILE" 2>&1
  ) &
}

do_stop() {
  local pgid
  if ! pgid="$(running_pgid)"; then
    rm -f "$PIDFILE"
    log "not running"
    return 0
  fi
  log "stopping process group ${pgid}"
  kill -TERM -- "-${pgid}" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 -- "-${pgid}" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "still running after ${STOP_TIMEOUT}s: sending KILL to:"
      ps -o pid=,stat=,args= -g "$pgid" 2>/dev/null | cut -c1-120 >&2 || true
      kill -KILL -- "-${pgid}" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 0.5
  done
  rm -f "$PIDFILE"
  log "stopped"
}

do_status() {
  local pgid health
  if pgid="$(running_pgid)"; then
    if health="$(check_health)"; then
      printf 'running (process group %s), healthy: %s\n' "$pgid" "$(printf '%s' "$health" | health_summary)"
      printf '  url: %s  user: %s  password: %s\n' "$URL" "$USERNAME" "$(current_password)"
      printf '  dags folder: %s\n' "$DAGS_FOLDER"
      return 0
    fi
    printf 'running (process group %s), NOT healthy: %s\n' "$pgid" "$(printf '%s' "$health" | health_summary)"
    return 1
  fi
  printf 'not running\n'
  return 3
}

do_env() {
  printf 'export %s_URL=%q\n' "$ENV_PREFIX" "$URL"
  printf 'export %s_USERNAME=%q\n' "$ENV_PREFIX" "$USERNAME"
  printf 'export %s_PASSWORD=%q\n' "$ENV_PREFIX" "$(current_password)"
  if [[ "$MAJOR" == 3 ]]; then
    printf 'export FLOWDECK_DAGS_FOLDER=%q\n' "$DAGS_FOLDER"
    printf 'export FLOWDECK_GIT_REPO=%q\n' "$GIT_REPO"
    printf 'export FLOWDECK_GIT_BUNDLE=%q\n' "$GIT_BUNDLE"
  else
    printf 'export FLOWDECK_AIRFLOW2_DAGS_FOLDER=%q\n' "$DAGS_FOLDER"
  fi
}

main() {
  [[ $# -eq 1 ]] || usage
  case "$1" in
    install) do_install; log "venv is up to date: ${VENV}" ;;
    start) do_start ;;
    stop) do_stop ;;
    status) do_status ;;
    env) do_env ;;
    -h | --help | help) usage ;;
    *) usage ;;
  esac
}

main "$@"
