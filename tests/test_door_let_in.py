"""A door lead's let-in: a guest the door refused goes in, for a reason the audit log keeps, a
seat taken through the seat service when they hold none; plain door staff may not."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.auth import DOOR_EMAIL, logged_in
from support.factories import answer, make_event, make_guest, make_staff

from registrar import tokens
from registrar.extensions import db
from registrar.models import (
    AuditEntry,
    CheckIn,
    Event,
    Guest,
    LetInReason,
    Role,
    Rsvp,
    Scan,
    Seat,
    SeatState,
    TeamMember,
)
from registrar.services import audit, badges, checkin, door, invitations, staff, team

LEAD_EMAIL = "lead@example.org"


@pytest.fixture
def event(app) -> Event:
    return make_event(capacity=3)


@pytest.fixture
def lead(client, event):
    """The client logged in as the event's door lead."""
    make_staff(LEAD_EMAIL, Role.DOOR_LEAD, events=[event])
    return logged_in(client, LEAD_EMAIL)


def _scan(client, guest: Guest, code: str | None = None, **body):
    code = code or tokens.badge_code(guest.event_id, guest.id, guest.badge_version)
    return client.post(f"/api/v1/events/{guest.event_id}/scans", json={"code": code, **body})


def _let_in(client, guest: Guest, **body):
    url = f"/api/v1/events/{guest.event_id}/guests/{guest.id}/let-in"
    return client.post(url, json={"reason": "organizer_approved", **body})


def _written(event_id: int) -> tuple[int, int, int, int, int]:
    """(answers, seats, presences, scans, audit entries): what a refusal must not add to."""
    db.session.expire_all()

    def count(model, where) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(where)) or 0

    return (
        count(Rsvp, Rsvp.guest_id.in_(sa.select(Guest.id).where(Guest.event_id == event_id))),
        count(Seat, Seat.event_id == event_id),
        count(CheckIn, CheckIn.event_id == event_id),
        count(Scan, Scan.event_id == event_id),
        count(AuditEntry, AuditEntry.event_id == event_id),
    )


def _let_in_entry(guest_id: int) -> dict:
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.guest_id == guest_id, AuditEntry.action == "checkin.let_in"
        )
    )
    assert entry is not None, "the let-in is audited"
    return entry.details


def _fill_seats(event: Event, count: int) -> list[Guest]:
    guests = [make_guest(event) for _ in range(count)]
    for guest in guests:
        answer(guest)
    return guests


def test_a_door_lead_lets_in_a_guest_who_declined_with_a_seat_and_the_reason(lead, event):
    guest = make_guest(event, name_en="Huang Declined")
    answer(guest, attending=False)
    assert _scan(lead, guest).get_json()["verdict"] == "declined"

    response = _let_in(
        lead, guest, nonce="lead-1", gate="North", reason="other", reason_text="Mayor's guest"
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["verdict"] == "ok" and body["override"] is True
    assert body["occupancy"]["inside"] == 1
    db.session.expire_all()
    guest = db.session.get(Guest, guest.id)
    assert guest.rsvp.attending is True
    assert guest.seat.state == SeatState.CONFIRMED
    assert guest.check_in.inside and guest.check_in.first_gate == "North"
    assert _let_in_entry(guest.id) == {
        "reason": "other",
        "reason_text": "Mayor's guest",
        "refused": "declined",
        "over_capacity": False,
    }
    answered = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.guest_id == guest.id, AuditEntry.action == "rsvp.answered"
        )
    )
    assert answered is not None
    # The scan row of the let-in is a manual entry by the lead.
    entry = db.session.scalar(sa.select(Scan).where(Scan.nonce == "lead-1"))
    assert entry.manual and entry.override and entry.actor.startswith("staff:")


def test_the_same_nonce_twice_is_answered_once(lead, event):
    guest = make_guest(event)
    answer(guest, attending=False)
    first = _let_in(lead, guest, nonce="twice")
    assert first.status_code == 200
    before = _written(event.id)

    again = _let_in(lead, guest, nonce="twice", reason="other", reason_text="pressed again")

    assert again.status_code == 200
    assert again.get_json()["replayed"] is True
    assert again.get_json()["verdict"] == "ok"
    assert _written(event.id) == before


