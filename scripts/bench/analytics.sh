#!/usr/bin/env bash
# Steward's analytics benchmarks (`make bench` runs this with the other scripts/bench/*.sh), in one run on this
# machine:
#
#   1. Ingestion: events POSTed to /api/event by wrk (scripts/bench/lua/event.lua, 32 connections) against the same
#      load on a Hummingbird hello-world POST endpoint (scripts/bench/baseline, target ≥ 0.3×); then the events
#      stored must equal the 202 answers.
#   2. Dashboard: 10,000,000 generated events over 90 days in SQLite (scripts/bench/analytics-generate.py), rolled
#      up with `steward analytics rollup`; p50/p95/max of GET /api/stats/overview?period=30d with a staff API token
#      and of the dashboard page /admin/analytics?period=30d with a staff session (target p95 ≤ 150 ms).
#
# Writes its section of docs/BENCHMARKS.md (between the analytics markers, replacing an earlier one).
# Needs: the Swift toolchain, wrk (installed with apt-get when missing), curl, python3.
# BENCH_ANALYTICS_EVENTS changes the number of generated events (default 10000000), BENCH_INGEST_SECONDS the
# measured ingestion run (default 15), BENCH_DASHBOARD_REQUESTS the timed requests (default 200);
# BENCH_SKIP_BUILD=1 reuses the release builds. Each measurement waits (up to BENCH_QUIET_WAIT seconds in all,
# default 300) for the machine to be quiet, and is repeated (BENCH_ATTEMPTS times in all, default 3) while other
# programs took 5% or more of the CPU during it.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
BENCH=$ROOT/scripts/bench
SCRATCH=$ROOT/.build-bench
BASELINE_SCRATCH=$ROOT/.build-bench-baseline
REPORT=$ROOT/docs/BENCHMARKS.md
EVENTS=${BENCH_ANALYTICS_EVENTS:-10000000}
DAYS=90
SEED=1
INGEST_SECONDS=${BENCH_INGEST_SECONDS:-15}
INGEST_WARMUP=3
# After the events, each wrk thread sends refused events for this long, so every 202 reaches wrk (see event.lua).
INGEST_DRAIN=2
CONNECTIONS=32
THREADS=2
DASHBOARD_REQUESTS=${BENCH_DASHBOARD_REQUESTS:-200}
DASHBOARD_WARMUP=10
# The raw events are kept this many days in the benchmark's copy of the policy (the shipped one says 30), so that
# all generated events stay in the database while it is measured.
RETENTION_DAYS=$((DAYS + 10))
EMAIL=bench.owner@example.com

say() { printf '\n== %s\n' "$*"; }
fail() {
    printf 'bench: %s\n' "$*" >&2
    exit 1
}

# --- processes: every one we start is recorded and stopped by PID on exit ----------------------------------------

PIDS=()
WORK=$(mktemp -d /tmp/steward-analyticsbench.XXXXXX)

# Stops one process we started: SIGTERM, then SIGKILL after 30 s.
stop_pid() {
    local pid=$1
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 300); do
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
    STEWARD_BASE_URL="http://127.0.0.1:$port" \
        "$STEWARD" serve --host 127.0.0.1 --port "$port" --data-dir "$data" >"$log" 2>&1 &
    STEWARD_PID=$!
    PIDS+=("$STEWARD_PID")
    for _ in $(seq 600); do
        grep -q "Steward is listening" "$log" && return 0
        kill -0 "$STEWARD_PID" 2>/dev/null || fail "steward serve exited at start-up: $(tail -n 20 "$log")"
        sleep 0.1
    done
    fail "steward serve did not listen within 60 s: $(tail -n 20 "$log")"
}

# Waits until something answers HTTP on a URL (for the hello-world server).
wait_for_http() {
    local url=$1
    for _ in $(seq 600); do
        curl -s -o /dev/null --max-time 1 "$url" && return 0
        sleep 0.1
    done
    fail "nothing answers at $url"
}

# --- CPU accounting: how much of the machine other programs took during a measurement ----------------------------

