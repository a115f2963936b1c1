"""Statements sent to PostgreSQL together, in psycopg's pipeline mode: one after the other
without waiting for each answer, the answers read together. The hot paths that hold the event
lock use it to hold it for fewer round trips (services/locking.py, services/writes.py).

SQLite's driver has no pipeline: there the same code runs each statement as it comes.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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


# -- writes sent straight to the driver ---------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    """A write made ready for the driver: its SQL, the values it holds itself, and how each
    value is made ready (what SQLAlchemy's execution would do for it: an enum to its text, a
    JSON value to the driver's JSON, and so on)."""

    sql: str
    held: dict[str, Any]
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]

    def values(self, row: dict[str, Any]) -> dict[str, Any]:
        values = {**self.held, **row}
        for name, process in self.processors:
            values[name] = process(values[name])
        return values


@functools.lru_cache(maxsize=128)
def _prepared(
    statement: sa.ClauseElement, dialect: sa.Dialect, keys: tuple[str, ...], many: bool
) -> _Prepared | None:
    """`statement` compiled as SQLAlchemy compiles it for rows with these keys; None when it
    needs more than its SQL and fixed values for the driver: a value made as it runs (a column
    default that is a function), a list expanded into its parameters, rows read back, or
    parameter names the driver cannot take as they are."""
    compiled = statement.compile(dialect=dialect, column_keys=list(keys), for_executemany=many)
    assert isinstance(compiled, sa.sql.compiler.SQLCompiler)
    binds = compiled.binds
    if (
        compiled.positional
        or compiled.effective_returning
        or compiled.escaped_bind_names
        or any(bind.expanding or bind.literal_execute for bind in binds.values())
        or any(bind.required for name, bind in binds.items() if name not in keys)
    ):
        return None
    held = {name: bind.effective_value for name, bind in binds.items() if name not in keys}
    # Columns the rows leave out, whose default (or value on update) the statement gets when
    # it runs: a fixed one is held like the rest.
    defaults = [(c, c.default) for c in compiled.insert_prefetch]
    defaults += [(c, c.onupdate) for c in compiled.update_prefetch]
    for column, default in defaults:
        if not isinstance(default, sa.ColumnDefault) or not default.is_scalar:
            return None
        if column.key not in binds:
            return None
        held[column.key] = default.arg
    processors = []
    for name, bind in binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((name, process))
    return _Prepared(compiled.string, held, tuple(processors))


def execute_in_pipeline(
    connection: sa.Connection,
    statement: sa.Insert | sa.Update,
    parameters: list[dict[str, Any]] | dict[str, Any] | None,
) -> None:
    """Send a write (no rows read back) on the driver's cursor, inside `pipeline`, without
    SQLAlchemy's execution around it: in a hot path that holds a lock, that execution cost
    more time than the statement's round trip (services/writes.py).

    What SQLAlchemy would send, it sends: the SQL it compiles for these rows' keys, and their
    values as its execution makes them ready. The connection's cursor listeners hear it as any
    other statement. A statement that needs more than that (see _prepared) goes through
    SQLAlchemy's execution instead, as do rows with different keys.
    """
    rows = parameters if isinstance(parameters, list) else [parameters or {}]
    keys = tuple(sorted(rows[0]))
    many = len(rows) > 1
    prepared = None
    if all(len(row) == len(keys) and all(k in row for k in keys) for row in rows[1:]):
        prepared = _prepared(statement, connection.dialect, keys, many)
    if prepared is None:
        connection.execute(statement, parameters)
        return
    sql = prepared.sql
    values: Any = [prepared.values(row) for row in rows] if many else prepared.values(rows[0])
    cursor: Any = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    listened = connection._has_events or connection.engine._has_events
    if listened:
        for before in connection.dispatch.before_cursor_execute:
            sql, values = before(connection, cursor, sql, values, None, many)
    if many:
        cursor.executemany(sql, values)
    else:
        cursor.execute(sql, values)
    if listened:
        for after in connection.dispatch.after_cursor_execute:
            after(connection, cursor, sql, values, None, many)
