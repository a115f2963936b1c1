"""The console's waitlist: the queue, the seats, moving guests and promoting one."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from support.app import text
from support.auth import logged_in
from support.factories import answer, make_event, make_guest, make_staff

from registrar.extensions import db
from registrar.models import (
    AuditEntry,
    Channel,
    Event,
    Guest,
    MessageKind,
    OutboxMessage,
    SeatState,
)
from registrar.services import seats


@pytest.fixture
def forum(app):
    """Two seats, both taken; four guests waiting: Anna, Bo, Chen, Dana in that order."""
    event = make_event(capacity=2)
    for name in ("Seated One", "Seated Two"):
        answer(make_guest(event, name_en=name))
    waiting = []
    for name_en, name_zh in [("Anna", ""), ("Bo", ""), ("", "陳美玲"), ("Dana", "")]:
        guest = make_guest(event, name_en=name_en, name_zh=name_zh, organization="ICLEI")
        answer(guest, channel=Channel.ZH)
        waiting.append(guest)
    return event, waiting


@pytest.fixture
def organizer(client, forum):
    user = make_staff()
    logged_in(client)
    return user


def queue(event: Event) -> list[str]:
    """Names in queue order, checking that the positions are exactly 1..n."""
    db.session.expire_all()
    waiting = seats.waitlist(event)
    positions = [seats.waitlist_position(seat) for seat in waiting]
    assert positions == list(range(1, len(waiting) + 1))
    return [seat.guest.name_en or seat.guest.name_zh for seat in waiting]


def queue_on_page(page: str) -> list[str]:
    rows = re.findall(
        r'data-label="Position" class="position-cell">(\d+)</td>\s*'
        r'<td data-label="Name"><strong>([^<]+)</strong>',
        page,
    )
    assert [int(n) for n, _name in rows] == list(range(1, len(rows) + 1))
    return [name for _n, name in rows]


def counts_shown(page: str) -> dict[str, int]:
    return {dt: int(dd) for dt, dd in re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", page)}


def actions(event: Event, action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.event_id == event.id, AuditEntry.action == action)
            .order_by(AuditEntry.id)
        )
    )


def move(client, guest: Guest, current: int, position):
    return client.post(
        f"/console/guests/{guest.id}/move", data={"current": current, "position": position}
    )


def follow(client, response) -> str:
    assert response.status_code == 302
    return text(client.get(response.headers["Location"]))


# -- the page -----------------------------------------------------------------------------


def test_page_shows_the_queue_and_the_seats(client, forum, organizer):
    event, _waiting = forum
    response = client.get(f"/console/events/{event.id}/waitlist")
    assert response.status_code == 200
    page = text(response)
    assert queue_on_page(page) == ["Anna", "Bo", "陳美玲", "Dana"]
    assert counts_shown(page) == {
        "Capacity": 2,
        "Held back": 0,
        "Confirmed": 2,
        "Free": 0,
        "Waitlisted": 4,
    }
    assert "ICLEI" in page and "Chinese (中文)" in page and "Delegate" in page
    assert f'action="/console/events/{event.id}/waitlist/capacity"' in page
    # No seat is free, so no promotion is offered; the page says how to seat someone.
    assert "/promote" not in page
    assert "No seat is free." in page


def test_empty_waitlist(client, organizer):
    event = make_event(capacity=5)
    page = text(client.get(f"/console/events/{event.id}/waitlist"))
    assert "Nobody is on the waitlist." in page


# -- moving ----------------------------------------------------------------------------------


def test_moves_keep_the_queue_gap_free_and_are_audited(client, forum, organizer):
    event, (anna, bo, chen, dana) = forum
    page = follow(client, move(client, dana, 4, 1))
    assert "Dana is now number 1 on the waitlist." in page
    assert queue_on_page(page) == ["Dana", "Anna", "Bo", "陳美玲"]
    assert queue(event) == ["Dana", "Anna", "Bo", "陳美玲"]

    follow(client, move(client, anna, 2, 3))  # down
    follow(client, move(client, chen, 4, 3))  # up
    assert queue(event) == ["Dana", "Bo", "陳美玲", "Anna"]

    moved = actions(event, "seat.moved")
    assert [(e.guest_id, e.details["from_position"], e.details["to_position"]) for e in moved] == [
        (dana.id, 4, 1),
        (anna.id, 2, 3),
        (chen.id, 4, 3),
    ]
    assert {e.actor for e in moved} == {"staff:1"}

    # A guest who answers yes now joins at the end, whatever moved before.
    eve = make_guest(event, name_en="Eve")
    answer(eve)
    assert queue(event) == ["Dana", "Bo", "陳美玲", "Anna", "Eve"]
    # And a freed seat goes to the first in line.
    seated = db.session.scalar(sa.select(Guest).where(Guest.name_en == "Seated One"))
    answer(seated, attending=False)
    assert db.session.get(Guest, dana.id).seat.state == SeatState.CONFIRMED
    assert queue(event) == ["Bo", "陳美玲", "Anna", "Eve"]


def test_double_submit_of_a_move_moves_once(client, forum, organizer):
    event, (anna, bo, chen, dana) = forum
    follow(client, move(client, chen, 3, 2))
    page = follow(client, move(client, chen, 3, 2))
    assert "The waitlist changed since this page was shown, so nothing was changed." in page
    assert queue(event) == ["Anna", "陳美玲", "Bo", "Dana"]
    assert len(actions(event, "seat.moved")) == 1


@pytest.mark.parametrize(
    "position, message",
    [
        (5, "Choose a position from 1 to 4; nothing was moved."),
        (0, "Enter a position from 1 up."),
        ("", "Please enter a position on the waitlist."),
        ("first", "Not a valid integer value."),
    ],
)
def test_positions_out_of_range_change_nothing(client, forum, organizer, position, message):
    event, (anna, bo, chen, dana) = forum
    page = follow(client, move(client, bo, 2, position))
    assert message in page
    assert queue(event) == ["Anna", "Bo", "陳美玲", "Dana"]
    assert actions(event, "seat.moved") == []


def test_moving_to_the_same_place_is_quietly_nothing(client, forum, organizer):
    event, (anna, bo, chen, dana) = forum
    follow(client, move(client, bo, 2, 2))
    assert queue(event) == ["Anna", "Bo", "陳美玲", "Dana"]
    assert actions(event, "seat.moved") == []


def test_stale_moves_of_guests_not_waiting_are_refused(client, forum, organizer):
    event, (anna, bo, chen, dana) = forum
    seated = db.session.scalar(sa.select(Guest).where(Guest.name_en == "Seated One"))
    never_answered = make_guest(event, name_en="Quiet")
    for guest in (seated, never_answered):
        page = follow(client, move(client, guest, 1, 2))
        assert "This guest is not on the waitlist any more, so nothing was changed." in page
    assert (
        client.post("/console/guests/99999/move", data={"current": 1, "position": 2}).status_code
        == 404
    )
    assert queue(event) == ["Anna", "Bo", "陳美玲", "Dana"]
    assert actions(event, "seat.moved") == []


# -- promoting -------------------------------------------------------------------------------


def promotions_mailed(guest: Guest) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.guest_id == guest.id, OutboxMessage.kind == MessageKind.PROMOTED)
    )


def test_promotion_without_a_free_seat_is_refused(client, forum, organizer):
    event, (anna, bo, chen, dana) = forum
    page = follow(client, client.post(f"/console/guests/{chen.id}/promote"))
    assert "No seat is free, so nobody was promoted." in page
    assert queue(event) == ["Anna", "Bo", "陳美玲", "Dana"]
    assert seats.seat_counts(event).confirmed == 2
    assert actions(event, "seat.promoted") == []
    assert promotions_mailed(chen) == 0


def test_promoting_a_guest_ahead_of_the_queue(client, forum, organizer):
    event, (anna, bo, chen, dana) = forum
    # A seat free while guests wait: the capacity raised outside the console's form, which
    # would have seated the first in line itself.
    db.session.execute(sa.update(Event).where(Event.id == event.id).values(capacity=3))
    db.session.commit()
    page = text(client.get(f"/console/events/{event.id}/waitlist"))
    assert f'action="/console/guests/{chen.id}/promote"' in page

    page = follow(client, client.post(f"/console/guests/{chen.id}/promote"))
    assert "陳美玲 now has a confirmed seat and will be told by e-mail." in page
    db.session.expire_all()
    assert db.session.get(Guest, chen.id).seat.state == SeatState.CONFIRMED
    assert db.session.get(Guest, chen.id).seat.queue_number is None
    assert queue(event) == ["Anna", "Bo", "Dana"]
    counts = seats.seat_counts(event)
    assert (counts.confirmed, counts.free, counts.waitlisted) == (3, 0, 3)
    (entry,) = actions(event, "seat.promoted")
    assert (entry.guest_id, entry.actor, entry.details["manual"], entry.details["position"]) == (
        chen.id,
        "staff:1",
        True,
        3,
    )
    assert promotions_mailed(chen) == 1

    # Pressed twice: the second finds the guest seated already.
    page = follow(client, client.post(f"/console/guests/{chen.id}/promote"))
    assert "This guest is not on the waitlist any more, so nothing was changed." in page
    # And the next promotion would exceed the seats.
    page = follow(client, client.post(f"/console/guests/{dana.id}/promote"))
    assert "No seat is free" in page
    assert seats.seat_counts(event).confirmed == 3
    assert len(actions(event, "seat.promoted")) == 1
    assert promotions_mailed(chen) == 1 and promotions_mailed(dana) == 0


def test_held_seats_are_never_given_by_a_promotion(client, forum, organizer):
    event, (anna, bo, chen, dana) = forum
    db.session.execute(
        sa.update(Event).where(Event.id == event.id).values(capacity=3, held_seats=1)
    )
    db.session.commit()
    page = follow(client, client.post(f"/console/guests/{anna.id}/promote"))
    assert "No seat is free" in page
    assert seats.seat_counts(event).confirmed == 2


# -- capacity from the waitlist page ---------------------------------------------------------


def test_capacity_form_promotes_in_order_and_comes_back_here(client, forum, organizer):
    event, (anna, bo, chen, dana) = forum
    follow(client, move(client, dana, 4, 1))
    response = client.post(
        f"/console/events/{event.id}/waitlist/capacity", data={"capacity": 4, "held_seats": 1}
    )
    assert urlsplit(response.headers["Location"]).path == f"/console/events/{event.id}/waitlist"
    page = follow(client, response)
    assert "Capacity saved. 1 guest moved from the waitlist to a seat." in page
    assert queue_on_page(page) == ["Anna", "Bo", "陳美玲"]
    assert promotions_mailed(dana) == 1


def test_capacity_below_the_confirmed_guests_is_refused(client, forum, organizer):
    event, _waiting = forum
    response = client.post(
        f"/console/events/{event.id}/waitlist/capacity", data={"capacity": 2, "held_seats": 1}
    )
    page = follow(client, response)
    assert "2 guests already hold confirmed seats" in page
    db.session.expire_all()
    assert (
        db.session.get(Event, event.id).capacity,
        db.session.get(Event, event.id).held_seats,
    ) == (2, 0)
    page = follow(
        client,
        client.post(f"/console/events/{event.id}/waitlist/capacity", data={"capacity": "-1"}),
    )
    assert "Enter a number from 0 to 100000." in page
    assert actions(event, "event.capacity_changed") == []


# -- who may use it -----------------------------------------------------------------------------


def my_routes(event: Event, guest: Guest) -> list[tuple[str, str]]:
    return [
        ("get", f"/console/events/{event.id}/waitlist"),
        ("post", f"/console/events/{event.id}/waitlist/capacity"),
        ("post", f"/console/guests/{guest.id}/promote"),
        ("post", f"/console/guests/{guest.id}/move"),
    ]


def state(event: Event) -> tuple:
    db.session.expire_all()
    return (
        queue(event),
        db.session.get(Event, event.id).capacity,
        db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)),
    )


def test_anonymous_visitors_go_to_login(client, forum):
    event, (anna, bo, chen, dana) = forum
    before = state(event)
    for method, path in my_routes(event, dana):
        response = getattr(client, method)(
            path, data={"capacity": 9, "held_seats": 0, "current": 4, "position": 1}
        )
        assert response.status_code == 302, path
        assert urlsplit(response.headers["Location"]).path == "/login", path
    assert state(event) == before


@pytest.mark.usefixtures("door_client")
def test_door_staff_get_403(client, forum):
    event, (anna, bo, chen, dana) = forum
    before = state(event)
    for method, path in my_routes(event, dana):
        response = getattr(client, method)(
            path, data={"capacity": 9, "held_seats": 0, "current": 4, "position": 1}
        )
        assert response.status_code == 403, path
    assert state(event) == before