CLK_TCK=$(getconf CLK_TCK)
# Busy and total jiffies of the whole machine (steal counts as busy: it is taken from us all the same).
machine_ticks() {
    awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}
# User and system CPU time of a running process, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# Sets CHILDREN to the CPU seconds of this shell's finished children (wrk, curl, stopped servers). Not to be called
# in a subshell: `times` counts the children of the shell it runs in.
children_seconds() {
    times >"$WORK/times.txt"
    CHILDREN=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, p, "m"); n += p[1] * 60 + p[2] } }
        END { printf "%.2f", n }' "$WORK/times.txt")
}
# Starts the accounting for a measurement of the server with PID $1.
account_begin() {
    ACCOUNT_PID=$1
    read -r ACCOUNT_BUSY ACCOUNT_TOTAL < <(machine_ticks)
    ACCOUNT_SERVER=$(cpu_ticks "$ACCOUNT_PID")
    children_seconds
    ACCOUNT_CHILDREN=$CHILDREN
}
# Waits (up to BENCH_QUIET_WAIT seconds in all, default 300) until other programs leave the machine under 10% busy:
# other work on the same cores skews every figure. Appends "label N%" (busy when measuring starts) to BUSY_AT_START.
QUIET_WAIT=${BENCH_QUIET_WAIT:-300}
QUIET_BUDGET=$QUIET_WAIT
BUSY_AT_START=""
wait_quiet() {
    local label=$1 busy b0 t0 b1 t1
    while true; do
        read -r b0 t0 < <(machine_ticks)
        sleep 2
        read -r b1 t1 < <(machine_ticks)
        busy=$(awk -v b="$((b1 - b0))" -v t="$((t1 - t0))" \
            'BEGIN { printf "%.0f", (t > 0 ? 100 * b / t : 0) }')
        ((busy < 10 || QUIET_BUDGET <= 0)) && break
        echo "the machine is ${busy}% busy with other work; waiting"
        sleep 8
        QUIET_BUDGET=$((QUIET_BUDGET - 10))
    done
    BUSY_AT_START="${BUSY_AT_START:+$BUSY_AT_START, }$label $busy%"
}
# Ends it: appends "label N%" (the machine's CPU that neither the server nor our tools used) to OTHERS; sets SHARE
# to that N.
OTHERS=""
account_end() {
    local label=$1 busy total server children share
    read -r busy total < <(machine_ticks)
    server=$(cpu_ticks "$ACCOUNT_PID")
    children_seconds
    children=$CHILDREN
    share=$(awk -v b="$((busy - ACCOUNT_BUSY))" -v t="$((total - ACCOUNT_TOTAL))" \
        -v s="$((server - ACCOUNT_SERVER))" -v c="$children" -v c0="$ACCOUNT_CHILDREN" -v tck="$CLK_TCK" \
        'BEGIN { x = t > 0 ? 100 * ((b - s) / tck - (c - c0)) / (t / tck) : 0; printf "%.1f", (x < 0 ? 0 : x) }')
    OTHERS="${OTHERS:+$OTHERS, }$label $share%"
    SHARE=$share
}

# Runs a measurement of the server with PID $2 (the command from $3 on) after waiting for a quiet machine, and runs
# it again, up to BENCH_ATTEMPTS times in all, while other programs took 5% or more of the CPU during it: other work
# on the same cores skews the figure. $1 names it in the report. Sets ATTEMPT to the number of the last run.
ATTEMPTS=${BENCH_ATTEMPTS:-3}
REPEATED=""
measured() {
    local name=$1 pid=$2 label
    shift 2
    for ATTEMPT in $(seq "$ATTEMPTS"); do
        label=$name
        ((ATTEMPT > 1)) && label="$name (attempt $ATTEMPT)"
        wait_quiet "$label"
        account_begin "$pid"
        "$@"
        account_end "$label"
        awk -v x="$SHARE" 'BEGIN { exit !(x >= 5) }' || return 0
        if ((ATTEMPT < ATTEMPTS)); then
            REPEATED="${REPEATED:+$REPEATED, }$label ($SHARE%)"
            echo "bench: other programs took $SHARE% of the CPU during $label; measuring again"
        fi
    done
    ATTEMPT=$ATTEMPTS
}

