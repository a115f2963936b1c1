"""Statements answered together (registrar/pipelines.py): on PostgreSQL a statement sent to
the driver's cursor and SQLAlchemy's next one go in one pipeline, each reading what was
committed before it began, and an error of either is SQLAlchemy's error of its kind. Writes
sent straight to the driver write what SQLAlchemy's execution would have written."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from support.factories import make_event, make_guest

from registrar import pipelines
from registrar.extensions import db
from registrar.models import (
    Channel,
    Event,
    Language,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    Rsvp,
)


@pytest.fixture
def postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's pipeline, on PostgreSQL")


def test_both_statements_are_answered(postgresql):
    event_id = make_event(capacity=7).id
    db.session.commit()
    connection = db.session.connection()
    with pipelines.answered_together(connection) as driver, driver.cursor() as first:
        first.execute("SELECT %(n)s::int + 1", {"n": 41})
        capacity = db.session.scalar(sa.select(Event.capacity).where(Event.id == event_id))
        assert first.fetchone() == (42,)
    assert capacity == 7
    db.session.rollback()


def test_the_second_statement_reads_what_was_committed_after_the_first_began(postgresql):
    event_id = make_event(capacity=7).id
    db.session.commit()
    other = db.engine.connect()
    held = other.begin()
    other.execute(sa.update(Event).where(Event.id == event_id).values(capacity=9))
    locked = sa.select(Event.id).where(Event.id == event_id).with_for_update()
    sql = str(locked.compile(dialect=db.engine.dialect))
    connection = db.session.connection()
    # The first statement waits for the other transaction's row lock; the other commits
    # meanwhile, from a thread of its own.
    threading.Timer(0.3, held.commit).start()
    with pipelines.answered_together(connection) as driver, driver.cursor() as first:
        first.execute(sql, {"id_1": event_id})
        capacity = db.session.scalar(sa.select(Event.capacity).where(Event.id == event_id))
        assert first.fetchone() == (event_id,)
    assert capacity == 9
    db.session.rollback()
    other.close()


def test_an_error_of_the_first_statement_is_sqlalchemys_and_ends_nothing_else(postgresql):
    event_id = make_event(capacity=7).id
    db.session.commit()
    connection = db.session.connection()
    with pytest.raises(sa.exc.DataError):
        with pipelines.answered_together(connection) as driver, driver.cursor() as first:
            first.execute("SELECT 1 / %(zero)s::int", {"zero": 0})
            db.session.scalar(sa.select(Event.capacity).where(Event.id == event_id))
    db.session.rollback()
    assert db.session.scalar(sa.select(Event.capacity).where(Event.id == event_id)) == 7


# -- writes sent straight to the driver ---------------------------------------------------------

_MESSAGE = sa.insert(OutboxMessage).inline()
_ANSWER = sa.insert(Rsvp).inline()
# Values held by the statement itself (the kinds, the status and reason set), beside a bound one.
_CANCEL = (
    sa.update(OutboxMessage)
    .where(
        OutboxMessage.guest_id == sa.bindparam("guest"),
        OutboxMessage.kind.in_(
            [sa.literal(k, OutboxMessage.kind.type) for k in (MessageKind.CONFIRMATION,)]
        ),
    )
    .values(status=MessageStatus.CANCELLED, reason="superseded")
)
# The same statement: for rows that leave out answered_at, whose default is made as the
# statement runs (utcnow), SQLAlchemy's execution has to make it.
_ANSWER_AT_ITS_TIME = _ANSWER


def _writes(guest_id: int, event_id: int, n: int) -> list[tuple[sa.Executable, object]]:
    # An aware time, which the column's type turns into naive UTC; enums; JSON; booleans.
    at = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    message = {
        "event_id": event_id,
        "guest_id": guest_id,
        "kind": MessageKind.CONFIRMATION,
        "language": Language.ZH_HANT,
        "to_address": f"someone{n}@example.org",
        "subject": "",
        "status": MessageStatus.QUEUED,
        "attempts": 0,
        "next_attempt_at": at,
        "last_error": "",
        "reason": "",
        "details": {"updated": True, "sessions": [3, 1]},
        "actor": "guest",
        "created_at": at,
        "is_test": False,
    }
    rows = [{**message, "message_id": f"<w{n}-{i}@example.org>"} for i in range(2)]
    # The answer leaves out dietary, access_needs and note: their default is a fixed "".
    answer = {"guest_id": guest_id, "attending": True, "channel": Channel.ZH}
    answer |= {"answered_at": at, "updated_at": at}
    return [(_MESSAGE, rows), (_CANCEL, {"guest": guest_id}), (_ANSWER, [answer])]


def _written(guest_id: int) -> list[tuple[object, ...]]:
    db.session.expire_all()
    messages = db.session.execute(
        sa.select(
            OutboxMessage.kind,
            OutboxMessage.language,
            OutboxMessage.status,
            OutboxMessage.reason,
            OutboxMessage.details,
            OutboxMessage.next_attempt_at,
            OutboxMessage.is_test,
        )
        .where(OutboxMessage.guest_id == guest_id)
        .order_by(OutboxMessage.message_id)
    ).all()
    answer = db.session.execute(
        sa.select(Rsvp.attending, Rsvp.channel, Rsvp.dietary, Rsvp.note, Rsvp.answered_at).where(
            Rsvp.guest_id == guest_id
        )
    ).all()
    return [tuple(row) for row in [*messages, *answer]]


def _listening() -> tuple[list[tuple[str, bool]], object]:
    """The statements the connection's listeners hear, each with whether it went straight to
    the driver (no SQLAlchemy execution context)."""
    heard: list[tuple[str, bool]] = []

    def hear(_conn, _cursor, statement, _parameters, context, _many):
        heard.append((statement, context is None))

    sa.event.listen(db.engine, "before_cursor_execute", hear)
    return heard, hear


def test_writes_sent_straight_to_the_driver_write_what_sqlalchemy_would(postgresql):
    event = make_event()
    straight, through = make_guest(event), make_guest(event)
    event_id, straight_id, through_id = event.id, straight.id, through.id
    db.session.commit()
    heard, hear = _listening()
    try:
        connection = db.session.connection()
        with pipelines.pipeline(connection) as entered:
            assert entered is not None
            for statement, parameters in _writes(straight_id, event_id, 1):
                pipelines.execute_in_pipeline(connection, statement, parameters)
        for statement, parameters in _writes(through_id, event_id, 2):
            connection.execute(statement, parameters)
        db.session.commit()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", hear)
    # The first three went straight, and the listeners heard them as the other three.
    assert [(s.split()[0], straight) for s, straight in heard] == [
        ("INSERT", True),
        ("UPDATE", True),
        ("INSERT", True),
        ("INSERT", False),
        ("UPDATE", False),
        ("INSERT", False),
    ]
    written = _written(straight_id)
    assert written == _written(through_id)
    assert written[0][:5] == (
        MessageKind.CONFIRMATION,
        Language.ZH_HANT,
        MessageStatus.CANCELLED,
        "superseded",
        {"updated": True, "sessions": [3, 1]},
    )
    assert written[-1] == (True, Channel.ZH, "", "", datetime(2026, 12, 5, 9, 30, tzinfo=UTC))


def test_a_write_needing_a_default_made_as_it_runs_goes_through_sqlalchemy(postgresql):
    guest_id = make_guest(make_event()).id
    db.session.commit()
    before = datetime.now(UTC)
    heard, hear = _listening()
    try:
        connection = db.session.connection()
        with pipelines.pipeline(connection) as entered:
            assert entered is not None
            answer = {"guest_id": guest_id, "attending": False}
            pipelines.execute_in_pipeline(connection, _ANSWER_AT_ITS_TIME, answer)
        db.session.commit()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", hear)
    assert [straight for s, straight in heard if s.startswith("INSERT")] == [False]
    answered_at = db.session.scalar(sa.select(Rsvp.answered_at).where(Rsvp.guest_id == guest_id))
    assert answered_at >= before


def test_a_write_the_database_refuses_is_sqlalchemys_error(postgresql):
    guest_id = make_guest(make_event()).id
    db.session.commit()
    connection = db.session.connection()
    answer = {"guest_id": guest_id, "attending": True, "answered_at": datetime.now(UTC)}
    answer["updated_at"] = answer["answered_at"]
    with pytest.raises(sa.exc.IntegrityError):
        with pipelines.pipeline(connection):
            for _ in range(2):
                pipelines.execute_in_pipeline(connection, _ANSWER, [answer])
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp)) == 0
