"""Finding guests by what someone typed: the condition that a guest's stored search key
(models.Guest.search_key) holds a key, served by the index of search_index.py."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import Guest
from ..search_index import FTS_TABLE
from ..text import search_key

__all__ = ["key_contains", "search_key"]

# SQLite's trigram table finds pieces of three characters or more; shorter keys are looked
# for in the column alone.
_SHORTEST_INDEXED = 3

_FTS = sa.table(FTS_TABLE, sa.column("rowid"))


def key_contains(key: str) -> sa.ColumnElement[bool]:
    """Guests whose search key holds `key` (a search_key: no spaces) anywhere in one field.

    On PostgreSQL the LIKE is what the trigram index serves; on SQLite the index is asked
    first, by a phrase of the trigram table, and the LIKE then checks its candidates.
    """
    escaped = key.replace("/", "//").replace("%", "/%").replace("_", "/_")
    holds = Guest.search_key.like(f"%{escaped}%", escape="/")
    if len(key) < _SHORTEST_INDEXED or db.session.get_bind().dialect.name != "sqlite":
        return holds
    phrase = '"' + key.replace('"', '""') + '"'
    indexed = sa.select(_FTS.c.rowid).where(sa.literal_column(FTS_TABLE).op("MATCH")(phrase))
    return sa.and_(Guest.id.in_(indexed), holds)
