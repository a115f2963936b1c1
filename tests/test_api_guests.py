"""GET /api/v1/events/<id>/guests (the console's list: search, filters, order, pages) and
/guests/<id>, for the event's organizers only; the door's name search at /door-search."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.auth import api_bearer, logged_in
from support.factories import answer, make_event, make_guest, make_staff

from registrar.extensions import db
from registrar.models import ApiRole, AuditEntry, Category, Guest, Role
from registrar.services import invitations


@pytest.fixture
def event(app):
    return make_event(capacity=5)


def bearer(account, event, role=ApiRole.READ, name="reader") -> dict[str, str]:
    return api_bearer(account, event, role, name)


@pytest.fixture
def organizer_token(event):
    account = make_staff("org@example.org", Role.ORGANIZER, events=[event])
    return bearer(account, event)


def listed(client, event, headers, **query):
    return client.get(f"/api/v1/events/{event.id}/guests", query_string=query, headers=headers)


def test_the_list_searches_filters_and_pages_like_the_console(client, event, organizer_token):
    chen = make_guest(event, name_en="Chen Mei-Ling", name_zh="陳美玲", category=Category.VIP)
    answer(chen)
    for n in range(52):
        make_guest(event, name_en=f"Guest {n:02d}")
    first = listed(client, event, organizer_token)
    assert first.status_code == 200
    body = first.get_json()
    assert body["total"] == 53 and len(body["items"]) == 50 and body["next"] == "2"
    second = listed(client, event, organizer_token, page=body["next"]).get_json()
    assert len(second["items"]) == 3 and second["next"] is None
    ids = [i["id"] for i in body["items"] + second["items"]]
    assert len(set(ids)) == 53
    found = listed(client, event, organizer_token, q="美玲").get_json()
    assert [i["email"] for i in found["items"]] == [chen.email]
    assert found["items"][0]["state"] == "confirmed"
    vips = listed(client, event, organizer_token, category="vip", state="confirmed").get_json()
    assert [i["id"] for i in vips["items"]] == [chen.id]
    past = listed(client, event, organizer_token, page="9").get_json()
    assert past["items"] == [] and past["next"] is None
    # Pages of another size: every guest once, in the same order as pages of 50.
    whole = listed(client, event, organizer_token, limit="100").get_json()
    assert [i["id"] for i in whole["items"]] == ids and whole["next"] is None
    small = [
        listed(client, event, organizer_token, limit="20", page=str(n)).get_json()
        for n in (1, 2, 3)
    ]
    assert [i["id"] for page in small for i in page["items"]] == ids
    assert [page["next"] for page in small] == ["2", "3", None]


def test_one_guest_reads_and_another_events_guest_is_not_found(client, event, organizer_token):
    guest = make_guest(event, name_en="Lin Wei")
    answer = client.get(f"/api/v1/events/{event.id}/guests/{guest.id}", headers=organizer_token)
    assert answer.status_code == 200
    assert answer.get_json()["name_en"] == "Lin Wei" and answer.get_json()["state"] == "not_sent"
    stranger = make_guest(make_event())
    missing = client.get(f"/api/v1/events/{event.id}/guests/{stranger.id}", headers=organizer_token)
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"state": "happy"}, "'state'"),
        ({"sort": "shoe"}, "'sort'"),
        ({"page": "0"}, "'page'"),
        ({"limit": "101"}, "'limit' is a whole number from 1 to 100."),
        ({"limit": "0"}, "'limit'"),
        ({"size": "5"}, "Unknown query parameter 'size'."),
    ],
)
def test_a_bad_query_is_named(client, event, organizer_token, query, words):
    answer = listed(client, event, organizer_token, **query)
    assert answer.status_code == 400 and words in answer.get_json()["error"]["message"]


def test_the_list_is_the_organizers_not_the_doors(client, event):
    door_account = make_staff("door@example.org", Role.DOOR, events=[event])
    door_token = bearer(door_account, event, ApiRole.DOOR, "gate")
    refused = listed(client, event, door_token)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    logged_in(client, "door@example.org")
    assert listed(client, event, {}).status_code == 403
    # The door's own search is where the scanner asks.
    make_guest(event, name_en="Wang Door")
    found = client.get(f"/api/v1/events/{event.id}/door-search", query_string={"q": "wang"})
    assert found.status_code == 200 and [g["name_en"] for g in found.get_json()["guests"]] == [
        "Wang Door"
    ]


def test_the_scanner_is_told_both_addresses(client, event):
    make_staff("door@example.org", Role.DOOR, events=[event])
    logged_in(client, "door@example.org")
    page = client.get(f"/door/events/{event.id}").get_data(as_text=True)
    assert f'"search": "/api/v1/events/{event.id}/door-search"' in page
    assert f'"guests": "/api/v1/events/{event.id}/guests"' in page


# -- changing the list ------------------------------------------------------------------------


@pytest.fixture
def writer(event):
    account = make_staff("writer@example.org", Role.ORGANIZER, events=[event])
    return bearer(account, event, ApiRole.ORGANIZER, "writer")


def test_a_guest_is_added_once_per_key_and_audited_as_the_token(client, event, writer):
    path = f"/api/v1/events/{event.id}/guests"
    body = {"email": "Lin@Example.org", "name_en": "Lin Wei", "category": "vip"}
    headers = {**writer, "Idempotency-Key": "add-lin"}
    first = client.post(path, json=body, headers=headers)
    assert first.status_code == 200, first.get_json()
    item = first.get_json()
    assert item["email"] == "lin@example.org" and item["state"] == "not_sent"
    again = client.post(path, json=body, headers=headers)
    assert again.get_json() == item and again.headers["Idempotent-Replayed"] == "true"
    duplicate = client.post(path, json=body, headers=writer)
    assert (
        duplicate.status_code == 409
        and "already on the guest list" in duplicate.get_json()["error"]["message"]
    )
    db.session.rollback()
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "guest.added", AuditEntry.guest_id == item["id"]
        )
    )
    assert entry.actor.startswith("token:")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"email": "a@example.org", "name_en": "A", "vip": True}, "Unknown field 'vip'."),
        ({"name_en": "A"}, "'email' is needed."),
        ({"email": "not-an-address", "name_en": "A"}, "e-mail"),
        ({"email": "a@example.org"}, "name"),
        (
            {"email": "a@example.org", "name_en": "A", "category": "king"},
            "'category' must be one of",
        ),
    ],
)
def test_a_bad_guest_is_refused_by_name_and_nothing_is_added(client, event, writer, body, words):
    answer = client.post(f"/api/v1/events/{event.id}/guests", json=body, headers=writer)
    assert answer.status_code == 400, answer.get_json()
    assert words in answer.get_json()["error"]["message"]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Guest)) == 0


def test_revoke_rotate_and_erase(client, event, writer):
    guest = make_guest(event, name_en="Chen Mei-Ling")
    answer(guest)
    base = f"/api/v1/events/{event.id}/guests/{guest.id}"
    rotated = client.post(f"{base}/rotate", headers=writer)
    assert rotated.status_code == 200
    link = rotated.get_json()["link"]
    db.session.rollback()
    assert link == invitations.invitation_url(db.session.get(Guest, guest.id))
    revoked = client.post(f"{base}/revoke", headers=writer)
    assert revoked.status_code == 200 and revoked.get_json()["state"] == "revoked"
    erased = client.post(f"{base}/erase", headers=writer)
    assert erased.status_code == 200
    assert erased.get_json()["state"] == "erased" and erased.get_json()["email"] == ""
    again = client.post(f"{base}/erase", headers=writer)
    assert again.status_code == 409


def test_only_an_organizer_token_changes_the_list(client, event, organizer_token):
    guest = make_guest(event)
    refused = client.post(
        f"/api/v1/events/{event.id}/guests/{guest.id}/revoke", headers=organizer_token
    )
    assert refused.status_code == 403
    added = client.post(
        f"/api/v1/events/{event.id}/guests",
        json={"email": "x@example.org", "name_en": "X"},
        headers=organizer_token,
    )
    assert added.status_code == 403
    db.session.rollback()
    assert db.session.get(Guest, guest.id).revoked_at is None


def test_a_guests_details_change_by_the_fields_sent(client, event, writer):
    guest = make_guest(event, name_en="Lin Wei", organization="City Hall")
    path = f"/api/v1/events/{event.id}/guests/{guest.id}"
    changed = client.patch(path, json={"name_zh": "林偉", "category": "press"}, headers=writer)
    assert changed.status_code == 200, changed.get_json()
    item = changed.get_json()
    assert (item["name_en"], item["name_zh"], item["organization"], item["category"]) == (
        "Lin Wei",
        "林偉",
        "City Hall",
        "press",
    )
    unknown = client.patch(path, json={"shoe": 1}, headers=writer)
    assert (
        unknown.status_code == 400
        and "Unknown field 'shoe'." in unknown.get_json()["error"]["message"]
    )
    other = make_guest(event)
    taken = client.patch(path, json={"email": other.email}, headers=writer)
    assert taken.status_code == 409
    db.session.rollback()
    assert db.session.get(Guest, guest.id).email != other.email
