"""Browser tests of the privacy operations: a data request from filing to fulfilment, a member's self-service on
/account/privacy (download, objection, restriction), and the request form's checks.

Every page visited is saved as a screenshot (desktop and phone width) in e2e/screenshots/.
"""

from __future__ import annotations

import io
import json
import re
import urllib.error
import urllib.request
import zipfile
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import jsonschema
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from test_account_flow import DETAILS, PASSWORD, VERIFY_LINK, fill, unique_address
from test_staff_console import PASSWORD as STAFF_PASSWORD
from test_staff_console import totp

if TYPE_CHECKING:
    from conftest import Mailbox, Screenshots, StewardServer

CONFIRM_LINK = r"https?://\S+/privacy/request/confirm\?token=[A-Za-z0-9_-]+"
DOWNLOAD_LINK = r"https?://\S+/privacy/request/download\?token=[A-Za-z0-9_-]+"
EXPORT_FILES = {"README.txt", "data.json", "data.html"}
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

# Consents given at registration by their labels: two marketing ones (e-mail to the person) and one that is not.
MARKETING_CONSENTS = ["Send me the newsletter", "Send me promotions and invitations to events"]
OTHER_CONSENT = "Allow Google Analytics statistics"

# No proxy: an http_proxy in the environment must not swallow requests to 127.0.0.1.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def new_context(browser: Browser) -> BrowserContext:
    """Another browser context (its own cookies), set up like the `context` fixture."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US", timezone_id="UTC", color_scheme="light"
    )
    context.set_default_timeout(15_000)
    context.set_default_navigation_timeout(20_000)
    return context


def screenshots_of(other: Page, shot: Screenshots, name: str) -> Screenshots:
    """Screenshots like `shot` of a page in another browser context, saved as <name>-<n>-<what>[-phone].png."""
    return type(shot)(other, name)


def reject_cookies(page: Page) -> None:
    """Answers the cookie banner with "Reject all", as a visitor would, so that it no longer covers the page; then
    reloads the page, so that the passing "choices saved" notice does not show in screenshots either."""
    banner = page.locator("#cookie-banner")
    banner.get_by_role("button", name="Reject all").click()
    expect(banner).to_have_count(0)
    page.reload()
    expect(banner).to_have_count(0)


def consent_badge(page: Page, label: str) -> Locator:
    """The state badge of the consent with this label on /account/privacy."""
    item = page.locator(".consent-item").filter(has=page.get_by_role("heading", name=label, exact=True))
    return item.locator(".badge")


def register(page: Page, server: StewardServer, address: str, consents: tuple[str, ...] = ()) -> None:
    """Creates a member account with DETAILS and `address`, ticking the consents with the given labels."""
    page.goto(server.url("/account/register"))
    for label, value in DETAILS.items():
        fill(page, label, value)
    fill(page, "E-mail", address)
    fill(page, "Password", PASSWORD)
    for label in consents:
        page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Check your inbox")).to_be_visible()


def set_up_owner(page: Page, server: StewardServer) -> None:
    """Creates the first owner from the start-up link and turns on two-factor sign-in; ends on the dashboard."""
    page.goto(server.setup_link())
    page.get_by_label("Full name", exact=True).fill("Olga Owner")
    page.get_by_label("E-mail", exact=True).fill(unique_address().replace("member-", "owner-"))
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Create staff account").click()
    expect(page).to_have_url(server.url("/admin/totp/setup"))
    secret = page.locator("code.secret-key").inner_text()
    page.get_by_label("6-digit code").fill(totp(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page).to_have_url(server.url("/admin"))


def short_date(day: date) -> str:
    """A date as Steward writes it for people: "5 Dec 2026"."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def due_dates(deadline_days: int, confirmed_between: tuple[datetime, datetime]) -> dict[str, date]:
    """The due dates possible for a request confirmed in the given span, as shown and as dates: `deadline_days`
    later, never beyond the same day of the next month."""
    dates = {}
    for moment in confirmed_between:
        later = moment + timedelta(days=deadline_days)
        year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
        for day in range(moment.day, 0, -1):  # the same day next month, or that month's last day
            try:
                month_later = moment.replace(year=year, month=month, day=day)
                break
            except ValueError:
                continue
        due = min(later, month_later).date()
        dates[short_date(due)] = due
    return dates


