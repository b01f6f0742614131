#!/usr/bin/env bash
# Starts and stops the throwaway services the test suite talks to: a PostgreSQL cluster and the SMTP sink.
#
# Usage:
#   scripts/services.sh start [postgres] [smtp]   start the named services (default: both), on loopback, free ports
#   scripts/services.sh stop                      stop everything a previous `start` recorded, by PID, and delete
#                                                 its folders (safe to run twice or when nothing runs)
#   scripts/services.sh status                    show what is recorded and whether it still runs
#   scripts/services.sh find-postgres             print the folder holding initdb, pg_ctl and postgres, or fail
#
# `start` records every process and folder in .test-services/state the moment it exists, so `stop` can clean up
# after a half-finished or killed run, and writes .test-services/env for `source`:
#   export STEWARD_TEST_SMTP_PORT=…           export STEWARD_TEST_SMTP_MAILDIR=…
#   STEWARD_SERVICES_DATABASE_URL=postgres://steward:steward@127.0.0.1:PORT/steward_test
# The database URL is deliberately not exported: the SQLite test pass must run without STEWARD_TEST_DATABASE_URL.
#
# Environment: STEWARD_TEST_PYTHON (default .venv/bin/python) runs STEWARD_TEST_SMTP_SINK (default
# scripts/smtp_sink.py). PostgreSQL refuses to run as root, so as root initdb/pg_ctl run as the `postgres` user.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR="$ROOT/.test-services"
STATE="$STATE_DIR/state"
ENV_FILE="$STATE_DIR/env"
PYTHON="${STEWARD_TEST_PYTHON:-$ROOT/.venv/bin/python}"
SINK="${STEWARD_TEST_SMTP_SINK:-$ROOT/scripts/smtp_sink.py}"
STARTING=""

log() { printf '[services] %s\n' "$*" >&2; }

die() {
    log "ERROR: $*"
    exit 1
}

# Appends NAME=VALUE (shell-quoted) to the state file.
record() {
    printf '%s=%q\n' "$1" "$2" >>"$STATE"
}

# Prints a TCP port that is free on 127.0.0.1 right now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Prints the folder with initdb, pg_ctl and postgres: PATH first (symlinks resolved, so pg_ctl finds its
# postgres), then the newest /usr/lib/postgresql/*/bin.
find_postgres() {
    local initdb dir
    if initdb=$(command -v initdb) && command -v pg_ctl >/dev/null && command -v postgres >/dev/null; then
        dir=$(dirname "$(readlink -f "$initdb")")
        if [[ -x $dir/pg_ctl && -x $dir/postgres ]]; then
            echo "$dir"
            return 0
        fi
    fi
    while read -r dir; do
        if [[ -x $dir/initdb && -x $dir/pg_ctl && -x $dir/postgres ]]; then
            echo "$dir"
            return 0
        fi
    done < <(compgen -G '/usr/lib/postgresql/*/bin' | sort -V -r)
    return 1
}

# Prints the psql to use: the one next to the server binaries, else the one on PATH.
find_psql() {
    local bin=$1
    if [[ -x $bin/psql ]]; then
        echo "$bin/psql"
    else
        command -v psql || return 1
    fi
}

# Fills the array AS_PG with the command prefix that runs a program as the PostgreSQL user ($1; empty = as us).
as_pg_prefix() {
    AS_PG=()
    if [[ -n $1 ]]; then
        AS_PG=(runuser -u "$1" --)
    fi
}

