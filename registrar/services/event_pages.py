"""Events as the API lists them: one page at a time, in id order, after a cursor."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..models import Event

MAX_PAGE = 100


@dataclass(frozen=True)
class EventPage:
    items: list[Event]
    # The id the next page starts after; None on the last page.
    next_after: int | None


def page(allowed: list[int] | None, after: int, limit: int) -> EventPage:
    """The events (of `allowed`; None: every event) with an id above `after`, `limit` at most."""
    query = sa.select(Event).where(Event.id > after).order_by(Event.id).limit(limit + 1)
    if allowed is not None:
        query = query.where(Event.id.in_(allowed))
    found = list(db.session.scalars(query))
    more = len(found) > limit
    items = found[:limit]
    return EventPage(items=items, next_after=items[-1].id if more else None)
