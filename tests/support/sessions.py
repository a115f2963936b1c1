"""An event whose guests choose sessions: the forum's afternoon, Session 2 13:30-14:50, a break,
Session 3 15:10-16:30 (as on the event page), both sessions choosable."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from registrar.extensions import db
from registrar.models import AgendaItem, AgendaKind, Channel, Event, Guest, utcnow
from registrar.services import audit, rsvp

from .factories import TAIPEI, make_taipei_afternoon

SESSION_2 = (
    "Working with Nature for People, Climate and Biodiversity",
    "與自然共創：人、氣候與生物多樣性",
)
SESSION_3 = ("Innovating Green Mobility", "創新綠色交通")


def _at(event: Event, hour: int, minute: int) -> datetime:
    day = event.starts_at.astimezone(TAIPEI).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TAIPEI)


def make_sessions_event(capacity: int = 50, **fields) -> tuple[Event, AgendaItem, AgendaItem]:
    """The event with its two choosable sessions and the break between them."""
    event = make_taipei_afternoon(capacity=capacity, **fields)
    rows = [
        (AgendaKind.SESSION, SESSION_2, (13, 30), (14, 50), True),
        (AgendaKind.BREAK, ("Break", "休息"), (14, 50), (15, 10), False),
        (AgendaKind.SESSION, SESSION_3, (15, 10), (16, 30), True),
    ]
    items = []
    for position, (kind, (en, zh), starts, ends, choosable) in enumerate(rows, start=1):
        item = AgendaItem(
            event_id=event.id,
            position=position,
            kind=kind,
            title_en=en,
            title_zh=zh,
            starts_at=_at(event, *starts),
            ends_at=_at(event, *ends),
            choosable=choosable,
        )
        db.session.add(item)
        items.append(item)
    db.session.commit()
    return event, items[0], items[2]


def choose(
    guest: Guest, *sessions: AgendaItem, channel: Channel = Channel.EN, attending: bool = True
) -> rsvp.RsvpState:
    """The guest's answer with the sessions chosen, as the public view gives it: one commit."""
    state = rsvp.answer(
        guest.id,
        guest.token_version,
        rsvp.RsvpAnswer(
            attending=attending,
            channel=channel if attending else None,
            sessions=frozenset(s.id for s in sessions) if attending else None,
        ),
        audit.GUEST,
    )
    db.session.commit()
    return state


def moved(event: Event, by: timedelta) -> None:
    """The event and its programme, moved by `by` (the guests chose while answers were open)."""
    event = db.session.get(Event, event.id)
    for name in ("doors_open_at", "starts_at", "ends_at", "rsvp_deadline"):
        setattr(event, name, getattr(event, name) + by)
    for item in db.session.scalars(sa.select(AgendaItem).where(AgendaItem.event_id == event.id)):
        item.starts_at += by
        item.ends_at += by
    db.session.commit()


def yesterday(event: Event) -> None:
    """The afternoon moved to the past: offline scans may be made at any time of it."""
    days = (event.starts_at.date() - utcnow().date()).days + 1
    moved(event, -timedelta(days=days))
