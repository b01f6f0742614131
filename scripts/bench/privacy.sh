#!/usr/bin/env bash
# Steward's privacy-operations benchmarks (`make bench` runs this with the other scripts/bench/*.sh), in one run on
# this machine:
#
#   1. Retention sweep: `steward retention run` deleting 1,000,000 expired security-log lines (100,000 recent ones
#      stay) against a raw batched SQL DELETE of the same rows on a copy of the same database, with the batch size
#      and statement Steward uses (target ≥ 0.7×); the WAL's size is sampled every 50 ms (target < 64 MB).
#   2. Data export: POST /account/privacy/export for a member with 10,000 consent records (target < 1 s).
#   3. Audit verification: `steward audit verify` of a hash chain of 1,000,000 entries (target ≥ 500,000/s).
#
# Writes its section of docs/BENCHMARKS.md (between the privacy markers, replacing an earlier one).
# Needs: the Swift toolchain, python3 (its sqlite3 module), curl; perf to profile a missed target (optional).
# BENCH_PRIVACY_EXPIRED / BENCH_PRIVACY_RECENT change the security-log lines (default 1000000 / 100000),
# BENCH_EXPORT_RECORDS the member's records (10000), BENCH_EXPORT_RUNS the timed exports (20),
# BENCH_AUDIT_ENTRIES the audit log (1000000), BENCH_AUDIT_RUNS the timed verifications (3), BENCH_PROFILE=0 skips
# the profiles; BENCH_SKIP_BUILD=1 reuses the release build.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
BENCH=$ROOT/scripts/bench
GENERATE=$BENCH/privacy-generate.py
SCRATCH=$ROOT/.build-bench
REPORT=$ROOT/docs/BENCHMARKS.md
EXPIRED=${BENCH_PRIVACY_EXPIRED:-1000000}
RECENT=${BENCH_PRIVACY_RECENT:-100000}
EXPORT_RECORDS=${BENCH_EXPORT_RECORDS:-10000}
EXPORT_RUNS=${BENCH_EXPORT_RUNS:-20}
EXPORT_WARMUP=3
AUDIT_ENTRIES=${BENCH_AUDIT_ENTRIES:-1000000}
AUDIT_RUNS=${BENCH_AUDIT_RUNS:-3}
WAL_LIMIT_MB=64
SAMPLE_SECONDS=0.05

say() { printf '\n== %s\n' "$*"; }
fail() {
    printf 'bench: %s\n' "$*" >&2
    exit 1
}

# --- processes: every one we start is recorded and stopped by PID on exit ----------------------------------------

PIDS=()
WORK=$(mktemp -d /tmp/steward-privacybench.XXXXXX)

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

calc() { python3 -c "print($1)"; }
grouped() { python3 -c "print(f'{int($1):,}')"; }

# The machine's CPU busy share over 1 s, in percent: other work running before a measurement.
busy_percent() {
    python3 - <<'PY'
import time
def ticks():
    values = [int(v) for v in open("/proc/stat").readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)
b0, t0 = ticks()
time.sleep(1)
b1, t1 = ticks()
print(f"{100 * (b1 - b0) / max(1, t1 - t0):.0f}")
PY
}
BUSY=()
note_busy() {
    local busy
    busy=$(busy_percent)
    BUSY+=("$1 $busy%")
    ((busy <= 10)) || echo "bench: the machine is ${busy}% busy with other work before: $1" >&2
}

# The value of `key=value` in a line of key=value words.
field() {
    local value
    value=$(sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2")
    echo "${value%%$'\n'*}"
}

# --- profiles of a missed target ------------------------------------------------------------------------------------

PROFILE_OK=0
if [[ ${BENCH_PROFILE:-1} != 0 ]] && command -v perf >/dev/null &&
    perf record -e cpu-clock -o "$WORK/perf-check.data" -- true >"$WORK/perf-check.log" 2>&1; then
    PROFILE_OK=1
fi

# Turns a perf data file into its demangled call-graph totals, one function per line: "children% self% name", where
# children is the share of all samples with the function anywhere on the stack. Arguments: perf data file, output.
profile_totals() {
    perf report -i "$1" --stdio --children --sort sym 2>/dev/null | grep -E '^ +[0-9.]+% +[0-9.]+%' |
        swift demangle --simplified | awk '{ $3 = ""; print }' | sed 's/  */ /g; s/^ //' >"$2"
}

# Writes the functions with the most time under them, without the threads' own plumbing, as a Markdown table.
# Arguments: totals file (profile_totals), output file, how many rows.
profile_table() {
    local totals=$1 out=$2 rows=$3
    {
        echo "| Under it (inclusive) | Self | Function |"
        echo "|---|---|---|"
        grep -Ev ' (start_thread|_dispatch_|swift_job_run|swift::runJob|thunk for|partial apply|closure #[0-9]+ in (static ThreadOpsPosix|NIOThreadPool|static MultiThreadedEventLoopGroup)|0x0|__libc_start|main$|_start$)' \
            "$totals" | grep -Ev '^[0-9.]+% [0-9.]+% (do_syscall_64|entry_SYSCALL)' |
            awk -v rows="$rows" 'NR <= rows { children = $1; self = $2; $1 = ""; $2 = ""; sub(/^ +/, "")
                gsub(/\|/, "\\|"); print "| " children " | " self " | `" substr($0, 1, 140) "` |" }'
    } >"$out"
}

