"""Travel for guests from abroad: who is offered it, the guest's own form through their link
(valid details kept, every bad input refused with nothing stored), and erasure."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
import sqlalchemy as sa
from support.app import request_client, text
from support.factories import invitation_path, make_guest
from support.travel import event_day, travel_event

from registrar import create_app
from registrar.extensions import db
from registrar.models import (
    Airport,
    AuditEntry,
    Category,
    Event,
    GuestTravel,
    HotelChoice,
    Language,
)
from registrar.services import audit, guests, invitations
from registrar.services.travel import offered_to
from registrar.services.travel.details import TravelDetails as Details
from registrar.services.travel.details import (
    TravelInvalid,
    TravelNotOffered,
    give,
    normal_flight,
)


def form(event: Event, **typed) -> dict:
    """The guest's travel form as a phone posts it: in the day before, out the day after."""
    day = event_day(event)
    values = {
        "arrival_date": (day - timedelta(days=1)).isoformat(),
        "arrival_time": "14:35",
        "arrival_flight": "br 27",
        "arrival_airport": "KHH",
        "arrival_airport_name": "",
        "arrival_pickup": "y",
        "departure_date": (day + timedelta(days=1)).isoformat(),
        "departure_time": "09:10",
        "departure_flight": "CI0061",
        "departure_airport": "TPE",
        "departure_airport_name": "",
        "hotel_choice": "booked",
        "hotel_booked": "Grand Hi-Lai",
        "hotel_own": "",
        "check_in": (day - timedelta(days=1)).isoformat(),
        "check_out": (day + timedelta(days=1)).isoformat(),
        "csrf_token": "",
    }
    values.update(typed)
    return {name: value for name, value in values.items() if value is not None}


def stored(guest) -> GuestTravel | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(GuestTravel).where(GuestTravel.guest_id == guest.id))


def audit_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


# -- who is offered travel -------------------------------------------------------------------


def test_travel_is_offered_to_the_event_s_categories_and_to_guests_chosen_one_by_one(app):
    event = travel_event()
    mayor = make_guest(event, category=Category.VIP)
    delegate = make_guest(event, category=Category.DELEGATE)
    chosen = make_guest(event, category=Category.PRESS)
    chosen.travel_offered = True
    db.session.commit()
    assert [offered_to(g) for g in (mayor, delegate, chosen)] == [True, False, True]
    invitations.revoke(mayor.id, audit.SYSTEM)
    db.session.commit()
    assert not offered_to(mayor)


def test_a_guest_not_offered_travel_has_no_travel_page_and_cannot_post_one(client):
    event = travel_event()
    delegate = make_guest(event, category=Category.DELEGATE)
    page = text(client.get(invitation_path(delegate)))
    assert "Give your travel details" not in page
    assert client.get(f"{invitation_path(delegate)}/travel").status_code == 404
    assert client.post(f"{invitation_path(delegate)}/travel", data=form(event)).status_code == 404
    assert stored(delegate) is None
    with pytest.raises(TravelNotOffered):
        give(delegate.id, delegate.token_version, _details(event), audit.GUEST)


def _details(event: Event, **changed) -> Details:
    day = event_day(event)
    values = dict(
        arrival_date=day - timedelta(days=1),
        arrival_time=time(14, 35),
        arrival_flight="BR27",
        arrival_airport="KHH",
        arrival_airport_name="",
        arrival_pickup=True,
        departure_date=day + timedelta(days=1),
        departure_time=time(9, 10),
        departure_flight="CI 61",
        departure_airport="TPE",
        departure_airport_name="",
        departure_pickup=False,
        hotel_choice="booked",
        hotel_name="Grand Hi-Lai",
        check_in=day - timedelta(days=1),
        check_out=day + timedelta(days=1),
    )
    values.update(changed)
    return Details(**values)


# -- the guest's form ------------------------------------------------------------------------


