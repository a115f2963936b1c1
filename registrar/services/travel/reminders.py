"""Reminding travelling guests to give their details: an e-mail of its own kind
(MessageKind.TRAVEL_REMINDER), queued through the outbox to those offered travel who have not
given it, and not again to one who has a reminder waiting."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from ...errors import InvalidAnswer
from ...extensions import db
from ...models import Event, Guest, MessageKind, OutboxMessage
from .. import audit, outbox
from . import offered_to
from .board import not_given
from .details import may_change, travel_of

# Why a queued reminder was not sent (mail/campaigns.REASONS says it in words).
TRAVEL_GIVEN = "travel_given"
NOT_OFFERED = "travel_not_offered"
DECLINED = "travel_declined"


def audience(event_id: int) -> list[Guest]:
    """Whom remind() would queue a reminder to: offered travel, no details, not declined,
    none waiting."""
    return [
        guest
        for guest in not_given(event_id)
        if guest.has_address and not outbox.has_open(guest, MessageKind.TRAVEL_REMINDER)
    ]


def remind(event_id: int, actor: str) -> list[OutboxMessage]:
    """Queue a reminder to every guest offered travel who has given no details yet."""
    event = db.session.get_one(Event, event_id)
    if not may_change(event):
        raise InvalidAnswer(
            _l("The event has started or is over; travel details can no longer be given.")
        )
    queued = [
        message
        for guest in audience(event_id)
        if (message := outbox.enqueue(guest, MessageKind.TRAVEL_REMINDER, actor=actor))
    ]
    if queued:
        audit.record("travel.reminders_queued", actor=actor, event_id=event_id, guests=len(queued))
    return queued


def unfit_reason(guest: Guest, now: datetime) -> str | None:
    """Why a travel reminder must no longer go to the guest (mail/render.unfit_reason)."""
    if not offered_to(guest):
        return NOT_OFFERED
    if travel_of(guest.id) is not None:
        return TRAVEL_GIVEN
    if guest.rsvp is not None and not guest.rsvp.attending:
        return DECLINED
    if not may_change(guest.event, now):
        return "event_over"
    return None
