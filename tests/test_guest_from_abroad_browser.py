"""A mayor from abroad, the whole way, in a real browser against a real server: the organizer
adds two questions of the event's own and offers travel to speakers; the mayor's link, in
English on a phone, answers yes with the questions, gives a flight into Kaohsiung (KHH) with a
pickup and asks for a visa letter; the organizer issues the letter, whose PDF reads back in both
scripts; the consulate's URL shows it genuine, and after a re-issue the old one not valid; the
arrivals board and the pickup list show the flight.

SQLite only, as the other browser tests: the rules on the way are tested on both databases by
test_questions.py, test_travel.py, test_console_travel.py and test_visa_letters.py.
"""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from support.auth import PASSWORD
from support.browser import PHONE, TIMEOUT_MS, in_browser
from support.factories import invitation_path, make_event, make_guest, make_staff
from support.live_server import read, serving
from support.travel import LETTERHEAD

from registrar.extensions import db
from registrar.models import (
    Airport,
    Category,
    EventQuestion,
    GuestTravel,
    Language,
    QuestionAnswer,
    SeatState,
)

pytestmark = in_browser


def pdf_words(pdf: bytes, tmp_path, name: str) -> str:
    source = tmp_path / name
    source.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(source), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1


def add_question(desk, base: str, event_id: int, fill: dict[str, str], kind: str) -> None:
    desk.goto(f"{base}/console/events/{event_id}/questions/new")
    desk.check(f"input[name=kind][value={kind}]")
    for selector, value in fill.items():
        desk.fill(selector, value)
    desk.click("form.programme-form button[type=submit].primary")
    desk.wait_for_load_state("load")