# The largest inclusive share (without %) of a function whose name contains the given text, or 0.
# Arguments: totals file, text.
share_of() {
    awk -v name="$2" 'index($0, name) { v = $1 + 0; if (v > best) best = v } END { printf "%.1f", best + 0 }' "$1"
}

# Whether a share (as printed by share_of) is at least a number of percent.
at_least() { [[ $(calc "1 if $1 >= $2 else 0") == 1 ]]; }

# What the export's profile points at, from its totals: each known cost is named only when it shows (≥ 5%).
export_reading() {
    local t=$1 iso mustache
    iso=$(share_of "$t" "ISO8601DateFormatter.string(from:)")
    mustache=$(share_of "$t" "MustacheTemplate.render(context:)")
    printf 'Reading: of the server'"'"'s CPU during those exports, %s%% went to building the export' \
        "$(share_of "$t" "DataExportService.export(")"
    printf ' (`DataExportService.export`) and %s%% to packing it (`archive`: JSON, data.html, ZIP).' \
        "$(share_of "$t" "DataExportService.archive(")"
    if at_least "$iso" 5; then
        printf ' **%s%%** was under `ISO8601DateFormatter.string(from:)`: `DataExportService.iso` makes a new' "$iso"
        printf ' `ISO8601DateFormatter` for every date it writes (at least one per consent record), and on Linux'
        printf ' each new formatter builds an ICU date format (`udat_open` %s%%) before formatting anything; a' \
            "$(share_of "$t" "swift_udat_open")"
        printf ' formatter made once, or the date written from `CivilDate` by hand, removes that.'
    fi
    if at_least "$mustache" 5; then
        printf ' **%s%%** was rendering data.html with swift-mustache (`MustacheTemplate.render`), %s%% of it' \
            "$mustache" "$(share_of "$t" "Mirror.getValue(forKey:)")"
        printf ' finding each field by name through `Mirror` reflection.'
    fi
    echo
}

# What the verification's profile points at, from its totals: each known cost is named only when it shows (≥ 3%).
verify_reading() {
    local t=$1 scan hash step migrate
    scan=$(share_of "$t" "AuditChainScan.intactCount(")
    hash=$(share_of "$t" "AuditEntryHasher.hash(")
    step=$(share_of "$t" "sqlite_nio_sqlite3_step")
    migrate=$(share_of "$t" "Migrator.migrate()")
    printf 'Reading: %s entries/s is %s× short of the target: about %s µs per entry, start-up included, against' \
        "$(grouped "$VERIFY_RATE")" "$(calc "f'{500000 / $VERIFY_RATE:.1f}'")" \
        "$(calc "f'{$VERIFY_MEDIAN * 1e6 / $AUDIT_ENTRIES:.1f}'")"
    printf ' 2 µs. Of the command'"'"'s CPU, %s%% was the SQLite scan (`AuditChainScan.intactCount`).' "$scan"
    if at_least "$hash" 3; then
        printf ' **%s%%** was hashing (`AuditEntryHasher.hash`), of which SHA-256 itself %s%%.' \
            "$hash" "$(share_of "$t" "sha256_block_data_order")"
    fi
    if at_least "$step" 3; then
        printf ' **%s%%** was SQLite stepping through the table (`sqlite3_step`).' "$step"
    fi
    if at_least "$migrate" 3; then
        printf ' %s%% was opening the database and checking its migrations.' "$migrate"
    fi
    echo
}

# --- tools and build ------------------------------------------------------------------------------------------------

python3 -c 'import sqlite3' || fail "python3 with its sqlite3 module is needed"
command -v curl >/dev/null || fail "curl is needed"

# The sources the build sees (other edits may land while the benchmark runs).
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain -- Sources Package.swift Package.resolved 2>/dev/null) ]]; then
    COMMIT="$COMMIT with uncommitted changes to $(git status --porcelain -- Sources Package.swift Package.resolved |
        awk '{ print $2 }' | paste -sd ' ')"
