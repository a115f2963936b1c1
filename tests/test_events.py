"""services/events.py: create, update, copy and the states; what guests see of the address and
the contact (page, e-mail over real SMTP, .ics); the migration that brings existing events."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from support.app import text
from support.factories import answer, invitation_path, make_event, make_guest
from test_mail import app_config, deliver, invite, smtp_server  # noqa: F401  (fixtures)

from registrar.errors import DeadlinePassed
from registrar.extensions import db
from registrar.models import (
    AgendaItem,
    AgendaKind,
    AgendaPerson,
    AuditEntry,
    Channel,
    DoorLink,
    Event,
    EventState,
    Guest,
    PersonRole,
    utcnow,
)
from registrar.services import audit, calendar, events, invitations, rsvp, seats
from registrar.services.event_details import EventDetails

TAIPEI = ZoneInfo("Asia/Taipei")
ACTOR = audit.SYSTEM


def details(**changes) -> EventDetails:
    day = date(2027, 3, 18)

    def at(hour: int, minute: int, on: date = day) -> datetime:
        return datetime(on.year, on.month, on.day, hour, minute, tzinfo=TAIPEI)

    values = dict(
        slug="climate-2027",
        title_en="Climate Forum",
        title_zh="氣候論壇",
        venue_en="Kaohsiung Exhibition Center",
        venue_zh="高雄展覽館",
        room_en="Room 301a",
        room_zh="301a 會議室",
        timezone="Asia/Taipei",
        doors_open_at=at(13, 10),
        starts_at=at(13, 30),
        ends_at=at(16, 45),
        rsvp_deadline=at(17, 0, date(2027, 3, 10)),
        capacity=30,
        held_seats=2,
        address_en="No. 39, Chenggong 2nd Rd, Kaohsiung",
        address_zh="高雄市前鎮區成功二路39號",
        map_url="https://maps.example/kec",
        contact_name="Protocol Office",
        contact_email="protocol@example.org",
        contact_phone="+886 7 123 4567",
    )
    values.update(changes)
    return EventDetails(**values)


def created(**changes) -> Event:
    event = events.create(details(**changes), ACTOR)
    db.session.commit()
    return event


def with_programme(event: Event) -> None:
    day = event.starts_at
    item = AgendaItem(
        position=0,
        kind=AgendaKind.SESSION,
        title_en="Session 2",
        title_zh="第二場",
        starts_at=day,
        ends_at=day + timedelta(minutes=80),
    )
    item.people.append(AgendaPerson(position=0, role=PersonRole.SPEAKER, name_en="Ada"))
    event.agenda.append(item)
    event.agenda.append(
        AgendaItem(
            position=1,
            kind=AgendaKind.BREAK,
            title_en="Break",
            title_zh="休息",
            starts_at=day + timedelta(minutes=80),
            ends_at=day + timedelta(minutes=100),
        )
    )
    db.session.commit()


# -- create, update --------------------------------------------------------------------------


def test_a_new_event_is_a_draft_and_takes_no_answer(app):
    event = created()
    assert (event.state, event.edit_version) == (EventState.DRAFT, 1)
    guest = make_guest(event)
    with pytest.raises(rsvp.NotOpenYet):
        answer(guest)
    db.session.rollback()
    assert audit_actions() == ["event.created", "guest.added"]


def test_update_returns_what_changed_and_raises_the_version(app):
    event = created()
    moved = details(starts_at=event.starts_at + timedelta(minutes=30), room_en="Room 302")
    changes = events.update(event.id, moved, 1, ACTOR)
    db.session.commit()
    assert set(changes) == {"starts_at", "room_en"}
    assert changes["room_en"] == ("Room 301a", "Room 302")
    assert event.edit_version == 2
    # Saving the same again changes nothing and keeps the version.
    assert events.update(event.id, moved, 2, ACTOR) == {}
    assert event.edit_version == 2


def test_a_save_from_an_older_version_is_refused_and_names_what_changed(app):
    event = created()
    events.update(event.id, details(room_en="Room 302"), 1, ACTOR)
    db.session.commit()
    with pytest.raises(events.EventChanged) as refused:
        events.update(event.id, details(venue_en="City Hall"), 1, ACTOR)
    db.session.rollback()
    assert refused.value.changed_fields == ["room_en"]
    assert (event.venue_en, event.room_en) == ("Kaohsiung Exhibition Center", "Room 302")


def test_a_higher_capacity_promotes_from_the_waitlist_through_the_seat_rule(app):
    event = created(capacity=1, held_seats=0)
    events.set_state(event.id, EventState.OPEN, ACTOR)
    db.session.commit()
    first, second = make_guest(event), make_guest(event)
    answer(first)
    answer(second)
    assert second.seat.state.value == "waitlisted"
    events.update(event.id, details(capacity=2, held_seats=0), 1, ACTOR)
    db.session.commit()
    assert second.seat.state.value == "confirmed"
    assert "event.capacity_changed" in audit_actions()


def test_times_the_programme_does_not_fit_in_are_refused(app):
    event = created()
    with_programme(event)
    later = details(starts_at=event.starts_at + timedelta(minutes=15))
    with pytest.raises(events.EventInvalid) as refused:
        events.update(event.id, later, 1, ACTOR)
    assert "Session 2" in refused.value.errors["starts_at"]
    assert "13:30–14:50" in refused.value.errors["starts_at"]


def test_moving_the_start_can_move_the_programme_with_it_by_the_same_amount(app):
    event = created()
    with_programme(event)
    before = [(item.starts_at, item.ends_at) for item in event.agenda]
    later = details(
        starts_at=event.starts_at + timedelta(minutes=30),
        ends_at=event.ends_at + timedelta(minutes=30),
    )
    events.update(event.id, later, 1, ACTOR, move_programme=True)
    db.session.commit()
    db.session.expire_all()
    after = [(item.starts_at, item.ends_at) for item in db.session.get(Event, event.id).agenda]
    half_hour = timedelta(minutes=30)
    assert after == [(start + half_hour, end + half_hour) for start, end in before]
    assert "programme.moved_with_event" in audit_actions()


def test_a_programme_moved_with_the_start_must_still_fit_before_the_end(app):
    event = created()
    with_programme(event)
    # The start moves two hours, the end stays at 16:45: the session (80 minutes) would end
    # at 16:50.
    later = details(starts_at=event.starts_at + timedelta(hours=2))
    with pytest.raises(events.EventInvalid) as refused:
        events.update(event.id, later, 1, ACTOR, move_programme=True)
    assert "ends_at" in refused.value.errors
    db.session.rollback()
    assert db.session.get(Event, event.id).starts_at == event.starts_at


def test_a_change_guests_know_needs_the_confirmation_then_records_the_notice(app):
    event = created()
    events.set_state(event.id, EventState.OPEN, ACTOR)
    guest = make_guest(event)
    guest.sent_at = utcnow()
    db.session.commit()
    with pytest.raises(events.NoticeNotConfirmed) as refused:
        events.update(event.id, details(room_en="Room 302"), 1, ACTOR)
    db.session.rollback()
    assert refused.value.audience == events.Audience(invited=1, confirmed=0, waitlisted=0)
    # A change guests were never told of needs no confirmation, and tells nobody.
    events.update(event.id, details(contact_name="Ms. Lin"), 1, ACTOR)
    events.update(
        event.id,
        details(contact_name="Ms. Lin", room_en="Room 302"),
        2,
        ACTOR,
        notice_confirmed=True,
    )
    db.session.commit()
    notices = [e for e in entries() if e.action == "event.change_notice"]
    assert [n.details["fields"] for n in notices] == [["room_en"]]


# -- copy ------------------------------------------------------------------------------------


def test_copy_moves_every_time_by_the_same_amount_and_copies_no_guests(app):
    source = created()
    with_programme(source)
    events.set_state(source.id, EventState.OPEN, ACTOR)
    answer(make_guest(source))
    db.session.add(DoorLink(event_id=source.id, created_by="t", expires_at=utcnow()))
    db.session.commit()

    copy = events.copy(source.id, "climate-2028", date(2028, 3, 16), ACTOR)
    db.session.commit()
    shift = copy.starts_at - source.starts_at
    assert shift == timedelta(days=364)
    for name in ("doors_open_at", "ends_at", "rsvp_deadline"):
        assert getattr(copy, name) - getattr(source, name) == shift, name
    assert [(i.starts_at - shift, i.ends_at - shift) for i in copy.agenda] == [
        (i.starts_at, i.ends_at) for i in source.agenda
    ]
    assert [p.name_en for p in copy.agenda[0].people] == ["Ada"]
    assert (copy.state, copy.slug, copy.contact_email) == (
        EventState.DRAFT,
        "climate-2028",
        "protocol@example.org",
    )
    assert db.session.scalar(sa.select(sa.func.count()).where(Guest.event_id == copy.id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).where(DoorLink.event_id == copy.id)) == 0


def test_copy_keeps_the_clock_time_across_a_change_to_summer_time(app):
    source = created(
        timezone="Europe/Paris",
        doors_open_at=datetime(2027, 3, 18, 13, 0, tzinfo=ZoneInfo("Europe/Paris")),
        starts_at=datetime(2027, 3, 18, 13, 30, tzinfo=ZoneInfo("Europe/Paris")),
        ends_at=datetime(2027, 3, 18, 17, 0, tzinfo=ZoneInfo("Europe/Paris")),
        rsvp_deadline=datetime(2027, 3, 10, 12, 0, tzinfo=ZoneInfo("Europe/Paris")),
    )
    copy = events.copy(source.id, "paris-april", date(2027, 4, 15), ACTOR)
    assert copy.starts_at.astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M") == "13:30"


def test_copy_to_a_taken_slug_is_refused(app):
    source = created()
    with pytest.raises(events.EventInvalid) as refused:
        events.copy(source.id, "climate-2027", date(2028, 1, 1), ACTOR)
    assert "slug" in refused.value.errors


# -- states ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (["open", "closed", "open", "closed", "archived"], True),
        (["closed"], False),
        (["archived"], False),
        (["open", "archived"], False),
        (["open", "open"], False),
    ],
)
def test_the_states_go_only_the_allowed_ways(app, path, allowed):
    event = created()
    try:
        for state in path:
            events.set_state(event.id, EventState(state), ACTOR)
    except (events.InvalidAnswer, events.EventArchived):
        assert not allowed
    else:
        assert allowed


def test_an_archived_event_is_read_only(app):
    event = created()
    for state in ("open", "closed", "archived"):
        events.set_state(event.id, EventState(state), ACTOR)
    db.session.commit()
    with pytest.raises(events.EventArchived):
        events.update(event.id, details(room_en="Elsewhere"), 1, ACTOR)
    with pytest.raises(events.EventArchived):
        events.set_state(event.id, EventState.OPEN, ACTOR)
    # The seat rule itself refuses, whichever edge asks (the CLI's `event capacity` too).
    with pytest.raises(events.EventArchived):
        seats.set_capacity(event.id, 99, 0, ACTOR)


def test_a_closed_event_refuses_answers_and_the_deadline_still_counts(app):
    event = make_event(state=EventState.CLOSED)
    with pytest.raises(rsvp.RepliesClosed):
        answer(make_guest(event))
    db.session.rollback()
    past = make_event(deadline_in_days=-1)
    with pytest.raises(DeadlinePassed):
        answer(make_guest(past))


# -- what guests see -------------------------------------------------------------------------


def opened(**changes) -> Event:
    event = created(**changes)
    later = datetime.now(TAIPEI) + timedelta(days=30)
    moved = {
        name: getattr(event, name).replace(year=later.year, month=later.month, day=later.day)
        for name in ("doors_open_at", "starts_at", "ends_at")
    }
    moved["rsvp_deadline"] = moved["starts_at"] - timedelta(days=1)
    for name, value in moved.items():
        setattr(event, name, value)
    event.state = EventState.OPEN
    db.session.commit()
    return event


def test_the_guest_page_shows_the_address_the_map_and_the_contact(app, client):
    guest = make_guest(opened())
    page = text(client.get(invitation_path(guest)))
    assert "No. 39, Chenggong 2nd Rd, Kaohsiung" in page
    assert 'href="https://maps.example/kec"' in page
    assert 'href="mailto:protocol@example.org"' in page
    assert 'href="tel:+88671234567"' in page


def test_a_dead_link_shows_the_contact_of_its_event_and_a_bad_one_shows_none(app, client):
    guest = make_guest(opened())
    path = invitation_path(guest)
    invitations.rotate(guest.id, actor=ACTOR)
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 410
    assert "protocol@example.org" in text(response)
    response = client.get(path[:-4] + "AAAA")
    assert response.status_code == 404
    assert "protocol@example.org" not in text(response)


def test_the_calendar_entry_carries_the_address_map_and_contact(app):
    guest = make_guest(opened())
    answer(guest)
    entry = icalendar.Calendar.from_ical(calendar.guest_calendar(guest)).walk("VEVENT")[0]
    assert "No. 39, Chenggong 2nd Rd, Kaohsiung" in str(entry["location"])
    description = str(entry["description"])
    assert "https://maps.example/kec" in description
    assert "Protocol Office · protocol@example.org · +886 7 123 4567" in description


def test_the_email_carries_address_and_contact_from_the_events_sender(app, smtp_server):  # noqa: F811
    event = opened(mail_sender_name="Climate Forum Desk", mail_reply_to="desk@example.org")
    guest = make_guest(event)
    invite(event, [guest])
    deliver()
    (message,) = smtp_server.received
    assert message["From"].addresses[0].display_name == "Climate Forum Desk"
    assert message["From"].addresses[0].addr_spec == "registrar@forum.example"
    assert str(message["Reply-To"]) == "desk@example.org"
    body = message.get_body(("plain",)).get_content()
    assert "No. 39, Chenggong 2nd Rd, Kaohsiung" in body
    assert "Protocol Office · protocol@example.org · +886 7 123 4567" in body
    html = message.get_body(("html",)).get_content()
    assert 'href="https://maps.example/kec"' in html


def test_a_draft_event_sends_no_invitations(app):
    event = created()
    make_guest(event)
    with pytest.raises(events.InvalidAnswer, match="open for replies"):
        invite(event)


def test_new_channels_are_offered_and_answered(app, client):
    event = opened(channels=(Channel.EN, Channel.JA))
    guest = make_guest(event)
    page = text(client.get(invitation_path(guest)))
    assert "Japanese (日本語)" in page and "Chinese (中文)" not in page
    response = client.post(invitation_path(guest), data={"attending": "yes", "channel": "ja"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Guest, guest.id).rsvp.channel == Channel.JA


# -- the migration ---------------------------------------------------------------------------


def test_the_migration_makes_existing_events_open_and_new_ones_drafts(app):
    db.drop_all()
    upgrade(revision="10aa24b4e3d7")
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO events (slug, short_name, title_en, title_zh, description_en,"
                " description_zh, venue_en, venue_zh, room_en, room_zh, organizers_en,"
                " organizers_zh, capacity, held_seats, timezone, doors_open_at, starts_at,"
                " ends_at, rsvp_deadline, channels, waitlist_counter, created_at) VALUES"
                " ('old', '', 'Old', '舊', '', '', 'V', 'V', 'R', 'R', '', '', 5, 0,"
                " 'Asia/Taipei', :t, :t, :t, :t, 'en zh', 0, :t)"
            ),
            {"t": datetime(2026, 1, 1)},
        )
    upgrade()
    with db.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT state, edit_version, address_en FROM events")).one()
    assert tuple(row) == ("open", 1, "")
    downgrade(revision="10aa24b4e3d7")
    upgrade()


def audit_actions() -> list[str]:
    return [entry.action for entry in entries()]


def entries() -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))


def test_details_of_an_event_read_back_as_they_were_saved(app):
    event = created(channels=(Channel.EN, Channel.FLOOR, Channel.KO, Channel.EN))
    assert event.channels == "en ko"
    assert replace(details(), channels=(Channel.EN, Channel.KO)) == EventDetails.of(event)
