"""Walk-ins: door staff register a person at the door where the event takes them; a free seat
under the lock, checked in, a badge on the spot, marked as a walk-in in every list."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from support.auth import DOOR_EMAIL, PASSWORD
from support.event_files import FORUM
from support.event_form import edit_form
from support.factories import answer, make_event, make_guest
from support.live_server import serving

from registrar import tokens
from registrar.extensions import db
from registrar.mail import campaigns
from registrar.models import (
    AuditEntry,
    Category,
    Channel,
    CheckIn,
    Event,
    EventState,
    Guest,
    OutboxMessage,
    Scan,
    Seat,
    SeatState,
)
from registrar.services import audit, checkin, event_files, exports


@pytest.fixture
def event(app) -> Event:
    return make_event(capacity=3, door_walk_ins=True)


def _walk_in(client, event_id: int, **body):
    values = {"name_en": "Wang Walk-In", "name_zh": "王路過", "organization": "Press office"}
    return client.post(f"/api/v1/events/{event_id}/walk-ins", json={**values, **body})


def _written(event_id: int) -> tuple[int, int, int, int, int]:
    """(guests, seats, presences, scans, audit entries): what a refusal must not add to."""
    db.session.expire_all()

    def count(model, where) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(where)) or 0

    return (
        count(Guest, Guest.event_id == event_id),
        count(Seat, Seat.event_id == event_id),
        count(CheckIn, CheckIn.event_id == event_id),
        count(Scan, Scan.event_id == event_id),
        count(AuditEntry, AuditEntry.event_id == event_id),
    )


def test_a_walk_in_is_seated_checked_in_audited_and_gets_a_badge(door_client, event):
    response = _walk_in(
        door_client, event.id, nonce="w-1", gate="North", category="press", channel="zh"
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["scan"]["verdict"] == "ok"
    assert body["scan"]["guest"]["name_zh"] == "王路過"
    assert body["scan"]["occupancy"]["inside"] == 1
    db.session.expire_all()
    guest = db.session.get(Guest, body["guest_id"])
    assert guest.walk_in and guest.category == Category.PRESS
    assert guest.rsvp.attending and guest.rsvp.channel == Channel.ZH
    assert guest.seat.state == SeatState.CONFIRMED
    assert guest.check_in.inside and guest.check_in.first_gate == "North"
    assert body["badge_code"] == tokens.badge_code(event.id, guest.id, guest.badge_version)
    actions = set(
        db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.guest_id == guest.id))
    )
    assert {"checkin.walk_in", "rsvp.answered", "seat.confirmed"} <= actions
    # No address given: no mail is queued to the placeholder.
    assert not guest.has_address
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.guest_id == guest.id)) == 0
    )

    # The badge on the screen carries the code; the printable one is a PDF.
    png = door_client.get(body["badge_png"])
    assert png.status_code == 200 and png.mimetype == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    assert [d.text for d in decoded] == [body["badge_code"]]
    pdf = door_client.get(body["badge_pdf"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    # Scanned at the door: already inside.
    scanned = door_client.post(
        f"/api/v1/events/{event.id}/scans", json={"code": body["badge_code"]}
    ).get_json()
    assert scanned["verdict"] == "already_checked_in"
    # Found by name, marked as a walk-in.
    found = door_client.get(f"/api/v1/events/{event.id}/door-search", query_string={"q": "王路"})
    assert found.get_json()["guests"][0]["walk_in"] is True


def test_a_walk_in_with_an_address_gets_the_confirmation(door_client, event):
    body = _walk_in(door_client, event.id, email="Wang@Example.org", language="zh_Hant").get_json()

    message = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.guest_id == body["guest_id"])
    )
    assert message is not None and message.to_address == "wang@example.org"
    assert message.kind.value == "confirmation" and message.language.value == "zh_Hant"


def test_the_same_nonce_twice_registers_one_walk_in(door_client, event):
    first = _walk_in(door_client, event.id, nonce="same")
    before = _written(event.id)

    again = _walk_in(door_client, event.id, nonce="same", name_en="Someone Else")

    assert again.status_code == 200
    assert again.get_json()["guest_id"] == first.get_json()["guest_id"]
    assert again.get_json()["scan"]["replayed"] is True
    assert _written(event.id) == before


def test_a_nonce_another_reading_used_gets_no_ones_badge_and_registers_nothing(door_client, event):
    guest = make_guest(event, name_en="Invited Guest")
    answer(guest)
    code = tokens.badge_code(event.id, guest.id, guest.badge_version)
    scanned = door_client.post(
        f"/api/v1/events/{event.id}/scans", json={"code": code, "nonce": "taken"}
    )
    assert scanned.get_json()["verdict"] == "ok"
    before = _written(event.id)

    response = _walk_in(door_client, event.id, nonce="taken")

    assert response.status_code == 409
    assert "already used by another reading" in response.get_json()["error"]["message"]
    assert "badge_code" not in response.get_json()
    assert _written(event.id) == before


def test_walk_ins_are_refused_when_the_event_does_not_take_them(door_client, app):
    event = make_event(capacity=3)
    before = _written(event.id)

    response = _walk_in(door_client, event.id)

    assert response.status_code == 403
    assert "does not take walk-ins" in response.get_json()["error"]["message"]
    assert _written(event.id) == before
    page = door_client.get(f"/door/events/{event.id}").get_data(as_text=True)
    assert 'id="walk-in-form"' not in page


def test_a_full_room_refuses_the_walk_in_and_writes_nothing(door_client, event):
    for _ in range(3):
        answer(make_guest(event))
    before = _written(event.id)

    response = _walk_in(door_client, event.id, nonce="full")

    assert response.status_code == 409
    assert "room is full" in response.get_json()["error"]["message"]
    assert _written(event.id) == before


@pytest.mark.parametrize("state", [EventState.DRAFT, EventState.CANCELLED, EventState.ARCHIVED])
def test_an_event_that_is_not_open_takes_no_walk_ins(door_client, event, state):
    db.session.get(Event, event.id).state = state
    db.session.commit()
    before = _written(event.id)

    response = _walk_in(door_client, event.id)

    assert response.status_code == 409
    assert _written(event.id) == before


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"name_en": "", "name_zh": "  "}, "name"),
        ({"email": "not-an-address"}, "e-mail"),
        ({"channel": "ja"}, "channel"),
        ({"category": "king"}, "category"),
        ({"name_en": "Two\nLines"}, "line"),
        ({"name_en": "x" * 201}, "200"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_writes_nothing(door_client, event, body, words):
    before = _written(event.id)

    response = _walk_in(door_client, event.id, **body)

    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert words in message.lower()
    assert _written(event.id) == before


def test_an_address_already_on_the_list_is_refused(door_client, event):
    make_guest(event, email="taken@example.org")
    before = _written(event.id)

    response = _walk_in(door_client, event.id, email="taken@example.org")

    assert response.status_code == 400
    assert "already on the guest list" in response.get_json()["error"]["message"]
    assert _written(event.id) == before


def test_walk_ins_are_marked_in_the_console_and_the_exports(organizer_client, event):
    registered = checkin.register_walk_in(
        event.id, checkin.WalkIn(name_en="Chen Walk-In", nonce="x"), audit.SYSTEM
    )
    db.session.commit()
    invited = make_guest(event, name_en="Lin Invited")

    page = organizer_client.get(f"/console/events/{event.id}/guests").get_data(as_text=True)
    assert page.count("data-walk-in") == 1

    table = exports.guests_table(db.session.get(Event, event.id))
    column = table.header.index("Walk-in")
    by_id = {row[0]: row[column] for row in table.rows}
    assert str(by_id[registered.guest_id]) == "Yes"
    assert str(by_id[invited.id]) == "No"
    checkins = exports.checkins_table(db.session.get(Event, event.id))
    assert [str(row[checkins.header.index("Walk-in")]) for row in checkins.rows] == ["Yes"]


def test_the_badge_pages_are_for_this_events_door_and_walk_ins_only(door_client, client, event):
    registered = _walk_in(door_client, event.id).get_json()
    invited = make_guest(event)
    answer(invited)

    other = door_client.get(f"/door/events/{event.id}/walk-ins/{invited.id}/badge.png")
    assert other.status_code == 404
    door_client.post("/logout")
    assert door_client.get(registered["badge_png"]).status_code in (302, 401)


# -- the event's setting -----------------------------------------------------------------------


def test_walk_ins_are_off_by_default_and_set_in_the_event_editor(organizer_client, app):
    event = make_event()
    assert event.door_walk_ins is False

    response = organizer_client.post(
        f"/console/events/{event.id}/edit", data=edit_form(event, door_walk_ins="y")
    )

    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert db.session.get(Event, event.id).door_walk_ins is True
    page = organizer_client.get(f"/console/events/{event.id}/edit").get_data(as_text=True)
    assert 'id="door_walk_ins" name="door_walk_ins" type="checkbox" value="y"' in page


def _imported(text: str) -> event_files.FileImport:
    result = event_files.import_event(event_files.read_event_file(text), audit.SYSTEM)
    db.session.commit()
    return result


def test_the_event_file_reads_writes_and_reads_back_the_walk_in_setting(app):
    assert event_files.read_event_file(FORUM).details.door_walk_ins is False
    text = FORUM + "\n[door]\nwalk_ins = true\n"
    event = _imported(text).event
    assert event.door_walk_ins is True

    written = event_files.export_event(event)
    assert "[door]\nwalk_ins = true" in written
    assert "no_answer =" not in written
    assert not _imported(written).changed_anything
    with pytest.raises(event_files.EventFileError, match=r"door\.walk_ins: must be true or false"):
        event_files.read_event_file(FORUM + '\n[door]\nwalk_ins = "yes"\n')


def test_sending_invitations_to_all_leaves_out_walk_ins(app, event):
    checkin.register_walk_in(
        event.id, checkin.WalkIn(name_en="Hsu Walk-In", email="hsu@example.org"), audit.SYSTEM
    )
    db.session.commit()
    invited = make_guest(event)

    queued = campaigns.send_invitations(db.session.get(Event, event.id), audit.SYSTEM)

    assert [message.guest_id for message in queued] == [invited.id]


def test_walk_ins_at_several_doors_at_once_never_take_more_seats_than_are_free(
    app, door_client, event
):
    for _ in range(2):
        answer(make_guest(event))  # one seat of three left
    event_id = event.id
    doors = 5
    db.session.commit()  # the server must not wait for a transaction of ours (SQLite)

    with serving(app) as url:
        sessions = []
        for _ in range(doors):
            session = requests.Session()
            logged = session.post(
                url + "/login",
                data={"email": DOOR_EMAIL, "password": PASSWORD},
                allow_redirects=False,
                timeout=30,
            )
            assert logged.status_code == 302
            sessions.append(session)
        barrier = threading.Barrier(doors)

        def register(index: int) -> requests.Response:
            barrier.wait(timeout=30)
            return sessions[index].post(
                f"{url}/api/v1/events/{event_id}/walk-ins",
                json={"name_en": f"Walk-In {index}", "nonce": f"door-{index}"},
                timeout=30,
            )

        with ThreadPoolExecutor(max_workers=doors) as pool:
            responses = list(pool.map(register, range(doors)))

    assert sorted(r.status_code for r in responses) == [200] + [409] * (doors - 1)
    db.session.expire_all()
    walk_ins = db.session.scalars(
        sa.select(Guest).where(Guest.event_id == event_id, Guest.walk_in.is_(True))
    ).all()
    assert len(walk_ins) == 1
    confirmed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Seat)
        .where(Seat.event_id == event_id, Seat.state == SeatState.CONFIRMED)
    )
    assert confirmed == 3
    db.session.commit()
