"""A guest takes a seat, gives it up or passes it on; freed seats go to the waitlist.

The rules of seats as a whole are in the package's docstring (services/seats/).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ...errors import CapacityTooLow, InvalidAnswer
from ...extensions import db
from ...models import Category, Event, Guest, Seat, SeatHold, SeatState, utcnow
from .. import audit, notify, webhooks
from ..event_state import require_changeable
from ..locking import lock_event, require_event_lock
from ..writes import Writes
from . import sessions
from .counts import _SEATS_OF_HOLD, SeatCounts, _hold_with_room, _place, seat_counts


def confirm_or_waitlist(
    event: Event, guest: Guest, actor: str, *, counts: SeatCounts | None = None
) -> Seat:
    """Give an attending guest a seat: confirmed if one is free, else the end of the waitlist.

    A guest who already holds a seat keeps it as it is (a repeated "yes" changes nothing).
    `counts`: the event's seat_counts, when the caller read them under this lock and has
    changed no seat since; read before the caller wrote anything, they let all the use case's
    writes reach the database together, which shortens the time the lock is held.
    """
    require_event_lock(event.id, "confirm_or_waitlist")
    if guest.seat is not None:
        return guest.seat
    if sessions.on(event.id):
        seat = sessions.seat_guest(event, guest, actor)
        assert seat is not None
        return seat
    if counts is None:
        counts = seat_counts(event)
    state, hold_id = _place(event, guest, counts)
    if state == SeatState.CONFIRMED:
        seat = Seat(
            event_id=event.id,
            guest=guest,
            state=SeatState.CONFIRMED,
            since=utcnow(),
            hold_id=hold_id,
        )
    else:
        event.waitlist_counter += 1
        seat = Seat(
            event_id=event.id,
            guest=guest,
            state=SeatState.WAITLISTED,
            queue_number=event.waitlist_counter,
            since=utcnow(),
        )
    db.session.add(seat)
    audit.record(
        f"seat.{seat.state.value}",
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        queue_number=seat.queue_number,
        **({"held": True} if seat.hold_id is not None else {}),
    )
    notify.seat_taken(guest, seat.state, actor)
    webhooks.seat_taken(event, guest, seat.state, seat.queue_number)
    # Written by the message's flush already, unless no message was queued.
    db.session.flush()
    return seat


def has_seat_for(event: Event, guest: Guest) -> bool:
    """Whether this guest, holding no seat, would be confirmed now (a hold of theirs or an
    open seat; in an event with sessions, in one of them). Under the event lock, as every
    decision."""
    require_event_lock(event.id, "has_seat_for")
    if sessions.on(event.id):
        return any(sessions.has_seat_in(event, guest, s) for s in sessions.offered_ids(event.id))
    return _place(event, guest, seat_counts(event))[0] == SeatState.CONFIRMED


# Made once, for the hot path of a first answer (take_seat_by_statement).
_SET_WAITLIST_COUNTER = (
    sa.update(Event)
    .where(Event.id == sa.bindparam("event_id"))
    .values(waitlist_counter=sa.bindparam("counter"))
)
_INSERT_SEAT = sa.insert(Seat).inline()


def take_seat_by_statement(
    event: Event,
    guest: Guest,
    actor: str,
    counts: SeatCounts,
    now: datetime,
    audit_rows: list[dict[str, object]],
    writes: Writes,
) -> tuple[SeatState, int | None]:
    """confirm_or_waitlist for a guest who holds no seat, in the hot path of a first answer.

    The same decision, seat, audit entry and message, as statements added to `writes` (sent
    together by the caller) instead of objects and flushes, which makes the lock's time
    shorter: the seat; the entry together with the caller's `audit_rows`; the message; the
    event's waitlist counter. `counts` are the event's seat_counts, read under this lock with
    no seat changed since. The guest's `seat` is expired, to be read again when used. Returns
    the seat's state and queue number (None when confirmed).
    """
    require_event_lock(event.id, "take_seat_by_statement")
    if guest.seat is not None:
        raise RuntimeError("take_seat_by_statement is for a guest who holds no seat")
    queue_number = None
    # With holds in the event, one more read (the guest's hold with a seat left).
    state, hold_id = _place(event, guest, counts)
    if state == SeatState.WAITLISTED:
        queue_number = event.waitlist_counter + 1
        writes.update(_SET_WAITLIST_COUNTER, {"event_id": event.id, "counter": queue_number})
        set_committed_value(event, "waitlist_counter", queue_number)
    writes.insert(
        _INSERT_SEAT,
        [
            {
                "event_id": event.id,
                "guest_id": guest.id,
                "state": state,
                "queue_number": queue_number,
                "since": now,
                "hold_id": hold_id,
            }
        ],
    )
    entry = audit.row(
        f"seat.{state.value}",
        now,
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        queue_number=queue_number,
        **({"held": True} if hold_id is not None else {}),
    )
    audit.insert_rows([*audit_rows, entry], writes)
    notify.seat_taken_by_statement(guest, state, actor, now, writes)
    webhooks.seat_taken(event, guest, state, queue_number)
    db.session.expire(guest, ["seat"])
    return state, queue_number


def release(event: Event, guest: Guest, actor: str, reason: str) -> list[Guest]:
    """Take away the guest's seat, if any; a freed confirmed seat goes to the waitlist."""
    require_event_lock(event.id, "release")
    seat = guest.seat
    if seat is None:
        return []
    was_confirmed = seat.state == SeatState.CONFIRMED
    by_session = sessions.on(event.id)
    if by_session:
        # Promotion in each session follows, once the guest's summary is gone too.
        freed = sessions.release_all(event, guest, actor, reason)
    guest.seat = None
    db.session.flush()
    audit.record(
        "seat.released",
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        state=seat.state.value,
        reason=reason,
        **({"held": True} if seat.hold_id is not None else {}),
    )
    if by_session:
        return sessions.promote_in(event, freed, actor)
    return promote_from_waitlist(event, actor) if was_confirmed else []


