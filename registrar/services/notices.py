"""Telling guests after invitations went out: the details they know changed, or the event is
cancelled. Each guest's notice goes to the outbox in the caller's transaction.

Who is told (`recipients`): every guest whose invitation went out, who is not revoked or
erased, and who has not declined. A guest who said no is not coming: a new time is not their
concern (their page still shows it); a cancellation would only repeat what they told us.
Confirmed and waitlisted guests are told, and so are those who have not answered yet.

Each function runs in the caller's transaction (flushes, never commits).
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..errors import EventCancelled, InvalidAnswer
from ..extensions import db
from ..i18n import is_chinese
from ..models import (
    ERASED_DOMAIN,
    Event,
    EventChange,
    EventState,
    Guest,
    Language,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    Rsvp,
    SeatState,
    utcnow,
)
from . import audit, calendar, outbox
from .locking import lock_event

# The longest reason for a cancellation, in each language (the column's size).
REASON_LENGTH = 500
# The details guests are told of, in the order a notice lists them; a detail kept in both
# languages is one line, in the reader's language.
_TIMES = ("doors_open_at", "starts_at", "ends_at")
_BILINGUAL = ("venue", "room", "address")
# The words of each detail (labels.py holds the enums'; these are fields of the event).
DETAIL_LABELS = {
    "doors_open_at": _l("Doors open"),
    "starts_at": _l("Start"),
    "ends_at": _l("End"),
    "venue": _l("Venue"),
    "room": _l("Room"),
    "address": _l("Address"),
}
# The changes of programme items are named "programme:<item id>" (services/programme/told.py).
PROGRAMME = "programme:"
# Why a notice was cancelled before it went out (the codes of mail.campaigns.REASONS).
NEWER_DETAILS = "newer_details"
EVENT_CANCELLED = "event_cancelled"


@dataclass(frozen=True)
class Recipients:
    """The guests a notice goes to, and how many of them hold a seat."""

    guests: tuple[Guest, ...]
    confirmed: int
    waitlisted: int

    @property
    def invited(self) -> int:
        return len(self.guests)

    @property
    def unanswered(self) -> int:
        return self.invited - self.confirmed - self.waitlisted


@dataclass(frozen=True)
class ChangedDetail:
    """One line of a notice, in the current language: what a detail was and is now."""

    label: str
    old: str
    new: str


def recipients(
    event: Event, changes: Mapping[str, tuple[object, object]] | None = None
) -> Recipients:
    """Who is told of these changes (of anything, without them): a guest reading English is
    not written to when only the Chinese spelling of the venue changed, and the other way."""
    guests = tuple(
        db.session.scalars(
            sa.select(Guest)
            .outerjoin(Rsvp, Rsvp.guest_id == Guest.id)
            .where(
                Guest.event_id == event.id,
                Guest.sent_at.is_not(None),
                Guest.revoked_at.is_(None),
                Guest.email.not_like(f"%@{ERASED_DOMAIN}"),
                sa.or_(Rsvp.id.is_(None), Rsvp.attending.is_(True)),
            )
            .order_by(Guest.id)
            .options(selectinload(Guest.seat), selectinload(Guest.rsvp))
        )
    )
    if changes is not None:
        plain = plain_changes(changes)
        guests = tuple(g for g in guests if concerns(event, plain, g.language))
    states = [guest.seat.state for guest in guests if guest.seat is not None]
    return Recipients(
        guests=guests,
        confirmed=states.count(SeatState.CONFIRMED),
        waitlisted=states.count(SeatState.WAITLISTED),
    )


def plain_changes(changes: Mapping[str, tuple[object, object]]) -> dict[str, list[Any]]:
    """{field: [old, new]} as JSON keeps it: times as ISO strings."""
    return {name: [_plain(old), _plain(new)] for name, (old, new) in changes.items()}


def tell_guests(event: Event, changes: Mapping[str, tuple[object, object]], actor: str) -> int:
    """Queue "the details have changed" to every recipient; return how many were queued.

    The caller holds the event lock and has saved the new details (services/events.update,
    after the organizer confirmed). A guest whose earlier notice has not gone out yet gets one
    message with everything that changed since the last one they got, not one per save; a
    detail changed back meanwhile is left out, and nothing goes to a guest when all were.
    """
    if event.state == EventState.CANCELLED:
        raise EventCancelled()
    calendar.raise_sequence(event)
    record = EventChange(
        event_id=event.id,
        cancelled=False,
        changes=plain_changes(changes),
        reason_en="",
        reason_zh="",
        actor=actor,
        created_at=utcnow(),
    )
    db.session.add(record)
    db.session.flush()
    queued = 0
    for guest in recipients(event).guests:
        told = _since_last_notice(guest, record.changes)
        if not concerns(event, told, guest.language):
            continue
        details = {"change_id": record.id, "changes": told}
        if outbox.enqueue(guest, MessageKind.DETAILS_CHANGED, actor=actor, details=details):
            queued += 1
    return queued


def _since_last_notice(guest: Guest, changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The changes folded into those of the guest's notices not gone out yet, which the new
    one replaces: each detail from what the guest was last told to what it is now."""
    earlier = db.session.scalars(
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.guest_id == guest.id,
            OutboxMessage.kind == MessageKind.DETAILS_CHANGED,
            OutboxMessage.status.in_(outbox.OPEN),
            outbox.TO_GUESTS,
        )
        .order_by(OutboxMessage.id)
    ).all()
    folded: dict[str, list[Any]] = {}
    for message in earlier:
        _fold(folded, message.details.get("changes", {}))
        # One being sent right now may still go out: its changes are repeated, from what the
        # guest knew before it, which stays true either way. A queued one is replaced.
        if message.status == MessageStatus.QUEUED:
            message.status = MessageStatus.CANCELLED
            message.reason = NEWER_DETAILS
    _fold(folded, changes)
    return {name: pair for name, pair in folded.items() if pair[0] != pair[1]}