# --- figures --------------------------------------------------------------------------------------------------------

calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
# A / B to two decimals, or n/a when B is zero or missing.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a != "") printf "%.2f", a / b; else print "n/a" }'; }
# "met" or "**missed**" for a condition on a figure; a figure of n/a is a miss.
verdict() {
    local value=$1 condition=$2
    [[ $value != n/a && -n $value ]] && awk -v x="$value" "BEGIN { exit !(x $condition) }" && echo "met" ||
        echo "**missed**"
}
# One key=value field of a line of event.lua's or latency.py's output: field FILE LINE-PREFIX KEY.
field() {
    awk -v prefix="$2" -v key="$3" '
        $1 == prefix || prefix == "" {
            for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == key) { print kv[2]; exit } }
        }' "$1"
}
# Thousands separated by commas.
grouped() {
    awk -v n="$1" 'BEGIN {
        s = ""; while (length(n) > 3) { s = "," substr(n, length(n) - 2) s; n = substr(n, 1, length(n) - 3) } print n s
    }'
}
# The rows of a table in a SQLite file: count_rows FILE TABLE.
count_rows() {
    python3 - "$1" "$2" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(f"SELECT COUNT(*) FROM {sys.argv[2]}").fetchone()[0])
PY
}

# --- tools and builds -----------------------------------------------------------------------------------------------

if ! command -v wrk >/dev/null; then
    say "installing wrk"
    if [[ $(id -u) -eq 0 ]]; then
        apt-get update -qq && apt-get install -y -qq wrk
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq wrk
    fi
fi
for tool in curl python3 swift; do command -v "$tool" >/dev/null || fail "$tool is needed"; done

COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -n $(git -C "$ROOT" status --porcelain -- Sources Resources Package.swift 2>/dev/null) ]] &&
    COMMIT="$COMMIT with uncommitted changes"

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
    build --package-path "$BENCH/baseline" --scratch-path "$BASELINE_SCRATCH" --product hello
else
    COMMIT="$COMMIT (build skipped with BENCH_SKIP_BUILD=1: the binaries may be older)"
fi
STEWARD=$SCRATCH/release/steward
HELLO=$BASELINE_SCRATCH/release/hello
for binary in "$STEWARD" "$HELLO"; do
    [[ -x $binary ]] || fail "$binary is missing; run without BENCH_SKIP_BUILD"
done
BENCH_STARTED=$(date +%s)

# --- 1. ingestion ---------------------------------------------------------------------------------------------------

# One wrk run of event.lua: events for SECONDS, then INGEST_DRAIN s of refused ones. Arguments: origin, seconds,
# output file.
event_run() {
    local origin=$1 seconds=$2 out=$3
    BENCH_EVENT_ORIGIN=$origin BENCH_EVENT_SECONDS=$seconds \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$((seconds + INGEST_DRAIN))s" --timeout 10s -s "$BENCH/lua/event.lua" \
        "$origin/api/event" | tee "$out"
}
# The measured run of one server, numbered by ATTEMPT. Arguments: name, origin.
measured_event_run() {
    say "1. $1: wrk -t$THREADS -c$CONNECTIONS, ${INGEST_SECONDS}s of events (then ${INGEST_DRAIN}s refused)"
    event_run "$2" "$INGEST_SECONDS" "$WORK/$1-$ATTEMPT.txt"
}
# Warm-up, then the measured run (repeated while other programs disturb it), for one server; the last measured run
# is copied to WORK/NAME.txt. Arguments: name, origin, server PID.
ingest() {
    local name=$1 origin=$2 pid=$3
    say "1. $name: warm-up, wrk -t$THREADS -c$CONNECTIONS, ${INGEST_WARMUP}s of events"
    event_run "$origin" "$INGEST_WARMUP" "$WORK/$name-0.txt" >/dev/null
    measured "$name ingestion" "$pid" measured_event_run "$name" "$origin"
    cp "$WORK/$name-$ATTEMPT.txt" "$WORK/$name.txt"
}
# The sum of one field of event.lua's "total" line over every run (warm-up and attempts) of a server.
all_runs() {
    local name=$1 key=$2 file sum=0
    for file in "$WORK/$name"-[0-9]*.txt; do sum=$((sum + $(field "$file" total "$key"))); done
    echo "$sum"
}