def test_a_nonce_another_guests_reading_used_is_refused_and_gives_nothing_away(lead, event):
    seen = make_guest(event, name_en="Already Scanned")
    answer(seen)
    assert _scan(lead, seen, nonce="shared").get_json()["verdict"] == "ok"
    guest = make_guest(event, name_en="Huang Declined")
    answer(guest, attending=False)
    before = _written(event.id)

    response = _let_in(lead, guest, nonce="shared")

    assert response.status_code == 409
    assert "already used by another reading" in response.get_json()["error"]["message"]
    assert "Already Scanned" not in response.get_data(as_text=True)
    assert _written(event.id) == before


def test_plain_door_staff_are_refused_and_nothing_is_written(client, event):
    make_staff(DOOR_EMAIL, Role.DOOR, events=[event])
    door_client = logged_in(client, DOOR_EMAIL)
    guest = make_guest(event)
    answer(guest, attending=False)
    before = _written(event.id)

    response = _let_in(door_client, guest, nonce="not-mine")

    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "forbidden"
    assert "door lead" in error["message"]
    assert _written(event.id) == before


def test_a_door_link_may_not_let_in(client, event):
    guest = make_guest(event)
    answer(guest, attending=False)
    link = door.create_link(event, "Gate A", 4, audit.SYSTEM)
    db.session.commit()
    assert client.get(f"/door/l/{tokens.door_link_token(link.id, event.id)}").status_code == 302
    before = _written(event.id)

    response = _let_in(client, guest)

    assert response.status_code == 403
    assert _written(event.id) == before


def test_the_scanner_offers_the_let_in_to_leads_and_organizers_only(client, event):
    make_staff(LEAD_EMAIL, Role.DOOR_LEAD, events=[event])
    make_staff(DOOR_EMAIL, Role.DOOR, events=[event])
    page = logged_in(client, DOOR_EMAIL).get(f"/door/events/{event.id}").get_data(as_text=True)
    assert '"canOverride": false' in page
    client.post("/logout")
    page = logged_in(client, LEAD_EMAIL).get(f"/door/events/{event.id}").get_data(as_text=True)
    assert '"canOverride": true' in page
    assert 'id="verdict-lead"' in page


def test_a_withdrawn_invitation_stays_withdrawn_but_the_guest_gets_a_seat_and_goes_in(lead, event):
    guest = make_guest(event)
    answer(guest)
    invitations.revoke(guest.id, audit.SYSTEM)
    db.session.commit()
    old_code = tokens.badge_code(event.id, guest.id, 1)
    assert _scan(lead, guest, code=old_code).get_json()["verdict"] == "revoked"

    response = _let_in(lead, guest, reason="protocol_office", channel="zh")

    assert response.status_code == 200, response.get_data(as_text=True)
    db.session.expire_all()
    guest = db.session.get(Guest, guest.id)
    assert guest.is_revoked
    assert guest.seat.state == SeatState.CONFIRMED
    assert guest.check_in.inside
    assert _let_in_entry(guest.id)["refused"] == "revoked"


def test_a_replaced_badge_is_let_in_after_the_identity_is_checked(lead, event):
    guest = make_guest(event)
    answer(guest)
    old_code = tokens.badge_code(event.id, guest.id, guest.badge_version)
    badges.reissue(guest.id, audit.SYSTEM)
    db.session.commit()
    assert _scan(lead, guest, code=old_code).get_json()["verdict"] == "revoked"
    seats_before = _written(event.id)[1]

    response = _let_in(lead, guest, reason="identity_checked")

    assert response.status_code == 200
    assert response.get_json()["verdict"] == "ok"
    assert _written(event.id)[1] == seats_before
    assert _let_in_entry(guest.id)["reason"] == "identity_checked"


