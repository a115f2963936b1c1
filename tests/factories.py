"""One-line makers of events, guests and staff for tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from registrar.extensions import db
from registrar.models import Category, Event, Guest, Language, Role
from registrar.services import audit, invitations, staff

_numbers = itertools.count(1)


def make_event(capacity: int = 10, held_seats: int = 0, deadline_in_days: float = 7, **fields):
    starts = datetime.now(UTC) + timedelta(days=max(deadline_in_days, 0) + 3)
    n = next(_numbers)
    values = dict(
        slug=f"forum-{n}",
        title_en=f"Test forum {n}",
        title_zh=f"測試論壇 {n}",
        venue_en="Kaohsiung Exhibition Center, 3F",
        venue_zh="高雄展覽館 3樓",
        room_en="Conference Room 301a",
        room_zh="301a 會議室",
        capacity=capacity,
        held_seats=held_seats,
        doors_open_at=starts - timedelta(minutes=20),
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        rsvp_deadline=datetime.now(UTC) + timedelta(days=deadline_in_days),
        channels="en zh",
    )
    values.update(fields)
    event = Event(**values)
    db.session.add(event)
    db.session.commit()
    return event


def make_guest(event: Event, **fields) -> Guest:
    n = next(_numbers)
    values = dict(
        email=f"guest{n}@example.org",
        name_en=f"Guest Number {n}",
        name_zh=f"來賓{n}號",
        organization="City of Kaohsiung",
        category=Category.DELEGATE,
        language=Language.EN,
    )
    values.update(fields)
    guest = invitations.add_guest(event, actor=audit.SYSTEM, **values)
    db.session.commit()
    return guest


def make_guests(event: Event, count: int, **fields) -> list[Guest]:
    return [make_guest(event, **fields) for _ in range(count)]


def make_staff(
    email: str = "organizer@example.org",
    role: Role = Role.ORGANIZER,
    password: str = "correct horse battery",
) -> staff.StaffUser:
    user = staff.add(email, password, role)
    db.session.commit()
    return user


def invitation_path(guest: Guest) -> str:
    return f"/i/{invitations.invitation_token(guest)}"
