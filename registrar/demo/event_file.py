"""An event's TOML file (the forum, its room, times and programme) read into a new Event.

The layout is the one `data/citycop.toml` shows. Texts a guest reads are tables of `en` and
`zh`; times are local "HH:MM" on the forum's day in the event's timezone, so that the same
programme can be moved to another day as a whole.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..models import AgendaItem, AgendaKind, AgendaPerson, Channel, Event, PersonRole

# What each key holds; `None` marks a key that may be left out. A table is a dict, a list of
# tables a one-element list.
_TEXT = {"en": (str, None), "zh": (str, None)}
_PERSON = {
    "role": str,
    "name": (_TEXT, None),
    "title": (_TEXT, None),
    "affiliation": (_TEXT, None),
}
_ITEM = {
    "kind": str,
    "starts": str,
    "ends": str,
    "title": _TEXT,
    "people": ([_PERSON], None),
}
_LAYOUT = {
    "slug": str,
    "short_name": (str, None),
    "date": date,
    "timezone": str,
    "channels": [str],
    "title": _TEXT,
    "description": (_TEXT, None),
    "organizers": (_TEXT, None),
    "times": {"doors_open": str, "starts": str, "ends": str},
    "rsvp": {"closes_days_before": int, "closes_at": str},
    "venue": _TEXT,
    "room": {"name": _TEXT, "capacity": int, "held": (int, None)},
    "agenda": ([_ITEM], None),
}
E = TypeVar("E", bound=StrEnum)

_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


class EventFileError(ValueError):
    """The file does not describe an event; the message names the key and what is wrong."""


def read_event_file(text: str) -> dict[str, Any]:
    """The file's tables, checked against the layout: every key known, of its kind."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EventFileError(f"not a TOML file: {exc}") from exc
    _check(data, _LAYOUT, "")
    return data


def build_event(data: dict[str, Any], day: date | None = None) -> Event:
    """A new Event with its programme, on `day` or else the file's own date; not yet added
    to the session. `data` is what read_event_file() returned."""
    day = day or data["date"]
    try:
        zone = ZoneInfo(data["timezone"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise EventFileError(f"timezone: unknown zone {data['timezone']!r}") from exc

    def at(on: date, key: str, hhmm: str) -> datetime:
        found = _HHMM.fullmatch(hhmm)
        if found is None:
            raise EventFileError(f'{key}: {hhmm!r} is not a time of day as "HH:MM"')
        hour, minute = int(found[1]), int(found[2])
        return datetime.combine(on, time(hour, minute), tzinfo=zone)

    times, rsvp, room = data["times"], data["rsvp"], data["room"]
    title, venue, room_name = data["title"], data["venue"], room["name"]
    description, organizers = data.get("description", {}), data.get("organizers", {})
    closes_on = day - timedelta(days=rsvp["closes_days_before"])
    event = Event(
        slug=data["slug"],
        short_name=data.get("short_name", ""),
        title_en=title.get("en", ""),
        title_zh=title.get("zh", ""),
        description_en=description.get("en", ""),
        description_zh=description.get("zh", ""),
        venue_en=venue.get("en", ""),
        venue_zh=venue.get("zh", ""),
        room_en=room_name.get("en", ""),
        room_zh=room_name.get("zh", ""),
        organizers_en=organizers.get("en", ""),
        organizers_zh=organizers.get("zh", ""),
        capacity=room["capacity"],
        held_seats=room.get("held", 0),
        timezone=data["timezone"],
        doors_open_at=at(day, "times.doors_open", times["doors_open"]),
        starts_at=at(day, "times.starts", times["starts"]),
        ends_at=at(day, "times.ends", times["ends"]),
        rsvp_deadline=at(closes_on, "rsvp.closes_at", rsvp["closes_at"]),
        channels=" ".join(_member(Channel, c, "channels").value for c in data["channels"]),
    )
    # Positions count from 1, as the console's programme editor keeps them.
    for position, item in enumerate(data.get("agenda", []), start=1):
        where = f"agenda[{position - 1}]"
        entry = AgendaItem(
            position=position,
            kind=_member(AgendaKind, item["kind"], f"{where}.kind"),
            title_en=item["title"].get("en", ""),
            title_zh=item["title"].get("zh", ""),
            starts_at=at(day, f"{where}.starts", item["starts"]),
            ends_at=at(day, f"{where}.ends", item["ends"]),
        )
        for n, person in enumerate(item.get("people", [])):
            name, affiliation = person.get("name", {}), person.get("affiliation", {})
            title = person.get("title", {})
            role = _member(PersonRole, person["role"], f"{where}.people[{n}].role")
            entry.people.append(
                AgendaPerson(
                    position=n + 1,
                    role=role,
                    name_en=name.get("en", ""),
                    name_zh=name.get("zh", ""),
                    title_en=title.get("en", ""),
                    title_zh=title.get("zh", ""),
                    affiliation_en=affiliation.get("en", ""),
                    affiliation_zh=affiliation.get("zh", ""),
                )
            )
        event.agenda.append(entry)
    return event


def _member(kind: type[E], value: str, key: str) -> E:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise EventFileError(f"{key}: {value!r} is not one of {choices}") from None


def _check(value: Any, layout: Any, key: str) -> None:
    """Raise EventFileError at the first key that is unknown, missing, or of another kind."""
    if isinstance(layout, dict):
        if not isinstance(value, dict):
            raise EventFileError(f"{key}: expected a table")
        prefix = f"{key}." if key else ""
        unknown = sorted(value.keys() - layout.keys())
        if unknown:
            raise EventFileError(f"{prefix}{unknown[0]}: not a key of an event file")
        for name, expected in layout.items():
            optional = isinstance(expected, tuple)
            if name in value:
                _check(value[name], expected[0] if optional else expected, prefix + name)
            elif not optional:
                raise EventFileError(f"{prefix}{name}: missing")
    elif isinstance(layout, list):
        if not isinstance(value, list):
            raise EventFileError(f"{key}: expected a list")
        for n, element in enumerate(value):
            _check(element, layout[0], f"{key}[{n}]")
    # bool is an int to Python, never a number of seats to us.
    elif not isinstance(value, layout) or (layout is int and isinstance(value, bool)):
        raise EventFileError(f"{key}: expected {layout.__name__}, not {value!r}")