def test_a_waitlisted_guest_takes_a_free_seat_and_is_refused_when_none_is_free(lead, app):
    event = make_event(capacity=2, held_seats=1)
    make_staff("lead2@example.org", Role.DOOR_LEAD, events=[event])
    client = logged_in(app.test_client(), "lead2@example.org")
    _fill_seats(event, 1)
    waiting = make_guest(event)
    answer(waiting)
    db.session.expire_all()
    assert db.session.get(Guest, waiting.id).seat.state == SeatState.WAITLISTED
    assert _scan(client, waiting).get_json()["verdict"] == "waitlisted"
    before = _written(event.id)

    refused = client.post(
        f"/api/v1/events/{event.id}/guests/{waiting.id}/let-in",
        json={"reason": "organizer_approved", "nonce": "no-seat"},
    )

    assert refused.status_code == 409
    assert "No seat is free" in refused.get_json()["error"]["message"]
    assert _written(event.id) == before
    # The organizer releases the held seat: now the lead can seat the guest.
    event = db.session.get(Event, event.id)
    event.held_seats = 0
    db.session.commit()
    response = client.post(
        f"/api/v1/events/{event.id}/guests/{waiting.id}/let-in",
        json={"reason": "organizer_approved", "nonce": "no-seat"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Guest, waiting.id).seat.state == SeatState.CONFIRMED


def test_a_full_room_is_passed_only_when_the_lead_chooses_so(client, app):
    event = make_event(capacity=1)
    make_staff(LEAD_EMAIL, Role.DOOR_LEAD, events=[event])
    lead = logged_in(client, LEAD_EMAIL)
    first, second = make_guest(event), make_guest(event)
    answer(first)
    assert _scan(lead, first).get_json()["verdict"] == "ok"
    # The first guest cancels while inside; the second gets the seat and finds the room full.
    answer(first, attending=False)
    answer(second)
    assert _scan(lead, second).get_json()["verdict"] == "room_full"
    before = _written(event.id)

    refused = _let_in(lead, second, nonce="full")

    assert refused.status_code == 409
    assert "capacity" in refused.get_json()["error"]["message"]
    assert _written(event.id) == before
    response = _let_in(lead, second, nonce="full", over_capacity=True)
    assert response.status_code == 200
    assert response.get_json()["occupancy"] == {"inside": 2, "capacity": 1}
    details = _let_in_entry(second.id)
    assert details["over_capacity"] is True and details["refused"] == "room_full"


def test_an_unanswered_guest_at_a_desk_event_is_let_in_by_the_lead(lead, event):
    guest = make_guest(event)
    scanned = _scan(lead, guest).get_json()
    assert scanned["verdict"] == "no_answer"
    assert scanned["no_answer"]["policy"] == "desk"

    response = _let_in(lead, guest, reason="protocol_office", channel="en", nonce="vip")

    assert response.status_code == 200
    db.session.expire_all()
    guest = db.session.get(Guest, guest.id)
    assert guest.rsvp.attending and guest.rsvp.channel.value == "en"
    assert guest.seat.state == SeatState.CONFIRMED
    assert _let_in_entry(guest.id)["refused"] == "no_answer"


def test_a_guest_taken_for_inside_is_let_in_without_counting_twice(lead, event):
    guest = make_guest(event)
    answer(guest)
    assert _scan(lead, guest).get_json()["verdict"] == "ok"
    assert _scan(lead, guest).get_json()["verdict"] == "already_checked_in"

    response = _let_in(lead, guest, reason="identity_checked")

    assert response.status_code == 200
    assert response.get_json()["occupancy"]["inside"] == 1
    assert _let_in_entry(guest.id)["refused"] == "already_checked_in"


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "other"},
        {"reason": "other", "reason_text": "   "},
        {"reason": "because"},
        {"reason": "organizer_approved", "reason_text": "x" * 201},
        {"reason": "organizer_approved", "reason_text": "two\nlines"},
        {"reason": "organizer_approved", "channel": "ja"},
        {"reason": "organizer_approved", "over_capacity": "yes"},
    ],
)
def test_bad_input_is_refused_with_a_message_and_writes_nothing(lead, event, body):
    guest = make_guest(event)
    answer(guest, attending=False)
    before = _written(event.id)

    response = lead.post(f"/api/v1/events/{event.id}/guests/{guest.id}/let-in", json=body)

    assert response.status_code == 400
    assert response.get_json()["error"]["message"]
    assert _written(event.id) == before


def test_the_audit_log_shows_the_reason(client, event):
    guest = make_guest(event)
    answer(guest, attending=False)
    checkin.let_in(
        event.id,
        guest.id,
        checkin.LetIn(reason=LetInReason.OTHER, reason_text="Deputy mayor's aide", nonce="a"),
        audit.SYSTEM,
    )
    db.session.commit()
    make_staff()
    organizer = logged_in(client)

    page = organizer.get(f"/console/events/{event.id}/audit").get_data(as_text=True)

    assert "Let in by a door lead" in page
    assert "Deputy mayor&#39;s aide" in page or "Deputy mayor's aide" in page
    assert "Other (say why)" in page
    assert "Not attending" in page


