"""What a guest asks through their link and an organizer decides: corrections of their name or
organization (name_changes.py) and deputies to come in their place (deputies.py).

A request is decided once: the console posts the version it showed, and a request changed or
decided since is refused (RequestChanged), so a second tab or a double click writes nothing.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ...errors import DomainError, InvalidAnswer, NotFound
from ...extensions import db
from ...models import (
    ChangeRequest,
    Event,
    Guest,
    MessageKind,
    RequestKind,
    RequestState,
    utcnow,
)
from ...text import require_one_line
from .. import audit, outbox
from ..locking import lock_event

__all__ = [
    "MAX_REASON",
    "RequestChanged",
    "decline",
    "locked_request",
    "of_event",
    "page",
    "pending",
    "pending_of",
    "recent",
]

# The longest reason an organizer may give for declining.
MAX_REASON = 500


class RequestChanged(DomainError):
    status = 409
    default_message = _l(
        "This request was changed or decided by someone else after this page was opened. "
        "Nothing was saved; please look at it again."
    )


def pending(event_id: int) -> list[ChangeRequest]:
    """The event's requests awaiting a decision, oldest first."""
    return list(
        db.session.scalars(
            sa.select(ChangeRequest)
            .where(ChangeRequest.event_id == event_id, ChangeRequest.state == RequestState.PENDING)
            .options(joinedload(ChangeRequest.guest))
            .order_by(ChangeRequest.created_at, ChangeRequest.id)
        )
    )


def recent(event_id: int, limit: int = 20) -> list[ChangeRequest]:
    """The event's latest decided requests, newest first."""
    return list(
        db.session.scalars(
            sa.select(ChangeRequest)
            .where(ChangeRequest.event_id == event_id, ChangeRequest.state != RequestState.PENDING)
            .options(joinedload(ChangeRequest.guest), joinedload(ChangeRequest.deputy))
            .order_by(ChangeRequest.decided_at.desc(), ChangeRequest.id.desc())
            .limit(limit)
        )
    )


def page(
    event_id: int, after: int, limit: int, *, decided: bool | None = None
) -> tuple[list[ChangeRequest], bool]:
    """The event's requests by id, the first `limit` after the id `after` (pending ones only,
    decided ones only, or all), and whether more follow."""
    query = sa.select(ChangeRequest).where(
        ChangeRequest.event_id == event_id, ChangeRequest.id > after
    )
    if decided is not None:
        pending_only = ChangeRequest.state == RequestState.PENDING
        query = query.where(sa.not_(pending_only) if decided else pending_only)
    found = list(
        db.session.scalars(
            query.options(joinedload(ChangeRequest.guest), joinedload(ChangeRequest.deputy))
            .order_by(ChangeRequest.id)
            .limit(limit + 1)
        )
    )
    return found[:limit], len(found) > limit


def of_event(event_id: int, request_id: int) -> ChangeRequest:
    """One request of the event (NotFound for another event's)."""
    found = db.session.get(ChangeRequest, request_id)
    if found is None or found.event_id != event_id:
        raise NotFound()
    return found


def is_pending(guest_id: Any, kind: RequestKind) -> sa.Exists:
    """Whether the guest `guest_id` names (a parameter, or the guest column of the statement it
    stands in) has a request of this kind pending, as a column."""
    return sa.exists().where(
        ChangeRequest.guest_id == guest_id,
        ChangeRequest.kind == kind,
        ChangeRequest.state == RequestState.PENDING,
    )


def pending_of(guest: Guest, kind: RequestKind) -> ChangeRequest | None:
    return db.session.scalar(
        sa.select(ChangeRequest).where(
            ChangeRequest.guest_id == guest.id,
            ChangeRequest.kind == kind,
            ChangeRequest.state == RequestState.PENDING,
        )
    )


def locked_request(
    request_id: int, version: int | None, kind: RequestKind | None = None
) -> tuple[Event, ChangeRequest]:
    """The request and its event, the event locked; refused when it is not pending any more
    or not at the version the organizer's page showed."""
    found = db.session.get(ChangeRequest, request_id)
    if found is None or (kind is not None and found.kind != kind):
        raise NotFound()
    event = lock_event(found.event_id)
    db.session.refresh(found)
    if found.state != RequestState.PENDING or version != found.version:
        raise RequestChanged()
    return event, found


def decided(request: ChangeRequest, state: RequestState, actor: str) -> None:
    """The request is approved or declined by `actor`, now; its version moves on, so that a
    page showing the older one decides nothing more."""
    request.state = state
    request.version += 1
    request.decided_by = actor
    request.decided_at = utcnow()


def decline(request_id: int, version: int | None, actor: str, reason: str = "") -> ChangeRequest:
    """The organizer says no: nothing of the guest changes; the guest is told by e-mail, with
    the organizer's reason when one is given (one line, at most MAX_REASON characters)."""
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise InvalidAnswer(_l("A field is longer than %(limit)s characters."), limit=MAX_REASON)
    require_one_line(reason)
    event, found = locked_request(request_id, version)
    decided(found, RequestState.DECLINED, actor)
    audit.record(
        "request.declined",
        actor=actor,
        event_id=event.id,
        guest_id=found.guest_id,
        request=found.id,
        kind=found.kind.value,
        **({"reason": reason} if reason else {}),
    )
    details: dict[str, object] = {"kind": found.kind.value, "request": found.id}
    if reason:
        details["reason"] = reason
    outbox.enqueue(found.guest, MessageKind.REQUEST_DECLINED, actor=actor, details=details)
    return found