# True if PID $1 is alive (not a zombie) and its command line contains $2, so a recycled PID is never killed.
pid_matches() {
    local pid=$1 pattern=$2 state
    [[ -r /proc/$pid/cmdline ]] || return 1
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
    [[ $state != Z ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$pattern"
}

# Sends SIGTERM to PID $1 (if it still is our $2), waits up to 10 s, then SIGKILL.
stop_pid() {
    local pid=$1 pattern=$2 i
    pid_matches "$pid" "$pattern" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        pid_matches "$pid" "$pattern" || return 0
        sleep 0.1
    done
    log "PID $pid ($pattern) ignored SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
}

start_postgres() {
    local bin psql port dir pg_user="" url pid
    bin=$(find_postgres) || die "PostgreSQL server binaries not found (run scripts/install-test-deps.sh)"
    psql=$(find_psql "$bin") || die "psql not found (run scripts/install-test-deps.sh)"
    port=$(free_port)
    dir=$(mktemp -d /tmp/steward-pg.XXXXXX)
    record PG_DIR "$dir"
    if ((EUID == 0)); then
        pg_user=postgres
        id -u postgres >/dev/null 2>&1 || pg_user=nobody
        chown "$pg_user:" "$dir"
    fi
    record PG_USER "$pg_user"
    record PG_BIN "$bin"
    as_pg_prefix "$pg_user"
    log "PostgreSQL ($bin) in $dir on 127.0.0.1:$port"

    # initdb/pg_ctl may want to read the current directory, which the postgres user cannot always enter.
    if ! (cd "$dir" && "${AS_PG[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 --no-locale --encoding=UTF8 --no-sync) >"$dir/initdb.log" 2>&1; then
        tail -n 30 "$dir/initdb.log" >&2
        die "initdb failed"
    fi
    # Durability settings are off: the cluster is thrown away after the run. Tests run in parallel, each with its own
    # connection pool and schema, so the default 100 connections are not enough.
    if ! (cd "$dir" && "${AS_PG[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off" \
        -o "-c synchronous_commit=off -c full_page_writes=off -c max_connections=500" start) >"$dir/pg_ctl.log" 2>&1; then
        tail -n 30 "$dir/pg_ctl.log" "$dir/server.log" >&2 2>/dev/null || true
        die "pg_ctl start failed"
    fi
    pid=$(head -n 1 "$dir/data/postmaster.pid")
    record PG_PID "$pid"
    if ! (cd "$dir" && "${AS_PG[@]}" "$psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres \
        -d postgres -c "CREATE ROLE steward LOGIN PASSWORD 'steward'" \
        -c "CREATE DATABASE steward_test OWNER steward") >&2; then
        die "creating role and database failed"
    fi
    url="postgres://steward:steward@127.0.0.1:$port/steward_test"
    # Proves the URL the tests get works over TCP with password authentication.
    "$psql" -X -q -At "$url" -c 'SELECT 1' >/dev/null || die "cannot connect with $url"
    printf 'STEWARD_SERVICES_DATABASE_URL=%q\n' "$url" >>"$ENV_FILE"
    log "PostgreSQL ready (postmaster PID $pid)"
}

start_smtp() {
    local port maildir pid i
    [[ -x $PYTHON ]] || die "$PYTHON not found (run scripts/install-test-deps.sh)"
    [[ -f $SINK ]] || die "$SINK not found"
    port=$(free_port)
    maildir=$(mktemp -d /tmp/steward-mail.XXXXXX)
    record SMTP_MAILDIR "$maildir"
    log "SMTP sink on 127.0.0.1:$port, maildir $maildir"
    # Unbuffered, or "ready" could sit in Python's buffer while we wait for it.
    PYTHONUNBUFFERED=1 "$PYTHON" "$SINK" --port "$port" --maildir "$maildir" \
        --fail-rcpt tempfail=451 --fail-rcpt bounce=550 </dev/null >"$STATE_DIR/smtp.log" 2>&1 &
    pid=$!
    record SMTP_PID "$pid"
    record SMTP_MATCH "$SINK"
    for ((i = 0; i < 200; i++)); do
        if grep -q "^ready $port\$" "$STATE_DIR/smtp.log"; then
            printf 'export STEWARD_TEST_SMTP_PORT=%q\nexport STEWARD_TEST_SMTP_MAILDIR=%q\n' "$port" "$maildir" \
                >>"$ENV_FILE"
            log "SMTP sink ready (PID $pid)"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$STATE_DIR/smtp.log" >&2
            die "SMTP sink exited before it was ready"
        fi
        sleep 0.1
    done
    tail -n 30 "$STATE_DIR/smtp.log" >&2
    die "SMTP sink did not print 'ready $port' within 20 s"
}

do_stop() {
    local PG_DIR="" PG_USER="" PG_BIN="" PG_PID="" SMTP_PID="" SMTP_MATCH="" SMTP_MAILDIR="" i
    if [[ ! -f $STATE ]]; then
        rm -f "$ENV_FILE"
        return 0
    fi
    # shellcheck disable=SC1090
    source "$STATE"
    if [[ -n $SMTP_PID ]]; then
        log "stopping SMTP sink (PID $SMTP_PID)"
        stop_pid "$SMTP_PID" "${SMTP_MATCH:-$SINK}"
    fi
    if [[ -n $SMTP_MAILDIR && $SMTP_MAILDIR == /tmp/steward-mail.* ]]; then
        rm -rf "$SMTP_MAILDIR"
    fi
    if [[ -n $PG_DIR && -f $PG_DIR/data/postmaster.pid ]]; then
        [[ -n $PG_PID ]] || PG_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid")
        log "stopping PostgreSQL (postmaster PID $PG_PID)"
        as_pg_prefix "$PG_USER"
        if ! (cd "$PG_DIR" && "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" stop -m fast -w -t 30) >&2; then
            log "pg_ctl stop failed; signalling PID $PG_PID directly"
            stop_pid "$PG_PID" postgres
        fi
    fi
    if [[ -n $PG_PID ]]; then
        # pg_ctl returns once the PID file is gone; make sure the postmaster itself is gone too.
        for ((i = 0; i < 100; i++)); do
            pid_matches "$PG_PID" postgres || break
            sleep 0.1
        done
        stop_pid "$PG_PID" postgres
    fi
    if [[ -n $PG_DIR && $PG_DIR == /tmp/steward-pg.* ]]; then
        rm -rf "$PG_DIR"
    fi
    rm -f "$STATE" "$ENV_FILE"
    log "stopped"
}

do_start() {
    local want_pg="" want_smtp="" name
    (($# > 0)) || set -- postgres smtp
    for name in "$@"; do
        case $name in
        postgres) want_pg=1 ;;
        smtp) want_smtp=1 ;;
        *) die "unknown service '$name' (expected postgres or smtp)" ;;
        esac
    done
    mkdir -p "$STATE_DIR"
    if [[ -f $STATE ]]; then
        log "found services of an earlier run; stopping them first"
        do_stop
    fi
    : >"$STATE"
    : >"$ENV_FILE"
    # Whatever fails from here on, nothing half-started may stay behind.
    STARTING=1
    trap 'if [[ -n $STARTING ]]; then log "start failed; cleaning up"; do_stop; fi' EXIT
    [[ -z $want_pg ]] || start_postgres
    [[ -z $want_smtp ]] || start_smtp
    STARTING=""
}

do_status() {
    local line
    if [[ ! -f $STATE ]]; then
        echo "no services recorded"
        return 0
    fi
    while read -r line; do
        echo "$line"
    done <"$STATE"
    local PG_PID="" SMTP_PID="" SMTP_MATCH=""
    # shellcheck disable=SC1090
    source "$STATE"
    [[ -z $PG_PID ]] || { pid_matches "$PG_PID" postgres && echo "postgres: running" || echo "postgres: gone"; }
    [[ -z $SMTP_PID ]] || {
        pid_matches "$SMTP_PID" "${SMTP_MATCH:-$SINK}" && echo "smtp sink: running" || echo "smtp sink: gone"
    }
}

case ${1:-} in
start)
    shift
    do_start "$@"
    ;;
stop) do_stop ;;
status) do_status ;;
find-postgres) find_postgres ;;
*)
    echo "usage: $0 start [postgres] [smtp] | stop | status | find-postgres" >&2
    exit 2
    ;;
esac
