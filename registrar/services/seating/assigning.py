"""Reserved seats given to guests by name: one by hand, or all free ones in precedence order.

A reserved seat goes to a guest with a confirmed seat whose invitation stands; its label is
kept on that seat (`Seat.label`, one guest per label: a unique index besides the event lock).
Every decision is taken under the event lock and audited.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ...errors import CapacityTooLow, DomainError, InvalidAnswer
from ...extensions import db
from ...models import Category, Event, Guest, Seat, SeatState
from .. import audit, precedence
from ..event_state import require_changeable
from ..locking import lock_event
from .plan import plan_of

# Who the one button seats, in precedence order.
FILL_CATEGORIES = (Category.VIP, Category.SPEAKER, Category.MODERATOR)


@dataclass(frozen=True)
class Assigned:
    guest: Guest
    label: str


class SeatTaken(DomainError):
    status = 409


def _name(guest: Guest) -> str:
    return guest.name_en or guest.name_zh


def _seated_guest(event: Event, guest_id: object) -> Guest:
    guest = (
        db.session.get(Guest, guest_id)
        if isinstance(guest_id, int) and not isinstance(guest_id, bool)
        else None
    )
    if guest is None or guest.event_id != event.id or guest.is_erased:
        raise InvalidAnswer(_l("Choose the guest from this event's list; nothing was changed."))
    seat = guest.seat
    if guest.is_revoked or seat is None or seat.state != SeatState.CONFIRMED:
        raise InvalidAnswer(
            _l(
                "%(name)s has no confirmed seat, so no reserved seat can be given to them; "
                "nothing was changed."
            ),
            name=_name(guest),
        )
    return guest


def assign_seat(event_id: int, guest_id: int, label: str, actor: str) -> Assigned:
    """Give the reserved seat `label` to the guest; a seat they had before is freed.

    Refused, with nothing written: a label the plan has no seat of, a seat that is not
    reserved, a guest without a confirmed seat, a seat given to another guest already (two
    organizers at once: the one who came second is told). The same seat again changes nothing.
    """
    event = lock_event(event_id)
    require_changeable(event)
    plan = plan_of(event)
    label = label.strip().upper() if isinstance(label, str) else ""
    seats = {seat.label: seat for _row, row_seats in plan.grid() for seat in row_seats}
    if label not in seats:
        raise InvalidAnswer(
            _l("The seating plan has no seat %(label)s; nothing was changed."), label=label
        )
    if not seats[label].reserved:
        raise InvalidAnswer(
            _l(
                "Seat %(label)s is not a reserved seat: mark it reserved in the plan first. "
                "Nothing was changed."
            ),
            label=label,
        )
    guest = _seated_guest(event, guest_id)
    holder = plan.assigned.get(label)
    if holder is not None and holder.id == guest.id:
        return Assigned(guest, label)
    if holder is not None:
        raise SeatTaken(
            _l("Seat %(label)s is given to %(name)s already; free it first. Nothing was changed."),
            label=label,
            name=_name(holder),
        )
    seat = guest.seat
    assert seat is not None  # checked by _seated_guest
    before = seat.label
    seat.label = label
    db.session.flush()
    audit.record(
        "seating.assigned",
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        seat=label,
        **({"from_seat": before} if before else {}),
    )
    return Assigned(guest, label)


def unassign_seat(event_id: int, label: str, guest_id: int, actor: str) -> Guest:
    """Free the reserved seat `label`, given to the guest the page showed in it (`guest_id`);
    when someone else holds it now, or nobody, nothing changes and the organizer is told."""
    event = lock_event(event_id)
    require_changeable(event)
    label = label.strip().upper() if isinstance(label, str) else ""
    seat = db.session.scalar(
        sa.select(Seat)
        .where(Seat.event_id == event.id, Seat.label == label)
        .options(selectinload(Seat.guest))
    )
    if seat is None or seat.guest_id != guest_id:
        raise SeatTaken(
            _l(
                "Seat %(label)s is not given to this guest any more; nothing was changed. "
                "The page shows it as it is now."
            ),
            label=label,
        )
    seat.label = None
    db.session.flush()
    audit.record(
        "seating.freed", actor=actor, event_id=event.id, guest_id=seat.guest_id, seat=label
    )
    return seat.guest


def seatable_guests(event: Event) -> list[Guest]:
    """The guests a reserved seat may be given to: a confirmed seat, the invitation standing;
    in precedence order."""
    return list(
        db.session.scalars(
            sa.select(Guest)
            .join(Seat, Seat.guest_id == Guest.id)
            .where(
                Guest.event_id == event.id,
                Guest.revoked_at.is_(None),
                ~Guest.is_erased,
                Seat.state == SeatState.CONFIRMED,
            )
            .order_by(*precedence.order_by())
            .options(selectinload(Guest.seat))
        )
    )


def fill_in_precedence(event_id: int, actor: str) -> list[Assigned]:
    """Give the free reserved seats, in plan order (front row first), to the VIPs, speakers
    and moderators with a confirmed seat and no reserved seat yet, by precedence rank then
    name. Seats given by hand stay as they are. Returns what was given."""
    event = lock_event(event_id)
    require_changeable(event)
    plan = plan_of(event)
    if not plan.rows:
        raise InvalidAnswer(
            _l("The event has no seating plan yet: add its rows first. Nothing was changed.")
        )
    waiting = [
        guest
        for guest in seatable_guests(event)
        if guest.category in FILL_CATEGORIES and guest.seat is not None and not guest.seat.label
    ]
    free = plan.free_reserved()
    if waiting and not free:
        raise CapacityTooLow(
            _l(
                "Every reserved seat is given already, so nobody was seated. Reserve more "
                "seats in the plan first."
            )
        )
    given = []
    for guest, label in zip(waiting, free, strict=False):
        seat = guest.seat
        assert seat is not None
        seat.label = label
        given.append(Assigned(guest, label))
    db.session.flush()
    for done in given:
        audit.record(
            "seating.assigned",
            actor=actor,
            event_id=event.id,
            guest_id=done.guest.id,
            seat=done.label,
            filled=True,
        )
    return given
