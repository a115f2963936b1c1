"""The event's own questions: what a question may be, what may change once guests answered,
and the answers checked by kind and kept with the RSVP in its one transaction."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa
from support.factories import make_event, make_guest

from registrar import unit_of_work
from registrar.extensions import db
from registrar.models import (
    AuditEntry,
    Category,
    Channel,
    EventQuestion,
    Language,
    QuestionAnswer,
    QuestionKind,
    Rsvp,
)
from registrar.services import audit, questions, rsvp
from registrar.services.guests import erasure
from registrar.services.questions import Choice, QuestionDetails, QuestionError

MEAL = QuestionDetails(
    kind=QuestionKind.ONE_CHOICE,
    label_en="Your meal",
    label_zh="您的餐點",
    choices=(Choice("meat", "Meat", "葷食"), Choice("veg", "Vegetarian", "素食")),
)
TALKS = QuestionDetails(
    kind=QuestionKind.SEVERAL_CHOICES,
    label_en="Site visits",
    label_zh="參訪",
    choices=(Choice("port", "Port", "港口"), Choice("metro", "Metro", "捷運")),
)
NIGHTS = QuestionDetails(
    kind=QuestionKind.NUMBER, label_en="Nights in Kaohsiung", number_min=0, number_max=14
)


def add(event, details: QuestionDetails) -> EventQuestion:
    question = unit_of_work.run(lambda: questions.add_question(event.id, details, audit.SYSTEM))
    return question


def update(event, question, details: QuestionDetails) -> list[str]:
    return unit_of_work.run(
        lambda: questions.update_question(event.id, question.id, details, audit.SYSTEM)
    )


def reply(guest, attending=True, **answers):
    """The guest's RSVP with answers by question id, as the public view gives them."""
    given = {int(key.removeprefix("q")): value for key, value in answers.items()}
    return unit_of_work.run(
        lambda: rsvp.answer(
            guest.id,
            guest.token_version,
            rsvp.RsvpAnswer(
                attending=attending,
                channel=Channel.EN if attending else None,
                answers={k: (v,) if isinstance(v, str) else tuple(v) for k, v in given.items()},
            ),
            audit.GUEST,
        )
    )


def stored(guest) -> dict[int, str]:
    db.session.expire_all()
    return questions.answers_of(guest.id)


@pytest.fixture
def event(app):
    return make_event()


# -- defining questions ---------------------------------------------------------------------


def test_questions_are_numbered_in_the_order_they_are_added_and_move(event):
    meal, talks, nights = add(event, MEAL), add(event, TALKS), add(event, NIGHTS)
    assert [q.id for q in questions.listed(event.id)] == [meal.id, talks.id, nights.id]
    unit_of_work.run(
        lambda: questions.move_question(event.id, nights.id, 1, audit.SYSTEM, from_position=3)
    )
    assert [(q.id, q.position) for q in questions.listed(event.id)] == [
        (nights.id, 1),
        (meal.id, 2),
        (talks.id, 3),
    ]
    # The same move posted twice: the page's place no longer holds, and nothing moves.
    with pytest.raises(questions.QuestionChanged):
        unit_of_work.run(
            lambda: questions.move_question(event.id, nights.id, 1, audit.SYSTEM, from_position=3)
        )


@pytest.mark.parametrize(
    ("details", "field"),
    [
        (replace(MEAL, label_en="", label_zh=""), "label_en"),
        (replace(MEAL, choices=(Choice("meat", "Meat"),)), "choices"),
        (replace(MEAL, choices=(Choice("Meat!", "Meat"), Choice("veg", "Veg"))), "choices"),
        (replace(MEAL, choices=(Choice("veg", "Meat"), Choice("veg", "Veg"))), "choices"),
        (replace(MEAL, choices=(Choice("meat"), Choice("veg", "Veg"))), "choices"),
        (replace(MEAL, label_en="x" * 301), "label_en"),
        (replace(MEAL, help_zh="第一行\n第二行"), "help_zh"),
        (replace(NIGHTS, number_min=5, number_max=1), "number_min"),
    ],
)
def test_a_question_that_cannot_be_asked_is_refused_at_its_field(event, details, field):
    with pytest.raises(QuestionError) as refused:
        add(event, details)
    assert refused.value.field == field
    assert questions.listed(event.id) == []


# -- what may change once guests answered -----------------------------------------------------


@pytest.fixture
def answered(event):
    """The meal question, answered by one guest."""
    meal = add(event, MEAL)
    guest = make_guest(event)
    reply(guest, **{f"q{meal.id}": "veg"})
    return meal


