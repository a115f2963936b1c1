"""The organizer API's reading of the door: scans with their verdicts and the guests'
check-ins, by id a page at a time, with filters by verdict, gate and time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support.auth import api_bearer as bearer
from support.factories import answer, make_event, make_guest, make_staff

from registrar import tokens
from registrar.models import ApiRole, Role, utcnow


@pytest.fixture
def event(app):
    return make_event(capacity=10)


@pytest.fixture
def organizer(event):
    return make_staff("org@example.org", Role.ORGANIZER, events=[event])


@pytest.fixture
def reader(event, organizer):
    return bearer(organizer, event, ApiRole.READ, "reader")


@pytest.fixture
def door(event, organizer):
    return bearer(organizer, event, ApiRole.DOOR, "scanner")


def scan(client, event, door, code, gate):
    answered = client.post(
        f"/api/v1/events/{event.id}/scans", json={"code": code, "gate": gate}, headers=door
    )
    assert answered.status_code == 200, answered.get_json()
    return answered.get_json()["verdict"]


@pytest.fixture
def scanned(client, event, door):
    """Three guests in (by the north and south gates), one of them twice, and a bad code."""
    guests = []
    for n in range(3):
        guest = make_guest(event, name_en=f"Guest {n}")
        answer(guest)
        guests.append(guest)
    codes = [tokens.badge_code(event.id, g.id, g.badge_version) for g in guests]
    verdicts = [
        scan(client, event, door, codes[0], "north"),
        scan(client, event, door, codes[1], "south"),
        scan(client, event, door, codes[0], "north"),
        scan(client, event, door, "B1:GARBAGE", "north"),
        scan(client, event, door, codes[2], "north"),
    ]
    assert verdicts == ["ok", "ok", "already_checked_in", "invalid", "ok"]
    return guests


def test_scans_by_id_a_page_at_a_time_with_filters(client, event, reader, scanned):
    path = f"/api/v1/events/{event.id}/scan-log"
    first = client.get(path, query_string={"limit": 3}, headers=reader)
    assert first.status_code == 200
    page = first.get_json()
    assert [i["verdict"] for i in page["items"]] == ["ok", "ok", "already_checked_in"]
    assert page["items"][0]["guest_id"] == scanned[0].id and page["items"][1]["gate"] == "south"
    rest = client.get(path, query_string={"cursor": page["next"]}, headers=reader).get_json()
    assert [i["verdict"] for i in rest["items"]] == ["invalid", "ok"] and rest["next"] is None
    assert rest["items"][0]["guest_id"] is None
    refused = client.get(path, query_string={"verdict": "ok"}, headers=reader).get_json()
    assert [i["guest_id"] for i in refused["items"]] == [g.id for g in scanned]
    north = client.get(path, query_string={"gate": "north"}, headers=reader).get_json()
    assert len(north["items"]) == 4
    later = (utcnow() + timedelta(minutes=5)).isoformat()
    assert client.get(path, query_string={"since": later}, headers=reader).get_json() == {
        "items": [],
        "next": None,
    }
    earlier = (utcnow() - timedelta(minutes=5)).isoformat()
    assert len(client.get(path, query_string={"since": earlier}, headers=reader).json["items"]) == 5


def test_check_ins_in_the_order_guests_came(client, event, reader, scanned):
    path = f"/api/v1/events/{event.id}/check-ins"
    page = client.get(path, headers=reader).get_json()
    assert [i["guest_id"] for i in page["items"]] == [g.id for g in scanned]
    assert page["items"][1]["first_gate"] == "south" and page["items"][0]["inside"] is True
    assert page["items"][0]["name_en"] == "Guest 0" and page["next"] is None
    south = client.get(path, query_string={"gate": "south"}, headers=reader).get_json()
    assert [i["guest_id"] for i in south["items"]] == [scanned[1].id]
    two = client.get(path, query_string={"limit": 2}, headers=reader).get_json()
    assert len(two["items"]) == 2 and two["next"] is not None


@pytest.mark.parametrize(
    ("where", "query", "words"),
    [
        ("scan-log", {"verdict": "great"}, "'verdict'"),
        ("scan-log", {"since": "yesterday"}, "'since'"),
        ("scan-log", {"since": "2026-03-01T10:00:00"}, "'since'"),
        ("scan-log", {"gate": "x" * 65}, "'gate'"),
        ("check-ins", {"verdict": "ok"}, "Unknown query parameter 'verdict'."),
        ("check-ins", {"cursor": "0"}, "'cursor'"),
    ],
)
def test_a_bad_query_is_named(client, event, reader, where, query, words):
    refused = client.get(f"/api/v1/events/{event.id}/{where}", query_string=query, headers=reader)
    assert refused.status_code == 400 and words in refused.get_json()["error"]["message"]


def test_for_the_events_organizers_only(client, event, scanned):
    account = make_staff("door@example.org", Role.DOOR, events=[event])
    door_staff = bearer(account, event, ApiRole.DOOR, "gate")
    for where in ("scan-log", "check-ins"):
        refused = client.get(f"/api/v1/events/{event.id}/{where}", headers=door_staff)
        assert refused.status_code == 403
    other = make_event()
    elsewhere = bearer(
        make_staff("else@example.org", Role.ORGANIZER, events=[other]),
        other,
        ApiRole.READ,
        "elsewhere",
    )
    assert client.get(f"/api/v1/events/{event.id}/scan-log", headers=elsewhere).status_code == 403
