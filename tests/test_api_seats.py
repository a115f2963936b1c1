"""The organizer API's seats and waitlist: counts, the queue in order, promotion, moves and the
capacity, through the locked seat service and audited as the token."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.auth import api_bearer as bearer
from support.auth import logged_in
from support.factories import answer, make_event, make_guest, make_staff

from registrar.extensions import db
from registrar.models import (
    ApiRole,
    AuditEntry,
    Category,
    Event,
    EventState,
    Role,
    Seat,
    SeatState,
)


@pytest.fixture
def event(app):
    return make_event(capacity=2)


@pytest.fixture
def organizer(event):
    return make_staff("org@example.org", Role.ORGANIZER, events=[event])


@pytest.fixture
def writer(event, organizer):
    return bearer(organizer, event, ApiRole.ORGANIZER, "writer")


@pytest.fixture
def reader(event, organizer):
    return bearer(organizer, event, ApiRole.READ, "reader")


def attending(event, count: int) -> list[int]:
    ids = []
    for n in range(count):
        guest = make_guest(event, name_en=f"Guest {n}")
        answer(guest)
        ids.append(guest.id)
    return ids


def queue(event) -> list[int]:
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(Seat.guest_id)
            .where(Seat.event_id == event.id, Seat.state == SeatState.WAITLISTED)
            .order_by(Seat.queue_number)
        )
    )


def actors(action: str) -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(AuditEntry.actor).where(AuditEntry.action == action)))


def test_counts_and_the_waitlist_in_order_a_page_at_a_time(client, event, reader):
    ids = attending(event, 5)
    counts = client.get(f"/api/v1/events/{event.id}/seats", headers=reader)
    assert counts.status_code == 200
    assert counts.get_json() == {
        "capacity": 2,
        "held": 0,
        "confirmed": 2,
        "waitlisted": 3,
        "free": 0,
        "reserved": 0,
        "reserved_taken": 0,
        "holds": [],
    }
    path = f"/api/v1/events/{event.id}/waitlist"
    first = client.get(path, query_string={"limit": 2}, headers=reader).get_json()
    assert [(i["guest_id"], i["position"]) for i in first["items"]] == [(ids[2], 1), (ids[3], 2)]
    assert first["items"][0]["name_en"] == "Guest 2" and first["next"] == "2"
    rest = client.get(path, query_string={"cursor": first["next"]}, headers=reader).get_json()
    assert [(i["guest_id"], i["position"]) for i in rest["items"]] == [(ids[4], 3)]
    assert rest["next"] is None
    refused = client.get(path, query_string={"limit": "0"}, headers=reader)
    assert refused.status_code == 400 and "'limit'" in refused.get_json()["error"]["message"]


def test_promote_takes_a_free_seat_and_is_refused_when_none_is(client, event, writer):
    ids = attending(event, 4)
    promote = f"/api/v1/events/{event.id}/waitlist/{ids[3]}/promote"
    full = client.post(promote, headers=writer)
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "conflict"
    assert "No seat is free" in full.get_json()["error"]["message"]
    assert queue(event) == [ids[2], ids[3]]

    db.session.get(Event, event.id).capacity = 3
    db.session.commit()
    promoted = client.post(promote, headers=writer)
    assert promoted.status_code == 200, promoted.get_json()
    assert promoted.get_json()["id"] == ids[3] and promoted.get_json()["state"] == "confirmed"
    assert queue(event) == [ids[2]]
    assert [a.split(":")[0] for a in actors("seat.promoted")] == ["token"]
    # A confirmed guest is not on the waitlist any more.
    again = client.post(promote, headers=writer)
    assert (
        again.status_code == 409 and "not on the waitlist" in again.get_json()["error"]["message"]
    )


def test_move_in_the_waitlist(client, event, writer):
    ids = attending(event, 5)
    base = f"/api/v1/events/{event.id}/waitlist/{ids[4]}/move"
    moved = client.post(base, json={"position": 1}, headers=writer)
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json() == {"guest_id": ids[4], "position": 1}
    assert queue(event) == [ids[4], ids[2], ids[3]]
    assert [a.split(":")[0] for a in actors("seat.moved")] == ["token"]
    # Not where the caller saw them: nothing moves.
    stale = client.post(base, json={"position": 3, "from_position": 3}, headers=writer)
    assert stale.status_code == 409
    too_far = client.post(base, json={"position": 4}, headers=writer)
    assert too_far.status_code == 400 and "1 to 3" in too_far.get_json()["error"]["message"]
    confirmed = client.post(
        f"/api/v1/events/{event.id}/waitlist/{ids[0]}/move", json={"position": 1}, headers=writer
    )
    assert confirmed.status_code == 409
    assert queue(event) == [ids[4], ids[2], ids[3]]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"position": 0}, "'position'"),
        ({"position": "1"}, "'position'"),
        ({}, "'position' is needed."),
        ({"position": 1, "to": 2}, "Unknown field 'to'."),
    ],
)
def test_a_bad_move_is_refused_by_name(client, event, writer, body, words):
    ids = attending(event, 4)
    refused = client.post(
        f"/api/v1/events/{event.id}/waitlist/{ids[3]}/move", json=body, headers=writer
    )
    assert refused.status_code == 400 and words in refused.get_json()["error"]["message"]
    assert queue(event) == [ids[2], ids[3]]


def test_capacity_frees_seats_for_the_waitlist_in_order(client, event, writer):
    ids = attending(event, 5)
    path = f"/api/v1/events/{event.id}/seats"
    changed = client.patch(path, json={"capacity": 6, "held_seats": 2}, headers=writer)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json() == {
        "capacity": 6,
        "held": 2,
        "confirmed": 4,
        "waitlisted": 1,
        "free": 0,
        "reserved": 0,
        "reserved_taken": 0,
        "holds": [],
        "promoted": [ids[2], ids[3]],
    }
    held = client.patch(path, json={"held_seats": 1}, headers=writer).get_json()
    assert held["capacity"] == 6 and held["promoted"] == [ids[4]]
    assert [a.split(":")[0] for a in actors("event.capacity_changed")] == ["token"] * 2


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"capacity": 1}, 409, "2 guests already hold confirmed seats"),
        ({"held_seats": 3}, 400, "Held seats cannot exceed the capacity."),
        ({"capacity": -1}, 400, "'capacity'"),
        ({"capacity": 100_001}, 400, "'capacity'"),
        ({"capacity": True}, 400, "'capacity'"),
        ({}, 400, "Send 'capacity', 'held_seats', 'category_holds', 'guest_holds' or some"),
        ({"seats": 4}, 400, "Unknown field 'seats'."),
    ],
)
def test_a_capacity_refused_changes_nothing(client, event, writer, body, status, words):
    attending(event, 3)
    refused = client.patch(f"/api/v1/events/{event.id}/seats", json=body, headers=writer)
    assert refused.status_code == status and words in refused.get_json()["error"]["message"]
    db.session.rollback()
    assert (db.session.get(Event, event.id).capacity, len(queue(event))) == (2, 1)


def test_only_the_events_organizers_write_and_read(client, event, organizer, reader):
    ids = attending(event, 3)
    db.session.get(Event, event.id).capacity = 3
    db.session.commit()
    # A read token reads, but writes nothing.
    assert client.get(f"/api/v1/events/{event.id}/waitlist", headers=reader).status_code == 200
    refused = client.post(f"/api/v1/events/{event.id}/waitlist/{ids[2]}/promote", headers=reader)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    patched = client.patch(f"/api/v1/events/{event.id}/seats", json={"capacity": 9}, headers=reader)
    assert patched.status_code == 403
    # Door staff's token reads no waitlist; another event's token touches nothing here.
    door = make_staff("door@example.org", Role.DOOR, events=[event])
    door_token = bearer(door, event, ApiRole.DOOR, "gate")
    assert client.get(f"/api/v1/events/{event.id}/seats", headers=door_token).status_code == 403
    other = make_event()
    elsewhere = bearer(
        make_staff("else@example.org", Role.ORGANIZER, events=[other]),
        other,
        ApiRole.ORGANIZER,
        "elsewhere",
    )
    assert (
        client.post(
            f"/api/v1/events/{event.id}/waitlist/{ids[2]}/promote", headers=elsewhere
        ).status_code
        == 403
    )
    # A guest of another event is not found.
    stranger = make_guest(other)
    writer = bearer(organizer, event, ApiRole.ORGANIZER, "writer")
    missing = client.post(
        f"/api/v1/events/{event.id}/waitlist/{stranger.id}/promote", headers=writer
    )
    assert missing.status_code == 404
    assert queue(event) == [ids[2]]
    # An organizer's session does it all, with its CSRF token (off in tests).
    logged_in(client, "org@example.org")
    assert client.get(f"/api/v1/events/{event.id}/seats").get_json()["free"] == 1
    done = client.post(f"/api/v1/events/{event.id}/waitlist/{ids[2]}/promote")
    assert done.status_code == 200
    assert actors("seat.promoted")[0].startswith("staff:")


def test_an_archived_events_capacity_stays(client, event, writer):
    db.session.get(Event, event.id).state = EventState.ARCHIVED
    db.session.commit()
    refused = client.patch(f"/api/v1/events/{event.id}/seats", json={"capacity": 9}, headers=writer)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "conflict"
    db.session.rollback()
    assert db.session.get(Event, event.id).capacity == 2


def test_seats_held_for_a_category_and_a_guest_by_the_api(client, event, writer):
    ids = attending(event, 2)
    vip = make_guest(event, category=Category.VIP)
    answer(vip)
    stranger = make_guest(make_event())
    path = f"/api/v1/events/{event.id}/seats"
    assert queue(event) == [vip.id]

    body = {"capacity": 4, "category_holds": {"vip": 1}, "guest_holds": [ids[0]]}
    changed = client.patch(path, json=body, headers=writer).get_json()
    # The VIP waiting gets the held seat; the named guest's seat moves into theirs.
    assert changed["promoted"] == [vip.id]
    assert (changed["reserved"], changed["reserved_taken"], changed["free"]) == (2, 2, 1)
    assert sorted(
        (h["category"] or "", h["guest_id"] or 0, h["count"], h["taken"]) for h in changed["holds"]
    ) == [("", ids[0], 1, 1), ("vip", 0, 1, 1)]

    for refused, status, words in [
        ({"guest_holds": [stranger.id]}, 400, "not on this event's list"),
        ({"category_holds": {"vip": 0}}, 409, "cannot hold fewer"),
        ({"category_holds": {"king": 1}}, 400, "king"),
        ({"category_holds": {"press": 4}}, 409, "cannot exceed the capacity"),
    ]:
        answered = client.patch(path, json=refused, headers=writer)
        assert answered.status_code == status, answered.get_json()
        assert words in answered.get_json()["error"]["message"]
        db.session.rollback()
        assert client.get(path, headers=writer).get_json()["holds"] == changed["holds"]
