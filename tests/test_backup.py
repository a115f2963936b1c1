"""`flask backup` and `flask restore`: SQLite's online backup, round-tripped through the CLI."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from support.factories import make_event, make_guest

from registrar import create_app
from registrar.extensions import db
from registrar.models import Guest


@pytest.fixture
def sqlite_app(tmp_path, instance_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.sqlite'}",
        }
    )
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["init"])
        assert result.exit_code == 0, result.output
        yield app
        db.session.remove()
        db.engine.dispose()


def _guest_emails(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(sa.select(Guest.email)))


def test_backup_then_restore_brings_back_the_guest_list(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    with sqlite_app.app_context():
        event = make_event()
        make_guest(event, email="kept@example.org")
        db.session.commit()

    target = tmp_path / "backups" / "before.sqlite"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "1 guests" in result.output
    assert target.exists()

    with sqlite_app.app_context():
        make_guest(db.session.get(Guest, 1).event, email="later@example.org")
        db.session.commit()
    assert _guest_emails(sqlite_app) == ["kept@example.org", "later@example.org"]

    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert _guest_emails(sqlite_app) == ["kept@example.org"]
    # The restored database takes writes again.
    with sqlite_app.app_context():
        make_guest(db.session.get(Guest, 1).event, email="after@example.org")
        db.session.commit()
    assert _guest_emails(sqlite_app) == ["after@example.org", "kept@example.org"]


def test_backup_default_name_in_the_instance_backups_folder(sqlite_app, tmp_path):
    result = sqlite_app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    written = list((tmp_path / "backups").glob("live-*.sqlite"))
    assert len(written) == 1
    with sqlite3.connect(written[0]) as conn:
        assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)


def test_backup_never_overwrites(sqlite_app, tmp_path):
    target = tmp_path / "taken.sqlite"
    target.write_bytes(b"precious")
    result = sqlite_app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 1
    assert "exists already" in result.output
    assert target.read_bytes() == b"precious"


@pytest.mark.parametrize(
    "content, message",
    [
        (b"this is not a database at all, just text " * 100, "is not a SQLite database"),
        (None, "There is no file"),
        ("other-sqlite", "is not a registrar database"),
    ],
)
def test_restore_refuses_what_is_not_our_backup_and_changes_nothing(
    sqlite_app, tmp_path, content, message
):
    with sqlite_app.app_context():
        make_guest(make_event(), email="kept@example.org")
        db.session.commit()
    bad = tmp_path / "bad.sqlite"
    if content == "other-sqlite":
        with sqlite3.connect(bad) as conn:
            conn.execute("CREATE TABLE notes (body TEXT)")
    elif content is not None:
        bad.write_bytes(content)
    result = sqlite_app.test_cli_runner().invoke(args=["restore", str(bad), "--yes"])
    assert result.exit_code == 1
    assert message in result.output
    assert _guest_emails(sqlite_app) == ["kept@example.org"]


def test_restore_asks_before_replacing(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    target = tmp_path / "b.sqlite"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    with sqlite_app.app_context():
        make_guest(make_event(), email="new@example.org")
        db.session.commit()
    result = runner.invoke(args=["restore", str(target)], input="n\n")
    assert result.exit_code == 1
    assert "Aborted" in result.output
    assert _guest_emails(sqlite_app) == ["new@example.org"]


def test_backup_of_postgresql_points_to_pg_dump(instance_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        }
    )
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 1
    assert "pg_dump" in result.output
