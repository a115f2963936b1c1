"""Telling invited guests that the programme changed.

Guests read the programme on their invitation page, so once invitations went out a moved or
renamed session is something they were told otherwise. The event keeps the programme as they
know it (`Event.programme_told`): taken just before the first change after invitations went
out, so it is what the guests saw. The programme page compares it with the programme now; the
organizer then tells the guests (one "details have changed" notice, services/notices.py, whose
lines name each item that was added, removed, moved or renamed) or decides not to; either way
the programme now becomes the one guests know.

A change is one entry of the notice's changes: `"programme:<item id>": [before, after]`, each
side the item's titles and times (ISO strings) or None where it did not exist. A speaker's or
moderator's change is not told: the page shows the people as they are now.

The organizer's decision names what they saw (`seen`, a fingerprint of the changes): if the
programme changed again in between, nothing is told and the page shows the changes again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...errors import DomainError, InvalidAnswer
from ...extensions import db
from ...models import AgendaItem, Event, EventState, Guest
from .. import audit, calendar, notices
from ..event_state import require_changeable
from ..locking import lock_event

PREFIX = notices.PROGRAMME
_FINISHED = (EventState.CANCELLED, EventState.ARCHIVED)
_NOBODY = notices.Recipients(guests=(), confirmed=0, waitlisted=0)
_KEPT = ("title_en", "title_zh", "starts_at", "ends_at")


class ProgrammeNoticeChanged(DomainError):
    """The programme changed again after the organizer looked: they look again."""

    status = 409
    default_message = _l(
        "The programme changed again meanwhile; look at the changes below once more."
    )


class NothingToTell(InvalidAnswer):
    default_message = _l("The programme is as the guests know it: there is nothing to tell.")


@dataclass(frozen=True)
class PendingChanges:
    """The programme's changes the invited guests were not told of, and who would be."""

    changes: dict[str, list[Any]]
    fingerprint: str
    audience: notices.Recipients

    def __bool__(self) -> bool:
        return bool(self.changes)


def _item(item: AgendaItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "title_en": item.title_en,
        "title_zh": item.title_zh,
        "starts_at": item.starts_at.isoformat(),
        "ends_at": item.ends_at.isoformat(),
    }


def _invited(event: Event) -> bool:
    return (
        db.session.scalar(
            sa.select(Guest.id)
            .where(Guest.event_id == event.id, Guest.sent_at.is_not(None))
            .limit(1)
        )
        is not None
    )


def remember(event: Event) -> None:
    """Before a change of the programme (under the event lock): keep the programme as the
    invited guests know it, if no earlier change kept it already."""
    if event.programme_told is None and _invited(event):
        event.programme_told = [_item(item) for item in event.agenda]


def shift(event: Event, by: timedelta) -> None:
    """The whole forum moved and its programme with it (services/events.update): what guests
    know moves too, since the notice of the new start tells them (or the organizer chose not
    to), and each item moving with it is no change of the programme's own."""
    if event.programme_told is None or not by:
        return
    moved = []
    for item in event.programme_told:
        entry = dict(item)
        for name in ("starts_at", "ends_at"):
            entry[name] = (datetime.fromisoformat(entry[name]) + by).isoformat()
        moved.append(entry)
    event.programme_told = moved


def changes_of(event: Event) -> dict[str, list[Any]]:
    """{"programme:<id>": [before, after]} of each item added, removed, moved or renamed since
    the guests were told (nothing, while nothing is kept)."""
    if event.programme_told is None:
        return {}
    before = {int(entry["id"]): {k: entry[k] for k in _KEPT} for entry in event.programme_told}
    after = {item.id: {k: v for k, v in _item(item).items() if k != "id"} for item in event.agenda}
    changes: dict[str, list[Any]] = {}
    for item_id in sorted(before.keys() | after.keys()):
        was, now = before.get(item_id), after.get(item_id)
        if was != now:
            changes[f"{PREFIX}{item_id}"] = [was, now]
    return changes


def _pairs(changes: dict[str, list[Any]]) -> dict[str, tuple[object, object]]:
    return {name: (old, new) for name, (old, new) in changes.items()}


def _fingerprint(changes: dict[str, list[Any]]) -> str:
    text = json.dumps(changes, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def pending(event: Event) -> PendingChanges:
    """What the programme page shows: the changes not told, and to whom they would go (none
    for a cancelled or archived event, whose guests are told nothing more)."""
    changes = changes_of(event) if event.state not in _FINISHED else {}
    return PendingChanges(
        changes=changes,
        fingerprint=_fingerprint(changes),
        # Read only when there is something to tell: it loads every guest invited.
        audience=notices.recipients(event, _pairs(changes)) if changes else _NOBODY,
    )


def _decided(event_id: int, seen: str) -> tuple[Event, dict[str, list[Any]]]:
    event = lock_event(event_id)
    require_changeable(event)
    changes = changes_of(event)
    if not changes:
        raise NothingToTell()
    if _fingerprint(changes) != seen:
        raise ProgrammeNoticeChanged()
    return event, changes


def tell(event_id: int, seen: str, actor: str) -> tuple[int, int]:
    """Queue the notice of the programme's changes to the guests it concerns; return how many
    items changed and how many notices were queued. From now on guests know the programme as
    it is."""
    event, changes = _decided(event_id, seen)
    who = notices.recipients(event, _pairs(changes))
    queued = notices.tell_guests(event, _pairs(changes), actor)
    event.programme_told = None
    audit.record(
        "programme.change_notice",
        actor=actor,
        event_id=event.id,
        items=len(changes),
        invited=who.invited,
        confirmed=who.confirmed,
        waitlisted=who.waitlisted,
        queued=queued,
    )
    return len(changes), queued


def keep_untold(event_id: int, seen: str, actor: str) -> int:
    """The organizer decides the guests need not be told (a typo mended, say): the programme
    as it is becomes the one they know; return how many changes were left untold. Their
    calendar entries made from now on still replace the ones they have."""
    event, changes = _decided(event_id, seen)
    who = notices.recipients(event, _pairs(changes))
    event.programme_told = None
    calendar.raise_sequence(event)
    audit.record(
        "programme.change_not_told",
        actor=actor,
        event_id=event.id,
        items=len(changes),
        invited=who.invited,
    )
    return len(changes)
