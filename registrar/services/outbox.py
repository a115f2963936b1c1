"""The outbox: messages to guests written in the transaction of the change they tell about.

The domain writes an intent here (who, which kind, facts known only now) and nothing else:
rendering and delivery are the mail edge's (`registrar/mail/`), which reads these rows after
the commit, so a message exists exactly when the change does and never without it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from email.utils import make_msgid, parseaddr
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import aliased, selectinload

from ..extensions import db
from ..models import Event, Guest, Language, MessageKind, MessageStatus, OutboxMessage, utcnow
from .writes import Writes

# Messages about the guest's seat: a newer one makes a queued older one pointless.
SEAT_MESSAGES = frozenset(
    {MessageKind.CONFIRMATION, MessageKind.WAITLISTED, MessageKind.PROMOTED, MessageKind.DECLINED}
)
# Not gone out yet: waiting, or claimed by a sender right now.
OPEN = (MessageStatus.QUEUED, MessageStatus.SENDING)
# The reason of a failed message that could not be put together at all (a stored value or a
# template it cannot be rendered from): retrying would not help, an organizer must look.
UNRENDERABLE = "unrenderable"


def mail_domain() -> str:
    """The sender's domain, which Message-IDs and content ids are made in."""
    sender = parseaddr(current_app.config["REGISTRAR_MAIL_FROM"])[1]
    return sender.rpartition("@")[2] or "registrar.invalid"


def new_message_id(idstring: str = "registrar") -> str:
    return make_msgid(idstring=idstring, domain=mail_domain())


def outbox_directory() -> Path:
    """Where the file backend writes each message as an .eml file (the demo's outbox)."""
    configured = current_app.config.get("REGISTRAR_MAIL_OUTBOX_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "outbox"


def enqueue(
    guest: Guest,
    kind: MessageKind,
    *,
    actor: str,
    send_at: datetime | None = None,
    details: dict[str, Any] | None = None,
) -> OutboxMessage | None:
    """Queue one message to the guest in the caller's transaction; None for a revoked guest
    and for one with no address (a walk-in who gave none).

    The subject is left to the sender, which writes it from the guest's state when it sends.
    """
    if guest.is_revoked or not guest.has_address:
        return None
    if kind in SEAT_MESSAGES:
        _cancel_open(guest, SEAT_MESSAGES, "superseded")
    return _add(
        guest,
        kind,
        guest.language,
        to_address=guest.email,
        actor=actor,
        details=details,
        due=send_at or utcnow(),
    )


def enqueue_test(
    guest: Guest,
    kind: MessageKind,
    language: Language,
    *,
    to_address: str,
    actor: str,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> OutboxMessage:
    """Queue a test: the message of this kind as `guest` would get it in `language`, sent to
    an organizer's own address.

    Marked `is_test`, it is none of the guest's messages: it is not counted, replaces and
    cancels nothing of the guest's, is sent whatever the guest's state, and its delivery
    changes nothing about the guest (mail/delivery.py).
    """
    when = now or utcnow()
    return _add(
        guest,
        kind,
        language,
        to_address=to_address,
        actor=actor,
        details=details,
        due=when,
        created_at=when,
        is_test=True,
    )


def _add(
    guest: Guest,
    kind: MessageKind,
    language: Language,
    *,
    to_address: str,
    actor: str,
    details: dict[str, Any] | None,
    due: datetime,
    created_at: datetime | None = None,
    is_test: bool = False,
) -> OutboxMessage:
    """A new queued message, added and flushed in the caller's transaction."""
    row = _row(guest, kind, language, to_address, actor, details, due, created_at, is_test)
    # Through the relationship: a guest added in this transaction may have no id yet.
    del row["guest_id"]
    message = OutboxMessage(guest=guest, **row)
    db.session.add(message)
    db.session.flush()
    return message


def _row(
    guest: Guest,
    kind: MessageKind,
    language: Language,
    to_address: str,
    actor: str,
    details: dict[str, Any] | None,
    due: datetime,
    created_at: datetime | None,
    is_test: bool,
) -> dict[str, Any]:
    """The column values of a new queued message."""
    return {
        "event_id": guest.event_id,
        "guest_id": guest.id,
        "kind": kind,
        "language": language,
        "to_address": to_address,
        "subject": "",
        "status": MessageStatus.QUEUED,
        "attempts": 0,
        "next_attempt_at": due,
        "last_error": "",
        "reason": "",
        "details": dict(details or {}),
        "message_id": new_message_id(),
        "actor": actor,
        "created_at": created_at or utcnow(),
        "is_test": is_test,
    }


def enqueue_by_statement(
    guest: Guest, kind: MessageKind, *, actor: str, now: datetime, writes: Writes
) -> None:
    """enqueue for a hot path that holds a lock: the same message, written by two statements
    added to `writes` (the guest's older seat messages cancelled, the new one inserted) instead
    of a load of the older ones and a flush; the cancelling goes first, so that it does not
    reach the new message. Nothing is loaded into the session: queued messages of the guest
    already loaded in it are not updated (the caller loaded none).
    """
    if guest.is_revoked or not guest.has_address:
        return
    if kind in SEAT_MESSAGES:
        writes.update(_SUPERSEDE_SEAT_MESSAGES, {"guest": guest.id})
    row = _row(guest, kind, guest.language, guest.email, actor, None, now, now, False)
    writes.insert(_INSERT_MESSAGE, [row])


# The guests' own messages, the organizers' tests left out.
TO_GUESTS = OutboxMessage.is_test.is_(False)

# Made once, for the hot path (enqueue_by_statement): the guest's queued seat messages
# cancelled, and the new one. Each kind is a value of its own in the statement, not a list
# expanded as it runs, so that the statement can go straight to the driver
# (pipelines.execute_in_pipeline).
_SUPERSEDE_SEAT_MESSAGES = (
    sa.update(OutboxMessage)
    .where(
        OutboxMessage.guest_id == sa.bindparam("guest"),
        OutboxMessage.status == MessageStatus.QUEUED,
        OutboxMessage.kind.in_(
            [sa.literal(kind, OutboxMessage.kind.type) for kind in sorted(SEAT_MESSAGES)]
        ),
        TO_GUESTS,
    )
    .values(status=MessageStatus.CANCELLED, reason="superseded")
)
_INSERT_MESSAGE = sa.insert(OutboxMessage).inline()


def _cancel_open(guest: Guest, kinds: Collection[MessageKind], reason: str) -> int:
    """Cancel the guest's queued messages of these kinds (one being sent is left to finish)."""
    queued = db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.guest_id == guest.id,
            OutboxMessage.status == MessageStatus.QUEUED,
            OutboxMessage.kind.in_(kinds),
            TO_GUESTS,
        )
    ).all()
    for message in queued:
        message.status = MessageStatus.CANCELLED
        message.reason = reason
    return len(queued)


