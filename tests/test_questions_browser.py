"""A guest whose language is 中文 answers two of the event's own questions on a phone (390 px):
the questions in Chinese after the fixed fields, a wrong number refused next to its question in
Chinese with what was typed kept, then the answers saved and shown again; nothing scrolls
sideways. Headless Chromium against a real server, CSRF on; the rules are tested on both
databases by test_questions.py and test_console_questions.py."""

from __future__ import annotations

import sqlalchemy as sa
from support.browser import PHONE, TIMEOUT_MS, in_browser
from support.factories import invitation_path, make_event, make_guest
from support.live_server import serving

from registrar import unit_of_work
from registrar.extensions import db
from registrar.models import Category, Language, QuestionAnswer, QuestionKind
from registrar.services import audit, questions
from registrar.services.questions import Choice, QuestionDetails

pytestmark = in_browser


def stored_answers() -> dict[int, str]:
    """The answers stored, read in a transaction of their own that ends at once: the live
    server shares the SQLite file, whose lock a transaction left open would hold."""
    try:
        return dict(
            db.session.execute(sa.select(QuestionAnswer.question_id, QuestionAnswer.value)).all()
        )
    finally:
        db.session.remove()


def test_a_guest_in_chinese_answers_two_questions_on_a_phone(app, browser):
    event = make_event()
    meal = unit_of_work.run(
        lambda: questions.add_question(
            event.id,
            QuestionDetails(
                kind=QuestionKind.ONE_CHOICE,
                label_en="Your meal",
                label_zh="您的午餐",
                help_zh="午餐於 12:30 供應。",
                choices=(Choice("meat", "Meat", "葷食"), Choice("veg", "Vegetarian", "素食")),
                required=True,
            ),
            audit.SYSTEM,
        )
    )
    nights = unit_of_work.run(
        lambda: questions.add_question(
            event.id,
            QuestionDetails(
                kind=QuestionKind.NUMBER,
                label_en="Nights in Kaohsiung",
                label_zh="在高雄住宿幾晚",
                number_min=0,
                number_max=14,
            ),
            audit.SYSTEM,
        )
    )
    guest = make_guest(event, language=Language.ZH_HANT, category=Category.VIP)
    link, meal_id, nights_id = invitation_path(guest), meal.id, nights.id
    db.session.remove()

    with serving(app) as base:
        chromium = browser()
        phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
        phone.set_default_timeout(TIMEOUT_MS)
        phone.goto(base + link)
        assert "您的午餐" in phone.inner_text(f"#question-{meal_id}")
        assert "午餐於 12:30 供應。" in phone.inner_text(f"#question-{meal_id}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        phone.check("#attending-0")
        phone.check("#channel-0")
        phone.check(f"#question-{meal_id}-1")
        # The form is `novalidate`: the number past the greatest reaches the server.
        phone.fill(f"#question-{nights_id}", "20")
        phone.click("button.primary")
        phone.wait_for_load_state("load")
        error = phone.inner_text(f"#question-{nights_id}-error")
        assert "在高雄住宿幾晚" in error and "0 到 14" in error
        assert phone.input_value(f"#question-{nights_id}") == "20"
        assert phone.is_checked(f"#question-{meal_id}-1")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert stored_answers() == {}

        phone.fill(f"#question-{nights_id}", "3")
        phone.click("button.primary")
        phone.wait_for_load_state("load")
        phone.goto(base + link)
        assert phone.is_checked(f"#question-{meal_id}-1")
        assert phone.input_value(f"#question-{nights_id}") == "3"
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert stored_answers() == {meal_id: "veg", nights_id: "3"}
