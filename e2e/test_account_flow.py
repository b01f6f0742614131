"""Browser tests of the member account: register, verify the address, log out and in, correct details, delete.

Every page visited is saved as a screenshot (desktop and phone width) in e2e/screenshots/.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import TYPE_CHECKING

from playwright.sync_api import Locator, Page, expect

if TYPE_CHECKING:
    from conftest import Mailbox, Screenshots, StewardServer

VERIFY_LINK = r"https?://[^\s]+/account/verify\?token=[A-Za-z0-9_-]+"
REMEMBER_COOKIES = {"steward_remember", "__Host-steward_remember"}
DAY = 24 * 3600

# A member's details as typed into the registration form, by field label.
DETAILS = {
    "Full name": "Ada Example",
    "Street and number": "Examplestraat 12",
    "Postal code": "3511 AB",
    "City": "Utrecht",
    "Country": "Netherlands",
    "Anything else you want us to know (optional)": "Mornings are best for deliveries.",
}
PASSWORD = "Lantern-Harbour-7-Blue"


def unique_address() -> str:
    """An e-mail address no earlier run used."""
    return f"member-{uuid.uuid4().hex[:8]}@example.test"


def field(page: Page, label: str) -> Locator:
    """The form control labelled exactly `label`, else the one whose label contains it (e.g. with a hint inside)."""
    exact = page.get_by_label(label, exact=True)
    return exact if exact.count() > 0 else page.get_by_label(label)


def is_select(control: Locator) -> bool:
    """Whether the control is a <select> (the country may be offered as a list)."""
    return control.evaluate("element => element.tagName === 'SELECT'")


def fill(page: Page, label: str, value: str) -> None:
    """Types `value` into the field labelled `label`, or picks the option with that text in a list."""
    control = field(page, label)
    if is_select(control):
        control.select_option(label=value)
    else:
        control.fill(value)


def expect_value(page: Page, label: str, value: str) -> None:
    """Asserts the field labelled `label` shows `value` (for a list: the selected option's text)."""
    control = field(page, label)
    if is_select(control):
        expect(control.locator("option:checked")).to_have_text(value)
    else:
        expect(control).to_have_value(value)


def submit_login(page: Page, address: str, password: str, *, remember: bool) -> None:
    """Fills in and sends the login form on the current page."""
    fill(page, "E-mail", address)
    fill(page, "Password", password)
    if remember:
        field(page, "Remember me on this device").check()
    page.get_by_role("button", name="Log in", exact=True).click()


def test_member_registers_verifies_logs_in_corrects_address_and_deletes_account(
    server: StewardServer, mailbox: Mailbox, page: Page, shot: Screenshots
) -> None:
    # Given a visitor on the registration page
    address = unique_address()
    page.goto(server.url("/account/register"))
    shot("register-form")

    # When they register
    for label, value in DETAILS.items():
        fill(page, label, value)
    fill(page, "E-mail", address)
    fill(page, "Password", PASSWORD)
    shot("register-filled")
    page.get_by_role("button", name="Create account").click()

    # Then they land on their account page, asked to confirm the address
    expect(page).to_have_url(re.compile(r"/account/?(\?.*)?$"))
    expect(page.get_by_text("Check your inbox")).to_be_visible()
    expect(page.get_by_role("button", name="Send again")).to_be_visible()
    shot("account-unverified")

    # When they open the link from the confirmation mail
    mail = mailbox.wait_for(address, subject_contains="Confirm your e-mail address")
    link = mailbox.first_url(mail, VERIFY_LINK)
    assert link.startswith(server.base_url + "/"), f"the link {link} does not use STEWARD_BASE_URL"
    page.goto(link)

    # Then the address is confirmed
    expect(page.get_by_text("Your e-mail address is confirmed")).to_be_visible()
    shot("verified")

    # When they log out
    page.get_by_role("button", name="Log out").click()

    # Then the header offers to log in
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    shot("logged-out")

    # When they log in again, asking to be remembered
    page.goto(server.url("/account/login"))
    shot("login-form")
    submit_login(page, address, PASSWORD, remember=True)

    # Then they are logged in with a long-lived, script-proof remember-me cookie
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    remember = [cookie for cookie in page.context.cookies() if cookie["name"] in REMEMBER_COOKIES]
    assert len(remember) == 1, f"expected one remember-me cookie, got {[c['name'] for c in page.context.cookies()]}"
    lifetime = remember[0]["expires"] - time.time()
    assert 29 * DAY < lifetime < 31 * DAY, f"remember-me cookie lives {lifetime / DAY:.1f} days, not ~30"
    assert remember[0]["httpOnly"], "the remember-me cookie must be HttpOnly"
    shot("logged-in")

    # When they correct their city on the account page
    page.goto(server.url("/account"))
    for label, value in DETAILS.items():
        expect_value(page, label, value)
    # The e-mail address is shown read-only: it changes only through a confirmed link (/account/email).
    expect(page.get_by_text(address, exact=True)).to_be_visible()
    expect(page.get_by_text("Check your inbox")).to_have_count(0)
    shot("account-details")
    fill(page, "City", "Amersfoort")
    page.get_by_role("button", name="Save changes").click()

    # Then the change is confirmed, shown and kept
    expect(page.get_by_text("Your details were saved")).to_be_visible()
    expect_value(page, "City", "Amersfoort")
    shot("details-saved")
    page.goto(server.url("/account"))
    expect_value(page, "City", "Amersfoort")
    expect_value(page, "Full name", DETAILS["Full name"])

    # When they delete their account
    page.goto(server.url("/account/delete"))
    shot("delete-form")
    fill(page, "Password", PASSWORD)
    page.get_by_role("button", name="Delete my account permanently").click()

    # Then they are on the home page, logged out
    expect(page).to_have_url(re.compile("^" + re.escape(server.base_url) + r"/(\?.*)?$"))
    expect(page.get_by_text("Your account was deleted")).to_be_visible()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()
    shot("deleted")

    # And the old credentials no longer work
    page.goto(server.url("/account/login"))
    submit_login(page, address, PASSWORD, remember=False)
    expect(page.get_by_text("E-mail or password is wrong")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    shot("login-rejected")

    # And nothing typed into the forms ever reached the server's log, the database file or its WAL
    canaries = [address, *DETAILS.values(), "Amersfoort", PASSWORD]
    log = server.log_path.read_text(encoding="utf-8", errors="replace")
    for canary in canaries:
        assert canary not in log, f"the server log contains {canary!r}"
    for name in ("steward.sqlite", "steward.sqlite-wal"):
        path = server.data_dir / name
        if path.exists():
            raw = path.read_bytes()
            for canary in canaries:
                assert canary.encode() not in raw, f"{name} contains {canary!r}"


def test_registration_with_bad_input_shows_a_message_at_each_field_and_keeps_typed_values(
    server: StewardServer, page: Page, shot: Screenshots
) -> None:
    # Given the registration form, with the browser's own checks switched off so that the server's are tested
    page.goto(server.url("/account/register"))
    page.locator("form").evaluate_all("forms => forms.forEach(form => { form.noValidate = true; })")

    # When it is sent with an empty name, an invalid address and a 3-character password
    for label, value in DETAILS.items():
        fill(page, label, value)
    fill(page, "Full name", "")
    fill(page, "E-mail", "not-an-address")
    fill(page, "Password", "abc")
    page.get_by_role("button", name="Create account").click()

    # Then the form comes back with a message attached to each bad field (aria-invalid + aria-describedby)
    expect(page).to_have_url(re.compile(r"/account/register/?(\?.*)?$"))
    for label in ("Full name", "E-mail", "Password"):
        control = field(page, label)
        expect(control).to_have_attribute("aria-invalid", "true")
        expect(control).to_have_accessible_description(re.compile(r"\S"))
    shot("register-errors")

    # And what was typed is still there, except the password
    expect_value(page, "Full name", "")
    expect_value(page, "E-mail", "not-an-address")
    for label in ("Street and number", "Postal code", "City", "Country"):
        expect_value(page, label, DETAILS[label])
    expect_value(page, "Password", "")
