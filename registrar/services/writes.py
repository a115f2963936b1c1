"""Writes gathered and sent together at the end of a hot path that holds a lock.

Each write is an INSERT of rows given as parameters (made with `.inline()`, so that nothing is
read back), or an UPDATE with its values in it or bound, and loads nothing into the session.
They are sent in the order added, as Core statements on the session's connection: the ORM's
bulk insert, which the session would run them through, cost more time under the lock than the
statements themselves on SQLite. On PostgreSQL they go in one pipeline (psycopg's pipeline
mode): sent one after the other without waiting for each answer, the answers read together at
the end, where a refused write raises as SQLAlchemy's error of its kind, as if sent alone. And
there each goes straight to the driver's cursor, compiled once (pipelines.execute_in_pipeline):
in a gunicorn worker that had just served other requests, SQLAlchemy's execution of the five
statements of a first answer took about 1 ms under the lock, more than the database's work.

Tried and left out (README, "Load"): sending them on PostgreSQL as one `WITH` statement, with
the values built into the statement. In process, the client spent more CPU time per answer on
building and compiling it than the round trips saved.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .. import pipelines
from ..extensions import db


class Writes:
    def __init__(self) -> None:
        self._writes: list[
            tuple[sa.Insert | sa.Update, list[dict[str, Any]] | dict[str, Any] | None]
        ] = []

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
        with pipelines.pipeline(connection) as entered:
            if entered is None:
                for statement, parameters in writes:
                    connection.execute(statement, parameters)
                return
            for statement, parameters in writes:
                pipelines.execute_in_pipeline(connection, statement, parameters)
