#!/usr/bin/env bash
# Steward's benchmarks (`make bench`): measures, on this machine and in one run, Steward against reference programs
# built from scripts/bench/baseline, and overwrites docs/BENCHMARKS.md with the figures.
#
#   1. sign-ins per second vs a bare bcrypt-verify loop at the same cost (cost 12, one thread per core)
#   2. a static file's p99 latency while sign-ins load the CPU, vs idle; how overflowing sign-ins are refused
#   3. home page throughput with the full middleware stack vs a Hummingbird hello-world
#   4. idle memory (VmRSS) and start-up time on an existing database
#
# Needs: the Swift toolchain, wrk (installed with apt-get when missing), curl, python3.
# Durations can be shortened for a trial run: BENCH_LOGIN_SECONDS, BENCH_STATIC_SECONDS, BENCH_HOME_SECONDS.
# BENCH_STEWARD_ENV="NAME=value …" adds environment variables to every `steward serve` (for experiments; the report
# names them).
# Helpers live in scripts/bench/lua and scripts/bench/lib (not *.sh, so `make bench` runs only this file).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
BENCH=$ROOT/scripts/bench
SCRATCH=$ROOT/.build-bench
BASELINE_SCRATCH=$ROOT/.build-bench-baseline
REPORT=$ROOT/docs/BENCHMARKS.md

LOGIN_SECONDS=${BENCH_LOGIN_SECONDS:-20}
STATIC_SECONDS=${BENCH_STATIC_SECONDS:-15}
HOME_SECONDS=${BENCH_HOME_SECONDS:-15}
COST=12
CORES=$(nproc)
LOGIN_CONNECTIONS=8
OVERLOAD_CONNECTIONS=64
OVERLOAD_WARMUP=5
STARTUP_RUNS=5
EMAIL=bench.member@example.com
PASSWORD='bench: a long passphrase nobody guesses 7'

say() { printf '\n== %s\n' "$*"; }
fail() {
    printf 'bench: %s\n' "$*" >&2
    exit 1
}

# --- processes: every one we start is recorded and stopped by PID on exit ----------------------------------------

PIDS=()
WORK=$(mktemp -d /tmp/steward-bench.XXXXXX)

