"""The programme editor in a real browser: an item dragged onto another moves as its buttons
would move it (static/console/programme.js sends the dragged row's own move form).

Headless Chromium (Debian's package) driven by Playwright, as in test_badges_browser.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from support.auth import PASSWORD
from support.browser import TIMEOUT_MS, in_browser
from support.factories import make_event, make_staff
from support.live_server import serving
from test_programme import add, taipei

from registrar.extensions import db
from registrar.models import AgendaItem, AgendaKind

pytestmark = in_browser


def test_dragging_an_item_onto_the_first_runs_it_first(app, browser):
    event = make_event(
        doors_open_at=taipei("13:10"), starts_at=taipei("13:30"), ends_at=taipei("16:45")
    )
    add(event, "13:30", "14:50", "Session 2")
    add(event, "14:50", "15:10", "Break", kind=AgendaKind.BREAK)
    add(event, "15:10", "16:30", "Session 3")
    make_staff(password=PASSWORD)
    event_id = event.id
    db.session.commit()
    db.session.remove()

    with serving(app) as base:
        page = browser().new_context(viewport={"width": 1024, "height": 900}).new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(base + "/login")
        page.fill("#email", "organizer@example.org")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("load")
        page.goto(f"{base}/console/events/{event_id}/programme")
        page.locator("ol.programme-editor.can-drag").wait_for()
        rows = page.locator("ol.programme-editor > li")
        with page.expect_navigation():
            rows.nth(2).drag_to(rows.nth(0))
        assert "“Session 3” now runs 13:30–14:50" in page.locator(".flashes").inner_text()
        times = page.locator(".programme-entry .agenda-time").all_inner_texts()
        assert times == ["13:30–14:50", "14:50–16:10", "16:10–16:30"]

    titles = db.session.scalars(
        sa.select(AgendaItem.title_en)
        .where(AgendaItem.event_id == event_id)
        .order_by(AgendaItem.position)
    ).all()
    assert titles == ["Session 3", "Session 2", "Break"]
