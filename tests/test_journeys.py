"""Journeys through the product in a real browser, on a phone-sized screen.

Headless Chromium (Debian's package) driven by Playwright, as in test_door_browser.py, with the
browser fixture of conftest.py and the skip rule of support/browser.py.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from support.browser import PHONE, TIMEOUT_MS, in_browser
from support.factories import answer, invitation_path, make_event, make_guest, make_staff
from support.live_server import read as _read
from support.live_server import serving

from registrar.extensions import db
from registrar.models import Channel, Guest, Language, Rsvp, Seat, SeatState

pytestmark = in_browser

SCREENSHOTS = Path(__file__).parent / "screenshots"


def _answer(page, attending: str, channel: str | None = None) -> None:
    page.check(f"input[name=attending][value={attending}]")
    if channel:
        page.check(f"input[name=channel][value={channel}]")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("load")


def _seat_and_answer(guest_id: int):
    """The guest's seat state and (attending, channel), read in a transaction of its own."""

    def read():
        seat = db.session.scalar(sa.select(Seat.state).where(Seat.guest_id == guest_id))
        answer = db.session.scalar(sa.select(Rsvp).where(Rsvp.guest_id == guest_id))
        return seat, (answer.attending, answer.channel.value if answer.channel else None)

    return _read(read)


def test_guest_answers_yes_in_chinese_sees_the_badge_then_says_no(app, browser):
    event = make_event(capacity=5)
    guest = make_guest(event, name_en="Amelia Clarke", name_zh="柯愛美", language=Language.EN)
    guest_id, path = guest.id, invitation_path(guest)
    db.session.commit()

    with serving(app) as base:
        chromium = browser()
        page = chromium.new_context(viewport=PHONE, is_mobile=True).new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(base + path)
        assert page.locator("html").get_attribute("lang") == "en"
        assert "Amelia Clarke" in page.inner_text("main")

        # The guest switches the page to Chinese and answers yes, listening on 中.
        page.click("a[hreflang='zh-Hant']")
        page.wait_for_load_state("load")
        assert page.locator("html").get_attribute("lang") == "zh-Hant-TW"
        _answer(page, "yes", "zh")
        status = page.locator("#status")
        assert "status-confirmed" in status.get_attribute("class")
        badge = page.locator("img[src*='badge.png']")
        badge.wait_for()
        assert badge.evaluate("img => img.complete && img.naturalWidth > 0")
        assert page.locator("a[href*='badge.pdf']").count() == 1
        page.screenshot(path=str(SCREENSHOTS / "guest-confirmed-zh.png"))
        assert _seat_and_answer(guest_id) == (SeatState.CONFIRMED, (True, "zh"))

        # Later the guest cannot come after all: the seat is given up, the badge goes.
        _answer(page, "no")
        assert "status-declined" in page.locator("#status").get_attribute("class")
        assert page.locator("img[src*='badge.png']").count() == 0
        assert _seat_and_answer(guest_id) == (None, (False, None))
        chromium.close()


def _count(page, key: str) -> int:
    return int(page.inner_text(f"[data-count={key}] dd"))


def test_organizer_imports_a_list_sends_invitations_and_watches_the_dashboard(
    app,
    browser,
    tmp_path,
):
    event = make_event(capacity=2)
    event_id = event.id
    make_staff(password="correct horse battery")
    db.session.commit()
    rows = ["name_en,name_zh,email,organization,title,category,language"]
    rows += [
        f"Guest {n},來賓{n},guest{n}@example.org,高雄市政府,,delegate,zh_Hant" for n in range(3)
    ]
    upload = tmp_path / "guests.csv"
    upload.write_bytes(("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8"))

    with serving(app) as base:
        chromium = browser()
        page = chromium.new_context(viewport={"width": 1024, "height": 720}).new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(base + "/login")
        page.fill("#email", "organizer@example.org")
        page.fill("#password", "correct horse battery")
        page.click("button[type=submit]")
        page.wait_for_load_state("load")
        assert _count(page, "invited") == 0  # the console opens on the dashboard

        page.click("nav.console-nav >> text=Import")
        page.set_input_files("input[type=file]", str(upload))
        page.click("button:has-text('Preview the import')")
        page.wait_for_load_state("load")
        assert "guest2@example.org" in page.inner_text("main")
        page.click("button:has-text('Import 3 guests')")
        page.wait_for_load_state("load")

        page.click("nav.console-nav >> text=E-mail")
        page.click("button[name='invite-everyone']")
        page.wait_for_load_state("load")
        assert "3 guests will get this message" in page.inner_text("main")
        page.click("button:has-text('Queue it for 3 guests')")
        page.wait_for_load_state("load")
        assert "3 messages queued" in page.inner_text(".flashes")

        page.click("nav.console-nav >> text=Dashboard")
        assert (_count(page, "invited"), _count(page, "confirmed")) == (3, 0)
        page.screenshot(path=str(SCREENSHOTS / "console-dashboard.jpg"), type="jpeg", quality=60)

        # Three guests answer yes for two seats: the dashboard moves.
        for guest_id in _read(
            lambda: list(db.session.scalars(sa.select(Guest.id).where(Guest.event_id == event_id)))
        ):
            _read(lambda gid=guest_id: answer(db.session.get(Guest, gid), channel=Channel.ZH))
        page.reload()
        assert (_count(page, "confirmed"), _count(page, "waitlisted")) == (2, 1)
        chromium.close()
