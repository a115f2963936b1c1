"""An event file imported: a new event, or the event of its slug updated to match it.

The event is saved by services/events.py (create, or update with its rules, its audit entries
and its change notices) and the programme replaced as a whole (programme.py here). One
transaction, the caller's: a file with any error writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import sqlalchemy as sa

from ...errors import DomainError
from ...extensions import db
from ...models import Event
from .. import events
from ..event_details import EventInvalid, cleaned
from ..event_state import require_changeable
from ..locking import lock_event
from ..seating import plan as seating_plan
from .layout import EventFileError
from .programme import ProgrammeChanges, checked_programme, replace_programme
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

    @property
    def changed_anything(self) -> bool:
        return self.created or bool(self.changes) or bool(self.programme) or self.seating


def import_event(file: EventFile, actor: str, *, notify: bool = False) -> FileImport:
    """Create the file's event, or update the event of its slug; return what was done.

    An update that changes what guests were told (events.GUEST_FACING) after invitations went
    out raises events.NoticeNotConfirmed unless `notify`; with it, the guests are told, as
    when an organizer confirms in the console. A rule broken raises EventFileError naming the
    line and key. Runs in the caller's transaction (flushes, never commits).
    """
    try:
        done = _import(file, actor, notify)
        return _import_seating(file, done, actor) if file.seating is not None else done
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
        return FileImport(event=event, created=True, programme=added)

    event = lock_event(found)
    require_changeable(event)
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
