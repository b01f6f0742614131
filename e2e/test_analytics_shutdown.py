"""A graceful stop loses no analytics event that was answered 202.

Several threads POST events to /api/event as fast as the server answers; the server gets SIGTERM while they do.
Once it has exited, the events in its SQLite file must be exactly the ones it answered 202: the buffer is written
on the way out, and events arriving during the stop are written before they are answered.
"""

from __future__ import annotations

import http.client
import json
import signal
import sqlite3
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import StewardServer

SENDERS = 8
# SIGTERM goes out once this many events were accepted (or after SIGNAL_AFTER seconds, whichever comes first).
ACCEPTED_BEFORE_SIGNAL = 2_000
SIGNAL_AFTER = 15.0
EXIT_TIMEOUT = 60.0
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
    "Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.102 Mobile "
    "Safari/537.36",
]


@dataclass
class Tally:
    """What the senders saw, shared between them (under `lock`)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: dict[int, int] = field(default_factory=dict)
    accepted_after_signal: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    signalled: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def accepted(self) -> int:
        """Events answered 202."""
        with self.lock:
            return self.statuses.get(202, 0)


def send_events(server: StewardServer, number: int, tally: Tally) -> None:
    """POSTs events over one kept-alive connection until the server is gone (or `tally.stop` is set).

    Only complete answers count; a request whose answer never arrives counts as an error, not as accepted.
    """
    url = urllib.parse.urlsplit(server.base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    agent = AGENTS[number % len(AGENTS)]
    sent = 0
    while not tally.stop.is_set():
        sent += 1
        body = json.dumps(
            {"t": "pageview", "u": server.url(f"/blog/post-{sent % 40}?from=thread-{number}"), "r": "", "w": 1280}
        )
        try:
            connection.request(
                "POST", "/api/event", body=body, headers={"Content-Type": "text/plain", "User-Agent": agent}
            )
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            with tally.lock:
                tally.errors[type(error).__name__] = tally.errors.get(type(error).__name__, 0) + 1
            if tally.signalled.is_set():
                # The server is stopping: connections are refused or closed from now on.
                if isinstance(error, ConnectionRefusedError) or server.process.poll() is not None:
                    return
                continue
            time.sleep(0.05)
            continue
        with tally.lock:
            tally.statuses[response.status] = tally.statuses.get(response.status, 0) + 1
            if response.status == 202 and tally.signalled.is_set():
                tally.accepted_after_signal += 1


def test_sigterm_during_a_flood_of_events_loses_no_accepted_event(server: StewardServer) -> None:
    # Given senders flooding /api/event from several threads
    tally = Tally()
    senders = [threading.Thread(target=send_events, args=(server, n, tally), daemon=True) for n in range(SENDERS)]
    for sender in senders:
        sender.start()
    deadline = time.monotonic() + SIGNAL_AFTER
    while tally.accepted < ACCEPTED_BEFORE_SIGNAL and time.monotonic() < deadline:
        time.sleep(0.01)
    assert tally.accepted > 0, f"no event was accepted before the stop: {tally.statuses}, errors {tally.errors}"

    # When the server is told to stop while they keep sending
    tally.signalled.set()
    accepted_at_signal = tally.accepted
    server.process.send_signal(signal.SIGTERM)
    try:
        code = server.process.wait(timeout=EXIT_TIMEOUT)
    finally:
        tally.stop.set()
        for sender in senders:
            sender.join(timeout=30)

    # Then it stops by itself, cleanly
    assert code == 0, f"steward exited with {code} after SIGTERM; log:\n{server.log_tail()}"
    assert not any(sender.is_alive() for sender in senders), "a sender is still waiting for an answer"

    # And every event answered 202 is in the database, and nothing else
    with sqlite3.connect(server.data_dir / "steward.sqlite") as database:
        (stored,) = database.execute("SELECT COUNT(*) FROM analytics_events").fetchone()
    report = (
        f"202 answers: {tally.accepted} ({accepted_at_signal} before SIGTERM, {tally.accepted_after_signal} "
        f"received after it); all answers: {tally.statuses}; errors: {tally.errors}; rows: {stored}"
    )
    print(report)
    assert stored == tally.accepted, report
