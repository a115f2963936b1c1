"""Statements answered together (registrar/pipelines.py): on PostgreSQL a statement sent to
the driver's cursor and SQLAlchemy's next one go in one pipeline, each reading what was
committed before it began, and an error of either is SQLAlchemy's error of its kind."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from support.factories import make_event

from registrar import pipelines
from registrar.extensions import db
from registrar.models import Event


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
