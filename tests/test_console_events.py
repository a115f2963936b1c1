"""The console's events: the list, a new event, editing with its version check, the interim page
before guests are told, copying, opening, closing and archiving."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from support.app import request_client, text
from support.auth import logged_in
from support.event_form import edit_form
from support.factories import answer, invitation_path, make_event, make_guest, make_staff

from registrar.extensions import db
from registrar.models import AuditEntry, DoorNoAnswer, Event, EventState, Guest, utcnow

FORM = {
    "title_en": "Climate Forum",
    "title_zh": "氣候論壇",
    "short_name": "Climate",
    "slug": "climate-2027",
    "venue_en": "Kaohsiung Exhibition Center",
    "venue_zh": "高雄展覽館",
    "room_en": "Room 301a",
    "room_zh": "301a 會議室",
    "address_en": "No. 39, Chenggong 2nd Rd, Kaohsiung",
    "address_zh": "高雄市前鎮區成功二路39號",
    "map_url": "https://www.openstreetmap.org/?mlat=22.6&mlon=120.3",
    "contact_name": "Protocol Office",
    "contact_email": "protocol@example.org",
    "contact_phone": "+886 7 123 4567",
    "timezone": "Asia/Taipei",
    "day": "2027-03-18",
    "doors_open": "13:10",
    "starts": "13:30",
    "ends": "16:45",
    "deadline_day": "2027-03-10",
    "deadline_time": "17:00",
    "capacity": "40",
    "held_seats": "2",
    "channels": ["en", "zh", "ja"],
    "mail_sender_name": "Climate Forum",
    "mail_reply_to": "replies@example.org",
}


def _forum(**fields) -> Event:
    """An event whose times are whole minutes, as the editor enters them."""
    starts = (datetime.now(UTC) + timedelta(days=30)).replace(
        hour=5, minute=30, second=0, microsecond=0
    )
    times = dict(
        doors_open_at=starts - timedelta(minutes=20),
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        rsvp_deadline=starts - timedelta(days=7),
    )
    return make_event(**{**times, **fields})


def _events() -> list[Event]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Event).order_by(Event.id)))


def test_an_empty_install_lands_on_create_your_first_event(organizer_client):
    response = organizer_client.get("/console/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/console/events")
    page = text(organizer_client.get("/console/events"))
    assert "Create your first event" in page
    assert 'href="/console/events/new"' in page


def test_console_lands_on_the_one_event_or_on_the_list(organizer_client):
    first = make_event()
    response = organizer_client.get("/console/")
    assert response.headers["Location"].endswith(f"/console/events/{first.id}/dashboard")
    make_event()
    assert organizer_client.get("/console/").headers["Location"].endswith("/console/events")


def test_the_events_page_lists_events_soonest_first_with_counts(organizer_client):
    later = make_event(title_en="Later forum", deadline_in_days=20)
    sooner = make_event(title_en="Sooner forum", deadline_in_days=2)
    archived = make_event(title_en="Old forum", deadline_in_days=1, state=EventState.ARCHIVED)
    guest = make_guest(sooner)
    guest.sent_at = utcnow()
    db.session.commit()
    answer(guest)
    page = text(organizer_client.get("/console/events"))
    assert page.index("Sooner forum") < page.index("Later forum") < page.index("Old forum")
    row = page[page.index(f'id="event-{sooner.id}"') :]
    row = row[: row.index("</tr>")]
    assert "Open for replies" in row
    assert [int(n) for n in re.findall(r"<td>(\d+)</td>", row)] == [1, 1, 0]
    assert f'id="event-{archived.id}"' in page and later.id


def test_create_edit_copy_close_archive_through_the_console(organizer_client):
    response = organizer_client.post("/console/events/new", data=FORM)
    assert response.status_code == 302, text(response)[:2000]
    (event,) = _events()
    assert event.state == EventState.DRAFT
    assert event.starts_at == datetime(2027, 3, 18, 5, 30, tzinfo=UTC)  # 13:30 in Taipei
    assert event.channels == "en zh ja"
    assert event.contact_email == "protocol@example.org"
    page = text(organizer_client.get(response.headers["Location"]))
    assert 'value="13:30"' in page and 'value="2027-03-18"' in page

    form = edit_form(event, starts="14:00", capacity="50")
    assert organizer_client.post(f"/console/events/{event.id}/edit", data=form).status_code == 302
    (event,) = _events()
    assert event.starts_at == datetime(2027, 3, 18, 6, 0, tzinfo=UTC)
    assert (event.capacity, event.edit_version) == (50, 2)

    response = organizer_client.post(
        f"/console/events/{event.id}/copy",
        data={"new_slug": "climate-2028", "new_day": "2028-03-16"},
    )
    assert response.status_code == 302
    copy = _events()[1]
    assert (copy.slug, copy.state) == ("climate-2028", EventState.DRAFT)
    assert copy.starts_at - event.starts_at == timedelta(days=364)

    for state in ("open", "closed"):
        response = organizer_client.post(f"/console/events/{event.id}/state", data={"state": state})
        assert response.status_code == 302
        assert _events()[0].state == EventState(state)
    # Archiving asks first; nothing changes until confirmed.
    response = organizer_client.post(
        f"/console/events/{event.id}/state", data={"state": "archived"}
    )
    assert response.status_code == 200 and "Archive for good" in text(response)
    assert _events()[0].state == EventState.CLOSED
    response = organizer_client.post(
        f"/console/events/{event.id}/state", data={"state": "archived", "confirm": "1"}
    )
    assert _events()[0].state == EventState.ARCHIVED
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"event.created", "event.updated", "event.copied", "event.state_changed"} <= actions


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends": "13:00"}, "ends", "The end must be after the start."),
        ({"doors_open": "13:40"}, "doors_open", "Doors must open at or before the start."),
        (
            {"deadline_day": "2027-03-19"},
            "deadline_time",
            "The reply deadline must be at or before the start.",
        ),
        ({"held_seats": "41"}, "held_seats", "Held seats cannot exceed the capacity."),
        ({"timezone": "Mars/Olympus"}, "timezone", "Choose a time zone from the list."),
        ({"slug": "Not a slug!"}, "slug", "Use 1 to 64 lower-case letters"),
        ({"contact_email": "not-an-address"}, "contact_email", "Not a valid e-mail address."),
        ({"map_url": "javascript:alert(1)"}, "map_url", "starting with https://"),
        ({"contact_phone": "call me"}, "contact_phone", "Write the phone number with digits"),
        ({"title_en": "Two\nlines"}, "title_en", "Write this on one line"),
        ({"title_en": "", "title_zh": ""}, "title_en", "at least one language"),
        ({"room_en": "x" * 201}, "room_en", "At most 200 characters"),
        ({"channels": ["en", "xx"]}, "channels", "Choose the channels from the list."),
        ({"capacity": "-1"}, "capacity", "Enter a number from 0 to 100000."),
        ({"day": "2027-02-30"}, "day", "date"),
    ],
)
def test_each_mistake_is_named_next_to_its_field_and_nothing_is_saved(
    organizer_client, changes, field, message
):
    response = organizer_client.post("/console/events/new", data={**FORM, **changes})
    assert response.status_code == 400
    page = text(response)
    error = page[page.index(f'id="{field}-error"') :]
    assert message in error[: error.index("</p>")]
    assert _events() == []


def test_a_capacity_below_the_confirmed_guests_is_refused(organizer_client):
    event = _forum(capacity=5)
    for _ in range(3):
        answer(make_guest(event))
    form = edit_form(event, capacity="2", held_seats="0")
    response = organizer_client.post(f"/console/events/{event.id}/edit", data=form)
    assert response.status_code == 400
    assert "3 guests already hold confirmed seats" in text(response)
    assert _events()[0].capacity == 5


def test_a_slug_taken_by_another_event_is_refused(organizer_client):
    make_event(slug="taken")
    response = organizer_client.post("/console/events/new", data={**FORM, "slug": "taken"})
    assert response.status_code == 400
    assert "Another event already has this short address." in text(response)
    assert len(_events()) == 1


def test_the_second_of_two_organizers_saving_at_once_is_refused_and_told_what_changed(
    app, organizer_client
):
    event = _forum()
    make_staff("second@example.org")
    second = logged_in(request_client(app), "second@example.org")
    seen = edit_form(event)  # both opened the form at version 1
    first_save = {**seen, "room_en": "Room 302"}
    assert organizer_client.post(f"/console/events/{event.id}/edit", data=first_save).status_code
    second_save = {**seen, "venue_en": "City Hall", "room_en": "Council Chamber"}
    response = second.post(f"/console/events/{event.id}/edit", data=second_save)
    assert response.status_code == 409
    page = text(response)
    assert "The event changed since you opened it" in page
    assert "Changed meanwhile: Room in English." in page
    # The room is the first organizer's, marked with what the second had typed; the venue
    # the second typed is kept, and the form carries the version it now answers to.
    assert 'value="Room 302"' in page and "You had typed: “Council Chamber”" in page
    assert 'value="City Hall"' in page
    assert 'name="version" type="hidden" value="2"' in page
    (stored,) = _events()
    assert (stored.room_en, stored.venue_en, stored.edit_version) == (
        "Room 302",
        seen["venue_en"],
        2,
    )
    # Saved again as the form now stands: the venue typed and the room as the first saved it.
    again = second.post(
        f"/console/events/{event.id}/edit",
        data={**second_save, "room_en": "Room 302", "version": "2"},
    )
    assert again.status_code == 302
    (stored,) = _events()
    assert (stored.room_en, stored.venue_en, stored.edit_version) == ("Room 302", "City Hall", 3)


def test_a_change_guests_know_waits_for_the_confirmation_of_who_is_told(organizer_client):
    event = _forum()
    invited = make_guest(event)
    invited.sent_at = utcnow()
    db.session.commit()
    answer(invited)
    form = edit_form(event, venue_en="City Hall")
    response = organizer_client.post(f"/console/events/{event.id}/edit", data=form)
    assert response.status_code == 409
    page = text(response)
    assert "These guests will be told: 1 invited, 1 confirmed, 0 waitlisted." in page
    assert 'name="confirm" value="1"' in page
    assert _events()[0].edit_version == 1  # nothing saved yet
    response = organizer_client.post(
        f"/console/events/{event.id}/edit", data={**form, "confirm": "1"}
    )
    assert response.status_code == 302
    (stored,) = _events()
    assert stored.edit_version == 2
    notice = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "event.change_notice")
    )
    assert notice.details["confirmed"] == 1 and notice.details["fields"] == ["venue_en"]


def test_a_closed_event_shows_the_guest_page_but_takes_no_answer(client):
    event = make_event(state=EventState.CLOSED)
    guest = make_guest(event)
    page = text(client.get(invitation_path(guest)))
    assert "The organizers have closed replies to this event." in page
    assert 'name="attending"' not in page
    response = client.post(invitation_path(guest), data={"attending": "yes", "channel": "en"})
    assert response.status_code == 409
    db.session.rollback()
    assert db.session.get(Guest, guest.id).rsvp is None


def test_an_archived_event_refuses_every_change_but_serves_its_exports(organizer_client):
    event = _forum(state=EventState.ARCHIVED)
    guest = make_guest(event)
    form = edit_form(event, room_en="Elsewhere")
    response = organizer_client.post(f"/console/events/{event.id}/edit", data=form)
    assert response.status_code == 409
    assert "This event is archived" in text(response)
    for path, data in [
        (f"/console/events/{event.id}/capacity", {"capacity": "3", "held_seats": "0"}),
        (f"/console/guests/{guest.id}/revoke", {}),
        (f"/console/events/{event.id}/state", {"state": "open"}),
    ]:
        assert organizer_client.post(path, data=data).status_code == 409, path
    (stored,) = _events()
    assert stored.room_en != "Elsewhere" and stored.capacity == 10
    assert db.session.get(Guest, guest.id).revoked_at is None
    assert organizer_client.get(f"/console/events/{event.id}/exports/guests.csv").status_code == 200
    page = text(organizer_client.get(f"/console/events/{event.id}/edit"))
    assert "it is read-only" in page
    # An archived event can still be copied for the next one.
    response = organizer_client.post(
        f"/console/events/{event.id}/copy",
        data={
            "new_slug": "next-year",
            "new_day": (datetime.now(UTC) + timedelta(days=400)).date().isoformat(),
        },
    )
    assert response.status_code == 302


def test_an_organizer_of_some_events_sees_only_those_and_organizes_what_they_create(client):
    mine, theirs = _forum(slug="mine", title_en="Mine"), _forum(slug="theirs", title_en="Theirs")
    make_staff("lead@example.org", events=[mine])
    logged_in(client, "lead@example.org")

    listed = text(client.get("/console/events"))
    assert "Mine" in listed and "Theirs" not in listed
    assert client.get("/console/").headers["Location"].endswith(f"/events/{mine.id}/dashboard")
    assert client.get(f"/console/events/{theirs.id}/edit").status_code == 403

    response = client.post("/console/events/new", data=FORM)
    assert response.status_code == 302, text(response)[:2000]
    created = _events()[-1]
    # The one who made it can open it (an organizer who is no administrator, its organizer).
    assert client.get(f"/console/events/{created.id}/edit").status_code == 200
    copied = client.post(
        f"/console/events/{created.id}/copy",
        data={"new_slug": "climate-2028", "new_day": "2028-03-16"},
    )
    assert copied.status_code == 302
    assert client.get(copied.headers["Location"]).status_code == 200
    assert client.get(f"/console/events/{theirs.id}/dashboard").status_code == 403


def test_the_door_policy_for_guests_who_never_answered_is_chosen_in_the_editor(
    organizer_client,
):
    event = _forum()
    page = text(organizer_client.get(f"/console/events/{event.id}/edit"))
    # Sent to the desk unless the organizer chooses otherwise.
    assert re.search(r'<input checked[^>]*name="door_no_answer"[^>]*value="desk"', page)

    saved = organizer_client.post(
        f"/console/events/{event.id}/edit", data=edit_form(event, door_no_answer="let_in")
    )
    assert saved.status_code == 302, text(saved)
    assert _events()[0].door_no_answer == DoorNoAnswer.LET_IN
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "event.updated")
    ).one()
    assert entry.details["changes"]["door_no_answer"] == ["desk", "let_in"]

    forged = organizer_client.post(
        f"/console/events/{event.id}/edit", data=edit_form(event, door_no_answer="open")
    )
    assert forged.status_code == 400
    assert "Choose what the door does from the list." in text(forged)
    assert _events()[0].door_no_answer == DoorNoAnswer.LET_IN
