"""The mail sender: claims due outbox messages a batch at a time, renders, delivers, records.

It runs as `flask --app registrar mail send` outside any web request and is an edge of its own:
it claims a batch of messages in one short write transaction, renders them from a read-only
snapshot and sends them with no write transaction open (SQLite's writers, every answer and
scan, go on meanwhile), and records the backend's answers in another short one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeGuard

import sqlalchemy as sa
from flask import current_app
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


@dataclass(frozen=True)
class Claim:
    """A message this sender marked as being sent, the attempt that made it its own, and when
    it was due before (it goes back to that place in the queue if it is not tried)."""

    message_id: int
    attempts: int
    due: datetime


def claim_next(now: datetime) -> int | None:
    """Mark the next due message as being sent and return its id (the caller commits)."""
    claimed = claim(now)
    return claimed[0] if claimed is not None else None


def claim(now: datetime) -> tuple[int, int] | None:
    """Mark the next due message as being sent; its id and the attempt this is (the caller
    commits)."""
    claimed = claim_due(now, 1)
    return (claimed[0].message_id, claimed[0].attempts) if claimed else None


def claim_due(now: datetime, size: int) -> list[Claim]:
    """Mark at most `size` of the oldest due messages as being sent, oldest first (the caller
    commits).

    A message still marked as being sent after its lease ran out belonged to a sender that
    died; it is taken again. The pick and the marking are two statements of one transaction:
    on PostgreSQL the pick locks its rows with SKIP LOCKED, so two senders each take
    different messages without waiting on each other, and the marking checks again that each
    is still due; SQLite lets one writer in at a time.
    """
    dialect = db.session.get_bind().dialect.name
    pick = _PICK.get(dialect)
    if pick is None:
        pick = _PICK[dialect] = _pick_statement(skip_locked=dialect == "postgresql")
    picked = db.session.execute(pick, {"now": now, "size": size}).all()
    if not picked:
        return []
    marked = dict(
        db.session.execute(
            _MARK, {"ids": [row.id for row in picked], "now": now, "lease_end": now + CLAIM_LEASE}
        ).all()
    )
    return [
        Claim(row.id, marked[row.id], row.next_attempt_at) for row in picked if row.id in marked
    ]


_DUE = sa.and_(OutboxMessage.status.in_(OPEN), OutboxMessage.next_attempt_at <= sa.bindparam("now"))


def _pick_statement(*, skip_locked: bool) -> sa.Select[int, datetime]:
    oldest_due = (
        sa.select(OutboxMessage.id, OutboxMessage.next_attempt_at)
        .where(_DUE)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(sa.bindparam("size"))
    )
    return oldest_due.with_for_update(skip_locked=True) if skip_locked else oldest_due


# The pick, made once per database dialect.
_PICK: dict[str, sa.Select[int, datetime]] = {}
_MARK = (
    sa.update(OutboxMessage)
    .where(OutboxMessage.id.in_(sa.bindparam("ids", expanding=True)), _DUE)
    .values(
        status=MessageStatus.SENDING,
        attempts=OutboxMessage.attempts + 1,
        next_attempt_at=sa.bindparam("lease_end"),
    )
    .returning(OutboxMessage.id, OutboxMessage.attempts)
    .execution_options(synchronize_session=False)
)


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


# The guest's columns, each a part of the state a message is rendered from.
_GUEST_COLUMNS = tuple(column.key for column in sa.inspect(Guest).column_attrs)


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
        *(getattr(guest, key) for key in _GUEST_COLUMNS),
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


# The messages with what deciding and rendering read of their guests, in one statement. The
# statements a sender runs for every batch are made once: SQLAlchemy then finds their
# compiled form from the statement itself instead of working out its cache key each time.
_WITH_GUESTS = (
    sa.select(OutboxMessage)
    .options(
        joinedload(OutboxMessage.guest).options(
            joinedload(Guest.event), joinedload(Guest.seat), joinedload(Guest.rsvp)
        )
    )
    .where(OutboxMessage.id.in_(sa.bindparam("ids", expanding=True)))
    .execution_options(populate_existing=True)
)


def _read(claims: list[Claim]) -> dict[int, OutboxMessage]:
    """The claimed messages that still exist (one deleted with its event is gone), by id."""
    ids = [claimed.message_id for claimed in claims]
    return {m.id: m for m in db.session.execute(_WITH_GUESTS, {"ids": ids}).unique().scalars()}


def _render(claims: list[Claim], now: datetime) -> dict[Claim, _Rendered]:
    """The claimed messages rendered from one read-only snapshot of their guests' state (no
    write lock: answers and scans go on meanwhile); one that is gone is left out."""
    rendered = {}
    with reading():
        found = _read(claims)
        for claimed in claims:
            message = found.get(claimed.message_id)
            if message is None:
                continue  # deleted with its event since it was claimed: nothing left to send
            rendered[claimed] = _render_one(message, claimed.attempts, now)
    return rendered


def _render_one(message: OutboxMessage, attempts: int, now: datetime) -> _Rendered:
    look = _look(message, attempts, now)
    if not look.ours or look.reason is not None:
        return _Rendered(look)
    try:
        outgoing = render(message, message.guest, now)
    except sa.exc.SQLAlchemyError:
        raise  # the database, not the message: the claims lapse and they are taken again
    except Exception as exc:
        # Rendering reads only what is stored: it would fail the same way at every attempt.
        log.exception("rendering outbox message %s failed", message.id)
        return _Rendered(look, error=f"rendering failed: {type(exc).__name__}: {exc}")
    return _Rendered(look, outgoing)


def _recheck(claims: list[Claim], now: datetime) -> dict[Claim, _Look]:
    """The messages and their guests read again, just before the server gets them; one that
    is gone is left out."""
    with reading():
        found = _read(claims)
        return {
            claimed: _look(found[claimed.message_id], claimed.attempts, now)
            for claimed in claims
            if claimed.message_id in found
        }


# Rounds of rendering when the guest changes while the message is being rendered each time.
RENDER_ROUNDS = 3


def _rendered_and_checked(
    claims: list[Claim], now: datetime
) -> tuple[dict[Claim, tuple[_Rendered, _Look]], list[Claim]]:
    """Each claimed message rendered, then checked again just before sending (the look it is
    decided by), and the ones whose guest kept changing while they were rendered."""
    decided: dict[Claim, tuple[_Rendered, _Look]] = {}
    todo = claims
    for _round in range(RENDER_ROUNDS):
        rendered = _render(todo, now)
        to_check = []
        for claimed, one in rendered.items():
            if one.outgoing is None:
                decided[claimed] = (one, one.look)  # not ours, no longer fitting, unrenderable
            else:
                to_check.append(claimed)
        looks = _recheck(to_check, now) if to_check else {}
        todo = []
        for claimed, look in looks.items():
            one = rendered[claimed]
            if not look.ours or look.reason is not None or look.state == one.look.state:
                decided[claimed] = (one, look)
            else:
                todo.append(claimed)  # the guest changed meanwhile: rendered again
        if not todo:
            break
    return decided, todo


@dataclass
class _Outcomes:
    """What a batch's messages came to, recorded together in one short write transaction."""

    # Accepted by the server: (claim, subject, the invited guest to stamp or None).
    sent: list[tuple[Claim, str, int | None]] = field(default_factory=list)
    # Anything else, as a change to the message if it is still ours, and what to count.
    changed: list[tuple[Claim, Callable[[OutboxMessage], object]]] = field(default_factory=list)
    # Claimed but not tried (the batch ended first): queued again, the attempt not counted.
    untried: list[Claim] = field(default_factory=list)


