"""The organizer API's messages: invitations and reminders queued to a selection with the
console's rules, and the messages read with their delivery states."""

from __future__ import annotations

from datetime import timedelta
from typing import get_args

import pytest
import sqlalchemy as sa
from support.auth import api_bearer as bearer
from support.factories import answer, make_event, make_guest, make_staff

from registrar.extensions import db
from registrar.models import (
    ApiRole,
    AuditEntry,
    Guest,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    Role,
    utcnow,
)
from registrar.web.api import schemas as wire


@pytest.fixture
def event(app):
    return make_event(capacity=5)


@pytest.fixture
def organizer(event):
    return make_staff("org@example.org", Role.ORGANIZER, events=[event])


@pytest.fixture
def writer(event, organizer):
    return bearer(organizer, event, ApiRole.ORGANIZER, "writer")


@pytest.fixture
def reader(event, organizer):
    return bearer(organizer, event, ApiRole.READ, "reader")


def messages(kind: MessageKind) -> list[int]:
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(OutboxMessage.guest_id)
            .where(OutboxMessage.kind == kind)
            .order_by(OutboxMessage.guest_id)
        )
    )


def test_the_wire_names_are_the_enums():
    assert get_args(wire.MessageKindName) == tuple(k.value for k in MessageKind)
    assert get_args(wire.MessageStateName) == tuple(s.value for s in MessageStatus)


def test_invitations_to_everyone_not_invited_yet_or_to_those_named(client, event, writer):
    new = [make_guest(event).id for _ in range(3)]
    path = f"/api/v1/events/{event.id}/messages"
    named = client.post(path, json={"kind": "invitation", "guest_ids": [new[0]]}, headers=writer)
    assert named.status_code == 200, named.get_json()
    assert named.get_json()["queued"] == 1
    everyone = client.post(
        path, json={"kind": "invitation"}, headers={**writer, "Idempotency-Key": "invite-1"}
    )
    assert everyone.get_json()["queued"] == 2
    again = client.post(
        path, json={"kind": "invitation"}, headers={**writer, "Idempotency-Key": "invite-1"}
    )
    assert again.get_json() == everyone.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert messages(MessageKind.INVITATION) == new
    # Waiting already: nobody gets it twice.
    assert client.post(path, json={"kind": "invitation"}, headers=writer).get_json() == {
        "queued": 0,
        "message_ids": [],
    }
    actors = db.session.scalars(
        sa.select(AuditEntry.actor).where(AuditEntry.action == "mail.invitations_queued")
    ).all()
    assert [a.split(":")[0] for a in actors] == ["token"] * 2


def test_reminders_to_the_unanswered_and_the_confirmed(client, event, writer):
    waiting = [make_guest(event) for _ in range(2)]
    for guest in waiting:
        guest.sent_at = utcnow()
    db.session.commit()
    coming = make_guest(event)
    answer(coming)
    path = f"/api/v1/events/{event.id}/messages"
    later = (utcnow() + timedelta(days=1)).isoformat()
    unanswered = client.post(
        path, json={"kind": "reminder_unanswered", "send_at": later}, headers=writer
    )
    assert unanswered.status_code == 200, unanswered.get_json()
    assert unanswered.get_json()["queued"] == 2
    confirmed = client.post(path, json={"kind": "reminder_confirmed"}, headers=writer)
    assert confirmed.get_json()["queued"] == 1
    assert messages(MessageKind.REMINDER_CONFIRMED) == [coming.id]
    due = db.session.scalar(
        sa.select(sa.func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.kind == MessageKind.REMINDER_UNANSWERED
        )
    )
    assert due > utcnow() + timedelta(hours=23)


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"kind": "reminder_confirmed", "guest_ids": [1]}, 400, "send no 'guest_ids'"),
        ({"kind": "invitation", "send_at": "2030-01-01T10:00:00+08:00"}, 400, "'send_at'"),
        ({"kind": "invitation", "guest_ids": [999_999]}, 404, "not on this event's guest list"),
        ({"kind": "invitation", "guest_ids": ["1"]}, 400, "'guest_ids[0]'"),
        ({"kind": "invitation", "guest_ids": list(range(1, 1002))}, 400, "'guest_ids'"),
        ({"kind": "postcard"}, 400, "'kind'"),
        ({"kind": "invitation", "to": "all"}, 400, "Unknown field 'to'."),
        ({}, 400, "'kind' is needed."),
    ],
)
def test_a_bad_request_queues_nothing(client, event, writer, body, status, words):
    make_guest(event)
    answer_ = client.post(f"/api/v1/events/{event.id}/messages", json=body, headers=writer)
    assert answer_.status_code == status, answer_.get_json()
    assert words in answer_.get_json()["error"]["message"]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_messages_are_read_with_their_states_filtered_a_page_at_a_time(
    client, event, writer, reader
):
    guests = [make_guest(event) for _ in range(4)]
    client.post(f"/api/v1/events/{event.id}/messages", json={"kind": "invitation"}, headers=writer)
    db.session.rollback()
    first = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).first()
    first.status = MessageStatus.FAILED
    first.last_error = "550 mailbox unavailable"
    db.session.commit()
    path = f"/api/v1/events/{event.id}/messages"
    page = client.get(path, query_string={"limit": 3}, headers=reader).get_json()
    assert [i["guest_id"] for i in page["items"]] == [g.id for g in guests[:3]]
    assert page["items"][0]["state"] == "failed" and page["items"][1]["state"] == "queued"
    assert page["items"][0]["last_error"] == "550 mailbox unavailable"
    assert page["items"][0]["kind"] == "invitation" and page["items"][0]["sent_at"] is None
    rest = client.get(path, query_string={"cursor": page["next"]}, headers=reader).get_json()
    assert [i["guest_id"] for i in rest["items"]] == [guests[3].id] and rest["next"] is None
    failed = client.get(path, query_string={"state": "failed"}, headers=reader).get_json()
    assert [i["id"] for i in failed["items"]] == [first.id]
    one = client.get(path, query_string={"guest_id": guests[2].id}, headers=reader).get_json()
    assert [i["guest_id"] for i in one["items"]] == [guests[2].id]
    none = client.get(path, query_string={"kind": "declined"}, headers=reader).get_json()
    assert none == {"items": [], "next": None}
    for query, name in (({"state": "lost"}, "'state'"), ({"page": "2"}, "'page'")):
        refused = client.get(path, query_string=query, headers=reader)
        assert refused.status_code == 400 and name in refused.get_json()["error"]["message"]


def test_only_the_events_organizers(client, event, organizer, reader):
    make_guest(event)
    path = f"/api/v1/events/{event.id}/messages"
    refused = client.post(path, json={"kind": "invitation"}, headers=reader)
    assert refused.status_code == 403
    door = make_staff("door@example.org", Role.DOOR, events=[event])
    assert client.get(path, headers=bearer(door, event, ApiRole.DOOR, "gate")).status_code == 403
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Guest)) == 1
