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
    Language,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    Rsvp,
    Seat,
    SeatState,
    utcnow,
)
from ..services import audit, notices, outbox, rsvp
from ..services.guests.actions import link_offer
from ..services.outbox import OPEN, TO_GUESTS, enqueue, enqueue_test, has_open
from ..services.travel import reminders
from .previews import can_show, details_for
from .render import unfit_reason

# Why a message was not sent: the code is stored, the sentence shown in the console.
REASONS = {
    "revoked": _l("The invitation was revoked."),
    "seat_changed": _l("The guest's seat or answer changed, so the message no longer fitted."),
    "answered": _l("The guest answered before it was sent."),
    "replies_closed": _l("The reply deadline had passed."),
    "event_over": _l("The event was over."),
    "superseded": _l("A newer message about the seat replaced it."),
    "sent_deputy": _l("The guest sent a deputy, who holds the invitation now."),
    reminders.TRAVEL_GIVEN: _l("The guest gave their travel details before it was sent."),
    reminders.NOT_OFFERED: _l("Travel is no longer offered to the guest."),
    reminders.DECLINED: _l("The guest declined the invitation, so no travel details are needed."),
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
        TO_GUESTS,
    )


def _not_answered(event: Event) -> sa.Select[Guest]:
    """The event's guests with no answer and no invitation waiting to go out, by id."""
    return (
        sa.select(Guest)
        .outerjoin(Rsvp, Rsvp.guest_id == Guest.id)
        .where(
            Guest.event_id == event.id,
            Guest.revoked_at.is_(None),
            Rsvp.id.is_(None),
            Guest.id.not_in(_guests_with_open(event, MessageKind.INVITATION)),
        )
        .order_by(Guest.id)
    )


def uninvited_guests(event: Event) -> list[Guest]:
    """Guests who have not answered, have not been sent an invitation and have none waiting
    to go out: whom "send invitations to all" means (a walk-in, registered at the door, is
    never one)."""
    query = _not_answered(event).where(Guest.sent_at.is_(None), Guest.walk_in.is_(False))
    return list(db.session.scalars(query))


def invitable_guests(event: Event) -> list[Guest]:
    """Guests an invitation may go to when chosen: every guest who has not answered (an
    invitation asks for an answer), the ones invited before too, none with one waiting."""
    return list(db.session.scalars(_not_answered(event)))


def _queued_since(event: Event, kind: MessageKind, since: datetime | None) -> set[int]:
    """The guests a message of this kind was queued to at or after `since` (the moment the
    organizer was shown what a confirmation would send): a second press sends nothing twice."""
    if since is None:
        return set()
    return set(
        db.session.scalars(
            sa.select(OutboxMessage.guest_id).where(
                OutboxMessage.event_id == event.id,
                OutboxMessage.kind == kind,
                OutboxMessage.created_at >= since,
                TO_GUESTS,
            )
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
                # Accompanying persons get no e-mail: their guest does.
                Guest.principal_id.is_(None),
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


def invitation_audience(
    event: Event, guest_ids: list[int] | None = None, *, since: datetime | None = None
) -> list[Guest]:
    """Whom send_invitations() would queue an invitation to (see there)."""
    if guest_ids is None:
        guests = uninvited_guests(event)
    else:
        guests = [
            guest
            for guest in _selected(event, guest_ids)
            if not guest.is_revoked
            and guest.rsvp is None
            and not has_open(guest, MessageKind.INVITATION)
        ]
    again = _queued_since(event, MessageKind.INVITATION, since)
    return [guest for guest in guests if guest.id not in again]


def send_invitations(
    event: Event,
    actor: str,
    guest_ids: list[int] | None = None,
    *,
    since: datetime | None = None,
) -> list[OutboxMessage]:
    """Queue invitations: to every guest not invited yet, or to the guests chosen.

    A chosen guest who was invited before is invited again (with the current link); one whose
    invitation is still waiting to go out, or was queued at or after `since`, is not queued
    twice; one who has answered is never asked to answer.
    """
    if event.state != EventState.OPEN:
        raise InvalidAnswer(
            _l("Invitations go out once the event is open for replies: open it first.")
        )
    if not rsvp.is_open(event):
        raise InvalidAnswer(_l("The reply deadline has passed; invitations can no longer be sent."))
    guests = invitation_audience(event, guest_ids, since=since)
    queued = _queue(guests, MessageKind.INVITATION, actor)
    if queued:
        audit.record("mail.invitations_queued", actor=actor, event_id=event.id, guests=len(queued))
    return queued


def send_link(guest: Guest, actor: str) -> OutboxMessage | None:
    """Queue the message that carries the guest's current link (guests.actions.link_message).

    To a guest who has not answered, the invitation (send_invitations' rules); to one who has,
    the message about their answer again. None when that message is already waiting to go out.
    """
    offer = link_offer(guest)
    if not offer.can_send:
        if offer.waiting:
            return None
        raise InvalidAnswer(offer.why_not)
    if offer.kind == MessageKind.INVITATION:
        queued = send_invitations(guest.event, actor, [guest.id])
        return queued[0] if queued else None
    message = enqueue(guest, offer.kind, actor=actor)
    if message is not None:
        audit.record(
            "mail.link_queued",
            actor=actor,
            event_id=guest.event_id,
            guest_id=guest.id,
            kind=offer.kind.value,
        )
    return message


def unanswered_audience(
    event: Event, guest_ids: list[int] | None = None, *, since: datetime | None = None
) -> list[Guest]:
    """Whom remind_unanswered() would queue a reminder to (see there)."""
    candidates = unanswered_guests(event)
    if guest_ids is not None:
        chosen = {guest.id for guest in _selected(event, guest_ids)}
        candidates = [guest for guest in candidates if guest.id in chosen]
    again = _queued_since(event, MessageKind.REMINDER_UNANSWERED, since)
    return [
        g
        for g in candidates
        if not has_open(g, MessageKind.REMINDER_UNANSWERED) and g.id not in again
    ]


def remind_unanswered(
    event: Event,
    actor: str,
    guest_ids: list[int] | None = None,
    send_at: datetime | None = None,
    *,
    since: datetime | None = None,
) -> list[OutboxMessage]:
    """Queue a reminder to reply: to every invited guest without an answer, or those chosen;
    none to a guest who has one waiting, or one queued at or after `since`."""
    if not rsvp.is_open(event):
        if event.state != EventState.OPEN:
            raise rsvp.why_closed(event)
        raise InvalidAnswer(_l("The reply deadline has passed; there is nothing to remind of."))
    if send_at is not None and send_at > event.rsvp_deadline:
        raise InvalidAnswer(_l("A reminder to reply must go out before the reply deadline."))
    guests = unanswered_audience(event, guest_ids, since=since)
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


def confirmed_audience(event: Event) -> list[Guest]:
    """Whom remind_confirmed() would queue the reminder to: confirmed guests without it."""
    statuses = (*OPEN, MessageStatus.SENT)
    return [
        g
        for g in confirmed_guests(event)
        if not has_open(g, MessageKind.REMINDER_CONFIRMED, statuses)
    ]


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
    guests = confirmed_audience(event)
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
            .where(OutboxMessage.guest_id == guest.id, TO_GUESTS)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        )
    )