def pass_seat(event: Event, holder: Guest, deputy: Guest, actor: str) -> Seat | None:
    """Give the holder's seat, as it is (confirmed, or its place in the queue), to the deputy
    who comes in the holder's place: no seat is freed or taken, so the counts do not move and
    nobody else's seat changes. None when the holder held none."""
    require_event_lock(event.id, "pass_seat")
    # A seat held for the holder by name is held for the deputy now, taken or not.
    db.session.execute(
        sa.update(SeatHold)
        .where(SeatHold.event_id == event.id, SeatHold.guest_id == holder.id)
        .values(guest_id=deputy.id)
        .execution_options(synchronize_session=False)
    )
    seat = holder.seat
    if seat is None:
        return None
    if deputy.seat is not None:
        raise InvalidAnswer(_l("The deputy already holds a seat."))
    sessions.pass_seats(holder, deputy)
    db.session.flush()
    db.session.execute(
        sa.update(Seat)
        .where(Seat.id == seat.id)
        .values(guest_id=deputy.id)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(holder, ["seat"])
    db.session.expire(deputy, ["seat"])
    db.session.expire(seat)
    audit.record(
        "seat.passed",
        actor=actor,
        event_id=event.id,
        guest_id=deputy.id,
        state=seat.state.value,
        from_guest=holder.id,
    )
    return seat


def category_changed(event: Event, guest: Guest, old: Category, actor: str) -> str | None:
    """After an organizer moved the guest to another category: a confirmed seat taken from a
    seat held for the old category is placed again, into a seat held for the new one (or for
    the guest by name) when one is left, else onto an open seat; when neither is free it stays
    where it is ("kept": never an overbooked room), for the organizer to settle. The held seat
    freed goes to the old category's first waitlisted guest. Returns "hold", "open" or "kept"
    (None: nothing to place). Audited."""
    require_event_lock(event.id, "category_changed")
    seat = guest.seat
    if seat is None or seat.state != SeatState.CONFIRMED or seat.hold_id is None:
        return None
    hold = db.session.get(SeatHold, seat.hold_id)
    if hold is None or hold.category is None or hold.category == guest.category:
        return None  # a seat held by name, or for the category the guest is in
    to_hold = _hold_with_room(event.id, guest)
    if to_hold is not None:
        outcome = "hold"
    elif seat_counts(event).free > 0:
        outcome = "open"
    else:
        outcome = "kept"
    if outcome != "kept":
        seat.hold_id = to_hold
        db.session.flush()
    audit.record(
        "seat.category_changed",
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        category=[old.value, guest.category.value],
        placed=outcome,
    )
    if outcome != "kept":
        promote_from_waitlist(event, actor)
    return outcome


def held_for_another_category(guest: Guest) -> Category | None:
    """The category whose held seat the guest's confirmed seat still takes, though the guest
    is of another one now (category_changed found no other seat free); None otherwise."""
    seat = guest.seat
    if seat is None or seat.hold_id is None:
        return None
    hold = db.session.get(SeatHold, seat.hold_id)
    if hold is None or hold.category is None or hold.category == guest.category:
        return None
    return hold.category


def promote_from_waitlist(event: Event, actor: str) -> list[Guest]:
    """Fill free seats from the waitlist; return the guests promoted.

    Held seats first, each to the first waitlisted guest it is held for; then the open seats,
    to the head of the waitlist.
    """
    require_event_lock(event.id, "promote_from_waitlist")
    if sessions.on(event.id):
        return sessions.promote_all(event, actor)
    promoted = _promote_into_holds(event, actor)
    db.session.flush()
    free = seat_counts(event).free
    if free > 0:
        # With their guests, whom each promotion tells: one statement, not one per guest.
        seats = db.session.scalars(
            sa.select(Seat)
            .where(Seat.event_id == event.id, Seat.state == SeatState.WAITLISTED)
            .order_by(Seat.queue_number)
            .limit(free)
            .options(joinedload(Seat.guest))
        ).all()
        promoted += [_confirm_waitlisted(event, seat, actor) for seat in seats]
    db.session.flush()
    return promoted


def _holds_with_room(event_id: int) -> list[tuple[int, int | None, Category | None, int]]:
    """Each hold with a seat left: its id, guest or category, and how many seats are left."""
    used = _SEATS_OF_HOLD
    rows = db.session.execute(
        sa.select(SeatHold.id, SeatHold.guest_id, SeatHold.category, SeatHold.count - used).where(
            SeatHold.event_id == event_id, SeatHold.count > used
        )
    ).all()
    return [(hold_id, guest_id, category, room) for hold_id, guest_id, category, room in rows]


def _promote_into_holds(event: Event, actor: str) -> list[Guest]:
    rooms = _holds_with_room(event.id)
    named = {guest_id: hold_id for hold_id, guest_id, _c, _r in rooms if guest_id is not None}
    by_category = {c: [hold_id, room] for hold_id, _g, c, room in rooms if c is not None}
    if not named and not by_category:
        return []
    waiting = db.session.scalars(
        sa.select(Seat)
        .join(Guest, Guest.id == Seat.guest_id)
        .options(contains_eager(Seat.guest))
        .where(
            Seat.event_id == event.id,
            Seat.state == SeatState.WAITLISTED,
            sa.or_(Seat.guest_id.in_(list(named)), Guest.category.in_(list(by_category))),
        )
        .order_by(Seat.queue_number)
    ).all()
    promoted = []
    for seat in waiting:
        if seat.guest_id in named:
            hold_id = named.pop(seat.guest_id)
        else:
            room = by_category.get(seat.guest.category)
            if room is None or room[1] <= 0:
                continue
            hold_id, room[1] = room[0], room[1] - 1
        promoted.append(_confirm_waitlisted(event, seat, actor, hold_id=hold_id))
    return promoted


def set_capacity(event_id: int, capacity: int, held_seats: int, actor: str) -> list[Guest]:
    """Change the room's capacity and the seats held back; promote if seats were freed.

    Refused when fewer seats would remain than guests already confirmed.
    """
    if capacity < 0 or held_seats < 0:
        raise InvalidAnswer(_l("Capacity and held seats cannot be negative."))
    if held_seats > capacity:
        raise InvalidAnswer(_l("Held seats cannot exceed the capacity."))
    event = lock_event(event_id)
    # Here and not only in the event editor: the CLI's `event capacity` comes this way too.
    require_changeable(event)
    counts = seat_counts(event)
    if held_seats + counts.reserved > capacity:
        raise InvalidAnswer(
            _l(
                "Held seats and the seats held for guests and categories (%(reserved)s) cannot "
                "exceed the capacity."
            ),
            reserved=counts.reserved,
        )
    sessions.capacity_check(event, capacity, held_seats, counts.reserved)
    confirmed = counts.confirmed - counts.confirmed_in_holds
    if sessions.on(event.id):
        # Each session's guests are checked above; the summaries count no room.
        confirmed = 0
    if capacity - held_seats - counts.reserved < confirmed:
        raise CapacityTooLow(
            _l(
                "%(confirmed)s guests already hold confirmed seats; capacity less held seats "
                "cannot go below that."
            ),
            confirmed=confirmed,
        )
    before = (event.capacity, event.held_seats)
    event.capacity = capacity
    event.held_seats = held_seats
    audit.record(
        "event.capacity_changed",
        actor=actor,
        event_id=event.id,
        capacity=[before[0], capacity],
        held_seats=[before[1], held_seats],
    )
    return promote_from_waitlist(event, actor)


def _confirm_waitlisted(
    event: Event, seat: Seat, actor: str, hold_id: int | None = None, **details: object
) -> Guest:
    """Turn a waitlisted seat into a confirmed one (from the hold `hold_id`, or an open seat),
    audited, and tell the guest."""
    queue_number = seat.queue_number
    seat.state = SeatState.CONFIRMED
    seat.queue_number = None
    seat.since = utcnow()
    seat.hold_id = hold_id
    audit.record(
        "seat.promoted",
        actor=actor,
        event_id=event.id,
        guest_id=seat.guest_id,
        queue_number=queue_number,
        **({"held": True} if hold_id is not None else {}),
        **details,
    )
    notify.seat_promoted(seat.guest, actor)
    webhooks.seat_promoted(event, seat.guest)
    return seat.guest