fi
if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
    say "building steward (release, $SCRATCH)"
    swift build -c release --scratch-path "$SCRATCH" --product steward
fi
STEWARD=$SCRATCH/release/steward
[[ -x $STEWARD ]] || fail "$STEWARD is missing; run without BENCH_SKIP_BUILD"
# Commands run without the caller's STEWARD_ settings (a database URL or an SMTP relay would change what is measured).
for name in $(env | sed -n 's/^\(STEWARD_[A-Z0-9_]*\)=.*/\1/p'); do unset "$name"; done

BATCH=$(sed -n 's/^ *var batchSize = \([0-9_]*\).*/\1/p' Sources/App/Privacy/RetentionService.swift | tr -d _)
[[ -n $BATCH ]] || fail "cannot read RetentionService.batchSize from Sources/App/Privacy/RetentionService.swift"

# Start-up cost of a command on an almost empty data folder (median of 3), for the notes.
say "start-up: steward audit verify and steward retention run on an empty data folder"
EMPTY=$WORK/empty
mkdir -p "$EMPTY"
"$STEWARD" migrate --data-dir "$EMPTY" >/dev/null 2>&1
"$STEWARD" audit verify --data-dir "$EMPTY" >/dev/null 2>&1
startup_seconds() {
    local runs=() line
    for _ in 1 2 3; do
        line=$(python3 "$GENERATE" timed-run -- "$@")
        runs+=("$(field seconds "$line")")
    done
    printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p
}
VERIFY_STARTUP=$(startup_seconds "$STEWARD" audit verify --data-dir "$EMPTY")
RETENTION_STARTUP=$(startup_seconds "$STEWARD" retention run --data-dir "$EMPTY")
echo "audit verify: $VERIFY_STARTUP s; retention run: $RETENTION_STARTUP s"

# --- 1. retention sweep ---------------------------------------------------------------------------------------------

BASE=$WORK/retention-base
mkdir -p "$BASE"
say "1. data: steward migrate, then $EXPIRED expired and $RECENT recent security-log lines with Python's sqlite3"
"$STEWARD" migrate --data-dir "$BASE" >/dev/null 2>&1
# The first command after migrate creates the development master key and publishes the policy: done here, so that
# the measured run only sweeps.
"$STEWARD" retention run --dry-run --data-dir "$BASE" >/dev/null 2>&1
python3 "$GENERATE" security-events "$BASE/steward.sqlite" --expired "$EXPIRED" --recent "$RECENT" \
    --digest-file "$WORK/recent.sha256" | tee "$WORK/generate.txt"
