"""Engine settings per database: SQLite's write lock taken at BEGIN, PostgreSQL's pool."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, has_request_context, request

from .extensions import db


def engine_options(uri: str, lock_timeout: float) -> dict:
    if uri.startswith("sqlite"):
        return {"connect_args": {"timeout": lock_timeout, "check_same_thread": False}}
    return {"pool_pre_ping": True}


def configure(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)


def _sqlite_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself instead of pysqlite's deferred BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _sqlite_begin(connection) -> None:
    # SQLite has one writer at a time. Taking that lock when the transaction begins means a
    # use case that reads, then writes, cannot find its snapshot stale at the write (which
    # SQLite answers with an immediate "database is locked"); others wait for the lock instead.
    # Requests that only read (GET pages never write) begin deferred, so that they do not
    # queue behind each other; WAL lets them read while a writer works.
    if has_request_context() and request.method in READ_ONLY_METHODS:
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
