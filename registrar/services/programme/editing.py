"""The event editor's use cases on the programme: add, update, delete and move items and the
people on them. Each takes the event lock first, checks the event may still change, and
leaves the programme renumbered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ...errors import NotFound
from ...extensions import db
from ...models import AgendaItem, AgendaPerson, Event
from .. import audit
from ..event_state import require_changeable
from ..locking import lock_event
from . import told
from .checks import (
    ItemDetails,
    PersonDetails,
    ProgrammeChanged,
    ProgrammeError,
    checked_item,
    checked_person,
    clock,
    item_times,
    require_fits,
)
from .steps import (
    append_item,
    append_person,
    change_item,
    change_person,
    in_running_order,
    item_columns,
    remove_item,
    remove_person,
    renumber_items,
    renumber_people,
)


class ItemGone(NotFound):
    default_message = _l("This programme item is not there any more; it may have been deleted.")


class PersonGone(NotFound):
    default_message = _l("This person is not on the programme item any more.")


def _require_editable(event: Event) -> None:
    """Refuse any change to the programme of an archived or cancelled event, under the lock."""
    require_changeable(event)


# -- finding what the page named -------------------------------------------------------------


def _locked(event_id: int) -> Event:
    event = lock_event(event_id)
    _require_editable(event)
    told.remember(event)
    return event


def item_of(event: Event, item_id: int) -> AgendaItem:
    """The event's item; another event's id is as unknown as one never made."""
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.event_id != event.id:
        raise ItemGone()
    return item


def person_of(item: AgendaItem, person_id: int) -> AgendaPerson:
    person = db.session.get(AgendaPerson, person_id)
    if person is None or person.item_id != item.id:
        raise PersonGone()
    return person


def _place_to_move(order: list[Any], moving: object, from_position: int, to_position: int) -> int:
    """The index of what moves in `order`, once the page's positions are known still to hold."""
    index = order.index(moving)
    if index + 1 != from_position:
        raise ProgrammeChanged()
    if not 1 <= to_position <= len(order):
        raise ProgrammeError(
            _l("Choose a position from 1 to %(n)s; nothing was moved."), n=len(order)
        )
    return index


def listed(event_id: int) -> list[AgendaItem]:
    """The event's items in running order (as in_running_order), their people loaded with them
    in one more query, not one per item."""
    items = db.session.scalars(
        sa.select(AgendaItem)
        .where(AgendaItem.event_id == event_id)
        .options(selectinload(AgendaItem.people))
    ).all()
    return sorted(items, key=lambda item: (item.position, item.starts_at, item.id))


# -- items -----------------------------------------------------------------------------------


def add_item(
    event_id: int,
    details: ItemDetails,
    actor: str,
    people: Sequence[PersonDetails] = (),
) -> AgendaItem:
    """Put a session or a break on the programme, in its place by time, with its `people`
    (the API gives them with the item; the editor adds them one by one)."""
    details = checked_item(details)
    people = [checked_person(person) for person in people]
    event = _locked(event_id)
    starts, ends = item_times(event, details)
    require_fits(event, starts, ends, but=None)
    item = append_item(event, item_columns(details, starts, ends), actor)
    renumber_items(event)
    for person in people:
        append_person(event, item, person, actor)
    db.session.flush()
    return item


def update_item(
    event_id: int,
    item_id: int,
    details: ItemDetails,
    actor: str,
    people: Sequence[PersonDetails] | None = None,
) -> list[str]:
    """Change an item; return the names of the fields changed (none: a repeat). `people`, when
    given, replaces the item's people: the n-th person given changes the n-th one there."""
    details = checked_item(details)
    checked = None if people is None else [checked_person(person) for person in people]
    event = _locked(event_id)
    item = item_of(event, item_id)
    starts, ends = item_times(event, details)
    require_fits(event, starts, ends, but=item)
    changed = change_item(event, item, item_columns(details, starts, ends), actor)
    if changed:
        renumber_items(event)
    if checked is not None and _replace_people(event, item, checked, actor):
        changed.append("people")
    db.session.flush()
    return changed


