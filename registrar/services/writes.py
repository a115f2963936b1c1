"""Writes gathered and sent together at the end of a hot path that holds a lock.

Each write is an INSERT of rows given as parameters, or an UPDATE with its values in it, and
loads nothing into the session. They are sent one after the other, in the order added.

Tried and left out (README, "Load"): sending them on PostgreSQL as one `WITH` statement (one
round trip instead of one per write), with the values built into the statement. In process,
the client spent more CPU time per answer on building and compiling it than the round trips
saved, and in the storm the answers held the lock no shorter (noisy figures, on a loaded
machine). INSERTs whose rows are parameters compile once.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..extensions import db


class Writes:
    def __init__(self) -> None:
        self._writes: list[tuple[sa.Insert | sa.Update, list[dict[str, Any]] | None]] = []

    def insert(self, statement: sa.Insert, rows: list[dict[str, Any]]) -> None:
        self._writes.append((statement, rows))

    def update(self, statement: sa.Update) -> None:
        self._writes.append((statement, None))

    def send(self) -> None:
        """Send the writes gathered, in the order they were added, and forget them."""
        writes, self._writes = self._writes, []
        for statement, rows in writes:
            if rows is None:
                db.session.execute(statement)
            else:
                db.session.execute(statement, rows)
