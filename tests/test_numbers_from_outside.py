"""Numbers in query strings and forms: anything but a whole number in range is refused with a
400 or a message on the page, never a 500 (the database's integer columns are 32-bit)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.app import text
from support.auth import logged_in
from support.factories import make_event, make_guest, make_staff

from registrar.extensions import db
from registrar.mail import campaigns
from registrar.models import OutboxMessage
from registrar.numbers import MAX_ID, parse_id, parse_whole
from registrar.services import audit

PASSWORD = "correct horse battery"
SUPERSCRIPT_TWO = "²"  # str.isdigit() says yes, int() says no
ARABIC_THREE = "٣"  # int() reads it as 3
# Beyond a 32-bit column on PostgreSQL; beyond a 64-bit integer on SQLite.
TOO_LARGE = [str(MAX_ID + 1), "9" * 30]
ODD = [SUPERSCRIPT_TWO, ARABIC_THREE, "-1", "1.0", " ", "0x10", *TOO_LARGE]


@pytest.fixture
def event(app):
    event = make_event()
    make_staff()
    return event


@pytest.fixture
def organizer(client, event):
    return logged_in(client)


def queued() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))


# -- the one reader ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ODD + ["", None, True, 1.5])
def test_only_ascii_digits_within_the_range_read_as_a_number(value):
    assert parse_whole(value) is None


def test_whole_numbers_and_ids_read_within_their_bounds():
    assert parse_whole("0") == 0
    assert parse_whole(" 42 ") == 42
    assert parse_whole("7", low=1, high=5) is None
    assert parse_id("0") is None
    assert parse_id(str(MAX_ID)) == MAX_ID
    assert parse_id(MAX_ID + 1) is None


# -- query strings -----------------------------------------------------------------------------


@pytest.mark.parametrize("page", ODD)
def test_an_odd_page_of_the_guest_list_shows_the_first_page(organizer, event, page):
    make_guest(event)
    response = organizer.get(f"/console/events/{event.id}/guests", query_string={"page": page})
    assert response.status_code == 200
    if page.strip():
        assert f"page={page.strip()}" in text(response)


@pytest.mark.parametrize("page", ODD)
def test_an_odd_page_of_the_audit_log_shows_the_first_page(organizer, event, page):
    response = organizer.get(f"/console/events/{event.id}/audit", query_string={"page": page})
    assert response.status_code == 200
    if page.strip():
        assert "That page number is not valid; showing the first page." in text(response)


@pytest.mark.parametrize("guest", ODD)
def test_an_odd_guest_of_the_audit_log_shows_every_guest(organizer, event, guest):
    make_guest(event)
    response = organizer.get(f"/console/events/{event.id}/audit", query_string={"guest": guest})
    assert response.status_code == 200
    if guest.strip():
        assert "That guest is not valid; showing every guest." in text(response)


@pytest.mark.parametrize("number", TOO_LARGE)
def test_an_id_beyond_the_columns_in_a_path_names_nothing(organizer, number):
    assert organizer.get(f"/console/guests/{number}/edit").status_code == 404
    assert organizer.get(f"/console/events/{number}/guests").status_code == 404


# -- forms -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["invitations", "reminders/unanswered"])
@pytest.mark.parametrize("number", TOO_LARGE + [SUPERSCRIPT_TWO, "-1"])
def test_a_ticked_guest_beyond_the_id_range_is_refused_and_nothing_is_queued(
    organizer, event, path, number
):
    guest = make_guest(event)
    if path != "invitations":
        campaigns.send_invitations(event, audit.SYSTEM, [guest.id])
        db.session.commit()
    before = queued()
    prefix = "invite" if path == "invitations" else "unanswered"
    response = organizer.post(
        f"/console/events/{event.id}/mail/{path}",
        data={f"{prefix}-guest_ids": [str(guest.id), number], f"{prefix}-selected": "1"},
    )
    assert response.status_code == 400
    assert "That guest is not on the list; please reload the page." in text(response)
    assert queued() == before


@pytest.mark.parametrize("value", [ARABIC_THREE, SUPERSCRIPT_TWO, "9" * 30, "1e3"])
def test_a_capacity_that_is_not_a_whole_number_is_refused(organizer, event, value):
    response = organizer.post(
        f"/console/events/{event.id}/capacity",
        data={"capacity": value, "held_seats": "0"},
        follow_redirects=True,
    )
    assert "Not a valid integer value." in text(response)
    db.session.refresh(event)
    assert event.capacity == 10


@pytest.mark.parametrize("value", [ARABIC_THREE, "9" * 30])
def test_a_waitlist_position_that_is_not_a_whole_number_is_refused(organizer, event, value):
    guest = make_guest(event)
    response = organizer.post(
        f"/console/guests/{guest.id}/move",
        data={"position": value, "current": "1"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Not a valid integer value." in text(response)
