"""Idempotency-Key on creating POSTs (walk-ins): a retry gets the first answer and creates
nothing; the same key with another body is refused; keys are the caller's own and lapse;
errors are not kept; two requests with one key at the same moment create one walk-in."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests
import sqlalchemy as sa
from support.factories import answer, make_event, make_guest, make_staff
from support.live_server import serving

from registrar.extensions import db
from registrar.models import (
    ApiRole,
    AuditEntry,
    CheckIn,
    Event,
    Guest,
    IdempotencyKey,
    Role,
    Scan,
    Seat,
)
from registrar.services import api_tokens


def written(event_id: int) -> tuple[int, ...]:
    db.session.rollback()

    def count(model, where) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(where)) or 0

    return (
        count(Guest, Guest.event_id == event_id),
        count(Seat, Seat.event_id == event_id),
        count(CheckIn, CheckIn.event_id == event_id),
        count(Scan, Scan.event_id == event_id),
        count(AuditEntry, AuditEntry.event_id == event_id),
    )


@pytest.fixture
def event(app) -> Event:
    return make_event(capacity=3, door_walk_ins=True)


@pytest.fixture
def organizer(event):
    return make_staff("org@example.org", Role.ORGANIZER, events=[event])


def token(account, event, name="door") -> str:
    made = api_tokens.create(name, ApiRole.DOOR, [event.id], account, None, "x")
    db.session.commit()
    return made.secret


def walk_in(client, event, secret, key=None, **body):
    headers = {"Authorization": f"Bearer {secret}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    values = {"name_en": "Wang Walk-In", "organization": "Press office", **body}
    return client.post(f"/api/v1/events/{event.id}/walk-ins", json=values, headers=headers)


def test_a_retry_with_the_same_key_gets_the_first_answer_and_creates_nothing(
    client, organizer, event
):
    secret = token(organizer, event)
    first = walk_in(client, event, secret, "key-1")
    assert first.status_code == 200 and first.headers["Idempotent-Replayed"] == "false"
    before = written(event.id)
    again = walk_in(client, event, secret, "key-1")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert written(event.id) == before
    # Without a key, or with a new one, each request is a new walk-in.
    assert (
        walk_in(client, event, secret, "key-2").get_json()["guest_id"]
        != first.get_json()["guest_id"]
    )
    assert written(event.id)[0] == before[0] + 1


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(client, organizer, event):
    secret = token(organizer, event)
    walk_in(client, event, secret, "key-1")
    before = written(event.id)
    refused = walk_in(client, event, secret, "key-1", name_en="Someone Else")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "idempotency_key_reused" and "Idempotency-Key" in error["message"]
    assert written(event.id) == before


def test_keys_are_each_callers_own(client, organizer, event):
    first, second = token(organizer, event, "one"), token(organizer, event, "two")
    a = walk_in(client, event, first, "shared")
    b = walk_in(client, event, second, "shared")
    assert a.status_code == b.status_code == 200
    assert a.get_json()["guest_id"] != b.get_json()["guest_id"]


def test_a_session_caller_may_send_a_key_too(door_client, event):
    path = f"/api/v1/events/{event.id}/walk-ins"
    first = door_client.post(path, json={"name_en": "A"}, headers={"Idempotency-Key": "k"})
    again = door_client.post(path, json={"name_en": "A"}, headers={"Idempotency-Key": "k"})
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()


@pytest.mark.parametrize("key", ["", "x" * 256, "clé", "tab\there"])
def test_a_malformed_key_is_refused_and_writes_nothing(client, organizer, event, key):
    secret = token(organizer, event)
    before = written(event.id)
    refused = walk_in(client, event, secret, key.encode("utf-8").decode("latin-1"))
    assert refused.status_code == 400
    assert "Idempotency-Key" in refused.get_json()["error"]["message"]
    assert written(event.id) == before


def test_an_error_is_not_kept_and_the_retry_tries_again(client, organizer, event):
    secret = token(organizer, event)
    for _ in range(3):
        answer(make_guest(event))  # the room is full
    full = walk_in(client, event, secret, "key-1")
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "conflict"
    db.session.execute(sa.update(Event).values(capacity=4))
    db.session.commit()
    assert walk_in(client, event, secret, "key-1").status_code == 200


def test_a_key_lapses_after_a_day(client, organizer, event):
    secret = token(organizer, event)
    first = walk_in(client, event, secret, "key-1")
    db.session.execute(
        sa.update(IdempotencyKey).values(created_at=datetime.now(UTC) - timedelta(hours=25))
    )
    db.session.commit()
    again = walk_in(client, event, secret, "key-1", name_en="A new day")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "false"
    assert again.get_json()["guest_id"] != first.get_json()["guest_id"]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey)) == 1


def test_two_requests_with_one_key_at_once_make_one_walk_in(app, organizer, event):
    secret = token(organizer, event)
    event_id = event.id
    db.session.commit()  # the server must not wait for a transaction of ours (SQLite)
    callers = 4
    with serving(app) as url:
        barrier = threading.Barrier(callers)

        def send(_index: int) -> requests.Response:
            barrier.wait(timeout=30)
            return requests.post(
                f"{url}/api/v1/events/{event_id}/walk-ins",
                json={"name_en": "Raced Walk-In"},
                headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "race"},
                timeout=30,
            )

        with ThreadPoolExecutor(max_workers=callers) as pool:
            answers = list(pool.map(send, range(callers)))
    assert [a.status_code for a in answers] == [200] * callers
    assert len({a.json()["guest_id"] for a in answers}) == 1
    db.session.rollback()
    walk_ins = db.session.scalar(
        sa.select(sa.func.count()).select_from(Guest).where(Guest.walk_in.is_(True))
    )
    assert walk_ins == 1
