"""Engine settings per database: SQLite's write lock taken at BEGIN, PostgreSQL's pool."""

from __future__ import annotations

import contextvars
import os
import re
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import BufferedRandom
from typing import Any

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from sqlalchemy.orm import Session, SessionTransaction

from . import lock_times, pipelines
from .extensions import db

if sys.platform != "win32":
    import fcntl
else:  # not on Windows: writers there wait in SQLite's own busy handler
    fcntl = None


class GatedConnection(sqlite3.Connection):
    """A SQLite connection whose writers queue at a file lock before BEGIN IMMEDIATE.

    SQLite makes a writer that finds the database locked sleep and retry, in steps that grow
    to 100 ms: under a burst of scans at the door most of a request's time went to those
    naps. An exclusive flock() on a file beside the database is handed to the next waiter as
    soon as it is released, in this process or another (each connection opens the file
    itself, so threads queue too); SQLite's own lock is then free at once. The gate is held
    from BEGIN IMMEDIATE until commit, rollback or close.
    """

    def __init__(self, database: str | bytes | os.PathLike[str], *args: Any, **kwargs: Any):
        super().__init__(database, *args, **kwargs)
        self._gate_timeout = float(kwargs.get("timeout", 5.0))
        self._gate: BufferedRandom | None = None
        self._gate_held = False
        name = str(database)
        if fcntl is not None and name and name != ":memory:" and not name.startswith("file:"):
            self._gate = open(f"{name}-writer", "a+b")  # noqa: SIM115  (closed with the connection)

    def enter_write_gate(self) -> None:
        """Wait for the gate, as long as SQLite itself would wait for its lock."""
        if self._gate is None or self._gate_held:
            return
        deadline = time.monotonic() + self._gate_timeout
        pause = 0.0002
        while True:
            try:
                fcntl.flock(self._gate, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.002)
            else:
                self._gate_held = True
                return

    def _leave_write_gate(self) -> None:
        if self._gate_held:
            assert self._gate is not None, "the gate is held only once opened"
            self._gate_held = False
            fcntl.flock(self._gate, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._leave_write_gate()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._leave_write_gate()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._leave_write_gate()
            if self._gate is not None:
                self._gate.close()
                self._gate = None


def engine_options(uri: str, lock_timeout: float) -> dict[str, Any]:
    if uri.startswith("sqlite"):
        return {
            "connect_args": {
                "timeout": lock_timeout,
                "check_same_thread": False,
                "factory": GatedConnection,
            }
        }
    # Every wait for a row lock gives up after the lock timeout, set once per connection
    # instead of once per transaction: the error is answered "busy, try again" (503).
    # Added to the URL's own options (?options=...), which connect_args would otherwise replace.
    options = sa.engine.make_url(uri).query.get("options", "")
    if isinstance(options, tuple):
        options = " ".join(options)
    options = f"{options} -c lock_timeout={int(lock_timeout * 1000)}".strip()
    return {"pool_pre_ping": True, "connect_args": {"options": options}}


def configure(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "begin", _begun)
    sa.event.listen(engine, "before_cursor_execute", _note_write)
    sa.event.listen(db.session, "after_begin", _session_begun)
    pipelines.listen(engine)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
        sa.event.listen(engine, "commit", _sqlite_end)
        sa.event.listen(engine, "rollback", _sqlite_end)
    lock_times.start(db.session, holds_write_lock)
    # Registered after Flask-SQLAlchemy's own, so that it runs before that one removes the
    # session (teardown functions run in the reverse order).
    app.teardown_appcontext(_end_reads_at_teardown)


# -- ending a transaction that only read ------------------------------------------------------
#
# A transaction that only read ends with COMMIT, not ROLLBACK: the two are the same to the
# database, but on PostgreSQL psycopg forgets every statement it prepared on the connection at
# a rollback (and deallocates them on the server), so that no statement was ever prepared: each
# request read in a transaction rolled back at its end. Prepared, the statements of an answer
# cost the server about half the CPU time. A transaction that wrote anything (a statement other
# than a read, or changes still pending in the session) is rolled back as before.

# Kept in the connection's info: whether its current transaction ran a statement that writes.
_WROTE = "registrar.wrote"
_READ_ONLY = re.compile(r"\s*(?:SELECT|BEGIN|SHOW|SAVEPOINT|RELEASE)\b", re.IGNORECASE).match


# Kept in the session's info: the connection its current transaction runs on, once it has one.
_CONNECTION = "registrar.connection"


def _begun(connection: sa.Connection) -> None:
    connection.info[_WROTE] = False


def _session_begun(
    session: Session, transaction: SessionTransaction, connection: sa.Connection
) -> None:
    session.info[_CONNECTION] = (transaction, connection)


def _note_write(connection: sa.Connection, _cursor: object, statement: str, *_args: object) -> None:
    if not connection.info.get(_WROTE) and not _READ_ONLY(statement):
        connection.info[_WROTE] = True


def end_reads() -> None:
    """End the session's transaction: committed when it only read, else rolled back."""
    session = db.session()
    if not session.in_transaction():
        return
    transaction, connection = session.info.get(_CONNECTION, (None, None))
    if connection is None or transaction is not session.get_transaction():
        # Nothing was sent: the rollback only forgets what the session holds, if anything.
        session.rollback()
        return
    if session.new or session.dirty or session.deleted or connection.info.get(_WROTE, True):
        session.rollback()
        return
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _end_reads_at_teardown(exc: BaseException | None) -> None:
    if exc is not None:
        return  # Flask-SQLAlchemy's teardown rolls it back
    try:
        end_reads()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()


def _sqlite_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself instead of pysqlite's deferred BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE_LOCKED = "registrar.write_locked"
_READING = contextvars.ContextVar("registrar.reading", default=False)


@contextmanager
def reading() -> Iterator[None]:
    """A transaction of the session that only reads, ended at the block's end (end_reads).

    On SQLite it begins deferred, as a GET request's does: it takes no write lock, and with WAL
    writers go on meanwhile while it reads one consistent snapshot. Anything written in it is
    discarded (rolled back). The session must have no transaction open when the block begins.
    """
    if db.session().in_transaction():
        raise RuntimeError("reading() begins a transaction of its own")
    token = _READING.set(True)
    try:
        yield
    except BaseException:
        try:
            db.session.rollback()
        finally:
            _READING.reset(token)
        raise
    try:
        end_reads()
    finally:
        _READING.reset(token)


# Kept in flask.g: the request reads before its use case writes, and whether that use case's
# transaction is the one running now (see read_before_writing).
_READS_FIRST = "registrar_reads_first"
_WRITING = "registrar_writing"


def read_before_writing() -> None:
    """This request reads (its page, the link, the form's checks) before its use case writes.

    Its reads then begin deferred on SQLite, as a GET's do, and wait for no writer; only the
    use case's own transaction (unit_of_work.transaction, see `writing`) begins with the write
    lock, so the lock is held for the use case alone. The use case reads again under the lock
    whatever it decides on: what was read before it may be stale by then.
    """
    setattr(g, _READS_FIRST, True)


@contextmanager
def writing() -> Iterator[None]:
    """The use case's transaction, in a request that reads first (read_before_writing).

    On SQLite the reads' transaction ends here, and the use case begins one of its own, which
    takes the lock as it begins. On PostgreSQL the use case goes on in the reads' transaction:
    each statement there reads what was committed before it began (READ COMMITTED), so that is
    the same to what the use case reads, and it saves a commit and a second checkout of a
    connection, with its ping. On both, what was loaded by the reads is expired and read again
    when used. Elsewhere this changes nothing.
    """
    if not has_request_context() or not g.get(_READS_FIRST) or g.get(_WRITING):
        yield
        return
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError(
            "A request that reads before writing writes only in its use case: "
            "something was changed before it began."
        )
    if _reads_end_before_writing(session):
        end_reads()
    else:
        session.expire_all()
    setattr(g, _WRITING, True)
    try:
        yield
    finally:
        setattr(g, _WRITING, False)


def _reads_end_before_writing(session: Session) -> bool:
    transaction, connection = session.info.get(_CONNECTION, (None, None))
    if connection is None or transaction is not session.get_transaction():
        return True  # nothing read yet, or no transaction: end_reads has little or nothing to do
    return bool(connection.dialect.name == "sqlite")


def _begins_deferred() -> bool:
    if _READING.get():
        return True
    if not has_request_context():
        return False
    if request.method in READ_ONLY_METHODS:
        return True
    return bool(g.get(_READS_FIRST)) and not g.get(_WRITING)


def _sqlite_begin(connection: sa.Connection) -> None:
    # SQLite has one writer at a time. Taking that lock when the transaction begins means a
    # use case that reads, then writes, cannot find its snapshot stale at the write (which
    # SQLite answers with an immediate "database is locked"); others wait for the lock instead.
    # Requests that only read (GET pages never write) begin deferred, so that they do not
    # queue behind each other; WAL lets them read while a writer works. So do the reads of a
    # request that reads before its use case writes (read_before_writing).
    if _begins_deferred():
        connection.info[WRITE_LOCKED] = False
        connection.exec_driver_sql("BEGIN")
        return
    dbapi_connection = connection.connection.dbapi_connection
    if isinstance(dbapi_connection, GatedConnection):
        try:
            dbapi_connection.enter_write_gate()
        except sqlite3.OperationalError as exc:
            # SQLAlchemy wraps driver errors of statements, not of event handlers: wrap it as
            # the BEGIN IMMEDIATE below would be, so that it is answered "busy" like that one.
            raise sa.exc.OperationalError("BEGIN IMMEDIATE", None, exc) from exc
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    # Everything this transaction reads is read under the write lock: see locking.lock_event.
    connection.info[WRITE_LOCKED] = True


def _sqlite_end(connection: sa.Connection) -> None:
    connection.info.pop(WRITE_LOCKED, None)


def holds_write_lock(connection: sa.Connection) -> bool:
    """Whether this SQLite connection's transaction began with BEGIN IMMEDIATE."""
    return bool(connection.info.get(WRITE_LOCKED))
