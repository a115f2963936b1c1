"""What may still change about an event in each of its states: one rule for every editor."""

from __future__ import annotations

from ..errors import EventArchived, EventCancelled
from ..models import Event, EventState


def require_changeable(event: Event) -> None:
    """Refuse a change to the event, its programme or its capacity once it is archived (read-only)
    or cancelled (its guests were told; it can still be archived or copied)."""
    if event.state == EventState.ARCHIVED:
        raise EventArchived()
    if event.state == EventState.CANCELLED:
        raise EventCancelled()
