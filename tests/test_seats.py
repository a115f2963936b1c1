"""Seats: confirmed within capacity less held seats, a stable FIFO waitlist, promotion."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.factories import make_event, make_guest, make_guests

from registrar.errors import CapacityTooLow, InvalidAnswer
from registrar.extensions import db
from registrar.models import AuditEntry, Channel, Event, Guest, Rsvp, Seat, SeatState
from registrar.services import audit, invitations, rsvp, seats


def say(guest: Guest, attending: bool = True, channel: Channel | None = Channel.EN):
    """One guest's answer as the public view gives it: one use case, one commit."""
    state = rsvp.answer(
        guest.id,
        guest.token_version,
        rsvp.RsvpAnswer(attending=attending, channel=channel if attending else None),
        actor=audit.GUEST,
    )
    db.session.commit()
    return state


def seat_of(guest: Guest) -> Seat | None:
    return db.session.scalar(sa.select(Seat).where(Seat.guest_id == guest.id))


def state_of(guest: Guest) -> SeatState | None:
    seat = seat_of(guest)
    return seat.state if seat else None


def position_of(guest: Guest) -> int | None:
    seat = seat_of(guest)
    return seats.waitlist_position(seat) if seat else None


def waitlisted_ids(event: Event) -> list[int]:
    return [seat.guest_id for seat in seats.waitlist(event)]


def confirmed_ids(event: Event) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(Seat.guest_id).where(
                Seat.event_id == event.id, Seat.state == SeatState.CONFIRMED
            )
        )
    )


def audit_guests(action: str, event: Event) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry.guest_id)
            .where(AuditEntry.action == action, AuditEntry.event_id == event.id)
            .order_by(AuditEntry.id)
        )
    )


def counts(event: Event) -> tuple[int, int]:
    c = seats.seat_counts(event)
    return c.confirmed, c.waitlisted


def test_confirms_up_to_capacity_less_held_seats_then_waitlists(app):
    event = make_event(capacity=5, held_seats=2)
    guests = make_guests(event, 6)
    states = [say(g).seat for g in guests]
    assert states == [SeatState.CONFIRMED] * 3 + [SeatState.WAITLISTED] * 3
    assert counts(event) == (3, 3)
    assert confirmed_ids(event) == {g.id for g in guests[:3]}
    c = seats.seat_counts(event)
    assert (c.capacity, c.held, c.available, c.free) == (5, 2, 3, 0)


def test_a_room_with_every_seat_held_waitlists_the_first_guest(app):
    event = make_event(capacity=2, held_seats=2)
    guest = make_guest(event)
    assert say(guest).seat == SeatState.WAITLISTED
    assert position_of(guest) == 1


def test_waitlist_order_is_answer_order_and_positions_run_from_one(app):
    event = make_event(capacity=1)
    first, *queue = make_guests(event, 5)
    say(first)
    # Answer in an order different from creation, so that ids cannot stand in for the queue.
    answer_order = [queue[2], queue[0], queue[3], queue[1]]
    returned = [say(g).waitlist_position for g in answer_order]
    assert returned == [1, 2, 3, 4]
    assert waitlisted_ids(event) == [g.id for g in answer_order]
    assert [position_of(g) for g in answer_order] == [1, 2, 3, 4]
    assert position_of(first) is None
    numbers = [s.queue_number for s in seats.waitlist(event)]
    assert numbers == sorted(numbers) and len(set(numbers)) == 4


def test_repeated_yes_keeps_the_seat_and_the_queue_place(app):
    event = make_event(capacity=1)
    confirmed, waiting, behind = make_guests(event, 3)
    for g in (confirmed, waiting, behind):
        say(g)
    seat_before = seat_of(confirmed)
    seat_id, since = seat_before.id, seat_before.since
    queue_before = seat_of(waiting).queue_number

    # Yes again, with another channel: the answer changes, the seat does not.
    assert say(confirmed, channel=Channel.ZH).seat == SeatState.CONFIRMED
    assert say(waiting, channel=Channel.FLOOR).waitlist_position == 1
    assert say(waiting, channel=Channel.FLOOR).waitlist_position == 1

    after = seat_of(confirmed)
    assert (after.id, after.since, after.state) == (seat_id, since, SeatState.CONFIRMED)
    assert seat_of(waiting).queue_number == queue_before
    assert waitlisted_ids(event) == [waiting.id, behind.id]
    assert db.session.get(Rsvp, confirmed.rsvp.id).channel == Channel.ZH
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Seat)) == 3


