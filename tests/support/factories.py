"""One-line makers of events, guests and staff for tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from registrar.extensions import db
from registrar.models import (
    Category,
    Channel,
    Event,
    EventState,
    Guest,
    Language,
    Role,
    SeatState,
    StaffUser,
    TeamMember,
)
from registrar.services import audit, invitations, rsvp, staff

from .auth import ORGANIZER_EMAIL, PASSWORD

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
        # Taking answers, as most tests need; a new event made in the console is a draft.
        state=EventState.OPEN,
    )
    values.update(fields)
    event = Event(**values)
    db.session.add(event)
    db.session.flush()
    _staff_the_new_event(event)
    db.session.commit()
    return event


TAIPEI = ZoneInfo("Asia/Taipei")


def make_taipei_afternoon(**fields) -> Event:
    """The forum's afternoon in Taipei, as on the event page, a month from now: doors 13:10,
    13:30 to 16:45, answers taken until a week before."""
    day = datetime.now(TAIPEI).date() + timedelta(days=30)

    def at(hour: int, minute: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TAIPEI)

    times = {
        "doors_open_at": at(13, 10),
        "starts_at": at(13, 30),
        "ends_at": at(16, 45),
        "rsvp_deadline": at(13, 30) - timedelta(days=7),
    }
    return make_event(**{**times, **fields})


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
    email: str = ORGANIZER_EMAIL,
    role: Role = Role.ORGANIZER,
    password: str = PASSWORD,
    events: list[Event] | None = None,
) -> staff.StaffUser:
    """An account. With `events`: `role` for each of them. Without, as the migration made the
    accounts of before: an organizer is an administrator; door staff work on every event, those
    that `make_event` makes later included (see `_staff_the_new_event`)."""
    if events is None and role == Role.ORGANIZER:
        user = staff.add(email, password, admin=True)
    else:
        if events is None:
            events = db.session.scalars(sa.select(Event)).all()
        user = staff.add(email, password, role, event_ids=[event.id for event in events])
    db.session.commit()
    return user


def _staff_the_new_event(event: Event) -> None:
    """Door staff of every other event are door staff of this one too (tests make the door
    account before the event as often as after; an account of chosen events is made last)."""
    others = sa.select(sa.func.count()).select_from(Event).where(Event.id != event.id)
    everywhere = (
        sa.select(TeamMember.staff_id)
        .where(TeamMember.role == Role.DOOR, TeamMember.event_id != event.id)
        .group_by(TeamMember.staff_id)
        .having(sa.func.count() == others.scalar_subquery())
    )
    staff_ids = set(db.session.scalars(everywhere))
    if not db.session.scalar(others):
        # No other event: a door account of no event yet was made for "every event".
        staff_ids = set(
            db.session.scalars(
                sa.select(StaffUser.id).where(
                    StaffUser.is_admin.is_(False), ~StaffUser.memberships.any()
                )
            )
        )
    for staff_id in staff_ids:
        db.session.add(TeamMember(event_id=event.id, staff_id=staff_id, role=Role.DOOR))


def invitation_path(guest: Guest) -> str:
    return f"/i/{invitations.invitation_token(guest)}"


def answer(
    guest: Guest, attending: bool = True, channel: Channel | None = Channel.EN, **needs
) -> rsvp.RsvpState:
    """The guest's answer (yes on English headsets unless told) as the public view gives it:
    one use case, one commit. Returns what the guest's page then shows."""
    state = rsvp.answer(
        guest.id,
        guest.token_version,
        rsvp.RsvpAnswer(attending=attending, channel=channel if attending else None, **needs),
        audit.GUEST,
    )
    db.session.commit()
    return state


def make_confirmed_in_bulk(event: Event, count: int) -> list[int]:
    """`count` guests with a confirmed seat, invited and answered, in three bulk INSERTs.

    Names, organizations and titles vary in length and script (some have no Chinese name, some a
    long English one), as on a real list: badges and the door show them. Returns their ids.
    """
    import sqlalchemy as sa

    from registrar.models import Rsvp, Seat, utcnow

    now = utcnow()
    categories, channels = list(Category), [Channel.ZH, Channel.EN, Channel.ZH, Channel.FLOOR]
    n0 = next(_numbers) * 1_000_000
    ids = db.session.scalars(
        sa.insert(Guest).returning(Guest.id, sort_by_parameter_order=True),
        [
            dict(
                event_id=event.id,
                email=f"confirmed{n0 + n}@example.org",
                name_en=f"Guest Number {n}" if n % 5 else f"Maximilian Alexander {n} Long",
                name_zh=f"來賓{n}號" if n % 4 else "",
                organization=(
                    "ICLEI East Asia Secretariat for Local Sustainability"
                    if n % 3
                    else "高雄市政府環境保護局"
                ),
                title="Deputy Director-General" if n % 2 else "",
                category=categories[n % len(categories)],
                language=Language.ZH_HANT if n % 2 else Language.EN,
                token_version=1,
                badge_version=1,
                invited_at=now,
                sent_at=now,
                updated_at=now,
            )
            for n in range(count)
        ],
    ).all()
    db.session.execute(
        sa.insert(Rsvp),
        [
            dict(
                guest_id=guest_id,
                attending=True,
                channel=channels[n % len(channels)],
                dietary="",
                access_needs="",
                note="",
                answered_at=now,
                updated_at=now,
            )
            for n, guest_id in enumerate(ids)
        ],
    )
    db.session.execute(
        sa.insert(Seat),
        [
            dict(event_id=event.id, guest_id=guest_id, state=SeatState.CONFIRMED, since=now)
            for guest_id in ids
        ],
    )
    return ids