DB_MB=$(field database_mb "$(cat "$WORK/generate.txt")")
for copy in A B C; do cp -a "$BASE" "$WORK/retention-$copy"; done
SQLITE_STEWARD=$(cat "$SCRATCH"/checkouts/sqlite-nio/Sources/*/include/*sqlite3.h 2>/dev/null |
    awk -F'"' '/^#define SQLITE_VERSION / && !found { print $2; found = 1 }')
SQLITE_PYTHON=$(python3 -c 'import sqlite3; print(sqlite3.sqlite_version)')

note_busy "retention sweep"
say "1a. steward retention run --data-dir A (batch $BATCH), WAL sampled every ${SAMPLE_SECONDS}s"
RETENTION_LINE=$(python3 "$GENERATE" timed-run --wal "$WORK/retention-A/steward.sqlite-wal" \
    --interval "$SAMPLE_SECONDS" --output "$WORK/retention-A.txt" -- \
    "$STEWARD" retention run --data-dir "$WORK/retention-A")
echo "$RETENTION_LINE"
grep -Ev '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$WORK/retention-A.txt" | tail -n 2
[[ $(field exit "$RETENTION_LINE") == 0 ]] || fail "steward retention run failed: $(tail -n 20 "$WORK/retention-A.txt")"
REMOVED=$(sed -n 's/^ *\([0-9]*\) .*\[security_log\]$/\1/p' "$WORK/retention-A.txt")
[[ $REMOVED == "$EXPIRED" ]] || fail "Steward removed ${REMOVED:-?} security-log lines, not $EXPIRED"

note_busy "raw DELETE"
say "1b. reference: raw batched DELETE (batch $BATCH) on copy B, Python's sqlite3, Steward's pragmas, secure_delete=on"
RAW_LINE=$(python3 "$GENERATE" raw-delete "$WORK/retention-B/steward.sqlite" --batch "$BATCH" --secure-delete on \
    --wal-interval "$SAMPLE_SECONDS")
echo "$RAW_LINE"
say "1c. for information: the same on copy C with Python's default secure_delete=off"
RAW_OFF_LINE=$(python3 "$GENERATE" raw-delete "$WORK/retention-C/steward.sqlite" --batch "$BATCH" \
    --secure-delete off --wal-interval "$SAMPLE_SECONDS")
echo "$RAW_OFF_LINE"

say "1d. checks: exactly the $RECENT recent lines remain in A, B and C"
CHECK_A=$(python3 "$GENERATE" check-security "$WORK/retention-A/steward.sqlite" --recent "$RECENT" \
    --digest-file "$WORK/recent.sha256") || fail "copy A after Steward's sweep: $CHECK_A"
CHECK_B=$(python3 "$GENERATE" check-security "$WORK/retention-B/steward.sqlite" --recent "$RECENT" \
    --digest-file "$WORK/recent.sha256") || fail "copy B after the raw DELETE: $CHECK_B"
CHECK_C=$(python3 "$GENERATE" check-security "$WORK/retention-C/steward.sqlite" --recent "$RECENT" \
    --digest-file "$WORK/recent.sha256") || fail "copy C after the raw DELETE: $CHECK_C"
printf 'A: %s\nB: %s\nC: %s\n' "$CHECK_A" "$CHECK_B" "$CHECK_C"
AUDITED=$(python3 - "$WORK/retention-A/steward.sqlite" <<'PY'
import json, sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("SELECT details FROM audit_log WHERE action = 'retention.run'").fetchall()
print(json.loads(rows[-1][0]).get("security_log", "?") if rows else "none")
PY
)
[[ $AUDITED == "$EXPIRED" ]] || fail "the retention.run audit entry says security_log=$AUDITED, not $EXPIRED"
rm -rf "$WORK/retention-B" "$WORK/retention-C"

STEWARD_SWEEP=$(field seconds "$RETENTION_LINE")
RAW_SWEEP=$(field seconds "$RAW_LINE")
RAW_OFF_SWEEP=$(field seconds "$RAW_OFF_LINE")
SWEEP_RATIO=$(calc "f'{$RAW_SWEEP / $STEWARD_SWEEP:.2f}'")
SWEEP_RATE=$(calc "int($EXPIRED / $STEWARD_SWEEP)")
RAW_RATE=$(calc "int($EXPIRED / $RAW_SWEEP)")
RAW_OFF_RATE=$(calc "int($EXPIRED / $RAW_OFF_SWEEP)")
SWEEP_NET=$(calc "f'{$RAW_SWEEP / max(0.001, $STEWARD_SWEEP - $RETENTION_STARTUP):.2f}'")
WAL_PEAK_MB=$(calc "f'{$(field peak_wal_bytes "$RETENTION_LINE") / 1048576:.1f}'")
WAL_SAMPLES=$(field samples "$RETENTION_LINE")
RAW_WAL_MB=$(calc "f'{$(field peak_wal_bytes "$RAW_LINE") / 1048576:.1f}'")
RETENTION_RSS_MB=$(calc "f'{$(field max_rss_kb "$RETENTION_LINE") / 1024:.0f}'")
RETENTION_CPU=$(calc "f'{$(field user_seconds "$RETENTION_LINE") + $(field system_seconds "$RETENTION_LINE"):.1f}'")
SWEEP_VERDICT=$(calc "'met' if $RAW_SWEEP / $STEWARD_SWEEP >= 0.7 else '**missed**'")
WAL_VERDICT=$(calc "'met' if $WAL_PEAK_MB < $WAL_LIMIT_MB else '**missed**'")

SWEEP_PROFILE=""
if [[ $SWEEP_VERDICT != met && $PROFILE_OK == 1 ]]; then
    say "1e. profile: perf record of steward retention run on a fresh copy"
    cp -a "$BASE" "$WORK/retention-D"
    perf record -e cpu-clock -F 999 -g -o "$WORK/sweep.perf" -- \
        "$STEWARD" retention run --data-dir "$WORK/retention-D" >"$WORK/sweep-perf.log" 2>&1 || true
    profile_totals "$WORK/sweep.perf" "$WORK/sweep-totals.txt"
    profile_table "$WORK/sweep-totals.txt" "$WORK/sweep-profile.md" 20
    SWEEP_PROFILE=$(cat "$WORK/sweep-profile.md")
    rm -rf "$WORK/retention-D"
fi
rm -rf "$BASE" "$WORK/retention-A"

# --- 2. data export -------------------------------------------------------------------------------------------------

say "2. export: steward serve, a member registered through the form, $EXPORT_RECORDS consent records"
EXPORT_DATA=$WORK/export
mkdir -p "$EXPORT_DATA"
PORT=$(free_port)
STEWARD_BASE_URL="http://127.0.0.1:$PORT" "$STEWARD" serve --host 127.0.0.1 --port "$PORT" \
    --data-dir "$EXPORT_DATA" >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
for _ in $(seq 600); do
    grep -q "Steward is listening" "$WORK/serve.log" && break
    kill -0 "$SERVER_PID" 2>/dev/null || fail "steward serve exited at start-up: $(tail -n 20 "$WORK/serve.log")"
    sleep 0.1
done
grep -q "Steward is listening" "$WORK/serve.log" || fail "steward serve did not listen within 60 s"
note_busy "export"
python3 "$GENERATE" export-bench --base-url "http://127.0.0.1:$PORT" --db "$EXPORT_DATA/steward.sqlite" \
    --records "$EXPORT_RECORDS" --runs "$EXPORT_RUNS" --warmup "$EXPORT_WARMUP" --session-file "$WORK/session.json" |
    tee "$WORK/export.txt" ||
    fail "the export benchmark failed: $(cat "$WORK/export.txt")"
EXPORT_CHECK=$(head -n 1 "$WORK/export.txt")
EXPORT_TIMES=$(tail -n 1 "$WORK/export.txt")
EXPORT_P50=$(field p50_ms "$EXPORT_TIMES")
EXPORT_MAX=$(field max_ms "$EXPORT_TIMES")
EXPORT_HELD=$(field records_in_database "$EXPORT_CHECK")
EXPORT_ZIP_KB=$(calc "f'{$(field zip_bytes "$EXPORT_CHECK") / 1024:.0f}'")
EXPORT_JSON_KB=$(calc "f'{$(field json_bytes "$EXPORT_CHECK") / 1024:.0f}'")
EXPORT_HTML_KB=$(calc "f'{$(field html_bytes "$EXPORT_CHECK") / 1024:.0f}'")
EXPORT_VERDICT=$(calc "'met' if $EXPORT_MAX < 1000 else '**missed**'")
EXPORT_PROFILE=""
if [[ $EXPORT_VERDICT != met && $PROFILE_OK == 1 ]]; then
    say "2b. profile: perf record of the server during $EXPORT_RUNS more exports"
    perf record -e cpu-clock -F 999 -g -p "$SERVER_PID" -o "$WORK/export.perf" >"$WORK/export-perf.log" 2>&1 &
    PERF_PID=$!
    PIDS+=("$PERF_PID")
    sleep 1
    python3 "$GENERATE" export-again --base-url "http://127.0.0.1:$PORT" --session-file "$WORK/session.json" \
        --runs "$EXPORT_RUNS" || true
    kill -INT "$PERF_PID" 2>/dev/null || true
    wait "$PERF_PID" 2>/dev/null || true
    profile_totals "$WORK/export.perf" "$WORK/export-totals.txt"
    profile_table "$WORK/export-totals.txt" "$WORK/export-profile.md" 20
    EXPORT_PROFILE="$(cat "$WORK/export-profile.md")

$(export_reading "$WORK/export-totals.txt")"
fi
stop_pid "$SERVER_PID"

# --- 3. audit verification ------------------------------------------------------------------------------------------

say "3. audit: a chain of $AUDIT_ENTRIES entries written with Python (Sources/Vault/AuditChain.swift's format)"
AUDIT_DATA=$WORK/audit
mkdir -p "$AUDIT_DATA"
"$STEWARD" migrate --data-dir "$AUDIT_DATA" >/dev/null 2>&1
"$STEWARD" audit verify --data-dir "$AUDIT_DATA" >/dev/null 2>&1
python3 "$GENERATE" audit "$AUDIT_DATA/steward.sqlite" --entries "$AUDIT_ENTRIES" | tee "$WORK/audit-generate.txt"
AUDIT_DB_MB=$(calc "f'{$(stat -c %s "$AUDIT_DATA/steward.sqlite") / 1048576:.0f}'")
# Entries the log held before the generator (none: migrate writes none, and audit verify opens only the database).
AUDIT_FIRST=$((AUDIT_ENTRIES - $(field appended "$(cat "$WORK/audit-generate.txt")") + 1))

note_busy "audit verify"
VERIFY_SECONDS=()
for run in $(seq "$AUDIT_RUNS"); do
    say "3a. steward audit verify, run $run of $AUDIT_RUNS"
    VERIFY_LINE=$(python3 "$GENERATE" timed-run --output "$WORK/verify.txt" -- \
        "$STEWARD" audit verify --data-dir "$AUDIT_DATA")
    echo "$VERIFY_LINE"
    grep -Ev '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$WORK/verify.txt"
    [[ $(field exit "$VERIFY_LINE") == 0 ]] || fail "steward audit verify failed: $(tail -n 5 "$WORK/verify.txt")"
    grep -q "The audit log is intact: $AUDIT_ENTRIES entries." "$WORK/verify.txt" ||
        fail "steward audit verify did not find $AUDIT_ENTRIES intact entries: $(cat "$WORK/verify.txt")"
    VERIFY_SECONDS+=("$(field seconds "$VERIFY_LINE")")
done
VERIFY_OUTPUT=$(grep -Ev '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$WORK/verify.txt")
VERIFY_RSS_MB=$(calc "f'{$(field max_rss_kb "$VERIFY_LINE") / 1024:.0f}'")
VERIFY_CPU=$(calc "f'{$(field user_seconds "$VERIFY_LINE") + $(field system_seconds "$VERIFY_LINE"):.2f}'")
VERIFY_MEDIAN=$(printf '%s\n' "${VERIFY_SECONDS[@]}" | sort -n |
    awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
VERIFY_ALL=$(printf '%s s, ' "${VERIFY_SECONDS[@]}" | sed 's/, $//')
VERIFY_RATE=$(calc "int($AUDIT_ENTRIES / $VERIFY_MEDIAN)")
VERIFY_NET_RATE=$(calc "int($AUDIT_ENTRIES / max(0.001, $VERIFY_MEDIAN - $VERIFY_STARTUP))")
VERIFY_VERDICT=$(calc "'met' if $VERIFY_RATE >= 500000 else '**missed**'")

TAMPER_AT=$((AUDIT_ENTRIES / 2))
say "3b. tampering: entry $TAMPER_AT changed without its hash must make steward audit verify fail"
python3 "$GENERATE" tamper "$AUDIT_DATA/steward.sqlite" --sequence "$TAMPER_AT" --keep "$WORK/original.txt"
if "$STEWARD" audit verify --data-dir "$AUDIT_DATA" >"$WORK/tampered.txt" 2>&1; then
    fail "steward audit verify accepted a changed entry: $(cat "$WORK/tampered.txt")"
fi
grep -q "First bad entry: $TAMPER_AT (changed)" "$WORK/tampered.txt" ||
    fail "steward audit verify did not name entry $TAMPER_AT: $(cat "$WORK/tampered.txt")"
TAMPERED_OUTPUT=$(grep -Ev '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$WORK/tampered.txt" | paste -sd ' ')
echo "$TAMPERED_OUTPUT"
python3 "$GENERATE" tamper "$AUDIT_DATA/steward.sqlite" --sequence "$TAMPER_AT" --keep "$WORK/original.txt" --restore

VERIFY_PROFILE=""
if [[ $VERIFY_VERDICT != met && $PROFILE_OK == 1 ]]; then
    say "3c. profile: perf record of steward audit verify"
    perf record -e cpu-clock -F 999 -g -o "$WORK/verify.perf" -- \
        "$STEWARD" audit verify --data-dir "$AUDIT_DATA" >"$WORK/verify-perf.log" 2>&1 || true
    profile_totals "$WORK/verify.perf" "$WORK/verify-totals.txt"
    profile_table "$WORK/verify-totals.txt" "$WORK/verify-profile.md" 20
    VERIFY_PROFILE="$(cat "$WORK/verify-profile.md")

$(verify_reading "$WORK/verify-totals.txt")"
fi
rm -rf "$AUDIT_DATA"

# --- report ---------------------------------------------------------------------------------------------------------

MEMORY=$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
PYTHON_VERSION=$(python3 -c 'import platform; print(platform.python_version())')
CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
if [[ ${BENCH_SKIP_BUILD:-0} == 1 ]]; then
    COMMIT="$COMMIT (build skipped with BENCH_SKIP_BUILD=1: the binary may be older)"
fi
BUSY_TEXT=$(printf '%s, ' "${BUSY[@]}" | sed 's/, $//')

# Adds a profile under a heading when there is one.
profile_block() {
    [[ -n $2 ]] || return 0
    printf '\n%s\n\n%s\n' "$1" "$2"
}

SECTION=$WORK/section.md
cat >"$SECTION" <<EOF
<!-- privacy: written by scripts/bench/privacy.sh -->
## Privacy operations: retention sweep, data export, audit verification

Measured by \`bash scripts/bench/privacy.sh\` (also run by \`make bench\`) on $(date -u '+%Y-%m-%d %H:%M UTC'), in one
run on one machine: $(nproc) cores, $CPU_MODEL, $MEMORY RAM,
$(uname -sr). Steward: commit $COMMIT, \`swift build -c release --scratch-path .build-bench --product steward\`,
SQLite $SQLITE_STEWARD (SQLiteNIO, built with \`SQLITE_SECURE_DELETE\`). Reference: Python $PYTHON_VERSION with its
sqlite3 module (SQLite $SQLITE_PYTHON). CPU busy with other work in the second before each measurement (should be
near 0): $BUSY_TEXT.

| Measure | Steward | Reference | Ratio / figure | Target | |
|---|---|---|---|---|---|
| Retention sweep of $(grouped "$EXPIRED") expired security-log lines ($(grouped "$RECENT") recent ones stay) | $STEWARD_SWEEP s, $(grouped "$SWEEP_RATE") rows/s | raw batched DELETE: $RAW_SWEEP s, $(grouped "$RAW_RATE") rows/s | $SWEEP_RATIO | ≥ 0.7 | $SWEEP_VERDICT |
| Peak WAL during the sweep (sampled every ${SAMPLE_SECONDS}s) | $WAL_PEAK_MB MB | raw DELETE: $RAW_WAL_MB MB | | < $WAL_LIMIT_MB MB | $WAL_VERDICT |
| Export of a member with $(grouped "$EXPORT_HELD") consent records, $EXPORT_RUNS runs | p50 $EXPORT_P50 ms, max $EXPORT_MAX ms | | | every run < 1 s | $EXPORT_VERDICT |
| Audit verification, $(grouped "$AUDIT_ENTRIES") entries (median of $AUDIT_RUNS) | $(grouped "$VERIFY_RATE") entries/s ($VERIFY_MEDIAN s) | | | ≥ 500,000/s | $VERIFY_VERDICT |

**1. Retention sweep.** A data folder made with \`steward migrate\` and one \`steward retention run --dry-run\`
(which creates the development key and publishes the policy, so the measured run only sweeps), then
$(grouped "$EXPIRED") security-log lines from 455 to 91 days old and $(grouped "$RECENT") from 89 days to an hour old
(the policy keeps IP addresses 90 days), inserted in time order with UUIDv7 ids, 10,000 subjects and random bytes
for the sealed IP address and browser ($DB_MB MB database). Three copies of the folder:
- A: \`steward retention run --data-dir A\`, wall time of the whole command **start-up included** (start-up alone,
  on an empty data folder: $RETENTION_STARTUP s; without it the ratio would be $SWEEP_NET). It runs every rule; all
  but the security log find nothing. Batches of $BATCH (\`RetentionService.batchSize\`), each statement its own
  transaction: \`DELETE FROM security_events WHERE id IN (SELECT id FROM security_events WHERE created_at < ?
  LIMIT $BATCH) RETURNING 1 AS one\`. Peak RSS $RETENTION_RSS_MB MB, CPU $RETENTION_CPU s. The size of
  A/steward.sqlite-wal was sampled $WAL_SAMPLES times.
- B (reference): the same statement without \`RETURNING\`, batches of $BATCH in autocommit until a batch deletes
  fewer, in Python's sqlite3 with Steward's pragmas (WAL, \`synchronous = NORMAL\`, \`cache_size = -8192\`,
  \`temp_store = MEMORY\`, \`busy_timeout = 10000\`) and \`secure_delete = ON\`, which Steward's SQLite has by default
  (SQLiteNIO compiles it with \`SQLITE_SECURE_DELETE\`); timed from opening the connection to closing it (the
  final checkpoint included).
- C (information only): the reference with Python's default \`secure_delete = OFF\`: $RAW_OFF_SWEEP s,
  $(grouped "$RAW_OFF_RATE") rows/s.
- Checked after the runs: A, B and C each hold exactly $(grouped "$RECENT") lines, none older than 90 days, and
  their ids hash to the digest taken before the sweep; \`PRAGMA quick_check\` says ok. Steward's \`retention.run\`
  audit entry says \`security_log\` = $(grouped "$AUDITED").
$(profile_block "Profile of the sweep (perf, call graph):" "$SWEEP_PROFILE")

**2. Data export.** \`steward serve\` on a fresh data folder; a member registered through the form (GET
/account/register for the CSRF cookie and field, POST /account/register, with the newsletter consent), then
$(grouped "$EXPORT_RECORDS") consent records with their subject id inserted with Python's sqlite3 (plain rows;
other stores need the member's data key). POST /account/privacy/export with their session cookie and the CSRF
field, $EXPORT_WARMUP warm-up runs, then $EXPORT_RUNS timed ones with Python's urllib on loopback (whole answer
read): p50 $EXPORT_P50 ms, min $(field min_ms "$EXPORT_TIMES") ms, max $EXPORT_MAX ms. Checked in the last answer:
data.json lists all $(grouped "$EXPORT_HELD") consent records the database holds for the member, and its
\`consent_records\` category counts them; the ZIP (stored, uncompressed) is $EXPORT_ZIP_KB KB: data.json
$EXPORT_JSON_KB KB, data.html $EXPORT_HTML_KB KB and README.txt.
$(profile_block "Missed by $(calc "f'{$EXPORT_MAX - 1000:.0f}'") ms at the slowest run. Profile of the server during \
$EXPORT_RUNS more exports (\`perf record -e cpu-clock -F 999 -g -p PID\`, call graph, shares of all samples):" \
"$EXPORT_PROFILE")

**3. Audit verification.** A data folder made with \`steward migrate\` and one \`steward audit verify\` (which
opens only the database and writes nothing), then entries $(grouped "$AUDIT_FIRST") to $(grouped "$AUDIT_ENTRIES")
written with Python in the format of Sources/Vault/AuditChain.swift (SHA-256 over the length-prefixed fields and
the previous hash), a mix of sign-ins, failed sign-ins, consent changes, profile changes and exports with realistic actors, subjects,
request ids and details, and \`audit_head\` moved to the last one ($AUDIT_DB_MB MB database). \`steward audit verify
--data-dir D\`, wall time of the whole command **start-up included** ($VERIFY_ALL; start-up alone on an empty
log: $VERIFY_STARTUP s, so about $(grouped "$VERIFY_NET_RATE") entries/s without it; the command prints no timing of
its own). Peak RSS $VERIFY_RSS_MB MB, CPU $VERIFY_CPU s. Output: $VERIFY_OUTPUT The chain is real: with the
details of entry $TAMPER_AT changed (hash kept), the command exits 1 with: $TAMPERED_OUTPUT
$(profile_block "Profile of one more \`steward audit verify\` (\`perf record -e cpu-clock -F 999 -g\`, call graph,
shares of all samples):" "$VERIFY_PROFILE")

To reproduce by hand (D a data folder, G scripts/bench/privacy-generate.py, S .build-bench/release/steward):

\`\`\`sh
S migrate --data-dir D && S retention run --dry-run --data-dir D
python3 G security-events D/steward.sqlite --expired $EXPIRED --recent $RECENT --digest-file recent.sha256
cp -a D A && cp -a D B
python3 G timed-run --wal A/steward.sqlite-wal --interval $SAMPLE_SECONDS -- S retention run --data-dir A
python3 G raw-delete B/steward.sqlite --batch $BATCH --secure-delete on
python3 G check-security A/steward.sqlite --recent $RECENT --digest-file recent.sha256   # and B
STEWARD_BASE_URL=http://127.0.0.1:PORT S serve --port PORT --data-dir E &
python3 G export-bench --base-url http://127.0.0.1:PORT --db E/steward.sqlite \\
    --records $EXPORT_RECORDS --runs $EXPORT_RUNS
S migrate --data-dir F && S audit verify --data-dir F
python3 G audit F/steward.sqlite --entries $AUDIT_ENTRIES
python3 G timed-run -- S audit verify --data-dir F
\`\`\`
<!-- /privacy -->
EOF
# Sections without a profile leave empty lines behind: one is enough.
cat -s "$SECTION" >"$SECTION.tmp" && mv "$SECTION.tmp" "$SECTION"

if [[ -f $REPORT ]] && grep -q '^<!-- privacy:' "$REPORT"; then
    python3 - "$REPORT" "$SECTION" <<'PY'
import re, sys
report, section = sys.argv[1], open(sys.argv[2]).read()
text = open(report).read()
text = re.sub(r"<!-- privacy:.*?<!-- /privacy -->\n?", lambda _: section, text, flags=re.S)
open(report, "w").write(text)
PY
else
    { [[ -f $REPORT ]] && echo; cat "$SECTION"; } >>"$REPORT"
fi
say "wrote the privacy section of $REPORT"
cat "$SECTION"
