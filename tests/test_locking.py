"""The event lock: taken only where it holds until the commit, and required where seats change."""

from __future__ import annotations

import pytest
from support.factories import make_event, make_guest

from registrar.errors import NotFound
from registrar.extensions import db
from registrar.models import SeatState
from registrar.services import audit, locking, seats


def test_lock_guest_event_gives_the_guest_and_its_event_under_the_lock(app):
    event = make_event()
    guest = make_guest(event)
    locked_event, locked_guest = locking.lock_guest_event(guest.id)
    assert (locked_event.id, locked_guest.id) == (event.id, guest.id)
    assert locking.holds_event_lock(event.id)


def test_lock_guest_event_of_no_guest_is_not_found(app):
    make_event()
    with pytest.raises(NotFound):
        locking.lock_guest_event(999_999)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_read_only_request_cannot_take_the_lock(app, method):
    event = make_event()
    guest = make_guest(event)
    # The request's own transaction: on SQLite it begins deferred, without the write lock.
    db.session.rollback()
    with app.test_request_context("/", method=method):
        for take in (
            lambda: locking.lock_event(event.id),
            lambda: locking.lock_event_for_door(event.id),
            lambda: locking.lock_guest_event(guest.id),
        ):
            with pytest.raises(RuntimeError, match="write transaction"):
                take()
        assert not locking.holds_event_lock(event.id)
        db.session.rollback()


def test_a_deferred_sqlite_transaction_cannot_take_the_lock(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite begins its transactions as db_setup says")
    event = make_event()
    db.session.rollback()
    # A transaction begun as a read-only request begins it: BEGIN without IMMEDIATE.
    with app.test_request_context("/", method="GET"):
        db.session.connection()
    with pytest.raises(RuntimeError, match="BEGIN IMMEDIATE"):
        locking.lock_event(event.id)
    db.session.rollback()
    assert locking.lock_event(event.id).id == event.id


def test_an_autocommit_connection_cannot_take_the_lock(app):
    if db.engine.dialect.name == "sqlite":
        pytest.skip("every SQLite transaction here begins with an explicit BEGIN")
    event = make_event()
    db.session.commit()
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    with pytest.raises(RuntimeError, match="autocommit"):
        locking.lock_event(event.id)
    db.session.rollback()


def test_seats_change_only_under_the_event_lock(app):
    event = make_event(capacity=1)
    first, second = make_guest(event), make_guest(event)
    with pytest.raises(RuntimeError, match="under the event lock"):
        seats.confirm_or_waitlist(event, first, audit.SYSTEM)
    with pytest.raises(RuntimeError, match="under the event lock"):
        seats.release(event, first, audit.SYSTEM, reason="declined")
    with pytest.raises(RuntimeError, match="under the event lock"):
        seats.promote_from_waitlist(event, audit.SYSTEM)
    db.session.rollback()

    event = locking.lock_event(event.id)
    assert seats.confirm_or_waitlist(event, first, audit.SYSTEM).state == SeatState.CONFIRMED
    assert seats.confirm_or_waitlist(event, second, audit.SYSTEM).state == SeatState.WAITLISTED
    db.session.commit()

    # The lock ended with the transaction that took it.
    assert not locking.holds_event_lock(event.id)
    with pytest.raises(RuntimeError, match="under the event lock"):
        seats.release(event, first, audit.SYSTEM, reason="declined")
    db.session.rollback()
    event = locking.lock_event(event.id)
    assert seats.release(event, first, audit.SYSTEM, reason="declined") == [second]


def test_the_lock_of_one_event_is_not_the_lock_of_another(app):
    locked, other = make_event(), make_event()
    guest = make_guest(other)
    locking.lock_event(locked.id)
    with pytest.raises(RuntimeError, match="under the event lock"):
        seats.confirm_or_waitlist(other, guest, audit.SYSTEM)