def deliver_batch(
    claims: list[Claim], backend: Backend, now: datetime, report: DeliveryReport
) -> bool:
    """Deliver the claimed messages and record how each went; False ends the run.

    No transaction is open while they are rendered (from one read-only snapshot) or handed to
    the server. Just before sending, it reads the messages and their guests again: a guest
    revoked or erased, a seat changed, or a claim lost since rendering stops the message there.
    The check is before the sends, not in the recording transaction, because afterwards the
    mail is gone and could only be recorded; what is left is the SMTP exchanges of the batch.
    The outcomes are recorded together once the batch is through, also when it ends early
    (the server went away, or an error): the messages not tried are queued again as they were.
    """
    decided, unsettled = _rendered_and_checked(claims, now)
    outcomes = _Outcomes()
    for claimed in unsettled:
        # The guest keeps changing: the message waits for the next run, unsent.
        outcomes.changed.append((claimed, _counted(_retry(now, "changed while rendering"), report)))
    going_on = True
    untried = [claimed for claimed in claims if claimed in decided]
    try:
        while untried and going_on:
            # Taken off before it is tried: one on hand when an error comes is left to its
            # lease (whether the server has it is not known).
            claimed = untried.pop(0)
            rendered, look = decided[claimed]
            going_on = _deliver_one(claimed, rendered, look, backend, now, report, outcomes)
    finally:
        outcomes.untried = untried
        _record(outcomes)
    return going_on


