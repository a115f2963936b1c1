"""How many seats each event has confirmed, waitlisted and taken from its holds, kept in a table
of its own by the database itself.

seat_tallies holds a row per event that has had a seat: the three counts the seat decision reads
under the event's lock (services/seats/counts.py). Triggers on seats add a seat's row to them
when it is inserted, take it away when it is deleted, and both when its state, hold or event
changes, in the transaction of the change: every way of changing seats (the services, bulk
inserts, plain SQL, a guest or an event deleted with its seats) keeps them, and a rolled back
change takes its counts with it. An event deleted takes its row (ON DELETE CASCADE).

Counted, not kept, the decision read every seat of the event under the lock: at 50,000
confirmed seats, about 5 ms per answer on SQLite (README, "Load"). A row per event, not columns
of events: a seat's change writes this small row, never the event's.

Every change of an event's seats holds the event's lock (services/locking.py), so the row is
written by one transaction at a time; on PostgreSQL the upsert's row lock makes that so for any
other writer as well. The triggers are made with the tables (create_all, through the events
below) and by the migration that brought them, from the same statements.

What it costs: one more statement, by the trigger, for every seat changed. On PostgreSQL each
one writes a new version of the event's row, which later writes of the same transaction step
over: thousands of seats changed in one transaction take longer per seat (5,000 promoted at
once by a capacity increase: 12.0 s against 11.1 s without the tally, README "Load").
"""

from __future__ import annotations

import sqlalchemy as sa

TABLE = "seat_tallies"
COLUMNS = ("confirmed", "waitlisted", "in_holds")


def _counts(row: str) -> tuple[str, str, str]:
    """What the seat `row` (new or old) counts for, in the order of COLUMNS (SQL both databases
    read alike)."""
    return (
        f"CASE WHEN {row}.state = 'confirmed' THEN 1 ELSE 0 END",
        f"CASE WHEN {row}.state = 'waitlisted' THEN 1 ELSE 0 END",
        f"CASE WHEN {row}.hold_id IS NULL THEN 0 ELSE 1 END",
    )


def _add(row: str) -> str:
    values = ", ".join(_counts(row))
    added = ", ".join(f"{c} = {TABLE}.{c} + excluded.{c}" for c in COLUMNS)
    return (
        f"INSERT INTO {TABLE} (event_id, {', '.join(COLUMNS)}) "
        f"VALUES ({row}.event_id, {values}) ON CONFLICT (event_id) DO UPDATE SET {added}"
    )


def _take_away(row: str) -> str:
    taken = ", ".join(f"{c} = {c} - {n}" for c, n in zip(COLUMNS, _counts(row), strict=True))
    return f"UPDATE {TABLE} SET {taken} WHERE event_id = {row}.event_id"


def recount_all() -> str:
    """Every event's tally made from its seats (the migration, into an empty table)."""
    counts = ", ".join(f"sum({n})" for n in _counts("seats"))
    return (
        f"INSERT INTO {TABLE} (event_id, {', '.join(COLUMNS)}) "
        f"SELECT seats.event_id, {counts} FROM seats GROUP BY seats.event_id"
    )


# The seat's columns the counts read.
_READ = "state, hold_id, event_id"


def _sqlite() -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS seats_seat_tally_insert AFTER INSERT ON seats "
        f"BEGIN {_add('new')}; END",
        f"CREATE TRIGGER IF NOT EXISTS seats_seat_tally_delete AFTER DELETE ON seats "
        f"BEGIN {_take_away('old')}; END",
        f"CREATE TRIGGER IF NOT EXISTS seats_seat_tally_update AFTER UPDATE OF {_READ} ON seats "
        f"BEGIN {_take_away('old')}; {_add('new')}; END",
    ]


def _postgresql() -> list[str]:
    return [
        # The functions keep the search_path they were made with (the tables' schema), whoever's
        # statement fires them.
        "CREATE OR REPLACE FUNCTION seat_tally_of_seat() RETURNS trigger "
        "LANGUAGE plpgsql SET search_path FROM CURRENT AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {_take_away('OLD')}; END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_add('NEW')}; END IF; "
        "RETURN NULL; END $$",
        "DROP TRIGGER IF EXISTS seats_seat_tally ON seats",
        f"CREATE TRIGGER seats_seat_tally AFTER INSERT OR DELETE OR UPDATE OF {_READ} ON seats "
        "FOR EACH ROW EXECUTE FUNCTION seat_tally_of_seat()",
    ]


def create(conn: sa.Connection) -> None:
    """Make the triggers on the database `conn` is connected to (in its transaction); the
    tables seats and seat_tallies must be there."""
    for statement in _sqlite() if conn.dialect.name == "sqlite" else _postgresql():
        conn.exec_driver_sql(statement)


def drop(conn: sa.Connection) -> None:
    if conn.dialect.name == "sqlite":
        for suffix in ("insert", "delete", "update"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS seats_seat_tally_{suffix}")
        return
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS seats_seat_tally ON seats")
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS seat_tally_of_seat()")


def listen(metadata: sa.MetaData) -> None:
    """Make the triggers in create_all once every table is made, and drop them in drop_all
    before any table goes."""
    sa.event.listen(metadata, "after_create", lambda target, conn, **kw: create(conn))
    sa.event.listen(metadata, "before_drop", lambda target, conn, **kw: drop(conn))
