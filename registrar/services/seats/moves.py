"""The organizer moves the waitlist: a guest seated ahead of the queue, or moved in it.

The rules of seats as a whole are in the package's docstring (services/seats/).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...errors import CapacityTooLow, DomainError, InvalidAnswer
from ...extensions import db
from ...models import Event, Guest, Seat, SeatState
from .. import audit
from ..locking import lock_event
from . import sessions
from .counts import _place, seat_counts
from .placing import _confirm_waitlisted
from .queue import waitlist, waitlist_position


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
    if sessions.on(event.id):
        return _promote_in_sessions(event, guest_id, actor)
    seat = _waitlisted_seat(event, guest_id)
    state, hold_id = _place(event, seat.guest, seat_counts(event))
    if state != SeatState.CONFIRMED:
        raise CapacityTooLow(
            _l(
                "No seat is free, so nobody was promoted. To seat this guest, move them to the "
                "top of the waitlist and then raise the capacity or release held seats: the "
                "first in line gets the next free seat."
            )
        )
    guest = _confirm_waitlisted(
        event, seat, actor, hold_id=hold_id, position=waitlist_position(seat), manual=True
    )
    db.session.flush()
    return guest


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
    if sessions.on(event.id):
        raise InvalidAnswer(
            _l(
                "In this event each session keeps its own waitlist, in the order guests joined "
                "it, so nobody was moved. To seat a guest now, promote them."
            )
        )
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


def _promote_in_sessions(event: Event, guest_id: int, actor: str) -> Guest:
    guest = db.session.get(Guest, guest_id)
    waiting = guest is not None and any(
        place.state == SeatState.WAITLISTED for place in sessions.places_of(guest)
    )
    if guest is None or guest.event_id != event.id or not waiting:
        raise WaitlistChanged(
            _l("This guest is not on the waitlist any more, so nothing was changed.")
        )
    return sessions.promote_guest_now(event, guest, actor)
