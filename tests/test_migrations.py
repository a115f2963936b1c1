"""The migrations build, from an empty database, exactly the schema the models describe."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from support import seat_tally, tally
from support.factories import make_event, make_guests_in_bulk

from registrar import search_index
from registrar.extensions import db
from registrar.services.checkin import search_guests

# SQLite's reflection cannot read the name order's index on an expression, and says so; the
# comparison leaves it out anyway (search_index.include_name).
pytestmark = pytest.mark.filterwarnings(
    "ignore:Skipped unsupported reflection of expression-based index"
)


def _drift(app) -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "render_as_batch": True,
                "include_name": search_index.include_name,
            },
        )
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_matches_models(app):
    db.drop_all()
    upgrade()
    assert _drift(app) == []
    assert set(db.inspect(db.engine).get_table_names()) >= {
        "events",
        "guests",
        "rsvps",
        "seats",
        "staff_users",
        "audit_entries",
        "alembic_version",
    }


def test_downgrade_to_empty_and_back(app):
    db.drop_all()
    upgrade()
    downgrade(revision="base")
    assert set(db.inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert _drift(app) == []


def test_the_search_key_migration_fills_the_keys_of_the_guests_already_there(app):
    db.drop_all()
    # The event is made with today's models, then the schema goes back to before the keys (a
    # model's newer columns would not fit the older schema).
    upgrade()
    event = make_event()
    db.session.commit()
    event_id, created_at = event.id, event.created_at
    db.session.close()
    downgrade(revision="9d2c4f6a8b13")
    db.session.execute(
        sa.text(
            "INSERT INTO guests (event_id, name_en, name_zh, email, organization, title, category,"
            " language, token_version, badge_version, invited_at, updated_at) VALUES (:event,"
            " 'Chen Mei-Ling', '陳美玲', 'mei@example.org', 'ICLEI', '', 'delegate', 'en', 1, 1,"
            " :now, :now)"
        ),
        {"event": event_id, "now": created_at.replace(tzinfo=None)},
    )
    db.session.commit()
    upgrade()
    key = db.session.scalar(sa.text("SELECT search_key FROM guests"))
    assert key == "chenmeiling 陳美玲 iclei mei@example.org"
    assert [g.name_en for g in search_guests(event_id, "mei ling")] == ["Chen Mei-Ling"]
    assert [g.name_en for g in search_guests(event_id, "美玲")] == ["Chen Mei-Ling"]


def test_the_tally_migration_counts_the_guests_already_there(app):
    db.drop_all()
    upgrade()
    event = make_event(capacity=5)
    make_guests_in_bulk(event, 40)
    db.session.commit()
    event_id = event.id
    expected = tally.from_rows(event_id)
    db.session.close()
    # Back to before the tally, then up again: the guests' tally rows are made from their rows.
    downgrade(revision="e4a7c2f9d815")
    upgrade()
    assert tally.stored(event_id) == expected


def test_the_seat_tally_migration_counts_the_seats_already_there(app):
    db.drop_all()
    upgrade()
    event = make_event(capacity=5)
    make_guests_in_bulk(event, 40)
    db.session.commit()
    expected = seat_tally.counted()
    assert expected[event.id][:2] == (5, 15)
    db.session.close()
    # Back to before the seat tally, then up again: the events' rows are made from their seats.
    downgrade(revision="c4d8e2f6a1b3")
    upgrade()
    assert seat_tally.kept() == expected
