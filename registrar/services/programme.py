"""The programme of an event: its items (sessions and breaks) and their speakers and moderators.

The rules, in one place:

- An item's times are typed as "HH:MM" on the event's day, in the event's time zone, and lie
  within the event's hours (its start to its end; doors open before that, with no item).
- An item ends after it starts, and no two items overlap: the event has one room, so the
  programme runs one item after another (one may start when the other ends).
- The items' order is the order of their times: positions are 1..n by start time, renumbered
  after every change. Moving an item changes the running order: the items it passes keep their
  lengths and the pauses between them, and their times follow; the moved stretch starts and
  ends when it did.
- An item has a title in at least one language; a person has a name in at least one script.
  Every text is one line.
- Every change takes the event lock first (so that two organizers never interleave a
  renumbering), checks `_require_editable`, and writes an audit entry.
- A move names the position the page showed (`from_position`, as seats.move_on_waitlist does):
  a double submit, or someone else's change in between, moves nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from ..errors import DomainError, InvalidAnswer, NotFound
from ..extensions import db
from ..i18n import bilingual
from ..models import AgendaItem, AgendaKind, AgendaPerson, Event, PersonRole, column_length
from ..text import ONE_LINE_MESSAGE, has_control_characters
from . import audit
from .event_state import require_changeable
from .locking import lock_event

# The longest value per text field: the columns' own sizes.
ITEM_LENGTHS = {name: column_length(AgendaItem, name) for name in ("title_en", "title_zh")}
PERSON_LENGTHS = {
    name: column_length(AgendaPerson, name)
    for name in ("name_en", "name_zh", "title_en", "title_zh", "affiliation_en", "affiliation_zh")
}

# A time of day as a time field sends it: "HH:MM", seconds allowed only when they are ":00".
# ASCII digits only ([0-9], not \d, which takes any script's digits).
_HHMM = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])(?::00)?")


class ProgrammeError(InvalidAnswer):
    """A programme change refused. `field` names the form field the message belongs to."""

    def __init__(
        self, message: str | None = None, *, field: str | None = None, **params: object
    ) -> None:
        super().__init__(message, **params)
        self.field = field


class ProgrammeChanged(DomainError):
    """The organizer moved something on a programme that is no longer as the page showed it."""

    status = 409
    default_message = _l(
        "The programme changed since this page was shown, so nothing was moved. Here it is as "
        "it stands now."
    )


class ItemGone(NotFound):
    default_message = _l("This programme item is not there any more; it may have been deleted.")


class PersonGone(NotFound):
    default_message = _l("This person is not on the programme item any more.")


@dataclass(frozen=True)
class ItemDetails:
    """What the organizer types about a session or a break."""

    kind: AgendaKind
    starts: str  # "HH:MM", the event's day and zone
    ends: str
    title_en: str = ""
    title_zh: str = ""


@dataclass(frozen=True)
class PersonDetails:
    """What the organizer types about a speaker or a moderator."""

    role: PersonRole
    name_en: str = ""
    name_zh: str = ""
    title_en: str = ""
    title_zh: str = ""
    affiliation_en: str = ""
    affiliation_zh: str = ""


def _require_editable(event: Event) -> None:
    """Refuse any change to the programme of an archived or cancelled event, under the lock."""
    require_changeable(event)


# -- times -----------------------------------------------------------------------------------


def zone_of(event: Event) -> ZoneInfo:
    return ZoneInfo(event.timezone)


def clock(event: Event, moment: datetime) -> str:
    """The moment as "HH:MM" in the event's time zone (what the forms show and take)."""
    return moment.astimezone(zone_of(event)).strftime("%H:%M")


def _at(event: Event, text: str, field: str) -> datetime:
    """The "HH:MM" typed, on the event's day in its zone; the next day for an event that runs
    past midnight and a time before its start."""
    found = _HHMM.fullmatch(text.strip())
    if found is None:
        raise ProgrammeError(_l('Enter a time of day as "HH:MM", e.g. 13:30.'), field=field)
    zone = zone_of(event)
    day = event.starts_at.astimezone(zone).date()
    moment = datetime.combine(day, time(int(found[1]), int(found[2])), tzinfo=zone)
    if moment < event.starts_at and moment + timedelta(days=1) <= event.ends_at:
        moment += timedelta(days=1)
    return moment


# -- checking what was typed -----------------------------------------------------------------


def _cleaned(values: dict[str, str], lengths: dict[str, int]) -> dict[str, str]:
    cleaned = {}
    for name, limit in lengths.items():
        value = (values.get(name) or "").strip()
        if has_control_characters(value):
            raise ProgrammeError(ONE_LINE_MESSAGE, field=name)
        if len(value) > limit:
            raise ProgrammeError(_l("At most %(max)d characters, please."), field=name, max=limit)
        cleaned[name] = value
    return cleaned


def checked_item(details: ItemDetails) -> ItemDetails:
    texts = _cleaned({"title_en": details.title_en, "title_zh": details.title_zh}, ITEM_LENGTHS)
    if not (texts["title_en"] or texts["title_zh"]):
        raise ProgrammeError(
            _l("Please give a title in English or in Chinese (both, if you can)."),
            field="title_en",
        )
    try:
        kind = AgendaKind(details.kind)
    except ValueError:
        raise ProgrammeError(_l("Please choose session or break."), field="kind") from None
    return ItemDetails(kind=kind, starts=details.starts, ends=details.ends, **texts)