def test_the_guest_gives_their_travel_and_changes_it_later(client):
    event = travel_event()
    mayor = make_guest(event, category=Category.VIP, name_en="Mayor of Mbabane")
    page = text(client.get(invitation_path(mayor)))
    assert "Give your travel details" in page
    path = f"{invitation_path(mayor)}/travel"
    assert client.get(path).status_code == 200

    response = client.post(path, data=form(event))
    assert response.status_code == 302
    travel = stored(mayor)
    assert travel is not None
    assert (travel.arrival_flight, travel.departure_flight) == ("BR 27", "CI 0061")
    assert (travel.arrival_airport, travel.departure_airport) == (Airport.KHH, Airport.TPE)
    assert (travel.arrival_pickup, travel.departure_pickup) == (True, False)
    assert (travel.hotel_choice, travel.hotel_name) == (HotelChoice.BOOKED, "Grand Hi-Lai")
    assert travel.version == 1
    page = text(client.get(path))
    assert "We have your travel details" in page and "BR 27" in page

    # A double submit changes nothing; a change is kept, and raises the version.
    entries = audit_count()
    client.post(path, data=form(event))
    assert stored(mayor).version == 1 and audit_count() == entries
    client.post(
        path,
        data=form(
            event,
            arrival_airport="other",
            arrival_airport_name="Tainan",
            hotel_choice="own",
            hotel_own="Silks Place Tainan",
        ),
    )
    travel = stored(mayor)
    assert (travel.arrival_airport, travel.arrival_airport_name) == (Airport.OTHER, "Tainan")
    assert (travel.hotel_choice, travel.hotel_name) == (HotelChoice.OWN, "Silks Place Tainan")
    assert travel.version == 2


def test_the_travel_page_speaks_the_guest_s_language(client):
    event = travel_event()
    mayor = make_guest(event, category=Category.VIP, language=Language.ZH_HANT)
    page = text(client.get(f"{invitation_path(mayor)}/travel"))
    assert "您的行程" in page and "高雄（KHH）" in page


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        (
            {"departure_date": "EARLY"},
            "departure_date",
            "The departure must come after the arrival.",
        ),
        ({"arrival_flight": "BR"}, "arrival_flight", "Please enter a flight number"),
        ({"arrival_flight": "12345"}, "arrival_flight", "Please enter a flight number"),
        ({"departure_flight": "BR 12345"}, "departure_flight", "Please enter a flight number"),
        ({"arrival_flight": "B*27"}, "arrival_flight", "Please enter a flight number"),
        ({"arrival_airport": "LAX"}, "arrival_airport", "Please choose an airport from the list."),
        ({"arrival_airport": "other"}, "arrival_airport_name", "Please name the airport."),
        ({"check_out": "EARLY"}, "check_out", "The check-out must come after the check-in."),
        ({"arrival_date": "FAR"}, "arrival_date", "Please enter a date between"),
        ({"check_in": "FAR"}, "check_in", "Please enter a date between"),
        ({"hotel_booked": "Motel Nowhere"}, "hotel_booked", "Please choose one of the hotels"),
        ({"hotel_choice": "own", "hotel_own": ""}, "hotel_own", "Please name your hotel."),
        ({"hotel_choice": "tent"}, "hotel_choice", "Please say where you will stay."),
        ({"arrival_date": "2026-13-40"}, "arrival_date", ""),
        ({"arrival_time": None}, "arrival_time", "Please fill this in."),
        ({"hotel_own": "x" * 201, "hotel_choice": "own"}, "hotel_own", "At most 200"),
    ],
)
def test_bad_travel_is_refused_with_a_message_and_nothing_is_stored(client, typed, field, message):
    event = travel_event()
    mayor = make_guest(event, category=Category.VIP)
    day = event_day(event)
    special = {
        "EARLY": (day - timedelta(days=2)).isoformat(),
        "FAR": (day + timedelta(days=400)).isoformat(),
    }
    typed = {name: special.get(value, value) for name, value in typed.items()}
    entries = audit_count()
    response = client.post(f"{invitation_path(mayor)}/travel", data=form(event, **typed))
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page
    assert f'id="{field}-error"' in page or f'id="{field}"' in page
    assert message in page
    assert stored(mayor) is None and audit_count() == entries


