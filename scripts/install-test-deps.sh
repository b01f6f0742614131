#!/usr/bin/env bash
# Installs what the test suite needs and is missing, without asking anything:
#   - Debian packages: chromium (browser tests), postgresql (if initdb/pg_ctl/postgres are neither on PATH nor in
#     /usr/lib/postgresql/*/bin), python3 and python3-venv (if a venv cannot be created). `apt-get update` runs
#     only when something must be installed.
#   - A Python venv at .venv with e2e/requirements.txt (aiosmtpd, playwright, pytest), reinstalled only when that
#     file changes. Playwright never downloads a browser: the tests drive Debian's chromium.
# Needs root (or password-less sudo) only when a Debian package is missing. Safe to run again.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VENV="$ROOT/.venv"
REQUIREMENTS="$ROOT/e2e/requirements.txt"
STAMP="$VENV/.steward-requirements.sha256"
export DEBIAN_FRONTEND=noninteractive
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf '[deps] %s\n' "$*"; }

# Runs a command as root: directly, or through password-less sudo.
as_root() {
    if ((EUID == 0)); then
        "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        log "ERROR: need root to run: $*"
        return 1
    fi
}

# Installs Debian packages without starting their services (a freshly installed postgresql would otherwise start
# a system-wide cluster that nobody asked for).
apt_install() {
    local policy=/usr/sbin/policy-rc.d added="" status=0
    log "installing Debian packages: $*"
    if [[ ! -e $policy ]]; then
        as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
        added=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q || status=$?
    if ((status == 0)); then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" || status=$?
    fi
    if [[ -n $added ]]; then
        as_root rm -f "$policy"
    fi
    return "$status"
}

packages=()
if ! command -v python3 >/dev/null; then
    packages+=(python3 python3-venv)
elif [[ ! -x $VENV/bin/python ]] && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    # Debian splits ensurepip out of the standard library into python3-venv.
    packages+=(python3-venv)
fi
if ! command -v chromium >/dev/null; then
    packages+=(chromium fonts-liberation)
fi
if ! pg_bin=$(bash "$ROOT/scripts/services.sh" find-postgres 2>/dev/null); then
    packages+=(postgresql)
elif [[ ! -x $pg_bin/psql ]] && ! command -v psql >/dev/null; then
    packages+=(postgresql-client)
fi

if ((${#packages[@]} > 0)); then
    apt_install "${packages[@]}"
else
    log "Debian packages: nothing missing"
fi
bash "$ROOT/scripts/services.sh" find-postgres >/dev/null || {
    log "ERROR: PostgreSQL server binaries still not found"
    exit 1
}
command -v chromium >/dev/null || {
    log "ERROR: chromium still not found"
    exit 1
}

if [[ -x $VENV/bin/python ]] && ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
    log "the venv at $VENV is broken (its Python is gone?); recreating it"
    rm -rf "$VENV"
fi
if [[ ! -x $VENV/bin/python ]]; then
    log "creating the venv at $VENV"
    python3 -m venv "$VENV"
fi
wanted=$(sha256sum "$REQUIREMENTS" | cut -d ' ' -f 1)
if [[ ! -f $STAMP || $(cat "$STAMP") != "$wanted" ]]; then
    log "installing e2e/requirements.txt into the venv"
    "$VENV/bin/python" -m pip install --quiet --progress-bar off -r "$REQUIREMENTS"
    echo "$wanted" >"$STAMP"
else
    log "venv is up to date"
fi
"$VENV/bin/python" -c 'import aiosmtpd, playwright, pytest' || {
    log "ERROR: the venv lacks aiosmtpd, playwright or pytest"
    exit 1
}
log "chromium: $(command -v chromium), PostgreSQL: $(bash "$ROOT/scripts/services.sh" find-postgres)"
