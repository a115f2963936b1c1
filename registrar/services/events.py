"""Events as organizers keep them: create, edit, copy, and move through their states.

The details and their rules are in event_details.py; saving, the edit version that keeps two
organizers from overwriting each other, the states and the audit entries are here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import DomainError, EventArchived, InvalidAnswer, NotFound
from ..extensions import db
from ..labels import EVENT_STATE_LABELS
from ..models import (
    AgendaItem,
    AgendaPerson,
    AuditEntry,
    Event,
    EventState,
    Guest,
    Role,
    Seat,
    SeatState,
    TeamMember,
)
from . import audit, calendar, companions, notices, seats
from .event_details import (
    EventDetails,
    EventInvalid,
    changes_between,
    cleaned,
    local,
    shift_days,
    validate,
)
from .event_state import require_changeable
from .locking import lock_event
from .programme import told as programme_notices

__all__ = [
    "GUEST_FACING",
    "Audience",
    "EventArchived",
    "EventChanged",
    "EventDetails",
    "EventInvalid",
    "EventRow",
    "NoticeNotConfirmed",
    "audience",
    "copy",
    "create",
    "guest_facing",
    "listing",
    "preview_changes",
    "queue_change_notices",
    "set_state",
    "update",
    "validate",
]

# What guests were told in their invitation and calendar entry: a change to any of these
# after invitations went out is told to them (queue_change_notices).
GUEST_FACING = frozenset(
    {
        "doors_open_at",
        "starts_at",
        "ends_at",
        "venue_en",
        "venue_zh",
        "room_en",
        "room_zh",
        "address_en",
        "address_zh",
    }
)

# The states an event may go to from each state. Archived is the end: read-only for good.
TRANSITIONS = {
    EventState.DRAFT: frozenset({EventState.OPEN}),
    EventState.OPEN: frozenset({EventState.CLOSED}),
    EventState.CLOSED: frozenset({EventState.OPEN, EventState.ARCHIVED}),
    # Cancelling is services/notices.cancel_event, which tells the guests; never a plain step.
    EventState.CANCELLED: frozenset({EventState.ARCHIVED}),
    EventState.ARCHIVED: frozenset(),
}


class EventChanged(DomainError):
    """The editor's form was made from an older version: someone else saved meanwhile."""

    status = 409
    default_message = _l(
        "Someone else changed the event since this version of it was read, so nothing was saved."
    )

    def __init__(self, changed_fields: list[str], by: list[str]):
        super().__init__()
        # The fields the other saves changed, and who made them (audit actors).
        self.changed_fields = changed_fields
        self.by = by


class NoticeNotConfirmed(DomainError):
    """A change guests know about, after invitations went out: the organizer confirms first."""

    status = 409
    default_message = _l(
        "Guests have been invited, and this change concerns them: confirm that they are told."
    )

    def __init__(self, changes: dict[str, tuple[object, object]], audience: Audience):
        super().__init__()
        self.changes = changes
        self.audience = audience


@dataclass(frozen=True)
class Audience:
    """Who is told of a change: guests invited who have not declined (services/notices.py),
    and of them those holding a seat."""

    invited: int
    confirmed: int
    waitlisted: int


def audience(event: Event, changes: dict[str, tuple[object, object]] | None = None) -> Audience:
    told = notices.recipients(event, changes)
    return Audience(invited=told.invited, confirmed=told.confirmed, waitlisted=told.waitlisted)


@dataclass(frozen=True)
class EventRow:
    event: Event
    invited: int
    confirmed: int
    waitlisted: int


def listing(only: list[int] | None = None) -> list[EventRow]:
    """Every event (or those of `only`), soonest first, archived ones after the rest; with its
    guests counted (three grouped queries, whatever the number of events)."""
    query = sa.select(Event).order_by(
        (Event.state == EventState.ARCHIVED), Event.starts_at, Event.id
    )
    if only is not None:
        query = query.where(Event.id.in_(only))
    events = db.session.scalars(query).all()
    invited = dict(
        db.session.execute(
            sa.select(Guest.event_id, sa.func.count())
            .where(Guest.sent_at.is_not(None), Guest.revoked_at.is_(None))
            .group_by(Guest.event_id)
        ).all()
    )
    by_state: dict[tuple[int, SeatState], int] = {
        (event_id, SeatState(state)): n
        for event_id, state, n in db.session.execute(
            sa.select(Seat.event_id, Seat.state, sa.func.count()).group_by(
                Seat.event_id, Seat.state
            )
        )
    }
    return [
        EventRow(
            event=event,
            invited=invited.get(event.id, 0),
            confirmed=by_state.get((event.id, SeatState.CONFIRMED), 0),
            waitlisted=by_state.get((event.id, SeatState.WAITLISTED), 0),
        )
        for event in events
    ]


