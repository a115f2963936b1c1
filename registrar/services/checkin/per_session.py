"""The door's figures per session, in an event whose guests choose sessions: who is counted for
each session, and the interpretation receivers each needs.

The room is one room: whether it is full is the count inside now (scans.occupancy), whatever
the session. What is per session:

- counted for a session: the guests whose accepted entry counted for it (Scan.session_id: a
  scan while it is under way, or in the half hour before it starts), and, once its window has
  begun, the guests confirmed for it who are inside now and came in before that window (they
  stayed on from the session before). Each guest once.
- receivers: a session needs one English or 中文 receiver for each guest confirmed for it who
  listens on that channel (the floor language needs none). A receiver handed out (or returned)
  counts in each session its guest is confirmed for: a guest staying for both keeps one.

An event without such sessions has none of these figures (empty lists).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ...extensions import db
from ...models import (
    AgendaItem,
    Channel,
    CheckIn,
    Direction,
    Event,
    Rsvp,
    Scan,
    SeatState,
    SessionSeat,
    Verdict,
    utcnow,
)
from ..seats import sessions
from .scans import occupancy

# The channels whose receivers the door counts per session.
RECEIVER_CHANNELS = (Channel.EN, Channel.ZH)


@dataclass(frozen=True)
class SessionReceivers:
    session: AgendaItem
    # Receivers needed per channel (RECEIVER_CHANNELS), for the guests confirmed for it.
    needed: dict[Channel, int]
    handed_out: int
    returned: int


@dataclass(frozen=True)
class SessionOccupancy:
    session: AgendaItem
    confirmed: int
    counted: int
    # The session under way now (or starting within the half hour).
    current: bool


def occupancy_by_session(event: Event, now: datetime | None = None) -> list[SessionOccupancy]:
    """Each session guests choose, in programme order: its confirmed seats and the guests
    counted for it (see the module's docstring). Empty for an event without such sessions."""
    offered = sessions.offered(event.id)
    if not offered:
        return []
    now = now or utcnow()
    current = sessions.session_at(offered, now)
    confirmed = dict(
        db.session.execute(
            sa.select(SessionSeat.session_id, sa.func.count())
            .where(SessionSeat.event_id == event.id, SessionSeat.state == SeatState.CONFIRMED)
            .group_by(SessionSeat.session_id)
        ).all()
    )
    counted: dict[int, set[int]] = {item.id: set() for item in offered}
    for session_id, guest_id in db.session.execute(
        sa.select(Scan.session_id, Scan.guest_id)
        .where(
            Scan.event_id == event.id,
            Scan.session_id.is_not(None),
            Scan.guest_id.is_not(None),
            Scan.direction == Direction.IN,
            Scan.verdict == Verdict.OK,
            Scan.duplicate.is_(False),
        )
        .distinct()
    ):
        if session_id in counted and guest_id is not None:
            counted[session_id].add(guest_id)
    stayed = db.session.execute(
        sa.select(SessionSeat.session_id, CheckIn.guest_id, CheckIn.changed_at)
        .join(CheckIn, CheckIn.guest_id == SessionSeat.guest_id)
        .where(
            SessionSeat.event_id == event.id,
            SessionSeat.state == SeatState.CONFIRMED,
            CheckIn.inside.is_(True),
        )
    ).all()
    windows = {item.id: item.starts_at - sessions.BEFORE_START for item in offered}
    for session_id, guest_id, changed_at in stayed:
        opens = windows.get(session_id)
        if opens is not None and opens <= now and changed_at < opens:
            counted[session_id].add(guest_id)
    return [
        SessionOccupancy(
            session=item,
            confirmed=confirmed.get(item.id, 0),
            counted=len(counted[item.id]),
            current=current is not None and current.id == item.id,
        )
        for item in offered
    ]


def receivers_by_session(event: Event) -> list[SessionReceivers]:
    """Each session guests choose, in programme order: the receivers it needs per channel, and
    those handed out to and returned by its confirmed guests. Empty for an event without such
    sessions."""
    offered = sessions.offered(event.id)
    if not offered:
        return []
    rows = db.session.execute(
        sa.select(
            SessionSeat.session_id,
            Rsvp.channel,
            sa.func.count(),
            sa.func.count(sa.case((CheckIn.receiver != "", 1))),
            sa.func.count(
                sa.case(
                    (sa.and_(CheckIn.receiver != "", CheckIn.receiver_returned_at.is_not(None)), 1)
                )
            ),
        )
        .join(Rsvp, Rsvp.guest_id == SessionSeat.guest_id, isouter=True)
        .join(CheckIn, CheckIn.guest_id == SessionSeat.guest_id, isouter=True)
        .where(SessionSeat.event_id == event.id, SessionSeat.state == SeatState.CONFIRMED)
        .group_by(SessionSeat.session_id, Rsvp.channel)
    ).all()
    needed: dict[int, dict[Channel, int]] = {
        item.id: dict.fromkeys(RECEIVER_CHANNELS, 0) for item in offered
    }
    out: dict[int, int] = {}
    back: dict[int, int] = {}
    for session_id, channel, guests, handed, returned in rows:
        if session_id not in needed:
            continue
        if channel in RECEIVER_CHANNELS:
            needed[session_id][Channel(channel)] += guests
        out[session_id] = out.get(session_id, 0) + handed
        back[session_id] = back.get(session_id, 0) + returned
    return [
        SessionReceivers(
            session=item,
            needed=needed[item.id],
            handed_out=out.get(item.id, 0),
            returned=back.get(item.id, 0),
        )
        for item in offered
    ]


@dataclass(frozen=True)
class SessionFigures:
    """One session's figures at the door (the occupancy API's `sessions`, the scanner page)."""

    id: int
    title_en: str
    title_zh: str
    starts_at: datetime
    ends_at: datetime
    current: bool
    confirmed: int
    counted: int
    receivers_en: int
    receivers_zh: int
    receivers_handed_out: int
    receivers_returned: int


@dataclass(frozen=True)
class RoomOccupancy:
    """How many are inside the room, its capacity, and the figures of each session guests
    choose (empty for an event without such sessions)."""

    inside: int
    capacity: int
    sessions: tuple[SessionFigures, ...]


def door_occupancy(event: Event) -> RoomOccupancy:
    """The occupancy the door shows: the room's, and each session's."""
    room = occupancy(event)
    by_session = occupancy_by_session(event)
    receivers = {r.session.id: r for r in receivers_by_session(event)} if by_session else {}
    return RoomOccupancy(
        inside=room.inside,
        capacity=room.capacity,
        sessions=tuple(
            SessionFigures(
                id=o.session.id,
                title_en=o.session.title_en,
                title_zh=o.session.title_zh,
                starts_at=o.session.starts_at,
                ends_at=o.session.ends_at,
                current=o.current,
                confirmed=o.confirmed,
                counted=o.counted,
                receivers_en=receivers[o.session.id].needed[Channel.EN],
                receivers_zh=receivers[o.session.id].needed[Channel.ZH],
                receivers_handed_out=receivers[o.session.id].handed_out,
                receivers_returned=receivers[o.session.id].returned,
            )
            for o in by_session
        ),
    )
