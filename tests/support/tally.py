"""What the dashboard's stored tally should hold, made here from every row, in Python: the
check of guest_tally's triggers (tests, and scripts/bench/console.py at city scale)."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from registrar import guest_tally as t
from registrar.extensions import db
from registrar.models import TALLIES, CheckIn, Guest, Rsvp, Seat, SeatState


def stored(event_id: int) -> Counter:
    """Guests by (category, channel, flags, answer's UTC hour) as the triggers left them."""
    rows = db.session.execute(
        sa.select(
            TALLIES.c.category,
            TALLIES.c.channel,
            TALLIES.c.flags,
            TALLIES.c.answered_hour,
        ).where(TALLIES.c.event_id == event_id)
    ).all()
    return Counter((str(category), channel, flags, hour) for category, channel, flags, hour in rows)


def from_rows(event_id: int) -> Counter:
    """The same made from the guests, answers, seats and check-ins."""
    rows = db.session.execute(
        sa.select(
            Guest.category,
            Guest.revoked_at,
            Guest.sent_at,
            Rsvp.id,
            Rsvp.attending,
            Rsvp.channel,
            Rsvp.dietary,
            Rsvp.access_needs,
            Rsvp.answered_at,
            Seat.state,
            CheckIn.id,
            CheckIn.inside,
            CheckIn.receiver,
            CheckIn.receiver_returned_at,
        )
        .select_from(Guest)
        .outerjoin(Rsvp, Rsvp.guest_id == Guest.id)
        .outerjoin(Seat, Seat.guest_id == Guest.id)
        .outerjoin(CheckIn, CheckIn.guest_id == Guest.id)
        .where(Guest.event_id == event_id)
    ).all()
    counted: Counter = Counter()
    for row in rows:
        flags = (t.REVOKED if row.revoked_at else 0) | (t.SENT if row.sent_at else 0)
        if row[3] is not None:  # an answer
            flags |= t.ATTENDING if row.attending else t.DECLINED
            flags |= (t.DIETARY if row.dietary else 0) | (t.ACCESS if row.access_needs else 0)
        if row.state == SeatState.CONFIRMED:
            flags |= t.CONFIRMED
        elif row.state == SeatState.WAITLISTED:
            flags |= t.WAITLISTED
        if row[10] is not None:  # a check-in
            flags |= t.INSIDE if row.inside else t.LEFT
            flags |= t.HANDED if row.receiver else 0
            flags |= t.RETURNED if row.receiver_returned_at else 0
        channel = str(row.channel) if row[3] is not None and row.channel else None
        hour = row.answered_at.strftime("%Y-%m-%d %H") if row[3] is not None else None
        counted[(str(row.category), channel, flags, hour)] += 1
    return counted