def recent_messages(event: Event, limit: int = 50) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.event_id == event.id, TO_GUESTS)
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def messages_page(
    event: Event,
    after: int,
    limit: int,
    *,
    kind: MessageKind | None = None,
    status: MessageStatus | None = None,
    guest_id: int | None = None,
) -> tuple[list[OutboxMessage], bool]:
    """The event's messages to guests (tests left out) by id, the first `limit` after the id
    `after`, of one kind, delivery state or guest when asked; and whether more follow."""
    query = sa.select(OutboxMessage).where(
        OutboxMessage.event_id == event.id, OutboxMessage.id > after, TO_GUESTS
    )
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    if guest_id is not None:
        query = query.where(OutboxMessage.guest_id == guest_id)
    found = list(db.session.scalars(query.order_by(OutboxMessage.id).limit(limit + 1)))
    return found[:limit], len(found) > limit


def status_counts(event: Event) -> dict[MessageStatus, int]:
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count())
        .where(OutboxMessage.event_id == event.id, TO_GUESTS)
        .group_by(OutboxMessage.status)
    ).all()
    counts = {status: 0 for status in MessageStatus}
    counts.update({MessageStatus(status): n for status, n in rows})
    return counts


# -- tests an organizer sends to their own address ---------------------------------------------

# Between two tests of one organizer (a double press sends one), and at most so many an hour.
TEST_PAUSE = timedelta(seconds=20)
TESTS_PER_HOUR = 30


def send_test(
    event: Event,
    guest_id: int,
    kind: MessageKind,
    language: Language,
    *,
    to_address: str,
    actor: str,
    now: datetime | None = None,
) -> OutboxMessage:
    """Queue a test of `kind` in `language`, as the guest would get it, to the organizer's
    own address. It changes nothing about the guest and is not counted as the guest's."""
    now = now or utcnow()
    (guest,) = _selected(event, [guest_id])
    if not can_show(guest, kind):
        raise InvalidAnswer(
            _l("This message carries the badge: choose a guest with a confirmed seat.")
        )
    if not to_address:
        raise InvalidAnswer(_l("Your account has no e-mail address to send a test to."))
    recent = list(
        db.session.scalars(
            sa.select(OutboxMessage.created_at).where(
                OutboxMessage.is_test.is_(True),
                OutboxMessage.actor == actor,
                OutboxMessage.created_at >= now - timedelta(hours=1),
            )
        )
    )
    if any(moment >= now - TEST_PAUSE for moment in recent):
        raise InvalidAnswer(
            _l("A test was queued a moment ago; wait a few seconds before sending another.")
        )
    if len(recent) >= TESTS_PER_HOUR:
        raise InvalidAnswer(
            _l("You have sent %(n)s tests in the last hour; please wait before sending more."),
            n=TESTS_PER_HOUR,
        )
    message = enqueue_test(
        guest,
        kind,
        language,
        to_address=to_address,
        actor=actor,
        details=details_for(event, kind),
        now=now,
    )
    audit.record(
        "mail.test_queued",
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        kind=kind.value,
        language=language.value,
        to=to_address,
    )
    return message


def recent_tests(event: Event, actor: str, limit: int = 10) -> list[OutboxMessage]:
    """The organizer's latest tests of this event, newest first."""
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(
                OutboxMessage.event_id == event.id,
                OutboxMessage.is_test.is_(True),
                OutboxMessage.actor == actor,
            )
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )
