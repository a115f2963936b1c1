"""Rate limits on token pages (per client address) and on scans (per door), and ProxyFix."""

from __future__ import annotations

import uuid

from support.factories import make_event, make_staff

from registrar import create_app
from registrar.extensions import db
from registrar.models import Role


def _limited_app(app_config, **settings):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, **settings})
    with app.app_context():
        db.create_all()
    return app


def test_token_pages_share_one_budget_per_address(app_config, instance_path):
    app = _limited_app(app_config, REGISTRAR_TOKEN_LIMIT="3 per minute")
    client = app.test_client()
    # Guessing costs the same on the RSVP page, its files and door links.
    paths = ["/i/guess-1", "/i/guess-2/badge.png", "/door/l/guess-3"]
    assert [client.get(p).status_code for p in paths] == [404, 404, 410]
    refused = client.get("/i/guess-4")
    assert refused.status_code == 429
    assert "Too many requests" in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"]
    # Another address has its own budget.
    other = client.get("/i/guess-5", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 404


def _door_client(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": "door-password-1"})
    assert response.status_code == 302
    return client


def test_scans_limited_per_door_not_per_address(app_config, instance_path):
    app = _limited_app(app_config, REGISTRAR_SCAN_LIMIT="2 per minute")
    with app.app_context():
        event_id = make_event().id
        for email in ("door1@example.org", "door2@example.org"):
            make_staff(email=email, password="door-password-1", role=Role.DOOR)
        db.session.commit()
    first, second = (_door_client(app, e) for e in ("door1@example.org", "door2@example.org"))

    def scan(client):
        return client.post(
            f"/api/v1/events/{event_id}/scans",
            json={"code": "NOT-A-BADGE", "nonce": uuid.uuid4().hex, "gate": "A"},
        )

    assert [scan(first).status_code for _ in range(2)] == [200, 200]
    refused = scan(first)
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "too_many_requests"
    # The door beside it, from the same address, scans on.
    assert scan(second).status_code == 200


def test_behind_a_proxy_the_forwarded_address_counts(app_config, instance_path):
    app = _limited_app(app_config, REGISTRAR_TOKEN_LIMIT="1 per minute", REGISTRAR_PROXY_COUNT=1)
    client = app.test_client()

    def get(forwarded_for: str):
        return client.get("/i/guess", headers={"X-Forwarded-For": forwarded_for})

    assert get("198.51.100.1").status_code == 404
    assert get("198.51.100.1").status_code == 429
    assert get("198.51.100.2").status_code == 404


def test_without_a_proxy_forwarded_headers_are_not_believed(app_config, instance_path):
    app = _limited_app(app_config, REGISTRAR_TOKEN_LIMIT="1 per minute")
    client = app.test_client()
    assert client.get("/i/guess", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 404
    assert client.get("/i/guess", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 429
