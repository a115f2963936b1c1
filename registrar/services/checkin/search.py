"""Finding a guest at the door by name, organization or e-mail (a lost badge)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import Category, Channel, Guest, SeatState

# A search reads this much of what was typed, and answers with at most this many guests.
MAX_QUERY = 100
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class FoundGuest:
    """A guest as the door's search lists them: who, and whether they may come in."""

    id: int
    name_en: str
    name_zh: str
    organization: str
    category: Category
    channel: Channel | None
    seat: SeatState | None
    # False: invited, never answered (not "declined": the door says "no answer yet").
    answered: bool
    revoked: bool
    inside: bool


def search_guests(event_id: int, query: str, limit: int = SEARCH_LIMIT) -> list[FoundGuest]:
    """Guests whose name (either script), organization or e-mail contains the query."""
    query = query[:MAX_QUERY].strip()
    if not query:
        return []
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    fields = (Guest.name_en, Guest.name_zh, Guest.organization, Guest.email)
    found = db.session.scalars(
        sa.select(Guest)
        .where(
            Guest.event_id == event_id,
            sa.or_(*(f.ilike(pattern, escape="\\") for f in fields)),
        )
        .order_by(Guest.name_en, Guest.name_zh)
        .limit(limit)
        .options(selectinload(Guest.rsvp), selectinload(Guest.seat), selectinload(Guest.check_in))
    )
    return [_found(guest) for guest in found]


def _found(guest: Guest) -> FoundGuest:
    answer, seat, presence = guest.rsvp, guest.seat, guest.check_in
    return FoundGuest(
        id=guest.id,
        name_en=guest.name_en,
        name_zh=guest.name_zh,
        organization=guest.organization,
        category=guest.category,
        channel=answer.channel if answer else None,
        seat=seat.state if seat else None,
        answered=answer is not None,
        revoked=guest.is_revoked,
        inside=bool(presence and presence.inside),
    )
