"""Where the answers to the event's own questions are read: the console's guest page, the guest
list's columns (the ones the organizer chose), and the exports (a column per question)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest
from flask_babel import force_locale
from support.app import text
from support.factories import make_event, make_guest

from registrar import unit_of_work
from registrar.models import Category, Channel, QuestionKind
from registrar.services import audit, exports, questions, rsvp
from registrar.services.questions import Choice, QuestionDetails

MEAL = QuestionDetails(
    kind=QuestionKind.ONE_CHOICE,
    label_en="Your meal",
    label_zh="您的餐點",
    choices=(Choice("meat", "Meat", "葷食"), Choice("veg", "Vegetarian", "素食")),
    in_guest_list=True,
)
NIGHTS = QuestionDetails(kind=QuestionKind.NUMBER, label_en="Nights", label_zh="住宿晚數")
PHOTO = QuestionDetails(kind=QuestionKind.YES_NO, label_en="Photos OK?", label_zh="可拍照？")


def add(event, details):
    return unit_of_work.run(lambda: questions.add_question(event.id, details, audit.SYSTEM))


def reply(guest, **given):
    unit_of_work.run(
        lambda: rsvp.answer(
            guest.id,
            guest.token_version,
            rsvp.RsvpAnswer(
                attending=True,
                channel=Channel.EN,
                answers={q.id: (value,) for q, value in given.values()},
            ),
            audit.GUEST,
        )
    )


@pytest.fixture
def forum(app):
    event = make_event()
    meal, nights, photo = add(event, MEAL), add(event, NIGHTS), add(event, PHOTO)
    speakers = add(
        event, replace(PHOTO, label_en="Slides", label_zh="簡報", categories=(Category.SPEAKER,))
    )
    lin = make_guest(event, name_en="Lin Mei")
    reply(lin, a=(meal, "veg"), b=(nights, "3"), c=(photo, "no"))
    chen = make_guest(event, name_en="Chen Wu")
    reply(chen, a=(meal, "meat"))
    return event, lin, chen, (meal, nights, photo, speakers)


def test_the_guest_page_shows_the_answers_to_the_questions_asked(organizer_client, forum):
    event, lin, _chen, (meal, nights, photo, speakers) = forum
    page = text(organizer_client.get(f"/console/guests/{lin.id}/edit"))
    section = " ".join(page[page.index("Answers to the event's questions") :].split())
    assert 'Your meal</dt> <dd><span class="pre-line">Vegetarian' in section
    assert 'Nights</dt> <dd><span class="pre-line">3' in section
    assert 'Photos OK?</dt> <dd><span class="pre-line">No' in section
    assert "Slides" not in section  # asked of speakers only
    chinese = text(organizer_client.get(f"/console/guests/{lin.id}/edit?lang=zh_Hant"))
    assert "素食" in chinese


def test_the_guest_list_has_a_column_per_question_chosen(organizer_client, forum):
    event, _lin, _chen, (meal, nights, *_rest) = forum
    page = organizer_client.get(f"/console/events/{event.id}/guests").get_data(as_text=True)
    assert page.count('class="question-column"') == 1 + 2  # the header and two guests
    assert ">Vegetarian<" in page and ">Meat<" in page
    assert "Nights" not in page
    unit_of_work.run(
        lambda: questions.update_question(
            event.id, nights.id, replace(NIGHTS, in_guest_list=True), audit.SYSTEM
        )
    )
    page = organizer_client.get(f"/console/events/{event.id}/guests").get_data(as_text=True)
    assert page.count('class="question-column"') == 2 * 3
    assert "Nights" in page


def test_the_exports_have_a_column_per_question(app, forum):
    event, lin, chen, _questions = forum
    rows = list(csv.DictReader(io.StringIO(exports.guests_csv(event).decode("utf-8-sig"))))
    by_id = {int(row["ID"]): row for row in rows}
    assert by_id[lin.id]["Your meal"] == "Vegetarian"
    assert by_id[lin.id]["Nights"] == "3"
    assert by_id[lin.id]["Photos OK?"] == "No"
    assert by_id[lin.id]["Slides"] == ""
    assert by_id[chen.id]["Your meal"] == "Meat"
    with force_locale("zh_Hant"):
        header = exports.guests_table(event).header
    assert header[-4:] == ["您的餐點", "住宿晚數", "可拍照？", "簡報"]

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(exports.guests_xlsx(event))).active
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = table[0]
    lin_row = next(row for row in table if "Lin Mei" in row)
    assert lin_row[header.index("Your meal")] == "Vegetarian"
    assert lin_row[header.index("Nights")] == 3
