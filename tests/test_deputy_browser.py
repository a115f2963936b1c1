"""The mayor who cannot come sends a deputy, in a real browser against a real server and SMTP:
the mayor's link proposes the deputy on a phone, the organizer approves on the Requests page,
the deputy's e-mail brings their own link, on which they answer yes; the mayor's old link then
says it is no longer active, and the door refuses the mayor's old badge.

Headless Chromium (Debian's package) driven by Playwright, as the other browser tests; SQLite
only: the rules on the way are tested on both databases by test_deputies.py.
"""

from __future__ import annotations

import re

import pytest
from support.browser import PHONE, TIMEOUT_MS, in_browser
from support.factories import answer, invitation_path, make_event, make_guest, make_staff
from support.live_server import read, serving
from support.smtp import Inbox, smtp_config, smtp_inbox

from registrar import tokens, unit_of_work
from registrar.extensions import db
from registrar.mail import delivery
from registrar.models import Category, Guest, SeatState, Verdict
from registrar.services import checkin

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


def test_the_mayor_sends_a_deputy_who_answers_and_the_old_badge_is_refused(
    app, browser, inbox: Inbox
):
    event = make_event(capacity=1)
    mayor = make_guest(
        event, name_en="Chen Chi-Mai", name_zh="陳其邁", category=Category.VIP, organization="City"
    )
    make_staff(password="correct horse battery")
    db.session.commit()
    answer(mayor)
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

        # -- the mayor's old link is no longer active -------------------------------------------
        phone.goto(base + mayor_link)
        assert "no longer active" in phone.inner_text("main")
        (told,) = inbox.to(read(lambda: db.session.get(Guest, mayor_id)).email)
        assert "Lin Kuo-Hsien" in told.get_body(("plain",)).get_content()

    # -- the door refuses the mayor's old badge ---------------------------------------------------
    scanned = unit_of_work.run(
        lambda: checkin.scan(event_id, checkin.ScanRequest(code=old_badge), "staff:1")
    )
    assert scanned.verdict == Verdict.REVOKED
    deputy = read(
        lambda: db.session.scalar(db.select(Guest).where(Guest.email == "lin.deputy@example.org"))
    )
    assert read(lambda: db.session.get(Guest, deputy.id).seat.state) == SeatState.CONFIRMED
