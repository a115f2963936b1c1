"""The waitlist of an event whose guests choose sessions: one queue per session on the
console's page and in the API, each guest with their places in the other sessions; "Promote"
confirms a guest in every session they wait for with a seat free; no moving in such queues."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from support.app import text
from support.auth import api_bearer
from support.factories import make_guest, make_guests, make_staff
from support.sessions import choose, make_sessions_event

from registrar.extensions import db
from registrar.models import ApiRole, Event, Guest, Role, SeatState
from registrar.services.seats import sessions


@pytest.fixture
def lines(app):
    """One seat per session. Ada holds Session 2's; Bo waits there (first) and holds Session
    3's; Cy waits in both (second in Session 2, first in Session 3)."""
    event, s2, s3 = make_sessions_event(capacity=1)
    ada, bo, cy = (make_guest(event, name_en=name, name_zh="") for name in ("Ada", "Bo", "Cy"))
    choose(ada, s2)
    choose(bo, s2, s3)
    choose(cy, s2, s3)
    return event, s2, s3, ada, bo, cy


def section(page: str, session_id: int) -> str:
    found = re.search(
        rf'<section class="card session-queue" id="session-{session_id}".*?</section>', page, re.S
    )
    assert found, f"no queue of session {session_id}"
    return found[0]


def names_in(part: str) -> list[tuple[str, str]]:
    return re.findall(
        r'class="position-cell">(\d+)</td>\s*<td data-label="Name"><strong>([^<]+)</strong>', part
    )


def places(guest: Guest) -> list[tuple[int, SeatState]]:
    db.session.expire_all()
    return [(p.session.id, p.state) for p in sessions.places_of(guest)]


def give_a_seat_each(event: Event) -> None:
    """The capacity raised behind the seat service's back: a seat free in each session and
    nobody promoted yet."""
    db.session.get(Event, event.id).capacity = 2
    db.session.commit()


def test_the_page_shows_one_queue_per_session_with_the_other_sessions_places(
    organizer_client, lines
):
    event, s2, s3, ada, bo, cy = lines
    page = text(organizer_client.get(f"/console/events/{event.id}/waitlist"))
    second, third = section(page, s2.id), section(page, s3.id)
    assert names_in(second) == [("1", "Bo"), ("2", "Cy")]
    assert names_in(third) == [("1", "Cy")]
    assert "13:30–14:50" in second and "15:10–16:30" in third
    bo_row = second[second.index(">Bo<") :]
    assert re.search(r"Innovating Green Mobility: confirmed", bo_row.split("</tr>")[0])
    cy_row = third[third.index(">Cy<") :].split("</tr>")[0]
    assert "Working with Nature for People, Climate and Biodiversity: waitlisted, number 2" in (
        cy_row
    )
    # No seat free: nobody to promote; and these queues are never reordered by hand.
    assert ">Promote<" not in page and f"/guests/{cy.id}/promote" not in page
    assert "/move" not in page and ">Move<" not in page


def test_promote_confirms_the_guest_in_every_session_they_wait_for_with_a_seat_free(
    organizer_client, lines
):
    event, s2, s3, ada, bo, cy = lines
    give_a_seat_each(event)
    page = text(organizer_client.get(f"/console/events/{event.id}/waitlist"))
    assert page.count(">Promote<") == 3
    response = organizer_client.post(f"/console/guests/{cy.id}/promote")
    assert response.status_code == 302
    assert places(cy) == [(s2.id, SeatState.CONFIRMED), (s3.id, SeatState.CONFIRMED)]
    # Bo, ahead of Cy in Session 2, still waits: Cy was promoted ahead of the queue.
    assert places(bo) == [(s2.id, SeatState.WAITLISTED), (s3.id, SeatState.CONFIRMED)]
    after = text(organizer_client.get(f"/console/events/{event.id}/waitlist"))
    assert names_in(section(after, s2.id)) == [("1", "Bo")]
    assert "Nobody is on this session's waitlist." in section(after, s3.id)


