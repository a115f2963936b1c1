"""The keys of an event file, what each holds, and where in the text each one is.

A file's problems are named by their key as a path (`room.capacity`, `agenda[1].starts`,
`agenda[0].people[2].name.en`, counting from 0) and by the line that key is on, so that an
organizer with the file open in an editor goes straight to it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from ...errors import InvalidAnswer
from ...models import Category

# What each key holds; a tuple `(kind, None)` marks a key that may be left out. A table is a
# dict, a list of tables a one-element list of its table; `TIME` is a "HH:MM" text.
TIME = "time"
# A table of whole numbers under keys the reader checks itself (seats held per category).
COUNTS = "counts"
_TEXT = {"en": (str, None), "zh": (str, None)}
PERSON = {
    "role": str,
    "name": (_TEXT, None),
    "title": (_TEXT, None),
    "affiliation": (_TEXT, None),
}
ITEM = {
    "kind": str,
    "starts": TIME,
    "ends": TIME,
    "title": _TEXT,
    "people": ([PERSON], None),
    # A session guests choose whether to attend (services/seats/sessions.py).
    "choosable": (bool, None),
}
# A row of the seating plan (services/seating/): `[[seating.rows]]`.
SEATING_ROW = {
    "label": str,
    "seats": int,
    "aisles_after": ([int], None),
    "reserved": ([int], None),
}
# A question of the event's own (services/questions/): `[[questions]]`, its choices within.
QUESTION_CHOICE = {"key": str, "en": (str, None), "zh": (str, None)}
QUESTION = {
    "kind": str,
    "label": _TEXT,
    "help": (_TEXT, None),
    "required": (bool, None),
    "categories": ([str], None),
    "min": (int, None),
    "max": (int, None),
    "guest_list": (bool, None),
    "choices": ([QUESTION_CHOICE], None),
}
LAYOUT: dict[str, Any] = {
    "slug": str,
    "short_name": (str, None),
    "date": date,
    "timezone": str,
    "channels": [str],
    "title": _TEXT,
    "description": (_TEXT, None),
    "organizers": (_TEXT, None),
    "times": {
        "doors_open": TIME,
        "starts": TIME,
        "ends": TIME,
        "ends_days_after": (int, None),
    },
    "rsvp": {"closes_days_before": int, "closes_at": TIME},
    "venue": {
        "en": (str, None),
        "zh": (str, None),
        "address": (_TEXT, None),
        "map_url": (str, None),
    },
    "room": {
        "name": _TEXT,
        "capacity": int,
        "held": (int, None),
        "holds": (COUNTS, None),
        "held_for": ([str], None),
    },
    "contact": ({"name": (str, None), "email": (str, None), "phone": (str, None)}, None),
    "mail": (
        {"sender_name": (str, None), "reply_to": (str, None), "intro": (_TEXT, None)},
        None,
    ),
    "door": ({"no_answer": (str, None), "walk_ins": (bool, None)}, None),
    "requests": ({"small_corrections": (bool, None), "no_deputies": ([str], None)}, None),
    # How many accompanying persons a guest of each category may bring, and whether they sit.
    "accompanying": (
        {
            "limits": ({category.value: (int, None) for category in Category}, None),
            "take_seats": (bool, None),
        },
        None,
    ),
    # The categories whose guests are offered travel (services/travel/).
    "travel": ({"categories": ([str], None), "hotels": ([str], None)}, None),
    # The letterhead of the visa invitation letters: who invites, from where, who signs.
    "letter": (
        {
            "organizer": (_TEXT, None),
            "address": (_TEXT, None),
            "signatory": (str, None),
            "signatory_title": (_TEXT, None),
        },
        None,
    ),
    "agenda": ([ITEM], None),
    "seating": ({"rows": ([SEATING_ROW], None)}, None),
    "questions": ([QUESTION], None),
}

_KIND_MESSAGES = {
    str: _l('must be text in quotes, e.g. "Room 301a"'),
    int: _l("must be a whole number, e.g. 36"),
    bool: _l("must be true or false, without quotes"),
    date: _l("must be a date as YYYY-MM-DD, without quotes, e.g. 2026-03-21"),
    TIME: _l('must be a time of day as "HH:MM", e.g. "13:30"'),
}
_HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: its key, the line that key is on (when known), and why."""

    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.key}: {self.message}" if self.key else f"{where}{self.message}"


class EventFileError(InvalidAnswer):
    """The file does not describe an event that can be saved; nothing was written.

    `problems` names each key and its line; the message lists them one a line.
    """

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems

    @classmethod
    def at(cls, key: str, message: object) -> EventFileError:
        return cls([Problem(key, str(message))])


