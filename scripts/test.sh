#!/usr/bin/env bash
# Runs Steward's whole test suite from a fresh clone, unattended (`make test`, CI's `.ci/run`):
#   install missing dependencies → start PostgreSQL and the SMTP sink → swift format lint → swift build
#   → swift test on SQLite → swift test on PostgreSQL → browser tests → stop the services.
# `scripts/test.sh e2e` (`make e2e`) runs only the browser tests against an already built .build/debug/steward
# (it still installs dependencies and starts the SMTP sink).
#
# Every step runs even after another one failed, except what cannot work without a build or services. The whole
# run stays within STEWARD_TEST_BUDGET_SECONDS (default 2700 = 45 min): each step gets at most what is left. The
# exit status is non-zero if any step failed, timed out or was skipped; services are stopped in every case
# (including Ctrl-C and SIGTERM).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
MODE=${1:-all}
case $MODE in
all | e2e) ;;
*)
    echo "usage: $0 [all|e2e]" >&2
    exit 2
    ;;
esac

export DEBIAN_FRONTEND=noninteractive
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export PIP_DISABLE_PIP_VERSION_CHECK=1
# A fresh shell on a machine with the toolchain in /opt/swift may not have it on PATH yet.
if ! command -v swift >/dev/null && [[ -x /opt/swift/usr/bin/swift ]]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi

BUDGET=${STEWARD_TEST_BUDGET_SECONDS:-2700}
CLEANUP_RESERVE=60
VENV_PYTHON="$ROOT/.venv/bin/python"
BINARY=${STEWARD_BINARY:-$ROOT/.build/debug/steward}
SUMMARY=()
FAILED=0
STEP_PID=""
SERVICES_STARTED=""

# Prints a banner that stands out in a long CI log.
section() {
    printf '\n%s\n== %s   [%s, %dm%02ds into the run]\n%s\n' \
        "================================================================================" "$1" "$(date +%H:%M:%S)" \
        $((SECONDS / 60)) $((SECONDS % 60)) \
        "================================================================================"
}

# Adds a line to the final summary; any status other than PASS fails the run.
result() {
    SUMMARY+=("$(printf '%-6s %-40s %s' "$1" "$2" "$3")")
    [[ $1 == PASS ]] || FAILED=1
}

# Runs a step: `step NAME MAX_SECONDS COMMAND...`. Returns the command's status.
# The command runs in the background under `timeout` so that a signal reaches our trap at once (bash defers traps
# while a foreground child runs) and so that `timeout` can kill its whole process group.
step() {
    local name=$1 max=$2 left started rc
    shift 2
    left=$((BUDGET - SECONDS - CLEANUP_RESERVE))
    if ((left <= 0)); then
        result SKIP "$name" "time budget of ${BUDGET}s used up"
        return 1
    fi
    ((max <= left)) || max=$left
    section "$name"
    started=$SECONDS
    timeout --kill-after=15 "$max" "$@" </dev/null &
    STEP_PID=$!
    wait "$STEP_PID"
    rc=$?
    STEP_PID=""
    if ((rc == 0)); then
        result PASS "$name" "$((SECONDS - started))s"
    elif ((rc == 124 || (rc == 137 && SECONDS - started >= max))); then
        echo "!! $name: timed out after ${max}s"
        result FAIL "$name" "timed out after ${max}s"
    else
        echo "!! $name: failed with exit status $rc"
        result FAIL "$name" "exit status $rc, $((SECONDS - started))s"
    fi
    return "$rc"
}

skip() {
    result SKIP "$1" "$2"
}

on_signal() {
    echo
    echo "!! received SIG$1; stopping"
    if [[ -n $STEP_PID ]]; then
        kill -TERM "$STEP_PID" 2>/dev/null
        wait "$STEP_PID" 2>/dev/null
    fi
    result FAIL "interrupted" "SIG$1"
    exit "$2"
}

on_exit() {
    local status=$?
    # A second Ctrl-C must not cut the cleanup short.
    trap '' INT TERM HUP
    if [[ -n $SERVICES_STARTED ]]; then
        section "Stop services"
        bash scripts/services.sh stop || result FAIL "stop services" "see above"
    fi
    section "Summary"
    printf '%s\n' "${SUMMARY[@]}"
    if ((FAILED != 0 || status != 0)); then
        printf '\nTESTS FAILED (%dm%02ds)\n' $((SECONDS / 60)) $((SECONDS % 60))
        ((status != 0)) || status=1
    else
        printf '\nALL TESTS PASSED (%dm%02ds)\n' $((SECONDS / 60)) $((SECONDS % 60))
    fi
    exit "$status"
}

trap on_exit EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

# Runs pytest on e2e/. Exit status 5 (no tests collected) is a failure like any other non-zero status.
browser_tests() {
    if [[ ! -x $BINARY ]]; then
        echo "!! $BINARY does not exist; build first (swift build)"
        result FAIL "Browser tests (pytest + Playwright)" "no binary at $BINARY"
        return 1
    fi
    if ! step "Browser tests (pytest + Playwright)" 900 env STEWARD_BINARY="$BINARY" "$VENV_PYTHON" -m pytest \
        -c e2e/pytest.ini --rootdir e2e e2e; then
        [[ ${SUMMARY[-1]} != *"exit status 5,"* ]] || echo "!! pytest collected no tests (exit status 5)"
        return 1
    fi
}

section "Steward test run ($MODE) in $ROOT"
if ! command -v swift >/dev/null; then
    echo "!! no Swift toolchain on PATH (expected swift or /opt/swift/usr/bin/swift)"
    result FAIL "swift toolchain" "not found"
    exit 1
fi
swift --version 2>&1 | head -n 1

step "Install missing dependencies" 1200 bash scripts/install-test-deps.sh || exit 1

if [[ $MODE == e2e ]]; then
    services=(smtp)
else
    services=(postgres smtp)
fi
SERVICES_STARTED=1
step "Start services (${services[*]})" 120 bash scripts/services.sh start "${services[@]}" || exit 1
# shellcheck source=/dev/null
source .test-services/env
echo "STEWARD_TEST_SMTP_PORT=$STEWARD_TEST_SMTP_PORT STEWARD_TEST_SMTP_MAILDIR=$STEWARD_TEST_SMTP_MAILDIR"
# The SQLite pass must not inherit a database URL from the caller's environment.
unset STEWARD_TEST_DATABASE_URL

if [[ $MODE == e2e ]]; then
    browser_tests
    exit 0
fi

echo "PostgreSQL for the second pass: $STEWARD_SERVICES_DATABASE_URL"
step "Lint (swift format lint --strict)" 600 \
    swift format lint --strict --configuration .swift-format --recursive Sources Tests

if step "Build (swift build --build-tests)" 2100 swift build --build-tests; then
    step "Unit tests on SQLite (swift test)" 900 env -u STEWARD_TEST_DATABASE_URL swift test --skip-build
    step "Unit tests on PostgreSQL (swift test)" 900 \
        env STEWARD_TEST_DATABASE_URL="$STEWARD_SERVICES_DATABASE_URL" swift test --skip-build
    browser_tests
else
    skip "Unit tests on SQLite (swift test)" "build failed"
    skip "Unit tests on PostgreSQL (swift test)" "build failed"
    skip "Browser tests (pytest + Playwright)" "build failed"
fi
exit 0
