"""The seating plan: rows and reserved seats, seats given by hand or in precedence order, the
label going with the seat (freed on a "no", passed to a deputy), and every refusal writing
nothing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from support.factories import answer, make_event, make_guest

from registrar.errors import Busy, DomainError
from registrar.extensions import db
from registrar.models import AuditEntry, Category, Event, Guest, Seat, SeatingRow
from registrar.services import audit, invitations, locking, seating, seats
from registrar.services.seating import PlanRow

FRONT = [
    PlanRow("A", 6, aisles_after=(3,), reserved=(1, 2, 3)),
    PlanRow("B", 6, reserved=(1, 2)),
    PlanRow("C", 8),
]


def save(event: Event, rows=FRONT, *, version: str | None = None) -> seating.SeatingPlan:
    plan = seating.save_plan(event.id, rows, audit.SYSTEM, version=version)
    db.session.commit()
    return plan


def give(event: Event, guest: Guest, label: str) -> seating.Assigned:
    done = seating.assign_seat(event.id, guest.id, label, audit.SYSTEM)
    db.session.commit()
    return done


def label_of(guest_id: int) -> str | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Seat.label).where(Seat.guest_id == guest_id))


def written(event: Event) -> tuple:
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(SeatingRow.label, SeatingRow.seats, SeatingRow.aisles_after, SeatingRow.reserved)
        .where(SeatingRow.event_id == event.id)
        .order_by(SeatingRow.position)
    ).all()
    labels = db.session.execute(
        sa.select(Seat.guest_id, Seat.label).where(Seat.event_id == event.id).order_by(Seat.id)
    ).all()
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    return [tuple(r) for r in rows], [tuple(s) for s in labels], entries


def test_a_plan_is_saved_in_order_and_read_back_as_a_grid(app):
    event = make_event(capacity=20)
    plan = save(event)
    assert [row.label for row in plan.rows] == ["A", "B", "C"]
    assert plan.seat_count == 20 and plan.reserved_count == 5
    assert plan.reserved_labels() == ["A1", "A2", "A3", "B1", "B2"]
    row, grid_seats = plan.grid()[0]
    assert [s.label for s in grid_seats] == ["A1", "A2", "A3", "A4", "A5", "A6"]
    assert [s.aisle_after for s in grid_seats] == [False, False, True, False, False, False]
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "seating.plan_changed")
    )
    assert entry is not None


def test_row_labels_are_written_in_capitals_and_numbers_sorted(app):
    event = make_event(capacity=20)
    plan = save(event, [PlanRow(" aa ", 5, reserved=(3, 1))])
    assert plan.rows == (PlanRow("AA", 5, (), (1, 3)),)


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ([PlanRow("A", 4), PlanRow("a", 4)], "there is already a row A"),
        ([PlanRow("A1", 4)], "one to three letters"),
        ([PlanRow("A", 0)], "from 1 to 120"),
        ([PlanRow("A", 121)], "from 1 to 120"),
        ([PlanRow("A", 4, reserved=(5,))], "a reserved seat is a seat from 1 to 4"),
        ([PlanRow("A", 4, reserved=(2, 2))], "given twice"),
        ([PlanRow("A", 4, aisles_after=(4,))], "an aisle runs after a seat from 1 to 3"),
    ],
)
def test_a_row_that_cannot_be_is_refused_and_nothing_is_written(app, rows, words):
    event = make_event(capacity=20)
    save(event)
    before = written(event)
    with pytest.raises(seating.PlanInvalid) as refused:
        seating.save_plan(event.id, rows, audit.SYSTEM, version=None)
    db.session.rollback()
    assert words in str(refused.value)
    assert written(event) == before


def test_a_plan_reserving_fewer_seats_than_are_held_is_refused_and_so_are_more_holds(app):
    event = make_event(capacity=20)
    seats.set_category_holds(event.id, {Category.VIP: 4}, audit.SYSTEM)
    db.session.commit()
    before = written(event)
    with pytest.raises(DomainError) as refused:
        seating.save_plan(
            event.id, [PlanRow("A", 6, reserved=(1, 2, 3))], audit.SYSTEM, version=None
        )
    db.session.rollback()
    assert "fewer than the 4 seats held" in str(refused.value)
    assert written(event) == before

    save(event, [PlanRow("A", 6, reserved=(1, 2, 3, 4))])
    with pytest.raises(DomainError) as refused:
        seats.set_category_holds(event.id, {Category.VIP: 5}, audit.SYSTEM)
    db.session.rollback()
    assert "The seating plan reserves 4 seats" in str(refused.value)


def test_a_stale_form_is_refused(app):
    event = make_event(capacity=20)
    first = save(event)
    save(event, [*FRONT, PlanRow("D", 4)], version=first.version)
    before = written(event)
    with pytest.raises(seating.PlanChanged):
        seating.save_plan(event.id, FRONT, audit.SYSTEM, version=first.version)
    db.session.rollback()
    assert written(event) == before


def test_a_seat_is_given_by_hand_and_a_second_guest_cannot_have_it(app):
    event = make_event(capacity=20)
    save(event)
    mayor = make_guest(event, name_en="Chen Chi-Mai", name_zh="陳其邁", category=Category.VIP)
    other = make_guest(event, name_en="Lin Other")
    answer(mayor)
    answer(other)
    assert give(event, mayor, "a2").label == "A2"
    assert label_of(mayor.id) == "A2"
    before = written(event)
    with pytest.raises(DomainError) as refused:
        seating.assign_seat(event.id, other.id, "A2", audit.SYSTEM)
    db.session.rollback()
    assert "given to Chen Chi-Mai already" in str(refused.value)
    assert written(event) == before
    # The same seat again changes nothing; another one moves the guest.
    give(event, mayor, "A2")
    assert written(event) == before
    give(event, mayor, "B1")
    assert label_of(mayor.id) == "B1"
    entry = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "seating.assigned")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.guest_id == mayor.id and entry.details["seat"] == "B1"
    assert entry.details["from_seat"] == "A2"


@pytest.mark.parametrize(
    ("label", "words"),
    [("Z9", "has no seat Z9"), ("A9", "has no seat A9"), ("C1", "not a reserved seat")],
)
def test_a_seat_the_plan_does_not_reserve_is_refused(app, label, words):
    event = make_event(capacity=20)
    save(event)
    guest = make_guest(event)
    answer(guest)
    before = written(event)
    with pytest.raises(DomainError) as refused:
        seating.assign_seat(event.id, guest.id, label, audit.SYSTEM)
    db.session.rollback()
    assert words in str(refused.value)
    assert written(event) == before


def test_a_guest_without_a_confirmed_seat_gets_no_reserved_seat(app):
    event = make_event(capacity=1)
    save(event)
    first, waiting, silent = (make_guest(event) for _ in range(3))
    other_event_guest = make_guest(make_event(slug="other"))
    answer(first)
    answer(waiting)  # waitlisted: the room is full
    before = written(event)
    for guest in (waiting, silent, other_event_guest):
        with pytest.raises(DomainError) as refused:
            seating.assign_seat(event.id, guest.id, "A1", audit.SYSTEM)
        db.session.rollback()
        assert "no confirmed seat" in str(refused.value) or "this event's list" in str(
            refused.value
        )
    assert written(event) == before


def test_declining_or_being_revoked_frees_the_label(app):
    event = make_event(capacity=20)
    save(event)
    one, two = make_guest(event), make_guest(event)
    answer(one)
    answer(two)
    give(event, one, "A1")
    give(event, two, "A2")
    answer(one, attending=False)
    assert label_of(one.id) is None
    invitations.revoke(two.id, audit.SYSTEM)
    db.session.commit()
    assert label_of(two.id) is None
    assert seating.plan_of(db.session.get(Event, event.id)).assigned == {}


def test_a_row_with_a_given_seat_cannot_be_removed_nor_the_seat_unreserved(app):
    event = make_event(capacity=20)
    plan = save(event)
    guest = make_guest(event, name_en="Lai Ching-Ming")
    answer(guest)
    give(event, guest, "B2")
    before = written(event)
    for rows, words in (
        ([FRONT[0], FRONT[2]], "Row B cannot be removed"),
        ([FRONT[0], PlanRow("B", 6, reserved=(1,)), FRONT[2]], "Seat B2 is given to Lai"),
        ([FRONT[0], PlanRow("B", 1, reserved=(1,)), FRONT[2]], "Seat B2 is given to Lai"),
    ):
        with pytest.raises(DomainError) as refused:
            seating.save_plan(event.id, rows, audit.SYSTEM, version=plan.version)
        db.session.rollback()
        assert words in str(refused.value)
        assert written(event) == before


def test_fill_gives_free_reserved_seats_by_precedence_then_name(app):
    event = make_event(capacity=20)
    save(event)
    people = {
        "speaker": make_guest(
            event, name_en="Zed Speaker", category=Category.SPEAKER, precedence=2
        ),
        "mayor": make_guest(event, name_en="Mayor", category=Category.VIP, precedence=1),
        "vip_b": make_guest(event, name_en="Beta VIP", category=Category.VIP),
        "vip_a": make_guest(event, name_en="Alpha VIP", category=Category.VIP),
        "moderator": make_guest(event, name_en="Mod", category=Category.MODERATOR),
        "delegate": make_guest(event, name_en="Aaron Delegate", category=Category.DELEGATE),
        "unanswered": make_guest(event, name_en="Silent VIP", category=Category.VIP),
        "by_hand": make_guest(event, name_en="Hand VIP", category=Category.VIP, precedence=3),
    }
    for key, guest in people.items():
        if key != "unanswered":
            answer(guest)
    give(event, people["by_hand"], "B2")
    done = seating.fill_in_precedence(event.id, audit.SYSTEM)
    db.session.commit()
    assert [(d.guest.name_en, d.label) for d in done] == [
        ("Mayor", "A1"),
        ("Zed Speaker", "A2"),
        ("Alpha VIP", "A3"),
        ("Beta VIP", "B1"),
    ]
    # The moderator found no free reserved seat; the delegate and the unanswered none either.
    assert label_of(people["moderator"].id) is None
    assert label_of(people["delegate"].id) is None
    assert label_of(people["by_hand"].id) == "B2"
    with pytest.raises(DomainError) as refused:
        seating.fill_in_precedence(event.id, audit.SYSTEM)
    db.session.rollback()
    assert "Every reserved seat is given" in str(refused.value)


def test_a_deputy_takes_the_seat_label_with_the_seat(app):
    event = make_event(capacity=20)
    save(event)
    mayor = make_guest(event, name_en="Mayor", category=Category.VIP)
    deputy = make_guest(event, name_en="Deputy", category=Category.VIP)
    answer(mayor)
    give(event, mayor, "A1")
    seats.pass_seat(locking.lock_event(event.id), mayor, deputy, audit.SYSTEM)
    db.session.commit()
    assert label_of(deputy.id) == "A1"
    assert label_of(mayor.id) is None


def _give(app, event_id: int, guest_id: int, start: threading.Event) -> str:
    start.wait(timeout=30)
    with app.app_context():
        for _attempt in range(20):
            try:
                seating.assign_seat(event_id, guest_id, "A1", audit.SYSTEM)
                db.session.commit()
                return "given"
            except Busy:
                db.session.rollback()
            except DomainError:
                db.session.rollback()
                return "refused"
        raise AssertionError("the event lock was never free")


def test_the_same_seat_given_at_once_to_eight_guests_goes_to_one(app):
    event = make_event(capacity=20)
    save(event)
    guests = [make_guest(event) for _ in range(8)]
    for guest in guests:
        answer(guest)
    event_id, ids = event.id, [g.id for g in guests]
    db.session.commit()
    start = threading.Event()
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(_give, app, event_id, guest_id, start) for guest_id in ids]
        start.set()
        results = [f.result() for f in futures]
    assert sorted(results) == ["given"] + ["refused"] * 7
    db.session.expire_all()
    holders = db.session.scalars(
        sa.select(Seat.guest_id).where(Seat.event_id == event_id, Seat.label == "A1")
    ).all()
    assert len(holders) == 1
