"""Browser test of the mailing flow: a visitor subscribes with double opt-in, staff write a campaign, preview and send
it, the subscriber receives it and unsubscribes with one click."""

from __future__ import annotations

import re
import urllib.request
import uuid
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect
from test_staff_console import PASSWORD, totp

if TYPE_CHECKING:
    from conftest import Mailbox, Screenshots, StewardServer


def sign_up_owner(server: StewardServer, page: Page) -> None:
    """Creates the first owner from the start-up link, with two-factor sign-in, and lands on the dashboard."""
    page.goto(server.setup_link())
    page.get_by_label("Full name", exact=True).fill("Olga Owner")
    page.get_by_label("E-mail", exact=True).fill(f"owner-{uuid.uuid4().hex[:8]}@example.test")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create staff account").click()
    secret = page.locator("code.secret-key").inner_text()
    page.get_by_label("6-digit code").fill(totp(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page).to_have_url(server.url("/admin"))


def test_staff_send_a_campaign_and_the_subscriber_unsubscribes_with_one_click(
    server: StewardServer, page: Page, shot: Screenshots, mailbox: Mailbox
) -> None:
    # Given a visitor who subscribes to the newsletter from the public form
    reader = f"reader-{uuid.uuid4().hex[:8]}@example.test"
    page.goto(server.url("/subscribe"))
    shot("subscribe-form")
    page.get_by_label("E-mail", exact=True).fill(reader)
    page.get_by_label("Name (optional)").fill("Rita Reader")
    page.get_by_label("Newsletter").check()
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_text("Check your inbox").first).to_be_visible()
    shot("subscribe-sent")

    # And confirms with the link in the e-mail (double opt-in)
    confirmation = mailbox.wait_for(reader, subject_contains="Confirm your subscription")
    link = re.search(r"https?://\S+/subscribe/confirm\?token=[\w-]+", confirmation.text)
    assert link is not None, confirmation.text
    page.goto(link.group(0))
    expect(page.get_by_text("Newsletter").first).to_be_visible()
    shot("subscribe-confirmed")

    # When staff write a campaign
    sign_up_owner(server, page)
    page.get_by_role("link", name="Campaigns").first.click()
    page.get_by_role("link", name="New campaign").first.click()
    page.get_by_label("List").select_option(value="newsletter")
    page.get_by_label("Subject").fill("Spring news for {{name}}")
    page.get_by_label("Message (Markdown)").fill(
        "Dear {{#name}}{{name}}{{/name}}{{^name}}reader{{/name}},\n\nWe opened a **new support desk**.\n"
    )
    shot("campaign-form")
    page.get_by_role("button", name="Save campaign").click()

    # Then they see a preview of the message as the recipient will get it
    expect(page.get_by_text("Spring news for Olga Owner").first).to_be_visible()
    preview = page.frame_locator("iframe")
    expect(preview.get_by_text("new support desk")).to_be_visible()
    shot("campaign-draft")

    # When they send it, the progress reaches everyone without reloading by hand
    page.get_by_role("button", name="Send now").click()
    expect(page.locator("progress")).to_have_attribute("value", "100", timeout=30_000)
    shot("campaign-sent")

    # Then the subscriber receives a personalised message with one-click unsubscribe headers
    mail = mailbox.wait_for(reader, subject_contains="Spring news")
    assert mail.subject == "Spring news for Rita Reader"
    assert "Dear Rita Reader" in mail.text
    assert "<strong>new support desk</strong>" in mail.html
    import email
    import email.policy

    message = email.message_from_bytes(mail.path.read_bytes(), policy=email.policy.default)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.search(r"<(https?://[^>]+/unsubscribe\?t=[^>]+)>", str(message["List-Unsubscribe"]))
    assert unsubscribe is not None and "mailto:" in str(message["List-Unsubscribe"])

    # When they open the link, nothing happens until they press the one button
    page.context.clear_cookies()
    page.goto(unsubscribe.group(1))
    shot("unsubscribe-confirm")
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_text("You are unsubscribed").first).to_be_visible()
    shot("unsubscribed")

    # Then a mail client's RFC 8058 POST to the same link is answered 200 (already done, nothing revealed)
    request = urllib.request.Request(
        unsubscribe.group(1), data=b"List-Unsubscribe=One-Click", method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        assert response.status == 200