HELLO_PORT=$(free_port)
"$HELLO" "$HELLO_PORT" >"$WORK/hello.log" 2>&1 &
HELLO_PID=$!
PIDS+=("$HELLO_PID")
wait_for_http "http://127.0.0.1:$HELLO_PORT/"
ingest hello "http://127.0.0.1:$HELLO_PORT" "$HELLO_PID"
stop_pid "$HELLO_PID"

INGEST_DATA=$WORK/ingest
mkdir -p "$INGEST_DATA"
INGEST_PORT=$(free_port)
start_steward "$INGEST_DATA" "$INGEST_PORT" "$WORK/steward-ingest.log"
ingest steward "http://127.0.0.1:$INGEST_PORT" "$STEWARD_PID"
INGEST_RSS_KB=$(awk '/^VmHWM:/ { print $2 }' "/proc/$STEWARD_PID/status")
# A graceful stop writes what is still buffered.
stop_pid "$STEWARD_PID"
STORED=$(count_rows "$INGEST_DATA/steward.sqlite" analytics_events)

HELLO_RPS=$(field "$WORK/hello.txt" phase per_second)
STEWARD_RPS=$(field "$WORK/steward.txt" phase per_second)
INGEST_RATIO=$(ratio "$STEWARD_RPS" "$HELLO_RPS")
ACCEPTED=$(all_runs steward status_202)
FULL=$(all_runs steward status_503)
PHASE_503=$(field "$WORK/steward.txt" phase status_503)
PHASE_OTHER=$(field "$WORK/steward.txt" phase status_other)
HELLO_OTHER=$(field "$WORK/hello.txt" phase status_other)
STEWARD_OTHER_TOTAL=$(field "$WORK/steward.txt" total status_other)
SOCKET_ERRORS=$(($(field "$WORK/steward.txt" total socket_errors) + $(field "$WORK/steward.txt" total timeouts)))
HELLO_SOCKET_ERRORS=$(($(field "$WORK/hello.txt" total socket_errors) + $(field "$WORK/hello.txt" total timeouts)))
STORED_VERDICT=$([[ $STORED == "$ACCEPTED" ]] && echo met || echo "**missed**")
echo "stored $STORED events; Steward answered 202 to $ACCEPTED (warm-up and measured runs), 503 to $FULL"

# --- 2. dashboard on 10 million events ------------------------------------------------------------------------------

DATA=$WORK/dashboard
mkdir -p "$DATA"
PORT=$(free_port)
export STEWARD_POLICY_FILE=$WORK/policy.yaml
sed -E "s/^(  rawEventRetentionDays:) *[0-9]+/\1 $RETENTION_DAYS/" "$ROOT/policy/policy.yaml" >"$STEWARD_POLICY_FILE"
grep -q "^  rawEventRetentionDays: $RETENTION_DAYS\$" "$STEWARD_POLICY_FILE" ||
    fail "could not set rawEventRetentionDays in the benchmark's copy of policy/policy.yaml"
export STEWARD_BASE_URL=http://127.0.0.1:$PORT

say "2. steward migrate --data-dir $DATA"
"$STEWARD" migrate --data-dir "$DATA" >"$WORK/migrate.txt" 2>&1 || fail "migrate failed: $(cat "$WORK/migrate.txt")"

say "2. analytics-generate.py: $(grouped "$EVENTS") events over $DAYS days"
GENERATE_START=$(date +%s.%N)
python3 "$BENCH/analytics-generate.py" "$DATA/steward.sqlite" --events "$EVENTS" --days "$DAYS" --seed "$SEED" |
    tee "$WORK/generate.txt"
GENERATE_END=$(date +%s.%N)
GENERATE_SECONDS=$(calc "$GENERATE_END - $GENERATE_START" 1)
GENERATE_RATE=$(calc "$EVENTS / ($GENERATE_END - $GENERATE_START)" 0)

