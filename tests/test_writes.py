"""Writes gathered by a hot path (services/writes.py) reach the database in their order, and a
write the database refuses fails the use case as SQLAlchemy's error of its kind, with nothing
of it kept, on PostgreSQL's pipeline as on SQLite."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.factories import make_event, make_guest

from registrar import unit_of_work
from registrar.extensions import db
from registrar.models import AuditEntry, Rsvp, utcnow
from registrar.services.writes import Writes

_ANSWER = sa.insert(Rsvp).inline()
_ENTRY = sa.insert(AuditEntry).inline()


def _answer(guest_id: int) -> dict[str, object]:
    now = utcnow()
    return {"guest_id": guest_id, "attending": True, "answered_at": now, "updated_at": now}


def _entries() -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "test.w")
    )


def test_writes_are_sent_in_their_order(app):
    event = make_event()
    guest_id = make_guest(event).id
    db.session.commit()

    def work() -> None:
        writes = Writes()
        writes.insert(_ANSWER, [_answer(guest_id)])
        # An update of the row the insert before it wrote: it sees that row.
        writes.update(
            sa.update(Rsvp).where(Rsvp.guest_id == sa.bindparam("guest")).values(note="second"),
            {"guest": guest_id},
        )
        writes.send()

    unit_of_work.run(work)
    db.session.rollback()
    assert db.session.scalar(sa.select(Rsvp.note).where(Rsvp.guest_id == guest_id)) == "second"


def test_a_refused_write_fails_the_use_case_and_keeps_nothing(app):
    event = make_event()
    guest_id = make_guest(event).id
    db.session.commit()
    entry = {"action": "test.w", "actor": "system", "details": {}, "created_at": utcnow()}

    def work() -> None:
        writes = Writes()
        writes.insert(_ENTRY, [entry])
        writes.insert(_ANSWER, [_answer(guest_id)])
        # The guest answered once already: the second answer breaks the unique guest.
        writes.insert(_ANSWER, [_answer(guest_id)])
        writes.insert(_ENTRY, [entry])
        writes.send()

    with pytest.raises(sa.exc.IntegrityError):
        unit_of_work.run(work)
    db.session.rollback()
    assert _entries() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp)) == 0
    # The session goes on: the next use case writes.
    writes_after = Writes()
    writes_after.insert(_ENTRY, [entry])
    unit_of_work.run(writes_after.send)
    db.session.rollback()
    assert _entries() == 1


def _answers() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp))


def _entry() -> dict[str, object]:
    return {"action": "test.w", "actor": "system", "details": {}, "created_at": utcnow()}


@pytest.fixture
def guest_id(app) -> int:
    guest_id = make_guest(make_event()).id
    db.session.commit()
    return guest_id


def _next_use_case_keeps_only_its_own() -> None:
    """After a use case that failed, the next one on the same connection commits its own
    write only: nothing of the failed one was held back for it."""
    writes = Writes()
    writes.insert(_ENTRY, [_entry()])
    unit_of_work.run(writes.send_with_commit)
    db.session.rollback()
    assert (_entries(), _answers()) == (1, 0)


def test_writes_sent_with_the_commit_are_kept(guest_id):
    sent: list[str] = []
    sa.event.listen(db.engine, "before_cursor_execute", lambda *a: sent.append(a[2]))

    def work() -> None:
        writes = Writes()
        writes.insert(_ENTRY, [_entry()])
        writes.insert(_ANSWER, [_answer(guest_id)])
        writes.send_with_commit()
        if db.engine.dialect.name == "postgresql":
            # Held for the commit, to go with it in one round trip.
            assert not [s for s in sent if s.startswith("INSERT")]

    unit_of_work.run(work)
    assert len([s for s in sent if s.startswith("INSERT")]) == 2
    db.session.rollback()
    assert (_entries(), _answers()) == (1, 1)


def test_a_statement_after_writes_held_for_the_commit_sees_them(guest_id):
    seen: list[int] = []

    def work() -> None:
        writes = Writes()
        writes.insert(_ANSWER, [_answer(guest_id)])
        writes.send_with_commit()
        seen.append(_answers())
        # A change made by the session after them is written after them too.
        db.session.add(AuditEntry(**_entry()))

    unit_of_work.run(work)
    db.session.rollback()
    assert seen == [1]
    assert (_entries(), _answers()) == (1, 1)


def test_a_write_refused_at_the_commit_fails_the_use_case_and_keeps_nothing(guest_id):

    def work() -> None:
        db.session.add(AuditEntry(**_entry()))
        writes = Writes()
        writes.insert(_ANSWER, [_answer(guest_id)])
        writes.insert(_ANSWER, [_answer(guest_id)])
        writes.send_with_commit()

    with pytest.raises(sa.exc.IntegrityError):
        unit_of_work.run(work)
    db.session.rollback()
    assert (_entries(), _answers()) == (0, 0)
    _next_use_case_keeps_only_its_own()


def test_a_use_case_that_fails_after_holding_writes_keeps_none_of_them(guest_id):

    def work() -> None:
        writes = Writes()
        writes.insert(_ANSWER, [_answer(guest_id)])
        writes.send_with_commit()
        raise RuntimeError("refused after the writes")

    with pytest.raises(RuntimeError):
        unit_of_work.run(work)
    db.session.rollback()
    _next_use_case_keeps_only_its_own()
