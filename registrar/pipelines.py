"""Statements sent to PostgreSQL together, in psycopg's pipeline mode: one after the other
without waiting for each answer, the answers read together. The hot paths that hold the event
lock use it to hold it for fewer round trips (services/locking.py, services/writes.py).

SQLite's driver has no pipeline: there the same code runs each statement as it comes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

# Kept in the connection's info while `answered_together` runs: the pipeline to sync once
# SQLAlchemy has sent its statement, before it looks at the answer.
_SYNC_AFTER_EXECUTE = "registrar.pipeline_to_sync"


def listen(engine: sa.Engine) -> None:
    sa.event.listen(engine, "after_cursor_execute", _sync_if_asked)


@contextlib.contextmanager
def pipeline(connection: sa.Connection) -> Iterator[Any]:
    """The driver's pipeline around the block, where it has one (yielded); else nothing (None).

    An error the database answers to a statement of the block is raised as SQLAlchemy's error
    of its kind, as if the statement had been sent alone (the pipeline raises it as it reads
    the answers, past SQLAlchemy's own translation).
    """
    driver = connection.connection.dbapi_connection
    enter = _pipeline_of(connection)
    if enter is None:
        yield None
        return
    dbapi = connection.dialect.loaded_dbapi
    try:
        with enter() as entered:
            yield entered
    except dbapi.Error as exc:
        raise sa.exc.DBAPIError.instance(
            "(sent in a pipeline)",
            None,
            exc,
            dbapi.Error,
            connection_invalidated=connection.dialect.is_disconnect(exc, driver, None),
            dialect=connection.dialect,
        ) from exc


@contextlib.contextmanager
def answered_together(connection: sa.Connection) -> Iterator[Any]:
    """A pipeline (PostgreSQL only) for statements sent straight to the driver's cursor, ended
    by the next one SQLAlchemy executes on the connection: the answers of all of them arrive
    before SQLAlchemy reads its own, in one round trip. Yields the driver's connection."""
    driver = connection.connection.dbapi_connection
    with pipeline(connection) as entered:
        connection.info[_SYNC_AFTER_EXECUTE] = entered
        try:
            yield driver
        finally:
            # A connection lost meanwhile (a database restart) took its info with it, and
            # may not be asked for it until the transaction is rolled back.
            if not connection.invalidated:
                connection.info.pop(_SYNC_AFTER_EXECUTE, None)


def _sync_if_asked(connection: sa.Connection, *_args: object) -> None:
    # After the driver has queued SQLAlchemy's statement, before SQLAlchemy reads its result:
    # in a pipeline the result is there only once the pipeline has been synced.
    waiting = connection.info.pop(_SYNC_AFTER_EXECUTE, None)
    if waiting is not None:
        waiting.sync()


def _pipeline_of(connection: sa.Connection) -> Any:
    """psycopg's Connection.pipeline, or None for a driver without one."""
    return getattr(connection.connection.dbapi_connection, "pipeline", None)
