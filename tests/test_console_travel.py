"""The console's Travel page: the arrivals and departures boards by day and time with their
pickups, a driver assigned to a pickup (stale and forged posts refused), the hotel rooms, the
event's hotels, the pickup list PDF in both scripts, the arrivals CSV, the reminder e-mail and
the dashboard's counts; the API's arrivals and a guest's travel."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from datetime import time, timedelta

import pytest
import sqlalchemy as sa
from support.app import request_client, text
from support.auth import PASSWORD
from support.factories import answer, make_event, make_guest, make_staff
from support.travel import event_day, travel_event

from registrar import create_app
from registrar.extensions import db
from registrar.models import (
    AuditEntry,
    Category,
    Event,
    GuestTravel,
    Language,
    MessageKind,
    OutboxMessage,
)
from registrar.services import audit, guests
from registrar.services.travel import details as travel
from registrar.services.travel import reminders


def given(guest, *, arrives: time, before: int = 1, pickup: bool = True, **changed) -> GuestTravel:
    event = guest.event
    day = event_day(event)
    values = dict(
        arrival_date=day - timedelta(days=before),
        arrival_time=arrives,
        arrival_flight="BR 27",
        arrival_airport="KHH",
        arrival_airport_name="",
        arrival_pickup=pickup,
        departure_date=day + timedelta(days=1),
        departure_time=time(9, 10),
        departure_flight="CI 61",
        departure_airport="TPE",
        departure_airport_name="",
        departure_pickup=False,
        hotel_choice="booked",
        hotel_name="Grand Hi-Lai",
        check_in=day - timedelta(days=before),
        check_out=day + timedelta(days=1),
    )
    values.update(changed)
    made = travel.give(guest.id, guest.token_version, travel.TravelDetails(**values), audit.GUEST)
    db.session.commit()
    return made


def travellers():
    event = travel_event()
    mayor = make_guest(
        event, category=Category.VIP, name_en="Mayor of Mbabane", name_zh="姆巴巴內市長"
    )
    speaker = make_guest(
        event, category=Category.SPEAKER, name_en="Lai Ching-Ming", name_zh="賴慶明"
    )
    late = make_guest(event, category=Category.SPEAKER, name_en="Late Speaker", name_zh="晚到講者")
    waiting = make_guest(event, category=Category.VIP, name_en="Not Yet", name_zh="尚未填寫")
    make_guest(event, category=Category.DELEGATE, name_en="Local Delegate")
    given(mayor, arrives=time(14, 35))
    given(speaker, arrives=time(7, 5), arrival_flight="CI 61", arrival_airport="TPE")
    given(
        late,
        arrives=time(22, 0),
        before=0,
        pickup=False,
        hotel_choice="own",
        hotel_name="Silks Place",
        arrival_airport="other",
        arrival_airport_name="Tainan",
        arrival_flight="AE 1282",
    )
    return event, mayor, speaker, late, waiting


def rows(model):
    db.session.expire_all()
    return db.session.scalars(sa.select(model)).all()


def audit_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def test_the_boards_list_arrivals_by_day_and_time_with_pickups(organizer_client):
    event, mayor, speaker, late, waiting = travellers()
    page = text(organizer_client.get(f"/console/events/{event.id}/travel"))
    arrivals = page[page.index('id="arrivals"') : page.index('id="departures"')]
    # The day before: the speaker's morning flight, then the mayor's afternoon one; the late
    # speaker on the event's day.
    assert arrivals.index("Lai Ching-Ming") < arrivals.index("Mayor of Mbabane")
    assert arrivals.index("Mayor of Mbabane") < arrivals.index("Late Speaker")
    assert "07:05" in arrivals and "CI 61" in arrivals and "TPE" in arrivals
    assert "Tainan" in arrivals and "No pickup needed" in arrivals
    assert arrivals.count('class="inline-form pickup-form"') == 2
    assert "Departures" in page and "Ride to the airport" in page
    # Counts, and who has not given details.
    assert re.search(r'data-count="travel_offered"><dt>[^<]*</dt><dd>4<', page)
    assert re.search(r'data-count="travel_not_given"><dt>[^<]*</dt><dd>1<', page)
    waiting_part = page[page.index('id="waiting"') :]
    assert "Not Yet" in waiting_part and "Local Delegate" not in page


def test_the_hotel_rooms_show_each_hotel_with_its_nights(organizer_client):
    event, mayor, speaker, late, waiting = travellers()
    page = text(organizer_client.get(f"/console/events/{event.id}/travel"))
    hotels = page[page.index('id="hotel-rooms"') : page.index('id="waiting"')]
    assert hotels.index("Grand Hi-Lai") < hotels.index("Hotel Nikko") < hotels.index("Silks Place")
    assert "No guest stays here yet." in hotels  # Hotel Nikko
    grand = hotels[hotels.index('data-hotel="Grand Hi-Lai"') :]
    assert "2 rooms" in grand and "4 nights in all" in grand


def test_an_organizer_assigns_a_driver_and_a_stale_or_bad_post_changes_nothing(
    organizer_client,
):
    event, mayor, speaker, late, waiting = travellers()
    path = f"/console/events/{event.id}/travel/pickup"
    post = {"guest": str(mayor.id), "leg": "arrival", "version": "1", "csrf_token": ""}
    done = organizer_client.post(
        path, data={**post, "driver": "Car 3 (Mr Chen)", "phone": "0912 345 678"}
    )
    assert done.status_code == 302
    (mine,) = [t for t in rows(GuestTravel) if t.guest_id == mayor.id]
    assert (mine.arrival_driver, mine.arrival_driver_phone, mine.version) == (
        "Car 3 (Mr Chen)",
        "0912 345 678",
        2,
    )
    other = travel_event()
    stranger = make_guest(other, category=Category.VIP)
    given(stranger, arrives=time(10, 0))
    entries = audit_count()
    # The page shown before (version 1) is stale now.
    stale = organizer_client.post(path, data={**post, "driver": "Car 9"}, follow_redirects=True)
    assert "since the page was shown" in text(stale)
    # Not a pickup the guest asked for, a guest of no travel, another event's guest, a driver
    # of several lines, a leg that is none, no version: each refused.
    for bad in (
        {**post, "guest": str(late.id), "driver": "Car 1"},
        {**post, "guest": str(waiting.id), "driver": "Car 1"},
        {**post, "guest": str(stranger.id), "driver": "Car 1"},
        {**post, "version": "2", "driver": "Car\n1"},
        {**post, "version": "2", "leg": "sideways", "driver": "Car 1"},
        {**post, "version": "", "driver": "Car 1"},
        {**post, "version": "2", "driver": "x" * 101},
    ):
        organizer_client.post(path, data=bad)
    assert audit_count() == entries
    db.session.expire_all()
    assert {t.guest_id: t.arrival_driver for t in rows(GuestTravel)} == {
        mayor.id: "Car 3 (Mr Chen)",
        speaker.id: "",
        late.id: "",
        stranger.id: "",
    }
    # The guest sees who meets them.
    from support.factories import invitation_path

    assert "Car 3 (Mr Chen)" in text(organizer_client.get(f"{invitation_path(mayor)}/travel"))


def test_a_pickup_post_without_the_page_s_csrf_token_changes_nothing(app_config, app):
    event, mayor, *_ = travellers()
    make_staff()
    csrf_app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = request_client(csrf_app)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text(client.get("/login"))).group(1)
    client.post(
        "/login", data={"email": "organizer@example.org", "password": PASSWORD, "csrf_token": token}
    )
    data = {"guest": str(mayor.id), "leg": "arrival", "version": "1", "driver": "Car 1"}
    client.post(f"/console/events/{event.id}/travel/pickup", data={**data, "csrf_token": "x"})
    assert {t.arrival_driver for t in rows(GuestTravel)} == {""}
    page = text(client.get(f"/console/events/{event.id}/travel"))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post(f"/console/events/{event.id}/travel/pickup", data={**data, "csrf_token": token})
    assert "Car 1" in {t.arrival_driver for t in rows(GuestTravel)}
    with csrf_app.app_context():
        db.engine.dispose()


def test_the_organizers_list_their_hotels(organizer_client):
    event = travel_event()
    path = f"/console/events/{event.id}/travel/hotels"
    organizer_client.post(path, data={"hotels": " Hotel Nikko \n\nGrand Hi-Lai\nHotel Nikko\n"})
    db.session.expire_all()
    assert db.session.get_one(Event, event.id).travel_hotels == "Hotel Nikko\nGrand Hi-Lai"
    organizer_client.post(path, data={"hotels": "x" * 201})
    db.session.expire_all()
    assert db.session.get_one(Event, event.id).travel_hotels == "Hotel Nikko\nGrand Hi-Lai"


def _pdf_text(pdf: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext not found: scripts/test installs poppler-utils")
    path = tmp_path / "pickups.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode()


def test_the_pickup_list_prints_the_pickups_in_both_scripts(organizer_client, tmp_path):
    event, mayor, speaker, late, waiting = travellers()
    organizer_client.post(
        f"/console/events/{event.id}/travel/pickup",
        data={"guest": str(mayor.id), "leg": "arrival", "version": "1", "driver": "Car 3"},
    )
    response = organizer_client.get(f"/console/events/{event.id}/pickups.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    printed = _pdf_text(response.data, tmp_path)
    assert "Arrivals: pick up at the airport" in printed and "抵達：機場接機" in printed
    for words in ("Mayor of Mbabane", "姆巴巴內市長", "BR 27", "KHH", "Car 3", "賴慶明", "CI 61"):
        assert words in printed, words
    # No pickup asked: not on the list.
    assert "Late Speaker" not in printed
    assert printed.index("賴慶明") < printed.index("姆巴巴內市長")


def test_the_arrivals_csv_has_every_travel_and_nothing_of_others(organizer_client):
    event, mayor, speaker, late, waiting = travellers()
    response = organizer_client.get(f"/console/events/{event.id}/arrivals.csv")
    assert response.status_code == 200
    body = response.data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(body)))
    header, lines = table[0], table[1:]
    assert [line[1] for line in lines] == ["Lai Ching-Ming", "Mayor of Mbabane", "Late Speaker"]
    assert "Arrival flight" in header and "Check-out" in header and "Nights" in header
    assert "passport" not in body.lower()
    mayor_line = dict(zip(header, lines[1], strict=True))
    assert (mayor_line["Arrival flight"], mayor_line["Airport pickup"]) == ("BR 27", "Yes")
    assert mayor_line["Nights"] == "2"


def test_the_api_gives_the_arrivals_a_guest_s_travel_and_assigns_a_pickup(organizer_client):
    event, mayor, speaker, late, waiting = travellers()
    board = organizer_client.get(f"/api/v1/events/{event.id}/travel").get_json()
    assert (board["offered"], board["given"]) == (4, 3)
    assert [item["name_en"] for item in board["items"]] == [
        "Lai Ching-Ming",
        "Mayor of Mbabane",
        "Late Speaker",
    ]
    path = f"/api/v1/events/{event.id}/guests/{mayor.id}/travel"
    read = organizer_client.get(path).get_json()
    assert read["arrival"]["flight"] == "BR 27" and read["arrival"]["pickup"] is True
    assert read["version"] == 1 and "passport" not in str(read).lower()
    assert (
        organizer_client.get(f"/api/v1/events/{event.id}/guests/{waiting.id}/travel").status_code
        == 404
    )

    done = organizer_client.patch(
        path, json={"leg": "arrival", "driver": "Car 5", "driver_phone": "0912", "version": 1}
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["arrival"]["driver"] == "Car 5"
    stale = organizer_client.patch(path, json={"leg": "arrival", "driver": "Car 6", "version": 1})
    assert stale.status_code == 409
    no_pickup = organizer_client.patch(
        f"/api/v1/events/{event.id}/guests/{late.id}/travel", json={"leg": "arrival", "driver": "X"}
    )
    assert no_pickup.status_code == 400
    wrong = organizer_client.patch(path, json={"leg": "sideways", "driver": "X"})
    assert wrong.status_code == 400
    assert organizer_client.get(path).get_json()["arrival"]["driver"] == "Car 5"


def test_door_staff_cannot_read_travel(door_client):
    event, mayor, *_ = travellers()
    assert door_client.get(f"/api/v1/events/{event.id}/travel").status_code == 403
    assert door_client.get(f"/console/events/{event.id}/travel").status_code in (302, 403)


def test_the_dashboard_counts_who_gave_travel_details(organizer_client):
    event, *_ = travellers()
    page = text(organizer_client.get(f"/console/events/{event.id}/dashboard"))
    assert re.search(r'data-count="travel_offered"><dt[^>]*>[^<]*</dt><dd>4<', page)
    assert re.search(r'data-count="travel_given"><dt[^>]*>[^<]*</dt><dd>3<', page)
    assert re.search(r'data-count="travel_not_given"><dt[^>]*>[^<]*</dt><dd>1<', page)
    plain = make_event()
    assert "travel_offered" not in text(
        organizer_client.get(f"/console/events/{plain.id}/dashboard")
    )


def test_reminders_go_to_those_offered_travel_who_gave_none_once(organizer_client):
    event, mayor, speaker, late, waiting = travellers()
    chinese = make_guest(event, category=Category.SPEAKER, language=Language.ZH_HANT)
    path = f"/console/events/{event.id}/travel/reminders"
    page = text(organizer_client.post(path, data={}, follow_redirects=True))
    assert "2 travel reminders queued." in page
    queued = [m for m in rows(OutboxMessage) if m.kind == MessageKind.TRAVEL_REMINDER]
    assert sorted(m.guest_id for m in queued) == sorted([waiting.id, chinese.id])
    # Not again while one waits.
    organizer_client.post(path, data={})
    assert len([m for m in rows(OutboxMessage) if m.kind == MessageKind.TRAVEL_REMINDER]) == 2


def test_a_guest_who_declined_is_not_waited_for_nor_reminded(organizer_client):
    event, mayor, speaker, late, waiting = travellers()
    declining = make_guest(event, category=Category.SPEAKER, name_en="Not Coming")
    reminders.remind(event.id, audit.SYSTEM)
    db.session.commit()
    answer(declining, attending=False)
    from registrar.mail.render import unfit_reason
    from registrar.models import utcnow

    # The reminder queued before the decline is not sent, and says why.
    assert unfit_reason(MessageKind.TRAVEL_REMINDER, declining, utcnow()) == reminders.DECLINED
    page = text(organizer_client.get(f"/console/events/{event.id}/travel"))
    waiting_list = page[page.index("No travel details yet") :]
    assert "Not Coming" not in waiting_list and waiting.name_en in waiting_list
    # Offered five, three gave details, one declined: one is waited for.
    dashboard = text(organizer_client.get(f"/console/events/{event.id}/dashboard"))
    assert re.search(r'data-count="travel_offered"><dt[^>]*>[^<]*</dt><dd>5<', dashboard)
    assert re.search(r'data-count="travel_not_given"><dt[^>]*>[^<]*</dt><dd>1<', dashboard)
    assert declining.id not in [guest.id for guest in reminders.audience(event.id)]


def test_a_reminder_no_longer_fits_once_the_guest_gave_their_travel(app):
    event, mayor, speaker, late, waiting = travellers()
    reminders.remind(event.id, audit.SYSTEM)
    db.session.commit()
    from registrar.mail.render import unfit_reason
    from registrar.models import utcnow

    assert unfit_reason(MessageKind.TRAVEL_REMINDER, waiting, utcnow()) is None
    given(waiting, arrives=time(11, 0))
    assert unfit_reason(MessageKind.TRAVEL_REMINDER, waiting, utcnow()) == reminders.TRAVEL_GIVEN


def test_erasing_a_guest_takes_them_off_the_boards(organizer_client):
    event, mayor, *_ = travellers()
    guests.erase(mayor.id, audit.SYSTEM)
    db.session.commit()
    page = text(organizer_client.get(f"/console/events/{event.id}/travel"))
    assert "Mayor of Mbabane" not in page and "BR 27" not in page
    assert mayor.id not in {t.guest_id for t in rows(GuestTravel)}


def test_a_pickup_the_guest_no_longer_asks_for_loses_its_driver(organizer_client):
    event, mayor, *_ = travellers()
    organizer_client.post(
        f"/console/events/{event.id}/travel/pickup",
        data={"guest": str(mayor.id), "leg": "arrival", "version": "1", "driver": "Car 3"},
    )
    (mine,) = [t for t in rows(GuestTravel) if t.guest_id == mayor.id]
    assert mine.arrival_driver == "Car 3"
    given(mayor, arrives=time(14, 35), arrival_flight="BR 29")
    (mine,) = [t for t in rows(GuestTravel) if t.guest_id == mayor.id]
    assert (mine.arrival_flight, mine.arrival_driver) == ("BR 29", "Car 3")
    given(mayor, arrives=time(14, 35), pickup=False)
    (mine,) = [t for t in rows(GuestTravel) if t.guest_id == mayor.id]
    assert (mine.arrival_pickup, mine.arrival_driver) == (False, "")


def test_the_api_answers_404_for_an_event_that_is_none(organizer_client):
    assert organizer_client.get("/api/v1/events/999999/travel").status_code == 404
