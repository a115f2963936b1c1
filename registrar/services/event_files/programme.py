"""An event's programme replaced as a whole by a file's.

The rules are those of services/programme/ (its text checks are called here): items within the
event's hours, each ending after it starts, none overlapping another. They are checked on the
whole new programme at once, since a file may give an item the times another item had, which
one change after another would refuse half way. Then the items are matched by their place in
the running order: the first item of the file to the first on the programme, and so on; each
is changed, added or deleted, its people likewise, and every change is audited as the
console's are. A file that matches the programme changes nothing and writes no entry.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...i18n import bilingual
from ...models import AgendaItem, Event
from ..programme import (
    ItemDetails,
    ProgrammeError,
    append_item,
    append_person,
    change_item,
    change_person,
    checked_item,
    checked_person,
    in_running_order,
    item_columns,
    remove_item,
    remove_person,
    renumber_items,
    renumber_people,
    require_within_hours,
    told,
)
from .layout import EventFileError, Problem
from .reading import PROGRAMME_KEYS, PlannedItem


@dataclass(frozen=True)
class ProgrammeChanges:
    """How many items a replacement added, changed (themselves or their people) and deleted."""

    added: int = 0
    changed: int = 0
    deleted: int = 0

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.deleted)


def checked_programme(
    planned: tuple[PlannedItem, ...], starts_at: datetime, ends_at: datetime, zone: str
) -> list[PlannedItem]:
    """The items with their texts cleaned, in running order; EventFileError at the first
    item that breaks a rule, named by its key (`agenda[2].starts`)."""

    def clock(moment: datetime) -> str:
        return moment.astimezone(ZoneInfo(zone)).strftime("%H:%M")

    def refuse(key: str, message: object, **params: str) -> EventFileError:
        text = str(message) % params if params else str(message)
        return EventFileError([Problem(key, text)])

    cleaned: list[tuple[int, PlannedItem]] = []
    for n, item in enumerate(planned):
        where = f"agenda[{n}]"
        try:
            texts = checked_item(
                ItemDetails(item.kind, "", "", item.title_en, item.title_zh, item.choosable)
            )
        except ProgrammeError as exc:
            raise refuse(f"{where}.{PROGRAMME_KEYS[exc.field or 'title_en']}", exc) from None
        people = []
        for p, person in enumerate(item.people):
            try:
                people.append(checked_person(person))
            except ProgrammeError as exc:
                key = f"{where}.people[{p}].{PROGRAMME_KEYS[exc.field or 'name_en']}"
                raise refuse(key, exc) from None
        if item.ends_at <= item.starts_at:
            raise refuse(f"{where}.ends", _l("The item must end after it starts."))
        try:
            require_within_hours(item.starts_at, item.ends_at, starts_at, ends_at, ZoneInfo(zone))
        except ProgrammeError as exc:
            raise refuse(f"{where}.{PROGRAMME_KEYS[exc.field or 'starts']}", exc) from None
        cleaned.append(
            (
                n,
                PlannedItem(
                    kind=texts.kind,
                    title_en=texts.title_en,
                    title_zh=texts.title_zh,
                    starts_at=item.starts_at,
                    ends_at=item.ends_at,
                    people=tuple(people),
                    choosable=texts.choosable,
                    where=where,
                ),
            )
        )
    cleaned.sort(key=lambda entry: (entry[1].starts_at, entry[0]))
    for (_, before), (n, after) in zip(cleaned, cleaned[1:], strict=False):
        if after.starts_at < before.ends_at:
            raise refuse(
                f"agenda[{n}].starts",
                _l(
                    "This overlaps “%(title)s” (%(start)s–%(end)s): the room holds one item at "
                    "a time."
                ),
                title=bilingual(before, "title"),
                start=clock(before.starts_at),
                end=clock(before.ends_at),
            )
    return [item for _, item in cleaned]


def replace_programme(event: Event, programme: list[PlannedItem], actor: str) -> ProgrammeChanges:
    """Make the event's programme the one given (checked_programme's, in running order).

    The caller holds the event lock and has checked that the event may change. Runs in the
    caller's transaction (flushes, never commits).
    """
    told.remember(event)
    current = in_running_order(event)
    added = changed = 0
    for n, item in enumerate(programme):
        where = item.where or f"agenda[{n}]"
        try:
            if n < len(current):
                changed += _change_item(event, current[n], item, actor)
            else:
                _add_item(event, item, actor)
                added += 1
        except ProgrammeError as exc:
            # A session guests chose stays one; an event whose guests hold seats for the whole
            # event cannot start asking for sessions (services/programme/steps.py).
            raise EventFileError.at(f"{where}.{PROGRAMME_KEYS[exc.field or 'kind']}", exc) from None
    for gone in current[len(programme) :]:
        try:
            remove_item(event, gone, actor, via="file")
        except ProgrammeError as exc:
            raise EventFileError.at("agenda", f"“{bilingual(gone, 'title')}”: {exc}") from None
    renumber_items(event)
    db.session.flush()
    return ProgrammeChanges(added=added, changed=changed, deleted=len(current) - len(programme))


def _add_item(event: Event, item: PlannedItem, actor: str) -> None:
    entry = append_item(event, item_columns(item, item.starts_at, item.ends_at), actor, via="file")
    for person in item.people:
        append_person(event, entry, person, actor, via="file")


def _change_item(event: Event, entry: AgendaItem, item: PlannedItem, actor: str) -> bool:
    """Make the stored item the planned one; True when anything about it changed."""
    changed = change_item(
        event, entry, item_columns(item, item.starts_at, item.ends_at), actor, via="file"
    )
    people = sorted(entry.people, key=lambda person: (person.position, person.id))
    people_changed = False
    for n, person in enumerate(item.people):
        if n < len(people):
            # A file names no guests: a person linked to a guest in the console stays so.
            person = replace(person, guest_id=people[n].guest_id)
            people_changed |= bool(
                change_person(event, entry, people[n], person, actor, via="file")
            )
        else:
            append_person(event, entry, person, actor, via="file")
            people_changed = True
    for gone in people[len(item.people) :]:
        remove_person(event, entry, gone, actor, via="file")
        people_changed = True
    renumber_people(entry, list(entry.people))
    return bool(changed) or people_changed
