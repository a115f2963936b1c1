"""The organizer lays out the room and gives a reserved seat in a real browser, on a phone:
rows typed in the editor, the grid shown, a reserved seat chosen in the grid and given to a
guest, who then reads the seat on their own page.

Headless Chromium (Debian's package) driven by Playwright, as in test_door_browser.py.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from support.browser import PHONE, TIMEOUT_MS, in_browser
from support.factories import answer, invitation_path, make_event, make_guest, make_staff
from support.live_server import read as _read
from support.live_server import serving

from registrar.extensions import db
from registrar.models import Category, Seat

pytestmark = in_browser

SCREENSHOTS = Path(__file__).parent / "screenshots"


def test_the_organizer_lays_out_rows_and_gives_a_seat_on_a_phone(app, browser):
    event = make_event(capacity=20)
    mayor = make_guest(event, name_en="Chen Chi-Mai", name_zh="陳其邁", category=Category.VIP)
    make_staff(password="correct horse battery")
    db.session.commit()
    answer(mayor)
    event_id, mayor_id, link = event.id, mayor.id, invitation_path(mayor)
    db.session.commit()

    with serving(app) as base:
        chromium = browser()
        page = chromium.new_context(viewport=PHONE, is_mobile=True).new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(base + "/login")
        page.fill("#email", "organizer@example.org")
        page.fill("#password", "correct horse battery")
        page.click("button[type=submit]")
        page.wait_for_load_state("load")

        page.click("nav.console-nav >> text=Seating plan")
        page.fill("#rows-0-label", "a")
        page.fill("#rows-0-seats", "10")
        page.fill("#rows-0-aisles", "5")
        page.fill("#rows-0-reserved", "1-4")
        page.fill("#rows-1-label", "B")
        page.fill("#rows-1-seats", "10")
        page.click("text=Save the seating plan")
        page.wait_for_load_state("load")
        assert "Seating plan saved." in page.inner_text("body")
        assert page.locator(".seating-row").count() == 2
        # The page is no wider than the phone: the room scrolls inside its own box.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        page.click("#seat-A3 a")
        page.wait_for_load_state("load")
        assert page.input_value("#give-seat") == "A3"
        page.select_option("#give-guest", str(mayor_id))
        page.click("text=Give the seat")
        page.wait_for_load_state("load")
        assert "Seat A3 given to Chen Chi-Mai." in page.inner_text("body")
        assert "Chen Chi-Mai" in page.inner_text("#seat-A3")
        page.locator("#seat-A3").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "console-seating-phone.png"), full_page=True)
        assert (
            _read(lambda: db.session.scalar(sa.select(Seat.label).where(Seat.guest_id == mayor_id)))
            == "A3"
        )

        # A mistake comes back at its field, with what was typed.
        page.fill("#rows-2-label", "B")
        page.fill("#rows-2-seats", "4")
        page.click("text=Save the seating plan")
        page.wait_for_load_state("load")
        assert "there is already a row B" in page.inner_text(".error-summary")
        assert page.input_value("#rows-2-label") == "B"

        guest_page = chromium.new_context(viewport=PHONE, is_mobile=True).new_page()
        guest_page.goto(base + link)
        assert "Your seat: A3" in guest_page.inner_text("#status")
        assert event_id