def guest_facing(changes: dict[str, tuple[object, object]]) -> dict[str, tuple[object, object]]:
    return {name: change for name, change in changes.items() if name in GUEST_FACING}


def preview_changes(event_id: int, details: EventDetails) -> dict[str, tuple[object, object]]:
    """What a save of these details would change, checked, with nothing written."""
    event = _event(event_id)
    details = cleaned(details)
    validate(details, seats.seat_counts(event).confirmed, event_id=event.id)
    return changes_between(event, details)


def create(details: EventDetails, actor: str, *, organizer_id: int | None = None) -> Event:
    """A new event, as a draft: guests cannot answer until an organizer opens it.

    `organizer_id`: the account that made it and is not an administrator, which becomes the
    event's organizer (else it could not open what it has just made).
    """
    details = cleaned(details)
    validate(details, 0)
    event = Event(**details.column_values(), state=EventState.DRAFT, edit_version=1)
    db.session.add(event)
    db.session.flush()
    audit.record("event.created", actor=actor, event_id=event.id, slug=event.slug)
    _join_as_organizer(event, organizer_id, actor)
    return event


def _join_as_organizer(event: Event, staff_id: int | None, actor: str) -> None:
    if staff_id is None:
        return
    db.session.add(TeamMember(event_id=event.id, staff_id=staff_id, role=Role.ORGANIZER))
    db.session.flush()
    audit.record(
        "team.added", actor=actor, event_id=event.id, staff_id=staff_id, role=Role.ORGANIZER.value
    )


