"""An event file's text read into the editor's details and the programme it lays out.

Times in the file are "HH:MM" on the event's clocks (its `timezone`), on the day `date`, so
that the whole forum moves to another day by changing one line (or with `day=` here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l

from ...errors import InvalidAnswer
from ...models import AgendaKind, Category, Channel, DoorNoAnswer, PersonRole
from ..event_details import EventDetails, is_time_zone, local_moment
from ..invitations import normalize_email
from ..programme import PersonDetails
from ..questions import QuestionDetails
from ..seating.plan import PlanInvalid, PlanRow, checked_rows
from .layout import EventFileError, KeyLines, Problem, check, hhmm, parse
from .questions import read_questions

E = TypeVar("E", bound=StrEnum)

# The editor's field each key of the file fills: a rule's complaint about a field is shown at
# its key. Programme items and people are named by their own keys (PROGRAMME_KEYS).
DETAIL_KEYS = {
    "slug": "slug",
    "short_name": "short_name",
    "title_en": "title.en",
    "title_zh": "title.zh",
    "description_en": "description.en",
    "description_zh": "description.zh",
    "organizers_en": "organizers.en",
    "organizers_zh": "organizers.zh",
    "intro_en": "mail.intro.en",
    "intro_zh": "mail.intro.zh",
    "timezone": "timezone",
    "channels": "channels",
    "doors_open_at": "times.doors_open",
    "starts_at": "times.starts",
    "ends_at": "times.ends",
    "rsvp_deadline": "rsvp.closes_at",
    "venue_en": "venue.en",
    "venue_zh": "venue.zh",
    "address_en": "venue.address.en",
    "address_zh": "venue.address.zh",
    "map_url": "venue.map_url",
    "room_en": "room.name.en",
    "room_zh": "room.name.zh",
    "capacity": "room.capacity",
    "held_seats": "room.held",
    "contact_name": "contact.name",
    "contact_email": "contact.email",
    "contact_phone": "contact.phone",
    "mail_sender_name": "mail.sender_name",
    "mail_reply_to": "mail.reply_to",
    "door_no_answer": "door.no_answer",
    "door_walk_ins": "door.walk_ins",
    "small_corrections": "requests.small_corrections",
    "no_deputies": "requests.no_deputies",
    "companion_limits": "accompanying.limits",
    "companions_take_seats": "accompanying.take_seats",
    "travel_categories": "travel.categories",
    "letter_organizer_en": "letter.organizer.en",
    "letter_organizer_zh": "letter.organizer.zh",
    "letter_address_en": "letter.address.en",
    "letter_address_zh": "letter.address.zh",
    "letter_signatory": "letter.signatory",
    "letter_signatory_title_en": "letter.signatory_title.en",
    "letter_signatory_title_zh": "letter.signatory_title.zh",
}
# The programme's form fields (services/programme/) as keys within an item or a person.
PROGRAMME_KEYS = {
    "kind": "kind",
    "starts": "starts",
    "ends": "ends",
    "title_en": "title.en",
    "title_zh": "title.zh",
    "role": "role",
    "name_en": "name.en",
    "name_zh": "name.zh",
    "affiliation_en": "affiliation.en",
    "affiliation_zh": "affiliation.zh",
    "choosable": "choosable",
}


@dataclass(frozen=True)
class PlannedItem:
    """A session or a break as the file lays it out, its times on the file's day."""

    kind: AgendaKind
    title_en: str
    title_zh: str
    starts_at: datetime
    ends_at: datetime
    people: tuple[PersonDetails, ...] = ()
    # A session guests choose to attend (`choosable = true` in the file).
    choosable: bool = False
    # Its key in the file (`agenda[2]`), to name it in a refusal; "" when not from a file.
    where: str = field(default="", compare=False)


@dataclass(frozen=True)
class EventFile:
    """What a file says: the event's details and its whole programme, in the file's order."""

    details: EventDetails
    programme: tuple[PlannedItem, ...]
    lines: KeyLines
    # The seating plan's rows; None when the file has no [seating] (the plan stays as it is).
    seating: tuple[PlanRow, ...] | None = None
    # Seats held per category (`room.holds`) and for the guests of these addresses
    # (`room.held_for`, normalized); the import checks them against the room and the list.
    holds: dict[Category, int] = field(default_factory=dict)
    held_for: tuple[str, ...] = ()
    # The event's own questions, checked; None when the file has no [[questions]] (the
    # questions stay as they are).
    questions: tuple[QuestionDetails, ...] | None = None
    # The hotels the organizers booked for travelling guests (`travel.hotels`); None when the
    # file names none (the list stays as it is).
    hotels: tuple[str, ...] | None = None

    def located(self, error: EventFileError) -> EventFileError:
        """The error with the line of each problem's key found in this file."""
        return EventFileError(
            [
                problem if problem.line else self.lines.problem(problem.key, problem.message)
                for problem in error.problems
            ]
        )

    def field_errors(self, errors: dict[str, str]) -> EventFileError:
        """The editor's rules' complaints ({field: message}) at their keys, in file order."""
        problems = [self.lines.problem(DETAIL_KEYS.get(f, f), m) for f, m in errors.items()]
        return EventFileError(sorted(problems, key=lambda p: (p.line or 0, p.key)))


