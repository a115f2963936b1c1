"""An event written as its file: the keys read_event_file() takes, documented at the top.

Values are written by tomli-w (its escaping is what the TOML specification says); the layout
is ours, so that the file reads like one written by hand: dotted keys for the texts in both
languages, a table per part of the event, long texts wrapped. What an import of the file
would make of it is exactly the event: tests/test_event_files.py checks field by field.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

import tomli_w

from ...models import AgendaPerson, DoorNoAnswer, Event
from .. import companions, questions, seats
from ..event_details import local
from ..seating.plan import plan_of
from ..travel import details as travel_details
from .questions import HEADER_LINES as QUESTION_HEADER
from .questions import write_questions

HEADER = (
    """\
# An event of registrar, as a file (TOML, UTF-8). `flask --app registrar event import FILE`
# creates the event, or updates the event of the same slug to match the file, its programme
# too; `flask --app registrar event export SLUG` writes an event so.
#
# Texts that guests read come as `en` (English) and `zh` (Traditional Chinese); either may
# be left out. Times are "HH:MM" on the event's clocks (`timezone`), on the day `date`:
# change `date` and the whole event moves, its programme and reply deadline with it.
#
# slug                      required: the event's short address: 1 to 64 lower-case letters,
#                           digits and hyphens, e.g. "citycop-2026"
# short_name                what the top bar of the guest pages says, e.g. "CityCOP"
# date                      required: the day the event starts, as 2026-03-21 (no quotes)
# timezone                  required: the event's clocks, e.g. "Asia/Taipei"
# channels                  required: the interpretation offered, of "en" "zh" "ja" "ko"
#                           "es" "fr"; [] for none (listening on the floor is always offered)
# title.en, title.zh        required: the event's title, in at least one language
# description.en, .zh       what guests read about the event; may run over several lines
# organizers.en, .zh        who holds the event
# [times]                   required:
#   doors_open, starts, ends   "HH:MM"; doors open at or before the start
#   ends_days_after         1 for an event that ends the next day (0 when left out)
# [rsvp]                    required: replies close `closes_days_before` days before `date`,
#   closes_days_before        at `closes_at` ("HH:MM")
#   closes_at
# [venue]                   required:
#   en, zh                  the venue, in at least one language
#   address.en, address.zh  the street address guests are shown
#   map_url                 a link to a map, "https://..."
# [room]                    required:
#   name.en, name.zh        the room
#   capacity                seats in the room
#   held                    seats held back, e.g. for protocol (0 when left out)
#   holds.vip, holds.speaker, ...  seats held for a category: only its guests take them,
#                           e.g. `holds.vip = 10` (none when left out)
#   held_for                guests a seat is held for by name, by e-mail address, e.g.
#                           ["mayor@example.org"]; each must be on the event's list already
# [contact]                 whom guests may ask: name, email, phone
# [mail]                    the event's e-mails: sender_name (their From name) and reply_to;
#   intro.en, intro.zh      the event's own paragraph atop the invitation: plain text, line
#                           breaks kept (no HTML, no template code: it is shown as typed)
# [door]                    the door:
#   no_answer               an invited guest who never answered: "desk" (sent to the desk;
#                           when left out) or "let_in" (let in when a seat is free)
#   walk_ins                true: door staff may register walk-ins (false when left out)
# [requests]                what guests ask through their links (name corrections, deputies):
#   small_corrections       true: a small correction of a name (case, spaces, punctuation,
#                           one letter) applies without approval until badges are printed
#   no_deputies             the categories whose guests may not propose a deputy, of
#                           "speaker" "moderator" "vip" "delegate" "press" "staff"
# [accompanying]            aides, interpreters and security who come with a guest:
#   limits.<category>       how many a guest of the category may bring, 0 to 20, e.g.
#                           limits = { vip = 2, speaker = 1 } (none for a category left out)
#   take_seats              true: each takes a seat in the room (false when left out)
# [travel]                  travel for guests from abroad (flights, hotel, airport pickup):
#   categories              the categories whose guests are offered it, e.g.
#                           categories = ["vip", "speaker"] (none when left out)
#   hotels                  the hotels booked for them, e.g. hotels = ["Grand Hi-Lai Hotel"]
#                           (left out: the list stays as it is)
# [letter]                  the letterhead of the visa invitation letters (all of it is
#                           needed before a letter can be issued):
#   organizer.en, .zh       who invites, e.g. "Kaohsiung City Government"
#   address.en, .zh         the organizer's address
#   signatory               who signs, e.g. "Chen Chi-Mai"
#   signatory_title.en, .zh the signatory's title, e.g. "Mayor"
# [[agenda]]                the programme, a table per item (the order of their times counts):
#   kind                    "session" or "break"
#   starts, ends            "HH:MM", within the event's hours; no two items overlap
#   title.en, title.zh      the item's title, in at least one language
#   choosable               true: a session guests choose whether to attend (seats, waitlist,
#                           door and receivers counted for it on its own); a session only
#   [[agenda.people]]       a session's speakers and moderators, in the order shown:
#     role                  "speaker" or "moderator"
#     name.en, name.zh      the name, in at least one script
#     title.en, title.zh    the person's title, e.g. "Mayor"
#     affiliation.en, .zh   where they work, e.g. "City of Kaohsiung"
# [[seating.rows]]          the seating plan, a table per row, the front row first:
#   label                   the row's letters, e.g. "A"; a seat is the label and its number, "A7"
#   seats                   how many seats, numbered from 1
#   aisles_after            the seat numbers an aisle runs after, e.g. [4, 8]
#   reserved                the seats reserved for guests by name, e.g. [1, 2, 3]
"""
    + QUESTION_HEADER
    + """\
