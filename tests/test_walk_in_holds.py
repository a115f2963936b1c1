"""Walk-ins and held seats: a walk-in of a category with held seats left takes one; any other
walk-in is refused with a door message when only held seats are free, and nothing is written."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.factories import answer, make_event, make_guest

from registrar.extensions import db
from registrar.models import AuditEntry, Category, Event, Guest, Seat, SeatHold, SeatState
from registrar.services import audit, seats


@pytest.fixture
def event(app) -> Event:
    """Three seats: one open, taken; one held for VIPs, one for a named guest, both free."""
    event = make_event(capacity=3, door_walk_ins=True)
    answer(make_guest(event))
    named = make_guest(event, category=Category.DELEGATE)
    seats.set_holds(event.id, {Category.VIP: 1}, {named.id}, audit.SYSTEM)
    db.session.commit()
    return event


def walk_in(client, event: Event, **body):
    values = {"name_en": "Unannounced", "nonce": f"w-{body.get('category', 'x')}"}
    return client.post(f"/api/v1/events/{event.id}/walk-ins", json={**values, **body})


def written(event: Event) -> tuple[int, int, int]:
    db.session.expire_all()
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model).where(where))
        for model, where in (
            (Guest, Guest.event_id == event.id),
            (Seat, Seat.event_id == event.id),
            (AuditEntry, AuditEntry.event_id == event.id),
        )
    )


def test_a_vip_walk_in_takes_the_seat_held_for_vips(door_client, event):
    response = walk_in(door_client, event, category="vip")

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["scan"]["verdict"] == "ok"
    db.session.expire_all()
    seat = db.session.get(Guest, response.get_json()["guest_id"]).seat
    assert seat.state == SeatState.CONFIRMED
    assert db.session.get(SeatHold, seat.hold_id).category == Category.VIP
    # The VIP seat is taken now: a second VIP is refused, and nothing is overbooked.
    again = walk_in(door_client, event, category="vip", nonce="w-vip-2")
    assert again.status_code == 409
    counts = seats.seat_counts(db.session.get(Event, event.id))
    assert counts.confirmed == 2 and counts.free == 0


@pytest.mark.parametrize("category", ["delegate", "press", "speaker"])
def test_another_walk_in_is_refused_when_only_held_seats_are_free(door_client, event, category):
    before = written(event)

    response = walk_in(door_client, event, category=category)

    assert response.status_code == 409
    message = response.get_json()["error"]["message"]
    assert "The only free seats are held for invited guests" in message
    assert written(event) == before


def test_the_door_message_is_in_the_staff_members_language(door_client, event):
    response = door_client.post(
        f"/api/v1/events/{event.id}/walk-ins",
        json={"name_en": "Unannounced"},
        headers={"Accept-Language": "zh-TW"},
    )

    assert response.status_code == 409
    assert "保留" in response.get_json()["error"]["message"]
