"""The migrations build, from an empty database, exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from registrar import search_index
from registrar.extensions import db


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
