"""POST /api/v1/events/<id>/guests/bulk (the CSV import's rules from a JSON array, all or
nothing, with per-guest errors) and /guests/<id>/answer (read, and answered on the guest's
behalf), for organizer tokens."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.auth import api_bearer
from support.factories import answer, make_event, make_guest, make_staff

from registrar.extensions import db
from registrar.models import ApiRole, AuditEntry, Category, Guest, Language, Role
from registrar.services import audit, guests, invitations
from registrar.web.api import schemas


@pytest.fixture
def event(app):
    return make_event(capacity=1)


def bearer(account, event_id, role=ApiRole.ORGANIZER, name="crm sync") -> dict[str, str]:
    return api_bearer(account, event_id, role, name)


@pytest.fixture
def writer(event):
    account = make_staff("org@example.org", Role.ORGANIZER, events=[event])
    return bearer(account, event.id)


def bulk(client, event, headers, body):
    return client.post(f"/api/v1/events/{event.id}/guests/bulk", json=body, headers=headers)


def guest_count() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Guest))


def test_guests_are_added_and_changed_by_email_and_audited_as_the_token(client, event, writer):
    known = make_guest(event, email="chen@example.org", name_en="Chen", organization="Old")
    same = make_guest(event, email="same@example.org", name_en="Same")
    body = [
        {"email": "Lin@Example.org", "name_en": "Lin Wei", "category": "與談人"},
        {"email": "chen@example.org", "name_en": "Chen", "organization": "City Hall"},
        {"email": "wang@example.org", "name_zh": "王小明"},
        # As every row of a file, a guest sent needs a name, even one already on the list.
        {"email": "same@example.org", "name_zh": "", "name_en": "Same"},
    ]
    done = bulk(client, event, writer, body)

    assert done.status_code == 200, done.get_json()
    answer = done.get_json()
    assert (answer["added"], answer["updated"], answer["unchanged"]) == (2, 1, 1)
    outcomes = [(item["index"], item["outcome"]) for item in answer["items"]]
    assert outcomes == [(0, "new"), (1, "update"), (2, "new"), (3, "unchanged")]
    assert answer["items"][1]["id"] == known.id and answer["items"][3]["id"] == same.id
    db.session.rollback()
    lin = db.session.get(Guest, answer["items"][0]["id"])
    assert (lin.email, lin.category, lin.language) == (
        "lin@example.org",
        Category.SPEAKER,
        Language.EN,
    )
    # Only a Chinese name: Chinese e-mails. Left out or empty: the stored value stays.
    assert db.session.get(Guest, answer["items"][2]["id"]).language == Language.ZH_HANT
    chen = db.session.get(Guest, known.id)
    assert (chen.name_en, chen.organization) == ("Chen", "City Hall")
    assert db.session.get(Guest, same.id).name_zh == same.name_zh != ""
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "guest_list.imported")
    ).all()
    assert len(entries) == 1
    actor = entries[0].actor
    assert audit.actor_names([actor])[actor] == "token: crm sync (org@example.org)"
    assert entries[0].details == {
        **entries[0].details,
        "via": "api",
        "rows": 4,
        "added": 2,
        "updated": 1,
        "unchanged": 1,
    }


def test_one_guest_in_error_refuses_them_all_naming_each(client, event, writer):
    make_guest(event, email="chen@example.org")
    body = [
        {"email": "ok@example.org", "name_en": "Fine"},
        {"email": "twice@example.org", "name_en": "A"},
        {"email": "twice@example.org", "name_en": "B"},
        {"email": "not-an-address", "name_en": "C"},
        {"email": "noname@example.org"},
        {"email": "d@example.org", "name_en": "D", "category": "king"},
    ]
    refused = bulk(client, event, writer, body)

    assert refused.status_code == 400
    error = refused.get_json()["error"]
    assert error["code"] == "bad_request" and "Nothing was imported" in error["message"]
    rows = {(row["index"], row["field"]) for row in error["rows"]}
    assert {(1, "email"), (2, "email"), (3, "email"), (5, "category")} <= rows
    assert 4 in {row["index"] for row in error["rows"]} and 0 not in {i for i, _ in rows}
    assert guest_count() == 1


@pytest.mark.parametrize(
    ("body", "index", "words"),
    [
        ([{"email": "a@example.org", "name_en": "A"}, {"email": "b@x.org", "vip": 1}], 1, "'vip'"),
        ([{"email": 5, "name_en": "A"}], 0, "'email' must be a string."),
        ([{"email": "a@example.org", "name_en": "A\u0000"}], 0, "NUL"),
        (["a@example.org"], 0, "Send a JSON object."),
    ],
)
def test_a_wrong_field_is_named_with_its_guest(client, event, writer, body, index, words):
    refused = bulk(client, event, writer, body)
    assert refused.status_code == 400
    row = refused.get_json()["error"]["rows"][0]
    assert row["index"] == index and words in row["message"]
    assert guest_count() == 0


@pytest.mark.parametrize("body", [{"email": "a@example.org"}, [], "guests"])
def test_a_body_that_is_no_list_of_guests_is_refused(client, event, writer, body):
    refused = bulk(client, event, writer, body)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "bad_request"
    assert guest_count() == 0


def test_a_list_over_the_limit_is_too_large_and_nothing_is_written(client, event, writer):
    body = [{"email": f"g{n}@example.org", "name_en": "G"} for n in range(schemas.MAX_BULK + 1)]
    refused = bulk(client, event, writer, body)
    assert refused.status_code == 413
    error = refused.get_json()["error"]
    assert error["code"] == "too_large" and "10,000" in error["message"]
    assert guest_count() == 0


def test_a_retry_with_the_same_key_gets_the_first_answer(client, event, writer):
    headers = {**writer, "Idempotency-Key": "bulk-1"}
    body = [{"email": "a@example.org", "name_en": "A"}]
    first = bulk(client, event, headers, body)
    again = bulk(client, event, headers, body)
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert guest_count() == 1


def test_only_an_organizer_token_of_the_event_sends_guests(client, event, writer):
    account = make_staff("reader@example.org", Role.ORGANIZER, events=[event])
    reader = bearer(account, event.id, ApiRole.READ, "reader")
    other = make_event()
    organizer_elsewhere = make_staff("else@example.org", Role.ORGANIZER, events=[other])
    elsewhere = bearer(organizer_elsewhere, other.id, ApiRole.ORGANIZER, "elsewhere")
    body = [{"email": "a@example.org", "name_en": "A"}]
    for headers in (reader, elsewhere):
        refused = bulk(client, event, headers, body)
        assert refused.status_code == 403
        assert refused.get_json()["error"]["code"] == "forbidden"
    assert bulk(client, event, {}, body).status_code == 401
    assert guest_count() == 0


# -- answers -----------------------------------------------------------------------------------


def answer_path(event, guest) -> str:
    return f"/api/v1/events/{event.id}/guests/{guest.id}/answer"


def test_an_answer_is_read_and_given_on_the_guests_behalf(client, event, writer):
    first = make_guest(event, name_en="First")
    answer(first)
    guest = make_guest(event, name_en="Lin Wei")
    path = answer_path(event, guest)
    before = client.get(path, headers=writer)
    assert before.status_code == 200
    assert before.get_json() == {
        **before.get_json(),
        "answered": False,
        "attending": None,
        "seat": None,
    }

    given = client.put(
        path, json={"attending": True, "channel": "zh", "dietary": "vegetarian"}, headers=writer
    )

    assert given.status_code == 200, given.get_json()
    body = given.get_json()
    # The only seat is taken: the guest waits first in line.
    assert (body["answered"], body["attending"], body["channel"]) == (True, True, "zh")
    assert (body["seat"], body["waitlist_position"]) == ("waitlisted", 1)
    assert body["dietary"] == "vegetarian" and body["answered_at"]
    assert client.get(path, headers=writer).get_json() == body
    db.session.rollback()
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "rsvp.answered", AuditEntry.guest_id == guest.id
        )
    )
    assert audit.actor_names([entry.actor])[entry.actor].startswith("token: crm sync")
    assert entry.details["on_behalf"] is True

    declined = client.put(path, json={"attending": False}, headers=writer).get_json()
    assert (declined["attending"], declined["seat"], declined["channel"]) == (False, None, None)


def test_an_answer_is_refused_as_the_console_refuses_it(client, event, writer):
    revoked = make_guest(event)
    invitations.revoke(revoked.id, audit.SYSTEM)
    erased = make_guest(event)
    guests.erase(erased.id, audit.SYSTEM)
    guest = make_guest(event)
    db.session.commit()
    yes = {"attending": True, "channel": "floor"}
    for refused_guest in (revoked, erased):
        refused = client.put(answer_path(event, refused_guest), json=yes, headers=writer)
        assert refused.status_code == 409, refused.get_json()
    path = answer_path(event, guest)
    for body, words in [
        ({"attending": True, "channel": "ko"}, "channel"),
        ({"attending": True, "channel": "floor", "seat": 3}, "Unknown field 'seat'."),
        ({"attending": "yes"}, "'attending' must be true or false."),
        ({"channel": "en"}, "'attending' is needed."),
    ]:
        refused = client.put(path, json=body, headers=writer)
        assert refused.status_code == 400 and words in refused.get_json()["error"]["message"]
    account = make_staff("reader@example.org", Role.ORGANIZER, events=[event])
    reader = bearer(account, event.id, ApiRole.READ, "reader")
    assert client.put(path, json=yes, headers=reader).status_code == 403
    assert client.get(path, headers=reader).status_code == 200
    stranger = make_guest(make_event())
    assert client.get(answer_path(event, stranger), headers=writer).status_code == 404
    db.session.rollback()
    assert db.session.get(Guest, guest.id).rsvp is None
    assert db.session.get(Guest, revoked.id).rsvp is None


@pytest.mark.parametrize(
    "text", ['[{"email": "a@example.org", "name_en": "\\ud800"}]', "[" * 100_000 + "]" * 100_000]
)
def test_a_body_of_half_a_character_or_too_deep_is_refused(client, event, writer, text):
    refused = client.post(
        f"/api/v1/events/{event.id}/guests/bulk",
        data=text,
        content_type="application/json",
        headers=writer,
    )
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "bad_request"
    assert guest_count() == 0
