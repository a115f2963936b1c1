"""Staff sessions: what a login writes into the cookie, what every request checks, when it ends.

The session is a signed cookie, which the server cannot take back once it is out. What the
server can do is refuse it: the cookie names the account together with the account's session
generation, and every request loads the account only while that generation is still the
account's, the account is active, and the session is neither idle nor old beyond the limits
(REGISTRAR_STAFF_IDLE_TIMEOUT, REGISTRAR_STAFF_SESSION_MAX_AGE). Volunteers' door links live in
the same cookie but keep their own expiry, in the database (services/door.py).
"""

from __future__ import annotations

import time

from flask import current_app, session
from flask_login import login_user, logout_user

from ..extensions import login_manager
from ..models import StaffUser
from ..numbers import parse_id, parse_whole
from ..services import staff

# Unix times, in whole seconds, of the login and of the last request seen.
LOGGED_IN_AT = "staff_logged_in_at"
SEEN_AT = "staff_seen_at"
# Writing the last-seen time on every request would send a new cookie with every response;
# once a minute is exact enough for a timeout of hours.
_SEEN_RESOLUTION = 60


def _now() -> int:
    return int(time.time())


def begin(user: StaffUser) -> None:
    """Log this browser in as the account, from now, in the account's current generation."""
    login_user(user)
    session[LOGGED_IN_AT] = session[SEEN_AT] = _now()


def forget() -> None:
    """Log this browser out; ending the account's other sessions is staff.end_sessions."""
    logout_user()
    _drop()


@login_manager.user_loader
def _load_user(session_value: str) -> staff.SignedIn | None:
    user = None
    claim = _parse(session_value)
    if claim is not None and _within_lifetime():
        user = staff.signed_in(*claim)
    if user is None:
        # Forget the withdrawn session, so that the next request does not read it again.
        _drop()
        return None
    _seen()
    return user


def _parse(session_value: str) -> tuple[int, int] | None:
    """(account id, generation) from "id:generation"; None for anything else."""
    id_text, _, generation_text = str(session_value).partition(":")
    staff_id, generation = parse_id(id_text), parse_whole(generation_text)
    if staff_id is None or generation is None:
        return None
    return staff_id, generation


def _within_lifetime() -> bool:
    logged_in_at, seen_at = session.get(LOGGED_IN_AT), session.get(SEEN_AT)
    if not isinstance(logged_in_at, int) or not isinstance(seen_at, int):
        return False
    now = _now()
    config = current_app.config
    return now - logged_in_at < int(
        config["REGISTRAR_STAFF_SESSION_MAX_AGE"]
    ) and now - seen_at < int(config["REGISTRAR_STAFF_IDLE_TIMEOUT"])


def _seen() -> None:
    now = _now()
    if now - session[SEEN_AT] >= _SEEN_RESOLUTION:
        session[SEEN_AT] = now


def _drop() -> None:
    # Flask-Login's own keys as well: logout_user() cannot run inside the user loader.
    for key in ("_user_id", "_fresh", "_id", LOGGED_IN_AT, SEEN_AT):
        session.pop(key, None)