def update(
    event_id: int,
    details: EventDetails,
    expected_version: int,
    actor: str,
    *,
    notice_confirmed: bool = False,
    move_programme: bool = False,
    tell_guests: bool = True,
) -> dict[str, tuple[object, object]]:
    """Save the editor's details; return {field: (old, new)} of what changed.

    `move_programme`: every programme item moves by as much as the start does, so that moving
    the forum is one change and not one per item (which their no-overlap rule would make a
    puzzle).

    `expected_version` is the edit version the form was made from: another version means
    someone saved in between, and nothing is overwritten (EventChanged says what they changed).
    A change guests know about (GUEST_FACING) after invitations went out needs
    `notice_confirmed`, and then goes to queue_change_notices; with `tell_guests` false (the
    API's `"notify": false`, the organizer's explicit choice) nobody is told, and the audit log
    says so (`event.change_not_told`). Under the event lock, because
    a new capacity frees or takes seats (seats.set_capacity's rule and promotion).
    """
    details = cleaned(details)
    event = lock_event(event_id)
    require_changeable(event)
    if event.edit_version != expected_version:
        raise _changed_since(event, expected_version)
    shift = details.starts_at - event.starts_at if move_programme else timedelta(0)
    validate(details, seats.seat_counts(event).confirmed, event_id=event.id, programme_shift=shift)
    changes = changes_between(event, details)
    if not changes:
        return {}
    if "companions_take_seats" in changes and companions.event_counts(event.id).named:
        # Seats taken or not taken already would no longer match the rule.
        raise EventInvalid(
            {
                "companions_take_seats": str(
                    _l(
                        "Accompanying persons are named already: remove them before changing "
                        "whether they take seats."
                    )
                )
            }
        )
    told = guest_facing(changes)
    who = audience(event, told)
    if told and who.invited and not notice_confirmed:
        raise NoticeNotConfirmed(told, who)
    values = details.column_values()
    for name in changes.keys() - {"capacity", "held_seats"}:
        setattr(event, name, values[name])
    if shift and event.agenda:
        programme_notices.shift(event, shift)
        for item in event.agenda:
            item.starts_at += shift
            item.ends_at += shift
        audit.record(
            "programme.moved_with_event",
            actor=actor,
            event_id=event.id,
            minutes=int(shift.total_seconds() // 60),
            items=len(event.agenda),
        )
    event.edit_version += 1
    audit.record(
        "event.updated",
        actor=actor,
        event_id=event.id,
        version=event.edit_version,
        changes={name: [_plain(old), _plain(new)] for name, (old, new) in changes.items()},
    )
    if "capacity" in changes or "held_seats" in changes:
        seats.set_capacity(event.id, details.capacity, details.held_seats, actor)
    if told and audience(event, told).invited:
        if tell_guests:
            queue_change_notices(event, told, actor)
        else:
            _record_untold(event, told, actor)
    db.session.flush()
    return changes


def queue_change_notices(
    event: Event, changes: dict[str, tuple[object, object]], actor: str
) -> AuditEntry:
    """Where the guests who were invited are told that details they know changed.

    The organizer confirmed it after seeing who will be told (the console's interim page).
    services/notices.py writes each guest's notice to the outbox; this records, in the same
    transaction, what changed and for how many guests.
    """
    who = audience(event, changes)
    queued = notices.tell_guests(event, changes, actor)
    return audit.record(
        "event.change_notice",
        actor=actor,
        event_id=event.id,
        fields=sorted(changes),
        invited=who.invited,
        confirmed=who.confirmed,
        waitlisted=who.waitlisted,
        queued=queued,
    )


def _record_untold(event: Event, changes: dict[str, tuple[object, object]], actor: str) -> None:
    """A change guests know about, saved without telling them: what changed and how many
    guests were not told, in the audit log. Their calendar entries made from now on still
    replace the ones they have (which hold the old details)."""
    who = audience(event, changes)
    calendar.raise_sequence(event)
    audit.record(
        "event.change_not_told",
        actor=actor,
        event_id=event.id,
        fields=sorted(changes),
        invited=who.invited,
        confirmed=who.confirmed,
        waitlisted=who.waitlisted,
    )


def copy(
    event_id: int, new_slug: str, new_date: date, actor: str, *, organizer_id: int | None = None
) -> Event:
    """A new draft like this event on another day: the programme with it, every time moved by
    the same number of days on the event's clocks; no guests, answers or door links."""
    source = _event(event_id)
    zone = source.timezone
    days = (new_date - local(source.starts_at, zone).date()).days

    def moved(moment: datetime) -> datetime:
        return shift_days(moment, days, zone)

    details = replace(
        EventDetails.of(source),
        slug=new_slug,
        doors_open_at=moved(source.doors_open_at),
        starts_at=moved(source.starts_at),
        ends_at=moved(source.ends_at),
        rsvp_deadline=moved(source.rsvp_deadline),
    )
    event = create(details, actor)
    for item in source.agenda:
        copied = AgendaItem(
            position=item.position,
            kind=item.kind,
            title_en=item.title_en,
            title_zh=item.title_zh,
            starts_at=moved(item.starts_at),
            ends_at=moved(item.ends_at),
        )
        for person in item.people:
            copied.people.append(
                AgendaPerson(
                    position=person.position,
                    role=person.role,
                    name_en=person.name_en,
                    name_zh=person.name_zh,
                    title_en=person.title_en,
                    title_zh=person.title_zh,
                    affiliation_en=person.affiliation_en,
                    affiliation_zh=person.affiliation_zh,
                )
            )
        event.agenda.append(copied)
    db.session.flush()
    audit.record("event.copied", actor=actor, event_id=event.id, source=source.id, days=days)
    _join_as_organizer(event, organizer_id, actor)
    return event


def set_state(event_id: int, state: EventState, actor: str) -> Event:
    """Open, close, reopen or archive; refused for any other step (TRANSITIONS)."""
    event = lock_event(event_id)
    # A cancelled event may still be archived: TRANSITIONS says where each state may go.
    if event.state == EventState.ARCHIVED:
        raise EventArchived()
    state = EventState(state)
    if state not in TRANSITIONS[event.state]:
        raise InvalidAnswer(
            _l("An event that is %(now)s cannot become %(then)s."),
            now=_state_label(event.state),
            then=_state_label(state),
        )
    before = event.state
    event.state = state
    audit.record(
        "event.state_changed",
        actor=actor,
        event_id=event.id,
        state=[before.value, state.value],
    )
    db.session.flush()
    return event


def _state_label(state: EventState) -> str:
    return str(EVENT_STATE_LABELS[state]).lower()


def _changed_since(event: Event, version: int) -> EventChanged:
    """What the saves after `version` changed, from their audit entries."""
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.event_id == event.id, AuditEntry.action == "event.updated")
        .order_by(AuditEntry.id)
    ).all()
    later = [e for e in entries if int(e.details.get("version", 0)) > version]
    changed = sorted({name for entry in later for name in entry.details.get("changes", {})})
    return EventChanged(changed, sorted({entry.actor for entry in later}))


def _event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound()
    return event


def _plain(value: object) -> object:
    """A value as the audit log's JSON keeps it."""
    return value.isoformat() if isinstance(value, datetime) else value
