"""Bearer tokens on /api/v1: a door or organizer token at its events' door, a read token reading
only, the wrong event 403, a bad token 401 with its challenge, no CSRF for tokens (sessions keep
it), the session cookie ignored, writes audited as the token, last use, limits per token."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from support import factories
from support.auth import logged_in
from support.factories import make_event, make_guest, make_staff

from registrar import create_app, tokens
from registrar.extensions import db
from registrar.models import ApiRole, ApiToken, Channel, Role, Scan
from registrar.services import api_tokens, audit, staff


def make_token(account, events, role=ApiRole.DOOR, name=None) -> str:
    made = api_tokens.create(
        name or f"t-{uuid.uuid4().hex[:8]}", role, [e.id for e in events], account, None, "x"
    )
    db.session.commit()
    return made.secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def scan(client, event, code, headers=None, **body):
    payload = {"code": code, "nonce": uuid.uuid4().hex, "gate": "A", **body}
    return client.post(f"/api/v1/events/{event.id}/scans", json=payload, headers=headers or {})


def scans() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Scan))


@pytest.fixture
def event(app):
    return make_event()


@pytest.fixture
def organizer(event):
    return make_staff("org@example.org", Role.ORGANIZER, events=[event])


@pytest.fixture
def badge(event):
    guest = make_guest(event)
    factories.answer(guest, True, Channel.EN)
    return tokens.badge_code(event.id, guest.id, guest.badge_version)


def test_a_door_token_scans_at_its_event_and_is_the_audited_actor(client, organizer, event, badge):
    secret = make_token(organizer, [event], ApiRole.DOOR, name="gate A")
    answer = scan(client, event, badge, bearer(secret))
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["verdict"] == "ok"
    token = db.session.scalar(sa.select(ApiToken))
    recorded = db.session.scalar(sa.select(Scan))
    assert recorded.actor == f"token:{token.id}"
    assert audit.actor_names([recorded.actor]) == {
        recorded.actor: "token: gate A (org@example.org)"
    }
    assert "Set-Cookie" not in answer.headers


def test_a_read_token_reads_and_never_writes(client, organizer, event, badge):
    secret = make_token(organizer, [event], ApiRole.READ)
    assert (
        client.get(f"/api/v1/events/{event.id}/occupancy", headers=bearer(secret)).status_code
        == 200
    )
    refused = scan(client, event, badge, bearer(secret))
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"
    assert scans() == 0


def test_a_token_for_another_event_is_forbidden(client, organizer, event, badge):
    other = make_event()
    db.session.execute(sa.update(staff.StaffUser).values(is_admin=True))
    db.session.commit()
    secret = make_token(organizer, [other], ApiRole.ORGANIZER)
    refused = scan(client, event, badge, bearer(secret))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert (
        client.get(f"/api/v1/events/{event.id}/occupancy", headers=bearer(secret)).status_code
        == 403
    )
    assert scans() == 0


def test_only_an_organizer_token_lets_in_past_a_full_room(client, organizer, event, badge):
    door_token = make_token(organizer, [event], ApiRole.DOOR)
    assert scan(client, event, badge, bearer(door_token), override=True).status_code == 403
    organizer_token = make_token(organizer, [event], ApiRole.ORGANIZER)
    assert scan(client, event, badge, bearer(organizer_token), override=True).status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Bearer rgr_" + "x" * 43,
        "Bearer ",
        "Bearer",
        "Basic b3JnOnB3",
        "Bearer " + "é" * 47,
        "Bearer " + "a" * 5000,
    ],
)
def test_a_bad_token_is_a_401_with_its_challenge_and_writes_nothing(
    client, organizer, event, badge, header
):
    answer = client.post(
        f"/api/v1/events/{event.id}/scans",
        json={"code": badge, "nonce": "n1"},
        headers={"Authorization": header.encode("utf-8").decode("latin-1")},
    )
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "unauthorized"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert scans() == 0


def test_expired_revoked_and_disabled_are_refused_alike(client, organizer, event, badge):
    secrets = [make_token(organizer, [event], name=n) for n in ("old", "gone")]
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.name == "old")
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    api_tokens.revoke(api_tokens.find("gone"), "x")
    db.session.commit()
    for secret in secrets:
        answer = scan(client, event, badge, bearer(secret))
        assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")
    working = make_token(organizer, [event], name="fine")
    assert scan(client, event, badge, bearer(working)).status_code == 200
    staff.set_active(organizer.email, False)
    db.session.commit()
    assert scan(client, event, badge, bearer(working)).status_code == 401


def test_a_request_without_anything_says_bearer_is_a_way_in(client, event):
    answer = client.get(f"/api/v1/events/{event.id}/occupancy")
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_request_ignores_the_session_it_also_carries(client, event, badge):
    other = make_event()
    make_staff()  # the administrator, logged in below: the session could scan anywhere
    organizer = make_staff("org@example.org", Role.ORGANIZER, events=[other])
    logged_in(client)
    assert client.get(f"/api/v1/events/{event.id}/occupancy").status_code == 200
    secret = make_token(organizer, [other], ApiRole.ORGANIZER)
    assert scan(client, event, badge, bearer(secret)).status_code == 403
    assert scan(client, event, badge, {"Authorization": "Bearer nonsense"}).status_code == 401
    assert scans() == 0


def test_tokens_need_no_csrf_token_and_sessions_still_do(app, client, organizer, event, badge):
    app.config["WTF_CSRF_ENABLED"] = True
    secret = make_token(organizer, [event])
    assert scan(client, event, badge, bearer(secret)).status_code == 200
    make_staff("door@example.org", Role.DOOR, events=[event])
    login = client.get("/login").get_data(as_text=True)
    from support.auth import csrf_token

    client.post(
        "/login",
        data={
            "email": "door@example.org",
            "password": "correct horse battery",
            "csrf_token": csrf_token(login),
        },
    )
    refused = scan(client, event, badge)
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"


def test_the_last_use_is_kept_without_a_write_per_request(client, organizer, event):
    secret = make_token(organizer, [event], ApiRole.READ)
    path = f"/api/v1/events/{event.id}/occupancy"
    assert db.session.scalar(sa.select(ApiToken.last_used_at)) is None
    client.get(path, headers=bearer(secret))
    db.session.rollback()
    first = db.session.scalar(sa.select(ApiToken.last_used_at))
    assert first is not None
    client.get(path, headers=bearer(secret))
    db.session.rollback()
    assert db.session.scalar(sa.select(ApiToken.last_used_at)) == first


def test_requests_are_limited_per_token(app_config, instance_path):
    app = create_app(
        {**app_config, "RATELIMIT_ENABLED": True, "REGISTRAR_API_TOKEN_LIMIT": "2 per minute"}
    )
    with app.app_context():
        db.create_all()
        event = make_event()
        account = make_staff("org@example.org", Role.ORGANIZER, events=[event])
        first, second = (make_token(account, [event], ApiRole.READ) for _ in range(2))
        event_id = event.id
    client = app.test_client()
    path = f"/api/v1/events/{event_id}/occupancy"
    assert [client.get(path, headers=bearer(first)).status_code for _ in range(2)] == [200, 200]
    limited = client.get(path, headers=bearer(first))
    assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "too_many_requests"
    assert client.get(path, headers=bearer(second)).status_code == 200
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
