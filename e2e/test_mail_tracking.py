"""Browser test of open and click tracking: with a policy that declares it, staff switch it on for a campaign, and
only the member who consented to it gets the pixel and tracked links; the campaign page counts the opens and clicks.
"""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from test_account_flow import VERIFY_LINK
from test_privacy_operations import register, set_up_owner

if TYPE_CHECKING:
    from conftest import Mailbox, Screenshots, StewardServer

REPO_ROOT = Path(__file__).resolve().parent.parent
TRACKING_LABEL = "Let us see when I open the newsletter and which links I follow"
ARTICLE = "https://example.org/news?a=1&b=2"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Leaves redirects to the caller, so that the test sees the 302 and does not leave the machine."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


# No proxy: an http_proxy in the environment must not swallow requests to 127.0.0.1.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())


def tracking_policy(folder: Path) -> Path:
    """The shipped policy plus a tracking purpose, its category (kept 90 days) and the mailTracking declaration."""
    text = (REPO_ROOT / "policy" / "policy.yaml").read_text(encoding="utf-8")
    blocks = {
        "\n# Why we use data": (
            "  - id: mail_engagement\n"
            "    name: Opens and clicks of our e-mails\n"
            "    description: When you opened our campaign e-mails and which links in them you followed.\n"
        ),
        "\n# How long each personal category is kept": (
            "  - id: mail_tracking\n"
            "    name: Newsletter statistics\n"
            "    description: We record when you open our campaign e-mails and which links in them you follow.\n"
            "    legalBasis: consent\n"
            "    categories: [mail_engagement]\n"
            "    requiresConsent: true\n"
            f"    consentLabel: {TRACKING_LABEL}\n"
        ),
        "\n# Who else receives data": (
            "  - category: mail_engagement\n    rule: days_after_collection\n    days: 90\n"
        ),
    }
    for marker, block in blocks.items():
        assert text.count(marker) == 1, marker
        text = text.replace(marker, block + marker)
    text += "\nmailTracking:\n  purpose: mail_tracking\n  category: mail_engagement\n"
    path = folder / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tracking_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> StewardServer:
    """A server (the `server` fixture) whose policy declares mail tracking."""
    monkeypatch.setenv("STEWARD_POLICY_FILE", str(tracking_policy(tmp_path_factory.mktemp("policy"))))
    return request.getfixturevalue("server")


def status_of(url: str) -> tuple[int, dict[str, str], bytes]:
    """GETs a URL without following redirects: status, headers and body."""
    try:
        with OPENER.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_staff_switch_tracking_on_and_only_the_consenting_member_is_tracked(
    tracking_server: StewardServer, page: Page, shot: Screenshots, mailbox: Mailbox
) -> None:
    server = tracking_server
    # Given a member who consented to the newsletter and to tracking, and one who consented to the newsletter only
    tracked = f"tracked-{uuid.uuid4().hex[:8]}@example.test"
    private = f"private-{uuid.uuid4().hex[:8]}@example.test"
    members = ((tracked, ("Send me the newsletter", TRACKING_LABEL)), (private, ("Send me the newsletter",)))
    for address, consents in members:
        page.context.clear_cookies()
        register(page, server, address, consents)
        verification = mailbox.wait_for(address, subject_contains="Confirm")
        link = re.search(VERIFY_LINK, verification.text)
        assert link is not None, verification.text
        page.goto(link.group(0))
    page.context.clear_cookies()

    # When staff write a campaign with a link and switch both kinds of tracking on (they start off)
    set_up_owner(page, server)
    page.get_by_role("link", name="Campaigns").first.click()
    page.get_by_role("link", name="New campaign").first.click()
    expect(page.get_by_label("Track opens")).not_to_be_checked()
    expect(page.get_by_label("Track clicks")).not_to_be_checked()
    page.get_by_label("List").select_option(value="newsletter")
    page.get_by_label("Subject").fill("Tracked news")
    page.get_by_label("Message (Markdown)").fill(f"Read [the news]({ARTICLE}) today.\n")
    page.get_by_label("Track opens").check()
    page.get_by_label("Track clicks").check()
    shot("campaign-form-tracking")
    page.get_by_role("button", name="Save campaign").click()
    page.get_by_role("button", name="Send now").click()
    expect(page.locator("progress")).to_have_attribute("value", "100", timeout=30_000)

    # Then the consenting member's HTML has the pixel and a tracked link, and their plain text the real link
    mail = mailbox.wait_for(tracked, subject_contains="Tracked news")
    pixel = re.search(r'src="(https?://[^"]+/t/o/[^"]+\.gif)"', mail.html)
    click = re.search(r'href="(https?://[^"]+/t/c/[^"]+)"', mail.html)
    assert pixel is not None and click is not None, mail.html
    assert ARTICLE in mail.text and "/t/" not in mail.text
    # And the other member's message is untouched
    other = mailbox.wait_for(private, subject_contains="Tracked news")
    assert "/t/o/" not in other.html and "/t/c/" not in other.html
    assert f'href="{html.escape(ARTICLE)}"' in other.html or f'href="{ARTICLE}"' in other.html

    # When the member's mail program loads the image and they follow the link
    status, headers, body = status_of(pixel.group(1))
    assert status == 200 and headers.get("Content-Type") == "image/gif" and body.startswith(b"GIF89a")
    assert "Set-Cookie" not in headers
    status, headers, _ = status_of(html.unescape(click.group(1)))
    assert status == 302 and headers.get("Location") == ARTICLE
    # And a forged link is refused
    forged, _, _ = status_of(html.unescape(click.group(1)).replace("?u=", "x?u="))
    assert forged == 404

    # Then the campaign page counts one recipient who opened and one who clicked
    page.reload()
    expect(page.locator("#count-opened")).to_have_text("1")
    expect(page.locator("#count-clicked")).to_have_text("1")
    shot("campaign-opens-and-clicks")
