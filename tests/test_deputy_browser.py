"""The mayor who cannot come sends a deputy, in a real browser against a real server and SMTP:
the mayor's link proposes the deputy on a phone, the organizer approves on the Requests page,
the deputy's e-mail brings their own link, on which they answer yes and get a badge with the
mayor's reserved seat; the mayor's old link then says it is no longer active, the door refuses
the mayor's old badge and lets the deputy in, and the arrival desk and the MC's list show the
deputy within two seconds.

Headless Chromium (Debian's package) driven by Playwright, as the other browser tests; SQLite
only: the rules on the way are tested on both databases by test_deputies.py.
"""

from __future__ import annotations

import io
import re
import subprocess

import pytest
import zxingcpp
from PIL import Image
from support.auth import PASSWORD, http_log_in
from support.browser import PHONE, TIMEOUT_MS, in_browser
from support.factories import answer, invitation_path, make_event, make_guest, make_staff
from support.live_server import read, serving
from support.smtp import Inbox, smtp_config, smtp_inbox

from registrar import tokens
from registrar.extensions import db
from registrar.mail import delivery
from registrar.models import Category, Guest, Role, SeatState
from registrar.services import audit, seating

pytestmark = in_browser

LINK = re.compile(r"http://127\.0\.0\.1:\d+/i/\S+")


@pytest.fixture
def inbox():
    with smtp_inbox() as inbox:
        yield inbox


@pytest.fixture
def app_config(app_config, inbox) -> dict:
    return {**app_config, **smtp_config(inbox)}


def send_mail() -> None:
    try:
        delivery.deliver_due()
    finally:
        db.session.remove()


def badge_words_and_code(pdf: bytes, tmp_path) -> tuple[str, str]:
    """A badge PDF's text (poppler's pdftotext) and the code its QR holds (drawn by pdftoppm,
    read by zxing-cpp)."""
    source = tmp_path / "badge.pdf"
    source.write_bytes(pdf)
    words = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(source), "-"], capture_output=True, text=True, check=True
    ).stdout
    png = subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(source)],
        capture_output=True,
        check=True,
    ).stdout
    (qr,) = [
        r
        for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
        if r.format == zxingcpp.BarcodeFormat.QRCode
    ]
    return words, qr.text


