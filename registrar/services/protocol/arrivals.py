"""The arrival desk and the MC's list: the VIPs, speakers and moderators of an event with what
the door has seen of them, in precedence order; and a version of it that costs one small query,
so that screens polling every second or two are told "nothing new" cheaply.

Read only: nothing here writes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa

from ...extensions import db
from ...models import AgendaItem, AgendaPerson, Category, CheckIn, Event, Guest, Rsvp
from .. import companions, precedence

# Whom the protocol desk meets at the door.
DESK_CATEGORIES = (Category.VIP, Category.SPEAKER, Category.MODERATOR)
# Whom the MC greets from the stage.
ACKNOWLEDGED = (Category.VIP,)

State = Literal["expected", "arrived", "left"]


@dataclass(frozen=True)
class DeskGuest:
    id: int
    name_en: str
    name_zh: str
    title: str
    organization: str
    category: Category
    precedence: int | None
    # expected: not through the door yet; arrived: inside now; left: came, and went out again.
    state: State
    # The first entry (UTC) and the gate it was scanned at; None and "" while expected.
    arrived_at: datetime | None
    gate: str
    # False: invited and never answered (the desk may still meet them).
    answered: bool
    # Their accompanying persons still valid, and how many of them came through the door.
    companions: int = 0
    companions_arrived: int = 0


def _programme_guests(event_id: int) -> sa.Select[Any]:
    """The guests the programme's speakers and moderators are, whatever their category."""
    return (
        sa.select(AgendaPerson.guest_id)
        .join(AgendaItem, AgendaItem.id == AgendaPerson.item_id)
        .where(AgendaItem.event_id == event_id, AgendaPerson.guest_id.is_not(None))
    )


def _guests(
    event_id: int,
    categories: tuple[Category, ...],
    *,
    inside: bool,
    programme: bool = False,
) -> list[DeskGuest]:
    chosen: sa.ColumnElement[bool] = Guest.category.in_(categories)
    if programme:
        chosen = sa.or_(chosen, Guest.id.in_(_programme_guests(event_id)))
    query = (
        sa.select(
            Guest.id,
            Guest.name_en,
            Guest.name_zh,
            Guest.title,
            Guest.organization,
            Guest.category,
            Guest.precedence,
            Rsvp.attending,
            CheckIn.first_scan_at,
            CheckIn.first_gate,
            CheckIn.inside,
        )
        .outerjoin(Rsvp, Rsvp.guest_id == Guest.id)
        .outerjoin(CheckIn, CheckIn.guest_id == Guest.id)
        .where(
            Guest.event_id == event_id,
            chosen,
            Guest.revoked_at.is_(None),
            ~Guest.is_erased,
        )
        .order_by(*precedence.order_by())
    )
    if inside:
        query = query.where(CheckIn.inside.is_(True))
    found = []
    rows = db.session.execute(query).all()
    brought = companions.count_by_principal(event_id, [row.id for row in rows])
    for row in rows:
        entered = row.first_scan_at is not None
        # A guest who said no is not awaited; one who came all the same is shown.
        if row.attending is False and not entered:
            continue
        state: State = "expected" if not entered else ("arrived" if row.inside else "left")
        found.append(
            DeskGuest(
                id=row.id,
                name_en=row.name_en,
                name_zh=row.name_zh,
                title=row.title,
                organization=row.organization,
                category=row.category,
                precedence=row.precedence,
                state=state,
                arrived_at=row.first_scan_at,
                gate=row.first_gate or "",
                answered=row.attending is not None,
                companions=brought[row.id].named if row.id in brought else 0,
                companions_arrived=brought[row.id].arrived if row.id in brought else 0,
            )
        )
    return found


def arrival_desk(event: Event) -> list[DeskGuest]:
    """The VIPs, speakers and moderators awaited or arrived, in precedence order: everyone of
    these categories, and the guests the programme names as its speakers and moderators (of
    any category), but the revoked, the erased and those who declined and did not come."""
    return _guests(event.id, DESK_CATEGORIES, inside=False, programme=True)


def acknowledgement_list(event: Event) -> list[DeskGuest]:
    """The VIPs in the room right now (checked in and not out again), in precedence order."""
    return _guests(event.id, ACKNOWLEDGED, inside=True)


def desk_version(event_id: int) -> str:
    """A short tag that changes whenever either list may have: a check-in made or changed
    (in or out), a guest added or changed (a rank, a name, a revocation), an answer given, a
    programme person linked to a guest or not any more.
    One query of aggregates over the event's indexed rows."""
    check_ins = sa.select(
        sa.func.count(CheckIn.id),
        sa.func.sum(sa.case((CheckIn.inside.is_(True), 1), else_=0)),
        sa.func.max(CheckIn.changed_at),
        sa.func.max(CheckIn.first_scan_at),
    ).where(CheckIn.event_id == event_id)
    guests = sa.select(sa.func.count(Guest.id), sa.func.max(Guest.updated_at)).where(
        Guest.event_id == event_id
    )
    answers = (
        sa.select(sa.func.count(Rsvp.id), sa.func.max(Rsvp.updated_at))
        .join(Guest, Guest.id == Rsvp.guest_id)
        .where(Guest.event_id == event_id)
    )
    # The programme's people linked to guests (who of them the desk shows).
    linked = (
        sa.select(sa.func.count(AgendaPerson.guest_id), sa.func.sum(AgendaPerson.guest_id))
        .join(AgendaItem, AgendaItem.id == AgendaPerson.item_id)
        .where(AgendaItem.event_id == event_id)
    )
    # Four one-row aggregates side by side: one round trip.
    first, second, third = check_ins.subquery(), guests.subquery(), answers.subquery()
    fourth = linked.subquery()
    row = db.session.execute(
        sa.select(first, second, third, fourth).select_from(
            first.join(second, sa.true()).join(third, sa.true()).join(fourth, sa.true())
        )
    ).one()
    return hashlib.sha256(repr(tuple(row)).encode()).hexdigest()[:16]