def read_zip(data: bytes) -> dict[str, bytes]:
    """The files of a ZIP archive by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None, "the ZIP has a corrupt member"
        return {name: archive.read(name) for name in archive.namelist()}


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    """GET `url` without a browser: the status, the headers (lower-case names) and the body."""
    try:
        with OPENER.open(url, timeout=20) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def deadline_days(page: Page) -> int:
    """The answer deadline the request form promises ("We answer within N days")."""
    text = page.locator(".auth__header").inner_text()
    match = re.search(r"within (\d+) days", text)
    assert match is not None, f"the form states no deadline: {text!r}"
    return int(match.group(1))


def test_a_request_for_a_copy_goes_from_filing_to_fulfilment(
    server: StewardServer,
    browser: Browser,
    page: Page,
    shot: Screenshots,
    mailbox: Mailbox,
    request: pytest.FixtureRequest,
) -> None:
    # Given a member who registered and confirmed their address, in their own browser
    address = unique_address()
    member_context = new_context(browser)
    try:
        member = member_context.new_page()
        register(member, server, address)
        link = mailbox.first_url(mailbox.wait_for(address, subject_contains="Confirm your e-mail address"), VERIFY_LINK)
        member.goto(link)
        expect(member.get_by_text("Your e-mail address is confirmed")).to_be_visible()
    finally:
        member_context.close()

    # When a visitor (another browser, not signed in) asks for a copy of the data held under that address
    page.goto(server.url("/privacy/request"))
    reject_cookies(page)
    expect(page.get_by_role("heading", name="A request about your data")).to_be_visible()
    days = deadline_days(page)
    shot("form")
    page.get_by_label("A copy of my data", exact=True).check()
    page.get_by_label("Your e-mail address").fill(address)
    page.get_by_role("button", name="Send my request").click()

    # Then they are asked to confirm it from their inbox
    expect(page.get_by_text("We sent a link to the address you gave")).to_be_visible()
    shot("sent")

    # When they open the link from the confirmation mail
    mail = mailbox.wait_for(address, subject_contains="Confirm your request")
    assert "A copy of my data" in mail.text
    link = mailbox.first_url(mail, CONFIRM_LINK)
    assert link.startswith(server.base_url + "/"), f"the link {link} does not use STEWARD_BASE_URL"
    before = datetime.now(UTC)
    page.goto(link)
    after = datetime.now(UTC)

    # Then the request is confirmed, with the date it will be answered by
    expect(page.get_by_role("heading", name="Your request is confirmed")).to_be_visible()
    confirmation = page.get_by_role("status").inner_text()
    possible = due_dates(days, (before, after))
    due = next((shown for shown in possible if shown in confirmation), None)
    assert due is not None, f"no due date {sorted(possible)} in {confirmation!r}"
    assert "A copy of my data" in confirmation
    shot("confirmed")

    # When the owner signs up (with two-factor sign-in) and opens "Data requests" in the console
    owner_context = new_context(browser)
    try:
        console = owner_context.new_page()
        console_shot = screenshots_of(console, shot, request.node.name + "-console")
        set_up_owner(console, server)
        console.get_by_role("link", name="Data requests").first.click()
        expect(console).to_have_url(server.url("/admin/requests"))

        # Then the queue lists the request as open, with its due date and the days left
        row = console.get_by_role("row").filter(has=console.get_by_role("link", name="A copy of my data"))
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Open")
        expect(row).to_contain_text(due)
        left = re.search(r"(\d+) days? left", row.inner_text())
        assert left is not None, f"no days left in the row {row.inner_text()!r}"
        # Calendar days from today (UTC) to the due date.
        to_due = (possible[due] - datetime.now(UTC).date()).days
        assert int(left.group(1)) == to_due, f"{left.group(0)} for a due date {to_due} days away"
        expect(console.locator(".count-chip--pending")).to_contain_text("1 open")
        console_shot("queue")

        # When they open it
        row.get_by_role("link", name="A copy of my data").click()

        # Then it shows who asked and that the address belongs to a member account
        expect(console.get_by_role("heading", name="A copy of my data", exact=True)).to_be_visible()
        expect(console.get_by_text(address, exact=True)).to_be_visible()
        expect(console.get_by_text(f"A member account ({DETAILS['Full name']}")).to_be_visible()
        console_shot("request")

        # When they fulfil it
        console.get_by_role("button", name="Fulfil and send the answer").click()

        # Then the request is answered and can no longer be answered again
        expect(console.get_by_text("Answer sent")).to_be_visible()
        expect(console.get_by_text("Your data is ready")).to_be_visible()
        expect(console.get_by_role("button", name="Fulfil and send the answer")).to_have_count(0)
        console_shot("answered")
    finally:
        owner_context.close()

    # And the requester receives the answer with a download link
    answer = mailbox.wait_for(address, subject_contains="our answer")
    download = mailbox.first_url(answer, DOWNLOAD_LINK)
    assert download.startswith(server.base_url + "/"), f"the link {download} does not use STEWARD_BASE_URL"

    # When they download it
    status, headers, body = fetch(download)

    # Then it is a ZIP with the member's data, valid against the published schema
    assert status == 200, f"GET {download} answered {status}: {body[:300]!r}"
    assert headers.get("content-type") == "application/zip"
    assert "attachment" in headers.get("content-disposition", "")
    files = read_zip(body)
    assert EXPORT_FILES <= set(files), f"the ZIP holds {sorted(files)}"
    data = json.loads(files["data.json"])
    profile = data.get("profile") or {}
    assert profile.get("name") == DETAILS["Full name"], profile
    assert profile.get("email") == address, profile
    assert (profile.get("street"), profile.get("city")) == (DETAILS["Street and number"], DETAILS["City"]), profile
    status, _, schema = fetch(server.url("/privacy/export-schema.json"))
    assert status == 200
    jsonschema.Draft202012Validator(json.loads(schema)).validate(data)

    # And a link that was tampered with gives nothing
    status, _, body = fetch(download.replace("token=", "token=x"))
    assert status == 404, f"a wrong download token answered {status}"
    assert not body.startswith(b"PK"), "a wrong download token returned a ZIP"


def test_member_downloads_their_data_objects_to_marketing_and_restricts_processing(
    server: StewardServer, page: Page, shot: Screenshots
) -> None:
    # Given a member who gave two marketing consents and one other at registration
    address = unique_address()
    page.goto(server.url("/account/register"))
    reject_cookies(page)
    register(page, server, address, (*MARKETING_CONSENTS, OTHER_CONSENT))
    page.goto(server.url("/account/privacy"))
    for label in [*MARKETING_CONSENTS, OTHER_CONSENT]:
        expect(consent_badge(page, label)).to_have_text("Given")
    shot("privacy-before")

    # When they download their data
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my data (ZIP)").click()
    download = download_info.value

    # Then they get a ZIP with the readable and the machine-readable copy and a README
    assert download.suggested_filename.endswith(".zip"), download.suggested_filename
    path = download.path()
    files = read_zip(path.read_bytes())
    assert set(files) == EXPORT_FILES, f"the ZIP holds {sorted(files)}"
    profile = json.loads(files["data.json"]).get("profile") or {}
    assert (profile.get("name"), profile.get("email")) == (DETAILS["Full name"], address), profile
    html = files["data.html"].decode("utf-8")
    assert DETAILS["Full name"] in html
    # Readable offline: no style sheet, script or image from elsewhere.
    assert not re.search(r"<(script|img|link)\b[^>]*\b(src|href)=", html, re.IGNORECASE), "data.html loads files"
    assert files["README.txt"].strip(), "README.txt is empty"

    # When they object to all marketing
    page.get_by_role("button", name="Object to all marketing").click()

    # Then both marketing consents are withdrawn, the other one stays, and the history says why
    for label in MARKETING_CONSENTS:
        expect(consent_badge(page, label)).to_have_text("Withdrawn")
    expect(consent_badge(page, OTHER_CONSENT)).to_have_text("Given")
    history = page.get_by_role("region", name="Your consent history").get_by_role("row")
    objections = history.filter(has_text="Objection to marketing")
    expect(objections).to_have_count(len(MARKETING_CONSENTS))
    for index in range(len(MARKETING_CONSENTS)):
        expect(objections.nth(index)).to_contain_text("Withdrawn")
    shot("objected")

    # When they restrict processing
    page.get_by_role("button", name="Restrict processing").click()

    # Then a warning says their data is kept but not used, and the button lifts the restriction
    warning = page.locator(".alert--warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Processing of your data is restricted since")
    expect(page.get_by_role("button", name="Restrict processing")).to_have_count(0)
    expect(page.get_by_role("button", name="Lift the restriction")).to_be_visible()
    shot("restricted")

    # When they lift the restriction
    page.get_by_role("button", name="Lift the restriction").click()

    # Then the warning is gone and processing can be restricted again
    expect(page.get_by_role("button", name="Restrict processing")).to_be_visible()
    expect(page.locator(".alert--warning")).to_have_count(0)
    expect(page.get_by_role("button", name="Lift the restriction")).to_have_count(0)
    shot("privacy-after")


def send_request_form(page: Page, email: str, details: str) -> None:
    """Sends the request form with the browser's own checks off (so that the server's are tested)."""
    page.locator("form").evaluate_all("forms => forms.forEach(form => { form.noValidate = true; })")
    page.get_by_label("Your e-mail address").fill(email)
    page.get_by_label("Details").fill(details)
    page.get_by_role("button", name="Send my request").click()


def choose_no_kind(page: Page) -> None:
    """Clears the kind of request (the form preselects one, so only a hand-made post arrives without it)."""
    page.locator("input[name=kind]").evaluate_all("radios => radios.forEach(radio => { radio.checked = false; })")
    expect(page.locator("input[name=kind]:checked")).to_have_count(0)


def expect_field_error(page: Page, label: str) -> None:
    """The field is marked invalid, with its message as its accessible description."""
    control = page.get_by_label(label)
    expect(control).to_have_attribute("aria-invalid", "true")
    expect(control).to_have_accessible_description(re.compile(r"\S"))


def test_request_form_with_bad_input_shows_the_error_at_each_field_and_keeps_what_was_typed(
    server: StewardServer, page: Page, shot: Screenshots
) -> None:
    # Given the request form
    page.goto(server.url("/privacy/request"))
    reject_cookies(page)

    # When it is sent without a kind of request and with an invalid address
    choose_no_kind(page)
    send_request_form(page, "not-an-address", "Please send everything.")

    # Then the form comes back, saying nothing was sent, with the message at the choice of kind
    expect(page.get_by_role("alert")).to_contain_text("Your request was not sent")
    expect(page.get_by_text("We sent a link to the address you gave")).to_have_count(0)
    expect(page.get_by_role("group", name="What do you ask for?")).to_contain_text("Choose what you ask for.")
    expect(page.locator("input[name=kind]:checked")).to_have_count(0)
    shot("no-kind")

    # And what was typed is still there
    expect(page.get_by_label("Your e-mail address")).to_have_value("not-an-address")
    expect(page.get_by_label("Details")).to_have_value("Please send everything.")

    # When a kind is chosen and the same address sent again
    page.get_by_label("Erase my data", exact=True).check()
    send_request_form(page, "not-an-address", "Please send everything.")

    # Then the address carries its message, and the choice and the text are kept
    expect(page.get_by_role("alert")).to_contain_text("Your request was not sent")
    expect_field_error(page, "Your e-mail address")
    expect(page.get_by_role("group", name="What do you ask for?")).not_to_contain_text("Choose what you ask for.")
    expect(page.get_by_label("Erase my data", exact=True)).to_be_checked()
    expect(page.get_by_label("Your e-mail address")).to_have_value("not-an-address")
    expect(page.get_by_label("Details")).to_have_value("Please send everything.")
    shot("bad-address")


def test_request_form_without_a_kind_also_checks_the_address(server: StewardServer, page: Page) -> None:
    # Given the request form without a kind chosen
    page.goto(server.url("/privacy/request"))
    choose_no_kind(page)

    # When it is sent with an invalid address
    send_request_form(page, "not-an-address", "")

    # Then both mistakes are shown at once: the missing kind and the address
    expect(page.get_by_role("group", name="What do you ask for?")).to_contain_text("Choose what you ask for.")
    expect_field_error(page, "Your e-mail address")
