"""The organizer API's event writes: create (who may, and the event joins the token), change
with the event editor's change notices (`notify`), copy, and open/close/archive/cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from support.auth import api_bearer, logged_in
from support.factories import make_event, make_guest, make_staff

from registrar.extensions import db
from registrar.models import (
    AgendaItem,
    AgendaKind,
    ApiRole,
    ApiToken,
    ApiTokenEvent,
    AuditEntry,
    Event,
    EventState,
    MessageKind,
    OutboxMessage,
    Role,
    TeamMember,
    utcnow,
)
from registrar.services import api_tokens

STARTS = datetime(2031, 5, 20, 1, 0, tzinfo=UTC)
NEW_EVENT = {
    "slug": "api-forum-2031",
    "title_en": "API Forum",
    "title_zh": "API 論壇",
    "venue_en": "Hall A",
    "timezone": "Asia/Taipei",
    "doors_open_at": (STARTS - timedelta(minutes=30)).isoformat(),
    "starts_at": STARTS.isoformat(),
    "ends_at": (STARTS + timedelta(hours=3)).isoformat(),
    "rsvp_deadline": (STARTS - timedelta(days=3)).isoformat(),
    "capacity": 120,
    "channels": ["en", "zh", "ja"],
}


@pytest.fixture
def event(app):
    return make_event(capacity=10)


def bearer(account, events, role=ApiRole.ORGANIZER, name="writer") -> dict[str, str]:
    return api_bearer(account, events, role, name)


@pytest.fixture
def organizer(event):
    return make_staff("org@example.org", Role.ORGANIZER, events=[event])


@pytest.fixture
def writer(organizer, event):
    return bearer(organizer, [event])


def _count(model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _invited(event) -> None:
    guest = make_guest(event)
    guest.sent_at = utcnow()
    db.session.commit()


# -- create ------------------------------------------------------------------------------------


def test_an_organizer_token_creates_a_draft_once_per_key_and_may_go_on_with_it(
    client, event, organizer, writer
):
    headers = {**writer, "Idempotency-Key": "new-forum"}
    made = client.post("/api/v1/events", json=NEW_EVENT, headers=headers)
    assert made.status_code == 200, made.get_json()
    body = made.get_json()
    assert body["slug"] == "api-forum-2031" and body["state"] == "draft"
    assert body["channels"] == ["en", "zh", "ja"] and body["version"] == 1
    assert body["starts_at"] == STARTS.isoformat()
    again = client.post("/api/v1/events", json=NEW_EVENT, headers=headers)
    assert again.get_json() == body and again.headers["Idempotent-Replayed"] == "true"
    assert _count(Event, Event.slug == "api-forum-2031") == 1
    # The account organizes it, and the token may change it at once.
    assert _count(
        TeamMember,
        TeamMember.event_id == body["id"],
        TeamMember.staff_id == organizer.id,
        TeamMember.role == Role.ORGANIZER,
    )
    renamed = client.patch(
        f"/api/v1/events/{body['id']}", json={"title_en": "API Forum II"}, headers=writer
    )
    assert renamed.status_code == 200 and renamed.get_json()["title_en"] == "API Forum II"
    actors = db.session.scalars(
        sa.select(AuditEntry.actor).where(AuditEntry.event_id == body["id"])
    ).all()
    assert actors and all(actor.startswith("token:") for actor in actors)


@pytest.mark.parametrize("role", [ApiRole.READ, ApiRole.DOOR])
def test_only_an_organizer_token_creates(client, event, organizer, role):
    headers = bearer(organizer, [event], role, name=f"t-{role.value}")
    refused = client.post("/api/v1/events", json=NEW_EVENT, headers=headers)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert _count(Event, Event.slug == NEW_EVENT["slug"]) == 0


def test_a_door_account_cannot_create_through_its_session(client, event):
    make_staff("door@example.org", Role.DOOR, events=[event])
    logged_in(client, "door@example.org")
    assert client.post("/api/v1/events", json=NEW_EVENT).status_code == 403


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"colour": "red"}, "Unknown field 'colour'"),
        ({"capacity": "120"}, "'capacity'"),
        ({"starts_at": "2031-05-20 01:00"}, "'starts_at' must be an ISO 8601 time"),
        ({"starts_at": "9999-05-20T01:00:00+00:00"}, "'starts_at' must be a time in the years"),
        ({"channels": ["en", "klingon"]}, "'channels[1]' must be one of"),
        (
            {"slug": "Not A Slug", "ends_at": (STARTS - timedelta(hours=1)).isoformat()},
            "'ends_at': The end must be after the start. 'slug': Use 1 to 64",
        ),
        ({"slug": "forum-taken"}, "'slug': Another event already has this short address."),
    ],
)
def test_a_bad_event_is_refused_by_name_and_nothing_is_made(client, event, writer, change, words):
    make_event(slug="forum-taken")
    answer = client.post("/api/v1/events", json={**NEW_EVENT, **change}, headers=writer)
    assert answer.status_code == 400, answer.get_json()
    assert words in answer.get_json()["error"]["message"]
    assert _count(Event, Event.title_en == "API Forum") == 0


def test_a_token_naming_the_most_events_may_not_add_another(client, event, organizer, writer):
    token = db.session.scalar(sa.select(ApiToken))
    for n in range(api_tokens.MAX_EVENTS - 1):
        other = make_event(slug=f"more-{n}")
        db.session.add(TeamMember(event_id=other.id, staff_id=organizer.id, role=Role.ORGANIZER))
        token.events.append(ApiTokenEvent(event_id=other.id))
    db.session.commit()
    full = client.post("/api/v1/events", json=NEW_EVENT, headers=writer)
    assert full.status_code == 409 and "names 50 events" in full.get_json()["error"]["message"]
    assert _count(Event, Event.slug == NEW_EVENT["slug"]) == 0


# -- change, with the change notices -------------------------------------------------------------


def test_a_change_guests_know_needs_notify_and_is_told_or_not(client, event, writer):
    _invited(event)
    path = f"/api/v1/events/{event.id}"
    later = (event.starts_at + timedelta(minutes=30)).isoformat()
    refused = client.patch(path, json={"starts_at": later, "venue_en": "Hall B"}, headers=writer)
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "notify_required"
    assert "starts_at, venue_en" in error["message"] and "1 guests" in error["message"]
    assert _count(Event, Event.id == event.id, Event.venue_en == "Hall B") == 0

    told = client.patch(
        path, json={"starts_at": later, "venue_en": "Hall B", "notify": True}, headers=writer
    )
    assert told.status_code == 200, told.get_json()
    assert told.get_json()["venue_en"] == "Hall B" and told.get_json()["version"] == 2
    notices = OutboxMessage.kind == MessageKind.DETAILS_CHANGED
    assert _count(OutboxMessage, notices) == 1

    quiet = client.patch(path, json={"room_en": "Room 9", "notify": False}, headers=writer)
    assert quiet.status_code == 200 and quiet.get_json()["room_en"] == "Room 9"
    assert _count(OutboxMessage, notices) == 1
    assert _count(AuditEntry, AuditEntry.action == "event.change_not_told") == 1


def test_a_change_nobody_was_told_of_needs_no_notify(client, event, writer):
    changed = client.patch(
        f"/api/v1/events/{event.id}", json={"title_en": "New title", "capacity": 20}, headers=writer
    )
    assert changed.status_code == 200
    assert changed.get_json()["title_en"] == "New title" and changed.get_json()["capacity"] == 20


def test_a_change_from_an_old_version_overwrites_nothing(client, event, writer):
    path = f"/api/v1/events/{event.id}"
    assert client.get(path, headers=writer).get_json()["version"] == 1
    assert (
        client.patch(path, json={"title_en": "First", "version": 1}, headers=writer).status_code
        == 200
    )
    stale = client.patch(path, json={"title_en": "Second", "version": 1}, headers=writer)
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "conflict"
    assert _count(Event, Event.title_en == "First") == 1


def test_another_events_token_and_a_read_token_change_nothing(client, event, organizer):
    other = make_event()
    reader = bearer(organizer, [event], ApiRole.READ, name="reader")
    elsewhere = bearer(make_staff("o2@example.org", Role.ORGANIZER, events=[other]), [other])
    for headers in (reader, elsewhere):
        refused = client.patch(
            f"/api/v1/events/{event.id}", json={"title_en": "Hijacked"}, headers=headers
        )
        assert refused.status_code == 403
    assert _count(Event, Event.title_en == "Hijacked") == 0


# -- copy and state ----------------------------------------------------------------------------


def test_a_copy_moves_the_programme_and_joins_the_token(client, event, writer):
    db.session.add(
        AgendaItem(
            event_id=event.id,
            position=1,
            kind=AgendaKind.SESSION,
            title_en="Opening",
            title_zh="開幕",
            starts_at=event.starts_at,
            ends_at=event.starts_at + timedelta(minutes=30),
        )
    )
    db.session.commit()
    day = (event.starts_at + timedelta(days=30)).astimezone(UTC).date()
    body = {"slug": "forum-copy", "date": day.isoformat()}
    headers = {**writer, "Idempotency-Key": "copy-1"}
    copied = client.post(f"/api/v1/events/{event.id}/copy", json=body, headers=headers)
    assert copied.status_code == 200, copied.get_json()
    made = copied.get_json()
    assert made["state"] == "draft" and made["slug"] == "forum-copy"
    assert made["starts_at"].endswith("+00:00")
    again = client.post(f"/api/v1/events/{event.id}/copy", json=body, headers=headers)
    assert again.get_json() == made
    assert _count(AgendaItem, AgendaItem.event_id == made["id"]) == 1
    opened = client.post(f"/api/v1/events/{made['id']}/open", headers=writer)
    assert opened.status_code == 200 and opened.get_json()["state"] == "open"
    taken = client.post(f"/api/v1/events/{event.id}/copy", json={**body}, headers=writer)
    assert taken.status_code == 400 and "'slug'" in taken.get_json()["error"]["message"]


def test_the_states_go_as_in_the_console(client, event, writer):
    path = f"/api/v1/events/{event.id}"
    assert client.post(f"{path}/close", headers=writer).get_json()["state"] == "closed"
    assert client.post(f"{path}/open", headers=writer).get_json()["state"] == "open"
    wrong = client.post(f"{path}/archive", headers=writer)
    assert (
        wrong.status_code == 400
        and "cannot become archived" in wrong.get_json()["error"]["message"]
    )
    client.post(f"{path}/close", headers=writer)
    assert client.post(f"{path}/archive", headers=writer).get_json()["state"] == "archived"
    frozen = client.patch(path, json={"title_en": "Too late"}, headers=writer)
    assert frozen.status_code == 409


def test_cancelling_tells_the_guests_and_ends_changes(client, event, writer):
    _invited(event)
    path = f"/api/v1/events/{event.id}"
    cancelled = client.post(
        f"{path}/cancel", json={"reason_en": "Typhoon", "reason_zh": "颱風"}, headers=writer
    )
    assert cancelled.status_code == 200 and cancelled.get_json()["state"] == "cancelled"
    assert _count(OutboxMessage, OutboxMessage.kind == MessageKind.EVENT_CANCELLED) == 1
    again = client.post(f"{path}/cancel", json={}, headers=writer)
    assert again.status_code == 409
    assert client.post(f"{path}/open", headers=writer).status_code == 400
    assert _count(Event, Event.state == EventState.CANCELLED) == 1