def _deliver_one(
    claimed: Claim,
    rendered: _Rendered,
    look: _Look,
    backend: Backend,
    now: datetime,
    report: DeliveryReport,
    outcomes: _Outcomes,
) -> bool:
    """Send one message decided on (or note why not); False ends the batch."""
    if not look.ours:
        return True  # another sender has it since our lease ran out
    if look.reason is not None:
        outcomes.changed.append((claimed, _counted(_cancel(look.reason), report)))
        return True
    if rendered.outgoing is None:
        outcomes.changed.append((claimed, _counted(_unrenderable(rendered.error), report)))
        return True
    outgoing = rendered.outgoing
    try:
        backend.send(outgoing)
    except DeliveryError as exc:
        outcomes.changed.append((claimed, _counted(_refused(exc, now), report)))
        if exc.connection_lost:
            report.stopped = str(exc)
            return False
        return True
    outcomes.sent.append((claimed, str(outgoing.message["Subject"]), look.invites))
    report.sent += 1
    return True


def _cancel(reason: str) -> Callable[[OutboxMessage], object]:
    def cancel(message: OutboxMessage) -> None:
        message.status = MessageStatus.CANCELLED
        message.reason = reason

    return cancel


def _unrenderable(error: str) -> Callable[[OutboxMessage], object]:
    def unrenderable(message: OutboxMessage) -> None:
        # Given up at once, with the reason, where the organizer sees it.
        message.status = MessageStatus.FAILED
        message.reason = UNRENDERABLE
        message.last_error = error[:1000]

    return unrenderable


def _retry(now: datetime, error: str) -> Callable[[OutboxMessage], object]:
    return lambda message: _retry_or_fail(message, error, now)


def _refused(refusal: DeliveryError, now: datetime) -> Callable[[OutboxMessage], object]:
    def refused(message: OutboxMessage) -> None:
        if refusal.permanent:
            message.status = MessageStatus.FAILED
            message.last_error = str(refusal)[:1000]
        else:
            _retry_or_fail(message, str(refusal), now)

    return refused


def _counted(
    change: Callable[[OutboxMessage], object], report: DeliveryReport
) -> Callable[[OutboxMessage], object]:
    """The change, counted in the report by the state it leaves the message in (only when it
    is made: a message no longer ours is another sender's to count)."""

    def counted(message: OutboxMessage) -> None:
        change(message)
        report.cancelled += message.status == MessageStatus.CANCELLED
        report.failed += message.status == MessageStatus.FAILED
        report.retrying += message.status == MessageStatus.QUEUED

    return counted


