#!/usr/bin/env python3
"""Creates a staff owner through Steward's web pages and prints the signed-in session's Cookie header.

    python3 scripts/bench/lib/staff.py --steward BIN --data-dir D --base-url http://127.0.0.1:PORT \
        --email owner@example.com [--password …] [--name …]

`steward serve` must be running on --base-url with the data folder D. The script runs `steward admin create
--email` (which prints a one-time setup link), then does what a person does in the browser: opens the link, fills
in the set-up form, reads the two-factor key from the set-up page and answers with the current code (RFC 6238),
each form with its CSRF field and the cookies the server set. It checks that /admin answers 200 and prints the
Cookie header of that session (`steward_csrf=…; steward_staff=…`) as its last line.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import html
import http.cookiejar
import re
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

SETUP_LINK = re.compile(r"https?://\S+/admin/setup\?token=\S+")
CSRF_FIELD = re.compile(r'<input type="hidden" name="csrf" value="([^"]*)"')
SECRET = re.compile(r'<code class="secret-key">([^<]*)</code>')


def totp(secret: str, at: float | None = None) -> str:
    """The RFC 6238 code (SHA-1, 6 digits, 30 s) for a base32 secret as shown on the set-up page."""
    compact = secret.replace(" ", "").upper()
    key = base64.b32decode(compact + "=" * (-len(compact) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


class Browser:
    """urllib with a cookie jar, following redirects, ignoring any proxy (requests go to loopback)."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(self.jar)
        )

    def get(self, url: str) -> tuple[str, str]:
        """GETs `url`; returns the final URL (after redirects) and the page."""
        with self.opener.open(url, timeout=60) as response:
            return response.geturl(), response.read().decode("utf-8", errors="replace")

    def post(self, url: str, fields: dict[str, str]) -> tuple[str, str]:
        """POSTs a form; returns the final URL (after the redirect) and the page. Raises on 4xx/5xx answers."""
        data = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(
            url, data=data, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        with self.opener.open(request, timeout=60) as response:
            return response.geturl(), response.read().decode("utf-8", errors="replace")

    def cookie_header(self) -> str:
        """The cookies the server set, as a Cookie header value."""
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)


def form_field(pattern: re.Pattern[str], page: str, what: str) -> str:
    """The first group of `pattern` in `page`, HTML-unescaped; fails with `what` when it is missing."""
    match = pattern.search(page)
    if match is None:
        raise SystemExit(f"staff.py: no {what} in the page:\n{page[:2000]}")
    return html.unescape(match.group(1))


def create_owner(steward: str, data_dir: str, base_url: str, email: str, password: str, name: str) -> str:
    """Creates the owner `email` through the web and returns the Cookie header of their signed-in session."""
    created = subprocess.run(
        [steward, "admin", "create", "--email", email, "--data-dir", data_dir],
        capture_output=True,
        text=True,
        check=False,
    )
    match = SETUP_LINK.search(created.stdout)
    if created.returncode != 0 or match is None:
        output = created.stdout + created.stderr
        raise SystemExit(f"staff.py: steward admin create failed ({created.returncode}):\n{output}")
    # The link names the server's base URL; requests go to --base-url in case they differ.
    link = urllib.parse.urlsplit(match.group(0))
    setup_url = base_url.rstrip("/") + link.path + "?" + link.query
    token = urllib.parse.parse_qs(link.query)["token"][0]

    browser = Browser()
    _, page = browser.get(setup_url)
    csrf = form_field(CSRF_FIELD, page, "CSRF field on the set-up form")
    fields = {"csrf": csrf, "token": token, "name": name, "email": email, "password": password}
    landed, page = browser.post(base_url.rstrip("/") + "/admin/setup", fields)
    if not landed.endswith("/admin/totp/setup"):
        raise SystemExit(f"staff.py: the set-up form led to {landed}, not /admin/totp/setup:\n{page[:2000]}")

    secret = form_field(SECRET, page, "two-factor set-up key")
    csrf = form_field(CSRF_FIELD, page, "CSRF field on the two-factor set-up form")
    try:
        landed, page = browser.post(base_url.rstrip("/") + "/admin/totp/setup", {"csrf": csrf, "code": totp(secret)})
    except urllib.error.HTTPError as error:
        if error.code != 400:
            raise
        # The code changed between reading the key and posting it: wait for the next one and answer again.
        time.sleep(30 - time.time() % 30 + 0.5)
        landed, page = browser.post(base_url.rstrip("/") + "/admin/totp/setup", {"csrf": csrf, "code": totp(secret)})
    if urllib.parse.urlsplit(landed).path != "/admin":
        raise SystemExit(f"staff.py: two-factor set-up led to {landed}, not /admin")

    landed, _ = browser.get(base_url.rstrip("/") + "/admin")
    if urllib.parse.urlsplit(landed).path != "/admin":
        raise SystemExit(f"staff.py: /admin sent the new owner to {landed}")
    return browser.cookie_header()


def main() -> int:
    """Parses the arguments, creates the owner, prints the Cookie header."""
    parser = argparse.ArgumentParser(description="Create a staff owner through the web and print their session cookie.")
    parser.add_argument("--steward", required=True, help="the steward binary")
    parser.add_argument("--data-dir", required=True, help="the data folder of the running server")
    parser.add_argument("--base-url", required=True, help="where the server listens, e.g. http://127.0.0.1:8080")
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", default="bench: a long passphrase for the staff console 9")
    parser.add_argument("--name", default="Bench Owner")
    args = parser.parse_args()
    cookie = create_owner(args.steward, args.data_dir, args.base_url, args.email, args.password, args.name)
    print(f"created the owner {args.email} and signed in")
    print(cookie)
    return 0


if __name__ == "__main__":
    sys.exit(main())
