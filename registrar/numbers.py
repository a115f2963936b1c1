"""Numbers from outside (query strings, forms, signed codes), read one way."""

from __future__ import annotations

# Every id column is a 32-bit integer on every database: a larger number names nothing.
MAX_ID = 2**31 - 1


def parse_whole(value: object, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """A whole number written in ASCII digits within [low, high], or None for anything else.

    str.isdigit() accepts "²" and "٣", which int() then refuses or reads differently; a very long
    run of digits would overflow a database column. Neither reaches a query through here.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not text or len(text) > len(str(high)) or not (text.isascii() and text.isdigit()):
            return None
        number = int(text)
    else:
        return None
    return number if low <= number <= high else None


def parse_id(value: object) -> int | None:
    """A database id (1 to MAX_ID), or None."""
    return parse_whole(value, low=1)
