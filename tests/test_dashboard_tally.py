"""The dashboard's stored tally (guest_tally): after every kind of change to a guest, what the
database keeps in the guest's tally row is what its answer, seat and check-in say, on both
databases, also when two transactions change the same guest at once."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from support import tally
from support.factories import make_event, make_guest, make_guests_in_bulk
from test_dashboard import EXPECTED_GUESTS, answer, everyone, scan  # noqa: F401

from registrar.extensions import db
from registrar.models import TALLIES, Channel, Guest, SeatState, utcnow
from registrar.services import checkin, dashboard, invitations, rsvp
from registrar.services.guests import erasure


def assert_exact(event_id: int) -> None:
    db.session.commit()
    assert tally.stored(event_id) == tally.from_rows(event_id)


@pytest.fixture
def event(app):
    return make_event(capacity=3)


def test_every_change_of_answers_seats_check_ins_and_invitations_keeps_the_tally(
    everyone,  # noqa: F811
    event,
):
    # The fixture answered, revoked, checked in and out, handed and took back receivers.
    assert_exact(event.id)
    g = everyone
    # A change of mind: the confirmed seat goes to the waitlist's first.
    answer(g["zh_home"], False)
    assert g["waiting"].seat.state == SeatState.CONFIRMED
    assert_exact(event.id)
    answer(g["waiting"], True, Channel.ZH, access_needs="Ramp")
    assert_exact(event.id)
    invitations.reinstate(g["revoked"].id, actor="staff:1")
    db.session.commit()
    assert_exact(event.id)
    assert scan(g["zh_left"]) == "ok"
    checkin.set_receiver(event.id, g["zh_left"].id, "ZH-09", "staff:1")
    db.session.commit()
    assert_exact(event.id)
    erasure.erase(g["en_inside"].id, actor="staff:1")
    db.session.commit()
    assert_exact(event.id)
    g["not_sent"].sent_at = utcnow()
    g["pending"].category = "press"
    db.session.commit()
    assert_exact(event.id)
    db.session.delete(db.session.get(Guest, g["declined"].id))
    db.session.commit()
    assert_exact(event.id)


def test_bulk_inserts_plain_sql_and_rollbacks_keep_the_tally(app):
    event = make_event(capacity=40)
    make_guests_in_bulk(event, 120)
    db.session.commit()
    assert_exact(event.id)
    db.session.execute(sa.text("UPDATE rsvps SET dietary = 'Vegan' WHERE attending"))
    db.session.execute(sa.text("DELETE FROM check_ins WHERE inside"))
    db.session.execute(sa.text("UPDATE seats SET state = 'waitlisted', queue_number = -id"))
    assert_exact(event.id)
    db.session.execute(sa.text("DELETE FROM rsvps"))
    db.session.rollback()
    assert_exact(event.id)
    # A guest added with the invitation already sent and revoked at once.
    db.session.add(
        Guest(event_id=event.id, email="late@example.org", sent_at=utcnow(), revoked_at=utcnow())
    )
    assert_exact(event.id)


def test_the_dashboard_counts_what_the_tally_holds(everyone, event):  # noqa: F811
    """The counts are read from the stored flags: a flag the triggers got wrong would show."""
    db.session.commit()
    db.session.execute(
        sa.text("DROP TRIGGER IF EXISTS guests_tally_update ON guests")
        if db.engine.dialect.name == "postgresql"
        else sa.text("DROP TRIGGER IF EXISTS guests_tally_update")
    )
    everyone["not_sent"].sent_at = utcnow()
    db.session.commit()
    counts = dashboard.summary(event).guests
    assert counts.not_sent == EXPECTED_GUESTS["not_sent"]  # the stale flag, not the row
    assert tally.stored(event.id) != tally.from_rows(event.id)


def test_two_transactions_changing_one_guest_at_once_leave_it_exact(app):
    """An answer's change and a check-in of the same guest, each in its own transaction: the
    second waits for the first (the lock of the guest's tally row) and writes the flags from
    what the first committed, not from what it saw before waiting."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    event = make_event(capacity=5)
    guest = make_guest(event)
    guest.sent_at = utcnow()
    db.session.commit()
    rsvp.answer(
        guest.id, guest.token_version, rsvp.RsvpAnswer(attending=True, channel=Channel.EN), "guest"
    )
    db.session.commit()
    guest_id, event_id = guest.id, event.id
    now = utcnow().replace(tzinfo=None)
    first, second = db.engine.connect(), db.engine.connect()
    try:
        first.begin()
        first.execute(
            sa.text("UPDATE rsvps SET dietary = 'Vegan' WHERE guest_id = :g"), {"g": guest_id}
        )
        second.begin()
        done = threading.Event()

        def check_in() -> None:
            second.execute(
                sa.text(
                    "INSERT INTO check_ins (event_id, guest_id, first_scan_at, first_gate, "
                    "inside, changed_at, receiver) VALUES (:e, :g, :now, '', true, :now, 'EN-1')"
                ),
                {"e": event_id, "g": guest_id, "now": now},
            )
            done.set()

        waiting = threading.Thread(target=check_in)
        waiting.start()
        assert not done.wait(0.5), "the check-in's trigger waits for the tally row's lock"
        first.commit()
        waiting.join(10)
        assert done.is_set()
        second.commit()
    finally:
        first.close()
        second.close()
    db.session.expire_all()
    assert_exact(event_id)
    flags = db.session.scalar(sa.select(TALLIES.c.flags).where(TALLIES.c.guest_id == guest_id))
    assert flags & tally.t.DIETARY and flags & tally.t.INSIDE and flags & tally.t.HANDED


def test_an_answer_and_a_check_in_leave_the_guest_row_as_it_was(app):
    """The tally has a table of its own: changing it writes no new version of the guest's row
    (on PostgreSQL, one that would add an entry to every index of guests)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a row's version (xmin) is PostgreSQL's")
    event = make_event(capacity=5)
    guest = make_guest(event)
    guest.sent_at = utcnow()
    db.session.commit()
    guest_id = guest.id

    def version() -> str:
        return db.session.scalar(
            sa.text("SELECT xmin::text FROM guests WHERE id = :g"), {"g": guest_id}
        )

    before = version()
    rsvp.answer(
        guest.id, guest.token_version, rsvp.RsvpAnswer(attending=True, channel=Channel.EN), "guest"
    )
    db.session.commit()
    assert scan(db.session.get(Guest, guest_id)) == "ok"
    db.session.commit()
    assert version() == before
    assert_exact(event.id)
