"""A guest moved to another category by an organizer (console, CSV import, API): a confirmed
seat taken from the old category's held seats is placed again under the event lock, into the
new category's held seats, else an open seat, else kept (and said so); never overbooked."""

from __future__ import annotations

import sqlalchemy as sa
from support.auth import api_bearer
from support.factories import answer, make_event, make_guest, make_staff

from registrar import unit_of_work
from registrar.extensions import db
from registrar.models import (
    ApiRole,
    AuditEntry,
    Category,
    Event,
    Guest,
    Role,
    Seat,
    SeatHold,
    SeatState,
)
from registrar.services import audit, guests, imports, seats


def hold(event: Event, **counts: int) -> None:
    seats.set_category_holds(event.id, {Category(k): n for k, n in counts.items()}, audit.SYSTEM)
    db.session.commit()


def placed(guest: Guest) -> str:
    """ "vip", "speaker"...: the category whose held seat the guest takes; "open"; "waitlisted"."""
    db.session.expire_all()
    seat = db.session.scalar(sa.select(Seat).where(Seat.guest_id == guest.id))
    if seat.state == SeatState.WAITLISTED:
        return "waitlisted"
    if seat.hold_id is None:
        return "open"
    return db.session.get(SeatHold, seat.hold_id).category.value


def moved(guest: Guest, category: Category) -> None:
    details = guests.GuestDetails(
        email=guest.email, name_en=guest.name_en, category=category, language=guest.language
    )
    unit_of_work.run(lambda: guests.update(guest.id, details, audit.SYSTEM))


def confirmed_on_open_seats(event: Event) -> int:
    counts = seats.seat_counts(db.session.get(Event, event.id))
    return counts.confirmed - counts.confirmed_in_holds


def test_a_vip_made_speaker_takes_a_speakers_held_seat_and_frees_the_vip_one(app):
    event = make_event(capacity=3)
    hold(event, vip=1, speaker=1)
    mayor = make_guest(event, category=Category.VIP)
    answer(mayor)
    other = make_guest(event)
    answer(other)  # the one open seat
    waiting_vip = make_guest(event, category=Category.VIP)
    answer(waiting_vip)
    assert (placed(mayor), placed(waiting_vip)) == ("vip", "waitlisted")

    moved(mayor, Category.SPEAKER)

    assert placed(mayor) == "speaker"
    # The VIP seat freed goes to the VIP who waited.
    assert placed(waiting_vip) == "vip"
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "seat.category_changed")
    )
    assert entry.guest_id == mayor.id
    assert entry.details == {"category": ["vip", "speaker"], "placed": "hold"}


def test_with_no_held_seat_for_the_new_category_an_open_seat_is_taken(app):
    event = make_event(capacity=3)
    hold(event, vip=1)
    mayor = make_guest(event, category=Category.VIP)
    answer(mayor)

    moved(mayor, Category.DELEGATE)

    assert placed(mayor) == "open"
    assert confirmed_on_open_seats(event) == 1
    counts = seats.seat_counts(db.session.get(Event, event.id))
    assert counts.confirmed_in_holds == 0 and counts.reserved_free == 1


def test_with_nothing_free_the_seat_is_kept_and_the_console_says_so(app, organizer_client):
    event = make_event(capacity=2)
    hold(event, vip=1)
    mayor = make_guest(event, category=Category.VIP)
    answer(mayor)
    answer(make_guest(event))  # the one open seat
    waiting = make_guest(event)
    answer(waiting)

    response = organizer_client.post(
        f"/console/guests/{mayor.id}/edit",
        data={
            "email": mayor.email,
            "name_en": mayor.name_en,
            "name_zh": mayor.name_zh,
            "organization": mayor.organization,
            "title": mayor.title,
            "category": "delegate",
            "language": "en",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "The guest&#39;s seat is still one of those held for VIP" in page

    # Kept: never more seats than the room has; the waitlisted guest still waits.
    assert placed(mayor) == "vip"
    assert placed(waiting) == "waitlisted"
    counts = seats.seat_counts(db.session.get(Event, event.id))
    assert counts.confirmed == 2 and counts.free == 0
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "seat.category_changed")
    )
    assert entry.details["placed"] == "kept"


def test_a_seat_held_by_name_stays_with_the_guest(app):
    event = make_event(capacity=3)
    hold(event, vip=1)
    mayor = make_guest(event, category=Category.VIP)
    seats.hold_seat_for_guest(event.id, mayor.id, audit.SYSTEM)
    db.session.commit()
    answer(mayor)
    before = db.session.scalar(sa.select(Seat.hold_id).where(Seat.guest_id == mayor.id))

    moved(mayor, Category.SPEAKER)

    db.session.expire_all()
    assert db.session.scalar(sa.select(Seat.hold_id).where(Seat.guest_id == mayor.id)) == before
    assert not db.session.scalar(
        sa.select(sa.func.count()).where(AuditEntry.action == "seat.category_changed")
    )


def test_the_csv_import_places_the_seat_again(app):
    event = make_event(capacity=3)
    hold(event, vip=1, speaker=1)
    mayor = make_guest(event, email="mayor@example.org", category=Category.VIP)
    answer(mayor)
    csv = b"email,name_en,category\nmayor@example.org," + mayor.name_en.encode() + b",speaker\n"

    unit_of_work.run(lambda: imports.apply(event, csv, audit.SYSTEM))

    assert db.session.get(Guest, mayor.id).category == Category.SPEAKER
    assert placed(mayor) == "speaker"


def test_the_api_places_the_seat_again(app, client):
    event = make_event(capacity=3)
    hold(event, vip=1)
    mayor = make_guest(event, category=Category.VIP)
    answer(mayor)
    account = make_staff("org@example.org", Role.ORGANIZER, events=[event])
    headers = api_bearer(account, event, ApiRole.ORGANIZER, "writer")

    response = client.patch(
        f"/api/v1/events/{event.id}/guests/{mayor.id}", json={"category": "press"}, headers=headers
    )

    assert response.status_code == 200, response.get_json()
    assert placed(mayor) == "open"
