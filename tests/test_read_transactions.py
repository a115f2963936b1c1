"""A transaction that only read ends with a commit, one that wrote with a rollback (db_setup):
nothing written outside a use case is kept, and on PostgreSQL the statements the driver
prepared on a connection stay prepared from one request to the next."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from support.factories import invitation_path, make_event, make_guest

from registrar import db_setup
from registrar.extensions import db
from registrar.models import AuditEntry, Event


@pytest.fixture
def ends(app):
    """How the engine's transactions ended, in order: "commit" or "rollback"."""
    seen: list[str] = []

    def commit(_connection):
        seen.append("commit")

    def rollback(_connection):
        seen.append("rollback")

    sa.event.listen(db.engine, "commit", commit)
    sa.event.listen(db.engine, "rollback", rollback)
    yield seen
    sa.event.remove(db.engine, "commit", commit)
    sa.event.remove(db.engine, "rollback", rollback)


def _entries() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def test_a_page_that_only_reads_ends_its_transaction_with_a_commit(app, client, ends):
    guest = make_guest(make_event())
    db.session.commit()
    path = invitation_path(guest)
    ends.clear()
    assert client.get(path).status_code == 200
    assert ends and set(ends) == {"commit"}


def test_reads_that_wrote_are_rolled_back(app, ends):
    db.session.commit()
    ends.clear()
    with db_setup.reading():
        db.session.execute(
            sa.insert(AuditEntry).values(action="test.read", actor="system", details={})
        )
    assert ends == ["rollback"]
    with db_setup.reading():
        db.session.scalar(sa.select(Event.id).limit(1))
        db.session.add(AuditEntry(action="test.read", actor="system", details={}))
    assert ends == ["rollback", "rollback"]
    with db_setup.reading():
        assert _entries() == 0
    assert ends[-1] == "commit"


def test_reads_that_fail_are_rolled_back(app, ends):
    db.session.commit()
    ends.clear()
    with pytest.raises(ZeroDivisionError), db_setup.reading():
        db.session.scalar(sa.select(Event.id).limit(1))
        raise ZeroDivisionError
    assert ends == ["rollback"]


def test_statements_stay_prepared_from_one_read_to_the_next(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("statements prepared by the driver are psycopg's, on PostgreSQL")
    make_event()
    db.session.commit()
    marker = "registrar_prepared_marker"
    statement = sa.select(Event.id.label(marker)).limit(1)
    # psycopg prepares a statement the sixth time it runs on a connection, and forgets what it
    # prepared at a rollback: each read below is a transaction of its own.
    for _ in range(8):
        with db_setup.reading():
            db.session.execute(statement).all()
    with db_setup.reading():
        prepared = db.session.scalar(
            sa.text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :marker"),
            {"marker": f"%{marker}%"},
        )
    assert prepared == 1


def test_an_answer_reads_and_writes_in_one_transaction_on_postgresql(app, ends):
    """The link's reads and the answer's use case: one transaction, one connection checked
    out, on PostgreSQL; on SQLite the reads end before the use case takes the write lock."""
    guest = make_guest(make_event())
    db.session.commit()
    client = app.test_client()
    path = invitation_path(guest)
    client.get(path)
    # The client's requests share the test's app context, and so its session: the page's
    # reads end here, as its teardown would end them.
    db.session.commit()
    checkouts: list[object] = []
    sa.event.listen(db.engine.pool, "checkout", lambda *args: checkouts.append(args))
    ends.clear()
    posted = client.post(path, data={"attending": "yes", "channel": "zh"})
    assert posted.status_code == 302
    if db.engine.dialect.name == "postgresql":
        assert (ends, len(checkouts)) == (["commit"], 1)
    else:
        assert (ends, len(checkouts)) == (["commit", "commit"], 2)
    db.session.rollback()
    assert db.session.get(type(guest), guest.id).rsvp.attending
