"""Deputies: proposed through the guest's link, approved by an organizer under the event lock;
the guest's link and badge die, the deputy takes the seat; every refusal writes nothing."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from support import tally
from support.factories import answer, make_event, make_guest

from registrar import tokens, unit_of_work
from registrar.errors import DeadlinePassed, DomainError, InvitationInactive
from registrar.extensions import db
from registrar.models import (
    AuditEntry,
    Category,
    ChangeRequest,
    Event,
    Guest,
    Language,
    MessageKind,
    OutboxMessage,
    RequestState,
    Seat,
    SeatHold,
    SeatState,
    Verdict,
)
from registrar.services import audit, checkin, invitations, requests, seats
from registrar.services.guests import erasure
from registrar.services.requests import deputies

DEPUTY = deputies.DeputyDetails(
    name_en="Chen Wei-Ting",
    name_zh="陳韋廷",
    title="Deputy Mayor",
    organization="Kaohsiung City Government",
    email="Deputy@Example.org",
    language=Language.ZH_HANT,
)


def propose(guest: Guest, details: deputies.DeputyDetails = DEPUTY) -> ChangeRequest:
    request = unit_of_work.run(
        lambda: deputies.propose(guest.id, guest.token_version, details, audit.GUEST)
    )
    return request


def totals() -> dict[str, int]:
    db.session.expire_all()
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (ChangeRequest, Guest, Seat, AuditEntry, OutboxMessage)
    }


def refused(work, error: type[Exception] = DomainError) -> str:
    before = totals()
    with pytest.raises(error) as caught:
        unit_of_work.run(work)
    assert totals() == before
    return str(caught.value)


def messages_to(guest_id: int) -> list[MessageKind]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage.kind)
            .where(OutboxMessage.guest_id == guest_id)
            .order_by(OutboxMessage.id)
        )
    )


def test_an_approved_deputy_takes_the_seat_and_the_guest_link_and_badge_die(app):
    event = make_event(capacity=1)
    mayor = make_guest(event, name_en="Chen Chi-Mai", name_zh="陳其邁", category=Category.VIP)
    waiting = make_guest(event)
    db.session.commit()
    answer(mayor)
    answer(waiting)
    old_link = invitations.invitation_token(mayor)
    old_badge = tokens.badge_code(event.id, mayor.id, mayor.badge_version)

    request = propose(mayor)
    assert request.email == "deputy@example.org"
    # Until approved nothing changes: the link works, the seat is the mayor's.
    assert invitations.resolve_invitation(old_link).id == mayor.id

    deputy = unit_of_work.run(lambda: deputies.approve(request.id, 1, "staff:1"))
    db.session.expire_all()
    mayor, deputy = db.session.get(Guest, mayor.id), db.session.get(Guest, deputy.id)
    assert mayor.sent_deputy and mayor.is_revoked and mayor.seat is None
    assert (deputy.category, deputy.language, deputy.deputy_for_id) == (
        Category.VIP,
        Language.ZH_HANT,
        mayor.id,
    )
    assert deputy.seat.state == SeatState.CONFIRMED and deputy.rsvp.attending
    # The seat passed: nobody was promoted, nobody else was seated.
    assert db.session.get(Guest, waiting.id).seat.state == SeatState.WAITLISTED
    with pytest.raises(InvitationInactive, match="deputy"):
        invitations.resolve_invitation(old_link)
    db.session.rollback()
    door = checkin.scan(event.id, checkin.ScanRequest(code=old_badge), "staff:1")
    assert door.verdict == Verdict.REVOKED
    new_badge = tokens.badge_code(event.id, deputy.id, deputy.badge_version)
    assert checkin.scan(event.id, checkin.ScanRequest(code=new_badge), "staff:1").verdict == (
        Verdict.OK
    )
    db.session.commit()
    assert messages_to(mayor.id)[-1] == MessageKind.DEPUTY_APPROVED
    assert messages_to(deputy.id) == [MessageKind.CONFIRMATION]
    logged = set(
        db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.event_id == event.id))
    )
    assert {"request.deputy", "request.approved", "deputy.sent", "deputy.added"} <= logged
    assert {"seat.passed", "guest.added"} <= logged
    # The dashboard's counts follow the seat to the deputy (kept by the database's triggers).
    assert tally.stored(event.id) == tally.from_rows(event.id)


def test_bad_deputy_requests_are_refused_and_nothing_is_written(app):
    event = make_event(capacity=5, no_deputies="press")
    mayor = make_guest(event, category=Category.VIP)
    reporter = make_guest(event, category=Category.PRESS)
    taken = make_guest(event, email="taken@example.org")
    db.session.commit()

    # A deputy who is already a guest of the event.
    with_taken = deputies.DeputyDetails(name_en="X", email="TAKEN@example.org")
    message = refused(lambda: deputies.propose(mayor.id, 1, with_taken, audit.GUEST))
    assert "already a guest" in message
    # A category the event does not take deputies for.
    refused(lambda: deputies.propose(reporter.id, 1, DEPUTY, audit.GUEST))
    # No name, a broken address, a name on two lines, a forged link version.
    for details in (
        deputies.DeputyDetails(email="a@example.org"),
        deputies.DeputyDetails(name_en="A", email="not an address"),
        deputies.DeputyDetails(name_en="A\nB", email="a@example.org"),
    ):
        refused(lambda details=details: deputies.propose(mayor.id, 1, details, audit.GUEST))
    refused(lambda: deputies.propose(mayor.id, 2, DEPUTY, audit.GUEST), InvitationInactive)

    request = propose(mayor)
    # A second one while the first is pending.
    other = deputies.DeputyDetails(name_en="Other", email="other@example.org")
    assert "already proposed" in refused(lambda: deputies.propose(mayor.id, 1, other, audit.GUEST))
    # The deputy's address became a guest's meanwhile: approval is refused.
    make_guest(event, email="deputy@example.org")
    db.session.commit()
    refused(lambda: deputies.approve(request.id, 1, "staff:1"))
    # A stale page (another version) and the wrong kind of request.
    refused(lambda: deputies.approve(request.id, 0, "staff:1"), requests.RequestChanged)
    unit_of_work.run(lambda: requests.decline(request.id, 1, "staff:1"))
    refused(lambda: deputies.approve(request.id, 2, "staff:1"), requests.RequestChanged)
    refused(lambda: requests.decline(request.id, 2, "staff:1"), requests.RequestChanged)
    assert messages_to(mayor.id) == [MessageKind.REQUEST_DECLINED]

    # After the reply deadline, the link proposes no deputy.
    db.session.get(Event, event.id).rsvp_deadline -= timedelta(days=30)
    db.session.commit()
    refused(lambda: deputies.propose(mayor.id, 1, other, audit.GUEST), DeadlinePassed)
    assert taken.id


def test_an_organizer_names_a_deputy_for_a_guest_without_a_seat(app):
    event = make_event(capacity=5)
    mayor = make_guest(event)
    db.session.commit()
    pending = propose(mayor)
    deputy = unit_of_work.run(lambda: deputies.name_directly(mayor.id, DEPUTY, "staff:1"))
    db.session.expire_all()
    assert db.session.get(ChangeRequest, pending.id).state == RequestState.SUPERSEDED
    assert db.session.get(Guest, deputy.id).seat is None
    # No seat to pass: the deputy is invited and answers for themselves.
    assert messages_to(deputy.id) == [MessageKind.INVITATION]


def approve_at_once(app, request_ids: list[int]) -> list[str]:
    """Approve each request from a thread of its own, all released together; each outcome."""
    db.session.commit()
    db.session.close()
    barrier = threading.Barrier(len(request_ids))
    outcomes: list[str] = []

    def approve(request_id: int) -> None:
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                unit_of_work.run(lambda: deputies.approve(request_id, 1, "staff:1"))
                outcomes.append("approved")
            except DomainError:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(i,)) for i in request_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


def counts() -> tuple[int, int]:
    db.session.expire_all()
    guests = db.session.scalar(sa.select(sa.func.count()).select_from(Guest))
    confirmed = db.session.scalar(
        sa.select(sa.func.count()).select_from(Seat).where(Seat.state == SeatState.CONFIRMED)
    )
    return guests, confirmed


def test_two_approvals_at_once_give_one_deputy_and_one_seat(app):
    event = make_event(capacity=1)
    mayor = make_guest(event)
    db.session.commit()
    answer(mayor)
    request = propose(mayor)
    # Two organizers' tabs press Approve on the same request.
    assert approve_at_once(app, [request.id, request.id]) == ["approved", "refused"]
    assert counts() == (2, 1)


def test_two_guests_proposing_the_same_deputy_get_one_approved(app):
    event = make_event(capacity=2)
    mayor, director = make_guest(event), make_guest(event)
    db.session.commit()
    answer(mayor)
    answer(director)
    first, second = propose(mayor), propose(director)
    assert approve_at_once(app, [first.id, second.id]) == ["approved", "refused"]
    assert counts() == (3, 2)


def test_erasing_a_guest_removes_what_they_asked(app):
    event = make_event()
    mayor = make_guest(event)
    db.session.commit()
    propose(mayor)
    unit_of_work.run(lambda: erasure.erase(mayor.id, "staff:1"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChangeRequest)) == 0


def test_a_seat_held_for_the_guest_by_name_is_held_for_the_deputy(app):
    event = make_event(capacity=2)
    mayor = make_guest(event, name_en="Chen Chi-Mai", category=Category.VIP)
    db.session.commit()
    unit_of_work.run(lambda: seats.set_holds(event.id, {}, {mayor.id}, "staff:1"))
    answer(mayor)
    hold_id = db.session.scalar(sa.select(SeatHold.id).where(SeatHold.guest_id == mayor.id))
    assert db.session.get(Guest, mayor.id).seat.hold_id == hold_id

    request = propose(mayor)
    deputy = unit_of_work.run(lambda: deputies.approve(request.id, 1, "staff:1"))
    db.session.expire_all()
    hold = db.session.get(SeatHold, hold_id)
    assert hold.guest_id == deputy.id
    assert db.session.get(Guest, deputy.id).seat.hold_id == hold_id
