"""Calendar entries: the .ics file (read back with icalendar) and the Google Calendar link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from support.factories import invitation_path, make_guest, make_taipei_afternoon

from registrar.errors import NotFound
from registrar.extensions import db
from registrar.mail import render
from registrar.models import Channel, Language
from registrar.services import audit, calendar, invitations, rsvp


def forum(**fields):
    fields.setdefault("capacity", 5)
    return make_taipei_afternoon(**fields)


def confirmed(event, **fields):
    guest = make_guest(event, **fields)
    rsvp.answer(
        guest.id, guest.token_version, rsvp.RsvpAnswer(attending=True, channel=Channel.EN), "t"
    )
    db.session.commit()
    return guest


def entry_of(ics: bytes) -> tuple[icalendar.Calendar, icalendar.Event]:
    parsed = icalendar.Calendar.from_ical(ics)
    (entry,) = parsed.walk("VEVENT")
    return parsed, entry


def test_the_entry_reads_back_with_the_right_times_zone_and_place(app):
    event = forum()
    guest = confirmed(event)
    with render.guest_language(guest):
        ics = calendar.guest_calendar(guest)
    parsed, entry = entry_of(ics)

    assert str(parsed["method"]) == "PUBLISH"
    assert str(parsed["version"]) == "2.0"
    start, end = entry.decoded("dtstart"), entry.decoded("dtend")
    assert start == event.starts_at and end == event.ends_at
    assert (start.hour, start.minute, end.hour, end.minute) == (13, 30, 16, 45)
    assert str(entry["dtstart"].params["TZID"]) == "Asia/Taipei"
    assert start.astimezone(UTC).hour == 5  # Taipei is UTC+8 all year
    (zone,) = parsed.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Asia/Taipei"

    assert str(entry["location"]) == "Conference Room 301a, Kaohsiung Exhibition Center, 3F"
    assert str(entry["summary"]) == event.title_en
    assert "Doors open at 13:10" in str(entry["description"])
    assert str(entry["url"]).startswith("http://localhost/i/")
    assert str(entry["status"]) == "CONFIRMED"


def test_the_uid_is_stable_per_guest_and_a_newer_version_replaces_the_older(app):
    event = forum()
    guest, other = confirmed(event), confirmed(event)
    now = datetime.now(UTC)
    _, first = entry_of(calendar.guest_calendar(guest, now=now))
    _, second = entry_of(calendar.guest_calendar(guest, now=now + timedelta(minutes=5)))
    _, theirs = entry_of(calendar.guest_calendar(other, now=now))
    assert first["uid"] == second["uid"] == calendar.uid_for(guest)
    assert first["uid"] != theirs["uid"]
    assert second["sequence"] > first["sequence"]

    parsed, cancelled = entry_of(
        calendar.guest_calendar(guest, cancelled=True, now=now + timedelta(minutes=10))
    )
    assert str(parsed["method"]) == "CANCEL"
    assert str(cancelled["status"]) == "CANCELLED"
    assert cancelled["uid"] == first["uid"]
    assert cancelled["sequence"] > second["sequence"]
    assert str(cancelled["attendee"]) == f"mailto:{guest.email}"


def test_the_entry_is_in_the_guests_language(app):
    event = forum()
    guest = confirmed(event, language=Language.ZH_HANT)
    with render.guest_language(guest):
        _, entry = entry_of(calendar.guest_calendar(guest))
    assert str(entry["summary"]) == event.title_zh
    assert str(entry["location"]) == "高雄展覽館 3樓 301a 會議室"
    assert "13:10 開放入場" in str(entry["description"])


def test_only_a_confirmed_seat_has_an_entry(app):
    event = forum(capacity=1)
    confirmed(event)
    waitlisted = confirmed(event)
    unanswered = make_guest(event)
    for guest in (waitlisted, unanswered):
        with pytest.raises(NotFound):
            calendar.guest_calendar(guest)


def test_google_calendar_link_carries_the_event_but_no_personal_link(app):
    event = forum()
    url = calendar.google_calendar_url(event)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "calendar.google.com",
        "/calendar/render",
    )
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["action"] == "TEMPLATE"
    assert query["text"] == event.title_en
    start, end = event.starts_at.astimezone(UTC), event.ends_at.astimezone(UTC)
    assert query["dates"] == f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}"
    assert query["ctz"] == "Asia/Taipei"
    assert "301a" in query["location"]
    assert "/i/" not in url


def test_the_guest_page_offers_the_ics_download_and_google_link(app, client):
    event = forum()
    guest = confirmed(event)
    path = invitation_path(guest)
    page = client.get(path).get_data(as_text=True)
    assert f'href="{path}/calendar.ics"' in page
    assert "calendar.google.com/calendar/render" in page
    assert "Add to calendar (.ics)" in page

    response = client.get(f"{path}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{event.slug}.ics"'
    assert response.headers["Cache-Control"] == "no-store"
    _, entry = entry_of(response.data)
    assert entry.decoded("dtstart") == event.starts_at


def test_no_ics_for_a_guest_without_a_confirmed_seat_or_with_a_dead_link(app, client):
    event = forum()
    guest = make_guest(event)
    path = invitation_path(guest)
    page = client.get(path).get_data(as_text=True)
    assert "calendar.ics" not in page
    assert client.get(f"{path}/calendar.ics").status_code == 404
    assert client.get("/i/not-a-token/calendar.ics").status_code == 404

    answered = confirmed(event)
    old_path = invitation_path(answered)
    invitations.rotate(answered.id, audit.SYSTEM)
    db.session.commit()
    assert client.get(f"{old_path}/calendar.ics").status_code == 410


def test_the_kept_time_zone_block_makes_the_file_the_library_would(app):
    event = forum()
    guest = confirmed(event)
    now = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    first = calendar.guest_calendar(guest, now=now)
    again = calendar.guest_calendar(guest, now=now)
    assert first == again

    parsed = icalendar.Calendar.from_ical(first)
    (zone,) = parsed.walk("VTIMEZONE")
    assert zone["TZID"] == event.timezone
    assert [c.name for c in parsed.subcomponents] == ["VTIMEZONE", "VEVENT"]
    # The same file as the library makes it when asked to add the zone itself.
    parsed.subcomponents.remove(zone)
    parsed.add_missing_timezones()
    assert parsed.to_ical() == first
