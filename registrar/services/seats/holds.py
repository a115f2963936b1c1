"""The seats held for named guests and for categories, as the organizer sets them.

The rules of seats as a whole are in the package's docstring (services/seats/).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ...errors import CapacityTooLow, DomainError, InvalidAnswer
from ...extensions import db
from ...labels import CATEGORY_LABELS
from ...models import Category, Event, Guest, Seat, SeatHold, SeatState
from .. import audit
from ..event_state import require_changeable
from ..locking import lock_event, require_event_lock
from ..seating import plan as seating_plan
from . import sessions
from .counts import _SEATS_OF_HOLD, seat_counts
from .placing import promote_from_waitlist

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
    if (fullest := sessions.fullest(event)) is not None:
        # Per session; the summaries take no hold, so none moves into one.
        moving = []
        on_open = fullest.confirmed - fullest.confirmed_in_holds
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
