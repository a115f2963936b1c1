"""A visa invitation letter end to end, in a real browser against a real server: the mayor's
link, on a phone 390 px wide, asks for a letter with the passport details (a mistake first,
told in the guest's language); the organizer issues it in the console and downloads the PDF;
the consulate's verification URL shows it genuine, and after a re-issue the old one not valid.

SQLite only, as the other browser tests: the rules on the way are tested on both databases by
test_visa_letters.py.
"""

from __future__ import annotations

import re
import subprocess

import pytest
from support.auth import PASSWORD
from support.browser import PHONE, TIMEOUT_MS, in_browser
from support.factories import invitation_path, make_event, make_guest, make_staff
from support.live_server import serving
from support.travel import LETTERHEAD

from registrar.extensions import db
from registrar.models import Category, Language

pytestmark = in_browser


def _no_sideways_scrolling(page) -> None:
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"] + 1, widths


@pytest.mark.parametrize("language", [Language.EN, Language.ZH_HANT])
def test_the_mayor_asks_the_organizer_issues_the_consulate_verifies(
    app, browser, tmp_path, language
):
    event = make_event(travel_categories="speaker", **LETTERHEAD)
    mayor = make_guest(
        event, name_en="Sibusiso Magagula", category=Category.SPEAKER, language=language
    )
    make_staff(password=PASSWORD)
    link, guest_id = invitation_path(mayor), mayor.id
    db.session.commit()

    with serving(app) as base:
        app.config["REGISTRAR_BASE_URL"] = base
        chromium = browser()
        phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
        phone.set_default_timeout(TIMEOUT_MS)

        # -- the mayor's link, on a phone -------------------------------------------------
        phone.goto(base + link)
        section = phone.locator("#visa-letter")
        heading = "Visa invitation letter" if language == Language.EN else "簽證邀請函"
        assert heading in section.inner_text()
        _no_sideways_scrolling(phone)
        phone.fill("#passport-name", "MAGAGULA Sibusiso")
        phone.fill("#passport-nationality", "Eswatini")
        phone.fill("#passport-number", "SZ-12")
        phone.fill("#passport-birth_date", "1971-03-09")
        phone.click("#visa-letter form button[type=submit]")
        phone.wait_for_load_state("load")
        refusal = "5 to 20 letters and digits" if language == Language.EN else "5 至 20 個"
        assert refusal in phone.inner_text("body")
        _no_sideways_scrolling(phone)
        phone.fill("#passport-number", "SZ 1234567")
        phone.click("#visa-letter form button[type=submit]")
        phone.wait_for_load_state("load")
        assert phone.locator("[data-letter-state=asked]").is_visible()
        _no_sideways_scrolling(phone)

        # -- the organizer issues it --------------------------------------------------------
        desk = chromium.new_context().new_page()
        desk.set_default_timeout(TIMEOUT_MS)
        desk.goto(base + "/login?lang=en")
        desk.fill("#email", "organizer@example.org")
        desk.fill("#password", PASSWORD)
        desk.click("button[type=submit]")
        desk.wait_for_load_state("load")
        desk.goto(f"{base}/console/guests/{guest_id}/visa-letter")
        assert "SZ1234567" in desk.inner_text("[data-passport]")
        desk.click("button.primary")
        desk.wait_for_load_state("load")
        hint = desk.inner_text("#letter-title + p + p + p")
        first_url = re.search(r"https?://\S+/letters/\S+", hint).group(0)
        with desk.expect_download() as downloading:
            desk.click("text=Download the letter (PDF)")
        pdf = tmp_path / "letter.pdf"
        downloading.value.save_as(pdf)
        words = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        flat = "".join(words.split())
        for expected in ("MAGAGULASibusiso", "SZ1234567", "高雄市政府", "敬啟者", first_url):
            assert expected in flat, expected

        # -- the consulate checks it; a re-issue makes it not valid -------------------------
        consulate = chromium.new_context().new_page()
        consulate.set_default_timeout(TIMEOUT_MS)
        consulate.goto(first_url + "?lang=en")
        assert "This letter is genuine" in consulate.inner_text("h1")
        assert "••••••567" in consulate.inner_text("body")
        desk.click("button.primary")
        desk.wait_for_load_state("load")
        answer = consulate.goto(first_url + "?lang=en")
        assert answer is not None and answer.status == 404
        assert "This letter is not valid" in consulate.inner_text("h1")
        assert "MAGAGULA" not in consulate.content()
