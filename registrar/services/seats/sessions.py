"""Sessions guests choose: a seat in each chosen session, within the room's capacity for that
session, and a waitlist per session.

An event whose programme marks sessions as choosable (AgendaItem.choosable) seats its guests per
session: the room's capacity, less the seats held back and the holds, applies to each session on
its own; a guest saying yes chooses at least one of them and is confirmed in each with a free
seat and waitlisted, in that session's own queue, in the others. A seat freed in a session goes
to that session's first waitlisted guest (a held seat to its hold's guest or category first, as
for the whole event). An event with no choosable session has one implicit session, the whole
event, and none of this applies.

The guest's Seat sums the session seats up, so that everything that asks "has this guest a
seat?" (badges, the door, lists, tallies) keeps asking it one way: confirmed when confirmed in at
least one chosen session, waitlisted when waitlisted in all of them, none when none is chosen.
Such a summary never takes a hold and its queue number orders nothing.

Every function that changes seats here runs under the event lock, as the rest of the package.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ...errors import CapacityTooLow, InvalidAnswer
from ...extensions import db
from ...models import (
    AgendaItem,
    AgendaKind,
    Event,
    Guest,
    Seat,
    SeatHold,
    SeatState,
    SessionSeat,
    utcnow,
)
from .. import audit, notify, webhooks
from ..locking import require_event_lock
from .counts import SeatCounts, _hold_with_room, chooses_sessions, reserved_seats, seat_counts

# A scan this long before a session starts counts for it (the doors open before it).
BEFORE_START = timedelta(minutes=30)


class NoSessionChosen(InvalidAnswer):
    default_message = _l("Please choose at least one session you will attend.")


class NotASession(InvalidAnswer):
    default_message = _l(
        "Please choose among the sessions this event offers: one you chose is not offered "
        "(reload the page to see them as they are now)."
    )


def offered(event_id: int) -> list[AgendaItem]:
    """The sessions guests choose from, in programme order; empty: the event has none."""
    return list(
        db.session.scalars(
            sa.select(AgendaItem)
            .where(AgendaItem.event_id == event_id, AgendaItem.choosable.is_(True))
            .order_by(AgendaItem.position)
        )
    )


def on(event_id: int) -> bool:
    """Whether the event's guests choose sessions (one query: the hot paths ask it)."""
    return bool(db.session.scalar(sa.select(chooses_sessions(event_id))))


def offered_ids(event_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(AgendaItem.id)
            .where(AgendaItem.event_id == event_id, AgendaItem.choosable.is_(True))
            .order_by(AgendaItem.position)
        )
    )


def session_at(sessions: Collection[AgendaItem], moment: datetime) -> AgendaItem | None:
    """The session a scan at `moment` counts for: the one under way, or else the next one to
    start within BEFORE_START (a scan in the break before a session counts for it)."""
    for item in sorted(sessions, key=lambda s: s.starts_at):
        if item.starts_at - BEFORE_START <= moment < item.ends_at:
            return item
    return None


def at_the_door(event_id: int, now: datetime) -> tuple[int | None, frozenset[int]]:
    """For a guest first seated at the door (a walk-in, a guest who never answered): the
    session under way now (None between windows), and the sessions to seat them in: that one
    and those after it, or every session when none is left to come. Both empty-handed (None,
    nothing) in an event whose guests choose no sessions."""
    sessions = offered(event_id)
    current = session_at(sessions, now)
    coming = [
        s.id
        for s in sessions
        if s.ends_at > now and (current is None or s.position >= current.position)
    ]
    return (current.id if current else None), frozenset(coming or [s.id for s in sessions])


@dataclass(frozen=True)
class SessionPlace:
    """A guest's place in one session they chose."""

    session: AgendaItem
    state: SeatState
    # 1 for the next to get a seat in this session; None when confirmed.
    position: int | None


def places_of(guest: Guest) -> list[SessionPlace]:
    """The sessions the guest chose, in programme order, each with the guest's place in it."""
    rows = db.session.execute(
        sa.select(AgendaItem, SessionSeat)
        .join(SessionSeat, SessionSeat.session_id == AgendaItem.id)
        .where(SessionSeat.guest_id == guest.id)
        .order_by(AgendaItem.position)
    ).all()
    return [
        SessionPlace(session=item, state=seat.state, position=_position(seat))
        for item, seat in rows
    ]


