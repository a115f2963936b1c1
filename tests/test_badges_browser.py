"""The console's badge sheet in a real browser: the state while it is prepared, the download,
and the server's message when there is nothing to print.

Headless Chromium (Debian's package) driven by Playwright, as in test_door_browser.py, with the
browser fixture of conftest.py and the skip rule of support/browser.py; the PDF is read back
with poppler's pdfinfo.
"""

from __future__ import annotations

from pathlib import Path

from support.auth import PASSWORD
from support.browser import TIMEOUT_MS, in_browser
from support.factories import answer, make_event, make_guest, make_staff
from support.live_server import serving
from test_badges import needs_poppler, pdf_info

from registrar.extensions import db
from registrar.models import Channel

pytestmark = in_browser

SCREENSHOTS = Path(__file__).parent / "screenshots"


def _log_in(page, base: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", "organizer@example.org")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")


@needs_poppler
def test_organizer_prints_the_badge_sheet_and_sees_it_prepared_then_ready(
    app,
    browser,
    tmp_path,
):
    event = make_event(capacity=10)
    for n in range(6):
        answer(make_guest(event), channel=[Channel.EN, Channel.ZH, Channel.FLOOR][n % 3])
    empty = make_event()
    make_staff(password=PASSWORD)
    event_id, empty_id, slug = event.id, empty.id, event.slug
    db.session.commit()

    with serving(app) as base:
        chromium = browser()
        page = chromium.new_context(viewport={"width": 1024, "height": 720}).new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("console", lambda m: print("console", m.type, m.text))
        sheet_requests = []
        page.on("request", lambda r: sheet_requests.append(r) if "badges.pdf" in r.url else None)
        # The sheet's answer is held until the test has seen the page wait for it.
        held = []
        page.route("**/badges.pdf", lambda route: held.append(route))
        _log_in(page, base)
        page.goto(f"{base}/console/events/{event_id}/guests")
        link = page.locator("#badge-sheet")
        status = page.locator("#badge-sheet-status")
        assert link.inner_text() == "Print 6 badges (PDF)"

        with page.expect_download() as download_info:
            link.click()
            status.locator("progress").wait_for()
            assert status.inner_text().strip() == "Preparing 6 badges…"
            assert status.get_attribute("aria-busy") == "true"
            assert link.get_attribute("aria-disabled") == "true"
            # A second press while it works sends nothing more.
            link.dispatch_event("click")
            page.wait_for_timeout(200)
            assert len(sheet_requests) == 1
            held[0].continue_()
            page.locator("#badge-sheet-again").wait_for()

        assert status.inner_text().startswith("Ready: 6 badges on 2 pages.")
        assert status.locator("progress").count() == 0
        assert link.get_attribute("aria-disabled") is None
        download = download_info.value
        assert download.suggested_filename == f"badges-{slug}.pdf"
        pdf = Path(download.path()).read_bytes()
        assert pdf.startswith(b"%PDF")
        assert pdf_info(pdf, tmp_path)["Pages"] == "2"
        again = page.locator("#badge-sheet-again")
        assert again.inner_text() == "Download again"
        assert again.get_attribute("download") == f"badges-{slug}.pdf"
        assert again.get_attribute("href").startswith("blob:")

        box = page.locator(".badge-sheet").bounding_box()
        below = status.bounding_box()
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(
            path=str(SCREENSHOTS / "console-badges-ready.png"),
            clip={
                "x": max(box["x"] - 12, 0),
                "y": max(box["y"] - 12, 0),
                "width": 560,
                "height": below["y"] + below["height"] - box["y"] + 24,
            },
        )

        # Nothing to print: the server's words, not a silent redirect.
        page.unroute("**/badges.pdf")
        page.goto(f"{base}/console/events/{empty_id}/guests")
        assert link.inner_text() == "Print 0 badges (PDF)"
        link.click()
        page.locator("#badge-sheet-status.badge-sheet-error").wait_for()
        assert "no badges to print" in status.inner_text()
        assert link.get_attribute("aria-disabled") is None
        chromium.close()
