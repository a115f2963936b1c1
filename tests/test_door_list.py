"""The door list a scanner keeps for offline verdicts with names: its content, the rules for
withdrawn and replaced badges and for after the event, and who may fetch it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from support.auth import DOOR_EMAIL, ORGANIZER_EMAIL, logged_in
from support.factories import answer, make_event, make_guest, make_staff

from registrar import tokens
from registrar.extensions import db
from registrar.models import Category, Channel, Event, Guest, Role
from registrar.services import audit, badges, checkin, door, guests, invitations, seating
from registrar.services.requests import deputies


def _listed(event: Event) -> dict[int, checkin.ListedGuest]:
    return {g.id: g for g in checkin.door_list(event).guests}


def _end(event: Event) -> None:
    """Move the event into the past: it ended a minute ago."""
    now = datetime.now(UTC)
    event.doors_open_at = now - timedelta(hours=4)
    event.starts_at = now - timedelta(hours=3)
    event.ends_at = now - timedelta(minutes=1)
    event.rsvp_deadline = now - timedelta(days=2)
    db.session.commit()


@pytest.fixture
def event(app) -> Event:
    return make_event(capacity=1)


@pytest.fixture
def states(event) -> dict[str, Guest]:
    """One guest in each state the door tells apart."""
    confirmed = make_guest(
        event,
        name_en="Lai Ching-Ming",
        name_zh="賴慶明",
        organization="Kaohsiung City Government",
        category=Category.VIP,
    )
    answer(confirmed, channel=Channel.ZH)
    waitlisted = make_guest(event, name_en="Wang Mei-Ling", name_zh="王美玲")
    answer(waitlisted)  # capacity 1: the second yes waits
    declined = make_guest(event, name_en="Chen Yu", name_zh="陳羽")
    answer(declined, attending=False)
    revoked = make_guest(event, name_en="Lin Hao", name_zh="林浩")
    invitations.revoke(revoked.id, audit.SYSTEM)
    db.session.commit()
    unanswered = make_guest(event, name_en="Anna Berg", name_zh="")
    return {
        "confirmed": confirmed,
        "waitlisted": waitlisted,
        "declined": declined,
        "revoked": revoked,
        "no_answer": unanswered,
    }


# -- the service ---------------------------------------------------------------------------


def test_each_guest_is_listed_with_names_badge_version_state_and_channel(event, states):
    listed = checkin.door_list(event)

    assert listed.event_id == event.id
    assert listed.ends_at == event.ends_at
    by_id = _listed(event)
    assert {name: by_id[guest.id].state for name, guest in states.items()} == {
        name: name for name in states
    }
    lai = _listed(event)[states["confirmed"].id]
    assert (lai.name_en, lai.name_zh, lai.organization, lai.category, lai.channel) == (
        "Lai Ching-Ming",
        "賴慶明",
        "Kaohsiung City Government",
        Category.VIP,
        Channel.ZH,
    )
    assert lai.badge_version == 1
    # A guest who said no has no headset to hand out.
    assert _listed(event)[states["declined"].id].channel is None
    # By English name.
    assert [g.name_en for g in listed.guests] == [
        "Anna Berg",
        "Chen Yu",
        "Lai Ching-Ming",
        "Lin Hao",
        "Wang Mei-Ling",
    ]


def test_a_reissued_badge_raises_the_version_and_the_list_changes_its_version(event, states):
    before = checkin.door_list(event)
    badges.reissue(states["confirmed"].id, audit.SYSTEM)
    db.session.commit()

    after = checkin.door_list(event)
    assert _listed(event)[states["confirmed"].id].badge_version == 2
    assert after.version != before.version
    # Nothing changed: the same version, so a refresh may answer 304.
    assert checkin.door_list(event).version == after.version


def test_revoking_shows_in_the_list(event, states):
    invitations.revoke(states["confirmed"].id, audit.SYSTEM)
    db.session.commit()

    assert _listed(event)[states["confirmed"].id].state == "revoked"


def test_erased_guests_are_not_listed(event, states):
    guests.erase(states["declined"].id, audit.SYSTEM)
    db.session.commit()

    assert states["declined"].id not in _listed(event)


def test_after_the_event_the_list_is_empty(event, states):
    _end(event)

    listed = checkin.door_list(event)
    assert listed.guests == []
    assert listed.ended


def test_only_this_events_guests(event, states):
    other = make_event()
    stranger = make_guest(other, name_en="Someone Else")

    assert stranger.id not in _listed(event)
    assert set(_listed(other)) == {stranger.id}


# -- the API -------------------------------------------------------------------------------


def _url(event: Event) -> str:
    return f"/api/v1/events/{event.id}/door-list"


def test_door_staff_get_the_list_and_a_304_while_it_has_not_changed(client, event, states):
    make_staff(DOOR_EMAIL, Role.DOOR, events=[event])
    logged_in(client, DOOR_EMAIL)

    response = client.get(_url(event))
    assert response.status_code == 200
    body = response.get_json()
    assert body["event_id"] == event.id
    assert datetime.fromisoformat(body["ends_at"]) == event.ends_at
    rows = {row["id"]: row for row in body["guests"]}
    assert rows[states["confirmed"].id] == {
        "id": states["confirmed"].id,
        "name_en": "Lai Ching-Ming",
        "name_zh": "賴慶明",
        "organization": "Kaohsiung City Government",
        "category": "vip",
        "badge_version": 1,
        "state": "confirmed",
        "channel": "zh",
        "seat_label": "",
        "deputy_en": "",
        "deputy_zh": "",
    }
    assert {rows[g.id]["state"] for g in states.values()} == set(states)
    # No e-mail, no signature: nothing a badge could be forged from.
    text = response.get_data(as_text=True)
    assert "@example.org" not in text
    assert tokens.badge_code(event.id, states["confirmed"].id, 1) not in text
    etag = response.headers["ETag"]
    assert etag.strip('"') == body["version"]

    again = client.get(_url(event), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""

    badges.reissue(states["confirmed"].id, audit.SYSTEM)
    db.session.commit()
    changed = client.get(_url(event), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert {r["id"]: r for r in changed.get_json()["guests"]}[states["confirmed"].id][
        "badge_version"
    ] == 2


def test_organizers_of_the_event_get_it_too(client, event, states):
    make_staff(ORGANIZER_EMAIL, Role.ORGANIZER, events=[event])
    logged_in(client, ORGANIZER_EMAIL)

    assert client.get(_url(event)).status_code == 200


def test_after_the_event_the_api_sends_no_names(client, event, states):
    make_staff(DOOR_EMAIL, Role.DOOR, events=[event])
    logged_in(client, DOOR_EMAIL)
    _end(event)

    body = client.get(_url(event)).get_json()
    assert body["guests"] == []
    assert datetime.fromisoformat(body["ends_at"]) < datetime.now(UTC)


def test_staff_of_another_event_are_refused_and_strangers_must_log_in(client, event, states):
    assert client.get(_url(event)).status_code == 401

    other = make_event()
    make_staff(DOOR_EMAIL, Role.DOOR, events=[other])
    logged_in(client, DOOR_EMAIL)
    assert client.get(_url(event)).status_code == 403
    assert client.get("/api/v1/events/999999/door-list").status_code == 404
    assert client.get(f"/api/v1/events/{other.id}/door-list").status_code == 200


def test_a_door_link_gets_its_own_events_list_until_withdrawn(client, event, states):
    other = make_event()
    link = door.create_link(event, "North door", 4, audit.SYSTEM)
    db.session.commit()
    client.get(f"/door/l/{tokens.door_link_token(link.id, link.event_id)}")

    assert client.get(_url(event)).status_code == 200
    assert client.get(_url(other)).status_code == 401

    door.revoke_link(link.id, audit.SYSTEM)
    db.session.commit()
    assert client.get(_url(event)).status_code == 410


def test_the_list_shows_a_reserved_seat_and_whom_a_guest_sent_in_their_place(app):
    event = make_event(capacity=3)
    seating.save_plan(
        event.id, [seating.PlanRow("A", 4, reserved=(1,))], audit.SYSTEM, version=None
    )
    mayor = make_guest(event, name_en="Chen Chi-Mai", category=Category.VIP)
    director = make_guest(event, name_en="Lin Director")
    answer(mayor)
    answer(director)
    seating.assign_seat(event.id, mayor.id, "A1", audit.SYSTEM)
    db.session.commit()
    assert _listed(event)[mayor.id].seat_label == "A1"
    assert _listed(event)[director.id].seat_label == ""

    details = deputies.DeputyDetails(name_en="Wang Deputy", name_zh="王代理", email="w@example.org")
    made = deputies.propose(director.id, director.token_version, details, audit.GUEST)
    deputies.approve(made.id, made.version, audit.SYSTEM)
    db.session.commit()
    listed = _listed(event)
    assert listed[director.id].state == "revoked"
    assert (listed[director.id].deputy_en, listed[director.id].deputy_zh) == (
        "Wang Deputy",
        "王代理",
    )
    (deputy,) = [g for g in listed.values() if g.name_en == "Wang Deputy"]
    # The deputy took the director's seat, without the waitlist.
    assert deputy.state == "confirmed" and deputy.deputy_en == ""