def make_guests_in_bulk(
    event: Event, count: int, *, first_answer: datetime | None = None, with_audit: bool = False
) -> list[int]:
    """`count` guests in every state, in a handful of bulk INSERTs whatever the count.

    Of every 20: 1 revoked, 2 not sent yet, 4 sent without an answer, 3 declined and 10
    attending (confirmed while the event has seats, waitlisted after). Of those confirmed,
    3 in 5 have been checked in and 1 in 6 of these has left again; every checked-in guest
    off the floor channel has a receiver, every 4th returned. Every 7th answer has dietary
    needs, every 13th access needs; the answers spread over 14 days from `first_answer`.
    Returns the new guests' ids.
    """
    import sqlalchemy as sa

    from registrar.models import AuditEntry, CheckIn, Rsvp, Seat, utcnow
    from registrar.services import seats

    now = utcnow()
    first_answer = first_answer or now - timedelta(days=14)
    n0 = next(_numbers) * 1_000_000
    categories, channels = list(Category), [Channel.ZH, Channel.EN, Channel.ZH, Channel.FLOOR]
    # One executemany into the table, without RETURNING (which SQLAlchemy reads back in a
    # time that grows with the square of the rows); the ids are read afterwards, by address.
    before = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Guest.id), 0)))
    db.session.execute(
        sa.insert(Guest.__table__),
        [
            dict(
                event_id=event.id,
                email=f"bulk{n0 + n}@example.org",
                name_en=f"Bulk Guest {n0 + n}",
                name_zh=f"大量來賓{n0 + n}",
                organization="ICLEI East Asia" if n % 3 else "高雄市政府",
                title="",
                category=categories[n % len(categories)],
                language=Language.ZH_HANT if n % 2 else Language.EN,
                token_version=1,
                badge_version=1,
                invited_at=now,
                sent_at=None if n % 20 in (1, 2) else now,
                revoked_at=now if n % 20 == 0 else None,
                updated_at=now,
            )
            for n in range(count)
        ],
    )
    by_email = dict(
        db.session.execute(
            sa.select(Guest.email, Guest.id).where(Guest.event_id == event.id, Guest.id > before)
        ).all()
    )
    guest_ids = [by_email[f"bulk{n0 + n}@example.org"] for n in range(count)]

    free = seats.seat_counts(event).free
    rsvps, seat_rows, check_ins, entries = [], [], [], []
    for n, guest_id in enumerate(guest_ids):
        kind = n % 20
        if kind < 7:
            if with_audit:
                entries.append(dict(action="guest.added", guest_id=guest_id, details={}))
            continue
        attending = kind >= 10
        channel = channels[n % len(channels)] if attending else None
        answered_at = first_answer + timedelta(minutes=(n * 37) % (14 * 24 * 60))
        rsvps.append(
            dict(
                guest_id=guest_id,
                attending=attending,
                channel=channel,
                dietary="Vegetarian" if n % 7 == 0 else "",
                access_needs="Wheelchair access" if n % 13 == 0 else "",
                note="",
                answered_at=answered_at,
                updated_at=answered_at,
            )
        )
        if with_audit:
            entries.append(dict(action="guest.added", guest_id=guest_id, details={}))
            entries.append(
                dict(action="rsvp.answered", guest_id=guest_id, details={"attending": attending})
            )
        if not attending:
            continue
        if free > 0:
            free -= 1
            # Every row names every column: an executemany takes the first row's keys, and
            # would drop the waitlisted rows' queue numbers.
            seat_rows.append(
                dict(
                    event_id=event.id,
                    guest_id=guest_id,
                    state=SeatState.CONFIRMED,
                    queue_number=None,
                    since=now,
                )
            )
            if n % 5 < 3:
                has_receiver = channel != Channel.FLOOR
                check_ins.append(
                    dict(
                        event_id=event.id,
                        guest_id=guest_id,
                        first_scan_at=now,
                        first_gate="A",
                        inside=n % 6 != 0,
                        changed_at=now,
                        receiver=f"R{guest_id}" if has_receiver else "",
                        receiver_returned_at=now if has_receiver and n % 4 == 0 else None,
                    )
                )
        else:
            event.waitlist_counter += 1
            seat_rows.append(
                dict(
                    event_id=event.id,
                    guest_id=guest_id,
                    state=SeatState.WAITLISTED,
                    queue_number=event.waitlist_counter,
                    since=now,
                )
            )
    for model, rows in ((Rsvp, rsvps), (Seat, seat_rows), (CheckIn, check_ins)):
        if rows:
            db.session.execute(sa.insert(model.__table__), rows)
    if entries:
        db.session.execute(
            sa.insert(AuditEntry.__table__),
            [dict(entry, event_id=event.id, actor="guest", created_at=now) for entry in entries],
        )
    db.session.commit()
    return list(guest_ids)
