"""The organizer API's accompanying persons: list, name, change and remove with the console's
rules; door and read tokens may not change them; bad bodies and retries write nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.auth import api_bearer
from support.factories import answer, make_event, make_guest, make_staff

from registrar.extensions import db
from registrar.models import ApiRole, AuditEntry, Category, Guest, Role


@pytest.fixture
def mayor(app):
    event = make_event(capacity=5, companion_limits="vip=2", companions_take_seats=True)
    guest = make_guest(event, category=Category.VIP, name_en="Chen Chi-Mai")
    answer(guest)
    return guest


@pytest.fixture
def tokens(mayor):
    account = make_staff("org@example.org", Role.ORGANIZER, events=[mayor.event])
    return {
        role: api_bearer(account, mayor.event, role, role.value)
        for role in (ApiRole.ORGANIZER, ApiRole.DOOR, ApiRole.READ)
    }


def path(guest: Guest, companion_id: int | None = None) -> str:
    base = f"/api/v1/events/{guest.event_id}/guests/{guest.id}/companions"
    return base if companion_id is None else f"{base}/{companion_id}"


def audit_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def test_an_organizer_token_names_changes_lists_and_removes(client, mayor, tokens):
    org = tokens[ApiRole.ORGANIZER]
    made = client.post(
        path(mayor),
        json={"role": "aide", "name_en": "Wang Mei-Ling", "name_zh": "王美玲"},
        headers={**org, "Idempotency-Key": "aide-1"},
    )
    assert made.status_code == 200, made.get_json()
    aide = made.get_json()
    assert aide["principal_id"] == mayor.id and aide["seat"] == "confirmed"
    assert not aide["removed"] and aide["role"] == "aide"
    # A retry with the same key names nobody twice.
    before = audit_count()
    again = client.post(
        path(mayor),
        json={"role": "aide", "name_en": "Wang Mei-Ling", "name_zh": "王美玲"},
        headers={**org, "Idempotency-Key": "aide-1"},
    )
    assert again.get_json() == aide and again.headers["Idempotent-Replayed"] == "true"
    assert audit_count() == before

    # The fields sent change; the others stay.
    changed = client.patch(path(mayor, aide["id"]), json={"role": "interpreter"}, headers=org)
    assert changed.status_code == 200
    assert changed.get_json()["role"] == "interpreter" and changed.get_json()["name_zh"] == "王美玲"
    changed = client.patch(path(mayor, aide["id"]), json={"name_zh": ""}, headers=org)
    assert changed.get_json()["name_zh"] == "" and changed.get_json()["name_en"] == "Wang Mei-Ling"
    emptied = client.patch(path(mayor, aide["id"]), json={"name_en": " "}, headers=org)
    assert emptied.status_code == 400

    listed = client.get(path(mayor), headers=tokens[ApiRole.READ]).get_json()
    assert listed["limit"] == 2 and listed["take_seats"] is True
    assert [c["id"] for c in listed["items"]] == [aide["id"]]

    removed = client.delete(path(mayor, aide["id"]), headers=org)
    assert removed.status_code == 200
    assert removed.get_json()["removed"] is True and removed.get_json()["seat"] is None
    twice = client.delete(path(mayor, aide["id"]), headers=org)
    assert twice.status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {"role": "butler", "name_en": "Jeeves"},
        {"role": "aide", "name_en": " "},
        {"role": "aide", "name_en": "x" * 201},
        {"role": "aide", "name_en": "Mei", "email": "mei@example.org"},
        {"name_en": "Mei"},
    ],
)
def test_bad_bodies_are_refused_and_nothing_written(client, mayor, tokens, body):
    before = audit_count()
    response = client.post(path(mayor), json=body, headers=tokens[ApiRole.ORGANIZER])
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]
    assert audit_count() == before


def test_over_the_limit_and_for_a_guest_who_declined_is_409(client, mayor, tokens):
    org = tokens[ApiRole.ORGANIZER]
    for name in ("One", "Two"):
        made = client.post(path(mayor), json={"role": "aide", "name_en": name}, headers=org)
        assert made.status_code == 200
    over = client.post(path(mayor), json={"role": "aide", "name_en": "Three"}, headers=org)
    assert over.status_code == 409 and "at most 2" in over.get_json()["error"]["message"]
    declined = make_guest(mayor.event, category=Category.VIP)
    answer(declined, attending=False)
    refused = client.post(path(declined), json={"role": "aide", "name_en": "X"}, headers=org)
    assert refused.status_code == 409


def test_door_and_read_tokens_may_not_change_them(client, mayor, tokens):
    before = audit_count()
    for role in (ApiRole.DOOR, ApiRole.READ):
        response = client.post(
            path(mayor), json={"role": "aide", "name_en": "Mei"}, headers=tokens[role]
        )
        assert response.status_code == 403
    assert audit_count() == before


def test_a_companion_of_another_guest_is_not_found(client, mayor, tokens):
    org = tokens[ApiRole.ORGANIZER]
    aide = client.post(path(mayor), json={"role": "aide", "name_en": "Mei"}, headers=org)
    other = make_guest(mayor.event, category=Category.VIP)
    answer(other)
    wrong = client.delete(path(other, aide.get_json()["id"]), headers=org)
    assert wrong.status_code == 404