# Stops one process we started: SIGTERM, then SIGKILL after 10 s.
stop_pid() {
    local pid=$1
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts `steward serve` in the background; sets STEWARD_PID and waits for "Steward is listening".
# Arguments: data folder, port, log file.
start_steward() {
    local data=$1 port=$2 log=$3
    # shellcheck disable=SC2086 # BENCH_STEWARD_ENV is a list of NAME=value words
    env ${BENCH_STEWARD_ENV:-} STEWARD_LOGIN_LIMIT=1000000 STEWARD_BASE_URL="http://127.0.0.1:$port" \
        "$SCRATCH/release/steward" serve --host 127.0.0.1 --port "$port" --data-dir "$data" >"$log" 2>&1 &
    STEWARD_PID=$!
    PIDS+=("$STEWARD_PID")
    for _ in $(seq 600); do
        grep -q "Steward is listening" "$log" && return 0
        kill -0 "$STEWARD_PID" 2>/dev/null || fail "steward serve exited at start-up: $(tail -n 20 "$log")"
        sleep 0.1
    done
    fail "steward serve did not listen within 60 s: $(tail -n 20 "$log")"
}

# Waits until something answers HTTP on a port (for the hello-world server).
wait_for_http() {
    local url=$1
    for _ in $(seq 600); do
        curl -s -o /dev/null --max-time 1 "$url" && return 0
        sleep 0.1
    done
    fail "nothing answers at $url"
}

# Waits until Steward has finished the work left over from a previous phase (requests whose clients are gone still
# run to completion): /healthz must answer within 100 ms, twice in a row. Gives up after 60 s and says so.
settle() {
    local quick=0
    for _ in $(seq 600); do
        if curl -fs -o /dev/null --max-time 0.1 "$BASE/healthz"; then
            quick=$((quick + 1))
            ((quick >= 2)) && return 0
        else
            quick=0
        fi
        sleep 0.1
    done
    echo "bench: Steward did not settle within 60 s; measuring anyway" >&2
    UNSETTLED="${UNSETTLED:+$UNSETTLED, }$1"
}

# The machine's CPU busy share over 2 s, in percent.
busy_percent() {
    local b0 t0 b1 t1
    read -r b0 t0 < <(machine_ticks)
    sleep 2
    read -r b1 t1 < <(machine_ticks)
    calc "100 * ($b1 - $b0) / ($t1 - $t0)"
}

# Sets OWN_SECONDS to the CPU seconds used so far by this script's own programs: the children it has waited for
# (wrk, bcrypt-loop, curl, stopped servers) plus the Steward still running. Not to be called in a subshell: `times`
# counts the children of the shell it runs in.
own_seconds() {
    times >"$WORK/times.txt"
    local steward=0
    if [[ -n ${STEWARD_PID:-} ]] && kill -0 "$STEWARD_PID" 2>/dev/null; then steward=$(cpu_ticks "$STEWARD_PID"); fi
    OWN_SECONDS=$(awk -v steward="$steward" -v tck="$CLK_TCK" '
        NR == 2 { for (i = 1; i <= 2; i++) { split($i, p, "m"); n += p[1] * 60 + p[2] } }
        END { printf "%.2f", n + steward / tck }' "$WORK/times.txt")
}

# Starts a phase: waits (up to BENCH_QUIET_WAIT seconds in all, default 300) until other programs leave the
# machine under 10% busy, then notes the CPU counters that `phase_end` compares with.
QUIET_BUDGET=${BENCH_QUIET_WAIT:-300}
phase_begin() {
    local busy
    busy=$(busy_percent)
    while awk -v x="$busy" 'BEGIN { exit !(x >= 10) }' && ((QUIET_BUDGET > 0)); do
        echo "the machine is ${busy}% busy with other work; waiting"
        sleep 8
        QUIET_BUDGET=$((QUIET_BUDGET - 10))
        busy=$(busy_percent)
    done
    PHASE=$1
    read -r PHASE_BUSY PHASE_TOTAL < <(machine_ticks)
    own_seconds
    PHASE_OWN=$OWN_SECONDS
}

# Ends a phase: the share of the machine that other programs took meanwhile (busy CPU minus this script's own
# programs), for the report, since other work on the same cores skews every figure.
OTHERS=""
NOISY=""
phase_end() {
    local busy total own share
    read -r busy total < <(machine_ticks)
    own_seconds
    own=$OWN_SECONDS
    share=$(awk -v b="$((busy - PHASE_BUSY))" -v t="$((total - PHASE_TOTAL))" -v o="$own" -v o0="$PHASE_OWN" \
        -v tck="$CLK_TCK" 'BEGIN { x = t > 0 ? 100 * (b / tck - (o - o0)) / (t / tck) : 0; printf "%.1f", x < 0 ? 0 : x }')
    OTHERS="${OTHERS:+$OTHERS, }$PHASE $share%"
    awk -v x="$share" 'BEGIN { exit !(x >= 5) }' && NOISY="${NOISY:+$NOISY, }$PHASE ($share%)"
    return 0
}

# Sum of a process's user and system CPU time, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# Busy and total jiffies of the whole machine.
# (Steal, time the hypervisor gave to other machines, counts as busy: it is taken from us all the same.)
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
CLK_TCK=$(getconf CLK_TCK)

# --- figures out of wrk's output ------------------------------------------------------------------------------------

# wrk's latency ("812.00us", "1.20ms", "2.01s") in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) printf "%.2f", substr(v, 1, length(v) - 2) / 1000
        else if (v ~ /ms$/) printf "%.2f", substr(v, 1, length(v) - 2)
        else if (v ~ /m$/) printf "%.2f", substr(v, 1, length(v) - 1) * 60000
        else if (v ~ /s$/) printf "%.2f", substr(v, 1, length(v) - 1) * 1000
        else print "?"
    }'
}
requests_per_second() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
latency_percentile() { to_ms "$(awk -v p="$2%" '$1 == p { print $2 }' "$1")"; }
non_2xx() { awk '/Non-2xx or 3xx responses:/ { print $NF; found = 1 } END { if (!found) print 0 }' "$1"; }
socket_errors() {
    awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10; found = 1 } END { if (!found) print 0 }' "$1"
}
# One field of login.lua's line for a status (e.g. `login_field out.txt 303 per_second`); 0 when the status is absent.
login_field() {
    awk -v s="status=$2" -v f="$3" '
        $1 == s { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) { print kv[2]; found = 1 } } }
        END { if (!found) print 0 }' "$1"
}
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }
# A / B to two decimals, or n/a when B is zero or missing (a run that got no answers).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a != "") printf "%.2f", a / b; else print "n/a" }'; }
# "met" or "**missed**" for a condition on a figure; a figure of n/a is a miss.
verdict() {
    local value=$1 condition=$2
    [[ $value != n/a && -n $value ]] && awk -v x="$value" "BEGIN { exit !(x $condition) }" && echo "met" ||
        echo "**missed**"
}
# login.lua's per-status lines as Markdown table rows.
status_rows() {
    awk '/^status=/ {
        for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        printf "| %s | %s | %s | %s ms | %s ms | %s ms |\n", f["status"], f["count"], f["per_second"], f["p50_ms"],
            f["p99_ms"], f["max_ms"]; rows++
    } END { if (!rows) print "| (no answers) | 0 | 0 | | | |" }' "$1"
}

