"""Cookie-less analytics from end to end: a visitor browses the site, the owner reads the counts.

A visitor (its own browser context) loads three of the site's pages, hides the tab on one of them and clicks a link to
another site; every request to /api/event is recorded. After the raw events are written, `steward analytics rollup`
brings the roll-ups up to date (instead of waiting for the server's once-a-minute job), and the owner checks the
figures on /admin/analytics and through /api/stats with an API token. A second test browses the same way with
Global Privacy Control on and checks that nothing is sent.

Three things the tests arrange so that the figures are exact:
- Headless chromium says "HeadlessChrome" in its user agent, which Steward rightly counts as a bot (answered 202,
  not stored). The visitor's context therefore uses the user agent of an ordinary desktop Chrome of the same version.
- No public page links to another site (the footer and the policy only have links to this site and a mailto:), so
  the test adds one link to the page it is on, the way a page's content would, and answers the other site's host
  with a stub page through `context.route`: nothing leaves the machine.
- Playwright's clock is installed and paused, so the visitor spends exactly ENGAGED_MS on the page it hides and no
  time at all anywhere else (the script only reports a visible time of 1 s or more).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import sqlite3
import struct
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Browser, BrowserContext, Locator, Page, Request, Response, expect

if TYPE_CHECKING:
    from conftest import Screenshots, StewardServer

PASSWORD = "Signal-Orchard-42-Quiet"
DESKTOP = {"width": 1280, "height": 900}
ENGAGED_MS = 3000
OUTBOUND = "https://partner.example/welcome"
# How long the raw events may take to reach the database (the server writes its buffer twice a second).
FLUSH_TIMEOUT = 10.0
ROLLUP_TIMEOUT = 60.0
# Overrides document.visibilityState and fires the event, as a browser does when the tab goes to the background
# (headless chromium fires no visibilitychange when another page is brought to the front).
SET_VISIBILITY = """state => {
    Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => state});
    document.dispatchEvent(new Event('visibilitychange'));
}"""
# Appends a link to another site to the footer, as a page's own content would have it.
ADD_OUTBOUND_LINK = """href => {
    const link = document.createElement('a');
    link.href = href;
    link.textContent = 'Our partner';
    document.querySelector('.site-footer__bottom').append(link);
}"""
GPC = "Object.defineProperty(navigator, 'globalPrivacyControl', {get: function () { return true; }});"
ROLLUP_LINE = re.compile(r"^\[\d+/\d+\] (\d{4}-\d{2}-\d{2}): (\d+) events, \d+ roll-up rows$", re.MULTILINE)


# --- helpers ------------------------------------------------------------------------------------------------------


def totp(secret: str, at: float | None = None) -> str:
    """The RFC 6238 code (SHA-1, 6 digits, 30 s) for a base32 secret as shown on the set-up page."""
    key = base64.b32decode(secret.replace(" ", "").upper() + "=" * (-len(secret.replace(" ", "")) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def duration(seconds: float) -> str:
    """A duration as the dashboard writes it: "45s", "2m 05s", "1h 02m" (halves round up, as in Swift)."""
    total = int(seconds + 0.5)
    if total < 60:
        return f"{total}s"
    if total < 3600:
        return f"{total // 60}m {total % 60:02d}s"
    return f"{total // 3600}h {total % 3600 // 60:02d}m"


def desktop_chrome_agent(browser: Browser) -> str:
    """The user agent of an ordinary desktop Chrome on Linux of the same major version as the test's chromium."""
    major = browser.version.split(".")[0]
    return f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36"


