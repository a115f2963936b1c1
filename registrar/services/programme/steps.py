"""The audited steps of a programme change, shared by the event editor and the event-file
import: append, change or remove an item or a person, renumber, and the running order.

Each step runs under the caller's lock, after its checks, and leaves the renumbering to it;
`context` goes into the audit entry (the import says `via="file"`).
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import AgendaItem, AgendaKind, AgendaPerson, Event, Guest, Seat, SessionSeat
from .. import audit
from .checks import PersonDetails, ProgrammeError, clock


class _ItemTexts(Protocol):
    """What an item is called: the organizer's ItemDetails, or an event file's item."""

    @property
    def kind(self) -> AgendaKind: ...
    @property
    def title_en(self) -> str: ...
    @property
    def title_zh(self) -> str: ...
    @property
    def choosable(self) -> bool: ...


def item_columns(details: _ItemTexts, starts: datetime, ends: datetime) -> dict[str, Any]:
    """An item's columns: what it is called and when it runs."""
    return {
        "kind": details.kind,
        "title_en": details.title_en,
        "title_zh": details.title_zh,
        "starts_at": starts,
        "ends_at": ends,
        "choosable": details.choosable,
    }


def in_running_order(event: Event) -> list[AgendaItem]:
    """The items as the page shows them: by position (ties, as a file may leave, by time)."""
    return sorted(event.agenda, key=lambda item: (item.position, item.starts_at, item.id))


def renumber_items(event: Event) -> None:
    """Positions 1..n by start time; the event's list put in that order as well."""
    event.agenda.sort(key=lambda item: (item.starts_at, item.id))
    for position, item in enumerate(event.agenda, start=1):
        item.position = position


def renumber_people(item: AgendaItem, order: list[AgendaPerson]) -> None:
    item.people[:] = order
    for position, person in enumerate(order, start=1):
        person.position = position


def item_record(event: Event, item: AgendaItem) -> dict[str, Any]:
    return {
        "item_id": item.id,
        "kind": item.kind.value,
        "title_en": item.title_en,
        "title_zh": item.title_zh,
        "starts": clock(event, item.starts_at),
        "ends": clock(event, item.ends_at),
        **({"choosable": True} if item.choosable else {}),
    }


def append_item(event: Event, values: dict[str, Any], actor: str, **context: Any) -> AgendaItem:
    """A new item after the event's others; `values` are its columns (kind, titles, times)."""
    if values.get("choosable"):
        _require_sessions_may_start(event)
    item = AgendaItem(position=len(event.agenda) + 1, **values)
    event.agenda.append(item)
    db.session.flush()
    audit.record(
        "programme.item_added",
        actor=actor,
        event_id=event.id,
        **context,
        **item_record(event, item),
    )
    return item


def change_item(
    event: Event, item: AgendaItem, wanted: dict[str, Any], actor: str, **context: Any
) -> list[str]:
    """Give the item the column values wanted; the names of those that changed."""
    changed = [name for name, value in wanted.items() if getattr(item, name) != value]
    if "choosable" in changed:
        if wanted["choosable"]:
            _require_sessions_may_start(event)
        else:
            _require_nobody_chose(item)
    if changed:
        before = item_record(event, item)
        for name in changed:
            setattr(item, name, wanted[name])
        audit.record(
            "programme.item_changed",
            actor=actor,
            event_id=event.id,
            changed=changed,
            before=before,
            after=item_record(event, item),
            **context,
        )
    return changed


def remove_item(event: Event, item: AgendaItem, actor: str, **context: Any) -> None:
    if item.choosable:
        _require_nobody_chose(item)
    record = item_record(event, item)
    people = len(item.people)
    event.agenda.remove(item)  # delete-orphan: the item and its people go
    audit.record(
        "programme.item_deleted",
        actor=actor,
        event_id=event.id,
        people=people,
        **context,
        **record,
    )


def _require_sessions_may_start(event: Event) -> None:
    """Guests choose sessions from the first answer on: an event whose guests hold seats for
    the whole event cannot start asking them (a session may be added to those chosen, though)."""
    if any(item.choosable for item in event.agenda):
        return
    if db.session.scalar(sa.select(sa.exists().where(Seat.event_id == event.id))):
        raise ProgrammeError(
            _l(
                "Guests hold seats for the whole event already, so it cannot start asking them "
                "to choose sessions. Nothing was changed."
            ),
            field="choosable",
        )


def _require_nobody_chose(item: AgendaItem) -> None:
    """A session guests chose stays one (and stays): their seats in it would be lost."""
    chose = db.session.scalar(sa.select(sa.func.count()).where(SessionSeat.session_id == item.id))
    if chose:
        raise ProgrammeError(
            _l(
                "%(count)s guests chose this session, so it stays one that guests choose and "
                "cannot be deleted. Nothing was changed."
            ),
            field="choosable",
            count=chose,
        )


def _require_guest_of(event: Event, details: PersonDetails) -> None:
    """A person linked to a guest names a guest of this event."""
    if details.guest_id is None:
        return
    guest = db.session.get(Guest, details.guest_id)
    if guest is None or guest.event_id != event.id:
        raise ProgrammeError(_l("Choose the guest from this event's list."), field="guest")


def append_person(
    event: Event, item: AgendaItem, details: PersonDetails, actor: str, **context: Any
) -> AgendaPerson:
    _require_guest_of(event, details)
    person = AgendaPerson(
        position=len(item.people) + 1,
        **{f.name: getattr(details, f.name) for f in fields(details)},
    )
    item.people.append(person)
    db.session.flush()
    audit.record(
        "programme.person_added",
        actor=actor,
        event_id=event.id,
        item_id=item.id,
        person_id=person.id,
        role=person.role.value,
        **context,
    )
    return person


def change_person(
    event: Event,
    item: AgendaItem,
    person: AgendaPerson,
    details: PersonDetails,
    actor: str,
    **context: Any,
) -> list[str]:
    """Give the person the details; the names of the fields changed.

    The audit entry names the fields, not their values: names are personal data.
    """
    _require_guest_of(event, details)
    changed = [
        f.name for f in fields(details) if getattr(person, f.name) != getattr(details, f.name)
    ]
    for name in changed:
        setattr(person, name, getattr(details, name))
    if changed:
        audit.record(
            "programme.person_changed",
            actor=actor,
            event_id=event.id,
            item_id=item.id,
            person_id=person.id,
            changed=changed,
            **context,
        )
    return changed


def remove_person(
    event: Event, item: AgendaItem, person: AgendaPerson, actor: str, **context: Any
) -> None:
    renumber_people(item, [other for other in item.people if other is not person])
    audit.record(
        "programme.person_deleted",
        actor=actor,
        event_id=event.id,
        item_id=item.id,
        person_id=person.id,
        role=person.role.value,
        **context,
    )
