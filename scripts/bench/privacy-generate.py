#!/usr/bin/env python3
"""Data and reference programs for scripts/bench/privacy.sh (Steward's privacy-operations benchmarks).

    privacy-generate.py security-events DB --expired N --recent M [--subjects S] [--seed X] [--digest-file F]
        Inserts N expired security-log lines (older than the policy's 90 days) and M recent ones straight into
        Steward's SQLite database, in time order (as Steward writes them), with UUIDv7 ids and random bytes for the
        sealed IP address and browser (the retention sweep never opens them). Writes the digest of the recent ids.
    privacy-generate.py check-security DB --recent M --digest-file F
        Checks that exactly the M recent lines remain (their ids hash to the digest) and no expired one.
    privacy-generate.py raw-delete DB --batch N [--days 90] [--secure-delete on|off] [--wal-interval S]
        The reference: the batched DELETE Steward's retention issues, in Python's sqlite3 with Steward's pragmas,
        each batch its own transaction, until a batch deletes fewer than N rows. Prints seconds and the WAL's peak.
    privacy-generate.py timed-run [--wal FILE] [--interval S] [--output FILE] -- COMMAND …
        Runs COMMAND, timing it from start to exit, sampling the size of FILE every S seconds; prints seconds,
        the peak size, the child's peak RSS and CPU time.
    privacy-generate.py consents DB --count N
        Inserts N consent records for the only member in the database (plain rows: no data key needed).
    privacy-generate.py export-bench --base-url URL --db DB --records N [--runs R] [--warmup W] [--session-file F]
        Registers a member through the web form, gives them N consent records, times POST /account/privacy/export
        with their session and checks that the ZIP's data.json holds every record.
    privacy-generate.py export-again --base-url URL --session-file F [--runs R]
        Repeats the export with the session export-bench kept in F (to profile the server meanwhile).
    privacy-generate.py audit DB --entries N [--seed X]
        Appends hash-chained entries to the audit log (the format of Sources/Vault/AuditChain.swift) until it holds
        N entries, and moves the head.
    privacy-generate.py tamper DB --sequence K --keep FILE [--restore]
        Changes the details of one audit entry without fixing its hash (the original goes to FILE), or restores it.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import http.cookiejar
import io
import json
import os
import random
import re
import sqlite3
import statistics
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator

DAY_MS = 86_400_000
# The policy's `ip_address` rule (policy/policy.yaml): days_after_collection 90.
RETENTION_DAYS = 90
GENESIS = "0" * 64
CSRF_FIELD = re.compile(r'<input type="hidden" name="csrf" value="([^"]*)"')
KINDS = ["login"] * 70 + ["login_failed"] * 20 + ["register"] * 4 + ["email_change"] * 3 + ["password_change"] * 3
USER_AGENT_LENGTHS = (68, 84, 105, 111, 117, 129, 140)
CONSENT_PURPOSES = ["newsletter", "site_updates", "promotions_events", "advertising", "analytics_google", "partners"]


def now_ms() -> int:
    """Milliseconds since 1970, like Steward's clock."""
    return int(time.time() * 1000)


