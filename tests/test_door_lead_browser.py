"""A door lead's let-in and a walk-in, in a real browser: the VIP who never answered goes in with
a reason and the dashboard counts her; a walk-in is registered, shown a badge and scanned.

Headless Chromium driven by Playwright, as in test_door_browser.py (skipped without it).
"""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from support.auth import PASSWORD
from support.browser import PHONE, in_browser
from support.factories import make_event, make_guest, make_staff
from support.live_server import read as _read
from support.live_server import serving
from test_accessibility import assert_accessible
from test_door_browser import Scanner, _code, _scans

from registrar import tokens
from registrar.extensions import db
from registrar.models import AuditEntry, Category, Guest, Role, SeatState, Verdict
from registrar.services import audit, door

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")

pytestmark = in_browser


def _audit(guest_id: int, action: str) -> dict | None:
    def read():
        entry = db.session.scalar(
            sa.select(AuditEntry).where(
                AuditEntry.guest_id == guest_id, AuditEntry.action == action
            )
        )
        return None if entry is None else dict(entry.details)

    return _read(read)


def test_an_unanswered_vip_is_let_in_by_the_door_lead_and_the_dashboard_counts_her(app, browser):
    event = make_event(capacity=5)
    vip = make_guest(
        event,
        name_en="Lin Hui-Chen",
        name_zh="林慧真",
        organization="Ministry of Environment",
        category=Category.VIP,
    )
    make_staff("door@example.org", Role.DOOR, PASSWORD, events=[event])
    make_staff("lead@example.org", Role.DOOR_LEAD, PASSWORD, events=[event])
    make_staff("organizer@example.org", Role.ORGANIZER, PASSWORD, events=[event])
    event_id, vip_id, code = event.id, vip.id, _code(vip)
    db.session.commit()

    with serving(app) as url:
        chromium = browser()
        # A volunteer scans her: no answer, sent to the desk, and no let-in for them.
        volunteer = Scanner(chromium.new_context(viewport=PHONE, locale="en-GB"), url)
        volunteer.log_in("door@example.org")
        volunteer.open(f"/door/events/{event_id}")
        hint = volunteer.page.inner_text("#search-hint")
        assert "林" in hint and "Lin" in hint
        volunteer.type_code(code)
        asked = volunteer.verdict("ask")
        assert "No answer yet" in asked.inner_text()
        assert "declined" not in asked.inner_text().lower()
        assert volunteer.page.locator("#verdict-lead").is_hidden()

        # The door lead scans her and lets her in, for a reason.
        # axe's script is injected into the page: past its Content-Security-Policy.
        lead = Scanner(chromium.new_context(viewport=PHONE, locale="en-GB", bypass_csp=True), url)
        lead.log_in("lead@example.org")
        lead.open(f"/door/events/{event_id}")
        lead.page.fill("#gate", "VIP entrance")
        lead.type_code(code)
        lead.verdict("ask")
        form = lead.page.locator("#verdict-lead")
        form.wait_for(state="visible")
        assert lead.page.locator("#verdict-lead-over-group").is_hidden()
        lead.page.select_option("#verdict-lead-reason", "other")
        lead.page.click("#verdict-lead-submit")
        assert "Please say why" in lead.page.inner_text("#verdict-message")
        lead.page.fill("#verdict-lead-text", "Deputy minister, protocol confirmed")
        lead.page.select_option("#verdict-lead-channel", "zh")
        lead.screenshot("door-lead-let-in.png")
        assert_accessible(lead.page, "the door lead's let-in", within="#verdict")
        lead.page.click("#verdict-lead-submit")
        good = lead.verdict("good")
        assert "林慧真" in good.inner_text()
        assert lead.page.inner_text("#verdict-channel-big") == "中"
        assert "Let in by a door lead" in lead.page.inner_text("#verdict-message")
        assert lead.occupancy() == "1 / 5"

        # The gate typed on the lead's device is still there after a reload.
        lead.open(f"/door/events/{event_id}")
        assert lead.page.input_value("#gate") == "VIP entrance"

        organizer = chromium.new_context(viewport=PHONE, locale="en-GB").new_page()
        organizer.goto(url + "/login")
        organizer.fill("#email", "organizer@example.org")
        organizer.fill("#password", PASSWORD)
        organizer.click("button[type=submit]")
        organizer.wait_for_load_state()
        organizer.goto(f"{url}/console/events/{event_id}/dashboard")
        assert organizer.inner_text("[data-count=inside] dd") == "1"
        assert organizer.inner_text("[data-count=confirmed] dd") == "1"
        organizer.goto(f"{url}/console/events/{event_id}/audit")
        log = organizer.inner_text("main")
        assert "Let in by a door lead" in log
        assert "Deputy minister, protocol confirmed" in log
        chromium.close()

    details = _audit(vip_id, "checkin.let_in")
    assert details is not None and details["refused"] == "no_answer"
    verdicts = [s.verdict for s in _scans(event_id)]
    assert verdicts == [Verdict.NO_ANSWER, Verdict.NO_ANSWER, Verdict.OK]
    assert _read(lambda: db.session.get(Guest, vip_id).seat.state) == SeatState.CONFIRMED


