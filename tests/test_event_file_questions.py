"""The event file's `[[questions]]`: read, written and read back unchanged, imported with the
editor's rules, and every mistake named at its line and key."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from support.event_files import FORUM
from support.factories import make_guest

from registrar import unit_of_work
from registrar.extensions import db
from registrar.models import AuditEntry, Category, Channel, EventQuestion, EventState, QuestionKind
from registrar.services import audit, event_files, questions, rsvp

QUESTIONS = """
[[questions]]
kind = "one_choice"
label.en = "Your meal"
label.zh = "您的餐點"
help.en = "Lunch is served at 12:30."
required = true
categories = ["speaker", "vip"]
guest_list = true

[[questions.choices]]
key = "meat"
en = "Meat"
zh = "葷食"

[[questions.choices]]
key = "veg"
en = "Vegetarian"
zh = "素食"

[[questions]]
kind = "number"
label.en = "Nights in Kaohsiung"
min = 0
max = 14
"""


def imported(text: str) -> event_files.FileImport:
    result = event_files.import_event(event_files.read_event_file(text), audit.SYSTEM)
    db.session.commit()
    return result


def stored(event) -> list[tuple]:
    db.session.expire_all()
    return [
        (q.position, q.kind, q.label_en, q.label_zh, q.help_en, q.required, q.categories)
        + (q.choices, q.number_min, q.number_max, q.in_guest_list)
        for q in questions.listed(event.id)
    ]


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def test_questions_are_read_written_and_read_back_unchanged(app):
    done = imported(FORUM + QUESTIONS)
    event = done.event
    assert done.questions_changed
    assert stored(event) == [
        (
            1,
            QuestionKind.ONE_CHOICE,
            "Your meal",
            "您的餐點",
            "Lunch is served at 12:30.",
            True,
            "speaker vip",
            [
                {"key": "meat", "en": "Meat", "zh": "葷食"},
                {"key": "veg", "en": "Vegetarian", "zh": "素食"},
            ],
            None,
            None,
            True,
        ),
        (2, QuestionKind.NUMBER, "Nights in Kaohsiung", "", "", False, "", [], 0, 14, False),
    ]
    text = event_files.export_event(event)
    assert "[[questions]]" in text and "[[questions.choices]]" in text
    before, entries = stored(event), audit_count()
    again = imported(text)
    assert not again.changed_anything
    assert stored(event) == before
    assert audit_count() == entries
    assert event_files.export_event(event) == text


def test_a_file_without_questions_leaves_them_and_a_shorter_list_deletes_the_rest(app):
    event = imported(FORUM + QUESTIONS).event
    assert not imported(FORUM).questions_changed
    assert len(stored(event)) == 2
    first_only = FORUM + QUESTIONS[: QUESTIONS.index('[[questions]]\nkind = "number"')]
    assert imported(first_only).questions_changed
    assert [row[2] for row in stored(event)] == ["Your meal"]


def test_an_import_may_not_change_an_answered_question_so_that_answers_go_wrong(app):
    event = imported(FORUM + QUESTIONS).event
    event.state = EventState.OPEN
    db.session.commit()
    meal = questions.listed(event.id)[0]
    guest = make_guest(event, category=Category.SPEAKER)
    unit_of_work.run(
        lambda: rsvp.answer(
            guest.id,
            guest.token_version,
            rsvp.RsvpAnswer(attending=True, channel=Channel.EN, answers={meal.id: ("veg",)}),
            audit.SYSTEM,
            on_behalf=True,
        )
    )
    before = stored(event)
    renamed = QUESTIONS.replace('key = "veg"', 'key = "vegetarian"')
    with pytest.raises(event_files.EventFileError) as refused:
        imported(FORUM + renamed)
    db.session.rollback()
    assert re.search(r"questions\[0\]\.choices: .*keep their keys: veg", str(refused.value))
    assert stored(event) == before
    with pytest.raises(event_files.EventFileError, match=r"questions: .*cannot be deleted"):
        imported(FORUM.replace('slug = "', 'questions = []\nslug = "', 1))
    db.session.rollback()
    assert stored(event) == before


BAD = [
    (
        'kind = "number"',
        'kind = "essay"',
        r"^line \d+: questions\[1\]\.kind: 'essay' is not one of",
    ),
    (
        'label.en = "Your meal"\nlabel.zh = "您的餐點"',
        "label = {}",
        r"questions\[0\]\.label\.en: Give",
    ),
    ('key = "veg"', 'key = "Veg Pie"', r"questions\[0\]\.choices: .Veg Pie. is not a choice key"),
    ("max = 14", "max = -1", r"questions\[1\]\.min: The least number is greater"),
    (
        'categories = ["speaker", "vip"]',
        'categories = ["mayor"]',
        r"questions\[0\]\.categories\[0\]: 'mayor'",
    ),
    ("required = true", 'required = "yes"', r"questions\[0\]\.required: must be true or false"),
    (
        'help.en = "Lunch is served at 12:30."',
        'colour = "red"',
        r"questions\[0\]\.colour: not a key",
    ),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD)
def test_a_mistake_in_the_questions_is_named_at_its_line_and_key_and_writes_nothing(
    app, old, new, message
):
    assert old in QUESTIONS
    with pytest.raises(event_files.EventFileError) as refused:
        imported(FORUM + QUESTIONS.replace(old, new, 1))
    db.session.rollback()
    assert re.search(message, str(refused.value), re.M), str(refused.value)
    assert re.search(r"line \d+", str(refused.value))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventQuestion)) == 0