def checked_person(details: PersonDetails) -> PersonDetails:
    values = {name: getattr(details, name) for name in PERSON_LENGTHS}
    texts = _cleaned(values, PERSON_LENGTHS)
    if not (texts["name_en"] or texts["name_zh"]):
        raise ProgrammeError(
            _l("Please give the person's name in at least one script."), field="name_en"
        )
    try:
        role = PersonRole(details.role)
    except ValueError:
        raise ProgrammeError(_l("Please choose speaker or moderator."), field="role") from None
    return PersonDetails(role=role, **texts)


def _times(event: Event, details: ItemDetails) -> tuple[datetime, datetime]:
    starts = _at(event, details.starts, "starts")
    ends = _at(event, details.ends, "ends")
    if ends <= starts:
        raise ProgrammeError(_l("The item must end after it starts."), field="ends")
    return starts, ends


def require_within_hours(
    starts: datetime, ends: datetime, opens: datetime, closes: datetime, zone: ZoneInfo
) -> None:
    """The item lies within the event's hours (`opens` to `closes`, shown in `zone`)."""
    hours = {
        "start": opens.astimezone(zone).strftime("%H:%M"),
        "end": closes.astimezone(zone).strftime("%H:%M"),
    }
    if starts < opens:
        raise ProgrammeError(
            _l("The event runs from %(start)s to %(end)s: an item cannot start before that."),
            field="starts",
            **hours,
        )
    if ends > closes:
        raise ProgrammeError(
            _l("The event runs from %(start)s to %(end)s: an item cannot end after that."),
            field="ends",
            **hours,
        )


class _ItemTexts(Protocol):
    """What an item is called: the organizer's ItemDetails, or an event file's item."""

    @property
    def kind(self) -> AgendaKind: ...
    @property
    def title_en(self) -> str: ...
    @property
    def title_zh(self) -> str: ...


def item_columns(details: _ItemTexts, starts: datetime, ends: datetime) -> dict[str, Any]:
    """An item's columns: what it is called and when it runs."""
    return {
        "kind": details.kind,
        "title_en": details.title_en,
        "title_zh": details.title_zh,
        "starts_at": starts,
        "ends_at": ends,
    }


def _require_fits(event: Event, starts: datetime, ends: datetime, but: AgendaItem | None) -> None:
    """Within the event's hours, and clear of every other item."""
    require_within_hours(starts, ends, event.starts_at, event.ends_at, zone_of(event))
    for other in event.agenda:
        if other is not but and other.starts_at < ends and starts < other.ends_at:
            raise ProgrammeError(
                _l(
                    "This would overlap “%(title)s” (%(start)s–%(end)s): the room holds one "
                    "item at a time. Choose other times, or change that item first."
                ),
                field="starts",
                title=bilingual(other, "title"),
                start=clock(event, other.starts_at),
                end=clock(event, other.ends_at),
            )


# -- finding what the page named -------------------------------------------------------------


def _locked(event_id: int) -> Event:
    event = lock_event(event_id)
    _require_editable(event)
    return event


def _item(event: Event, item_id: int) -> AgendaItem:
    """The event's item; another event's id is as unknown as one never made."""
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.event_id != event.id:
        raise ItemGone()
    return item


def _person(item: AgendaItem, person_id: int) -> AgendaPerson:
    person = db.session.get(AgendaPerson, person_id)
    if person is None or person.item_id != item.id:
        raise PersonGone()
    return person


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
    }


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


# -- the steps of a change, audited: the editor's and the event-file import's ----------------
# Each runs under the caller's lock, after its checks, and leaves the renumbering to it;
# `context` goes into the audit entry (the import says `via="file"`).


def append_item(event: Event, values: dict[str, Any], actor: str, **context: Any) -> AgendaItem:
    """A new item after the event's others; `values` are its columns (kind, titles, times)."""
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


def append_person(
    event: Event, item: AgendaItem, details: PersonDetails, actor: str, **context: Any
) -> AgendaPerson:
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


# -- items -----------------------------------------------------------------------------------


def add_item(event_id: int, details: ItemDetails, actor: str) -> AgendaItem:
    """Put a session or a break on the programme, in its place by time."""
    details = checked_item(details)
    event = _locked(event_id)
    starts, ends = _times(event, details)
    _require_fits(event, starts, ends, but=None)
    item = append_item(event, item_columns(details, starts, ends), actor)
    renumber_items(event)
    db.session.flush()
    return item


def update_item(event_id: int, item_id: int, details: ItemDetails, actor: str) -> list[str]:
    """Change an item; return the names of the fields changed (none: a repeat)."""
    details = checked_item(details)
    event = _locked(event_id)
    item = _item(event, item_id)
    starts, ends = _times(event, details)
    _require_fits(event, starts, ends, but=item)
    changed = change_item(event, item, item_columns(details, starts, ends), actor)
    if changed:
        renumber_items(event)
        db.session.flush()
    return changed


def delete_item(event_id: int, item_id: int, actor: str) -> AgendaItem:
    """Take an item, with its people, off the programme; returns it (no longer stored)."""
    event = _locked(event_id)
    item = _item(event, item_id)
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
    item = _item(event, item_id)
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
        _require_fits(event, other.starts_at, other.ends_at, but=other)
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
    item = _item(event, item_id)
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
    item = _item(event, item_id)
    changed = change_person(event, item, _person(item, person_id), details, actor)
    if changed:
        db.session.flush()
    return changed


def delete_person(event_id: int, item_id: int, person_id: int, actor: str) -> AgendaPerson:
    """Take a person off an item; returns the person (no longer stored)."""
    event = _locked(event_id)
    item = _item(event, item_id)
    person = _person(item, person_id)
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
    item = _item(event, item_id)
    person = _person(item, person_id)
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
