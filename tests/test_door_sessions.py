"""The door per session: a scan counts for the session under way, a guest confirmed for another
session is told which and when, a door lead may give them a free seat in this one, and each
session's counts and receivers."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from support.auth import logged_in
from support.factories import TAIPEI, answer, make_event, make_guest, make_staff
from support.sessions import choose, make_sessions_event, moved, yesterday

from registrar import tokens
from registrar.extensions import db
from registrar.models import (
    AgendaItem,
    AuditEntry,
    Channel,
    CheckIn,
    Event,
    Guest,
    Role,
    Scan,
    SeatState,
    SessionSeat,
    utcnow,
)
from registrar.services import checkin
from registrar.services.checkin import verdict
from registrar.services.seats import sessions

LEAD_EMAIL = "lead@example.org"


def code_of(guest: Guest) -> str:
    return tokens.badge_code(guest.event_id, guest.id, guest.badge_version)


def scan(client, guest: Guest, **body):
    return client.post(
        f"/api/v1/events/{guest.event_id}/scans", json={"code": code_of(guest), **body}
    )


def let_in(client, guest: Guest, **body):
    url = f"/api/v1/events/{guest.event_id}/guests/{guest.id}/let-in"
    return client.post(url, json={"reason": "organizer_approved", **body})


def at(session: AgendaItem, hour: int, minute: int) -> str:
    """That time of the (moved) session's day, in Taipei, as a scanner sends it."""
    db.session.refresh(session)
    local = session.starts_at.astimezone(TAIPEI)
    return local.replace(hour=hour, minute=minute).isoformat()


def scans_of(guest: Guest) -> list[Scan]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Scan).where(Scan.guest_id == guest.id)))


def session_states(guest: Guest) -> dict[int, SeatState]:
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(SessionSeat.session_id, SessionSeat.state).where(SessionSeat.guest_id == guest.id)
    ).all()
    return dict(rows)


