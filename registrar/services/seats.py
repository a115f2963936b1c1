"""Seats: confirmed within capacity, waitlisted in a stable order, promoted when freed; and the
seats held for named guests or for categories (holds).

A guest who says yes takes, in this order: a seat held for them by name, a seat held for their
category, an open seat, the end of the waitlist. Open seats are the capacity less the seats held
back (`Event.held_seats`, for the organizer alone) less every hold's seats; a guest without a
hold never takes a held seat. A held seat freed goes back to its hold: a named one waits for its
guest, a category's goes to the first waitlisted guest of that category, if any.

Every function that changes seats runs under the event lock (locking.lock_event): those that
take an event take it as the caller locked it, and refuse to run when it is not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..errors import CapacityTooLow, DomainError, InvalidAnswer
from ..extensions import db
from ..labels import CATEGORY_LABELS
from ..models import Category, Event, Guest, Seat, SeatHold, SeatState, utcnow
from . import audit, notify, webhooks
from .event_state import require_changeable
from .locking import lock_event, require_event_lock
from .seating import plan as seating_plan
from .writes import Writes


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


def _count_seats(event_id: int, *where: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
    return (
        sa.select(sa.func.count())
        .select_from(Seat)
        .where(Seat.event_id == event_id, *where)
        .scalar_subquery()
    )


def seat_counts(event: Event) -> SeatCounts:
    # One statement, as before holds existed: the answers' hot path reads it under the lock.
    row = db.session.execute(
        sa.select(
            _count_seats(event.id, Seat.state == SeatState.CONFIRMED),
            _count_seats(event.id, Seat.state == SeatState.WAITLISTED),
            _count_seats(event.id, Seat.hold_id.is_not(None)),
            sa.select(sa.func.coalesce(sa.func.sum(SeatHold.count), 0))
            .where(SeatHold.event_id == event.id)
            .scalar_subquery(),
        )
    ).one()
    confirmed, waitlisted, in_holds, reserved = row
    return SeatCounts(
        capacity=event.capacity,
        held=event.held_seats,
        confirmed=confirmed,
        waitlisted=waitlisted,
        reserved=int(reserved),
        confirmed_in_holds=in_holds,
    )


# How many seats of a hold are taken: correlated to the SeatHold row of the query it stands in.
_SEATS_OF_HOLD = (
    sa.select(sa.func.count())
    .select_from(Seat)
    .where(Seat.hold_id == SeatHold.id)
    .scalar_subquery()
)


def _hold_with_room(event_id: int, guest: Guest) -> int | None:
    """The id of the hold this guest would take a seat of now: theirs by name, else their
    category's, if it has a seat left; None when neither has."""
    used = _SEATS_OF_HOLD
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


