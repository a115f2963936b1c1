"""Fixtures: a fresh database per test (SQLite and, when TEST_DATABASE_URL is set, PostgreSQL),
its app and clients (one logged in as the organizer, one as the door), and a browser."""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from support import seat_tally
from support.app import TEMPLATES, TEST_SECRET, request_client
from support.auth import DOOR_EMAIL, logged_in
from support.factories import make_staff
from support.routing import LazilyBuiltRule
from werkzeug.security import generate_password_hash

from registrar import create_app
from registrar.extensions import db
from registrar.models import Role


def _backends() -> list[str]:
    backends = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        backends.append("postgresql")
    return backends


# Schemas this process has made in this run; see _fresh_postgresql.
_SCHEMAS_MADE: set[str] = set()


def _fresh_postgresql(url: str) -> str:
    """An empty schema of this test run's own, for every test.

    The schema is named after the process, so that two runs on one database (two terminals,
    CI beside a developer) do not drop each other's tables; the returned URL sets the
    search_path, so servers started by a test with this URL see the same tables.

    The schema is made anew for the first test of the run and whenever a test left other
    tables than the models' (a migration test, a dropped table). Otherwise its rows are
    deleted and its ids restart at 1: the same empty database, without the DDL that made
    every test take the better part of a second on a busy server.
    """
    from registrar.config import normalize_database_url

    url = sa.engine.make_url(normalize_database_url(url))
    schema = f"test_{os.getpid()}"
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        tables = set(
            conn.scalars(
                sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :schema"),
                {"schema": schema},
            )
        )
        if schema in _SCHEMAS_MADE and tables == set(db.metadata.tables):
            # One round trip: every table emptied, children first, and every id sequence reset.
            statements = [
                f'DELETE FROM {schema}."{table.name}"'
                for table in reversed(db.metadata.sorted_tables)
            ]
            statements.append(
                "SELECT setval(c.oid, 1, false) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                f" WHERE c.relkind = 'S' AND n.nspname = '{schema}'"
            )
            conn.exec_driver_sql("; ".join(statements))
        else:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
            _SCHEMAS_MADE.add(schema)
    engine.dispose()
    # Tests need no durability across a server crash: commits need not wait for the disk.
    options = f"-csearch_path={schema} -csynchronous_commit=off"
    url = url.update_query_dict({"options": options})
    return url.render_as_string(hide_password=False)


# The empty SQLite database this process copies for every test; see _fresh_sqlite.
_SQLITE_EMPTY: list[Path] = []


def _fresh_sqlite(path: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database file of the test's own: a copy of one with every table and no rows, made by
    create_all once per process. The app fixture's create_all then finds the tables there; the
    copy takes a millisecond where the DDL took twenty, for every test."""
    if not _SQLITE_EMPTY:
        empty = tmp_path_factory.mktemp("empty-database") / "registrar.sqlite"
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("REGISTRAR_INSTANCE_PATH", str(empty.parent))
            app = create_app(
                {
                    "TESTING": True,
                    "SECRET_KEY": TEST_SECRET,
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{empty}",
                }
            )
        with app.app_context():
            db.create_all()
            db.session.remove()
            # The last connection closed writes the WAL back into the file: the file is whole.
            db.engine.dispose()
        _SQLITE_EMPTY.append(empty)
    shutil.copyfile(_SQLITE_EMPTY[0], path)
    return f"sqlite:///{path}"


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers",
        "in_browser: pages driven by real Chromium (support/browser.py): on SQLite only, in a "
        "file the live server shares, with CSRF on as in production",
    )


def pytest_collection_modifyitems(config, items) -> None:
    """A browser test runs on SQLite only: what PostgreSQL could change (locking, nonces,
    conflicts) is the services' and the API's business, and their tests run on both."""
    kept, dropped = [], []
    for item in items:
        on_postgresql = getattr(item, "callspec", None) and (
            item.callspec.params.get("database_url") == "postgresql"
        )
        (dropped if on_postgresql and item.get_closest_marker("in_browser") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(params=_backends())
def database_url(request, tmp_path, tmp_path_factory) -> str:
    if request.param == "postgresql":
        return _fresh_postgresql(os.environ["TEST_DATABASE_URL"])
    return _fresh_sqlite(tmp_path / "registrar.sqlite", tmp_path_factory)


@pytest.fixture
def instance_path(tmp_path, monkeypatch):
    path = tmp_path / "instance"
    path.mkdir()
    monkeypatch.setenv("REGISTRAR_INSTANCE_PATH", str(path))
    return path


@pytest.fixture
def app_config(request, database_url) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # A real browser sends the forms' CSRF tokens, as in production.
        "WTF_CSRF_ENABLED": request.node.get_closest_marker("in_browser") is not None,
        "REGISTRAR_BASE_URL": "http://localhost",
        "REGISTRAR_LOCK_TIMEOUT": 5,
        # Rate limits are tested on their own (test_limits.py, test_auth.py), with them on.
        "RATELIMIT_ENABLED": False,
    }


@pytest.fixture
def app(app_config, instance_path):
    app = create_app(app_config)
    app.jinja_env.bytecode_cache = TEMPLATES
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        # Whatever the test did to seats, the counts the database keeps of them are right.
        wrong = seat_tally.mismatches()
        db.session.remove()
        db.engine.dispose()
        assert not wrong, wrong


@pytest.fixture(autouse=True, scope="session")
def url_builders_compiled_when_used():
    """Every app of the tests builds its URLs with rules compiled on first use (support/routing.py);
    set on the class, as Flask.__init__ adds its first rule before an app could be told."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Flask, "url_rule_class", LazilyBuiltRule)
        yield


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """One cheap hash round instead of scrypt's: logins work the same, tests run faster."""
    from registrar.services import staff

    cheap = functools.partial(generate_password_hash, method="pbkdf2:sha256:1")
    monkeypatch.setattr(staff, "generate_password_hash", cheap)


@pytest.fixture
def client(app):
    return request_client(app)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def organizer_client(client):
    """The client logged in through /login as the organizer account (support.auth's)."""
    make_staff()
    return logged_in(client)


@pytest.fixture
def door_client(client):
    """The client logged in through /login as the door account (support.auth's)."""
    make_staff(DOOR_EMAIL, Role.DOOR)
    return logged_in(client, DOOR_EMAIL)


@pytest.fixture
def browser():
    """A function that starts headless Chromium, its fake camera showing the given file.
    Modules using it mark themselves `pytestmark = support.browser.in_browser`."""
    from playwright.sync_api import sync_playwright
    from support.browser import launch_chromium

    with sync_playwright() as runner:
        yield lambda camera=None: launch_chromium(runner, camera)
