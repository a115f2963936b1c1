"""API tokens on the wire: `Authorization: Bearer <token>` on any /api/v1 request.

A request with a token is the token's alone: it needs no CSRF token, and the session cookie it
may also carry is not read (neither its account nor a door link). A request without one is a
browser's: its session, and its CSRF token on every POST, as before. Which token may do what
for which event is services/api_tokens.py's (`Caller.may`).
"""

from __future__ import annotations

from flask import Response, current_app, g, request
from flask_babel import gettext as _

from ... import unit_of_work
from ...extensions import csrf, login_manager
from ...models import ApiRole
from ...services import api_tokens
from ..errors import error_page

SCHEME = "bearer"
# What a 401 of the API says about how to authenticate (RFC 6750).
CHALLENGE = 'Bearer realm="registrar"'
INVALID_TOKEN = 'Bearer realm="registrar", error="invalid_token"'


def presented() -> str | None:
    """The token of the request's Authorization header: None without the header, "" for a
    header of another scheme or without a token (refused like a wrong token)."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, value = header.strip().partition(" ")
    return value.strip() if scheme.lower() == SCHEME else ""


def caller() -> api_tokens.Caller | None:
    """The token this request came with, once accepted (None: a browser's session request)."""
    found: api_tokens.Caller | None = g.get("api_caller")
    return found


def authenticate() -> Response | tuple[Response, int, dict[str, str]] | None:
    """Before every API view: accept the request's token, or refuse it with 401; without a
    token, check the session's CSRF token as Flask-WTF would (the blueprint is exempt)."""
    token = presented()
    if token is None:
        config = current_app.config
        if config["WTF_CSRF_ENABLED"] and config["WTF_CSRF_CHECK_DEFAULT"]:
            csrf.protect()
        return None
    try:
        accepted = api_tokens.authenticate(token)
    except api_tokens.TokenRefused as exc:
        body, status = error_page(401, _("Please log in"), str(exc))
        return body, status, {"WWW-Authenticate": INVALID_TOKEN}
    g.api_caller = accepted
    # The session's account is not this request's: current_user stays anonymous.
    # (Flask-Login's own cache of the request's user; typings/flask_login leaves it out.)
    g._login_user = login_manager.anonymous_user()  # type: ignore[attr-defined]
    # At most once a minute per token, in a short transaction of its own; no transaction at
    # all for the requests in between.
    if accepted.use_to_note:
        unit_of_work.run(lambda: api_tokens.note_use(accepted.token_id))
    return None


def challenge(response: Response) -> Response:
    """Every 401 of the API says that a bearer token is one way in."""
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", CHALLENGE)
    return response


def need_for_method() -> ApiRole:
    """What a token needs for this request: reading for GET and HEAD, the door for a POST."""
    return ApiRole.READ if request.method in ("GET", "HEAD") else ApiRole.DOOR
