"""The door's JSON API: every verdict, nonces, offline conflicts, access, and parallel scans."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
import requests
import sqlalchemy as sa
from support import factories
from support.auth import DOOR_EMAIL, PASSWORD, logged_in
from support.factories import make_event, make_guest, make_staff
from support.live_server import serving

from registrar import tokens
from registrar.extensions import db
from registrar.models import (
    AuditEntry,
    Category,
    Channel,
    CheckIn,
    DoorLink,
    Event,
    EventState,
    Guest,
    Role,
    Scan,
    StaffUser,
    Verdict,
    utcnow,
)
from registrar.services import audit, door, invitations

CONFIG_SCRIPT = re.compile(
    r'<script type="application/json" id="door-config">(.*?)</script>', re.DOTALL
)


# -- helpers ---------------------------------------------------------------------------------


def answer(guest: Guest, attending: bool = True, channel: Channel | None = Channel.EN) -> Guest:
    factories.answer(guest, attending, channel)
    return guest


def confirmed_guest(event: Event, **fields) -> Guest:
    return answer(make_guest(event, **fields))


def code_of(guest: Guest) -> str:
    return tokens.badge_code(guest.event_id, guest.id, guest.badge_version)


def scan(client, event_id: int, code: str, **body):
    return client.post(f"/api/v1/events/{event_id}/scans", json={"code": code, **body})


def verdict_of(client, event_id: int, code: str, **body) -> str:
    response = scan(client, event_id, code, **body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["verdict"]


def scans_of(event_id: int) -> list[Scan]:
    db.session.expire_all()
    return list(
        db.session.scalars(sa.select(Scan).where(Scan.event_id == event_id).order_by(Scan.id))
    )


def presence_of(guest_id: int) -> CheckIn | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(CheckIn).where(CheckIn.guest_id == guest_id))


def staff_id(email: str) -> int:
    return db.session.scalar(sa.select(StaffUser.id).where(StaffUser.email == email))


def at(moment: datetime) -> str:
    return moment.isoformat()


@pytest.fixture
def event(app):
    return make_event(capacity=10)


# -- verdicts --------------------------------------------------------------------------------


def test_ok_shows_the_guest_and_a_second_scan_is_already_checked_in(door_client, event):
    guest = confirmed_guest(
        event,
        name_en="Lai Ching-Ming",
        name_zh="賴慶明",
        organization="Kaohsiung City Government",
        category=Category.SPEAKER,
    )
    first_at = utcnow() - timedelta(minutes=3)

    first = scan(door_client, event.id, code_of(guest), gate="North", scanned_at=at(first_at))
    again = scan(door_client, event.id, code_of(guest), gate="South")

    assert first.status_code == 200
    body = first.get_json()
    assert body["verdict"] == "ok"
    assert body["replayed"] is False
    assert body["guest"] == {
        "id": guest.id,
        "name_en": "Lai Ching-Ming",
        "name_zh": "賴慶明",
        "organization": "Kaohsiung City Government",
        "category": "speaker",
        "channel": "en",
        "receiver": "",
        "receiver_returned": False,
        "vip": False,
        "seat_label": "",
        "companion_role": None,
        "principal_name_en": "",
        "principal_name_zh": "",
    }
    assert body["occupancy"] == {"inside": 1, "capacity": 10}
    assert datetime.fromisoformat(body["scanned_at"]) == first_at
    second = again.get_json()
    assert second["verdict"] == "already_checked_in"
    assert second["guest"]["id"] == guest.id
    assert second["first_scan"]["gate"] == "North"
    assert datetime.fromisoformat(second["first_scan"]["at"]) == first_at
    assert second["occupancy"] == {"inside": 1, "capacity": 10}


def test_lower_case_and_padded_code_is_the_same_badge(door_client, event):
    guest = confirmed_guest(event)
    assert verdict_of(door_client, event.id, "  " + code_of(guest).lower() + "\n") == "ok"


def test_waitlisted_guest_is_refused(door_client, app):
    event = make_event(capacity=1)
    confirmed_guest(event)
    waiting = confirmed_guest(event)
    assert waiting.seat.state.value == "waitlisted"

    body = scan(door_client, event.id, code_of(waiting)).get_json()

    assert body["verdict"] == "waitlisted"
    assert body["guest"]["id"] == waiting.id
    assert body["occupancy"]["inside"] == 0


def test_declined_and_cancelled_guests_are_refused_and_the_unanswered_not_called_declined(
    door_client, event
):
    said_no = answer(make_guest(event), attending=False)
    cancelled = answer(confirmed_guest(event), attending=False)
    never_answered = make_guest(event)

    for guest in (said_no, cancelled):
        assert verdict_of(door_client, event.id, code_of(guest)) == "declined", guest.id
    assert verdict_of(door_client, event.id, code_of(never_answered)) == "no_answer"
    assert presence_of(cancelled.id) is None
    assert presence_of(never_answered.id) is None


def test_revoked_invitation_and_replaced_badge_are_refused(door_client, event):
    revoked = confirmed_guest(event)
    invitations.revoke(revoked.id, audit.SYSTEM)
    db.session.commit()
    replaced = confirmed_guest(event)
    old_code = code_of(replaced)
    # A reprinted badge carries the next version; the printed one in the guest's pocket dies.
    replaced.badge_version += 1
    db.session.commit()

    assert verdict_of(door_client, event.id, code_of(revoked)) == "revoked"
    refused = scan(door_client, event.id, old_code).get_json()
    assert refused["verdict"] == "revoked"
    assert refused["guest"]["id"] == replaced.id
    assert verdict_of(door_client, event.id, code_of(replaced)) == "ok"


def test_badge_of_another_event_is_wrong_event_and_names_nobody(door_client, event):
    other = make_event()
    stranger = confirmed_guest(other)

    body = scan(door_client, event.id, code_of(stranger)).get_json()

    assert body["verdict"] == "wrong_event"
    assert body["guest"] is None
    (row,) = scans_of(event.id)
    assert row.guest_id is None


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda code: "", id="empty"),
        pytest.param(lambda code: "hello door", id="garbage"),
        pytest.param(lambda code: "https://example.org/?" + code, id="url"),
        pytest.param(lambda code: code[:-4], id="truncated"),
        pytest.param(lambda code: code[:-1] + ("A" if code[-1] != "A" else "B"), id="tampered-mac"),
        pytest.param(lambda code: code.replace(":1:", ":2:", 1), id="tampered-version"),
        pytest.param(lambda code: code + ":X", id="extra-part"),
        pytest.param(lambda code: "X" * 5000, id="huge"),
    ],
)
def test_anything_not_a_code_of_ours_is_invalid_and_kept(door_client, event, spoil):
    guest = confirmed_guest(event)
    code = spoil(code_of(guest))

    body = scan(door_client, event.id, code).get_json()

    assert body["verdict"] == "invalid"
    assert body["guest"] is None
    (row,) = scans_of(event.id)
    assert row.verdict == Verdict.INVALID
    assert row.code == code[:100]
    assert presence_of(guest.id) is None


def test_signed_code_of_an_unknown_guest_is_invalid(door_client, event):
    assert verdict_of(door_client, event.id, tokens.badge_code(event.id, 987654, 1)) == "invalid"


def test_room_full_and_only_organizers_override(client, app):
    event = make_event(capacity=1)
    first = confirmed_guest(event)
    waiting = confirmed_guest(event)
    make_staff(DOOR_EMAIL, Role.DOOR)
    logged_in(client, DOOR_EMAIL)
    assert verdict_of(client, event.id, code_of(first)) == "ok"
    # Inside, then cancels: the seat goes to the waitlist, but the room is still full.
    answer(first, attending=False)
    db.session.refresh(waiting)
    assert waiting.seat.state.value == "confirmed"

    full = scan(client, event.id, code_of(waiting)).get_json()
    refused = scan(client, event.id, code_of(waiting), override=True)

    assert full["verdict"] == "room_full"
    assert full["occupancy"] == {"inside": 1, "capacity": 1}
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"
    client.post("/logout")
    make_staff()
    logged_in(client)
    let_in = scan(client, event.id, code_of(waiting), override=True, gate="VIP").get_json()
    assert let_in["verdict"] == "ok"
    assert let_in["override"] is True
    assert let_in["occupancy"] == {"inside": 2, "capacity": 1}
    rows = scans_of(event.id)
    assert [(r.verdict, r.override) for r in rows] == [
        (Verdict.OK, False),
        (Verdict.ROOM_FULL, False),
        (Verdict.OK, True),
    ]
    overrides = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "checkin.override")
    ).all()
    assert [(e.guest_id, e.actor.startswith("staff:")) for e in overrides] == [(waiting.id, True)]


@pytest.mark.usefixtures("organizer_client")
def test_override_is_not_needed_below_capacity(client, event):
    guest = confirmed_guest(event)
    body = scan(client, event.id, code_of(guest), override=True).get_json()
    assert body["verdict"] == "ok"
    assert body["override"] is True


# -- what is kept ----------------------------------------------------------------------------


def test_every_scan_is_stored_with_its_verdict_gate_and_actor(door_client, event):
    guest = confirmed_guest(event)
    said_no = answer(make_guest(event), attending=False)
    codes = [code_of(guest), code_of(guest), code_of(said_no), "nonsense"]

    verdicts = [verdict_of(door_client, event.id, c, gate="East") for c in codes]

    assert verdicts == ["ok", "already_checked_in", "declined", "invalid"]
    rows = scans_of(event.id)
    assert [r.verdict.value for r in rows] == verdicts
    assert {r.gate for r in rows} == {"East"}
    assert {r.actor for r in rows} == {f"staff:{staff_id(DOOR_EMAIL)}"}
    assert [r.guest_id for r in rows] == [guest.id, guest.id, said_no.id, None]
    assert all(r.result["verdict"] == r.verdict.value for r in rows)


def test_same_nonce_gets_the_first_answer_and_writes_nothing(door_client, event):
    guest = confirmed_guest(event)
    refused = answer(make_guest(event), attending=False)

    first = scan(door_client, event.id, code_of(guest), nonce="n-1", gate="A").get_json()
    # The retry may even differ (another gate, now offline): the nonce decides.
    again = scan(door_client, event.id, code_of(guest), nonce="n-1", gate="B", offline=True)
    no = scan(door_client, event.id, code_of(refused), nonce="n-2").get_json()
    no_again = scan(door_client, event.id, code_of(refused), nonce="n-2").get_json()

    assert again.status_code == 200
    repeated = again.get_json()
    assert repeated["replayed"] is True
    assert {**repeated, "replayed": False} == first
    assert no["verdict"] == no_again["verdict"] == "declined"
    assert no_again["replayed"] is True
    assert [r.nonce for r in scans_of(event.id)] == ["n-1", "n-2"]


def test_nonce_is_per_event(door_client, event):
    other = make_event()
    here, there = confirmed_guest(event), confirmed_guest(other)
    assert verdict_of(door_client, event.id, code_of(here), nonce="same") == "ok"
    assert verdict_of(door_client, other.id, code_of(there), nonce="same") == "ok"


def test_exit_then_reentry(door_client, event):
    guest = confirmed_guest(event)
    entered_at = utcnow() - timedelta(minutes=30)
    assert verdict_of(door_client, event.id, code_of(guest), scanned_at=at(entered_at)) == "ok"

    out = scan(door_client, event.id, code_of(guest), direction="out").get_json()
    assert out["verdict"] == "ok"
    assert out["direction"] == "out"
    assert out["occupancy"]["inside"] == 0
    assert presence_of(guest.id).inside is False

    back = scan(door_client, event.id, code_of(guest)).get_json()
    assert back["verdict"] == "ok"
    assert back["occupancy"]["inside"] == 1
    presence = presence_of(guest.id)
    assert presence.inside is True
    # Coming back does not move the first entry.
    assert presence.first_scan_at == entered_at


@pytest.mark.parametrize("state", [EventState.CANCELLED, EventState.ARCHIVED])
def test_nobody_enters_a_cancelled_or_archived_event_but_leaving_is_recorded(
    door_client, event, state
):
    inside, outside = confirmed_guest(event), confirmed_guest(event)
    assert verdict_of(door_client, event.id, code_of(inside), nonce="before") == "ok"
    event.state = state
    db.session.commit()
    refused = scan(door_client, event.id, code_of(outside))
    assert refused.status_code == 409
    word = "cancelled" if state == EventState.CANCELLED else "archived"
    assert (
        f"This event {'was' if word == 'cancelled' else 'is'} {word}: nobody is let in"
        in (refused.get_json()["error"]["message"])
    )
    by_name = door_client.post(
        f"/api/v1/events/{event.id}/guests/{outside.id}/check-in", json={"nonce": "by-name"}
    )
    assert by_name.status_code == 409
    # A retry of a scan answered before still gets its answer; the guest inside may leave.
    assert verdict_of(door_client, event.id, code_of(inside), nonce="before") == "ok"
    out = scan(door_client, event.id, code_of(inside), direction="out").get_json()
    assert out["verdict"] == "ok" and out["occupancy"]["inside"] == 0
    assert [s.direction.value for s in scans_of(event.id)] == ["in", "out"]
    assert presence_of(outside.id) is None


def test_occupancy_counts_who_is_inside(door_client, event):
    guests = [confirmed_guest(event) for _ in range(4)]
    for guest in guests:
        scan(door_client, event.id, code_of(guest))
    scan(door_client, event.id, code_of(guests[0]), direction="out")
    scan(door_client, event.id, code_of(guests[0]), direction="out")  # twice: still one less

    response = door_client.get(f"/api/v1/events/{event.id}/occupancy")

    assert response.get_json() == {"inside": 3, "capacity": 10, "sessions": []}


def test_receiver_handed_out_then_returned_at_the_exit(door_client, event):
    guest = confirmed_guest(event)
    scan(door_client, event.id, code_of(guest))
    path = f"/api/v1/events/{event.id}/guests/{guest.id}/receiver"

    handed = door_client.post(path, json={"receiver": " 17 "})
    out = scan(door_client, event.id, code_of(guest), direction="out").get_json()
    back = door_client.post(path, json={"returned": True})
    again = scan(door_client, event.id, code_of(guest)).get_json()

    assert handed.get_json() == {"guest_id": guest.id, "receiver": "17", "returned": False}
    assert out["guest"]["receiver"] == "17"
    assert out["guest"]["receiver_returned"] is False
    assert back.get_json() == {"guest_id": guest.id, "receiver": "17", "returned": True}
    assert again["guest"]["receiver_returned"] is True


def test_receiver_for_a_guest_not_checked_in_is_refused(door_client, event):
    guest = confirmed_guest(event)
    response = door_client.post(
        f"/api/v1/events/{event.id}/guests/{guest.id}/receiver", json={"receiver": "3"}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


# -- offline scans ---------------------------------------------------------------------------


def test_earlier_offline_scan_wins_when_it_syncs_later(door_client, event):
    guest = confirmed_guest(event)
    moment = utcnow() - timedelta(minutes=1)

    door_a = scan(door_client, event.id, code_of(guest), gate="A", scanned_at=at(moment))
    door_b = scan(
        door_client,
        event.id,
        code_of(guest),
        gate="B",
        nonce="offline-b",
        offline=True,
        scanned_at=at(moment - timedelta(seconds=10)),
    )
    door_c = scan(
        door_client,
        event.id,
        code_of(guest),
        gate="C",
        offline=True,
        scanned_at=at(moment + timedelta(seconds=5)),
    )

    assert door_a.get_json()["verdict"] == "ok"
    assert door_b.get_json()["verdict"] == "ok"
    assert door_b.get_json()["duplicate"] is False
    later = door_c.get_json()
    assert later["verdict"] == "already_checked_in"
    assert later["first_scan"]["gate"] == "B"
    presence = presence_of(guest.id)
    assert presence.first_gate == "B"
    assert presence.first_scan_at == moment - timedelta(seconds=10)
    a_row, b_row, c_row = scans_of(event.id)
    assert (a_row.gate, a_row.duplicate, a_row.offline) == ("A", True, False)
    assert (b_row.gate, b_row.duplicate, b_row.offline) == ("B", False, True)
    assert (c_row.gate, c_row.duplicate, c_row.offline) == ("C", True, True)
    assert door_b.get_json()["occupancy"]["inside"] == 1


def test_offline_scan_keeps_its_time_and_a_future_time_becomes_now(door_client, event):
    early, future = confirmed_guest(event), confirmed_guest(event)
    read_at = utcnow() - timedelta(minutes=20)

    scan(door_client, event.id, code_of(early), offline=True, scanned_at=at(read_at))
    before = utcnow()
    scan(door_client, event.id, code_of(future), scanned_at=at(utcnow() + timedelta(hours=2)))

    first, second = scans_of(event.id)
    assert first.scanned_at == read_at
    assert first.recorded_at > read_at
    assert before <= second.scanned_at <= utcnow()


def test_queued_manual_check_in_keeps_its_time(door_client, event):
    guest = confirmed_guest(event)
    read_at = utcnow() - timedelta(minutes=7)

    response = door_client.post(
        f"/api/v1/events/{event.id}/guests/{guest.id}/check-in",
        json={"nonce": "m-1", "gate": "Desk", "offline": True, "scanned_at": at(read_at)},
    )

    assert response.get_json()["verdict"] == "ok"
    (row,) = scans_of(event.id)
    assert (row.manual, row.offline, row.scanned_at) == (True, True, read_at)
    assert presence_of(guest.id).first_scan_at == read_at


@pytest.mark.parametrize(
    "body",
    [
        {"scanned_at": "yesterday"},
        {"scanned_at": "2030-01-01T10:00:00"},  # no zone
        {"direction": "sideways"},
        {"offline": "yes"},
        {"gate": "G" * 65},
        {"nonce": "n" * 65},
        {"code": 42},
    ],
)
def test_malformed_scan_is_a_json_400_and_writes_nothing(door_client, event, body):
    response = door_client.post(
        f"/api/v1/events/{event.id}/scans", json={"code": "B1:1:1:1:X", **body}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    assert scans_of(event.id) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"scanned_at": "yesterday"}, "'scanned_at' must be an ISO 8601 time with a zone."),
        ({"direction": "sideways"}, "'direction' must be one of 'in', 'out'."),
        ({"offline": "yes"}, "'offline' must be true or false."),
        ({"gate": "G" * 65}, "'gate' has at most 64 characters."),
        ({"nonce": "n\x00"}, "'nonce' contains a NUL character."),
        ({"code": 42}, "'code' must be a string."),
    ],
)
def test_malformed_scan_says_what_is_wrong_with_which_field(door_client, event, body, message):
    response = door_client.post(f"/api/v1/events/{event.id}/scans", json=body)
    assert response.get_json()["error"] == {"code": "bad_request", "message": message}


def test_receiver_number_too_long_is_refused_after_trimming(door_client, event):
    guest = confirmed_guest(event)
    scan(door_client, event.id, code_of(guest))
    path = f"/api/v1/events/{event.id}/guests/{guest.id}/receiver"

    trimmed = door_client.post(path, json={"receiver": "  " + "7" * 32 + "  "})
    too_long = door_client.post(path, json={"receiver": "7" * 33, "returned": True})

    assert trimmed.get_json()["receiver"] == "7" * 32
    assert too_long.status_code == 400
    assert too_long.get_json()["error"]["message"] == "'receiver' has at most 32 characters."


def test_body_that_is_not_a_json_object_is_400(door_client, event):
    response = door_client.post(
        f"/api/v1/events/{event.id}/scans", data="code=1", content_type="text/plain"
    )
    assert response.status_code == 400


# -- search and manual check-in --------------------------------------------------------------


def test_search_by_either_script_and_manual_check_in(door_client, event):
    guest = confirmed_guest(event, name_en="Chen Mei-Ling", name_zh="陳美玲", organization="ICLEI")
    make_guest(event, name_en="Someone Else", name_zh="別人")

    by_zh = door_client.get(f"/api/v1/events/{event.id}/door-search", query_string={"q": "美玲"})
    by_en = door_client.get(f"/api/v1/events/{event.id}/door-search", query_string={"q": "chen"})
    checked = door_client.post(
        f"/api/v1/events/{event.id}/guests/{guest.id}/check-in",
        json={"nonce": "manual-1", "gate": "Desk", "direction": "in"},
    )
    after = door_client.get(f"/api/v1/events/{event.id}/door-search", query_string={"q": "陳"})

    found = by_zh.get_json()["guests"]
    assert found == by_en.get_json()["guests"]
    assert found == [
        {
            "id": guest.id,
            "name_en": "Chen Mei-Ling",
            "name_zh": "陳美玲",
            "organization": "ICLEI",
            "category": "delegate",
            "channel": "en",
            "seat": "confirmed",
            "answered": True,
            "revoked": False,
            "inside": False,
            "walk_in": False,
        }
    ]
    assert checked.get_json()["verdict"] == "ok"
    assert after.get_json()["guests"][0]["inside"] is True
    (row,) = scans_of(event.id)
    assert row.manual is True
    manual = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "checkin.manual")
    ).all()
    assert [e.guest_id for e in manual] == [guest.id]


def test_manual_check_in_of_a_guest_of_another_event_is_404(door_client, event):
    stranger = confirmed_guest(make_event())
    response = door_client.post(
        f"/api/v1/events/{event.id}/guests/{stranger.id}/check-in", json={"nonce": "x"}
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_search_ignores_spaces_hyphens_case_and_full_width(door_client, event):
    guest = make_guest(event, name_en="Chen Mei-Ling", name_zh="陳美玲", organization="ICLEI")
    make_guest(event, name_en="Mei Lin", name_zh="梅林")

    def found(query: str) -> list[int]:
        answer = door_client.get(
            f"/api/v1/events/{event.id}/door-search", query_string={"q": query}
        )
        return [row["id"] for row in answer.get_json()["guests"]]

    for query in ("mei ling", "MEILING", "mei-ling", "ｍｅｉ－ｌｉｎｇ", "chen meiling", "陳 美玲"):
        assert found(query) == [guest.id], query
    # Still a search, not a guess: a name that is not there finds nobody.
    assert found("mei lingo") == []
    # A percent sign is a character, not a wildcard.
    assert found("%") == []


def test_empty_search_finds_nobody(door_client, event):
    make_guest(event)
    response = door_client.get(f"/api/v1/events/{event.id}/door-search", query_string={"q": "  "})
    assert response.get_json() == {"guests": []}


# -- who may scan ----------------------------------------------------------------------------


def test_anonymous_gets_401_json_everywhere(client, event):
    guest = confirmed_guest(event)
    calls = [
        client.post(f"/api/v1/events/{event.id}/scans", json={"code": code_of(guest)}),
        client.get(f"/api/v1/events/{event.id}/door-search?q=a"),
        client.get(f"/api/v1/events/{event.id}/occupancy"),
        client.post(f"/api/v1/events/{event.id}/guests/{guest.id}/check-in", json={}),
        client.post(f"/api/v1/events/{event.id}/guests/{guest.id}/receiver", json={}),
    ]
    for response in calls:
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"
    assert scans_of(event.id) == []


def test_scanner_page_asks_anonymous_visitors_to_log_in(client, event):
    response = client.get(f"/door/events/{event.id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_unknown_event_is_404(door_client, event):
    assert scan(door_client, 999999, "x").status_code == 404
    assert door_client.get("/door/events/999999").status_code == 404


def _open_door_link(client, link: DoorLink):
    token = tokens.door_link_token(link.id, link.event_id)
    return client.get(f"/door/l/{token}")


def _new_link(event: Event, label: str = "North door", hours: int = 4) -> DoorLink:
    link = door.create_link(event, label, hours, audit.SYSTEM)
    db.session.commit()
    return link


def test_door_link_opens_the_scanner_of_its_own_event_only(client, event):
    other = make_event()
    guest, stranger = confirmed_guest(event), confirmed_guest(other)
    link = _new_link(event)

    opened = _open_door_link(client, link)
    page = client.get(opened.headers["Location"])
    here = scan(client, event.id, code_of(guest))
    there = scan(client, other.id, code_of(stranger))

    assert opened.status_code == 302
    assert opened.headers["Location"].startswith(f"/door/events/{event.id}?gate=North")
    assert page.status_code == 200
    assert here.get_json()["verdict"] == "ok"
    assert there.status_code == 401
    other_page = client.get(f"/door/events/{other.id}")
    assert other_page.status_code == 302
    assert other_page.headers["Location"].startswith("/login")
    assert [r.actor for r in scans_of(event.id)] == [f"door-link:{link.id}"]
    assert scans_of(other.id) == []
    # A volunteer's link never opens the console.
    assert client.get(f"/console/events/{event.id}").status_code in (302, 401, 403)


def test_withdrawn_door_link_stops_working(client, event):
    guest = confirmed_guest(event)
    link = _new_link(event)
    _open_door_link(client, link)
    assert client.get(f"/door/events/{event.id}").status_code == 200

    door.revoke_link(link.id, audit.SYSTEM)
    db.session.commit()

    page = client.get(f"/door/events/{event.id}")
    assert page.status_code == 410
    assert "door link" in page.get_data(as_text=True)
    refused = scan(client, event.id, code_of(guest))
    assert refused.status_code in (401, 410)
    assert "error" in refused.get_json()
    assert _open_door_link(client, link).status_code == 410
    assert scans_of(event.id) == []


def test_door_link_that_expired_while_in_use_stops_working(client, event):
    guest = confirmed_guest(event)
    link = _new_link(event)
    _open_door_link(client, link)
    link.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    refused = scan(client, event.id, code_of(guest))

    assert refused.status_code == 410
    assert refused.get_json()["error"]["code"] == "gone"
    assert client.get(f"/door/events/{event.id}").status_code in (302, 410)
    assert _open_door_link(client, link).status_code == 410


def test_door_link_with_a_bad_signature_is_410(client, event):
    link = _new_link(event)
    token = tokens.door_link_token(link.id, link.event_id)
    assert client.get(f"/door/l/{token[:-2]}xx").status_code == 410


def test_door_link_cannot_override(client, app):
    event = make_event(capacity=1)
    link = _new_link(event)
    _open_door_link(client, link)
    guest = confirmed_guest(event)
    assert scan(client, event.id, code_of(guest), override=True).status_code == 403


# -- the page --------------------------------------------------------------------------------


def page_config(response) -> dict:
    match = CONFIG_SCRIPT.search(response.get_data(as_text=True))
    assert match, "no #door-config on the scanner page"
    return json.loads(match.group(1))


def test_scanner_page_carries_its_settings_and_no_inline_script(door_client, event):
    response = door_client.get(f"/door/events/{event.id}?gate=Main%20door")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    config = page_config(response)
    assert config["eventId"] == event.id
    assert config["canOverride"] is False
    assert config["gate"] == "Main door"
    assert config["csrfToken"]
    assert config["urls"]["scans"] == f"/api/v1/events/{event.id}/scans"
    assert config["urls"]["decoderWasm"].endswith("/zxing_reader.wasm")
    assert set(config["verdicts"]) >= {v.value for v in Verdict}
    # Ready for a Content-Security-Policy without 'unsafe-inline': data, or a src.
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'type="application/json"' in tag or "src=" in tag, tag
    assert '<video id="camera-video" muted playsinline autoplay>' in html


@pytest.mark.usefixtures("organizer_client")
def test_scanner_page_lets_organizers_override(client, event):
    assert page_config(client.get(f"/door/events/{event.id}"))["canOverride"] is True


def test_scanner_page_speaks_chinese(door_client, event):
    response = door_client.get(f"/door/events/{event.id}?lang=zh_Hant")
    config = page_config(response)
    assert config["lang"] == "zh"
    assert config["verdicts"]["ok"] == "報到成功"
    assert config["verdicts"]["room_full"] == "會場已滿"
    assert config["text"]["pending"] == "待同步（{n}）"
    assert "開啟相機" in response.get_data(as_text=True)


def test_vendored_decoder_is_served_from_here(door_client, event):
    config = page_config(door_client.get(f"/door/events/{event.id}"))
    script = door_client.get(config["urls"]["decoderScript"])
    wasm = door_client.get(config["urls"]["decoderWasm"])
    assert script.status_code == wasm.status_code == 200
    assert b"prepareZXingModule" in script.data
    assert wasm.data[:4] == b"\0asm"
    assert wasm.mimetype == "application/wasm"


# -- CSRF ------------------------------------------------------------------------------------


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_scan_without_csrf_token_is_a_json_400(csrf_app, client, event):
    guest = confirmed_guest(event)
    make_staff(DOOR_EMAIL, Role.DOOR, PASSWORD)
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    logged_in = client.post(
        "/login", data={"email": DOOR_EMAIL, "password": PASSWORD, "csrf_token": token}
    )
    assert logged_in.status_code == 302
    config = page_config(client.get(f"/door/events/{event.id}"))

    missing = scan(client, event.id, code_of(guest))
    wrong = client.post(
        f"/api/v1/events/{event.id}/scans",
        json={"code": code_of(guest)},
        headers={"X-CSRFToken": "not-the-token"},
    )
    right = client.post(
        f"/api/v1/events/{event.id}/scans",
        json={"code": code_of(guest)},
        headers={"X-CSRFToken": config["csrfToken"]},
    )

    for refused in (missing, wrong):
        assert refused.status_code == 400
        assert refused.get_json()["error"]["code"] == "csrf_failed"
    assert right.status_code == 200
    assert right.get_json()["verdict"] == "ok"
    assert len(scans_of(event.id)) == 1


# -- parallel scans against a real server ----------------------------------------------------


def _logged_in_session(url: str) -> requests.Session:
    session = requests.Session()
    response = session.post(
        url + "/login",
        data={"email": DOOR_EMAIL, "password": PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302
    return session


def test_simultaneous_scans_of_one_badge_let_in_exactly_once(app, event):
    guest = confirmed_guest(event)
    code, event_id = code_of(guest), event.id
    make_staff(DOOR_EMAIL, Role.DOOR, PASSWORD)
    doors = 6
    db.session.commit()  # the server must not wait for a transaction of ours (SQLite)

    with serving(app) as url:
        sessions = [_logged_in_session(url) for _ in range(doors)]
        barrier = threading.Barrier(doors)

        def scan_at_door(index: int) -> requests.Response:
            barrier.wait(timeout=30)
            return sessions[index].post(
                f"{url}/api/v1/events/{event_id}/scans",
                json={"code": code, "nonce": f"door-{index}", "gate": f"Door {index}"},
                timeout=30,
            )

        with ThreadPoolExecutor(max_workers=doors) as pool:
            responses = list(pool.map(scan_at_door, range(doors)))

    assert [r.status_code for r in responses] == [200] * doors
    verdicts = Counter(r.json()["verdict"] for r in responses)
    assert verdicts == {"ok": 1, "already_checked_in": doors - 1}
    winner = next(r.json() for r in responses if r.json()["verdict"] == "ok")
    rows = scans_of(event_id)
    assert len(rows) == doors
    assert Counter(r.verdict for r in rows) == {
        Verdict.OK: 1,
        Verdict.ALREADY_CHECKED_IN: doors - 1,
    }
    presence = presence_of(guest.id)
    assert presence.first_gate == winner["gate"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 1
    db.session.commit()


def test_a_scan_kept_waiting_for_the_event_lock_is_busy_and_its_retry_counts_once(
    app_config, instance_path
):
    from support.app import request_client

    from registrar import create_app

    app = create_app({**app_config, "REGISTRAR_LOCK_TIMEOUT": 0.5})
    with app.app_context():
        db.create_all()
        event = make_event(capacity=10)
        guest = confirmed_guest(event)
        event_id, code = event.id, code_of(guest)
        make_staff(DOOR_EMAIL, Role.DOOR)
        client = logged_in(request_client(app), DOOR_EMAIL)
        db.session.commit()

        # Another transaction holds the event's row lock (on SQLite, the database's write lock)
        # for longer than the lock timeout.
        with db.engine.connect() as other:
            other.execute(sa.select(Event.id).where(Event.id == event_id).with_for_update())
            refused = scan(client, event_id, code, nonce="n-busy")
            other.rollback()
        assert refused.status_code == 503
        assert refused.get_json()["error"]["code"] == "busy"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 0

        # The door sends it again with the same nonce: recorded once, then only replayed.
        first = scan(client, event_id, code, nonce="n-busy").get_json()
        again = scan(client, event_id, code, nonce="n-busy").get_json()
        assert (first["verdict"], first["replayed"]) == ("ok", False)
        assert (again["verdict"], again["replayed"]) == ("ok", True)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == 1
        db.session.remove()
        db.engine.dispose()


def test_a_vip_scan_says_vip_and_the_scanner_has_the_protocol_call_in_both_languages(
    door_client, event
):
    vip = confirmed_guest(event, category=Category.VIP)
    waiting_vip = make_guest(event, category=Category.VIP)
    speaker = confirmed_guest(event, category=Category.SPEAKER)

    entry = scan(door_client, event.id, code_of(vip), nonce="vip-1").get_json()
    assert (entry["verdict"], entry["guest"]["vip"]) == ("ok", True)
    # Kept with the scan: a retry gets the flag again.
    again = scan(door_client, event.id, code_of(vip), nonce="vip-1").get_json()
    assert (again["replayed"], again["guest"]["vip"]) == (True, True)
    # Any verdict names a VIP so: one who never answered too.
    unanswered = scan(door_client, event.id, code_of(waiting_vip)).get_json()
    assert (unanswered["verdict"], unanswered["guest"]["vip"]) == ("no_answer", True)
    assert scan(door_client, event.id, code_of(speaker)).get_json()["guest"]["vip"] is False

    page = door_client.get(f"/door/events/{event.id}").get_data(as_text=True)
    assert 'id="verdict-vip" hidden' in page
    assert "VIP — please call the protocol desk" in page
    assert "貴賓：請通知禮賓組" in page
    config = json.loads(CONFIG_SCRIPT.search(page).group(1))
    assert config["vipCategories"] == ["vip"]
