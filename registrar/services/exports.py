"""Exports for the organizers: the guest list, the scan log and the waitlist as spreadsheets.

CSV files are UTF-8 with a BOM, which is what makes Excel show Chinese names correctly. The
headers and the words in the cells are in the current locale; times are in the event's zone.
Each export reads the database a fixed number of times, however many guests there are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..i18n import bilingual
from ..labels import (
    CATEGORY_LABELS,
    CHANNEL_EXPORT,
    COMPANION_ROLE_LABELS,
    DIRECTION_LABELS,
    EXIT_RECORDED,
    LANGUAGE_LABELS,
    SEAT_STATE_LABELS,
    VERDICT_LABELS,
)
from ..models import (
    AgendaItem,
    Direction,
    Event,
    EventQuestion,
    Guest,
    GuestPassport,
    QuestionKind,
    Scan,
    Seat,
    SeatState,
    Verdict,
)
from . import questions
from .imports import FIELD_LABELS
from .seats import sessions as session_seats
from .travel import passports as travel_passports

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# What a table's cell holds.
Value = str | int | datetime | None

YES, NO = _l("Yes"), _l("No")
SESSION_CONFIRMED = _l("confirmed")

TIME_FORMAT = "%Y-%m-%d %H:%M"
SECONDS_FORMAT = "%Y-%m-%d %H:%M:%S"
# Excel runs a cell that starts with one of these as a formula; a guest types some cells.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters an .xlsx cannot hold (openpyxl refuses them).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Table:
    """A header and rows of plain values: text, whole numbers, local times, or None."""

    header: list[str]
    rows: list[list[Value]]
    # How the times of this table are written (minutes, or seconds for the scan log).
    time_format: str = TIME_FORMAT


def guests_csv(event: Event, passports: bool = False) -> bytes:
    return to_csv(guests_table(event, passports))


def checkins_csv(event: Event) -> bytes:
    return to_csv(checkins_table(event))


def waitlist_csv(event: Event) -> bytes:
    return to_csv(waitlist_table(event))


def guests_xlsx(event: Event, passports: bool = False) -> bytes:
    return to_xlsx(guests_table(event, passports), sheet=str(_l("Guests")))


def checkins_xlsx(event: Event) -> bytes:
    return to_xlsx(checkins_table(event), sheet=str(_l("Check-ins")))


def waitlist_xlsx(event: Event) -> bytes:
    return to_xlsx(waitlist_table(event), sheet=str(_l("Waitlist")))


# Every download by (kind, format), as the console offers them.
KINDS = ("guests", "checkins", "waitlist")
FORMATS = ("csv", "xlsx")
_EXPORTS = {
    ("guests", "csv"): guests_csv,
    ("guests", "xlsx"): guests_xlsx,
    ("checkins", "csv"): checkins_csv,
    ("checkins", "xlsx"): checkins_xlsx,
    ("waitlist", "csv"): waitlist_csv,
    ("waitlist", "xlsx"): waitlist_xlsx,
}
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export(event: Event, kind: str, fmt: str, *, passports: bool = False) -> bytes:
    """The download; `passports`: the guest list with the passport details guests gave for a
    visa letter, which no export holds unless an organizer chooses it."""
    if kind == "guests":
        return (guests_csv if fmt == "csv" else guests_xlsx)(event, passports)
    return _EXPORTS[kind, fmt](event)


def filename(event: Event, kind: str, fmt: str, now: datetime | None = None) -> str:
    """E.g. citycop-2025-guests-2025-10-14.csv: the event, what, and the day (event's zone)."""
    day = (now or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo(event.timezone))
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", event.slug).strip("-") or f"event-{event.id}"
    return f"{slug}-{kind}-{day:%Y-%m-%d}.{fmt}"


def row_counts(event: Event) -> dict[str, int]:
    """How many rows each export has now (three counting queries)."""

    def count(model: type[Guest | Scan | Seat], *where: sa.ColumnExpressionArgument[bool]) -> int:
        query = sa.select(sa.func.count()).select_from(model).where(model.event_id == event.id)
        return db.session.execute(query.where(*where)).scalar_one()

    return {
        "guests": count(Guest),
        "checkins": count(Scan),
        "waitlist": count(Seat, Seat.state == SeatState.WAITLISTED),
    }


# --- the tables ---------------------------------------------------------------------------


def guests_table(event: Event, passports: bool = False) -> Table:
    """Every guest, in the console's order, with the answer, the seat (and the place in the
    queue), the door's record, and a column per question of the event's own (in the form's
    order; a choice as its text, a number as a number); with `passports`, the passport details
    given for a visa letter too (none once their retention time is over)."""
    zone = ZoneInfo(event.timezone)
    guests = db.session.scalars(
        sa.select(Guest)
        .where(Guest.event_id == event.id)
        .order_by(Guest.id)
        .options(joinedload(Guest.rsvp), joinedload(Guest.seat), joinedload(Guest.check_in))
    ).all()
    positions = _queue_positions(guest.seat for guest in guests)
    by_id = {guest.id: guest for guest in guests}
    asked = questions.listed(event.id)
    answers = questions.answers_of_guests(by_id) if asked else {}
    # A column per session guests choose, the places read in one statement for every guest.
    offered = session_seats.offered(event.id)
    places = session_seats.places_of_guests(event.id) if offered else {}
    header = [
        _l("ID"),
        FIELD_LABELS["name_en"],
        FIELD_LABELS["name_zh"],
        FIELD_LABELS["email"],
        FIELD_LABELS["organization"],
        FIELD_LABELS["title"],
        FIELD_LABELS["category"],
        FIELD_LABELS["language"],
        FIELD_LABELS["precedence"],
        _l("Invitation sent"),
        _l("Revoked"),
        _l("Answer"),
        _l("Answered at"),
        _l("Seat"),
        _l("Waitlist position"),
        _l("Reserved seat"),
        _l("Channel"),
        _l("Dietary needs"),
        _l("Access needs"),
        _l("Note to the organizers"),
        _l("Checked in at"),
        _l("Gate"),
        _l("Inside"),
        _l("Receiver"),
        _l("Walk-in"),
        _l("Accompanying"),
        _l("Accompanying as"),
        *(bilingual(question, "label") for question in asked),
        *(bilingual(item, "title") for item in offered),
    ]
    given = _passports(event) if passports else {}
    if passports:
        header += [
            _l("Name as in the passport"),
            _l("Nationality"),
            _l("Passport number"),
            _l("Date of birth"),
            _l("Visa letter asked for"),
        ]
    rows: list[list[Value]] = []
    for guest in guests:
        principal = by_id.get(guest.principal_id) if guest.principal_id else None
        answer, seat, presence = guest.rsvp, guest.seat, guest.check_in
        if guest.sent_deputy:
            answered = _l("Sent a deputy")
        elif answer is None:
            answered = _l("No answer yet")
        else:
            answered = _l("Attending") if answer.attending else _l("Not attending")
        rows.append(
            [
                guest.id,
                guest.name_en,
                guest.name_zh,
                # An accompanying person has no address of their own.
                "" if guest.is_companion else guest.email,
                guest.organization,
                guest.title,
                CATEGORY_LABELS[guest.category],
                LANGUAGE_LABELS[guest.language],
                guest.precedence,
                _local(guest.sent_at, zone),
                _local(guest.revoked_at, zone),
                answered,
                _local(answer.answered_at, zone) if answer else None,
                SEAT_STATE_LABELS[seat.state] if seat else None,
                positions.get(seat.id) if seat else None,
                (seat.label or None) if seat else None,
                CHANNEL_EXPORT[answer.channel] if answer and answer.channel else None,
                answer.dietary if answer else None,
                answer.access_needs if answer else None,
                answer.note if answer else None,
                _local(presence.first_scan_at, zone) if presence else None,
                presence.first_gate if presence else None,
                (YES if presence.inside else NO) if presence else None,
                presence.receiver if presence else None,
                YES if guest.walk_in else NO,
                _both_names(principal) if principal else None,
                COMPANION_ROLE_LABELS[guest.companion_role] if guest.companion_role else None,
                *(_answer_cell(q, answers.get(guest.id, {}).get(q.id, "")) for q in asked),
                *_session_cells(offered, places.get(guest.id, [])),
            ]
        )
        if passports:
            passport = given.get(guest.id)
            rows[-1] += (
                [
                    passport.name,
                    passport.nationality,
                    passport.number,
                    passport.birth_date.isoformat(),
                    _local(passport.requested_at, zone),
                ]
                if passport is not None
                else [None] * 5
            )
    return Table([str(label) for label in header], rows)


def _passports(event: Event) -> dict[int, GuestPassport]:
    """The passport details the event's guests gave, by guest; none after their retention."""
    if travel_passports.is_expired(event):
        return {}
    found = db.session.scalars(
        sa.select(GuestPassport)
        .join(Guest, Guest.id == GuestPassport.guest_id)
        .where(Guest.event_id == event.id, ~Guest.is_erased)
    )
    return {passport.guest_id: passport for passport in found}


def _answer_cell(question: EventQuestion, value: str) -> Value:
    if not value:
        return None
    if question.kind == QuestionKind.NUMBER:
        return int(value)
    return questions.shown(question, value)


def _session_cells(
    offered: list[AgendaItem], places: list[session_seats.SessionPlace]
) -> list[Value]:
    """The guest's place in each session offered: confirmed, waitlisted and the place in
    that session's queue, or empty when the guest did not choose it."""
    by_session = {place.session.id: place for place in places}
    cells: list[Value] = []
    for item in offered:
        place = by_session.get(item.id)
        if place is None:
            cells.append(None)
        elif place.state == SeatState.CONFIRMED:
            cells.append(SESSION_CONFIRMED)
        else:
            cells.append(_l("waitlisted %(position)s", position=place.position))
    return cells


def _both_names(guest: Guest) -> str:
    return " ".join(name for name in (guest.name_en, guest.name_zh) if name)


def checkins_table(event: Event) -> Table:
    """Every scan at the door, refused ones too, in the order the badges were read."""
    zone = ZoneInfo(event.timezone)
    scans = db.session.execute(
        sa.select(Scan, Guest)
        .outerjoin(Guest, Guest.id == Scan.guest_id)
        .where(Scan.event_id == event.id)
        .order_by(Scan.scanned_at, Scan.id)
    ).all()
    header = [
        _l("Time (%(zone)s)", zone=event.timezone),
        _l("Recorded at"),
        _l("Gate"),
        _l("Direction"),
        _l("Verdict"),
        FIELD_LABELS["name_en"],
        FIELD_LABELS["name_zh"],
        FIELD_LABELS["organization"],
        _l("Manual check-in"),
        _l("Override"),
        _l("Offline"),
        _l("Duplicate"),
        _l("Scanned by"),
        _l("Walk-in"),
    ]
    rows: list[list[Value]] = []
    for scan, guest in scans:
        exit_ok = scan.direction == Direction.OUT and scan.verdict == Verdict.OK
        rows.append(
            [
                _local(scan.scanned_at, zone),
                _local(scan.recorded_at, zone),
                scan.gate,
                DIRECTION_LABELS[scan.direction],
                EXIT_RECORDED if exit_ok else VERDICT_LABELS[scan.verdict],
                guest.name_en if guest else None,
                guest.name_zh if guest else None,
                guest.organization if guest else None,
                YES if scan.manual else NO,
                YES if scan.override else NO,
                YES if scan.offline else NO,
                YES if scan.duplicate else NO,
                scan.actor,
                (YES if guest.walk_in else NO) if guest else None,
            ]
        )
    return Table([str(label) for label in header], rows, time_format=SECONDS_FORMAT)


def waitlist_table(event: Event) -> Table:
    """The waitlist, next in line first."""
    zone = ZoneInfo(event.timezone)
    seats = db.session.scalars(
        sa.select(Seat)
        .where(Seat.event_id == event.id, Seat.state == SeatState.WAITLISTED)
        .order_by(Seat.queue_number)
        .options(joinedload(Seat.guest).joinedload(Guest.rsvp))
    ).all()
    header = [
        _l("Waitlist position"),
        FIELD_LABELS["name_en"],
        FIELD_LABELS["name_zh"],
        FIELD_LABELS["email"],
        FIELD_LABELS["organization"],
        FIELD_LABELS["category"],
        _l("Channel"),
        _l("On the waitlist since"),
    ]
    rows: list[list[Value]] = []
    for position, seat in enumerate(seats, start=1):
        guest, answer = seat.guest, seat.guest.rsvp
        rows.append(
            [
                position,
                guest.name_en,
                guest.name_zh,
                guest.email,
                guest.organization,
                CATEGORY_LABELS[guest.category],
                CHANNEL_EXPORT[answer.channel] if answer and answer.channel else None,
                _local(seat.since, zone),
            ]
        )
    return Table([str(label) for label in header], rows)


def _queue_positions(seats: Iterable[Seat | None]) -> dict[int, int]:
    """Place in the waitlist (1 = next) by seat id, from seats already loaded."""
    waiting = sorted(
        (s for s in seats if s is not None and s.state == SeatState.WAITLISTED),
        key=_queue_number,
    )
    return {seat.id: position for position, seat in enumerate(waiting, start=1)}


def _queue_number(seat: Seat) -> int:
    assert seat.queue_number is not None, "a waitlisted seat has its number in the queue"
    return seat.queue_number


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    # Naive wall-clock time: what Excel shows, and the header or the zone column says where.
    return moment.astimezone(zone).replace(tzinfo=None) if moment else None


# --- the file formats -----------------------------------------------------------------------


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_csv_cell(cell, table.time_format) for cell in table.header])
    writer.writerows([_csv_cell(cell, table.time_format) for cell in row] for row in table.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_cell(value: Value, time_format: str) -> str | int:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(time_format)
    if isinstance(value, int):
        return value
    text = str(value)
    # A leading apostrophe makes Excel show the text as it is instead of running it.
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_xlsx(table: Table, sheet: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    # Excel's limits for a sheet name: 31 characters, none of []:*?/\ .
    ws = book.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", sheet)[:31] or "Sheet1")
    ws.freeze_panes = "A2"
    widths = [max(len(label), 8) for label in table.header]
    for row in table.rows[:200]:
        for index, value in enumerate(row):
            if isinstance(value, str):
                widths[index] = max(widths[index], min(len(value), 40))
    for index, width in enumerate(widths):
        ws.column_dimensions[_letter(index)].width = width + 2

    bold = Font(bold=True)

    def header_cell(label: str) -> Cell:
        cell = WriteOnlyCell(ws, value=_XML_ILLEGAL.sub("", label))
        cell.font = bold
        return cell

    ws.append([header_cell(label) for label in table.header])
    number_format = (
        "yyyy-mm-dd hh:mm:ss" if table.time_format == SECONDS_FORMAT else "yyyy-mm-dd hh:mm"
    )
    for row in table.rows:
        ws.append([_xlsx_cell(ws, value, WriteOnlyCell, number_format) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(
    ws: WriteOnlyWorksheet,
    value: Value,
    cell_class: Callable[..., Cell],
    number_format: str,
) -> Cell | int | None:
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, datetime):
        cell = cell_class(ws, value=value)
        cell.number_format = number_format
        return cell
    cell = cell_class(ws, value=_XML_ILLEGAL.sub("", str(value)))
    # Text stays text, even when it starts with "=".
    cell.data_type = "s"
    return cell


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
