"""The one lock every capacity-using change takes: the event row, inside the transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from ..db_setup import holds_write_lock
from ..errors import Busy, NotFound
from ..extensions import db
from ..models import Event


def lock_event(event_id: int) -> Event:
    """Lock the event row until the transaction ends and return it freshly read.

    PostgreSQL: SELECT ... FOR UPDATE, which gives up after the lock timeout every connection
    has (see db_setup.engine_options) with Busy; everything read before the lock is
    expired so that counts and states are read again. SQLite: every transaction outside a
    read-only request already began with BEGIN IMMEDIATE (see db_setup), so it has held the only
    write lock since its first read, and what it read is current.
    """
    session = db.session
    if session.get_bind().dialect.name == "sqlite" and holds_write_lock(session.connection()):
        # The transaction began with SQLite's write lock, so nothing read in it can be stale:
        # no other writer has run since. The event is most likely in the session already.
        event = session.get(Event, event_id)
        if event is None:
            raise NotFound()
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
    return event


_LOCK_EVENT = sa.select(Event.id).where(Event.id == sa.bindparam("event_id")).with_for_update()


def lock_event_for_door(event_id: int) -> sa.Connection:
    """lock_event for the door's hot path: the same lock, taken by a statement that loads
    nothing, and the connection holding it, for the caller to read what it needs by statement.

    On SQLite the transaction's write lock is that lock already, and no statement is needed.
    """
    session = db.session
    session.flush()
    connection = session.connection()
    if connection.dialect.name == "sqlite" and holds_write_lock(connection):
        return connection
    with _busy_on_lock_timeout():
        found = connection.execute(_LOCK_EVENT, {"event_id": event_id}).scalar_one_or_none()
    if found is None:
        raise NotFound()
    return connection


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