@pytest.fixture
def lead(client):
    def logged(event: Event):
        make_staff(LEAD_EMAIL, Role.DOOR_LEAD, events=[event])
        return logged_in(client, LEAD_EMAIL)

    return logged


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "Confirmed for “Innovating Green Mobility”, 15:10"), ("zh-TW", "創新綠色交通")],
)
def test_a_session_3_guest_scanned_at_13_20_is_told_they_are_confirmed_for_session_3_at_15_10(
    door_client, language, words
):
    event, s2, s3 = make_sessions_event(capacity=10)
    guest = make_guest(event)
    choose(guest, s3)
    yesterday(event)

    response = door_client.post(
        f"/api/v1/events/{event.id}/scans",
        json={"code": code_of(guest), "offline": True, "scanned_at": at(s2, 13, 20)},
        headers={"Accept-Language": language},
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["verdict"] == "other_session"
    assert words in body["other_session"]["advice"]
    assert "15:10" in body["other_session"]["advice"]
    assert [s["id"] for s in body["other_session"]["sessions"]] == [s3.id]
    assert body["occupancy"]["inside"] == 0
    (recorded,) = scans_of(guest)
    assert recorded.verdict == "other_session"
    assert db.session.scalar(sa.select(CheckIn).where(CheckIn.guest_id == guest.id)) is None


def test_a_retry_of_an_other_session_scan_gets_the_first_answer_again(door_client):
    event, s2, s3 = make_sessions_event(capacity=10)
    guest = make_guest(event)
    choose(guest, s3)
    yesterday(event)
    body = {"nonce": "n-13-20", "offline": True, "scanned_at": at(s2, 13, 20)}

    first = scan(door_client, guest, **body).get_json()
    again = scan(door_client, guest, **body).get_json()

    assert again["replayed"] is True
    assert again["other_session"] == first["other_session"]
    assert len(scans_of(guest)) == 1


def test_a_guest_waitlisted_in_the_session_under_way_but_confirmed_in_another_is_told_so(
    door_client,
):
    event, s2, s3 = make_sessions_event(capacity=1)
    first = make_guest(event)
    choose(first, s2)
    guest = make_guest(event)
    choose(guest, s2, s3)
    assert session_states(guest) == {s2.id: SeatState.WAITLISTED, s3.id: SeatState.CONFIRMED}
    yesterday(event)

    body = scan(door_client, guest, offline=True, scanned_at=at(s2, 13, 40)).get_json()

    assert body["verdict"] == "other_session"
    assert [s["id"] for s in body["other_session"]["sessions"]] == [s3.id]


def test_a_scan_at_15_05_counts_for_session_3_and_in_its_occupancy(door_client):
    event, s2, s3 = make_sessions_event(capacity=10)
    guest = make_guest(event)
    choose(guest, s3)
    both = make_guest(event)
    choose(both, s2, s3)
    yesterday(event)

    assert (
        scan(door_client, guest, offline=True, scanned_at=at(s3, 15, 5)).get_json()["verdict"]
        == "ok"
    )
    assert (
        scan(door_client, both, offline=True, scanned_at=at(s2, 13, 25)).get_json()["verdict"]
        == "ok"
    )

    assert [s.session_id for s in scans_of(guest)] == [s3.id]
    assert [s.session_id for s in scans_of(both)] == [s2.id]
    occupancy = door_client.get(f"/api/v1/events/{event.id}/occupancy").get_json()
    assert occupancy["inside"] == 2
    by_id = {s["id"]: s for s in occupancy["sessions"]}
    assert [s["id"] for s in occupancy["sessions"]] == [s2.id, s3.id]
    # Session 2: the guest let in for it. Session 3: the guest let in at 15:05, and the guest
    # confirmed for both who stayed on from Session 2.
    assert (by_id[s2.id]["counted"], by_id[s2.id]["confirmed"]) == (1, 1)
    assert (by_id[s3.id]["counted"], by_id[s3.id]["confirmed"]) == (2, 2)


def test_a_scan_outside_every_session_counts_for_none_and_is_judged_as_ever(door_client):
    event, s2, s3 = make_sessions_event(capacity=10)
    guest = make_guest(event)
    choose(guest, s3)
    yesterday(event)

    body = scan(door_client, guest, offline=True, scanned_at=at(s2, 12, 0)).get_json()

    assert body["verdict"] == "ok"
    assert [s.session_id for s in scans_of(guest)] == [None]


def test_an_event_without_sessions_records_no_session_and_answers_as_before(door_client):
    event = make_event(capacity=10)
    guest = make_guest(event)
    answer(guest)

    body = scan(door_client, guest).get_json()

    assert body["verdict"] == "ok"
    assert "other_session" not in body or body["other_session"] is None
    assert [s.session_id for s in scans_of(guest)] == [None]
    occupancy = door_client.get(f"/api/v1/events/{event.id}/occupancy").get_json()
    assert occupancy == {"inside": 1, "capacity": 10, "sessions": []}


def _under_way(event: Event, s2: AgendaItem) -> None:
    """The afternoon moved so that Session 2 began ten minutes ago."""
    moved(event, utcnow() - timedelta(minutes=10) - s2.starts_at)


def test_a_door_lead_lets_a_session_3_guest_into_session_2_when_a_seat_is_free(lead):
    event, s2, s3 = make_sessions_event(capacity=2)
    guest = make_guest(event)
    choose(guest, s3)
    _under_way(event, s2)
    client = lead(event)
    assert scan(client, guest).get_json()["verdict"] == "other_session"

    response = let_in(client, guest, nonce="in-s2")

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["verdict"] == "ok"
    assert session_states(guest) == {s2.id: SeatState.CONFIRMED, s3.id: SeatState.CONFIRMED}
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.guest_id == guest.id, AuditEntry.action == "checkin.let_in"
        )
    )
    assert entry is not None
    assert entry.details["refused"] == "other_session"
    assert entry.details["session"] == s2.id
    entered = [s for s in scans_of(guest) if s.verdict == "ok"]
    assert [s.session_id for s in entered] == [s2.id]
    # A retry gets the first answer, and gives no second seat.
    again = let_in(client, guest, nonce="in-s2")
    assert again.status_code == 200
    assert again.get_json()["replayed"] is True


def test_a_door_lead_is_refused_when_session_2_is_full_and_nothing_is_written(lead):
    event, s2, s3 = make_sessions_event(capacity=1)
    other = make_guest(event)
    choose(other, s2)
    guest = make_guest(event)
    choose(guest, s3)
    _under_way(event, s2)
    client = lead(event)
    audits = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))

    response = let_in(client, guest, nonce="full-s2")

    assert response.status_code == 409
    assert "No seat is free in the session under way" in response.get_json()["error"]["message"]
    assert session_states(guest) == {s3.id: SeatState.CONFIRMED}
    assert scans_of(guest) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audits


