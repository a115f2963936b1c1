"""Security headers on every kind of response, and no inline script in any template."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.app import TEST_SECRET, request_client, text
from support.factories import invitation_path, make_event, make_guest, make_staff
from support.live_server import PROJECT_ROOT, gunicorn, stop

from registrar import create_app
from registrar.extensions import db
from registrar.models import ChangeRequest, Role, Scan, StaffUser
from registrar.services import staff
from registrar.web import sessions

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


# -- staff sessions: the server can end them -------------------------------------------------

ORGANIZER = "organizer@example.org"
DOOR = "door@example.org"
PASSWORD = "correct horse battery"
NEW_PASSWORD = "another horse, another battery"


def _logged_in(app, email: str, password: str = PASSWORD):
    client = request_client(app)
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, text(response)[:300]
    return client


def _copy_of(app, client):
    """A second browser carrying the first one's session cookie, as a thief would."""
    name = app.config["SESSION_COOKIE_NAME"]
    thief = request_client(app)
    thief.set_cookie(name, client.get_cookie(name).value)
    return thief


def _log_out(app, client, email: str) -> str:
    assert client.post("/logout").status_code == 302
    return PASSWORD


def _disable(app, client, email: str) -> str:
    result = app.test_cli_runner().invoke(args=["staff", "disable", email])
    assert result.exit_code == 0, result.output
    # Enabled again, the account logs in afresh; the sessions of before stay ended.
    staff.set_active(email, True)
    db.session.commit()
    return PASSWORD


def _new_password(app, client, email: str) -> str:
    args = ["staff", "passwd", email, "--password", NEW_PASSWORD]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    return NEW_PASSWORD


# There is no command or page that changes an account's role; the role is read from the
# database on every request, so a change would apply at the next one anyway.
ENDINGS = [_log_out, _disable, _new_password]


def _export(client, event_id: int):
    return client.get(f"/console/events/{event_id}/exports/guests.csv")


def _scan(client, event_id: int):
    return client.post(f"/api/v1/events/{event_id}/scans", json={"code": "NOT-A-BADGE"})


def _scans_recorded(event_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Scan).where(Scan.event_id == event_id)
    )


@pytest.mark.parametrize("end", ENDINGS, ids=lambda end: end.__name__.strip("_"))
def test_a_copied_organizer_cookie_stops_working_when_the_sessions_end(app, end):
    make_staff(ORGANIZER)
    event = make_guest(make_event()).event
    browser = _logged_in(app, ORGANIZER)
    copy = _copy_of(app, browser)
    assert _export(copy, event.id).status_code == 200

    password = end(app, browser, ORGANIZER)

    for client in (copy, browser):
        refused = _export(client, event.id)
        assert refused.status_code == 302
        assert refused.headers["Location"].startswith("/login")
    assert _export(_logged_in(app, ORGANIZER, password), event.id).status_code == 200


@pytest.mark.parametrize("end", ENDINGS, ids=lambda end: end.__name__.strip("_"))
def test_a_copied_door_cookie_stops_scanning_when_the_sessions_end(app, end):
    make_staff(DOOR, Role.DOOR)
    event = make_event()
    browser = _logged_in(app, DOOR)
    copy = _copy_of(app, browser)
    assert _scan(copy, event.id).status_code == 200
    assert _scans_recorded(event.id) == 1

    password = end(app, browser, DOOR)

    for client in (copy, browser):
        assert _scan(client, event.id).status_code == 401
    assert _scans_recorded(event.id) == 1
    assert _scan(_logged_in(app, DOOR, password), event.id).status_code == 200
    assert _scans_recorded(event.id) == 2


def test_an_inactive_account_is_refused_even_in_a_current_session(app):
    """The flag itself is checked, not only the sessions that disabling ends."""
    make_staff(ORGANIZER)
    make_staff(DOOR, Role.DOOR)
    event = make_event()
    organizer, door = _logged_in(app, ORGANIZER), _logged_in(app, DOOR)
    db.session.execute(sa.update(StaffUser).values(active=False))
    assert _export(organizer, event.id).status_code == 302
    assert _scan(door, event.id).status_code == 401
    assert _scans_recorded(event.id) == 0


