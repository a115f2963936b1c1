"""What the dashboard counts of each guest, kept in a table of its own by the database itself.

guest_tallies holds a row per guest: its event and category, flags (a bit per fact the
dashboard counts: revoked, sent, the answer, the seat, the check-in and the receiver, dietary
and access needs), the answer's channel and the answer's UTC hour. Triggers on guests, rsvps,
seats and check_ins write the guest's row again (an upsert) from those rows whenever one of
them is inserted, deleted, or changed in a column they read, in the transaction of the change:
every way of changing a guest (the services, bulk inserts, imports, plain SQL) keeps it, and a
rolled back change takes it with it. A guest deleted takes its row (ON DELETE CASCADE). The
dashboard then counts guests by (category, channel, flags), and answers by hour, each from an
index of guest_tallies in the index's order, without joining or sorting anything
(services/dashboard.py).

The tally is a table of its own, not columns of guests, so that a check-in or an answer never
writes the guest's row: on PostgreSQL an UPDATE that changes an indexed column of guests adds
an entry to every index of guests (the trigram index of the search key, the name order, ...),
where one of guest_tallies touches only its two small indexes.

On PostgreSQL the trigger first locks the guest's tally row, then reads the answer, the seat
and the check-in in a statement of its own: two transactions changing the same guest at once
(an answer and a check-in, say) write the tally one after the other, the second from what the
first committed. The functions keep the search_path they were made with (the tables' schema),
whoever's statement fires them. The triggers are made with the tables (create_all, through the
events below) and by the migration that brought them, from the same statements.
"""

from __future__ import annotations

import sqlalchemy as sa

REVOKED, SENT, ATTENDING, DECLINED, INSIDE, LEFT = 1, 2, 4, 8, 16, 32
HANDED, RETURNED, DIETARY, ACCESS, CONFIRMED, WAITLISTED = 64, 128, 256, 512, 1024, 2048

TABLE = "guest_tallies"
INDEX = "ix_guest_tallies_event_tally"
ANSWERS_INDEX = "ix_guest_tallies_event_answered"
# The condition of the answers' index (partial), which the dashboard's query states as written
# here: the guests who answered.
ANSWERED = "answered_hour IS NOT NULL"

# The flags of the guest row `guests` from its own columns and its answer, seat and check-in
# (SQL both databases read alike: 0/1 booleans on SQLite, real ones on PostgreSQL).
_FLAGS = f"""
    (CASE WHEN guests.revoked_at IS NULL THEN 0 ELSE {REVOKED} END)
    + (CASE WHEN guests.sent_at IS NULL THEN 0 ELSE {SENT} END)
    + coalesce((SELECT
        (CASE WHEN rsvps.attending THEN {ATTENDING} WHEN NOT rsvps.attending THEN {DECLINED}
              ELSE 0 END)
        + (CASE WHEN rsvps.dietary <> '' THEN {DIETARY} ELSE 0 END)
        + (CASE WHEN rsvps.access_needs <> '' THEN {ACCESS} ELSE 0 END)
        FROM rsvps WHERE rsvps.guest_id = guests.id), 0)
    + coalesce((SELECT
        CASE seats.state WHEN 'confirmed' THEN {CONFIRMED} WHEN 'waitlisted' THEN {WAITLISTED}
             ELSE 0 END
        FROM seats WHERE seats.guest_id = guests.id), 0)
    + coalesce((SELECT
        (CASE WHEN check_ins.inside THEN {INSIDE} WHEN NOT check_ins.inside THEN {LEFT}
              ELSE 0 END)
        + (CASE WHEN check_ins.receiver <> '' THEN {HANDED} ELSE 0 END)
        + (CASE WHEN check_ins.receiver_returned_at IS NULL THEN 0 ELSE {RETURNED} END)
        FROM check_ins WHERE check_ins.guest_id = guests.id), 0)
"""
_CHANNEL = "(SELECT rsvps.channel FROM rsvps WHERE rsvps.guest_id = guests.id)"
# The UTC hour of the answer as 'YYYY-MM-DD HH' (answers by day; the column holds naive UTC).
_HOUR = {
    # SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff': its first 13 characters.
    "sqlite": "substr(rsvps.answered_at, 1, 13)",
    "postgresql": "to_char(rsvps.answered_at, 'YYYY-MM-DD HH24')",
}
_COLUMNS = "guest_id, event_id, category, flags, channel, answered_hour"


def _select(dialect: str) -> str:
    """Each guest's tally row made from its rows (a SELECT over guests, without its WHERE)."""
    hour = f"(SELECT {_HOUR[dialect]} FROM rsvps WHERE rsvps.guest_id = guests.id)"
    return (
        f"SELECT guests.id, guests.event_id, guests.category, {_FLAGS}, {_CHANNEL}, {hour} "
        "FROM guests"
    )


def recount_all(dialect: str) -> str:
    """Every guest's tally made from the rows (the migration, over the guests there, into an
    empty table)."""
    return f"INSERT INTO {TABLE} ({_COLUMNS}) {_select(dialect)}"


def _recount(guests: str, dialect: str = "sqlite") -> str:
    """The tally rows of the guests whose ids are `guests` (SQL of a list) made again. The
    SELECT has a WHERE clause, so SQLite reads ON CONFLICT as the upsert's, not a join's."""
    return (
        f"INSERT INTO {TABLE} ({_COLUMNS}) {_select(dialect)} WHERE guests.id IN ({guests}) "
        "ON CONFLICT (guest_id) DO UPDATE SET event_id = excluded.event_id, "
        "category = excluded.category, flags = excluded.flags, channel = excluded.channel, "
        "answered_hour = excluded.answered_hour"
    )


