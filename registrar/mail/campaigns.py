"""The organizer's e-mail campaigns: who is still to be invited or reminded, queueing
invitations and reminders, sending a message again, and the outbox as the console lists it.

Each function runs in the caller's transaction (flushes, never commits).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import InvalidAnswer, NotFound
from ..extensions import db
from ..models import (
    Event,
    EventState,
    Guest,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    Rsvp,
    Seat,
    SeatState,
    utcnow,
)
from ..services import audit, notices, outbox, rsvp
from ..services.outbox import OPEN, enqueue, has_open
from .render import unfit_reason

# Why a message was not sent: the code is stored, the sentence shown in the console.
REASONS = {
    "revoked": _l("The invitation was revoked."),
    "seat_changed": _l("The guest's seat or answer changed, so the message no longer fitted."),
    "answered": _l("The guest answered before it was sent."),
    "replies_closed": _l("The reply deadline had passed."),
    "event_over": _l("The event was over."),
    "superseded": _l("A newer message about the seat replaced it."),
    notices.NEWER_DETAILS: _l("A newer notice of the changed details replaced it."),
    notices.EVENT_CANCELLED: _l("The event was cancelled."),
    outbox.UNRENDERABLE: _l(
        "The message could not be put together from what is stored; correct the guest's "
        "details, then send it again."
    ),
}


def _guests_with_open(event: Event, kind: MessageKind) -> sa.Select[int]:
    return sa.select(OutboxMessage.guest_id).where(
        OutboxMessage.event_id == event.id,
        OutboxMessage.kind == kind,
        OutboxMessage.status.in_(OPEN),
    )


def uninvited_guests(event: Event) -> list[Guest]:
    """Guests who have not been sent an invitation and have none waiting to go out (a walk-in,
    registered at the door, is never one)."""
    return list(
        db.session.scalars(
            sa.select(Guest)
            .where(
                Guest.event_id == event.id,
                Guest.revoked_at.is_(None),
                Guest.sent_at.is_(None),
                Guest.walk_in.is_(False),
                Guest.id.not_in(_guests_with_open(event, MessageKind.INVITATION)),
            )
            .order_by(Guest.id)
        )
    )


def unanswered_guests(event: Event) -> list[Guest]:
    """Invited guests (the invitation went out) who have not answered yet."""
    return list(
        db.session.scalars(
            sa.select(Guest)
            .outerjoin(Rsvp, Rsvp.guest_id == Guest.id)
            .where(
                Guest.event_id == event.id,
                Guest.revoked_at.is_(None),
                Guest.sent_at.is_not(None),
                Rsvp.id.is_(None),
            )
            .order_by(Guest.id)
        )
    )


def confirmed_guests(event: Event) -> list[Guest]:
    """Guests holding a confirmed seat."""
    return list(
        db.session.scalars(
            sa.select(Guest)
            .join(Seat, Seat.guest_id == Guest.id)
            .where(
                Guest.event_id == event.id,
                Guest.revoked_at.is_(None),
                Seat.state == SeatState.CONFIRMED,
            )
            .order_by(Guest.id)
        )
    )


def _selected(event: Event, guest_ids: list[int]) -> list[Guest]:
    guests = db.session.scalars(
        sa.select(Guest).where(Guest.event_id == event.id, Guest.id.in_(guest_ids))
    ).all()
    if len(guests) != len(set(guest_ids)):
        raise NotFound(_l("A selected guest is not on this event's guest list."))
    return sorted(guests, key=lambda guest: guest.id)


def _queue(
    guests: list[Guest], kind: MessageKind, actor: str, send_at: datetime | None = None
) -> list[OutboxMessage]:
    """Queue one message to each guest; the guests here are never revoked, so none is left out."""
    queued = [enqueue(guest, kind, actor=actor, send_at=send_at) for guest in guests]
    return [message for message in queued if message is not None]


def send_invitations(
    event: Event, actor: str, guest_ids: list[int] | None = None
) -> list[OutboxMessage]:
    """Queue invitations: to every guest not invited yet, or to the guests chosen.

    A chosen guest who was invited before is invited again (with the current link); one whose
    invitation is still waiting to go out is not queued twice.
    """
    if event.state != EventState.OPEN:
        raise InvalidAnswer(
            _l("Invitations go out once the event is open for replies: open it first.")
        )
    if not rsvp.is_open(event):
        raise InvalidAnswer(_l("The reply deadline has passed; invitations can no longer be sent."))
    if guest_ids is None:
        guests = uninvited_guests(event)
    else:
        guests = [
            guest
            for guest in _selected(event, guest_ids)
            if not guest.is_revoked and not has_open(guest, MessageKind.INVITATION)
        ]
    queued = _queue(guests, MessageKind.INVITATION, actor)
    if queued:
        audit.record("mail.invitations_queued", actor=actor, event_id=event.id, guests=len(queued))
    return queued


def remind_unanswered(
    event: Event,
    actor: str,
    guest_ids: list[int] | None = None,
    send_at: datetime | None = None,
) -> list[OutboxMessage]:
    """Queue a reminder to reply: to every invited guest without an answer, or those chosen."""
    if not rsvp.is_open(event):
        if event.state != EventState.OPEN:
            raise rsvp.why_closed(event)
        raise InvalidAnswer(_l("The reply deadline has passed; there is nothing to remind of."))
    if send_at is not None and send_at > event.rsvp_deadline:
        raise InvalidAnswer(_l("A reminder to reply must go out before the reply deadline."))
    candidates = unanswered_guests(event)
    if guest_ids is not None:
        chosen = {guest.id for guest in _selected(event, guest_ids)}
        candidates = [guest for guest in candidates if guest.id in chosen]
    guests = [g for g in candidates if not has_open(g, MessageKind.REMINDER_UNANSWERED)]
    queued = _queue(guests, MessageKind.REMINDER_UNANSWERED, actor, send_at)
    if queued:
        audit.record(
            "mail.reminders_queued",
            actor=actor,
            event_id=event.id,
            kind=MessageKind.REMINDER_UNANSWERED.value,
            guests=len(queued),
            send_at=send_at.isoformat() if send_at else None,
        )
    return queued


def day_before(event: Event) -> datetime:
    """The default moment of the reminder to confirmed guests: 10:00 on the day before."""
    zone = ZoneInfo(event.timezone)
    local = event.starts_at.astimezone(zone) - timedelta(days=1)
    return local.replace(hour=10, minute=0, second=0, microsecond=0)


def remind_confirmed(
    event: Event, actor: str, send_at: datetime | None = None
) -> list[OutboxMessage]:
    """Queue the reminder with venue, doors-open time and badge to every confirmed guest.

    A guest who has this reminder already (sent or waiting) does not get it twice.
    """
    if utcnow() >= event.ends_at:
        raise InvalidAnswer(_l("The event is over."))
    if send_at is not None and send_at >= event.starts_at:
        raise InvalidAnswer(_l("The reminder must go out before the event starts."))
    statuses = (*OPEN, MessageStatus.SENT)
    guests = [
        g
        for g in confirmed_guests(event)
        if not has_open(g, MessageKind.REMINDER_CONFIRMED, statuses)
    ]
    queued = _queue(guests, MessageKind.REMINDER_CONFIRMED, actor, send_at)
    if queued:
        audit.record(
            "mail.reminders_queued",
            actor=actor,
            event_id=event.id,
            kind=MessageKind.REMINDER_CONFIRMED.value,
            guests=len(queued),
            send_at=send_at.isoformat() if send_at else None,
        )
    return queued


def resend(message_id: int, actor: str) -> OutboxMessage:
    """Queue the message again, as a new message rendered from the guest's state now."""
    original = db.session.get(OutboxMessage, message_id)
    if original is None:
        raise NotFound()
    guest = original.guest
    reason = unfit_reason(original.kind, guest, utcnow(), original.details)
    if reason is not None:
        raise InvalidAnswer(_l("Not sent again: %(reason)s"), reason=REASONS[reason])
    if has_open(guest, original.kind, (MessageStatus.QUEUED,)):
        raise InvalidAnswer(_l("This message is already waiting to go out."))
    message = enqueue(guest, original.kind, actor=actor, details=original.details)
    assert message is not None, "a revoked guest's message is unfit, refused above"
    audit.record(
        "mail.resent",
        actor=actor,
        event_id=guest.event_id,
        guest_id=guest.id,
        kind=original.kind.value,
        original=original.id,
    )
    return message


def can_resend(message: OutboxMessage, now: datetime | None = None) -> bool:
    """Whether the console offers to send this message again now."""
    finished = message.status in (MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.CANCELLED)
    return (
        finished
        and unfit_reason(message.kind, message.guest, now or utcnow(), message.details) is None
    )


def messages_of(guest: Guest) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.guest_id == guest.id)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        )
    )


def recent_messages(event: Event, limit: int = 50) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.event_id == event.id)
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def status_counts(event: Event) -> dict[MessageStatus, int]:
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count())
        .where(OutboxMessage.event_id == event.id)
        .group_by(OutboxMessage.status)
    ).all()
    counts = {status: 0 for status in MessageStatus}
    counts.update({MessageStatus(status): n for status, n in rows})
    return counts
