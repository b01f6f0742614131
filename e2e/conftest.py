"""Fixtures for Steward's browser tests (pytest + Playwright, sync API).

The tests drive a real `steward serve` process with Debian's chromium and read the e-mails it sends from the SMTP
sink's maildir. `make e2e` / `make test` set up everything; to run pytest by hand, start the sink first:

    scripts/services.sh start smtp && source .test-services/env
    .venv/bin/python -m pytest -c e2e/pytest.ini --rootdir e2e e2e
    scripts/services.sh stop

Fixtures:
    steward_binary  path of the built server (STEWARD_BINARY, default .build/debug/steward)
    server          a fresh server per test on a free port with its own data folder (`StewardServer`)
    mailbox         reads the messages the server sent (`Mailbox`)
    page            a fresh browser context and page per test, viewport 1280x900
    shot            `shot(name)` saves e2e/screenshots/<test>-<n>-<name>.png and ...-phone.png (390x844)

On a failing test, a screenshot (<test>-failure.png) is saved and the tail of the server log is printed.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parent
SCREENSHOT_DIR = E2E_DIR / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SERVER_START_TIMEOUT = 30.0
SERVER_STOP_TIMEOUT = 10.0
MAIL_TIMEOUT = 20.0
SETUP_LINK = re.compile(r"https?://\S+/admin/setup\?token=\S+")

REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()

# Playwright's 5 s default for expect() is tight for a debug build hashing passwords on a busy 2-core CI machine.
expect.set_options(timeout=10_000)


# --- pytest hooks -------------------------------------------------------------------------------------------------


def pytest_sessionstart(session: pytest.Session) -> None:
    """Empties e2e/screenshots so that it only holds pictures of this run."""
    shutil.rmtree(SCREENSHOT_DIR, ignore_errors=True)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """Keeps each phase's report on the item, so fixtures can tell in their teardown whether the test failed."""
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


def _failed(node: pytest.Item) -> bool:
    """Whether the setup or the body of the test failed."""
    reports = node.stash.get(REPORTS, {})
    return any(report.failed for report in reports.values())


def _slug(text: str) -> str:
    """A file-name-safe version of a test or screenshot name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


def _free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _required_env(name: str) -> str:
    """The value of an environment variable that `make e2e` sets; fails the test with a hint when it is missing."""
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the browser tests with `make e2e` (see e2e/conftest.py)", pytrace=False)
    return value


# --- server -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def steward_binary() -> Path:
    """The built server: $STEWARD_BINARY, else .build/debug/steward. Fails (never skips) when it is missing."""
    path = Path(os.environ.get("STEWARD_BINARY") or REPO_ROOT / ".build" / "debug" / "steward")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} does not exist: build first (`swift build`)", pytrace=False)
    return path


@dataclass
class StewardServer:
    """A running `steward serve`.

    `stdout_lines` fills while the server runs (stderr goes only to the log file); `log_path` holds both streams.
    """

    base_url: str
    data_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    stdout_lines: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        """The absolute URL of `path` (which starts with "/")."""
        return self.base_url + path

    def wait_for_stdout(self, needle: str, timeout: float = 10.0) -> str:
        """The first stdout line containing `needle`, waiting up to `timeout` seconds for it."""
        deadline = time.monotonic() + timeout
        while True:
            for line in list(self.stdout_lines):
                if needle in line:
                    return line
            if time.monotonic() > deadline:
                raise AssertionError(f"the server printed no line containing {needle!r} within {timeout:.0f} s")
            time.sleep(0.1)

    def setup_link(self, timeout: float = 10.0) -> str:
        """The one-time owner setup link the server prints on its first start."""
        line = self.wait_for_stdout("/admin/setup?token=", timeout)
        match = SETUP_LINK.search(line)
        if match is None:
            raise AssertionError(f"no setup URL in the server's line {line!r}")
        return match.group(0)

    def log_tail(self, lines: int = 80) -> str:
        """The last `lines` lines of the server log."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])


def _pump(stream: IO[bytes], log: IO[str], lock: threading.Lock, lines: list[str] | None) -> None:
    """Copies a child's output stream line by line into the shared log file (and into `lines`, if given)."""
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", errors="replace")
        with lock:
            log.write(line)
            log.flush()
        if lines is not None:
            lines.append(line.rstrip("\r\n"))
    stream.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if the process is still there after SERVER_STOP_TIMEOUT seconds."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=SERVER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        print(f"steward (PID {process.pid}) ignored SIGTERM for {SERVER_STOP_TIMEOUT:.0f} s; sending SIGKILL")
        process.kill()
        process.wait()


