"""An event file imported: a new event, or the event of its slug updated to match it.

The event is saved by services/events.py (create, or update with its rules, its audit entries
and its change notices) and the programme replaced as a whole (programme.py here). One
transaction, the caller's: a file with any error writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...errors import DomainError
from ...extensions import db
from ...models import Category, Event, Guest
from .. import events, seats
from ..event_details import EventInvalid, cleaned, validate
from ..event_state import require_changeable
from ..locking import lock_event
from ..seating import plan as seating_plan
from ..travel import board as travel_board
from .layout import EventFileError
from .programme import ProgrammeChanges, checked_programme, replace_programme
from .questions import replace_questions
from .reading import EventFile, seating_problem


@dataclass(frozen=True)
class FileImport:
    event: Event
    created: bool
    # {field: (old, new)} of the event's details an update changed.
    changes: dict[str, tuple[object, object]] = field(default_factory=dict)
    programme: ProgrammeChanges = ProgrammeChanges()
    # The fields guests were told about (an update after invitations, with notify).
    told: tuple[str, ...] = ()
    # The seating plan was made or changed by the file's [seating].
    seating: bool = False
    # The seats held for categories and named guests were set as the file says.
    holds_changed: bool = False
    # The file's seating plan went in before its holds (services/event_files/importing.py).
    seating_first: bool = False
    # The event's own questions were made or changed as the file says.
    questions_changed: bool = False
    # The hotels booked for travelling guests were set as the file says.
    hotels_changed: bool = False

    @property
    def changed_anything(self) -> bool:
        return (
            self.created
            or bool(self.changes)
            or bool(self.programme)
            or self.seating
            or self.holds_changed
            or self.questions_changed
            or self.hotels_changed
        )


def import_event(file: EventFile, actor: str, *, notify: bool = False) -> FileImport:
    """Create the file's event, or update the event of its slug; return what was done.

    An update that changes what guests were told (events.GUEST_FACING) after invitations went
    out raises events.NoticeNotConfirmed unless `notify`; with it, the guests are told, as
    when an organizer confirms in the console. A rule broken raises EventFileError naming the
    line and key. Runs in the caller's transaction (flushes, never commits).
    """
    try:
        done = _import(file, actor, notify)
        if file.seating is not None and not done.seating_first:
            done = _import_seating(file, done, actor)
        if file.questions is not None:
            changed = replace_questions(done.event, file.questions, actor, file.lines)
            done = replace(done, questions_changed=changed)
        if file.hotels is not None:
            done = replace(done, hotels_changed=_import_hotels(done.event, file.hotels, actor))
        return done
    except EventInvalid as exc:
        raise file.field_errors(exc.errors) from None
    except EventFileError as exc:
        raise file.located(exc) from None


def _import(file: EventFile, actor: str, notify: bool) -> FileImport:
    details = cleaned(file.details)
    found = db.session.scalar(sa.select(Event.id).where(Event.slug == details.slug))
    if found is None:
        event = events.create(details, actor)
        programme = checked_programme(
            file.programme, event.starts_at, event.ends_at, event.timezone
        )
        added = replace_programme(event, programme, actor)
        if file.holds or file.held_for:
            categories, guests = _wanted_holds(event, file)
            _hold(file, lambda: seats.set_holds(event.id, categories, guests, actor))
        return FileImport(event=event, created=True, programme=added)

    event = lock_event(found)
    require_changeable(event)
    # The plan must reserve a seat for every seat held, after each step: a plan that reserves
    # as many as are held now goes in first (the holds may then grow into it), else after the
    # holds (which shrink first).
    seating_first = file.seating is not None and sum(
        len(row.reserved) for row in file.seating
    ) >= sum(h.count for h in seats.holds_of(event))
    seated = FileImport(event=event, created=False)
    if seating_first:
        seated = _import_seating(file, seated, actor)
    categories, guests = _wanted_holds(event, file)
    holds_changed = (categories, guests) != _current_holds(event)
    if holds_changed:
        # The room and its holds change together, checked together (capacity and held seats
        # the event's rules check first); events.update then finds them as the file has them.
        validate(details, seats.seat_counts(event).confirmed, event_id=event.id)
        _hold(
            file,
            lambda: seats.set_seats(
                event.id,
                details.capacity,
                details.held_seats,
                actor,
                categories={c: categories.get(c, 0) for c in Category},
                guests=guests,
            ),
        )
    programme_changes = ProgrammeChanges()
    # Hours that are no hours are the event's rules' to name (events.update), not every
    # item's; otherwise the new programme goes in first, checked against the new hours, so
    # that the event's check that its stored programme fits them sees the new programme.
    if details.ends_at > details.starts_at:
        programme = checked_programme(
            file.programme, details.starts_at, details.ends_at, details.timezone
        )
        programme_changes = replace_programme(event, programme, actor)
    changes = events.update(event.id, details, event.edit_version, actor, notice_confirmed=notify)
    told = events.guest_facing(changes) if notify and events.audience(event).invited else {}
    return FileImport(
        event=event,
        created=False,
        changes=changes,
        programme=programme_changes,
        told=tuple(sorted(told)),
        holds_changed=holds_changed,
        seating=seated.seating,
        seating_first=seating_first,
    )


def _import_seating(file: EventFile, done: FileImport, actor: str) -> FileImport:
    """The file's seating plan, saved as the console's editor saves it (under the event lock,
    its rules checked against the seats given and held)."""
    assert file.seating is not None
    before = seating_plan.plan_of(done.event).version
    try:
        plan = seating_plan.save_plan(done.event.id, file.seating, actor, version=None)
    except seating_plan.PlanInvalid as exc:
        raise seating_problem(exc, file.lines) from None
    except DomainError as exc:
        raise EventFileError.at("seating.rows", exc) from None
    return replace(done, seating=plan.version != before)


def _import_hotels(event: Event, hotels: tuple[str, ...], actor: str) -> bool:
    """The file's hotels, set as the Travel page sets them (its rules, audited)."""
    before = event.travel_hotels
    try:
        travel_board.set_hotels(event.id, "\n".join(hotels), actor)
    except DomainError as exc:
        raise EventFileError.at("travel.hotels", exc) from None
    return event.travel_hotels != before