def _new_guest(new: str) -> str:
    """The tally row of a guest just inserted: no answer, seat or check-in yet, so only its own
    columns can set a flag."""
    return (
        f"INSERT INTO {TABLE} ({_COLUMNS}) VALUES ({new}.id, {new}.event_id, {new}.category, "
        f"(CASE WHEN {new}.revoked_at IS NULL THEN 0 ELSE {REVOKED} END) "
        f"+ (CASE WHEN {new}.sent_at IS NULL THEN 0 ELSE {SENT} END), NULL, NULL)"
    )


# The tables whose rows belong to one guest (guest_id), with the columns the flags read.
_PARTS = {
    "rsvps": "attending, channel, dietary, access_needs, answered_at, guest_id",
    "seats": "state, guest_id",
    "check_ins": "inside, receiver, receiver_returned_at, guest_id",
}
# The guest's own columns read.
_OWN = "revoked_at, sent_at, category, event_id"


def _sqlite() -> list[str]:
    statements = []
    for table, columns in _PARTS.items():
        statements += [
            f"CREATE TRIGGER IF NOT EXISTS {table}_tally_insert AFTER INSERT ON {table} "
            f"BEGIN {_recount('new.guest_id')}; END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_tally_delete AFTER DELETE ON {table} "
            f"BEGIN {_recount('old.guest_id')}; END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_tally_update AFTER UPDATE OF {columns} "
            f"ON {table} BEGIN {_recount('old.guest_id, new.guest_id')}; END",
        ]
    statements += [
        # Every guest has its row, from its insert on.
        "CREATE TRIGGER IF NOT EXISTS guests_tally_insert AFTER INSERT ON guests "
        f"BEGIN {_new_guest('new')}; END",
        f"CREATE TRIGGER IF NOT EXISTS guests_tally_update AFTER UPDATE OF {_OWN} ON guests "
        f"BEGIN {_recount('new.id')}; END",
    ]
    return statements


def _postgresql() -> list[str]:
    statements = [
        # The tally row's lock first (every guest has one from its insert on; a guest being
        # inserted is seen by no one else); then the tally, read in a statement of its own (a
        # snapshot taken after whoever held the lock has committed). The guest's row is not
        # written.
        "CREATE OR REPLACE FUNCTION guest_tally_recount(guest integer) RETURNS void "
        "LANGUAGE plpgsql SET search_path FROM CURRENT AS $$ BEGIN "
        f"PERFORM 1 FROM {TABLE} WHERE {TABLE}.guest_id = guest FOR UPDATE; "
        f"{_recount('guest', 'postgresql')}; END $$",
        "CREATE OR REPLACE FUNCTION guest_tally_of_part() RETURNS trigger "
        "LANGUAGE plpgsql SET search_path FROM CURRENT AS $$ BEGIN "
        "IF TG_OP <> 'INSERT' THEN PERFORM guest_tally_recount(OLD.guest_id); END IF; "
        "IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.guest_id <> OLD.guest_id) THEN "
        "PERFORM guest_tally_recount(NEW.guest_id); END IF; "
        "RETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION guest_tally_of_new_guest() RETURNS trigger "
        "LANGUAGE plpgsql SET search_path FROM CURRENT AS $$ BEGIN "
        f"{_new_guest('NEW')}; RETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION guest_tally_of_guest() RETURNS trigger "
        "LANGUAGE plpgsql SET search_path FROM CURRENT AS $$ BEGIN "
        "PERFORM guest_tally_recount(NEW.id); RETURN NULL; END $$",
    ]
    for table, columns in _PARTS.items():
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_tally ON {table}",
            f"CREATE TRIGGER {table}_tally AFTER INSERT OR DELETE OR UPDATE OF {columns} "
            f"ON {table} FOR EACH ROW EXECUTE FUNCTION guest_tally_of_part()",
        ]
    statements += [
        "DROP TRIGGER IF EXISTS guests_tally_insert ON guests",
        "CREATE TRIGGER guests_tally_insert AFTER INSERT ON guests FOR EACH ROW "
        "EXECUTE FUNCTION guest_tally_of_new_guest()",
        "DROP TRIGGER IF EXISTS guests_tally_update ON guests",
        f"CREATE TRIGGER guests_tally_update AFTER UPDATE OF {_OWN} ON guests FOR EACH ROW "
        "EXECUTE FUNCTION guest_tally_of_guest()",
    ]
    return statements


def create(conn: sa.Connection) -> None:
    """Make the triggers on the database `conn` is connected to (in its transaction); the
    tables guests, rsvps, seats, check_ins and guest_tallies must be there."""
    for statement in _sqlite() if conn.dialect.name == "sqlite" else _postgresql():
        conn.exec_driver_sql(statement)


def drop(conn: sa.Connection) -> None:
    if conn.dialect.name == "sqlite":
        for table in [*_PARTS, "guests"]:
            for suffix in ("insert", "delete", "update"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_tally_{suffix}")
        return
    for table in _PARTS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_tally ON {table}")
    for name in ("guests_tally_insert", "guests_tally_update"):
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON guests")
    for function in (
        "guest_tally_of_part()",
        "guest_tally_of_guest()",
        "guest_tally_of_new_guest()",
        "guest_tally_recount(integer)",
    ):
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}")


def listen(metadata: sa.MetaData) -> None:
    """Make the triggers in create_all once every table is made, and drop them in drop_all
    before any table goes."""
    sa.event.listen(metadata, "after_create", lambda target, conn, **kw: create(conn))
    sa.event.listen(metadata, "before_drop", lambda target, conn, **kw: drop(conn))
