"""The console's questions page and the guest's RSVP form with the event's own questions:
pages, refusals next to the field, moves, forged ids and stale posts, CSRF, both languages."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from support.app import request_client, text
from support.auth import ORGANIZER_EMAIL, PASSWORD
from support.factories import invitation_path, make_event, make_guest, make_staff

from registrar import create_app
from registrar.extensions import db
from registrar.models import Category, EventQuestion, Language, QuestionAnswer, Rsvp

CSRF_VALUE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def event(app):
    return make_event()


def base(event) -> str:
    return f"/console/events/{event.id}/questions"


def question_form(**values) -> dict:
    form = {
        "kind": "one_choice",
        "label_en": "Your meal",
        "label_zh": "您的餐點",
        "help_en": "",
        "help_zh": "",
        "choices": "meat | Meat | 葷食\nveg | Vegetarian | 素食",
        "number_min": "",
        "number_max": "",
    }
    form.update(values)
    return {key: value for key, value in form.items() if value is not None}


def questions_of(event) -> list[EventQuestion]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(EventQuestion)
            .where(EventQuestion.event_id == event.id)
            .order_by(EventQuestion.position)
        )
    )


def add(client, event, **values) -> EventQuestion:
    response = client.post(f"{base(event)}/new", data=question_form(**values))
    assert response.status_code == 302, text(response)
    return questions_of(event)[-1]


def field_error(page: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    assert found, f"no error next to {field}"
    return found[1]


def test_the_organizer_adds_edits_moves_and_deletes_questions(organizer_client, event):
    client = organizer_client
    assert "No questions yet" in text(client.get(base(event)))
    meal = add(client, event, required="y", categories=["speaker", "vip"], in_guest_list="y")
    nights = add(
        client, event, kind="number", label_en="Nights", label_zh="", number_min="0",
        number_max="14", choices="",
    )  # fmt: skip
    assert (meal.required, meal.categories, meal.in_guest_list) == (True, "speaker vip", True)
    assert [c["zh"] for c in meal.choices] == ["葷食", "素食"]
    assert (nights.number_min, nights.number_max, nights.choices) == (0, 14, [])
    page = text(client.get(base(event)))
    assert "Your meal" in page and "您的餐點" in page and "Nights" in page

    edit = client.get(f"{base(event)}/{meal.id}/edit")
    assert "veg | Vegetarian | 素食" in text(edit)
    response = client.post(
        f"{base(event)}/{meal.id}/edit", data=question_form(label_en="Your lunch")
    )
    assert response.status_code == 302
    assert questions_of(event)[0].label_en == "Your lunch"
    assert questions_of(event)[0].required is False

    response = client.post(
        f"{base(event)}/{nights.id}/move", data={"current": "2", "position": "1"}
    )
    assert response.status_code == 302
    assert [q.id for q in questions_of(event)] == [nights.id, meal.id]
    # The same move again: the page's place is stale, nothing moves.
    client.post(f"{base(event)}/{nights.id}/move", data={"current": "2", "position": "1"})
    assert [q.id for q in questions_of(event)] == [nights.id, meal.id]

    assert client.post(f"{base(event)}/{nights.id}/delete").status_code == 302
    assert [q.id for q in questions_of(event)] == [meal.id]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"label_en": "", "label_zh": ""}, "label_en", "at least one language"),
        ({"choices": "meat | Meat"}, "choices", "at least two choices"),
        ({"choices": "Meat Pie | x\nveg | y"}, "choices", "is not a choice key"),
        ({"choices": "a | b | c | d\nveg | y"}, "choices", "three parts at most"),
        ({"kind": "number", "number_min": "9", "number_max": "1"}, "number_min", "greater"),
        ({"kind": "number", "number_min": "x"}, "number_min", "integer"),
        ({"label_en": "x" * 301}, "label_en", "At most 300"),
    ],
)
def test_a_question_that_cannot_be_saved_gets_its_message_next_to_the_field(
    organizer_client, event, values, field, message
):
    response = organizer_client.post(f"{base(event)}/new", data=question_form(**values))
    assert response.status_code == 400
    assert message in field_error(text(response), field)
    assert questions_of(event) == []


def test_a_double_submit_adds_the_question_once(organizer_client, event):
    add(organizer_client, event)
    again = organizer_client.post(f"{base(event)}/new", data=question_form())
    assert again.status_code == 400
    assert "on the form already" in field_error(text(again), "label_en")
    assert len(questions_of(event)) == 1


def test_an_unknown_kind_or_category_is_refused(organizer_client, event):
    for values in ({"kind": "essay"}, {"categories": ["minister"]}):
        response = organizer_client.post(f"{base(event)}/new", data=question_form(**values))
        assert response.status_code == 400
    assert questions_of(event) == []


def test_once_answered_the_page_refuses_what_would_invalidate_answers(
    organizer_client, client, event
):
    meal = add(organizer_client, event)
    guest = make_guest(event)
    answered = client.post(
        invitation_path(guest),
        data={"attending": "yes", "channel": "en", f"question-{meal.id}": "veg"},
    )
    assert answered.status_code == 302
    edit = text(organizer_client.get(f"{base(event)}/{meal.id}/edit"))
    assert "1 guest has answered this question" in edit
    refused = organizer_client.post(
        f"{base(event)}/{meal.id}/edit", data=question_form(choices="meat | Meat\nfish | Fish")
    )
    assert refused.status_code == 400
    assert "keep their keys: veg" in field_error(text(refused), "choices")
    delete = organizer_client.post(f"{base(event)}/{meal.id}/delete", follow_redirects=True)
    assert "cannot be deleted" in text(delete)
    assert [c["key"] for c in questions_of(event)[0].choices] == ["meat", "veg"]
    # Wording and a new choice go through.
    saved = organizer_client.post(
        f"{base(event)}/{meal.id}/edit",
        data=question_form(choices="meat | Meat | 葷食\nveg | Veggie | 素食\nfish | Fish | 魚"),
    )
    assert saved.status_code == 302
    assert len(questions_of(event)[0].choices) == 3


def test_another_events_question_is_404_and_changes_nothing(organizer_client, event):
    other = make_event()
    theirs = add(organizer_client, other)
    for method, path in (
        ("get", f"{base(event)}/{theirs.id}/edit"),
        ("post", f"{base(event)}/{theirs.id}/edit"),
        ("post", f"{base(event)}/{theirs.id}/delete"),
        ("post", f"{base(event)}/{theirs.id}/move"),
        ("get", f"{base(event)}/999999/edit"),
    ):
        data = question_form(label_en="Hijacked") if method == "post" else None
        response = getattr(organizer_client, method)(path, data=data)
        assert response.status_code == 404, path
    assert questions_of(other)[0].label_en == "Your meal"


@pytest.fixture
def csrf_client(app_config, app):
    csrf_app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    yield request_client(csrf_app)
    with csrf_app.app_context():
        db.engine.dispose()


def test_a_forged_post_without_the_csrf_token_saves_no_question(csrf_client, app):
    event = make_event()
    make_staff()
    db.session.commit()
    login = csrf_client.get("/login").get_data(as_text=True)
    response = csrf_client.post(
        "/login",
        data={
            "email": ORGANIZER_EMAIL,
            "password": PASSWORD,
            "csrf_token": CSRF_VALUE.search(login)[1],
        },
    )
    assert response.status_code == 302
    page = csrf_client.get(f"{base(event)}/new").get_data(as_text=True)
    token = CSRF_VALUE.search(page)[1]
    assert "Add a question" in page
    for data in (question_form(), question_form(csrf_token="forged")):
        response = csrf_client.post(f"{base(event)}/new", data=data)
        assert response.status_code == 400
    assert questions_of(event) == []
    response = csrf_client.post(f"{base(event)}/new", data=question_form(csrf_token=token))
    assert response.status_code == 302
    assert len(questions_of(event)) == 1


# -- the guest's form ----------------------------------------------------------------------------


def answers(guest) -> dict[int, str]:
    db.session.expire_all()
    return dict(
        db.session.execute(
            sa.select(QuestionAnswer.question_id, QuestionAnswer.value).where(
                QuestionAnswer.guest_id == guest.id
            )
        ).all()
    )


def test_the_guest_answers_on_the_form_and_sees_the_answers_when_coming_back(
    organizer_client, client, event
):
    meal = add(organizer_client, event, required="y")
    visits = add(
        organizer_client, event, kind="several_choices", label_en="Site visits", label_zh="參訪",
        choices="port | Port | 港口\nmetro | Metro | 捷運",
    )  # fmt: skip
    speakers = add(
        organizer_client, event, kind="short_text", label_en="Slides", categories=["speaker"]
    )
    guest = make_guest(event, language=Language.ZH_HANT)
    path = invitation_path(guest)
    page = text(client.get(path))
    assert "您的餐點" in page and "參訪" in page and "港口" in page
    assert f'name="question-{speakers.id}"' not in page

    # Attending without the required answer: refused next to the question, in Chinese.
    response = client.post(path, data={"attending": "yes", "channel": "en"})
    assert response.status_code == 400
    assert "您的餐點" in field_error(text(response), f"question-{meal.id}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp)) == 0

    response = client.post(
        path,
        data={
            "attending": "yes",
            "channel": "en",
            f"question-{meal.id}": "veg",
            f"question-{visits.id}": ["port", "metro"],
        },
    )
    assert response.status_code == 302
    assert answers(guest) == {meal.id: "veg", visits.id: "port metro"}
    again = client.get(path).get_data(as_text=True)
    assert re.search(rf'name="question-{meal.id}" id="[^"]+" value="veg" checked', again)
    assert re.search(rf'name="question-{visits.id}" id="[^"]+" value="metro" checked', again)


def test_a_forged_answer_to_a_question_not_asked_stores_nothing(organizer_client, client, event):
    meal = add(organizer_client, event)
    speakers = add(organizer_client, event, label_en="Speakers' meal", categories=["speaker"])
    guest = make_guest(event, category=Category.DELEGATE)
    for forged in (f"question-{speakers.id}", "question-abc", "question-999999"):
        response = client.post(
            invitation_path(guest),
            data={"attending": "yes", "channel": "en", f"question-{meal.id}": "veg", forged: "veg"},
        )
        assert response.status_code == 400
        assert "reload the page" in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp)) == 0
    assert answers(guest) == {}


def test_a_wrong_answer_keeps_what_the_guest_typed_and_stores_nothing(
    organizer_client, client, event
):
    nights = add(
        organizer_client, event, kind="number", label_en="Nights", number_min="0",
        number_max="14", choices="",
    )  # fmt: skip
    note = add(organizer_client, event, kind="long_text", label_en="About you", choices="")
    guest = make_guest(event)
    response = client.post(
        invitation_path(guest),
        data={
            "attending": "yes",
            "channel": "en",
            f"question-{nights.id}": "20",
            f"question-{note.id}": "Urban planner",
        },
    )
    assert response.status_code == 400
    page = text(response)
    assert "from 0 to 14" in field_error(page, f"question-{nights.id}")
    assert "Urban planner" in page
    assert answers(guest) == {}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp)) == 0


def test_an_organizer_answering_for_the_guest_gives_the_answers_too(organizer_client, event):
    meal = add(organizer_client, event, required="y")
    nights = add(
        organizer_client, event, kind="number", label_en="Nights", number_min="0",
        number_max="14", choices="",
    )  # fmt: skip
    guest = make_guest(event, name_en="Told By Phone")
    path = f"/console/guests/{guest.id}/answer"
    page = text(organizer_client.get(path))
    assert f'name="question-{meal.id}"' in page and f'name="question-{nights.id}"' in page

    # A wrong number: refused next to its question, what was typed kept, nothing stored.
    response = organizer_client.post(
        path,
        data={"attending": "yes", "channel": "en", f"question-{meal.id}": "veg",
              f"question-{nights.id}": "20"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "from 0 to 14" in field_error(text(response), f"question-{nights.id}")
    assert re.search(rf'name="question-{meal.id}" id="[^"]+" value="veg" checked', text(response))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp)) == 0
    assert answers(guest) == {}

    response = organizer_client.post(
        path,
        data={"attending": "yes", "channel": "en", f"question-{meal.id}": "veg",
              f"question-{nights.id}": "3"},
    )  # fmt: skip
    assert response.status_code == 302
    assert answers(guest) == {meal.id: "veg", nights.id: "3"}
    # The page shows them when the organizer comes back.
    again = text(organizer_client.get(path))
    assert re.search(rf'name="question-{meal.id}" id="[^"]+" value="veg" checked', again)
