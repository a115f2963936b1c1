"""Fixtures: a fresh database per test, on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL."""

from __future__ import annotations

import functools
import os
from html import unescape

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from werkzeug.security import generate_password_hash

from registrar import create_app
from registrar.extensions import db

TEST_SECRET = "test-secret-key-not-for-production"


def text(response) -> str:
    """A response's page as text, HTML entities resolved."""
    return unescape(response.get_data(as_text=True))


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


@pytest.fixture(params=_backends())
def database_url(request, tmp_path) -> str:
    if request.param == "postgresql":
        return _fresh_postgresql(os.environ["TEST_DATABASE_URL"])
    return f"sqlite:///{tmp_path / 'registrar.sqlite'}"


@pytest.fixture
def instance_path(tmp_path, monkeypatch):
    path = tmp_path / "instance"
    path.mkdir()
    monkeypatch.setenv("REGISTRAR_INSTANCE_PATH", str(path))
    return path


@pytest.fixture
def app_config(database_url) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "REGISTRAR_BASE_URL": "http://localhost",
        "REGISTRAR_LOCK_TIMEOUT": 5,
        # Rate limits are tested on their own (test_limits.py, test_auth.py), with them on.
        "RATELIMIT_ENABLED": False,
    }


class _RunBytecodeCache(BytecodeCache):
    """Templates compiled once per run instead of once per test's app (a third of the time
    of a page test). Keyed by template and checked against its source, as jinja2 does."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _RunBytecodeCache()


@pytest.fixture
def app(app_config, instance_path):
    app = create_app(app_config)
    app.jinja_env.bytecode_cache = _TEMPLATES
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


class RequestClient(FlaskClient):
    """A test client whose every request runs in an app context of its own, as in production.

    Without this, a request reuses the test's app context, and with it the test's database
    session and `g` (the logged-in user, the page language Flask-Babel picked), so state leaks
    from one request into the next. The test's own transaction is committed first: the request
    then sees what the test wrote, and on SQLite the test holds no write lock while it runs.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


def request_client(app) -> RequestClient:
    app.test_client_class = RequestClient
    return app.test_client()


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
