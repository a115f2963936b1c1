"""The seating plan's rows: what a row may be, the plan as the pages draw it, and saving it.

A row has a label of one to three capital letters ("A", "AA"), its seats numbered from 1, the
seat numbers after which an aisle runs, and the seats reserved for guests by name. A seat's
label is the row's and its number ("A7"). The first row is the front row.

The plan does not bound the event's capacity: the capacity stays the organizer's number (the
room may hold seats the plan leaves out, standing places, a gallery). It must reserve at least
as many seats as are held for guests and categories (services/seats/ checks the other way
round, when holds grow), and a seat given to a guest cannot leave the plan.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ...errors import CapacityTooLow, DomainError, InvalidAnswer
from ...extensions import db
from ...models import Event, Guest, Seat, SeatHold, SeatingRow, SeatState
from .. import audit
from ..event_state import require_changeable
from ..locking import lock_event

MAX_ROWS = 60
MAX_SEATS = 120
_ROW_LABEL = re.compile(r"[A-Z]{1,3}")
_NUMBER_LIST = re.compile(r"\s*(\d{1,4})\s*(?:-\s*(\d{1,4})\s*)?")


@dataclass(frozen=True)
class PlanRow:
    label: str
    seats: int
    aisles_after: tuple[int, ...] = ()
    reserved: tuple[int, ...] = ()

    def seat_label(self, number: int) -> str:
        return f"{self.label}{number}"


@dataclass(frozen=True)
class PlanSeat:
    """One seat as the grid shows it."""

    label: str
    number: int
    reserved: bool
    # An aisle runs after this seat.
    aisle_after: bool
    guest: Guest | None


@dataclass(frozen=True)
class SeatingPlan:
    rows: tuple[PlanRow, ...]
    # Each reserved seat given to a guest: its label and the guest.
    assigned: dict[str, Guest]
    # What a form showing this plan posts back: a save over a changed plan is refused.
    version: str

    @property
    def seat_count(self) -> int:
        return sum(row.seats for row in self.rows)

    @property
    def reserved_count(self) -> int:
        return sum(len(row.reserved) for row in self.rows)

    def reserved_labels(self) -> list[str]:
        """The reserved seats in plan order: front row first, then by seat number."""
        return [row.seat_label(n) for row in self.rows for n in sorted(row.reserved)]

    def free_reserved(self) -> list[str]:
        return [label for label in self.reserved_labels() if label not in self.assigned]

    def grid(self) -> list[tuple[PlanRow, list[PlanSeat]]]:
        return [
            (
                row,
                [
                    PlanSeat(
                        label=row.seat_label(n),
                        number=n,
                        reserved=n in row.reserved,
                        aisle_after=n in row.aisles_after and n < row.seats,
                        guest=self.assigned.get(row.seat_label(n)),
                    )
                    for n in range(1, row.seats + 1)
                ],
            )
            for row in self.rows
        ]


class PlanInvalid(InvalidAnswer):
    """A row that cannot be: `row` counts from 0, `field` names what is wrong (label, seats,
    aisles_after, reserved), so that a form or a file shows it at its place."""

    def __init__(
        self, message: str, *, row: int | None = None, field: str | None = None, **params: object
    ) -> None:
        super().__init__(message, **params)
        self.row = row
        self.field = field


class PlanChanged(DomainError):
    status = 409
    default_message = _l(
        "The seating plan was changed since this page was shown; nothing was saved. Look at the "
        "plan as it is now and make your change again."
    )


def parse_numbers(text: str, row: int, field: str) -> tuple[int, ...]:
    """Seat numbers as typed in the editor: "1, 2, 5-8" (spaces or commas between)."""
    numbers: list[int] = []
    for part in re.split(r"[,\s]+", text.strip()):
        if not part:
            continue
        found = _NUMBER_LIST.fullmatch(part.replace("–", "-"))
        if found is None:
            raise PlanInvalid(
                _l(
                    "Row %(n)s: seat numbers are whole numbers separated by commas, with a "
                    'hyphen for a run, e.g. "1, 2, 5-8".'
                ),
                row=row,
                field=field,
                n=row + 1,
            )
        first = int(found[1])
        last = int(found[2]) if found[2] else first
        if last < first or last - first > MAX_SEATS:
            raise PlanInvalid(
                _l("Row %(n)s: the run %(first)s-%(last)s goes backwards or is too long."),
                row=row,
                field=field,
                n=row + 1,
                first=first,
                last=last,
            )
        numbers.extend(range(first, last + 1))
    return tuple(numbers)


def checked_rows(rows: Sequence[PlanRow]) -> tuple[PlanRow, ...]:
    """The rows with their labels in capitals and numbers sorted, or PlanInvalid at the first
    row that cannot be."""
    if len(rows) > MAX_ROWS:
        raise PlanInvalid(
            _l("A seating plan has at most %(max)s rows; nothing was saved."), max=MAX_ROWS
        )
    seen: set[str] = set()
    out = []
    for n, row in enumerate(rows):
        label = row.label.strip().upper() if isinstance(row.label, str) else ""
        if not _ROW_LABEL.fullmatch(label):
            raise PlanInvalid(
                _l('Row %(n)s: the row label is one to three letters A-Z, e.g. "A" or "AA".'),
                row=n,
                field="label",
                n=n + 1,
            )
        if label in seen:
            raise PlanInvalid(
                _l("Row %(n)s: there is already a row %(label)s; each row has its own label."),
                row=n,
                field="label",
                n=n + 1,
                label=label,
            )
        seen.add(label)
        seats = row.seats
        if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= MAX_SEATS:
            raise PlanInvalid(
                _l("Row %(n)s: the number of seats is a whole number from 1 to %(max)s."),
                row=n,
                field="seats",
                n=n + 1,
                max=MAX_SEATS,
            )
        for field, numbers, highest in (
            ("aisles_after", row.aisles_after, seats - 1),
            ("reserved", row.reserved, seats),
        ):
            for number in numbers:
                if isinstance(number, bool) or not isinstance(number, int):
                    raise PlanInvalid(
                        _l("Row %(n)s: seat numbers are whole numbers."),
                        row=n,
                        field=field,
                        n=n + 1,
                    )
                if not 1 <= number <= highest:
                    message = (
                        _l("Row %(n)s: an aisle runs after a seat from 1 to %(max)s.")
                        if field == "aisles_after"
                        else _l("Row %(n)s: a reserved seat is a seat from 1 to %(max)s.")
                    )
                    raise PlanInvalid(message, row=n, field=field, n=n + 1, max=max(highest, 0))
            if len(set(numbers)) != len(numbers):
                raise PlanInvalid(
                    _l("Row %(n)s: a seat number is given twice."), row=n, field=field, n=n + 1
                )
        out.append(
            PlanRow(label, seats, tuple(sorted(row.aisles_after)), tuple(sorted(row.reserved)))
        )
    return tuple(out)


def _numbers(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in text.split())


def _stored_rows(event_id: int) -> tuple[PlanRow, ...]:
    return tuple(
        PlanRow(r.label, r.seats, _numbers(r.aisles_after), _numbers(r.reserved))
        for r in db.session.scalars(
            sa.select(SeatingRow)
            .where(SeatingRow.event_id == event_id)
            .order_by(SeatingRow.position)
        )
    )


def _version(rows: Iterable[PlanRow]) -> str:
    text = "|".join(f"{r.label}:{r.seats}:{r.aisles_after}:{r.reserved}" for r in rows)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def plan_of(event: Event) -> SeatingPlan:
    """The event's plan with the guest given each reserved seat (no rows: no plan)."""
    rows = _stored_rows(event.id)
    seats = db.session.scalars(
        sa.select(Seat)
        .where(Seat.event_id == event.id, Seat.label.is_not(None))
        .options(selectinload(Seat.guest))
    ).all()
    assigned = {seat.label: seat.guest for seat in seats if seat.label is not None}
    return SeatingPlan(rows=rows, assigned=assigned, version=_version(rows))