say "2. steward analytics rollup --data-dir $DATA"
ROLLUP_START=$(date +%s.%N)
"$STEWARD" analytics rollup --data-dir "$DATA" >"$WORK/rollup.txt" 2>"$WORK/rollup.log" ||
    fail "rollup failed: $(tail -n 20 "$WORK/rollup.txt" "$WORK/rollup.log")"
ROLLUP_END=$(date +%s.%N)
ROLLUP_SECONDS=$(calc "$ROLLUP_END - $ROLLUP_START" 1)
head -n 3 "$WORK/rollup.txt"
echo "…"
tail -n 3 "$WORK/rollup.txt"
ROLLUP_DAYS=$(grep -c '^\[' "$WORK/rollup.txt" || true)
ROLLUP_ROWS=$(count_rows "$DATA/steward.sqlite" analytics_rollups)
DB_BYTES=$(($(stat -c %s "$DATA/steward.sqlite") + $(stat -c %s "$DATA/steward.sqlite-wal" 2>/dev/null || echo 0)))
DB_MB=$(calc "$DB_BYTES / 1048576" 0)

say "2. steward serve on the generated database; the owner signs up through the web (lib/staff.py)"
start_steward "$DATA" "$PORT" "$WORK/steward-dashboard.log"
BASE=http://127.0.0.1:$PORT
COOKIE=$(python3 "$BENCH/lib/staff.py" --steward "$STEWARD" --data-dir "$DATA" --base-url "$BASE" --email "$EMAIL" |
    tail -n 1)
[[ $COOKIE == *steward_staff=* ]] || fail "no staff session cookie from lib/staff.py: $COOKIE"
TOKEN=$("$STEWARD" admin token --email "$EMAIL" --name bench --data-dir "$DATA" | tail -n 1)
[[ -n $TOKEN ]] || fail "steward admin token printed no token"

OVERVIEW_URL="$BASE/api/stats/overview?period=30d"
DASHBOARD_URL="$BASE/admin/analytics?period=30d"
curl -fsS --max-time 60 -H "Authorization: Bearer $TOKEN" "$OVERVIEW_URL" >"$WORK/overview.json" ||
    fail "GET /api/stats/overview?period=30d failed"
OVERVIEW_SUMMARY=$(python3 - "$WORK/overview.json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
totals, span = data["totals"], data["range"]
keys = ("visitors", "visits", "pageviews", "bounce_rate", "visit_duration_seconds", "events")
figures = ", ".join(f"{key} {totals[key]:,}" for key in keys if key in totals)
print(f"{span['from']} to {span['to']}: {figures}; {len(data.get('breakdowns', {}))} breakdowns")
PY
)
echo "overview: $OVERVIEW_SUMMARY"

# Times one URL with lib/latency.py. Arguments: name (for the output file), URL, header.
timed() {
    say "2. GET ${2#"$BASE"}: $DASHBOARD_WARMUP warm-up, then $DASHBOARD_REQUESTS sequential requests"
    python3 "$BENCH/lib/latency.py" "$2" --requests "$DASHBOARD_REQUESTS" --warmup "$DASHBOARD_WARMUP" --header "$3" |
        tee "$WORK/$1-latency.txt"
}
measured "overview API" "$STEWARD_PID" timed overview "$OVERVIEW_URL" "Authorization: Bearer $TOKEN"
measured "dashboard page" "$STEWARD_PID" timed dashboard "$DASHBOARD_URL" "Cookie: $COOKIE"
SERVE_RSS_KB=$(awk '/^VmHWM:/ { print $2 }' "/proc/$STEWARD_PID/status")
stop_pid "$STEWARD_PID"
RAW_EVENTS=$(count_rows "$DATA/steward.sqlite" analytics_events)
[[ $RAW_EVENTS == "$EVENTS" ]] || fail "the database holds $RAW_EVENTS raw events, not $EVENTS"

