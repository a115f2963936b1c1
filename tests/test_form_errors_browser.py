"""A guest's form errors in a real browser on a phone's screen: the summary at the top of the
form, seen and focused, its link taking the guest to the field, nothing typed lost.

Headless Chromium (Debian's package) driven by Playwright, as in test_door_browser.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.browser import PHONE, TIMEOUT_MS, in_browser
from support.factories import invitation_path, make_event, make_guest
from support.live_server import serving

from registrar.extensions import db
from registrar.models import Language

pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install -e '.[test]'"
)

pytestmark = in_browser

SCREENSHOTS = Path(__file__).parent / "screenshots"
NOTE = "Arriving from the airport, may be 10 minutes late."


def in_view(page, selector: str) -> bool:
    """Whether the element's top is on the screen now."""
    return page.eval_on_selector(
        selector,
        "e => { const r = e.getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight && r.bottom > 0; }",
    )


@pytest.mark.parametrize(
    ("language", "title", "error"),
    [
        (Language.EN, "There is a problem", "Please choose the channel you will listen on."),
        (Language.ZH_HANT, "請修正下列問題", "請選擇您要收聽的頻道。"),
    ],
)
def test_send_without_a_channel_shows_the_summary_focused_and_keeps_the_note(
    app, browser, language, title, error
):
    guest = make_guest(make_event(), language=language)
    path = invitation_path(guest)
    db.session.commit()

    with serving(app) as url:
        chromium = browser()
        page = chromium.new_context(viewport=PHONE).new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url + path)
        page.check("input[name=attending][value=yes]")
        page.fill("#dietary", "vegetarian")
        page.fill("#note", NOTE)
        page.click("button[type=submit].primary")
        page.wait_for_selector(".error-summary")

        # The summary is at the top of the screen and has the focus: seen and read first.
        assert in_view(page, ".error-summary")
        top = page.eval_on_selector(".error-summary", "e => e.getBoundingClientRect().top")
        assert top < PHONE["height"] / 4
        assert page.evaluate("document.activeElement.classList.contains('error-summary')")
        summary = page.locator(".error-summary")
        assert title in summary.inner_text()
        if language == Language.EN:
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "rsvp-error-summary-phone.png"))

        # Its link takes the guest to the channel question, focused and on the screen.
        summary.get_by_role("link", name=error).click()
        assert page.evaluate("document.activeElement.id") == "channel-0"
        assert page.evaluate("document.activeElement.name") == "channel"
        assert in_view(page, "#channel legend")
        # The field's own message is next to it.
        assert error in page.locator("#channel-error").inner_text()

        # Nothing typed is lost.
        assert page.input_value("#note") == NOTE
        assert page.input_value("#dietary") == "vegetarian"
        assert page.is_checked("input[name=attending][value=yes]")

        # Choosing the channel now sends the answer.
        page.check("input[name=channel][value=en]")
        page.click("button[type=submit].primary")
        page.wait_for_selector(".status-confirmed")
        assert page.locator(".error-summary").count() == 0
        chromium.close()


def test_without_scripts_the_summary_is_still_first_in_the_form(app, browser):
    guest = make_guest(make_event())
    path = invitation_path(guest)
    db.session.commit()

    with serving(app) as url:
        chromium = browser()
        page = chromium.new_context(viewport=PHONE, java_script_enabled=False).new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url + path)
        page.check("input[name=attending][value=yes]")
        page.fill("#note", NOTE)
        page.click("button[type=submit].primary")
        page.wait_for_selector(".error-summary")
        # The first thing in the form, and the browser's autofocus brings it on the screen.
        first = page.eval_on_selector(
            "form:has(.error-summary)", "f => f.querySelector('div,fieldset').className"
        )
        assert first == "error-summary"
        assert in_view(page, ".error-summary")
        assert page.input_value("#note") == NOTE
        chromium.close()
