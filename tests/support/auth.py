"""Logging staff in through the real /login form: with the test client, or over HTTP against
a live server (with the CSRF token the page carries, as a browser sends it)."""

from __future__ import annotations

import re

import requests
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

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
