"""The guest list's indexes that the models cannot describe for both databases: the name
search's (a pg_trgm GIN index on PostgreSQL, an FTS5 trigram table on SQLite) and the list's
name order (an index on an expression). Made with the tables (create_all, through the events
below) and by the migration that brought them, from the same statements.

On PostgreSQL the pg_trgm extension is made in the schema `public` if it is not there yet. A
server where it cannot be made (not available, no right to) gets no search index: the search
reads the same column without it, and finds the same guests, in time that grows with the list.

SQLite keeps the FTS5 table current with triggers on `guests`. A later migration that rebuilds
that table (Alembic's batch mode on SQLite copies it and drops the old one, triggers and all)
must call create() again.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

log = logging.getLogger(__name__)

# SQLite: the FTS5 table (and the triggers that keep it) holding guests.search_key by guest id.
FTS_TABLE = "guest_search"
# PostgreSQL: the trigram index on guests.search_key.
TRIGRAM_INDEX = "ix_guests_search_key_trgm"
# Both: the guest list's default order (services/guests/listing.py, _order).
NAME_ORDER_INDEX = "ix_guests_event_name"
# The expression the list sorts by, written as the index holds it (a literal '', not a bound
# parameter: SQLite matches an index's expression only to the same text).
NAME_ORDER = "lower(coalesce(nullif(name_en, ''), name_zh))"
NAME_ORDER_OF_GUESTS = NAME_ORDER.replace("name_", "guests.name_")

_SQLITE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "search_key, content='guests', content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_insert AFTER INSERT ON guests BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, search_key) VALUES (new.id, new.search_key); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_delete AFTER DELETE ON guests BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_key) "
    "VALUES ('delete', old.id, old.search_key); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_update AFTER UPDATE OF search_key ON guests BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_key) "
    "VALUES ('delete', old.id, old.search_key); "
    f"INSERT INTO {FTS_TABLE}(rowid, search_key) VALUES (new.id, new.search_key); END",
    # The rows already there (a migration over a filled database).
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
]

_NAME_ORDER_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {NAME_ORDER_INDEX} ON guests (event_id, {NAME_ORDER}, name_zh, id)"
)


def create(conn: sa.Connection) -> None:
    """Make the indexes on the database `conn` is connected to (in its transaction)."""
    dialect = conn.dialect.name
    conn.exec_driver_sql(_NAME_ORDER_INDEX)
    if dialect == "sqlite":
        for statement in _SQLITE:
            conn.exec_driver_sql(statement)
    elif dialect == "postgresql":
        schema = _trigram_schema(conn)
        if schema is None:
            log.warning(
                "pg_trgm could not be made, so the guest search has no index (it finds the "
                "same guests, in time that grows with the list). As a superuser: %s",
                f"CREATE EXTENSION pg_trgm; CREATE INDEX {TRIGRAM_INDEX} ON guests "
                "USING gin (search_key gin_trgm_ops);",
            )
            return
        conn.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON guests "
            f'USING gin (search_key "{schema}".gin_trgm_ops)'
        )


def drop(conn: sa.Connection) -> None:
    if conn.dialect.name == "sqlite":
        for suffix in ("insert", "delete", "update"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{suffix}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    else:
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")
    conn.exec_driver_sql(f"DROP INDEX IF EXISTS {NAME_ORDER_INDEX}")


def _trigram_schema(conn: sa.Connection) -> str | None:
    """The schema holding pg_trgm, made in `public` when the server lets us; None if it cannot
    be made. Tried in a savepoint, so that a refusal leaves the caller's transaction usable."""
    find = sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    )
    for _ in range(2):  # a second look: another process may have made it at the same moment
        schema = conn.scalar(find)
        if schema is not None:
            return schema
        try:
            with conn.begin_nested():
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        except sa.exc.DBAPIError as error:
            log.info("CREATE EXTENSION pg_trgm: %s", error.orig)
    return conn.scalar(find)


def has_trigram_index(conn: sa.Connection) -> bool:
    return bool(
        conn.scalar(
            sa.text("SELECT count(*) FROM pg_indexes WHERE indexname = :name"),
            {"name": TRIGRAM_INDEX},
        )
    )


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """For Alembic's comparison of the models with a database: leave out what is made here."""
    if type_ == "table":
        return not (name or "").startswith(FTS_TABLE)
    if type_ == "index":
        return name not in (TRIGRAM_INDEX, NAME_ORDER_INDEX)
    return True


def listen(table: sa.Table) -> None:
    """Make and drop the indexes with `table` (guests) in create_all and drop_all."""
    sa.event.listen(table, "after_create", lambda target, conn, **kw: create(conn))
    sa.event.listen(table, "before_drop", lambda target, conn, **kw: drop(conn))