def test_the_service_refuses_a_full_room_unless_told_and_writes_nothing(app):
    event = make_event(capacity=1)
    first, second = make_guest(event), make_guest(event)
    answer(first)
    checkin.scan(
        event.id,
        checkin.ScanRequest(code=tokens.badge_code(event.id, first.id, 1), nonce="f"),
        audit.SYSTEM,
    )
    db.session.commit()
    before = _written(event.id)

    # No seat is free for the second guest either: refused for the seat first.
    with pytest.raises(checkin.NoSeatFree):
        checkin.let_in(event.id, second.id, checkin.LetIn(LetInReason.PROTOCOL_OFFICE), "t")
    db.session.rollback()
    assert _written(event.id) == before

    # A guest with a confirmed seat meets the full room (the capacity was lowered).
    row = db.session.get(Event, event.id)
    row.capacity = 2
    db.session.commit()
    answer(second)
    row = db.session.get(Event, event.id)
    row.capacity = 1
    db.session.commit()
    before = _written(event.id)
    with pytest.raises(checkin.RoomFull):
        checkin.let_in(event.id, second.id, checkin.LetIn(LetInReason.PROTOCOL_OFFICE), "t")
    db.session.rollback()
    assert _written(event.id) == before

    answer_ = checkin.let_in(
        event.id,
        second.id,
        checkin.LetIn(LetInReason.PROTOCOL_OFFICE, over_capacity=True, nonce="over"),
        "t",
    )
    db.session.commit()
    assert answer_.verdict.value == "ok"
    assert answer_.occupancy.inside == 2 and answer_.occupancy.capacity == 1
    assert _let_in_entry(second.id)["over_capacity"] is True


# -- the door lead's role ----------------------------------------------------------------------


def test_an_organizer_makes_door_staff_a_door_lead_in_the_console(client, event):
    make_staff("organizer@example.org", Role.ORGANIZER, events=[event])
    door_staff = make_staff(DOOR_EMAIL, Role.DOOR, events=[event])
    logged_in(client)
    page = client.get(f"/console/events/{event.id}/team").get_data(as_text=True)
    assert 'value="door_lead"' in page

    changed = client.post(
        f"/console/events/{event.id}/team/{door_staff.id}/role", data={"role": "door_lead"}
    )

    assert changed.status_code == 302
    db.session.expire_all()
    member = db.session.scalar(sa.select(TeamMember).where(TeamMember.staff_id == door_staff.id))
    assert member.role == Role.DOOR_LEAD
    # A door lead has the door, not the console.
    client.post("/logout")
    lead = logged_in(client, DOOR_EMAIL)
    assert lead.get(f"/door/events/{event.id}").status_code == 200
    assert lead.get(f"/console/events/{event.id}/guests").status_code == 403


def test_the_staff_command_adds_a_door_lead(runner, event):
    make_staff()
    result = runner.invoke(
        args=["staff", "add", "lead@example.org", "--role", "door_lead", "--event", event.slug,
              "--password", "long enough secret"],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    user = staff.find("lead@example.org")
    assert [(m.event_id, m.role) for m in user.memberships] == [(event.id, Role.DOOR_LEAD)]


def test_a_door_lead_may_do_what_door_staff_do_and_an_organizer_what_a_lead_does(app, event):
    other = make_event()
    lead_account = make_staff(LEAD_EMAIL, Role.DOOR_LEAD, events=[event])
    signed_in = staff.signed_in(lead_account.id, lead_account.session_generation)
    assert team.can(signed_in, event.id, Role.DOOR)
    assert team.can(signed_in, event.id, Role.DOOR_LEAD)
    assert not team.can(signed_in, event.id, Role.ORGANIZER)
    assert not team.can(signed_in, other.id, Role.DOOR)
    organizer = make_staff("org@example.org", Role.ORGANIZER, events=[event])
    signed_in = staff.signed_in(organizer.id, organizer.session_generation)
    assert team.can(signed_in, event.id, Role.DOOR_LEAD)
