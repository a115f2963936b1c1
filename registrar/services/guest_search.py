"""Finding guests by what someone typed: the condition that a guest's stored search key
(models.Guest.search_key) holds a key, served by the index of search_index.py."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import Guest
from ..search_index import FTS_TABLE
from ..search_keys import search_key

__all__ = ["key_contains", "keys_contain", "search_key"]

# SQLite's trigram table finds pieces of three characters or more; shorter keys are looked
# for in the column alone.
_SHORTEST_INDEXED = 3

_FTS = sa.table(FTS_TABLE, sa.column("rowid"))


def key_contains(key: str) -> sa.ColumnElement[bool]:
    """Guests whose search key holds `key` (a search_key: no spaces) anywhere in one field."""
    return keys_contain([key])


def keys_contain(keys: list[str]) -> sa.ColumnElement[bool]:
    """Guests whose search key holds every one of `keys` (each within one field).

    On PostgreSQL the LIKEs are what the trigram index serves; on SQLite the trigram table is
    asked once for the keys it can find (all of them at once: it intersects its own lists
    faster than the database could), and the LIKEs then check its candidates.
    """
    holds = [
        Guest.search_key.like(
            "%" + key.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%", escape="/"
        )
        for key in keys
    ]
    indexed = [key for key in keys if len(key) >= _SHORTEST_INDEXED]
    if not indexed or db.session.get_bind().dialect.name != "sqlite":
        return sa.and_(*holds)
    phrases = " AND ".join('"' + key.replace('"', '""') + '"' for key in indexed)
    candidates = sa.select(_FTS.c.rowid).where(sa.literal_column(FTS_TABLE).op("MATCH")(phrases))
    return sa.and_(Guest.id.in_(candidates), *holds)