def test_declining_a_confirmed_seat_promotes_the_first_waitlisted(app):
    event = make_event(capacity=2)
    a, b, c, d, e = make_guests(event, 5)
    for g in (a, b, c, d, e):
        say(g)
    assert waitlisted_ids(event) == [c.id, d.id, e.id]

    state = say(a, attending=False)
    assert state.answered and not state.attending and state.seat is None
    assert seat_of(a) is None
    assert state_of(c) == SeatState.CONFIRMED
    assert seat_of(c).queue_number is None
    assert waitlisted_ids(event) == [d.id, e.id]
    assert [position_of(d), position_of(e)] == [1, 2]
    assert confirmed_ids(event) == {b.id, c.id}
    assert audit_guests("seat.promoted", event) == [c.id]

    say(b, attending=False)
    assert confirmed_ids(event) == {c.id, d.id}
    assert audit_guests("seat.promoted", event) == [c.id, d.id]
    assert waitlisted_ids(event) == [e.id]


def test_declining_a_waitlisted_place_promotes_nobody_and_the_queue_closes_up(app):
    event = make_event(capacity=1)
    a, b, c, d = make_guests(event, 4)
    for g in (a, b, c, d):
        say(g)
    assert [position_of(g) for g in (b, c, d)] == [1, 2, 3]

    say(c, attending=False)
    assert seat_of(c) is None
    assert confirmed_ids(event) == {a.id}
    assert audit_guests("seat.promoted", event) == []
    assert [position_of(b), position_of(d)] == [1, 2]
    assert counts(event) == (1, 2)


def test_a_guest_who_declined_and_says_yes_again_joins_the_end_of_the_queue(app):
    event = make_event(capacity=1)
    a, b, c = make_guests(event, 3)
    for g in (a, b, c):
        say(g)
    say(b, attending=False)
    assert say(b).waitlist_position == 2
    assert waitlisted_ids(event) == [c.id, b.id]


def test_raising_capacity_promotes_in_queue_order(app):
    event = make_event(capacity=1)
    a, b, c, d = make_guests(event, 4)
    for g in (a, b, c, d):
        say(g)

    promoted = seats.set_capacity(event.id, 3, 0, actor=audit.SYSTEM)
    db.session.commit()
    assert [g.id for g in promoted] == [b.id, c.id]
    assert confirmed_ids(event) == {a.id, b.id, c.id}
    assert waitlisted_ids(event) == [d.id]
    assert position_of(d) == 1
    assert audit_guests("seat.promoted", event) == [b.id, c.id]
    assert db.session.get(Event, event.id).capacity == 3


@pytest.mark.parametrize("promoted", [3, 12])
def test_a_promotion_reads_the_promoted_guests_with_their_seats(app, promoted):
    """However many are promoted, their guests are read in the statement that reads the seats:
    a capacity increase at city scale promotes thousands."""
    event = make_event(capacity=1)
    guests = make_guests(event, promoted + 1)
    for g in guests:
        say(g)
    db.session.commit()
    db.session.expire_all()
    guest_reads: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        if statement.startswith("SELECT guests."):
            guest_reads.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        done = seats.set_capacity(event.id, promoted + 1, 0, actor=audit.SYSTEM)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    db.session.commit()
    assert [g.id for g in done] == [g.id for g in guests[1:]]
    assert guest_reads == []


def test_releasing_held_seats_promotes_too(app):
    event = make_event(capacity=3, held_seats=2)
    a, b, c = make_guests(event, 3)
    for g in (a, b, c):
        say(g)
    promoted = seats.set_capacity(event.id, 3, 1, actor=audit.SYSTEM)
    db.session.commit()
    assert [g.id for g in promoted] == [b.id]
    assert counts(event) == (2, 1)


