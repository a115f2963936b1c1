"""Writes gathered and sent together at the end of a hot path that holds a lock.

Each write is an INSERT of rows given as parameters (made with `.inline()`, so that nothing is
read back), or an UPDATE with its values in it or bound, and loads nothing into the session.
They are sent in the order added, as Core statements on the session's connection: the ORM's
bulk insert, which the session would run them through, cost more time under the lock than the
statements themselves on SQLite. On PostgreSQL they go in one pipeline (psycopg's pipeline
mode): sent one after the other without waiting for each answer, the answers read together at
the end, where a refused write raises as SQLAlchemy's error of its kind, as if sent alone.

Writes that end their transaction can wait for its commit (Writes.send_with_commit): on
PostgreSQL they then go in the same pipeline as the COMMIT, and the lock, held until the
commit's answer, is released one round trip sooner. Until the commit they are kept with the
connection; any statement run on it before then sends them first (listen), so that nothing can
read or write past them, and a rollback drops them with the rest of the transaction.

Tried and left out (README, "Load"): sending them on PostgreSQL as one `WITH` statement, with
the values built into the statement. In process, the client spent more CPU time per answer on
building and compiling it than the round trips saved.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .. import pipelines
from ..extensions import db

_Write = tuple[sa.Insert | sa.Update, list[dict[str, Any]] | dict[str, Any] | None]
# Kept in the connection's info: the writes waiting for the transaction's commit.
_HELD = "registrar.writes_held_for_commit"


class Writes:
    def __init__(self) -> None:
        self._writes: list[_Write] = []

    def insert(self, statement: sa.Insert, rows: list[dict[str, Any]]) -> None:
        self._writes.append((statement, rows))

    def update(self, statement: sa.Update, values: dict[str, Any] | None = None) -> None:
        """An UPDATE; `values` for its bound parameters, when it has any (one made once)."""
        self._writes.append((statement, values))

    def send(self) -> None:
        """Send the writes gathered, in the order they were added, and forget them."""
        writes, self._writes = self._writes, []
        # What the session holds back goes first, as the session's own execute would send it.
        db.session.flush()
        connection = db.session.connection()
        with pipelines.pipeline(connection):
            _execute(connection, writes)

    def send_with_commit(self) -> None:
        """Send the writes gathered as the transaction's last: where the driver has a pipeline
        (PostgreSQL), with its COMMIT, in one round trip; elsewhere at once, as send()."""
        writes, self._writes = self._writes, []
        db.session.flush()
        connection = db.session.connection()
        if not pipelines.has_pipeline(connection):
            _execute(connection, writes)
            return
        connection.info.setdefault(_HELD, []).extend(writes)


def listen(engine: sa.Engine) -> None:
    """Have the engine's connections send the writes held for a commit with it, or before any
    statement run before it, and drop them at a rollback."""
    sa.event.listen(engine, "before_execute", _send_held_first)
    sa.event.listen(engine, "commit", _send_held_with_commit)
    sa.event.listen(engine, "rollback", _drop_held)
    # A connection back in the pool keeps none either (its info outlives the checkout).
    sa.event.listen(engine.pool, "checkin", _dropped_at_checkin)


def _send_held_first(connection: sa.Connection, *_args: object) -> None:
    held = connection.info.pop(_HELD, None)
    if held:
        with pipelines.pipeline(connection):
            _execute(connection, held)


def _send_held_with_commit(connection: sa.Connection) -> None:
    # Called as the transaction commits, before SQLAlchemy asks the driver to: the driver's
    # commit here sends the COMMIT in the pipeline, and the driver's commit that follows,
    # finding no transaction open, sends nothing.
    held = connection.info.pop(_HELD, None)
    if not held:
        return
    driver = connection.connection.dbapi_connection
    assert driver is not None
    with pipelines.pipeline(connection):
        _execute(connection, held)
        driver.commit()


def _drop_held(connection: sa.Connection) -> None:
    connection.info.pop(_HELD, None)


def _dropped_at_checkin(_driver: object, record: Any) -> None:
    if record is not None:
        record.info.pop(_HELD, None)


def _execute(connection: sa.Connection, writes: list[_Write]) -> None:
    for statement, parameters in writes:
        if parameters is None:
            connection.execute(statement)
        else:
            connection.execute(statement, parameters)
