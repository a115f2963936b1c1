"""The organizer API's programme: items with their people, listed, read, made, changed and
deleted with the programme editor's rules (times within the event, no overlap, a title and
names in at least one language)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from support.auth import api_bearer
from support.factories import make_event, make_staff

from registrar.extensions import db
from registrar.models import AgendaItem, AgendaPerson, ApiRole, AuditEntry, Role

# 10:00 to 13:00 in Taipei.
STARTS = datetime(2031, 5, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
def event(app):
    return make_event(
        timezone="Asia/Taipei",
        doors_open_at=STARTS - timedelta(minutes=30),
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=3),
    )


@pytest.fixture
def organizer(event):
    return make_staff("org@example.org", Role.ORGANIZER, events=[event])


def bearer(account, event, role=ApiRole.ORGANIZER, name="writer") -> dict[str, str]:
    return api_bearer(account, event, role, name)


@pytest.fixture
def writer(organizer, event):
    return bearer(organizer, event)


OPENING = {
    "kind": "session",
    "starts": "10:00",
    "ends": "10:30",
    "title_en": "Opening",
    "title_zh": "開幕",
    "people": [
        {"role": "speaker", "name_en": "Chen Chi-Mai", "name_zh": "陳其邁", "title_en": "Mayor"},
        {"role": "moderator", "name_zh": "林主持"},
    ],
}


def _count(model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_an_item_with_its_people_is_made_once_listed_and_read(client, event, organizer, writer):
    path = f"/api/v1/events/{event.id}/programme"
    headers = {**writer, "Idempotency-Key": "opening"}
    made = client.post(path, json=OPENING, headers=headers)
    assert made.status_code == 200, made.get_json()
    item = made.get_json()
    assert item["starts"] == "10:00" and item["starts_at"] == STARTS.isoformat()
    assert [(p["position"], p["role"], p["name_zh"]) for p in item["people"]] == [
        (1, "speaker", "陳其邁"),
        (2, "moderator", "林主持"),
    ]
    assert client.post(path, json=OPENING, headers=headers).get_json() == item
    assert _count(AgendaItem) == 1
    earlier = client.post(
        path,
        json={"kind": "break", "starts": "09:50", "ends": "10:00", "title_en": "Tea"},
        headers=writer,
    )
    assert (
        earlier.status_code == 400
        and "cannot start before" in earlier.get_json()["error"]["message"]
    )
    coffee = {"kind": "break", "starts": "10:30", "ends": "10:45", "title_en": "Coffee"}
    assert client.post(path, json=coffee, headers=writer).status_code == 200
    reader = bearer(organizer, event, ApiRole.READ, name="reader")
    listed = client.get(path, headers=reader).get_json()
    assert [(i["position"], i["title_en"]) for i in listed["items"]] == [
        (1, "Opening"),
        (2, "Coffee"),
    ]
    assert listed["next"] is None
    one = client.get(f"{path}/{item['id']}", headers=reader)
    assert one.status_code == 200 and one.get_json() == item
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "programme.item_added").limit(1)
    )
    assert entry.actor.startswith("token:")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"starts": "10:15", "ends": "10:40"}, "overlap “Opening”"),
        ({"starts": "12:30", "ends": "13:30"}, "cannot end after"),
        ({"starts": "11:00", "ends": "10:50"}, "must end after it starts"),
        ({"starts": "1100"}, "'starts' must be a time of day as HH:MM"),
        ({"title_en": "", "title_zh": ""}, "title in English or in Chinese"),
        ({"people": [{"role": "speaker"}]}, "name in at least one script"),
        ({"people": [{"role": "host", "name_en": "X"}]}, "'people[0].role' must be one of"),
        ({"people": [{"role": "speaker", "name_en": "X", "age": 3}]}, "'people[0].age'"),
        ({"colour": "red"}, "Unknown field 'colour'"),
    ],
)
def test_the_editors_rules_refuse_by_name_and_nothing_is_made(client, event, writer, change, words):
    path = f"/api/v1/events/{event.id}/programme"
    assert client.post(path, json=OPENING, headers=writer).status_code == 200
    body = {**OPENING, "starts": "11:00", "ends": "11:30", "title_en": "Panel", **change}
    refused = client.post(path, json=body, headers=writer)
    assert refused.status_code == 400, refused.get_json()
    assert words in refused.get_json()["error"]["message"]
    assert _count(AgendaItem) == 1 and _count(AgendaPerson) == 2


def test_a_change_moves_the_item_and_replaces_its_people_then_delete(client, event, writer):
    path = f"/api/v1/events/{event.id}/programme"
    first = client.post(path, json=OPENING, headers=writer).get_json()
    second = client.post(
        path, json={"starts": "11:00", "ends": "12:00", "title_en": "Panel"}, headers=writer
    ).get_json()
    moved = client.patch(
        f"{path}/{first['id']}",
        json={
            "starts": "12:00",
            "ends": "12:30",
            "people": [{"role": "speaker", "name_en": "Lin"}],
        },
        headers=writer,
    )
    assert moved.status_code == 200, moved.get_json()
    item = moved.get_json()
    assert item["title_en"] == "Opening" and item["starts"] == "12:00" and item["position"] == 2
    assert [(p["name_en"], p["position"]) for p in item["people"]] == [("Lin", 1)]
    assert _count(AgendaPerson) == 1
    clash = client.patch(f"{path}/{first['id']}", json={"starts": "11:30"}, headers=writer)
    assert clash.status_code == 400 and "overlap" in clash.get_json()["error"]["message"]
    gone = client.delete(f"{path}/{second['id']}", headers=writer)
    assert gone.status_code == 200 and gone.get_json()["title_en"] == "Panel"
    assert client.get(f"{path}/{second['id']}", headers=writer).status_code == 404
    listed = client.get(path, headers=writer).get_json()["items"]
    assert [(i["position"], i["title_en"]) for i in listed] == [(1, "Opening")]


def test_a_read_token_and_another_events_item_change_nothing(client, event, organizer, writer):
    path = f"/api/v1/events/{event.id}/programme"
    item = client.post(path, json=OPENING, headers=writer).get_json()
    reader = bearer(organizer, event, ApiRole.READ, name="reader")
    assert client.post(path, json=OPENING, headers=reader).status_code == 403
    assert client.delete(f"{path}/{item['id']}", headers=reader).status_code == 403
    other = make_event()
    admin = make_staff("admin@example.org", Role.ORGANIZER)
    token = bearer(admin, other, name="admin")
    elsewhere = client.patch(
        f"/api/v1/events/{other.id}/programme/{item['id']}", json={"title_en": "X"}, headers=token
    )
    assert elsewhere.status_code == 404
    assert _count(AgendaItem, AgendaItem.title_en == "Opening") == 1


def test_a_move_reorders_and_re_times_and_a_stale_place_moves_nothing(client, event, writer):
    path = f"/api/v1/events/{event.id}/programme"
    opening = client.post(path, json=OPENING, headers=writer).get_json()
    tea = {"kind": "break", "starts": "10:40", "ends": "10:50", "title_en": "Tea"}
    assert client.post(path, json=tea, headers=writer).status_code == 200
    panel = {"kind": "session", "starts": "11:00", "ends": "12:00", "title_en": "Panel"}
    panel = client.post(path, json=panel, headers=writer).get_json()

    moved = client.post(f"{path}/{panel['id']}/move", json={"position": 1}, headers=writer)
    assert moved.status_code == 200, moved.get_json()
    # The panel runs first from 10:00; the others follow with their lengths and pauses.
    assert [
        (i["position"], i["title_en"], i["starts"], i["ends"]) for i in moved.get_json()["items"]
    ] == [
        (1, "Panel", "10:00", "11:00"),
        (2, "Opening", "11:10", "11:40"),
        (3, "Tea", "11:50", "12:00"),
    ]
    # The same move again, from where the caller saw the panel before: refused, nothing moves.
    stale = client.post(
        f"{path}/{panel['id']}/move", json={"position": 1, "from_position": 3}, headers=writer
    )
    assert stale.status_code == 409
    far = client.post(f"{path}/{opening['id']}/move", json={"position": 4}, headers=writer)
    assert far.status_code == 400 and "from 1 to 3" in far.get_json()["error"]["message"]
    unknown = client.post(
        f"{path}/{opening['id']}/move", json={"position": 2, "to": 1}, headers=writer
    )
    assert unknown.status_code == 400 and "'to'" in unknown.get_json()["error"]["message"]
    listed = client.get(path, headers=writer).get_json()["items"]
    assert [i["title_en"] for i in listed] == ["Panel", "Opening", "Tea"]
    assert _count(AuditEntry, AuditEntry.action == "programme.item_moved") == 1