def test_lowering_capacity_to_the_confirmed_count_is_allowed(app):
    event = make_event(capacity=5)
    for g in make_guests(event, 3):
        say(g)
    assert seats.set_capacity(event.id, 4, 1, actor=audit.SYSTEM) == []
    db.session.commit()
    event = db.session.get(Event, event.id)
    assert (event.capacity, event.held_seats) == (4, 1)
    assert counts(event) == (3, 0)


@pytest.mark.parametrize("capacity, held", [(2, 0), (3, 1), (0, 0), (10, 8)])
def test_lowering_capacity_below_the_confirmed_is_refused_and_changes_nothing(app, capacity, held):
    event = make_event(capacity=4, held_seats=1)
    for g in make_guests(event, 4):
        say(g)
    audit_rows = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))

    with pytest.raises(CapacityTooLow) as refused:
        seats.set_capacity(event.id, capacity, held, actor=audit.SYSTEM)
    assert "3" in str(refused.value)  # the confirmed count, shown to the organizer
    db.session.rollback()

    fresh = db.session.scalar(
        sa.select(Event).where(Event.id == event.id).execution_options(populate_existing=True)
    )
    assert (fresh.capacity, fresh.held_seats) == (4, 1)
    assert counts(fresh) == (3, 1)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audit_rows


@pytest.mark.parametrize("capacity, held", [(3, 4), (0, 1), (-1, 0), (5, -1)])
def test_impossible_capacities_are_refused(app, capacity, held):
    event = make_event(capacity=5, held_seats=1)
    with pytest.raises(InvalidAnswer):
        seats.set_capacity(event.id, capacity, held, actor=audit.SYSTEM)
    db.session.rollback()
    fresh = db.session.scalar(
        sa.select(Event).where(Event.id == event.id).execution_options(populate_existing=True)
    )
    assert (fresh.capacity, fresh.held_seats) == (5, 1)


def test_capacity_change_is_audited(app):
    event = make_event(capacity=5, held_seats=1)
    seats.set_capacity(event.id, 8, 2, actor="staff:7")
    db.session.commit()
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "event.capacity_changed")
    )
    assert entry.actor == "staff:7"
    assert entry.details == {"capacity": [5, 8], "held_seats": [1, 2]}


def test_revoking_a_confirmed_guest_frees_the_seat_for_the_waitlist(app):
    event = make_event(capacity=2)
    a, b, c, d = make_guests(event, 4)
    for g in (a, b, c, d):
        say(g)
    invitations.revoke(a.id, actor=audit.SYSTEM)
    db.session.commit()

    assert seat_of(a) is None
    assert db.session.get(Guest, a.id).is_revoked
    assert confirmed_ids(event) == {b.id, c.id}
    assert waitlisted_ids(event) == [d.id]
    assert audit_guests("seat.promoted", event) == [c.id]


def test_revoking_a_waitlisted_guest_promotes_nobody(app):
    event = make_event(capacity=1)
    a, b, c = make_guests(event, 3)
    for g in (a, b, c):
        say(g)
    invitations.revoke(b.id, actor=audit.SYSTEM)
    db.session.commit()
    assert confirmed_ids(event) == {a.id}
    assert waitlisted_ids(event) == [c.id]
    assert position_of(c) == 1


def test_rotating_keeps_the_answer_and_the_seat(app):
    event = make_event(capacity=1)
    a, b = make_guests(event, 2)
    say(a, channel=Channel.ZH)
    say(b)
    seat_a, seat_b = seat_of(a).id, seat_of(b).id
    version_a = a.token_version

    invitations.rotate(a.id, actor=audit.SYSTEM)
    invitations.rotate(b.id, actor=audit.SYSTEM)
    db.session.commit()

    a, b = db.session.get(Guest, a.id), db.session.get(Guest, b.id)
    assert a.token_version == version_a + 1
    assert (seat_of(a).id, seat_of(a).state) == (seat_a, SeatState.CONFIRMED)
    assert (seat_of(b).id, position_of(b)) == (seat_b, 1)
    assert a.rsvp.attending and a.rsvp.channel == Channel.ZH
    assert not a.is_revoked
    assert audit_guests("seat.promoted", event) == []