def test_anything_may_change_before_the_first_answer(event):
    meal = add(event, MEAL)
    changed = update(
        event,
        meal,
        replace(
            MEAL,
            kind=QuestionKind.SEVERAL_CHOICES,
            choices=(Choice("fish", "Fish"), Choice("vegan", "Vegan")),
            required=True,
            categories=(Category.SPEAKER,),
        ),
    )
    assert set(changed) == {"kind", "choices", "required", "categories"}
    assert unit_of_work.run(lambda: questions.delete_question(event.id, meal.id, audit.SYSTEM))
    assert questions.listed(event.id) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": QuestionKind.SEVERAL_CHOICES}, "kind"),
        ({"choices": (Choice("meat", "Meat"), Choice("fish", "Fish"))}, "choices"),
        ({"choices": (Choice("meat", "Meat"), Choice("vegetarian", "Vegetarian"))}, "choices"),
        ({"required": True}, "required"),
        ({"categories": (Category.SPEAKER,)}, "categories"),
    ],
)
def test_a_change_that_would_invalidate_answers_is_refused_once_answered(
    event, answered, change, field
):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    with pytest.raises(QuestionError) as refused:
        update(event, answered, replace(MEAL, **change))
    assert refused.value.field == field
    db.session.expire_all()
    question = db.session.get(EventQuestion, answered.id)
    assert (question.kind, question.required, question.categories) == (
        QuestionKind.ONE_CHOICE,
        False,
        "",
    )
    assert [c["key"] for c in question.choices] == ["meat", "veg"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before


def test_an_answered_question_cannot_be_deleted_and_narrower_numbers_are_refused(event):
    nights = add(event, NIGHTS)
    reply(make_guest(event), **{f"q{nights.id}": "3"})
    with pytest.raises(QuestionError, match="cannot be deleted"):
        unit_of_work.run(lambda: questions.delete_question(event.id, nights.id, audit.SYSTEM))
    with pytest.raises(QuestionError) as refused:
        update(event, nights, replace(NIGHTS, number_max=7))
    assert refused.value.field == "number_min"
    assert update(event, nights, replace(NIGHTS, number_max=30)) == ["number_max"]
    assert [q.id for q in questions.listed(event.id)] == [nights.id]


def test_wording_new_choices_optional_questions_and_more_guests_stay_allowed(event, answered):
    speakers = add(event, replace(TALKS, categories=(Category.SPEAKER,)))
    reply(make_guest(event, category=Category.SPEAKER), **{f"q{speakers.id}": "port"})
    wider = replace(TALKS, categories=(Category.SPEAKER, Category.VIP))
    assert update(event, speakers, wider) == ["categories"]
    assert update(event, speakers, replace(wider, categories=())) == ["categories"]
    changed = update(
        event,
        answered,
        replace(
            MEAL,
            label_en="Your lunch",
            help_zh="午餐",
            choices=(*MEAL.choices[::-1], Choice("halal", "Halal", "清真")),
            in_guest_list=True,
        ),
    )
    assert set(changed) == {"label_en", "help_zh", "choices", "in_guest_list"}
    # A new required question is added whatever was answered.
    assert add(event, replace(NIGHTS, required=True)).position == 3


# -- answers with the RSVP ----------------------------------------------------------------------


@pytest.fixture
def form(event):
    """One question of each kind."""
    return {
        "short": add(event, QuestionDetails(QuestionKind.SHORT_TEXT, label_en="Badge name")),
        "long": add(event, QuestionDetails(QuestionKind.LONG_TEXT, label_en="Your work")),
        "one": add(event, MEAL),
        "several": add(event, TALKS),
        "yes_no": add(event, QuestionDetails(QuestionKind.YES_NO, label_en="Photos OK?")),
        "number": add(event, NIGHTS),
        "date": add(event, QuestionDetails(QuestionKind.DATE, label_en="Arriving on")),
    }


def test_answers_of_every_kind_are_kept_with_the_rsvp_and_change_until_the_deadline(event, form):
    guest = make_guest(event)
    ids = {name: q.id for name, q in form.items()}
    reply(
        guest,
        **{
            f"q{ids['short']}": " Mayor Lin ",
            f"q{ids['long']}": "Climate\nplanning",
            f"q{ids['one']}": "veg",
            f"q{ids['several']}": ["metro", "port"],
            f"q{ids['yes_no']}": "yes",
            f"q{ids['number']}": "+3",
            f"q{ids['date']}": "2030-03-20",
        },
    )
    assert stored(guest) == {
        ids["short"]: "Mayor Lin",
        ids["long"]: "Climate\nplanning",
        ids["one"]: "veg",
        ids["several"]: "port metro",
        ids["yes_no"]: "yes",
        ids["number"]: "3",
        ids["date"]: "2030-03-20",
    }
    assert db.session.scalar(sa.select(Rsvp.attending).where(Rsvp.guest_id == guest.id))
    # Answering again: a question left out is answered empty, its answer removed.
    reply(guest, **{f"q{ids['one']}": "meat"})
    assert stored(guest) == {ids["one"]: "meat"}
    event.rsvp_deadline = event.rsvp_deadline.replace(year=2000)
    db.session.commit()
    with pytest.raises(Exception, match="deadline"):
        reply(guest, **{f"q{ids['one']}": "veg"})
    assert stored(guest) == {ids["one"]: "meat"}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("short", "x" * 201, "at most 200 characters"),
        ("long", "x" * 2001, "at most 2000 characters"),
        ("one", "fish", "choose from the choices"),
        ("one", ["meat", "veg"], "one answer"),
        ("several", ["port", "ferry"], "choose from the choices"),
        ("yes_no", "maybe", "yes or no"),
        ("number", "2.5", "whole number"),
        ("number", "three", "whole number"),
        ("number", "15", "from 0 to 14"),
        ("number", "-1", "from 0 to 14"),
        ("date", "20/03/2030", "YYYY-MM-DD"),
        ("date", "2030-02-30", "YYYY-MM-DD"),
    ],
)
def test_an_answer_that_does_not_fit_its_kind_stores_nothing(event, form, name, value, message):
    guest = make_guest(event)
    with pytest.raises(questions.AnswerRefused, match=message) as refused:
        reply(guest, **{f"q{form['one'].id}": "veg", f"q{form[name].id}": value})
    assert refused.value.question_id == form[name].id
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionAnswer)) == 0


