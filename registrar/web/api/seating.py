"""The organizer API's seats and waitlist: the counts, the queue in order, promoting a guest,
moving one in the queue, and the room's capacity and held seats.

Every change goes through services/seats/ under the event lock, as the console's does, and
is audited with the token (or the organizer) as the actor.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, request
from flask_babel import lazy_gettext as _l

from ...errors import InvalidAnswer
from ...extensions import db
from ...models import Event, Guest
from ...services import guests, seats
from . import schemas
from .routes import (
    EVENT_ID,
    GUEST_ID,
    _answer,
    _body,
    _guest_item,
    _guest_of,
    _organizer_actor,
    _organizer_reader,
    bp,
)


def _counts(event: Event) -> dict[str, object]:
    counts = seats.sessions.room_counts(event)
    return {
        "capacity": counts.capacity,
        "held": counts.held,
        "confirmed": counts.confirmed,
        "waitlisted": counts.waitlisted,
        "free": counts.free,
        "reserved": counts.reserved,
        "reserved_taken": counts.confirmed_in_holds,
        "holds": [
            {
                "category": hold.category.value if hold.category else None,
                "guest_id": hold.guest.id if hold.guest else None,
                "count": hold.count,
                "taken": hold.used,
            }
            for hold in seats.holds_of(event)
        ],
    }


# One rule per address with its methods (see routes.guests_collection).
@bp.route(f"/events/{EVENT_ID}/seats", methods=["GET", "PATCH"])
def seat_collection(event_id: int) -> Response:
    if request.method == "GET":
        return seat_read(event_id)
    return capacity_update(event_id)


def seat_read(event_id: int) -> Response:
    """The seat counts, as the console's waitlist page shows them."""
    _organizer_reader(event_id)
    return _answer(schemas.SeatCounts, _counts(db.get_or_404(Event, event_id)))


def capacity_update(event_id: int) -> Response:
    """Change the capacity, the seats held back or the seats held for categories and named
    guests; freed seats go to the waitlist's first (held ones to the first they are held for)."""
    actor = _organizer_actor(event_id)
    body = _body(schemas.CapacityRequest)
    fields = (body.capacity, body.held_seats, body.category_holds, body.guest_holds)
    if all(f is None for f in fields):
        raise InvalidAnswer(
            _l("Send 'capacity', 'held_seats', 'category_holds', 'guest_holds' or some of them.")
        )
    event = db.get_or_404(Event, event_id)
    capacity = event.capacity if body.capacity is None else body.capacity
    held = event.held_seats if body.held_seats is None else body.held_seats
    if body.category_holds is None and body.guest_holds is None:
        promoted = seats.set_capacity(event_id, capacity, held, actor)
    else:
        categories = None if body.category_holds is None else body.category_holds.counts()
        guest_ids = None if body.guest_holds is None else set(body.guest_holds)
        promoted = seats.set_seats(
            event_id, capacity, held, actor, categories=categories, guests=guest_ids
        )
    db.session.commit()
    changed = _counts(db.get_or_404(Event, event_id))
    return _answer(schemas.SeatsChanged, {**changed, "promoted": [g.id for g in promoted]})


@bp.get(f"/events/{EVENT_ID}/waitlist")
def waitlist(event_id: int) -> Response:
    """The waitlist in queue order, a page at a time (the cursor is the last position read)."""
    _organizer_reader(event_id)
    query = schemas.page_query(request.args)
    event = db.get_or_404(Event, event_id)
    page, more = seats.waitlist_page(event, query.after, query.limit)
    items = [
        _waiting(seat.guest, query.after + n, seat.since) for n, seat in enumerate(page, start=1)
    ]
    session_queues = seats.sessions.queues(event) if query.after == 0 else []
    return _answer(
        schemas.WaitlistPage,
        {
            "items": items,
            "next": str(query.after + query.limit) if more else None,
            "sessions": [_session_queue(line) for line in session_queues] or None,
        },
    )


def _waiting(guest: Guest, position: int, since: datetime) -> dict[str, object]:
    return {
        "guest_id": guest.id,
        "position": position,
        "name_en": guest.name_en,
        "name_zh": guest.name_zh,
        "organization": guest.organization,
        "category": guest.category.value,
        "since": since,
    }


def _session_queue(line: seats.sessions.SessionQueue) -> dict[str, object]:
    item = line.session
    return {
        "session_id": item.id,
        "title_en": item.title_en,
        "title_zh": item.title_zh,
        "starts_at": item.starts_at.astimezone(UTC),
        "ends_at": item.ends_at.astimezone(UTC),
        "confirmed": line.counts.confirmed,
        "free": line.counts.free,
        "items": [
            {
                **_waiting(entry.guest, entry.position, entry.since),
                "other_sessions": [
                    {
                        "session_id": place.session.id,
                        "state": place.state.value,
                        "position": place.position,
                    }
                    for place in entry.others
                ],
            }
            for entry in line.waiting
        ],
    }


@bp.post(f"/events/{EVENT_ID}/waitlist/{GUEST_ID}/promote")
def waitlist_promote(event_id: int, guest_id: int) -> Response:
    """Give a waitlisted guest a free seat now, ahead of the queue (409 when none is free)."""
    actor = _organizer_actor(event_id)
    _guest_of(event_id, guest_id)
    seats.promote_guest(event_id, guest_id, actor)
    db.session.commit()
    promoted = _guest_of(event_id, guest_id)
    return _answer(schemas.GuestItem, _guest_item(promoted, guests.state_of(promoted)))


@bp.post(f"/events/{EVENT_ID}/waitlist/{GUEST_ID}/move")
def waitlist_move(event_id: int, guest_id: int) -> Response:
    """Put a waitlisted guest at another place in the queue."""
    actor = _organizer_actor(event_id)
    body = _body(schemas.WaitlistMoveRequest)
    found = _guest_of(event_id, guest_id)
    from_position = body.from_position
    if from_position is None:
        # Where the guest is now; checked again under the lock by the service (409 if moved).
        seat = found.seat
        from_position = (seats.waitlist_position(seat) if seat else None) or 0
    position = seats.move_on_waitlist(
        event_id, guest_id, body.position, actor, from_position=from_position
    )
    db.session.commit()
    return _answer(schemas.WaitlistMoved, {"guest_id": guest_id, "position": position})