def _wait_until_healthy(server: StewardServer) -> None:
    """Polls GET /healthz until it answers 200; fails the test with the log tail on exit or timeout."""
    # No proxy: an http_proxy in the environment must not swallow requests to 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        code = server.process.poll()
        if code is not None:
            pytest.fail(f"steward exited with status {code} while starting; log:\n{server.log_tail()}", pytrace=False)
        try:
            with opener.open(server.url("/healthz"), timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(
                f"GET /healthz did not answer 200 within {SERVER_START_TIMEOUT:.0f} s; log:\n{server.log_tail()}",
                pytrace=False,
            )
        time.sleep(0.2)


@pytest.fixture
def server(steward_binary: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[StewardServer]:
    """A fresh `steward serve` on a free loopback port with an empty data folder, stopped after the test.

    It sends mail to the SMTP sink without TLS and builds links from STEWARD_BASE_URL.
    """
    smtp_port = _required_env("STEWARD_TEST_SMTP_PORT")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    log_path = tmp_path / "server.log"
    env = dict(os.environ)
    env["STEWARD_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_port}?tls=none"
    env["STEWARD_BASE_URL"] = base_url
    # `@pytest.mark.steward_env(NAME="value")` adds settings for one test.
    marker = request.node.get_closest_marker("steward_env")
    if marker is not None:
        env.update(marker.kwargs)
    # The server keeps the caller's process group: if the whole run is killed, the server goes with it.
    process = subprocess.Popen(
        [
            str(steward_binary), "serve",
            "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir),
        ],  # fmt: skip
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    instance = StewardServer(base_url=base_url, data_dir=data_dir, log_path=log_path, process=process)
    lock = threading.Lock()
    with log_path.open("w", encoding="utf-8") as log:
        assert process.stdout is not None and process.stderr is not None
        pumps = [
            threading.Thread(target=_pump, args=(process.stdout, log, lock, instance.stdout_lines), daemon=True),
            threading.Thread(target=_pump, args=(process.stderr, log, lock, None), daemon=True),
        ]
        for pump in pumps:
            pump.start()
        try:
            _wait_until_healthy(instance)
            yield instance
        finally:
            _stop(process)
            for pump in pumps:
                pump.join(timeout=5)
    if _failed(request.node):
        print(f"--- last lines of the server log ({log_path}) ---\n{instance.log_tail()}")


# --- mail ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mail:
    """One message the SMTP sink received, decoded."""

    subject: str
    text: str
    html: str
    mail_from: str
    rcpt_tos: tuple[str, ...]
    path: Path


class Mailbox:
    """Reads the SMTP sink's maildir: <n>.eml plus <n>.json ({"mail_from": …, "rcpt_tos": […]}).

    `wait_for` hands out each message once, oldest first, so consecutive calls return consecutive messages.
    """

    def __init__(self, maildir: Path) -> None:
        self.maildir = maildir
        self._taken: set[Path] = set()

    def _received(self) -> list[tuple[Path, dict[str, object]]]:
        """The messages received so far with their envelopes, oldest first.

        The sink writes <n>.json and then renames a finished <n>.eml into place, so an existing .eml is complete.
        """
        found: list[tuple[int, Path, dict[str, object]]] = []
        for eml in self.maildir.glob("*.eml"):
            try:
                envelope = json.loads(eml.with_suffix(".json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            order = int(eml.stem) if eml.stem.isdigit() else 0
            found.append((order, eml, envelope))
        found.sort(key=lambda entry: (entry[0], entry[1].name))
        return [(eml, envelope) for _, eml, envelope in found]

    @staticmethod
    def _parse(eml: Path, envelope: dict[str, object]) -> Mail:
        """Decodes a message file into a `Mail`."""
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        text_part = message.get_body(preferencelist=("plain",))
        html_part = message.get_body(preferencelist=("html",))
        rcpt_tos = envelope.get("rcpt_tos") or []
        assert isinstance(rcpt_tos, list)
        return Mail(
            subject=str(message.get("subject", "")),
            text=text_part.get_content() if text_part is not None else "",
            html=html_part.get_content() if html_part is not None else "",
            mail_from=str(envelope.get("mail_from", "")),
            rcpt_tos=tuple(str(rcpt) for rcpt in rcpt_tos),
            path=eml,
        )

    def wait_for(self, address: str, *, subject_contains: str | None = None, timeout: float = MAIL_TIMEOUT) -> Mail:
        """The oldest message to `address` (envelope recipient) not handed out before, waiting up to `timeout` s.

        - Parameters:
          - subject_contains: only messages whose subject contains this text count.
        """
        wanted = address.lower()
        deadline = time.monotonic() + timeout
        while True:
            for eml, envelope in self._received():
                if eml in self._taken:
                    continue
                rcpts = envelope.get("rcpt_tos") or []
                if not isinstance(rcpts, list) or wanted not in (str(rcpt).lower() for rcpt in rcpts):
                    continue
                mail = self._parse(eml, envelope)
                if subject_contains is not None and subject_contains not in mail.subject:
                    continue
                self._taken.add(eml)
                return mail
            if time.monotonic() > deadline:
                what = f" with a subject containing {subject_contains!r}" if subject_contains else ""
                raise AssertionError(f"no new mail to {address}{what} within {timeout:.0f} s in {self.maildir}")
            time.sleep(0.2)

    @staticmethod
    def first_url(mail: Mail | str, pattern: str | re.Pattern[str]) -> str:
        """The first URL matching `pattern` in the text part of `mail` (or in a given string)."""
        text = mail.text if isinstance(mail, Mail) else mail
        match = re.search(pattern, text)
        if match is None:
            raise AssertionError(f"no URL matching {pattern!r} in:\n{text}")
        return match.group(0)


@pytest.fixture
def mailbox() -> Mailbox:
    """The SMTP sink's maildir (STEWARD_TEST_SMTP_MAILDIR)."""
    return Mailbox(Path(_required_env("STEWARD_TEST_SMTP_MAILDIR")))


# --- browser ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """The Playwright driver, one per session."""
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless Debian chromium ($STEWARD_TEST_CHROMIUM, else `chromium` on PATH); Playwright's own is not used."""
    executable = os.environ.get("STEWARD_TEST_CHROMIUM") or shutil.which("chromium")
    if not executable:
        pytest.fail("chromium is not on PATH: run scripts/install-test-deps.sh", pytrace=False)
    # --no-sandbox: the tests run as root on CI, where chromium's sandbox refuses to start.
    # --disable-dev-shm-usage: containers often have a tiny /dev/shm, which makes chromium crash.
    instance = playwright.chromium.launch(
        executable_path=executable, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
    )
    yield instance
    instance.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser context (no cookies, no storage) per test."""
    instance = browser.new_context(viewport=DESKTOP, locale="en-US", timezone_id="UTC", color_scheme="light")
    instance.set_default_timeout(15_000)
    instance.set_default_navigation_timeout(20_000)
    yield instance
    instance.close()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page, 1280x900. When the test fails, its last state is saved as <test>-failure.png."""
    instance = context.new_page()
    yield instance
    if _failed(request.node):
        path = SCREENSHOT_DIR / f"{_slug(request.node.name)}-failure.png"
        try:
            instance.screenshot(path=str(path), full_page=True)
            print(f"failure screenshot of {instance.url}: {path}")
        except Exception as error:  # noqa: BLE001 - a broken page must not hide the real failure
            print(f"could not save a failure screenshot: {error}")


class Screenshots:
    """`shot(name)`: saves the page at desktop and at phone width, numbered in the order taken."""

    def __init__(self, page: Page, test_name: str) -> None:
        self._page = page
        self._test = _slug(test_name)
        self._count = 0

    def __call__(self, name: str) -> Path:
        """Saves <test>-<n>-<name>.png (1280 wide) and <test>-<n>-<name>-phone.png (390x844); returns the first."""
        self._count += 1
        stem = f"{self._test}-{self._count:02d}-{_slug(name)}"
        desktop = SCREENSHOT_DIR / f"{stem}.png"
        self._page.screenshot(path=str(desktop), full_page=True)
        self._page.set_viewport_size(PHONE)
        try:
            self._page.screenshot(path=str(SCREENSHOT_DIR / f"{stem}-phone.png"), full_page=True)
        finally:
            self._page.set_viewport_size(DESKTOP)
        return desktop


@pytest.fixture
def shot(page: Page, request: pytest.FixtureRequest) -> Screenshots:
    """See `Screenshots`."""
    return Screenshots(page, request.node.name)
