"""Login attempts are limited per client address, in memory or shared through Redis."""

from __future__ import annotations

import ipaddress
import os
import uuid

import pytest
from support.factories import make_staff

from registrar import create_app
from registrar.extensions import db


def _attempt(client, password: str, address: str = "127.0.0.1"):
    return client.post(
        "/login",
        data={"email": "organizer@example.org", "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_login_limited_with_a_clear_message(app_config, instance_path):
    app = create_app(
        {**app_config, "RATELIMIT_ENABLED": True, "REGISTRAR_LOGIN_LIMIT": "3 per minute"}
    )
    with app.app_context():
        db.create_all()
        make_staff()
        client = app.test_client()
        assert [_attempt(client, "wrong password!").status_code for _ in range(3)] == [401] * 3
        refused = _attempt(client, "correct horse battery")
        assert refused.status_code == 429
        assert "Too many requests" in refused.get_data(as_text=True)
        assert refused.headers["Retry-After"]
        # Refused means not logged in, even with the right password.
        assert client.get("/console/").status_code == 302


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL not set")
def test_limit_shared_between_workers_through_redis(app_config, instance_path):
    # Two apps stand for two gunicorn workers; a fresh client address keeps runs apart.
    config = {
        **app_config,
        "RATELIMIT_ENABLED": True,
        "REGISTRAR_LOGIN_LIMIT": "2 per minute",
        "RATELIMIT_STORAGE_URI": os.environ["TEST_REDIS_URL"],
    }
    address = str(ipaddress.IPv6Address(uuid.uuid4().int))
    first, second = create_app(config), create_app(config)
    with first.app_context():
        db.create_all()
        make_staff()
        assert _attempt(first.test_client(), "wrong password!", address).status_code == 401
    with second.app_context():
        assert _attempt(second.test_client(), "wrong password!", address).status_code == 401
        assert _attempt(second.test_client(), "wrong password!", address).status_code == 429