def test_receivers_per_session_count_each_sessions_confirmed_guests_and_one_receiver_each(app):
    event, s2, s3 = make_sessions_event(capacity=10)
    both = make_guest(event)
    choose(both, s2, s3, channel=Channel.EN)
    chinese = make_guest(event)
    choose(chinese, s3, channel=Channel.ZH)
    floor = make_guest(event)
    choose(floor, s2, channel=Channel.FLOOR)
    for guest in (both, chinese):
        db.session.add(
            CheckIn(
                event_id=event.id,
                guest_id=guest.id,
                first_scan_at=utcnow(),
                first_gate="",
                inside=True,
                changed_at=utcnow(),
            )
        )
    db.session.commit()
    checkin.set_receiver(event.id, both.id, "E-1", "test")
    checkin.set_receiver(event.id, chinese.id, "Z-1", "test")
    checkin.return_receiver(event.id, chinese.id, "test")
    db.session.commit()

    rows = {r.session.id: r for r in checkin.receivers_by_session(event)}

    assert rows[s2.id].needed == {Channel.EN: 1, Channel.ZH: 0}
    assert rows[s3.id].needed == {Channel.EN: 1, Channel.ZH: 1}
    # The guest staying for both keeps one receiver, counted in each session.
    assert (rows[s2.id].handed_out, rows[s2.id].returned) == (1, 0)
    assert (rows[s3.id].handed_out, rows[s3.id].returned) == (2, 1)


def test_an_event_without_sessions_has_no_receivers_per_session(app):
    event = make_event(capacity=10)
    assert checkin.receivers_by_session(event) == []
    assert checkin.occupancy_by_session(event) == []


def test_the_dashboard_shows_receivers_per_session_only_for_an_event_with_sessions(
    organizer_client,
):
    event, s2, s3 = make_sessions_event(capacity=10)
    plain = make_event(capacity=10)

    with_sessions = organizer_client.get(f"/console/events/{event.id}/dashboard")
    without = organizer_client.get(f"/console/events/{plain.id}/dashboard")

    assert with_sessions.status_code == 200
    assert 'data-table="session-receivers"' in with_sessions.get_data(as_text=True)
    assert "Innovating Green Mobility" in with_sessions.get_data(as_text=True)
    assert 'data-table="session-receivers"' not in without.get_data(as_text=True)


def test_the_session_under_way_is_the_one_seats_sessions_names(app):
    event, s2, s3 = make_sessions_event(capacity=10)
    offered = sessions.offered(event.id)
    door = tuple(
        verdict.SessionAtDoor(s.id, s.title_en, s.title_zh, s.starts_at, s.ends_at) for s in offered
    )
    day = s2.starts_at
    for minutes in range(-60, 240, 5):
        moment = day + timedelta(minutes=minutes)
        expected = sessions.session_at(offered, moment)
        found = verdict.session_at(door, moment)
        assert (found.id if found else None) == (expected.id if expected else None), moment
    assert isinstance(day, datetime)


def test_the_scanner_page_shows_each_sessions_counts_only_for_an_event_with_sessions(door_client):
    event, s2, s3 = make_sessions_event(capacity=10)
    guest = make_guest(event)
    choose(guest, s3, channel=Channel.ZH)
    plain = make_event(capacity=10)

    page = door_client.get(f"/door/events/{event.id}").get_data(as_text=True)
    other = door_client.get(f"/door/events/{plain.id}").get_data(as_text=True)

    assert 'id="door-sessions"' in page
    assert f'data-session="{s3.id}"' in page
    assert "15:10" in page
    assert "中文 1" in page
    assert 'id="door-sessions"' not in other


def under_way(event: Event, session: AgendaItem) -> None:
    """The afternoon moved so that `session` began ten minutes ago."""
    db.session.refresh(session)
    moved(event, utcnow() - timedelta(minutes=10) - session.starts_at)


def test_a_walk_in_during_session_3_is_seated_in_it_alone_and_let_in(door_client):
    event, s2, s3 = make_sessions_event(capacity=5, door_walk_ins=True)
    under_way(event, s3)

    answer = door_client.post(
        f"/api/v1/events/{event.id}/walk-ins", json={"name_en": "Wang Walk-In", "channel": "zh"}
    ).get_json()

    assert answer["scan"]["verdict"] == "ok"
    guest = db.session.get(Guest, answer["guest_id"])
    # Session 2 is over: no seat is taken in it.
    assert session_states(guest) == {s3.id: SeatState.CONFIRMED}
    assert [s.session_id for s in scans_of(guest)] == [s3.id]


def test_a_walk_in_is_refused_when_the_session_under_way_is_full_though_the_next_is_not(
    door_client,
):
    event, s2, s3 = make_sessions_event(capacity=1, door_walk_ins=True)
    choose(make_guest(event), s2)
    under_way(event, s2)

    response = door_client.post(
        f"/api/v1/events/{event.id}/walk-ins", json={"name_en": "Wang Walk-In", "channel": "zh"}
    )

    assert response.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).where(Guest.walk_in.is_(True))) == 0