def arrive_by(event: Event, places: Collection[SessionPlace]) -> datetime:
    """When a confirmed guest is asked to be in the room: when the doors open, or, for a guest
    whose first confirmed session starts after the event does, when that session starts."""
    starts = [p.session.starts_at for p in places if p.state == SeatState.CONFIRMED]
    first = min(starts, default=event.starts_at)
    return first if first > event.starts_at else event.doors_open_at


def chosen_ids(guest_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(SessionSeat.session_id).where(SessionSeat.guest_id == guest_id)
        )
    )


def _position(seat: SessionSeat) -> int | None:
    if seat.state != SeatState.WAITLISTED:
        return None
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            SessionSeat.session_id == seat.session_id,
            SessionSeat.state == SeatState.WAITLISTED,
            SessionSeat.queue_number <= seat.queue_number,
        )
    )


def _count_in(session_id: int, *where: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
    return (
        sa.select(sa.func.count())
        .select_from(SessionSeat)
        .where(SessionSeat.session_id == session_id, *where)
        .scalar_subquery()
    )


def counts_in(event: Event, session_id: int) -> SeatCounts:
    """The seat counts of one session, as seat_counts gives them for the whole event."""
    confirmed, waitlisted, in_holds, reserved = db.session.execute(
        sa.select(
            _count_in(session_id, SessionSeat.state == SeatState.CONFIRMED),
            _count_in(session_id, SessionSeat.state == SeatState.WAITLISTED),
            _count_in(session_id, SessionSeat.hold_id.is_not(None)),
            reserved_seats(event.id),
        )
    ).one()
    return SeatCounts(
        capacity=event.capacity,
        held=event.held_seats,
        confirmed=confirmed,
        waitlisted=waitlisted,
        reserved=int(reserved),
        confirmed_in_holds=in_holds,
    )


def counts_by_session(event: Event) -> list[tuple[AgendaItem, SeatCounts]]:
    """Each session guests choose, in programme order, with its seat counts (one statement
    for all the sessions' seats)."""
    sessions = offered(event.id)
    if not sessions:
        return []
    rows = db.session.execute(
        sa.select(
            SessionSeat.session_id,
            SessionSeat.state,
            SessionSeat.hold_id.is_not(None),
            sa.func.count(),
        )
        .where(SessionSeat.event_id == event.id)
        .group_by(SessionSeat.session_id, SessionSeat.state, SessionSeat.hold_id.is_not(None))
    ).all()
    reserved = db.session.scalar(sa.select(reserved_seats(event.id)))
    found: dict[int, dict[str, int]] = {}
    for session_id, state, held, count in rows:
        tally = found.setdefault(session_id, {"confirmed": 0, "waitlisted": 0, "in_holds": 0})
        tally[SeatState(state).value] += count
        if held:
            tally["in_holds"] += count
    return [
        (
            item,
            SeatCounts(
                capacity=event.capacity,
                held=event.held_seats,
                confirmed=found.get(item.id, {}).get("confirmed", 0),
                waitlisted=found.get(item.id, {}).get("waitlisted", 0),
                reserved=int(reserved or 0),
                confirmed_in_holds=found.get(item.id, {}).get("in_holds", 0),
                by_session=True,
            ),
        )
        for item in sessions
    ]


def fullest(event: Event) -> SeatCounts | None:
    """The counts of the session with the most guests on open seats: the one that bounds the
    capacity and the holds an organizer may set. None when the event has no such sessions."""
    by_session = counts_by_session(event)
    if not by_session:
        return None
    return max(
        (counts for _item, counts in by_session),
        key=lambda c: (c.confirmed - c.confirmed_in_holds, c.confirmed),
    )


def room_counts(event: Event) -> SeatCounts:
    """The seat counts an organizer's seats card shows: the whole event's, or, where guests
    choose sessions (each has the room), the fullest session's."""
    return fullest(event) or seat_counts(event)


def _hold_with_room_in(event_id: int, session_id: int, guest: Guest) -> int | None:
    """As counts._hold_with_room, in one session: the guest's hold with a seat left there."""
    used = (
        sa.select(sa.func.count())
        .select_from(SessionSeat)
        .where(SessionSeat.hold_id == SeatHold.id, SessionSeat.session_id == session_id)
        .scalar_subquery()
    )
    return _hold_with_room(event_id, guest, used)


def _place_in(event: Event, session_id: int, guest: Guest) -> tuple[SeatState, int | None]:
    counts = counts_in(event, session_id)
    if counts.reserved_free > 0:
        hold_id = _hold_with_room_in(event.id, session_id, guest)
        if hold_id is not None:
            return SeatState.CONFIRMED, hold_id
    if counts.free > 0:
        return SeatState.CONFIRMED, None
    return SeatState.WAITLISTED, None


def has_seat_in(event: Event, guest: Guest, session_id: int) -> bool:
    """Whether the guest, not confirmed in this session, would be confirmed in it now."""
    require_event_lock(event.id, "has_seat_in")
    return _place_in(event, session_id, guest)[0] == SeatState.CONFIRMED


def _seats_of(guest: Guest) -> dict[int, SessionSeat]:
    found = db.session.scalars(sa.select(SessionSeat).where(SessionSeat.guest_id == guest.id))
    return {seat.session_id: seat for seat in found}


def _confirmed(seats: dict[int, SessionSeat]) -> frozenset[int]:
    return frozenset(sid for sid, seat in seats.items() if seat.state == SeatState.CONFIRMED)


def choose(
    event: Event, guest: Guest, wanted: Collection[int], actor: str, *, badge_changed: bool = False
) -> list[Guest]:
    """Seat the guest in the sessions `wanted` and in no other: a seat in each newly chosen
    session (confirmed when one is free, else the end of its queue), and the seats of the
    sessions no longer chosen given up, each freed one going to that session's queue.

    Refused, with nothing written, when `wanted` is empty or names a session guests cannot
    choose. Tells the guest (a confirmation, a waitlist message, or a new badge when the
    sessions they are confirmed for changed, or `badge_changed` says the badge changed for
    another reason). Returns the guests promoted by it.
    """
    require_event_lock(event.id, "sessions.choose")
    wanted = set(wanted)
    if not wanted:
        raise NoSessionChosen()
    if not wanted <= set(offered_ids(event.id)):
        raise NotASession()
    held = _seats_of(guest)
    before = _confirmed(held)
    promoted: list[Guest] = []
    for session_id in sorted(set(held) - wanted):
        promoted += _leave(event, held.pop(session_id), actor, reason="unchosen")
    for session_id in sorted(wanted - set(held)):
        held[session_id] = _take(event, guest, session_id, actor)
    old, new = _sum_up(event, guest, actor, held)
    if new is None:
        return promoted
    if old != new:
        notify.seat_taken(guest, new, actor)
        webhooks.seat_taken(
            event, guest, new.value, guest.seat.queue_number if guest.seat else None
        )
    elif new == SeatState.CONFIRMED and (badge_changed or _confirmed(held) != before):
        # The badge and the confirmation say which sessions: the guest needs the new ones.
        notify.badge_changed(guest, actor)
    return promoted


def seat_guest(event: Event, guest: Guest, actor: str) -> Seat | None:
    """confirm_or_waitlist in an event with sessions: the guest's sessions as chosen, or every
    session when none was chosen (an organizer's "yes" for the guest, a walk-in, a companion)."""
    if guest.seat is not None:
        return guest.seat
    wanted = chosen_ids(guest.id) or offered_ids(event.id)
    choose(event, guest, wanted, actor)
    return guest.seat


def release_all(event: Event, guest: Guest, actor: str, reason: str) -> list[int]:
    """Give up every session seat of the guest (the caller ends the summary Seat, then gives
    the freed seats to the queues with promote_in). Returns the sessions where a confirmed
    seat was freed."""
    require_event_lock(event.id, "sessions.release_all")
    freed = []
    for seat in _seats_of(guest).values():
        if seat.state == SeatState.CONFIRMED:
            freed.append(seat.session_id)
        _leave(event, seat, actor, reason=reason, promote=False)
    return sorted(freed)


def promote_in(event: Event, session_ids: Collection[int], actor: str) -> list[Guest]:
    """Each of these sessions' free seats to its queue; the guests promoted."""
    promoted: list[Guest] = []
    for session_id in session_ids:
        promoted += _promote_in(event, session_id, actor)
    return promoted


def pass_seats(holder: Guest, deputy: Guest) -> None:
    """The holder's session seats, as they are, become the deputy's (seats.pass_seat)."""
    db.session.flush()
    db.session.execute(
        sa.update(SessionSeat)
        .where(SessionSeat.guest_id == holder.id)
        .values(guest_id=deputy.id)
        .execution_options(synchronize_session=False)
    )


def promote_all(event: Event, actor: str) -> list[Guest]:
    """promote_from_waitlist in an event with sessions: each session's free seats to its
    queue."""
    require_event_lock(event.id, "sessions.promote_all")
    promoted: list[Guest] = []
    for session_id in offered_ids(event.id):
        promoted += _promote_in(event, session_id, actor)
    return promoted


def promote_guest_now(event: Event, guest: Guest, actor: str) -> Guest:
    """seats.promote_guest in an event with sessions: the guest confirmed, ahead of the queue,
    in every session they wait for that has a seat free; refused when none has."""
    require_event_lock(event.id, "sessions.promote_guest_now")
    seats = _seats_of(guest)
    waiting = [s for s in seats.values() if s.state == SeatState.WAITLISTED]
    taken = []
    for seat in sorted(waiting, key=lambda s: s.session_id):
        state, hold_id = _place_in(event, seat.session_id, guest)
        if state == SeatState.CONFIRMED:
            _confirm(event, seat, actor, hold_id, manual=True)
            taken.append(seat.session_id)
    if not taken:
        raise CapacityTooLow(
            _l(
                "No seat is free in the sessions this guest waits for, so nobody was promoted. "
                "Raise the capacity or release held seats: the first in each session's line "
                "gets the next free seat."
            )
        )
    _told_of_promotion(event, guest, actor, seats, taken)
    db.session.flush()
    return guest


def confirm_in(event: Event, guest: Guest, session_id: int, actor: str, **details: object) -> None:
    """The door lets the guest into a session they are not confirmed for (a seat is free in
    it: the caller checked has_seat_in under this lock): a confirmed seat in it, audited with
    `details`."""
    require_event_lock(event.id, "sessions.confirm_in")
    seats = _seats_of(guest)
    seat = seats.get(session_id)
    _state, hold_id = _place_in(event, session_id, guest)
    if seat is None:
        seat = _take(event, guest, session_id, actor, state=SeatState.CONFIRMED, hold_id=hold_id)
        seats[session_id] = seat
    elif seat.state == SeatState.WAITLISTED:
        _confirm(event, seat, actor, hold_id, **details)
    old, new = _sum_up(event, guest, actor, seats)
    if old is None and new is not None:
        webhooks.seat_taken(event, guest, new.value, None)
    elif old != new:
        webhooks.seat_promoted(event, guest)


def capacity_check(event: Event, capacity: int, held_seats: int, reserved: int) -> None:
    """set_capacity's rule in an event with sessions: no session may have more guests on open
    seats than the new open seats."""
    counts = fullest(event)
    if counts is None:
        return
    on_open = counts.confirmed - counts.confirmed_in_holds
    if capacity - held_seats - reserved < on_open:
        raise CapacityTooLow(
            _l(
                "%(confirmed)s guests already hold confirmed seats in one session; capacity less "
                "held seats cannot go below that."
            ),
            confirmed=on_open,
        )


def _take(
    event: Event,
    guest: Guest,
    session_id: int,
    actor: str,
    *,
    state: SeatState | None = None,
    hold_id: int | None = None,
) -> SessionSeat:
    if state is None:
        state, hold_id = _place_in(event, session_id, guest)
    queue_number = None
    if state == SeatState.WAITLISTED:
        queue_number = _next_in_queue(session_id)
    seat = SessionSeat(
        event_id=event.id,
        session_id=session_id,
        guest_id=guest.id,
        state=state,
        queue_number=queue_number,
        since=utcnow(),
        hold_id=hold_id,
    )
    db.session.add(seat)
    db.session.flush()
    audit.record(
        f"seat.session_{state.value}",
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        session=session_id,
        queue_number=queue_number,
        **({"held": True} if hold_id is not None else {}),
    )
    return seat


def _next_in_queue(session_id: int) -> int:
    item = db.session.get(AgendaItem, session_id)
    assert item is not None and item.kind == AgendaKind.SESSION
    item.waitlist_counter += 1
    return item.waitlist_counter


def _leave(
    event: Event, seat: SessionSeat, actor: str, *, reason: str, promote: bool = True
) -> list[Guest]:
    was_confirmed = seat.state == SeatState.CONFIRMED
    session_id = seat.session_id
    audit.record(
        "seat.session_released",
        actor=actor,
        event_id=event.id,
        guest_id=seat.guest_id,
        session=session_id,
        state=seat.state.value,
        reason=reason,
    )
    db.session.delete(seat)
    db.session.flush()
    return _promote_in(event, session_id, actor) if was_confirmed and promote else []


def _promote_in(event: Event, session_id: int, actor: str) -> list[Guest]:
    """Fill the session's free seats from its queue: held seats first, each to the first
    waitlisted guest it is held for; then the open seats, to the head of the queue."""
    promoted = _promote_into_holds(event, session_id, actor)
    free = counts_in(event, session_id).free
    if free > 0:
        seats = db.session.scalars(
            sa.select(SessionSeat)
            .where(SessionSeat.session_id == session_id, SessionSeat.state == SeatState.WAITLISTED)
            .order_by(SessionSeat.queue_number)
            .limit(free)
        ).all()
        for seat in seats:
            promoted.append(_promote_one(event, seat, actor, None))
    db.session.flush()
    return promoted


def _promote_into_holds(event: Event, session_id: int, actor: str) -> list[Guest]:
    waiting = db.session.scalars(
        sa.select(SessionSeat)
        .join(SeatHold, SeatHold.event_id == SessionSeat.event_id)
        .join(Guest, Guest.id == SessionSeat.guest_id)
        .where(
            SessionSeat.session_id == session_id,
            SessionSeat.state == SeatState.WAITLISTED,
            sa.or_(SeatHold.guest_id == Guest.id, SeatHold.category == Guest.category),
        )
        .order_by(SessionSeat.queue_number)
        .distinct()
    ).all()
    promoted = []
    for seat in waiting:
        guest = db.session.get(Guest, seat.guest_id)
        assert guest is not None
        hold_id = _hold_with_room_in(event.id, session_id, guest)
        if hold_id is not None:
            promoted.append(_promote_one(event, seat, actor, hold_id))
            db.session.flush()
    return promoted


def _promote_one(event: Event, seat: SessionSeat, actor: str, hold_id: int | None) -> Guest:
    guest = db.session.get(Guest, seat.guest_id)
    assert guest is not None
    seats = _seats_of(guest)
    _confirm(event, seats[seat.session_id], actor, hold_id)
    _told_of_promotion(event, guest, actor, seats, [seat.session_id])
    return guest


def _confirm(
    event: Event, seat: SessionSeat, actor: str, hold_id: int | None, **details: object
) -> None:
    queue_number = seat.queue_number
    seat.state = SeatState.CONFIRMED
    seat.queue_number = None
    seat.since = utcnow()
    seat.hold_id = hold_id
    db.session.flush()
    audit.record(
        "seat.session_promoted",
        actor=actor,
        event_id=event.id,
        guest_id=seat.guest_id,
        session=seat.session_id,
        queue_number=queue_number,
        **({"held": True} if hold_id is not None else {}),
        **details,
    )


def _told_of_promotion(
    event: Event, guest: Guest, actor: str, seats: dict[int, SessionSeat], given: list[int]
) -> None:
    """The guest got a seat in the sessions `given`, which they waited for: their summary
    follows, and they are told (the message names those sessions and lists the guest's)."""
    _sum_up(event, guest, actor, seats)
    notify.seat_promoted(guest, actor, sessions=given)
    webhooks.seat_promoted(event, guest)


def _sum_up(
    event: Event, guest: Guest, actor: str, seats: dict[int, SessionSeat]
) -> tuple[SeatState | None, SeatState | None]:
    """Make the guest's Seat say what their session seats do; the states before and after."""
    states = {seat.state for seat in seats.values()}
    if SeatState.CONFIRMED in states:
        want: SeatState | None = SeatState.CONFIRMED
    elif states:
        want = SeatState.WAITLISTED
    else:
        want = None
    seat = guest.seat
    old = seat.state if seat is not None else None
    if want == old:
        return old, want
    if want is None:
        guest.seat = None
    elif seat is None:
        seat = Seat(event_id=event.id, guest=guest, state=want, since=utcnow())
        if want == SeatState.WAITLISTED:
            event.waitlist_counter += 1
            seat.queue_number = event.waitlist_counter
        db.session.add(seat)
    elif want == SeatState.CONFIRMED:
        seat.state = want
        seat.queue_number = None
        seat.since = utcnow()
    else:
        event.waitlist_counter += 1
        seat.state = want
        seat.queue_number = event.waitlist_counter
        seat.since = utcnow()
        # A label of the seating plan goes with a confirmed seat only.
        seat.label = None
    db.session.flush()
    audit.record(
        f"seat.{want.value}" if want is not None else "seat.released",
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        sessions=sorted(_confirmed(seats)),
    )
    return old, want


@dataclass(frozen=True)
class Waiting:
    """A guest in one session's queue, with their places in the other sessions they chose."""

    guest: Guest
    # 1 for the next to get a seat in this session.
    position: int
    since: datetime
    others: list[SessionPlace]


@dataclass(frozen=True)
class SessionQueue:
    """One session guests choose: its seat counts and its waitlist in queue order."""

    session: AgendaItem
    counts: SeatCounts
    waiting: list[Waiting]


def queues(event: Event) -> list[SessionQueue]:
    """Each session guests choose, in programme order, with its queue (each waiting guest with
    their answer loaded and their places in the other sessions); empty: the event has none.
    A fixed number of statements, whatever the number of guests."""
    by_session = counts_by_session(event)
    if not by_session:
        return []
    waiting = db.session.execute(
        sa.select(SessionSeat, Guest)
        .join(Guest, Guest.id == SessionSeat.guest_id)
        .where(SessionSeat.event_id == event.id, SessionSeat.state == SeatState.WAITLISTED)
        .order_by(SessionSeat.session_id, SessionSeat.queue_number)
        .options(selectinload(Guest.rsvp))
    ).all()
    guest_ids = {guest.id for _seat, guest in waiting}
    held: dict[int, list[SessionSeat]] = {}
    if guest_ids:
        for seat in db.session.scalars(
            sa.select(SessionSeat).where(
                SessionSeat.event_id == event.id, SessionSeat.guest_id.in_(guest_ids)
            )
        ):
            held.setdefault(seat.guest_id, []).append(seat)
    lines: dict[int, list[tuple[SessionSeat, Guest]]] = {}
    for seat, guest in waiting:
        lines.setdefault(seat.session_id, []).append((seat, guest))
    # A waitlisted seat's place in its session's line, to show the other sessions' places.
    places_in_line = {
        seat.id: n for line in lines.values() for n, (seat, _guest) in enumerate(line, start=1)
    }
    items = {item.id: item for item, _counts in by_session}

    def others(guest: Guest, session_id: int) -> list[SessionPlace]:
        seats = sorted(
            (s for s in held.get(guest.id, []) if s.session_id != session_id),
            key=lambda s: items[s.session_id].position,
        )
        return [
            SessionPlace(
                session=items[s.session_id], state=s.state, position=places_in_line.get(s.id)
            )
            for s in seats
            if s.session_id in items
        ]

    return [
        SessionQueue(
            session=item,
            counts=counts,
            waiting=[
                Waiting(guest=guest, position=n, since=seat.since, others=others(guest, item.id))
                for n, (seat, guest) in enumerate(lines.get(item.id, []), start=1)
            ],
        )
        for item, counts in by_session
    ]


def places_of_guests(
    event_id: int, guest_ids: Collection[int] | None = None
) -> dict[int, list[SessionPlace]]:
    """places_of for many guests at once (every guest of the event with None), by guest id, in
    one statement whatever their number: what lists and exports show for each row."""
    numbered = (
        sa.select(
            SessionSeat.id.label("seat_id"),
            sa.func.row_number()
            .over(
                partition_by=(SessionSeat.session_id, SessionSeat.state),
                order_by=SessionSeat.queue_number,
            )
            .label("position"),
        )
        .where(SessionSeat.event_id == event_id)
        .subquery()
    )
    query = (
        sa.select(AgendaItem, SessionSeat, numbered.c.position)
        .join(SessionSeat, SessionSeat.session_id == AgendaItem.id)
        .join(numbered, numbered.c.seat_id == SessionSeat.id)
        .where(SessionSeat.event_id == event_id)
        .order_by(SessionSeat.guest_id, AgendaItem.position)
    )
    if guest_ids is not None:
        query = query.where(SessionSeat.guest_id.in_(list(guest_ids)))
    found: dict[int, list[SessionPlace]] = {}
    for item, seat, position in db.session.execute(query):
        waiting = seat.state == SeatState.WAITLISTED
        found.setdefault(seat.guest_id, []).append(
            SessionPlace(session=item, state=seat.state, position=position if waiting else None)
        )
    return found
