"""Accompanying persons: named for a guest who said yes, within the event's limit per category;
seated by the seat service where the event says so; dismissed (seat and badge) when their
principal no longer comes; every refusal writes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.factories import answer, make_event, make_guest

from registrar import tokens, unit_of_work
from registrar.errors import DomainError, GuestErased, InvitationNotFound, NotFound
from registrar.extensions import db
from registrar.models import (
    AuditEntry,
    Category,
    Channel,
    CompanionRole,
    Direction,
    Guest,
    OutboxMessage,
    Rsvp,
    Seat,
    SeatState,
    Verdict,
)
from registrar.services import checkin, companions, invitations
from registrar.services.companions import CompanionDetails
from registrar.services.guests import erasure

AIDE = CompanionDetails(role=CompanionRole.AIDE, name_en="Wang Mei-Ling", name_zh="王美玲")
GUARD = CompanionDetails(role=CompanionRole.SECURITY, name_en="Lin Chih-Hao")
THIRD = CompanionDetails(role=CompanionRole.OTHER, name_en="Huang Yu-Ting")


def add(principal: Guest, details: CompanionDetails = AIDE) -> Guest:
    companion = unit_of_work.run(lambda: companions.add(principal.id, details, "staff:1"))
    return db.session.get_one(Guest, companion.id)


def totals() -> dict[str, int]:
    db.session.expire_all()
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Guest, Seat, Rsvp, AuditEntry, OutboxMessage)
    }


def refused(work, error: type[Exception] = DomainError) -> str:
    before = totals()
    with pytest.raises(error) as caught:
        unit_of_work.run(work)
    assert totals() == before
    return str(caught.value)


def vip_event(capacity: int = 10, take_seats: bool = True, limits: str = "vip=2 speaker=1"):
    return make_event(capacity=capacity, companion_limits=limits, companions_take_seats=take_seats)


def seat_of(guest: Guest) -> SeatState | None:
    db.session.expire_all()
    seat = db.session.scalar(sa.select(Seat).where(Seat.guest_id == guest.id))
    return seat.state if seat else None


def test_an_accompanying_person_of_a_guest_who_said_yes_takes_a_seat(app):
    event = vip_event()
    mayor = make_guest(event, category=Category.VIP, name_en="Chen Chi-Mai")
    answer(mayor)
    aide = add(mayor)
    assert aide.principal_id == mayor.id
    assert aide.companion_role == CompanionRole.AIDE
    assert aide.rsvp.attending and aide.rsvp.channel == mayor.rsvp.channel
    assert not aide.has_address
    assert seat_of(aide) == SeatState.CONFIRMED
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "companion.added"))
    assert entry.guest_id == aide.id and entry.details["principal"] == mayor.id
    # No e-mail to anyone but the guest's own.
    assert not db.session.scalar(
        sa.select(sa.func.count()).where(OutboxMessage.guest_id == aide.id)
    )


def test_where_the_event_does_not_seat_them_they_take_no_seat(app):
    event = vip_event(take_seats=False)
    mayor = make_guest(event, category=Category.VIP)
    answer(mayor)
    aide = add(mayor)
    assert seat_of(aide) is None


def test_the_limit_per_category_is_kept_and_a_category_without_one_brings_nobody(app):
    event = vip_event()
    mayor = make_guest(event, category=Category.VIP)
    speaker = make_guest(event, category=Category.SPEAKER)
    delegate = make_guest(event, category=Category.DELEGATE)
    for guest in (mayor, speaker, delegate):
        answer(guest)
    add(mayor)
    add(mayor, GUARD)
    assert "at most 2" in refused(lambda: companions.add(mayor.id, THIRD, "staff:1"))
    add(speaker)
    assert "at most 1" in refused(lambda: companions.add(speaker.id, GUARD, "staff:1"))
    assert "may not bring" in refused(lambda: companions.add(delegate.id, AIDE, "staff:1"))


def test_the_default_is_that_nobody_brings_anyone(app):
    event = make_event()
    mayor = make_guest(event, category=Category.VIP)
    answer(mayor)
    refused(lambda: companions.add(mayor.id, AIDE, "staff:1"))


@pytest.mark.parametrize(
    "details",
    [
        CompanionDetails(role=CompanionRole.AIDE, name_en="  ", name_zh=""),
        CompanionDetails(role="butler", name_en="Jeeves"),  # type: ignore[arg-type]
        CompanionDetails(role=CompanionRole.AIDE, name_en="x" * 201),
        CompanionDetails(role=CompanionRole.AIDE, name_en="Two\nLines"),
    ],
)
def test_bad_details_are_refused(app, details):
    event = vip_event()
    mayor = make_guest(event, category=Category.VIP)
    answer(mayor)
    refused(lambda: companions.add(mayor.id, details, "staff:1"))


def test_nobody_accompanies_a_guest_who_declined_did_not_answer_was_revoked_or_erased(app):
    event = vip_event()
    declined = make_guest(event, category=Category.VIP)
    answer(declined, attending=False)
    silent = make_guest(event, category=Category.VIP)
    revoked = make_guest(event, category=Category.VIP)
    answer(revoked)
    unit_of_work.run(lambda: invitations.revoke(revoked.id, "staff:1"))
    erased = make_guest(event, category=Category.VIP)
    answer(erased)
    unit_of_work.run(lambda: erasure.erase(erased.id, "staff:1"))
    assert "said they will attend" in refused(lambda: companions.add(declined.id, AIDE, "x"))
    refused(lambda: companions.add(silent.id, AIDE, "x"))
    assert "no longer stands" in refused(lambda: companions.add(revoked.id, AIDE, "x"))
    refused(lambda: companions.add(erased.id, AIDE, "x"), GuestErased)


def test_an_accompanying_person_brings_nobody_and_has_no_invitation_link(app):
    event = vip_event()
    mayor = make_guest(event, category=Category.VIP)
    answer(mayor)
    aide = add(mayor)
    refused(lambda: companions.add(aide.id, GUARD, "x"), NotFound)
    with pytest.raises(InvitationNotFound):
        invitations.resolve_invitation(invitations.invitation_token(aide))


def test_with_no_seat_left_for_the_aide_the_aide_waits_on_the_waitlist(app):
    event = vip_event(capacity=1)
    mayor = make_guest(event, category=Category.VIP)
    answer(mayor)
    aide = add(mayor)
    assert seat_of(mayor) == SeatState.CONFIRMED
    assert seat_of(aide) == SeatState.WAITLISTED


def test_when_the_principal_declines_the_companions_lose_seats_and_badges(app):
    event = vip_event(capacity=2)
    mayor = make_guest(event, category=Category.VIP)
    waiting = make_guest(event)
    answer(mayor)
    aide = add(mayor)
    badge = tokens.badge_code(event.id, aide.id, aide.badge_version)
    answer(waiting)
    assert seat_of(waiting) == SeatState.WAITLISTED
    answer(db.session.get_one(Guest, mayor.id), attending=False)
    assert seat_of(aide) is None
    # Two seats freed, the waiting guest has one.
    assert seat_of(waiting) == SeatState.CONFIRMED
    aide = db.session.get_one(Guest, aide.id)
    assert aide.is_revoked
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "companion.dismissed")
    )
    assert entry.guest_id == aide.id and entry.details["reason"] == "declined"
    scanned = unit_of_work.run(
        lambda: checkin.scan(event.id, checkin.ScanRequest(code=badge), "door:1")
    )
    assert scanned.verdict == Verdict.REVOKED


def test_when_the_principal_is_revoked_the_companions_are_dismissed(app):
    event = vip_event()
    mayor = make_guest(event, category=Category.VIP)
    answer(mayor)
    aide = add(mayor)
    unit_of_work.run(lambda: invitations.revoke(mayor.id, "staff:1"))
    assert seat_of(aide) is None
    assert db.session.get_one(Guest, aide.id).is_revoked


def test_removing_one_frees_their_seat_and_room_under_the_limit(app):
    event = vip_event(limits="vip=1")
    mayor = make_guest(event, category=Category.VIP)
    answer(mayor)
    aide = add(mayor)
    unit_of_work.run(lambda: companions.remove(aide.id, "staff:1"))
    assert seat_of(aide) is None
    assert "removed already" in refused(lambda: companions.remove(aide.id, "staff:1"))
    guard = add(mayor, GUARD)
    assert seat_of(guard) == SeatState.CONFIRMED


def test_a_change_of_name_or_role_is_audited_and_an_empty_name_refused(app):
    event = vip_event()
    mayor = make_guest(event, category=Category.VIP)
    answer(mayor)
    aide = add(mayor)
    changed = unit_of_work.run(
        lambda: companions.change(
            aide.id,
            CompanionDetails(role=CompanionRole.INTERPRETER, name_en="Wang Mei-Ling", name_zh=""),
            "staff:1",
        )
    )
    assert changed == ["companion_role", "name_zh"]
    refused(lambda: companions.change(aide.id, CompanionDetails(name_en=" "), "staff:1"))


def test_erasing_a_guest_erases_their_companions(app):
    event = vip_event()
    mayor = make_guest(event, category=Category.VIP)
    answer(mayor)
    aide = add(mayor)
    unit_of_work.run(lambda: erasure.erase(mayor.id, "staff:1"))
    db.session.expire_all()
    aide = db.session.get_one(Guest, aide.id)
    assert aide.is_erased and aide.name_zh == "" and "Wang" not in aide.name_en
    assert seat_of(aide) is None


def test_companions_scan_in_and_out_and_the_door_names_their_principal(app):
    event = vip_event(take_seats=False)
    event_id = event.id
    mayor = make_guest(event, category=Category.VIP, name_en="Chen Chi-Mai", name_zh="陳其邁")
    answer(mayor)
    aide = add(mayor)
    code = tokens.badge_code(event_id, aide.id, aide.badge_version)
    entered = unit_of_work.run(
        lambda: checkin.scan(event_id, checkin.ScanRequest(code=code, gate="A"), "door:1")
    )
    assert entered.verdict == Verdict.OK
    assert entered.guest.principal_name_en == "Chen Chi-Mai"
    assert entered.guest.principal_name_zh == "陳其邁"
    assert entered.guest.companion_role == CompanionRole.AIDE
    assert entered.occupancy.inside == 1
    left = unit_of_work.run(
        lambda: checkin.scan(
            event_id,
            checkin.ScanRequest(code=code, gate="A", direction=Direction.OUT),
            "door:1",
        )
    )
    assert left.verdict == Verdict.OK and left.occupancy.inside == 0
    counts = companions.event_counts(event_id)
    assert (counts.named, counts.inside) == (1, 0)


def _scan(event_id: int, guest: Guest, direction: Direction = Direction.IN):
    code = tokens.badge_code(event_id, guest.id, guest.badge_version)
    return unit_of_work.run(
        lambda: checkin.scan(
            event_id, checkin.ScanRequest(code=code, gate="A", direction=direction), "door:1"
        )
    )


def test_the_arrival_desk_shows_with_n_accompanying_and_how_many_arrived(app, organizer_client):
    event = vip_event()
    event_id = event.id
    mayor = make_guest(event, category=Category.VIP, name_en="Chen Chi-Mai")
    answer(mayor)
    aide = add(mayor)
    add(mayor, GUARD)
    feed = f"/protocol/events/{event_id}/arrivals.json"
    (row,) = organizer_client.get(feed).get_json()["rows"]
    # The accompanying persons are not on the desk's list themselves.
    assert row["id"] == mayor.id
    assert row["companions"] == "with 2 accompanying (0 arrived)"
    tag = organizer_client.get(feed).headers["ETag"]
    assert _scan(event_id, aide).verdict == Verdict.OK
    after = organizer_client.get(feed, headers={"If-None-Match": tag})
    assert after.status_code == 200
    (row,) = after.get_json()["rows"]
    assert row["companions"] == "with 2 accompanying (1 arrived)"
    page = organizer_client.get(f"/protocol/events/{event_id}/arrivals")
    assert "with 2 accompanying (1 arrived)" in page.get_data(as_text=True)


def test_the_exports_name_the_principal_and_the_role(app):
    from io import BytesIO

    from openpyxl import load_workbook

    from registrar.services import exports

    event = vip_event()
    mayor = make_guest(event, category=Category.VIP, name_en="Chen Chi-Mai", name_zh="陳其邁")
    answer(mayor)
    aide = add(mayor)
    table = exports.guests_table(event)
    by_id = {row[0]: dict(zip(table.header, row, strict=True)) for row in table.rows}
    assert by_id[aide.id]["Accompanying"] == "Chen Chi-Mai 陳其邁"
    assert by_id[aide.id]["Accompanying as"] == "Aide"
    assert by_id[aide.id]["E-mail"] == ""
    assert by_id[mayor.id]["Accompanying"] is None
    csv_text = exports.guests_csv(event).decode("utf-8-sig")
    assert "Wang Mei-Ling" in csv_text and "Chen Chi-Mai 陳其邁" in csv_text
    sheet = load_workbook(BytesIO(exports.guests_xlsx(event))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = values[0]
    aide_row = next(row for row in values if row[0] == aide.id)
    assert aide_row[header.index("Accompanying")] == "Chen Chi-Mai 陳其邁"
    assert aide_row[header.index("Accompanying as")] == "Aide"


def test_the_dashboard_counts_them_and_those_inside(app, organizer_client):
    from registrar.services import dashboard

    event = vip_event(take_seats=False)
    event_id = event.id
    mayor = make_guest(event, category=Category.VIP)
    answer(mayor)
    aide = add(mayor)
    add(mayor, GUARD)
    _scan(event_id, aide)
    board = dashboard.summary(db.session.get_one(type(event), event_id))
    assert (board.companions.named, board.companions.inside) == (2, 1)
    page = organizer_client.get(f"/console/events/{event_id}/dashboard").get_data(as_text=True)
    assert "Accompanying persons inside" in page


def test_whether_they_take_seats_cannot_change_while_some_are_named(app):
    from registrar.services import events
    from registrar.services.event_details import EventDetails

    event = vip_event(take_seats=False)
    mayor = make_guest(event, category=Category.VIP)
    answer(mayor)
    add(mayor)
    details = EventDetails.of(event)
    from dataclasses import replace

    with pytest.raises(events.EventInvalid) as refused:
        unit_of_work.run(
            lambda: events.update(
                event.id, replace(details, companions_take_seats=True), event.edit_version, "x"
            )
        )
    assert "companions_take_seats" in refused.value.errors
    with pytest.raises(events.EventInvalid) as refused:
        unit_of_work.run(
            lambda: events.update(
                event.id, replace(details, companion_limits="vip=x"), event.edit_version, "x"
            )
        )
    assert "companion_limits" in refused.value.errors
    unit_of_work.run(
        lambda: events.update(
            event.id, replace(details, companion_limits="speaker=1, vip=3"), event.edit_version, "x"
        )
    )
    db.session.expire_all()
    assert db.session.get_one(type(event), event.id).companion_limits == "speaker=1 vip=3"


def test_companions_and_guests_racing_for_the_last_seats_never_overbook(app):
    """Ten VIPs' aides named at once while ten delegates say yes, for the last two seats: the
    confirmed seats never pass the capacity; the rest wait on the waitlist in one order."""
    import threading

    from registrar.services import rsvp

    event = vip_event(capacity=12, limits="vip=1")
    event_id = event.id
    vips = [make_guest(event, category=Category.VIP, name_en=f"VIP {n}") for n in range(4)]
    for vip in vips:
        answer(vip)
    more_vips = [make_guest(event, category=Category.VIP, name_en=f"Late {n}") for n in range(6)]
    delegates = [make_guest(event, name_en=f"Delegate {n}") for n in range(10)]
    db.session.commit()
    # The late VIPs say yes first, then everyone races: aides of all ten, and the delegates.
    for vip in more_vips:
        answer(vip)
    principals = [v.id for v in vips + more_vips]
    delegate_ids = [(d.id, d.token_version) for d in delegates]
    db.session.commit()
    db.session.close()
    work = [("aide", gid) for gid in principals] + [("yes", d) for d in delegate_ids]
    barrier = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(kind, target) -> None:
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                if kind == "aide":
                    details = CompanionDetails(role=CompanionRole.AIDE, name_en=f"Aide {target}")
                    unit_of_work.run(lambda: companions.add(target, details, "staff:1"))
                else:
                    guest_id, version = target
                    reply = rsvp.RsvpAnswer(attending=True, channel=Channel.EN)
                    unit_of_work.run(lambda: rsvp.answer(guest_id, version, reply, "guest"))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=item) for item in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    db.session.expire_all()
    seats = db.session.scalars(sa.select(Seat).where(Seat.event_id == event_id)).all()
    confirmed = [s for s in seats if s.state == SeatState.CONFIRMED]
    waitlisted = sorted(s.queue_number for s in seats if s.state == SeatState.WAITLISTED)
    assert len(confirmed) == 12
    assert len(seats) == 30
    assert waitlisted == list(range(waitlisted[0], waitlisted[0] + len(waitlisted)))
    aides = db.session.scalar(
        sa.select(sa.func.count()).select_from(Guest).where(Guest.principal_id.is_not(None))
    )
    assert aides == 10


def test_the_door_list_kept_offline_lets_in_a_seatless_companion(app):
    event = vip_event(take_seats=False)
    mayor = make_guest(event, category=Category.VIP)
    answer(mayor)
    aide = add(mayor)
    listed = {g.id: g.state for g in checkin.listed_guests(event)}
    assert listed[aide.id] == listed[mayor.id] == "confirmed"
