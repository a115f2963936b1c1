"""The arrival desk in a real browser: a VIP scanned at the door shows as arrived, with the
gate, on the door lead's open page within two seconds, without a reload.

Headless Chromium driven by Playwright, as in test_door_browser.py (skipped without it).
"""

from __future__ import annotations

import pytest
from support.auth import PASSWORD, http_log_in
from support.browser import PHONE, in_browser
from support.factories import answer, make_event, make_guest, make_staff
from support.live_server import serving

from registrar import tokens
from registrar.extensions import db
from registrar.models import Category, Role

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")

pytestmark = in_browser


def test_the_arrival_desk_shows_a_scanned_vip_within_two_seconds(app, browser):
    event = make_event(capacity=5)
    vip = make_guest(event, name_en="Lin Hui-Chen", name_zh="林慧真", category=Category.VIP)
    answer(vip)
    make_staff("door@example.org", Role.DOOR, PASSWORD, events=[event])
    make_staff("lead@example.org", Role.DOOR_LEAD, PASSWORD, events=[event])
    event_id, vip_id = event.id, vip.id
    code = tokens.badge_code(event.id, vip.id, vip.badge_version)
    # The server's requests must not wait for this test's read (SQLite's write lock).
    db.session.commit()

    with serving(app) as url:
        chromium = browser()
        page = chromium.new_context(viewport=PHONE, locale="en-GB").new_page()
        page.goto(url + "/login")
        page.fill("#email", "lead@example.org")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{url}/protocol/events/{event_id}/arrivals")
        row = page.locator(f'#protocol-rows li[data-id="{vip_id}"]')
        assert "Expected" in row.inner_text()
        # The page has polled once: it knows the list as it is.
        page.wait_for_selector("#protocol-status:has-text('Live')")
        page.click("#protocol-sound")
        page.evaluate("window.__notReloaded = true")

        door, csrf = http_log_in(url, "door@example.org", PASSWORD)
        scanned = door.post(
            f"{url}/api/v1/events/{event_id}/scans",
            json={"code": code, "gate": "VIP entrance"},
            headers={"X-CSRFToken": csrf},
            timeout=30,
        )
        assert scanned.json()["verdict"] == "ok"

        arrived = page.wait_for_selector(
            f'#protocol-rows li[data-id="{vip_id}"].state-arrived', timeout=2000
        )
        assert "through gate VIP entrance" in arrived.inner_text()
        assert page.inner_text("#protocol-summary") == "1 of 1 arrived"
        assert page.evaluate("window.__notReloaded") is True
        chromium.close()
