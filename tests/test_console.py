"""The organizer console: who may open it, login and logout, seats, and guests' links."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from support.app import confirm, text
from support.auth import PASSWORD, log_in
from support.factories import (
    answer,
    invitation_path,
    make_event,
    make_guest,
    make_guests,
    make_staff,
)

from registrar.extensions import db
from registrar.models import (
    AuditEntry,
    ChangeRequest,
    DoorLink,
    Event,
    Guest,
    Seat,
    SeatState,
    StaffUser,
    utcnow,
)
from registrar.web.auth import _safe_next

YES = {"attending": "yes", "channel": "en"}


def seat_counts_shown(page: str) -> dict[str, int]:
    return {dt: int(dd) for dt, dd in re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", page)}


@pytest.fixture
def event(app):
    return make_event(capacity=3)


@pytest.fixture
def console_routes(event):
    """Every console route, as (method, path), with real ids."""
    guest = make_guest(event)
    link = DoorLink(event_id=event.id, label="Door A", created_by="system", expires_at=utcnow())
    db.session.add(link)
    db.session.commit()
    return [
        ("get", "/console/"),
        ("get", f"/console/events/{event.id}/guests"),
        ("post", f"/console/events/{event.id}/capacity"),
        ("post", f"/console/guests/{guest.id}/revoke"),
        ("post", f"/console/guests/{guest.id}/rotate"),
        ("post", f"/console/guests/{guest.id}/reinstate"),
        ("get", f"/console/events/{event.id}/door-links"),
        ("post", f"/console/events/{event.id}/door-links"),
        ("post", f"/console/door-links/{link.id}/revoke"),
    ]


def _state(event_id: int) -> tuple:
    db.session.expire_all()
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)),
        db.session.get(Event, event_id).capacity,
        db.session.scalar(sa.select(sa.func.count()).select_from(DoorLink)),
    )


# -- who may enter ------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login_from_every_console_route(
    client, event, console_routes
):
    before = _state(event.id)
    for method, path in console_routes:
        response = getattr(client, method)(
            path, data={"capacity": "0", "held_seats": "0", "hours": "1"}
        )
        assert response.status_code == 302, path
        location = urlsplit(response.headers["Location"])
        assert location.path == "/login", path
        assert parse_qs(location.query)["next"] == [path], path
    assert _state(event.id) == before


@pytest.mark.usefixtures("door_client")
def test_door_staff_get_403_on_every_console_route(client, event, console_routes):
    before = _state(event.id)
    for method, path in console_routes:
        response = getattr(client, method)(
            path, data={"capacity": "0", "held_seats": "0", "hours": "1"}
        )
        assert response.status_code == 403, path
        assert "Not allowed" in text(response)
    assert _state(event.id) == before


def test_organizer_logs_in_and_lands_on_the_console(client, event):
    make_staff()
    response = log_in(client, "  Organizer@Example.org ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/"
    response = client.get("/console/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/console/events/{event.id}/dashboard"
    assert client.get(f"/console/events/{event.id}/guests").status_code == 200


def test_login_goes_back_to_the_page_asked_for(client, event):
    make_staff()
    path = f"/console/events/{event.id}/door-links"
    first = client.get(path)
    target = parse_qs(urlsplit(first.headers["Location"]).query)["next"][0]
    response = log_in(client, next_=target)
    assert response.headers["Location"] == path


@pytest.mark.parametrize(
    "email, password",
    [
        ("organizer@example.org", "wrong password"),
        ("nobody@example.org", PASSWORD),
        ("organizer@example.org", PASSWORD.upper()),
    ],
)
def test_wrong_login_is_401_with_a_message_and_logs_nobody_in(client, event, email, password):
    make_staff()
    response = log_in(client, email, password)
    assert response.status_code == 401
    assert "E-mail or password is wrong." in text(response)
    assert client.get(f"/console/events/{event.id}/guests").status_code == 302


def test_empty_login_form_is_400(client, event):
    make_staff()
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 400
    assert "Please enter your e-mail." in text(response)
    assert client.get("/console/").status_code == 302


def test_disabled_account_cannot_log_in(client, event):
    user = make_staff()
    user.active = False
    db.session.commit()
    assert log_in(client).status_code == 401


@pytest.mark.usefixtures("organizer_client")
def test_logout_is_post_only(client, event):
    page = f"/console/events/{event.id}/guests"
    assert client.get("/logout").status_code == 405
    assert client.get(page).status_code == 200  # still logged in
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert client.get(page).status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/console/",
        "https://evil.example",
        "https://evil.example/console/",
        "http:evil.example",
        "javascript:alert(1)",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "evil.example",
        "",
        None,
    ],
)
def test_safe_next_refuses_addresses_elsewhere(target):
    assert _safe_next(target) is None


@pytest.mark.parametrize("target", ["/console/", "/console/events/3?x=1#seats", "/door/"])
def test_safe_next_keeps_paths_on_this_site(target):
    assert _safe_next(target) == target


def test_login_never_redirects_to_another_site(client, event):
    make_staff()
    response = log_in(client, next_="//evil.example")
    assert response.headers["Location"] == "/console/"
    client.post("/logout")
    response = log_in(client, next_="https://evil.example/x")
    assert response.headers["Location"] == "/console/"


# -- the event page -------------------------------------------------------------------------


@pytest.fixture
def organizer(event, organizer_client):
    return organizer_client


def test_organizer_sees_seat_counts_and_guest_list(organizer, event):
    event.capacity, event.held_seats = 3, 1
    db.session.commit()
    confirmed = make_guest(event, name_en="Ingrid Coetzee", name_zh="")
    filler = make_guest(event)
    waiting = make_guest(event, name_en="Thulani Mkhonta", name_zh="姆孔塔")
    declined, silent = make_guests(event, 2)
    for guest in (confirmed, filler, waiting):
        answer(guest)
    answer(declined, attending=False)

    page = text(organizer.get(f"/console/events/{event.id}/guests"))
    assert seat_counts_shown(page) == {
        "Capacity": 3,
        "Held back": 1,
        "Confirmed": 2,
        "Free": 0,
        "Waitlisted": 1,
    }
    assert "5 guests" in page
    for guest in (confirmed, waiting, declined, silent):
        assert guest.email in page
        assert f'id="guest-{guest.id}"' in page
    row = page.split(f'id="guest-{waiting.id}"')[1].split("</tr>")[0]
    assert "Thulani Mkhonta" in row and "姆孔塔" in row and "Waitlisted #1" in row
    assert "Confirmed" in page.split(f'id="guest-{confirmed.id}"')[1].split("</tr>")[0]
    assert "Declined" in page.split(f'id="guest-{declined.id}"')[1].split("</tr>")[0]
    assert "Invitation not sent" in page.split(f'id="guest-{silent.id}"')[1].split("</tr>")[0]
    # Each guest's current link is there for the organizer to copy.
    assert f"http://localhost{invitation_path(silent)}" in page


def test_raising_capacity_promotes_and_says_how_many(organizer, event):
    guests = make_guests(event, 5)
    for g in guests:
        answer(g)
    response = organizer.post(
        f"/console/events/{event.id}/capacity", data={"capacity": "4", "held_seats": "0"}
    )
    assert response.status_code == 302
    page = text(organizer.get(response.headers["Location"]))
    assert "Capacity saved. 1 guest moved from the waitlist to a seat." in page
    assert seat_counts_shown(page)["Confirmed"] == 4
    assert db.session.get(Event, event.id).capacity == 4
    assert (
        db.session.scalar(sa.select(Seat.state).where(Seat.guest_id == guests[3].id))
        == SeatState.CONFIRMED
    )


def test_lowering_capacity_below_confirmed_is_refused_with_a_message(organizer, event):
    for g in make_guests(event, 3):
        answer(g)
    audit_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    response = organizer.post(
        f"/console/events/{event.id}/capacity", data={"capacity": "2", "held_seats": "0"}
    )
    assert response.status_code == 302
    page = text(organizer.get(response.headers["Location"]))
    assert "3 guests already hold confirmed seats" in page
    assert "Capacity saved" not in page
    assert seat_counts_shown(page)["Capacity"] == 3
    db.session.expire_all()
    assert db.session.get(Event, event.id).capacity == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audit_before


@pytest.mark.parametrize(
    "data, message",
    [
        ({"capacity": "-1", "held_seats": "0"}, "Enter a number from 0 to 100000."),
        ({"capacity": "", "held_seats": "0"}, "Please enter the room capacity."),
        ({"capacity": "5", "held_seats": "6"}, "Held seats cannot exceed the capacity."),
    ],
)
def test_impossible_capacity_is_refused_with_a_message(organizer, event, data, message):
    response = organizer.post(f"/console/events/{event.id}/capacity", data=data)
    page = text(organizer.get(response.headers["Location"]))
    assert message in page
    db.session.expire_all()
    assert db.session.get(Event, event.id).capacity == 3


def test_revoke_rotate_and_reinstate_from_the_console(organizer, client, event):
    guest, waiting = make_guests(event, 2)
    event.capacity = 1
    db.session.commit()
    answer(guest)
    answer(waiting)
    first_link = invitation_path(guest)
    assert client.get(first_link).status_code == 200

    # Rotate: the old link dies, the new one shows the answer kept.
    response = confirm(organizer, f"/console/guests/{guest.id}/rotate")
    assert response.status_code == 302
    page = text(organizer.get(response.headers["Location"]))
    assert "New link issued; earlier links no longer work." in page
    second_link = invitation_path(db.session.get(Guest, guest.id))
    assert second_link != first_link
    assert f"http://localhost{second_link}" in page
    assert f"http://localhost{first_link}" not in page
    assert client.get(first_link).status_code == 410
    assert "Your seat is confirmed" in text(client.get(second_link))

    # Revoke: the link dies, the seat goes to the next in line, the console says so.
    response = confirm(organizer, f"/console/guests/{guest.id}/revoke")
    page = text(organizer.get(response.headers["Location"]))
    assert "Invitation revoked; its link no longer works." in page
    row = page.split(f'id="guest-{guest.id}"')[1].split("</tr>")[0]
    assert "Revoked" in row and "link-field" not in row
    assert client.get(second_link).status_code == 410
    assert (
        db.session.scalar(sa.select(Seat.state).where(Seat.guest_id == waiting.id))
        == SeatState.CONFIRMED
    )

    # Reinstate: a third link; the guest answers again from scratch.
    response = confirm(organizer, f"/console/guests/{guest.id}/reinstate")
    page = text(organizer.get(response.headers["Location"]))
    assert "Invitation reinstated with a new link." in page
    third_link = invitation_path(db.session.get(Guest, guest.id))
    assert len({first_link, second_link, third_link}) == 3
    assert client.get(second_link).status_code == 410
    reinstated = client.get(third_link)
    assert reinstated.status_code == 200
    page = text(reinstated)
    assert "We have not received your answer yet" in page
    assert "You have declined" not in page
    row = text(organizer.get(f"/console/events/{event.id}/guests"))
    row = row.split(f'id="guest-{guest.id}"')[1].split("</tr>")[0]
    assert "Invitation not sent" in row
    # Answering yes now puts the guest at the end of the queue: the seat went to another.
    assert client.post(third_link, data=YES).status_code == 302
    assert "You are on the waitlist" in text(client.get(third_link))


def test_guest_actions_are_audited_with_the_organizer(organizer, event):
    guest = make_guest(event)
    organizer_id = db.session.scalar(sa.select(StaffUser.id))
    confirm(organizer, f"/console/guests/{guest.id}/rotate")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action.like("invitation.%")))
    assert (entry.action, entry.guest_id) == ("invitation.rotated", guest.id)
    assert entry.actor == f"staff:{organizer_id}"


def test_action_on_an_unknown_guest_is_404(organizer, event):
    assert organizer.post("/console/guests/999999/revoke").status_code == 404


def test_names_typed_by_guests_are_escaped_in_the_console(organizer, event, client):
    guest = make_guest(event)
    script = "<script>alert(1)</script>"
    client.post(
        invitation_path(guest),
        data={"attending": "no", "name_en": script, "organization": "<b>Org</b>"},
    )
    # A correction waits for an organizer, who reads it on the requests page: escaped there.
    request = db.session.scalar(sa.select(ChangeRequest).where(ChangeRequest.guest_id == guest.id))
    assert request.name_en == script
    html = organizer.get(f"/console/events/{event.id}/requests").get_data(as_text=True)
    assert "<script>" not in html and "<b>Org</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Org&lt;/b&gt;" in html
