#!/usr/bin/env bash
# Steward's benchmarks (`make bench`): measures, on this machine and in one run, Steward against reference programs
# built from scripts/bench/baseline, and overwrites docs/BENCHMARKS.md with the figures.
#
#   1. sign-ins per second vs a bare bcrypt-verify loop at the same cost (cost 12, one thread per core)
#   2. a static file's p99 latency while sign-ins saturate the CPU, vs idle; how a flood of sign-ins is refused
#   3. home page and /privacy throughput with the full middleware stack vs a Hummingbird hello-world
#   4. idle memory (VmRSS) and start-up time on an existing database
#   5. consent decisions per second in memory (scripts/bench/consent, Steward's Policy module)
#   6. where the home page's time goes: a CPU profile with perf, when perf can sample (BENCH_PROFILE=0 skips it)
#
# Needs: the Swift toolchain, wrk (installed with apt-get when missing), curl, python3; perf for part 6.
# Durations can be shortened for a trial run: BENCH_LOGIN_SECONDS, BENCH_STATIC_SECONDS, BENCH_HOME_SECONDS,
# BENCH_PROFILE_SECONDS, BENCH_CONSENT_DECISIONS.
# BENCH_STEWARD_ENV="NAME=value …" adds environment variables to every `steward serve` (for experiments; the report
# names them).
# Helpers live in scripts/bench/lua and scripts/bench/lib (not *.sh, so `make bench` runs only this file).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
BENCH=$ROOT/scripts/bench
SCRATCH=$ROOT/.build-bench
BASELINE_SCRATCH=$ROOT/.build-bench-baseline
CONSENT_SCRATCH=$ROOT/.build-bench-consent
REPORT=$ROOT/docs/BENCHMARKS.md

LOGIN_SECONDS=${BENCH_LOGIN_SECONDS:-20}
STATIC_SECONDS=${BENCH_STATIC_SECONDS:-15}
HOME_SECONDS=${BENCH_HOME_SECONDS:-15}
PROFILE_SECONDS=${BENCH_PROFILE_SECONDS:-10}
CONSENT_DECISIONS=${BENCH_CONSENT_DECISIONS:-20000000}
COST=12
CORES=$(nproc)
LOGIN_CONNECTIONS=8
OVERLOAD_CONNECTIONS=64
OVERLOAD_WARMUP=5
LOAD_WARMUP=3
# "Quickly" for a 429: its p99 in milliseconds while the flood runs.
EXCESS_P99_LIMIT=100
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
# (wrk, bcrypt-loop, curl, stopped servers) plus the servers still running (Steward, hello-world). Not to be called
# in a subshell: `times` counts the children of the shell it runs in.
own_seconds() {
    times >"$WORK/times.txt"
    local steward=0 pid
    for pid in "${STEWARD_PID:-}" "${HELLO_PID:-}"; do
        if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then steward=$((steward + $(cpu_ticks "$pid"))); fi
    done
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
    PHASE_SHARE=$share
    awk -v x="$share" 'BEGIN { exit !(x >= 5) }' && NOISY="${NOISY:+$NOISY, }$PHASE ($share%)"
    return 0
}