def test_promote_with_no_seat_free_says_so_and_changes_nothing(organizer_client, lines):
    event, s2, s3, ada, bo, cy = lines
    response = organizer_client.post(f"/console/guests/{cy.id}/promote", follow_redirects=True)
    assert "No seat is free in the sessions this guest waits for" in text(response)
    assert places(cy) == [(s2.id, SeatState.WAITLISTED), (s3.id, SeatState.WAITLISTED)]


def test_a_forged_move_in_a_session_event_is_refused_and_moves_nothing(organizer_client, lines):
    event, s2, s3, ada, bo, cy = lines
    response = organizer_client.post(
        f"/console/guests/{cy.id}/move",
        data={"position": "1", "current": "2"},
        follow_redirects=True,
    )
    assert "each session keeps its own waitlist" in text(response)
    assert [e.guest.name_en for e in sessions.queues(event)[0].waiting] == ["Bo", "Cy"]


def test_the_api_waitlist_gives_each_session_s_queue_and_keeps_its_shape(client, lines):
    event, s2, s3, ada, bo, cy = lines
    organizer = make_staff("org@example.org", Role.ORGANIZER, events=[event])
    headers = api_bearer(organizer, event, ApiRole.READ)
    answer = client.get(f"/api/v1/events/{event.id}/waitlist", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    # Cy waits in every session chosen: on the event's waitlist too.
    assert [item["guest_id"] for item in body["items"]] == [cy.id]
    by_session = {line["session_id"]: line for line in body["sessions"]}
    assert list(by_session) == [s2.id, s3.id]
    assert [(i["guest_id"], i["position"]) for i in by_session[s2.id]["items"]] == [
        (bo.id, 1),
        (cy.id, 2),
    ]
    assert by_session[s2.id]["items"][0]["other_sessions"] == [
        {"session_id": s3.id, "state": "confirmed", "position": None}
    ]
    assert by_session[s3.id]["items"][0]["other_sessions"] == [
        {"session_id": s2.id, "state": "waitlisted", "position": 2}
    ]
    assert (by_session[s3.id]["confirmed"], by_session[s3.id]["free"]) == (1, 0)
    assert by_session[s2.id]["title_en"] == s2.title_en


def test_the_api_promotes_in_every_session_with_a_seat_free(client, lines):
    event, s2, s3, ada, bo, cy = lines
    give_a_seat_each(event)
    organizer = make_staff("org@example.org", Role.ORGANIZER, events=[event])
    headers = api_bearer(organizer, event, ApiRole.ORGANIZER, "writer")
    done = client.post(f"/api/v1/events/{event.id}/waitlist/{bo.id}/promote", headers=headers)
    assert done.status_code == 200, done.get_json()
    assert places(bo) == [(s2.id, SeatState.CONFIRMED), (s3.id, SeatState.CONFIRMED)]
    moved = client.post(
        f"/api/v1/events/{event.id}/waitlist/{cy.id}/move", json={"position": 1}, headers=headers
    )
    assert moved.status_code == 400
    assert "each session keeps its own waitlist" in moved.get_json()["error"]["message"]


def test_an_event_without_sessions_answers_no_sessions_key_content(client, app):
    from support.factories import make_event

    event = make_event()
    organizer = make_staff("org@example.org", Role.ORGANIZER, events=[event])
    body = client.get(
        f"/api/v1/events/{event.id}/waitlist", headers=api_bearer(organizer, event)
    ).get_json()
    assert body["sessions"] is None and body["items"] == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Guest)) == 0


def test_the_seats_card_of_an_event_with_sessions_counts_the_fullest_session(organizer_client):
    event, s2, s3 = make_sessions_event(capacity=3)
    for guest in make_guests(event, 2):
        choose(guest, s2)
    choose(make_guest(event), s3)

    page = organizer_client.get(f"/console/events/{event.id}/waitlist").get_data(as_text=True)

    # Three guests hold seats, but Session 2, the fullest, has one seat left.
    card = page[page.index('id="seats"') : page.index("</dl>", page.index('id="seats"'))]
    shown = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", card))
    assert (shown["Confirmed"], shown["Free"]) == ("2", "1")
    assert "counts of the fullest session" in page