def parse(text: str) -> dict[str, Any]:
    """The file's tables; a file that is not TOML is named with its line and column."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's error carries its place only in its message: "... (at line 3, column 9)".
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc))
        if found:
            reason = f"{reason} (column {found[2]})"
        message = str(_l("this is not valid TOML: %(reason)s")) % {"reason": reason}
        raise EventFileError([Problem("", message, int(found[1]) if found else None)]) from None


def check(data: dict[str, Any], lines: KeyLines) -> None:
    """Raise EventFileError at the first key that is unknown, missing, or of another kind."""
    _check(data, LAYOUT, "", lines)


def hhmm(value: str) -> tuple[int, int] | None:
    found = _HHMM.fullmatch(value)
    return (int(found[1]), int(found[2])) if found else None


def _check(value: Any, layout: Any, key: str, lines: KeyLines) -> None:
    def refuse(where: str, message: object) -> EventFileError:
        return EventFileError([lines.problem(where, message)])

    if isinstance(layout, dict):
        if not isinstance(value, dict):
            raise refuse(key, _l("must be a table of keys"))
        prefix = f"{key}." if key else ""
        unknown = sorted(value.keys() - layout.keys())
        if unknown:
            raise refuse(
                prefix + unknown[0],
                _l("not a key of an event file (the keys are listed atop an exported file)"),
            )
        for name, expected in layout.items():
            optional = isinstance(expected, tuple)
            if name in value:
                _check(value[name], expected[0] if optional else expected, prefix + name, lines)
            elif not optional:
                raise refuse(prefix + name, _l("missing: this key is required"))
    elif isinstance(layout, list):
        if not isinstance(value, list):
            raise refuse(key, _l("must be a list"))
        for n, element in enumerate(value):
            _check(element, layout[0], f"{key}[{n}]", lines)
    elif layout == COUNTS:
        if not isinstance(value, dict):
            raise refuse(key, _l("must be a table of keys"))
        for name, count in value.items():
            if not isinstance(count, int) or isinstance(count, bool):
                raise refuse(f"{key}.{name}", _KIND_MESSAGES[int])
    elif layout == TIME:
        if not isinstance(value, str) or hhmm(value) is None:
            raise refuse(key, _KIND_MESSAGES[TIME])
    # bool is an int to Python, never a number of seats to us.
    elif not isinstance(value, layout) or (layout is int and isinstance(value, bool)):
        raise refuse(key, _KIND_MESSAGES[layout])


# -- where each key is -----------------------------------------------------------------------

_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_DOTTED = rf"(?:{_BARE}|{_QUOTED})(?:\s*\.\s*(?:{_BARE}|{_QUOTED}))*"
_HEADER_LINE = re.compile(rf"^\s*(\[\[|\[)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_KEY_LINE = re.compile(rf"^\s*({_DOTTED})\s*=(.*)$")
_PART = re.compile(rf"{_BARE}|{_QUOTED}")


def _parts(dotted: str) -> list[str]:
    return [part.strip("\"'") for part in _PART.findall(dotted)]


class KeyLines:
    """The line of every key and table header in a TOML text, by key path.

    A small reading of the text's lines, not a parser: it follows table headers (counting the
    `[[agenda]]` tables) and skips the inside of multi-line strings. Only messages use it.
    """

    def __init__(self, text: str) -> None:
        self._lines: dict[str, int] = {}
        arrays: dict[str, int] = {}
        table = ""
        closing: str | None = None  # the quotes that end the multi-line string we are in
        for number, line in enumerate(text.splitlines(), start=1):
            if closing is not None:
                if line.count(closing) % 2 == 1:
                    closing = None
                continue
            header = _HEADER_LINE.match(line)
            if header:
                table = self._resolve(_parts(header[2]), arrays, header[1] == "[[")
                self._lines.setdefault(table, number)
                continue
            found = _KEY_LINE.match(line)
            if not found:
                continue
            path = table
            for part in _parts(found[1]):
                path = f"{path}.{part}" if path else part
                self._lines.setdefault(path, number)
            rest = found[2]
            for quotes in ('"""', "'''"):
                if rest.count(quotes) % 2 == 1:
                    closing = quotes

    @staticmethod
    def _resolve(parts: list[str], arrays: dict[str, int], new_element: bool) -> str:
        """The concrete path of a header: `agenda.people` within the second agenda item is
        `agenda[1].people`; `[[...]]` starts a new element of its array."""
        path = ""
        for n, part in enumerate(parts):
            path = f"{path}.{part}" if path else part
            last = n == len(parts) - 1
            if last and new_element:
                arrays[path] = arrays.get(path, -1) + 1
                path = f"{path}[{arrays[path]}]"
            elif path in arrays:
                path = f"{path}[{arrays[path]}]"
        return path

    def line_of(self, key: str) -> int | None:
        """The key's line; for a key the file does not have, the line of the nearest table
        or key that holds it (None at the top level)."""
        while key not in self._lines:
            shorter = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", key)
            if shorter == key:
                return None
            key = shorter
        return self._lines[key]

    def problem(self, key: str, message: object) -> Problem:
        return Problem(key, str(message), self.line_of(key))
