"""Browser tests of the cookie banner and consent: essential cookies only before a choice, one-click Accept all and
Reject all, the footer link to change the choice, and Global Privacy Control."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, Request, expect

if TYPE_CHECKING:
    from conftest import Screenshots, StewardServer

ESSENTIAL = {"steward_session", "steward_csrf", "steward_consent", "steward_flash", "steward_staff"}
GA_ID = "G-E2ETEST1"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def third_party_requests(page: Page) -> list[str]:
    """Collects every request to another host; Google's are answered with 204 so nothing leaves the machine."""
    seen: list[str] = []

    def on_request(request: Request) -> None:
        if not request.url.startswith(("http://127.0.0.1", "data:")):
            seen.append(request.url)

    page.on("request", on_request)
    page.route("https://**/*", lambda route: route.fulfill(status=204, body=""))
    return seen


def cookie_names(page: Page) -> set[str]:
    return {cookie["name"] for cookie in page.context.cookies()}


@pytest.mark.steward_env(STEWARD_GA_MEASUREMENT_ID=GA_ID)
def test_nothing_but_essential_cookies_before_a_choice_and_reject_all_in_one_click(
    server: StewardServer, page: Page, shot: Screenshots
) -> None:
    outside = third_party_requests(page)
    # Given a fresh browser on the home page
    page.goto(server.url("/"))
    banner = page.locator("#cookie-banner")
    expect(banner).to_be_visible()
    shot("banner")
    # Then only essential cookies exist and nothing was requested from another host
    assert cookie_names(page) <= ESSENTIAL, cookie_names(page)
    page.goto(server.url("/account/register"))
    assert cookie_names(page) <= ESSENTIAL
    assert outside == [], outside

    # When rejecting everything with one click
    page.locator("#cookie-banner").get_by_role("button", name="Reject all").click()
    # Then the banner is gone, still nothing from another host, and only essential cookies
    expect(page.locator("#cookie-banner")).to_have_count(0)
    page.reload()
    expect(page.locator("#cookie-banner")).to_have_count(0)
    assert outside == [], outside
    assert cookie_names(page) <= ESSENTIAL
    shot("after-reject")

    # And the footer link reopens the choice
    page.get_by_role("link", name="Cookie settings").click()
    expect(page).to_have_url(server.url("/cookies#settings"))
    expect(page.locator("#settings").get_by_role("button", name="Accept all")).to_be_visible()
    shot("cookie-settings")


@pytest.mark.steward_env(STEWARD_GA_MEASUREMENT_ID=GA_ID)
def test_accept_all_in_one_click_loads_analytics_only_then(server: StewardServer, page: Page, shot: Screenshots) -> None:
    outside = third_party_requests(page)
    page.goto(server.url("/"))
    assert outside == []
    page.locator("#cookie-banner").get_by_role("button", name="Accept all").click()
    expect(page.locator("#cookie-banner")).to_have_count(0)
    page.reload()
    page.wait_for_load_state("networkidle")
    assert any("googletagmanager.com/gtag/js?id=" + GA_ID in url for url in outside), outside
    shot("after-accept")


@pytest.mark.steward_env(STEWARD_GA_MEASUREMENT_ID=GA_ID)
def test_with_global_privacy_control_advertising_and_sharing_stay_off(server: StewardServer, browser: Browser) -> None:
    context = browser.new_context(extra_http_headers={"Sec-GPC": "1"}, viewport={"width": 1280, "height": 900})
    context.add_init_script("Object.defineProperty(navigator, 'globalPrivacyControl', {get: () => true})")
    page = context.new_page()
    try:
        outside = third_party_requests(page)
        page.goto(server.url("/"))
        expect(page.get_by_text("Global Privacy Control").first).to_be_visible()
        # Even "Accept all" does not turn on analytics while the signal is on
        page.locator("#cookie-banner").get_by_role("button", name="Accept all").click()
        page.reload()
        page.wait_for_load_state("networkidle")
        assert outside == [], outside

        # A member registering with GPC on: the sharing and advertising consents show as off because of the signal
        page.goto(server.url("/account/register"))
        page.get_by_label("Full name", exact=True).fill("Gina Signal")
        page.get_by_label("E-mail", exact=True).fill("gpc-member@example.test")
        page.get_by_label("Street and number").fill("Signalweg 1")
        page.get_by_label("Postal code").fill("1000")
        page.get_by_label("City").fill("Brussels")
        page.get_by_label("Country").fill("Belgium")
        page.get_by_label("Password", exact=True).fill("Quiet-Signal-Lantern-9")
        page.get_by_role("button", name="Create account").click()
        page.goto(server.url("/account/privacy"))
        expect(page.get_by_text("Global Privacy Control").first).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "test_gpc-privacy-dashboard.png"), full_page=True)
    finally:
        context.close()
