"""The old badge of a guest who sent a deputy: still refused as `revoked` at the door, with the
door saying that the guest sent a deputy and whom, in the staff member's language (the scan
API's answer, a retry of it, and the scanner page)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.browser import PHONE, needs_chromium
from support.factories import answer, make_event, make_guest, make_staff
from support.live_server import serving

from registrar import tokens, unit_of_work
from registrar.extensions import db
from registrar.models import Category, Language, Role, Scan, Verdict
from registrar.services import audit, checkin, invitations
from registrar.services.requests import deputies

PASSWORD = "correct horse battery"
DEPUTY = deputies.DeputyDetails(
    name_en="Chen Wei-Ting", name_zh="陳韋廷", email="deputy@example.org", language=Language.ZH_HANT
)


def sent_deputy() -> tuple[int, str, str]:
    """An event whose mayor sent a deputy: (event id, the mayor's old badge, a guest's)."""
    event = make_event(capacity=3)
    mayor = make_guest(event, name_en="Chen Chi-Mai", name_zh="陳其邁", category=Category.VIP)
    answer(mayor)
    other = make_guest(event, name_en="Revoked Plainly")
    answer(other)
    old_badge = tokens.badge_code(event.id, mayor.id, mayor.badge_version)
    other_badge = tokens.badge_code(event.id, other.id, other.badge_version)
    unit_of_work.run(lambda: deputies.name_directly(mayor.id, DEPUTY, audit.SYSTEM))
    unit_of_work.run(lambda: invitations.revoke(other.id, audit.SYSTEM))
    return event.id, old_badge, other_badge


def test_the_scan_names_the_deputy_and_a_plain_revocation_does_not(app):
    event_id, old_badge, other_badge = sent_deputy()

    refused = checkin.scan(event_id, checkin.ScanRequest(code=old_badge, nonce="n-1"), "door")
    plain = checkin.scan(event_id, checkin.ScanRequest(code=other_badge), "door")
    db.session.commit()

    assert refused.verdict == Verdict.REVOKED
    assert (refused.deputy.name_en, refused.deputy.name_zh) == ("Chen Wei-Ting", "陳韋廷")
    assert plain.verdict == Verdict.REVOKED and plain.deputy is None
    # A retry with the same nonce answers the same, from the stored answer.
    again = checkin.scan(event_id, checkin.ScanRequest(code=old_badge, nonce="n-1"), "door")
    assert again.replayed and again.deputy == refused.deputy
    stored = db.session.scalar(sa.select(Scan.result).where(Scan.nonce == "n-1"))
    assert stored["verdict"] == "revoked" and stored["deputy"]["name_zh"] == "陳韋廷"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "This guest sent a deputy: Chen Wei-Ting · 陳韋廷. This badge is no longer valid"),
        ("zh-TW", "此來賓已派代理人出席：陳韋廷 · Chen Wei-Ting。"),
    ],
)
def test_the_scan_api_says_so_in_the_staff_members_language(door_client, language, words):
    event_id, old_badge, _other = sent_deputy()

    response = door_client.post(
        f"/api/v1/events/{event_id}/scans",
        json={"code": old_badge},
        headers={"Accept-Language": language},
    )

    body = response.get_json()
    assert response.status_code == 200, body
    assert body["verdict"] == "revoked"
    assert body["deputy"]["name_en"] == "Chen Wei-Ting"
    assert words in body["deputy"]["advice"]


@pytest.mark.in_browser
@needs_chromium
def test_the_scanner_shows_whom_the_guest_sent(app, browser):
    event_id, old_badge, _other = sent_deputy()
    make_staff("door@example.org", Role.DOOR, PASSWORD)
    db.session.commit()

    with serving(app) as url:
        chromium = browser()
        for locale, words in (
            ("en-GB", "This guest sent a deputy: Chen Wei-Ting · 陳韋廷."),
            ("zh-TW", "此來賓已派代理人出席：陳韋廷 · Chen Wei-Ting。"),
        ):
            page = chromium.new_context(viewport=PHONE, locale=locale).new_page()
            page.goto(url + "/login")
            page.fill("#email", "door@example.org")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            page.goto(f"{url}/door/events/{event_id}")
            page.wait_for_selector("body[data-door-ready]")
            page.fill("#code", old_badge)
            page.press("#code", "Enter")
            verdict = page.locator("#verdict.verdict-bad")
            verdict.wait_for(state="visible")
            assert words in verdict.inner_text()
            assert "陳其邁" in verdict.inner_text()  # the badge's own guest, as before
        chromium.close()
