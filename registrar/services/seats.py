"""Seats: confirmed within capacity, waitlisted in a stable order, promoted when freed.

Every function that changes seats runs under the event lock (locking.lock_event): those that
take an event take it as the caller locked it, and refuse to run when it is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..errors import CapacityTooLow, DomainError, InvalidAnswer
from ..extensions import db
from ..models import Event, Guest, Seat, SeatState, utcnow
from . import audit, notify, webhooks
from .event_state import require_changeable
from .locking import lock_event, require_event_lock
from .writes import Writes


@dataclass(frozen=True)
class SeatCounts:
    capacity: int
    held: int
    confirmed: int
    waitlisted: int

    @property
    def available(self) -> int:
        return max(self.capacity - self.held, 0)

    @property
    def free(self) -> int:
        return max(self.available - self.confirmed, 0)


def seat_counts(event: Event) -> SeatCounts:
    rows = db.session.execute(
        sa.select(Seat.state, sa.func.count()).where(Seat.event_id == event.id).group_by(Seat.state)
    ).all()
    by_state = {SeatState(state): n for state, n in rows}
    return SeatCounts(
        capacity=event.capacity,
        held=event.held_seats,
        confirmed=by_state.get(SeatState.CONFIRMED, 0),
        waitlisted=by_state.get(SeatState.WAITLISTED, 0),
    )


def waitlist_position(seat: Seat) -> int | None:
    """1 for the next guest to get a seat; None when the seat is not waitlisted."""
    if seat.state != SeatState.WAITLISTED:
        return None
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Seat.event_id == seat.event_id,
            Seat.state == SeatState.WAITLISTED,
            Seat.queue_number <= seat.queue_number,
        )
    )


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
    if counts is None:
        counts = seat_counts(event)
    if counts.free > 0:
        seat = Seat(event_id=event.id, guest=guest, state=SeatState.CONFIRMED, since=utcnow())
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
    )
    notify.seat_taken(guest, seat.state, actor)
    webhooks.seat_taken(event, guest, seat.state, seat.queue_number)
    # Written by the message's flush already, unless no message was queued.
    db.session.flush()
    return seat


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
    if counts.free > 0:
        state = SeatState.CONFIRMED
    else:
        state = SeatState.WAITLISTED
        queue_number = event.waitlist_counter + 1
        writes.update(
            sa.update(Event)
            .where(Event.id == event.id)
            .values(waitlist_counter=queue_number)
            .execution_options(synchronize_session=False)
        )
        set_committed_value(event, "waitlist_counter", queue_number)
    writes.insert(
        sa.insert(Seat),
        [
            {
                "event_id": event.id,
                "guest_id": guest.id,
                "state": state,
                "queue_number": queue_number,
                "since": now,
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
    guest.seat = None
    db.session.flush()
    audit.record(
        "seat.released",
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        state=seat.state.value,
        reason=reason,
    )
    return promote_from_waitlist(event, actor) if was_confirmed else []


def pass_seat(event: Event, holder: Guest, deputy: Guest, actor: str) -> Seat | None:
    """Give the holder's seat, as it is (confirmed, or its place in the queue), to the deputy
    who comes in the holder's place: no seat is freed or taken, so the counts do not move and
    nobody else's seat changes. None when the holder held none."""
    require_event_lock(event.id, "pass_seat")
    seat = holder.seat
    if seat is None:
        return None
    if deputy.seat is not None:
        raise InvalidAnswer(_l("The deputy already holds a seat."))
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


def promote_from_waitlist(event: Event, actor: str) -> list[Guest]:
    """Fill free seats from the head of the waitlist; return the guests promoted."""
    require_event_lock(event.id, "promote_from_waitlist")
    free = seat_counts(event).free
    if free <= 0:
        return []
    seats = db.session.scalars(
        sa.select(Seat)
        .where(Seat.event_id == event.id, Seat.state == SeatState.WAITLISTED)
        .order_by(Seat.queue_number)
        .limit(free)
    ).all()
    promoted = [_confirm_waitlisted(event, seat, actor) for seat in seats]
    db.session.flush()
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
    confirmed = seat_counts(event).confirmed
    if capacity - held_seats < confirmed:
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


def waitlist(event: Event) -> list[Seat]:
    """The waitlisted seats, next in line first."""
    return list(
        db.session.scalars(
            sa.select(Seat)
            .where(Seat.event_id == event.id, Seat.state == SeatState.WAITLISTED)
            .order_by(Seat.queue_number)
        )
    )