# --- preparation ----------------------------------------------------------------------------------------------------

if ! command -v wrk >/dev/null; then
    say "installing wrk"
    if [[ $(id -u) -eq 0 ]]; then
        apt-get update -qq && apt-get install -y -qq wrk
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq wrk
    fi
fi
for tool in curl python3 swift; do command -v "$tool" >/dev/null || fail "$tool is needed"; done

# Release builds (SwiftPM skips what is up to date). BENCH_SKIP_BUILD=1 uses the binaries already there.
build() {
    local log=$WORK/build.log
    if ! swift build -c release "$@" >"$log" 2>&1; then
        grep -E 'error:' "$log" | head -n 20 >&2
        fail "release build failed (swift build -c release $*)"
    fi
    tail -n 1 "$log"
}
if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
    say "building steward (release, $SCRATCH)"
    build --scratch-path "$SCRATCH" --product steward
    say "building the reference programs (release, $BASELINE_SCRATCH)"
    build --package-path "$BENCH/baseline" --scratch-path "$BASELINE_SCRATCH"
fi
[[ -x $SCRATCH/release/steward && -x $BASELINE_SCRATCH/release/bcrypt-loop && -x $BASELINE_SCRATCH/release/hello ]] ||
    fail "release binaries missing; run without BENCH_SKIP_BUILD"
BASELINE_BIN=$BASELINE_SCRATCH/release

BENCH_STARTED=$(date +%s)

# --- 1. sign-ins vs bcrypt ------------------------------------------------------------------------------------------

phase_begin "bcrypt loop"
say "1. bcrypt-verify loop: $CORES threads, cost $COST, ${LOGIN_SECONDS}s"
"$BASELINE_BIN/bcrypt-loop" "$CORES" "$LOGIN_SECONDS" "$COST" | tee "$WORK/bcrypt.txt"
BCRYPT_RATE=$(grep -o 'verifies_per_second=[0-9.]*' "$WORK/bcrypt.txt" | cut -d= -f2)
phase_end

DATA=$WORK/data
PORT=$(free_port)
start_steward "$DATA" "$PORT" "$WORK/steward.log"
BASE=http://127.0.0.1:$PORT
echo "steward serve listening on $BASE (pid $STEWARD_PID, data $DATA)"

