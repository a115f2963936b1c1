"""The console's e-mail preview in a real browser: the message shows in its frame, in 中文 as
the guest gets it, and a test goes to the organizer through the outbox."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from support.auth import ORGANIZER_EMAIL, PASSWORD
from support.browser import TIMEOUT_MS, in_browser
from support.factories import make_event, make_guest, make_staff
from support.live_server import read, serving

from registrar.extensions import db
from registrar.models import Language, OutboxMessage

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")

pytestmark = in_browser

SCREENSHOTS = Path(__file__).parent / "screenshots"


def test_the_preview_shows_the_chinese_invitation_in_its_frame_and_sends_a_test(app, browser):
    event = make_event(intro_zh="誠摯邀請您蒞臨。\n<b>敬請準時</b>")
    make_guest(event)
    guest = make_guest(event, name_en="Lai Ching-Ming", name_zh="賴慶明", language=Language.ZH_HANT)
    make_staff()
    event_id, guest_id = event.id, guest.id
    db.session.commit()

    with serving(app) as url:
        context = browser().new_context(viewport={"width": 1100, "height": 1400}, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url + "/login")
        page.fill("#email", ORGANIZER_EMAIL)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()

        page.goto(f"{url}/console/events/{event_id}/mail")
        page.click("text=Preview the messages")
        page.select_option("#preview-guest", str(guest_id))
        page.click("button:has-text('Show')")
        page.wait_for_load_state()

        frame = page.frame_locator("section[data-language=zh_Hant] iframe")
        body = frame.locator("body")
        body.get_by_text("賴慶明").first.wait_for()
        text = body.inner_text()
        assert "誠摯邀請您蒞臨。\n<b>敬請準時</b>" in text  # typed text, its line break kept
        english = page.frame_locator("section[data-language=en] iframe").locator("body")
        assert "Dear" in english.inner_text()
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "console-mail-preview.png"), full_page=False)

        page.check("input[name=language][value=zh_Hant]")
        page.click("button:has-text('Send the test to')")
        page.wait_for_load_state()
        assert f"to {ORGANIZER_EMAIL} (not to the guest)" in page.inner_text(".flashes")
        assert "Test queued" in page.inner_text(".flashes")
        assert ORGANIZER_EMAIL in page.inner_text("#tests")

    tests = read(
        lambda: [(m.to_address, m.is_test) for m in db.session.scalars(sa.select(OutboxMessage))]
    )
    assert tests == [(ORGANIZER_EMAIL, True)]
