"""Writes gathered and sent together, for a hot path that holds a lock: on PostgreSQL in one
statement (one round trip to the server instead of one per write), elsewhere one by one.

Each write is an INSERT or UPDATE with its values in it (no parameter lists), that neither reads
what another of them writes nor returns anything: on PostgreSQL they become the data-modifying
parts of one `WITH` statement, which all see the database as it was before any of them, and
whose order among themselves is not defined.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db


class Writes:
    def __init__(self) -> None:
        self._statements: list[sa.Insert | sa.Update] = []

    def add(self, statement: sa.Insert | sa.Update) -> None:
        self._statements.append(statement)

    def send(self) -> None:
        """Send the writes gathered, and forget them."""
        statements, self._statements = self._statements, []
        # On the session's connection, past the ORM's handling of a statement (which these,
        # loading nothing, do not need) and with no flush: nothing may be pending then.
        connection = db.session.connection()
        if len(statements) > 1 and connection.dialect.name == "postgresql":
            parts = [statement.cte(f"write_{n}") for n, statement in enumerate(statements)]
            connection.execute(sa.select(sa.literal(1)).add_cte(*parts))
            return
        for statement in statements:
            connection.execute(statement)
