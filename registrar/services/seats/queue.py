"""The waitlist as it stands: its order, a guest's place in it, a page of it.

The rules of seats as a whole are in the package's docstring (services/seats/).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import Event, Guest, Seat, SeatState


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