def uuid7(milliseconds: int, rng: random.Random) -> str:
    """A UUIDv7 text id built like Steward's `Identifier.make(milliseconds:)`."""
    rand = rng.getrandbits(64)
    high = ((milliseconds << 16) | 0x7000 | (rand >> 52)) & 0xFFFF_FFFF_FFFF_FFFF
    low = (rand & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
    text = f"{high:016x}{low:016x}"
    return f"{text[0:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:32]}"


def connect(path: str) -> sqlite3.Connection:
    """A connection in autocommit mode with Steward's pragmas (Sources/Storage/SQLiteSource.swift)."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA busy_timeout = 10000")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA cache_size = -8192")
    connection.execute("PRAGMA temp_store = MEMORY")
    return connection


def recent_digest(connection: sqlite3.Connection, cutoff: int) -> tuple[int, str]:
    """The number of lines at or after `cutoff` and the SHA-256 of their ids, sorted, one per line."""
    digest = hashlib.sha256()
    count = 0
    for (row_id,) in connection.execute(
        "SELECT id FROM security_events WHERE created_at >= ? ORDER BY id", (cutoff,)
    ):
        digest.update(row_id.encode() + b"\n")
        count += 1
    return count, digest.hexdigest()


# --- security log -------------------------------------------------------------------------------------------------


def security_events(args: argparse.Namespace) -> int:
    """Inserts expired and recent security-log lines; writes the digest of the recent ones."""
    rng = random.Random(args.seed)
    now = now_ms()
    subjects = [uuid7(now - 800 * DAY_MS + rng.randrange(700 * DAY_MS), rng) for _ in range(args.subjects)]
    # Expired: from 455 to 91 days ago; recent: from 89 days ago to an hour ago. The cut-off (90 days) is a day away
    # from both, so a run a few hours later still finds the same rows due.
    expired = sorted(now - 455 * DAY_MS + rng.randrange(364 * DAY_MS) for _ in range(args.expired))
    recent = sorted(now - 89 * DAY_MS + rng.randrange(89 * DAY_MS - 3_600_000) for _ in range(args.recent))

    def rows() -> Iterator[tuple[str, str, str, bytes, bytes, int, int]]:
        for created in expired + recent:
            ip_length = rng.choice((9, 11, 12, 13, 14, 15, 25, 39))
            ua_length = rng.choice(USER_AGENT_LENGTHS)
            yield (
                uuid7(created, rng),
                rng.choice(subjects),
                rng.choice(KINDS),
                rng.randbytes(12 + ip_length + 16),
                rng.randbytes(12 + ua_length + 16),
                created,
                created,
            )

    connection = sqlite3.connect(args.db, isolation_level=None)
    started = time.monotonic()
    # The load itself needs no WAL: one big transaction with a rollback journal, then the file goes back to WAL.
    connection.execute("PRAGMA journal_mode = DELETE")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("PRAGMA cache_size = -262144")
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO security_events (id, subject_id, kind, ip_enc, user_agent_enc, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows(),
    )
    connection.execute("COMMIT")
    connection.execute("PRAGMA journal_mode = WAL")
    count, digest = recent_digest(connection, now - RETENTION_DAYS * DAY_MS)
    connection.close()
    if count != args.recent:
        print(f"privacy-generate: {count} recent lines after the insert, expected {args.recent}", file=sys.stderr)
        return 1
    if args.digest_file:
        with open(args.digest_file, "w", encoding="utf-8") as file:
            file.write(digest + "\n")
    size = os.path.getsize(args.db)
    print(
        f"inserted expired={args.expired} recent={args.recent} subjects={args.subjects} "
        f"seconds={time.monotonic() - started:.1f} database_mb={size / 1048576:.0f}"
    )
    return 0


def check_security(args: argparse.Namespace) -> int:
    """Exit 0 when exactly the recent lines remain: right count, right ids, nothing expired."""
    with open(args.digest_file, encoding="utf-8") as file:
        expected = file.read().strip()
    connection = connect(args.db)
    cutoff = now_ms() - RETENTION_DAYS * DAY_MS
    (total,) = connection.execute("SELECT COUNT(*) FROM security_events").fetchone()
    (expired,) = connection.execute("SELECT COUNT(*) FROM security_events WHERE created_at < ?", (cutoff,)).fetchone()
    count, digest = recent_digest(connection, cutoff)
    (integrity,) = connection.execute("PRAGMA quick_check").fetchone()
    connection.close()
    ok = total == args.recent and expired == 0 and count == args.recent and digest == expected and integrity == "ok"
    print(
        f"{'ok' if ok else 'WRONG'}: total={total} expired={expired} recent={count} "
        f"recent_ids={'same' if digest == expected else 'DIFFERENT'} quick_check={integrity}"
    )
    return 0 if ok else 1


class FileSampler:
    """Samples a file's size every `interval` seconds on a thread and keeps the peak (0 while it is missing)."""

    def __init__(self, path: str | None, interval: float) -> None:
        self.path = path
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        if self.path is None:
            return
        try:
            size = os.stat(self.path).st_size
        except FileNotFoundError:
            size = 0
        self.peak = max(self.peak, size)
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> FileSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def raw_delete(args: argparse.Namespace) -> int:
    """The reference sweep: Steward's statement in batches, autocommit, Steward's pragmas."""
    wal = args.db + "-wal"
    cutoff = now_ms() - args.days * DAY_MS
    statement = (
        "DELETE FROM security_events WHERE id IN "
        "(SELECT id FROM security_events WHERE created_at < ? LIMIT ?)"
    )
    with FileSampler(wal, args.wal_interval) as sampler:
        started = time.monotonic()
        connection = connect(args.db)
        connection.execute(f"PRAGMA secure_delete = {args.secure_delete.upper()}")
        (mode,) = connection.execute("PRAGMA journal_mode = WAL").fetchone()
        total = 0
        batches = 0
        while True:
            deleted = connection.execute(statement, (cutoff, args.batch)).rowcount
            total += deleted
            batches += 1
            if deleted < args.batch:
                break
        connection.close()
        seconds = time.monotonic() - started
    print(
        f"seconds={seconds:.3f} deleted={total} batches={batches} journal_mode={mode} "
        f"secure_delete={args.secure_delete} sqlite={sqlite3.sqlite_version} peak_wal_bytes={sampler.peak} "
        f"samples={sampler.samples}"
    )
    return 0


def timed_run(args: argparse.Namespace) -> int:
    """Runs a command, timing it, sampling a file's size; its output goes to --output."""
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        print("privacy-generate: timed-run needs a command after --", file=sys.stderr)
        return 2
    output = open(args.output, "wb") if args.output else subprocess.DEVNULL
    with FileSampler(args.wal, args.interval) as sampler:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    if args.output:
        output.close()  # type: ignore[union-attr]
    print(
        f"seconds={seconds:.3f} exit={process.returncode} peak_wal_bytes={sampler.peak} samples={sampler.samples} "
        f"max_rss_kb={usage.ru_maxrss} user_seconds={usage.ru_utime:.2f} system_seconds={usage.ru_stime:.2f}"
    )
    return 0


# --- data export --------------------------------------------------------------------------------------------------


def insert_consents(path: str, count: int, seed: int = 7) -> tuple[str, int]:
    """Gives the only member `count` consent records; returns their subject id and how many records they hold."""
    rng = random.Random(seed)
    connection = connect(path)
    members = connection.execute("SELECT subject_id FROM members").fetchall()
    if len(members) != 1:
        raise SystemExit(f"privacy-generate: expected one member in {path}, found {len(members)}")
    (subject,) = members[0]
    version, policy_hash = connection.execute(
        "SELECT version, content_hash FROM policy_versions ORDER BY version DESC LIMIT 1"
    ).fetchone()
    start = now_ms() - 700 * DAY_MS
    rows = []
    for n in range(count):
        created = start + n * (700 * DAY_MS // count) + rng.randrange(3_600_000)
        rows.append(
            (
                uuid7(created, rng),
                subject,
                CONSENT_PURPOSES[n % len(CONSENT_PURPOSES)],
                n % 3 != 0,
                version,
                policy_hash,
                ("settings", "banner", "gpc")[n % 3],
                f"{rng.getrandbits(48):012x}-{n:x}",
                created,
                created,
            )
        )
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(
        "INSERT INTO consent_records (id, subject_id, purpose, granted, policy_version, policy_hash, method, "
        "request_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    connection.execute("COMMIT")
    (held,) = connection.execute("SELECT COUNT(*) FROM consent_records WHERE subject_id = ?", (subject,)).fetchone()
    connection.close()
    return subject, held


def consents(args: argparse.Namespace) -> int:
    """Command: insert consent records for the only member."""
    subject, held = insert_consents(args.db, args.count)
    print(f"subject={subject} consent_records={held}")
    return 0


class Browser:
    """urllib with a cookie jar, following redirects, ignoring any proxy (requests go to loopback)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(self.jar)
        )

    def get(self, path: str) -> tuple[str, str]:
        """GETs a page; returns the final URL and the text."""
        with self.opener.open(self.base_url + path, timeout=60) as response:
            return response.geturl(), response.read().decode("utf-8", errors="replace")

    def post(self, path: str, fields: dict[str, str]) -> tuple[str, str, bytes]:
        """POSTs a form; returns the final URL, the content type and the body."""
        request = urllib.request.Request(
            self.base_url + path,
            data=urllib.parse.urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        with self.opener.open(request, timeout=120) as response:
            return response.geturl(), response.headers.get("Content-Type", ""), response.read()

    def csrf(self, path: str) -> str:
        """The CSRF field of the form on `path`."""
        _, page = self.get(path)
        match = CSRF_FIELD.search(page)
        if match is None:
            raise SystemExit(f"privacy-generate: no CSRF field on {path}:\n{page[:1500]}")
        return html.unescape(match.group(1))


def export_bench(args: argparse.Namespace) -> int:
    """Registers a member, gives them records, times the export and checks its data.json."""
    browser = Browser(args.base_url)
    fields = {
        "csrf": browser.csrf("/account/register"),
        "name": "Export Bench",
        "email": "export.bench@example.com",
        "password": "bench: a long passphrase nobody guesses 7",
        "street": "Rue de la Loi 16",
        "postalCode": "1000",
        "city": "Brussels",
        "country": "Belgium",
        "extra": "",
        "consent_newsletter": "on",
    }
    landed, _, _ = browser.post("/account/register", fields)
    if urllib.parse.urlsplit(landed).path != "/account":
        raise SystemExit(f"privacy-generate: registration led to {landed}, not /account")
    subject, held = insert_consents(args.db, args.records)
    token = browser.csrf("/account/privacy")

    def export() -> tuple[float, bytes]:
        started = time.perf_counter()
        _, content_type, body = browser.post("/account/privacy/export", {"csrf": token})
        elapsed = time.perf_counter() - started
        if content_type != "application/zip":
            raise SystemExit(f"privacy-generate: the export answered {content_type}, not a ZIP")
        return elapsed, body

    for _ in range(args.warmup):
        export()
    times = []
    body = b""
    for _ in range(args.runs):
        elapsed, body = export()
        times.append(elapsed * 1000)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = sorted(archive.namelist())
        data = json.loads(archive.read("data.json"))
        html_bytes = len(archive.read("data.html"))
        json_bytes = len(archive.read("data.json"))
    exported = len(data.get("consents", []))
    category = next((c for c in data.get("categories", []) if c.get("id") == "consent_records"), {})
    ok = exported == held and category.get("items") == held and held >= args.records
    times.sort()
    if args.session_file:
        with open(args.session_file, "w", encoding="utf-8") as file:
            json.dump({"cookies": [[c.name, c.value] for c in browser.jar], "csrf": token}, file)
    print(
        f"{'ok' if ok else 'WRONG'}: records_in_database={held} consents_in_data_json={exported} "
        f"category_items={category.get('items')} files={','.join(names)} zip_bytes={len(body)} "
        f"json_bytes={json_bytes} html_bytes={html_bytes}"
    )
    print(
        f"runs={args.runs} warmup={args.warmup} p50_ms={statistics.median(times):.1f} "
        f"min_ms={times[0]:.1f} max_ms={times[-1]:.1f} subject={subject}"
    )
    return 0 if ok else 1


def export_again(args: argparse.Namespace) -> int:
    """Repeats the export with the session export-bench saved (to profile the server while it answers)."""
    with open(args.session_file, encoding="utf-8") as file:
        session = json.load(file)
    cookie = "; ".join(f"{name}={value}" for name, value in session["cookies"])
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for _ in range(args.runs):
        request = urllib.request.Request(
            args.base_url.rstrip("/") + "/account/privacy/export",
            data=urllib.parse.urlencode({"csrf": session["csrf"]}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )
        with opener.open(request, timeout=120) as response:
            if response.headers.get("Content-Type") != "application/zip":
                raise SystemExit("privacy-generate: the export did not answer with a ZIP")
            response.read()
    print(f"exports={args.runs}")
    return 0


# --- audit log ----------------------------------------------------------------------------------------------------


def encode_string(text: str) -> bytes:
    """A string as AuditChain hashes it: UTF-8 length (8 bytes, big-endian), then the bytes."""
    data = text.encode("utf-8")
    return struct.pack(">Q", len(data)) + data


def encode_optional(text: str | None) -> bytes:
    """An optional string: 0 for nil, else 1 followed by the string."""
    return b"\x00" if text is None else b"\x01" + encode_string(text)


def chain_hash(
    previous: str,
    sequence: int,
    occurred_at: int,
    actor: str,
    subject: str | None,
    action: str,
    request_id: str | None,
    details: str,
) -> str:
    """`AuditChain.hash(record:previousHash:)` of Sources/Vault/AuditChain.swift."""
    data = b"".join(
        (
            encode_string("steward.audit-chain.v1"),
            encode_string(previous),
            struct.pack(">q", sequence),
            struct.pack(">q", occurred_at),
            encode_string(actor),
            encode_optional(subject),
            encode_string(action),
            encode_optional(request_id),
            encode_string(details),
        )
    )
    return hashlib.sha256(data).hexdigest()


def audit(args: argparse.Namespace) -> int:
    """Appends entries to the audit log until it holds `entries`, continuing the stored chain."""
    rng = random.Random(args.seed)
    connection = connect(args.db)
    sequence, previous = connection.execute("SELECT sequence, hash FROM audit_head WHERE id = 1").fetchone()
    (last,) = connection.execute("SELECT COALESCE(MAX(occurred_at), 0) FROM audit_log").fetchone()
    members = [(uuid7(now_ms() - rng.randrange(700 * DAY_MS), rng), uuid7(now_ms(), rng)) for _ in range(5000)]
    prefix = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") for _ in range(8))
    count = args.entries - sequence
    if count < 0:
        raise SystemExit(f"privacy-generate: the log already holds {sequence} entries")
    occurred = max(last, now_ms() - count * 60)
    started = time.monotonic()

    def entry(n: int) -> tuple[str, str | None, str, str | None, str]:
        member, subject = members[rng.randrange(len(members))]
        request = f"{prefix}-{n:x}"
        pick = rng.randrange(100)
        if pick < 55:
            return f"member:{member}", subject, "auth.login", request, "{}"
        if pick < 70:
            return "anonymous", subject, "auth.login_failed", request, '{"reason":"password"}'
        if pick < 85:
            purpose = CONSENT_PURPOSES[n % len(CONSENT_PURPOSES)]
            granted = "true" if n % 2 else "false"
            return f"member:{member}", subject, "consent.change", request, (
                f'{{"granted":"{granted}","method":"settings","policy_version":"1","purpose":"{purpose}"}}'
            )
        if pick < 93:
            return f"member:{member}", subject, "account.update", request, '{"fields":"city,street"}'
        if pick < 98:
            return f"member:{member}", subject, "privacy.export", request, '{"format":"steward-export/1"}'
        return "system", None, "retention.inactive_warning", None, "{}"

    def rows() -> Iterator[tuple[object, ...]]:
        nonlocal sequence, previous, occurred
        for n in range(count):
            sequence += 1
            occurred += rng.randrange(1, 120)
            actor, subject, action, request, details = entry(n)
            digest = chain_hash(previous, sequence, occurred, actor, subject, action, request, details)
            yield (sequence, occurred, actor, subject, action, request, details, previous, digest)
            previous = digest

    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(
        "INSERT INTO audit_log (sequence, occurred_at, actor, subject, action, request_id, details, previous_hash, "
        "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows(),
    )
    connection.execute("UPDATE audit_head SET sequence = ?, hash = ? WHERE id = 1", (sequence, previous))
    connection.execute("COMMIT")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    print(f"appended={count} entries={sequence} seconds={time.monotonic() - started:.1f} head={previous[:16]}…")
    return 0


def tamper(args: argparse.Namespace) -> int:
    """Changes one entry's details without fixing its hash, keeping the original in a file; or puts it back."""
    connection = connect(args.db)
    if args.restore:
        with open(args.keep, encoding="utf-8") as file:
            original = file.read()
        connection.execute("UPDATE audit_log SET details = ? WHERE sequence = ?", (original, args.sequence))
        print(f"entry {args.sequence}: restored {original}")
    else:
        (original,) = connection.execute(
            "SELECT details FROM audit_log WHERE sequence = ?", (args.sequence,)
        ).fetchone()
        with open(args.keep, "w", encoding="utf-8") as file:
            file.write(original)
        changed = original.replace("}", ',"tampered":"yes"}') if original != "{}" else '{"tampered":"yes"}'
        connection.execute("UPDATE audit_log SET details = ? WHERE sequence = ?", (changed, args.sequence))
        print(f"entry {args.sequence}: {original} -> {changed}")
    connection.close()
    return 0


# --- command line -------------------------------------------------------------------------------------------------


def main() -> int:
    """Parses the command line and runs one command."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command_name", required=True)

    command = commands.add_parser("security-events", help="insert expired and recent security-log lines")
    command.add_argument("db")
    command.add_argument("--expired", type=int, required=True)
    command.add_argument("--recent", type=int, required=True)
    command.add_argument("--subjects", type=int, default=10_000)
    command.add_argument("--seed", type=int, default=1)
    command.add_argument("--digest-file")
    command.set_defaults(run=security_events)

    command = commands.add_parser("check-security", help="check that exactly the recent lines remain")
    command.add_argument("db")
    command.add_argument("--recent", type=int, required=True)
    command.add_argument("--digest-file", required=True)
    command.set_defaults(run=check_security)

    command = commands.add_parser("raw-delete", help="the reference batched DELETE")
    command.add_argument("db")
    command.add_argument("--batch", type=int, required=True)
    command.add_argument("--days", type=int, default=RETENTION_DAYS)
    command.add_argument("--secure-delete", choices=("on", "off"), default="on")
    command.add_argument("--wal-interval", type=float, default=0.05)
    command.set_defaults(run=raw_delete)

    command = commands.add_parser("timed-run", help="time a command and sample a file's size")
    command.add_argument("--wal")
    command.add_argument("--interval", type=float, default=0.05)
    command.add_argument("--output")
    command.add_argument("command", nargs=argparse.REMAINDER)
    command.set_defaults(run=timed_run)

    command = commands.add_parser("consents", help="insert consent records for the only member")
    command.add_argument("db")
    command.add_argument("--count", type=int, required=True)
    command.set_defaults(run=consents)

    command = commands.add_parser("export-bench", help="time POST /account/privacy/export")
    command.add_argument("--base-url", required=True)
    command.add_argument("--db", required=True)
    command.add_argument("--records", type=int, default=10_000)
    command.add_argument("--runs", type=int, default=20)
    command.add_argument("--warmup", type=int, default=3)
    command.add_argument("--session-file", help="where to keep the session for export-again")
    command.set_defaults(run=export_bench)

    command = commands.add_parser("export-again", help="repeat the export with a saved session")
    command.add_argument("--base-url", required=True)
    command.add_argument("--session-file", required=True)
    command.add_argument("--runs", type=int, default=20)
    command.set_defaults(run=export_again)

    command = commands.add_parser("audit", help="write a valid audit chain")
    command.add_argument("db")
    command.add_argument("--entries", type=int, required=True)
    command.add_argument("--seed", type=int, default=1)
    command.set_defaults(run=audit)

    command = commands.add_parser("tamper", help="change or restore one audit entry")
    command.add_argument("db")
    command.add_argument("--sequence", type=int, required=True)
    command.add_argument("--keep", required=True, help="file that keeps the original details")
    command.add_argument("--restore", action="store_true")
    command.set_defaults(run=tamper)

    args = parser.parse_args()
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
