"""How long each transaction held the write lock, for the benchmarks (scripts/bench/).

Off unless REGISTRAR_LOCK_TIMES names a file when the app is made; then every transaction
that took the lock appends one line to it when it ends: the milliseconds from taking the lock
(SQLite: the BEGIN IMMEDIATE, after its wait; PostgreSQL: the event row's SELECT ... FOR
UPDATE, or where the statement after it in the same pipeline reads the server's clock, that
reading: locking.lock_guest_event) to the end of its commit or rollback, when the lock is free
again. Workers append to the same file, one write per line. When off, nothing is listened to
and `taken` returns at once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, SessionTransaction

ENVIRONMENT = "REGISTRAR_LOCK_TIMES"
# Where the session keeps when its current transaction took the lock.
_TAKEN_AT = "registrar.lock_taken_at"

_path: str | None = None


def start(sessions: object, locked_at_begin: Callable[[sa.Connection], bool]) -> None:
    """Listen on the sessions' transactions, if REGISTRAR_LOCK_TIMES is set.

    `locked_at_begin`: whether a connection's transaction took the lock as it began (SQLite's
    BEGIN IMMEDIATE); other locks are reported by `taken` where they are taken.
    """
    global _path
    path = os.environ.get(ENVIRONMENT)
    if not path or _path is not None:
        return
    _path = path

    def begun(session: Session, _transaction: SessionTransaction, connection: sa.Connection):
        if locked_at_begin(connection):
            taken(session)

    sa.event.listen(sessions, "after_begin", begun)
    sa.event.listen(sessions, "after_transaction_end", _ended)


def on() -> bool:
    return _path is not None


def taken(session: Session, at: datetime | None = None) -> None:
    """The session's transaction has taken the lock (the first time counts): just now, or
    `at` (the database server's clock, on the same machine as the benchmarks run it)."""
    if _path is None:
        return
    transaction = session.get_transaction()
    kept = session.info.get(_TAKEN_AT)
    if kept is None or kept[0] is not transaction:
        now = time.perf_counter()
        if at is not None:
            now -= max(time.time() - at.timestamp(), 0.0)
        session.info[_TAKEN_AT] = (transaction, now)


def _ended(session: Session, transaction: SessionTransaction) -> None:
    # Called after the commit or rollback has reached the database, for the outermost
    # transaction too (nested ones have a parent).
    if transaction.parent is not None:
        return
    kept = session.info.get(_TAKEN_AT)
    if kept is None or kept[0] is not transaction:
        return
    del session.info[_TAKEN_AT]
    held = (time.perf_counter() - kept[1]) * 1000
    assert _path is not None, "listened to only once a path was given"
    line = f"{held:.3f}\n".encode()
    descriptor = os.open(_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line)
    finally:
        os.close(descriptor)