def _fold(into: dict[str, list[Any]], changes: Mapping[str, list[Any]]) -> None:
    for name, (old, new) in changes.items():
        into[name] = [into[name][0] if name in into else old, new]


def is_superseded(guest: Guest, details: Mapping[str, Any]) -> bool:
    """Whether a details notice was followed by a newer change of the same event (whose
    notice says all it said): a notice that was being sent when the newer one was queued."""
    newest = db.session.scalar(
        sa.select(sa.func.max(EventChange.id)).where(
            EventChange.event_id == guest.event_id, EventChange.cancelled.is_(False)
        )
    )
    return newest is not None and int(details.get("change_id", 0)) < newest


def cancel_event(event_id: int, reason_en: str, reason_zh: str, actor: str) -> Recipients:
    """Cancel the event and queue the cancellation to every recipient; return who is told.

    The event takes no answers from now on and can only be archived; every message to its
    guests that has not gone out yet is cancelled first (an invitation, a reminder or a
    notice of changes would now be wrong).
    """
    event = lock_event(event_id)
    if event.state == EventState.CANCELLED:
        raise EventCancelled(_l("This event is already cancelled; its guests were told."))
    if event.state == EventState.ARCHIVED:
        raise InvalidAnswer(_l("An archived event cannot be cancelled."))
    reason_en, reason_zh = reason_en.strip(), reason_zh.strip()
    if max(len(reason_en), len(reason_zh)) > REASON_LENGTH:
        raise InvalidAnswer(_l("Keep the reason under %(n)s characters."), n=REASON_LENGTH)
    who = recipients(event)
    cancelled_messages = outbox.cancel_queued(event, EVENT_CANCELLED)
    before = event.state
    event.state = EventState.CANCELLED
    calendar.raise_sequence(event)
    record = EventChange(
        event_id=event.id,
        cancelled=True,
        changes={},
        reason_en=reason_en,
        reason_zh=reason_zh,
        actor=actor,
        created_at=utcnow(),
    )
    db.session.add(record)
    db.session.flush()
    for guest in who.guests:
        outbox.enqueue(
            guest, MessageKind.EVENT_CANCELLED, actor=actor, details={"change_id": record.id}
        )
    audit.record(
        "event.cancelled",
        actor=actor,
        event_id=event.id,
        state=[before.value, EventState.CANCELLED.value],
        told=who.invited,
        confirmed=who.confirmed,
        waitlisted=who.waitlisted,
        messages_cancelled=cancelled_messages,
    )
    db.session.flush()
    return who


# -- what a guest is shown ---------------------------------------------------------------------


def changes_seen_by(guest: Guest) -> list[EventChange]:
    """The changes (and a cancellation) made after the guest's invitation went out, newest
    first: what the guest's page tells them."""
    if guest.sent_at is None:
        return []
    return list(
        db.session.scalars(
            sa.select(EventChange)
            .where(EventChange.event_id == guest.event_id, EventChange.created_at > guest.sent_at)
            .order_by(EventChange.id.desc())
        )
    )


def cancellation_of(event: Event) -> EventChange | None:
    return db.session.scalar(
        sa.select(EventChange)
        .where(EventChange.event_id == event.id, EventChange.cancelled.is_(True))
        .order_by(EventChange.id.desc())
        .limit(1)
    )