def test_flight_numbers_take_iata_and_icao_designators(app):
    assert normal_flight("br27") == "BR 27"
    assert normal_flight("CI0061") == "CI 0061"
    assert normal_flight("EVA 27") == "EVA 27"
    assert normal_flight("3K-721") == "3K 721"
    assert normal_flight("JL 99A") == "JL 99A"
    for bad in ("", "BR", "27", "1234", "BR27AB", "ABCD 1", "BR 12345", "BR 27!"):
        assert normal_flight(bad) == "", bad


def test_a_change_of_bad_travel_keeps_what_was_stored(client):
    event = travel_event()
    mayor = make_guest(event, category=Category.VIP)
    path = f"{invitation_path(mayor)}/travel"
    client.post(path, data=form(event))
    day = event_day(event)
    bad = form(event, arrival_flight="KHH", departure_date=(day - timedelta(days=3)).isoformat())
    assert client.post(path, data=bad).status_code == 400
    travel = stored(mayor)
    assert travel.arrival_flight == "BR 27" and travel.version == 1


def test_a_revoked_or_rotated_link_gives_no_travel(client):
    event = travel_event()
    mayor = make_guest(event, category=Category.VIP)
    old = f"{invitation_path(mayor)}/travel"
    invitations.rotate(mayor.id, audit.SYSTEM)
    db.session.commit()
    assert client.post(old, data=form(event)).status_code in (404, 410)
    assert stored(mayor) is None
    speaker = make_guest(event, category=Category.SPEAKER)
    path = f"{invitation_path(speaker)}/travel"
    invitations.revoke(speaker.id, audit.SYSTEM)
    db.session.commit()
    assert client.post(path, data=form(event)).status_code in (404, 410)
    assert stored(speaker) is None


def test_travel_can_no_longer_change_once_the_event_started(client):
    event = travel_event()
    mayor = make_guest(event, category=Category.VIP)
    path = f"{invitation_path(mayor)}/travel"
    client.post(path, data=form(event))
    event = db.session.get_one(Event, event.id)
    from datetime import UTC, datetime

    event.starts_at = datetime.now(UTC) - timedelta(minutes=5)
    event.doors_open_at = event.starts_at - timedelta(minutes=20)
    db.session.commit()
    response = client.post(path, data=form(event, arrival_flight="BR 28"))
    assert response.status_code == 409
    assert "can no longer be changed" in text(response)
    assert stored(mayor).arrival_flight == "BR 27"


def test_a_travel_post_without_the_page_s_csrf_token_changes_nothing(app_config, app):
    event = travel_event()
    mayor = make_guest(event, category=Category.VIP)
    path = f"{invitation_path(mayor)}/travel"
    csrf_app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = request_client(csrf_app)
    response = client.post(path, data=form(event, csrf_token="forged"))
    assert response.status_code == 400
    assert stored(mayor) is None
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text(client.get(path))).group(1)
    assert client.post(path, data=form(event, csrf_token=token)).status_code == 302
    assert stored(mayor) is not None
    with csrf_app.app_context():
        db.engine.dispose()


def test_bad_details_are_named_field_by_field_by_the_service(app):
    event = travel_event()
    mayor = make_guest(event, category=Category.VIP)
    day = event_day(event)
    with pytest.raises(TravelInvalid) as refused:
        give(
            mayor.id,
            mayor.token_version,
            _details(
                event,
                arrival_flight="nope",
                departure_date=day - timedelta(days=3),
                check_out=day - timedelta(days=5),
                departure_airport="XXX",
            ),
            audit.GUEST,
        )
    db.session.rollback()
    assert set(refused.value.errors) >= {"arrival_flight", "departure_airport", "check_out"}
    assert stored(mayor) is None


# -- erasure ---------------------------------------------------------------------------------


def test_erasing_a_guest_removes_their_travel(app):
    event = travel_event()
    mayor = make_guest(event, category=Category.VIP)
    give(mayor.id, mayor.token_version, _details(event), audit.GUEST)
    db.session.commit()
    assert stored(mayor) is not None
    guests.erase(mayor.id, audit.SYSTEM)
    db.session.commit()
    assert stored(mayor) is None
