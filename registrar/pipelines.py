"""Statements sent to PostgreSQL together, in psycopg's pipeline mode: one after the other
without waiting for each answer, the answers read together. The hot paths that hold the event
lock use it to hold it for fewer round trips (services/locking.py, services/writes.py).

Statements that end their transaction can be held for its commit (hold_for_commit), to go in
the same pipeline as the COMMIT. Until then they are kept with the connection; any statement
run on it before the commit sends them first, so that nothing can read or write past them, and
a rollback drops them with the rest of the transaction.

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
# Kept in the connection's info: the statements held for the transaction's commit.
_HELD = "registrar.held_for_commit"

# A statement and its parameters: None, one row's or many rows' (executemany).
Statement = tuple[sa.Executable, list[dict[str, Any]] | dict[str, Any] | None]


def listen(engine: sa.Engine) -> None:
    sa.event.listen(engine, "after_cursor_execute", _sync_if_asked)
    sa.event.listen(engine, "before_execute", _send_held_first)
    sa.event.listen(engine, "commit", _send_held_with_commit)
    sa.event.listen(engine, "rollback", _drop_held)
    # A connection back in the pool keeps none either (its info outlives the checkout).
    sa.event.listen(engine.pool, "checkin", _dropped_at_checkin)


def has_pipeline(connection: sa.Connection) -> bool:
    return _pipeline_of(connection) is not None


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
            # A connection lost meanwhile took its info with it (see _held).
            if not connection.invalidated:
                connection.info.pop(_SYNC_AFTER_EXECUTE, None)


def execute(connection: sa.Connection, statements: list[Statement]) -> None:
    """Run the statements in their order on the connection."""
    for statement, parameters in statements:
        if parameters is None:
            connection.execute(statement)
        else:
            connection.execute(statement, parameters)


def hold_for_commit(connection: sa.Connection, statements: list[Statement]) -> None:
    """Send the statements with the transaction's COMMIT, in one pipeline, or before any
    statement run on the connection before it; a rollback drops them. Only for a driver with
    a pipeline (has_pipeline)."""
    connection.info.setdefault(_HELD, []).extend(statements)


def _held(connection: sa.Connection) -> list[Statement] | None:
    """Take the statements held on the connection. None on a connection invalidated (lost,
    say, when the database restarted): what it held went with it, and its info may not be
    asked for until the transaction is rolled back."""
    if connection.invalidated:
        return None
    held: list[Statement] | None = connection.info.pop(_HELD, None)
    return held


def _send_held_first(connection: sa.Connection, *_args: object) -> None:
    held = _held(connection)
    if held:
        with pipeline(connection):
            execute(connection, held)


def _send_held_with_commit(connection: sa.Connection) -> None:
    # Called as the transaction commits, before SQLAlchemy asks the driver to: the driver's
    # commit here sends the COMMIT in the pipeline, and the driver's commit that follows,
    # finding no transaction open, sends nothing.
    held = _held(connection)
    if not held:
        return
    driver = connection.connection.dbapi_connection
    assert driver is not None
    with pipeline(connection):
        execute(connection, held)
        driver.commit()


def _drop_held(connection: sa.Connection) -> None:
    _held(connection)


def _dropped_at_checkin(_driver: object, record: Any) -> None:
    if record is not None:
        record.info.pop(_HELD, None)


def _sync_if_asked(connection: sa.Connection, *_args: object) -> None:
    # After the driver has queued SQLAlchemy's statement, before SQLAlchemy reads its result:
    # in a pipeline the result is there only once the pipeline has been synced.
    waiting = connection.info.pop(_SYNC_AFTER_EXECUTE, None)
    if waiting is not None:
        waiting.sync()


def _pipeline_of(connection: sa.Connection) -> Any:
    """psycopg's Connection.pipeline, or None for a driver without one."""
    return getattr(connection.connection.dbapi_connection, "pipeline", None)
