"""The console's Team pages, the staff e-mail (real SMTP on the loopback), its password link,
"Forgot your password?", and door links as QR codes until the event's end."""

from __future__ import annotations

import base64
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from support.app import request_client
from support.auth import PASSWORD, log_in, logged_in
from support.factories import make_event, make_staff
from support.smtp import smtp_config, smtp_inbox

from registrar import create_app
from registrar.extensions import db
from registrar.models import AuditEntry, DoorLink, Role, StaffUser, utcnow
from registrar.services import staff

LINK = re.compile(r"http://localhost(/staff/password/\S+)")


@pytest.fixture
def smtp_server():
    with smtp_inbox() as inbox:
        yield inbox


@pytest.fixture
def app_config(app_config, smtp_server):
    return {**app_config, **smtp_config(smtp_server)}


def link_in(message) -> str:
    return LINK.search(message.get_content()).group(1)


def audit_actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def account(email_address: str) -> StaffUser:
    db.session.expire_all()
    return staff.find(email_address)


# -- an invitation, followed -------------------------------------------------------------------


def test_an_invited_volunteer_sets_a_password_through_the_link_and_logs_in(
    app, organizer_client, smtp_server
):
    event = make_event()
    page = organizer_client.get(f"/console/events/{event.id}/team")
    assert page.status_code == 200 and "Invite a person" in page.get_data(as_text=True)

    answer = organizer_client.post(
        f"/console/events/{event.id}/team",
        data={"email": "Volunteer@Example.org", "name": "Chen Mei", "role": "door"},
        follow_redirects=True,
    )
    assert "Invitation sent to volunteer@example.org" in answer.get_data(as_text=True)
    (message,) = smtp_server.to("volunteer@example.org")
    assert message["Subject"] == "You are invited to the registrar team"
    assert event.title_en in message.get_content()
    path = link_in(message)

    volunteer = request_client(app)
    form = volunteer.get(path)
    assert form.status_code == 200 and "volunteer@example.org" in form.get_data(as_text=True)
    different = volunteer.post(path, data={"password": PASSWORD, "confirm": PASSWORD + "!"})
    assert different.status_code == 400
    assert "The two passwords are not the same." in different.get_data(as_text=True)
    short = volunteer.post(path, data={"password": "short", "confirm": "short"})
    assert short.status_code == 400 and "at least 10 characters" in short.get_data(as_text=True)

    done = volunteer.post(path, data={"password": PASSWORD, "confirm": PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    landing = log_in(volunteer, "volunteer@example.org")
    assert landing.headers["Location"] == "/door/"
    assert volunteer.get(f"/door/events/{event.id}").status_code == 200
    assert volunteer.get(f"/console/events/{event.id}/guests").status_code == 403
    assert account("volunteer@example.org").last_login_at is not None

    # The link is used up: a clear page, nothing written.
    before = audit_actions()
    again = request_client(app).post(path, data={"password": "another one!", "confirm": "x"})
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert audit_actions() == before
    assert "team.added" in before and "staff.password_set" in before


def test_the_team_page_shows_who_and_when_and_changes_roles(app, client, smtp_server):
    a, b = make_event(), make_event()
    make_staff("organizer@example.org", Role.ORGANIZER, events=[a])
    door = make_staff("door@example.org", Role.DOOR, events=[a])
    logged_in(client)
    door_client = logged_in(request_client(app), "door@example.org")

    page = client.get(f"/console/events/{a.id}/team").get_data(as_text=True)
    assert "door@example.org" in page and "Change role" in page
    assert "never" not in page.split(f'id="staff-{door.id}"')[1].split("</tr>")[0]
    assert client.get(f"/console/events/{b.id}/team").status_code == 403

    changed = client.post(f"/console/events/{a.id}/team/{door.id}/role", data={"role": "organizer"})
    assert changed.status_code == 302
    assert [(m.event_id, m.role) for m in account("door@example.org").memberships] == [
        (a.id, Role.ORGANIZER)
    ]
    # Its open session ended with the change.
    assert door_client.get(f"/door/events/{a.id}").status_code == 302

    forged = client.post(f"/console/events/{a.id}/team/{door.id}/role", data={"role": "boss"})
    assert forged.status_code == 302
    assert account("door@example.org").memberships[0].role == Role.ORGANIZER

    client.post(f"/console/events/{a.id}/team/{door.id}/remove")
    assert account("door@example.org").memberships == []
    assert "team.role_changed" in audit_actions() and "team.removed" in audit_actions()
    log = client.get(f"/console/events/{a.id}/audit").get_data(as_text=True)
    assert "Team role changed" in log and "Door staff → Organizer" in log
    assert "Removed from the event&#39;s team" in log


def test_disabling_an_account_signs_it_out_at_once(app, client, smtp_server):
    event = make_event()
    make_staff("organizer@example.org", Role.ORGANIZER, events=[event])
    door = make_staff("door@example.org", Role.DOOR, events=[event])
    logged_in(client)
    door_client = logged_in(request_client(app), "door@example.org")
    assert door_client.get(f"/door/events/{event.id}").status_code == 200

    client.post(f"/console/events/{event.id}/team/{door.id}/disable")
    assert not account("door@example.org").active
    assert door_client.get(f"/door/events/{event.id}").status_code == 302
    assert log_in(request_client(app), "door@example.org").status_code == 401
    client.post(f"/console/events/{event.id}/team/{door.id}/enable")
    assert account("door@example.org").active
    assert audit_actions()[-2:] == ["staff.disabled", "staff.enabled"]


def test_inviting_an_address_already_on_the_team_says_so_next_to_the_field(
    app, organizer_client, smtp_server
):
    event = make_event()
    make_staff("door@example.org", Role.DOOR, events=[event])
    before = audit_actions()
    answer = organizer_client.post(
        f"/console/events/{event.id}/team",
        data={"email": "door@example.org", "name": "", "role": "door"},
    )
    assert answer.status_code == 400
    assert 'id="email-error"' in answer.get_data(as_text=True)
    assert "already on this event" in answer.get_data(as_text=True)
    assert audit_actions() == before and smtp_server.received == []


def test_administrators_see_every_account_and_others_do_not(app, client, smtp_server):
    a, b = make_event(), make_event()
    make_staff("admin@example.org")
    make_staff("organizer@example.org", Role.ORGANIZER, events=[a])
    make_staff("door@example.org", Role.DOOR, events=[b])
    admin = logged_in(request_client(app), "admin@example.org")
    page = admin.get("/console/team").get_data(as_text=True)
    assert "organizer@example.org" in page and "door@example.org" in page
    assert "Staff accounts" in admin.get(f"/console/events/{a.id}/team").get_data(as_text=True)
    logged_in(client)
    assert client.get("/console/team").status_code == 403
    door = account("door@example.org")
    refused = client.post(f"/console/team/{door.id}/disable", follow_redirects=False)
    assert refused.status_code in (302, 403)
    assert account("door@example.org").active


# -- dead links, forgotten passwords -----------------------------------------------------------


@pytest.mark.parametrize(
    "lang, text",
    [("en", "This link does not work"), ("zh_Hant", "此連結無法使用")],
)
def test_a_tampered_staff_link_gets_a_clear_page_in_either_language(app, client, lang, text):
    user = make_staff()
    token = staff.password_link_url(user).rsplit("/", 1)[1]
    before = audit_actions()
    for path in (f"/staff/password/{token[:-3]}xyz", "/staff/password/garbage"):
        page = client.post(f"{path}?lang={lang}", data={"password": "x" * 12, "confirm": "x" * 12})
        assert page.status_code == 410
        assert text in page.get_data(as_text=True)
    assert audit_actions() == before
    assert staff.authenticate("organizer@example.org", PASSWORD) is not None


def test_forgot_password_answers_the_same_and_mails_only_a_known_account(app, client, smtp_server):
    make_staff()
    known = client.post("/login/forgot", data={"email": "organizer@example.org"})
    unknown = client.post("/login/forgot", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    # The link leaves once the answer has gone out, as a server closes it after sending.
    assert smtp_server.received == []
    known.close()
    unknown.close()
    known_text = client.get("/login").get_data(as_text=True)
    assert "a link to set a new password is on its way" in known_text
    (message,) = smtp_server.received
    assert message["To"] == "organizer@example.org"
    assert message["Subject"] == "Set a new password"

    path = link_in(message)
    client.post(path, data={"password": "a brand new password", "confirm": "a brand new password"})
    assert staff.authenticate("organizer@example.org", PASSWORD) is None
    assert staff.authenticate("organizer@example.org", "a brand new password") is not None


@pytest.fixture
def limited_app(app_config, instance_path):
    limited = create_app(
        {**app_config, "RATELIMIT_ENABLED": True, "REGISTRAR_LOGIN_LIMIT": "2 per minute"}
    )
    with limited.app_context():
        db.create_all()
        yield limited
        db.session.remove()
        db.engine.dispose()


def test_forgot_password_is_rate_limited_like_the_login(limited_app, smtp_server):
    client = request_client(limited_app)
    answers = [
        client.post("/login/forgot", data={"email": f"n{n}@example.org"}).status_code
        for n in range(3)
    ]
    assert answers == [302, 302, 429]


def test_an_expired_link_tells_how_long_links_last(app, client, monkeypatch):
    user = make_staff()
    token = staff.password_link_url(user).rsplit("/", 1)[1]
    import time

    later = time.time() + 73 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    page = client.get(f"/staff/password/{token}")
    assert page.status_code == 410
    assert "72 hours" in page.get_data(as_text=True)


# -- door links --------------------------------------------------------------------------------


def test_a_door_link_lasts_until_the_event_ends_and_shows_as_a_qr_code(app, organizer_client):
    event = make_event()
    organizer_client.post(
        f"/console/events/{event.id}/door-links", data={"label": "Door A", "hours": ""}
    )
    link = db.session.scalar(sa.select(DoorLink))
    assert link.expires_at == event.ends_at
    page = organizer_client.get(f"/console/events/{event.id}/door-links").get_data(as_text=True)
    data_url = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    image = Image.open(io.BytesIO(base64.b64decode(data_url)))
    (decoded,) = zxingcpp.read_barcodes(image)
    path = decoded.text.removeprefix("http://localhost")
    assert path.startswith("/door/l/")
    volunteer = request_client(app)
    assert volunteer.get(path).status_code == 302
    assert volunteer.get(f"/door/events/{event.id}").status_code == 200


def test_a_door_link_for_an_event_that_has_ended_needs_hours(app, organizer_client):
    now = utcnow()
    event = make_event(
        deadline_in_days=-3,
        doors_open_at=now - timedelta(hours=5),
        starts_at=now - timedelta(hours=4),
        ends_at=now - timedelta(hours=1),
    )
    answer = organizer_client.post(
        f"/console/events/{event.id}/door-links",
        data={"label": "Late", "hours": ""},
        follow_redirects=True,
    )
    assert "The event has ended" in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DoorLink)) == 0