# The CSRF pair: the cookie from a GET of a page, and the form token printed in that page.
curl -fsS --max-time 30 -D "$WORK/login-headers.txt" -o "$WORK/login-page.html" "$BASE/account/login"
CSRF_COOKIE=$(sed -n 's/^[Ss]et-[Cc]ookie: steward_csrf=\([^;]*\).*/\1/p' "$WORK/login-headers.txt" | tr -d '\r')
CSRF_TOKEN=$(grep -o 'name="csrf" value="[^"]*"' "$WORK/login-page.html" | head -n 1 | sed 's/.*value="//; s/"$//')
[[ -n $CSRF_COOKIE && -n $CSRF_TOKEN ]] || fail "no CSRF cookie or token on /account/login"

status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 -b "steward_csrf=$CSRF_COOKIE" \
    --data-urlencode "name=Bench Member" --data-urlencode "email=$EMAIL" \
    --data-urlencode "street=1 Bench Street" --data-urlencode "postalCode=1000" --data-urlencode "city=Benchville" \
    --data-urlencode "country=Belgium" --data-urlencode "extra=" --data-urlencode "password=$PASSWORD" \
    --data-urlencode "csrf=$CSRF_TOKEN" "$BASE/account/register")
[[ $status == 303 ]] || fail "registering the bench member answered $status, not 303"
status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 -b "steward_csrf=$CSRF_COOKIE" --data-urlencode "email=$EMAIL" \
    --data-urlencode "password=$PASSWORD" --data-urlencode "csrf=$CSRF_TOKEN" "$BASE/account/login")
[[ $status == 303 ]] || fail "a trial sign-in answered $status, not 303"
export BENCH_CSRF_COOKIE=$CSRF_COOKIE BENCH_CSRF_TOKEN=$CSRF_TOKEN BENCH_EMAIL=$EMAIL BENCH_PASSWORD=$PASSWORD

# The idle figure for part 2 comes first, before any sign-in load has touched the server.
STATIC_CMD=(wrk -t1 -c4 -d"${STATIC_SECONDS}s" --timeout 30s --latency "$BASE/css/site.css")
settle "idle static"
phase_begin "idle static"
say "2. idle: ${STATIC_CMD[*]}"
"${STATIC_CMD[@]}" | tee "$WORK/static-idle.txt"
phase_end

settle "sign-ins"
phase_begin "sign-ins"

say "1. sign-ins: wrk -t$LOGIN_CONNECTIONS -c$LOGIN_CONNECTIONS -d${LOGIN_SECONDS}s POST /account/login"
wrk -t"$LOGIN_CONNECTIONS" -c"$LOGIN_CONNECTIONS" -d"${LOGIN_SECONDS}s" --timeout 30s -s "$BENCH/lua/login.lua" \
    "$BASE" | tee "$WORK/login.txt"
phase_end
LOGIN_RATE=$(login_field "$WORK/login.txt" 303 per_second)
LOGIN_COUNT=$(login_field "$WORK/login.txt" 303 count)
LOGIN_P50=$(login_field "$WORK/login.txt" 303 p50_ms)
LOGIN_OTHER=$(awk '/^status=/ && $1 != "status=303" { split($2, kv, "="); n += kv[2] } END { print n + 0 }' \
    "$WORK/login.txt")
LOGIN_RATIO=$(ratio "$LOGIN_RATE" "$BCRYPT_RATE")

# --- 2. static latency while sign-ins load the CPU ------------------------------------------------------------------

OVERLOAD_SECONDS=$((OVERLOAD_WARMUP + STATIC_SECONDS + 2))
settle "overload"
phase_begin "static under sign-in load"
say "2. under load: wrk -t$OVERLOAD_CONNECTIONS -c$OVERLOAD_CONNECTIONS POST /account/login, then ${STATIC_CMD[*]}"
wrk -t"$OVERLOAD_CONNECTIONS" -c"$OVERLOAD_CONNECTIONS" -d"${OVERLOAD_SECONDS}s" --timeout 30s \
    -s "$BENCH/lua/login.lua" "$BASE" >"$WORK/overload.txt" 2>&1 &
