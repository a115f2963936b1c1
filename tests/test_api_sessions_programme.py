"""The organizer API's programme items say whether guests choose them (`choosable`), take it
when made and changed, and refuse it, as a JSON 400 with the message, where the programme
editor does: on a break, once guests hold seats for the whole event, and once a guest chose
the session."""

from __future__ import annotations

import sqlalchemy as sa
from support.auth import api_bearer
from support.factories import make_guest, make_staff, make_taipei_afternoon
from support.sessions import choose, make_sessions_event

from registrar.extensions import db
from registrar.models import AgendaItem, ApiRole, Channel, Role
from registrar.services import rsvp


def writer(event) -> dict[str, str]:
    organizer = make_staff("org@example.org", Role.ORGANIZER, events=[event])
    return api_bearer(organizer, event, ApiRole.ORGANIZER, "writer")


def session(**fields) -> dict:
    return {"kind": "session", "starts": "13:30", "ends": "14:50", "title_en": "S2", **fields}


def stored_choosable(item_id: int) -> bool:
    db.session.rollback()
    return db.session.scalar(sa.select(AgendaItem.choosable).where(AgendaItem.id == item_id))


def test_an_item_made_choosable_is_read_back_as_choosable_and_others_are_not(client, app):
    event = make_taipei_afternoon()
    headers = writer(event)
    path = f"/api/v1/events/{event.id}/programme"
    made = client.post(path, json=session(choosable=True), headers=headers)
    assert made.status_code == 200, made.get_json()
    assert made.get_json()["choosable"] is True
    plain = client.post(
        path, json=session(starts="15:10", ends="16:30", title_en="S3"), headers=headers
    )
    assert plain.get_json()["choosable"] is False
    listed = client.get(path, headers=headers).get_json()["items"]
    assert [item["choosable"] for item in listed] == [True, False]
    changed = client.patch(
        f"{path}/{plain.get_json()['id']}", json={"choosable": True}, headers=headers
    )
    assert changed.status_code == 200 and changed.get_json()["choosable"] is True
    assert stored_choosable(plain.get_json()["id"])


def test_a_change_without_choosable_keeps_it(client, app):
    event, s2, _s3 = make_sessions_event()
    headers = writer(event)
    changed = client.patch(
        f"/api/v1/events/{event.id}/programme/{s2.id}", json={"title_en": "New"}, headers=headers
    )
    assert changed.status_code == 200 and changed.get_json()["choosable"] is True


def test_a_break_marked_choosable_is_a_400_with_the_message_and_nothing_made(client, app):
    event = make_taipei_afternoon()
    refused = client.post(
        f"/api/v1/events/{event.id}/programme",
        json=session(kind="break", choosable=True),
        headers=writer(event),
    )
    assert refused.status_code == 400
    assert "a break cannot" in refused.get_json()["error"]["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgendaItem)) == 0


def test_an_event_whose_guests_hold_seats_refuses_a_choosable_session(client, app):
    event = make_taipei_afternoon()
    guest = make_guest(event)
    rsvp.answer(
        guest.id, guest.token_version, rsvp.RsvpAnswer(attending=True, channel=Channel.EN), "g"
    )
    db.session.commit()
    refused = client.post(
        f"/api/v1/events/{event.id}/programme", json=session(choosable=True), headers=writer(event)
    )
    assert refused.status_code == 400
    assert "hold seats for the whole event" in refused.get_json()["error"]["message"]


def test_a_session_a_guest_chose_stays_choosable_through_the_api(client, app):
    event, s2, _s3 = make_sessions_event()
    choose(make_guest(event), s2)
    refused = client.patch(
        f"/api/v1/events/{event.id}/programme/{s2.id}",
        json={"choosable": False},
        headers=writer(event),
    )
    assert refused.status_code == 400
    assert "chose this session" in refused.get_json()["error"]["message"]
    assert stored_choosable(s2.id)
