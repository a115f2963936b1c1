"""The event's door list: every guest as the door needs them when the network is gone.

A signed-in scanner keeps this list on the device and refreshes it while online; offline, it
names the guest of a badge and refuses a withdrawn or replaced badge by the guest id and the
badge version the code carries (the code's signature is the server's to check, when the scan
is synced). The paper list (services/door_list_pdf.py) prints the same rows.

After the event's end the list is empty: a device keeps nobody's name past the day.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime

import sqlalchemy as sa

from ...extensions import db
from ...models import (
    ERASED_DOMAIN,
    Category,
    Channel,
    Event,
    Guest,
    Rsvp,
    Seat,
    SeatState,
    utcnow,
)

# What the door knows of a guest before a scan: the words of the verdicts where they refuse.
CONFIRMED = "confirmed"
WAITLISTED = "waitlisted"
DECLINED = "declined"
REVOKED = "revoked"
NO_ANSWER = "no_answer"
STATES = (CONFIRMED, WAITLISTED, DECLINED, REVOKED, NO_ANSWER)


@dataclass(frozen=True)
class ListedGuest:
    id: int
    name_en: str
    name_zh: str
    organization: str
    category: Category
    # The version a badge code must carry; an older one is a replaced badge.
    badge_version: int
    state: str
    channel: Channel | None
    # The reserved seat to show the guest to (services/seating/), "" when none.
    seat_label: str = ""
    # For a guest who sent a deputy: the deputy's names, which the door tells (their badge is
    # refused as revoked; the deputy has one of their own).
    deputy_en: str = ""
    deputy_zh: str = ""


@dataclass(frozen=True)
class DoorList:
    event_id: int
    ends_at: datetime
    # Changes whenever anything in the list does (the HTTP ETag).
    version: str
    guests: list[ListedGuest]

    @property
    def ended(self) -> bool:
        return self.ends_at <= utcnow()


def listed_state(revoked: bool, attending: bool | None, seat: SeatState | None) -> str:
    """What the door would say of a valid badge of this guest (before the room or the time)."""
    if revoked:
        return REVOKED
    if attending is None:
        return NO_ANSWER
    if not attending or seat is None:
        return DECLINED
    return CONFIRMED if seat == SeatState.CONFIRMED else WAITLISTED


def listed_guests(event: Event) -> list[ListedGuest]:
    """Every guest of the event (erased ones left out), in English-name order. One query of
    plain rows: 5,000 guests are read in a fraction of the time model objects would take."""
    # The deputies of guests who sent one, by the guest they came for.
    deputies = {
        guest_id: (name_en, name_zh)
        for guest_id, name_en, name_zh in db.session.execute(
            sa.select(Guest.deputy_for_id, Guest.name_en, Guest.name_zh).where(
                Guest.event_id == event.id, Guest.deputy_for_id.is_not(None)
            )
        )
    }
    rows = db.session.execute(
        sa.select(
            Guest.id,
            Guest.name_en,
            Guest.name_zh,
            Guest.organization,
            Guest.category,
            Guest.badge_version,
            Guest.revoked_at.is_not(None),
            Rsvp.attending,
            Rsvp.channel,
            Seat.state,
            Guest.principal_id,
            Seat.label,
        )
        .outerjoin(Rsvp, Rsvp.guest_id == Guest.id)
        .outerjoin(Seat, Seat.guest_id == Guest.id)
        .where(Guest.event_id == event.id, Guest.email.not_like(f"%@{ERASED_DOMAIN}"))
    )
    listed = [
        ListedGuest(
            id=guest_id,
            name_en=name_en,
            name_zh=name_zh,
            organization=organization,
            category=category,
            badge_version=badge_version,
            state=listed_state(revoked, attending, _seat_at_door(event, seat, principal_id)),
            channel=channel if attending else None,
            seat_label=(label or "") if seat == SeatState.CONFIRMED else "",
            deputy_en=deputies.get(guest_id, ("", ""))[0],
            deputy_zh=deputies.get(guest_id, ("", ""))[1],
        )
        for (
            guest_id,
            name_en,
            name_zh,
            organization,
            category,
            badge_version,
            revoked,
            attending,
            channel,
            seat,
            principal_id,
            label,
        ) in rows
    ]
    return sorted(listed, key=english_order)


def _seat_at_door(
    event: Event, seat: SeatState | None, principal_id: int | None
) -> SeatState | None:
    """An accompanying person where the event seats none comes in with no seat, as the door's
    own verdict says (services/checkin/scans.py)."""
    if seat is None and principal_id is not None and not event.companions_take_seats:
        return SeatState.CONFIRMED
    return seat


def english_order(guest: ListedGuest) -> tuple[str, str, int]:
    return ((guest.name_en or guest.name_zh).casefold(), guest.name_zh, guest.id)


def chinese_order(guest: ListedGuest) -> tuple[int, str, str, int]:
    """By the Chinese name in Unicode order (not by strokes); guests without one after."""
    return (0 if guest.name_zh else 1, guest.name_zh, guest.name_en.casefold(), guest.id)


def door_list(event: Event) -> DoorList:
    """The list the door keeps: empty once the event has ended."""
    guests = [] if event.ends_at <= utcnow() else listed_guests(event)
    return DoorList(
        event_id=event.id,
        ends_at=event.ends_at,
        version=_version(event, guests),
        guests=guests,
    )


def _version(event: Event, guests: list[ListedGuest]) -> str:
    content = json.dumps(
        [event.id, event.ends_at.isoformat(), [asdict(g) for g in guests]],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(content.encode()).hexdigest()[:32]
