"""Security headers on every kind of response, and no inline script in any template."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.factories import invitation_path, make_event, make_guest

from registrar import create_app

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.fixture
def paths(app):
    guest = make_guest(make_event())
    return ["/", "/login", "/healthz", invitation_path(guest), "/i/not-a-token", "/console/"]


def test_every_response_carries_the_headers(client, paths):
    for path in paths:
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy, path
        assert "unsafe-inline" not in policy, path
        assert "frame-ancestors 'none'" in policy, path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "no-referrer", path
        assert "Strict-Transport-Security" not in headers, path


def test_personal_pages_are_not_cached(client, paths):
    guest_page = next(p for p in paths if p.startswith("/i/") and p != "/i/not-a-token")
    assert client.get(guest_page).headers["Cache-Control"] == "no-store"


def test_strict_transport_security_behind_https(app_config, instance_path):
    app = create_app({**app_config, "SESSION_COOKIE_SECURE": True})
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_template_has_an_inline_script_or_handler():
    """The policy would block them: every script is a file; JSON data blocks only carry data."""
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        if "emails" in template.parts:
            continue  # e-mails are read in mail programs, which run no scripts at all
        source = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", source):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{template.name}: {tag}")
        if re.search(r"\son[a-z]+\s*=", source) or 'style="' in source:
            offenders.append(f"{template.name}: inline handler or style")
    assert offenders == []


def test_an_id_too_large_for_the_database_is_not_found(client, app):
    from support.factories import make_staff

    make_staff()
    client.post(
        "/login", data={"email": "organizer@example.org", "password": "correct horse battery"}
    )
    huge = 2**63
    for path in (
        f"/console/events/{huge}/dashboard",
        f"/console/guests/{huge}/edit",
        f"/door/events/{huge}",
        f"/api/v1/events/{huge}/occupancy",
    ):
        assert client.get(path).status_code == 404, path


def test_a_failing_request_logs_no_link_token(app_config, instance_path, caplog):
    app = create_app({**app_config, "TESTING": False})

    @app.get("/i/<token>/fail")
    def fail(token):
        raise RuntimeError("something broke")

    token = "WzEsMV0.secret-part-of-the-link"
    with caplog.at_level("ERROR"):
        response = app.test_client().get(f"/i/{token}/fail")
    assert response.status_code == 500
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Exception on /i/…/fail [GET]" in logged
    assert "secret-part" not in logged


def test_the_gunicorn_access_log_cuts_tokens_out():
    from registrar.logs import redact

    line = 'GET /i/WzEsMV0.abc/badge.pdf?x=1 HTTP/1.1" then /door/l/WzIsM10.def and /console/'
    assert redact(line) == 'GET /i/…/badge.pdf?x=1 HTTP/1.1" then /door/l/… and /console/'
