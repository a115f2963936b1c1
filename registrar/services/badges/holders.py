"""Who has a badge, the code its QR code carries, and re-issuing it (which kills the old ones)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ... import tokens
from ...errors import NoBadge, NotFound
from ...extensions import db
from ...models import Event, Guest, Seat, SeatState
from .. import audit


def has_badge(guest: Guest) -> bool:
    """A badge is for a guest with a confirmed seat whose invitation was not withdrawn (and for
    an accompanying person where the event does not seat them: they have no seat)."""
    if guest.is_revoked:
        return False
    seat = guest.seat
    if seat is None:
        return guest.is_companion and not guest.event.companions_take_seats
    return seat.state == SeatState.CONFIRMED


def require_badge(guest: Guest) -> None:
    if not has_badge(guest):
        raise NoBadge()


def badge_code_for(guest: Guest) -> str:
    """The code in the guest's QR code, as the door checks it."""
    require_badge(guest)
    return tokens.badge_code(guest.event_id, guest.id, guest.badge_version)


def guests_with_badges(event: Event) -> list[Guest]:
    """Every guest of the event who has a badge, in alphabetical order, for printing."""
    seated: sa.ColumnElement[bool] = Seat.state == SeatState.CONFIRMED
    if not event.companions_take_seats:
        seated = sa.or_(seated, sa.and_(Guest.principal_id.is_not(None), Seat.id.is_(None)))
    guests = db.session.scalars(
        sa.select(Guest)
        .outerjoin(Seat, Seat.guest_id == Guest.id)
        .where(Guest.event_id == event.id, Guest.revoked_at.is_(None), seated)
        .options(selectinload(Guest.rsvp), selectinload(Guest.seat))
    ).all()
    return sorted(guests, key=lambda g: ((g.name_en or g.name_zh).casefold(), g.id))


def filename(event: Event, guest: Guest | None = None) -> str:
    """The download's name: one guest's badge, or the event's sheet of badges."""
    if guest is None:
        return f"badges-{event.slug}.pdf"
    return f"badge-{event.slug}-{guest.id}.pdf"


def reissue(guest_id: int, actor: str) -> Guest:
    """A new badge for the guest; every earlier one, printed or on a phone, stops working."""
    guest = db.session.get(Guest, guest_id)
    if guest is None:
        raise NotFound()
    require_badge(guest)
    # Counted in the database, so that two organizers pressing at once both bump it.
    guest.badge_version = Guest.badge_version + 1
    db.session.flush()
    audit.record(
        "badge.reissued",
        actor=actor,
        event_id=guest.event_id,
        guest_id=guest.id,
        version=guest.badge_version,
    )
    return guest
