"""The test app's secret and template cache, the client that gives each request its own app
context, and a page read as text."""

from __future__ import annotations

import re
from html import unescape

from flask import Flask
from flask.testing import FlaskClient
from jinja2 import BytecodeCache

from registrar.extensions import db

TEST_SECRET = "test-secret-key-not-for-production"


def text(response) -> str:
    """A response's page as text, HTML entities resolved."""
    return unescape(response.get_data(as_text=True))


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


TEMPLATES = _RunBytecodeCache()


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


def request_client(app: Flask) -> RequestClient:
    app.test_client_class = RequestClient
    return app.test_client()


def confirm(client: FlaskClient, path: str, **query: str):
    """An action that asks for confirmation, done as the organizer does it: open its page, then
    press its button (which sends back the page's CSRF token and confirmation)."""
    page = client.get(path, query_string=query).get_data(as_text=True)
    data = dict(re.findall(r'<input[^>]*name="(csrf_token|confirm)"[^>]*value="([^"]*)"', page))
    return client.post(path, query_string=query, data=data)
