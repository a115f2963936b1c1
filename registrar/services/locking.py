"""The one lock every capacity-using change takes: the event row, inside the transaction."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Session, joinedload

from .. import lock_times, pipelines
from ..db_setup import READ_ONLY_METHODS, holds_write_lock
from ..errors import Busy, NotFound
from ..extensions import db
from ..models import Event, Guest

# Where the session keeps the ids of the events locked in its current transaction.
_LOCKED = "registrar.locked_events"


def lock_event(event_id: int) -> Event:
    """Lock the event row until the transaction ends and return it freshly read.

    PostgreSQL: SELECT ... FOR UPDATE, which gives up after the lock timeout every connection
    has (see db_setup.engine_options) with Busy; everything read before the lock is
    expired so that counts and states are read again. SQLite: every transaction outside a
    read-only request already began with BEGIN IMMEDIATE (see db_setup), so it has held the only
    write lock since its first read, and what it read is current.
    """
    session = db.session()
    connection = _write_transaction(session, "lock_event")
    if connection.dialect.name == "sqlite":
        # The transaction began with SQLite's write lock, so nothing read in it can be stale:
        # no other writer has run since. The event is most likely in the session already.
        event = session.get(Event, event_id)
        if event is None:
            raise NotFound()
        _remember(session, event_id)
        return event
    session.flush()
    session.expire_all()
    with _busy_on_lock_timeout():
        event = session.scalar(
            sa.select(Event)
            .where(Event.id == event_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    if event is None:
        raise NotFound()
    _remember(session, event_id)
    return event


_GUEST = sa.bindparam("guest_id", type_=sa.Integer)
_LOCK_EVENT_OF_GUEST = (
    sa.select(Event.id)
    .where(Event.id == sa.select(Guest.event_id).where(Guest.id == _GUEST).scalar_subquery())
    .with_for_update()
)


@functools.cache
def _guest_statement(sqlite: bool, also: tuple[Any, ...]) -> sa.Select[Any]:
    """The statement of lock_guest_event that reads the guest with its event, answer and seat
    and the columns `also`; made once for each: the answers' hot path runs it, and building it
    for every answer cost more time under the lock than running it."""
    statement = (
        sa.select(Guest, *also)
        .where(Guest.id == _GUEST)
        .options(joinedload(Guest.event), joinedload(Guest.rsvp), joinedload(Guest.seat))
    )
    # On SQLite what the transaction read before is current (it has held the lock since it
    # began); on PostgreSQL it is read again.
    return statement if sqlite else statement.execution_options(populate_existing=True)


# The server's clock as the guest is read, just after the lock was granted (lock_times).
_SERVER_CLOCK = sa.func.clock_timestamp()


@functools.cache
def _lock_sql(dialect: sa.Dialect) -> str:
    return str(_LOCK_EVENT_OF_GUEST.compile(dialect=dialect))


def lock_guest_event(guest_id: int) -> tuple[Event, Guest]:
    """Lock the guest's event (lock_event) and return it with the guest read under the lock,
    the guest's answer and seat loaded with it.

    In as few round trips as the database allows, for the lock is held from the first of them:
    one on SQLite (the transaction has held the lock since it began, and one statement reads
    the rest); one on PostgreSQL too, where two statements go in one pipeline (pipelines.py):
    the event row locked, found by the guest's id, then the guest with its event, read after
    the lock (each statement reads what was committed before it began).
    """
    event, guest, _also = lock_guest_event_with(guest_id, ())
    return event, guest


def lock_guest_event_with(
    guest_id: int, also: tuple[Any, ...]
) -> tuple[Event, Guest, Sequence[Any]]:
    """lock_guest_event, and the values of the columns `also` read with the guest, under the
    lock, in the same statement (columns of a statement whose FROM is guests: the guest's
    event's seat counts, say)."""
    session = db.session()
    connection = _write_transaction(session, "lock_guest_event")
    sqlite = connection.dialect.name == "sqlite"
    # Timed by the benchmarks on PostgreSQL: when the lock was taken, by the server's clock.
    timed = not sqlite and lock_times.on()
    statement = _guest_statement(sqlite, (*also, _SERVER_CLOCK) if timed else also)
    parameters = {"guest_id": guest_id}
    if sqlite:
        row = session.execute(statement, parameters).one_or_none()
        locked = row is not None
    else:
        session.flush()
        session.expire_all()
        with _busy_on_lock_timeout(), pipelines.answered_together(connection) as driver:
            with driver.cursor() as lock:
                lock.execute(_lock_sql(connection.dialect), parameters)
                row = session.execute(statement, parameters).one_or_none()
                locked = lock.fetchone() is not None
    # No such guest; on PostgreSQL, deleted before the lock was taken, or added after it.
    if row is None or not locked:
        raise NotFound()
    guest: Guest = row[0]
    if timed:
        lock_times.taken(session, at=row[-1])
    _remember(session, guest.event_id)
    return guest.event, guest, row[1:-1] if timed else row[1:]


_LOCK_EVENT = sa.select(Event.id).where(Event.id == sa.bindparam("event_id")).with_for_update()


def lock_event_for_door(event_id: int) -> sa.Connection:
    """lock_event for the door's hot path: the same lock, taken by a statement that loads
    nothing, and the connection holding it, for the caller to read what it needs by statement.

    On SQLite the transaction's write lock is that lock already, and no statement is needed.
    """
    session = db.session()
    session.flush()
    connection = _write_transaction(session, "lock_event_for_door")
    if connection.dialect.name != "sqlite":
        with _busy_on_lock_timeout():
            found = connection.execute(_LOCK_EVENT, {"event_id": event_id}).scalar_one_or_none()
        if found is None:
            raise NotFound()
    _remember(session, event_id)
    return connection


def holds_event_lock(event_id: int) -> bool:
    """Whether the session's current transaction took the lock of this event."""
    session = db.session()
    transaction, locked = session.info.get(_LOCKED, (None, frozenset()))
    current = session.get_transaction()
    return current is not None and transaction is current and event_id in locked


def require_event_lock(event_id: int, what: str) -> None:
    """Refuse, as a programming error, to change seats without the event lock held."""
    if not holds_event_lock(event_id):
        raise RuntimeError(
            f"{what} must run under the event lock: call locking.lock_event({event_id}) "
            "first, in the same transaction."
        )


def _write_transaction(session: Session, what: str) -> sa.Connection:
    """The connection of the session's transaction, when that transaction can hold a lock.

    The session begins a transaction by itself on first use, so "inside a transaction" alone
    would always be true. What can go wrong is a transaction that holds no lock till the
    commit: on SQLite one begun without IMMEDIATE (a read-only request's, see db_setup), where
    nothing is locked and a later write fails; on any database a connection in autocommit,
    where the lock ends with its statement; and a read-only request, which must not write.
    """
    if has_request_context() and request.method in READ_ONLY_METHODS:
        raise RuntimeError(
            f"{what} must run inside a write transaction: a {request.method} request only "
            "reads, so it takes no lock."
        )
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        if not holds_write_lock(connection):
            raise RuntimeError(
                f"{what} must run inside a transaction begun with BEGIN IMMEDIATE (see "
                "db_setup); this one began deferred, so it holds no lock."
            )
    elif _autocommit(connection):
        raise RuntimeError(
            f"{what} must run inside a transaction; this connection is in autocommit, so a "
            "lock would end with its own statement."
        )
    return connection


def _autocommit(connection: sa.Connection) -> bool:
    if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return True
    return bool(getattr(connection.connection.dbapi_connection, "autocommit", False))


def _remember(session: Session, event_id: int) -> None:
    # Kept with the transaction they belong to: after a commit or a rollback the session has
    # another one, and the ids kept before no longer count.
    transaction = session.get_transaction()
    kept, locked = session.info.get(_LOCKED, (None, frozenset()))
    if kept is not transaction:
        locked = frozenset()
    session.info[_LOCKED] = (transaction, locked | {event_id})
    lock_times.taken(session)


@contextmanager
def _busy_on_lock_timeout() -> Iterator[None]:
    try:
        yield
    except sa.exc.OperationalError as exc:
        if is_lock_timeout(exc):
            raise Busy() from exc
        raise


def is_lock_timeout(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "lock timeout" in text or "locknotavailable" in text