#
# Not in the file: the event's state (an event the file creates is a draft until an organizer
# opens it), its guests (`flask --app registrar guest import FILE.csv --event SLUG`), their
# answers and seats.
"""
)

# The letterhead fields of an event (Event.letter_*), each written when any is given.
LETTERHEAD = (
    "organizer_en",
    "organizer_zh",
    "address_en",
    "address_zh",
    "signatory",
    "signatory_title_en",
    "signatory_title_zh",
)

# Longer one-line texts are wrapped at spaces, as TOML's line-ending backslash allows.
WIDTH = 92


def export_event(event: Event) -> str:
    """The event and its programme as the text of an event file."""
    zone = event.timezone
    starts = local(event.starts_at, zone)
    day = starts.date()
    out = _Lines()
    out.key("slug", event.slug)
    out.key("short_name", event.short_name)
    out.line(f"date = {day.isoformat()}")
    out.key("timezone", zone)
    out.line(f"channels = [{', '.join(_value(c.value) for c in event.offered_channels)}]")
    out.texts("title", event, "title", always=True)
    out.texts("description", event, "description")
    out.texts("organizers", event, "organizers")

    def hhmm(moment: datetime) -> str:
        return f"{local(moment, zone):%H:%M}"

    out.table("times")
    out.key("doors_open", hhmm(event.doors_open_at))
    out.key("starts", hhmm(event.starts_at))
    out.key("ends", hhmm(event.ends_at))
    out.key("ends_days_after", (local(event.ends_at, zone).date() - day).days, skip=0)
    out.table("rsvp")
    out.key("closes_days_before", (day - local(event.rsvp_deadline, zone).date()).days)
    out.key("closes_at", hhmm(event.rsvp_deadline))
    out.table("venue")
    out.key("en", event.venue_en, skip=None)
    out.key("zh", event.venue_zh, skip=None)
    out.texts("address", event, "address", blank=False)
    out.key("map_url", event.map_url)
    out.table("room")
    out.texts("name", event, "room", always=True, blank=False)
    out.key("capacity", event.capacity)
    out.key("held", event.held_seats, skip=None)
    holds = seats.holds_of(event)
    for hold in holds:
        if hold.category is not None:
            out.key(f"holds.{hold.category.value}", hold.count)
    # A guest whose address was erased is no longer named in the file.
    named = [h.guest.email for h in holds if h.guest is not None and h.guest.email]
    if named:
        out.line(f"held_for = [{', '.join(_value(email) for email in sorted(named))}]")
    contact = {"name": event.contact_name, "email": event.contact_email}
    contact["phone"] = event.contact_phone
    out.optional_table("contact", contact)
    mail = {"sender_name": event.mail_sender_name, "reply_to": event.mail_reply_to}
    out.optional_table("mail", mail, always=bool(event.intro_en or event.intro_zh))
    out.texts("intro", event, "intro", blank=False)
    if event.door_no_answer != DoorNoAnswer.DESK or event.door_walk_ins:
        out.table("door")
        out.key("no_answer", event.door_no_answer.value, skip=DoorNoAnswer.DESK.value)
        out.key("walk_ins", event.door_walk_ins, skip=False)
    if event.small_corrections or event.no_deputies:
        out.table("requests")
        out.key("small_corrections", event.small_corrections, skip=False)
        out.key("no_deputies", [c.value for c in event.categories_without_deputies], skip=[])
    limits = companions.limits_of(event)
    if limits or event.companions_take_seats:
        out.table("accompanying")
        for category, number in limits.items():
            out.key(f"limits.{category.value}", number)
        out.key("take_seats", event.companions_take_seats, skip=False)
    hotels = travel_details.hotels_of(event)
    if event.categories_offered_travel or hotels:
        out.table("travel")
        if event.categories_offered_travel:
            codes = ", ".join(_value(c.value) for c in event.categories_offered_travel)
            out.line(f"categories = [{codes}]")
        if hotels:
            out.line(f"hotels = [{', '.join(_value(name) for name in hotels)}]")
    letterhead = {name: getattr(event, f"letter_{name}") for name in LETTERHEAD}
    if any(letterhead.values()):
        out.table("letter")
        out.texts("organizer", event, "letter_organizer", blank=False)
        out.texts("address", event, "letter_address", blank=False)
        out.key("signatory", event.letter_signatory)
        out.texts("signatory_title", event, "letter_signatory_title", blank=False)
    for item in sorted(event.agenda, key=lambda item: (item.position, item.starts_at)):
        out.table("agenda", array=True)
        out.key("kind", item.kind.value)
        out.key("starts", hhmm(item.starts_at))
        out.key("ends", hhmm(item.ends_at))
        out.texts("title", item, "title", always=True, blank=False)
        if item.choosable:
            out.key("choosable", True)
        for person in sorted(item.people, key=lambda person: person.position):
            _person(out, person)
    for row in plan_of(event).rows:
        out.table("seating.rows", array=True)
        out.key("label", row.label)
        out.key("seats", row.seats)
        for key, numbers in (("aisles_after", row.aisles_after), ("reserved", row.reserved)):
            if numbers:
                out.line(f"{key} = [{', '.join(str(n) for n in numbers)}]")
    write_questions(out, questions.listed(event.id))
    return HEADER + "\n" + out.text()


def _person(out: _Lines, person: AgendaPerson) -> None:
    out.table("agenda.people", array=True)
    out.key("role", person.role.value)
    for name in ("name", "title", "affiliation"):
        out.texts(name, person, name, blank=False)


class _Lines:
    def __init__(self) -> None:
        self._lines: list[str] = []

    def text(self) -> str:
        return "\n".join(self._lines).rstrip("\n") + "\n"

    def line(self, text: str) -> None:
        self._lines.append(text)

    def key(self, name: str, value: object, *, skip: object = "") -> None:
        """`name = value`, unless the value is `skip` (what a key left out means)."""
        if value == skip:
            return
        if isinstance(value, str):
            self._lines.append(f"{name} = {_text(value, len(name) + 3)}")
        else:
            self._lines.append(f"{name} = {_value(value)}")

    def texts(
        self, key: str, row: object, field: str, *, always: bool = False, blank: bool = True
    ) -> None:
        """`key.en` and `key.zh` from the row's `field_en` and `field_zh`; the empty ones left
        out, both when `always` is not set and neither has a text."""
        values = {language: getattr(row, f"{field}_{language}") for language in ("en", "zh")}
        if not always and not any(values.values()):
            return
        if blank:
            self._lines.append("")
        for language, value in values.items():
            self.key(f"{key}.{language}", value)

    def table(self, name: str, *, array: bool = False) -> None:
        self._lines.extend(["", f"[[{name}]]" if array else f"[{name}]"])

    def optional_table(self, name: str, values: dict[str, str], *, always: bool = False) -> None:
        if always or any(values.values()):
            self.table(name)
            for key, value in values.items():
                self.key(key, value)


def _value(value: object) -> str:
    """The value as TOML writes it (tomli-w's escaping), without the key."""
    return tomli_w.dumps({"v": value}, multiline_strings=True)[len("v = ") :].rstrip("\n")


def _text(value: str, indent: int) -> str:
    """A string; a long one-line text wrapped at spaces into a multi-line string whose
    line-ending backslashes join the lines again (trimming the line breaks and indents)."""
    written = _value(value)
    if "\n" in value or indent + _columns(written) <= WIDTH or value[:1].isspace():
        return written
    escaped = written[1:-1]  # a basic string's content: no escape holds a space
    # Break after a space before a word: the space stays, the next line's indent is trimmed.
    breaks = [
        i + 1
        for i, char in enumerate(escaped)
        if char == " " and i + 1 < len(escaped) and escaped[i + 1] != " "
    ]
    limit = WIDTH - 4
    lines, start, candidate = [], 0, 0
    for at in breaks:
        if _columns(escaped[start:at]) > limit and candidate > start:
            lines.append(escaped[start:candidate])
            start = candidate
        candidate = at
    if _columns(escaped[start:]) > limit and candidate > start:
        lines.append(escaped[start:candidate])
        start = candidate
    lines.append(escaped[start:])
    if len(lines) == 1:
        return written
    return '"""\\\n' + "\\\n".join("  " + line for line in lines) + '"""'


def _columns(text: str) -> int:
    """How wide the text shows in an editor: a Chinese character takes two columns."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
