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


_CAPACITY = sa.select(Event.capacity).where(Event.id == sa.bindparam("event_id")).with_for_update()


def lock_event_capacity(event_id: int) -> int:
    """lock_event for the door's hot path: the same lock, reading only the capacity.

    Nothing read before is expired: the caller reads what it needs after this, by statement.
    """
    session = db.session
    connection = session.connection()
    session.flush()
    with _busy_on_lock_timeout():
        capacity = connection.execute(_CAPACITY, {"event_id": event_id}).scalar_one_or_none()
    if capacity is None:
        raise NotFound()
    return capacity


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
