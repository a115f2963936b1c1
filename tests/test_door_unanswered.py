"""The door and a guest who was invited but never answered: `no_answer`, never `declined`, and
let in (answer recorded, a seat taken, checked in) only where the event allows it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.factories import answer, make_event, make_guest

from registrar import tokens
from registrar.extensions import db
from registrar.models import (
    AuditEntry,
    Category,
    Channel,
    CheckIn,
    DoorNoAnswer,
    Event,
    Guest,
    Rsvp,
    Scan,
    Seat,
    SeatState,
    Verdict,
)
from registrar.services import audit, seats


@pytest.fixture
def let_in_event(app) -> Event:
    return make_event(capacity=3, door_no_answer=DoorNoAnswer.LET_IN)


def _scan(client, guest: Guest, **body):
    code = tokens.badge_code(guest.event_id, guest.id, guest.badge_version)
    return client.post(f"/api/v1/events/{guest.event_id}/scans", json={"code": code, **body})


def _admit(client, guest: Guest, **body):
    url = f"/api/v1/events/{guest.event_id}/guests/{guest.id}/admit-unanswered"
    return client.post(url, json=body)


def _written(event_id: int) -> tuple[int, int, int, int]:
    """(answers, seats, presences, audit entries) of the event: what a refusal must not add."""
    db.session.expire_all()

    def count(model, where) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(where)) or 0

    return (
        count(Rsvp, Rsvp.guest_id.in_(sa.select(Guest.id).where(Guest.event_id == event_id))),
        count(Seat, Seat.event_id == event_id),
        count(CheckIn, CheckIn.event_id == event_id),
        count(AuditEntry, AuditEntry.event_id == event_id),
    )


def test_a_guest_who_never_answered_is_no_answer_and_sent_to_the_desk_by_default(door_client, app):
    event = make_event(capacity=5)
    guest = make_guest(event)

    response = _scan(door_client, guest)

    assert response.status_code == 200
    body = response.get_json()
    assert body["verdict"] == "no_answer"
    assert body["no_answer"] == {"policy": "desk", "seat_free": True}
    assert body["guest"]["id"] == guest.id
    scan = db.session.scalar(sa.select(Scan).where(Scan.guest_id == guest.id))
    assert scan is not None and scan.verdict == Verdict.NO_ANSWER


def test_a_guest_who_declined_is_still_declined(door_client, let_in_event):
    guest = make_guest(let_in_event)
    answer(guest, attending=False)

    body = _scan(door_client, guest).get_json()

    assert body["verdict"] == "declined"
    assert body["no_answer"] is None
    refused = _admit(door_client, guest)
    assert refused.status_code == 409
    assert "answered already" in refused.get_json()["error"]["message"]


def test_the_desk_policy_refuses_to_let_in_and_writes_nothing(door_client, app):
    event = make_event(capacity=5)
    guest = make_guest(event)
    before = _written(event.id)

    response = _admit(door_client, guest, nonce="n-1")

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert "desk" in response.get_json()["error"]["message"]
    assert _written(event.id) == before


def test_letting_in_records_the_answer_takes_a_seat_and_checks_in(door_client, let_in_event):
    guest = make_guest(let_in_event)
    answer(make_guest(let_in_event))  # one seat of three taken
    scanned = _scan(door_client, guest).get_json()
    assert scanned["verdict"] == "no_answer"
    assert scanned["no_answer"] == {"policy": "let_in", "seat_free": True}

    response = _admit(door_client, guest, nonce="let-in-1", gate="North", channel="zh")

    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["verdict"] == "ok"
    assert body["occupancy"]["inside"] == 1
    db.session.expire_all()
    guest = db.session.get(Guest, guest.id)
    assert guest.rsvp.attending is True and guest.rsvp.channel == Channel.ZH
    assert guest.seat.state == SeatState.CONFIRMED
    assert guest.check_in is not None and guest.check_in.inside
    assert guest.check_in.first_gate == "North"
    confirmed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Seat)
        .where(Seat.event_id == let_in_event.id, Seat.state == SeatState.CONFIRMED)
    )
    assert confirmed == 2
    entries = {
        entry.action: entry.details
        for entry in db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.guest_id == guest.id)
        )
    }
    assert entries["rsvp.answered"]["at_the_door"] is True
    assert entries["rsvp.answered"]["attending"] is True
    assert "seat.confirmed" in entries
    assert "checkin.unanswered_let_in" in entries
    # A retry with the same nonce answers the same and writes nothing more.
    before = _written(let_in_event.id)
    again = _admit(door_client, guest, nonce="let-in-1", gate="North")
    assert again.status_code == 200 and again.get_json()["replayed"] is True
    assert _written(let_in_event.id) == before
    # The guest now has an answer: the next scan is the ordinary one.
    assert _scan(door_client, guest).get_json()["verdict"] == "already_checked_in"


def test_with_no_seat_free_letting_in_is_refused_and_writes_nothing(door_client, let_in_event):
    for _ in range(3):
        answer(make_guest(let_in_event))
    guest = make_guest(let_in_event)
    scanned = _scan(door_client, guest).get_json()
    assert scanned["verdict"] == "no_answer"
    assert scanned["no_answer"] == {"policy": "let_in", "seat_free": False}
    before = _written(let_in_event.id)

    response = _admit(door_client, guest, nonce="full-1")

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert "No seat is free" in response.get_json()["error"]["message"]
    assert _written(let_in_event.id) == before
    db.session.expire_all()
    assert db.session.get(Guest, guest.id).rsvp is None


def test_a_channel_the_event_does_not_offer_is_refused(door_client, let_in_event):
    guest = make_guest(let_in_event)
    before = _written(let_in_event.id)

    response = _admit(door_client, guest, channel="ja")

    assert response.status_code == 400
    assert _written(let_in_event.id) == before


def test_the_search_tells_a_guest_who_never_answered_from_one_who_declined(door_client, app):
    event = make_event()
    make_guest(event, name_en="Lin Never-Answered")
    answer(make_guest(event, name_en="Lin Said-No"), attending=False)

    found = door_client.get(f"/api/v1/events/{event.id}/door-search", query_string={"q": "lin"})

    by_name = {guest["name_en"]: guest for guest in found.get_json()["guests"]}
    assert by_name["Lin Never-Answered"]["answered"] is False
    assert by_name["Lin Said-No"]["answered"] is True
    assert by_name["Lin Never-Answered"]["seat"] is by_name["Lin Said-No"]["seat"] is None


def test_a_vip_who_never_answered_is_let_in_to_a_seat_held_for_vips(door_client, let_in_event):
    seats.set_category_holds(let_in_event.id, {Category.VIP: 1}, audit.SYSTEM)
    db.session.commit()
    for _ in range(2):
        answer(make_guest(let_in_event))
    delegate = make_guest(let_in_event)
    vip = make_guest(let_in_event, category=Category.VIP)

    # The open seats are gone; the seat held for VIPs is the VIP's to take.
    assert _scan(door_client, delegate).get_json()["no_answer"]["seat_free"] is False
    assert _scan(door_client, vip).get_json()["no_answer"]["seat_free"] is True
    assert _admit(door_client, vip).get_json()["verdict"] == "ok"
    seat = db.session.scalar(sa.select(Seat).where(Seat.guest_id == vip.id))
    assert (seat.state, seat.hold_id is not None) == (SeatState.CONFIRMED, True)
    assert _admit(door_client, delegate).status_code == 409
