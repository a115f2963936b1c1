"""Sessions guests choose: a seat and a waitlist per session, the guest's Seat summing them up."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.factories import invitation_path, make_guest, make_guests
from support.sessions import choose, make_sessions_event

from registrar.errors import CapacityTooLow, DeadlinePassed, InvalidAnswer
from registrar.extensions import db
from registrar.models import (
    AgendaItem,
    Category,
    Channel,
    Guest,
    MessageKind,
    OutboxMessage,
    Seat,
    SeatState,
    SessionSeat,
)
from registrar.services import audit, companions, invitations, programme, rsvp, seats
from registrar.services.requests import deputies
from registrar.services.seats import sessions


def states(guest: Guest) -> dict[int, SeatState]:
    rows = db.session.execute(
        sa.select(SessionSeat.session_id, SessionSeat.state).where(SessionSeat.guest_id == guest.id)
    ).all()
    return dict(rows)


def summary(guest: Guest) -> SeatState | None:
    seat = db.session.scalar(sa.select(Seat).where(Seat.guest_id == guest.id))
    return seat.state if seat else None


def queue(session: AgendaItem) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(SessionSeat.guest_id)
            .where(SessionSeat.session_id == session.id, SessionSeat.state == SeatState.WAITLISTED)
            .order_by(SessionSeat.queue_number)
        )
    )


def kinds(guest: Guest) -> list[MessageKind]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage.kind)
            .where(OutboxMessage.guest_id == guest.id)
            .order_by(OutboxMessage.id)
        )
    )


def test_a_guest_is_confirmed_in_a_session_with_a_seat_and_waitlisted_in_a_full_one(app):
    event, s2, s3 = make_sessions_event(capacity=2)
    first, second, third = make_guests(event, 3)
    choose(first, s3)
    choose(second, s3)

    choose(third, s2, s3)

    assert states(third) == {s2.id: SeatState.CONFIRMED, s3.id: SeatState.WAITLISTED}
    # Confirmed in one session: the guest has a seat, a badge, a confirmation.
    assert summary(third) == SeatState.CONFIRMED
    assert kinds(third) == [MessageKind.CONFIRMATION]
    assert queue(s3) == [third.id]
    assert [p.position for p in sessions.places_of(third)] == [None, 1]


def test_a_guest_waitlisted_in_every_session_chosen_is_waitlisted(app):
    event, s2, s3 = make_sessions_event(capacity=1)
    make_guest(event)
    taken = make_guest(event)
    choose(taken, s3)

    late = make_guest(event)
    choose(late, s3)

    assert summary(late) == SeatState.WAITLISTED
    assert kinds(late) == [MessageKind.WAITLISTED]
    assert states(late) == {s3.id: SeatState.WAITLISTED}


def test_a_seat_freed_in_one_session_goes_to_that_sessions_first_waitlisted(app):
    event, s2, s3 = make_sessions_event(capacity=1)
    in_s2, in_s3, waits_s2, waits_s3 = make_guests(event, 4)
    choose(in_s2, s2)
    choose(in_s3, s3)
    choose(waits_s2, s2)
    choose(waits_s3, s3)

    choose(in_s3, attending=False)

    assert states(waits_s3) == {s3.id: SeatState.CONFIRMED}
    assert summary(waits_s3) == SeatState.CONFIRMED
    assert MessageKind.PROMOTED in kinds(waits_s3)
    # Session 2's queue waits on: its seat is still taken.
    assert states(waits_s2) == {s2.id: SeatState.WAITLISTED}
    assert states(in_s3) == {} and summary(in_s3) is None


def test_leaving_a_session_gives_its_seat_to_its_queue_and_keeps_the_others(app):
    event, s2, s3 = make_sessions_event(capacity=1)
    both, waits = make_guests(event, 2)
    choose(both, s2, s3)
    choose(waits, s2)

    choose(both, s3)

    assert states(both) == {s3.id: SeatState.CONFIRMED}
    assert states(waits) == {s2.id: SeatState.CONFIRMED}
    assert summary(both) == summary(waits) == SeatState.CONFIRMED
    # The guest's badge says which sessions: it changed.
    assert kinds(both) == [MessageKind.CONFIRMATION, MessageKind.CONFIRMATION]


def test_a_guest_promoted_in_a_second_session_is_told(app):
    event, s2, s3 = make_sessions_event(capacity=1)
    holder, both = make_guests(event, 2)
    choose(holder, s3)
    choose(both, s2, s3)

    choose(holder, attending=False)

    assert states(both) == {s2.id: SeatState.CONFIRMED, s3.id: SeatState.CONFIRMED}
    assert kinds(both) == [MessageKind.CONFIRMATION, MessageKind.PROMOTED]


@pytest.mark.parametrize("chosen", ["none", "break", "other event"])
def test_a_choice_of_no_session_or_of_one_not_offered_is_refused_and_writes_nothing(app, chosen):
    event, s2, s3 = make_sessions_event()
    other, _o2, o3 = make_sessions_event()
    break_id = next(item.id for item in event.agenda if not item.choosable)
    wanted = {"none": frozenset(), "break": frozenset({break_id}), "other event": {o3.id}}[chosen]
    guest = make_guest(event)

    with pytest.raises(InvalidAnswer):
        rsvp.answer(
            guest.id,
            guest.token_version,
            rsvp.RsvpAnswer(attending=True, channel=Channel.EN, sessions=frozenset(wanted)),
            audit.GUEST,
        )
    db.session.rollback()

    assert guest.rsvp is None and summary(guest) is None and states(guest) == {}
    assert kinds(guest) == []


def test_changing_sessions_after_the_deadline_is_refused(app):
    event, s2, s3 = make_sessions_event()
    guest = make_guest(event)
    choose(guest, s2)
    event.rsvp_deadline = event.rsvp_deadline.replace(year=2000)
    db.session.commit()

    with pytest.raises(DeadlinePassed):
        choose(guest, s2, s3)
    db.session.rollback()

    assert states(guest) == {s2.id: SeatState.CONFIRMED}


def test_an_organizers_yes_without_sessions_keeps_the_choice_or_takes_every_session(app):
    event, s2, s3 = make_sessions_event()
    chose, new = make_guests(event, 2)
    choose(chose, s3)
    for guest in (chose, new):
        rsvp.answer(
            guest.id,
            guest.token_version,
            rsvp.RsvpAnswer(attending=True, channel=Channel.ZH),
            "organizer@example.org",
            on_behalf=True,
        )
        db.session.commit()

    assert states(chose) == {s3.id: SeatState.CONFIRMED}
    assert states(new) == {s2.id: SeatState.CONFIRMED, s3.id: SeatState.CONFIRMED}


def test_capacity_may_not_go_below_a_sessions_confirmed_and_raising_it_fills_each_queue(app):
    event, s2, s3 = make_sessions_event(capacity=2)
    a, b, c, d = make_guests(event, 4)
    for guest in (a, b):
        choose(guest, s2)
    for guest in (c, d):
        choose(guest, s3)
    late2, late3 = make_guests(event, 2)
    choose(late2, s2)
    choose(late3, s3)

    with pytest.raises(CapacityTooLow):
        seats.set_capacity(event.id, 1, 0, audit.SYSTEM)
    db.session.rollback()
    seats.set_capacity(event.id, 3, 0, audit.SYSTEM)
    db.session.commit()

    assert states(late2) == {s2.id: SeatState.CONFIRMED}
    assert states(late3) == {s3.id: SeatState.CONFIRMED}


def test_revoking_a_guest_frees_their_seat_in_every_session(app):
    event, s2, s3 = make_sessions_event(capacity=1)
    both, waits2, waits3 = make_guests(event, 3)
    choose(both, s2, s3)
    choose(waits2, s2)
    choose(waits3, s3)

    invitations.revoke(both.id, audit.SYSTEM)
    db.session.commit()

    assert states(both) == {} and summary(both) is None
    assert states(waits2) == {s2.id: SeatState.CONFIRMED}
    assert states(waits3) == {s3.id: SeatState.CONFIRMED}


def test_an_organizer_promotes_a_guest_in_the_sessions_with_a_seat_free(app):
    event, s2, s3 = make_sessions_event(capacity=1)
    holder, waits = make_guests(event, 2)
    choose(holder, s2)
    choose(waits, s2, s3)  # confirmed in 3, waitlisted in 2

    with pytest.raises(CapacityTooLow):
        seats.promote_guest(event.id, waits.id, audit.SYSTEM)
    db.session.rollback()

    assert states(waits) == {s2.id: SeatState.WAITLISTED, s3.id: SeatState.CONFIRMED}


def test_a_chosen_session_cannot_stop_being_one_nor_be_deleted(app):
    event, s2, s3 = make_sessions_event()
    choose(make_guest(event), s3)
    keep = programme.ItemDetails(
        kind=s3.kind, starts="15:10", ends="16:30", title_en=s3.title_en, choosable=False
    )

    with pytest.raises(programme.ProgrammeError):
        programme.update_item(event.id, s3.id, keep, audit.SYSTEM)
    db.session.rollback()
    with pytest.raises(programme.ProgrammeError):
        programme.delete_item(event.id, s3.id, audit.SYSTEM)
    db.session.rollback()

    assert db.session.get(AgendaItem, s3.id).choosable


def test_an_event_whose_guests_hold_seats_cannot_start_asking_for_sessions(app):
    event, s2, s3 = make_sessions_event()
    for item in (s2, s3):
        item.choosable = False
    db.session.commit()
    make_guest(event)
    choose(make_guest(event))  # a yes for the whole event
    wanted = programme.ItemDetails(
        kind=s2.kind, starts="13:30", ends="14:50", title_en=s2.title_en, choosable=True
    )

    with pytest.raises(programme.ProgrammeError):
        programme.update_item(event.id, s2.id, wanted, audit.SYSTEM)
    db.session.rollback()

    assert not db.session.get(AgendaItem, s2.id).choosable


def test_a_break_cannot_be_a_session_guests_choose(app):
    with pytest.raises(programme.ProgrammeError):
        programme.checked_item(
            programme.ItemDetails(
                kind="break", starts="14:50", ends="15:10", title_en="Break", choosable=True
            )
        )


def test_a_seat_held_for_a_category_is_held_in_each_session_and_freed_back_to_it(app):
    event, s2, s3 = make_sessions_event(capacity=2)
    seats.set_category_holds(event.id, {Category.VIP: 1}, audit.SYSTEM)
    db.session.commit()
    delegate, late_delegate = make_guests(event, 2)
    mayor = make_guest(event, category=Category.VIP)
    choose(delegate, s2, s3)
    choose(late_delegate, s2)

    choose(mayor, s2, s3)
    choose(mayor, s3)

    # The one open seat of each session is the delegate's; the mayor sits in the held one.
    assert states(late_delegate) == {s2.id: SeatState.WAITLISTED}
    assert states(mayor) == {s3.id: SeatState.CONFIRMED}
    held = db.session.scalar(sa.select(SessionSeat).where(SessionSeat.guest_id == mayor.id))
    assert held.hold_id is not None


def test_a_deputy_takes_the_holders_seat_in_each_session_as_it_is(app):
    event, s2, s3 = make_sessions_event(capacity=1)
    make_guest(event)
    first, holder = make_guests(event, 2)
    choose(first, s2)
    choose(holder, s2, s3)  # waitlisted in 2, confirmed in 3

    deputy = deputies.name_directly(
        holder.id,
        deputies.DeputyDetails(name_en="Deputy Mayor", email="deputy@example.org"),
        audit.SYSTEM,
    )
    db.session.commit()

    assert states(holder) == {} and summary(holder) is None
    assert states(deputy) == {s2.id: SeatState.WAITLISTED, s3.id: SeatState.CONFIRMED}
    assert summary(deputy) == SeatState.CONFIRMED
    assert queue(s2) == [deputy.id]


def test_an_accompanying_person_takes_seats_in_the_sessions_their_guest_chose(app):
    event, s2, s3 = make_sessions_event(companion_limits="vip=1", companions_take_seats=True)
    mayor = make_guest(event, category=Category.VIP)
    choose(mayor, s3)

    aide = companions.add(
        mayor.id, companions.CompanionDetails(name_en="Aide to the Mayor"), audit.SYSTEM
    )
    db.session.commit()

    assert states(aide) == {s3.id: SeatState.CONFIRMED}
    # The guest changes sessions: the aide goes with them.
    choose(mayor, s2)
    assert states(aide) == {s2.id: SeatState.CONFIRMED}


def test_a_guest_coming_only_for_a_later_session_is_asked_to_come_by_its_start(app, client):
    event, s2, s3 = make_sessions_event()
    later, whole = make_guests(event, 2)
    choose(later, s3)
    choose(whole, s2, s3)

    def asked(guest: Guest) -> str:
        page = client.get(invitation_path(guest)).get_data(as_text=True)
        return page[page.index("Please come to") :].split("</p>")[0]

    assert "by 15:10" in asked(later)
    # The whole afternoon: by the time the doors open.
    assert "by 13:10" in asked(whole)
