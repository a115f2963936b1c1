"""Rate limits beyond the login's: token pages per client address, scans per door.

The numbers are settings (REGISTRAR_TOKEN_LIMIT, REGISTRAR_SCAN_LIMIT); the counters live where
RATELIMIT_STORAGE_URI says, shared by every worker when that is Redis. A limited request gets
the clear 429 page, or the JSON error on the API, which the scanner keeps in its queue.
"""

from __future__ import annotations

from flask import current_app, session
from flask_limiter.util import get_remote_address

from ..extensions import limiter
from .access import DOOR_LINK_KEY


def _door_key() -> str:
    # Doors behind one venue router share an address; each door's session is its own.
    who = session.get("_user_id") or session.get(DOOR_LINK_KEY)
    return f"door:{who}" if who else f"address:{get_remote_address()}"


# One budget for all of a visitor's token pages together (the RSVP page, its badge and
# calendar files, volunteers' door links): guessing links costs the same wherever it is tried.
token_pages = limiter.shared_limit(
    lambda: current_app.config["REGISTRAR_TOKEN_LIMIT"], scope="token-pages"
)

scans = limiter.shared_limit(
    lambda: current_app.config["REGISTRAR_SCAN_LIMIT"], scope="scans", key_func=_door_key
)
