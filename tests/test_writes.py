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
