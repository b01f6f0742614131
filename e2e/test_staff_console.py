"""Browser tests of the staff console: the first owner from the start-up link, two-factor set-up, the pages."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
import uuid
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from conftest import Mailbox, Screenshots, StewardServer

PASSWORD = "Signal-Orchard-42-Quiet"


def totp(secret: str, at: float | None = None) -> str:
    """The RFC 6238 code (SHA-1, 6 digits, 30 s) for a base32 secret as shown on the set-up page."""
    key = base64.b32decode(secret.replace(" ", "").upper() + "=" * (-len(secret.replace(" ", "")) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def test_owner_sets_up_two_factor_sign_in_and_invites_an_editor(
    server: StewardServer, page: Page, shot: Screenshots, mailbox: Mailbox
) -> None:
    # Given the one-time link the server printed on its first start
    link = server.setup_link()
    page.goto(link)
    shot("setup-form")

    # When the owner creates their account
    owner = f"owner-{uuid.uuid4().hex[:8]}@example.test"
    page.get_by_label("Full name", exact=True).fill("Olga Owner")
    page.get_by_label("E-mail", exact=True).fill(owner)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create staff account").click()

    # Then they must set up the second factor before seeing the console
    expect(page).to_have_url(server.url("/admin/totp/setup"))
    secret = page.locator("code.secret-key").inner_text()
    shot("totp-setup")
    page.get_by_label("6-digit code").fill("000000" if totp(secret) != "000000" else "111111")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    page.get_by_label("6-digit code").fill(totp(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    # And they land on the dashboard, with every page of their role in the navigation
    expect(page).to_have_url(server.url("/admin"))
    expect(page.get_by_role("link", name="Outbox")).to_be_visible()
    shot("dashboard")

    # When they invite an editor
    page.get_by_role("link", name="Staff").first.click()
    expect(page).to_have_url(server.url("/admin/staff"))
    editor = f"editor-{uuid.uuid4().hex[:8]}@example.test"
    page.get_by_label("E-mail", exact=True).fill(editor)
    page.get_by_label("Role").select_option(value="editor")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(editor)).to_be_visible()
    shot("staff")

    # Then the invitation arrives by e-mail with a link to create the account
    mail = mailbox.wait_for(editor, subject_contains="invited")
    assert "/admin/setup?token=" in mail.text

    # And the outbox lists it
    page.get_by_role("link", name="Outbox").first.click()
    expect(page.get_by_text(editor)).to_be_visible()
    shot("outbox")

    # When the owner signs out and in again, the console asks for a fresh code
    page.get_by_role("button", name="Sign out").click()
    page.goto(server.url("/admin/login"))
    page.get_by_label("E-mail", exact=True).fill(owner)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(server.url("/admin/totp"))
    shot("totp-verify")
    # The code used at set-up cannot be used again: wait for the next time step.
    time.sleep(30 - time.time() % 30 + 0.5)
    page.get_by_label("6-digit code").fill(totp(secret))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(server.url("/admin"))
