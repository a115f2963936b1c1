"""The mail sender: claims due outbox messages one at a time, renders, delivers, records.

It runs as `flask --app registrar mail send` outside any web request and is an edge of its own:
it commits after claiming a message and again after the backend's answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeGuard, cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import CursorResult

from ..extensions import db
from ..models import MessageKind, MessageStatus, OutboxMessage, utcnow
from ..services.outbox import OPEN, UNRENDERABLE
from .backends import Backend, DeliveryError, make_backend
from .render import render, unfit_reason

log = logging.getLogger(__name__)

# A claimed message whose sender has not reported back after this long is taken again.
CLAIM_LEASE = timedelta(minutes=10)
# Back-off after a temporary failure: one minute, doubling, at most an hour.
RETRY_FIRST = timedelta(minutes=1)
RETRY_LONGEST = timedelta(hours=1)
# Messages per batch in watch mode: between batches the sender checks for a stop signal.
WATCH_BATCH = 50


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    # Why the batch ended before the queue was empty (the server went away), if it did.
    stopped: str = ""

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed + self.cancelled

    def line(self) -> str:
        return (
            f"sent {self.sent}, retrying later {self.retrying}, failed {self.failed}, "
            f"cancelled {self.cancelled}"
        )


def retry_delay(attempts: int) -> timedelta:
    factor: int = 2 ** max(attempts - 1, 0)
    return min(RETRY_FIRST * factor, RETRY_LONGEST)


def claim_next(now: datetime) -> int | None:
    """Mark the next due message as being sent and return its id (the caller commits).

    A message still marked as being sent after its lease ran out belonged to a sender that
    died; it is taken again. The conditional update keeps two senders off one message; on
    PostgreSQL SKIP LOCKED lets them work side by side, SQLite lets one writer in at a time.
    """
    due = sa.and_(OutboxMessage.status.in_(OPEN), OutboxMessage.next_attempt_at <= now)
    query = (
        sa.select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.attempts)
        .where(due)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = db.session.execute(query).first()
    if row is None:
        return None
    # An UPDATE's result is a CursorResult, which counts the rows.
    claimed = cast(
        "CursorResult[Any]",
        db.session.execute(
            sa.update(OutboxMessage)
            .where(
                OutboxMessage.id == row.id,
                OutboxMessage.status == row.status,
                OutboxMessage.attempts == row.attempts,
            )
            .values(
                status=MessageStatus.SENDING,
                attempts=row.attempts + 1,
                next_attempt_at=now + CLAIM_LEASE,
            )
            .execution_options(synchronize_session=False)
        ),
    )
    return row.id if claimed.rowcount == 1 else None


def _retry_or_fail(message: OutboxMessage, error: str, now: datetime) -> MessageStatus:
    message.last_error = error[:1000]
    if message.attempts >= int(current_app.config["REGISTRAR_MAIL_MAX_ATTEMPTS"]):
        message.status = MessageStatus.FAILED
    else:
        message.status = MessageStatus.QUEUED
        message.next_attempt_at = now + retry_delay(message.attempts)
    return message.status


def _still_ours(message: OutboxMessage | None, attempts: int) -> TypeGuard[OutboxMessage]:
    # Another sender took the message over after our lease ran out: its outcome counts.
    return (
        message is not None
        and message.status == MessageStatus.SENDING
        and message.attempts == attempts
    )


def _deliver_one(message_id: int, backend: Backend, now: datetime, report: DeliveryReport) -> bool:
    """Deliver one claimed message and record how it went; False ends the batch."""
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if message is None:
        return True  # deleted with its event since it was claimed: nothing left to send
    attempts = message.attempts
    guest = message.guest
    # A test shows the organizer the message as it is now, whatever the guest's state.
    reason = None if message.is_test else unfit_reason(message.kind, guest, now, message.details)
    if reason is not None:
        message.status = MessageStatus.CANCELLED
        message.reason = reason
        db.session.commit()
        report.cancelled += 1
        return True
    try:
        outgoing = render(message, guest, now)
    except sa.exc.SQLAlchemyError:
        raise  # the database, not the message: the claim lapses and it is taken again
    except Exception as exc:
        # Rendering reads only what is stored: it would fail the same way at every attempt.
        # Give the message up at once, with the reason, where the organizer sees it.
        log.exception("rendering outbox message %s failed", message_id)
        message.status = MessageStatus.FAILED
        message.reason = UNRENDERABLE
        message.last_error = f"rendering failed: {type(exc).__name__}: {exc}"[:1000]
        db.session.commit()
        report.failed += 1
        return True
    subject = str(outgoing.message["Subject"])
    # Talk to the server with no transaction open: SQLite's writers are not held up meanwhile.
    db.session.commit()

    try:
        backend.send(outgoing)
    except DeliveryError as exc:
        message = db.session.get(OutboxMessage, message_id, populate_existing=True)
        if _still_ours(message, attempts):
            if exc.permanent:
                message.status = MessageStatus.FAILED
                message.last_error = str(exc)[:1000]
            else:
                _retry_or_fail(message, str(exc), now)
            report.failed += message.status == MessageStatus.FAILED
            report.retrying += message.status == MessageStatus.QUEUED
        db.session.commit()
        if exc.connection_lost:
            report.stopped = str(exc)
            return False
        return True

    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if _still_ours(message, attempts):
        sent_at = utcnow()
        message.status = MessageStatus.SENT
        message.sent_at = sent_at
        message.subject = subject[:300]
        message.last_error = ""
        if message.kind == MessageKind.INVITATION and not message.is_test:
            message.guest.sent_at = sent_at
    db.session.commit()
    report.sent += 1
    return True


def deliver_due(*, limit: int | None = None, now: datetime | None = None) -> DeliveryReport:
    """Send the messages that are due, oldest first, at most `limit`.

    It commits after claiming a message and again after the backend's answer, so a crash at
    any point loses nothing. What can repeat is only a message the server had accepted when
    the sender died before recording it; it goes out again with the same Message-ID, by which
    mail programs recognise the repeat.
    """
    report = DeliveryReport()
    backend = make_backend()
    try:
        while limit is None or report.handled < limit:
            moment = now or utcnow()
            message_id = claim_next(moment)
            db.session.commit()
            if message_id is None:
                break
            if not _deliver_one(message_id, backend, moment, report):
                break
    finally:
        backend.close()
    return report


def watch(
    *,
    interval: float,
    limit: int | None,
    stopping: Callable[[], bool],
    say: Callable[[str], None],
) -> int:
    """Deliver in batches as messages come due until `stopping()` or `limit` messages.

    Between batches it looks at the outbox every `interval` seconds; it reports each batch
    that did something through `say`. Returns how many messages it handled.
    """
    delivered = 0
    while not stopping() and (limit is None or delivered < limit):
        batch = WATCH_BATCH if limit is None else min(WATCH_BATCH, limit - delivered)
        try:
            report = deliver_due(limit=batch)
        except sa.exc.SQLAlchemyError as exc:
            # The database may be restarting; the outbox is still there when it is back.
            db.session.rollback()
            say(f"{datetime.now():%H:%M:%S} database error, trying again: {exc}")
            report = DeliveryReport()
        delivered += report.handled
        if report.handled or report.stopped:
            say(f"{datetime.now():%H:%M:%S} {report.line()}")
        if report.stopped:
            say(f"  the mail server went away: {report.stopped}")
        if report.handled == batch and not report.stopped:
            continue  # more may be due right now
        deadline = time.monotonic() + interval
        while not stopping() and time.monotonic() < deadline:
            time.sleep(min(0.5, interval))
    return delivered
