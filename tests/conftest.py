"""Fixtures: a fresh database per test, on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from registrar import create_app
from registrar.extensions import db

TEST_SECRET = "test-secret-key-not-for-production"


def _backends() -> list[str]:
    backends = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        backends.append("postgresql")
    return backends


def _fresh_postgresql(url: str) -> str:
    """An empty schema of this test run's own, made anew for every test.

    The schema is named after the process, so that two runs on one database (two terminals,
    CI beside a developer) do not drop each other's tables; the returned URL sets the
    search_path, so servers started by a test with this URL see the same tables.
    """
    from registrar.config import normalize_database_url

    url = sa.engine.make_url(normalize_database_url(url))
    schema = f"test_{os.getpid()}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    url = url.update_query_dict({"options": f"-csearch_path={schema}"})
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
    }


@pytest.fixture
def app(app_config, instance_path):
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
