"""The steward command line: configuration errors, migrate, admin create, audit verify (including tampering)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest


def run(binary: Path, *args: str, data_dir: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Runs `steward ARGS --data-dir DIR` with a clean STEWARD_ environment plus `env`."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("STEWARD_")}
    environment.update(env or {})
    return subprocess.run(
        [str(binary), *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        cwd=Path(__file__).resolve().parent.parent,
    )


def test_every_command_has_help(steward_binary: Path, tmp_path: Path) -> None:
    for command in (["serve"], ["migrate"], ["admin", "create"], ["audit", "verify"]):
        result = subprocess.run([str(steward_binary), *command, "--help"], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        assert "USAGE" in result.stdout.upper()


def test_invalid_configuration_lists_every_problem_and_stops(steward_binary: Path, tmp_path: Path) -> None:
    result = run(
        steward_binary,
        "serve",
        data_dir=tmp_path,
        env={"STEWARD_PORT": "eighty", "STEWARD_SMTP_URL": "http://mail.example", "STEWARD_MASTER_KEY": "short"},
    )
    assert result.returncode == 78
    for key in ("STEWARD_PORT", "STEWARD_SMTP_URL", "STEWARD_MASTER_KEY"):
        assert key in result.stderr, result.stderr
    assert "3 problem" in result.stderr


def test_migrate_admin_create_and_audit_verify(steward_binary: Path, tmp_path: Path) -> None:
    # Migrations apply once
    first = run(steward_binary, "migrate", data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Applied" in first.stdout
    again = run(steward_binary, "migrate", data_dir=tmp_path)
    assert "up to date" in again.stdout

    # An invitation link is printed (and audited)
    created = run(steward_binary, "admin", "create", "--email", "boss@example.test", data_dir=tmp_path)
    assert created.returncode == 0, created.stderr
    assert "/admin/setup?token=" in created.stdout
    run(steward_binary, "admin", "create", "--email", "second@example.test", "--role", "editor", data_dir=tmp_path)
    run(steward_binary, "admin", "create", "--email", "third@example.test", "--role", "privacy_officer", data_dir=tmp_path)
    bad_role = run(steward_binary, "admin", "create", "--email", "x@example.test", "--role", "king", data_dir=tmp_path)
    assert bad_role.returncode != 0

    # The audit log verifies
    intact = run(steward_binary, "audit", "verify", data_dir=tmp_path)
    assert intact.returncode == 0, intact.stderr
    # The policy's first publication and the three invitations.
    assert "intact: 4 entries" in intact.stdout

    database = tmp_path / "steward.sqlite"

    # A changed entry is named
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE audit_log SET details = '{\"role\":\"owner\"}' WHERE sequence = 3")
    changed = run(steward_binary, "audit", "verify", data_dir=tmp_path)
    assert changed.returncode == 1
    assert "entry 3" in changed.stdout and "changed" in changed.stdout, changed.stdout


@pytest.mark.parametrize("tamper, expected", [
    ("DELETE FROM audit_log WHERE sequence = 2", "removed"),
    ("UPDATE audit_log SET sequence = sequence + 100 WHERE sequence = 1; "
     "UPDATE audit_log SET sequence = 1 WHERE sequence = 2; "
     "UPDATE audit_log SET sequence = 2 WHERE sequence = 101", "reordered"),
])
def test_audit_verify_names_removed_and_reordered_entries(
    steward_binary: Path, tmp_path: Path, tamper: str, expected: str
) -> None:
    for index in range(3):
        run(steward_binary, "admin", "create", "--email", f"staff{index}@example.test", data_dir=tmp_path)
    with sqlite3.connect(tmp_path / "steward.sqlite") as connection:
        connection.executescript(tamper)
    result = run(steward_binary, "audit", "verify", data_dir=tmp_path)
    assert result.returncode == 1
    assert expected in result.stdout, result.stdout
    assert "entry " in result.stdout


def test_a_broken_policy_is_reported_in_full_and_serve_refuses_it(steward_binary: Path, tmp_path: Path) -> None:
    shipped = (Path(__file__).resolve().parent.parent / "policy" / "policy.yaml").read_text(encoding="utf-8")
    broken = shipped.replace("categories: [contact, identity]", "categories: [contact, nonsense]", 1).replace(
        "deadlineDays: 14", "deadlineDays: 45"
    )
    policy = tmp_path / "policy.yaml"
    policy.write_text(broken, encoding="utf-8")

    checked = subprocess.run(
        [str(steward_binary), "policy", "check", str(policy)], capture_output=True, text=True, timeout=30
    )
    assert checked.returncode == 1
    lines = [line for line in checked.stderr.splitlines() if line.startswith(str(policy) + ":")]
    assert len(lines) == 2, checked.stderr
    assert any("'nonsense'" in line for line in lines)
    assert any("deadlineDays" in line and "45" in line for line in lines)
    for line in lines:
        assert line.split(":")[1].isdigit(), f"no line number in {line!r}"

    served = run(steward_binary, "serve", "--port", "0", data_dir=tmp_path / "data", env={"STEWARD_POLICY_FILE": str(policy)})
    assert served.returncode != 0
    assert "'nonsense'" in served.stderr and "deadlineDays" in served.stderr, served.stderr


def test_a_message_to_the_mailto_address_unsubscribes(steward_binary: Path, tmp_path: Path) -> None:
    env = {"STEWARD_BASE_URL": "https://news.example.com", "STEWARD_MAIL_FROM": "news@example.com"}
    assert run(steward_binary, "migrate", data_dir=tmp_path, env=env).returncode == 0
    csv = tmp_path / "one.csv"
    csv.write_text("email,name,consent_source,consented_at\nada@example.net,Ada,sign-up sheet,2024-05-01\n")
    imported = run(steward_binary, "subscribers", "import", "--list", "newsletter", str(csv), data_dir=tmp_path, env=env)
    assert imported.returncode == 0, imported.stderr
    body = tmp_path / "news.md"
    body.write_text("Hello {{name}}.\n")
    created = run(
        steward_binary, "campaign", "create", "--list", "newsletter", "--subject", "News", "--body-file", str(body),
        data_dir=tmp_path, env=env,
    )
    assert created.returncode == 0, created.stderr
    sent = run(steward_binary, "campaign", "send", created.stdout.strip(), data_dir=tmp_path, env=env)
    assert sent.returncode == 0, sent.stderr
    message = next((tmp_path / "outbox" / "campaigns").rglob("*.eml")).read_bytes().decode()
    unfolded = message.replace("\r\n ", " ").replace("\r\n\t", " ")
    header = next(line for line in unfolded.split("\r\n") if line.startswith("List-Unsubscribe: "))
    mailto = header.split("<mailto:")[1].split(">")[0]
    address, subject = mailto.split("?subject=")
    subject = subject.replace("%20", " ")

    def pipe(text: str) -> subprocess.CompletedProcess[str]:
        environment = {key: value for key, value in os.environ.items() if not key.startswith("STEWARD_")}
        environment.update(env)
        return subprocess.run(
            [str(steward_binary), "subscribers", "unsubscribe-mail", "--data-dir", str(tmp_path)],
            input=text, capture_output=True, text=True, timeout=60, env=environment,
        )

    def subscriptions() -> int:
        with sqlite3.connect(tmp_path / "steward.sqlite") as db:
            return db.execute("SELECT COUNT(*) FROM subscriptions").fetchone()[0]

    # A message without a valid token is ignored, without an error the mail server would bounce
    ignored = pipe(f"From: someone@example.org\r\nTo: {address}\r\nSubject: unsubscribe me\r\n\r\nplease\r\n")
    assert ignored.returncode == 0, ignored.stderr
    assert "Ignored" in ignored.stdout
    assert subscriptions() == 1

    # The message a mail program sends for the mailto link unsubscribes
    done = pipe(f"From: ada@example.net\r\nTo: {address}\r\nSubject: {subject}\r\n\r\n")
    assert done.returncode == 0, done.stderr
    assert "Unsubscribed from Newsletter" in done.stdout
    assert subscriptions() == 0