def _replace_people(
    event: Event, item: AgendaItem, people: list[PersonDetails], actor: str
) -> bool:
    """The item's people become `people`, in that order, each step audited; whether any
    changed."""
    there = sorted(item.people, key=lambda other: (other.position, other.id))
    changed = False
    for person, wanted in zip(there, people, strict=False):
        changed |= bool(change_person(event, item, person, wanted, actor))
    for wanted in people[len(there) :]:
        append_person(event, item, wanted, actor)
        changed = True
    for person in there[len(people) :]:
        remove_person(event, item, person, actor)
        changed = True
    renumber_people(item, sorted(item.people, key=lambda other: (other.position, other.id)))
    return changed


def delete_item(event_id: int, item_id: int, actor: str) -> AgendaItem:
    """Take an item, with its people, off the programme; returns it (no longer stored)."""
    event = _locked(event_id)
    item = item_of(event, item_id)
    remove_item(event, item, actor)
    renumber_items(event)
    db.session.flush()
    return item


def move_item(
    event_id: int, item_id: int, to_position: int, actor: str, *, from_position: int
) -> AgendaItem:
    """Run an item at another place in the programme (1 = first); returns it, re-timed.

    The items from the old place to the new one are laid out again from the time the first of
    them started, in the new order, each keeping its length, with the same pauses between them
    as before; so the stretch ends when it did, and nothing outside it moves.
    """
    event = _locked(event_id)
    item = item_of(event, item_id)
    order = in_running_order(event)
    index = _place_to_move(order, item, from_position, to_position)
    if to_position == from_position:
        return item
    low, high = sorted((index, to_position - 1))
    stretch = order[low : high + 1]
    pauses = [
        max(after.starts_at - before.ends_at, timedelta(0))
        for before, after in zip(stretch, stretch[1:], strict=False)
    ]
    before_move = {other.id: clock(event, other.starts_at) for other in stretch}
    order.insert(to_position - 1, order.pop(index))
    moment = min(other.starts_at for other in stretch)
    for n, other in enumerate(order[low : high + 1]):
        length = other.ends_at - other.starts_at
        other.starts_at, other.ends_at = moment, moment + length
        moment = other.ends_at + (pauses[n] if n < len(pauses) else timedelta(0))
    # Times a file left out of order could push the stretch past the end: checked like a save.
    for other in stretch:
        require_fits(event, other.starts_at, other.ends_at, but=other)
    renumber_items(event)
    db.session.flush()
    audit.record(
        "programme.item_moved",
        actor=actor,
        event_id=event.id,
        item_id=item.id,
        from_position=from_position,
        to_position=to_position,
        starts_before=before_move,
        starts_after={other.id: clock(event, other.starts_at) for other in stretch},
    )
    return item


# -- people ----------------------------------------------------------------------------------


def add_person(event_id: int, item_id: int, details: PersonDetails, actor: str) -> AgendaPerson:
    """Put a speaker or a moderator on an item, after the ones it has."""
    details = checked_person(details)
    event = _locked(event_id)
    item = item_of(event, item_id)
    person = append_person(event, item, details, actor)
    renumber_people(item, list(item.people))
    db.session.flush()
    return person


def update_person(
    event_id: int, item_id: int, person_id: int, details: PersonDetails, actor: str
) -> list[str]:
    """Change a person's details; return the names of the fields changed (none: a repeat)."""
    details = checked_person(details)
    event = _locked(event_id)
    item = item_of(event, item_id)
    changed = change_person(event, item, person_of(item, person_id), details, actor)
    if changed:
        db.session.flush()
    return changed


def delete_person(event_id: int, item_id: int, person_id: int, actor: str) -> AgendaPerson:
    """Take a person off an item; returns the person (no longer stored)."""
    event = _locked(event_id)
    item = item_of(event, item_id)
    person = person_of(item, person_id)
    remove_person(event, item, person, actor)
    db.session.flush()
    return person


def move_person(
    event_id: int,
    item_id: int,
    person_id: int,
    to_position: int,
    actor: str,
    *,
    from_position: int,
) -> int:
    """Put a person at another place among the item's people (1 = first); returns it."""
    event = _locked(event_id)
    item = item_of(event, item_id)
    person = person_of(item, person_id)
    order = sorted(item.people, key=lambda other: (other.position, other.id))
    index = _place_to_move(order, person, from_position, to_position)
    if to_position == from_position:
        return to_position
    order.insert(to_position - 1, order.pop(index))
    renumber_people(item, order)
    db.session.flush()
    audit.record(
        "programme.person_moved",
        actor=actor,
        event_id=event.id,
        item_id=item.id,
        person_id=person.id,
        from_position=from_position,
        to_position=to_position,
    )
    return to_position
