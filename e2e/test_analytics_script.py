"""Browser tests of the analytics script /js/s.js, without a Steward server.

A small HTTP server in a thread (`Site`) serves the test page and the script from Resources/public/js and records
every POST it receives, the way /api/event would get them. The behaviour tests run against the served, minified s.js
and against its readable source s.src.js, so that the two cannot drift apart. Time is Playwright's paused clock, so
engaged milliseconds are exact.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT_DIR = REPO_ROOT / "Resources" / "public" / "js"
SIZE_LIMIT = 1024
WAIT = 10.0
# 2026-01-01T00:00:00Z: any fixed start works, the clock is paused and only moves when a test moves it.
START = 1_767_225_600_000
OUTBOUND = "https://outbound.example/landing?ref=1"
QUEUE_STUB = (
    "window.steward = window.steward || function () { (steward.q = steward.q || []).push(arguments); };"
    'steward("Queued", {n: 1});'
)
GPC = "Object.defineProperty(navigator, 'globalPrivacyControl', {get: function () { return true; }});"
DNT_NAVIGATOR = "Object.defineProperty(navigator, 'doNotTrack', {get: function () { return '1'; }});"
DNT_WINDOW = "Object.defineProperty(window, 'doNotTrack', {get: function () { return '1'; }});"
NO_BEACON = "Object.defineProperty(navigator, 'sendBeacon', {value: undefined});"
# Keeps sendBeacon working and lists each body it is handed in window.sent, as the event's name, else its type:
# requests may arrive at the server in any order, the calls cannot.
RECORD_ORDER = """
const send = navigator.sendBeacon.bind(navigator);
window.sent = [];
navigator.sendBeacon = (url, body) => {
    const event = JSON.parse(body);
    window.sent.push(event.n || event.t);
    return send(url, body);
};
"""
# Replaces sendBeacon and fetch by recorders: window.sends lists the bodies the page tried to send.
RECORD_SENDS = """
window.sends = [];
navigator.sendBeacon = (url, body) => { window.sends.push(body); return true; };
window.fetch = (url, options) => {
    window.sends.push(options && options.body);
    return Promise.resolve(new Response());
};
"""
# Overrides document.visibilityState and fires the event, as a browser does when the tab goes to the background.
SET_VISIBILITY = """state => {
    Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => state});
    document.dispatchEvent(new Event('visibilitychange'));
}"""


@dataclass(frozen=True)
class Received:
    """One POST the test server received."""

    path: str
    content_type: str
    cookie: str
    body: dict[str, Any]


@dataclass
class Site:
    """The test server's state: the page it serves for every GET and the POSTs it received, in arrival order.

    Events can arrive in any order (each beacon is its own request), so the tests compare them without order.
    """

    base_url: str = ""
    script: str = "s.js"
    head: str = ""
    attributes: str = ""
    body: str = "<h1>Analytics test</h1>"
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        """The absolute URL of `path` (which starts with "/") on the test server."""
        return self.base_url + path

    def html(self) -> bytes:
        """The test page: `head`, then the script tag with `attributes`, then `body`."""
        tag = f'<script defer src="/js/{self.script}" {self.attributes}></script>'
        head = f"<meta charset='utf-8'>{self.head}{tag}"
        return f"<!doctype html><html><head>{head}</head><body>{self.body}</body></html>".encode()

    def events(self, path: str = "/api/event") -> list[dict[str, Any]]:
        """The bodies received at `path` so far, without the tests' own sentinels."""
        with self.lock:
            return [entry.body for entry in self.received if entry.path == path and entry.body.get("t") != "sentinel"]

    def wait_for(self, count: int, path: str = "/api/event") -> list[dict[str, Any]]:
        """The events at `path` once there are at least `count`, then a moment later, so that extra ones show."""
        deadline = time.monotonic() + WAIT
        while len(self.events(path)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} events at {path} within {WAIT:.0f} s: {self.events(path)}")
            time.sleep(0.05)
        time.sleep(0.3)
        return self.events(path)

    def settle(self, page: Page) -> list[dict[str, Any]]:
        """All events the page sent so far: posts a sentinel from the page and waits until it arrived.

        The script's beacons were queued before the sentinel, so once the sentinel is here they are too (plus a
        short grace period, as separate requests may overtake each other).
        """
        expected = self._sentinels() + 1
        page.evaluate("fetch('/api/event', {method: 'POST', body: JSON.stringify({t: 'sentinel'})}).then(() => 1)")
        deadline = time.monotonic() + WAIT
        while self._sentinels() < expected:
            if time.monotonic() > deadline:
                raise AssertionError("the sentinel request never arrived: the test server does not record")
            time.sleep(0.05)
        time.sleep(0.3)
        return self.events()

    def clear(self) -> None:
        """Forgets everything received so far."""
        with self.lock:
            self.received.clear()

    def _sentinels(self) -> int:
        """How many sentinel requests arrived."""
        with self.lock:
            return sum(1 for entry in self.received if entry.body.get("t") == "sentinel")


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to `site`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the name http.server calls
            if self.path.startswith("/js/"):
                file = SCRIPT_DIR / self.path.removeprefix("/js/").split("?")[0]
                if file.name not in {"s.js", "s.src.js"}:
                    self._answer(404, b"", "text/plain")
                    return
                self._answer(200, file.read_bytes(), "text/javascript")
            elif self.path.startswith("/favicon"):
                self._answer(404, b"", "text/plain")
            else:
                self._answer(200, site.html(), "text/html; charset=utf-8")

        def do_POST(self) -> None:  # the name http.server calls
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = {"unparsable": raw.decode("utf-8", errors="replace")}
            entry = Received(
                path=self.path,
                content_type=self.headers.get("Content-Type", ""),
                cookie=self.headers.get("Cookie", ""),
                body=body,
            )
            with site.lock:
                site.received.append(entry)
            self._answer(202, b"", "text/plain")

        def _answer(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the signature http.server calls
            # Quiet: pytest output is for failures, and URLs are not worth printing.
            pass

    return Handler


@pytest.fixture(params=["s.js", "s.src.js"])
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    """A test server on a free loopback port serving the minified script, then (second run) its source."""
    state = Site(script=request.param)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def clocked(page: Page) -> Page:
    """The page with Playwright's clock installed and paused at START; time moves only with `clock.run_for`."""
    page.clock.install(time=START)
    page.clock.pause_at(START)
    return page


def _stub_outbound(context: BrowserContext) -> None:
    """Answers every request to outbound.example with a tiny page, so that nothing leaves the machine."""
    context.route(
        "https://outbound.example/**",
        lambda route: route.fulfill(status=200, body="<p>elsewhere</p>", content_type="text/html"),
    )


def _of_type(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The events whose "t" is `kind`, in arrival order."""
    return [event for event in events if event.get("t") == kind]


# --- size and build -----------------------------------------------------------------------------------------------


def test_the_served_script_is_under_one_kilobyte_gzipped() -> None:
    # Given the script as served
    data = (SCRIPT_DIR / "s.js").read_bytes()
    # When compressing it the way a server would at best
    size = len(gzip.compress(data, compresslevel=9))
    print(f"s.js: {len(data)} bytes, {size} bytes gzipped (-9)")
    # Then it stays under 1 KB
    assert size < SIZE_LIMIT, f"s.js is {size} bytes gzipped, the limit is {SIZE_LIMIT}"


def test_the_served_script_is_the_minified_source() -> None:
    # Given the readable source and the served script
    minifier = REPO_ROOT / "scripts" / "minify-analytics.py"
    # When checking the served script against a fresh minification
    result = subprocess.run([sys.executable, str(minifier), "--check"], capture_output=True, text=True, check=False)
    # Then it is up to date
    assert result.returncode == 0, result.stdout + result.stderr


# --- what is sent -------------------------------------------------------------------------------------------------


def test_a_page_load_sends_one_pageview_and_history_navigations_send_more(site: Site, clocked: Page) -> None:
    page = clocked
    # Given a page reached from another site
    page.goto(site.url("/a?x=1"), referer="https://search.example/?q=steward")
    # Then exactly one page view with the URL, the referrer and the window width is sent
    events = site.wait_for(1)
    assert events == [{"t": "pageview", "u": site.url("/a?x=1"), "r": "https://search.example/?q=steward", "w": 1280}]

    # When the visitor stays 2.5 s and the single-page app pushes /b
    page.clock.run_for(2500)
    page.evaluate("history.pushState({}, '', '/b')")
    # Then the time on /a and a page view of /b without a referrer are sent
    events = site.wait_for(3)
    assert _of_type(events, "engagement") == [{"t": "engagement", "u": site.url("/a?x=1"), "d": 2500}]
    assert _of_type(events, "pageview")[1:] == [{"t": "pageview", "u": site.url("/b"), "r": "", "w": 1280}]

    # When the app replaces /b by itself, jumps to an anchor, then pushes /c within a second, then goes back
    page.evaluate("history.replaceState({}, '', '/b')")
    page.evaluate("history.pushState({}, '', '/b#section')")
    page.clock.run_for(400)
    page.evaluate("history.pushState({}, '', '/c')")
    page.evaluate("history.back()")
    page.wait_for_url("**/b#section")
    # Then /c and /b (again) are page views, /b#section is not, and 0.4 s on /b is too short to send
    events = site.settle(page)
    assert sorted(event["u"] for event in _of_type(events, "pageview")) == [
        site.url("/a?x=1"),
        site.url("/b"),
        site.url("/b#section"),
        site.url("/c"),
    ]
    assert len(_of_type(events, "engagement")) == 1, events


def test_an_spa_navigation_sends_the_old_pages_time_before_the_new_page_view(site: Site, clocked: Page) -> None:
    page = clocked
    # Given a page that records what it hands to sendBeacon, in order
    page.add_init_script(RECORD_ORDER)
    page.goto(site.url("/a"))
    # When navigating after 1.2 s
    page.clock.run_for(1200)
    page.evaluate("history.pushState({}, '', '/b')")
    # Then the engagement for /a is handed over before the page view of /b
    assert page.evaluate("window.sent") == ["pageview", "engagement", "pageview"]
    assert _of_type(site.wait_for(3), "engagement") == [{"t": "engagement", "u": site.url("/a"), "d": 1200}]


def test_hiding_the_page_sends_the_engaged_time(site: Site, clocked: Page) -> None:
    page = clocked
    # Given a page visible for 1.5 s
    page.goto(site.url("/read"))
    page.clock.run_for(1500)
    # When it becomes hidden
    page.evaluate(SET_VISIBILITY, "hidden")
    # Then its engaged time is sent
    assert _of_type(site.wait_for(2), "engagement") == [{"t": "engagement", "u": site.url("/read"), "d": 1500}]

    # When it stays hidden 10 s, is visible 0.5 s, hidden again, then visible 1.2 s and closed (pagehide)
    page.clock.run_for(10_000)
    page.evaluate(SET_VISIBILITY, "visible")
    page.clock.run_for(500)
    page.evaluate(SET_VISIBILITY, "hidden")
    page.evaluate(SET_VISIBILITY, "visible")
    page.clock.run_for(1200)
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    # Then hidden time does not count, 0.5 s is too short, and the last 1.2 s are sent once
    events = site.settle(page)
    assert [event["d"] for event in _of_type(events, "engagement")] == [1500, 1200]


def test_clicks_on_links_to_other_sites_are_sent_without_holding_up_the_navigation(
    site: Site, context: BrowserContext, page: Page
) -> None:
    # Given a page with a link to another site and one to this site
    _stub_outbound(context)
    site.body = f'<a id="out" href="{OUTBOUND}"><span>Elsewhere</span></a> <a id="in" href="/inside">Inside</a>'
    page.goto(site.url("/links"))
    site.wait_for(1)
    # When middle-clicking the outbound link (a new tab), then clicking it
    with context.expect_page() as new_tab:
        page.click("#out span", button="middle")
    new_tab.value.close()
    page.click("#out")
    # Then the visitor gets there and both clicks are sent with the link
    page.wait_for_url(OUTBOUND)
    outbound = _of_type(site.wait_for(3), "outbound")
    assert outbound == [{"t": "outbound", "u": site.url("/links"), "l": OUTBOUND}] * 2

    # When following the link to this site instead
    page.goto(site.url("/links"))
    page.click("#in")
    page.wait_for_url(site.url("/inside"))
    # Then that is no outbound click
    assert len(_of_type(site.settle(page), "outbound")) == 2


def test_named_events_are_sent_including_calls_queued_before_the_script_loaded(site: Site, page: Page) -> None:
    # Given a page that queues an event before the deferred script runs (and records the order of sendBeacon calls)
    page.add_init_script(RECORD_ORDER)
    site.head = f"<script>{QUEUE_STUB}</script>"
    page.goto(site.url("/signup"))
    # When the page sends another one after load
    page.evaluate("window.steward('Signup', {plan: 'pro'})")
    # Then both are sent, after the page view, the queued one first
    assert page.evaluate("window.sent") == ["pageview", "Queued", "Signup"]
    events = site.wait_for(3)
    assert sorted(_of_type(events, "event"), key=lambda event: event["n"]) == [
        {"t": "event", "u": site.url("/signup"), "n": "Queued", "p": {"n": 1}},
        {"t": "event", "u": site.url("/signup"), "n": "Signup", "p": {"plan": "pro"}},
    ]


def test_data_api_chooses_where_events_go(site: Site, page: Page) -> None:
    # Given a script tag naming another endpoint
    site.attributes = 'data-api="/collect"'
    # When loading the page
    page.goto(site.url("/elsewhere"))
    # Then the page view goes there and not to /api/event
    assert [event["t"] for event in site.wait_for(1, path="/collect")] == ["pageview"]
    assert site.settle(page) == []


def test_without_send_beacon_events_are_fetched_as_text_without_cookies(
    site: Site, context: BrowserContext, page: Page
) -> None:
    # Given a browser without sendBeacon that holds a cookie for the site
    context.add_cookies([{"name": "session", "value": "secret", "url": site.url("/")}])
    page.add_init_script(NO_BEACON)
    # When loading the page
    page.goto(site.url("/fetched"))
    # Then the page view is posted as text/plain, without the cookie
    site.wait_for(1)
    with site.lock:
        entry = next(entry for entry in site.received if entry.body.get("t") == "pageview")
    assert entry.content_type.startswith("text/plain")
    assert entry.cookie == ""
    assert entry.body["u"] == site.url("/fetched")


# --- what is not sent ---------------------------------------------------------------------------------------------


def _visit_and_act(site: Site, page: Page) -> list[dict[str, Any]]:
    """Loads a page with a queued event, sends an event, navigates, hides the page; returns what was sent."""
    site.head = f"<script>{QUEUE_STUB}</script>"
    page.goto(site.url("/private"))
    page.evaluate("window.steward('Signup', {plan: 'pro'})")
    page.evaluate("history.pushState({}, '', '/private/2')")
    page.evaluate(SET_VISIBILITY, "hidden")
    return site.settle(page)


def test_global_privacy_control_stops_everything(site: Site, page: Page) -> None:
    # Given a browser sending Global Privacy Control
    page.add_init_script(GPC)
    # When visiting, sending an event, navigating and leaving
    events = _visit_and_act(site, page)
    # Then nothing at all is sent, and steward() is still safe to call
    assert events == []
    assert page.evaluate("typeof window.steward") == "function"


@pytest.mark.parametrize("signal", [DNT_NAVIGATOR, DNT_WINDOW], ids=["navigator", "window"])
def test_do_not_track_stops_everything_only_when_the_site_opted_in(
    site: Site, context: BrowserContext, signal: str
) -> None:
    # Given a browser sending Do Not Track, on a page whose script tag has data-dnt="true"
    site.attributes = 'data-dnt="true"'
    honouring = context.new_page()
    honouring.add_init_script(signal)
    # When visiting and acting
    # Then nothing is sent
    assert _visit_and_act(site, honouring) == []
    honouring.close()

    # Given the same browser on a page without data-dnt
    site.attributes = ""
    site.clear()
    ignoring = context.new_page()
    ignoring.add_init_script(signal)
    # When visiting and acting
    events = _visit_and_act(site, ignoring)
    # Then the page views and events are sent as usual
    assert [event["t"] for event in _of_type(events, "pageview")] == ["pageview", "pageview"]
    assert sorted(event["n"] for event in _of_type(events, "event")) == ["Queued", "Signup"]


def test_file_pages_without_a_host_send_nothing(site: Site, page: Page, tmp_path: Path) -> None:
    # Given a page opened from disk, in a browser that records every sendBeacon and fetch instead of sending it
    # (so the test sees what the script tried, whatever chromium lets a file: page send to 127.0.0.1)
    page.add_init_script(RECORD_SENDS)
    html = tmp_path / "page.html"
    html.write_text(
        f'<!doctype html><script src="{site.url("/js/" + site.script)}" data-api="{site.url("/api/event")}"></script>'
        "<script>window.steward('Opened');</script>",
        encoding="utf-8",
    )
    # When opening it, navigating and leaving
    page.goto(html.as_uri())
    page.evaluate("history.pushState({}, '', '#next')")
    page.evaluate(SET_VISIBILITY, "hidden")
    # Then the script ran (steward() exists, nothing queued it) but tried to send nothing
    assert page.evaluate("typeof window.steward") == "function"
    assert page.evaluate("window.sends") == []

    # Given the same browser on a page from the server
    page.goto(site.url("/served"))
    # Then the recorder does see the page view, so the empty list above is no accident
    assert page.evaluate("window.sends.length") == 1


def test_no_cookie_and_no_storage_is_used(site: Site, context: BrowserContext, page: Page) -> None:
    # Given a visit with every kind of event
    _stub_outbound(context)
    site.head = f"<script>{QUEUE_STUB}</script>"
    site.body = f'<a id="out" href="{OUTBOUND}">Elsewhere</a>'
    page.goto(site.url("/storage"))
    page.evaluate("window.steward('Signup', {plan: 'pro'})")
    page.evaluate("history.pushState({}, '', '/storage/2')")
    page.evaluate(SET_VISIBILITY, "hidden")
    page.evaluate(SET_VISIBILITY, "visible")
    with context.expect_page() as new_tab:
        page.click("#out", button="middle")
    new_tab.value.close()
    events = site.settle(page)
    assert {event["t"] for event in events} >= {"pageview", "event", "outbound"}
    # Then the browser holds no cookie and the page no storage
    assert context.cookies() == []
    assert page.evaluate("document.cookie") == ""
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert page.evaluate("indexedDB.databases().then(list => list.length)") == 0


def test_helpers_cannot_hide_events(site: Site, page: Page) -> None:
    # Given a page that posts an event by itself (no script involved)
    page.goto(site.url("/control"))
    site.wait_for(1)
    page.evaluate("fetch('/api/event', {method: 'POST', body: JSON.stringify({t: 'probe'})}).then(() => 1)")
    # When collecting with the same helper the "nothing is sent" tests use
    events = site.settle(page)
    # Then the probe shows, so an empty result there means the script really sent nothing
    assert {"t": "probe"} in events
