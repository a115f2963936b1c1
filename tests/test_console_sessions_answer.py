"""Answering for a guest in an event whose guests choose sessions: the form asks the sessions
(the guest's current choice ticked), a wrong choice saves nothing, and the guest's pages in
the console show each chosen session with the guest's place in it."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from support.app import text
from support.factories import make_guest
from support.sessions import choose, make_sessions_event

from registrar.extensions import db
from registrar.models import AuditEntry, Rsvp, SeatState
from registrar.services.seats import sessions


def answer_path(guest) -> str:
    return f"/console/guests/{guest.id}/answer"


def ticked(page: str) -> set[str]:
    boxes = re.findall(r'<input [^>]*name="sessions"[^>]*>', page)
    assert boxes, "no session checkboxes"
    return {re.search(r'value="(\d+)"', box)[1] for box in boxes if "checked" in box}


def places(guest) -> list[tuple[int, SeatState]]:
    db.session.expire_all()
    return [(p.session.id, p.state) for p in sessions.places_of(guest)]


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def afternoon(app):
    return make_sessions_event(capacity=1)


def test_the_answer_page_asks_the_sessions_with_the_guest_s_choice_ticked(
    organizer_client, afternoon
):
    event, s2, s3 = afternoon
    guest = make_guest(event)
    choose(guest, s3)
    page = text(organizer_client.get(answer_path(guest)))
    assert "Sessions the guest will attend" in page
    assert ticked(page) == {str(s3.id)}
    assert "15:10–16:30" in page
    unanswered = text(organizer_client.get(answer_path(make_guest(event))))
    assert ticked(unanswered) == set()


def test_an_organizer_s_answer_seats_the_guest_in_the_sessions_ticked(organizer_client, afternoon):
    event, s2, s3 = afternoon
    choose(make_guest(event), s2)  # Session 2's only seat is taken.
    guest = make_guest(event)
    data = {"attending": "yes", "channel": "en", "sessions": [str(s2.id), str(s3.id)]}
    response = organizer_client.post(answer_path(guest), data=data)
    assert response.status_code == 302, text(response)
    assert places(guest) == [(s2.id, SeatState.WAITLISTED), (s3.id, SeatState.CONFIRMED)]
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "rsvp.answered", AuditEntry.guest_id == guest.id
        )
    )
    assert entry.details["on_behalf"] is True
    # Session 3 only, now: the waitlisted place in Session 2 is given up.
    data["sessions"] = [str(s3.id)]
    organizer_client.post(answer_path(guest), data=data)
    assert places(guest) == [(s3.id, SeatState.CONFIRMED)]


@pytest.mark.parametrize(
    ("sessions_sent", "message"),
    [
        ([], "Please choose at least one session the guest will attend."),
        (["999999"], "Please choose among the sessions listed"),
        (["break"], "Please choose among the sessions listed"),
    ],
    ids=["none", "not offered", "not a number"],
)
def test_a_wrong_session_choice_saves_nothing(organizer_client, afternoon, sessions_sent, message):
    event, s2, s3 = afternoon
    guest = make_guest(event)
    before = count(Rsvp), count(AuditEntry)
    data = {"attending": "yes", "channel": "en", "sessions": sessions_sent}
    response = organizer_client.post(answer_path(guest), data=data)
    assert response.status_code == 400
    assert message in text(response)
    assert (count(Rsvp), count(AuditEntry)) == before
    assert places(guest) == []


def test_the_break_is_never_offered_as_a_session(organizer_client, afternoon):
    event, s2, s3 = afternoon
    page = text(organizer_client.get(answer_path(make_guest(event))))
    values = set(re.findall(r'name="sessions"[^>]*value="(\d+)"', page)) | set(
        re.findall(r'value="(\d+)"[^>]*name="sessions"', page)
    )
    assert values == {str(s2.id), str(s3.id)}


def test_the_guest_s_console_pages_show_each_session_with_their_place(organizer_client, afternoon):
    event, s2, s3 = afternoon
    choose(make_guest(event), s2)
    guest = make_guest(event)
    choose(guest, s2, s3)
    for path in (f"/console/guests/{guest.id}/edit", answer_path(guest)):
        page = text(organizer_client.get(path))
        found = re.search(r'<ul class="session-places".*?</ul>', page, re.S)
        assert found, path
        listed = re.sub(r"\s+", " ", found[0])
        assert "13:30–14:50 : on the waitlist, place 1" in listed.replace("</span>", " ")
        assert "15:10–16:30 : seat confirmed" in listed.replace("</span>", " ")


def test_a_guest_of_an_event_without_sessions_sees_no_sessions(organizer_client, app):
    from support.factories import make_event

    guest = make_guest(make_event())
    page = text(organizer_client.get(answer_path(guest)))
    assert 'name="sessions"' not in page and "session-places" not in page
    assert "session-places" not in text(organizer_client.get(f"/console/guests/{guest.id}/edit"))