def queued_of(guest: Guest, kind: MessageKind) -> list[OutboxMessage]:
    """The guest's messages of this kind still waiting to go out."""
    return list(
        db.session.scalars(
            sa.select(OutboxMessage).where(
                OutboxMessage.guest_id == guest.id,
                OutboxMessage.status == MessageStatus.QUEUED,
                OutboxMessage.kind == kind,
                TO_GUESTS,
            )
        )
    )


def cancel(guest: Guest, reason: str) -> int:
    """Cancel every queued message to the guest, e.g. when the invitation is revoked."""
    return _cancel_open(guest, frozenset(MessageKind), reason)


def cancel_queued(event: Event, reason: str) -> int:
    """Cancel every queued message of the event, e.g. when the event is cancelled."""
    # An UPDATE's result is a CursorResult, which counts the rows.
    result = cast(
        "CursorResult[Any]",
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.event_id == event.id, OutboxMessage.status == MessageStatus.QUEUED)
            .values(status=MessageStatus.CANCELLED, reason=reason)
            .execution_options(synchronize_session="fetch")
        ),
    )
    return result.rowcount


def discard(event: Event) -> int:
    """Delete the event's messages that have not gone out (the demo's seeded answers owe none)."""
    # A DELETE's result is a CursorResult, which counts the rows.
    result = cast(
        "CursorResult[Any]",
        db.session.execute(
            sa.delete(OutboxMessage).where(
                OutboxMessage.event_id == event.id, OutboxMessage.status == MessageStatus.QUEUED
            )
        ),
    )
    return result.rowcount


def has_open(guest: Guest, kind: MessageKind, statuses: Collection[MessageStatus] = OPEN) -> bool:
    """Whether the guest has a message of this kind in one of these states."""
    return (
        db.session.execute(
            sa.select(sa.func.count()).where(
                OutboxMessage.guest_id == guest.id,
                OutboxMessage.kind == kind,
                OutboxMessage.status.in_(statuses),
                TO_GUESTS,
            )
        ).scalar_one()
        > 0
    )


def unrenderable(event: Event) -> list[OutboxMessage]:
    """The event's messages given up because they could not be put together, newest first.

    One that a newer message of the same kind to the same guest has followed (sent again after
    the guest's details were corrected) is dealt with and no longer listed.
    """
    later = aliased(OutboxMessage)
    followed = (
        sa.select(later.id)
        .where(
            later.guest_id == OutboxMessage.guest_id,
            later.kind == OutboxMessage.kind,
            later.id > OutboxMessage.id,
        )
        .exists()
    )
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(
                OutboxMessage.event_id == event.id,
                OutboxMessage.status == MessageStatus.FAILED,
                OutboxMessage.reason == UNRENDERABLE,
                TO_GUESTS,
                ~followed,
            )
            .order_by(OutboxMessage.id.desc())
            .options(selectinload(OutboxMessage.guest))
        )
    )