OVERLOAD_PID=$!
PIDS+=("$OVERLOAD_PID")
sleep "$OVERLOAD_WARMUP"
read -r BUSY0 TOTAL0 < <(machine_ticks)
STEWARD_TICKS0=$(cpu_ticks "$STEWARD_PID")
"${STATIC_CMD[@]}" | tee "$WORK/static-loaded.txt"
read -r BUSY1 TOTAL1 < <(machine_ticks)
STEWARD_TICKS1=$(cpu_ticks "$STEWARD_PID")
wait "$OVERLOAD_PID" || fail "the overload wrk failed: $(tail -n 20 "$WORK/overload.txt")"
cat "$WORK/overload.txt"
phase_end
MACHINE_BUSY=$(calc "100 * ($BUSY1 - $BUSY0) / ($TOTAL1 - $TOTAL0)")
# Steward's CPU in cores over the same window (ticks per core-second = CLK_TCK).
STEWARD_CORES=$(calc "($STEWARD_TICKS1 - $STEWARD_TICKS0) / $CLK_TCK / $STATIC_SECONDS")

IDLE_P50=$(latency_percentile "$WORK/static-idle.txt" 50)
IDLE_P99=$(latency_percentile "$WORK/static-idle.txt" 99)
IDLE_RPS=$(requests_per_second "$WORK/static-idle.txt")
LOADED_P50=$(latency_percentile "$WORK/static-loaded.txt" 50)
LOADED_P99=$(latency_percentile "$WORK/static-loaded.txt" 99)
LOADED_RPS=$(requests_per_second "$WORK/static-loaded.txt")
STATIC_BAD=$(($(non_2xx "$WORK/static-idle.txt") + $(non_2xx "$WORK/static-loaded.txt")))
IDLE_COUNT=$(awk '/requests in/ { print $1 }' "$WORK/static-idle.txt")
LOADED_COUNT=$(awk '/requests in/ { print $1 }' "$WORK/static-loaded.txt")
STATIC_RATIO=$(ratio "$LOADED_P99" "$IDLE_P99")
# A run with no answers at all has no latency: wrk prints 0, which must not read as fast.
if [[ ${LOADED_COUNT:-0} == 0 || ${IDLE_COUNT:-0} == 0 ]]; then STATIC_RATIO=n/a; fi
LOADED_P50_TEXT="$LOADED_P50 ms" LOADED_P99_TEXT="$LOADED_P99 ms"
if [[ ${LOADED_COUNT:-0} == 0 ]]; then
    LOADED_P50_TEXT="no answer in ${STATIC_SECONDS} s" LOADED_P99_TEXT="no answer in ${STATIC_SECONDS} s"