def test_logging_out_ends_the_sessions_of_that_account_only(app):
    make_staff(ORGANIZER)
    make_staff(DOOR, Role.DOOR)
    event = make_event()
    organizer, door = _logged_in(app, ORGANIZER), _logged_in(app, DOOR)
    other_device = _logged_in(app, ORGANIZER)
    organizer.post("/logout")
    assert _export(other_device, event.id).status_code == 302
    assert _scan(door, event.id).status_code == 200


class _Clock:
    """Stands in for the sessions' clock: whole seconds, moved on by the test."""

    def __init__(self, now: int = 1_800_000_000):
        self.now = now

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> _Clock:
    clock = _Clock()
    monkeypatch.setattr(sessions, "_now", clock)
    return clock


def test_a_session_without_requests_ends_after_the_idle_timeout(app, clock):
    make_staff(ORGANIZER)
    event = make_event()
    idle = app.config["REGISTRAR_STAFF_IDLE_TIMEOUT"]
    assert idle == 8 * 3600
    browser = _logged_in(app, ORGANIZER)
    for _ in range(2):
        # Each request starts the idle time anew.
        clock.now += idle - 60
        assert _export(browser, event.id).status_code == 200
    copy = _copy_of(app, browser)
    clock.now += idle
    assert _export(browser, event.id).status_code == 302
    assert _export(copy, event.id).status_code == 302
    assert _export(_logged_in(app, ORGANIZER), event.id).status_code == 200


def test_a_busy_session_still_ends_at_its_maximum_age(app, clock):
    make_staff(DOOR, Role.DOOR)
    event = make_event()
    max_age = app.config["REGISTRAR_STAFF_SESSION_MAX_AGE"]
    assert max_age == 24 * 3600
    started = clock.now
    browser = _logged_in(app, DOOR)
    while clock.now + 3 * 3600 < started + max_age:
        clock.now += 3 * 3600
        assert _scan(browser, event.id).status_code == 200
    clock.now = started + max_age
    assert _scan(browser, event.id).status_code == 401
    assert _scan(_logged_in(app, DOOR), event.id).status_code == 200


def test_session_lifetimes_are_settings(app_config, instance_path, monkeypatch):
    monkeypatch.setenv("REGISTRAR_STAFF_IDLE_TIMEOUT", "900")
    monkeypatch.setenv("REGISTRAR_STAFF_SESSION_MAX_AGE", "3600")
    monkeypatch.setenv("DATABASE_URL", app_config["SQLALCHEMY_DATABASE_URI"])
    app = create_app()
    assert app.config["REGISTRAR_STAFF_IDLE_TIMEOUT"] == 900
    assert app.config["REGISTRAR_STAFF_SESSION_MAX_AGE"] == 3600


# -- control characters where a person types a name ------------------------------------------

INJECTED = "A\r\nBcc: x@evil.example"
ONE_LINE = "Names, organizations and titles go on one line"


def _stored_names(guest_id: int) -> tuple:
    from registrar.models import Guest

    db.session.expire_all()
    guest = db.session.get(Guest, guest_id)
    return guest.name_en, guest.name_zh, guest.organization, guest.title, guest.rsvp


@pytest.mark.parametrize("field", ["name_en", "name_zh", "organization"])
# A NUL never gets this far: every request holding one is refused first (see _refuse_nul).
@pytest.mark.parametrize("value", [INJECTED, "A\x1bB", "A\x85B", "A\tB"])
def test_a_guest_cannot_correct_their_name_with_a_control_character(client, field, value):
    guest = make_guest(make_event())
    before = _stored_names(guest.id)
    response = client.post(
        invitation_path(guest), data={"attending": "yes", "channel": "en", field: value}
    )
    assert response.status_code == 400
    assert ONE_LINE in text(response)
    assert _stored_names(guest.id) == before
    assert before[-1] is None  # no answer stored either


def test_the_rsvp_service_refuses_control_characters_from_any_edge(app):
    from registrar.errors import InvalidAnswer
    from registrar.services import audit, rsvp

    guest = make_guest(make_event())
    for value in (INJECTED, "A\x00B", "A\x9bB"):
        reply = rsvp.RsvpAnswer(attending=False, organization=value)
        with pytest.raises(InvalidAnswer, match=ONE_LINE):
            rsvp.answer(guest.id, guest.token_version, reply, audit.GUEST)
        db.session.rollback()
    # A line break around the name is white space, stripped as before.
    reply = rsvp.RsvpAnswer(attending=False, name_en="  Ingrid Coetzee\r\n")
    rsvp.answer(guest.id, guest.token_version, reply, audit.GUEST)
    db.session.commit()
    # The correction is asked of the organizers, stripped.
    asked = db.session.scalar(
        sa.select(ChangeRequest.name_en).where(ChangeRequest.guest_id == guest.id)
    )
    assert asked == "Ingrid Coetzee"