def waitlist_with_guests(event: Event) -> list[Seat]:
    """The waitlist as waitlist() gives it, each seat's guest and answer loaded with it."""
    return list(
        db.session.scalars(
            sa.select(Seat)
            .where(Seat.event_id == event.id, Seat.state == SeatState.WAITLISTED)
            .order_by(Seat.queue_number)
            .options(selectinload(Seat.guest).selectinload(Guest.rsvp))
        )
    )


class WaitlistChanged(DomainError):
    """The organizer acted on a waitlist that is no longer as the page showed it."""

    status = 409
    default_message = _l(
        "The waitlist changed since this page was shown, so nothing was changed. Here it is "
        "as it stands now."
    )


def promote_guest(event_id: int, guest_id: int, actor: str) -> Guest:
    """Give this waitlisted guest a confirmed seat now, ahead of the queue, if one is free.

    Never beyond capacity less held seats: with no seat free the organizer raises the
    capacity or releases held seats (the first in line then gets the seat).
    """
    event = lock_event(event_id)
    seat = _waitlisted_seat(event, guest_id)
    if seat_counts(event).free <= 0:
        raise CapacityTooLow(
            _l(
                "No seat is free, so nobody was promoted. To seat this guest, move them to the "
                "top of the waitlist and then raise the capacity or release held seats: the "
                "first in line gets the next free seat."
            )
        )
    guest = _confirm_waitlisted(event, seat, actor, position=waitlist_position(seat), manual=True)
    db.session.flush()
    return guest


def _confirm_waitlisted(event: Event, seat: Seat, actor: str, **details: object) -> Guest:
    """Turn a waitlisted seat into a confirmed one, audited, and tell the guest."""
    queue_number = seat.queue_number
    seat.state = SeatState.CONFIRMED
    seat.queue_number = None
    seat.since = utcnow()
    audit.record(
        "seat.promoted",
        actor=actor,
        event_id=event.id,
        guest_id=seat.guest_id,
        queue_number=queue_number,
        **details,
    )
    notify.seat_promoted(seat.guest, actor)
    webhooks.seat_promoted(event, seat.guest)
    return seat.guest


def move_on_waitlist(
    event_id: int, guest_id: int, to_position: int, actor: str, *, from_position: int
) -> int:
    """Put a waitlisted guest at another place in the queue (1 = next to get a seat).

    `from_position` is where the page showed the guest; when the guest is elsewhere now (a
    double submit, someone else's change) nothing moves. The others keep their order, and
    positions stay 1..n: the moved seats trade the queue numbers they had among themselves.
    Returns the new position.
    """
    event = lock_event(event_id)
    _waitlisted_seat(event, guest_id)
    queue = waitlist(event)
    index = next(i for i, seat in enumerate(queue) if seat.guest_id == guest_id)
    if index + 1 != from_position:
        raise WaitlistChanged()
    if not 1 <= to_position <= len(queue):
        raise InvalidAnswer(
            _l("Choose a position from 1 to %(n)s; nothing was moved."), n=len(queue)
        )
    if to_position == from_position:
        return to_position
    numbers = [seat.queue_number for seat in queue]
    queue.insert(to_position - 1, queue.pop(index))
    renumbered = [
        (seat, n) for seat, n in zip(queue, numbers, strict=True) if seat.queue_number != n
    ]
    # Cleared first: one (event, queue number) pair may be held by one seat at a time, and the
    # database checks that row by row.
    for seat, _number in renumbered:
        seat.queue_number = None
    db.session.flush()
    for seat, number in renumbered:
        seat.queue_number = number
    db.session.flush()
    audit.record(
        "seat.moved",
        actor=actor,
        event_id=event.id,
        guest_id=guest_id,
        from_position=from_position,
        to_position=to_position,
    )
    return to_position


def _waitlisted_seat(event: Event, guest_id: int) -> Seat:
    seat = db.session.scalar(
        sa.select(Seat).where(Seat.event_id == event.id, Seat.guest_id == guest_id)
    )
    if seat is None or seat.state != SeatState.WAITLISTED:
        raise WaitlistChanged(
            _l("This guest is not on the waitlist any more, so nothing was changed.")
        )
    return seat


def waitlist_page(event: Event, skip: int, limit: int) -> tuple[list[Seat], bool]:
    """`limit` seats of the waitlist after its first `skip`, in queue order, each with its
    guest; and whether more follow."""
    found = list(
        db.session.scalars(
            sa.select(Seat)
            .where(Seat.event_id == event.id, Seat.state == SeatState.WAITLISTED)
            .order_by(Seat.queue_number)
            .offset(skip)
            .limit(limit + 1)
            .options(selectinload(Seat.guest))
        )
    )
    return found[:limit], len(found) > limit
