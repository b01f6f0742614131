"""Crash safety of the retention sweep: kill -9 `steward retention run` in the middle, check, run it again, count.

The sweep deletes expired security-log lines in batches that each commit on their own. A run killed with SIGKILL
must leave an intact database with every line that is still within its retention period, and no claim that it
finished (no `retention.run` audit entry); the next run must delete exactly what is left and record those counts.

Runs the CLI only (no server, no mail): the data folder is made with `steward migrate` and filled with Python's
sqlite3, as the retention rules only look at `created_at`.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DAY_MS = 86_400_000
# The policy's `ip_address` rule (policy/policy.yaml): security-log lines are kept 90 days after collection.
RETENTION_DAYS = 90
EXPIRED = 200_000
RECENT = 1_000
# Kill once this many expired lines are gone (at least one batch committed, most still to go).
KILL_AFTER_DELETED = 30_000
TIMEOUT = 60.0


def _binary() -> Path:
    """The built CLI: $STEWARD_BINARY, else .build/debug/steward."""
    path = Path(os.environ.get("STEWARD_BINARY") or REPO_ROOT / ".build" / "debug" / "steward")
    assert os.access(path, os.X_OK), f"{path} does not exist: build first (`swift build`)"
    return path


def _environment() -> dict[str, str]:
    """The caller's environment without STEWARD_ settings (a test database URL must not redirect the CLI)."""
    return {key: value for key, value in os.environ.items() if not key.startswith("STEWARD_")}


def _run(binary: Path, *args: str) -> str:
    result = subprocess.run(
        [str(binary), *args], capture_output=True, text=True, timeout=TIMEOUT, env=_environment(), check=False
    )
    assert result.returncode == 0, f"steward {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _uuid7(milliseconds: int, rng: random.Random) -> str:
    """A UUIDv7 text id like Steward's `Identifier.make(milliseconds:)`."""
    rand = rng.getrandbits(64)
    high = ((milliseconds << 16) | 0x7000 | (rand >> 52)) & 0xFFFF_FFFF_FFFF_FFFF
    low = (rand & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
    text = f"{high:016x}{low:016x}"
    return f"{text[0:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:32]}"


def _fill(database: Path) -> set[str]:
    """Inserts the expired and recent lines in time order; returns the ids of the recent ones."""
    rng = random.Random(20_240_501)
    now = int(time.time() * 1000)
    subjects = [_uuid7(now - rng.randrange(700 * DAY_MS), rng) for _ in range(500)]
    # A day of margin on each side of the 90-day cut-off.
    expired = sorted(now - 455 * DAY_MS + rng.randrange(364 * DAY_MS) for _ in range(EXPIRED))
    recent = sorted(now - 89 * DAY_MS + rng.randrange(88 * DAY_MS) for _ in range(RECENT))
    rows = [
        (_uuid7(at, rng), rng.choice(subjects), "login", rng.randbytes(40), rng.randbytes(130), at, at)
        for at in expired + recent
    ]
    with sqlite3.connect(database) as connection:
        connection.executemany(
            "INSERT INTO security_events (id, subject_id, kind, ip_enc, user_agent_enc, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    connection.close()
    return {row[0] for row in rows[EXPIRED:]}


def _counts(connection: sqlite3.Connection) -> tuple[int, set[str]]:
    """Expired lines left, and the ids of the recent lines."""
    cutoff = int(time.time() * 1000) - RETENTION_DAYS * DAY_MS
    (expired,) = connection.execute("SELECT COUNT(*) FROM security_events WHERE created_at < ?", (cutoff,)).fetchone()
    recent = {row[0] for row in connection.execute("SELECT id FROM security_events WHERE created_at >= ?", (cutoff,))}
    return expired, recent


def _retention_runs(connection: sqlite3.Connection) -> list[dict[str, str]]:
    """The details of every `retention.run` audit entry, oldest first."""
    rows = connection.execute("SELECT details FROM audit_log WHERE action = 'retention.run' ORDER BY sequence")
    return [json.loads(details) for (details,) in rows]


def test_retention_run_survives_kill_minus_nine_and_the_next_run_finishes(tmp_path: Path) -> None:
    binary = _binary()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database = data_dir / "steward.sqlite"

    # Given a data folder with 200,000 expired security-log lines and 1,000 recent ones
    _run(binary, "migrate", "--data-dir", str(data_dir))
    recent_ids = _fill(database)

    # When `steward retention run` is killed with SIGKILL after some of the expired lines are gone
    log = tmp_path / "retention-1.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(binary), "retention", "run", "--data-dir", str(data_dir)],
            env=_environment(),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    watcher = sqlite3.connect(database, isolation_level=None, timeout=10)
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            (left,) = watcher.execute(
                "SELECT COUNT(*) FROM security_events WHERE created_at < ?",
                (int(time.time() * 1000) - RETENTION_DAYS * DAY_MS,),
            ).fetchone()
            if EXPIRED - left >= KILL_AFTER_DELETED:
                break
            assert process.poll() is None, (
                f"the run ended (status {process.returncode}) with {left} expired lines left, before it could be "
                f"killed:\n{log.read_text(errors='replace')}"
            )
            assert time.monotonic() < deadline, f"the sweep made no progress within {TIMEOUT:.0f} s ({left} left)"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        watcher.close()
    assert process.returncode == -signal.SIGKILL, f"the run was not killed but exited with {process.returncode}"

    # Then the database is intact, every recent line is there, some expired lines are left, and no run is recorded
    with sqlite3.connect(database) as connection:
        (integrity,) = connection.execute("PRAGMA integrity_check").fetchone()
        left, recent = _counts(connection)
        runs = _retention_runs(connection)
    connection.close()
    assert integrity == "ok", f"integrity_check after the crash: {integrity}"
    assert recent == recent_ids, f"{len(recent_ids - recent)} recent lines are missing after the crash"
    assert 0 < left <= EXPIRED - KILL_AFTER_DELETED, f"{left} expired lines left after the crash"
    assert runs == [], f"a killed run must not be recorded as finished: {runs}"
    print(f"killed after {EXPIRED - left} of {EXPIRED} expired lines were deleted; {left} left")

    # When it runs again to completion
    output = _run(binary, "retention", "run", "--data-dir", str(data_dir))

    # Then every expired line is gone, every recent one remains, and the audit log holds the completed run's counts
    assert f"Removed {left} item(s)." in output, output
    with sqlite3.connect(database) as connection:
        (integrity,) = connection.execute("PRAGMA integrity_check").fetchone()
        expired_after, recent = _counts(connection)
        runs = _retention_runs(connection)
    connection.close()
    assert integrity == "ok", f"integrity_check after the second run: {integrity}"
    assert expired_after == 0, f"{expired_after} expired lines survived the second run"
    assert recent == recent_ids, f"{len(recent_ids - recent)} recent lines were deleted"
    assert len(runs) == 1, f"expected one retention.run audit entry, found {runs}"
    assert runs[0]["security_log"] == str(left), runs[0]
    others = {task: count for task, count in runs[0].items() if task != "security_log"}
    assert others and all(count == "0" for count in others.values()), others
    assert "The audit log is intact" in _run(binary, "audit", "verify", "--data-dir", str(data_dir))