# Runs a short measurement phase (first letting Steward settle, when it runs), and runs it again, up to
# BENCH_ATTEMPTS times in all (default 3), while other programs took 5% or more of the machine during it: other
# work on the same cores skews the figure, and for a reference figure (idle latency, hello-world) it flatters
# Steward. Arguments: phase name, then the command that measures (and writes its own output file).
ATTEMPTS=${BENCH_ATTEMPTS:-3}
REPEATED=""
attempted_phase() {
    local name=$1 attempt label noisy_before
    shift
    for attempt in $(seq "$ATTEMPTS"); do
        label=$name
        ((attempt > 1)) && label="$name (attempt $attempt)"
        if [[ -n ${STEWARD_PID:-} ]] && kill -0 "$STEWARD_PID" 2>/dev/null; then settle "$label"; fi
        noisy_before=$NOISY
        phase_begin "$label"
        "$@"
        phase_end
        [[ $NOISY == "$noisy_before" ]] && return 0
        if ((attempt < ATTEMPTS)); then
            NOISY=$noisy_before
            REPEATED="${REPEATED:+$REPEATED, }$label ($PHASE_SHARE%)"
            echo "bench: other programs took $PHASE_SHARE% of the machine during $label; measuring again"
        fi
    done
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

# The commit and the state of Steward's sources, to name what was measured. The second line identifies the sources
# themselves (committed trees and a checksum of uncommitted changes), so that source edits made while the benchmark
# runs are noticed, and a commit of other files is not mistaken for one.
source_state() {
    local commit
    commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    [[ -n $(git -C "$ROOT" status --porcelain -- Sources Resources Package.swift 2>/dev/null) ]] &&
        commit="$commit with uncommitted changes"
    echo "$commit"
    {
        git -C "$ROOT" rev-parse HEAD:Sources HEAD:Resources HEAD:Package.swift 2>/dev/null || true
        git -C "$ROOT" diff HEAD -- Sources Resources Package.swift 2>/dev/null || true
        git -C "$ROOT" ls-files --others --exclude-standard -- Sources Resources 2>/dev/null || true
    } | cksum
}
BUILT_FROM=$(source_state)

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
    say "building the consent benchmark (release, $CONSENT_SCRATCH)"
    build --package-path "$BENCH/consent" --scratch-path "$CONSENT_SCRATCH"
fi
for binary in "$SCRATCH/release/steward" "$BASELINE_SCRATCH/release/bcrypt-loop" "$BASELINE_SCRATCH/release/hello" \
    "$CONSENT_SCRATCH/release/consent-bench"; do
    [[ -x $binary ]] || fail "$binary is missing; run without BENCH_SKIP_BUILD"
done
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
static_idle() {
    say "2. idle: ${STATIC_CMD[*]}"
    "${STATIC_CMD[@]}" | tee "$WORK/static-idle.txt"
}
attempted_phase "idle static" static_idle

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

# --- 2. static latency while sign-ins saturate the CPU; excess sign-ins ---------------------------------------------

# Runs the static wrk while login.lua POSTs sign-ins on N connections (started WARMUP s earlier, so that the hash
# queue is full), and notes the machine's CPU busy share and Steward's cores over the static run.
# Arguments: sign-in connections, warm-up seconds, name for the output files (WORK/static-NAME.txt,
# WORK/logins-NAME.txt). Sets LOAD_BUSY (percent) and LOAD_CORES.
static_under_logins() {
    local connections=$1 warmup=$2 name=$3 busy0 total0 busy1 total1 ticks0 ticks1 load_pid
    wrk -t"$connections" -c"$connections" -d"$((warmup + STATIC_SECONDS + 2))s" --timeout 30s \
        -s "$BENCH/lua/login.lua" "$BASE" >"$WORK/logins-$name.txt" 2>&1 &
    load_pid=$!
    PIDS+=("$load_pid")
    sleep "$warmup"
    read -r busy0 total0 < <(machine_ticks)
    ticks0=$(cpu_ticks "$STEWARD_PID")
    "${STATIC_CMD[@]}" | tee "$WORK/static-$name.txt"
    read -r busy1 total1 < <(machine_ticks)
    ticks1=$(cpu_ticks "$STEWARD_PID")
    wait "$load_pid" || fail "the sign-in wrk failed: $(tail -n 20 "$WORK/logins-$name.txt")"
    cat "$WORK/logins-$name.txt"
    LOAD_BUSY=$(calc "100 * ($busy1 - $busy0) / ($total1 - $total0)")
    # Steward's CPU in cores over the same window (ticks per core-second = CLK_TCK).
    LOAD_CORES=$(calc "($ticks1 - $ticks0) / $CLK_TCK / $STATIC_SECONDS")
}

# 2a. The sign-in load of part 1 ($LOGIN_CONNECTIONS connections keep a hash running on every core, with more
# waiting) and the static page beside it.
settle "static under sign-ins"
phase_begin "static under sign-ins"
say "2. under sign-ins: wrk -t$LOGIN_CONNECTIONS -c$LOGIN_CONNECTIONS POST /account/login, then ${STATIC_CMD[*]}"
static_under_logins "$LOGIN_CONNECTIONS" "$LOAD_WARMUP" loaded
phase_end
LOADED_BUSY=$LOAD_BUSY LOADED_CORES=$LOAD_CORES

# 2b. A flood of sign-ins, far more than the hash queue holds: the excess must get 429 at once.
settle "sign-in flood"
phase_begin "sign-in flood"
say "2. flood: wrk -t$OVERLOAD_CONNECTIONS -c$OVERLOAD_CONNECTIONS POST /account/login, then ${STATIC_CMD[*]}"
static_under_logins "$OVERLOAD_CONNECTIONS" "$OVERLOAD_WARMUP" flood
phase_end
FLOOD_BUSY=$LOAD_BUSY FLOOD_CORES=$LOAD_CORES
# 2c. Control: the same static run beside one busy loop per core under SCHED_IDLE (scripts/bench/baseline/idle-hog.c,
# no Steward code), to show what the machine itself does to the static page's tail while every core computes at the
# lowest priority.
settle "static beside idle-class busy loops"
gcc -O1 -o "$WORK/idle-hog" "$BENCH/baseline/idle-hog.c" || fail "cannot build idle-hog.c"
phase_begin "static beside idle-class busy loops"
say "2c. control: $CORES idle-hog loops (SCHED_IDLE), then ${STATIC_CMD[*]}"
HOGS=()
for _ in $(seq "$CORES"); do
    "$WORK/idle-hog" &
    HOGS+=($!)
    PIDS+=($!)
done
sleep 1
"${STATIC_CMD[@]}" | tee "$WORK/static-control.txt"
for hog in "${HOGS[@]}"; do stop_pid "$hog"; done
phase_end
OVERLOAD_SECONDS=$((OVERLOAD_WARMUP + STATIC_SECONDS + 2))
LOADED_SECONDS=$((LOAD_WARMUP + STATIC_SECONDS + 2))

# One static run's figures as "count p50 p99 rps" (p50 and p99 as text: a run without answers has no latency, and
# wrk's 0 must not read as fast).
static_figures() {
    local file=$1 count
    count=$(awk '/requests in/ { print $1 }' "$file")
    if [[ ${count:-0} == 0 ]]; then
        printf '%s|%s|%s|%s\n' 0 "no answer in ${STATIC_SECONDS} s" "no answer in ${STATIC_SECONDS} s" \
            "$(requests_per_second "$file")"
    else
        printf '%s|%s ms|%s ms|%s\n' "$count" "$(latency_percentile "$file" 50)" "$(latency_percentile "$file" 99)" \
            "$(requests_per_second "$file")"
    fi
}
IFS='|' read -r IDLE_COUNT IDLE_P50_TEXT IDLE_P99_TEXT IDLE_RPS < <(static_figures "$WORK/static-idle.txt")
IFS='|' read -r LOADED_COUNT LOADED_P50_TEXT LOADED_P99_TEXT LOADED_RPS < <(static_figures "$WORK/static-loaded.txt")
IFS='|' read -r FLOOD_COUNT FLOOD_P50_TEXT FLOOD_P99_TEXT FLOOD_RPS < <(static_figures "$WORK/static-flood.txt")
IFS='|' read -r CONTROL_COUNT CONTROL_P50_TEXT CONTROL_P99_TEXT CONTROL_RPS < <(static_figures "$WORK/static-control.txt")
CONTROL_RATIO=$(ratio "$(latency_percentile "$WORK/static-control.txt" 99)" "$(latency_percentile "$WORK/static-idle.txt" 99)")
IDLE_P99=$(latency_percentile "$WORK/static-idle.txt" 99)
LOADED_P99=$(latency_percentile "$WORK/static-loaded.txt" 99)
FLOOD_P99=$(latency_percentile "$WORK/static-flood.txt" 99)
STATIC_RATIO=$(ratio "$LOADED_P99" "$IDLE_P99")
FLOOD_STATIC_RATIO=$(ratio "$FLOOD_P99" "$IDLE_P99")
if [[ $LOADED_COUNT == 0 || $IDLE_COUNT == 0 ]]; then STATIC_RATIO=n/a; fi
if [[ $FLOOD_COUNT == 0 || $IDLE_COUNT == 0 ]]; then FLOOD_STATIC_RATIO=n/a; fi
STATIC_BAD=$(($(non_2xx "$WORK/static-idle.txt") + $(non_2xx "$WORK/static-loaded.txt")))
STATIC_ERRORS=$(($(socket_errors "$WORK/static-idle.txt") + $(socket_errors "$WORK/static-loaded.txt")))
FLOOD_STATIC_BAD=$(($(non_2xx "$WORK/static-flood.txt") + $(socket_errors "$WORK/static-flood.txt")))
LOADED_303_RATE=$(login_field "$WORK/logins-loaded.txt" 303 per_second)
LOADED_429=$(login_field "$WORK/logins-loaded.txt" 429 count)

# Answers of a login.lua run with a status in [from, to].
count_statuses() {
    awk -v from="$2" -v to="$3" '/^status=/ { split($1, s, "="); split($2, c, "="); if (s[2] + 0 >= from && s[2] + 0 <= to) n += c[2] }
        END { print n + 0 }' "$1"
}
OVER_303=$(login_field "$WORK/logins-flood.txt" 303 count)
OVER_303_RATE=$(login_field "$WORK/logins-flood.txt" 303 per_second)
OVER_429=$(login_field "$WORK/logins-flood.txt" 429 count)
OVER_429_RATE=$(login_field "$WORK/logins-flood.txt" 429 per_second)
OVER_429_P50=$(login_field "$WORK/logins-flood.txt" 429 p50_ms)
OVER_429_P99=$(login_field "$WORK/logins-flood.txt" 429 p99_ms)
OVER_429_MAX=$(login_field "$WORK/logins-flood.txt" 429 max_ms)
OVER_5XX=$(count_statuses "$WORK/logins-flood.txt" 500 599)
OVER_ALL=$(count_statuses "$WORK/logins-flood.txt" 0 999)
OVER_OTHER=$((OVER_ALL - OVER_303 - OVER_429 - OVER_5XX))
OVER_ERRORS=$(grep -o 'socket_errors=[0-9]*' "$WORK/logins-flood.txt" | cut -d= -f2)
OVER_TIMEOUTS=$(grep -o 'timeouts=[0-9]*' "$WORK/logins-flood.txt" | cut -d= -f2)
# Quick refusals: some 429s, their p99 under EXCESS_P99_LIMIT ms, and no 5xx, socket errors or timeouts.
EXCESS_VERDICT="**missed**"
if ((OVER_429 > 0 && OVER_5XX == 0 && ${OVER_ERRORS:-1} == 0 && ${OVER_TIMEOUTS:-1} == 0)) &&
    awk -v x="$OVER_429_P99" -v limit="$EXCESS_P99_LIMIT" 'BEGIN { exit !(x < limit) }'; then
    EXCESS_VERDICT="met"
fi

# --- 3. home page and /privacy vs hello-world -----------------------------------------------------------------------

PAGE_CMD=(wrk -t2 -c32 -d"${HOME_SECONDS}s" --timeout 30s --latency)
for path in / /privacy; do
    status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$BASE$path")
    [[ $status == 200 ]] || fail "GET $path answered $status"
done
# One page run. Arguments: what is measured (for the log), URL, output file.
page_run() {
    say "3. $1: ${PAGE_CMD[*]} $2"
    "${PAGE_CMD[@]}" "$2" | tee "$3"
}
attempted_phase "home page" page_run "home page (Steward)" "$BASE/" "$WORK/home-steward.txt"
HOME_RPS=$(requests_per_second "$WORK/home-steward.txt")
HOME_P99=$(latency_percentile "$WORK/home-steward.txt" 99)
HOME_BAD=$(($(non_2xx "$WORK/home-steward.txt") + $(socket_errors "$WORK/home-steward.txt")))
HOME_BYTES=$(curl -s --max-time 30 "$BASE/" | wc -c)

attempted_phase "privacy page" page_run "privacy policy (Steward)" "$BASE/privacy" "$WORK/privacy-steward.txt"
PRIVACY_RPS=$(requests_per_second "$WORK/privacy-steward.txt")
PRIVACY_P99=$(latency_percentile "$WORK/privacy-steward.txt" 99)
PRIVACY_BAD=$(($(non_2xx "$WORK/privacy-steward.txt") + $(socket_errors "$WORK/privacy-steward.txt")))
PRIVACY_BYTES=$(curl -s --max-time 30 "$BASE/privacy" | wc -c)

# --- 6. (while each server runs) where the home page's time goes ---------------------------------------------------

# perf samples a server's threads (cpu-clock, which works in virtual machines without hardware counters) with their
# call stacks (frame pointers, which Swift keeps on Linux) during the same wrk load as in part 3, once for Steward's
# home page and once for the hello-world; lib/profile.py sorts the samples by cause. The profiled runs are not the
# measured ones: perf slows a process a little.
PROFILE_NOTE=""
if [[ ${BENCH_PROFILE:-1} == 0 ]]; then
    PROFILE_NOTE="skipped (BENCH_PROFILE=0)"
elif ! command -v perf >/dev/null; then
    PROFILE_NOTE="skipped: perf is not installed (apt-get install linux-perf)"
elif ! perf record -e cpu-clock -g -o "$WORK/perf-check.data" -- true >"$WORK/perf-check.log" 2>&1; then
    PROFILE_NOTE="skipped: perf cannot sample here ($(head -n 1 "$WORK/perf-check.log"))"
fi

# Profiles one server under wrk -t2 -c32 for PROFILE_SECONDS. Arguments: name, PID, URL. Writes
# WORK/NAME-stacks.txt (demangled call stacks) and sets PROFILED_NAME_REQUESTS, PROFILED_NAME_CPU (the server's CPU
# seconds during the wrk run) and PROFILED_NAME_RPS. Sets PROFILE_NOTE when perf fails.
profile_server() {
    local name=$1 pid=$2 url=$3 perf_pid ticks0 ticks1
    [[ -z $PROFILE_NOTE ]] || return 0
    phase_begin "profile $name"
    say "6. profile: perf record -e cpu-clock -F 999 -g on $name during wrk -t2 -c32 -d${PROFILE_SECONDS}s $url"
    perf record -e cpu-clock -F 999 -g -p "$pid" -o "$WORK/$name.perf" >"$WORK/$name-perf-record.log" 2>&1 &
    perf_pid=$!
    PIDS+=("$perf_pid")
    sleep 1
    ticks0=$(cpu_ticks "$pid")
    wrk -t2 -c32 -d"${PROFILE_SECONDS}s" --timeout 30s "$url" | tee "$WORK/$name-profile.txt"
    ticks1=$(cpu_ticks "$pid")
    # perf writes its data when interrupted; stop_pid (TERM, then KILL) if it has not ended within 10 s.
    kill -INT "$perf_pid" 2>/dev/null || true
    for _ in $(seq 100); do
        kill -0 "$perf_pid" 2>/dev/null || break
        sleep 0.1
    done
    stop_pid "$perf_pid"
    phase_end
    printf -v "PROFILED_${name}_REQUESTS" '%s' "$(awk '/requests in/ { print $1 }' "$WORK/$name-profile.txt")"
    printf -v "PROFILED_${name}_CPU" '%s' "$(calc "($ticks1 - $ticks0) / $CLK_TCK")"
    printf -v "PROFILED_${name}_RPS" '%s' "$(requests_per_second "$WORK/$name-profile.txt")"
    if ! perf script -i "$WORK/$name.perf" -F comm,ip,sym,dso 2>"$WORK/$name-perf-script.log" | swift demangle \
        >"$WORK/$name-stacks.txt" || [[ ! -s $WORK/$name-stacks.txt ]]; then
        PROFILE_NOTE="failed: $(tail -n 3 "$WORK/$name-perf-record.log" "$WORK/$name-perf-script.log" | tr '\n' ' ')"
    fi
}
if [[ -z $PROFILE_NOTE ]]; then
    settle "profile"
    profile_server STEWARD "$STEWARD_PID" "$BASE/"
fi

# The loaded server's memory, before it is stopped (for context; the target is on a fresh start below).
LOADED_RSS_KB=$(awk '/^VmRSS:/ { print $2 }' "/proc/$STEWARD_PID/status")
LOADED_HWM_KB=$(awk '/^VmHWM:/ { print $2 }' "/proc/$STEWARD_PID/status")
stop_pid "$STEWARD_PID"

HELLO_PORT=$(free_port)
"$BASELINE_BIN/hello" "$HELLO_PORT" >"$WORK/hello.log" 2>&1 &
HELLO_PID=$!
PIDS+=("$HELLO_PID")
wait_for_http "http://127.0.0.1:$HELLO_PORT/"
attempted_phase "hello-world" page_run "hello-world" "http://127.0.0.1:$HELLO_PORT/" "$WORK/home-hello.txt"
profile_server HELLO "$HELLO_PID" "http://127.0.0.1:$HELLO_PORT/"
stop_pid "$HELLO_PID"
if [[ -z $PROFILE_NOTE ]] &&
    ! python3 "$BENCH/lib/profile.py" --steward "$WORK/STEWARD-stacks.txt" "$PROFILED_STEWARD_REQUESTS" \
        "$PROFILED_STEWARD_CPU" --hello "$WORK/HELLO-stacks.txt" "$PROFILED_HELLO_REQUESTS" "$PROFILED_HELLO_CPU" \
        --categories "$WORK/profile-costs.md" \
        --leaves "$WORK/profile-leaves.md" 2>"$WORK/profile.log"; then
    PROFILE_NOTE="failed: $(tail -n 3 "$WORK/profile.log" | tr '\n' ' ')"
fi
[[ -z $PROFILE_NOTE ]] && cat "$WORK/profile-costs.md"
HELLO_RPS=$(requests_per_second "$WORK/home-hello.txt")
HELLO_P99=$(latency_percentile "$WORK/home-hello.txt" 99)
HOME_RATIO=$(ratio "$HOME_RPS" "$HELLO_RPS")
PRIVACY_RATIO=$(ratio "$PRIVACY_RPS" "$HELLO_RPS")

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

# --- 5. consent decisions in memory ---------------------------------------------------------------------------------

phase_begin "consent decisions"
say "5. consent decisions: consent-bench policy/policy.yaml $CONSENT_DECISIONS"
"$CONSENT_SCRATCH/release/consent-bench" "$ROOT/policy/policy.yaml" "$CONSENT_DECISIONS" | tee "$WORK/consent.txt"
phase_end
CONSENT_RATE=$(sed -n 's/.*per_second=\([0-9]*\).*/\1/p' "$WORK/consent.txt")
CONSENT_SECONDS=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$WORK/consent.txt")
CONSENT_ALLOWED=$(sed -n 's/.*allowed=\([0-9]*\).*/\1/p' "$WORK/consent.txt")
# Thousands separated by commas, for the report.
grouped() { awk -v n="$1" 'BEGIN { s = ""; while (length(n) > 3) { s = "," substr(n, length(n) - 2) s; n = substr(n, 1, length(n) - 3) } print n s }'; }

BENCH_SECONDS_TOTAL=$(($(date +%s) - BENCH_STARTED))

# --- report ---------------------------------------------------------------------------------------------------------

CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
COMMIT=$(head -n 1 <<<"$BUILT_FROM")
FINISHED_WITH=$(source_state)
if [[ ${BENCH_SKIP_BUILD:-0} == 1 ]]; then
    COMMIT="$COMMIT (build skipped with BENCH_SKIP_BUILD=1: the binaries may be older)"
elif [[ $(tail -n 1 <<<"$FINISHED_WITH") != "$(tail -n 1 <<<"$BUILT_FROM")" ]]; then
    COMMIT="$COMMIT when the build started (**the sources changed during the run**, to $(head -n 1 <<<"$FINISHED_WITH"))"
fi
SWIFT_VERSION=$(swift --version 2>/dev/null | head -n 1)
WRK_VERSION=$(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }' || true)
STATIC_URL="http://127.0.0.1:PORT/css/site.css"
EXTRA_ENV=${BENCH_STEWARD_ENV:+; extra environment for this run: \`$BENCH_STEWARD_ENV\`}

# Section 6 of the report: the profile's tables and the hand-written reading in lib/where-the-time-goes.md.
profile_section() {
    if [[ -n $PROFILE_NOTE ]]; then
        echo "Profile $PROFILE_NOTE."
        return
    fi
    cat <<SECTION
\`perf record -e cpu-clock -F 999 -g\` on the server process during an extra \`wrk -t2 -c32 -d${PROFILE_SECONDS}s\` on
GET /, once for Steward and once for the hello-world. These runs are not the measured ones: under the profiler,
Steward answered $PROFILED_STEWARD_RPS requests/s and the hello-world $PROFILED_HELLO_RPS. Each sample's call stack
goes to the first cause found in it (scripts/bench/lib/profile.py), so a \`getrandom\` system call made by
\`Token.generate\` counts as \`Token.generate\`. Steward used $PROFILED_STEWARD_CPU CPU seconds for
$PROFILED_STEWARD_REQUESTS answers, and the hello-world $PROFILED_HELLO_CPU for $PROFILED_HELLO_REQUESTS. µs per
request is that time split by the shares. wrk needs CPU too, on the same cores, and takes more of it for Steward's
larger pages.

$(cat "$WORK/profile-costs.md")

The functions most often on top of Steward's stack (self time):

$(cat "$WORK/profile-leaves.md")

$(cat "$BENCH/lib/where-the-time-goes.md")
SECTION
}

# Sections other scripts wrote (mailing.sh, …) stay in the report.
KEPT=""
if [[ -f $REPORT ]]; then
    KEPT=$(python3 -c 'import re,sys; print("\n".join(m.group(0) for m in re.finditer(r"<!-- (\w+):.*?<!-- /\1 -->", open(sys.argv[1]).read(), re.S)))' "$REPORT")
fi

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
- Time taken after the builds: ${BENCH_SECONDS_TOTAL} s${REPEATED:+. Measured again because other work disturbed them: $REPEATED}${UNSETTLED:+. Steward had not finished earlier work (/healthz slower than 100 ms for 60 s) before: $UNSETTLED}

## Summary

| Measure | Steward | Reference | Ratio | Target | |
|---|---|---|---|---|---|
| Sign-ins per second (bcrypt cost $COST) | $LOGIN_RATE/s | $BCRYPT_RATE verifies/s | $LOGIN_RATIO | ≥ 0.9 | $(verdict "$LOGIN_RATIO" ">= 0.9") |
| Static file p99 while sign-ins saturate the CPU ($LOGIN_CONNECTIONS connections; CPU ${LOADED_BUSY}% busy) | $LOADED_P99_TEXT | $IDLE_P99_TEXT idle | $STATIC_RATIO | < 2 | $(verdict "$STATIC_RATIO" "< 2") |
| Excess sign-ins refused ($OVERLOAD_CONNECTIONS connections): 429 p99 / max | $OVER_429 × 429, p99 $OVER_429_P99 ms, max $OVER_429_MAX ms; $OVER_5XX × 5xx, ${OVER_TIMEOUTS:-?} timeouts | | | 429s with p99 < $EXCESS_P99_LIMIT ms; no 5xx, socket errors or timeouts | $EXCESS_VERDICT |
| Home page throughput, 32 connections | $HOME_RPS req/s | $HELLO_RPS req/s hello-world | $HOME_RATIO | ≥ 0.5 | $(verdict "$HOME_RATIO" ">= 0.5") |
| /privacy throughput, 32 connections | $PRIVACY_RPS req/s | $HELLO_RPS req/s hello-world | $PRIVACY_RATIO | ≥ 0.5 | $(verdict "$PRIVACY_RATIO" ">= 0.5") |
| Consent decisions per second, in memory, one thread | $(grouped "${CONSENT_RATE:-0}")/s | | | ≥ 1,000,000/s | $(verdict "${CONSENT_RATE:-n/a}" ">= 1000000") |
| Idle memory (VmRSS 5 s after listening) | $IDLE_RSS_MB MB | | | < 60 MB | $(verdict "$IDLE_RSS_MB" "< 60") |
| Start-up to first /healthz 200, min / median of $STARTUP_RUNS | $STARTUP_MIN / $STARTUP_MEDIAN ms | | | < 1000 ms | $(verdict "$STARTUP_MEDIAN" "< 1000") |

For information, not a target: the static file's p99 during the $OVERLOAD_CONNECTIONS-connection flood was
$FLOOD_P99_TEXT ($FLOOD_STATIC_RATIO × idle); see 2b. Control (2c): beside $CORES plain C busy loops under SCHED_IDLE —
no Steward code, no sign-ins — the same static run's p99 was $CONTROL_P99_TEXT (**$CONTROL_RATIO × idle**): what
this machine's scheduler does to any request while every core computes, however low that work's priority.

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

## 2. Static file latency while sign-ins saturate the CPU, and excess sign-ins

The requirement: while sign-ins saturate the CPU, a static page's p99 latency stays under 2× its idle value, and
excess sign-ins get 429 quickly instead of queuing without bound. The static page is measured with
\`wrk -t1 -c4 -d${STATIC_SECONDS}s --timeout 30s --latency $STATIC_URL\`, three times: before any sign-in load
(idle), beside the sign-in load of part 1 (2a), and beside a flood of sign-ins (2b). Each sign-in load starts a
few seconds before the static run (${LOAD_WARMUP} s for 2a, ${OVERLOAD_WARMUP} s for 2b) so that the hash queue is
full, and runs until after it ends.

| /css/site.css | answers | p50 | p99 | requests/s | machine CPU busy | Steward's cores |
|---|---|---|---|---|---|---|
| idle | $IDLE_COUNT | $IDLE_P50_TEXT | $IDLE_P99_TEXT | $IDLE_RPS | | |
| 2a. beside $LOGIN_CONNECTIONS sign-in connections | $LOADED_COUNT | $LOADED_P50_TEXT | $LOADED_P99_TEXT | $LOADED_RPS | ${LOADED_BUSY}% | $LOADED_CORES of $CORES |
| 2b. beside a flood of $OVERLOAD_CONNECTIONS sign-in connections | $FLOOD_COUNT | $FLOOD_P50_TEXT | $FLOOD_P99_TEXT | $FLOOD_RPS | ${FLOOD_BUSY}% | $FLOOD_CORES of $CORES |
| 2c. control: beside $CORES SCHED_IDLE busy loops, no sign-ins | $CONTROL_COUNT | $CONTROL_P50_TEXT | $CONTROL_P99_TEXT | $CONTROL_RPS | | |

(CPU busy and Steward's cores are measured over the static run; the rest of the machine's CPU went to the two wrk
processes.)

### 2a. Static file beside saturating sign-ins

\`wrk -t$LOGIN_CONNECTIONS -c$LOGIN_CONNECTIONS -d${LOADED_SECONDS}s --timeout 30s\` with login.lua, as in part 1:
$LOGIN_CONNECTIONS sign-ins in flight keep a bcrypt hash running on each of the $CORES cores with more waiting. The
machine's CPU was **${LOADED_BUSY}% busy**, Steward using $LOADED_CORES of its $CORES cores. Static p99
**$LOADED_P99_TEXT vs $IDLE_P99_TEXT idle, ratio $STATIC_RATIO** (target < 2). Non-2xx answers to the idle and 2a
static requests: $STATIC_BAD; socket errors and timeouts (30 s): $STATIC_ERRORS.

The sign-ins meanwhile ($LOADED_303_RATE/s completed; $LOADED_429 refused with 429):

| Status | Count | Per second | p50 | p99 | max |
|---|---|---|---|---|---|
$(status_rows "$WORK/logins-loaded.txt")

### 2b. Excess sign-ins

\`wrk -t$OVERLOAD_CONNECTIONS -c$OVERLOAD_CONNECTIONS -d${OVERLOAD_SECONDS}s --timeout 30s\` with login.lua: far
more sign-ins than the hash queue holds (one hash per core running, 32 waiting), each connection sending the next
as soon as the last is answered. The excess must be refused with 429 at once (target: 429 p99 <
$EXCESS_P99_LIMIT ms, and no 5xx, socket errors or timeouts): **$OVER_429 answers 429 ($OVER_429_RATE/s), p50
$OVER_429_P50 ms, p99 $OVER_429_P99 ms, max $OVER_429_MAX ms** — $EXCESS_VERDICT. Sign-ins completed meanwhile:
$OVER_303 ($OVER_303_RATE/s); 5xx answers: $OVER_5XX; other statuses: $OVER_OTHER; socket errors: ${OVER_ERRORS:-?};
requests unanswered after 30 s: ${OVER_TIMEOUTS:-?}.

| Status | Count | Per second | p50 | p99 | max |
|---|---|---|---|---|---|
$(status_rows "$WORK/logins-flood.txt")

For information (no target): the static file during the flood answered with p99 **$FLOOD_P99_TEXT**
($FLOOD_STATIC_RATIO × idle); non-2xx answers, socket errors and timeouts: $FLOOD_STATIC_BAD. The flood's
$OVERLOAD_CONNECTIONS wrk threads and the thousands of 429s per second compete with the static requests for the same
$CORES cores.

## 3. Home page and /privacy vs hello-world

\`wrk -t2 -c32 -d${HOME_SECONDS}s --timeout 30s --latency\` on GET / and GET /privacy of Steward, then on GET / of the
hello-world (Steward stopped by then), one run each, without cookies (so each Steward answer also issues a CSRF
cookie). Steward's home page is $HOME_BYTES bytes of rendered HTML, /privacy $PRIVACY_BYTES bytes; hello-world
answers 13 bytes.

| GET | requests/s | p99 | ratio to hello-world | target |
|---|---|---|---|---|
| Steward / (all middleware, template rendering) | $HOME_RPS | $HOME_P99 ms | **$HOME_RATIO** | ≥ 0.5 |
| Steward /privacy (the published policy, rendered) | $PRIVACY_RPS | $PRIVACY_P99 ms | **$PRIVACY_RATIO** | ≥ 0.5 |
| Hummingbird hello-world / | $HELLO_RPS | $HELLO_P99 ms | | |

Non-2xx answers and socket errors from Steward: $HOME_BAD on /, $PRIVACY_BAD on /privacy.

## 4. Memory and start-up

- Idle memory: a fresh \`steward serve\` on the database left by the runs above, VmRSS 5 s after it listens:
  **$IDLE_RSS_MB MB** (target < 60 MB). For context, the server that carried the load above ended with VmRSS
  $(calc "$LOADED_RSS_KB / 1024") MB and a peak (VmHWM) of $(calc "$LOADED_HWM_KB / 1024") MB.
- Start-up on that existing database, from process start to the first 200 from GET /healthz (polled every 10 ms;
  stopped with SIGTERM after each run; scripts/bench/lib/startup.py), $STARTUP_RUNS runs: $STARTUP_RUNS_MS ms, so
  **min $STARTUP_MIN ms, median $STARTUP_MEDIAN ms** (target < 1000 ms). Steward's own \`startup.ms\` log field for
  the same runs (from the start of \`serve\` to listening): ${SELF_REPORTED:-not logged} ms.

## 5. Consent decisions in memory

\`consent-bench policy/policy.yaml $CONSENT_DECISIONS\` (scripts/bench/consent, built in release mode against
Steward's own \`Policy\` module): loads the policy, builds the \`ConsentEngine\` as Steward does, and times
$(grouped "$CONSENT_DECISIONS") \`decide(purpose:category:state:)\` calls on one thread, cycling through every
purpose and data category of the policy plus an unknown purpose, and five consent states that mix granted,
withdrawn and missing consents (one purpose is revised after the grants, which suspends them), one of them with
Global Privacy Control. $(grouped "${CONSENT_ALLOWED:-0}") were allowed. **$(grouped "${CONSENT_RATE:-0}")
decisions per second** in ${CONSENT_SECONDS:-?} s (target ≥ 1,000,000).

## 6. Where the home page's time goes

$(profile_section)
EOF

if [[ -n $KEPT ]]; then printf '\n%s\n' "$KEPT" >>"$REPORT"; fi
say "wrote $REPORT"
sed -n '/^## Summary/,/^## 1/p' "$REPORT" | sed '$d'