def reserved_in_plan(event_id: int) -> int | None:
    """How many seats the event's plan reserves; None when the event has no plan."""
    rows = db.session.scalars(
        sa.select(SeatingRow.reserved).where(SeatingRow.event_id == event_id)
    ).all()
    if not rows:
        return None
    return sum(len(text.split()) for text in rows)


def seat_label_of(guest: Guest) -> str:
    """The reserved seat given to the guest ("A7"), or "" when none."""
    seat = guest.seat
    if seat is None or seat.state != SeatState.CONFIRMED or guest.is_revoked:
        return ""
    return seat.label or ""


def save_plan(
    event_id: int, rows: Sequence[PlanRow], actor: str, *, version: str | None
) -> SeatingPlan:
    """Make the event's plan exactly these rows (none: no plan), under the event lock.

    `version`: the plan the form showed (SeatingPlan.version); a plan changed since is refused
    with PlanChanged. None (an event file's import) saves over any plan. Refused, with nothing
    written: a row that cannot be (checked_rows), a seat given to a guest that would leave the
    plan or stop being reserved, fewer reserved seats than the seats held for guests and
    categories.
    """
    event = lock_event(event_id)
    require_changeable(event)
    current = plan_of(event)
    if version is not None and version != current.version:
        raise PlanChanged()
    new_rows = checked_rows(rows)
    kept = {row.seat_label(n) for row in new_rows for n in row.reserved}
    labels = {row.label for row in new_rows}
    for label, guest in sorted(current.assigned.items()):
        if label in kept:
            continue
        old_row = next(r for r in current.rows if label.startswith(r.label) and
                       label[len(r.label):].isdigit())  # fmt: skip
        name = guest.name_en or guest.name_zh
        if old_row.label not in labels:
            raise CapacityTooLow(
                _l(
                    "Row %(row)s cannot be removed: seat %(label)s in it is given to %(name)s. "
                    "Give the guest another seat or free it first; nothing was saved."
                ),
                row=old_row.label,
                label=label,
                name=name,
            )
        raise CapacityTooLow(
            _l(
                "Seat %(label)s is given to %(name)s, so it must stay a reserved seat of the "
                "plan. Give the guest another seat or free it first; nothing was saved."
            ),
            label=label,
            name=name,
        )
    held = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(SeatHold.count), 0)).where(
            SeatHold.event_id == event.id
        )
    )
    reserved = sum(len(row.reserved) for row in new_rows)
    if new_rows and reserved < int(held or 0):
        raise CapacityTooLow(
            _l(
                "The plan reserves %(reserved)s seats, fewer than the %(held)s seats held for "
                "guests and categories. Reserve more seats, or hold fewer; nothing was saved."
            ),
            reserved=reserved,
            held=held,
        )
    if new_rows == current.rows:
        return current
    db.session.execute(sa.delete(SeatingRow).where(SeatingRow.event_id == event.id))
    db.session.add_all(
        SeatingRow(
            event_id=event.id,
            position=n,
            label=row.label,
            seats=row.seats,
            aisles_after=" ".join(str(a) for a in row.aisles_after),
            reserved=" ".join(str(r) for r in row.reserved),
        )
        for n, row in enumerate(new_rows)
    )
    db.session.flush()
    audit.record(
        "seating.plan_changed",
        actor=actor,
        event_id=event.id,
        plan=[_summary(current.rows), _summary(new_rows)],
    )
    return plan_of(event)


def _summary(rows: Iterable[PlanRow]) -> str:
    """The rows, for the audit log: "A 12 (3 reserved) · B 14"."""
    parts = [
        f"{row.label} {row.seats}" + (f" ({len(row.reserved)} reserved)" if row.reserved else "")
        for row in rows
    ]
    return " · ".join(parts) or "–"
