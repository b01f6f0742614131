"""Crash safety of campaign sending: kill -9 the server in the middle of a send, start it again, and count.

Every recipient must get the campaign, nobody may be skipped, and at most one message per connection in flight may
arrive twice per crash. The server sends over one connection here (STEWARD_MAIL_CONCURRENCY=1), so each crash may
cause at most one duplicate. Messages go to the loopback aiosmtpd sink that `make test` starts.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import socket
import subprocess
import time
import uuid
from collections import Counter
from pathlib import Path

RECIPIENTS = 600
CRASH_AFTER = (150, 380)
TIMEOUT = 180.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(data_dir: Path, port: int) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("STEWARD_")}
    environment.update(
        {
            "STEWARD_DATA_DIR": str(data_dir),
            "STEWARD_BASE_URL": f"http://127.0.0.1:{port}",
            "STEWARD_SMTP_URL": f"smtp://127.0.0.1:{os.environ['STEWARD_TEST_SMTP_PORT']}?tls=none",
            "STEWARD_MAIL_CONCURRENCY": "1",
        }
    )
    return environment


def _run(binary: Path, *args: str, env: dict[str, str]) -> str:
    result = subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, f"steward {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _received(maildir: Path, domain: str) -> list[tuple[str, str]]:
    """(recipient, Message-ID) of every message the sink received for `domain`."""
    found = []
    for envelope_path in maildir.glob("*.json"):
        try:
            envelope = json.loads(envelope_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        recipients = [rcpt for rcpt in envelope.get("rcpt_tos", []) if rcpt.endswith("@" + domain)]
        eml = envelope_path.with_suffix(".eml")
        if not recipients or not eml.exists():
            continue
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        found.extend((rcpt, str(message["Message-ID"])) for rcpt in recipients)
    return found


def _start(binary: Path, port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [str(binary), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
            time.sleep(0.1)
    raise AssertionError("the server did not listen within 30 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_campaign_survives_kill_minus_nine_without_skipping_anyone(steward_binary: Path, tmp_path: Path) -> None:
    maildir = Path(os.environ["STEWARD_TEST_SMTP_MAILDIR"])
    domain = f"crash-{uuid.uuid4().hex[:8]}.test"
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    port = _free_port()
    env = _environment(data_dir, port)
    log = tmp_path / "server.log"

    # Given a list of subscribers and a campaign to them
    csv = tmp_path / "subscribers.csv"
    rows = ["email,name,consent_source,consented_at"]
    rows += [f"r{n:04d}@{domain},Reader {n},crash test,2024-05-01" for n in range(RECIPIENTS)]
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _run(steward_binary, "migrate", env=env)
    _run(steward_binary, "subscribers", "import", "--list", "newsletter", str(csv), env=env)
    body = tmp_path / "campaign.md"
    body.write_text("Hello {{name}},\n\nThis is the crash test.\n", encoding="utf-8")
    campaign = _run(
        steward_binary, "campaign", "create", "--list", "newsletter", "--subject", "Crash test", "--body-file",
        str(body), env=env,
    ).strip()  # fmt: skip

    # When the running server sends it and is killed with SIGKILL twice in the middle, then started again
    server = _start(steward_binary, port, env, log)
    crashes = 0
    try:
        _run(steward_binary, "campaign", "start", campaign, env=env)
        for threshold in CRASH_AFTER:
            deadline = time.monotonic() + TIMEOUT
            while len(_received(maildir, domain)) < threshold:
                assert time.monotonic() < deadline, "sending stalled before the crash"
                time.sleep(0.02)
            server.send_signal(signal.SIGKILL)
            server.wait()
            crashes += 1
            server = _start(steward_binary, port, env, log)
        deadline = time.monotonic() + TIMEOUT
        while True:
            listing = _run(steward_binary, "campaign", "list", env=env)
            if f"{campaign}  sent" in listing:
                break
            assert time.monotonic() < deadline, f"the campaign did not finish:\n{listing}"
            time.sleep(0.5)
    finally:
        _stop(server)

    # Then everyone got it, and duplicates are at most one per crash, each the same message (same Message-ID)
    received = _received(maildir, domain)
    per_recipient = Counter(rcpt for rcpt, _ in received)
    expected = {f"r{n:04d}@{domain}" for n in range(RECIPIENTS)}
    missing = expected - set(per_recipient)
    assert not missing, f"{len(missing)} recipients were skipped, e.g. {sorted(missing)[:3]}"
    duplicates = sum(count - 1 for count in per_recipient.values())
    print(f"{len(received)} messages for {RECIPIENTS} recipients after {crashes} crashes: {duplicates} duplicates")
    assert duplicates <= crashes, f"{duplicates} duplicates after {crashes} crashes"
    ids: dict[str, set[str]] = {}
    for rcpt, message_id in received:
        ids.setdefault(rcpt, set()).add(message_id)
    assert all(len(found) == 1 for found in ids.values()), "a resent message must keep its Message-ID"
