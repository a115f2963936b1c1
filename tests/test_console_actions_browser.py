"""The organizer revokes a confirmed guest in a real browser, on a phone: the guest list's
Revoke opens a page that says who gets the seat, Cancel leaves everything as it was, the
confirmation revokes and the first on the waitlist is seated; going back to the page offers
nothing to press twice.

Headless Chromium (Debian's package) driven by Playwright, as in test_door_browser.py.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from support.browser import PHONE, TIMEOUT_MS, in_browser
from support.factories import answer, make_event, make_guest, make_staff
from support.live_server import read as _read
from support.live_server import serving

from registrar.extensions import db
from registrar.models import Guest, Seat, SeatState

pytestmark = in_browser

SCREENSHOTS = Path(__file__).parent / "screenshots"


def _seats(*guest_ids: int) -> list[SeatState | None]:
    def query():
        return [
            db.session.scalar(sa.select(Seat.state).where(Seat.guest_id == guest_id))
            for guest_id in guest_ids
        ]

    return _read(query)


def _revoked(guest_id: int) -> bool:
    return _read(lambda: db.session.get(Guest, guest_id).revoked_at is not None)


def test_the_organizer_revokes_with_confirmation_and_the_waitlisted_guest_is_seated(app, browser):
    event = make_event(capacity=1)
    wang = make_guest(event, name_en="Wang Mei-Ling", name_zh="王美玲", organization="Taipei")
    lin = make_guest(event, name_en="Lin Chia-Hao", name_zh="林家豪")
    make_staff(password="correct horse battery")
    db.session.commit()
    answer(wang)
    answer(lin)
    event_id, wang_id, lin_id = event.id, wang.id, lin.id
    db.session.commit()
    assert _seats(wang_id, lin_id) == [SeatState.CONFIRMED, SeatState.WAITLISTED]

    with serving(app) as base:
        chromium = browser()
        page = chromium.new_context(viewport=PHONE, is_mobile=True).new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(base + "/login")
        page.fill("#email", "organizer@example.org")
        page.fill("#password", "correct horse battery")
        page.click("button[type=submit]")
        page.wait_for_load_state("load")

        page.click("nav.console-nav >> text=Guest list")
        row = page.locator(f"#guest-{wang_id}")
        assert "Confirmed" in row.inner_text()
        row.locator("a", has_text="Revoke").click()
        page.wait_for_load_state("load")
        consequences = page.inner_text("#consequences")
        assert "It is freed and goes to Lin Chia-Hao, first on the waitlist" in consequences
        assert "The badge of Wang Mei-Ling stops working at the door" in consequences
        page.screenshot(path=str(SCREENSHOTS / "console-revoke-confirm-phone.png"))

        # Cancel: back on the list, nothing changed.
        page.click("#consequences >> text=Cancel")
        page.wait_for_load_state("load")
        assert page.url.endswith(f"/console/events/{event_id}/guests#guest-{wang_id}")
        assert _seats(wang_id, lin_id) == [SeatState.CONFIRMED, SeatState.WAITLISTED]
        assert not _revoked(wang_id)

        # Revoke, confirmed: the list says who got the seat.
        page.locator(f"#guest-{wang_id} a", has_text="Revoke").click()
        page.wait_for_load_state("load")
        page.click("#consequences button:has-text('Revoke the invitation')")
        page.wait_for_load_state("load")
        flashes = page.inner_text(".flashes")
        assert "Invitation revoked" in flashes
        assert "Lin Chia-Hao, first on the waitlist, got the freed seat" in flashes
        assert "Revoked" in page.inner_text(f"#guest-{wang_id}")
        assert "Confirmed" in page.inner_text(f"#guest-{lin_id}")
        assert _seats(wang_id, lin_id) == [None, SeatState.CONFIRMED]
        assert _revoked(wang_id)
        page.screenshot(path=str(SCREENSHOTS / "console-guest-list-after-revoke-phone.png"))

        # Back to the confirmation: it says so, and has no button to press again.
        page.go_back()
        page.wait_for_load_state("load")
        assert "The invitation is already revoked." in page.inner_text("main")
        assert page.locator("#consequences button").count() == 0
        chromium.close()