def test_a_mayor_from_abroad_answers_travels_and_gets_a_visa_letter(app, browser, tmp_path):
    event = make_event(**LETTERHEAD)
    mayor = make_guest(
        event,
        name_en="Sibusiso Magagula",
        name_zh="西布西索·馬加古拉",
        category=Category.SPEAKER,
        organization="City of Mbabane",
        language=Language.EN,
    )
    make_staff(password=PASSWORD)
    db.session.commit()
    event_id, mayor_id, link = event.id, mayor.id, invitation_path(mayor)
    day = event.starts_at.astimezone(ZoneInfo(event.timezone)).date()
    db.session.commit()

    with serving(app) as base:
        app.config["REGISTRAR_BASE_URL"] = base
        chromium = browser()
        desk = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
        desk.set_default_timeout(TIMEOUT_MS)
        desk.goto(base + "/login?lang=en")
        desk.fill("#email", "organizer@example.org")
        desk.fill("#password", PASSWORD)
        desk.click("button[type=submit]")
        desk.wait_for_load_state("load")

        # -- the organizer adds two questions and offers travel to speakers --------------------
        add_question(
            desk,
            base,
            event_id,
            {
                "#label_en": "Your meal",
                "#label_zh": "您的午餐",
                "#choices": "meat | Meat | 葷食\nveg | Vegetarian | 素食",
            },
            "one_choice",
        )
        add_question(
            desk,
            base,
            event_id,
            {
                "#label_en": "Nights in Kaohsiung",
                "#label_zh": "在高雄住宿幾晚",
                "#number_max": "14",
            },
            "number",
        )
        asked = read(
            lambda: dict(
                db.session.execute(sa.select(EventQuestion.label_en, EventQuestion.id)).all()
            )
        )
        meal_id, nights_id = asked["Your meal"], asked["Nights in Kaohsiung"]
        desk.goto(f"{base}/console/events/{event_id}/edit")
        desk.check("input[name=travel_categories][value=speaker]")
        desk.click("form.event-form button[type=submit].primary")
        desk.wait_for_load_state("load")
        desk.goto(f"{base}/console/events/{event_id}/travel")
        desk.fill("#hotels", "Grand Hi-Lai Hotel\nHotel Nikko Kaohsiung")
        desk.click("#hotel-rooms button[type=submit]")
        desk.wait_for_load_state("load")

        # -- the mayor's link, in English on a phone: yes, with the two answers -----------------
        phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
        phone.set_default_timeout(TIMEOUT_MS)
        phone.goto(base + link)
        assert "Your meal" in phone.inner_text(f"#question-{meal_id}")
        assert fits_the_phone(phone)
        phone.check("input[name=attending][value=yes]")
        phone.check("input[name=channel][value=en]")
        phone.check(f"#question-{meal_id}-1")
        phone.fill(f"#question-{nights_id}", "3")
        phone.click("form >> text=Send my answer")
        phone.wait_for_load_state("load")
        assert "Your seat is confirmed" in phone.inner_text("#status")

        # ... a flight into KHH with a pickup ...
        phone.click("#travel a.button")
        phone.wait_for_load_state("load")
        assert fits_the_phone(phone)
        phone.fill("#arrival_date", (day - timedelta(days=1)).isoformat())
        phone.fill("#arrival_time", "14:35")
        phone.fill("#arrival_flight", "br27")
        phone.check("input[name=arrival_airport][value=KHH]")
        phone.check("#arrival_pickup")
        phone.fill("#departure_date", (day + timedelta(days=1)).isoformat())
        phone.fill("#departure_time", "09:10")
        phone.fill("#departure_flight", "CI 61")
        phone.check("input[name=departure_airport][value=TPE]")
        phone.check("input[name=hotel_choice][value=booked]")
        phone.select_option("#hotel_booked", "Grand Hi-Lai Hotel")
        phone.fill("#check_in", (day - timedelta(days=1)).isoformat())
        phone.fill("#check_out", (day + timedelta(days=1)).isoformat())
        phone.click("button[type=submit].primary")
        phone.wait_for_load_state("load")
        assert "Thank you, your travel details are saved." in phone.inner_text("main")

        # ... and a visa letter, with the passport details.
        phone.goto(base + link)
        phone.fill("#passport-name", "MAGAGULA Sibusiso")
        phone.fill("#passport-nationality", "Eswatini")
        phone.fill("#passport-number", "SZ 1234567")
        phone.fill("#passport-birth_date", "1971-03-09")
        phone.click("#visa-letter form button[type=submit]")
        phone.wait_for_load_state("load")
        assert phone.locator("[data-letter-state=asked]").is_visible()
        assert fits_the_phone(phone)

        # -- the organizer issues the letter: its PDF in both scripts ---------------------------
        desk.goto(f"{base}/console/guests/{mayor_id}/visa-letter")
        desk.click("button.primary")
        desk.wait_for_load_state("load")
        first_url = re.search(r"https?://\S+/letters/\S+", desk.inner_text("main")).group(0)
        letter = desk.request.get(f"{base}/console/guests/{mayor_id}/visa-letter.pdf")
        assert letter.ok
        flat = "".join(pdf_words(letter.body(), tmp_path, "letter.pdf").split())
        for expected in ("MAGAGULASibusiso", "Eswatini", "SZ1234567", "高雄市政府", "市長"):
            assert expected in flat, expected
        assert first_url in flat

        # -- the consulate checks it; after a re-issue the old URL is not valid ---------------
        consulate = chromium.new_context().new_page()
        consulate.set_default_timeout(TIMEOUT_MS)
        consulate.goto(first_url + "?lang=en")
        assert "This letter is genuine" in consulate.inner_text("h1")
        assert "SZ1234567" not in consulate.content()
        desk.click("button.primary")
        desk.wait_for_load_state("load")
        second_url = re.search(r"https?://\S+/letters/\S+", desk.inner_text("main")).group(0)
        assert second_url != first_url
        stale = consulate.goto(first_url + "?lang=en")
        assert stale is not None and stale.status == 404
        assert "This letter is not valid" in consulate.inner_text("h1")
        assert "MAGAGULA" not in consulate.content()
        consulate.goto(second_url + "?lang=en")
        assert "This letter is genuine" in consulate.inner_text("h1")

        # -- the arrivals board and the pickup list show the flight ----------------------------
        desk.goto(f"{base}/console/events/{event_id}/travel")
        row = desk.locator(f"#arrival-{mayor_id}").inner_text()
        for expected in ("14:35", "BR 27", "KHH", "Sibusiso Magagula"):
            assert expected in row, expected
        pickups = desk.request.get(f"{base}/console/events/{event_id}/pickups.pdf")
        assert pickups.ok
        words = pdf_words(pickups.body(), tmp_path, "pickups.pdf")
        for expected in ("BR 27", "KHH", "14:35", "Sibusiso Magagula", "西布西索"):
            assert expected in words, (expected, words)

    # What the mayor gave is stored once: the seat, the two answers, the flight.
    assert read(lambda: db.session.get(type(mayor), mayor_id).seat.state) == SeatState.CONFIRMED
    answers = read(
        lambda: dict(
            db.session.execute(
                sa.select(QuestionAnswer.question_id, QuestionAnswer.value).where(
                    QuestionAnswer.guest_id == mayor_id
                )
            ).all()
        )
    )
    assert answers == {meal_id: "veg", nights_id: "3"}
    travel = read(lambda: db.session.scalars(sa.select(GuestTravel)).one())
    assert (travel.arrival_flight, travel.arrival_airport, travel.arrival_pickup) == (
        "BR 27",
        Airport.KHH,
        True,
    )
