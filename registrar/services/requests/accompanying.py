"""Accompanying persons a guest names through their link: each waits as a request for an
organizer's approval (a forwarded link must not be enough to bring someone in), within the
event's limit counting the ones waiting; approval adds them as an organizer does
(services/companions.py: limit, seat under the event lock)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...errors import InvitationInactive
from ...extensions import db
from ...models import ChangeRequest, CompanionRole, Event, Guest, RequestKind, RequestState, utcnow
from .. import audit, companions, rsvp
from ..locking import lock_guest_event
from . import decided, locked_request


def may_name(event: Event, guest: Guest) -> bool:
    """Whether the guest's link offers to name accompanying persons: attending, replies open,
    and a limit for their category."""
    return (
        not guest.is_revoked
        and not guest.is_companion
        and guest.rsvp is not None
        and guest.rsvp.attending
        and rsvp.is_open(event)
        and companions.limit_for(event, guest) > 0
    )


def requested_by(guest: Guest) -> list[ChangeRequest]:
    """The accompanying persons the guest named and nobody decided yet."""
    return list(
        db.session.scalars(
            sa.select(ChangeRequest)
            .where(
                ChangeRequest.guest_id == guest.id,
                ChangeRequest.kind == RequestKind.COMPANION,
                ChangeRequest.state == RequestState.PENDING,
            )
            .order_by(ChangeRequest.id)
        )
    )


def propose(
    guest_id: int, token_version: int, details: companions.CompanionDetails, actor: str
) -> ChangeRequest:
    """The guest names an accompanying person through their link: it waits for an organizer's
    approval (a forwarded link must not be enough to bring someone in), within the limit
    counting the ones waiting."""
    details = companions.checked(details)
    event, guest = lock_guest_event(guest_id)
    if guest.is_revoked or guest.token_version != token_version:
        raise InvitationInactive(event=event)
    if not rsvp.is_open(event):
        raise rsvp.why_closed(event)
    companions.require_may_bring(event, guest)
    waiting = requested_by(guest)
    if any((r.name_en, r.name_zh) == (details.name_en, details.name_zh) for r in waiting):
        raise companions.CompanionRefused(
            _l("This person is named already as accompanying this guest.")
        )
    companions.require_room(event, guest, details, waiting=len(waiting))
    request = ChangeRequest(
        event_id=event.id,
        guest_id=guest.id,
        kind=RequestKind.COMPANION,
        requested_by=actor,
        created_at=utcnow(),
        name_en=details.name_en,
        name_zh=details.name_zh,
        companion_role=details.role,
        previous={},
    )
    db.session.add(request)
    db.session.flush()
    audit.record(
        "request.companion", actor=actor, event_id=event.id, guest_id=guest.id, request=request.id
    )
    return request


def approve(request_id: int, version: int | None, actor: str) -> Guest:
    """The organizer approves an accompanying person the guest named: added as an organizer
    adds one (limit, seat), at the version the organizer's page showed."""
    event, request = locked_request(request_id, version, RequestKind.COMPANION)
    principal = request.guest
    db.session.refresh(principal)
    details = companions.CompanionDetails(
        role=request.companion_role or CompanionRole.OTHER,
        name_en=request.name_en,
        name_zh=request.name_zh,
    )
    companion = companions.add_locked(event, principal, details, actor)
    decided(request, RequestState.APPROVED, actor)
    audit.record(
        "request.approved",
        actor=actor,
        event_id=event.id,
        guest_id=principal.id,
        request=request.id,
        kind=request.kind.value,
        companion=companion.id,
    )
    return companion