def test_a_walk_in_is_registered_shown_a_badge_and_scanned(app, browser):
    event = make_event(capacity=2, door_walk_ins=True)
    make_guest(event, name_en="Chang Invited", name_zh="張受邀")
    make_staff("door@example.org", Role.DOOR, PASSWORD, events=[event])
    event_id = event.id
    db.session.commit()

    with serving(app) as url:
        chromium = browser()
        context = chromium.new_context(viewport=PHONE, locale="en-GB", bypass_csp=True)
        volunteer = Scanner(context, url)
        volunteer.log_in("door@example.org")
        volunteer.open(f"/door/events/{event_id}")
        page = volunteer.page
        page.click("#walk-in summary")
        page.click("#walk-in-submit")
        assert "at least one script" in page.inner_text("#walk-in-error")
        page.fill("#walk-in-name-zh", "何記者")
        page.fill("#walk-in-name-en", "Ho Reporter")
        page.fill("#walk-in-organization", "Kaohsiung Daily")
        page.select_option("#walk-in-category", "press")
        page.select_option("#walk-in-channel", "en")
        page.click("#walk-in-submit")
        good = volunteer.verdict("good")
        assert "Ho Reporter" in good.inner_text()
        assert "Walk-in registered" in page.inner_text("#verdict-message")
        assert volunteer.occupancy() == "1 / 2"
        volunteer.dismiss()

        qr = page.locator("#walk-in-qr")
        qr.wait_for(state="visible")
        page.wait_for_function("document.getElementById('walk-in-qr').naturalWidth > 0")
        code = qr.get_attribute("data-code")
        shot = Image.open(io.BytesIO(qr.screenshot()))
        assert [found.text for found in zxingcpp.read_barcodes(shot)] == [code]
        pdf_href = page.get_attribute("#walk-in-pdf", "href")
        pdf = page.request.get(url + pdf_href)
        assert pdf.ok and pdf.body().startswith(b"%PDF")
        volunteer.screenshot("door-walk-in-badge.png")
        assert_accessible(page, "a walk-in's badge", within="#walk-in")

        # Her badge read at the door: she is inside already.
        volunteer.type_code(code)
        warn = volunteer.verdict("warn")
        assert "Already checked in" in warn.inner_text()
        volunteer.dismiss()
        page.fill("#search", "ho rep")
        result = page.locator(".door-result")
        result.wait_for()
        assert "Walk-in" in result.inner_text()
        chromium.close()

    guests = _read(
        lambda: [
            (g.name_en, g.walk_in, g.category)
            for g in db.session.scalars(
                sa.select(Guest).where(Guest.event_id == event_id).order_by(Guest.id)
            )
        ]
    )
    assert guests == [
        ("Chang Invited", False, Category.DELEGATE),
        ("Ho Reporter", True, Category.PRESS),
    ]


def test_the_gate_typed_on_a_door_link_device_is_kept_after_a_reload(app, browser):
    event = make_event(capacity=5)
    link = door.create_link(event, "North door", 4, audit.SYSTEM)
    db.session.commit()
    token, event_id = tokens.door_link_token(link.id, event.id), event.id
    db.session.commit()

    with serving(app) as url:
        chromium = browser()
        volunteer = Scanner(chromium.new_context(viewport=PHONE, locale="en-GB"), url)
        volunteer.page.goto(f"{url}/door/l/{token}")
        volunteer.page.wait_for_selector("body[data-door-ready]")
        assert volunteer.page.input_value("#gate") == "North door"
        volunteer.page.fill("#gate", "North door, left")
        # The link's address (with its gate) is what a reload opens again.
        volunteer.page.reload()
        volunteer.page.wait_for_selector("body[data-door-ready]")
        assert volunteer.page.input_value("#gate") == "North door, left"
        volunteer.open(f"/door/events/{event_id}")
        assert volunteer.page.input_value("#gate") == "North door, left"
        chromium.close()
