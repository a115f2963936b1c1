"""The door list in a real browser: offline, the scanner names the guest of a badge, refuses a
withdrawn or replaced badge and marks a valid one provisional; back online, every reading syncs
and the server's verdicts stand. The list goes at sign-out and after the event.

Headless Chromium (Debian's package) driven by Playwright, as in test_door_browser.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.auth import PASSWORD
from support.browser import PHONE, TIMEOUT_MS, in_browser
from support.factories import answer, make_event, make_guest, make_staff
from support.live_server import read, serving

from registrar import tokens
from registrar.extensions import db
from registrar.models import Channel, Event, Guest, Role, Scan, Verdict
from registrar.services import audit, badges, invitations, seating
from registrar.services.requests import deputies

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")

pytestmark = in_browser

SCREENSHOTS = Path(__file__).parent / "screenshots"
DOOR = "door-list@example.org"


def _code(guest: Guest, version: int | None = None) -> str:
    return tokens.badge_code(guest.event_id, guest.id, version or guest.badge_version)


def _confirmed(event: Event, **fields) -> Guest:
    guest = make_guest(event, **fields)
    answer(guest, channel=Channel.ZH)
    return guest


def _scans(event_id: int) -> list[Scan]:
    return read(
        lambda: list(
            db.session.scalars(sa.select(Scan).where(Scan.event_id == event_id).order_by(Scan.id))
        )
    )


def _list_key(event_id: int) -> str:
    return f"registrar.door.list.v1.{event_id}"


class Door:
    def __init__(self, context, base_url: str):
        self.page = context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.base_url = base_url
        self.page.on(
            "console",
            lambda m: print("console", m.type, m.text) if m.type in ("error", "warning") else None,
        )

    def log_in(self, email: str) -> None:
        self.page.goto(self.base_url + "/login")
        self.page.fill("#email", email)
        self.page.fill("#password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()

    def open(self, event_id: int) -> None:
        self.page.goto(f"{self.base_url}/door/events/{event_id}")
        self.page.wait_for_selector("body[data-door-ready]")

    def scan(self, code: str, kind: str):
        self.page.fill("#code", code)
        self.page.press("#code", "Enter")
        overlay = self.page.locator(f"#verdict.verdict-{kind}")
        overlay.wait_for(state="visible")
        return overlay

    def dismiss(self) -> None:
        self.page.locator("#verdict").click(position={"x": 8, "y": 8})
        self.page.locator("#verdict").wait_for(state="hidden")


def test_offline_the_scanner_names_guests_refuses_revoked_and_replaced_badges_then_syncs(
    app, browser
):
    event = make_event(capacity=10)
    lai = _confirmed(event, name_en="Lai Ching-Ming", name_zh="賴慶明", organization="Kaohsiung")
    lin = _confirmed(event, name_en="Lin Hao", name_zh="林浩")
    chen = _confirmed(event, name_en="Chen Yu", name_zh="陳羽")
    wang = _confirmed(event, name_en="Wang Mei-Ling", name_zh="王美玲")
    make_staff(DOOR, Role.DOOR, events=[event])
    # Lin's invitation is withdrawn; Chen's badge was replaced by a new one.
    invitations.revoke(lin.id, audit.SYSTEM)
    old_chen = _code(chen)
    badges.reissue(chen.id, audit.SYSTEM)
    event_id, lai_id, lin_id, chen_id, wang_id = event.id, lai.id, lin.id, chen.id, wang.id
    lai_code, lin_code = _code(lai), _code(lin, 1)
    # Committed last: on SQLite a read after it would hold the lock the server needs.
    db.session.commit()

    with serving(app) as url:
        chromium = browser()
        context = chromium.new_context(viewport=PHONE, locale="en-GB")
        door = Door(context, url)
        page = door.page
        door.log_in(DOOR)
        door.open(event_id)
        page.wait_for_selector("body[data-door-list=ready]")
        assert "4 guests" in page.inner_text("#door-list-state")

        context.set_offline(True)
        page.locator("#offline-banner").wait_for(state="visible")

        # A withdrawn invitation: refused, with the name, still provisional.
        refused = door.scan(lin_code, "bad")
        assert "Invitation withdrawn" in refused.inner_text()
        assert page.inner_text("#verdict-name") == "Lin Hao"
        assert page.inner_text("#verdict-name-other") == "林浩"
        assert "verdict-provisional" in refused.get_attribute("class")
        assert "door list" in page.inner_text("#verdict-detail")
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "door-offline-list-revoked.png"))
        door.dismiss()

        # A replaced badge (an older version than the list's): refused as well.
        replaced = door.scan(old_chen, "bad")
        assert "Invitation withdrawn" in replaced.inner_text()
        assert page.inner_text("#verdict-name") == "Chen Yu"
        assert "badge was replaced" in page.inner_text("#verdict-message")
        door.dismiss()

        # A valid badge: the name and the headset, marked provisional as before.
        valid = door.scan(lai_code, "wait")
        assert "Saved, will sync" in valid.inner_text()
        assert "verdict-provisional" in valid.get_attribute("class")
        assert page.inner_text("#verdict-name") == "Lai Ching-Ming"
        assert page.inner_text("#verdict-channel-big") == "中"
        page.screenshot(path=str(SCREENSHOTS / "door-offline-list-valid.png"))
        door.dismiss()

        # A lost badge: the name search finds the guest in the list, and checks in by name.
        page.fill("#search", "mei ling")
        found = page.locator("#results .door-result")
        found.first.wait_for()
        assert "door list" in page.inner_text("#results")
        assert found.count() == 1
        assert "王美玲" in found.first.inner_text()
        found.first.locator("button").click()
        door.page.locator("#verdict.verdict-wait").wait_for(state="visible")
        assert page.inner_text("#verdict-name") == "Wang Mei-Ling"
        door.dismiss()
        assert page.inner_text("#pending") == "Pending sync (4)"
        assert _scans(event_id) == []
        # The recent list names the waiting readings from the door list, not by their codes.
        waiting = page.inner_text("#recent")
        assert "Lai Ching-Ming · 賴慶明" in waiting and "Lin Hao · 林浩" in waiting
        assert lai_code not in waiting

        # Back online: every reading is sent, and the server's answers are the truth.
        context.set_offline(False)
        page.locator("#pending").wait_for(state="hidden")
        page.wait_for_function(
            "document.getElementById('occupancy-inside').textContent.trim() === '2'"
        )
        chromium.close()

    scans = _scans(event_id)
    assert [(s.guest_id, s.verdict, s.offline) for s in scans] == [
        (lin_id, Verdict.REVOKED, True),
        (chen_id, Verdict.REVOKED, True),
        (lai_id, Verdict.OK, True),
        (wang_id, Verdict.OK, True),
    ]
    assert [s.manual for s in scans] == [False, False, False, True]


def test_offline_the_scanner_shows_a_reserved_seat_and_whom_a_guest_sent(app, browser):
    event = make_event(capacity=10)
    seating.save_plan(
        event.id, [seating.PlanRow("A", 4, reserved=(1,))], audit.SYSTEM, version=None
    )
    mayor = _confirmed(event, name_en="Chen Chi-Mai", name_zh="陳其邁")
    director = _confirmed(event, name_en="Lin Director")
    seating.assign_seat(event.id, mayor.id, "A1", audit.SYSTEM)
    details = deputies.DeputyDetails(name_en="Wang Deputy", name_zh="王代理", email="w@example.org")
    made = deputies.propose(director.id, director.token_version, details, audit.GUEST)
    deputies.approve(made.id, made.version, audit.SYSTEM)
    make_staff(DOOR, Role.DOOR, events=[event])
    event_id, mayor_code, director_code = event.id, _code(mayor), _code(director)
    db.session.commit()

    with serving(app) as url:
        chromium = browser()
        context = chromium.new_context(viewport=PHONE, locale="en-GB")
        door = Door(context, url)
        page = door.page
        door.log_in(DOOR)
        door.open(event_id)
        page.wait_for_selector("body[data-door-list=ready]")
        context.set_offline(True)
        page.locator("#offline-banner").wait_for(state="visible")

        door.scan(mayor_code, "wait")
        assert page.inner_text("#verdict-name") == "Chen Chi-Mai"
        assert page.inner_text("#verdict-seat-label") == "A1"
        door.dismiss()

        door.scan(director_code, "bad")
        message = page.inner_text("#verdict-message")
        assert "sent a deputy" in message and "Wang Deputy · 王代理" in message
        assert page.locator("#verdict-seat").is_hidden()
        chromium.close()


def test_the_list_goes_at_sign_out_and_after_the_event(app, browser):
    event = make_event(capacity=10)
    _confirmed(event, name_en="Lai Ching-Ming", name_zh="賴慶明")
    make_staff(DOOR, Role.DOOR, events=[event])
    event_id = event.id
    db.session.commit()

    with serving(app) as url:
        chromium = browser()
        context = chromium.new_context(viewport=PHONE, locale="zh-TW")
        door = Door(context, url)
        page = door.page
        door.log_in(DOOR)
        door.open(event_id)
        page.wait_for_selector("body[data-door-list=ready]")
        assert "1 位來賓" in page.inner_text("#door-list-state")

        # Signing out from the scanner drops the list (saved scans would stay).
        page.click("#door-sign-out button")
        page.wait_for_url("**/login**")
        assert page.evaluate(f"localStorage.getItem('{_list_key(event_id)}')") is None

        # After the event's end the server sends no names, and the device keeps none.
        door.log_in(DOOR)
        door.open(event_id)
        page.wait_for_selector("body[data-door-list=ready]")
        ended = db.session.get(Event, event_id)
        now = datetime.now(UTC)
        ended.doors_open_at = now - timedelta(hours=4)
        ended.starts_at = now - timedelta(hours=3)
        ended.ends_at = now - timedelta(minutes=1)
        db.session.commit()
        door.open(event_id)
        page.wait_for_selector("body[data-door-list=none]")
        assert page.evaluate(f"localStorage.getItem('{_list_key(event_id)}')") is None
        chromium.close()
