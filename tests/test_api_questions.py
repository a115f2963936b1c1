"""The organizer API's questions of the event's own: listed, created, changed, moved and
deleted with the editor's rules; the answers read with the guest."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.auth import api_bearer
from support.factories import make_event, make_guest, make_staff

from registrar import unit_of_work
from registrar.extensions import db
from registrar.models import ApiRole, Channel, EventQuestion, Role
from registrar.services import audit, rsvp


@pytest.fixture
def event(app):
    return make_event()


@pytest.fixture
def organizer(event):
    return make_staff("org@example.org", Role.ORGANIZER, events=[event])


@pytest.fixture
def writer(organizer, event):
    return api_bearer(organizer, event, ApiRole.ORGANIZER, "writer")


MEAL = {
    "kind": "one_choice",
    "label_en": "Your meal",
    "label_zh": "您的餐點",
    "choices": [{"key": "meat", "en": "Meat", "zh": "葷食"}, {"key": "veg", "en": "Vegetarian"}],
    "categories": ["speaker"],
}


def base(event) -> str:
    return f"/api/v1/events/{event.id}/questions"


def count() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(EventQuestion))


def test_questions_are_created_listed_changed_moved_and_deleted(client, event, writer):
    made = client.post(base(event), json=MEAL, headers=writer)
    assert made.status_code == 200, made.get_json()
    meal = made.get_json()
    assert meal["position"] == 1 and meal["answers"] == 0
    assert meal["choices"][1] == {"key": "veg", "en": "Vegetarian", "zh": ""}
    nights = client.post(
        base(event),
        json={"kind": "number", "label_en": "Nights", "number_min": 0, "number_max": 14},
        headers=writer,
    ).get_json()
    listed = client.get(base(event), headers=writer).get_json()
    assert [q["id"] for q in listed["items"]] == [meal["id"], nights["id"]]

    changed = client.patch(
        f"{base(event)}/{meal['id']}", json={"required": True, "label_en": "Lunch"}, headers=writer
    )
    assert changed.status_code == 200
    assert (changed.get_json()["required"], changed.get_json()["label_zh"]) == (True, "您的餐點")

    moved = client.post(f"{base(event)}/{nights['id']}/move", json={"position": 1}, headers=writer)
    assert [q["id"] for q in moved.get_json()["items"]] == [nights["id"], meal["id"]]
    stale = client.post(
        f"{base(event)}/{nights['id']}/move",
        json={"position": 2, "from_position": 2},
        headers=writer,
    )
    assert stale.status_code == 409

    gone = client.delete(f"{base(event)}/{nights['id']}", headers=writer)
    assert gone.status_code == 200 and gone.get_json()["label_en"] == "Nights"
    assert count() == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**MEAL, "choices": [{"key": "meat", "en": "Meat"}]}, "at least two choices"),
        ({**MEAL, "label_en": "", "label_zh": ""}, "at least one language"),
        ({**MEAL, "kind": "essay"}, "kind"),
        ({**MEAL, "categories": ["mayor"]}, "categories"),
        ({**MEAL, "colour": "red"}, "Unknown field 'colour'"),
        ({"kind": "number", "label_en": "N", "number_min": 3, "number_max": 1}, "greater"),
    ],
)
def test_a_question_that_cannot_be_asked_is_refused(client, event, writer, body, message):
    refused = client.post(base(event), json=body, headers=writer)
    assert refused.status_code == 400
    assert message in refused.get_json()["error"]["message"]
    assert count() == 0


def test_once_answered_the_api_refuses_what_would_invalidate_answers(client, event, writer):
    meal = client.post(base(event), json={**MEAL, "categories": []}, headers=writer).get_json()
    guest = make_guest(event)
    unit_of_work.run(
        lambda: rsvp.answer(
            guest.id,
            guest.token_version,
            rsvp.RsvpAnswer(attending=True, channel=Channel.EN, answers={meal["id"]: ("veg",)}),
            audit.GUEST,
        )
    )
    for change in ({"kind": "short_text"}, {"required": True}, {"categories": ["vip"]}):
        refused = client.patch(f"{base(event)}/{meal['id']}", json=change, headers=writer)
        assert refused.status_code == 400, change
    assert client.delete(f"{base(event)}/{meal['id']}", headers=writer).status_code == 400
    read = client.get(f"{base(event)}/{meal['id']}", headers=writer).get_json()
    assert (read["kind"], read["required"], read["categories"], read["answers"]) == (
        "one_choice",
        False,
        [],
        1,
    )
    # The answer is read with the guest, by question id.
    person = client.get(f"/api/v1/events/{event.id}/guests/{guest.id}", headers=writer)
    assert person.get_json()["answers"] == {str(meal["id"]): "veg"}
    listed = client.get(f"/api/v1/events/{event.id}/guests", headers=writer).get_json()
    assert listed["items"][0]["answers"] == {str(meal["id"]): "veg"}


def test_another_events_question_is_not_found_and_door_tokens_are_refused(
    client, event, organizer, writer
):
    other = make_event()
    theirs = api_bearer(
        make_staff("other@example.org", Role.ORGANIZER, events=[other]), other, ApiRole.ORGANIZER
    )
    elsewhere = client.post(base(other), json=MEAL, headers=theirs).get_json()
    for method in ("get", "patch", "delete"):
        response = getattr(client, method)(
            f"{base(event)}/{elsewhere['id']}",
            json={"label_en": "Hijacked"} if method == "patch" else None,
            headers=writer,
        )
        assert response.status_code == 404, method
    door = api_bearer(organizer, event, ApiRole.DOOR, "door")
    assert client.get(base(event), headers=door).status_code == 200
    assert client.post(base(event), json=MEAL, headers=door).status_code == 403
    read = api_bearer(organizer, event, ApiRole.READ, "read")
    assert client.post(base(event), json=MEAL, headers=read).status_code == 403
    assert count() == 1