def read_event_file(text: str, *, day: date | None = None) -> EventFile:
    """The file's event, on `day` or else the file's own `date`. Writes nothing.

    Raises EventFileError naming the line and key of the first thing that is not an event:
    not TOML, a key unknown, missing or of another kind, a time, zone, channel, kind or role
    that is none. The rules that need the database (a slug taken, seats already held) are the
    import's.
    """
    lines = KeyLines(text)
    data = parse(text)
    check(data, lines)

    def refuse(key: str, message: object) -> EventFileError:
        return EventFileError([lines.problem(key, message)])

    zone = data["timezone"]
    if not is_time_zone(zone):
        raise refuse("timezone", _l('not a time zone; use a name such as "Asia/Taipei"'))
    day = day or data["date"]

    def at(on: date, hhmm_text: str) -> datetime:
        hour, minute = hhmm(hhmm_text) or (0, 0)  # checked by the layout
        return local_moment(on, time(hour, minute), zone)

    times, rsvp, room, venue = data["times"], data["rsvp"], data["room"], data["venue"]
    starts_at = at(day, times["starts"])
    ends_at = at(day + timedelta(days=times.get("ends_days_after", 0)), times["ends"])
    texts = _texts(data)
    contact, mail = data.get("contact", {}), data.get("mail", {})
    no_answer = data.get("door", {}).get("no_answer", DoorNoAnswer.DESK.value)
    details = EventDetails(
        slug=data["slug"],
        short_name=data.get("short_name", ""),
        timezone=zone,
        channels=tuple(
            _member(Channel, code, f"channels[{n}]", lines, but=Channel.FLOOR)
            for n, code in enumerate(data["channels"])
        ),
        doors_open_at=at(day, times["doors_open"]),
        starts_at=starts_at,
        ends_at=ends_at,
        rsvp_deadline=at(day - timedelta(days=rsvp["closes_days_before"]), rsvp["closes_at"]),
        map_url=venue.get("map_url", ""),
        capacity=room["capacity"],
        held_seats=room.get("held", 0),
        contact_name=contact.get("name", ""),
        contact_email=contact.get("email", ""),
        contact_phone=contact.get("phone", ""),
        mail_sender_name=mail.get("sender_name", ""),
        mail_reply_to=mail.get("reply_to", ""),
        intro_en=mail.get("intro", {}).get("en", ""),
        intro_zh=mail.get("intro", {}).get("zh", ""),
        door_no_answer=_member(DoorNoAnswer, no_answer, "door.no_answer", lines),
        door_walk_ins=data.get("door", {}).get("walk_ins", False),
        small_corrections=data.get("requests", {}).get("small_corrections", False),
        no_deputies=tuple(
            _member(Category, code, f"requests.no_deputies[{n}]", lines)
            for n, code in enumerate(data.get("requests", {}).get("no_deputies", []))
        ),
        # Checked (0 to 20 each) with the editor's other rules, as the editor writes it.
        companion_limits=" ".join(
            f"{code}={number}"
            for code, number in data.get("accompanying", {}).get("limits", {}).items()
        ),
        companions_take_seats=data.get("accompanying", {}).get("take_seats", False),
        travel_categories=tuple(
            _member(Category, code, f"travel.categories[{n}]", lines)
            for n, code in enumerate(data.get("travel", {}).get("categories", []))
        ),
        letter_signatory=data.get("letter", {}).get("signatory", ""),
        **texts,
    )

    def item_time(hhmm_text: str) -> datetime:
        """On the day; the next day for an event that runs past midnight and a time before its
        start (services/programme/ reads the console's times so too)."""
        moment = at(day, hhmm_text)
        if moment < starts_at and moment + timedelta(days=1) <= ends_at:
            moment += timedelta(days=1)
        return moment

    programme = []
    for n, item in enumerate(data.get("agenda", [])):
        where = f"agenda[{n}]"
        title = item["title"]
        programme.append(
            PlannedItem(
                kind=_member(AgendaKind, item["kind"], f"{where}.kind", lines),
                title_en=title.get("en", ""),
                title_zh=title.get("zh", ""),
                starts_at=item_time(item["starts"]),
                ends_at=item_time(item["ends"]),
                people=tuple(
                    _person(person, f"{where}.people[{p}]", lines)
                    for p, person in enumerate(item.get("people", []))
                ),
                choosable=item.get("choosable", False),
                where=where,
            )
        )
    return EventFile(
        details=details,
        programme=tuple(programme),
        lines=lines,
        seating=_seating(data, lines),
        holds=_holds(room.get("holds", {}), lines),
        held_for=_held_for(room.get("held_for", []), lines),
        questions=read_questions(data, lines),
        hotels=_hotels(data),
    )