def has_seat_for(event: Event, guest: Guest) -> bool:
    """Whether this guest, holding no seat, would be confirmed now (a hold of theirs or an
    open seat). Under the event lock, as every decision."""
    require_event_lock(event.id, "has_seat_for")
    return _place(event, guest, seat_counts(event))[0] == SeatState.CONFIRMED


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
    promoted = _promote_into_holds(event, actor)
    db.session.flush()
    free = seat_counts(event).free
    if free > 0:
        seats = db.session.scalars(
            sa.select(Seat)
            .where(Seat.event_id == event.id, Seat.state == SeatState.WAITLISTED)
            .order_by(Seat.queue_number)
            .limit(free)
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
    confirmed = counts.confirmed - counts.confirmed_in_holds
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


# -- holds: the seats held for named guests and for categories ------------------------------

MAX_HOLD = 100000


@dataclass(frozen=True)
class Hold:
    """One hold as the organizer sees it: for a guest (by name) or a category, with its use."""

    category: Category | None
    guest: Guest | None
    count: int
    used: int

    @property
    def free(self) -> int:
        return max(self.count - self.used, 0)


def holds_of(event: Event) -> list[Hold]:
    """The event's holds: the categories' in the categories' order, then the named guests'
    by name."""
    used = _SEATS_OF_HOLD
    rows = db.session.execute(
        sa.select(SeatHold, used)
        .where(SeatHold.event_id == event.id)
        .options(selectinload(SeatHold.guest))
    ).all()
    order = list(Category)
    holds = [Hold(h.category, h.guest, h.count, n) for h, n in rows]
    return sorted(
        holds,
        key=lambda h: (
            h.guest is not None,
            order.index(h.category) if h.category is not None else 0,
            (h.guest.name_en or h.guest.name_zh).casefold() if h.guest is not None else "",
        ),
    )


def set_category_holds(event_id: int, counts: dict[Category, int], actor: str) -> list[Guest]:
    """Hold these many seats for each category named (0: none); the others stay as they are.

    Returns the waitlisted guests who got a seat by it.
    """
    event = lock_event(event_id)
    categories, guests = _current_holds(event)
    return _apply_holds(event, {**categories, **counts}, guests, actor)


def hold_seat_for_guest(event_id: int, guest_id: int, actor: str) -> list[Guest]:
    """Hold a seat for this guest by name (nothing changes if one is held already)."""
    event = lock_event(event_id)
    categories, guests = _current_holds(event)
    return _apply_holds(event, categories, guests | {guest_id}, actor)


def release_guest_hold(event_id: int, guest_id: int, actor: str) -> list[Guest]:
    """Hold no seat for this guest by name any more: it becomes an open seat."""
    event = lock_event(event_id)
    categories, guests = _current_holds(event)
    if guest_id not in guests:
        raise HoldsChanged(_l("No seat is held for this guest any more, so nothing was changed."))
    return _apply_holds(event, categories, guests - {guest_id}, actor)


def set_holds(
    event_id: int, categories: dict[Category, int], guests: set[int], actor: str
) -> list[Guest]:
    """Make the event's holds exactly these: seats per category (left out: none) and a seat
    for each guest named."""
    event = lock_event(event_id)
    return _apply_holds(event, dict(categories), set(guests), actor)


def set_seats(
    event_id: int,
    capacity: int,
    held_seats: int,
    actor: str,
    *,
    categories: dict[Category, int] | None = None,
    guests: set[int] | None = None,
) -> list[Guest]:
    """The capacity, the seats held back and the holds at once, checked together (the API's
    one change of them all): `categories` as set_category_holds takes them, `guests` as the
    whole list of guests with a seat held by name; None leaves them as they are."""
    if capacity < 0 or held_seats < 0:
        raise InvalidAnswer(_l("Capacity and held seats cannot be negative."))
    if held_seats > capacity:
        raise InvalidAnswer(_l("Held seats cannot exceed the capacity."))
    event = lock_event(event_id)
    held_categories, held_guests = _current_holds(event)
    before = (event.capacity, event.held_seats)
    # Checked with the holds by _apply_holds; a refusal rolls the whole use case back.
    event.capacity, event.held_seats = capacity, held_seats
    if before != (capacity, held_seats):
        audit.record(
            "event.capacity_changed",
            actor=actor,
            event_id=event.id,
            capacity=[before[0], capacity],
            held_seats=[before[1], held_seats],
        )
    return _apply_holds(
        event,
        {**held_categories, **(categories or {})},
        held_guests if guests is None else set(guests),
        actor,
    )


class HoldsChanged(DomainError):
    status = 409
    default_message = _l("The held seats changed since this page was shown; nothing was changed.")


def _current_holds(event: Event) -> tuple[dict[Category, int], set[int]]:
    rows = db.session.scalars(sa.select(SeatHold).where(SeatHold.event_id == event.id)).all()
    categories = {h.category: h.count for h in rows if h.category is not None}
    guests = {h.guest_id for h in rows if h.guest_id is not None}
    return categories, guests


def _apply_holds(
    event: Event, categories: dict[Category, int], guests: set[int], actor: str
) -> list[Guest]:
    """Check the holds wanted against the room and the seats taken, then write them; every
    refusal comes before anything is written."""
    require_event_lock(event.id, "_apply_holds")
    require_changeable(event)
    for category, count in categories.items():
        if not isinstance(category, Category):
            raise InvalidAnswer(_l("Choose a category from the list; nothing was changed."))
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_HOLD:
            raise InvalidAnswer(
                _l("Held seats per category: a whole number from 0 to %(n)s."), n=MAX_HOLD
            )
    categories = {c: n for c, n in categories.items() if n > 0}
    existing = {
        (h.guest_id, h.category): h
        for h in db.session.scalars(sa.select(SeatHold).where(SeatHold.event_id == event.id))
    }
    used = dict(
        db.session.execute(
            sa.select(Seat.hold_id, sa.func.count())
            .where(Seat.event_id == event.id, Seat.hold_id.is_not(None))
            .group_by(Seat.hold_id)
        ).all()
    )
    named = _named_guests(event, guests, {g for g, _c in existing if g is not None})
    for (held_guest, held_category), hold in existing.items():
        taken = used.get(hold.id, 0)
        if held_category is not None and categories.get(held_category, 0) < taken:
            raise CapacityTooLow(
                _l(
                    "%(taken)s seats held for the category %(category)s are taken, so it "
                    "cannot hold fewer; nothing was changed."
                ),
                taken=taken,
                category=_category_label(held_category),
            )
        if held_guest is not None and held_guest not in guests and taken:
            raise CapacityTooLow(
                _l(
                    "%(name)s has taken the seat held for them, so it stays held; to free it, "
                    "the guest declines or the invitation is withdrawn. Nothing was changed."
                ),
                name=hold.guest.name_en or hold.guest.name_zh if hold.guest else "",
            )
    reserved = sum(categories.values()) + len(guests)
    in_plan = seating_plan.reserved_in_plan(event.id)
    if in_plan is not None and reserved > in_plan:
        raise CapacityTooLow(
            _l(
                "The seating plan reserves %(in_plan)s seats, fewer than the %(reserved)s seats "
                "these holds need. Reserve more seats in the plan first; nothing was changed."
            ),
            in_plan=in_plan,
            reserved=reserved,
        )
    if event.held_seats + reserved > event.capacity:
        raise CapacityTooLow(
            _l(
                "Seats held for guests and categories (%(reserved)s) and held back "
                "(%(held)s) cannot exceed the capacity (%(capacity)s); nothing was changed."
            ),
            reserved=reserved,
            held=event.held_seats,
            capacity=event.capacity,
        )
    # A guest seated already who gets a hold by name sits in it: an open seat is freed.
    moving = [g.seat for g in named.values() if g.seat and g.seat.state == SeatState.CONFIRMED]
    moving = [
        seat
        for seat in moving
        if (own := existing.get((seat.guest_id, None))) is None or seat.hold_id != own.id
    ]
    counts = seat_counts(event)
    on_open = counts.confirmed - counts.confirmed_in_holds
    on_open -= sum(1 for seat in moving if seat.hold_id is None)
    if event.capacity - event.held_seats - reserved < on_open:
        raise CapacityTooLow(
            _l(
                "%(confirmed)s guests hold open seats already; with these held seats fewer "
                "would be left. Nothing was changed."
            ),
            confirmed=on_open,
        )

    before = _summary(existing.values())
    for (held_guest, held_category), hold in existing.items():
        if held_category is not None and held_category not in categories:
            db.session.delete(hold)
        elif held_category is not None:
            hold.count = categories[held_category]
        elif held_guest not in guests:
            db.session.delete(hold)
    for category, count in categories.items():
        if (None, category) not in existing:
            db.session.add(SeatHold(event_id=event.id, category=category, count=count))
    for guest_id in guests:
        if (guest_id, None) not in existing:
            db.session.add(SeatHold(event_id=event.id, guest_id=guest_id, count=1))
    db.session.flush()
    holds = db.session.scalars(sa.select(SeatHold).where(SeatHold.event_id == event.id)).all()
    by_guest = {h.guest_id: h.id for h in holds if h.guest_id is not None}
    for seat in moving:
        seat.hold_id = by_guest[seat.guest_id]
    db.session.flush()
    after = _summary(holds)
    if before != after:
        audit.record(
            "seat.holds_changed",
            actor=actor,
            event_id=event.id,
            holds=[before, after],
        )
    return promote_from_waitlist(event, actor)


def _named_guests(event: Event, wanted: set[int], held_now: set[int]) -> dict[int, Guest]:
    """The guests a hold is wanted for, each checked to be on this event's list; a new hold is
    refused for a guest whose invitation was withdrawn."""
    if not all(isinstance(g, int) and not isinstance(g, bool) for g in wanted):
        raise InvalidAnswer(_l("Choose the guest from this event's list; nothing was changed."))
    found = {
        g.id: g
        for g in db.session.scalars(
            sa.select(Guest)
            .where(Guest.id.in_(list(wanted)), Guest.event_id == event.id)
            .options(selectinload(Guest.seat))
        )
    }
    if len(found) != len(wanted):
        raise InvalidAnswer(_l("A guest chosen is not on this event's list; nothing was changed."))
    for guest_id, guest in found.items():
        if guest_id not in held_now and (guest.is_revoked or guest.is_erased):
            raise InvalidAnswer(
                _l(
                    "%(name)s's invitation was withdrawn: no seat can be held for them. "
                    "Nothing was changed."
                ),
                name=guest.name_en or guest.name_zh,
            )
    return found


def _summary(holds: Iterable[SeatHold]) -> dict[str, int]:
    """The holds, for the audit log: a category's code or "guest:<id>", and its seats."""
    out: dict[str, int] = {}
    for hold in holds:
        key = hold.category.value if hold.category is not None else f"guest:{hold.guest_id}"
        out[key] = hold.count
    return dict(sorted(out.items()))


def _category_label(category: Category) -> str:
    return str(CATEGORY_LABELS[category])
