"""Deputies: the person a guest who cannot come sends in their place, valid only once an
organizer approves (or names them directly).

On approval, under the event lock: the guest's invitation ends as "sent a deputy" (its links
and badge die, printed copies included); the deputy becomes a guest of the same category with
their own link, in their own language, and takes the guest's seat as it is, past the waitlist;
the guest is told, and the deputy gets their confirmation (with badge and calendar entry) or,
when there was no seat to pass, their invitation. Categories the event names may not send
deputies through the guest's link (an organizer may still name one).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...errors import GuestErased, InvalidAnswer, InvitationInactive
from ...extensions import db
from ...models import (
    ChangeRequest,
    Event,
    Guest,
    Language,
    MessageKind,
    RequestKind,
    RequestState,
    Rsvp,
    SeatState,
    utcnow,
)
from ...text import require_one_line
from .. import audit, companions, invitations, outbox, rsvp, seats
from ..locking import lock_guest_event
from . import decided, locked_request, pending_of

# The longest accepted text per field (the columns' sizes).
MAX_LENGTHS = {"name_en": 200, "name_zh": 200, "title": 300, "organization": 300, "email": 254}


@dataclass(frozen=True)
class DeputyDetails:
    name_en: str = ""
    name_zh: str = ""
    title: str = ""
    organization: str = ""
    email: str = ""
    language: Language = Language.EN


class DeputyRefused(InvalidAnswer):
    status = 409


def checked(details: DeputyDetails) -> DeputyDetails:
    """The details trimmed, each within its length and on one line, with a name and a valid
    address; what needs nothing from the database."""
    texts = [f.name for f in fields(details) if f.name != "language"]
    details = replace(details, **{name: getattr(details, name).strip() for name in texts})
    for name, limit in MAX_LENGTHS.items():
        if len(getattr(details, name)) > limit:
            raise InvalidAnswer(_l("A field is longer than %(limit)s characters."), limit=limit)
    require_one_line(details.name_en, details.name_zh, details.title, details.organization)
    invitations.require_name(details.name_en, details.name_zh)
    if not details.email:
        raise InvalidAnswer(
            _l("Please give the deputy's e-mail address: their invitation goes to it.")
        )
    return replace(details, email=invitations.normalize_email(details.email))


def may_send_deputy(event: Event, guest: Guest) -> bool:
    """Whether the guest's link offers to send a deputy (replies open, category allowed)."""
    return (
        rsvp.is_open(event)
        and guest.category not in event.categories_without_deputies
        and not guest.is_revoked
    )


def propose(guest_id: int, token_version: int, details: DeputyDetails, actor: str) -> ChangeRequest:
    """The guest, through their link, proposes a deputy for an organizer to approve."""
    details = checked(details)
    event, guest = lock_guest_event(guest_id)
    if guest.is_revoked or guest.token_version != token_version:
        raise InvitationInactive(event=event)
    if not rsvp.is_open(event):
        raise rsvp.why_closed(event)
    if guest.category in event.categories_without_deputies:
        raise DeputyRefused(_l("This event does not take deputies for your category of guest."))
    if pending_of(guest, RequestKind.DEPUTY) is not None:
        raise DeputyRefused(
            _l("You have already proposed a deputy; the organizers have not decided yet.")
        )
    _require_address_free(event, details.email)
    request = _deputy_request(event, guest, details, actor)
    audit.record(
        "request.deputy", actor=actor, event_id=event.id, guest_id=guest.id, request=request.id
    )
    return request


def approve(request_id: int, version: int | None, actor: str) -> Guest:
    """The organizer approves the deputy; returns the deputy, now a guest."""
    event, request = locked_request(request_id, version, RequestKind.DEPUTY)
    guest = request.guest
    db.session.refresh(guest)
    deputy = _hand_over(event, guest, request, actor)
    audit.record(
        "request.approved",
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        request=request.id,
        kind=request.kind.value,
        deputy=deputy.id,
    )
    return deputy


