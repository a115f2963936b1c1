"""Who is offered travel, set where every other setting is: the event editor, the API's event
fields and the event's TOML file (read, written and read back unchanged); a guest offered it on
their own, on the console's guest form and in the API's guest fields."""

from __future__ import annotations

import re

import pytest
from support.app import text
from support.event_files import FORUM
from support.event_form import edit_form
from support.factories import make_event, make_guest

from registrar.extensions import db
from registrar.models import Category, Event, Guest
from registrar.services import audit, event_files


def reread(model, row_id):
    db.session.expire_all()
    return db.session.get_one(model, row_id)


def test_the_event_editor_offers_travel_to_chosen_categories(organizer_client):
    event = make_event()
    path = f"/console/events/{event.id}/edit"
    assert "Guests offered travel" in text(organizer_client.get(path))

    bad = organizer_client.post(path, data=edit_form(event, travel_categories=["mayor"]))
    assert bad.status_code == 400
    assert "Please choose one of the categories listed." in text(bad)
    assert reread(Event, event.id).travel_categories == ""

    form = edit_form(event, travel_categories=["speaker", "vip"])
    assert organizer_client.post(path, data=form).status_code == 302
    event = reread(Event, event.id)
    # In the categories' own order, whichever order they were ticked in.
    assert event.travel_categories == "speaker vip"
    page = text(organizer_client.get(path))
    assert re.search(r'name="travel_categories" type="checkbox" value="vip"', page)
    assert re.search(r'checked[^>]*value="vip"|value="vip"[^>]*checked', page)


def test_the_api_reads_and_changes_the_travel_categories(organizer_client):
    event = make_event()
    path = f"/api/v1/events/{event.id}"
    # The event's fields as an organizer writes them (a change of nothing answers with them).
    assert organizer_client.patch(path, json={}).get_json()["travel_categories"] == []
    changed = organizer_client.patch(path, json={"travel_categories": ["vip", "speaker"]})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["travel_categories"] == ["speaker", "vip"]
    refused = organizer_client.patch(path, json={"travel_categories": ["mayor"]})
    assert refused.status_code == 400
    assert reread(Event, event.id).travel_categories == "speaker vip"


TRAVEL = FORUM + '\n[travel]\ncategories = ["vip", "speaker"]\n'


def test_the_travel_section_is_read_written_and_read_back(app):
    assert "[travel]" not in FORUM
    result = event_files.import_event(event_files.read_event_file(TRAVEL), audit.SYSTEM)
    db.session.commit()
    event = result.event
    assert event.travel_categories == "speaker vip"
    written = event_files.export_event(event)
    assert '[travel]\ncategories = ["speaker", "vip"]' in written
    again = event_files.import_event(event_files.read_event_file(written), audit.SYSTEM)
    assert not again.changed_anything
    db.session.rollback()
    # Left out: travel is offered to no category.
    assert (
        "travel_categories"
        in event_files.import_event(event_files.read_event_file(FORUM), audit.SYSTEM).changes
    )


def test_an_unknown_category_in_the_travel_section_is_named_with_its_line(app):
    with pytest.raises(event_files.EventFileError) as refused:
        event_files.read_event_file(FORUM + '\n[travel]\ncategories = ["vip", "mayor"]\n')
    assert "travel.categories[1]" in str(refused.value)


HOTELS = TRAVEL + 'hotels = ["Grand Hi-Lai Hotel", "Hotel Nikko Kaohsiung"]\n'


def test_the_hotels_are_read_written_and_read_back_and_kept_when_left_out(app):
    result = event_files.import_event(event_files.read_event_file(HOTELS), audit.SYSTEM)
    db.session.commit()
    event = result.event
    assert event.travel_hotels == "Grand Hi-Lai Hotel\nHotel Nikko Kaohsiung"
    written = event_files.export_event(event)
    assert 'hotels = ["Grand Hi-Lai Hotel", "Hotel Nikko Kaohsiung"]' in written
    again = event_files.import_event(event_files.read_event_file(written), audit.SYSTEM)
    assert not again.changed_anything
    # A file that names no hotels leaves the list as the Travel page set it.
    assert not event_files.import_event(
        event_files.read_event_file(TRAVEL), audit.SYSTEM
    ).hotels_changed
    assert reread(Event, event.id).travel_hotels.count("\n") == 1
    changed = event_files.import_event(
        event_files.read_event_file(TRAVEL + 'hotels = ["Hotel Nikko Kaohsiung"]\n'), audit.SYSTEM
    )
    assert changed.hotels_changed and changed.changed_anything
    assert reread(Event, event.id).travel_hotels == "Hotel Nikko Kaohsiung"


def test_a_hotel_the_travel_page_would_refuse_is_named_with_its_line_and_nothing_is_saved(app):
    event = event_files.import_event(event_files.read_event_file(HOTELS), audit.SYSTEM).event
    db.session.commit()
    event_id = event.id
    too_long = TRAVEL + f'hotels = ["{"H" * 201}"]\n'
    with pytest.raises(event_files.EventFileError) as refused:
        event_files.import_event(event_files.read_event_file(too_long), audit.SYSTEM)
    db.session.rollback()
    assert "travel.hotels" in str(refused.value)
    assert re.search(r"line \d+", str(refused.value))
    assert reread(Event, event_id).travel_hotels == "Grand Hi-Lai Hotel\nHotel Nikko Kaohsiung"


def test_the_guest_form_offers_travel_to_one_guest(organizer_client):
    event = make_event()
    guest = make_guest(event, category=Category.DELEGATE)
    path = f"/console/guests/{guest.id}/edit"
    assert "Offer travel" in text(organizer_client.get(path))
    values = {
        "email": guest.email,
        "name_en": guest.name_en,
        "name_zh": guest.name_zh,
        "organization": guest.organization,
        "category": "delegate",
        "language": "en",
        "travel_offered": "y",
    }
    assert organizer_client.post(path, data=values).status_code == 302
    assert reread(Guest, guest.id).travel_offered is True
    assert re.search(
        r'<input[^>]* checked [^>]*name="travel_offered"', text(organizer_client.get(path))
    )
    del values["travel_offered"]
    organizer_client.post(path, data=values)
    assert reread(Guest, guest.id).travel_offered is False


def test_the_api_guest_fields_say_and_set_whether_travel_is_offered(organizer_client):
    event = make_event(travel_categories="vip")
    vip = make_guest(event, category=Category.VIP)
    path = f"/api/v1/events/{event.id}/guests/{vip.id}"
    read = organizer_client.get(path).get_json()
    assert (read["travel_offered"], read["travel"]) == (False, True)
    made = organizer_client.post(
        f"/api/v1/events/{event.id}/guests",
        json={"email": "mayor@example.org", "name_en": "Mayor", "travel_offered": True},
    )
    assert made.status_code in (200, 201), made.get_json()
    assert (made.get_json()["travel_offered"], made.get_json()["travel"]) == (True, True)
    changed = organizer_client.patch(
        f"/api/v1/events/{event.id}/guests/{made.get_json()['id']}", json={"travel_offered": False}
    )
    assert changed.get_json()["travel"] is False
    assert organizer_client.patch(path, json={"travel_offered": "yes"}).status_code == 400