fi
STATIC_ERRORS=$(($(socket_errors "$WORK/static-idle.txt") + $(socket_errors "$WORK/static-loaded.txt")))
OVER_303=$(login_field "$WORK/overload.txt" 303 count)
OVER_303_RATE=$(login_field "$WORK/overload.txt" 303 per_second)
OVER_303_P50=$(login_field "$WORK/overload.txt" 303 p50_ms)
OVER_303_MAX=$(login_field "$WORK/overload.txt" 303 max_ms)
OVER_429=$(login_field "$WORK/overload.txt" 429 count)
OVER_429_RATE=$(login_field "$WORK/overload.txt" 429 per_second)
OVER_429_P50=$(login_field "$WORK/overload.txt" 429 p50_ms)
OVER_429_P99=$(login_field "$WORK/overload.txt" 429 p99_ms)
OVER_429_MAX=$(login_field "$WORK/overload.txt" 429 max_ms)
OVER_OTHER=$(awk '/^status=/ && $1 != "status=303" && $1 != "status=429" { split($2, kv, "="); n += kv[2] }
    END { print n + 0 }' "$WORK/overload.txt")
OVER_ERRORS=$(grep -o 'socket_errors=[0-9]*' "$WORK/overload.txt" | cut -d= -f2)
OVER_TIMEOUTS=$(grep -o 'timeouts=[0-9]*' "$WORK/overload.txt" | cut -d= -f2)

# --- 3. home page vs hello-world ------------------------------------------------------------------------------------

settle "home page"
phase_begin "home page"
status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$BASE/")
[[ $status == 200 ]] || fail "GET / answered $status"
say "3. home page: wrk -t2 -c32 -d${HOME_SECONDS}s GET / (Steward)"
wrk -t2 -c32 -d"${HOME_SECONDS}s" --timeout 30s --latency "$BASE/" | tee "$WORK/home-steward.txt"
phase_end
HOME_RPS=$(requests_per_second "$WORK/home-steward.txt")
HOME_P99=$(latency_percentile "$WORK/home-steward.txt" 99)
HOME_BAD=$(($(non_2xx "$WORK/home-steward.txt") + $(socket_errors "$WORK/home-steward.txt")))
HOME_BYTES=$(curl -s --max-time 30 "$BASE/" | wc -c)

# The loaded server's memory, before it is stopped (for context; the target is on a fresh start below).
LOADED_RSS_KB=$(awk '/^VmRSS:/ { print $2 }' "/proc/$STEWARD_PID/status")
LOADED_HWM_KB=$(awk '/^VmHWM:/ { print $2 }' "/proc/$STEWARD_PID/status")
stop_pid "$STEWARD_PID"

HELLO_PORT=$(free_port)
"$BASELINE_BIN/hello" "$HELLO_PORT" >"$WORK/hello.log" 2>&1 &
HELLO_PID=$!
PIDS+=("$HELLO_PID")
wait_for_http "http://127.0.0.1:$HELLO_PORT/"
phase_begin "hello-world"
say "3. home page: wrk -t2 -c32 -d${HOME_SECONDS}s GET / (Hummingbird hello-world)"
wrk -t2 -c32 -d"${HOME_SECONDS}s" --timeout 30s --latency "http://127.0.0.1:$HELLO_PORT/" | tee "$WORK/home-hello.txt"
HELLO_RPS=$(requests_per_second "$WORK/home-hello.txt")
HELLO_P99=$(latency_percentile "$WORK/home-hello.txt" 99)
stop_pid "$HELLO_PID"
phase_end
HOME_RATIO=$(ratio "$HOME_RPS" "$HELLO_RPS")

# --- 4. idle memory and start-up time on the existing database ------------------------------------------------------

PORT=$(free_port)
phase_begin "memory and start-up"
say "4. idle memory: fresh steward serve on the existing database, VmRSS 5 s after it listens"
start_steward "$DATA" "$PORT" "$WORK/steward-idle.log"
sleep 5
IDLE_RSS_KB=$(awk '/^VmRSS:/ { print $2 }' "/proc/$STEWARD_PID/status")
IDLE_RSS_MB=$(calc "$IDLE_RSS_KB / 1024")
echo "VmRSS ${IDLE_RSS_MB} MB"
stop_pid "$STEWARD_PID"

say "4. start-up to the first 200 from /healthz, existing database, $STARTUP_RUNS runs"
STARTUP_PORT=$(free_port)
STEWARD_LOGIN_LIMIT=1000000 STEWARD_BASE_URL="http://127.0.0.1:$STARTUP_PORT" \
    python3 "$BENCH/lib/startup.py" "$STARTUP_RUNS" "$WORK/steward-startup.log" -- \
    "$SCRATCH/release/steward" serve --host 127.0.0.1 --port "$STARTUP_PORT" --data-dir "$DATA" \
    >"$WORK/startup.txt" &
STARTUP_PID=$!
PIDS+=("$STARTUP_PID")
wait "$STARTUP_PID" || fail "start-up runs failed: $(cat "$WORK/startup.txt")"
cat "$WORK/startup.txt"
phase_end
STARTUP_MIN=$(sed -n 's/.*min_ms=\([0-9.]*\).*/\1/p' "$WORK/startup.txt")
STARTUP_MEDIAN=$(sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p' "$WORK/startup.txt")
STARTUP_RUNS_MS=$(sed -n 's/^run=[0-9]* ms=\([0-9.]*\).*/\1/p' "$WORK/startup.txt" | paste -sd ' ')
SELF_REPORTED=$(grep -o 'startup.ms=[0-9]*' "$WORK/steward-startup.log" | cut -d= -f2 | paste -sd ' ' || true)

BENCH_SECONDS_TOTAL=$(($(date +%s) - BENCH_STARTED))

# --- report ---------------------------------------------------------------------------------------------------------

CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -n $(git -C "$ROOT" status --porcelain -- Sources Resources Package.swift 2>/dev/null) ]] &&
    COMMIT="$COMMIT with uncommitted changes"
