"""GET /api/v1/events and /api/v1/events/<id>: a token's or an account's events, by id, a page at
a time with a cursor, each with its slug; others' events refused; bad queries named."""

from __future__ import annotations

import pytest
from support.auth import api_bearer, logged_in
from support.factories import make_event, make_staff

from registrar.extensions import db
from registrar.models import ApiRole, Role
from registrar.services import api_tokens


@pytest.fixture
def events(app):
    return [make_event(slug=f"forum-{n}") for n in range(5)]


def bearer(account, events, role=ApiRole.READ, name="reader") -> dict[str, str]:
    return api_bearer(account, events, role, name)


def test_a_token_lists_its_events_page_by_page(client, events):
    account = make_staff("org@example.org", Role.ORGANIZER, events=events[:4])
    headers = bearer(account, events[:3])
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/events", query_string=query, headers=headers)
        assert page.status_code == 200
        body = page.get_json()
        assert len(body["items"]) <= 2
        seen += [item["slug"] for item in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == ["forum-0", "forum-1", "forum-2"]


def test_one_event_reads_with_its_slug_and_times(client, events):
    account = make_staff("org@example.org", Role.ORGANIZER, events=events[:1])
    answer = client.get(f"/api/v1/events/{events[0].id}", headers=bearer(account, events[:1]))
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["slug"] == "forum-0" and body["state"] == "open" and body["capacity"] == 10
    assert body["starts_at"] == events[0].starts_at.isoformat()
    refused = client.get(f"/api/v1/events/{events[1].id}", headers=bearer_again(account, events))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"


def bearer_again(account, events):
    made = api_tokens.create("second", ApiRole.READ, [events[0].id], account, None, "x")
    db.session.commit()
    return {"Authorization": f"Bearer {made.secret}"}


def test_an_account_lists_its_teams_events_and_an_administrator_all(client, events):
    make_staff("door@example.org", Role.DOOR, events=[events[1], events[3]])
    logged_in(client, "door@example.org")
    body = client.get("/api/v1/events").get_json()
    assert [item["slug"] for item in body["items"]] == ["forum-1", "forum-3"]
    assert body["next"] is None


def test_nobody_gets_a_401(client, events):
    answer = client.get("/api/v1/events")
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"limit": "0"}, "'limit' is a whole number from 1 to 100."),
        ({"limit": "101"}, "'limit' is a whole number from 1 to 100."),
        ({"limit": "x"}, "'limit'"),
        ({"cursor": "-1"}, "'cursor' is not one this API gave"),
        ({"cursor": "99999999999"}, "'cursor' is not one this API gave"),
        ({"page": "2"}, "Unknown query parameter 'page'."),
    ],
)
def test_a_bad_query_is_named(client, events, query, words):
    account = make_staff("org@example.org", Role.ORGANIZER, events=events)
    answer = client.get("/api/v1/events", query_string=query, headers=bearer(account, events))
    assert answer.status_code == 400
    assert (
        answer.get_json()["error"]["message"] == words
        or words in answer.get_json()["error"]["message"]
    )
