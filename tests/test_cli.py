"""flask commands through the CLI runner: demo, staff, event capacity, guest revoke/rotate."""

from __future__ import annotations

import os
import re
import sys
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.factories import (
    answer,
    invitation_path,
    make_event,
    make_guest,
    make_guests,
    make_staff,
)

from registrar import demo
from registrar.extensions import db
from registrar.models import (
    AgendaItem,
    AgendaPerson,
    AuditEntry,
    Event,
    Guest,
    Role,
    Rsvp,
    Seat,
    SeatState,
    StaffUser,
)
from registrar.services import staff

LINK = re.compile(r"^\s+(.+?) \((en|zh_Hant)\): (http://localhost(/i/\S+))$", re.MULTILINE)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def totals() -> dict[str, int]:
    return {
        m.__name__: count(m)
        for m in (Event, Guest, StaffUser, AgendaItem, AgendaPerson, Rsvp, Seat)
    }


def seat_state(guest: Guest) -> SeatState | None:
    return db.session.scalar(sa.select(Seat.state).where(Seat.guest_id == guest.id))


@pytest.fixture
def empty_database(app):
    """No tables at all, so that `demo` builds the schema with the migrations."""
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    assert db.inspect(db.engine).get_table_names() == []
    return app


def run(runner, *args):
    """Invoke a command as from a fresh shell: the test's transaction ends first (on SQLite
    it would hold the write lock the migrations need), and is read afresh afterwards."""
    db.session.commit()
    result = runner.invoke(args=list(args))
    db.session.rollback()
    return result


# -- demo -----------------------------------------------------------------------------------


def test_demo_twice_sets_up_once_and_prints_links_that_work(empty_database, runner, client):
    first = run(runner, "demo")
    assert first.exit_code == 0, first.output
    assert "alembic_version" in db.inspect(db.engine).get_table_names()
    after_first = totals()
    assert after_first["Event"] == 1
    assert after_first["Guest"] >= 20
    assert after_first["StaffUser"] == 3  # organizer, door staff, door lead
    assert after_first["AgendaItem"] >= 2 and after_first["AgendaPerson"] >= 4
    assert after_first["Seat"] > 0
    event = db.session.scalar(sa.select(Event))
    assert event.slug == demo.read_event().details.slug
    confirmed = seats_confirmed(event)
    assert confirmed <= event.capacity - event.held_seats

    second = run(runner, "demo")
    assert second.exit_code == 0, second.output
    assert "Already set up" in second.output
    assert totals() == after_first
    assert seats_confirmed(event) == confirmed

    for output in (first.output, second.output):
        links = LINK.findall(output)
        assert len(links) >= 2, output
        for label, _language, _url, path in links:
            response = client.get(path)
            assert response.status_code == 200, label
            page = unescape(response.get_data(as_text=True))
            assert all(name in page for name in label.split(" / ")), label

    # The organizer printed can log in.
    assert f"login {demo.ORGANIZER_EMAIL} / password {demo.ORGANIZER_PASSWORD}" in first.output
    assert f"login {demo.ORGANIZER_EMAIL} (password as set before)" in second.output
    response = client.post(
        "/login", data={"email": demo.ORGANIZER_EMAIL, "password": demo.ORGANIZER_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(f"/console/events/{event.id}/guests").status_code == 200
    # So can the door lead, at the door of the forum, which takes walk-ins.
    assert f"login {demo.LEAD_EMAIL} / password {demo.LEAD_PASSWORD}" in first.output
    client.post("/logout")
    response = client.post(
        "/login", data={"email": demo.LEAD_EMAIL, "password": demo.LEAD_PASSWORD}
    )
    assert response.status_code == 302
    scanner = client.get(f"/door/events/{event.id}")
    assert scanner.status_code == 200 and 'id="walk-in-form"' in scanner.text


def seats_confirmed(event: Event) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Seat)
        .where(Seat.event_id == event.id, Seat.state == SeatState.CONFIRMED)
    )


# -- staff ----------------------------------------------------------------------------------


