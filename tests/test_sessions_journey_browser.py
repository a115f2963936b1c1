"""A guest who comes only for Session 3, the whole way, in real browsers against a real server:
on a phone, in Chinese, the guest answers yes for Session 3 alone; the page, the confirmation
e-mail (over real SMTP) and the calendar entry say Session 3, 15:10-16:30; at the door, at
15:05 by the scanner's clock, the badge is scanned and the guest is counted in Session 3.

SQLite only, as the other browser tests: the rules on the way are tested on both databases by
test_sessions.py, test_session_messages.py and test_door_sessions.py.
"""

from __future__ import annotations

import icalendar
import sqlalchemy as sa
from support import smtp
from support.auth import PASSWORD
from support.browser import PHONE, TIMEOUT_MS, in_browser
from support.factories import TAIPEI, invitation_path, make_guest, make_staff
from support.live_server import read, serving
from support.sessions import SESSION_2, SESSION_3, make_sessions_event, yesterday

from registrar import tokens
from registrar.extensions import db
from registrar.mail import delivery
from registrar.models import (
    AgendaItem,
    Event,
    Language,
    Role,
    Scan,
    SeatState,
    SessionSeat,
    Verdict,
)

# The app sends its e-mails to a real SMTP server of the test's own.
smtp_server = smtp.smtp_server
app_config = smtp.app_config

pytestmark = in_browser

DOOR_EMAIL = "door@example.org"


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1


def test_a_guest_comes_for_session_3_only_and_is_counted_in_it_at_15_05(app, browser, smtp_server):
    event, s2, s3 = make_sessions_event(capacity=50)
    guest = make_guest(event, name_en="Lin Chih-Hao", name_zh="林志豪", language=Language.ZH_HANT)
    make_staff(DOOR_EMAIL, Role.DOOR, events=[event], password=PASSWORD)
    event_id, guest_id, s2_id, s3_id = event.id, guest.id, s2.id, s3.id
    link, email = invitation_path(guest), guest.email
    db.session.commit()

    with serving(app) as base:
        phone = browser().new_context(viewport=PHONE, locale="zh-TW")
        page = phone.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(base + link)
        # Session 3 alone, on the Chinese headset.
        answer = page.locator("form[action$='" + link + "']")
        answer.locator("input[name=attending][value=yes]").check()
        answer.locator("input[name=channel][value=zh]").check()
        answer.locator(f"input[name=sessions][value='{s3_id}']").check()
        answer.locator("button[type=submit].primary").click()
        page.wait_for_load_state("load")

        places = page.locator("#session-places").inner_text()
        assert SESSION_3[1] in places and "15:10" in places and "座位已確認" in places
        assert SESSION_2[1] not in places
        assert fits_the_phone(page)
        ics = page.request.get(f"{base}{link}/calendar.ics").body()

    # One calendar entry, Session 3's own hours.
    entries = list(icalendar.Calendar.from_ical(ics).walk("VEVENT"))
    assert len(entries) == 1
    starts, ends = entries[0].decoded("dtstart"), entries[0].decoded("dtend")
    assert (
        starts.astimezone(TAIPEI).strftime("%H:%M"),
        ends.astimezone(TAIPEI).strftime("%H:%M"),
    ) == (
        "15:10",
        "16:30",
    )
    assert SESSION_3[1] in str(entries[0]["summary"])
    # The confirmation, in Chinese, names Session 3 and not Session 2.
    delivery.deliver_due()
    db.session.commit()
    (mail,) = smtp_server.to(email)
    text = mail.get_body(("plain",)).get_content()
    assert SESSION_3[1] in text and "座位已確認" in text and SESSION_2[1] not in text
    held = read(
        lambda: db.session.execute(
            sa.select(SessionSeat.session_id, SessionSeat.state).where(
                SessionSeat.guest_id == guest_id
            )
        ).all()
    )
    assert [tuple(row) for row in held] == [(s3_id, SeatState.CONFIRMED)]

    yesterday(db.session.get(Event, event_id))
    day = db.session.get(AgendaItem, s3_id).starts_at.astimezone(TAIPEI)
    # Nothing read after this: on SQLite it would hold the write lock against the server.
    db.session.commit()
    code = tokens.badge_code(event_id, guest_id, 1)
    with serving(app) as base:
        desk = browser().new_context(viewport=PHONE, locale="zh-TW")
        door = desk.new_page()
        door.set_default_timeout(TIMEOUT_MS)
        # The scanner's own clock says 15:05 of the forum's day.
        door.clock.set_system_time(day.replace(hour=15, minute=5))
        door.goto(base + "/login")
        door.fill("#email", DOOR_EMAIL)
        door.fill("#password", PASSWORD)
        door.click("button[type=submit]")
        door.wait_for_load_state()
        door.goto(f"{base}/door/events/{event_id}")
        door.wait_for_selector("body[data-door-ready]")
        door.fill("#code", code)
        door.press("#code", "Enter")
        door.locator("#verdict.verdict-good").wait_for(state="visible")
        assert "林志豪" in door.locator("#verdict").inner_text()
        assert fits_the_phone(door)
        occupancy = door.request.get(f"{base}/api/v1/events/{event_id}/occupancy").json()

    (scan,) = read(
        lambda: db.session.execute(
            sa.select(Scan.session_id, Scan.verdict).where(Scan.guest_id == guest_id)
        ).all()
    )
    assert tuple(scan) == (s3_id, Verdict.OK)
    counted = {s["id"]: s["counted"] for s in occupancy["sessions"]}
    assert counted == {s2_id: 0, s3_id: 1}
