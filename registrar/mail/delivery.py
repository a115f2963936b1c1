"""The mail sender: claims due outbox messages one at a time, renders, delivers, records.

It runs as `flask --app registrar mail send` outside any web request and is an edge of its own:
it claims a message in one short write transaction, renders it from a read-only snapshot and
sends it with no write transaction open (SQLite's writers, every answer and scan, go on
meanwhile), and records the backend's answer in another short one.
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
from sqlalchemy.orm import joinedload

from .. import unit_of_work, watching
from ..db_setup import reading
from ..extensions import db
from ..models import Guest, MessageKind, MessageStatus, OutboxMessage, utcnow
from ..services import webhooks
from ..services.outbox import OPEN, UNRENDERABLE
from ..services.travel import passports
from .backends import Backend, DeliveryError, make_backend
from .render import OutgoingMail, render, unfit_reason

log = logging.getLogger(__name__)

# A claimed message whose sender has not reported back after this long is taken again.
CLAIM_LEASE = timedelta(minutes=10)
# Back-off after a temporary failure: one minute, doubling, at most an hour.
RETRY_FIRST = timedelta(minutes=1)
RETRY_LONGEST = timedelta(hours=1)


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
    """Mark the next due message as being sent and return its id (the caller commits)."""
    claimed = claim(now)
    return claimed[0] if claimed is not None else None


def claim(now: datetime) -> tuple[int, int] | None:
    """Mark the next due message as being sent; its id and the attempt this is (the caller
    commits).

    A message still marked as being sent after its lease ran out belonged to a sender that
    died; it is taken again. One statement picks the message and marks it: on PostgreSQL the
    pick locks its row with SKIP LOCKED, so two senders each take a different message without
    waiting on each other, and the outer condition, checked again on the row as it is when
    locked, keeps a message another sender marked meanwhile from being taken twice; SQLite
    lets one writer in at a time.
    """
    dialect = db.session.get_bind().dialect.name
    statement = _CLAIM.get(dialect)
    if statement is None:
        statement = _CLAIM[dialect] = _claim_statement(skip_locked=dialect == "postgresql")
    row = db.session.execute(statement, {"now": now, "lease_end": now + CLAIM_LEASE}).first()
    return (row.id, row.attempts) if row is not None else None


def _claim_statement(*, skip_locked: bool) -> sa.Update:
    due = sa.and_(
        OutboxMessage.status.in_(OPEN), OutboxMessage.next_attempt_at <= sa.bindparam("now")
    )
    oldest_due = (
        sa.select(OutboxMessage.id)
        .where(due)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
    )
    if skip_locked:
        oldest_due = oldest_due.with_for_update(skip_locked=True)
    return (
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == oldest_due.scalar_subquery(), due)
        .values(
            status=MessageStatus.SENDING,
            attempts=OutboxMessage.attempts + 1,
            next_attempt_at=sa.bindparam("lease_end"),
        )
        .returning(OutboxMessage.id, OutboxMessage.attempts)
        .execution_options(synchronize_session=False)
    )


# The claim, made once per database dialect.
_CLAIM: dict[str, sa.Update] = {}


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


@dataclass
class _Look:
    """What a sender sees of a claimed message in one read: whether it is still its own, why
    it must not go (a reason code), and the state the rendering depends on."""

    ours: bool
    reason: str | None = None
    state: tuple[object, ...] = ()
    # The guest whose invitation this is (sent_at is stamped when it goes), if it is one.
    invites: int | None = None


def _look(message: OutboxMessage | None, attempts: int, now: datetime) -> _Look:
    if not _still_ours(message, attempts):
        return _Look(ours=False)
    guest = message.guest
    # A test shows the organizer the message as it is now, whatever the guest's state.
    reason = None if message.is_test else unfit_reason(message.kind, guest, now, message.details)
    # Everything of the guest's row (names, link and badge versions, language, address) and
    # where the message goes: a change to any of them since rendering means rendering again.
    state = (
        message.to_address,
        message.language,
        *(getattr(guest, column.key) for column in sa.inspect(Guest).column_attrs),
    )
    invitation = message.kind == MessageKind.INVITATION and not message.is_test
    return _Look(
        ours=True, reason=reason, state=state, invites=message.guest_id if invitation else None
    )


@dataclass
class _Rendered:
    look: _Look
    outgoing: OutgoingMail | None = None
    error: str = ""


# The message with what deciding and rendering read of its guest, in one statement. The
# statements a sender runs for every message are made once: SQLAlchemy then finds their
# compiled form from the statement itself instead of working out its cache key each time.
_WITH_GUEST = (
    sa.select(OutboxMessage)
    .options(
        joinedload(OutboxMessage.guest).options(
            joinedload(Guest.event), joinedload(Guest.seat), joinedload(Guest.rsvp)
        )
    )
    .where(OutboxMessage.id == sa.bindparam("message_id"))
    .execution_options(populate_existing=True)
)


def _read(message_id: int) -> OutboxMessage | None:
    return db.session.execute(_WITH_GUEST, {"message_id": message_id}).scalar_one_or_none()


def _render(message_id: int, attempts: int, now: datetime) -> _Rendered | None:
    """The claimed message rendered from one read-only snapshot of the guest's state (no write
    lock: answers and scans go on meanwhile); None if it is gone."""
    with reading():
        message = _read(message_id)
        if message is None:
            return None  # deleted with its event since it was claimed: nothing left to send
        look = _look(message, attempts, now)
        if not look.ours or look.reason is not None:
            return _Rendered(look)
        try:
            outgoing = render(message, message.guest, now)
        except sa.exc.SQLAlchemyError:
            raise  # the database, not the message: the claim lapses and it is taken again
        except Exception as exc:
            # Rendering reads only what is stored: it would fail the same way at every attempt.
            log.exception("rendering outbox message %s failed", message_id)
            return _Rendered(look, error=f"rendering failed: {type(exc).__name__}: {exc}")
        return _Rendered(look, outgoing)


def _recheck(message_id: int, attempts: int, now: datetime) -> _Look | None:
    """The message and its guest read again, just before the server gets the message."""
    with reading():
        message = _read(message_id)
        if message is None:
            return None
        return _look(message, attempts, now)


def _record(message_id: int, attempts: int, change: Callable[[OutboxMessage], object]) -> bool:
    """Record an outcome in a short write transaction, if the message is still ours."""
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if not _still_ours(message, attempts):
        db.session.commit()
        return False
    change(message)
    if message.status == MessageStatus.FAILED and not message.is_test:
        webhooks.message_failed(message.guest.event, message.guest, message)
    db.session.commit()
    return True


# Rounds of rendering when the guest changes while the message is being rendered each time.
RENDER_ROUNDS = 3


def deliver_claimed(
    message_id: int, attempts: int, backend: Backend, now: datetime, report: DeliveryReport
) -> bool:
    """Deliver one claimed message (`attempts`: the claim's) and record how it went; False
    ends the batch.

    No transaction is open while it renders (from a read-only snapshot) or talks to the
    server. Just before sending, it reads the message and the guest again: a guest revoked or
    erased, a seat changed, or a claim lost since rendering stops the message there. The
    check is before the send, not in the recording transaction, because afterwards the mail
    is gone and could only be recorded; what is left is the SMTP exchange itself.
    """
    for _round in range(RENDER_ROUNDS):
        rendered = _render(message_id, attempts, now)
        if rendered is None:
            return True  # deleted with its event since it was claimed: nothing left to send
        final = rendered.look
        if rendered.outgoing is None:
            break  # not ours, no longer fitting, or unrenderable
        look = _recheck(message_id, attempts, now)
        if look is None:
            return True
        final = look
        if not look.ours or look.reason is not None or look.state == rendered.look.state:
            break
    else:
        # The guest keeps changing: the message waits for the next run, unsent.
        _record(message_id, attempts, lambda m: _retry_or_fail(m, "changed while rendering", now))
        report.retrying += 1
        return True

    if not final.ours:
        return True  # another sender has it since our lease ran out
    if final.reason is not None:
        reason = final.reason

        def cancel(message: OutboxMessage) -> None:
            message.status = MessageStatus.CANCELLED
            message.reason = reason

        report.cancelled += _record(message_id, attempts, cancel)
        return True
    if rendered.outgoing is None:
        error = rendered.error

        def unrenderable(message: OutboxMessage) -> None:
            # Given up at once, with the reason, where the organizer sees it.
            message.status = MessageStatus.FAILED
            message.reason = UNRENDERABLE
            message.last_error = error[:1000]

        report.failed += _record(message_id, attempts, unrenderable)
        return True

    outgoing = rendered.outgoing
    subject = str(outgoing.message["Subject"])
    try:
        backend.send(outgoing)
    except DeliveryError as exc:
        refusal = exc

        def failed(message: OutboxMessage) -> None:
            if refusal.permanent:
                message.status = MessageStatus.FAILED
                message.last_error = str(refusal)[:1000]
            else:
                _retry_or_fail(message, str(refusal), now)
            report.failed += message.status == MessageStatus.FAILED
            report.retrying += message.status == MessageStatus.QUEUED

        _record(message_id, attempts, failed)
        if exc.connection_lost:
            report.stopped = str(exc)
            return False
        return True

    _record_sent(message_id, attempts, subject, final.invites)
    report.sent += 1
    return True


def _record_sent(message_id: int, attempts: int, subject: str, invites: int | None) -> None:
    """Record a message the server accepted, if it is still ours, in one short write
    transaction of two statements at most (no rows read back: the common case is the
    cheapest); an invitation's guest is stamped as invited at the same moment."""
    # Named apart from the columns, as SQLAlchemy asks of an UPDATE's parameters.
    values = {"row": message_id, "claim": attempts, "at": utcnow()}
    # An UPDATE's result is a CursorResult, which counts the rows.
    recorded = cast(
        "CursorResult[Any]",
        db.session.execute(_RECORD_SENT, values | {"new_subject": subject[:300]}),
    )
    if recorded.rowcount == 1 and invites is not None:
        db.session.execute(_STAMP_INVITED, values | {"guest": invites})
    db.session.commit()


_RECORD_SENT = (
    sa.update(OutboxMessage)
    .where(
        OutboxMessage.id == sa.bindparam("row"),
        OutboxMessage.status == MessageStatus.SENDING,
        OutboxMessage.attempts == sa.bindparam("claim"),
    )
    .values(
        status=MessageStatus.SENT,
        sent_at=sa.bindparam("at"),
        subject=sa.bindparam("new_subject"),
        last_error="",
    )
    .execution_options(synchronize_session=False)
)
_STAMP_INVITED = (
    sa.update(Guest)
    .where(Guest.id == sa.bindparam("guest"))
    .values(sent_at=sa.bindparam("at"))
    .execution_options(synchronize_session=False)
)


def _forget_all_but(kept: set[Any]) -> None:
    """Take the rows read since out of the session: every later commit would expire them
    again, each message's on top of the last's."""
    identity_map = db.session.identity_map
    for key in [key for key in identity_map.keys() if key not in kept]:
        row = identity_map.get(key)
        if row is not None and row in db.session:
            db.session.expunge(row)


def deliver_due(*, limit: int | None = None, now: datetime | None = None) -> DeliveryReport:
    """Send the messages that are due, oldest first, at most `limit`.

    It commits after claiming a message (a short write transaction), renders and sends with no
    write transaction open, and records the backend's answer in another short one, so a crash
    at any point loses nothing. What can repeat is only a message the server had accepted when
    the sender died before recording it; it goes out again with the same Message-ID, by which
    mail programs recognise the repeat.
    """
    report = DeliveryReport()
    backend = make_backend()
    # The caller's own rows stay in the session; those read for each message go after it.
    kept = set(db.session.identity_map.keys())
    try:
        while limit is None or report.handled < limit:
            moment = now or utcnow()
            claimed = claim(moment)
            db.session.commit()
            if claimed is None:
                break
            going_on = deliver_claimed(*claimed, backend, moment, report)
            _forget_all_but(kept)
            if not going_on:
                break
    finally:
        backend.close()
    return report


class PassportRetention:
    """The long-running sender also drops the passport details whose retention time is over
    (services/travel/passports.py), at most once per `every` seconds of its own clock."""

    def __init__(self, every: float = 3600.0) -> None:
        self.every = every
        self.last: float | None = None

    def run_if_due(self, say: Callable[[str], None]) -> int:
        now = time.monotonic()
        if self.last is not None and now - self.last < self.every:
            return 0
        self.last = now
        dropped = unit_of_work.run(passports.drop_expired)
        if dropped:
            say(f"{datetime.now():%H:%M:%S} dropped the passport details of {dropped} guests")
        return dropped


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
    keeping = PassportRetention()

    def batch(size: int) -> DeliveryReport:
        keeping.run_if_due(say)
        return deliver_due(limit=size)

    return watching.watch(
        batch,
        DeliveryReport,
        interval=interval,
        limit=limit,
        stopping=stopping,
        say=say,
        stopped=lambda report: (
            f"the mail server went away: {report.stopped}" if report.stopped else ""
        ),
    )