@pytest.mark.parametrize("field", ["name_en", "name_zh", "organization", "title"])
def test_the_console_guest_form_refuses_control_characters(client, field):
    from registrar.models import Guest

    event = make_event()
    guest = make_guest(event, email="lai@example.org", name_en="Lai Ching-Ming")
    make_staff(ORGANIZER)
    client.post("/login", data={"email": ORGANIZER, "password": PASSWORD})
    details = {
        "email": "new@example.org",
        "name_en": "New Guest",
        "name_zh": "",
        "organization": "",
        "title": "",
        "category": "delegate",
        "language": "en",
    }
    added = client.post(f"/console/events/{event.id}/guests/new", data={**details, field: INJECTED})
    assert added.status_code == 400
    assert ONE_LINE in text(added)
    count = sa.select(sa.func.count()).select_from(Guest).where(Guest.event_id == event.id)
    assert db.session.scalar(count) == 1

    before = _stored_names(guest.id)
    edited = client.post(
        f"/console/guests/{guest.id}/edit",
        data={**details, "email": "lai@example.org", field: INJECTED},
    )
    assert edited.status_code == 400
    assert ONE_LINE in text(edited)
    assert _stored_names(guest.id) == before


def test_the_guest_and_staff_services_refuse_control_characters(app):
    from registrar.errors import InvalidAnswer
    from registrar.services import audit, guests

    event = make_event()
    guest = make_guest(event, email="lai@example.org", name_en="Lai Ching-Ming")
    for field in ("name_en", "name_zh", "organization", "title"):
        fields = {"name_en": "A", field: INJECTED}
        with pytest.raises(InvalidAnswer, match=ONE_LINE):
            guests.add(event.id, guests.GuestDetails("a@example.org", **fields), audit.SYSTEM)
        db.session.rollback()
        with pytest.raises(InvalidAnswer, match=ONE_LINE):
            guests.update(guest.id, guests.GuestDetails(guest.email, **fields), audit.SYSTEM)
        db.session.rollback()
    with pytest.raises(InvalidAnswer, match=ONE_LINE):
        staff.add("door@example.org", PASSWORD, Role.DOOR, name=INJECTED)
    db.session.rollback()


def test_staff_add_refuses_a_name_with_a_line_break(runner):
    result = runner.invoke(args=["staff", "add", DOOR, "--name", INJECTED, "--password", PASSWORD])
    assert result.exit_code != 0
    assert ONE_LINE in result.output
    assert staff.find(DOOR) is None


# -- no version banner -----------------------------------------------------------------------


def _server_header(url: str, process: subprocess.Popen | None = None) -> str:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.headers["Server"]
        except urllib.error.HTTPError as answer:
            return answer.headers["Server"]
        except OSError:
            if time.monotonic() > deadline or (process and process.poll() is not None):
                raise
            time.sleep(0.2)


def test_the_development_server_names_no_versions(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("REGISTRAR_", "DATABASE_URL"))
    }
    environment.update(REGISTRAR_INSTANCE_PATH=str(tmp_path), REGISTRAR_SECRET_KEY=TEST_SECRET)
    command = [sys.executable, "-m", "flask", "--app", "registrar", "run"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-reload", "--no-debugger"]
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        server = _server_header(f"http://127.0.0.1:{port}/healthz", process)
    finally:
        stop(process)
    assert server == "registrar"


def test_gunicorn_names_no_version(tmp_path):
    env = {
        "REGISTRAR_SECRET_KEY": TEST_SECRET,
        "REGISTRAR_INSTANCE_PATH": str(tmp_path / "instance"),
        "REGISTRAR_ACCESS_LOG": str(tmp_path / "access.log"),
    }
    with gunicorn(env, tmp_path / "gunicorn.log", workers=1) as running:
        server = _server_header(running.url + "/healthz")
    assert server == "gunicorn"
