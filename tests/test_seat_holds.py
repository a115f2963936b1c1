"""Held seats: for a guest by name or for a category; taken only by those they are held for."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from support.factories import make_event, make_guest, make_guests

from registrar.errors import Busy, DomainError
from registrar.extensions import db
from registrar.models import (
    AuditEntry,
    Category,
    Channel,
    Event,
    Guest,
    Rsvp,
    Seat,
    SeatHold,
    SeatState,
    utcnow,
)
from registrar.services import audit, invitations, rsvp, seats


def say(guest: Guest, attending: bool = True) -> rsvp.RsvpState:
    state = rsvp.answer(
        guest.id,
        guest.token_version,
        rsvp.RsvpAnswer(attending=attending, channel=Channel.EN if attending else None),
        actor=audit.GUEST,
    )
    db.session.commit()
    return state


def seat_of(guest: Guest) -> Seat | None:
    return db.session.scalar(sa.select(Seat).where(Seat.guest_id == guest.id))


def where(guest: Guest) -> str:
    """ "held", "open", "waitlisted" or "none"."""
    seat = seat_of(guest)
    if seat is None:
        return "none"
    if seat.state == SeatState.WAITLISTED:
        return "waitlisted"
    return "held" if seat.hold_id is not None else "open"


def hold_categories(event: Event, **counts: int) -> list[Guest]:
    promoted = seats.set_category_holds(
        event.id, {Category(k): n for k, n in counts.items()}, audit.SYSTEM
    )
    db.session.commit()
    return promoted


def written(event: Event) -> tuple[list[tuple], int, int, int]:
    """What a refused change must leave as it was: the holds, the seats' holds, the audit."""
    holds = db.session.execute(
        sa.select(SeatHold.guest_id, SeatHold.category, SeatHold.count)
        .where(SeatHold.event_id == event.id)
        .order_by(SeatHold.id)
    ).all()
    in_holds = db.session.scalar(
        sa.select(sa.func.count()).where(Seat.event_id == event.id, Seat.hold_id.is_not(None))
    )
    entries = db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.event_id == event.id))
    return [tuple(h) for h in holds], in_holds, entries, db.session.get(Event, event.id).capacity


def test_a_vip_takes_the_seat_held_for_vips_when_the_open_seats_are_gone(app):
    event = make_event(capacity=3)
    hold_categories(event, vip=1)
    first, second, third = make_guests(event, 3)
    vip, late_vip = make_guests(event, 2, category=Category.VIP)

    for guest in (first, second, third, vip, late_vip):
        say(guest)

    assert [where(g) for g in (first, second, third)] == ["open", "open", "waitlisted"]
    assert where(vip) == "held"
    # The hold is full and the open seats are gone: the waitlist, as for anyone.
    assert where(late_vip) == "waitlisted"
    counts = seats.seat_counts(event)
    assert (counts.reserved, counts.confirmed_in_holds, counts.free) == (1, 1, 0)
    # A delegate's yes never takes a held seat, by the answer's second path either (a changed
    # answer): the first waitlisted delegate declines and says yes again.
    say(third, attending=False)
    say(third)
    assert where(third) == "waitlisted"


def test_a_seat_held_by_name_waits_for_its_guest_and_goes_back_to_them(app):
    event = make_event(capacity=2)
    named, other, waiting = make_guests(event, 3)
    seats.hold_seat_for_guest(event.id, named.id, audit.SYSTEM)
    db.session.commit()

    say(other)
    say(waiting)
    assert (where(other), where(waiting)) == ("open", "waitlisted")
    say(named)
    assert where(named) == "held"
    say(named, attending=False)
    # The seat stays theirs: nobody on the waitlist gets it.
    assert (where(named), where(waiting)) == ("none", "waitlisted")
    say(named)
    assert where(named) == "held"


def test_a_freed_category_seat_goes_to_the_first_waitlisted_guest_of_that_category(app):
    event = make_event(capacity=2)
    hold_categories(event, vip=1)
    delegate = make_guest(event)
    vip, delegate_waiting, vip_waiting = (
        make_guest(event, category=Category.VIP),
        make_guest(event),
        make_guest(event, category=Category.VIP),
    )
    for guest in (delegate, vip, delegate_waiting, vip_waiting):
        say(guest)
    assert [where(g) for g in (vip, delegate_waiting, vip_waiting)] == [
        "held",
        "waitlisted",
        "waitlisted",
    ]

    say(vip, attending=False)

    assert (where(vip_waiting), where(delegate_waiting)) == ("held", "waitlisted")
    # An open seat freed goes to the head of the queue as always.
    say(delegate, attending=False)
    assert where(delegate_waiting) == "open"