SWIFT_VERSION=$(swift --version 2>/dev/null | head -n 1)
WRK_VERSION=$(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }' || true)
STATIC_URL="http://127.0.0.1:PORT/css/site.css"
EXTRA_ENV=${BENCH_STEWARD_ENV:+; extra environment for this run: \`$BENCH_STEWARD_ENV\`}

cat >"$REPORT" <<EOF
# Benchmarks

Measured by \`make bench\` (scripts/bench/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'), in one run on one machine.
To reproduce, run \`make bench\`: it builds Steward and the reference programs in release mode, runs every
measurement below and overwrites this file.

- Machine: $CORES cores (\`nproc\`), $CPU_MODEL, $(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(uname -sr)
- Steward: commit $COMMIT, \`swift build -c release\`, \`steward serve\` with SQLite in a fresh data folder and
  \`STEWARD_LOGIN_LIMIT=1000000\` (the per-account sign-in limit would otherwise stop the test after 10
  attempts)$EXTRA_ENV
- Reference programs (scripts/bench/baseline, same build settings): \`bcrypt-loop\` runs HummingbirdBcrypt's
  \`Bcrypt.verify\` in a loop on one thread per core; \`hello\` is a Hummingbird router answering "Hello, world!"
- Tools: $SWIFT_VERSION; $WRK_VERSION. The load generator runs on the same machine and competes for its cores.
- Other programs' share of the machine's CPU during each phase (the figures are only trustworthy when these are
  near 0): $OTHERS${NOISY:+. **Other work disturbed: $NOISY**}
- Time taken after the builds: ${BENCH_SECONDS_TOTAL} s${UNSETTLED:+. Steward had not finished earlier work (/healthz slower than 100 ms for 60 s) before: $UNSETTLED}

## Summary

| Measure | Steward | Reference | Ratio | Target | |
|---|---|---|---|---|---|
| Sign-ins per second (bcrypt cost $COST) | $LOGIN_RATE/s | $BCRYPT_RATE verifies/s | $LOGIN_RATIO | ≥ 0.9 | $(verdict "$LOGIN_RATIO" ">= 0.9") |
| Static file p99 under sign-in load (vs idle) | $LOADED_P99_TEXT | $IDLE_P99 ms idle | $STATIC_RATIO | < 2 | $(verdict "$STATIC_RATIO" "< 2") |
| Home page throughput, 32 connections | $HOME_RPS req/s | $HELLO_RPS req/s hello-world | $HOME_RATIO | ≥ 0.5 | $(verdict "$HOME_RATIO" ">= 0.5") |
| Idle memory (VmRSS 5 s after listening) | $IDLE_RSS_MB MB | | | < 60 MB | $(verdict "$IDLE_RSS_MB" "< 60") |
| Start-up to first /healthz 200, min / median of $STARTUP_RUNS | $STARTUP_MIN / $STARTUP_MEDIAN ms | | | < 1000 ms | $(verdict "$STARTUP_MEDIAN" "< 1000") |

## 1. Sign-ins vs bcrypt

- Reference: \`bcrypt-loop $CORES $LOGIN_SECONDS $COST\`, $CORES threads verifying a cost-$COST hash for
  ${LOGIN_SECONDS} s: **$BCRYPT_RATE verifies/s**.
- Steward: one registered member; \`wrk -t$LOGIN_CONNECTIONS -c$LOGIN_CONNECTIONS -d${LOGIN_SECONDS}s --timeout 30s\`
  with scripts/bench/lua/login.lua POSTing /account/login (CSRF cookie and token from a GET of the sign-in page).
  Only 303 answers count as sign-ins: **$LOGIN_COUNT sign-ins, $LOGIN_RATE/s**; $LOGIN_OTHER answers had another
  status. Ratio **$LOGIN_RATIO** (target ≥ 0.9).

Answers by status (latency measured per request in login.lua):

| Status | Count | Per second | p50 | p99 | max |
|---|---|---|---|---|---|
$(status_rows "$WORK/login.txt")

## 2. Static file latency under sign-in load

\`wrk -t1 -c4 -d${STATIC_SECONDS}s --timeout 30s --latency $STATIC_URL\`, once before any sign-in load and once while
\`wrk -t$OVERLOAD_CONNECTIONS -c$OVERLOAD_CONNECTIONS --timeout 30s\` POSTs sign-ins (started ${OVERLOAD_WARMUP} s
earlier so that the hash queue is full). During the loaded run the machine's CPU was ${MACHINE_BUSY}% busy and
Steward used $STEWARD_CORES of its $CORES cores.

| /css/site.css | answers | p50 | p99 | requests/s |
|---|---|---|---|---|
| idle | $IDLE_COUNT | $IDLE_P50 ms | $IDLE_P99 ms | $IDLE_RPS |
| under sign-in load | $LOADED_COUNT | $LOADED_P50_TEXT | $LOADED_P99_TEXT | $LOADED_RPS |

p99 ratio **$STATIC_RATIO** (target < 2). Non-2xx answers to the static requests: $STATIC_BAD; socket errors and
timeouts (30 s): $STATIC_ERRORS.

The sign-in load itself ($OVERLOAD_CONNECTIONS connections, ${OVERLOAD_SECONDS} s; 429 is the refusal when the hash
queue is full, and must come at once):

| Status | Count | Per second | p50 | p99 | max |
|---|---|---|---|---|---|
$(status_rows "$WORK/overload.txt")

Socket errors: ${OVER_ERRORS:-0}; requests still unanswered after 30 s: ${OVER_TIMEOUTS:-0}.

## 3. Home page vs hello-world

\`wrk -t2 -c32 -d${HOME_SECONDS}s --timeout 30s --latency\` on GET / of each, one run each, without cookies (so each Steward answer
also issues a CSRF cookie). Steward's home page is $HOME_BYTES bytes of rendered HTML; hello-world answers 13 bytes.

| GET / | requests/s | p99 |
|---|---|---|
| Steward (all middleware, template rendering) | $HOME_RPS | $HOME_P99 ms |
| Hummingbird hello-world | $HELLO_RPS | $HELLO_P99 ms |

Ratio **$HOME_RATIO** (target ≥ 0.5). Non-2xx answers and socket errors from Steward: $HOME_BAD.

## 4. Memory and start-up

- Idle memory: a fresh \`steward serve\` on the database left by the runs above, VmRSS 5 s after it listens:
  **$IDLE_RSS_MB MB** (target < 60 MB). For context, the server that carried the load above ended with VmRSS
  $(calc "$LOADED_RSS_KB / 1024") MB and a peak (VmHWM) of $(calc "$LOADED_HWM_KB / 1024") MB.
- Start-up on that existing database, from process start to the first 200 from GET /healthz (polled every 10 ms;
  stopped with SIGTERM after each run; scripts/bench/lib/startup.py), $STARTUP_RUNS runs: $STARTUP_RUNS_MS ms, so
  **min $STARTUP_MIN ms, median $STARTUP_MEDIAN ms** (target < 1000 ms). Steward's own \`startup.ms\` log field for
  the same runs (from the start of \`serve\` to listening): ${SELF_REPORTED:-not logged} ms.
EOF

say "wrote $REPORT"
sed -n '/^## Summary/,/^## 1/p' "$REPORT" | sed '$d'