@dataclass
class EventLog:
    """Every request the browser context sent to /api/event, and every response it received from the site.

    `requests` is in the order the browser sent them; `responses` holds all of the site's responses (pages, styles,
    scripts and /api/event), so that the test can tell which cookies the pages set.
    """

    endpoint: str
    requests: list[Request] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)

    def is_event(self, request: Request) -> bool:
        """Whether `request` is a POST to the analytics endpoint."""
        return request.method == "POST" and request.url == self.endpoint

    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies sent so far, in order."""
        return [json.loads(request.post_data or "null") for request in self.requests]

    @contextmanager
    def expecting(self, context: BrowserContext, kind: str, url: str) -> Iterator[None]:
        """Runs the block and waits until the browser has sent an event of `kind` for the page at `url`."""

        def matches(request: Request) -> bool:
            if not self.is_event(request):
                return False
            body = json.loads(request.post_data or "null")
            return isinstance(body, dict) and body.get("t") == kind and body.get("u") == url

        with context.expect_event("request", predicate=matches):
            yield


def record_events(context: BrowserContext, endpoint: str) -> EventLog:
    """Starts recording what the context sends to `endpoint` and what the site answers."""
    log = EventLog(endpoint=endpoint)
    origin = endpoint.split("/api/", 1)[0]
    context.on("request", lambda request: log.requests.append(request) if log.is_event(request) else None)
    context.on("response", lambda response: log.responses.append(response) if response.url.startswith(origin) else None)
    return log


@contextmanager
def visitor_context(browser: Browser, *, init_script: str | None = None) -> Iterator[BrowserContext]:
    """A fresh browser context of an ordinary desktop Chrome whose clock stands still (`clock.run_for` moves it).

    The other site's host answers with a stub page. `init_script` runs in every page before the site's scripts.
    """
    context = browser.new_context(
        viewport=DESKTOP,
        locale="en-US",
        timezone_id="UTC",
        color_scheme="light",
        user_agent=desktop_chrome_agent(browser),
    )
    context.set_default_timeout(15_000)
    context.set_default_navigation_timeout(20_000)
    context.route(
        "https://partner.example/**",
        lambda route: route.fulfill(status=200, body="<p>Partner site</p>", content_type="text/html"),
    )
    if init_script:
        context.add_init_script(init_script)
    started = datetime.now(UTC)
    context.clock.install(time=started)
    context.clock.pause_at(started)
    try:
        yield context
    finally:
        context.close()


def stored_events(server: StewardServer) -> list[tuple[str, str]]:
    """The raw events in the server's database as (kind, path), in the order they were stored."""
    database = sqlite3.connect(f"file:{server.data_dir / 'steward.sqlite'}?mode=ro", uri=True)
    try:
        return list(database.execute("SELECT kind, path FROM analytics_events ORDER BY id"))
    finally:
        database.close()