def _seating(data: dict[str, Any], lines: KeyLines) -> tuple[PlanRow, ...] | None:
    """The `[[seating.rows]]`, checked as the console's editor checks them."""
    if "seating" not in data:
        return None
    rows = [
        PlanRow(
            label=row["label"],
            seats=row["seats"],
            aisles_after=tuple(row.get("aisles_after", ())),
            reserved=tuple(row.get("reserved", ())),
        )
        for row in data["seating"].get("rows", [])
    ]
    try:
        return checked_rows(rows)
    except PlanInvalid as exc:
        raise seating_problem(exc, lines) from None


def seating_problem(exc: PlanInvalid, lines: KeyLines) -> EventFileError:
    """A seating rule's refusal at its key: `seating.rows[2].reserved`."""
    key = "seating.rows"
    if exc.row is not None:
        key = f"{key}[{exc.row}]" + (f".{exc.field}" if exc.field else "")
    return EventFileError([lines.problem(key, str(exc))])


def _holds(table: dict[str, int], lines: KeyLines) -> dict[Category, int]:
    """`room.holds`: seats per category, each a category of ours and not below 0."""
    holds = {}
    for name, count in table.items():
        key = f"room.holds.{name}"
        category = _member(Category, name, key, lines)
        if count < 0:
            raise EventFileError([lines.problem(key, _l("must be 0 or more"))])
        holds[category] = count
    return holds


def _held_for(addresses: list[str], lines: KeyLines) -> tuple[str, ...]:
    """`room.held_for`: guests' e-mail addresses, each once."""
    seen: list[str] = []
    for n, address in enumerate(addresses):
        try:
            email = normalize_email(address)
        except InvalidAnswer as exc:
            raise EventFileError([lines.problem(f"room.held_for[{n}]", exc)]) from None
        if email in seen:
            message = _l("%(email)s is named twice: one seat is held per guest")
            raise EventFileError(
                [lines.problem(f"room.held_for[{n}]", str(message) % {"email": email})]
            )
        seen.append(email)
    return tuple(seen)


def _texts(data: dict[str, Any]) -> dict[str, str]:
    """The bilingual texts of the event, as the editor's fields."""
    pairs = {
        "title": data["title"],
        "description": data.get("description", {}),
        "organizers": data.get("organizers", {}),
        "venue": data["venue"],
        "address": data["venue"].get("address", {}),
        "room": data["room"]["name"],
        "letter_organizer": data.get("letter", {}).get("organizer", {}),
        "letter_address": data.get("letter", {}).get("address", {}),
        "letter_signatory_title": data.get("letter", {}).get("signatory_title", {}),
    }
    return {
        f"{name}_{language}": table.get(language, "")
        for name, table in pairs.items()
        for language in ("en", "zh")
    }


def _person(person: dict[str, Any], where: str, lines: KeyLines) -> PersonDetails:
    name, title = person.get("name", {}), person.get("title", {})
    affiliation = person.get("affiliation", {})
    return PersonDetails(
        role=_member(PersonRole, person["role"], f"{where}.role", lines),
        name_en=name.get("en", ""),
        name_zh=name.get("zh", ""),
        title_en=title.get("en", ""),
        title_zh=title.get("zh", ""),
        affiliation_en=affiliation.get("en", ""),
        affiliation_zh=affiliation.get("zh", ""),
    )


def _member(kind: type[E], value: str, key: str, lines: KeyLines, *, but: E | None = None) -> E:
    choices = [member for member in kind if member != but]
    for member in choices:
        if member.value == value:
            return member
    message = str(_l("%(value)s is not one of: %(choices)s")) % {
        "value": repr(value),
        "choices": ", ".join(member.value for member in choices),
    }
    raise EventFileError([lines.problem(key, message)])


__all__ = ["DETAIL_KEYS", "PROGRAMME_KEYS", "EventFile", "PlannedItem", "Problem"]


def _hotels(data: dict[str, Any]) -> tuple[str, ...] | None:
    hotels = data.get("travel", {}).get("hotels")
    return None if hotels is None else tuple(hotels)
