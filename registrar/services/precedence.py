"""Precedence: the organizer's protocol rank of a guest, and the order it gives the VIP lists.

A rank is a whole number from 1 (first) to 9999, or none. Ranked guests come first, by rank;
unranked ones after them; then by English name, Chinese name and id, so that the order is the
same on every screen and paper. The console's form, the import and the API all check a rank
here.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import InvalidAnswer
from ..models import Guest

LOWEST = 1
HIGHEST = 9999

OUT_OF_RANGE = _l(
    "Precedence is a whole number from %(lowest)s (first) to %(highest)s, or empty for none."
)


def checked(value: object) -> int | None:
    """The rank given (a number or its text; empty or None: no rank), or InvalidAnswer."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InvalidAnswer(OUT_OF_RANGE, lowest=LOWEST, highest=HIGHEST)
    if isinstance(value, str):
        text = value.strip()
        # ASCII digits only: "١٢" or "+3" or "2.0" is not a rank anyone meant to type.
        if not (text.isascii() and text.isdigit()) or len(text) > 6:
            raise InvalidAnswer(OUT_OF_RANGE, lowest=LOWEST, highest=HIGHEST)
        value = int(text)
    if not isinstance(value, int) or not LOWEST <= value <= HIGHEST:
        raise InvalidAnswer(OUT_OF_RANGE, lowest=LOWEST, highest=HIGHEST)
    return value


def order_by() -> tuple[Any, ...]:
    """SQL ORDER BY terms: ranked first by rank, unranked after, then by name and id (the
    same on SQLite and PostgreSQL, whose NULLs otherwise sort at opposite ends)."""
    return (
        sa.case((Guest.precedence.is_(None), 1), else_=0),
        Guest.precedence,
        sa.func.lower(Guest.name_en),
        Guest.name_zh,
        Guest.id,
    )


def sort_key(guest: Guest) -> tuple[bool, int, str, str, int]:
    """The same order in Python, for guests already loaded."""
    rank = guest.precedence
    return (
        rank is None,
        rank or 0,
        guest.name_en.lower(),
        guest.name_zh,
        guest.id,
    )