latency() { field "$WORK/$1-latency.txt" "" "$2"; }
OVERVIEW_P50=$(latency overview p50_ms)
OVERVIEW_P95=$(latency overview p95_ms)
OVERVIEW_MAX=$(latency overview max_ms)
OVERVIEW_BYTES=$(latency overview bytes)
DASHBOARD_P50=$(latency dashboard p50_ms)
DASHBOARD_P95=$(latency dashboard p95_ms)
DASHBOARD_MAX=$(latency dashboard max_ms)
DASHBOARD_BYTES=$(latency dashboard bytes)
BENCH_SECONDS_TOTAL=$(($(date +%s) - BENCH_STARTED))

# --- report ---------------------------------------------------------------------------------------------------------

CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
WRK_VERSION=$(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }' || true)
SECTION=$WORK/section.md
cat >"$SECTION" <<EOF
<!-- analytics: written by scripts/bench/analytics.sh -->
## Analytics: ingestion and the dashboard on $(grouped "$EVENTS") events

Measured by \`bash scripts/bench/analytics.sh\` (also run by \`make bench\`) on $(date -u '+%Y-%m-%d %H:%M UTC'), in one
run on one machine.

- Machine: $(nproc) cores (\`nproc\`), $CPU_MODEL, $(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(uname -sr)
- Steward: commit $COMMIT, \`swift build -c release\`, SQLite; the reference \`hello\` from scripts/bench/baseline,
  same build settings
- Tools: $WRK_VERSION and Python $(python3 -c 'import platform; print(platform.python_version())'), on the same machine as the servers
- The machine's CPU use just before each measurement (the script waits up to $QUIET_WAIT s in all for it to fall
  under 10%): $BUSY_AT_START
- Other programs' share of the CPU during each measurement (the figures are only trustworthy when these are near
  0; a measurement is repeated, up to $ATTEMPTS times, while it is 5% or more): $OTHERS${REPEATED:+. Measured again
  because other work disturbed them: $REPEATED}
- Time taken after the builds: ${BENCH_SECONDS_TOTAL} s

| Measure | Steward | Reference | Ratio | Target | |
|---|---|---|---|---|---|
| Events accepted, POST /api/event, $CONNECTIONS connections | $(grouped "${STEWARD_RPS%.*}") req/s | hello-world POST: $(grouped "${HELLO_RPS%.*}") req/s | $INGEST_RATIO | ≥ 0.3 | $(verdict "$INGEST_RATIO" ">= 0.3") |
| Events stored after the runs vs 202 answers | $(grouped "$STORED") rows | $(grouped "$ACCEPTED") × 202 | | equal | $STORED_VERDICT |
| GET /api/stats/overview?period=30d, p95 (p50 / max) | $OVERVIEW_P95 ms ($OVERVIEW_P50 / $OVERVIEW_MAX ms) | | | ≤ 150 ms | $(verdict "$OVERVIEW_P95" "<= 150") |
| GET /admin/analytics?period=30d, p95 (p50 / max) | $DASHBOARD_P95 ms ($DASHBOARD_P50 / $DASHBOARD_MAX ms) | | | ≤ 150 ms | $(verdict "$DASHBOARD_P95" "<= 150") |
| Generating $(grouped "$EVENTS") events (analytics-generate.py) | $GENERATE_SECONDS s ($(grouped "$GENERATE_RATE")/s) | | | a few minutes | |
| \`steward analytics rollup\` of $ROLLUP_DAYS days | $ROLLUP_SECONDS s | | | | |
| SQLite file after the roll-up | $DB_MB MB ($(grouped "$RAW_EVENTS") raw events, $(grouped "$ROLLUP_ROWS") roll-up rows) | | | | |

- Ingestion: \`wrk -t$THREADS -c$CONNECTIONS --timeout 10s -s scripts/bench/lua/event.lua\`, first ${INGEST_WARMUP} s of
  warm-up, then ${INGEST_SECONDS} s measured, on each server in turn (the other one stopped): Steward
  (\`steward serve\`, a fresh data folder, \`STEWARD_BASE_URL=http://127.0.0.1:PORT\`) and the \`hello\` program of
  scripts/bench/baseline, whose \`POST /api/event\` reads the body (up to 4 KB) and answers 202 with nothing else.
  event.lua cycles through 420 requests: text/plain JSON events (7 in 10 page views with a referrer and window
  width, 2 engagement reports, 1 outbound click or named event) for 32 pages (some with UTM parameters), 13
  referrers and 28 browser user agents (desktop, phone and tablet). Steward parses and validates each event,
  checks its host, tells bots apart, parses the user agent, derives source and campaign, hashes the visitor with
  the daily salt, and buffers it for the batched writes (twice a second). req/s counts the answers received
  during the ${INGEST_SECONDS} s; then each wrk thread sends, for ${INGEST_DRAIN} s more, events for another site,
  which Steward refuses (400) without storing them, so that every 202 reaches wrk before it stops.
- Answers during the measured run: Steward $(grouped "$(field "$WORK/steward.txt" phase status_202)") × 202, $(grouped "$PHASE_503") × 503
  (buffer of 50,000 events full), $PHASE_OTHER other; $SOCKET_ERRORS socket errors or timeouts. Hello-world:
  $HELLO_OTHER non-202, $HELLO_SOCKET_ERRORS socket errors or timeouts. In all the Steward runs
  (warm-up and measured):
  $(grouped "$ACCEPTED") × 202, $(grouped "$FULL") × 503, $STEWARD_OTHER_TOTAL other (not counting the refused
  events). Steward was then stopped with SIGTERM (which writes the buffer) and the rows of analytics_events
  counted: $(grouped "$STORED"). Peak RSS of that server: $(calc "$INGEST_RSS_KB / 1024" 0) MB.
- Dashboard data: \`steward migrate\`, then scripts/bench/analytics-generate.py wrote $(grouped "$EVENTS") events
  (seed $SEED) over the $DAYS days up to the start of the run straight into analytics_events: visits of 1–8 page
  views (40% single-page) from one visitor hash per day, engagement reports, outbound clicks and named events, ~300
  paths by a Zipf-like popularity, 60 sources with UTM campaigns, browsers, systems, devices and countries in
  realistic shares, a daily and weekly rhythm. The generator's summary: $(tail -n 1 "$WORK/generate.txt" | sed 's/^done: //'). Then \`steward analytics
  rollup\`: $(tail -n 1 "$WORK/rollup.txt")
- The benchmark's copy of policy/policy.yaml keeps raw events $RETENTION_DAYS days instead of 30, so that all
  $(grouped "$EVENTS") stay in the database while it is measured (with 30 days the server would start by deleting
  the older two thirds). The dashboard and the API read only the roll-ups, plus the last five minutes of raw events
  for the visitors online now.
- Latency: \`steward serve\` on that database; the owner was created through the web pages (scripts/bench/lib/staff.py:
  set-up link, form, two-factor set-up) and a token with \`steward admin token\`. scripts/bench/lib/latency.py sends
  $DASHBOARD_WARMUP warm-up requests, then $DASHBOARD_REQUESTS timed ones, one after the other over one kept-alive
  connection, from sending the request to the last byte of the body: GET /api/stats/overview?period=30d with
  \`Authorization: Bearer …\` ($OVERVIEW_BYTES bytes of JSON: $OVERVIEW_SUMMARY) and GET
  /admin/analytics?period=30d with the staff session cookie ($DASHBOARD_BYTES bytes of HTML). No answer is cached.
  Peak RSS of that server: $(calc "$SERVE_RSS_KB / 1024" 0) MB.
<!-- /analytics -->
EOF

if [[ -f $REPORT ]] && grep -q '^<!-- analytics:' "$REPORT"; then
    python3 - "$REPORT" "$SECTION" <<'PY'
import re, sys
report, section = sys.argv[1], open(sys.argv[2]).read()
text = open(report).read()
text = re.sub(r"<!-- analytics:.*?<!-- /analytics -->\n?", lambda _: section, text, flags=re.S)
open(report, "w").write(text)
PY
else
    { [[ -f $REPORT ]] && echo; cat "$SECTION"; } >>"$REPORT"
fi
say "wrote the analytics section of $REPORT"
cat "$SECTION"
