"""Seeding the demo from its data files: the forum, the sample guests, their answers, accounts.

The forum is an event file and the guests a CSV file, read by the imports an organizer runs
(`event import`, `guest import`): the demo is data, not code.
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from ..extensions import db
from ..models import Channel, Event, EventState, Guest, Role
from ..services import audit, event_files, events, imports, outbox, programme, rsvp, staff
from ..services.seats import sessions as seat_sessions

DATA = Path(__file__).with_name("data")
EVENT_FILE = DATA / "citycop.toml"
# In the columns of the console's CSV import, read by that same import.
GUESTS_FILE = DATA / "guests.csv"
ANSWERS_FILE = DATA / "answers.toml"

DAYS_AHEAD = 28

ORGANIZER_EMAIL = "organizer@citycop.example"
ORGANIZER_PASSWORD = "citycop-organizer"
DOOR_EMAIL = "door@citycop.example"
DOOR_PASSWORD = "citycop-door-staff"
# A door lead may let in a guest the door refused, with a reason (services/checkin/let_in.py).
LEAD_EMAIL = "lead@citycop.example"
LEAD_PASSWORD = "citycop-door-lead"


@dataclass(frozen=True)
class DemoResult:
    event: Event
    created: bool
    # The sample guests in the order of the guest file.
    guests: list[Guest]
    organizer_created: bool
    door_created: bool
    lead_created: bool = False


def forum_day(today: date) -> date:
    """A weekday a few weeks from today: the page's own date (21 March 2025) is past."""
    day = today + timedelta(days=DAYS_AHEAD)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def read_event(day: date | None = None) -> event_files.EventFile:
    """The forum's file, on `day` or else on the page's own date."""
    return event_files.read_event_file(EVENT_FILE.read_text("utf-8"), day=day)


def read_answers() -> list[tuple[str, rsvp.RsvpAnswer]]:
    """The sample answers in the order they are given, each with its guest's e-mail (the
    sessions chosen are read_session_choices', by time: the ids are the database's)."""
    answers = []
    for entry in tomllib.loads(ANSWERS_FILE.read_text("utf-8"))["answers"]:
        fields = dict(entry)
        email = fields.pop("email")
        channel = fields.pop("channel", None)
        fields.pop("sessions", None)
        reply = rsvp.RsvpAnswer(channel=Channel(channel) if channel else None, **fields)
        answers.append((email, reply))
    return answers


def read_session_choices() -> dict[str, tuple[str, ...]]:
    """The sessions the sample guests chose, by their start times ("15:10"), by e-mail; a
    guest who attends without a choice comes to every session."""
    return {
        entry["email"]: tuple(entry["sessions"])
        for entry in tomllib.loads(ANSWERS_FILE.read_text("utf-8"))["answers"]
        if "sessions" in entry
    }


def seed(today: date) -> DemoResult:
    """Create the forum, its guests and answers, and the accounts; leave what exists alone.

    Runs in the caller's transaction (flushes, never commits).
    """
    file = read_event(forum_day(today))
    event = db.session.scalar(sa.select(Event).where(Event.slug == file.details.slug))
    created = event is None
    if event is None:
        event = event_files.import_event(file, audit.SYSTEM).event
        # The demo shows a forum taking answers; an imported event starts a draft.
        events.set_state(event.id, EventState.OPEN, audit.SYSTEM)

    guests = _import_guests(event)
    if created:
        _give_answers(event, guests)

    organizer_created = staff.find(ORGANIZER_EMAIL) is None
    if organizer_created:
        staff.add(ORGANIZER_EMAIL, ORGANIZER_PASSWORD, name="CityCOP organizer", admin=True)
    door_created = staff.find(DOOR_EMAIL) is None
    if door_created:
        staff.add(
            DOOR_EMAIL, DOOR_PASSWORD, Role.DOOR, name="CityCOP door staff", event_ids=[event.id]
        )
    lead_created = staff.find(LEAD_EMAIL) is None
    if lead_created:
        staff.add(
            LEAD_EMAIL,
            LEAD_PASSWORD,
            Role.DOOR_LEAD,
            name="CityCOP door lead",
            event_ids=[event.id],
        )
    return DemoResult(
        event=event,
        created=created,
        guests=guests,
        organizer_created=organizer_created,
        door_created=door_created,
        lead_created=lead_created,
    )


def _import_guests(event: Event) -> list[Guest]:
    """The guest file through the organizer's CSV import; the guests in the file's order.

    Rows of guests already on the list stay out of the import: running the demo again adds
    back a sample guest who was removed, and never undoes an organizer's edit of another.
    """
    data = GUESTS_FILE.read_bytes()
    preview = imports.preview(event, data)
    listed = {row.row for row in preview.rows if row.guest_id is not None}
    if preview.issues or len(listed) < len(preview.rows):
        imports.apply(event, _without_rows(data, listed), audit.SYSTEM, filename=GUESTS_FILE.name)
    emails = [row.email for row in preview.rows]
    by_email = {
        guest.email: guest
        for guest in db.session.scalars(
            sa.select(Guest).where(Guest.event_id == event.id, Guest.email.in_(emails))
        )
    }
    return [by_email[email] for email in emails]


def _without_rows(data: bytes, numbers: set[int]) -> bytes:
    """The CSV file without the rows of these numbers, counted as the import counts them."""
    if not numbers:
        return data
    records = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        cells for number, cells in enumerate(records, start=1) if number not in numbers
    )
    return out.getvalue().encode("utf-8")


def _give_answers(event: Event, guests: list[Guest]) -> None:
    by_email = {guest.email: guest for guest in guests}
    sessions = {
        programme.clock(event, item.starts_at): item.id for item in seat_sessions.offered(event.id)
    }
    choices = read_session_choices()
    answered = []
    for email, reply in read_answers():
        guest = by_email.get(email)
        if guest is None:
            raise ValueError(f"{ANSWERS_FILE.name}: {email} is not in {GUESTS_FILE.name}")
        if email in choices:
            unknown = set(choices[email]) - set(sessions)
            if unknown:
                raise ValueError(f"{ANSWERS_FILE.name}: {email} chose no session at {unknown}")
            reply = replace(reply, sessions=frozenset(sessions[at] for at in choices[email]))
        rsvp.answer(guest.id, guest.token_version, reply, actor=audit.SYSTEM)
        answered.append(guest)
    # The sample answers stand for replies to invitations sent before the demo begins:
    # those guests count as invited, and no e-mail is owed for what they answered.
    outbox.discard(event)
    for guest in answered:
        guest.sent_at = event.created_at