def test_staff_add_creates_an_account_that_can_log_in(runner, client):
    event = make_event()
    make_staff()
    result = run(
        runner, "staff", "add", "Door.Keeper@Example.org", "--role", "door",
        "--event", event.slug, "--password", "long enough secret",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = staff.find("door.keeper@example.org")
    assert not user.is_admin
    assert [(m.event_id, m.role) for m in user.memberships] == [(event.id, Role.DOOR)]
    assert "long enough secret" not in user.password_hash
    response = client.post(
        "/login", data={"email": "door.keeper@example.org", "password": "long enough secret"}
    )
    assert response.status_code == 302


def test_staff_add_with_a_short_password_fails_cleanly(runner):
    result = run(runner, "staff", "add", "someone@example.org", "--password", "short")
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert count(StaffUser) == 0
    assert count(AuditEntry) == 0


def test_staff_add_twice_fails_cleanly(runner):
    assert run(runner, "staff", "add", "a@example.org", "--password", "0123456789").exit_code == 0
    result = run(runner, "staff", "add", "A@example.org", "--admin", "--password", "9876543210")
    assert result.exit_code == 1
    assert "already has an account" in result.output
    assert count(StaffUser) == 1


def test_the_first_account_is_an_administrator_and_later_ones_say_what_they_are(runner):
    event = make_event()
    result = run(runner, "staff", "add", "first@example.org", "--password", "0123456789")
    assert result.exit_code == 0, result.output
    assert "administrator of every event" in result.output
    assert staff.find("first@example.org").is_admin

    result = run(runner, "staff", "add", "second@example.org", "--password", "0123456789")
    assert result.exit_code == 2
    assert "--admin, or --role with at least one --event" in result.output
    result = run(
        runner, "staff", "add", "second@example.org", "--event", "no-such-event",
        "--password", "0123456789",
    )  # fmt: skip
    assert result.exit_code == 1
    assert count(StaffUser) == 1

    result = run(
        runner, "staff", "add", "second@example.org", "--event", event.slug,
        "--password", "0123456789",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    second = staff.find("second@example.org")
    assert not second.is_admin
    assert [(m.event_id, m.role) for m in second.memberships] == [(event.id, Role.ORGANIZER)]
    result = run(runner, "staff", "add", "third@example.org", "--admin", "--password", "0123456789")
    assert result.exit_code == 0 and staff.find("third@example.org").is_admin


# -- event capacity -------------------------------------------------------------------------


def test_event_capacity_below_confirmed_fails_with_a_message(runner, app):
    event = make_event(capacity=5, held_seats=1)
    for guest in make_guests(event, 3):
        answer(guest)
    audit_rows = count(AuditEntry)

    result = run(runner, "event", "capacity", "3", "--event", event.slug)
    assert result.exit_code != 0
    assert "3 guests already hold confirmed seats" in result.output
    fresh = db.session.get(Event, event.id)
    assert (fresh.capacity, fresh.held_seats) == (5, 1)
    assert count(AuditEntry) == audit_rows


def test_event_capacity_raised_promotes_the_waitlist(runner, app):
    event = make_event(capacity=1)
    first, second, third = make_guests(event, 3)
    for guest in (first, second, third):
        answer(guest)
    result = run(runner, "event", "capacity", "2")
    assert result.exit_code == 0, result.output
    assert "Capacity 2, 0 held back; 1 promoted from the waitlist." in result.output
    assert seat_state(second) == SeatState.CONFIRMED
    assert seat_state(third) == SeatState.WAITLISTED


@pytest.mark.parametrize("args", [["-1"], ["5", "--held", "-1"], ["many"]])
def test_event_capacity_rejects_nonsense(runner, app, args):
    event = make_event(capacity=4)
    result = run(runner, "event", "capacity", *args)
    assert result.exit_code == 2
    assert db.session.get(Event, event.id).capacity == 4


def test_event_capacity_of_an_unknown_event(runner, app):
    make_event()
    result = run(runner, "event", "capacity", "5", "--event", "no-such-forum")
    assert result.exit_code == 1
    assert "No such event" in result.output


# -- guests ---------------------------------------------------------------------------------


def test_guest_revoke_kills_the_link_and_frees_the_seat(runner, client):
    event = make_event(capacity=1)
    guest, waiting = make_guests(event, 2)
    answer(guest)
    answer(waiting)
    path = invitation_path(guest)
    assert client.get(path).status_code == 200

    result = run(runner, "guest", "revoke", guest.email.upper())
    assert result.exit_code == 0, result.output
    assert f"Revoked {guest.email.upper()}" in result.output
    assert client.get(path).status_code == 410
    assert db.session.get(Guest, guest.id).is_revoked
    assert seat_state(guest) is None
    assert seat_state(waiting) == SeatState.CONFIRMED

    listed = {
        line.split("\t")[0]: line.split("\t")[2]
        for line in run(runner, "guest", "links").output.splitlines()
    }
    assert listed[guest.email] == "(revoked)"
    assert listed[waiting.email].startswith("http://localhost/i/")


def test_guest_rotate_prints_a_new_link_and_kills_the_old(runner, client):
    event = make_event()
    guest = make_guest(event)
    answer(guest)
    old_path = invitation_path(guest)

    result = run(runner, "guest", "rotate", guest.email)
    assert result.exit_code == 0, result.output
    new_url = result.output.strip()
    assert new_url.startswith("http://localhost/i/")
    new_path = new_url.removeprefix("http://localhost")
    assert new_path != old_path
    assert client.get(old_path).status_code == 410
    response = client.get(new_path)
    assert response.status_code == 200
    assert "Your seat is confirmed" in response.get_data(as_text=True)
    assert seat_state(guest) == SeatState.CONFIRMED


def test_guest_command_for_an_unknown_email_fails_cleanly(runner, app):
    make_guest(make_event())
    for command in ("revoke", "rotate"):
        result = run(runner, "guest", command, "nobody@example.org")
        assert result.exit_code == 1
        assert "No guest with e-mail nobody@example.org" in result.output
    assert count(AuditEntry) == 1  # only the guest.added of make_guest


def test_guest_links_lists_every_guest_with_a_working_link(runner, client):
    event = make_event()
    guests = make_guests(event, 3)
    result = run(runner, "guest", "links")
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.output.splitlines()]
    assert sorted(r[0] for r in rows) == sorted(g.email for g in guests)
    for email, _name, url in rows:
        assert client.get(url.removeprefix("http://localhost")).status_code == 200, email


@pytest.mark.parametrize("command", [["guest", "links"], ["event", "capacity", "3"]])
def test_a_command_before_init_says_to_run_init(tmp_path, instance_path, command):
    from registrar import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite'}",
        }
    )
    with app.app_context():
        result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code == 1
    # The command as it runs in a new shell: the virtualenv's flask by its path.
    flask = Path(os.path.abspath(sys.executable)).with_name("flask")
    assert f"{flask} --app registrar init`" in result.output
    assert "Traceback" not in result.output