def test_the_refusal_speaks_the_guests_language(app, event):
    meal = add(event, MEAL)
    guest = make_guest(event, language=Language.ZH_HANT)
    from flask_babel import force_locale

    with pytest.raises(questions.AnswerRefused) as refused, force_locale("zh_Hant"):
        reply(guest, **{f"q{meal.id}": "fish"})
    with force_locale("zh_Hant"):
        message = str(refused.value)
    assert "您的餐點" in message
    assert "please" not in message


def test_a_required_question_is_required_of_guests_who_attend_only(event):
    meal = add(event, replace(MEAL, required=True))
    guest = make_guest(event)
    with pytest.raises(questions.AnswerRefused, match="please answer this question"):
        reply(guest)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp)) == 0
    reply(guest, attending=False)
    assert stored(guest) == {}
    reply(guest, **{f"q{meal.id}": "meat"})
    assert stored(guest) == {meal.id: "meat"}


def test_an_answer_to_a_question_the_guest_is_not_asked_is_refused(event):
    speakers_only = add(event, replace(MEAL, categories=(Category.SPEAKER,)))
    other_event = make_event()
    elsewhere = add(other_event, MEAL)
    delegate = make_guest(event, category=Category.DELEGATE)
    for forged in (speakers_only.id, elsewhere.id, 0, 999999):
        with pytest.raises(questions.AnswerRefused, match="reload the page"):
            reply(delegate, **{f"q{forged}": "veg"})
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionAnswer)) == 0
    speaker = make_guest(event, category=Category.SPEAKER)
    reply(speaker, **{f"q{speakers_only.id}": "veg"})
    assert stored(speaker) == {speakers_only.id: "veg"}
    assert [q.id for q in questions.asked_of(delegate)] == []


def test_an_organizer_answering_for_the_guest_leaves_the_answers_alone(event):
    meal = add(event, replace(MEAL, required=True))
    guest = make_guest(event)
    reply(guest, **{f"q{meal.id}": "veg"})
    unit_of_work.run(
        lambda: rsvp.answer(
            guest.id,
            guest.token_version,
            rsvp.RsvpAnswer(attending=False),
            audit.SYSTEM,
            on_behalf=True,
        )
    )
    assert stored(guest) == {meal.id: "veg"}


def test_erasing_a_guest_removes_their_answers(event):
    meal = add(event, MEAL)
    guest, other = make_guest(event), make_guest(event)
    reply(guest, **{f"q{meal.id}": "veg"})
    reply(other, **{f"q{meal.id}": "meat"})
    unit_of_work.run(lambda: erasure.erase(guest.id, audit.SYSTEM))
    assert stored(guest) == {}
    assert stored(other) == {meal.id: "meat"}


def test_an_answer_to_an_event_that_asks_nothing_is_refused(event):
    """A first yes to an event without questions is read without its questions; a question
    named in the post is still refused, and nothing is stored."""
    elsewhere = add(make_event(), MEAL)
    guest = make_guest(event)
    with pytest.raises(questions.AnswerRefused, match="reload the page"):
        reply(guest, **{f"q{elsewhere.id}": "veg"})
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionAnswer)) == 0
    reply(guest)
    assert stored(guest) == {}
    assert guest.rsvp is not None and guest.rsvp.attending
