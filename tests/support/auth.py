"""Logging staff in through the real /login form: with the test client, or over HTTP against
a live server (with the CSRF token the page carries, as a browser sends it); and API tokens,
made as the console makes them, as the header a program sends."""

from __future__ import annotations

import re

import requests
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from registrar.extensions import db
from registrar.models import ApiRole, Event
from registrar.services import api_tokens

# The accounts the fixtures make (support.factories.make_staff's defaults).
ORGANIZER_EMAIL = "organizer@example.org"
DOOR_EMAIL = "door@example.org"
PASSWORD = "correct horse battery"

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def log_in(
    client: FlaskClient,
    email: str = ORGANIZER_EMAIL,
    password: str = PASSWORD,
    next_: str | None = None,
) -> TestResponse:
    """Post the login form; the answer, whatever it is (tests of refusals look at it)."""
    path = "/login" + (f"?next={next_}" if next_ else "")
    return client.post(path, data={"email": email, "password": password})


def logged_in(client: FlaskClient, email: str = ORGANIZER_EMAIL, password: str = PASSWORD):
    """The client, logged in: the login must succeed."""
    response = log_in(client, email, password)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def csrf_token(page: str) -> str:
    """The CSRF token of a page's form."""
    match = CSRF.search(page)
    return match.group(1) or match.group(2)


def http_log_in(
    base: str, email: str, password: str, timeout: float = 30
) -> tuple[requests.Session, str]:
    """A staff session on the live server at `base` and its CSRF token, as the scanner page has
    them; RuntimeError when the login is refused."""
    session = requests.Session()
    token = csrf_token(session.get(f"{base}/login", timeout=timeout).text)
    answer = session.post(
        f"{base}/login",
        data={"csrf_token": token, "email": email, "password": password},
        timeout=timeout,
        allow_redirects=False,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"login of {email} failed: {answer.status_code}")
    return session, token


def api_bearer(
    account, events: Event | int | list[Event], role: ApiRole = ApiRole.READ, name: str = "reader"
) -> dict[str, str]:
    """The Authorization header of a new API token of `account` for `events` (an event, its
    id, or a list of events), committed."""
    if isinstance(events, list):
        ids = [event.id for event in events]
    else:
        ids = [events if isinstance(events, int) else events.id]
    made = api_tokens.create(name, role, ids, account, None, "x")
    db.session.commit()
    return {"Authorization": f"Bearer {made.secret}"}
