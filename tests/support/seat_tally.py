"""What seat_tallies should hold, counted here from the seats: the check of seat_tally's
triggers, made after every test that had an app (conftest.app), so that each way the tests
change seats checks them."""

from __future__ import annotations

import sqlalchemy as sa

from registrar import seat_tally
from registrar.extensions import db
from registrar.models import SEAT_TALLIES, Seat, SeatState


def counted() -> dict[int, tuple[int, int, int]]:
    """Each event's (confirmed, waitlisted, in holds), from its seats."""
    rows = db.session.execute(
        sa.select(
            Seat.event_id,
            sa.func.count().filter(Seat.state == SeatState.CONFIRMED),
            sa.func.count().filter(Seat.state == SeatState.WAITLISTED),
            sa.func.count().filter(Seat.hold_id.is_not(None)),
        ).group_by(Seat.event_id)
    ).all()
    return {event_id: tuple(counts) for event_id, *counts in rows}  # type: ignore[misc]


def kept() -> dict[int, tuple[int, int, int]]:
    """The same as the triggers kept them; an event whose seats all went keeps a row of 0s,
    left out here."""
    columns = [SEAT_TALLIES.c[name] for name in seat_tally.COLUMNS]
    rows = db.session.execute(sa.select(SEAT_TALLIES.c.event_id, *columns)).all()
    return {event_id: tuple(counts) for event_id, *counts in rows if any(counts)}  # type: ignore[misc]


def mismatches() -> str:
    """ "" when the kept counts are the counted ones (or the database has no seat_tallies, as
    after a migration test took it away); else both, to read."""
    if not sa.inspect(db.engine).has_table(seat_tally.TABLE):
        return ""
    try:
        found, expected = kept(), counted()
    finally:
        db.session.rollback()
    if found == expected:
        return ""
    return f"seat_tallies {found} != counted from the seats {expected}"