def name_directly(guest_id: int, details: DeputyDetails, actor: str) -> Guest:
    """The organizer names the guest's deputy, approved as it is made; a deputy the guest
    proposed and nobody decided yet is replaced by this one."""
    details = checked(details)
    event, guest = lock_guest_event(guest_id)
    waiting = pending_of(guest, RequestKind.DEPUTY)
    if waiting is not None:
        waiting.state = RequestState.SUPERSEDED
        waiting.version += 1
    request = _deputy_request(event, guest, details, actor)
    deputy = _hand_over(event, guest, request, actor)
    audit.record(
        "deputy.named",
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        request=request.id,
        deputy=deputy.id,
    )
    return deputy


def _deputy_request(
    event: Event, guest: Guest, details: DeputyDetails, actor: str
) -> ChangeRequest:
    """A new deputy request of the guest, flushed (its id is audited)."""
    request = ChangeRequest(
        event_id=event.id,
        guest_id=guest.id,
        kind=RequestKind.DEPUTY,
        requested_by=actor,
        created_at=utcnow(),
        previous={"name_en": guest.name_en, "name_zh": guest.name_zh},
        **{f.name: getattr(details, f.name) for f in fields(details)},
    )
    db.session.add(request)
    db.session.flush()
    return request


def _require_address_free(event: Event, email: str) -> None:
    taken = db.session.scalar(
        sa.select(Guest.id).where(Guest.event_id == event.id, Guest.email == email)
    )
    if taken is not None:
        raise DeputyRefused(
            _l("%(email)s is already a guest of this event, so cannot come as a deputy."),
            email=email,
        )


def _hand_over(event: Event, guest: Guest, request: ChangeRequest, actor: str) -> Guest:
    """Everything approval does, under the event lock held by the caller."""
    if guest.is_erased:
        raise GuestErased()
    if guest.is_revoked:
        raise DeputyRefused(
            _l("This guest's invitation no longer stands, so they cannot send a deputy.")
        )
    _require_address_free(event, request.email)
    now = utcnow()
    deputy = invitations.add_guest(
        event,
        email=request.email,
        name_en=request.name_en,
        name_zh=request.name_zh,
        organization=request.organization,
        title=request.title,
        category=guest.category,
        language=request.language,
        actor=actor,
    )
    deputy.deputy_for_id = guest.id
    audit.record(
        "deputy.added", actor=actor, event_id=event.id, guest_id=deputy.id, deputy_for=guest.id
    )
    answer = guest.rsvp
    passed = None
    if answer is not None and answer.attending and guest.seat is not None:
        # The deputy comes on the guest's answer: attending, on the same channel, until they
        # change it through their own link.
        deputy.rsvp = Rsvp(attending=True, channel=answer.channel, answered_at=now, updated_at=now)
        db.session.flush()
        passed = seats.pass_seat(event, guest, deputy, actor)
    # The guest's invitation ends: links and badge die, queued messages are dropped, and the
    # guest is told (before the invitation ends, for nothing is queued to an ended one).
    outbox.cancel(guest, "sent_deputy")
    deputy_name = {"name_en": deputy.name_en, "name_zh": deputy.name_zh}
    outbox.enqueue(guest, MessageKind.DEPUTY_APPROVED, actor=actor, details={"deputy": deputy_name})
    guest.token_version += 1
    guest.badge_version += 1
    guest.revoked_at = now
    guest.sent_deputy_at = now
    # Those who came with the guest do not come with the deputy: the deputy may name their own.
    companions.dismiss_all(event, guest, actor, "sent_deputy")
    audit.record("deputy.sent", actor=actor, event_id=event.id, guest_id=guest.id, deputy=deputy.id)
    for_whom = {"name_en": guest.name_en, "name_zh": guest.name_zh}
    if passed is None:
        kind = MessageKind.INVITATION
    elif passed.state == SeatState.CONFIRMED:
        kind = MessageKind.CONFIRMATION
    else:
        kind = MessageKind.WAITLISTED
    outbox.enqueue(deputy, kind, actor=actor, details={"deputy_for": for_whom})
    # What else the guest asked and nobody decided (a correction of their name) ends with the
    # invitation.
    for other in db.session.scalars(
        sa.select(ChangeRequest).where(
            ChangeRequest.guest_id == guest.id,
            ChangeRequest.state == RequestState.PENDING,
            ChangeRequest.id != request.id,
        )
    ):
        other.state = RequestState.SUPERSEDED
        other.version += 1
    decided(request, RequestState.APPROVED, actor)
    request.deputy_id = deputy.id
    db.session.flush()
    return deputy