def test_the_mayor_sends_a_deputy_who_answers_and_the_old_badge_is_refused(
    app, browser, inbox: Inbox, tmp_path
):
    event = make_event(capacity=1)
    mayor = make_guest(
        event, name_en="Chen Chi-Mai", name_zh="陳其邁", category=Category.VIP, organization="City"
    )
    make_staff(password="correct horse battery")
    make_staff("door@example.org", Role.DOOR, PASSWORD, events=[event])
    seating.save_plan(
        event.id, [seating.PlanRow("A", 6, reserved=(1, 2))], audit.SYSTEM, version=None
    )
    db.session.commit()
    answer(mayor)
    # The front row's first seat is the mayor's.
    seating.assign_seat(event.id, mayor.id, "A1", audit.SYSTEM)
    db.session.commit()
    event_id, mayor_id = event.id, mayor.id
    mayor_link = invitation_path(mayor)
    old_badge = tokens.badge_code(event.id, mayor.id, mayor.badge_version)
    db.session.commit()
    send_mail()
    inbox.received.clear()

    with serving(app) as base:
        app.config["REGISTRAR_BASE_URL"] = base
        chromium = browser()
        phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
        phone.set_default_timeout(TIMEOUT_MS)

        # -- the mayor's link, on a phone: propose a deputy ------------------------------------
        phone.goto(base + mayor_link)
        phone.click("#deputy summary")
        phone.fill("#deputy-name_en", "Lin Kuo-Hsien")
        phone.fill("#deputy-name_zh", "林國賢")
        phone.fill("#deputy-title", "Deputy Mayor")
        phone.fill("#deputy-email", "lin.deputy@example.org")
        phone.select_option("#deputy-language", "en")
        phone.click("#deputy button[type=submit]")
        phone.wait_for_load_state("load")
        assert "awaits the organizers' approval" in phone.inner_text("#deputy")

        # -- the organizer approves on the Requests page ---------------------------------------
        desk = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
        desk.set_default_timeout(TIMEOUT_MS)
        desk.goto(base + "/login")
        desk.fill("#email", "organizer@example.org")
        desk.fill("#password", "correct horse battery")
        desk.click("button[type=submit]")
        desk.wait_for_load_state("load")
        desk.goto(f"{base}/console/events/{event_id}/requests")
        request = desk.locator("article.request")
        assert "Lin Kuo-Hsien" in request.inner_text() and "陳其邁" in request.inner_text()
        request.locator("button", has_text="Approve").click()
        desk.wait_for_load_state("load")
        assert "Approved" in desk.inner_text("main")

        # -- the deputy's e-mail brings their own link; they answer yes -------------------------
        send_mail()
        (message,) = inbox.to("lin.deputy@example.org")
        body = message.get_body(("plain",)).get_content()
        assert "in place of Chen Chi-Mai" in body
        deputy_link = LINK.search(body).group(0)
        deputy_phone = chromium.new_context(viewport=PHONE, is_mobile=True).new_page()
        deputy_phone.set_default_timeout(TIMEOUT_MS)
        deputy_phone.goto(deputy_link)
        assert "Dear Lin Kuo-Hsien" in deputy_phone.inner_text("main")
        deputy_phone.check("input[name=attending][value=yes]")
        deputy_phone.check("input[name=channel][value=zh]")
        deputy_phone.click("form >> text=Send my answer")
        deputy_phone.wait_for_load_state("load")
        assert "Your seat is confirmed" in deputy_phone.inner_text("#status")
        # The mayor's reserved seat is the deputy's, on their page and on their badge, whose QR
        # is the deputy's own.
        assert "Your seat: A1" in deputy_phone.inner_text("main")
        badge = deputy_phone.request.get(deputy_link + "/badge.pdf")
        assert badge.ok
        words, code = badge_words_and_code(badge.body(), tmp_path)
        assert "Lin Kuo-Hsien" in words and "林國賢" in words
        assert re.search(r"Seat · 座位\s+A1", words), words
        deputy_id = tokens.read_badge_code(code).guest_id
        assert read(lambda: db.session.get(Guest, deputy_id).deputy_for_id) == mayor_id

        # -- the mayor's old link is no longer active -------------------------------------------
        phone.goto(base + mayor_link)
        assert "no longer active" in phone.inner_text("main")
        (told,) = inbox.to(read(lambda: db.session.get(Guest, mayor_id)).email)
        assert "Lin Kuo-Hsien" in told.get_body(("plain",)).get_content()

        # -- at the door: the old badge refused, the deputy let in; the desk and the MC see them --
        desk.goto(f"{base}/protocol/events/{event_id}/arrivals")
        desk.wait_for_selector("#protocol-status:has-text('Live')")
        assert "Lin Kuo-Hsien" in desk.inner_text("#protocol-rows")
        assert "Chen Chi-Mai" not in desk.inner_text("#protocol-rows")
        door, csrf = http_log_in(base, "door@example.org", PASSWORD)
        scans = f"{base}/api/v1/events/{event_id}/scans"
        refused = door.post(scans, json={"code": old_badge}, headers={"X-CSRFToken": csrf})
        assert refused.json()["verdict"] == "revoked"
        assert refused.json()["deputy"]["name_en"] == "Lin Kuo-Hsien"
        let_in = door.post(
            scans, json={"code": code, "gate": "Gate 2"}, headers={"X-CSRFToken": csrf}, timeout=30
        )
        assert let_in.json()["verdict"] == "ok"
        assert let_in.json()["guest"]["seat_label"] == "A1"
        arrived = desk.wait_for_selector(
            f'#protocol-rows li[data-id="{deputy_id}"].state-arrived', timeout=2000
        )
        assert "through gate Gate 2" in arrived.inner_text()
        desk.goto(f"{base}/protocol/events/{event_id}/mc")
        assert "Lin Kuo-Hsien" in desk.inner_text("main")

    # The deputy holds the one seat; the door's record says they came in.
    assert read(lambda: db.session.get(Guest, deputy_id).seat.state) == SeatState.CONFIRMED
    assert read(lambda: db.session.get(Guest, deputy_id).check_in.inside) is True
