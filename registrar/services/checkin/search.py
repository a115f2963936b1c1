"""Finding a guest at the door by name, organization or e-mail (a lost badge)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import ERASED_DOMAIN, Category, Channel, Guest, SeatState
from ..guest_search import key_contains, search_key

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
    # Registered at the door, not invited.
    walk_in: bool = False


def search_guests(event_id: int, query: str, limit: int = SEARCH_LIMIT) -> list[FoundGuest]:
    """Guests whose name (either script), organization or e-mail contains the query, whatever
    its spaces, hyphens, case or width (Guest.search_key, through its index)."""
    key = search_key(query[:MAX_QUERY])
    if not key:
        return []
    found = db.session.scalars(
        sa.select(Guest)
        .where(Guest.event_id == event_id, key_contains(key))
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
        walk_in=guest.walk_in,
    )


def search_example(event_id: int) -> tuple[str, str] | None:
    """What the search's hint gives as an example: the start of a name of this event's own
    guest list in each script (the family name first, as in 賴清明 / Lai Ching-Ming), or None
    when no guest has a name in both."""
    name_en, name_zh = db.session.execute(
        sa.select(Guest.name_en, Guest.name_zh)
        .where(
            Guest.event_id == event_id,
            Guest.name_en != "",
            Guest.name_zh != "",
            Guest.revoked_at.is_(None),
            ~Guest.email.endswith("@" + ERASED_DOMAIN),
        )
        .order_by(Guest.id)
        .limit(1)
    ).one_or_none() or ("", "")
    if not (name_en.split() and name_zh.strip()):
        return None
    return name_zh.strip()[0], name_en.split()[0]