def _record(outcomes: _Outcomes) -> None:
    """Record a batch's outcomes in one short write transaction, each only if the message is
    still ours: the sent ones and the untried ones by one statement each (no rows read back:
    the common case is the cheapest), an invitation's guest stamped as invited at the same
    moment; the others one by one."""
    connection = db.session.connection()
    at = utcnow()
    if outcomes.sent:
        # Named apart from the columns, as SQLAlchemy asks of an UPDATE's parameters.
        sent = [
            {"row": c.message_id, "claim": c.attempts, "at": at, "new_subject": subject[:300]}
            for c, subject, _guest in outcomes.sent
        ]
        invited = [
            {"row": c.message_id, "claim": c.attempts, "at": at, "guest": guest}
            for c, _subject, guest in outcomes.sent
            if guest is not None
        ]
        # The guests first: their stamp asks whether the message is still this sender's.
        if invited:
            connection.execute(_STAMP_INVITED, invited)
        connection.execute(_RECORD_SENT, sent)
    if outcomes.untried:
        connection.execute(
            _RELEASE,
            [{"row": c.message_id, "claim": c.attempts, "due": c.due} for c in outcomes.untried],
        )
    for claimed, change in outcomes.changed:
        message = db.session.get(OutboxMessage, claimed.message_id, populate_existing=True)
        if not _still_ours(message, claimed.attempts):
            continue
        change(message)
        if message.status == MessageStatus.FAILED and not message.is_test:
            webhooks.message_failed(message.guest.event, message.guest, message)
    db.session.commit()


_OURS = sa.and_(
    OutboxMessage.id == sa.bindparam("row"),
    OutboxMessage.status == MessageStatus.SENDING,
    OutboxMessage.attempts == sa.bindparam("claim"),
)
# Run on the connection, as plain statements each given many rows of parameters.
_RECORD_SENT = (
    sa.update(OutboxMessage)
    .where(_OURS)
    .values(
        status=MessageStatus.SENT,
        sent_at=sa.bindparam("at"),
        subject=sa.bindparam("new_subject"),
        last_error="",
    )
)
_STAMP_INVITED = (
    sa.update(Guest)
    .where(Guest.id == sa.bindparam("guest"), sa.select(OutboxMessage.id).where(_OURS).exists())
    .values(sent_at=sa.bindparam("at"))
)
# Back in the queue where it was before the claim, the attempt not counted.
_RELEASE = (
    sa.update(OutboxMessage)
    .where(_OURS)
    .values(
        status=MessageStatus.QUEUED,
        attempts=OutboxMessage.attempts - 1,
        next_attempt_at=sa.bindparam("due"),
    )
)


def _forget_all_but(kept: set[Any]) -> None:
    """Take the rows read since out of the session: every later commit would expire them
    again, each batch's on top of the last's."""
    identity_map = db.session.identity_map
    for key in [key for key in identity_map.keys() if key not in kept]:
        row = identity_map.get(key)
        if row is not None and row in db.session:
            db.session.expunge(row)


# Messages claimed together, rendered from one snapshot and recorded in one transaction.
CLAIM_BATCH = 10


def deliver_due(*, limit: int | None = None, now: datetime | None = None) -> DeliveryReport:
    """Send the messages that are due, oldest first, at most `limit`.

    It claims a batch of messages in one short write transaction, renders and sends them with
    no write transaction open, and records the backend's answers in another short one, so a
    crash at any point loses nothing. What can repeat is only a message the server had
    accepted when the sender died before recording its batch; it goes out again with the same
    Message-ID, by which mail programs recognise the repeat.
    """
    report = DeliveryReport()
    backend = make_backend()
    # The caller's own rows stay in the session; those read for each batch go after it.
    kept = set(db.session.identity_map.keys())
    try:
        while limit is None or report.handled < limit:
            moment = now or utcnow()
            size = CLAIM_BATCH if limit is None else min(CLAIM_BATCH, limit - report.handled)
            claims = claim_due(moment, size)
            db.session.commit()
            if not claims:
                break
            going_on = deliver_batch(claims, backend, moment, report)
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