def test_a_new_hold_seats_the_waitlisted_and_a_named_one_moves_its_seated_guest_into_it(app):
    event = make_event(capacity=3)
    seated, other = make_guests(event, 2)
    say(seated)
    say(other)
    vip = make_guest(event, category=Category.VIP)
    # The last open seat goes to a delegate; the VIP waits.
    say(make_guest(event))
    say(vip)
    assert where(vip) == "waitlisted"

    seats.hold_seat_for_guest(event.id, seated.id, audit.SYSTEM)
    db.session.commit()
    # Moved into the hold: the number of open seats taken went down with the open seats.
    assert where(seated) == "held"
    # One more seat, held for VIPs, in one change (the API's): the waitlisted VIP gets it.
    promoted = seats.set_seats(event.id, 4, 0, audit.SYSTEM, categories={Category.VIP: 1})
    db.session.commit()
    assert [g.id for g in promoted] == [vip.id] and where(vip) == "held"
    assert seats.seat_counts(event).free == 0


def test_refused_holds_write_nothing(app):
    event = make_event(capacity=3)
    hold_categories(event, vip=1)
    vip = make_guest(event, category=Category.VIP)
    delegates = make_guests(event, 2)
    say(vip)
    for guest in delegates:
        say(guest)
    elsewhere = make_guest(make_event())
    withdrawn = make_guest(event)
    invitations.revoke(withdrawn.id, audit.SYSTEM)
    db.session.commit()
    before = written(event)

    cases = [
        (lambda: seats.set_category_holds(event.id, {Category.SPEAKER: 1}, audit.SYSTEM), "open"),
        (lambda: seats.set_category_holds(event.id, {Category.VIP: 0}, audit.SYSTEM), "taken"),
        (lambda: seats.set_category_holds(event.id, {Category.VIP: 4}, audit.SYSTEM), "exceed"),
        (lambda: seats.set_category_holds(event.id, {Category.VIP: -1}, audit.SYSTEM), "whole"),
        (lambda: seats.set_category_holds(event.id, {"king": 1}, audit.SYSTEM), "category"),
        (lambda: seats.hold_seat_for_guest(event.id, elsewhere.id, audit.SYSTEM), "list"),
        (lambda: seats.hold_seat_for_guest(event.id, withdrawn.id, audit.SYSTEM), "withdrawn"),
        (lambda: seats.release_guest_hold(event.id, vip.id, audit.SYSTEM), "any more"),
        (lambda: seats.set_capacity(event.id, 2, 0, audit.SYSTEM), "confirmed seats"),
        (lambda: seats.set_capacity(event.id, 3, 3, audit.SYSTEM), "exceed"),
    ]
    for change, words in cases:
        with pytest.raises(DomainError) as refused:
            change()
        db.session.rollback()
        assert words in str(refused.value), str(refused.value)
        assert written(event) == before


def _answer_yes(app, guest_id: int, start: threading.Event) -> None:
    start.wait(timeout=30)
    with app.app_context():
        for _attempt in range(20):
            try:
                rsvp.answer(guest_id, 1, rsvp.RsvpAnswer(True, Channel.EN), audit.GUEST)
                db.session.commit()
                return
            except Busy:
                db.session.rollback()
        raise AssertionError("the event lock was never free")


def test_twenty_vips_and_two_hundred_delegates_at_once_for_a_hundred_seats(app):
    event = make_event(capacity=100)
    hold_categories(event, vip=10)
    now = utcnow()
    rows = [
        dict(
            event_id=event.id,
            email=f"rush{n}@example.org",
            name_en=f"Guest {n}",
            category=Category.VIP if n % 11 == 0 else Category.DELEGATE,
            token_version=1,
            badge_version=1,
            invited_at=now,
            updated_at=now,
        )
        for n in range(220)
    ]
    ids = list(db.session.scalars(sa.insert(Guest).returning(Guest.id), rows))
    event_id = event.id
    db.session.commit()
    start = threading.Event()

    with ThreadPoolExecutor(max_workers=8) as pool:
        answered = [pool.submit(_answer_yes, app, guest_id, start) for guest_id in ids]
        start.set()
        for future in answered:
            future.result()

    db.session.expire_all()
    found = db.session.execute(
        sa.select(Guest.category, Seat.state, Seat.hold_id, Rsvp.answered_at)
        .join(Seat, Seat.guest_id == Guest.id)
        .join(Rsvp, Rsvp.guest_id == Guest.id)
        .where(Guest.event_id == event_id)
    ).all()
    assert len(found) == 220
    confirmed = [f for f in found if f.state == SeatState.CONFIRMED]
    held = [f for f in confirmed if f.hold_id is not None]
    assert len(confirmed) == 100
    assert len(held) == 10 and {f.category for f in held} == {Category.VIP}
    assert sum(1 for f in confirmed if f.category == Category.DELEGATE) <= 90
    vips_in_order = sorted((f for f in found if f.category == Category.VIP), key=lambda f: f[3])
    assert [f.hold_id is not None for f in vips_in_order] == [True] * 10 + [False] * 10
    assert seats.seat_counts(db.session.get(Event, event_id)).free == 0
