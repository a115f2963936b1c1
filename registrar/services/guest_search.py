"""Finding guests by what someone typed: the condition that a guest's stored search key
(models.Guest.search_key) holds a key, served by the index of search_index.py."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import Guest
from ..search_index import FTS_TABLE
from ..search_keys import search_key

__all__ = ["common_keys", "key_contains", "keys_contain", "narrows", "search_key"]

# SQLite's trigram table finds pieces of three characters or more; shorter keys are looked
# for in the column alone.
_SHORTEST_INDEXED = 3
# More candidates than this from SQLite's trigram table, and the keys are common: reading the
# list in its own order and checking each guest is then faster than going through the table
# (which hands back every candidate, a hundred thousand for "guest", before the first is read).
COMMON = 2000

_FTS = sa.table(FTS_TABLE, sa.column("rowid"))


def key_contains(key: str) -> sa.ColumnElement[bool]:
    """Guests whose search key holds `key` (a search_key: no spaces) anywhere in one field."""
    return keys_contain([key])


def keys_contain(keys: list[str], *, common: bool = False) -> sa.ColumnElement[bool]:
    """Guests whose search key holds every one of `keys` (each within one field).

    On PostgreSQL the LIKEs are what the trigram index serves; on SQLite the trigram table is
    asked once for the keys it can find (all of them at once: it intersects its own lists
    faster than the database could), and the LIKEs then check its candidates. With `common`
    (see common_keys), SQLite's table is left out: the LIKEs alone check the guests read.
    """
    holds = [
        Guest.search_key.like(
            "%" + key.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%", escape="/"
        )
        for key in keys
    ]
    phrases = _phrases(keys)
    if common or phrases is None:
        return sa.and_(*holds)
    return sa.and_(Guest.id.in_(_candidates(phrases)), *holds)


def common_keys(keys: list[str]) -> bool:
    """Whether SQLite's trigram table holds more than COMMON guests (of every event) with all
    of `keys`: one look at its first COMMON + 1 entries, well under a millisecond. False on
    PostgreSQL, whose planner weighs its own index."""
    phrases = _phrases(keys)
    if phrases is None:
        return False
    first = _candidates(phrases).limit(COMMON + 1).subquery()
    return (db.session.scalar(sa.select(sa.func.count()).select_from(first)) or 0) > COMMON


def narrows(keys: list[str], *, common: bool = False) -> bool:
    """Whether keys_contain(keys, common=common) hands SQLite the few candidates of its
    trigram table (COMMON at most): they are then best read by id, one by one. SQLite, with no
    statistics, would rather read the event's guests from its index and check each id against
    them: a hundred thousand for one found."""
    return not common and _phrases(keys) is not None


def _phrases(keys: list[str]) -> str | None:
    """The MATCH text of SQLite's trigram table for the keys it can find; None on PostgreSQL
    or when no key is long enough."""
    indexed = [key for key in keys if len(key) >= _SHORTEST_INDEXED]
    if not indexed or db.session.get_bind().dialect.name != "sqlite":
        return None
    return " AND ".join('"' + key.replace('"', '""') + '"' for key in indexed)


def _candidates(phrases: str) -> sa.Select[tuple[int]]:
    return sa.select(_FTS.c.rowid).where(sa.literal_column(FTS_TABLE).op("MATCH")(phrases))
