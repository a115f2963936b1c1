"""How many seats an event has, held and taken, and where a guest saying yes would sit.

The rules of seats as a whole are in the package's docstring (services/seats/).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ...extensions import db
from ...models import (
    SEAT_TALLIES,
    AgendaItem,
    Event,
    EventQuestion,
    Guest,
    Seat,
    SeatHold,
    SeatState,
)


@dataclass(frozen=True)
class SeatCounts:
    capacity: int
    # Held back by the organizer: no guest takes these.
    held: int
    confirmed: int
    waitlisted: int
    # Seats of the holds (named guests and categories), and the confirmed seats taken from them.
    reserved: int = 0
    confirmed_in_holds: int = 0
    # Whether the event's guests choose sessions (sessions.py): read with the counts, so that
    # the first answer's hot path learns it without a statement of its own.
    by_session: bool = False
    # Whether the event asks its guests questions of its own (services/questions/), read with
    # the counts for the same reason: a first answer to an event asking none reads no more.
    asks_questions: bool = False

    @property
    def available(self) -> int:
        """The open seats: what any guest may take."""
        return max(self.capacity - self.held - self.reserved, 0)

    @property
    def free(self) -> int:
        """Open seats nobody holds yet."""
        return max(self.available - (self.confirmed - self.confirmed_in_holds), 0)

    @property
    def reserved_free(self) -> int:
        return max(self.reserved - self.confirmed_in_holds, 0)


def _tallied(event_id: Any, column: str) -> sa.ColumnElement[int]:
    """One of the event's seat counts, as the database keeps them (seat_tally.py): 0 for an
    event that never had a seat."""
    kept = SEAT_TALLIES.c[column]
    counted = sa.select(kept).where(SEAT_TALLIES.c.event_id == event_id).scalar_subquery()
    return sa.func.coalesce(counted, 0)


def reserved_seats(event_id: int | sa.ColumnElement[int]) -> sa.ScalarSelect[int]:
    """How many seats the event's holds (named guests and categories) hold, as a column."""
    return (
        sa.select(sa.func.coalesce(sa.func.sum(SeatHold.count), 0))
        .where(SeatHold.event_id == event_id)
        .scalar_subquery()
    )


def chooses_sessions(event_id: Any) -> sa.Exists:
    """Whether the event's guests choose sessions (sessions.py), as a column: the event `event_id`
    names (a parameter, or the event column of the statement it stands in) has one."""
    return sa.exists().where(AgendaItem.event_id == event_id, AgendaItem.choosable.is_(True))


def _counts_of(event_id: Any) -> tuple[Any, ...]:
    """The columns seat_counts reads, for the event `event_id` names (a parameter, or the
    event column of the statement they stand in)."""
    return (
        _tallied(event_id, "confirmed"),
        _tallied(event_id, "waitlisted"),
        _tallied(event_id, "in_holds"),
        reserved_seats(event_id),
        chooses_sessions(event_id),
        sa.exists().where(EventQuestion.event_id == event_id),
    )


# One statement, as before holds existed: the answers' hot path reads it under the lock. Made
# once: building it for every answer cost more time under the lock than running it.
_SEAT_COUNTS = sa.select(*_counts_of(sa.bindparam("event_id", type_=sa.Integer)))
# The same counts as columns of a statement that reads a guest, for the guest's event: the
# answer reads them with the guest it reads under the lock (locking.lock_guest_event's `also`),
# one round trip less.
COUNTS_OF_GUESTS_EVENT = _counts_of(Guest.event_id)


def seat_counts(event: Event) -> SeatCounts:
    return counts_from(event, db.session.execute(_SEAT_COUNTS, {"event_id": event.id}).one())


def counts_from(event: Event, row: Sequence[Any]) -> SeatCounts:
    """The counts of a row of COUNTS_OF_GUESTS_EVENT's columns (or seat_counts' own)."""
    confirmed, waitlisted, in_holds, reserved, by_session, asks_questions = row
    return SeatCounts(
        capacity=event.capacity,
        held=event.held_seats,
        confirmed=confirmed,
        waitlisted=waitlisted,
        reserved=int(reserved),
        confirmed_in_holds=in_holds,
        by_session=bool(by_session),
        asks_questions=bool(asks_questions),
    )


# How many seats of a hold are taken: correlated to the SeatHold row of the query it stands in.
_SEATS_OF_HOLD = (
    sa.select(sa.func.count())
    .select_from(Seat)
    .where(Seat.hold_id == SeatHold.id)
    .scalar_subquery()
)


def _hold_with_room(
    event_id: int, guest: Guest, used: sa.ScalarSelect[int] = _SEATS_OF_HOLD
) -> int | None:
    """The id of the hold this guest would take a seat of now: theirs by name, else their
    category's, if it has a seat left; None when neither has. `used`: how many seats of the
    hold are taken, correlated to its row (a session's count, for a session's seats)."""
    return db.session.scalar(
        sa.select(SeatHold.id)
        .where(
            SeatHold.event_id == event_id,
            sa.or_(SeatHold.guest_id == guest.id, SeatHold.category == guest.category),
            SeatHold.count > used,
        )
        # The named hold first.
        .order_by(SeatHold.guest_id.is_(None))
        .limit(1)
    )


def _place(event: Event, guest: Guest, counts: SeatCounts) -> tuple[SeatState, int | None]:
    """Where a guest with no seat goes now: confirmed (from a hold, or an open seat with None)
    or waitlisted."""
    if counts.reserved_free > 0:
        hold_id = _hold_with_room(event.id, guest)
        if hold_id is not None:
            return SeatState.CONFIRMED, hold_id
    if counts.free > 0:
        return SeatState.CONFIRMED, None
    return SeatState.WAITLISTED, None