def wait_for_stored(server: StewardServer, count: int) -> list[tuple[str, str]]:
    """The raw events once there are at least `count` of them (the server writes its buffer every 500 ms)."""
    deadline = time.monotonic() + FLUSH_TIMEOUT
    while len(events := stored_events(server)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {count} stored events within {FLUSH_TIMEOUT:.0f} s, found {events}")
        time.sleep(0.1)
    return events


def roll_up(steward_binary: Path, server: StewardServer) -> str:
    """Runs `steward analytics rollup` on the server's data folder (beside the running server); returns its output."""
    environment = dict(os.environ)
    environment["STEWARD_BASE_URL"] = server.base_url
    environment["STEWARD_SMTP_URL"] = f"smtp://127.0.0.1:{os.environ['STEWARD_TEST_SMTP_PORT']}?tls=none"
    result = subprocess.run(
        [str(steward_binary), "analytics", "rollup", "--data-dir", str(server.data_dir)],
        capture_output=True,
        text=True,
        timeout=ROLLUP_TIMEOUT,
        env=environment,
        cwd=server.data_dir.parent,
        check=False,
    )
    assert result.returncode == 0, f"steward analytics rollup failed ({result.returncode}):\n{result.stderr}"
    return result.stdout


def sign_up_owner(server: StewardServer, page: Page) -> None:
    """Creates the first owner through the start-up link, with two-factor sign-in, and leaves them signed in."""
    page.goto(server.setup_link())
    page.get_by_label("Full name", exact=True).fill("Olga Owner")
    page.get_by_label("E-mail", exact=True).fill(f"owner-{uuid.uuid4().hex[:8]}@example.test")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create staff account").click()
    expect(page).to_have_url(server.url("/admin/totp/setup"))
    secret = page.locator("code.secret-key").inner_text()
    page.get_by_label("6-digit code").fill(totp(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page).to_have_url(server.url("/admin"))


def stats_api(server: StewardServer, path: str, token: str | None) -> tuple[int, Any]:
    """GETs `path` from the statistics API with the token (if any); returns the status and the decoded JSON."""
    # No proxy: an http_proxy in the environment must not swallow requests to 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(server.url(path))
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def metric(page: Page, label: str) -> Locator:
    """The value of the dashboard's metric called `label`."""
    name = page.locator(".metric__label", has_text=re.compile(f"^{re.escape(label)}$"))
    return page.locator(".metric").filter(has=name).locator(".metric__value")


def table_row(page: Page, table: str, label: str) -> Locator:
    """The row whose first cell is `label` in the breakdown table with id `table` (e.g. "page", "outbound")."""
    name = page.locator("th", has_text=re.compile(f"^{re.escape(label)}$"))
    return page.locator(f"section#{table} tbody tr").filter(has=name)


def rows_of(page: Page, table: str) -> list[str]:
    """The first cells of the breakdown table with id `table` (e.g. "page", "outbound"), top to bottom."""
    return [text.strip() for text in page.locator(f"section#{table} tbody th").all_inner_texts()]


# --- tests --------------------------------------------------------------------------------------------------------


def test_a_visit_shows_on_the_dashboard_and_in_the_api_without_cookies(
    steward_binary: Path, server: StewardServer, browser: Browser, page: Page, shot: Screenshots
) -> None:
    endpoint = server.url("/api/event")
    with visitor_context(browser) as visitor:
        log = record_events(visitor, endpoint)
        tab = visitor.new_page()
        legal = tab.get_by_role("navigation", name="Legal")

        # Given a visitor on the home page
        with log.expecting(visitor, "pageview", server.url("/")):
            tab.goto(server.url("/"))

        # When they go on to the privacy policy through the footer, read it for 3 s and switch to another tab
        with log.expecting(visitor, "pageview", server.url("/privacy")):
            legal.get_by_role("link", name="Privacy policy").click()
        tab.clock.run_for(ENGAGED_MS)
        with log.expecting(visitor, "engagement", server.url("/privacy")):
            tab.evaluate(SET_VISIBILITY, "hidden")
        tab.evaluate(SET_VISIBILITY, "visible")

        # And come back and go on to the cookie page
        with log.expecting(visitor, "pageview", server.url("/cookies")):
            legal.get_by_role("link", name="Cookies", exact=True).click()

        # Then the analytics script left nothing in the browser: no cookie a script can read, no storage
        assert tab.evaluate("document.cookie") == ""
        assert tab.evaluate("localStorage.length + sessionStorage.length") == 0
        assert tab.evaluate("indexedDB.databases().then(list => list.length)") == 0

        # When they click a link to another site
        tab.evaluate(ADD_OUTBOUND_LINK, OUTBOUND)
        with log.expecting(visitor, "outbound", server.url("/cookies")):
            tab.get_by_role("link", name="Our partner").click()
        tab.wait_for_url(OUTBOUND)

        # Then exactly these events were sent, in this order
        assert log.bodies() == [
            {"t": "pageview", "u": server.url("/"), "r": "", "w": DESKTOP["width"]},
            {"t": "pageview", "u": server.url("/privacy"), "r": server.url("/"), "w": DESKTOP["width"]},
            {"t": "engagement", "u": server.url("/privacy"), "d": ENGAGED_MS},
            {"t": "pageview", "u": server.url("/cookies"), "r": server.url("/privacy"), "w": DESKTOP["width"]},
            {"t": "outbound", "u": server.url("/cookies"), "l": OUTBOUND},
        ]
        # And each was answered 202 without a cookie. Chromium may report the beacon sent as the page leaves for
        # the other site as aborted, without an answer: the browser still delivers it (see the stored events below).
        statuses: list[int | str | None] = []
        for request in log.requests:
            response = request.response()
            statuses.append(response.status if response is not None else request.failure)
            if response is not None:
                assert response.header_values("set-cookie") == [], f"{request.post_data} set a cookie"
        assert statuses[:4] == [202, 202, 202, 202], statuses
        assert statuses[4] in (202, "net::ERR_ABORTED"), statuses
        # And the browser holds only cookies that the site's pages set (its essential ones), none from analytics
        set_by_pages = {
            header.split("=", 1)[0].strip()
            for response in log.responses
            if response.url != endpoint
            for header in response.header_values("set-cookie")
        }
        held = {cookie["name"] for cookie in visitor.cookies()}
        assert held <= set_by_pages, f"cookies {held - set_by_pages} were not set by any page"

    # When the server has written the events and the roll-ups are brought up to date
    stored = wait_for_stored(server, len(log.requests))
    assert stored == [
        ("pageview", "/"),
        ("pageview", "/privacy"),
        ("engagement", "/privacy"),
        ("pageview", "/cookies"),
        ("outbound", "/cookies"),
    ]
    output = roll_up(steward_binary, server)
    # (the server's own minute job may have rolled the day up first: then there is nothing left to do)
    assert ROLLUP_LINE.search(output) or "up to date" in output, output
    for day, events in ROLLUP_LINE.findall(output):
        assert (day, int(events)) == (datetime.now(UTC).date().isoformat(), len(stored)), output

    # And the owner opens today's analytics
    sign_up_owner(server, page)
    page.goto(server.url("/admin/analytics?period=today"))

    # Then the totals are one visitor, one visit of three pages, and the 3 s on the page they hid
    expect(metric(page, "Unique visitors")).to_have_text("1")
    expect(metric(page, "Visits")).to_have_text("1")
    expect(metric(page, "Page views")).to_have_text("3")
    expect(metric(page, "Bounce rate")).to_have_text("0%")
    expect(metric(page, "Time on page")).to_have_text(duration(ENGAGED_MS / 1000))
    expect(page.locator(".realtime__count")).to_have_text("1")

    # And the pages are listed, with the time on page for the one hidden and none for the others
    assert sorted(rows_of(page, "page")) == ["/", "/cookies", "/privacy"]
    hidden_page = table_row(page, "page", "/privacy")
    expect(hidden_page.locator("td.breakdown__secondary")).to_have_text(duration(ENGAGED_MS / 1000))
    expect(table_row(page, "page", "/").locator("td.breakdown__secondary")).to_have_text("–")
    expect(table_row(page, "page", "/cookies").locator("td.breakdown__secondary")).to_have_text("–")
    assert rows_of(page, "entry") == ["/"]
    assert rows_of(page, "exit") == ["/cookies"]

    # And the outbound link, the direct source, the browser and the system
    expect(table_row(page, "outbound", OUTBOUND).locator("td")).to_have_text(["1", "1"])
    assert rows_of(page, "outbound") == [OUTBOUND]
    assert rows_of(page, "source") == ["Direct / none"]
    assert rows_of(page, "browser") == ["Chrome"]
    assert rows_of(page, "os") == ["Linux"]
    shot("dashboard")

    # When the owner creates an API token
    page.goto(server.url("/admin/tokens"))
    page.get_by_label("Name").fill("e2e report")
    page.get_by_role("button", name="Create token").click()
    token = page.locator(".alert--success pre code").first.inner_text().strip()
    assert token.startswith("stw_"), token

    # Then the statistics API answers with the same figures as the page
    status, overview = stats_api(server, "/api/stats/overview?period=today", token)
    assert status == 200, overview
    totals = overview["totals"]
    assert (totals["visitors"], totals["visits"], totals["pageviews"]) == (1, 1, 3), totals
    assert totals["bounce_rate"] == 0
    assert totals["time_on_page_seconds"] == ENGAGED_MS / 1000
    assert overview["realtime_visitors"] == 1
    pages = {row["value"]: row for row in overview["breakdowns"]["page"]}
    assert sorted(pages) == ["/", "/cookies", "/privacy"]
    assert pages["/privacy"]["time_on_page_seconds"] == ENGAGED_MS / 1000
    assert [(row["value"], row["events"]) for row in overview["breakdowns"]["outbound"]] == [(OUTBOUND, 1)]
    page.goto(server.url("/admin/analytics?period=today"))
    expect(metric(page, "Page views")).to_have_text(str(totals["pageviews"]))
    expect(metric(page, "Visit duration")).to_have_text(duration(totals["visit_duration_seconds"]))

    # And without the token it answers 401
    status, _ = stats_api(server, "/api/stats/overview?period=today", None)
    assert status == 401


def test_with_global_privacy_control_nothing_is_sent(server: StewardServer, browser: Browser) -> None:
    endpoint = server.url("/api/event")
    with visitor_context(browser, init_script=GPC) as visitor:
        log = record_events(visitor, endpoint)
        tab = visitor.new_page()
        legal = tab.get_by_role("navigation", name="Legal")

        # Given a browser that sends Global Privacy Control
        tab.goto(server.url("/"))
        assert tab.evaluate("navigator.globalPrivacyControl") is True

        # When the visitor browses the same way: three pages, a hidden tab, a named event and a link to another site
        legal.get_by_role("link", name="Privacy policy").click()
        tab.wait_for_url(server.url("/privacy"))
        tab.clock.run_for(ENGAGED_MS)
        tab.evaluate(SET_VISIBILITY, "hidden")
        tab.evaluate(SET_VISIBILITY, "visible")
        tab.evaluate("window.steward('Signup', {plan: 'pro'})")
        legal.get_by_role("link", name="Cookies", exact=True).click()
        tab.wait_for_url(server.url("/cookies"))
        tab.evaluate(ADD_OUTBOUND_LINK, OUTBOUND)
        tab.get_by_role("link", name="Our partner").click()
        tab.wait_for_url(OUTBOUND)
        tab.go_back()
        tab.wait_for_url(server.url("/cookies"))

        # And the page then posts one event by itself (no script involved), as a control
        control = {"t": "pageview", "u": server.url("/cookies"), "r": "", "w": DESKTOP["width"]}
        with log.expecting(visitor, "pageview", server.url("/cookies")):
            status = tab.evaluate(
                "body => fetch('/api/event', {method: 'POST', body}).then(response => response.status)",
                json.dumps(control),
            )
        assert status == 202

        # Then the control is the only request the browser made to /api/event: the script sent nothing
        assert log.bodies() == [control]

    # And the control is the only event the server stored
    assert wait_for_stored(server, 1) == [("pageview", "/cookies")]