def reason_of(record: EventChange | Mapping[str, Any]) -> str:
    """The cancellation's reason in the current language, else the other one."""
    if isinstance(record, EventChange):
        en, zh = record.reason_en, record.reason_zh
    else:
        en, zh = str(record.get("reason_en", "")), str(record.get("reason_zh", ""))
    return (zh or en) if is_chinese() else (en or zh)


def describe(event: Event, changes: Mapping[str, list[Any]]) -> list[ChangedDetail]:
    """The lines of a notice in the current language: times on the event's clocks (with the
    date when it moved), a place in the reader's language (a line only where that changed)."""
    zone = ZoneInfo(event.timezone)
    lines: list[ChangedDetail] = []
    for name in _TIMES:
        if name in changes:
            old, new = (datetime.fromisoformat(str(v)).astimezone(zone) for v in changes[name])
            with_date = old.date() != new.date()
            lines.append(
                ChangedDetail(
                    str(DETAIL_LABELS[name]),
                    _moment(old, with_date),
                    _moment(new, with_date),
                )
            )
    for name in _BILINGUAL:
        was, now = _place(event, changes, name, chinese=is_chinese())
        if was != now:
            lines.append(ChangedDetail(str(DETAIL_LABELS[name]), was or "—", now or "—"))
    items = [pair for name, pair in changes.items() if name.startswith(PROGRAMME)]
    for was, now in sorted(items, key=lambda pair: (pair[1] or pair[0])["starts_at"]):
        if _item_concerns(was, now, chinese=is_chinese()):
            lines.append(_item_line(zone, was, now, chinese=is_chinese()))
    return lines


def _title(item: Mapping[str, Any], *, chinese: bool) -> str:
    first, second = ("title_zh", "title_en") if chinese else ("title_en", "title_zh")
    return str(item[first] or item[second])


def _item_concerns(
    was: Mapping[str, Any] | None, now: Mapping[str, Any] | None, *, chinese: bool
) -> bool:
    """Whether a reader sees a programme item change: it came or went, moved, or its title
    changed in the script they read it in."""
    if was is None or now is None:
        return True
    return any(was[name] != now[name] for name in ("starts_at", "ends_at")) or _title(
        was, chinese=chinese
    ) != _title(now, chinese=chinese)


def _item_line(
    zone: ZoneInfo, was: Mapping[str, Any] | None, now: Mapping[str, Any] | None, *, chinese: bool
) -> ChangedDetail:
    """A programme item's line: its title, and its times (with the old title where that
    changed) before and after; "—" before an item that was added, a word after one removed."""

    def when(item: Mapping[str, Any]) -> str:
        starts, ends = (
            datetime.fromisoformat(str(item[k])).astimezone(zone) for k in ("starts_at", "ends_at")
        )
        return f"{starts:%H:%M}–{ends:%H:%M}"

    shown = now or was
    assert shown is not None
    label = str(_l("Programme: %(title)s", title=_title(shown, chinese=chinese)))
    if was is None:
        return ChangedDetail(label, "—", when(shown))
    if now is None:
        return ChangedDetail(label, when(was), str(_l("Off the programme")))
    old = when(was)
    if _title(was, chinese=chinese) != _title(now, chinese=chinese):
        old = f"{_title(was, chinese=chinese)}, {old}"
    return ChangedDetail(label, old, when(now))


def concerns(event: Event, changes: Mapping[str, list[Any]], language: Language) -> bool:
    """Whether a reader of this language sees anything change (describe's lines)."""
    chinese = language == Language.ZH_HANT
    return (
        any(name in changes for name in _TIMES)
        or any(operator.ne(*_place(event, changes, name, chinese=chinese)) for name in _BILINGUAL)
        or any(
            _item_concerns(*pair, chinese=chinese)
            for name, pair in changes.items()
            if name.startswith(PROGRAMME)
        )
    )


def _place(
    event: Event, changes: Mapping[str, list[Any]], name: str, *, chinese: bool
) -> tuple[str, str]:
    """A detail kept in both languages, before and after, as a reader of one language reads
    it: in their language, else in the other (as i18n.bilingual shows it)."""
    pairs = {
        suffix: changes.get(f"{name}_{suffix}") or [getattr(event, f"{name}_{suffix}")] * 2
        for suffix in ("en", "zh")
    }
    first, second = ("zh", "en") if chinese else ("en", "zh")
    return str(pairs[first][0] or pairs[second][0]), str(pairs[first][1] or pairs[second][1])


def _moment(moment: datetime, with_date: bool) -> str:
    time = f"{moment:%H:%M}"
    return f"{format_date(moment.date(), 'full')} {time}" if with_date else time


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value