def _wanted_holds(event: Event, file: EventFile) -> tuple[dict[Category, int], set[int]]:
    """The holds the file asks for: seats per category (those above 0) and the ids of the
    guests its addresses name, each of whom must be on the event's list."""
    ids = dict(
        db.session.execute(
            sa.select(Guest.email, Guest.id).where(
                Guest.event_id == event.id, Guest.email.in_(file.held_for)
            )
        ).all()
    )
    for n, email in enumerate(file.held_for):
        if email not in ids:
            message = _l(
                "%(email)s is not a guest of this event: import the guests first, then this "
                "file again"
            )
            raise EventFileError(
                [file.lines.problem(f"room.held_for[{n}]", str(message) % {"email": email})]
            )
    return {c: n for c, n in file.holds.items() if n > 0}, set(ids.values())


def _current_holds(event: Event) -> tuple[dict[Category, int], set[int]]:
    holds = seats.holds_of(event)
    categories = {h.category: h.count for h in holds if h.category is not None and h.count}
    return categories, {h.guest.id for h in holds if h.guest is not None}


def _hold(file: EventFile, change: Callable[[], object]) -> None:
    """Make the holds as the file says, through the seat service (under the event lock, its
    rules, its audit entry); a refusal is named at the file's key."""
    key = "room.holds" if file.holds else "room.held_for" if file.held_for else "room"
    try:
        change()
    except EventFileError:
        raise
    except DomainError as exc:
        raise EventFileError([file.lines.problem(key, exc)]) from None
