"""A speaker from abroad gives their flight on a phone, in a real browser against a real server:
the organizer offers travel to speakers in the event editor and lists the hotels; the speaker's
link, 390 px wide, gives a flight into Kaohsiung (KHH) with an airport pickup; the organizer's
arrivals board shows it, a driver is assigned, and the pickup list PDF prints it (pdftotext).

Headless Chromium (Debian's package) driven by Playwright, as the other browser tests; SQLite
only: the rules on the way are tested on both databases by test_travel.py and
test_console_travel.py.
"""

from __future__ import annotations

import subprocess
from datetime import timedelta
from zoneinfo import ZoneInfo

from support.browser import PHONE, TIMEOUT_MS, in_browser
from support.factories import invitation_path, make_event, make_guest, make_staff
from support.live_server import read, serving

from registrar.extensions import db
from registrar.models import Airport, Category, GuestTravel

pytestmark = in_browser

PASSWORD = "correct horse battery"


def test_a_speaker_gives_a_flight_into_khh_on_a_phone_and_the_organizers_see_it(
    app, browser, tmp_path
):
    event = make_event()
    speaker = make_guest(
        event,
        category=Category.SPEAKER,
        name_en="Mayor of Mbabane",
        name_zh="姆巴巴內市長",
        organization="City of Mbabane",
    )
    make_staff(password=PASSWORD)
    db.session.commit()
    event_id, speaker_id, link = event.id, speaker.id, invitation_path(speaker)
    day = event.starts_at.astimezone(ZoneInfo(event.timezone)).date()
    db.session.commit()

    with serving(app) as base:
        chromium = browser()
        desk = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
        desk.set_default_timeout(TIMEOUT_MS)
        desk.goto(base + "/login")
        desk.fill("#email", "organizer@example.org")
        desk.fill("#password", PASSWORD)
        desk.click("button[type=submit]")
        desk.wait_for_load_state("load")

        # -- the organizer offers travel to speakers and lists the hotels ------------------------
        desk.goto(f"{base}/console/events/{event_id}/edit")
        desk.check("input[name=travel_categories][value=speaker]")
        desk.click("form.event-form button[type=submit].primary")
        desk.wait_for_load_state("load")
        assert read(lambda: db.session.get(type(event), event_id).travel_categories) == "speaker"
        desk.goto(f"{base}/console/events/{event_id}/travel")
        desk.fill("#hotels", "Grand Hi-Lai Hotel\nHotel Nikko Kaohsiung")
        desk.click("#hotel-rooms button[type=submit]")
        desk.wait_for_load_state("load")
        assert "Hotels saved." in desk.inner_text("main")

        # -- the speaker, on a phone 390 px wide ----------------------------------------------
        phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
        phone.set_default_timeout(TIMEOUT_MS)
        phone.goto(base + link)
        phone.click("#travel a.button")
        phone.wait_for_load_state("load")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 391
        phone.fill("#arrival_date", (day - timedelta(days=1)).isoformat())
        phone.fill("#arrival_time", "14:35")
        phone.fill("#arrival_flight", "br27")
        phone.check("input[name=arrival_airport][value=KHH]")
        phone.check("#arrival_pickup")
        phone.fill("#departure_date", (day + timedelta(days=1)).isoformat())
        phone.fill("#departure_time", "09:10")
        # A flight number that is not one is refused first, with its message, nothing kept.
        phone.fill("#departure_flight", "tomorrow")
        phone.check("input[name=departure_airport][value=TPE]")
        phone.check("input[name=hotel_choice][value=booked]")
        phone.select_option("#hotel_booked", "Grand Hi-Lai Hotel")
        phone.fill("#check_in", (day - timedelta(days=1)).isoformat())
        phone.fill("#check_out", (day + timedelta(days=1)).isoformat())
        phone.click("button[type=submit].primary")
        phone.wait_for_load_state("load")
        assert "Please enter a flight number" in phone.inner_text("#departure_flight-error")
        assert read(lambda: db.session.query(GuestTravel).count()) == 0
        phone.fill("#departure_flight", "CI 61")
        phone.click("button[type=submit].primary")
        phone.wait_for_load_state("load")
        assert "Thank you, your travel details are saved." in phone.inner_text("main")
        assert "BR 27" in phone.inner_text("#travel-given")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 391
        phone.screenshot(path=str(tmp_path / "travel-phone.png"))
        stored = read(lambda: db.session.query(GuestTravel).filter_by(guest_id=speaker_id).one())
        assert (stored.arrival_flight, stored.arrival_airport, stored.arrival_pickup) == (
            "BR 27",
            Airport.KHH,
            True,
        )

        # -- the arrivals board shows it; a driver is assigned ------------------------------------
        desk.goto(f"{base}/console/events/{event_id}/travel")
        row = desk.locator(f"#arrival-{speaker_id}")
        assert "14:35" in row.inner_text() and "BR 27" in row.inner_text()
        assert "KHH" in row.inner_text() and "Mayor of Mbabane" in row.inner_text()
        row.locator("input[name=driver]").fill("Car 3 (Mr Chen)")
        row.locator("input[name=phone]").fill("0912 345 678")
        row.locator("button[type=submit]").click()
        desk.wait_for_load_state("load")
        assert "Pickup saved." in desk.inner_text("main")

        # -- the pickup list PDF prints it, in both scripts ---------------------------------------
        pdf = desk.request.get(f"{base}/console/events/{event_id}/pickups.pdf")
        assert pdf.ok
        source = tmp_path / "pickups.pdf"
        source.write_bytes(pdf.body())
        words = subprocess.run(
            ["pdftotext", "-layout", "-enc", "UTF-8", str(source), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for expected in ("BR 27", "KHH", "14:35", "Mayor of Mbabane", "姆巴巴內市長", "Car 3"):
            assert expected in words, (expected, words)
        assert "Grand Hi-Lai Hotel" in words or "Grand Hi-Lai" in words
